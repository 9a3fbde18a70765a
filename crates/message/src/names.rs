//! Every file name a mail client could give one MIME part (R7).
//!
//! Clients disagree on how they read `name` and `filename`, and an attacker
//! picks the reading a filter does not make. So R7 reads a part's header
//! block every way a common client does, and any candidate counts:
//! - every `name` (RFC 2046 §4.5.1, `Content-Type`) and `filename`
//!   (RFC 2183 §2.3, `Content-Disposition`) parameter, in either field,
//!   every occurrence (duplicates: the first wins in some clients, the
//!   last in others);
//! - RFC 2231 §3 continuations (`filename*0=`, `filename*1=`) and §4
//!   `charset'language'percent-encoding`;
//! - RFC 2047 encoded words, also inside quoted strings (RFC 2047 §5
//!   forbids them there; Outlook, Thunderbird and Apple Mail decode them);
//! - folded lines (RFC 5322 §2.2.3), also a fold between `=` and the value;
//! - line breaks read as CRLF only (RFC 5322 §2.2) and again as any bare CR
//!   or LF, which some readers take for a line break.
//!
//! [`readings`] then gives the forms one name takes on a screen or a disk:
//! cut at a NUL (C strings), with invisible and bidi characters removed,
//! and as displayed under a right-to-left override.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::parsers::MessageStream;

/// Every candidate file name of one MIME part, read from its raw header
/// block (the bytes from the first field to the empty line). Names come
/// decoded, in no particular order, without duplicates; backslashes are
/// not touched and control characters are kept (see [`readings`]).
pub fn part_file_names(header: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut read = |breaks| {
        for line in logical_lines(header, breaks) {
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let field = trim(&line[..colon]);
            if field.eq_ignore_ascii_case(b"content-type")
                || field.eq_ignore_ascii_case(b"content-disposition")
            {
                names_from_params(&params(&line[colon + 1..]), &mut out);
            }
        }
    };
    read(Breaks::CrLf);
    if has_bare_break(header) {
        read(Breaks::Any);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|n: &String| !n.trim().is_empty() && seen.insert(n.clone()));
    out
}

/// The forms `name` takes for the program that opens it or the person who
/// sees it: as written; cut at the first control character (a NUL ends a
/// C string) and with control characters removed; with invisible and
/// bidirectional formatting characters removed; and as displayed, where
/// U+202E RIGHT-TO-LEFT OVERRIDE reverses what follows
/// (`facture\u{202E}fdp.exe` is shown `facturexe.pdf`).
pub fn readings(name: &str) -> Vec<String> {
    let mut bases = vec![name.to_string()];
    if let Some(p) = name.find(|c: char| c.is_control()) {
        bases.push(name[..p].to_string());
        bases.push(name.chars().filter(|c| !c.is_control()).collect());
    }
    let mut out: Vec<String> = Vec::new();
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    for b in bases {
        push(b.chars().filter(|&c| !is_invisible(c)).collect());
        let chars: Vec<char> = b.chars().collect();
        push(displayed(&chars));
        push(b);
    }
    out
}

/// `name` fit to be shown in a notice or a reply: invisible and bidi
/// formatting characters removed (so the true order is seen), control
/// characters as `?`.
pub fn shown(name: &str) -> String {
    name.chars()
        .filter(|&c| !is_invisible(c))
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Characters that take no room on screen: Unicode's bidirectional
/// formatting characters (UAX #9 §2), zero-width characters and the other
/// default-ignorable code points a name could hide behind.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}'
        | '\u{FFF0}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
}

