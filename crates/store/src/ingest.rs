//! What the store computes and records once per message at ingest: the
//! parsed model ([`Parsed`], computed on the caller's task, never under the
//! writer), the email id of its content in the account, its conversation,
//! and the account's change log.

use crate::sql;
use std::sync::Arc;
use vesontio_message::mime::Model;

use crate::error::Result;

/// Headers above this size are not kept beside the model (they are read
/// from the body when asked for).
const HEADER_MAX: usize = 16 * 1024;
/// A reply that carries no reference joins a conversation by subject only
/// if that conversation had mail this recently.
const SUBJECT_WINDOW_SECS: i64 = 30 * 86_400;

/// The parse of one message, ready to store.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub model: Model,
    json: String,
    /// The top-level header with its blank line, when small and UTF-8.
    header: Option<String>,
    /// Lower-case first address of From (RFC 5256 §2.2 sort key).
    pub from_key: String,
    /// Lower-case base subject (RFC 5256 §2.1), the subject sort key and
    /// the conversation rule's key.
    pub subject_key: String,
    /// Whether the subject carried a reply or forward marker.
    reply_marked: bool,
    /// Decoded header fields and body, lower case (the search index).
    search: Option<(String, String)>,
}

impl Parsed {
    pub fn of(raw: &[u8]) -> Arc<Parsed> {
        // One parse of the parts for the model and the search text.
        let (model, text) = Model::with_search_text(raw);
        Parsed::with(raw, model, text)
    }

    /// The parse of `raw` whose model and search text were made already
    /// (`Analysis::with_model`: one parse for the filters and the store).
    pub fn with(raw: &[u8], model: Model, text: vesontio_message::mime::SearchText) -> Arc<Parsed> {
        let split = vesontio_message::mime::split_header(raw);
        let header = std::str::from_utf8(&raw[..split])
            .ok()
            .filter(|h| h.len() <= HEADER_MAX)
            .map(str::to_string);
        let (subject_key, reply_marked) = subject_key(&model.subject);
        Arc::new(Parsed {
            json: model.to_json(),
            header,
            from_key: model.from_email().unwrap_or_default(),
            subject_key,
            reply_marked,
            search: Some((text.head_text(), text.body)),
            model,
        })
    }

    /// A stored model as a parse (no header: it is not needed to thread
    /// or sort).
    pub(crate) fn from_model(model: Model) -> Arc<Parsed> {
        let (subject_key, reply_marked) = subject_key(&model.subject);
        Arc::new(Parsed {
            json: model.to_json(),
            header: None,
            from_key: model.from_email().unwrap_or_default(),
            subject_key,
            reply_marked,
            search: None,
            model,
        })
    }

    pub(crate) fn json(&self) -> &str {
        &self.json
    }

    pub(crate) fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }
}

/// RFC 5256 §2.1 base subject, lower case, and whether a `Re:`/`Fwd:`
/// marker (or the French `TR:`, `RE :`) was removed.
pub(crate) fn subject_key(subject: &str) -> (String, bool) {
    let mut s = subject.trim().to_lowercase();
    let mut marked = false;
    loop {
        let before = s.len();
        // Trailing "(fwd)" (RFC 5256 §2.1 step 2).
        while let Some(rest) = s.strip_suffix("(fwd)") {
            s = rest.trim_end().to_string();
            marked = true;
        }
        // Leading list tags "[...]" and markers "re:", "fw:", "fwd:", "tr:".
        if s.starts_with('[')
            && let Some(end) = s.find(']')
            && !s[end + 1..].trim().is_empty()
        {
            s = s[end + 1..].trim_start().to_string();
        }
        for m in ["re", "fwd", "fw", "tr", "aw", "wg"] {
            if let Some(rest) = s.strip_prefix(m) {
                let rest = rest.trim_start();
                // "re[2]:" as some clients write a count.
                let rest = match rest.strip_prefix('[') {
                    Some(r) => r.split_once(']').map_or(rest, |(_, t)| t.trim_start()),
                    None => rest,
                };
                if let Some(rest) = rest.strip_prefix(':') {
                    s = rest.trim_start().to_string();
                    marked = true;
                    break;
                }
            }
        }
        if s.len() == before {
            break;
        }
    }
    (s.split_whitespace().collect::<Vec<_>>().join(" "), marked)
}

