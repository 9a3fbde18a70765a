//! Full-text indexing off the delivery path.
//!
//! A trigram index costs far more to write than the message it indexes: a
//! 10 KB body is some 9,000 trigrams, and FTS5 wrote about 300 KB of WAL
//! per such message at the batch sizes of a busy MX, at under 400
//! messages a second on one core, all of it inside the single writer's
//! delivery transaction (issue 15's measured regression). So a delivery
//! stores its decoded search text as a plain row of `search_pending`
//! (schema v21: about the text's own size, written at tens of thousands
//! of rows a second) and this task moves pending rows into the index
//! (`search`) in batches:
//!
//! - when the writer has been idle for [`IDLE`] (no delivery waits behind
//!   an index batch);
//! - or, under sustained load, when the backlog passes [`BACKLOG_MAX`],
//!   in small batches that share the writer with deliveries, so the
//!   backlog (and the scan below) stays bounded.
//!
//! Searches read both: the index for indexed texts, a scan of
//! `search_pending` for the rest (see `find.rs`, `views.rs`), so a message
//! is found the moment its delivery commits. Moving a row is one
//! transaction (insert into the index, delete from pending): a crash
//! leaves it in one place or the other, never both or neither. Two nodes
//! on one PostgreSQL take disjoint rows (`FOR UPDATE SKIP LOCKED`).

use crate::sql;
use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::batch::placeholders;
use crate::error::Result;
use crate::{Dialect, Inner, Store};

/// The writer counts as idle after this long without a delivery batch.
/// Long enough that a burst of deliveries, whose sessions spend most of
/// their time parsing and filtering between two commits, is never taken
/// for idleness (at 100 ms the index took the CPU those sessions needed:
/// 50 KB messages over 8 sessions arrived 30 % slower).
const IDLE: Duration = Duration::from_secs(1);
/// Texts moved per transaction when the writer is idle.
const BATCH_IDLE: usize = 64;
/// Texts moved per transaction while deliveries are running, once the
/// backlog passed [`BACKLOG_MAX`]: a few tens of milliseconds of writer.
const BATCH_BUSY: usize = 8;
/// Pending texts beyond which indexing no longer waits for idleness.
const BACKLOG_MAX: i64 = 10_000;
/// How often an idle task looks for leftovers (another node's pending
/// rows, a backlog left by a restart).
const TICK: Duration = Duration::from_secs(2);

/// The key column of the trigram index `search` (FTS5's rowid on SQLite).
pub(crate) fn index_key(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "rowid",
        Dialect::Postgres => "id",
    }
}

/// The indexing task's handle, kept in the store.
#[derive(Debug, Default)]
pub(crate) struct Indexer {
    wake: Notify,
    /// When the last delivery batch began or ended, in milliseconds since
    /// `epoch`, the first time asked, plus one (0: never).
    last_write: AtomicU64,
    /// Tests hold the task back to see texts while they are pending.
    paused: std::sync::atomic::AtomicBool,
    epoch: std::sync::OnceLock<std::time::Instant>,
}

impl Indexer {
    fn now_ms(&self) -> u64 {
        let epoch = self.epoch.get_or_init(std::time::Instant::now);
        epoch.elapsed().as_millis() as u64 + 1
    }

    /// A delivery batch is about to run or has just committed.
    pub(crate) fn writing(&self) {
        self.last_write.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Texts were queued: index them once the writer is idle.
    pub(crate) fn poke(&self) {
        self.writing();
        self.wake.notify_one();
    }

    fn idle_for(&self) -> Duration {
        let last = self.last_write.load(Ordering::Relaxed);
        Duration::from_millis(self.now_ms().saturating_sub(last))
    }
}

/// Starts the task; it ends when the store is dropped.
pub(crate) fn start(inner: Weak<Inner>) {
    tokio::spawn(async move {
        loop {
            let Some(indexer) = inner.upgrade().map(|i| i.indexer.clone()) else {
                return;
            };
            let _ = tokio::time::timeout(TICK, indexer.wake.notified()).await;
            drop(indexer);
            loop {
                let Some(store) = inner.upgrade().map(|inner| Store { inner }) else {
                    return;
                };
                match store.index_step().await {
                    // Nothing moved: another node holds the rows.
                    Ok(Step::Moved(0)) => break,
                    Ok(Step::Moved(_)) => tokio::task::yield_now().await,
                    Ok(Step::Wait(d)) => {
                        drop(store);
                        tokio::time::sleep(d).await;
                    }
                    Ok(Step::Empty) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "search indexing failed; retrying later");
                        break;
                    }
                }
            }
        }
    });
}

