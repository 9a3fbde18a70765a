//! PostgreSQL through tokio-postgres, a typed driver.
//!
//! A small pool of its own (at most `max` connections, each set to the
//! store's schema) and, per connection, the statements it prepared, keyed
//! by text and value types. Each statement is prepared with the types of
//! the values bound to it (`int8`, `float8`, `text`, `bytea`, `bool`): the
//! same SQL text runs on SQLite, which has no parameter types, and no value
//! is converted behind the caller's back.

use super::{BoxFuture, Executor, Kind, Output, Result, Row, SqlError, Stmt, Value, log_statement};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, NoTls, Statement};

/// Statements kept per connection; past it the cache starts again (the
/// store has a few hundred texts, so this is rarely reached).
const STATEMENT_CACHE: usize = 1024;

/// Opens one connection, driven by a task of its own.
pub(crate) async fn connect(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(to_sql_error)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "PostgreSQL connection ended");
        }
    });
    Ok(client)
}

/// A pool of connections to one schema.
pub(crate) struct Pg {
    url: String,
    /// `SET search_path TO …`, run on each new connection.
    setup: String,
    idle: Mutex<Vec<Conn>>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Pg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pg")
    }
}

struct Conn {
    client: Client,
    prepared: HashMap<String, Vec<(Vec<Kind>, Statement)>>,
    cached: usize,
}

impl Pg {
    /// A pool of at most `max` connections whose search path is `schema`
    /// (checked by the caller to be a plain identifier). Connects once now,
    /// so that a wrong URL fails at start.
    pub(crate) async fn open(url: &str, schema: &str, max: usize) -> Result<Arc<Pg>> {
        let pg = Arc::new(Pg {
            url: url.to_string(),
            setup: format!("SET search_path TO {schema}"),
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max)),
        });
        drop(pg.acquire().await?);
        Ok(pg)
    }

    /// Waits for a free connection, opening one when none is idle.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<Guard> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| SqlError::Closed)?;
        loop {
            let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            match idle {
                Some(c) if c.client.is_closed() => continue,
                Some(c) => return Ok(self.guard(c, permit)),
                None => break,
            }
        }
        let client = connect(&self.url).await?;
        client
            .batch_execute(&self.setup)
            .await
            .map_err(to_sql_error)?;
        let conn = Conn {
            client,
            prepared: HashMap::new(),
            cached: 0,
        };
        Ok(self.guard(conn, permit))
    }

    fn guard(self: &Arc<Self>, conn: Conn, permit: OwnedSemaphorePermit) -> Guard {
        Guard {
            pg: self.clone(),
            conn: Some(conn),
            in_tx: false,
            permit: Some(permit),
        }
    }

    fn give_back(&self, conn: Conn) {
        if !self.permits.is_closed() && !conn.client.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(conn);
        }
    }

    /// Runs `stmt` on a free connection.
    pub(crate) async fn run(self: &Arc<Self>, stmt: Stmt, limit: Option<usize>) -> Result<Output> {
        self.acquire().await?.run_now(&stmt, limit).await
    }

    /// Refuses new work; idle connections close now, busy ones when
    /// they come back.
    pub(crate) fn close(&self) {
        self.permits.close();
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// A connection held by one task: for one statement or a transaction
/// (rolled back if dropped before [`Guard::commit`]).
pub(crate) struct Guard {
    pg: Arc<Pg>,
    conn: Option<Conn>,
    in_tx: bool,
    permit: Option<OwnedSemaphorePermit>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("pg::Guard")
            .field("in_tx", &self.in_tx)
            .finish()
    }
}

impl Guard {
    fn conn(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("connection present until drop")
    }

    /// `BEGIN`: PostgreSQL's commits are durable (`synchronous_commit =
    /// on`), so there is no mode to choose.
    pub(crate) async fn begin(&mut self) -> Result<()> {
        // Marked first: a task cancelled while BEGIN is on its way must not
        // hand back a connection with a transaction open (the next user's
        // statements would run, uncommitted, inside it). A ROLLBACK with no
        // transaction is only a warning.
        self.in_tx = true;
        self.simple("BEGIN").await
    }

    pub(crate) async fn commit(mut self) -> Result<()> {
        self.simple("COMMIT").await?;
        self.in_tx = false;
        Ok(())
    }

    pub(crate) async fn rollback(mut self) -> Result<()> {
        self.simple("ROLLBACK").await?;
        self.in_tx = false;
        Ok(())
    }

    /// One text of the simple query protocol (no values, no rows).
    async fn simple(&mut self, sql: &str) -> Result<()> {
        self.conn()
            .client
            .batch_execute(sql)
            .await
            .map_err(to_sql_error)
    }

