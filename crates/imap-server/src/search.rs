//! SEARCH criteria evaluation (RFC 9051 §6.4.4, RFC 7162 §3.1.5 MODSEQ,
//! RFC 5032 WITHIN, RFC 5182 `$`), without I/O: the caller loads each
//! message's metadata and, when a key needs it, its decoded content.
//!
//! String keys match case-insensitively on decoded text (RFC 2047 words,
//! transfer encodings and charsets undone), as substrings.

use vesontio_imap_proto::{Date, SearchKey, SequenceSet};
use vesontio_types::{ModSeq, Uid};

/// Decoded content of one message, lower-cased for matching.
#[derive(Debug, Default, Clone)]
pub(crate) struct Content {
    /// (lower-case field name, lower-case decoded value), in order.
    pub(crate) headers: Vec<(String, String)>,
    /// Decoded text of the text parts.
    pub(crate) body: String,
    /// Date: header's calendar date, as written (its own zone).
    pub(crate) sent: Option<Date>,
}

/// One message as SEARCH sees it.
#[derive(Debug, Clone)]
pub(crate) struct Msg<'a> {
    pub(crate) seq: u32,
    pub(crate) uid: Uid,
    pub(crate) flags: &'a [String],
    pub(crate) size: u64,
    pub(crate) internal_date: i64,
    pub(crate) modseq: ModSeq,
    /// RFC 3501 §2.3.2: `\Recent` in this session.
    pub(crate) recent: bool,
    pub(crate) content: Option<&'a Content>,
    /// RFC 8474 EMAILID and THREADID, as the store numbers them.
    pub(crate) email_id: i64,
    pub(crate) thread_id: i64,
}

/// What holds for the whole mailbox during one SEARCH.
#[derive(Debug, Clone)]
pub(crate) struct Scope<'a> {
    pub(crate) largest_seq: u32,
    pub(crate) largest_uid: Uid,
    pub(crate) saved: &'a [Uid],
    pub(crate) now: i64,
    /// The store index's answers for the text keys, when asked.
    pub(crate) index: Option<&'a crate::textindex::TextIndex>,
}

impl Content {
    /// Decodes a raw message (when its stored search text is missing).
    pub(crate) fn parse(raw: &[u8]) -> Content {
        Content::from_text(vesontio_message::mime::SearchText::of(raw))
    }

    /// The search text the store keeps for every content (decoded at ingest).
    pub(crate) fn from_text(t: vesontio_message::mime::SearchText) -> Content {
        Content {
            headers: t.headers,
            body: t.body,
            sent: t.sent.map(|(year, month, day)| Date { year, month, day }),
        }
    }

    fn header_has(&self, name: &str, needle: &str) -> bool {
        let needle = needle.to_lowercase();
        self.headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case(name) && v.contains(&needle))
    }
}

/// Whether any key needs the message content.
pub(crate) fn needs_content(k: &SearchKey) -> bool {
    use SearchKey as K;
    match k {
        K::And(v) => v.iter().any(needs_content),
        K::Not(a) => needs_content(a),
        K::Or(a, b) => needs_content(a) || needs_content(b),
        K::Bcc(_)
        | K::Body(_)
        | K::Cc(_)
        | K::From(_)
        | K::Header(..)
        | K::Subject(_)
        | K::Text(_)
        | K::To(_)
        | K::SentBefore(_)
        | K::SentOn(_)
        | K::SentSince(_) => true,
        _ => false,
    }
}

/// Whether any key looks at more than the message's numbers, flags and
/// `\Recent` (size, dates, modseq, ids, content): such a search reads the
/// rows; the others are answered from the store's compact index.
pub(crate) fn needs_row(k: &SearchKey) -> bool {
    use SearchKey as K;
    match k {
        K::And(v) => v.iter().any(needs_row),
        K::Not(a) => needs_row(a),
        K::Or(a, b) => needs_row(a) || needs_row(b),
        K::SequenceSet(_)
        | K::Uid(_)
        | K::All
        | K::Recent
        | K::New
        | K::Old
        | K::Answered
        | K::Deleted
        | K::Draft
        | K::Flagged
        | K::Seen
        | K::Unanswered
        | K::Undeleted
        | K::Undraft
        | K::Unflagged
        | K::Unseen
        | K::Keyword(_)
        | K::Unkeyword(_) => false,
        _ => true,
    }
}

/// Whether any key looks at the row beyond numbers, flags and content
/// (size, dates, modseq, ids): such a search reads every candidate's row.
pub(crate) fn needs_meta(k: &SearchKey) -> bool {
    use SearchKey as K;
    match k {
        K::And(v) => v.iter().any(needs_meta),
        K::Not(a) => needs_meta(a),
        K::Or(a, b) => needs_meta(a) || needs_meta(b),
        _ => needs_row(k) && !needs_content(k),
    }
}

/// Whether any key looks at flags (`NEW` included); without, the UIDs
/// (and the search index) alone answer.
pub(crate) fn needs_flags(k: &SearchKey) -> bool {
    use SearchKey as K;
    match k {
        K::And(v) => v.iter().any(needs_flags),
        K::Not(a) => needs_flags(a),
        K::Or(a, b) => needs_flags(a) || needs_flags(b),
        K::SequenceSet(_) | K::Uid(_) | K::All | K::Recent | K::Old => false,
        _ => !needs_content(k),
    }
}