/// The id of the stored content of `blob`, written with its model and
/// search text the first time the platform sees these bytes.
pub(crate) async fn content_id(
    tx: &mut crate::db::Tx,
    blob_id: &str,
    parsed: &Parsed,
) -> Result<i64> {
    let inserted: Option<(i64,)> = sql::query_as(
        "INSERT INTO contents (blob_id, version, model, header) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (blob_id) DO NOTHING RETURNING id",
    )
    .bind(blob_id)
    .bind(Model::VERSION)
    .bind(parsed.json())
    .bind(parsed.header().map(str::to_string))
    .fetch_optional(&mut **tx)
    .await?;
    match inserted {
        Some((id,)) => {
            let (head, body) = match &parsed.search {
                Some((h, b)) => (h.clone(), b.clone()),
                None => (String::new(), String::new()),
            };
            // A plain row: the trigram index is written later, off the
            // delivery transaction (`indexer.rs`).
            sql::query("INSERT INTO search_pending (id, head, body) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(head)
                .bind(body)
                .execute(&mut **tx)
                .await?;
            Ok(id)
        }
        None => {
            let (id,): (i64,) = sql::query_as("SELECT id FROM contents WHERE blob_id = $1")
                .bind(blob_id)
                .fetch_one(&mut **tx)
                .await?;
            Ok(id)
        }
    }
}

/// The email id of `blob` in `account` and its thread id, created (with
/// the conversation chosen) when the account has not seen this content.
pub(crate) async fn email_of(
    tx: &mut crate::db::Tx,
    account: i64,
    blob_id: &str,
    parsed: &Parsed,
    at: i64,
) -> Result<(i64, i64)> {
    sql::query(
        "INSERT INTO emails (account_id, blob_id, thread_id) VALUES ($1, $2, 0) \
         ON CONFLICT (account_id, blob_id) DO NOTHING",
    )
    .bind(account)
    .bind(blob_id)
    .execute(&mut **tx)
    .await?;
    let (id, thread): (i64, i64) =
        sql::query_as("SELECT id, thread_id FROM emails WHERE account_id = $1 AND blob_id = $2")
            .bind(account)
            .bind(blob_id)
            .fetch_one(&mut **tx)
            .await?;
    if thread != 0 {
        return Ok((id, thread));
    }
    let thread = thread_for(tx, account, parsed, at).await?.unwrap_or(id);
    sql::query("UPDATE emails SET thread_id = $1 WHERE id = $2")
        .bind(thread)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    remember_keys(tx, account, parsed, thread, at).await?;
    Ok((id, thread))
}

/// The conversation a new message joins: the thread of its own
/// Message-ID (a reply that arrived first) or of the nearest message it
/// refers to (RFC 5322 §3.6.4: the parent is last); failing those, a
/// reply-marked subject joins a recent conversation of the same base
/// subject (mail from clients that drop References).
async fn thread_for(
    tx: &mut crate::db::Tx,
    account: i64,
    p: &Parsed,
    at: i64,
) -> Result<Option<i64>> {
    let mut keys: Vec<String> = Vec::new();
    if let Some(id) = &p.model.message_id {
        keys.push(format!("m:{id}"));
    }
    keys.extend(p.model.references.iter().rev().map(|r| format!("m:{r}")));
    if !keys.is_empty() {
        let sql = q!(
            "SELECT key, thread_id FROM thread_keys WHERE account_id = $1 AND key IN ({})",
            crate::batch::placeholders(2, keys.len())
        );
        let mut query = sql::query(sql).bind(account);
        for k in &keys {
            query = query.bind(k);
        }
        let rows = query.fetch_all(&mut **tx).await?;
        // The first key in preference order that is known.
        for k in &keys {
            for r in &rows {
                if r.try_get::<String, _>(0)? == *k {
                    return Ok(Some(r.try_get(1)?));
                }
            }
        }
    }
    if p.reply_marked && !p.subject_key.is_empty() {
        let row: Option<(i64, i64)> = sql::query_as(
            "SELECT thread_id, at FROM thread_keys WHERE account_id = $1 AND key = $2",
        )
        .bind(account)
        .bind(format!("s:{}", p.subject_key))
        .fetch_optional(&mut **tx)
        .await?;
        if let Some((t, last)) = row
            && at - last <= SUBJECT_WINDOW_SECS
        {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

async fn remember_keys(
    tx: &mut crate::db::Tx,
    account: i64,
    p: &Parsed,
    thread: i64,
    at: i64,
) -> Result<()> {
    let mut keys: Vec<String> = p
        .model
        .message_id
        .iter()
        .map(|id| format!("m:{id}"))
        .collect();
    keys.extend(p.model.references.iter().map(|r| format!("m:{r}")));
    for chunk in keys.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, ${}, $2, $3)", i + 4))
            .collect();
        let sql = q!(
            "INSERT INTO thread_keys (account_id, key, thread_id, at) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        );
        let mut query = sql::query(sql).bind(account).bind(thread).bind(at);
        for k in chunk {
            query = query.bind(k);
        }
        query.execute(&mut **tx).await?;
    }
    if !p.subject_key.is_empty() {
        sql::query(
            "INSERT INTO thread_keys (account_id, key, thread_id, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, key) DO UPDATE SET thread_id = excluded.thread_id, at = excluded.at",
        )
        .bind(account)
        .bind(format!("s:{}", p.subject_key))
        .bind(thread)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// What a change-log row says happened (JMAP-style objects: an email in a
/// mailbox, or a mailbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ChangeKind {
    /// A message row appeared in a mailbox (delivery, APPEND, COPY, MOVE's
    /// destination).
    Created,
    /// Flags or keywords changed.
    Flags,
    /// A message row left a mailbox (EXPUNGE, MOVE's source, POP3 DELE).
    Destroyed,
    /// A mailbox was created, renamed or deleted.
    Mailbox,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Flags => "flags",
            ChangeKind::Destroyed => "destroyed",
            ChangeKind::Mailbox => "mailbox",
        }
    }
    pub(crate) fn parse(s: &str) -> ChangeKind {
        match s {
            "created" => ChangeKind::Created,
            "flags" => ChangeKind::Flags,
            "destroyed" => ChangeKind::Destroyed,
            _ => ChangeKind::Mailbox,
        }
    }
}

/// Takes the account's next change sequence number: one per transaction
/// and account, under the account row lock (first in the lock order).
pub(crate) async fn next_seq(tx: &mut crate::db::Tx, account: i64) -> Result<i64> {
    let (seq,): (i64,) = sql::query_as(
        "UPDATE accounts SET change_seq = change_seq + 1 WHERE id = $1 RETURNING change_seq",
    )
    .bind(account)
    .fetch_one(&mut **tx)
    .await?;
    Ok(seq)
}

/// [`next_seq`] for the account owning `mailbox`: `(account, seq)`.
pub(crate) async fn next_seq_of_mailbox(
    tx: &mut crate::db::Tx,
    mailbox: i64,
) -> Result<Option<(i64, i64)>> {
    Ok(sql::query_as(
        "UPDATE accounts SET change_seq = change_seq + 1 \
         WHERE id = (SELECT account_id FROM mailboxes WHERE id = $1) RETURNING id, change_seq",
    )
    .bind(mailbox)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Records `rows` (kind, email id, mailbox id) under `seq`.
pub(crate) async fn record_changes(
    tx: &mut crate::db::Tx,
    account: i64,
    seq: i64,
    rows: &[(ChangeKind, i64, i64)],
    at: i64,
) -> Result<()> {
    for chunk in rows.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                format!(
                    "($1, $2, ${}, ${}, ${}, $3)",
                    4 + 3 * i,
                    5 + 3 * i,
                    6 + 3 * i
                )
            })
            .collect();
        let sql = q!(
            "INSERT INTO changes (account_id, seq, kind, email_id, mailbox_id, at) VALUES {}",
            values.join(", ")
        );
        let mut query = sql::query(sql).bind(account).bind(seq).bind(at);
        for (k, e, m) in chunk {
            query = query.bind(k.as_str()).bind(*e).bind(*m);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}
