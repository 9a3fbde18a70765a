//! The search index's answer for text terms (IMAP SEARCH, the webmail's
//! search). The stored search text is lower-cased at ingest
//! (`message::mime::search`); a term matches where it is a substring of
//! that text (RFC 9051 §6.4.4).
//!
//! SQLite: FTS5 tables with the trigram tokenizer (`search` for bodies,
//! `search_fields` for header fields, see [`index_keys`]), case-sensitive
//! (the text is lower-case already, so nothing is folded twice) and
//! queried with MATCH phrases. A phrase of a term's trigrams at consecutive
//! positions is exactly a substring, and FTS5 answers it from the index
//! alone. `LIKE` is not used on that table: FTS5 re-checks a `LIKE`
//! against each candidate's stored text, which costs 30 times more on a
//! common word (130 ms against 4 for 5,000 hits among 20,000 texts).
//! PostgreSQL: pg_trgm GIN indexes answer `LIKE '%…%'`, PostgreSQL
//! rechecking the candidates' values.
//!
//! Besides the header block (`head`, a `name:value` line per field) and
//! the body, the index has the `From:` values (`author`) and the
//! `Subject:` values (`subject`) as columns of their own, so FROM and
//! SUBJECT are answered exactly, without reading any text. A term found in
//! `head` may be in another field or in a field's name: the caller checks
//! those candidates against the stored header fields (small). Texts not
//! indexed yet (`search_pending`) and rows without a stored text are
//! always candidates, checked in full.

use std::collections::HashSet;

use vesontio_types::{MailboxId, Uid};

use crate::error::Result;
use crate::sql;
use crate::{Dialect, Store};

/// Where a term is looked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermField {
    /// The `From:` field values (IMAP FROM).
    From,
    /// The `Subject:` field values.
    Subject,
    /// The decoded body text (IMAP BODY).
    Body,
    /// Any header field value or the body (IMAP TEXT).
    Text,
    /// Some header field: the caller names which and checks it (TO, CC,
    /// BCC, HEADER).
    Header,
}

/// What the index says of one term for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// It does not match.
    No,
    /// It matches.
    Yes,
    /// Check the stored header fields (the body does not hold the term).
    Head,
    /// Check the whole stored text (not indexed yet).
    Full,
}

/// The index's answer for one term in one mailbox, by UID.
#[derive(Debug, Clone, Default)]
pub struct TermHits {
    /// Certainly matching.
    pub exact: HashSet<Uid>,
    /// The term is in the header block: check the fields.
    pub head: HashSet<Uid>,
    /// The index cannot tell: check the whole text.
    pub full: HashSet<Uid>,
}

impl TermHits {
    pub fn known(&self, uid: Uid) -> Known {
        if self.exact.contains(&uid) {
            Known::Yes
        } else if self.full.contains(&uid) {
            Known::Full
        } else if self.head.contains(&uid) {
            Known::Head
        } else {
            Known::No
        }
    }

    /// Every UID that may match.
    pub fn candidates(&self) -> impl Iterator<Item = Uid> + '_ {
        self.exact
            .iter()
            .chain(&self.head)
            .chain(&self.full)
            .copied()
    }
}

/// The shortest term the index can answer, in characters (trigrams);
/// shorter ones are checked against every text.
pub(crate) const MIN_TERM_CHARS: usize = 3;

/// Whether the index can answer `term` (lower-case).
pub fn indexable(term: &str) -> bool {
    term.chars().count() >= MIN_TERM_CHARS && !term.contains(['\n', '\r'])
}

/// The index columns a term is looked for in, and whether a hit there is
/// exact (else a head candidate).
fn columns(field: TermField) -> &'static [(&'static str, bool)] {
    match field {
        TermField::From => &[("author", true)],
        TermField::Subject => &[("subject", true)],
        TermField::Body => &[("body", true)],
        TermField::Text => &[("body", true), ("head", false)],
        TermField::Header => &[("head", false)],
    }
}

