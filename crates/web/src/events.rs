//! Live updates (issue 10): `GET /events`, a stream of server-sent events
//! (HTML Living Standard §9.2, `text/event-stream`), and `GET /changes`,
//! what changed since a state, shaped after JMAP's `Email/changes`
//! (RFC 8620 §5.2, RFC 8621 §4.3) so that a JMAP API can later answer from
//! the same log.
//!
//! Both read the account change log (`Store::account_changes`, one
//! sequence number per transaction: the JMAP state). The stream is woken
//! by the store's change notifications, the same subscription IMAP IDLE
//! uses (`Store::subscribe`): on PostgreSQL they come by LISTEN/NOTIFY, so
//! mail delivered by another process on the same database wakes it too.
//! One task per process reads them and wakes only the streams of the
//! account concerned (a `watch` channel per account with open streams).
//! An event only says "the state is now N" (`id:` is N, so a reconnecting
//! browser sends it back as `Last-Event-ID`); the page then asks
//! `/changes?since=<its state>` and refreshes what it shows.
//!
//! Bounds: at most [`MAX_PER_SESSION`] streams per session (tabs) and
//! [`MAX_STREAMS`] per process, a heartbeat comment every
//! [`HEARTBEAT`] (proxies close silent connections), at most one event per
//! [`COALESCE`] (a move of 200 messages is one event), the session
//! checked at every heartbeat (logout, expiry or password change end the
//! stream; the stream itself does not keep a session alive), and every
//! stream ended at shutdown so the graceful shutdown is not held.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use vesontio_store::ChangeKind;
use vesontio_types::AccountId;

use crate::i18n::T;
use crate::session::Authed;
use crate::{Web, WebError};

/// Streams one session may hold open at once (one per tab). Few: over
/// HTTP/1.1 a browser opens at most six connections to a host, and each
/// stream holds one for good; tabs past this one get no live updates (a
/// reload still shows everything) rather than starving page loads.
pub const MAX_PER_SESSION: usize = 3;
/// Streams one process holds at most (each is a connection and a task).
pub const MAX_STREAMS: usize = 20_000;
/// A comment line this often keeps proxies from closing the stream.
pub const HEARTBEAT: Duration = Duration::from_secs(25);
/// Changes this close together make one event.
pub const COALESCE: Duration = Duration::from_millis(250);
/// Entries of the change log one `/changes` answer reads at most.
const MAX_CHANGES: usize = 2000;

/// Per account with an open stream: how many, and the channel its streams
/// wait on (a counter bumped at each of its changes).
type Watchers = HashMap<i64, (usize, watch::Sender<u64>)>;

/// The open streams of this process, by session and by account, and the
/// one task that reads the store's change notifications for all of them
/// (so a delivery wakes only its own account's streams, not all 20,000).
#[derive(Default)]
pub struct Streams {
    by_session: Mutex<HashMap<String, usize>>,
    by_account: Arc<Mutex<Watchers>>,
    dispatcher: OnceLock<()>,
}

/// One open stream's place, given back when the stream ends.
struct Slot {
    web: Web,
    key: String,
    account: i64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Streams {
    /// A place for a stream of `key`'s session on `account`, and the
    /// channel that says when the account changed; `None` over a bound.
    fn take(
        &self,
        web: &Web,
        key: &str,
        account: AccountId,
    ) -> Option<(Slot, watch::Receiver<u64>)> {
        self.start(web);
        let mut m = lock(&self.by_session);
        let total: usize = m.values().sum();
        let n = m.entry(key.to_string()).or_insert(0);
        if *n >= MAX_PER_SESSION || total >= MAX_STREAMS {
            if *n == 0 {
                m.remove(key);
            }
            return None;
        }
        *n += 1;
        let mut a = lock(&self.by_account);
        let entry = a
            .entry(account.0)
            .or_insert_with(|| (0, watch::channel(0).0));
        entry.0 += 1;
        Some((
            Slot {
                web: web.clone(),
                key: key.to_string(),
                account: account.0,
            },
            entry.1.subscribe(),
        ))
    }

    /// Starts the dispatcher once: subscribed here, before any stream
    /// reads its first state, so no change falls between.
    fn start(&self, web: &Web) {
        self.dispatcher.get_or_init(|| {
            let mut rx = web.store().subscribe();
            let (watchers, stop) = (self.by_account.clone(), web.stop_token());
            tokio::spawn(async move {
                let bump = |tx: &watch::Sender<u64>| tx.send_modify(|n| *n = n.wrapping_add(1));
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        c = rx.recv() => match c {
                            Ok(c) => {
                                if let Some((_, tx)) = lock(&watchers).get(&c.account_id.0) {
                                    bump(tx);
                                }
                            }
                            // Some were lost: every account may have changed.
                            Err(RecvError::Lagged(_)) => lock(&watchers).values().for_each(|(_, tx)| bump(tx)),
                            Err(RecvError::Closed) => return,
                        },
                    }
                }
            });
        });
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let streams = self.web.streams();
        let mut m = lock(&streams.by_session);
        if let Some(n) = m.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.key);
            }
        }
        drop(m);
        let mut a = lock(&streams.by_account);
        if let Some(e) = a.get_mut(&self.account) {
            e.0 = e.0.saturating_sub(1);
            if e.0 == 0 {
                a.remove(&self.account);
            }
        }
    }
}

/// The account's current state (its change sequence number).
pub async fn state(web: &Web, account: AccountId) -> Result<i64, WebError> {
    Ok(web.store().account_changes(account, i64::MAX, 1).await?.1)
}

