//! What clients read of the mail model without touching a blob: the
//! stored MIME model of contents, keyset-paged sorted lists of a mailbox,
//! and an account's change log (for a webmail's live updates and, later,
//! JMAP `/changes`).

use crate::sql;
use std::collections::HashMap;

use vesontio_message::mime::Model;
use vesontio_types::{AccountId, MailboxId};

use crate::Store;
use crate::batch::{CHUNK, placeholders};
use crate::error::Result;
use crate::ingest::ChangeKind;
use crate::messages::{COLS, from_row};
use crate::model::{AccountChange, Content, MessageMeta};

/// The orders of a message list (RFC 5256 §3 keys; JMAP `Email/query`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    /// Internal date (arrival).
    Received,
    /// The Date header (internal date when it has none).
    Sent,
    /// First From address.
    From,
    /// Base subject.
    Subject,
    Size,
}

impl SortBy {
    fn column(self) -> &'static str {
        match self {
            SortBy::Received => "internal_date",
            SortBy::Sent => "sent_at",
            SortBy::From => "from_key",
            SortBy::Subject => "subject_key",
            SortBy::Size => "size",
        }
    }
    fn is_text(self) -> bool {
        matches!(self, SortBy::From | SortBy::Subject)
    }
}

/// Where a page ends: the sort key and UID of its last row. Opaque to
/// clients ([`Cursor::encode`]); the next page starts strictly after it,
/// so rows arriving meanwhile cause neither gap nor duplicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    key: CursorKey,
    uid: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum CursorKey {
    Int(i64),
    Text(String),
}

impl Cursor {
    pub fn encode(&self) -> String {
        match &self.key {
            CursorKey::Int(i) => format!("i{i}.{}", self.uid),
            CursorKey::Text(t) => format!("t{}.{}", hex::encode(t), self.uid),
        }
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let (k, uid) = s.rsplit_once('.')?;
        let uid = uid.parse().ok()?;
        let key = match k.split_at_checked(1)? {
            ("i", v) => CursorKey::Int(v.parse().ok()?),
            ("t", v) => CursorKey::Text(String::from_utf8(hex::decode(v).ok()?).ok()?),
            _ => return None,
        };
        Some(Cursor { key, uid })
    }
}

/// One row of a message list: the message and its stored model.
#[derive(Debug, Clone)]
pub struct ListItem {
    pub meta: MessageMeta,
    pub model: Model,
}

/// A page of a list and the cursor of the next one (`None` at the end).
#[derive(Debug, Clone)]
pub struct Page {
    pub items: Vec<ListItem>,
    pub next: Option<Cursor>,
}

