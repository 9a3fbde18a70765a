//! Removing messages: EXPUNGE (RFC 9051 §6.4.3), POP3 deletions, the
//! source half of MOVE; quota is freed in the same transaction (R17),
//! QRESYNC remembers the UIDs (RFC 7162 §3.2.5.1), and blobs whose last
//! reference went away are marked, then swept after a grace period
//! ([`Store::sweep_blobs`], see `blob/mod.rs`).

use crate::sql;
use std::collections::BTreeMap;

use vesontio_types::{AccountId, MailboxId, ModSeq, Uid};

use crate::batch::{CHUNK, Script, placeholders};
use crate::error::Result;
use crate::ingest::ChangeKind;
use crate::messages::bump_modseq;
use crate::{Change, Dialect, ExpungeMode, Store};

/// A message about to go.
struct Victim {
    id: i64,
    uid: Uid,
    blob_id: String,
    size: i64,
    seen: bool,
    deleted: bool,
    email_id: i64,
    /// Has rows in `shared_seen`.
    seen_by: bool,
}

impl Store {
    /// Removes messages, frees their quota at once, records them as
    /// expunged for QRESYNC and releases their blobs. Returns the UIDs removed.
    pub async fn expunge(
        &self,
        mailbox: MailboxId,
        uids: Option<&[Uid]>,
        mode: ExpungeMode,
    ) -> Result<Vec<Uid>> {
        if mode == ExpungeMode::FlaggedDeleted && !self.any_deleted(mailbox, uids).await? {
            // Nothing to remove: no turn of the writer. A `\Deleted` set
            // after this read is ordered after this EXPUNGE.
            return Ok(Vec::new());
        }
        Ok(self.expunge_modseq(mailbox, uids, mode).await?.0)
    }

    /// [`Store::expunge`] straight to the writer (the caller has reason to
    /// expect victims, or asked [`Store::any_deleted`]), also returning the
    /// mailbox's HIGHESTMODSEQ after it (0 when nothing was removed).
    pub async fn expunge_modseq(
        &self,
        mailbox: MailboxId,
        uids: Option<&[Uid]>,
        mode: ExpungeMode,
    ) -> Result<(Vec<Uid>, ModSeq)> {
        let mut tx = self.begin_fast().await?;
        let gone = expunge_in(&mut tx, self.dialect(), mailbox, uids, mode).await?;
        if gone.uids.is_empty() {
            tx.rollback().await?;
            return Ok((Vec::new(), 0));
        }
        let change = Change {
            account_id: AccountId(gone.account),
            mailbox_id: mailbox,
            modseq: gone.modseq,
            seq: gone.seq,
        };
        let changes = self.announce(&mut tx, vec![change]).await?;
        tx.commit().await?;
        self.published(changes);
        Ok((gone.uids, gone.modseq))
    }