/// The stored columns that may hold a term looked for in `field` (the
/// pending texts have no `author` or `subject`; the webmail narrows its
/// searches with these too).
pub(crate) fn superset_columns(field: TermField) -> &'static [&'static str] {
    match field {
        TermField::Body => &["body"],
        TermField::Text => &["head", "body"],
        _ => &["head"],
    }
}

/// The index's rows whose `columns`, each with its term, all hold, as SQL
/// selecting their keys (`k`), and the values to bind from `$first` on. A
/// column list (`head body`) means any of them.
///
/// SQLite: the body is indexed in `search`, the header block, `From:` and
/// `Subject:` in `search_fields`. An FTS5 doclist covers every column of
/// its table, so a `Subject:` phrase in one table with the bodies would
/// walk the bodies' trigrams (9 ms for "budget" among 20,000 messages,
/// against 1 in a table of header fields). PostgreSQL: a GIN index per
/// column already keeps them apart.
pub(crate) fn index_keys(
    dialect: Dialect,
    terms: &[(&[&str], &str)],
    first: usize,
) -> (String, Vec<String>) {
    match dialect {
        Dialect::Sqlite => {
            let mut binds = Vec::new();
            let mut per_term = Vec::new();
            for (cols, t) in terms {
                let (body, fields): (Vec<&str>, Vec<&str>) =
                    cols.iter().partition(|c| **c == "body");
                let mut any = Vec::new();
                for (table, cols) in [("search", body), ("search_fields", fields)] {
                    if cols.is_empty() {
                        continue;
                    }
                    binds.push(format!("{{{}}}: {}", cols.join(" "), phrase(t)));
                    any.push(format!(
                        "SELECT rowid AS k FROM {table} WHERE {table} MATCH ${}",
                        first + binds.len() - 1
                    ));
                }
                per_term.push(format!("SELECT k FROM ({})", any.join(" UNION ")));
            }
            (per_term.join(" INTERSECT "), binds)
        }
        Dialect::Postgres => {
            let conds: Vec<String> = terms
                .iter()
                .enumerate()
                .map(|(i, (cols, _))| {
                    let p = first + i;
                    let any: Vec<String> = cols.iter().map(|c| format!("{c} LIKE ${p}")).collect();
                    format!("({})", any.join(" OR "))
                })
                .collect();
            (
                format!("SELECT id AS k FROM search WHERE {}", conds.join(" AND ")),
                terms.iter().map(|(_, t)| like_pattern(t)).collect(),
            )
        }
    }
}

/// A condition on `search_pending` rows that `columns` may hold every
/// term (a plain substring test, for the few texts not indexed yet), and
/// the values to bind from `$first` on.
pub(crate) fn pending_keys(
    dialect: Dialect,
    terms: &[(&[&str], &str)],
    first: usize,
) -> (String, Vec<String>) {
    let pos = match dialect {
        Dialect::Sqlite => "instr",
        Dialect::Postgres => "strpos",
    };
    let conds: Vec<String> = terms
        .iter()
        .enumerate()
        .map(|(i, (cols, _))| {
            let p = first + i;
            let any: Vec<String> = cols
                .iter()
                .map(|c| format!("{pos}({c}, ${p}) > 0"))
                .collect();
            format!("({})", any.join(" OR "))
        })
        .collect();
    (
        format!(
            "SELECT id AS k FROM search_pending WHERE {}",
            conds.join(" AND ")
        ),
        terms.iter().map(|(_, t)| t.to_string()).collect(),
    )
}

/// SQL true when a message's `content_id` names a text holding every
/// term in its columns, through the index or among the texts not indexed
/// yet (one statement, so a text moving between the two is seen in
/// exactly one), and the values to bind from `$first` on.
pub(crate) fn text_condition(
    dialect: Dialect,
    terms: &[(&[&str], &str)],
    first: usize,
) -> (String, Vec<String>) {
    let (index, mut binds) = index_keys(dialect, terms, first);
    let (pending, more) = pending_keys(dialect, terms, first + binds.len());
    binds.extend(more);
    (
        format!("(content_id IN ({index}) OR content_id IN ({pending}))"),
        binds,
    )
}

