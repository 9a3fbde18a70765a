//! Set-at-a-time statements. A statement costs a round trip to
//! PostgreSQL that dwarfs the work of one row, and a fixed cost on SQLite
//! (prepare lookup, bind, step), while a write transaction holds the single
//! SQLite writer throughout: so writes touching many rows use `IN (…)` lists of
//! bound values, a bounded number of statements whatever the row count.

use crate::sql;
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

/// `stmt` with its `$n` numbered from 1 in order of first use, and the
/// original numbers in that order: a prepared statement (cached by its
/// text) must always get exactly the values it uses. The statements are
/// this crate's own text, with no `$` inside literals.
fn renumber(stmt: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(stmt.len());
    let mut used: Vec<usize> = Vec::new();
    let b = stmt.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let start = i + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            let n: usize = stmt[start..end].parse().unwrap_or(0);
            let k = match used.iter().position(|&u| u == n) {
                Some(p) => p + 1,
                None => {
                    used.push(n);
                    used.len()
                }
            };
            out.push('$');
            out.push_str(&k.to_string());
            i = end;
        } else {
            let ch = stmt[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    (out, used)
}

/// A value bound in a [`Script`].
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
}

/// Statements that need nothing from each other's results, run in order in
/// one transaction. On SQLite they go in one text (`sql::lite` runs a
/// multi-statement text, binding `$n` by number across all of them).
/// PostgreSQL's extended protocol takes one statement per call: each is
/// renumbered and sent with the values it uses.
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

    pub(crate) fn opt_int(&mut self, v: Option<i64>) -> String {
        self.vals.push(Val::OptInt(v));
        format!("${}", self.vals.len())
    }

    pub(crate) fn text(&mut self, v: &str) -> String {
        self.vals.push(Val::Text(v.to_string()));
        format!("${}", self.vals.len())
    }

    pub(crate) fn opt_text(&mut self, v: Option<&str>) -> String {
        self.vals.push(Val::OptText(v.map(str::to_string)));
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

    /// The values at these (0-based) indexes, in order, bound to `sql`.
    fn bound(&self, sql: sql::Safe, which: impl Iterator<Item = usize>) -> sql::Query {
        let mut q = sql::query(sql);
        for i in which {
            q = match &self.vals[i] {
                Val::Int(i) => q.bind(*i),
                Val::OptInt(i) => q.bind(*i),
                Val::Text(t) => q.bind(t.as_str()),
                Val::OptText(t) => q.bind(t.as_deref()),
            };
        }
        q
    }

    /// Runs every statement; returns the rows they produced, in order.
    pub(crate) async fn run(
        self,
        conn: &mut crate::db::TxConn,
        dialect: crate::Dialect,
    ) -> crate::Result<Vec<sql::Row>> {
        if self.sql.is_empty() {
            return Ok(Vec::new());
        }
        let one_call = !PER_STATEMENT.load(std::sync::atomic::Ordering::Relaxed);
        if dialect == crate::Dialect::Sqlite && one_call {
            let text = q!("{}", self.sql.join(";\n"));
            return Ok(self.bound(text, 0..self.vals.len()).fetch_all(conn).await?);
        }
        let stmts: Vec<sql::Stmt> = self
            .sql
            .iter()
            .map(|stmt| {
                let (text, used) = renumber(stmt);
                self.bound(q!("{text}"), used.into_iter().map(|n| n - 1))
                    .into_stmt()
            })
            .collect();
        match conn {
            crate::db::TxConn::Pg(g) if one_call => Ok(g.run_pipelined(&stmts).await?),
            _ => {
                let mut rows = Vec::new();
                for s in stmts {
                    rows.extend(sql::Query::from_stmt(s).fetch_all(&mut *conn).await?);
                }
                Ok(rows)
            }
        }
    }
}

/// Runs every script one statement after the other (one call, and on
/// PostgreSQL one round trip, per statement): only for the benchmark that
/// measures what scripts save (`benches/script.rs`).
static PER_STATEMENT: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// See [`PER_STATEMENT`]; never called by the platform.
#[doc(hidden)]
pub fn debug_scripts_per_statement(on: bool) {
    PER_STATEMENT.store(on, std::sync::atomic::Ordering::Relaxed);
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

    #[test]
    fn renumbered_for_one_statement() {
        let (t, used) = renumber("UPDATE x SET a = $7 WHERE id = $3 AND b IN ($12, $3, $13)");
        assert_eq!(t, "UPDATE x SET a = $1 WHERE id = $2 AND b IN ($3, $2, $4)");
        assert_eq!(used, vec![7, 3, 12, 13]);
        assert_eq!(renumber("SELECT 1").1, Vec::<usize>::new());
    }
}
