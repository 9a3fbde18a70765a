//! Group commit: concurrent deliveries and IMAP APPENDs share one
//! `deliver_batch` transaction (one fsync, one turn of the writer), so
//! throughput is not bounded by the disk's fsync rate nor by the round
//! trips of one transaction per message.
//!
//! A committer task takes the first waiting job, drains every other job
//! already queued (up to [`MAX_BATCH`] messages), commits them in one
//! transaction and answers each caller. While one batch commits, the next
//! one gathers: no timer, no added latency when idle.
//!
//! Invariants
//! - A caller gets its answer only after the transaction committed (or
//!   failed as a whole).
//! - Blob files are written by the callers before they queue a job.

use std::sync::Weak;

use tokio::sync::{mpsc, oneshot};
use vesontio_types::MailboxId;

use crate::{Appended, Inner, NewMessage, Store, StoreError};

/// Most messages committed in one transaction.
const MAX_BATCH: usize = 512;

type ItemResult = Result<Appended, StoreError>;

struct Job {
    items: Vec<(MailboxId, NewMessage)>,
    reply: oneshot::Sender<Result<Vec<ItemResult>, String>>,
}

/// Handle to the committer task, kept in the store. The task holds the
/// store weakly: dropping the last [`Store`] drops this sender, and the
/// task ends.
pub(crate) struct Committer {
    tx: mpsc::Sender<Job>,
}

impl Committer {
    /// Starts the task on the current runtime.
    pub(crate) fn start(store: Weak<Inner>) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(run(store, rx));
        Committer { tx }
    }

    /// Delivers `items` in a shared transaction; one result per item, in
    /// order. `Err` means nothing of this job was written.
    pub(crate) async fn deliver(
        &self,
        items: Vec<(MailboxId, NewMessage)>,
    ) -> Result<Vec<ItemResult>, String> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job { items, reply })
            .await
            .map_err(|_| "committer stopped".to_string())?;
        rx.await
            .map_err(|_| "committer dropped the job".to_string())?
    }
}

async fn run(store: Weak<Inner>, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let Some(inner) = store.upgrade() else { return };
        let store = Store { inner };
        let mut jobs = vec![first];
        let mut count = jobs[0].items.len();
        while count < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => {
                    count += j.items.len();
                    jobs.push(j);
                }
                Err(_) => break,
            }
        }
        let mut sizes = Vec::with_capacity(jobs.len());
        let mut all = Vec::with_capacity(count);
        let mut replies = Vec::with_capacity(jobs.len());
        for j in jobs {
            sizes.push(j.items.len());
            all.extend(j.items);
            replies.push(j.reply);
        }
        match store.deliver_batch(all).await {
            Ok(results) => {
                let mut it = results.into_iter();
                for (n, reply) in sizes.into_iter().zip(replies) {
                    let part: Vec<ItemResult> = it.by_ref().take(n).collect();
                    let _ = reply.send(Ok(part));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "group commit failed");
                let msg = e.to_string();
                for reply in replies {
                    let _ = reply.send(Err(msg.clone()));
                }
            }
        }
    }
}
