//! SQLite run on the caller's thread.
//!
//! sqlx's SQLite driver gives each connection a worker thread and sends it
//! every statement (and a ping each time a pooled connection is returned):
//! two context switches per statement, which under IMAP load cost more CPU
//! than SQLite itself (benches/README.md). A statement on an embedded
//! database takes microseconds, so here it runs directly on the task that
//! asks for it, through rusqlite on the same bundled SQLite. The queries of
//! this crate are unchanged: [`Lite`] is an sqlx [`Executor`] for the `Any`
//! database (rows come back as `AnyRow`), so one text serves PostgreSQL and
//! SQLite alike.
//!
//! A connection is taken from a small set (one for the writer, a few for
//! readers) for as long as one statement runs, or for a whole transaction
//! ([`Guard`]); waiting for one is the only await.

use crate::db::Durability;
use futures_util::stream::{self, BoxStream, StreamExt};
use rusqlite::types::ValueRef;
use sqlx::{Any, Either, Execute, Executor};
use sqlx_core::any::{
    AnyArguments, AnyColumn, AnyQueryResult, AnyRow, AnyTypeInfo, AnyTypeInfoKind, AnyValue,
    AnyValueKind,
};
use sqlx_core::ext::ustr::UStr;
use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// Prepared statements kept per connection (rusqlite's default is 16; the
/// store has a few hundred texts, most of them hot).
const STATEMENT_CACHE: usize = 512;

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
    pub(crate) fn open(path: &std::path::Path, n: usize, init: &str) -> sqlx::Result<Arc<Lite>> {
        let mut conns = Vec::with_capacity(n);
        for _ in 0..n {
            let c = rusqlite::Connection::open(path).map_err(to_sqlx)?;
            c.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
            c.execute_batch(init).map_err(to_sqlx)?;
            conns.push(c);
        }
        Ok(Arc::new(Lite {
            conns: Mutex::new(conns),
            permits: Arc::new(Semaphore::new(n)),
        }))
    }

    /// Waits for a free connection.
    pub(crate) async fn acquire(self: &Arc<Self>) -> sqlx::Result<Guard> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        self.take(permit)
    }

    fn take(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> sqlx::Result<Guard> {
        let conn = self
            .conns
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .ok_or(sqlx::Error::PoolClosed)?;
        Ok(Guard {
            lite: self.clone(),
            conn: Some(conn),
            in_tx: None,
            _permit: permit,
        })
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
    /// process committed in between.
    pub(crate) fn begin(&mut self, sync: Durability) -> sqlx::Result<()> {
        let text = match sync {
            Durability::Full => "PRAGMA synchronous=FULL; BEGIN IMMEDIATE",
            Durability::Normal => "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE",
            Durability::AsLeft => "BEGIN IMMEDIATE",
        };
        run(self.conn(), text, &[], true, None)?;
        self.in_tx = Some(sync);
        Ok(())
    }

    pub(crate) fn commit(mut self) -> sqlx::Result<()> {
        let conn = self.conn();
        let commit = || run(conn, "COMMIT", &[], true, None);
        // A durable COMMIT waits for the disk: on a multi-threaded runtime
        // the thread's other tasks move to another thread meanwhile, so
        // one fsync does not stall every session scheduled here.
        let multi = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if self.in_tx == Some(Durability::Full) && multi {
            tokio::task::block_in_place(commit)?;
        } else {
            commit()?;
        }
        self.in_tx = None;
        Ok(())
    }

    pub(crate) fn rollback(mut self) -> sqlx::Result<()> {
        self.in_tx = None;
        run(self.conn(), "ROLLBACK", &[], true, None).map(drop)
    }

    /// Runs `query` now and returns all its results, for `Executor`.
    pub(crate) fn fetch_now<'q, E: Execute<'q, Any>>(
        &self,
        query: E,
        limit: Option<usize>,
    ) -> sqlx::Result<Vec<Either<AnyQueryResult, AnyRow>>> {
        let (sql, args, persistent) = parts(query)?;
        run(self.conn(), sql.as_str(), &args, persistent, limit)
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

/// The text, values and caching wish of an sqlx query.
fn parts<'q, E: Execute<'q, Any>>(
    mut query: E,
) -> sqlx::Result<(sqlx::SqlStr, Vec<AnyValueKind>, bool)> {
    let args: Option<AnyArguments> = query.take_arguments().map_err(sqlx::Error::Encode)?;
    let persistent = query.persistent();
    let sql = query.sql();
    Ok((
        sql,
        args.map(|a| a.values.0).unwrap_or_default(),
        persistent,
    ))
}

/// Runs every statement of `sql` in order, binding `$n` to `args[n - 1]`
/// (in every statement: sqlx-sqlite's rule, which `batch::Script` relies
/// on). One `Left` per statement with its changed-row count, rows as
/// `Right`; at most `limit` rows in all.
fn run(
    conn: &rusqlite::Connection,
    sql: &str,
    args: &[AnyValueKind],
    persistent: bool,
    limit: Option<usize>,
) -> sqlx::Result<Vec<Either<AnyQueryResult, AnyRow>>> {
    let mut out = Vec::new();
    let mut rows_seen = 0usize;
    for piece in statements(sql) {
        let started = std::time::Instant::now();
        let rows_before = rows_seen;
        let (mut cached, mut once);
        let stmt: &mut rusqlite::Statement<'_> = if persistent {
            cached = conn.prepare_cached(piece).map_err(to_sqlx)?;
            &mut cached
        } else {
            once = conn.prepare(piece).map_err(to_sqlx)?;
            &mut once
        };
        for i in 1..=stmt.parameter_count() {
            let n = stmt
                .parameter_name(i)
                .and_then(|name| name[1..].parse::<usize>().ok())
                .unwrap_or(i);
            let v = args.get(n - 1).ok_or_else(|| {
                sqlx::Error::Protocol(format!("no value for parameter {n} of {piece:?}"))
            })?;
            stmt.raw_bind_parameter(i, Bind(v)).map_err(to_sqlx)?;
        }
        let readonly = stmt.readonly();
        let cols: Vec<UStr> = stmt.column_names().into_iter().map(UStr::new).collect();
        let names: Arc<sqlx_core::HashMap<UStr, usize>> = Arc::new(
            cols.iter()
                .cloned()
                .enumerate()
                .map(|(i, n)| (n, i))
                .collect(),
        );
        let ncols = cols.len();
        let mut rows = stmt.raw_query();
        while limit.is_none_or(|l| rows_seen < l) {
            let Some(row) = rows.next().map_err(to_sqlx)? else {
                break;
            };
            rows_seen += 1;
            let mut r = AnyRow {
                column_names: names.clone(),
                columns: Vec::with_capacity(ncols),
                values: Vec::with_capacity(ncols),
            };
            for (i, name) in cols.iter().enumerate() {
                let kind = match row.get_ref(i).map_err(to_sqlx)? {
                    ValueRef::Null => AnyValueKind::Null(AnyTypeInfoKind::Null),
                    ValueRef::Integer(v) => AnyValueKind::BigInt(v),
                    ValueRef::Real(v) => AnyValueKind::Double(v),
                    ValueRef::Text(t) => {
                        AnyValueKind::Text(Arc::new(String::from_utf8_lossy(t).into_owned()))
                    }
                    ValueRef::Blob(b) => AnyValueKind::Blob(Arc::new(b.to_vec())),
                };
                r.columns.push(AnyColumn {
                    ordinal: i,
                    name: name.clone(),
                    type_info: AnyTypeInfo {
                        kind: kind_of(&kind),
                    },
                });
                r.values.push(AnyValue { kind });
            }
            out.push(Either::Right(r));
        }
        drop(rows);
        let changed = if readonly { 0 } else { conn.changes() };
        log_statement(piece, started.elapsed(), rows_seen - rows_before, changed);
        out.push(Either::Left(AnyQueryResult {
            rows_affected: changed,
            last_insert_id: None,
        }));
        if limit.is_some_and(|l| rows_seen >= l) {
            break;
        }
    }
    Ok(out)
}

/// What sqlx logs of each statement: all of them at debug level (target
/// `vesontio_store::sql`), slow ones as warnings. Statements carry no
/// message content (values are bound, never logged).
fn log_statement(sql: &str, elapsed: std::time::Duration, rows: usize, changed: u64) {
    const SLOW: std::time::Duration = std::time::Duration::from_secs(1);
    if elapsed >= SLOW {
        tracing::warn!(target: "vesontio_store::sql", statement = sql, ?elapsed, rows, changed, "slow statement");
    } else if tracing::enabled!(target: "vesontio_store::sql", tracing::Level::DEBUG) {
        let summary: String = sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
        tracing::debug!(target: "vesontio_store::sql", summary, micros = elapsed.as_micros() as u64, rows, changed);
    }
}

fn kind_of(v: &AnyValueKind) -> AnyTypeInfoKind {
    match v {
        AnyValueKind::BigInt(_) => AnyTypeInfoKind::BigInt,
        AnyValueKind::Double(_) => AnyTypeInfoKind::Double,
        AnyValueKind::Text(_) => AnyTypeInfoKind::Text,
        AnyValueKind::Blob(_) => AnyTypeInfoKind::Blob,
        _ => AnyTypeInfoKind::Null,
    }
}

/// The statements of a text, split at `;` outside quotes and comments are
/// not expected: every text is this crate's own.
fn statements(sql: &str) -> impl Iterator<Item = &str> {
    let b = sql.as_bytes();
    let mut cuts = Vec::new();
    let mut quote: Option<u8> = None;
    for (i, &c) in b.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'\'' || c == b'"' => quote = Some(c),
            None if c == b';' => cuts.push(i),
            None => {}
        }
    }
    cuts.push(b.len());
    let mut start = 0;
    cuts.into_iter()
        .map(move |end| {
            let s = &sql[start..end];
            start = (end + 1).min(sql.len());
            s.trim()
        })
        .filter(|s| !s.is_empty())
}

