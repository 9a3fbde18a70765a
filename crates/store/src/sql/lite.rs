//! SQLite run on the caller's task, through rusqlite.
//!
//! A statement on an embedded database takes microseconds, so it runs
//! directly on the task that asks for it: no worker thread and no two
//! context switches per statement, which under IMAP load had cost more CPU
//! than SQLite itself when sqlx's driver ran them (benches/README.md).
//!
//! A connection is taken from a small set (one for the writer, a few for
//! readers) for as long as one statement runs, or for a whole transaction
//! ([`Guard`]); waiting for one is the only await.

use super::{BoxFuture, Executor, Output, Result, Row, SqlError, Stmt, Value, log_statement};
use crate::db::Durability;
use rusqlite::types::ValueRef;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Prepared statements kept per connection (rusqlite's default is 16; the
/// store has a few hundred texts, most of them hot).
const STATEMENT_CACHE: usize = 512;

/// How often the checkpoint thread copies the log into the database.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// The writer's own auto-checkpoint bound, in pages (64 MB of 4 KB
/// pages): reached only if the checkpoint thread falls behind.
pub(crate) const WRITER_AUTOCHECKPOINT: u32 = 16_384;

/// A fixed set of connections to one database file.
pub(crate) struct Lite {
    conns: Mutex<Vec<rusqlite::Connection>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Lite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lite")
    }
}

impl Lite {
    /// Opens `n` connections to `path`, each set up by `init` (PRAGMAs).
    pub(crate) fn open(path: &std::path::Path, n: usize, init: &str) -> Result<Arc<Lite>> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let c = rusqlite::Connection::open(path).map_err(to_sql_error)?;
            c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            c.execute_batch(init).map_err(to_sql_error)?;
            conns.push(c);
        }
        Ok(Arc::new(Lite {
            conns: Mutex::new(conns),
            permits: Arc::new(Semaphore::new(n)),
        }))
    }

    /// Waits for a free connection.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Guard> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| SqlError::Closed)?;
        let conn = self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .ok_or(SqlError::Closed)?;
        Ok(Guard {
            lite: self.clone(),
            conn: Some(conn),
            in_tx: None,
            _permit: permit,
        })
    }

    /// Copies the write-ahead log into the database file from a thread of
    /// its own, every [`CHECKPOINT_EVERY`], while `self` lives and is open.
    /// Left to the writer (SQLite's auto-checkpoint at 1,000 pages), the
    /// copy runs inside the COMMIT that crosses the bound: the session
    /// waiting for that commit waits for it too, and no other write starts
    /// meanwhile (5.5 % of the server's CPU in SMTP end to end, on the one
    /// writer: benches/README.md, session 13). A PASSIVE checkpoint waits
    /// for nobody, and the writer keeps going while it runs. The writer
    /// keeps an auto-checkpoint bound of its own ([`WRITER_AUTOCHECKPOINT`])
    /// in case this thread falls behind.
    pub(crate) fn spawn_checkpointer(self: &Arc<Self>, path: &std::path::Path) -> Result<()> {
        let conn = rusqlite::Connection::open(path).map_err(to_sql_error)?;
        let alive = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("vesontio-checkpoint".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(CHECKPOINT_EVERY);
                    match alive.upgrade() {
                        Some(lite) if !lite.permits.is_closed() => {}
                        _ => return,
                    }
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "WAL checkpoint failed; the writer's own bound still holds");
                    }
                }
            })
            .map_err(|e| SqlError::Client(format!("checkpoint thread: {e}")))?;
        Ok(())
    }

    /// Refuses new work; connections close as they come back.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.conns.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A connection held by one task: for one statement, or for a transaction
/// (rolled back if dropped before [`Guard::commit`]).
pub(crate) struct Guard {
    lite: Arc<Lite>,
    conn: Option<rusqlite::Connection>,
    /// The open transaction's mode (`None`: no transaction).
    in_tx: Option<Durability>,
    _permit: OwnedSemaphorePermit,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard").field("in_tx", &self.in_tx).finish()
    }
}