enum Step {
    Moved(usize),
    Wait(Duration),
    Empty,
}

impl Store {
    /// One step of the task: a batch moved, or how long to wait for the
    /// writer to be idle, or nothing pending.
    async fn index_step(&self) -> Result<Step> {
        let backlog = self.search_backlog().await?;
        if backlog == 0 {
            return Ok(Step::Empty);
        }
        if self.inner.indexer.paused.load(Ordering::Relaxed) {
            return Ok(Step::Wait(TICK));
        }
        let idle = self.inner.indexer.idle_for();
        let batch = if idle >= IDLE {
            BATCH_IDLE
        } else if backlog > BACKLOG_MAX {
            BATCH_BUSY
        } else {
            return Ok(Step::Wait(IDLE - idle));
        };
        Ok(Step::Moved(self.index_batch(batch).await?))
    }

    /// An estimate of how many texts wait for the index (ids are dense
    /// enough: a bound read from the primary key, not a count).
    pub(crate) async fn search_backlog(&self) -> Result<i64> {
        let (lo, hi): (Option<i64>, Option<i64>) =
            sql::query_as("SELECT MIN(id), MAX(id) FROM search_pending")
                .fetch_one(self.r())
                .await?;
        Ok(match (lo, hi) {
            (Some(lo), Some(hi)) => hi - lo + 1,
            _ => 0,
        })
    }

    /// Holds the background task back (or lets it go): for tests that
    /// look at texts not indexed yet. [`Store::index_search_backlog`]
    /// still runs.
    #[doc(hidden)]
    pub fn pause_indexing(&self, paused: bool) {
        self.inner.indexer.paused.store(paused, Ordering::Relaxed);
        self.inner.indexer.wake.notify_one();
    }

    /// Indexes every pending text now; returns how many were moved. For
    /// tests, benchmarks and the upgrade, which want a settled index.
    pub async fn index_search_backlog(&self) -> Result<usize> {
        let mut total = 0;
        loop {
            let n = self.index_batch(BATCH_IDLE).await?;
            if n == 0 {
                return Ok(total);
            }
            total += n;
        }
    }

    /// Moves up to `limit` pending texts into the index in one
    /// transaction.
    async fn index_batch(&self, limit: usize) -> Result<usize> {
        // Derived data: the pending row and the index row change in one
        // transaction, so a lost commit loses neither.
        let mut tx = self.begin_fast().await?;
        let pick = match self.dialect() {
            Dialect::Sqlite => "SELECT id, head FROM search_pending ORDER BY id LIMIT $1",
            Dialect::Postgres => {
                "SELECT id, head FROM search_pending ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED"
            }
        };
        let rows: Vec<(i64, String)> = sql::query_as(pick)
            .bind(limit as i64)
            .fetch_all(&mut *tx)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        // The `From:` and `Subject:` columns come from the header block
        // (`textsearch.rs`); the bodies move inside the database.
        let values: Vec<String> = (0..rows.len())
            .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
            .collect();
        let insert = match self.dialect() {
            Dialect::Sqlite => format!(
                "INSERT INTO search_fields (rowid, head, author, subject) \
                 SELECT p.id, p.head, v.column2, v.column3 FROM search_pending p \
                 JOIN (VALUES {}) v ON v.column1 = p.id",
                values.join(", ")
            ),
            Dialect::Postgres => format!(
                "INSERT INTO search (id, head, body, author, subject) \
                 SELECT p.id, p.head, p.body, v.column2, v.column3 FROM search_pending p \
                 JOIN (VALUES {}) v ON v.column1 = p.id ON CONFLICT (id) DO NOTHING",
                values.join(", ")
            ),
        };
        let mut q = sql::query(sql::Safe(insert));
        for (id, head) in &rows {
            let (author, subject) = crate::textsearch::author_and_subject(head);
            q = q.bind(*id).bind(author).bind(subject);
        }
        q.execute(&mut *tx).await?;
        let list = placeholders(1, rows.len());
        let mut moves = Vec::new();
        if self.dialect() == Dialect::Sqlite {
            // The texts themselves, with their bodies indexed.
            moves.push(format!(
                "INSERT INTO search (rowid, head, body) \
                 SELECT id, head, body FROM search_pending WHERE id IN ({list})"
            ));
        }
        moves.push(format!("DELETE FROM search_pending WHERE id IN ({list})"));
        for sql in moves {
            let mut q = sql::query(sql::Safe(sql));
            for (id, _) in &rows {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }
}
