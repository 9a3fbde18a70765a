//! COPY (RFC 9051 §6.4.7) and MOVE (RFC 6851): the copies share the
//! blobs, keep the email id (RFC 8474) and conversation in the same
//! account, and carry their flags, sort keys and stored content.

use crate::sql;
use vesontio_types::{MailboxId, Uid};

use crate::Store;
use crate::batch::{CHUNK, placeholders, tuples};
use crate::error::{Result, StoreError};
use crate::flagcols::FlagCols;
use crate::ingest::{ChangeKind, Parsed};
use crate::messages::{COLS, ExpungeMode, charge_quota, from_row};

/// The sort keys a message row carries (schema v5), copied with it.
struct SortKeys {
    sent_at: i64,
    from_key: String,
    subject_key: String,
    has_attachment: i64,
}

/// What a COPY wrote: (source uid, destination uid) pairs, the
/// destination account's change sequence number.
#[derive(Default)]
struct Copied {
    map: Vec<(Uid, Uid)>,
    seq: i64,
    /// Contents with no stored model (rows of an earlier release not yet
    /// upgraded), to parse outside the transaction: nothing was written.
    unparsed: Vec<(String, i64)>,
}

/// Parses of contents read outside a transaction, by blob id.
type Parses = std::collections::HashMap<String, std::sync::Arc<Parsed>>;

impl Store {
    /// Copies messages (RFC 9051 §6.4.7); the copies share the blobs.
    /// Returns (source uid, destination uid) pairs for COPYUID (RFC 4315).
    pub async fn copy_messages(
        &self,
        src: MailboxId,
        uids: &[Uid],
        dst: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        let mut parses = Parses::new();
        loop {
            let mut tx = self.begin_fast().await?;
            let copied = self.copy_in(&mut tx, src, uids, dst, &parses).await?;
            if !copied.unparsed.is_empty() {
                tx.rollback().await?;
                self.parse_outside(&copied.unparsed, &mut parses).await?;
                continue;
            }
            let changes = self.mailbox_change(&mut tx, dst, copied.seq).await?;
            let changes = self
                .announce(&mut tx, changes.into_iter().collect())
                .await?;
            tx.commit().await?;
            self.published(changes);
            return Ok(copied.map);
        }
    }

    /// Moves messages atomically (RFC 6851): copy then expunge in one transaction.
    pub async fn move_messages(
        &self,
        src: MailboxId,
        uids: &[Uid],
        dst: MailboxId,
    ) -> Result<Vec<(Uid, Uid)>> {
        let mut parses = Parses::new();
        let (mut tx, copied) = loop {
            let mut tx = self.begin_fast().await?;
            let copied = self.copy_in(&mut tx, src, uids, dst, &parses).await?;
            if copied.unparsed.is_empty() {
                break (tx, copied);
            }
            tx.rollback().await?;
            self.parse_outside(&copied.unparsed, &mut parses).await?;
        };
        let map = copied.map;
        let moved: Vec<Uid> = map.iter().map(|m| m.0).collect();
        let gone = crate::expunge::expunge_in(
            &mut tx,
            self.dialect(),
            src,
            Some(&moved),
            ExpungeMode::Any,
        )
        .await?;
        let mut changes = Vec::new();
        changes.extend(self.mailbox_change(&mut tx, src, gone.seq).await?);
        changes.extend(self.mailbox_change(&mut tx, dst, copied.seq).await?);
        let changes = self.announce(&mut tx, changes).await?;
        tx.commit().await?;
        self.published(changes);
        Ok(map)
    }

