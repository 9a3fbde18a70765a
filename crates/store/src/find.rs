//! What a webmail (and, later, JMAP `Email/query` and `Thread` lists) asks
//! of the mail model beyond one folder's sorted page: a search across one
//! folder or all of an account's (sender, recipient, subject, body, date
//! range, attachment), conversation lists (one row per thread) and the
//! pruning of the account change log.
//!
//! Searches narrow with the trigram index of the stored search text, then
//! check each candidate exactly against that text (the index is a
//! superset: a term found in the header block may be in another field).
//! Work per call is bounded: at most [`SCAN_LIMIT`] candidates are checked,
//! and a page that ran out of budget still returns a cursor, so a search
//! of a huge mailbox is paged, never a hang.

use crate::sql;
use vesontio_message::mime::SearchText;
use vesontio_types::{AccountId, MailboxId, UnixTime};

use crate::Store;
use crate::error::Result;
use crate::messages::{COLS, from_row};
use crate::model::MessageMeta;
use crate::views::ListItem;

/// Most candidate rows one call checks exactly.
pub const SCAN_LIMIT: usize = 2_000;

/// A search: every criterion given must hold. Text terms match
/// case-insensitively as substrings of the decoded text (RFC 9051 §6.4.4's
/// SEARCH semantics, which webmail users also expect).
#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    /// The folders to search; empty means every folder of the account.
    pub mailboxes: Vec<MailboxId>,
    /// In `From:` (or `Sender:`).
    pub from: Option<String>,
    /// In `To:`, `Cc:` or `Bcc:`.
    pub to: Option<String>,
    pub subject: Option<String>,
    /// In the readable body text.
    pub body: Option<String>,
    /// Anywhere: any header field or the body.
    pub text: Option<String>,
    /// Received at or after (internal date).
    pub since: Option<UnixTime>,
    /// Received strictly before.
    pub before: Option<UnixTime>,
    pub has_attachment: Option<bool>,
}

impl MessageQuery {
    fn terms(&self) -> Vec<(Field, String)> {
        let mut out = Vec::new();
        for (f, t) in [
            (Field::From, &self.from),
            (Field::To, &self.to),
            (Field::Subject, &self.subject),
            (Field::Body, &self.body),
            (Field::Text, &self.text),
        ] {
            if let Some(t) = t.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                out.push((f, t.to_lowercase()));
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
enum Field {
    From,
    To,
    Subject,
    Body,
    Text,
}

impl Field {
    fn holds(self, text: &SearchText, term: &str) -> bool {
        let any = |names: &[&str]| names.iter().any(|n| text.header_has(n, term));
        match self {
            Field::From => any(&["from", "sender"]),
            Field::To => any(&["to", "cc", "bcc"]),
            Field::Subject => any(&["subject"]),
            Field::Body => text.body.contains(term),
            Field::Text => {
                text.body.contains(term) || text.headers.iter().any(|(_, v)| v.contains(term))
            }
        }
    }
    /// The index columns a candidate holds the term in (any of them).
    fn columns(self) -> &'static [&'static str] {
        use crate::TermField as T;
        crate::textsearch::superset_columns(match self {
            Field::Body => T::Body,
            Field::Text => T::Text,
            _ => T::Header,
        })
    }
}

/// Where a search or conversation page ends: newest first, by internal
/// date then row id (a search) or UID (one folder's conversations).
/// Opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FindCursor {
    at: UnixTime,
    id: i64,
}

impl FindCursor {
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at, self.id)
    }
    pub fn decode(s: &str) -> Option<FindCursor> {
        let (a, b) = s.split_once('.')?;
        Some(FindCursor {
            at: a.parse().ok()?,
            id: b.parse().ok()?,
        })
    }
}

/// A page of search results, newest first.
#[derive(Debug, Clone)]
pub struct Found {
    pub items: Vec<ListItem>,
    /// Where to continue; `None` when every candidate was checked.
    pub next: Option<FindCursor>,
}

/// One conversation of a folder: its newest message there, and counts.
#[derive(Debug, Clone)]
pub struct ThreadRow {
    pub thread_id: i64,
    /// The newest message of the thread in this folder.
    pub latest: ListItem,
    /// Messages of the thread in this folder.
    pub count: i64,
    /// Of those, not `\Seen`.
    pub unseen: i64,
}

/// A page of conversations, the most recently active first.
#[derive(Debug, Clone)]
pub struct ThreadPage {
    pub threads: Vec<ThreadRow>,
    pub next: Option<FindCursor>,
}