/// An sqlx value as a SQLite one.
struct Bind<'a>(&'a AnyValueKind);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value};
        Ok(match self.0 {
            AnyValueKind::Null(_) => ToSqlOutput::Owned(Value::Null),
            AnyValueKind::Bool(b) => ToSqlOutput::Owned(Value::Integer(*b as i64)),
            AnyValueKind::SmallInt(i) => ToSqlOutput::Owned(Value::Integer(*i as i64)),
            AnyValueKind::Integer(i) => ToSqlOutput::Owned(Value::Integer(*i as i64)),
            AnyValueKind::BigInt(i) => ToSqlOutput::Owned(Value::Integer(*i)),
            AnyValueKind::Real(r) => ToSqlOutput::Owned(Value::Real(*r as f64)),
            AnyValueKind::Double(d) => ToSqlOutput::Owned(Value::Real(*d)),
            AnyValueKind::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            AnyValueKind::TextSlice(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            AnyValueKind::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            #[allow(unreachable_patterns)]
            _ => return Err(rusqlite::Error::InvalidQuery),
        })
    }
}

/// A SQLite error as sqlx reports one, constraint kinds included.
#[derive(Debug)]
struct LiteError {
    message: String,
    code: i32,
}

impl std::fmt::Display for LiteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LiteError {}