impl Guard {
    fn conn(&self) -> &rusqlite::Connection {
        self.conn.as_ref().expect("connection present until drop")
    }

    /// Starts a write transaction in mode `sync`, as `BEGIN IMMEDIATE`: the
    /// write lock is taken at once, waiting in the busy handler if another
    /// process (the CLI) holds it. A deferred BEGIN would read first and
    /// then fail with SQLITE_BUSY_SNAPSHOT, without waiting, if that
    /// process committed in between. The mode is set with every BEGIN, so
    /// a transaction never inherits the previous one's.
    pub(crate) fn begin(&mut self, sync: Durability) -> Result<()> {
        let text = match sync {
            Durability::Full => "PRAGMA synchronous=FULL; BEGIN IMMEDIATE",
            Durability::Normal => "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE",
        };
        self.conn().execute_batch(text).map_err(to_sql_error)?;
        self.in_tx = Some(sync);
        Ok(())
    }

    pub(crate) fn commit(mut self) -> Result<()> {
        let conn = self.conn();
        let commit = || conn.execute_batch("COMMIT").map_err(to_sql_error);
        // A durable COMMIT waits for the disk: on a multi-threaded runtime
        // the thread's other tasks move to another thread meanwhile, so
        // one fsync does not stall every session scheduled here.
        if self.in_tx == Some(Durability::Full) && multi_threaded() {
            tokio::task::block_in_place(commit)?;
        } else {
            commit()?;
        }
        self.in_tx = None;
        Ok(())
    }

    pub(crate) fn rollback(mut self) -> Result<()> {
        self.in_tx = None;
        self.conn().execute_batch("ROLLBACK").map_err(to_sql_error)
    }

    /// Runs every statement of `stmt` in order, binding `$n` to the n-th
    /// value (in every statement: `batch::Script` relies on it). At most
    /// `limit` rows in all; the changed-row count is the last statement's
    /// that changed any (a read-only statement changes nothing, whatever
    /// ran before it on this connection).
    pub(crate) fn run_now(&self, stmt: &Stmt, limit: Option<usize>) -> Result<Output> {
        let conn = self.conn();
        let mut out = Output::default();
        for piece in super::statements(stmt.sql.as_str()) {
            let started = std::time::Instant::now();
            let rows_before = out.rows.len();
            let mut st = conn.prepare_cached(piece).map_err(to_sql_error)?;
            for i in 1..=st.parameter_count() {
                let n = st
                    .parameter_name(i)
                    .and_then(|name| name[1..].parse::<usize>().ok())
                    .unwrap_or(i);
                let v = stmt.args.get(n - 1).ok_or_else(|| {
                    SqlError::Client(format!("no value for parameter {n} of {piece:?}"))
                })?;
                st.raw_bind_parameter(i, Bind(v)).map_err(to_sql_error)?;
            }
            let readonly = st.readonly();
            let names: Arc<Vec<String>> =
                Arc::new(st.column_names().into_iter().map(str::to_string).collect());
            let ncols = names.len();
            let mut rows = st.raw_query();
            // `Some(0)`: run to completion, keep no row (an `execute`).
            while limit.is_none_or(|l| l == 0 || out.rows.len() < l) {
                let Some(row) = rows.next().map_err(to_sql_error)? else {
                    break;
                };
                if limit == Some(0) {
                    continue;
                }
                let mut values = Vec::with_capacity(ncols);
                for i in 0..ncols {
                    values.push(match row.get_ref(i).map_err(to_sql_error)? {
                        ValueRef::Null => Value::Null(super::Kind::Int),
                        ValueRef::Integer(v) => Value::Int(v),
                        ValueRef::Real(v) => Value::Real(v),
                        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                        ValueRef::Blob(b) => Value::Blob(Arc::new(b.to_vec())),
                    });
                }
                out.rows.push(Row::new(names.clone(), values));
            }
            drop(rows);
            // With `limit` reached, stepping stops early: the statement
            // is reset when it goes back to the cache.
            let changed = if readonly { 0 } else { conn.changes() };
            log_statement(
                piece,
                started.elapsed(),
                out.rows.len() - rows_before,
                changed,
            );
            out.affected += changed;
            if limit.is_some_and(|l| l > 0 && out.rows.len() >= l) {
                break;
            }
        }
        Ok(out)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if self.in_tx.is_some() && !conn.is_autocommit() {
            // A transaction abandoned by a cancelled task or an error.
            let _ = conn.execute_batch("ROLLBACK");
        }
        if !self.lite.permits.is_closed() {
            self.lite
                .conns
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
        }
    }
}