impl Store {
    /// Messages of `account` matching `q`, newest first, at most `limit`,
    /// after `after`.
    pub async fn find_messages(
        &self,
        account: AccountId,
        q: &MessageQuery,
        after: Option<FindCursor>,
        limit: usize,
    ) -> Result<Found> {
        let limit = limit.clamp(1, 200);
        let terms = q.terms();
        let mut sql = format!(
            "SELECT {COLS} FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = $1)"
        );
        let mut n = 1;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !q.mailboxes.is_empty() {
            let ps: Vec<String> = q.mailboxes.iter().map(|_| next()).collect();
            sql.push_str(&format!(" AND mailbox_id IN ({})", ps.join(", ")));
        }
        if q.since.is_some() {
            sql.push_str(&format!(" AND internal_date >= {}", next()));
        }
        if q.before.is_some() {
            sql.push_str(&format!(" AND internal_date < {}", next()));
        }
        if q.has_attachment.is_some() {
            sql.push_str(&format!(" AND has_attachment = {}", next()));
        }
        if after.is_some() {
            let (a, b) = (next(), next());
            sql.push_str(&format!(" AND (internal_date, id) < ({a}, {b})"));
        }
        // The index narrows (terms too short for trigrams are left to the
        // exact check); candidates are then checked exactly.
        let narrowing: Vec<(&[&str], &str)> = terms
            .iter()
            .filter(|(_, t)| crate::textsearch::indexable(t))
            .map(|(f, t)| (f.columns(), t.as_str()))
            .collect();
        let mut text_binds = Vec::new();
        if !narrowing.is_empty() {
            // The last values bound: the placeholders after the others.
            let first = n + 1;
            let (cond, binds) =
                crate::textsearch::text_condition(self.dialect(), &narrowing, first);
            text_binds = binds;
            sql.push_str(&format!(
                " AND (content_id = 0 OR content_id IS NULL OR {cond})"
            ));
        }
        sql.push_str(&format!(
            " ORDER BY internal_date DESC, id DESC LIMIT {}",
            SCAN_LIMIT + 1
        ));
        let mut query = sql::query(sql::Safe(sql)).bind(account.0);
        for m in &q.mailboxes {
            query = query.bind(m.0);
        }
        if let Some(s) = q.since {
            query = query.bind(s);
        }
        if let Some(b) = q.before {
            query = query.bind(b);
        }
        if let Some(h) = q.has_attachment {
            query = query.bind(h as i64);
        }
        if let Some(c) = after {
            query = query.bind(c.at).bind(c.id);
        }
        for b in text_binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self.r().heavy()).await?;
        let exhausted = rows.len() <= SCAN_LIMIT;
        let candidates = rows
            .iter()
            .take(SCAN_LIMIT)
            .map(from_row)
            .collect::<Result<Vec<MessageMeta>>>()?;
        let total = candidates.len();
        let last_checked = candidates.last().map(cursor_of);
        let (hits, checked) = self.check_exactly(candidates, &terms, limit).await?;
        let next = if hits.len() == limit && (checked < total || !exhausted) {
            // A full page with rows left: continue after its last hit.
            hits.last().map(cursor_of)
        } else if hits.len() < limit && !exhausted {
            // The budget ran out before a full page: continue after the
            // last row checked.
            last_checked
        } else {
            None
        };
        Ok(Found {
            items: self.with_models(hits).await?,
            next,
        })
    }

    /// Keeps the candidates (in order) whose stored text holds every term,
    /// up to `limit`; returns them and how many candidates were looked at.
    async fn check_exactly(
        &self,
        candidates: Vec<MessageMeta>,
        terms: &[(Field, String)],
        limit: usize,
    ) -> Result<(Vec<MessageMeta>, usize)> {
        /// Candidates whose texts are read in one query.
        const CHUNK: usize = 200;
        if terms.is_empty() {
            let n = candidates.len().min(limit);
            return Ok((candidates.into_iter().take(limit).collect(), n));
        }
        let body = terms
            .iter()
            .any(|(f, _)| matches!(f, Field::Body | Field::Text));
        let mut hits = Vec::new();
        let mut checked = 0;
        let mut rest = candidates.into_iter().peekable();
        while rest.peek().is_some() && hits.len() < limit {
            let chunk: Vec<MessageMeta> = rest.by_ref().take(CHUNK).collect();
            let ids: Vec<i64> = chunk
                .iter()
                .map(|m| m.content_id)
                .filter(|&c| c != 0)
                .collect();
            let texts = self.search_texts(&ids, body).await?;
            for m in chunk {
                if hits.len() == limit {
                    break;
                }
                checked += 1;
                let text = match texts.get(&m.content_id) {
                    Some(t) => t.clone(),
                    // Not upgraded yet: decode the stored message once.
                    None => SearchText::of(&self.read_blob_sized(&m.blob_id, m.size).await?),
                };
                if terms.iter().all(|(f, t)| f.holds(&text, t)) {
                    hits.push(m);
                }
            }
        }
        Ok((hits, checked))
    }

    /// The conversations with a message in `mailbox`, the most recently
    /// active there first, `limit` after `after`. One row per thread:
    /// its newest message in the folder and the folder's counts.
    pub async fn list_threads(
        &self,
        mailbox: MailboxId,
        after: Option<FindCursor>,
        limit: usize,
    ) -> Result<ThreadPage> {
        let limit = limit.clamp(1, 200);
        // The newest row of each thread in the folder is the one no later
        // row of the same thread beats. Within one folder (internal_date,
        // uid) orders rows and is an index (`messages_by_received`), so the
        // scan walks it newest first and stops at the page's end.
        let cond = if after.is_some() {
            " AND (m.internal_date, m.uid) < ($2, $3)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {cols}, \
               (SELECT COUNT(*) FROM messages c WHERE c.thread_id = m.thread_id AND c.mailbox_id = m.mailbox_id) AS n, \
               (SELECT COUNT(*) FROM messages c WHERE c.thread_id = m.thread_id AND c.mailbox_id = m.mailbox_id AND c.seen = 0) AS unseen \
             FROM messages m WHERE m.mailbox_id = $1{cond} AND NOT EXISTS \
               (SELECT 1 FROM messages o WHERE o.thread_id = m.thread_id AND o.mailbox_id = m.mailbox_id \
                AND (o.internal_date > m.internal_date OR (o.internal_date = m.internal_date AND o.uid > m.uid))) \
             ORDER BY m.internal_date DESC, m.uid DESC LIMIT {}",
            limit + 1,
            cols = qualified_cols("m"),
        );
        let mut query = sql::query(sql::Safe(sql)).bind(mailbox.0);
        if let Some(c) = after {
            query = query.bind(c.at).bind(c.id);
        }
        let rows = query.fetch_all(self.r().heavy()).await?;
        let more = rows.len() > limit;
        let mut metas = Vec::with_capacity(limit);
        let mut counts = Vec::with_capacity(limit);
        for r in rows.iter().take(limit) {
            metas.push(from_row(r)?);
            counts.push((r.try_get::<i64, _>("n")?, r.try_get::<i64, _>("unseen")?));
        }
        let next = if more {
            metas.last().map(|m| FindCursor {
                at: m.internal_date,
                id: m.uid as i64,
            })
        } else {
            None
        };
        let items = self.with_models(metas).await?;
        let threads = items
            .into_iter()
            .zip(counts)
            .map(|(latest, (count, unseen))| ThreadRow {
                thread_id: latest.meta.thread_id,
                latest,
                count,
                unseen,
            })
            .collect();
        Ok(ThreadPage { threads, next })
    }

    /// Forgets the account change log's entries older than `before`. A
    /// client whose last known position is older than what remains must
    /// reload in full ([`Store::changes_horizon`]; JMAP's
    /// `cannotCalculateChanges`, RFC 8620 §5.2).
    pub async fn prune_changes(&self, before: UnixTime) -> Result<u64> {
        let mut tx = self.begin_fast().await?;
        // Remember, per account, the newest entry forgotten, in the same
        // transaction as the deletion.
        sql::query(
            "UPDATE accounts SET changes_pruned_seq = \
               (SELECT MAX(seq) FROM changes c WHERE c.account_id = accounts.id AND c.at < $1) \
             WHERE EXISTS (SELECT 1 FROM changes c WHERE c.account_id = accounts.id AND c.at < $1)",
        )
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let done = sql::query("DELETE FROM changes WHERE at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// The oldest position from which [`Store::account_changes`] is still
    /// complete: a `since` below it has lost entries to pruning.
    pub async fn changes_horizon(&self, account: AccountId) -> Result<i64> {
        let (seq,): (i64,) = sql::query_as("SELECT changes_pruned_seq FROM accounts WHERE id = $1")
            .bind(account.0)
            .fetch_optional(self.r())
            .await?
            .ok_or_else(|| crate::StoreError::NotFound(format!("account {}", account.0)))?;
        Ok(seq)
    }
}

/// [`COLS`] with a table alias (for queries joining `messages` to itself).
fn qualified_cols(alias: &str) -> String {
    COLS.split(',')
        .map(|c| format!("{alias}.{c} AS {c}", c = c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn cursor_of(m: &MessageMeta) -> FindCursor {
    FindCursor {
        at: m.internal_date,
        id: m.id,
    }
}
