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
