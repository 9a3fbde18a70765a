//! Group commit: concurrent callers share one transaction, so throughput
//! is bounded neither by the disk's fsync rate nor by the round trips of
//! one transaction each. The one loop behind deliveries and IMAP APPENDs
//! (one `deliver_batch`, one fsync) and the audit writer (one chained
//! batch per transaction).
//!
//! A task takes the first waiting job, drains every other job already
//! queued (up to a maximum of items), runs them as one batch and answers
//! each caller. While one batch runs, the next one gathers: no timer, no
//! added latency when idle.
//!
//! Invariants
//! - A caller gets its answer only after the batch committed (or failed
//!   as a whole).
//! - The task holds what it runs on through a [`Source`]: the store is
//!   held weakly, so dropping the last [`Store`] drops the sender kept in
//!   it, and the task ends.

use std::future::Future;
use std::sync::Weak;

use tokio::sync::{mpsc, oneshot};

use crate::{Inner, Store};

/// What a batching task runs its batches on, taken afresh for each batch.
pub(crate) trait Source: Send + 'static {
    type Ctx: Send;
    /// `None` ends the task (the store is gone).
    fn get(&self) -> Option<Self::Ctx>;
}

impl Source for Weak<Inner> {
    type Ctx = Store;
    fn get(&self) -> Option<Store> {
        self.upgrade().map(|inner| Store { inner })
    }
}

impl Source for crate::db::Db {
    type Ctx = crate::db::Db;
    fn get(&self) -> Option<crate::db::Db> {
        Some(self.clone())
    }
}

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
    pub(crate) fn start<S, F, Fut>(source: S, max_batch: usize, run: F) -> Self
    where
        S: Source,
        F: Fn(S::Ctx, Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = crate::Result<Vec<O>>> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(serve(source, rx, max_batch, run));
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

async fn serve<S, I, O, F, Fut>(
    source: S,
    mut rx: mpsc::Receiver<Job<I, O>>,
    max_batch: usize,
    run: F,
) where
    S: Source,
    F: Fn(S::Ctx, Vec<I>) -> Fut,
    Fut: Future<Output = crate::Result<Vec<O>>>,
{
    while let Some(first) = rx.recv().await {
        let Some(ctx) = source.get() else { return };
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
        match run(ctx, all).await {
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
