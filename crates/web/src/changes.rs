//! What live updates follow: the person's own account change log and the
//! logs of the functional mailboxes (R2) they may read, and `GET
//! /changes`, what changed since a state, shaped after JMAP's
//! `Email/changes` (RFC 8620 §5.2, RFC 8621 §4.3).
//!
//! The log is kept per account (one sequence number per transaction), and
//! mail delivered to a functional mailbox is in the functional account's
//! log, not in its members'. So the state a page is rendered at is one
//! number per followed log: `N` for a person without shared folders (the
//! plain JMAP state, as before), `N,7:13,9:5` with one `account:seq` per
//! functional mailbox read (RFC 8620 §1.2 leaves a state opaque to the
//! client: the page only sends it back). A functional mailbox is followed
//! only when the member holds `l` and `r` on it (RFC 4314): a member who
//! may not read it hears nothing of its mail.

use std::collections::BTreeSet;

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vesontio_store::{Account, AccountChange, ChangeKind, Store};
use vesontio_types::AccountId;

use crate::i18n::T;
use crate::session::Authed;
use crate::{Web, WebError};

/// Entries of one change log one `/changes` answer reads at most.
const MAX_CHANGES: usize = 2000;
/// Functional mailboxes a state carries at most (a member of more sees
/// the first ones live; a reload shows the others).
const MAX_FOLLOWED: usize = 50;

/// A position in every log the person's pages follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveState {
    pub own: i64,
    /// (functional account, its sequence number), by account.
    pub shared: Vec<(i64, i64)>,
}

impl LiveState {
    pub fn encode(&self) -> String {
        let mut s = self.own.to_string();
        for (a, n) in &self.shared {
            s.push_str(&format!(",{a}:{n}"));
        }
        s
    }

    pub fn parse(s: &str) -> Option<LiveState> {
        let mut parts = s.split(',');
        let own = parts.next()?.trim().parse().ok()?;
        let mut shared = Vec::new();
        for p in parts.take(MAX_FOLLOWED) {
            let (a, n) = p.split_once(':')?;
            shared.push((a.trim().parse().ok()?, n.trim().parse().ok()?));
        }
        Some(LiveState { own, shared })
    }

    fn of(&self, account: i64) -> Option<i64> {
        self.shared.iter().find(|(a, _)| *a == account).map(|x| x.1)
    }

    /// Whether some log moved on since `sent` (a log `sent` did not know
    /// of counts as moved).
    pub fn ahead_of(&self, sent: &LiveState) -> bool {
        self.own > sent.own
            || self
                .shared
                .iter()
                .any(|(a, n)| sent.of(*a).is_none_or(|m| *n > m))
    }
}

/// The functional mailboxes whose logs `account`'s pages follow: those it
/// may see and read (`l` and `r`), by account id.
pub async fn followed(web: &Web, account: &Account) -> Result<Vec<AccountId>, WebError> {
    let mut ids: Vec<AccountId> = vesontio_access::folders::groups(web.store(), account)
        .await?
        .into_iter()
        .filter(|(_, rights)| rights.contains('r'))
        .map(|(g, _)| g.id)
        .collect();
    ids.sort_by_key(|a| a.0);
    ids.truncate(MAX_FOLLOWED);
    Ok(ids)
}

async fn seq(store: &Store, account: AccountId) -> Result<i64, WebError> {
    Ok(store.account_changes(account, i64::MAX, 1).await?.1)
}

/// The current state of `own` and the `shared` logs.
pub async fn current(
    web: &Web,
    own: AccountId,
    shared: &[AccountId],
) -> Result<LiveState, WebError> {
    let store = web.store();
    let mut st = LiveState {
        own: seq(store, own).await?,
        shared: Vec::with_capacity(shared.len()),
    };
    for a in shared {
        st.shared.push((a.0, seq(store, *a).await?));
    }
    Ok(st)
}

/// The state a page of `account` is rendered at.
pub async fn state(web: &Web, account: &Account) -> Result<String, WebError> {
    let shared = followed(web, account).await?;
    Ok(current(web, account.id, &shared).await?.encode())
}

/// One log's changes since a position.
struct Part {
    entries: Vec<AccountChange>,
    /// Where the answer stops (before `current` when cut).
    new_state: i64,
    current: i64,
    /// The position is one the log no longer covers (pruned, unknown).
    cannot: bool,
}

async fn part(store: &Store, account: AccountId, since: Option<i64>) -> Result<Part, WebError> {
    let horizon = store.changes_horizon(account).await?;
    // Without a position, only the current state is read.
    let (mut entries, current) = store
        .account_changes(account, since.unwrap_or(i64::MAX), MAX_CHANGES)
        .await?;
    let Some(since) = since.filter(|s| *s >= horizon && *s <= current) else {
        return Ok(Part {
            entries: Vec::new(),
            new_state: current,
            current,
            cannot: true,
        });
    };
    let last = entries.last().map(|e| e.seq).unwrap_or(since);
    let mut new_state = current.max(last);
    if entries.len() >= MAX_CHANGES && entries.first().map(|e| e.seq) != Some(last) {
        // Cut between transactions, never inside one.
        entries.retain(|e| e.seq < last);
        new_state = last - 1;
    }
    Ok(Part {
        entries,
        new_state,
        current,
        cannot: false,
    })
}

