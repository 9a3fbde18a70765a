//! Group commit: concurrent callers share one transaction, so throughput
//! is bounded neither by the disk's fsync rate nor by the round trips of
//! one transaction each. Used for deliveries and IMAP APPENDs (one
//! `deliver_batch`, one fsync) and for blob reclaim after expunges.
//!
//! A task takes the first waiting job, drains every other job already
//! queued (up to a maximum of items), runs them as one batch and answers
//! each caller. While one batch runs, the next one gathers: no timer, no
//! added latency when idle.
//!
//! Invariants
//! - A caller gets its answer only after the batch committed (or failed
//!   as a whole).
//! - The task holds the store weakly: dropping the last [`Store`] drops
//!   the sender kept in it, and the task ends.

use std::future::Future;
use std::sync::Weak;

use tokio::sync::{mpsc, oneshot};

use crate::{Inner, Store};

struct Job<I, O> {
    items: Vec<I>,
    reply: oneshot::Sender<Result<Vec<O>, String>>,
}

/// Handle to one batching task.
pub(crate) struct Group<I, O> {
    tx: mpsc::Sender<Job<I, O>>,
}

impl<I: Send + 'static, O: Send + 'static> Group<I, O> {
    /// Starts the task on the current runtime. `run` gets the items of a
    /// batch and returns one output per item, in order.
    pub(crate) fn start<F, Fut>(store: Weak<Inner>, max_batch: usize, run: F) -> Self
    where
        F: Fn(Store, Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = crate::Result<Vec<O>>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(serve(store, rx, max_batch, run));
        Group { tx }
    }

    /// Runs `items` in a shared batch; one output per item, in order.
    /// `Err` means nothing of this job was done.
    pub(crate) async fn run(&self, items: Vec<I>) -> Result<Vec<O>, String> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Job { items, reply })
            .await
            .map_err(|_| "batching task stopped".to_string())?;
        rx.await
            .map_err(|_| "batching task dropped the job".to_string())?
    }
}

async fn serve<I, O, F, Fut>(
    store: Weak<Inner>,
    mut rx: mpsc::Receiver<Job<I, O>>,
    max_batch: usize,
    run: F,
) where
    F: Fn(Store, Vec<I>) -> Fut,
    Fut: Future<Output = crate::Result<Vec<O>>>,
{
    while let Some(first) = rx.recv().await {
        let Some(inner) = store.upgrade() else { return };
        let store = Store { inner };
        let mut jobs = vec![first];
        let mut count = jobs[0].items.len();
        while count < max_batch {
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
        match run(store, all).await {
            Ok(results) => {
                let mut it = results.into_iter();
                for (n, reply) in sizes.into_iter().zip(replies) {
                    let part: Vec<O> = it.by_ref().take(n).collect();
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