impl Store {
    /// The stored model of these contents (by blob id); contents without
    /// a model (not yet upgraded) are absent from the map.
    pub async fn contents(&self, blob_ids: &[String]) -> Result<HashMap<String, Content>> {
        let mut out = HashMap::with_capacity(blob_ids.len());
        for chunk in blob_ids.chunks(CHUNK) {
            let sql = q!(
                "SELECT blob_id, model, header FROM contents WHERE blob_id IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sql::query(sql);
            for id in chunk {
                query = query.bind(id);
            }
            for r in query.fetch_all(self.r()).await? {
                let json: String = r.try_get(1)?;
                let Ok(model) = Model::from_json(&json) else {
                    tracing::warn!(blob = %r.try_get::<String, _>(0)?, "stored model unreadable; reparsed on demand");
                    continue;
                };
                out.insert(
                    r.try_get(0)?,
                    Content {
                        model,
                        header: r.try_get(2)?,
                    },
                );
            }
        }
        Ok(out)
    }

    /// A page of `mailbox` sorted by `sort` (UID breaks ties), `limit`
    /// rows after `after`. Reads one index range: time proportional to the
    /// page, whatever the mailbox's size.
    pub async fn list_messages(
        &self,
        mailbox: MailboxId,
        sort: SortBy,
        descending: bool,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<Page> {
        let col = sort.column();
        let (cmp, dir) = if descending {
            ("<", "DESC")
        } else {
            (">", "ASC")
        };
        let limit = limit.clamp(1, 500);
        let cond = match after {
            Some(_) => format!(" AND ({col}, uid) {cmp} ($2, $3)"),
            None => String::new(),
        };
        let sql = q!(
            "SELECT {COLS}, {col} AS sort_key FROM messages WHERE mailbox_id = $1{cond} \
             ORDER BY {col} {dir}, uid {dir} LIMIT {}",
            limit + 1
        );
        let mut query = sql::query(sql).bind(mailbox.0);
        if let Some(c) = after {
            query = match &c.key {
                CursorKey::Int(i) => query.bind(*i),
                CursorKey::Text(t) => query.bind(t.clone()),
            };
            query = query.bind(c.uid);
        }
        let rows = query.fetch_all(self.r()).await?;
        let mut metas = Vec::with_capacity(rows.len());
        let mut keys = Vec::with_capacity(rows.len());
        for r in rows.iter().take(limit) {
            metas.push(from_row(r)?);
            keys.push(if sort.is_text() {
                CursorKey::Text(r.try_get("sort_key")?)
            } else {
                CursorKey::Int(r.try_get("sort_key")?)
            });
        }
        let next = (rows.len() > limit)
            .then(|| {
                let (m, k) = (metas.last()?, keys.last()?);
                Some(Cursor {
                    key: k.clone(),
                    uid: m.uid as i64,
                })
            })
            .flatten();
        Ok(Page {
            items: self.with_models(metas).await?,
            next,
        })
    }

    /// Every message of one conversation in `account`, oldest first,
    /// whatever its folder (Sent included).
    pub async fn thread_messages(&self, account: AccountId, thread: i64) -> Result<Vec<ListItem>> {
        let rows = sql::query(q!(
            "SELECT {COLS} FROM messages WHERE thread_id = $1 AND mailbox_id IN \
             (SELECT id FROM mailboxes WHERE account_id = $2) ORDER BY internal_date, id"
        ))
        .bind(thread)
        .bind(account.0)
        .fetch_all(self.r())
        .await?;
        let metas = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        self.with_models(metas).await
    }

    pub(crate) async fn with_models(&self, metas: Vec<MessageMeta>) -> Result<Vec<ListItem>> {
        let ids: Vec<String> = metas.iter().map(|m| m.blob_id.clone()).collect();
        let mut models = self.contents(&ids).await?;
        let mut out = Vec::with_capacity(metas.len());
        for meta in metas {
            let model = match models.get(&meta.blob_id) {
                Some(c) => c.model.clone(),
                None => {
                    // Not upgraded yet, or unreadable: parse the body once.
                    let raw = self.read_blob_sized(&meta.blob_id, meta.size).await?;
                    let m = Model::of(&raw);
                    models.insert(
                        meta.blob_id.clone(),
                        Content {
                            model: m.clone(),
                            header: None,
                        },
                    );
                    m
                }
            };
            out.push(ListItem { meta, model });
        }
        Ok(out)
    }

    /// The account's change log after `since` (at most `limit` entries, in
    /// order) and its current sequence number.
    pub async fn account_changes(
        &self,
        account: AccountId,
        since: i64,
        limit: usize,
    ) -> Result<(Vec<AccountChange>, i64)> {
        let (current,): (i64,) = sql::query_as("SELECT change_seq FROM accounts WHERE id = $1")
            .bind(account.0)
            .fetch_optional(self.r())
            .await?
            .ok_or_else(|| crate::StoreError::NotFound(format!("account {}", account.0)))?;
        let rows = sql::query(q!(
            "SELECT seq, kind, email_id, mailbox_id, at FROM changes \
             WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT {}",
            limit.clamp(1, 10_000)
        ))
        .bind(account.0)
        .bind(since)
        .fetch_all(self.r())
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(AccountChange {
                seq: r.try_get(0)?,
                kind: ChangeKind::parse(&r.try_get::<String, _>(1)?),
                email_id: r.try_get(2)?,
                mailbox_id: MailboxId(r.try_get(3)?),
                at: r.try_get(4)?,
            });
        }
        Ok((out, current))
    }
}

impl Store {
    /// The stored search texts of these contents (by content id); with
    /// `body` false only the header fields are read (the body stays empty).
    pub async fn search_texts(
        &self,
        content_ids: &[i64],
        body: bool,
    ) -> Result<HashMap<i64, vesontio_message::mime::SearchText>> {
        let body_col = if body { "body" } else { "''" };
        let key = crate::indexer::index_key(self.dialect());
        let mut out = HashMap::with_capacity(content_ids.len());
        // Indexed and pending texts (`indexer.rs`) in one statement: a
        // text is in exactly one of the two.
        for chunk in content_ids.chunks(CHUNK) {
            let list = placeholders(1, chunk.len());
            let sql = q!(
                "SELECT {key}, head, {body_col} FROM search WHERE {key} IN ({list}) \
                 UNION ALL SELECT id, head, {body_col} FROM search_pending WHERE id IN ({list})"
            );
            let mut query = sql::query(sql);
            for id in chunk {
                query = query.bind(*id);
            }
            for r in query.fetch_all(self.r().heavy()).await? {
                let head: String = r.try_get(1)?;
                out.insert(
                    r.try_get::<i64, _>(0)?,
                    vesontio_message::mime::SearchText::from_stored(&head, r.try_get(2)?),
                );
            }
        }
        Ok(out)
    }
}