    /// Whether any of these messages (all, with `None`) is flagged
    /// `\Deleted`, as a reader sees them.
    pub async fn any_deleted(&self, mailbox: MailboxId, uids: Option<&[Uid]>) -> Result<bool> {
        let Some(uids) = uids else {
            let row: Option<(i64,)> = sql::query_as(
                "SELECT uid FROM messages WHERE mailbox_id = $1 AND deleted = 1 LIMIT 1",
            )
            .bind(mailbox.0)
            .fetch_optional(self.r())
            .await?;
            return Ok(row.is_some());
        };
        for chunk in uids.chunks(CHUNK) {
            let sql = q!(
                "SELECT uid FROM messages WHERE mailbox_id = $1 AND deleted = 1 AND uid IN ({}) LIMIT 1",
                placeholders(2, chunk.len())
            );
            let mut query = sql::query_as::<(i64,)>(sql).bind(mailbox.0);
            for &u in chunk {
                query = query.bind(u as i64);
            }
            if query.fetch_optional(self.r()).await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Removes the blobs marked at refcount 0 before `now` minus
    /// [`crate::SWEEP_GRACE_SECS`] and still unreferenced: their rows (with
    /// the stored model and search text) in one transaction per chunk,
    /// then, after its commit, their bytes, unless put within the grace (a
    /// delivery of the same content about to commit). A delivery that
    /// takes a reference before the row goes un-marks it and the row
    /// stays; one after finds no row and inserts it again, and its bytes,
    /// put just before, stay. Run by the periodic jobs. Returns the blobs
    /// whose bytes were removed.
    pub async fn sweep_blobs(&self, now: i64) -> Result<usize> {
        let due = now - crate::SWEEP_GRACE_SECS;
        let mut n = 0;
        loop {
            let ids: Vec<(String,)> = sql::query_as(q!(
                "SELECT id FROM blobs WHERE refcount <= 0 AND zero_since <= $1 LIMIT {CHUNK}"
            ))
            .bind(due)
            .fetch_all(self.w())
            .await?;
            if ids.is_empty() {
                return Ok(n);
            }
            let ids: Vec<String> = ids.into_iter().map(|r| r.0).collect();
            let mut tx = self.begin_fast().await?;
            let sql = q!(
                "DELETE FROM blobs WHERE refcount <= 0 AND zero_since <= $1 AND id IN ({}) RETURNING id",
                placeholders(2, ids.len())
            );
            let mut query = sql::query(sql).bind(due);
            for id in &ids {
                query = query.bind(id);
            }
            let gone = query.fetch_all(&mut *tx).await?;
            // The stored model and search text go with the blob.
            if !gone.is_empty() {
                let key = crate::indexer::index_key(self.dialect());
                let ids: Vec<String> = gone
                    .iter()
                    .map(|r| r.try_get(0))
                    .collect::<sql::Result<_>>()?;
                let list = placeholders(1, ids.len());
                // Pending texts first: on PostgreSQL an index batch that
                // holds them commits before this sees the index. SQLite
                // indexes header fields in a table of their own
                // (`textsearch.rs`); PostgreSQL keeps them in `search`.
                let texts: &[&str] = match self.dialect() {
                    crate::Dialect::Sqlite => &["search_pending", "search", "search_fields"],
                    crate::Dialect::Postgres => &["search_pending", "search"],
                };
                let mut statements: Vec<String> = texts
                    .iter()
                    .map(|t| {
                        let k = if *t == "search_pending" { "id" } else { key };
                        format!(
                            "DELETE FROM {t} WHERE {k} IN (SELECT id FROM contents WHERE blob_id IN ({list}))"
                        )
                    })
                    .collect();
                statements.push(format!("DELETE FROM contents WHERE blob_id IN ({list})"));
                for sql in statements {
                    let mut q = sql::query(sql::Safe(sql));
                    for id in &ids {
                        q = q.bind(id);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            // Outside the transaction: bytes are never touched under it.
            for r in &gone {
                let id: String = r.try_get(0)?;
                if self.blobs().delete(&id, due).await? {
                    n += 1;
                }
            }
            if ids.len() < CHUNK {
                return Ok(n);
            }
        }
    }

    /// Removes bytes that no `blobs` row names and that were last put
    /// before `now` minus the grace: left by a crash between a put and its
    /// commit, a delivery refused after its put, or a sweep that kept
    /// bytes put during its grace. A delivery in flight put its bytes
    /// within the grace, so they stay. Reads every blob id: for a daily
    /// pass. Returns the blobs removed.
    pub async fn sweep_orphan_blobs(&self, now: i64) -> Result<usize> {
        let due = now - crate::SWEEP_GRACE_SECS;
        let stored = self.blobs().list().await?;
        let rows: Vec<(String,)> = sql::query_as("SELECT id FROM blobs")
            .fetch_all(self.r().heavy())
            .await?;
        let named: std::collections::HashSet<String> = rows.into_iter().map(|r| r.0).collect();
        let mut n = 0;
        for id in stored.iter().filter(|id| !named.contains(*id)) {
            if self.blobs().delete(id, due).await? {
                n += 1;
            }
        }
        Ok(n)
    }
}

/// Reads the messages to remove under the account and mailbox locks.
async fn victims(
    tx: &mut crate::db::Tx,
    mailbox: MailboxId,
    uids: Option<&[Uid]>,
    mode: ExpungeMode,
) -> Result<Vec<Victim>> {
    // Whether any member's own `\\Seen` is recorded (functional mailboxes).
    const COLS: &str = "id, uid, blob_id, size, seen, deleted, email_id, \
        (SELECT COUNT(*) FROM shared_seen s WHERE s.mailbox_id = messages.mailbox_id \
         AND s.uid = messages.uid) AS seen_by";
    let filter = match mode {
        ExpungeMode::FlaggedDeleted => " AND deleted = 1",
        ExpungeMode::Any => "",
    };
    let rows = match uids {
        None => {
            sql::query(q!(
                "SELECT {COLS} FROM messages WHERE mailbox_id = $1{filter} ORDER BY uid"
            ))
            .bind(mailbox.0)
            .fetch_all(&mut **tx)
            .await?
        }
        Some(uids) => {
            let mut rows = Vec::new();
            for chunk in uids.chunks(CHUNK) {
                let sql = q!(
                    "SELECT {COLS} FROM messages WHERE mailbox_id = $1{filter} AND uid IN ({}) ORDER BY uid",
                    placeholders(2, chunk.len())
                );
                let mut query = sql::query(sql).bind(mailbox.0);
                for &u in chunk {
                    query = query.bind(u as i64);
                }
                rows.extend(query.fetch_all(&mut **tx).await?);
            }
            rows
        }
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(Victim {
            id: r.try_get("id")?,
            uid: r.try_get::<i64, _>("uid")? as Uid,
            blob_id: r.try_get("blob_id")?,
            size: r.try_get("size")?,
            seen: r.try_get::<i64, _>("seen")? != 0,
            deleted: r.try_get::<i64, _>("deleted")? != 0,
            email_id: r.try_get::<Option<i64>, _>("email_id")?.unwrap_or(0),
            seen_by: r.try_get::<i64, _>("seen_by")? > 0,
        });
    }
    out.sort_by_key(|v| v.uid);
    out.dedup_by_key(|v| v.uid);
    Ok(out)
}

/// What [`expunge_in`] did.
pub(crate) struct Gone {
    /// UIDs removed (none: nothing else is meaningful).
    pub(crate) uids: Vec<Uid>,
    pub(crate) account: i64,
    /// The mailbox's new HIGHESTMODSEQ.
    pub(crate) modseq: ModSeq,
    /// The account's change sequence number (0 when nothing was removed).
    pub(crate) seq: i64,
}

/// The expunge inside a caller's transaction.
pub(crate) async fn expunge_in(
    tx: &mut crate::db::Tx,
    dialect: Dialect,
    mailbox: MailboxId,
    uids: Option<&[Uid]>,
    mode: ExpungeMode,
) -> Result<Gone> {
    // Lock order everywhere: account, then mailbox, then message rows. The
    // victims are read under the mailbox lock, so two sessions expunging
    // the same message cannot both count it. SQLite has one writer and no
    // row locks: the mailbox update alone serialises.
    // The account lock is the change log's sequence number.
    let Some((_, seq)) = crate::ingest::next_seq_of_mailbox(tx, mailbox.0).await? else {
        return Err(crate::StoreError::NotFound(format!(
            "mailbox {}",
            mailbox.0
        )));
    };
    let (account, modseq) = bump_modseq(tx, mailbox).await?;
    let victims = victims(tx, mailbox, uids, mode).await?;
    if victims.is_empty() {
        // The caller rolls back or has other changes under this modseq.
        return Ok(Gone {
            uids: Vec::new(),
            account,
            modseq,
            seq: 0,
        });
    }
    // Everything else is known now: one script (one hand-off on SQLite).
    let freed: i64 = victims.iter().map(|m| m.size).sum();
    let mut sc = Script::default();
    let mb = sc.int(mailbox.0);
    let ms = sc.int(modseq as i64);
    for chunk in victims.chunks(CHUNK) {
        let ids = sc.ints(chunk.iter().map(|m| m.id));
        sc.push(format!("DELETE FROM messages WHERE id IN ({ids})"));
        let mut rows = Vec::with_capacity(chunk.len());
        for m in chunk {
            let u = sc.int(m.uid as i64);
            rows.push(format!("({mb}, {u}, {ms})"));
        }
        sc.push(format!(
            "INSERT INTO expunged (mailbox_id, uid, modseq) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        ));
        let seen: Vec<i64> = chunk
            .iter()
            .filter(|m| m.seen_by)
            .map(|m| m.uid as i64)
            .collect();
        if !seen.is_empty() {
            let uids = sc.ints(seen);
            // R2: each member's kept count loses the marks that go.
            sc.push(format!(
                "UPDATE shared_counts SET seen = seen - (SELECT COUNT(*) FROM shared_seen s \
                 WHERE s.mailbox_id = {mb} AND s.account_id = shared_counts.account_id \
                 AND s.uid IN ({uids})) WHERE mailbox_id = {mb}"
            ));
            sc.push(format!(
                "DELETE FROM shared_seen WHERE mailbox_id = {mb} AND uid IN ({uids})"
            ));
        }
    }
    let (f, a) = (sc.int(freed), sc.int(account));
    sc.push(format!(
        "UPDATE accounts SET bytes_used = bytes_used - {f} WHERE id = {a}"
    ));
    let n = sc.int(victims.len() as i64);
    let unseen = sc.int(victims.iter().filter(|v| !v.seen).count() as i64);
    let deleted = sc.int(victims.iter().filter(|v| v.deleted).count() as i64);
    sc.push(format!(
        "UPDATE mailboxes SET total = total - {n}, unseen = unseen - {unseen}, \
         deleted = deleted - {deleted}, bytes = bytes - {f} WHERE id = {mb}"
    ));
    release_in(&mut sc, victims.iter().map(|m| m.blob_id.clone()));
    sc.run(tx, dialect).await?;
    let log: Vec<(ChangeKind, i64, i64)> = victims
        .iter()
        .map(|v| (ChangeKind::Destroyed, v.email_id, mailbox.0))
        .collect();
    crate::ingest::record_changes(tx, account, seq, &log, crate::now()).await?;
    Ok(Gone {
        uids: victims.into_iter().map(|m| m.uid).collect(),
        account,
        modseq,
        seq,
    })
}

/// References to drop per blob, then blobs per count.
pub(crate) fn by_count(ids: impl Iterator<Item = String>) -> BTreeMap<i64, Vec<String>> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for id in ids {
        *counts.entry(id).or_default() += 1;
    }
    let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for (id, n) in counts {
        out.entry(n).or_default().push(id);
    }
    out
}

/// [`release_blobs`] as statements of a script. A blob whose count
/// reaches 0 is marked with the time, for [`Store::sweep_blobs`]; one a
/// concurrent writer still references keeps its mark cleared.
fn release_in(sc: &mut Script, ids: impl Iterator<Item = String>) {
    let now = sc.int(crate::now());
    for (n, ids) in by_count(ids) {
        for chunk in ids.chunks(CHUNK) {
            let k = sc.int(n);
            let list: Vec<String> = chunk.iter().map(|id| sc.text(id)).collect();
            sc.push(format!(
                "UPDATE blobs SET refcount = refcount - {k}, \
                 zero_since = CASE WHEN refcount - {k} <= 0 THEN {now} ELSE NULL END \
                 WHERE id IN ({})",
                list.join(", ")
            ));
        }
    }
}

/// Drops one reference per id (an id may come several times), marking
/// the blobs that reach zero.
pub(crate) async fn release_blobs(
    tx: &mut crate::db::Tx,
    dialect: Dialect,
    ids: impl Iterator<Item = String>,
) -> Result<()> {
    let mut sc = Script::default();
    release_in(&mut sc, ids);
    sc.run(tx, dialect).await?;
    Ok(())
}
