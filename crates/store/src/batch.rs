//! Set-at-a-time statements. A statement costs a round trip (to
//! PostgreSQL, or to the SQLite worker thread) that dwarfs the work of one
//! row, and a write transaction holds the single SQLite writer for all of
//! its round trips: so writes touching many rows use `IN (…)` lists of
//! bound values, a bounded number of statements whatever the row count.

/// Values per `IN` list: far below SQLite's 32,766 and PostgreSQL's
/// 65,535 bound parameters, with room for the other parameters.
pub(crate) const CHUNK: usize = 500;

/// `$first, $first+1, …` — `n` placeholders for an `IN (…)` list.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(first + i).to_string());
    }
    s
}

/// `($1, $2, …), (…)` — `rows` tuples of `cols` placeholders from `$first`.
pub(crate) fn tuples(first: usize, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        s.push_str(&placeholders(first + r * cols, cols));
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(1, 0), "");
        assert_eq!(tuples(2, 2, 2), "($2, $3), ($4, $5)");
    }
}

/// A value bound in a [`Script`].
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Int(i64),
    Text(String),
}

/// Statements that need nothing from each other's results, run in order in
/// one transaction. On SQLite they go in one call — one hand-off to the
/// connection's worker thread instead of one per statement (sqlx-sqlite
/// runs a multi-statement text, binding `$n` by number across all of
/// them). PostgreSQL's extended protocol takes one statement per call:
/// each is sent with every value (parameters a statement does not use are
/// allowed, their types being given).
#[derive(Default)]
pub(crate) struct Script {
    sql: Vec<String>,
    vals: Vec<Val>,
}

impl Script {
    /// Binds a value for the statements to come; returns its placeholder.
    pub(crate) fn int(&mut self, v: i64) -> String {
        self.vals.push(Val::Int(v));
        format!("${}", self.vals.len())
    }

    pub(crate) fn text(&mut self, v: &str) -> String {
        self.vals.push(Val::Text(v.to_string()));
        format!("${}", self.vals.len())
    }

    /// Placeholders of several integers, comma-separated (an `IN` list).
    pub(crate) fn ints(&mut self, vs: impl IntoIterator<Item = i64>) -> String {
        let list: Vec<String> = vs.into_iter().map(|v| self.int(v)).collect();
        list.join(", ")
    }

    pub(crate) fn push(&mut self, sql: String) {
        self.sql.push(sql);
    }

    fn args(&self) -> sqlx::any::AnyArguments {
        use sqlx::Arguments;
        let mut a = sqlx::any::AnyArguments::default();
        for v in &self.vals {
            // Adding a value of a supported type cannot fail.
            let _ = match v {
                Val::Int(i) => a.add(*i),
                Val::Text(t) => a.add(t.clone()),
            };
        }
        a
    }

    /// Runs every statement; returns the rows they produced, in order.
    pub(crate) async fn run(
        self,
        conn: &mut sqlx::AnyConnection,
        dialect: crate::Dialect,
    ) -> crate::Result<Vec<sqlx::any::AnyRow>> {
        if self.sql.is_empty() {
            return Ok(Vec::new());
        }
        if dialect == crate::Dialect::Sqlite {
            let sql = q!("{}", self.sql.join(";\n"));
            return Ok(sqlx::query_with(sql, self.args()).fetch_all(conn).await?);
        }
        let mut rows = Vec::new();
        for stmt in &self.sql {
            let sql = q!("{stmt}");
            rows.extend(
                sqlx::query_with(sql, self.args())
                    .fetch_all(&mut *conn)
                    .await?,
            );
        }
        Ok(rows)
    }
}
