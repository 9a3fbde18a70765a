//! Messages in mailboxes: append/deliver, flags, expunge, copy and move,
//! with quota accounting (R15, R17) and the UID/MODSEQ rules of RFC 9051
//! and RFC 7162.

use crate::sql;
use crate::sql::Row;
use std::collections::HashMap;
use vesontio_types::{AccountId, MailboxId, ModSeq, Uid};

use crate::batch::{CHUNK, Script, placeholders};
use crate::error::{Result, StoreError};
use crate::flagcols::FlagCols;
use crate::ingest::{ChangeKind, Parsed};
use crate::model::*;
use crate::{Change, Store};

pub(crate) const COLS: &str = "id, mailbox_id, uid, blob_id, size, internal_date, seen, answered, \
     flagged, deleted, draft, keywords, modseq, private, crlf_size, email_id, thread_id, content_id";

pub(crate) fn from_row(r: &Row) -> Result<MessageMeta> {
    Ok(MessageMeta {
        id: r.try_get("id")?,
        mailbox_id: MailboxId(r.try_get("mailbox_id")?),
        uid: r.try_get::<i64, _>("uid")? as Uid,
        blob_id: r.try_get("blob_id")?,
        size: r.try_get("size")?,
        internal_date: r.try_get("internal_date")?,
        flags: FlagCols::from_row(r)?.flags(),
        modseq: r.try_get::<i64, _>("modseq")? as ModSeq,
        private: r.try_get::<i64, _>("private")? != 0,
        crlf_size: r.try_get("crlf_size")?,
        email_id: r.try_get::<Option<i64>, _>("email_id")?.unwrap_or(0),
        thread_id: r.try_get("thread_id")?,
        content_id: r.try_get::<Option<i64>, _>("content_id")?.unwrap_or(0),
    })
}

/// RFC 1939 §11 size: the octets of the message once bare CR and bare LF
/// are CRLF and a final CRLF is added when the last line has none
/// (byte-stuffing not counted). `vesontio_pop3_proto::octet_size` is the
/// reference; pop3-server's tests check the two agree.
pub fn crlf_size(raw: &[u8]) -> i64 {
    let crs = memchr::memchr_iter(b'\r', raw).count() as i64;
    let lfs = memchr::memchr_iter(b'\n', raw).count() as i64;
    let crlfs = memchr::memmem::find_iter(raw, b"\r\n").count() as i64;
    // Each CRLF stays 2 octets; each bare CR or bare LF becomes 2.
    let other = raw.len() as i64 - crs - lfs;
    let line_ends = crlfs + (crs - crlfs) + (lfs - crlfs);
    let unterminated = !raw.is_empty() && !matches!(raw.last(), Some(b'\r') | Some(b'\n'));
    other + 2 * line_ends + if unterminated { 2 } else { 0 }
}

pub(crate) fn split_flags(s: &str) -> Vec<String> {
    s.split(' ')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether to expunge only messages flagged `\Deleted` (IMAP EXPUNGE) or
/// the given messages whatever their flags (POP3 DELE, MOVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpungeMode {
    FlaggedDeleted,
    Any,
}

/// Result of a STORE (RFC 7162 §3.1.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagsUpdate {
    /// Messages whose flags were written: uid, new flags, new modseq.
    pub updated: Vec<(Uid, Vec<String>, ModSeq)>,
    /// Messages skipped because their modseq was above UNCHANGEDSINCE.
    pub modified: Vec<Uid>,
    /// Every other message of the set that exists, with its flags and
    /// modseq once the STORE is done (changed or not), in the set's order:
    /// what the FETCH replies of STORE report (RFC 9051 §6.4.6).
    pub current: Vec<(Uid, Vec<String>, ModSeq)>,
}

/// `SELECT` of the messages of `mailbox` with these UIDs (at most [`CHUNK`]).
fn by_uids(mailbox: MailboxId, uids: &[Uid]) -> sql::Query {
    let sql = q!(
        "SELECT {COLS} FROM messages WHERE mailbox_id = $1 AND uid IN ({}) ORDER BY uid",
        placeholders(2, uids.len())
    );
    let mut query = sql::query(sql).bind(mailbox.0);
    for &u in uids {
        query = query.bind(u as i64);
    }
    query
}