#[derive(Deserialize, Default)]
pub struct ChangesQuery {
    since: Option<String>,
}

/// `GET /changes?since=<state>`: RFC 8620 §5.2's answer (`oldState`,
/// `newState`, `hasMoreChanges`, `created`, `updated`, `destroyed`, email
/// ids as strings), over the person's own log and the followed functional
/// mailboxes', plus what the page shows of every folder (counts as RFC
/// 8621 §2's `totalEmails` and `unreadEmails`, with the sentence a screen
/// reader hears) and the folders the changes touched. A state some log no
/// longer covers (pruned, or unknown) gets `cannotCalculateChanges` and
/// the current state: the page then refreshes what it shows.
///
/// The log is kept per folder, so an email removed from one of two
/// folders it is in shows as destroyed; a JMAP API will check the email's
/// remaining rows.
pub async fn changes(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Query(q): Query<ChangesQuery>,
) -> Result<Response, WebError> {
    let since = q
        .since
        .as_deref()
        .and_then(LiveState::parse)
        .ok_or(WebError::BadRequest)?;
    let account = s.account.id;
    let store = web.store();
    let followed = followed(&web, &s.account).await?;
    let mut parts = vec![part(store, account, Some(since.own)).await?];
    for g in &followed {
        parts.push(part(store, *g, since.of(g.0)).await?);
    }
    let state_of = |f: &dyn Fn(&Part) -> i64| LiveState {
        own: f(&parts[0]),
        shared: followed
            .iter()
            .zip(&parts[1..])
            .map(|(g, p)| (g.0, f(p)))
            .collect(),
    };
    // Functional mailboxes' folders with the member's own unseen (R2).
    let mailboxes: Vec<serde_json::Value> = crate::mail::folders(&web, &s.account)
        .await?
        .iter()
        .map(|f| {
            let m = &f.mailbox;
            serde_json::json!({
                "id": m.id.0.to_string(),
                "totalEmails": m.total,
                "unreadEmails": f.unseen,
                "unreadLabel": t.fmt("list.unread_count", &f.unseen),
            })
        })
        .collect();
    let body = if parts.iter().any(|p| p.cannot) {
        serde_json::json!({
            "accountId": account.0.to_string(),
            "type": "cannotCalculateChanges",
            "oldState": since.encode(),
            "newState": state_of(&|p| p.current).encode(),
            "mailboxes": mailboxes,
        })
    } else {
        let mut kinds: Vec<(i64, bool, bool)> = Vec::new();
        let mut touched = BTreeSet::new();
        for e in parts.iter().flat_map(|p| &p.entries) {
            touched.insert(e.mailbox_id.0);
            if e.email_id == 0 || e.kind == ChangeKind::Mailbox {
                continue;
            }
            let i = match kinds.iter().position(|k| k.0 == e.email_id) {
                Some(i) => i,
                None => {
                    kinds.push((e.email_id, false, false));
                    kinds.len() - 1
                }
            };
            match e.kind {
                ChangeKind::Created => kinds[i].1 = true,
                ChangeKind::Destroyed => kinds[i].2 = true,
                _ => {}
            }
        }
        let ids = |f: &dyn Fn(bool, bool) -> bool| -> Vec<String> {
            kinds
                .iter()
                .filter(|k| f(k.1, k.2))
                .map(|k| k.0.to_string())
                .collect()
        };
        serde_json::json!({
            "accountId": account.0.to_string(),
            "oldState": since.encode(),
            "newState": state_of(&|p| p.new_state).encode(),
            "hasMoreChanges": parts.iter().any(|p| p.new_state < p.current),
            "created": ids(&|c, d| c && !d),
            "updated": ids(&|c, d| c == d),
            "destroyed": ids(&|c, d| d && !c),
            "changedMailboxes": touched.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
            "mailboxes": mailboxes,
        })
    };
    Ok(crate::page::json(axum::http::StatusCode::OK, &body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::LiveState;

    #[test]
    fn states_round_trip_and_compare_per_log() {
        let plain = LiveState::parse("42").unwrap();
        assert_eq!(plain.encode(), "42");
        let st = LiveState::parse("42,7:13,9:5").unwrap();
        assert_eq!(st.shared, vec![(7, 13), (9, 5)]);
        assert_eq!(st.encode(), "42,7:13,9:5");
        assert!(!st.ahead_of(&st));
        // A functional mailbox's log moved: ahead, the own one unchanged.
        assert!(LiveState::parse("42,7:14,9:5").unwrap().ahead_of(&st));
        // A log the browser did not know of.
        assert!(st.ahead_of(&plain));
        assert!(!plain.ahead_of(&st));
        for bad in ["", "x", "1,2", "1,a:3", "1,2:"] {
            assert_eq!(LiveState::parse(bad), None, "{bad:?}");
        }
    }
}