impl sqlx::error::DatabaseError for LiteError {
    fn message(&self) -> &str {
        &self.message
    }

    fn code(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.code.to_string()))
    }

    fn as_error(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn as_error_mut(&mut self) -> &mut (dyn std::error::Error + Send + Sync + 'static) {
        self
    }

    fn into_error(self: Box<Self>) -> Box<dyn std::error::Error + Send + Sync + 'static> {
        self
    }

    fn kind(&self) -> sqlx::error::ErrorKind {
        use rusqlite::ffi;
        use sqlx::error::ErrorKind;
        match self.code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                ErrorKind::UniqueViolation
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyViolation,
            ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullViolation,
            ffi::SQLITE_CONSTRAINT_CHECK => ErrorKind::CheckViolation,
            _ => ErrorKind::Other,
        }
    }
}

pub(crate) fn to_sqlx(e: rusqlite::Error) -> sqlx::Error {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => sqlx::Error::Database(Box::new(LiteError {
            message: msg.unwrap_or_else(|| f.to_string()),
            code: f.extended_code,
        })),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// `Executor::prepare_with`: this crate never prepares by hand (statements
/// are cached by text as they run).
pub(crate) fn no_prepare<'e>() -> BoxFuture<'e, sqlx::Result<sqlx::any::AnyStatement>> {
    Box::pin(async { Err(sqlx::Error::Protocol("prepare is not used".into())) })
}

/// Results already computed, as the stream `Executor` returns.
fn ready<'e>(
    r: sqlx::Result<Vec<Either<AnyQueryResult, AnyRow>>>,
) -> BoxStream<'e, sqlx::Result<Either<AnyQueryResult, AnyRow>>> {
    match r {
        Ok(v) => stream::iter(v.into_iter().map(Ok)).boxed(),
        Err(e) => stream::once(async move { Err(e) }).boxed(),
    }
}

fn first_row(r: sqlx::Result<Vec<Either<AnyQueryResult, AnyRow>>>) -> sqlx::Result<Option<AnyRow>> {
    Ok(r?.into_iter().find_map(|x| x.right()))
}