/// A value as SQLite binds it (a boolean is an integer).
struct Bind<'a>(&'a Value);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value as V};
        Ok(match self.0 {
            Value::Null(_) => ToSqlOutput::Owned(V::Null),
            Value::Bool(b) => ToSqlOutput::Owned(V::Integer(*b as i64)),
            Value::Int(i) => ToSqlOutput::Owned(V::Integer(*i)),
            Value::Real(d) => ToSqlOutput::Owned(V::Real(*d)),
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

/// A SQLite error with its extended code, constraint kinds recognised.
pub(crate) fn to_sql_error(e: rusqlite::Error) -> SqlError {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            use rusqlite::ffi;
            SqlError::Database {
                code: f.extended_code.to_string(),
                message: msg.unwrap_or_else(|| f.to_string()),
                unique: matches!(
                    f.extended_code,
                    ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                ),
            }
        }
        other => SqlError::Client(other.to_string()),
    }
}

impl<'c> Executor<'c> for &'c mut Guard {
    fn run(self, stmt: Stmt, limit: Option<usize>) -> BoxFuture<'c, Result<Output>> {
        let r = self.run_now(&stmt, limit);
        Box::pin(async move { r })
    }
}

impl Lite {
    /// Runs `stmt` on a free connection of this set.
    pub(crate) async fn run(self: &Arc<Self>, stmt: Stmt, limit: Option<usize>) -> Result<Output> {
        self.acquire().await?.run_now(&stmt, limit)
    }

    /// [`Lite::run`] for a statement that reads much (a full scan, a
    /// search): on a multi-threaded runtime the thread's other tasks move
    /// to another thread while it runs.
    pub(crate) async fn run_heavy(
        self: &Arc<Self>,
        stmt: Stmt,
        limit: Option<usize>,
    ) -> Result<Output> {
        let g = self.acquire().await?;
        if multi_threaded() {
            tokio::task::block_in_place(|| g.run_now(&stmt, limit))
        } else {
            g.run_now(&stmt, limit)
        }
    }
}