/// Whether the criteria use MODSEQ (the reply then carries one, RFC 7162 §3.1.5).
pub(crate) fn uses_modseq(k: &SearchKey) -> bool {
    match k {
        SearchKey::And(v) => v.iter().any(uses_modseq),
        SearchKey::Not(a) => uses_modseq(a),
        SearchKey::Or(a, b) => uses_modseq(a) || uses_modseq(b),
        SearchKey::ModSeq { .. } => true,
        _ => false,
    }
}

fn has_flag(m: &Msg<'_>, f: &str) -> bool {
    m.flags.iter().any(|x| x.eq_ignore_ascii_case(f))
}

fn in_set(set: &SequenceSet, n: u32, largest: u32, saved: Option<&[Uid]>, uid: Uid) -> bool {
    match set {
        SequenceSet::Saved => saved.is_some_and(|s| s.contains(&uid)),
        _ => set.contains(n, largest),
    }
}

/// Evaluates `k` on `m`. Content keys are false when content is missing.
pub(crate) fn matches(k: &SearchKey, m: &Msg<'_>, sc: &Scope<'_>) -> bool {
    use SearchKey as K;
    let day = m.internal_date.div_euclid(86_400);
    let text = |f: &dyn Fn(&Content) -> bool| m.content.is_some_and(f);
    // A text key the index answered for this message; the others are
    // checked on the stored text (a term in the header block is checked
    // on the fields: a body known not to hold it is not read).
    match sc.index.and_then(|ix| ix.known(k, m.uid)) {
        Some(vesontio_store::Known::Yes) => return true,
        Some(vesontio_store::Known::No) => return false,
        _ => {}
    }
    match k {
        K::And(v) => v.iter().all(|x| matches(x, m, sc)),
        K::Not(a) => !matches(a, m, sc),
        K::Or(a, b) => matches(a, m, sc) || matches(b, m, sc),
        K::SequenceSet(s) => in_set(s, m.seq, sc.largest_seq, Some(sc.saved), m.uid),
        K::Uid(s) => in_set(s, m.uid, sc.largest_uid, Some(sc.saved), m.uid),
        K::All => true,
        // RFC 3501 §6.4.4: NEW is RECENT UNSEEN; OLD is NOT RECENT.
        K::Recent => m.recent,
        K::New => m.recent && !has_flag(m, "\\Seen"),
        K::Old => !m.recent,
        K::Answered => has_flag(m, "\\Answered"),
        K::Deleted => has_flag(m, "\\Deleted"),
        K::Draft => has_flag(m, "\\Draft"),
        K::Flagged => has_flag(m, "\\Flagged"),
        K::Seen => has_flag(m, "\\Seen"),
        K::Unanswered => !has_flag(m, "\\Answered"),
        K::Undeleted => !has_flag(m, "\\Deleted"),
        K::Undraft => !has_flag(m, "\\Draft"),
        K::Unflagged => !has_flag(m, "\\Flagged"),
        K::Unseen => !has_flag(m, "\\Seen"),
        K::Keyword(f) => has_flag(m, f),
        // RFC 8474 §6: ids as FETCH reports them (`M`/`T` and the number).
        K::EmailId(id) => *id == format!("M{}", m.email_id),
        K::ThreadId(id) => m.thread_id != 0 && *id == format!("T{}", m.thread_id),
        K::Unkeyword(f) => !has_flag(m, f),
        K::Larger(n) => m.size > *n,
        K::Smaller(n) => m.size < *n,
        // RFC 9051 §6.4.4: internal date, disregarding time and timezone.
        K::Before(d) => day < d.days_from_epoch(),
        K::On(d) => day == d.days_from_epoch(),
        K::Since(d) => day >= d.days_from_epoch(),
        K::SentBefore(d) => text(&|c| c.sent.is_some_and(|s| s < *d)),
        K::SentOn(d) => text(&|c| c.sent.is_some_and(|s| s == *d)),
        K::SentSince(d) => text(&|c| c.sent.is_some_and(|s| s >= *d)),
        K::Bcc(s) => text(&|c| c.header_has("bcc", s)),
        K::Cc(s) => text(&|c| c.header_has("cc", s)),
        K::From(s) => text(&|c| c.header_has("from", s)),
        K::To(s) => text(&|c| c.header_has("to", s)),
        K::Subject(s) => text(&|c| c.header_has("subject", s)),
        // RFC 9051 §6.4.4: HEADER with an empty string matches any message with the field.
        K::Header(name, s) => text(&|c| c.header_has(name, s)),
        K::Body(s) => text(&|c| c.body.contains(&s.to_lowercase())),
        K::Text(s) => text(&|c| {
            let n = s.to_lowercase();
            c.body.contains(&n) || c.headers.iter().any(|(_, v)| v.contains(&n))
        }),
        K::ModSeq { mod_seq, .. } => m.modseq >= *mod_seq,
        // RFC 5032 §3.
        K::Older(secs) => m.internal_date <= sc.now - i64::from(*secs),
        K::Younger(secs) => m.internal_date >= sc.now - i64::from(*secs),
    }
}
