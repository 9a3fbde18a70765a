//! The "base subject" of RFC 5256 §2.1 (what SORT SUBJECT, both THREAD
//! algorithms and the store's conversation rule compare), and the
//! i;unicode-casemap collation of RFC 5051 that RFC 5256 §7 requires for
//! comparing it.
//!
//! The input is the subject already decoded (RFC 2047 words turned into
//! text): that is step (1) of §2.1 minus the whitespace part, which is done
//! here. The reply and forward markers are ASCII, so the text is cut only
//! next to ASCII bytes and any UTF-8 subject stays valid.

use unicode_normalization::UnicodeNormalization;

/// RFC 5256 §2.1: the base subject of a decoded subject.
pub fn base_subject(decoded_subject: &str) -> String {
    base_subject_reply(decoded_subject).0
}

/// RFC 5256 §2.1 with, beside the base subject, whether the subject marks
/// a reply or forward (RFC 5256 §3, REFERENCES: the extraction removed a
/// `subj-refwd`, a `(fwd)` trailer, or a `[fwd: ...]` wrapper).
pub fn base_subject_reply(decoded_subject: &str) -> (String, bool) {
    let text = collapse_whitespace(decoded_subject);
    let mut s = text.as_str();
    let mut reply = false;
    loop {
        // (2) subj-trailer = "(fwd)" / WSP, removed from the end until none is left.
        loop {
            if let Some(t) = s.strip_suffix(' ') {
                s = t;
            } else if ends_with_ignore_case(s, "(fwd)") {
                s = &s[..s.len() - 5];
                reply = true;
            } else {
                break;
            }
        }
        // (3), (4), repeated as (5) says.
        loop {
            let before = s.len();
            if let Some(t) = s.strip_prefix(' ') {
                // (3) subj-leader's second form: WSP.
                s = t;
            } else {
                match leader(s) {
                    // (3) subj-leader = *subj-blob subj-refwd
                    Leader::Found(n) => {
                        s = &s[n..];
                        reply = true;
                    }
                    // (4) blobs with no reply marker after them: each goes
                    // when text is left after it, so all but a last one
                    // that ends the subject. (Removing them one by one and
                    // trying (3) again between would only find the same
                    // run without a marker, quadratically.)
                    Leader::Blobs { last, end } => {
                        s = if end < s.len() { &s[end..] } else { &s[last..] };
                    }
                }
            }
            if s.len() == before {
                break;
            }
        }
        // (6) subj-fwd-hdr = "[fwd:", subj-fwd-trl = "]": unwrap and start again.
        if starts_with_ignore_case(s, "[fwd:")
            && let Some(inner) = s[5..].strip_suffix(']')
        {
            s = inner;
            reply = true;
            continue;
        }
        return (s.to_string(), reply);
    }
}

/// Step (1) of §2.1 for decoded text: tabs and line breaks (what is left
/// of continuations) become spaces, runs of spaces become one.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = if matches!(c, '\t' | '\r' | '\n') {
            ' '
        } else {
            c
        };
        if c == ' ' && out.ends_with(' ') {
            continue;
        }
        out.push(c);
    }
    out
}

fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// `subj-blob = "[" *BLOBCHAR "]" *WSP`, BLOBCHAR being anything but `[`
/// and `]`: its length at the start of `s`.
fn blob_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let close = 1 + b[1..].iter().position(|&c| c == b'[' || c == b']')?;
    if b[close] != b']' {
        return None;
    }
    let spaces = b[close + 1..].iter().take_while(|&&c| c == b' ').count();
    Some(close + 1 + spaces)
}

/// `subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"`: its length.
fn refwd_len(s: &str) -> Option<usize> {
    let mut n = if starts_with_ignore_case(s, "fwd") {
        3
    } else if starts_with_ignore_case(s, "fw") || starts_with_ignore_case(s, "re") {
        2
    } else {
        return None;
    };
    n += s.as_bytes()[n..].iter().take_while(|&&c| c == b' ').count();
    if let Some(b) = blob_len(&s[n..]) {
        n += b;
    }
    (s.as_bytes().get(n) == Some(&b':')).then_some(n + 1)
}

/// What starts a subject: `*subj-blob subj-refwd` (its length), or only
/// blobs (possibly none): where the last one starts and where they end.
enum Leader {
    Found(usize),
    Blobs { last: usize, end: usize },
}

/// `subj-leader`'s first form, `*subj-blob subj-refwd`, at the start of `s`.
fn leader(s: &str) -> Leader {
    let (mut at, mut last) = (0, 0);
    loop {
        if let Some(n) = refwd_len(&s[at..]) {
            return Leader::Found(at + n);
        }
        match blob_len(&s[at..]) {
            Some(n) => {
                last = at;
                at += n;
            }
            None => return Leader::Blobs { last, end: at },
        }
    }
}

/// RFC 5051 i;unicode-casemap, which RFC 5256 §7 requires SORT and THREAD
/// to collate with: each character is replaced by its titlecase mapping,
/// then the string is fully decomposed (NFKD). Two strings compare as the
/// byte strings of their keys; equal keys are equal strings.
pub fn unicode_casemap(s: &str) -> String {
    s.chars().map(titlecase).nfkd().collect()
}

/// The simple titlecase mapping: the uppercase one, except for the four
/// Latin digraphs that have a distinct titlecase form; characters whose
/// uppercase is several characters (ß) have no simple mapping and stay.
fn titlecase(c: char) -> char {
    match c {
        '\u{01C4}'..='\u{01C6}' => '\u{01C5}',
        '\u{01C7}'..='\u{01C9}' => '\u{01C8}',
        '\u{01CA}'..='\u{01CC}' => '\u{01CB}',
        '\u{01F1}'..='\u{01F3}' => '\u{01F2}',
        _ => {
            let mut up = c.to_uppercase();
            match (up.next(), up.next()) {
                (Some(u), None) => u,
                _ => c,
            }
        }
    }
}

#[cfg(test)]
mod tests;
