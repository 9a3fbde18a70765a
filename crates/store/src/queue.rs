//! The persistent queue: outbound mail and deliveries held for quota (R17),
//! with per-recipient state. Entries are claimed with a lease
//! (`locked_until`) so that on several nodes each is worked on by one only.

use crate::sql;
use crate::sql::Row;
use vesontio_types::UnixTime;

use crate::Store;
use crate::error::Result;
use crate::model::*;

const COLS: &str = "id, kind, blob_id, sender, envid, ret, created_at, next_attempt_at, attempts, \
     delay_notified, folder, disposition";

fn from_row(r: &Row) -> Result<QueueEntry> {
    let kind: String = r.try_get("kind")?;
    Ok(QueueEntry {
        id: r.try_get("id")?,
        kind: QueueKind::parse(&kind),
        blob_id: r.try_get("blob_id")?,
        sender: r.try_get("sender")?,
        envid: r.try_get("envid")?,
        ret: r.try_get("ret")?,
        created_at: r.try_get("created_at")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        attempts: r.try_get("attempts")?,
        delay_notified: r.try_get::<i64, _>("delay_notified")? != 0,
        folder: r.try_get("folder")?,
        disposition: r.try_get("disposition")?,
        recipients: Vec::new(),
    })
}

impl Store {
    /// Queues a message; the blob gains one reference.
    pub async fn enqueue(&self, e: NewQueueEntry) -> Result<i64> {
        self.enqueue_filed(e, None, None).await
    }