/// The visual order under explicit overrides, simplified: a run opened by
/// U+202E (RLO) up to its U+202C (PDF) or the end is reversed; other
/// formatting characters are dropped. Latin file names have no strong
/// right-to-left letters, so this is what a screen shows.
fn displayed(chars: &[char]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\u{202E}' {
            let mut depth = 1;
            let mut j = i + 1;
            while j < chars.len() {
                match chars[j] {
                    '\u{202A}'..='\u{202B}' | '\u{202D}'..='\u{202E}' => depth += 1,
                    '\u{202C}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let inner = displayed(&chars[i + 1..j.min(chars.len())]);
            out.extend(inner.chars().rev());
            i = j + 1;
        } else {
            if !is_invisible(c) {
                out.push(c);
            }
            i += 1;
        }
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Breaks {
    /// RFC 5322 §2.2: only CRLF ends a line.
    CrLf,
    /// Any CR, LF or CRLF ends a line.
    Any,
}

fn has_bare_break(b: &[u8]) -> bool {
    b.iter().enumerate().any(|(i, &c)| {
        (c == b'\r' && b.get(i + 1) != Some(&b'\n'))
            || (c == b'\n' && (i == 0 || b[i - 1] != b'\r'))
    })
}

/// The header fields of a block, unfolded (RFC 5322 §2.2.3: a line that
/// starts with a space or a tab continues the previous one).
fn logical_lines(header: &[u8], breaks: Breaks) -> Vec<Vec<u8>> {
    let mut physical: Vec<&[u8]> = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < header.len() {
        let len = match (header[i], header.get(i + 1)) {
            (b'\r', Some(b'\n')) => 2,
            (b'\r' | b'\n', _) if breaks == Breaks::Any => 1,
            _ => 0,
        };
        if len > 0 {
            physical.push(&header[start..i]);
            i += len;
            start = i;
        } else {
            i += 1;
        }
    }
    physical.push(&header[start..]);
    let mut out: Vec<Vec<u8>> = Vec::new();
    for l in physical {
        match (l.first(), out.last_mut()) {
            (Some(b' ' | b'\t'), Some(last)) => last.extend_from_slice(l),
            (Some(_), _) => out.push(l.to_vec()),
            (None, _) => {}
        }
    }
    out
}

/// One `attribute=value` found in a field value.
struct Param {
    /// Lower case, RFC 2231 suffix included (`filename*0*`).
    attr: String,
    /// The readings of the value: the quoted string or the token, and the
    /// looser forms some parsers take (see [`params`]).
    values: Vec<Vec<u8>>,
}

/// RFC 2045 §5.1 token characters (`*` included for RFC 2231 names).
fn is_attr_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`{|}~".contains(&b)
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t' || b == b'\r' || b == b'\n'
}

fn trim(mut b: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = b
        && is_wsp(*first)
    {
        b = rest;
    }
    while let [rest @ .., last] = b
        && is_wsp(*last)
    {
        b = rest;
    }
    b
}

/// Every `attribute = value` of a field value, wherever it stands: after a
/// `;` as RFC 2045 §5.1 wants, but also without one (`attachment
/// filename=x`) and with blanks around `=` (a folded value). A quoted value
/// runs to its closing quote, or to the end when there is none; a token to
/// the next `;`, and also to the first blank (clients differ).
fn params(v: &[u8]) -> Vec<Param> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'"' {
            i = quoted(v, i).1;
            continue;
        }
        if !is_attr_char(v[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < v.len() && is_attr_char(v[i]) {
            i += 1;
        }
        let attr = &v[start..i];
        let mut j = i;
        while j < v.len() && is_wsp(v[j]) {
            j += 1;
        }
        if v.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < v.len() && is_wsp(v[j]) {
            j += 1;
        }
        let mut values = Vec::new();
        if v.get(j) == Some(&b'"') {
            let (q, end) = quoted(v, j);
            // Bytes glued after the closing quote (`"a.pdf"x.exe`): some
            // parsers append them.
            let tail_end = v[end..]
                .iter()
                .position(|&b| b == b';')
                .map_or(v.len(), |p| end + p);
            let tail = trim(&v[end..tail_end]);
            if !tail.is_empty() {
                let mut joined = q.clone();
                joined.extend_from_slice(tail);
                values.push(joined);
            }
            values.push(q);
            i = end;
        } else {
            let end = v[j..]
                .iter()
                .position(|&b| b == b';')
                .map_or(v.len(), |p| j + p);
            let whole = trim(&v[j..end]);
            let first_word = whole
                .iter()
                .position(|&b| is_wsp(b))
                .map_or(whole, |p| &whole[..p]);
            values.push(whole.to_vec());
            if first_word.len() != whole.len() {
                values.push(first_word.to_vec());
            }
            i = end;
        }
        out.push(Param {
            attr: String::from_utf8_lossy(attr).to_ascii_lowercase(),
            values,
        });
    }
    out
}

/// The content of the quoted string starting at `v[start] == '"'`
/// (RFC 5322 §3.2.4: a backslash quotes the next byte) and the index after
/// it. An unterminated string runs to the end.
fn quoted(v: &[u8], start: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut i = start + 1;
    while i < v.len() {
        match v[i] {
            b'"' => return (out, i + 1),
            b'\\' if i + 1 < v.len() => {
                out.push(v[i + 1]);
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    (out, v.len())
}

/// One section of an RFC 2231 continued parameter.
struct Section<'a> {
    number: u32,
    extended: bool,
    value: &'a [u8],
}

/// The names carried by `name` and `filename` parameters, each reading.
fn names_from_params(ps: &[Param], out: &mut Vec<String>) {
    for base in ["name", "filename"] {
        let mut sections: Vec<Section<'_>> = Vec::new();
        for p in ps {
            let Some(rest) = p.attr.strip_prefix(base) else {
                continue;
            };
            for value in &p.values {
                match rest {
                    "" => {
                        // A word that does not decode stays as written,
                        // so the raw value is among the readings.
                        out.push(decode_encoded_words(&text(value, None)));
                    }
                    // RFC 2231 §4: charset'language'percent-encoded.
                    "*" => out.push(extended_value(value)),
                    _ => {
                        let rest = rest.strip_prefix('*').unwrap_or("-");
                        let (digits, extended) = match rest.strip_suffix('*') {
                            Some(d) => (d, true),
                            None => (rest, false),
                        };
                        if let Ok(number) = digits.parse::<u32>() {
                            sections.push(Section {
                                number,
                                extended,
                                value,
                            });
                        }
                    }
                }
            }
        }
        if !sections.is_empty() {
            // Duplicated sections: one reading keeps the first of each
            // number, the other the last.
            sections.sort_by_key(|s| s.number);
            for keep_last in [false, true] {
                let mut chosen: Vec<&Section<'_>> = Vec::new();
                for s in &sections {
                    match chosen.last_mut() {
                        Some(prev) if prev.number == s.number => {
                            if keep_last {
                                *prev = s;
                            }
                        }
                        _ => chosen.push(s),
                    }
                }
                out.push(decode_encoded_words(&join_sections(&chosen)));
            }
        }
    }
}

/// RFC 2231 §3: the sections in order; §4.1: extended ones are
/// percent-decoded and the first may name the charset.
fn join_sections(sections: &[&Section<'_>]) -> String {
    let mut bytes = Vec::new();
    let mut charset: Option<&[u8]> = None;
    for (i, s) in sections.iter().enumerate() {
        if !s.extended {
            bytes.extend_from_slice(s.value);
            continue;
        }
        let mut v = s.value;
        if i == 0
            && let Some((cs, rest)) = split_charset(v)
        {
            charset = Some(cs);
            v = rest;
        }
        bytes.extend(percent_decode(v));
    }
    text(&bytes, charset)
}

/// `charset'language'rest` → (charset, rest).
fn split_charset(v: &[u8]) -> Option<(&[u8], &[u8])> {
    let a = v.iter().position(|&b| b == b'\'')?;
    let b = v[a + 1..].iter().position(|&b| b == b'\'')? + a + 1;
    Some((&v[..a], &v[b + 1..]))
}

fn extended_value(v: &[u8]) -> String {
    match split_charset(v) {
        Some((cs, rest)) => text(&percent_decode(rest), Some(cs)),
        None => text(&percent_decode(v), None),
    }
}

fn percent_decode(v: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'%'
            && let (Some(h), Some(l)) = (
                v.get(i + 1).copied().and_then(hex),
                v.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(v[i]);
            i += 1;
        }
    }
    out
}

/// Bytes as text: in `charset` when it is known, else UTF-8 (RFC 6532)
/// when they are valid UTF-8, else Windows-1252 (what 8-bit headers
/// usually are).
fn text(bytes: &[u8], charset: Option<&[u8]>) -> String {
    if let Some(decode) = charset.and_then(charset_decoder) {
        return decode(bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => match charset_decoder(b"windows-1252") {
            Some(decode) => decode(bytes),
            None => String::from_utf8_lossy(bytes).into_owned(),
        },
    }
}

/// RFC 2047 encoded words decoded wherever they are; blanks between two
/// adjacent encoded words go (RFC 2047 §6.2).
pub(crate) fn decode_encoded_words(s: &str) -> String {
    if !s.contains("=?") {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut blanks = String::new();
    let mut after_word = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && bytes.get(i + 1) == Some(&b'?') {
            let mut stream = MessageStream::new(&bytes[i + 1..]);
            if let Some(word) = stream.decode_rfc2047() {
                if !after_word {
                    out.push_str(&blanks);
                }
                blanks.clear();
                out.push_str(&word);
                i += 1 + stream.offset();
                after_word = true;
                continue;
            }
        }
        let Some(c) = s.get(i..).and_then(|t| t.chars().next()) else {
            i += 1;
            continue;
        };
        if after_word && c.is_whitespace() {
            blanks.push(c);
        } else {
            out.push_str(&blanks);
            blanks.clear();
            out.push(c);
            after_word = false;
        }
        i += c.len_utf8();
    }
    out.push_str(&blanks);
    out
}
