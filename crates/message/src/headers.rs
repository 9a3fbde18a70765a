//! Header editing that keeps every existing byte of the message.
//!
//! Fields are only ever prepended (RFC 5322 §3.6 allows any order; RFC 5321
//! §4.4 requires trace fields at the top), so the body, existing header
//! bytes and DKIM signatures over them are untouched.

/// The header section of `raw`: everything before the first empty line
/// (RFC 5322 §2.1), or all of it when there is no body.
fn header_section(raw: &[u8]) -> &[u8] {
    let mut i = 0;
    while i < raw.len() {
        let rest = &raw[i..];
        if rest.starts_with(b"\r\n") || rest.starts_with(b"\n") {
            return &raw[..i];
        }
        match rest.iter().position(|&b| b == b'\n') {
            Some(p) => i += p + 1,
            None => return raw,
        }
    }
    raw
}

/// True when `raw` has a header field called `name` (case-insensitive,
/// RFC 5322 §1.2.2). Continuation lines (RFC 5322 §2.2.3) are not fields.
pub fn has_header(raw: &[u8], name: &str) -> bool {
    header_field_values(raw, name).next().is_some()
}

/// The unfolded values of every field called `name`, as lossy UTF-8.
pub(crate) fn header_field_values<'a>(
    raw: &'a [u8],
    name: &'a str,
) -> impl Iterator<Item = String> + 'a {
    let head = header_section(raw);
    let lines: Vec<&[u8]> = head.split(|&b| b == b'\n').collect();
    let mut fields: Vec<Vec<u8>> = Vec::new();
    for line in lines {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            if let Some(last) = fields.last_mut() {
                last.extend_from_slice(line);
            }
        } else if !line.is_empty() {
            fields.push(line.to_vec());
        }
    }
    fields.into_iter().filter_map(move |f| {
        let colon = f.iter().position(|&b| b == b':')?;
        let fname = f[..colon].trim_ascii_end();
        if fname.eq_ignore_ascii_case(name.as_bytes()) {
            Some(String::from_utf8_lossy(&f[colon + 1..]).trim().to_string())
        } else {
            None
        }
    })
}

/// The line ending `raw` uses: messages from the network use CRLF, but a
/// message handed over by a local program may use bare LF, and a prepended
/// field must match the rest.
fn line_ending(raw: &[u8]) -> &'static [u8] {
    match raw.iter().position(|&b| b == b'\n') {
        Some(p) if p > 0 && raw[p - 1] == b'\r' => b"\r\n",
        Some(_) => b"\n",
        None => b"\r\n",
    }
}

/// Returns `raw` with the field `name: value` in front of it.
///
/// `name` must be a field name (printable ASCII without `:` or space,
/// RFC 5322 §2.2); characters outside that are dropped. CR and LF in
/// `value` are replaced by spaces so a value can never inject a field, and
/// long values are folded at spaces (RFC 5322 §2.2.3). `value` is written
/// as given: encode non-ASCII text first with [`encode_unstructured`].
pub fn prepend_header(raw: &[u8], name: &str, value: &str) -> Vec<u8> {
    let eol = line_ending(raw);
    let field = format_field(name, value);
    let mut out = Vec::with_capacity(raw.len() + field.len() + 2);
    for (i, line) in field.split("\r\n").enumerate() {
        if i > 0 {
            out.extend_from_slice(eol);
        }
        out.extend_from_slice(line.as_bytes());
    }
    out.extend_from_slice(eol);
    out.extend_from_slice(raw);
    out
}

/// `Name: value` folded to lines of at most 78 characters where spaces
/// allow (RFC 5322 §2.1.1), lines joined by CRLF, without a final CRLF.
pub fn format_field(name: &str, value: &str) -> String {
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic() && *c != ':')
        .collect();
    let value: String = value
        .chars()
        .map(|c| if c == '\r' || c == '\n' { ' ' } else { c })
        .collect();
    let mut out = format!("{name}:");
    let mut line_len = out.len();
    for (i, word) in value.split(' ').enumerate() {
        if word.is_empty() && i > 0 {
            continue;
        }
        if line_len + 1 + word.len() > 78 && line_len > name.len() + 1 {
            out.push_str("\r\n");
            line_len = 0;
        }
        out.push(' ');
        out.push_str(word);
        line_len += 1 + word.len();
    }
    out
}

/// RFC 2047 §4.2 "Q" encoding of unstructured text when it is not plain
/// ASCII; ASCII text is returned unchanged.
///
/// Encoded words use only the characters allowed in a `phrase`
/// (RFC 2047 §5 rule 3), so the result is also safe as a display name, and
/// each word stays under 75 characters (RFC 2047 §2), split between
/// characters, never inside one.
pub fn encode_unstructured(text: &str) -> String {
    if text.chars().all(|c| c.is_ascii() && !c.is_ascii_control()) {
        return text.to_string();
    }
    const MAX_PAYLOAD: usize = 75 - "=?UTF-8?Q??=".len();
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        let mut enc = String::new();
        if c == ' ' {
            enc.push('_');
        } else if c.is_ascii_alphanumeric() || "!*+-/".contains(c) {
            enc.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                enc.push_str(&format!("={b:02X}"));
            }
        }
        if cur.len() + enc.len() > MAX_PAYLOAD {
            words.push(std::mem::take(&mut cur));
        }
        cur.push_str(&enc);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
        .iter()
        .map(|w| format!("=?UTF-8?Q?{w}?="))
        .collect::<Vec<_>>()
        .join(" ")
}

/// R4: adds `Sensitivity: Private` (RFC 2156 §5.3.4, understood by Outlook)
/// unless the message already has a `Sensitivity` field.
pub fn add_sensitivity_private(raw: &[u8]) -> Vec<u8> {
    if has_header(raw, "Sensitivity") {
        raw.to_vec()
    } else {
        prepend_header(raw, "Sensitivity", "Private")
    }
}

/// Makes sure the message has a `Message-ID` (RFC 5322 §3.6.4; RFC 6409
/// §8.3 lets a submission server add one) and returns it without angle
/// brackets.
///
/// When one is present it is kept as is. Otherwise `<unique@hostname>` is
/// prepended; `unique` must be unique on this host (a UUID, a queue id).
pub fn ensure_message_id(raw: &[u8], hostname: &str, unique: &str) -> (Vec<u8>, String) {
    if let Some(v) = header_field_values(raw, "Message-ID").next() {
        let id = v
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .to_string();
        if !id.is_empty() {
            return (raw.to_vec(), id);
        }
    }
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_graphic() && !"<>@()[]\\\",;:".contains(*c))
            .collect()
    };
    let id = format!("{}@{}", clean(unique), clean(hostname));
    (prepend_header(raw, "Message-ID", &format!("<{id}>")), id)
}

/// Text for a place that must be plain ASCII (an SMTP reply, a
/// delivery-status field): French accents folded (`é` -> `e`, `É` -> `E`),
/// other non-ASCII and control characters replaced by `?`.
pub fn to_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            '«' | '»' | '“' | '”' => out.push('"'),
            '’' | '‘' => out.push('\''),
            '\u{a0}' | '\u{202f}' => out.push(' '),
            _ => {
                let f = crate::privacy::fold(c);
                let f = if c.is_uppercase() && f.is_ascii() {
                    f.to_ascii_uppercase()
                } else {
                    f
                };
                out.push(if f.is_ascii() && !f.is_ascii_control() {
                    f
                } else {
                    '?'
                });
            }
        }
    }
    out
}