/// An FTS5 phrase: every character literal, `"` doubled.
fn phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// A `LIKE` pattern for a substring, `\` escaping LIKE's own characters
/// (PostgreSQL's default escape).
fn like_pattern(term: &str) -> String {
    let mut out = String::with_capacity(term.len() + 2);
    out.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// The index's `author` and `subject` columns of a stored header block
/// (`SearchText::head_text`): the values of every `From:` and `Subject:`
/// field, one per line.
pub(crate) fn author_and_subject(head: &str) -> (String, String) {
    let (mut author, mut subject) = (String::new(), String::new());
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let into = match name {
            "from" => &mut author,
            "subject" => &mut subject,
            _ => continue,
        };
        if !into.is_empty() {
            into.push('\n');
        }
        into.push_str(value);
    }
    (author, subject)
}

impl Store {
    /// What the index says of `term` (lower-case) in `field`, for every
    /// message of `mailbox`; `None` when the term is too short for it
    /// ([`indexable`]). Reads no text: a message it cannot answer for is
    /// in [`TermHits::head`] or [`TermHits::full`].
    pub async fn search_term(
        &self,
        mailbox: MailboxId,
        field: TermField,
        term: &str,
    ) -> Result<Option<TermHits>> {
        if !indexable(term) {
            return Ok(None);
        }
        let d = self.dialect();
        let mut parts = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        // Each part is driven by the texts it finds, joined to the
        // mailbox's rows by content (hundreds of lookups for a FROM), not
        // by the mailbox's rows (20,000 row reads for a 20,000-message
        // INBOX): CROSS JOIN fixes that order on SQLite.
        let by_content = |keys: &str, kind: i64| {
            format!(
                "SELECT m.uid, {kind} FROM ({keys}) t CROSS JOIN messages m \
                 WHERE m.content_id = t.k AND m.mailbox_id = $1"
            )
        };
        for (col, exact) in columns(field) {
            let (keys, values) = index_keys(d, &[(&[*col][..], term)], binds.len() + 2);
            binds.extend(values);
            parts.push(by_content(&keys, if *exact { 0 } else { 1 }));
        }
        let (pending, values) =
            pending_keys(d, &[(superset_columns(field), term)], binds.len() + 2);
        binds.extend(values);
        parts.push(by_content(&pending, 2));
        // Rows not upgraded yet (no stored text; `upgrade.rs`).
        parts.push(
            "SELECT uid, 2 FROM messages WHERE content_id IS NULL AND +mailbox_id = $1".to_string(),
        );
        let mut q =
            sql::query_as::<(i64, i64)>(sql::Safe(parts.join(" UNION ALL "))).bind(mailbox.0);
        for b in binds {
            q = q.bind(b);
        }
        let mut hits = TermHits::default();
        for (uid, kind) in q.fetch_all(self.r().heavy()).await? {
            let uid = uid as Uid;
            match kind {
                0 => hits.exact.insert(uid),
                1 => hits.head.insert(uid),
                _ => hits.full.insert(uid),
            };
        }
        Ok(Some(hits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_and_subject_of_a_head() {
        let head =
            "\u{1}date:2024-01-02\nfrom:alice <a@x.fr>\nto:bob\nsubject:re: budget\nfrom:second\n";
        assert_eq!(
            author_and_subject(head),
            (
                "alice <a@x.fr>\nsecond".to_string(),
                "re: budget".to_string()
            )
        );
    }

    #[test]
    fn patterns_escape_their_syntax() {
        assert_eq!(phrase("a\"b c"), "\"a\"\"b c\"");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
        assert!(!indexable("ab"));
        assert!(indexable("abé"));
        assert!(!indexable("a\nbc"));
    }
}