impl Store {
    /// Appends one message (IMAP APPEND, a single delivery), committed
    /// together with whatever else is being delivered at the moment.
    pub async fn append(&self, mailbox: MailboxId, msg: NewMessage) -> Result<Appended> {
        let mut out = self.deliver(vec![(mailbox, msg)]).await?;
        out.pop()
            .unwrap_or_else(|| Err(StoreError::Invalid("empty batch".into())))
    }

    /// Delivers `items` in a transaction shared with concurrent callers
    /// (group commit, one fsync); one result per item, in order. `Err`
    /// means nothing of this call was written.
    pub async fn deliver(
        &self,
        items: Vec<(MailboxId, NewMessage)>,
    ) -> Result<Vec<Result<Appended>>> {
        self.deliver_disposed(items.into_iter().map(|(b, m)| (b, m, None)).collect())
            .await
    }

    /// [`Store::deliver`] with, per copy, what the filters decided about
    /// it (a JSON text the delivery path writes: score, verdict, folder;
    /// schema v9), stored on its row ([`Store::message_disposition`]).
    pub async fn deliver_disposed(
        &self,
        items: Vec<(MailboxId, NewMessage, Option<String>)>,
    ) -> Result<Vec<Result<Appended>>> {
        let out = self.commit_writes(Store::copies_as_writes(items)).await?;
        Ok(out.into_iter().map(crate::writes::copy_result).collect())
    }

    /// Runs `writes` in the shared group commit (one durable transaction
    /// for every caller waiting); one result per write, in order.
    pub(crate) async fn commit_writes(
        &self,
        writes: Vec<crate::writes::MessageWrite>,
    ) -> Result<Vec<Result<crate::writes::WriteOutcome>>> {
        /// Most messages committed in one transaction.
        const MAX_BATCH: usize = 512;
        let mut writes = writes;
        for w in writes.iter_mut() {
            for c in w.copies.iter_mut() {
                self.ensure_parsed(&mut c.msg).await?;
            }
        }
        let weak = std::sync::Arc::downgrade(&self.inner);
        self.inner
            .committer
            .get_or_init(|| {
                crate::group::Group::start(weak, MAX_BATCH, |store: Store, items| async move {
                    store.write_batch(items).await
                })
            })
            .run(writes)
            .await
            .map_err(StoreError::Commit)
    }

    /// Inserts many messages in one transaction (one fsync): the group
    /// commit of the delivery path. Each item succeeds or fails alone (quota,
    /// missing mailbox); a database error fails the whole batch and nothing
    /// is written.
    pub async fn deliver_batch(
        &self,
        items: Vec<(MailboxId, NewMessage)>,
    ) -> Result<Vec<Result<Appended>>> {
        self.deliver_batch_disposed(items.into_iter().map(|(b, m)| (b, m, None)).collect())
            .await
    }

    /// [`Store::deliver_batch`] with a disposition per copy.
    pub(crate) async fn deliver_batch_disposed(
        &self,
        items: Vec<(MailboxId, NewMessage, Option<String>)>,
    ) -> Result<Vec<Result<Appended>>> {
        let out = self.write_batch(Store::copies_as_writes(items)).await?;
        Ok(out.into_iter().map(crate::writes::copy_result).collect())
    }

    /// The filters' disposition of one delivered copy (v9), `None` for a
    /// message that did not come through them (APPEND, an older release).
    pub async fn message_disposition(
        &self,
        mailbox: MailboxId,
        uid: Uid,
    ) -> Result<Option<String>> {
        let row: Option<(Option<String>,)> =
            sql::query_as("SELECT disposition FROM messages WHERE mailbox_id = $1 AND uid = $2")
                .bind(mailbox.0)
                .bind(uid as i64)
                .fetch_optional(self.r())
                .await?;
        Ok(row.and_then(|r| r.0))
    }

    /// Appends `msgs` to `mailbox` in one transaction (one fsync), all of
    /// them or none: RFC 3502 MULTIAPPEND. The first refusal (quota, a
    /// mailbox deleted meanwhile) is the error and nothing is written.
    pub async fn append_all(
        &self,
        mailbox: MailboxId,
        msgs: Vec<NewMessage>,
    ) -> Result<Vec<Appended>> {
        let mut msgs = msgs;
        for m in msgs.iter_mut() {
            self.ensure_parsed(m).await?;
        }
        let mut tx = self.begin_durable().await?;
        let items = msgs.into_iter().map(|m| (mailbox, m, None)).collect();
        let (results, changes) = self.insert_messages(&mut tx, items).await?;
        match results.into_iter().collect::<Result<Vec<_>>>() {
            Ok(appended) => {
                let changes = self.announce(&mut tx, changes).await?;
                tx.commit().await?;
                self.published(changes);
                Ok(appended)
            }
            Err(e) => {
                tx.rollback().await?;
                Err(e)
            }
        }
    }