    /// The statement for `sql` with these value kinds, prepared once per
    /// connection.
    async fn prepare(&mut self, sql: &str, kinds: Vec<Kind>) -> Result<Statement> {
        let conn = self.conn();
        if let Some(s) = conn
            .prepared
            .get(sql)
            .and_then(|v| v.iter().find(|(k, _)| *k == kinds))
        {
            return Ok(s.1.clone());
        }
        let types: Vec<Type> = kinds.iter().map(|k| type_of(*k)).collect();
        let st = conn
            .client
            .prepare_typed(sql, &types)
            .await
            .map_err(to_sql_error)?;
        if conn.cached >= STATEMENT_CACHE {
            conn.prepared.clear();
            conn.cached = 0;
        }
        conn.cached += 1;
        conn.prepared
            .entry(sql.to_string())
            .or_default()
            .push((kinds, st.clone()));
        Ok(st)
    }

    /// Runs `stmt`: a text of several statements without values goes as
    /// one simple query (no rows); any other is prepared and run with its
    /// values. `limit` as in [`Executor::run`] (`Some(0)`: no rows kept).
    pub(crate) async fn run_now(&mut self, stmt: &Stmt, limit: Option<usize>) -> Result<Output> {
        let started = std::time::Instant::now();
        let sql = stmt.sql.as_str();
        if stmt.args.is_empty() && super::statements(sql).nth(1).is_some() {
            self.simple(sql).await?;
            log_statement(sql, started.elapsed(), 0, 0);
            return Ok(Output::default());
        }
        let kinds = stmt.args.iter().map(kind_of).collect();
        let st = self.prepare(sql, kinds).await?;
        let params = params(&stmt.args);
        let client = &self.conn().client;
        let mut out = Output::default();
        if limit == Some(0) {
            out.affected = client.execute(&st, &params).await.map_err(to_sql_error)?;
        } else {
            let rows = client.query(&st, &params).await.map_err(to_sql_error)?;
            out.rows = rows_of(&st, rows, limit)?;
        }
        log_statement(sql, started.elapsed(), out.rows.len(), out.affected);
        Ok(out)
    }

    /// Runs statements that need nothing from each other's results in one
    /// round trip: tokio-postgres pipelines requests polled together on one
    /// connection, and the server answers them in order. Returns their rows
    /// in order. Statements this connection has not prepared yet cost one
    /// round trip each, the first time.
    pub(crate) async fn run_pipelined(&mut self, stmts: &[Stmt]) -> Result<Vec<Row>> {
        let started = std::time::Instant::now();
        let mut prepared = Vec::with_capacity(stmts.len());
        for s in stmts {
            let kinds = s.args.iter().map(kind_of).collect();
            prepared.push(self.prepare(s.sql.as_str(), kinds).await?);
        }
        let client = &self.conn().client;
        let runs = stmts
            .iter()
            .zip(&prepared)
            .map(|(s, st)| async move { client.query(st, &params(&s.args)).await });
        // The first statement to fail answers first: the server runs them
        // in order and the rest fail with the aborted transaction.
        let results = futures_util::future::try_join_all(runs)
            .await
            .map_err(to_sql_error)?;
        let mut out = Vec::new();
        for (st, rows) in prepared.iter().zip(results) {
            out.extend(rows_of(st, rows, None)?);
        }
        log_statement("pipelined script", started.elapsed(), out.len(), 0);
        Ok(out)
    }
}

/// The rows of a statement as this crate's, at most `limit`.
fn rows_of(
    st: &Statement,
    rows: Vec<tokio_postgres::Row>,
    limit: Option<usize>,
) -> Result<Vec<Row>> {
    let names: Arc<Vec<String>> =
        Arc::new(st.columns().iter().map(|c| c.name().to_string()).collect());
    let keep = limit.unwrap_or(usize::MAX).min(rows.len());
    let mut out = Vec::with_capacity(keep);
    for r in rows.into_iter().take(keep) {
        let mut values = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let cell: Cell = r.try_get(i).map_err(|e| SqlError::Decode {
                column: name.clone(),
                reason: e.to_string(),
            })?;
            values.push(cell.0);
        }
        out.push(Row::new(names.clone(), values));
    }
    Ok(out)
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if !self.in_tx {
            self.pg.give_back(conn);
            return;
        }
        // A transaction abandoned by a cancelled task or an error: roll it
        // back before the connection serves anyone else. Without a runtime
        // the connection is dropped, and the server rolls back.
        let (pg, permit) = (self.pg.clone(), self.permit.take());
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if conn.client.batch_execute("ROLLBACK").await.is_ok() {
                    pg.give_back(conn);
                }
                drop(permit);
            });
        }
    }
}

