//! The store's own SQL executor (issue 14 item 10): one small API over
//! rusqlite ([`lite`], SQLite run on the caller's task) and tokio-postgres
//! ([`pg`], a typed PostgreSQL driver), so that every query of this crate
//! is written once and no internals of another crate are relied on.
//!
//! A query is text plus values: [`query`] / [`query_as`], `.bind(v)`, then
//! `.execute`, `.fetch_all`, `.fetch_one` or `.fetch_optional` on an
//! [`Executor`] (a connection set, [`crate::db::Db`], or an open
//! transaction, [`crate::db::TxConn`]). Placeholders are `$1`, `$2`…
//! on both dialects (SQLite reads `$n` as parameter n). Values are the
//! scalars both engines share ([`Value`]); a row's columns come back as
//! the same values and are decoded by type ([`Decode`], [`FromRow`]).
//!
//! On PostgreSQL a statement is prepared with the types of the values
//! bound to it, as the engine would have seen them declared: an integer is
//! `int8`, a text `text`, bytes `bytea`. That keeps one SQL text valid for
//! both engines (SQLite has no parameter types).

pub(crate) mod lite;
pub(crate) mod pg;

use std::borrow::Cow;
use std::sync::Arc;

pub(crate) type BoxFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What a statement can fail with.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// The engine refused the statement (a constraint, a syntax error, a
    /// lost connection reported by the server…).
    #[error("{message} (code {code})")]
    Database {
        /// SQLite's extended result code, or PostgreSQL's SQLSTATE.
        code: String,
        message: String,
        /// A uniqueness or primary-key constraint failed.
        unique: bool,
    },
    /// `fetch_one` found no row.
    #[error("no row returned")]
    RowNotFound,
    /// The store is closing: no new statement runs.
    #[error("the database connections are closed")]
    Closed,
    /// A column's value does not fit the type it is read as: a bug in
    /// this crate's query, never a user's error.
    #[error("column {column}: {reason}")]
    Decode { column: String, reason: String },
    /// The connection failed or the query was malformed before the engine
    /// saw it (a missing value, an unreachable server).
    #[error("{0}")]
    Client(String),
}

pub(crate) type Result<T, E = SqlError> = std::result::Result<T, E>;

impl SqlError {
    /// True when a uniqueness (or primary-key) constraint failed.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, SqlError::Database { unique: true, .. })
    }
}

/// The type of a NULL, which PostgreSQL needs to prepare its statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Real,
    Text,
    Blob,
    Bool,
}

/// A value bound to a statement or read from a row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null(Kind),
    Int(i64),
    Real(f64),
    Text(String),
    /// Shared so that a large body is not copied to be bound.
    Blob(Arc<Vec<u8>>),
    Bool(bool),
}

/// A Rust value that can be bound.
pub(crate) trait Encode {
    fn encode(self) -> Value;
}

macro_rules! encode_int {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(self) -> Value {
                Value::Int(self as i64)
            }
        }
    )*};
}
encode_int!(i64);

impl Encode for f64 {
    fn encode(self) -> Value {
        Value::Real(self)
    }
}

impl Encode for bool {
    fn encode(self) -> Value {
        Value::Bool(self)
    }
}

impl Encode for String {
    fn encode(self) -> Value {
        Value::Text(self)
    }
}

impl Encode for &String {
    fn encode(self) -> Value {
        Value::Text(self.clone())
    }
}

impl Encode for &str {
    fn encode(self) -> Value {
        Value::Text(self.to_string())
    }
}

impl Encode for Vec<u8> {
    fn encode(self) -> Value {
        Value::Blob(Arc::new(self))
    }
}

impl Encode for &[u8] {
    fn encode(self) -> Value {
        Value::Blob(Arc::new(self.to_vec()))
    }
}

impl Encode for Arc<Vec<u8>> {
    fn encode(self) -> Value {
        Value::Blob(self)
    }
}

impl Encode for Value {
    fn encode(self) -> Value {
        self
    }
}

/// The kind of a Rust type's values, for its NULL.
pub(crate) trait HasKind {
    const KIND: Kind;
}