    /// [`Store::enqueue`] for a held delivery (R17) that keeps the folder
    /// the filters chose and their disposition (v9), so that its retry
    /// files it where it was meant to go.
    pub async fn enqueue_filed(
        &self,
        e: NewQueueEntry,
        folder: Option<&str>,
        disposition: Option<&str>,
    ) -> Result<i64> {
        let mut tx = self.begin_durable().await?;
        let id = self.enqueue_in(&mut tx, &e, folder, disposition).await?;
        tx.commit().await?;
        if e.kind == QueueKind::HeldLocal {
            self.inner
                .may_hold
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(id)
    }

    /// The inserts of [`Store::enqueue_filed`] in `tx`; the caller sets
    /// `may_hold` after commit for a held entry.
    pub(crate) async fn enqueue_in(
        &self,
        tx: &mut crate::db::Tx,
        e: &NewQueueEntry,
        folder: Option<&str>,
        disposition: Option<&str>,
    ) -> Result<i64> {
        self.link_blob(tx, &e.blob).await?;
        let row = sql::query(
            "INSERT INTO queue (kind, blob_id, sender, envid, ret, created_at, next_attempt_at, \
             folder, disposition) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(e.kind.as_str())
        .bind(&e.blob.id)
        .bind(&e.sender)
        .bind(e.envid.clone())
        .bind(e.ret.clone())
        .bind(e.created_at)
        .bind(e.next_attempt_at)
        .bind(folder.map(str::to_string))
        .bind(disposition.map(str::to_string))
        .fetch_one(&mut **tx)
        .await?;
        let id: i64 = row.try_get(0)?;
        for r in &e.recipients {
            sql::query(
                "INSERT INTO queue_rcpt (queue_id, address, orcpt, notify) VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(&r.address)
            .bind(r.orcpt.clone())
            .bind(r.notify.clone())
            .execute(&mut **tx)
            .await?;
        }
        Ok(id)
    }

    /// Claims up to `limit` entries due at `now` for `lease` seconds. A
    /// claimed entry is invisible to other claimers until the lease ends or
    /// it is rescheduled or finished.
    pub async fn claim_due(
        &self,
        now: UnixTime,
        lease: i64,
        limit: i64,
    ) -> Result<Vec<QueueEntry>> {
        self.claim(now, lease, limit, None).await
    }

    /// Like [`Store::claim_due`], for one kind only (the outbound runner and
    /// the held-delivery retrier each claim their own).
    pub async fn claim_due_kind(
        &self,
        now: UnixTime,
        lease: i64,
        limit: i64,
        kind: QueueKind,
    ) -> Result<Vec<QueueEntry>> {
        self.claim(now, lease, limit, Some(kind)).await
    }

    async fn claim(
        &self,
        now: UnixTime,
        lease: i64,
        limit: i64,
        kind: Option<QueueKind>,
    ) -> Result<Vec<QueueEntry>> {
        let mut tx = self.begin_fast().await?;
        let lock = if self.dialect() == crate::Dialect::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let (k1, k2) = match kind {
            Some(k) => (k.as_str(), k.as_str()),
            None => ("remote", "held_local"),
        };
        let rows = sql::query(q!(
            "SELECT {COLS} FROM queue WHERE next_attempt_at <= $1 AND locked_until <= $1 AND kind IN ($3, $4) \
             ORDER BY next_attempt_at LIMIT $2{lock}"
        ))
        .bind(now)
        .bind(limit)
        .bind(k1)
        .bind(k2)
        .fetch_all(&mut *tx)
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            let mut e = from_row(r)?;
            sql::query("UPDATE queue SET locked_until = $1 WHERE id = $2")
                .bind(now + lease)
                .bind(e.id)
                .execute(&mut *tx)
                .await?;
            e.recipients = rcpts(&mut tx, e.id).await?;
            out.push(e);
        }
        tx.commit().await?;
        Ok(out)
    }

    /// Every queue entry (for the admin console and tests).
    pub async fn queue_entries(&self) -> Result<Vec<QueueEntry>> {
        let mut tx = self.begin_fast().await?;
        let rows = sql::query(q!("SELECT {COLS} FROM queue ORDER BY id"))
            .fetch_all(&mut *tx)
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let mut e = from_row(r)?;
            e.recipients = rcpts(&mut tx, e.id).await?;
            out.push(e);
        }
        tx.commit().await?;
        Ok(out)
    }

    pub async fn set_rcpt_status(
        &self,
        rcpt_id: i64,
        status: RcptStatus,
        error: Option<&str>,
    ) -> Result<()> {
        sql::query("UPDATE queue_rcpt SET status = $1, last_error = $2 WHERE id = $3")
            .bind(status.as_str())
            .bind(error.map(str::to_string))
            .bind(rcpt_id)
            .execute(self.w())
            .await?;
        Ok(())
    }

    /// Schedules the next attempt and releases the lease.
    pub async fn reschedule(
        &self,
        id: i64,
        next_attempt_at: UnixTime,
        delay_notified: bool,
    ) -> Result<()> {
        sql::query(
            "UPDATE queue SET next_attempt_at = $1, attempts = attempts + 1, locked_until = 0, delay_notified = $2 WHERE id = $3",
        )
        .bind(next_attempt_at)
        .bind(delay_notified as i64)
        .bind(id)
        .execute(self.w())
        .await?;
        Ok(())
    }

    /// Makes every held entry due now (after room appeared in a mailbox).
    pub async fn wake_held(&self, now: UnixTime) -> Result<u64> {
        // Usually nothing is held: this process remembers whether it may
        // have held entries, and asks a reader before queueing for the
        // writer (a hold written by another node, or just after the flag
        // was cleared, is retried on its schedule).
        use std::sync::atomic::Ordering;
        if !self.inner.may_hold.load(Ordering::Relaxed) {
            return Ok(0);
        }
        let any: Option<(i64,)> = sql::query_as(
            "SELECT id FROM queue WHERE kind = 'held_local' AND next_attempt_at > $1 LIMIT 1",
        )
        .bind(now)
        .fetch_optional(self.r())
        .await?;
        if any.is_none() {
            self.inner.may_hold.store(false, Ordering::Relaxed);
            return Ok(0);
        }
        let r = sql::query("UPDATE queue SET next_attempt_at = $1 WHERE kind = 'held_local' AND next_attempt_at > $1")
            .bind(now)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected())
    }

    /// Removes a finished entry and releases its blob.
    pub async fn dequeue(&self, id: i64) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        let blob: Option<(String,)> = sql::query_as("SELECT blob_id FROM queue WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        sql::query("DELETE FROM queue WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        crate::expunge::release_blobs(&mut tx, self.dialect(), blob.into_iter().map(|b| b.0))
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn rcpts(tx: &mut crate::db::Tx, id: i64) -> Result<Vec<QueueRcpt>> {
    let rows = sql::query("SELECT id, address, orcpt, notify, status, last_error FROM queue_rcpt WHERE queue_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter()
        .map(|r| {
            let status: String = r.try_get("status")?;
            Ok(QueueRcpt {
                id: r.try_get("id")?,
                address: r.try_get("address")?,
                orcpt: r.try_get("orcpt")?,
                notify: r.try_get("notify")?,
                status: RcptStatus::parse(&status),
                last_error: r.try_get("last_error")?,
            })
        })
        .collect()
}