impl Lite {
    /// `Executor::fetch_many` on a connection of this set.
    pub(crate) fn fetch_many<'e, 'q: 'e, E>(
        self: &Arc<Self>,
        query: E,
    ) -> BoxStream<'e, sqlx::Result<Either<AnyQueryResult, AnyRow>>>
    where
        E: 'q + Execute<'q, Any>,
    {
        let lite = self.clone();
        stream::once(async move {
            let g = lite.acquire().await;
            ready(g.and_then(|g| g.fetch_now(query, None)))
        })
        .flatten()
        .boxed()
    }

    /// `Executor::fetch_optional` on a connection of this set.
    pub(crate) fn fetch_optional<'e, 'q: 'e, E>(
        self: &Arc<Self>,
        query: E,
    ) -> BoxFuture<'e, sqlx::Result<Option<AnyRow>>>
    where
        E: 'q + Execute<'q, Any>,
    {
        let lite = self.clone();
        Box::pin(async move { first_row(lite.acquire().await?.fetch_now(query, Some(1))) })
    }
}

impl<'c> Executor<'c> for &'c mut Guard {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, sqlx::Result<Either<AnyQueryResult, AnyRow>>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        ready(self.fetch_now(query, None))
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, sqlx::Result<Option<AnyRow>>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        let r = first_row(self.fetch_now(query, Some(1)));
        Box::pin(async move { r })
    }

    fn prepare_with<'e>(
        self,
        _sql: sqlx::SqlStr,
        _parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, sqlx::Result<sqlx::any::AnyStatement>>
    where
        'c: 'e,
    {
        no_prepare()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{Durability, Lite, statements};
    use sqlx::{Executor, Row};

    #[test]
    fn splits_statements_outside_quotes() {
        let v: Vec<&str> = statements("PRAGMA a=1; BEGIN;SELECT ';' , \"x;y\" ; ").collect();
        assert_eq!(v, ["PRAGMA a=1", "BEGIN", "SELECT ';' , \"x;y\""]);
    }

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
        let done = sqlx::query(
            "INSERT INTO t (k, v) VALUES ($2, $1); INSERT INTO t (k, v, b, f) VALUES ($3, $1, x'00ff', 1.5)",
        )
        .bind("é")
        .bind(7_i64)
        .bind(8_i64)
        .execute(&mut g)
        .await
        .unwrap();
        assert_eq!(done.rows_affected(), 2);
        let rows = sqlx::query("SELECT k, v, b, f FROM t ORDER BY k")
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
        let r = sqlx::query("SELECT 1").execute(&mut g).await.unwrap();
        assert_eq!(r.rows_affected(), 0);
    }

    #[tokio::test]
    async fn constraint_errors_keep_their_kind() {
        let (_dir, db) = table().await;
        let mut g = db.acquire().await.unwrap();
        sqlx::query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap();
        let e = sqlx::query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap_err();
        let d = e.as_database_error().expect("a database error");
        assert!(d.is_unique_violation(), "{d}");
        assert!(d.message().contains("UNIQUE constraint failed"), "{d}");
        // A missing value is an error, not a NULL.
        let e = sqlx::query("INSERT INTO t (k, v) VALUES ($1, $2)")
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
        sqlx::query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap();
        drop(g); // as a cancelled task would
        let mut g = db.acquire().await.unwrap();
        g.begin(Durability::AsLeft).unwrap();
        sqlx::query("INSERT INTO t (k) VALUES (2)")
            .execute(&mut g)
            .await
            .unwrap();
        g.commit().unwrap();
        let keys: Vec<(i64,)> = sqlx::query_as("SELECT k FROM t")
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
        let n: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM t")
            .fetch_one(&mut g)
            .await
            .unwrap();
        assert_eq!(n.0, 0);
        let mut h = other.acquire().await.unwrap();
        let writer = std::thread::spawn(move || {
            h.begin(Durability::AsLeft).unwrap();
            h.fetch_now(sqlx::query("INSERT INTO t (k) VALUES (1)"), None)
                .unwrap();
            h.commit().unwrap();
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(!writer.is_finished(), "the other writer waits for our lock");
        sqlx::query("INSERT INTO t (k) VALUES (2)")
            .execute(&mut g)
            .await
            .unwrap();
        g.commit().unwrap();
        writer.join().unwrap();
        let keys: Vec<(i64,)> = sqlx::query_as("SELECT k FROM t ORDER BY k")
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