macro_rules! kind {
    ($k:ident: $($t:ty),*) => {$( impl HasKind for $t { const KIND: Kind = Kind::$k; } )*};
}
kind!(Int: i64);
kind!(Real: f64);
kind!(Bool: bool);
kind!(Text: String, &String, &str);
kind!(Blob: Vec<u8>, &[u8], Arc<Vec<u8>>);

impl<T: Encode + HasKind> Encode for Option<T> {
    fn encode(self) -> Value {
        match self {
            Some(v) => v.encode(),
            None => Value::Null(T::KIND),
        }
    }
}

/// A column's value read as a Rust type.
pub(crate) trait Decode: Sized {
    fn decode(v: &Value) -> std::result::Result<Self, String>;
}

fn wrong(v: &Value, want: &str) -> String {
    let got = match v {
        Value::Null(_) => "NULL",
        Value::Int(_) => "an integer",
        Value::Real(_) => "a real",
        Value::Text(_) => "a text",
        Value::Blob(_) => "bytes",
        Value::Bool(_) => "a boolean",
    };
    format!("{got} read as {want}")
}

impl Decode for i64 {
    fn decode(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            _ => Err(wrong(v, "an integer")),
        }
    }
}

impl Decode for i32 {
    fn decode(v: &Value) -> std::result::Result<Self, String> {
        let i = i64::decode(v)?;
        i32::try_from(i).map_err(|_| format!("{i} out of range for i32"))
    }
}

impl Decode for bool {
    fn decode(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            _ => Err(wrong(v, "a boolean")),
        }
    }
}

impl Decode for f64 {
    fn decode(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Real(r) => Ok(*r),
            Value::Int(i) => Ok(*i as f64),
            _ => Err(wrong(v, "a real")),
        }
    }
}

impl Decode for String {
    fn decode(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Text(t) => Ok(t.clone()),
            _ => Err(wrong(v, "a text")),
        }
    }
}

impl Decode for Vec<u8> {
    fn decode(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Blob(b) => Ok(b.as_ref().clone()),
            Value::Text(t) => Ok(t.as_bytes().to_vec()),
            _ => Err(wrong(v, "bytes")),
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(v: &Value) -> std::result::Result<Self, String> {
        match v {
            Value::Null(_) => Ok(None),
            v => T::decode(v).map(Some),
        }
    }
}

/// A row: column names (shared by the rows of one statement) and values.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    names: Arc<Vec<String>>,
    values: Vec<Value>,
}

/// How a column is named in [`Row::try_get`]: its position or its name.
pub(crate) trait ColumnIndex {
    fn position(&self, row: &Row) -> Result<usize>;
}

impl ColumnIndex for usize {
    fn position(&self, row: &Row) -> Result<usize> {
        if *self < row.values.len() {
            Ok(*self)
        } else {
            Err(SqlError::Decode {
                column: self.to_string(),
                reason: format!("the row has {} columns", row.values.len()),
            })
        }
    }
}

impl ColumnIndex for &str {
    fn position(&self, row: &Row) -> Result<usize> {
        row.names
            .iter()
            .position(|n| n == self)
            .ok_or_else(|| SqlError::Decode {
                column: self.to_string(),
                reason: "no such column".into(),
            })
    }
}

impl Row {
    pub(crate) fn new(names: Arc<Vec<String>>, values: Vec<Value>) -> Row {
        Row { names, values }
    }

    /// The value of column `i` (a position or a name) as a `T`.
    pub(crate) fn try_get<T: Decode, I: ColumnIndex>(&self, i: I) -> Result<T> {
        let p = i.position(self)?;
        T::decode(&self.values[p]).map_err(|reason| SqlError::Decode {
            column: self.names.get(p).cloned().unwrap_or_else(|| p.to_string()),
            reason,
        })
    }
}

/// A row read as a tuple, column by column.
pub(crate) trait FromRow: Sized {
    fn from_row(r: &Row) -> Result<Self>;
}