impl<'c> Executor<'c> for &'c mut Guard {
    fn run(self, stmt: Stmt, limit: Option<usize>) -> BoxFuture<'c, Result<Output>> {
        Box::pin(async move { self.run_now(&stmt, limit).await })
    }
}

/// Values as tokio-postgres takes them.
fn params(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

fn kind_of(v: &Value) -> Kind {
    match v {
        Value::Null(k) => *k,
        Value::Int(_) => Kind::Int,
        Value::Real(_) => Kind::Real,
        Value::Text(_) => Kind::Text,
        Value::Blob(_) => Kind::Blob,
        Value::Bool(_) => Kind::Bool,
    }
}

fn type_of(k: Kind) -> Type {
    match k {
        Kind::Int => Type::INT8,
        Kind::Real => Type::FLOAT8,
        Kind::Text => Type::TEXT,
        Kind::Blob => Type::BYTEA,
        Kind::Bool => Type::BOOL,
    }
}

/// A tokio-postgres error as this crate's: the server's SQLSTATE and
/// message when it answered, the driver's words otherwise.
pub(crate) fn to_sql_error(e: tokio_postgres::Error) -> SqlError {
    match e.as_db_error() {
        Some(db) => SqlError::Database {
            code: db.code().code().to_string(),
            message: db.message().to_string(),
            unique: *db.code() == tokio_postgres::error::SqlState::UNIQUE_VIOLATION,
        },
        None => SqlError::Client(e.to_string()),
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        // The statement was prepared with `type_of(kind_of(self))`.
        match self {
            Value::Null(_) => Ok(IsNull::Yes),
            Value::Int(i) => i.to_sql(ty, out),
            Value::Real(r) => r.to_sql(ty, out),
            Value::Text(t) => t.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
            Value::Bool(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column's value, whatever its type among those the schema uses.
struct Cell(Value);

type FromSqlResult<T> = std::result::Result<T, Box<dyn std::error::Error + Sync + Send>>;

impl<'a> FromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> FromSqlResult<Cell> {
        Ok(Cell(match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)? as i64),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)? as i64),
            Type::OID => Value::Int(u32::from_sql(ty, raw)? as i64),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)? as f64),
            Type::BOOL => Value::Bool(bool::from_sql(ty, raw)?),
            Type::BYTEA => Value::Blob(Arc::new(<Vec<u8>>::from_sql(ty, raw)?)),
            Type::VOID => Value::Null(Kind::Int),
            _ if <&str as FromSql>::accepts(ty) => Value::Text(<&str>::from_sql(ty, raw)?.into()),
            _ => return Err(format!("column type {ty} is not one the store reads").into()),
        }))
    }

    fn from_sql_null(ty: &Type) -> FromSqlResult<Cell> {
        Ok(Cell(Value::Null(match *ty {
            Type::FLOAT8 | Type::FLOAT4 => Kind::Real,
            Type::BOOL => Kind::Bool,
            Type::BYTEA => Kind::Blob,
            Type::INT8 | Type::INT4 | Type::INT2 | Type::OID | Type::VOID => Kind::Int,
            _ => Kind::Text,
        })))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Pg;
    use crate::sql::{Executor, SqlError, query, query_as};
    use std::sync::Arc;

    /// A pool on a fresh schema of the test server, or `None` (skipped)
    /// when it cannot be reached outside CI.
    async fn pool(case: &str) -> Option<Arc<Pg>> {
        let url = std::env::var("VESONTIO_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let schema = format!("x_{case}_{}_{nanos}", std::process::id());
        let client = match super::connect(&url).await {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_none() => {
                eprintln!("SKIPPED: {case}: cannot reach {url}: {e}");
                return None;
            }
            Err(e) => panic!("PostgreSQL at {url}: {e}"),
        };
        client
            .batch_execute(&format!(
                "CREATE SCHEMA {schema}; SET search_path TO {schema}; \
                 CREATE TABLE t (k BIGINT PRIMARY KEY, n INTEGER, v TEXT, b BYTEA, f DOUBLE PRECISION, ok BOOLEAN)"
            ))
            .await
            .unwrap();
        Some(Pg::open(&url, &schema, 2).await.unwrap())
    }

    #[tokio::test]
    async fn values_keep_their_types_both_ways() {
        let Some(pg) = pool("types").await else {
            return;
        };
        let mut g = pg.acquire().await.unwrap();
        // An INTEGER column takes the int8 the statement was prepared
        // with; NULLs carry their type.
        let done = query("INSERT INTO t (k, n, v, b, f, ok) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(1_i64)
            .bind(7_i64)
            .bind("é")
            .bind(vec![0_u8, 255])
            .bind(1.5_f64)
            .bind(true)
            .execute(&mut g)
            .await
            .unwrap();
        assert_eq!(done.rows_affected(), 1);
        query("INSERT INTO t (k, n, v, b) VALUES ($1, $2, $3, $4)")
            .bind(2_i64)
            .bind(None::<i64>)
            .bind(None::<&str>)
            .bind(None::<Vec<u8>>)
            .execute(&mut g)
            .await
            .unwrap();
        let rows = query("SELECT k, n, v, b, f, ok, COUNT(*) OVER () AS c FROM t ORDER BY k")
            .fetch_all(&mut g)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].try_get::<i64, _>("n").unwrap(), 7);
        assert_eq!(rows[0].try_get::<String, _>("v").unwrap(), "é");
        assert_eq!(rows[0].try_get::<Vec<u8>, _>("b").unwrap(), vec![0, 255]);
        assert_eq!(rows[0].try_get::<f64, _>("f").unwrap(), 1.5);
        assert!(rows[0].try_get::<bool, _>("ok").unwrap());
        assert_eq!(rows[0].try_get::<i64, _>("c").unwrap(), 2);
        assert_eq!(rows[1].try_get::<Option<i64>, _>("n").unwrap(), None);
        assert_eq!(rows[1].try_get::<Option<String>, _>("v").unwrap(), None);
        assert_eq!(rows[1].try_get::<Option<Vec<u8>>, _>("b").unwrap(), None);
        // The same text with other value types is another statement.
        let n: Vec<(i64,)> = query_as("SELECT k FROM t WHERE v = $1 OR k = $2")
            .bind("é")
            .bind(2_i64)
            .fetch_all(&mut g)
            .await
            .unwrap();
        assert_eq!(n, vec![(1,), (2,)]);
        let one: Option<(i64,)> = query_as("SELECT k FROM t WHERE v = $1 OR k = $2")
            .bind(None::<&str>)
            .bind(1_i64)
            .fetch_optional(&mut g)
            .await
            .unwrap();
        assert_eq!(one, Some((1,)));
        // A function returning void is a NULL, not an error.
        query("SELECT pg_notify($1, $2)")
            .bind("nobody_listens")
            .bind("x")
            .fetch_all(&mut g)
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn errors_say_what_failed() {
        let Some(pg) = pool("errors").await else {
            return;
        };
        let mut g = pg.acquire().await.unwrap();
        query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap();
        let e = query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap_err();
        assert!(e.is_unique_violation(), "{e}");
        assert!(
            matches!(&e, SqlError::Database { code, .. } if code == "23505"),
            "{e}"
        );
        let e = query("SELECT k FROM t").fetch_one(&mut g).await.unwrap();
        let e = e.try_get::<String, _>("k").unwrap_err().to_string();
        assert_eq!(e, "column k: an integer read as a text");
        let e = query("SELECT k FROM t WHERE k = 99")
            .fetch_one(&mut g)
            .await
            .unwrap_err();
        assert!(matches!(e, SqlError::RowNotFound), "{e}");
        let e = (&mut g).execute("SELEC 1").await.unwrap_err();
        assert!(
            matches!(&e, SqlError::Database { code, .. } if code == "42601"),
            "{e}"
        );
    }

    /// A transaction dropped uncommitted (a cancelled task) is rolled
    /// back before its connection serves again.
    #[tokio::test]
    async fn an_abandoned_transaction_is_rolled_back() {
        let Some(pg) = pool("abandon").await else {
            return;
        };
        let mut g = pg.acquire().await.unwrap();
        g.begin().await.unwrap();
        query("INSERT INTO t (k) VALUES (1)")
            .execute(&mut g)
            .await
            .unwrap();
        drop(g);
        let mut g = pg.acquire().await.unwrap();
        g.begin().await.unwrap();
        query("INSERT INTO t (k) VALUES (2)")
            .execute(&mut g)
            .await
            .unwrap();
        g.commit().await.unwrap();
        let keys: Vec<(i64,)> = query_as("SELECT k FROM t ORDER BY k")
            .fetch_all(&mut pg.acquire().await.unwrap())
            .await
            .unwrap();
        assert_eq!(keys, vec![(2,)]);
        // Several statements without values go as one text.
        let mut g = pg.acquire().await.unwrap();
        (&mut g)
            .execute("UPDATE t SET n = 1; UPDATE t SET n = n + 1")
            .await
            .unwrap();
        let n: (i64,) = query_as("SELECT n FROM t").fetch_one(&mut g).await.unwrap();
        assert_eq!(n.0, 2);
    }
}
