//! One message's writes in one transaction (issue 15 item 2): its local
//! copies, the R17 holds of the copies whose mailbox is full, its remote
//! queue entries and its retry key commit together or not at all, in the
//! group commit shared with concurrent deliveries. The retry key (v9,
//! `ingest_keys`) recognises a message handed over again (a client that
//! timed out and retried, a crash between its commit and the `250`): its
//! second write finds the key and writes nothing.

use crate::sql;
use vesontio_types::{MailboxId, UnixTime};

use crate::Store;
use crate::error::{Result, StoreError};
use crate::model::{Appended, NewMessage, NewQueueEntry, QueueKind};

/// A copy to hold (R17) when its mailbox is full, with the folder and
/// disposition its retry keeps.
#[derive(Debug, Clone)]
pub struct HeldWrite {
    pub entry: NewQueueEntry,
    pub folder: Option<String>,
    pub disposition: Option<String>,
}

/// One local copy.
#[derive(Debug, Clone)]
pub struct CopyWrite {
    pub mailbox: MailboxId,
    pub msg: NewMessage,
    /// The filters' disposition, stored on the row.
    pub disposition: Option<String>,
    /// Queued instead when the quota refuses the copy.
    pub hold: Option<HeldWrite>,
}

/// Everything one message writes.
#[derive(Debug, Clone)]
pub struct MessageWrite {
    /// The retry key; `None` writes no key (internal notices).
    pub key: Option<String>,
    /// The delivery's id, answered again to a retry.
    pub queue_id: String,
    pub copies: Vec<CopyWrite>,
    /// Remote queue entries.
    pub queue: Vec<NewQueueEntry>,
    pub now: UnixTime,
}

/// What became of one copy.
#[derive(Debug)]
pub enum CopyOutcome {
    Delivered(Appended),
    /// Held (R17): the queue entry's id.
    Held(i64),
    /// Not written (mailbox gone, over quota without a hold).
    Failed(StoreError),
}

/// What a [`MessageWrite`] did.
#[derive(Debug)]
pub enum WriteOutcome {
    Written {
        copies: Vec<CopyOutcome>,
        queued: Vec<i64>,
    },
    /// The key was already committed by this delivery: nothing written.
    Duplicate { queue_id: String },
}

impl Store {
    /// Commits one message's writes together, in the shared group commit.
    /// `Err` means nothing of it was written.
    pub async fn write_message(&self, w: MessageWrite) -> Result<WriteOutcome> {
        let mut out = self.commit_writes(vec![w]).await?;
        out.pop()
            .unwrap_or_else(|| Err(StoreError::Invalid("empty batch".into())))
    }

    /// The queue id of a delivery whose retry key is `key`, if committed.
    pub async fn ingest_key(&self, key: &str) -> Result<Option<String>> {
        let row: Option<(String,)> =
            sql::query_as("SELECT queue_id FROM ingest_keys WHERE key = $1")
                .bind(key)
                .fetch_optional(self.r())
                .await?;
        Ok(row.map(|r| r.0))
    }