    /// The inserts of [`Store::deliver_batch`] in `tx`: one result per
    /// item, and the changes to announce once `tx` commits.
    pub(crate) async fn insert_messages(
        &self,
        tx: &mut crate::db::Tx,
        items: Vec<(MailboxId, NewMessage, Option<String>)>,
    ) -> Result<(Vec<Result<Appended>>, Vec<Change>)> {
        let mut results = Vec::with_capacity(items.len());
        let mut accounts: HashMap<MailboxId, i64> = HashMap::new();
        let mut changes = Vec::new();
        // Per account: its change sequence number in this transaction and
        // the change-log rows.
        let mut logs: HashMap<i64, (i64, Vec<(ChangeKind, i64, i64)>)> = HashMap::new();
        for (mailbox, msg, disposition) in items {
            let account = match accounts.get(&mailbox) {
                Some(a) => *a,
                None => {
                    let row: Option<(i64,)> =
                        sql::query_as("SELECT account_id FROM mailboxes WHERE id = $1")
                            .bind(mailbox.0)
                            .fetch_optional(&mut **tx)
                            .await?;
                    match row {
                        Some((a,)) => {
                            accounts.insert(mailbox, a);
                            a
                        }
                        None => {
                            results
                                .push(Err(StoreError::NotFound(format!("mailbox {}", mailbox.0))));
                            continue;
                        }
                    }
                }
            };
            if let Err(e) = charge_quota(tx, account, msg.blob.size).await? {
                results.push(Err(e));
                continue;
            }
            let parsed = msg
                .parsed
                .clone()
                .ok_or_else(|| StoreError::Invalid("message not parsed".into()))?;
            if !logs.contains_key(&account) {
                let seq = crate::ingest::next_seq(tx, account).await?;
                logs.insert(account, (seq, Vec::new()));
            }
            let (email_id, thread_id) =
                crate::ingest::email_of(tx, account, &msg.blob.id, &parsed, msg.internal_date)
                    .await?;
            // The blob reference first: its row lock orders this delivery
            // against a sweep of the same content and its stored model (a
            // mark left by a release is cleared; the bytes were put before
            // this transaction, see `blob/mod.rs`).
            sql::query(
                "INSERT INTO blobs (id, size, refcount) VALUES ($1, $2, 1) \
                 ON CONFLICT (id) DO UPDATE SET refcount = blobs.refcount + 1, zero_since = NULL",
            )
            .bind(&msg.blob.id)
            .bind(msg.blob.size)
            .execute(&mut **tx)
            .await?;
            let content = crate::ingest::content_id(tx, &msg.blob.id, &parsed).await?;
            let fc = FlagCols::of(&msg.flags);
            // The next UID, MODSEQ and counts, and the row: one script (one
            // hand-off on SQLite).
            let mut sc = Script::default();
            let (id, bsize) = (sc.text(&msg.blob.id), sc.int(msg.blob.size));
            let mb = sc.int(mailbox.0);
            let (unseen, deleted) = (sc.int(!fc.seen() as i64), sc.int(fc.deleted() as i64));
            sc.push(format!(
                "UPDATE mailboxes SET uidnext = uidnext + 1, highestmodseq = highestmodseq + 1, \
                 total = total + 1, unseen = unseen + {unseen}, deleted = deleted + {deleted}, \
                 bytes = bytes + {bsize} WHERE id = {mb}"
            ));
            let date = sc.int(msg.internal_date);
            let flags: Vec<String> = fc.system.iter().map(|&b| sc.int(b as i64)).collect();
            let keywords = sc.text(&fc.keywords);
            let private = sc.int(msg.private as i64);
            let crlf = sc.opt_int(msg.data.as_deref().map(|d| crlf_size(d)));
            let (eid, tid, cid) = (sc.int(email_id), sc.int(thread_id), sc.int(content));
            let sent = sc.int(parsed.model.sent_at.unwrap_or(msg.internal_date));
            let (fk, sk) = (sc.text(&parsed.from_key), sc.text(&parsed.subject_key));
            let att = sc.int(parsed.model.has_attachment as i64);
            let disp = sc.opt_text(disposition.as_deref());
            sc.push(format!(
                "INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, seen, answered, \
                 flagged, deleted, draft, keywords, modseq, private, crlf_size, email_id, thread_id, \
                 sent_at, from_key, subject_key, has_attachment, content_id, disposition) \
                 SELECT {mb}, uidnext - 1, {id}, {bsize}, {date}, {}, {keywords}, highestmodseq, \
                 {private}, {crlf}, {eid}, {tid}, {sent}, {fk}, {sk}, {att}, {cid}, {disp} \
                 FROM mailboxes WHERE id = {mb} RETURNING uid, modseq",
                flags.join(", ")
            ));
            let rows = sc.run(tx, self.dialect()).await?;
            let row = rows
                .first()
                .ok_or_else(|| StoreError::NotFound(format!("mailbox {}", mailbox.0)))?;
            let (uid, modseq) = (
                row.try_get::<i64, _>(0)? as Uid,
                row.try_get::<i64, _>(1)? as ModSeq,
            );
            if let Some((_, rows)) = logs.get_mut(&account) {
                rows.push((ChangeKind::Created, email_id, mailbox.0));
            }
            changes.push(Change {
                account_id: AccountId(account),
                mailbox_id: mailbox,
                modseq,
                seq: logs.get(&account).map_or(0, |l| l.0),
            });
            results.push(Ok(Appended {
                mailbox_id: mailbox,
                uidvalidity: crate::mailboxes::uidvalidity_of(mailbox.0),
                uid,
                modseq,
                email_id,
                thread_id,
            }));
        }
        let now = crate::now();
        for (account, (seq, rows)) in &logs {
            crate::ingest::record_changes(tx, *account, *seq, rows, now).await?;
        }
        Ok((results, changes))
    }