macro_rules! tuple_from_row {
    ($($n:tt $t:ident),+) => {
        impl<$($t: Decode),+> FromRow for ($($t,)+) {
            fn from_row(r: &Row) -> Result<Self> {
                Ok(($(r.try_get::<$t, usize>($n)?,)+))
            }
        }
    };
}
tuple_from_row!(0 A);
tuple_from_row!(0 A, 1 B);
tuple_from_row!(0 A, 1 B, 2 C);
tuple_from_row!(0 A, 1 B, 2 C, 3 D);
tuple_from_row!(0 A, 1 B, 2 C, 3 D, 4 E);
tuple_from_row!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F);
tuple_from_row!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G);
tuple_from_row!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H);

/// A statement text built by this crate from its own constants (see the
/// `q!` macro): never from input, whose values are always bound.
pub(crate) struct Safe(pub String);

/// A statement's text: a literal of this crate or a [`Safe`] one.
pub(crate) struct SqlText(Cow<'static, str>);

impl From<&'static str> for SqlText {
    fn from(s: &'static str) -> SqlText {
        SqlText(Cow::Borrowed(s))
    }
}

impl From<Safe> for SqlText {
    fn from(s: Safe) -> SqlText {
        SqlText(Cow::Owned(s.0))
    }
}

impl SqlText {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// A statement ready to run.
pub(crate) struct Stmt {
    pub(crate) sql: SqlText,
    pub(crate) args: Vec<Value>,
}

/// What a run produced: the rows (at most the limit asked) and the number
/// of rows the statement changed (0 for a read).
#[derive(Debug, Default)]
pub(crate) struct Output {
    pub(crate) rows: Vec<Row>,
    pub(crate) affected: u64,
}

/// The result of [`Query::execute`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

/// Where a statement runs: a connection set or an open transaction.
pub(crate) trait Executor<'c>: Send + Sized {
    /// Runs `stmt`; keeps at most `limit` rows. A text of several
    /// statements (`;`-separated) is allowed without values.
    fn run(self, stmt: Stmt, limit: Option<usize>) -> BoxFuture<'c, Result<Output>>;

    /// Runs a statement that takes no value.
    fn execute(self, sql: impl Into<SqlText>) -> BoxFuture<'c, Result<Done>> {
        let fut = self.run(
            Stmt {
                sql: sql.into(),
                args: Vec::new(),
            },
            Some(0),
        );
        Box::pin(async move { Ok(Done(fut.await?.affected)) })
    }
}

/// A statement and its values; see the module's documentation.
pub(crate) struct Query {
    stmt: Stmt,
}

pub(crate) fn query(sql: impl Into<SqlText>) -> Query {
    Query {
        stmt: Stmt {
            sql: sql.into(),
            args: Vec::new(),
        },
    }
}

impl Query {
    /// Binds the next `$n`.
    pub(crate) fn bind(mut self, v: impl Encode) -> Query {
        self.stmt.args.push(v.encode());
        self
    }

    pub(crate) fn into_stmt(self) -> Stmt {
        self.stmt
    }

    pub(crate) fn from_stmt(stmt: Stmt) -> Query {
        Query { stmt }
    }

    pub(crate) async fn execute<'c, E: Executor<'c>>(self, e: E) -> Result<Done> {
        Ok(Done(e.run(self.stmt, Some(0)).await?.affected))
    }

    pub(crate) async fn fetch_all<'c, E: Executor<'c>>(self, e: E) -> Result<Vec<Row>> {
        Ok(e.run(self.stmt, None).await?.rows)
    }

    pub(crate) async fn fetch_optional<'c, E: Executor<'c>>(self, e: E) -> Result<Option<Row>> {
        Ok(e.run(self.stmt, Some(1)).await?.rows.into_iter().next())
    }

    pub(crate) async fn fetch_one<'c, E: Executor<'c>>(self, e: E) -> Result<Row> {
        self.fetch_optional(e).await?.ok_or(SqlError::RowNotFound)
    }
}

/// A [`Query`] whose rows are read as `O` (a tuple of columns).
pub(crate) struct QueryAs<O> {
    q: Query,
    _o: std::marker::PhantomData<fn() -> O>,
}