    /// Forgets retry keys older than `before` (a retry comes within
    /// minutes or hours; the keys need not outlive the sender's queue).
    pub async fn purge_ingest_keys(&self, before: UnixTime) -> Result<u64> {
        let r = sql::query("DELETE FROM ingest_keys WHERE created_at < $1")
            .bind(before)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected())
    }

    /// The batch of the group commit: every write of every caller in one
    /// durable transaction. A database error fails the whole batch.
    pub(crate) async fn write_batch(
        &self,
        writes: Vec<MessageWrite>,
    ) -> Result<Vec<Result<WriteOutcome>>> {
        let mut writes = writes;
        for w in writes.iter_mut() {
            for c in w.copies.iter_mut() {
                self.ensure_parsed(&mut c.msg).await?;
            }
        }
        // Index batches wait while deliveries run.
        self.inner.indexer.writing();
        let mut tx = self.begin_durable().await?;
        // Keys first: a duplicate writes nothing else.
        let mut dup: Vec<Option<String>> = Vec::with_capacity(writes.len());
        for w in &writes {
            dup.push(match &w.key {
                None => None,
                Some(k) => self.claim_key(&mut tx, k, &w.queue_id, w.now).await?,
            });
        }
        // All copies in one insert pass: one change sequence per account
        // and transaction.
        let mut items = Vec::new();
        let mut holds = Vec::new();
        let mut owner = Vec::new();
        for (i, w) in writes.iter_mut().enumerate() {
            if dup[i].is_some() {
                continue;
            }
            for c in std::mem::take(&mut w.copies) {
                items.push((c.mailbox, c.msg, c.disposition));
                holds.push(c.hold);
                owner.push(i);
            }
        }
        let (results, changes) = self.insert_messages(&mut tx, items).await?;
        let mut copies: Vec<Vec<CopyOutcome>> = writes.iter().map(|_| Vec::new()).collect();
        let mut any_held = false;
        for ((r, hold), i) in results.into_iter().zip(holds).zip(owner) {
            let outcome = match (r, hold) {
                (Ok(a), _) => CopyOutcome::Delivered(a),
                (Err(StoreError::OverQuota { .. }), Some(h)) => {
                    any_held = true;
                    let folder = h.folder.as_deref();
                    let disp = h.disposition.as_deref();
                    CopyOutcome::Held(self.enqueue_in(&mut tx, &h.entry, folder, disp).await?)
                }
                (Err(e), _) => CopyOutcome::Failed(e),
            };
            copies[i].push(outcome);
        }
        let mut out = Vec::with_capacity(writes.len());
        for ((w, d), copies) in writes.iter().zip(dup).zip(copies) {
            if let Some(queue_id) = d {
                out.push(Ok(WriteOutcome::Duplicate { queue_id }));
                continue;
            }
            let mut queued = Vec::new();
            for q in &w.queue {
                any_held |= q.kind == QueueKind::HeldLocal;
                queued.push(self.enqueue_in(&mut tx, q, None, None).await?);
            }
            out.push(Ok(WriteOutcome::Written { copies, queued }));
        }
        let changes = self.announce(&mut tx, changes).await?;
        tx.commit().await?;
        self.inner.indexer.poke();
        self.published(changes);
        if any_held {
            self.inner
                .may_hold
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(out)
    }

    /// Records `key` for `queue_id`; `Some(first queue id)` when it was
    /// already there (this transaction or an earlier one).
    async fn claim_key(
        &self,
        tx: &mut crate::db::Tx,
        key: &str,
        queue_id: &str,
        now: UnixTime,
    ) -> Result<Option<String>> {
        let r = sql::query(
            "INSERT INTO ingest_keys (key, queue_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(queue_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(None);
        }
        let row: Option<(String,)> =
            sql::query_as("SELECT queue_id FROM ingest_keys WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut **tx)
                .await?;
        Ok(Some(row.map_or_else(String::new, |r| r.0)))
    }

    /// [`Store::deliver_disposed`]'s copies as writes without key.
    pub(crate) fn copies_as_writes(
        items: Vec<(MailboxId, NewMessage, Option<String>)>,
    ) -> Vec<MessageWrite> {
        items
            .into_iter()
            .map(|(mailbox, msg, disposition)| MessageWrite {
                key: None,
                queue_id: String::new(),
                copies: vec![CopyWrite {
                    mailbox,
                    msg,
                    disposition,
                    hold: None,
                }],
                queue: Vec::new(),
                now: 0,
            })
            .collect()
    }
}

/// A copy-only write's result as [`Store::deliver`] answers it.
pub(crate) fn copy_result(w: Result<WriteOutcome>) -> Result<Appended> {
    match w? {
        WriteOutcome::Written { mut copies, .. } => match copies.pop() {
            Some(CopyOutcome::Delivered(a)) => Ok(a),
            Some(CopyOutcome::Failed(e)) => Err(e),
            Some(CopyOutcome::Held(_)) | None => Err(StoreError::Invalid("no copy result".into())),
        },
        WriteOutcome::Duplicate { .. } => Err(StoreError::Invalid("duplicate without key".into())),
    }
}