    /// Fills `msg.parsed` from its data, or from the blob when the caller
    /// had none (a held message released later). Before any transaction:
    /// a message without its bytes in hand must name a stored blob, or
    /// the write fails with [`StoreError::BlobCorrupt`].
    pub(crate) async fn ensure_parsed(&self, msg: &mut NewMessage) -> Result<()> {
        match (&msg.data, &msg.parsed) {
            (Some(d), None) => msg.parsed = Some(Parsed::of(d)),
            (Some(_), Some(_)) => {}
            (None, None) => {
                let raw = self.read_blob_sized(&msg.blob.id, msg.blob.size).await?;
                msg.parsed = Some(Parsed::of(&raw));
            }
            (None, Some(_)) => {
                if !self.blobs().exists(&msg.blob.id).await? {
                    return Err(StoreError::BlobCorrupt(msg.blob.id.clone()));
                }
            }
        }
        Ok(())
    }

    /// Takes one more reference on a blob put just before (see
    /// `blob/mod.rs`: a put is what keeps the bytes from a concurrent
    /// sweep), inside the transaction that inserts the referencing row,
    /// so the row lock orders it against the sweep's delete of the row.
    pub(crate) async fn link_blob(
        &self,
        tx: &mut crate::db::Tx,
        blob: &crate::BlobRef,
    ) -> Result<()> {
        sql::query(
            "INSERT INTO blobs (id, size, refcount) VALUES ($1, $2, 1) \
             ON CONFLICT (id) DO UPDATE SET refcount = blobs.refcount + 1, zero_since = NULL",
        )
        .bind(&blob.id)
        .bind(blob.size)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Messages of a mailbox in UID order.
    pub async fn messages(&self, mailbox: MailboxId) -> Result<Vec<MessageMeta>> {
        let rows = sql::query(q!(
            "SELECT {COLS} FROM messages WHERE mailbox_id = $1 ORDER BY uid"
        ))
        .bind(mailbox.0)
        .fetch_all(self.r().heavy())
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn message_by_uid(
        &self,
        mailbox: MailboxId,
        uid: Uid,
    ) -> Result<Option<MessageMeta>> {
        let row = sql::query(q!(
            "SELECT {COLS} FROM messages WHERE mailbox_id = $1 AND uid = $2"
        ))
        .bind(mailbox.0)
        .bind(uid as i64)
        .fetch_optional(self.r())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// RFC 7162 §3.1.4.1: messages whose modseq is above `modseq`.
    pub async fn changed_since(
        &self,
        mailbox: MailboxId,
        modseq: ModSeq,
    ) -> Result<Vec<MessageMeta>> {
        let rows = sql::query(q!(
            "SELECT {COLS} FROM messages WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid"
        ))
        .bind(mailbox.0)
        .bind(modseq as i64)
        .fetch_all(self.r())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// What changed in a mailbox after `modseq`, read in one statement (one
    /// snapshot): the mailbox's HIGHESTMODSEQ, the messages whose modseq is
    /// above (RFC 7162 §3.1.4.1) and the UIDs expunged since (§3.2.5.1).
    /// `None` when the mailbox no longer exists.
    pub async fn changes_since(
        &self,
        mailbox: MailboxId,
        modseq: ModSeq,
    ) -> Result<Option<Changes>> {
        let rows = sql::query(q!(
            "SELECT 0 AS kind, {COLS} FROM messages WHERE mailbox_id = $1 AND modseq > $2 \
             UNION ALL SELECT 1, 0, $1, uid, '', 0, 0, 0, 0, 0, 0, 0, '', modseq, 0, NULL, NULL, 0, NULL \
               FROM expunged WHERE mailbox_id = $1 AND modseq > $2 \
             UNION ALL SELECT 2, 0, $1, 0, '', 0, 0, 0, 0, 0, 0, 0, '', highestmodseq, 0, NULL, NULL, 0, NULL \
               FROM mailboxes WHERE id = $1 \
             ORDER BY 1, 4"
        ))
        .bind(mailbox.0)
        .bind(modseq as i64)
        .fetch_all(self.r())
        .await?;
        let mut out = Changes::default();
        let mut exists = false;
        for r in &rows {
            match r.try_get::<i64, _>(0)? {
                0 => out.changed.push(from_row(r)?),
                1 => out.vanished.push(r.try_get::<i64, _>("uid")? as Uid),
                _ => {
                    exists = true;
                    out.highestmodseq = r.try_get::<i64, _>("modseq")? as ModSeq;
                }
            }
        }
        Ok(exists.then_some(out))
    }

    /// RFC 7162 §3.2.5.1: UIDs expunged after `modseq`.
    pub async fn vanished_since(&self, mailbox: MailboxId, modseq: ModSeq) -> Result<Vec<Uid>> {
        let rows: Vec<(i64,)> = sql::query_as(
            "SELECT uid FROM expunged WHERE mailbox_id = $1 AND modseq > $2 ORDER BY uid",
        )
        .bind(mailbox.0)
        .bind(modseq as i64)
        .fetch_all(self.r())
        .await?;
        Ok(rows.into_iter().map(|r| r.0 as Uid).collect())
    }

    pub async fn counts(&self, mailbox: MailboxId) -> Result<MailboxCounts> {
        self.counts_from(mailbox, Uid::MAX).await
    }

    /// [`Store::counts`], also counting the messages from UID `from` on.
    /// The counts are kept by every write (schema v5): no scan, only the
    /// `from` count reads the UIDs at or above `from` (IMAP4rev1 `\Recent`,
    /// a few rows).
    pub async fn counts_from(&self, mailbox: MailboxId, from: Uid) -> Result<MailboxCounts> {
        let row: Option<(i64, i64, i64, i64, i64)> = sql::query_as(
            "SELECT total, unseen, deleted, bytes, \
             (SELECT COUNT(*) FROM messages WHERE mailbox_id = $1 AND uid >= $2) \
             FROM mailboxes WHERE id = $1",
        )
        .bind(mailbox.0)
        .bind((from as i64).min(i64::from(u32::MAX)))
        .fetch_optional(self.r())
        .await?;
        let (total, unseen, deleted, bytes, recent) = row.unwrap_or_default();
        Ok(MailboxCounts {
            messages: total.max(0) as u32,
            unseen: unseen.max(0) as u32,
            deleted: deleted.max(0) as u32,
            size: bytes,
            from: recent.max(0) as u32,
        })
    }

    /// The counts recomputed from the rows: equal to [`Store::counts`]
    /// whenever the store is consistent (tests and the upgrade pass).
    pub async fn recount(&self, mailbox: MailboxId) -> Result<MailboxCounts> {
        let (total, unseen, deleted, bytes): (i64, i64, i64, i64) = sql::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(1 - seen), 0) AS BIGINT), \
             CAST(COALESCE(SUM(deleted), 0) AS BIGINT), CAST(COALESCE(SUM(size), 0) AS BIGINT) \
             FROM messages WHERE mailbox_id = $1",
        )
        .bind(mailbox.0)
        .fetch_one(self.r())
        .await?;
        Ok(MailboxCounts {
            messages: total as u32,
            unseen: unseen as u32,
            deleted: deleted as u32,
            size: bytes,
            from: 0,
        })
    }

    /// Messages of a mailbox with the given UIDs (those that exist), in
    /// UID order, in one query per [`CHUNK`] UIDs.
    pub async fn messages_by_uids(
        &self,
        mailbox: MailboxId,
        uids: &[Uid],
    ) -> Result<Vec<MessageMeta>> {
        let mut out = Vec::with_capacity(uids.len());
        for chunk in uids.chunks(CHUNK) {
            for r in by_uids(mailbox, chunk).fetch_all(self.r()).await? {
                out.push(from_row(&r)?);
            }
        }
        out.sort_by_key(|m| m.uid);
        Ok(out)
    }

    /// R15/R16: bytes used and quota of an account (all folders together).
    pub async fn quota_usage(&self, account: AccountId) -> Result<QuotaUsage> {
        let row: Option<(i64, i64)> =
            sql::query_as("SELECT bytes_used, quota_bytes FROM accounts WHERE id = $1")
                .bind(account.0)
                .fetch_optional(self.r())
                .await?;
        let (used, limit) =
            row.ok_or_else(|| StoreError::NotFound(format!("account {}", account.0)))?;
        Ok(QuotaUsage { used, limit })
    }

    /// The sum of message sizes of an account, computed from the messages
    /// themselves; equal to `bytes_used` whenever the store is consistent.
    pub async fn recount_usage(&self, account: AccountId) -> Result<i64> {
        let row: (i64,) = sql::query_as(
            "SELECT CAST(COALESCE(SUM(m.size), 0) AS BIGINT) FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id \
             WHERE b.account_id = $1",
        )
        .bind(account.0)
        .fetch_one(self.r())
        .await?;
        Ok(row.0)
    }

    // ---- R2: \Seen per user in shared (functional) mailboxes ----

    pub async fn shared_seen(&self, mailbox: MailboxId, reader: AccountId) -> Result<Vec<Uid>> {
        let rows: Vec<(i64,)> = sql::query_as(
            "SELECT uid FROM shared_seen WHERE mailbox_id = $1 AND account_id = $2 ORDER BY uid",
        )
        .bind(mailbox.0)
        .bind(reader.0)
        .fetch_all(self.r())
        .await?;
        Ok(rows.into_iter().map(|r| r.0 as Uid).collect())
    }

    /// Every blob id at refcount 0 (marked, waiting for the sweep).
    pub async fn unreferenced_blobs(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sql::query_as("SELECT id FROM blobs WHERE refcount <= 0")
            .fetch_all(self.w())
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Every blob id referenced by the metadata.
    pub async fn referenced_blobs(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sql::query_as("SELECT id FROM blobs WHERE refcount > 0")
            .fetch_all(self.w())
            .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// R15: adds `size` to the account's usage if it fits. The outer error is a
/// database failure; the inner one is the quota refusal.
pub(crate) async fn charge_quota(
    tx: &mut crate::db::Tx,
    account: i64,
    size: i64,
) -> Result<Result<()>> {
    let r = sql::query("UPDATE accounts SET bytes_used = bytes_used + $1 WHERE id = $2 AND bytes_used + $1 <= quota_bytes")
        .bind(size)
        .bind(account)
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() == 1 {
        return Ok(Ok(()));
    }
    let row: Option<(i64, i64)> =
        sql::query_as("SELECT bytes_used, quota_bytes FROM accounts WHERE id = $1")
            .bind(account)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(Err(match row {
        Some((used, limit)) => StoreError::OverQuota {
            used,
            needed: size,
            limit,
        },
        None => StoreError::NotFound(format!("account {account}")),
    }))
}

pub(crate) async fn bump_modseq(
    tx: &mut crate::db::Tx,
    mailbox: MailboxId,
) -> Result<(i64, ModSeq)> {
    let row: (i64, i64) =
        sql::query_as("UPDATE mailboxes SET highestmodseq = highestmodseq + 1 WHERE id = $1 RETURNING account_id, highestmodseq")
            .bind(mailbox.0)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("mailbox {}", mailbox.0)))?;
    Ok((row.0, row.1 as ModSeq))
}