fn multi_threaded() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{Durability, Lite, Stmt};
    use crate::sql::{Executor, query, query_as};

    async fn table() -> (tempfile::TempDir, std::sync::Arc<Lite>) {
        let dir = tempfile::tempdir().unwrap();
        let db = Lite::open(&dir.path().join("t.db"), 2, "PRAGMA journal_mode=WAL;").unwrap();
        let mut g = db.acquire().await.unwrap();
        (&mut g)
            .execute("CREATE TABLE t (k BIGINT PRIMARY KEY, v TEXT, b BLOB, f DOUBLE)")
            .await
            .unwrap();
        drop(g);
        (dir, db)
    }

    #[tokio::test]
    async fn binds_by_number_across_statements_and_maps_types() {
        let (_dir, db) = table().await;
        let mut g = db.acquire().await.unwrap();
        // $2 before $1, and $1 used again in the second statement.
        let done = query(
            "INSERT INTO t (k, v) VALUES ($2, $1); INSERT INTO t (k, v, b, f) VALUES ($3, $1, x'00ff', 1.5)",
        )
        .bind("é")
        .bind(7_i64)
        .bind(8_i64)
        .execute(&mut g)
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 2);
        let rows = query("SELECT k, v, b, f FROM t ORDER BY k")
            .fetch_all(&mut g)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].try_get::<i64, _>("k").unwrap(), 7);
        assert_eq!(rows[0].try_get::<String, _>("v").unwrap(), "é");
        assert_eq!(rows[0].try_get::<Option<Vec<u8>>, _>("b").unwrap(), None);
        assert_eq!(rows[1].try_get::<Vec<u8>, _>(2).unwrap(), vec![0, 255]);
        assert_eq!(rows[1].try_get::<f64, _>("f").unwrap(), 1.5);
        // A read-only statement changes nothing, whatever came before.
        let r = query("SELECT 1").execute(&mut g).await.unwrap();
        assert_eq!(r.rows_affected(), 0);
    }

    #[tokio::test]
    async fn constraint_errors_keep_their_kind() {
        let (_dir, db) = table().await;
        let mut g = db.acquire().await.unwrap();
        query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap();
        let e = query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap_err();
        assert!(e.is_unique_violation(), "{e}");
        assert!(e.to_string().contains("UNIQUE constraint failed"), "{e}");
        // A missing value is an error, not a NULL.
        let e = query("INSERT INTO t (k, v) VALUES ($1, $2)")
            .bind(2_i64)
            .execute(&mut g)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("no value for parameter 2"), "{e}");
    }

    #[tokio::test]
    async fn abandoned_transaction_rolls_back_and_connection_is_reused() {
        let (_dir, db) = table().await;
        let mut g = db.acquire().await.unwrap();
        g.begin(Durability::Full).unwrap();
        query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap();
        drop(g); // as a cancelled task would
        let mut g = db.acquire().await.unwrap();
        g.begin(Durability::Normal).unwrap();
        query("INSERT INTO t (k) VALUES (2)")
            .execute(&mut g)
            .await
            .unwrap();
        g.commit().unwrap();
        let keys: Vec<(i64,)> = query_as("SELECT k FROM t")
            .fetch_all(&mut db.acquire().await.unwrap())
            .await
            .unwrap();
        assert_eq!(keys, vec![(2,)]);
    }

    /// Two processes on one file (the server and the CLI): a transaction
    /// that read before the other committed still writes, after waiting.
    #[tokio::test]
    async fn write_transactions_take_the_lock_at_begin() {
        let (dir, db) = table().await;
        let init = "PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000;";
        let other = Lite::open(&dir.path().join("t.db"), 1, init).unwrap();
        let mut g = db.acquire().await.unwrap();
        g.begin(Durability::Normal).unwrap();
        let n: (i64,) = query_as("SELECT COUNT(*) FROM t")
            .fetch_one(&mut g)
            .await
            .unwrap();
        assert_eq!(n.0, 0);
        let mut h = other.acquire().await.unwrap();
        let writer = std::thread::spawn(move || {
            h.begin(Durability::Full).unwrap();
            h.run_now(
                &Stmt {
                    sql: "INSERT INTO t (k) VALUES (1)".into(),
                    args: Vec::new(),
                },
                Some(0),
            )
            .unwrap();
            h.commit().unwrap();
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!writer.is_finished(), "the other writer waits for our lock");
        query("INSERT INTO t (k) VALUES (2)")
            .execute(&mut g)
            .await
            .unwrap();
        g.commit().unwrap();
        writer.join().unwrap();
        let keys: Vec<(i64,)> = query_as("SELECT k FROM t ORDER BY k")
            .fetch_all(&mut db.acquire().await.unwrap())
            .await
            .unwrap();
        assert_eq!(keys, vec![(1,), (2,)]);
    }

    #[tokio::test]
    async fn waits_for_a_free_connection() {
        let (_dir, db) = table().await;
        let a = db.acquire().await.unwrap();
        let b = db.acquire().await.unwrap();
        let db2 = db.clone();
        let third = tokio::spawn(async move { db2.acquire().await.map(drop) });
        tokio::task::yield_now().await;
        assert!(!third.is_finished());
        drop(a);
        third.await.unwrap().unwrap();
        drop(b);
    }
}