#[derive(Deserialize, Default)]
pub struct EventsQuery {
    since: Option<String>,
}

struct Live {
    web: Web,
    account: AccountId,
    id_hash: String,
    /// The state the browser has been told of.
    sent: i64,
    /// Bumped by the dispatcher at each change of the account.
    rx: watch::Receiver<u64>,
    beat: tokio::time::Interval,
    first: bool,
    _slot: Slot,
}

fn change_event(state: i64) -> Event {
    Event::default()
        .event("change")
        .id(state.to_string())
        .data(format!("{{\"state\":\"{state}\"}}"))
}

pub async fn events(
    State(web): State<Web>,
    Authed(s): Authed,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Response, WebError> {
    // A reconnecting browser says where it was (`Last-Event-ID`); a new
    // page says which state it was rendered at.
    let since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .or_else(|| q.since.as_deref().and_then(|v| v.parse::<i64>().ok()))
        .unwrap_or(0);
    // Watched before the state is read: a change in between is heard.
    let Some((slot, rx)) = web.streams().take(&web, &s.id_hash, s.account.id) else {
        tracing::info!(
            account = s.account.id.0,
            "event stream refused: too many open"
        );
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, HeaderValue::from_static("60"))],
        )
            .into_response());
    };
    let every = web.heartbeat();
    let live = Live {
        web: web.clone(),
        account: s.account.id,
        id_hash: s.id_hash.clone(),
        sent: since,
        rx,
        beat: tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        first: true,
        _slot: slot,
    };
    let stream = futures_util::stream::unfold(live, next);
    Ok(Sse::new(stream).into_response())
}

/// The stream's next event, or `None` to end it.
async fn next(mut st: Live) -> Option<(Result<Event, Infallible>, Live)> {
    if st.first {
        st.first = false;
        let now = state(&st.web, st.account).await.ok()?;
        // The browser reconnects 5 s after a dropped connection.
        let ev = if now > st.sent {
            st.sent = now;
            change_event(now)
        } else {
            Event::default().comment("ready")
        };
        return Some((Ok(ev.retry(Duration::from_secs(5))), st));
    }
    let stop = st.web.stop_token();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return None,
            _ = st.beat.tick() => {
                if !alive(&st.web, &st.id_hash).await {
                    return None;
                }
                return Some((Ok(Event::default().comment("ping")), st));
            }
            c = st.rx.changed() => {
                if c.is_err() {
                    return None;
                }
                tokio::time::sleep(COALESCE).await;
                // What came meanwhile is covered by the state read next.
                st.rx.borrow_and_update();
                let now = state(&st.web, st.account).await.ok()?;
                if now > st.sent {
                    st.sent = now;
                    return Some((Ok(change_event(now)), st));
                }
            }
        }
    }
}

/// The session still exists and has expired neither way (checked without
/// touching it: an open tab does not keep a session alive).
async fn alive(web: &Web, id_hash: &str) -> bool {
    let now = web.now();
    let c = web.config();
    match web.store().web_session(id_hash).await {
        Ok(Some(row)) => {
            now - row.last_seen_at <= c.session_idle_secs
                && now - row.created_at <= c.session_absolute_secs
                && !row.must_change_password
        }
        _ => false,
    }
}

#[derive(Deserialize, Default)]
pub struct ChangesQuery {
    since: Option<String>,
}

/// `GET /changes?since=<state>`: RFC 8620 §5.2's answer (`oldState`,
/// `newState`, `hasMoreChanges`, `created`, `updated`, `destroyed`, email
/// ids as strings), plus what the page shows of every folder (counts as
/// RFC 8621 §2's `totalEmails` and `unreadEmails`, with the sentence a
/// screen reader hears) and the folders the changes touched. A state the
/// log no longer covers (pruned, or unknown) gets `cannotCalculateChanges`
/// and the current state: the page then refreshes what it shows.
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
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or(WebError::BadRequest)?;
    let account = s.account.id;
    let store = web.store();
    let horizon = store.changes_horizon(account).await?;
    let (mut entries, current) = store.account_changes(account, since, MAX_CHANGES).await?;
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
    let body = if since < horizon || since > current {
        serde_json::json!({
            "accountId": account.0.to_string(),
            "type": "cannotCalculateChanges",
            "oldState": since.to_string(),
            "newState": current.to_string(),
            "mailboxes": mailboxes,
        })
    } else {
        let last = entries.last().map(|e| e.seq).unwrap_or(since);
        let mut new_state = current.max(last);
        if entries.len() >= MAX_CHANGES && entries.first().map(|e| e.seq) != Some(last) {
            // Cut between transactions, never inside one.
            entries.retain(|e| e.seq < last);
            new_state = last - 1;
        }
        let mut kinds: Vec<(i64, bool, bool)> = Vec::new();
        let mut touched = BTreeSet::new();
        for e in &entries {
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
            "oldState": since.to_string(),
            "newState": new_state.to_string(),
            "hasMoreChanges": new_state < current,
            "created": ids(&|c, d| c && !d),
            "updated": ids(&|c, d| c == d),
            "destroyed": ids(&|c, d| d && !c),
            "changedMailboxes": touched.iter().map(|m| m.to_string()).collect::<Vec<_>>(),
            "mailboxes": mailboxes,
        })
    };
    Ok(crate::page::json(axum::http::StatusCode::OK, &body))
}