pub(crate) fn query_as<O: FromRow>(sql: impl Into<SqlText>) -> QueryAs<O> {
    QueryAs {
        q: query(sql),
        _o: std::marker::PhantomData,
    }
}

impl<O: FromRow> QueryAs<O> {
    pub(crate) fn bind(mut self, v: impl Encode) -> QueryAs<O> {
        self.q = self.q.bind(v);
        self
    }

    pub(crate) async fn fetch_all<'c, E: Executor<'c>>(self, e: E) -> Result<Vec<O>> {
        self.q.fetch_all(e).await?.iter().map(O::from_row).collect()
    }

    pub(crate) async fn fetch_optional<'c, E: Executor<'c>>(self, e: E) -> Result<Option<O>> {
        self.q
            .fetch_optional(e)
            .await?
            .map(|r| O::from_row(&r))
            .transpose()
    }

    pub(crate) async fn fetch_one<'c, E: Executor<'c>>(self, e: E) -> Result<O> {
        O::from_row(&self.q.fetch_one(e).await?)
    }
}

/// What is logged of each statement: all of them at debug level (target
/// `vesontio_store::sql`), slow ones as warnings. Statements carry no
/// message content (values are bound, never logged).
pub(crate) fn log_statement(sql: &str, elapsed: std::time::Duration, rows: usize, changed: u64) {
    const SLOW: std::time::Duration = std::time::Duration::from_secs(1);
    if elapsed >= SLOW {
        tracing::warn!(target: "vesontio_store::sql", statement = sql, ?elapsed, rows, changed, "slow statement");
    } else if tracing::enabled!(target: "vesontio_store::sql", tracing::Level::DEBUG) {
        let summary: String = sql.split_whitespace().take(6).collect::<Vec<_>>().join(" ");
        tracing::debug!(target: "vesontio_store::sql", summary, micros = elapsed.as_micros() as u64, rows, changed);
    }
}

/// The statements of a text, split at `;` outside quotes. Comments are
/// not expected: every text is this crate's own.
pub(crate) fn statements(sql: &str) -> impl Iterator<Item = &str> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn splits_statements_outside_quotes() {
        let v: Vec<&str> = statements("PRAGMA a=1; BEGIN;SELECT ';' , \"x;y\" ; ").collect();
        assert_eq!(v, ["PRAGMA a=1", "BEGIN", "SELECT ';' , \"x;y\""]);
    }

    #[test]
    fn decodes_by_type_and_names_the_column_on_error() {
        let r = Row::new(
            Arc::new(vec!["n".into(), "t".into(), "z".into()]),
            vec![
                Value::Int(7),
                Value::Text("é".into()),
                Value::Null(Kind::Text),
            ],
        );
        assert_eq!(r.try_get::<i64, _>("n").unwrap(), 7);
        assert_eq!(r.try_get::<String, _>(1).unwrap(), "é");
        assert_eq!(r.try_get::<Option<String>, _>("z").unwrap(), None);
        assert!(r.try_get::<bool, _>("n").unwrap());
        let e = r.try_get::<i64, _>("t").unwrap_err().to_string();
        assert_eq!(e, "column t: a text read as an integer");
        let e = r.try_get::<i64, _>("z").unwrap_err().to_string();
        assert_eq!(e, "column z: NULL read as an integer");
        assert!(r.try_get::<i64, _>("nope").is_err());
        assert!(r.try_get::<i64, _>(3).is_err());
        let (a, b): (i64, Option<String>) = FromRow::from_row(&r).unwrap();
        assert_eq!((a, b), (7, Some("é".into())));
    }

    #[test]
    fn a_none_keeps_its_kind() {
        assert_eq!(None::<i64>.encode(), Value::Null(Kind::Int));
        assert_eq!(None::<&str>.encode(), Value::Null(Kind::Text));
        assert_eq!(Some("a").encode(), Value::Text("a".into()));
        assert_eq!(None::<Vec<u8>>.encode(), Value::Null(Kind::Blob));
    }
}