    async fn copy_in(
        &self,
        tx: &mut crate::db::Tx,
        src: MailboxId,
        uids: &[Uid],
        dst: MailboxId,
        parses: &Parses,
    ) -> Result<Copied> {
        let dst_account: Option<(i64,)> =
            sql::query_as("SELECT account_id FROM mailboxes WHERE id = $1")
                .bind(dst.0)
                .fetch_optional(&mut **tx)
                .await?;
        let dst_account = dst_account
            .ok_or_else(|| StoreError::NotFound(format!("mailbox {}", dst.0)))?
            .0;
        let mut rows = Vec::new();
        for chunk in uids.chunks(CHUNK) {
            let sql = q!(
                "SELECT {COLS}, sent_at, from_key, subject_key, has_attachment, \
                 (SELECT account_id FROM mailboxes WHERE id = $1) AS src_account \
                 FROM messages WHERE mailbox_id = $1 AND uid IN ({}) ORDER BY uid",
                placeholders(2, chunk.len())
            );
            let mut query = sql::query(sql).bind(src.0);
            for &u in chunk {
                query = query.bind(u as i64);
            }
            for r in query.fetch_all(&mut **tx).await? {
                let keys = SortKeys {
                    sent_at: r.try_get("sent_at")?,
                    from_key: r.try_get("from_key")?,
                    subject_key: r.try_get("subject_key")?,
                    has_attachment: r.try_get("has_attachment")?,
                };
                let fc = FlagCols::from_row(&r)?;
                let src_account: i64 = r.try_get("src_account")?;
                rows.push((from_row(&r)?, fc, keys, src_account));
            }
        }
        // Copies keep the source order, so COPYUID's two sets pair up.
        rows.sort_by_key(|m| m.0.uid);
        rows.dedup_by_key(|m| m.0.uid);
        if rows.is_empty() {
            return Ok(Copied::default());
        }
        let total: i64 = rows.iter().map(|m| m.0.size).sum();
        charge_quota(tx, dst_account, total).await??;
        let seq = crate::ingest::next_seq(tx, dst_account).await?;
        // Into another account (a shared folder's message filed in one's
        // own): the content gets that account's email id and conversation.
        let mut unparsed = Vec::new();
        for (m, _, _, src_account) in rows.iter_mut() {
            if *src_account != dst_account {
                let parsed = match parsed_of(tx, &m.blob_id).await? {
                    Some(p) => p,
                    None => match parses.get(&m.blob_id) {
                        Some(p) => p.clone(),
                        None => {
                            unparsed.push((m.blob_id.clone(), m.size));
                            continue;
                        }
                    },
                };
                let (e, t) =
                    crate::ingest::email_of(tx, dst_account, &m.blob_id, &parsed, m.internal_date)
                        .await?;
                (m.email_id, m.thread_id) = (e, t);
            }
        }
        if !unparsed.is_empty() {
            return Ok(Copied {
                unparsed,
                ..Copied::default()
            });
        }
        let n = rows.len() as i64;
        let unseen = rows.iter().filter(|r| !r.1.seen()).count() as i64;
        let deleted = rows.iter().filter(|r| r.1.deleted()).count() as i64;
        // Every UID at once, under one new modseq (the mailbox row lock).
        let (first, modseq): (i64, i64) = sql::query_as(
            "UPDATE mailboxes SET uidnext = uidnext + $2, highestmodseq = highestmodseq + 1, \
             total = total + $2, unseen = unseen + $3, deleted = deleted + $4, bytes = bytes + $5 \
             WHERE id = $1 RETURNING uidnext - $2, highestmodseq",
        )
        .bind(dst.0)
        .bind(n)
        .bind(unseen)
        .bind(deleted)
        .bind(total)
        .fetch_one(&mut **tx)
        .await?;
        let by_count = crate::expunge::by_count(rows.iter().map(|m| m.0.blob_id.clone()));
        for (k, ids) in by_count {
            for chunk in ids.chunks(CHUNK) {
                let sql = q!(
                    "UPDATE blobs SET refcount = refcount + $1, zero_since = NULL WHERE id IN ({})",
                    placeholders(2, chunk.len())
                );
                let mut query = sql::query(sql).bind(k);
                for id in chunk {
                    query = query.bind(id);
                }
                query.execute(&mut **tx).await?;
            }
        }
        // 21 values a row: 25 rows stay far below the parameter limits.
        const COPY_COLS: usize = 21;
        let mut map = Vec::with_capacity(rows.len());
        let mut log = Vec::with_capacity(rows.len());
        for (c, chunk) in rows.chunks(25).enumerate() {
            let sql = q!(
                "INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, seen, answered, \
                 flagged, deleted, draft, keywords, modseq, private, crlf_size, email_id, thread_id, \
                 sent_at, from_key, subject_key, has_attachment, content_id) VALUES {}",
                tuples(1, chunk.len(), COPY_COLS)
            );
            let mut query = sql::query(sql);
            for (i, (m, fc, k, _)) in chunk.iter().enumerate() {
                let uid = (first + (c * 25 + i) as i64) as Uid;
                query = query
                    .bind(dst.0)
                    .bind(uid as i64)
                    .bind(&m.blob_id)
                    .bind(m.size)
                    .bind(m.internal_date);
                for b in fc.system {
                    query = query.bind(b as i64);
                }
                query = query
                    .bind(&fc.keywords)
                    .bind(modseq)
                    .bind(m.private as i64)
                    .bind(m.crlf_size)
                    .bind(m.email_id)
                    .bind(m.thread_id)
                    .bind(k.sent_at)
                    .bind(&k.from_key)
                    .bind(&k.subject_key)
                    .bind(k.has_attachment)
                    .bind(m.content_id);
                map.push((m.uid, uid));
                log.push((ChangeKind::Created, m.email_id, dst.0));
            }
            query.execute(&mut **tx).await?;
        }
        crate::ingest::record_changes(tx, dst_account, seq, &log, crate::now()).await?;
        Ok(Copied {
            map,
            seq,
            unparsed: Vec::new(),
        })
    }

    /// Parses contents from their blobs, outside any transaction.
    async fn parse_outside(&self, blobs: &[(String, i64)], parses: &mut Parses) -> Result<()> {
        for (id, size) in blobs {
            let raw = self.read_blob_sized(id, *size).await?;
            parses.insert(id.clone(), Parsed::of(&raw));
        }
        Ok(())
    }
}

/// The parse of a stored content from its model in `contents`; `None`
/// when the row is missing (the blob is read outside the transaction).
async fn parsed_of(
    tx: &mut crate::db::Tx,
    blob_id: &str,
) -> Result<Option<std::sync::Arc<Parsed>>> {
    let row: Option<(String,)> = sql::query_as("SELECT model FROM contents WHERE blob_id = $1")
        .bind(blob_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row
        .and_then(|(json,)| vesontio_message::mime::Model::from_json(&json).ok())
        .map(Parsed::from_model))
}
