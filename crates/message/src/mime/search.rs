//! The text a search looks at, decoded once at ingest and stored: every
//! header field's decoded value and the decoded text of the text parts
//! (transfer encodings and charsets undone, HTML reduced to text, nested
//! messages included), lower-cased for case-insensitive substring matching
//! (IMAP SEARCH, RFC 9051 §6.4.4) and for the store's trigram index.

/// Decoded body text kept per message, in bytes; beyond it a search sees
/// only the beginning (a 10 MB text attachment is not mail to search).
pub const BODY_MAX: usize = 512 * 1024;

/// What a search matches against.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SearchText {
    /// (lower-case field name, lower-case decoded value), in order.
    pub headers: Vec<(String, String)>,
    /// Lower-case decoded text of the text parts.
    pub body: String,
    /// The Date field's calendar date as written (year, month, day).
    pub sent: Option<(u16, u8, u8)>,
}

impl SearchText {
    /// Decodes a raw message; never panics (mail-parser runs behind
    /// `catch_unwind`, as everywhere on peer input).
    pub fn of(raw: &[u8]) -> SearchText {
        std::panic::catch_unwind(|| build(raw)).unwrap_or_default()
    }

    /// The header fields as one text, a field per line (`name:value`),
    /// values with line breaks flattened: what the store indexes and keeps.
    pub fn head_text(&self) -> String {
        let mut out = String::new();
        if let Some((y, m, d)) = self.sent {
            out.push_str(&format!("\u{1}date:{y:04}-{m:02}-{d:02}\n"));
        }
        for (n, v) in &self.headers {
            out.push_str(n);
            out.push(':');
            out.extend(
                v.chars()
                    .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
            );
            out.push('\n');
        }
        out
    }

    /// The inverse of [`SearchText::head_text`] with the stored body.
    pub fn from_stored(head: &str, body: String) -> SearchText {
        let mut out = SearchText {
            body,
            ..Default::default()
        };
        for line in head.lines() {
            if let Some(date) = line.strip_prefix("\u{1}date:") {
                let mut it = date.split('-').map(|p| p.parse::<u32>().ok());
                if let (Some(Some(y)), Some(Some(m)), Some(Some(d))) =
                    (it.next(), it.next(), it.next())
                {
                    out.sent = Some((y as u16, m as u8, d as u8));
                }
                continue;
            }
            if let Some((n, v)) = line.split_once(':') {
                out.headers.push((n.to_string(), v.to_string()));
            }
        }
        out
    }

    /// Whether a field named `name` (any case) contains `needle`.
    pub fn header_has(&self, name: &str, needle: &str) -> bool {
        let needle = needle.to_lowercase();
        self.headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case(name) && v.contains(&needle))
    }
}

fn build(raw: &[u8]) -> SearchText {
    match mail_parser::MessageParser::default().parse(raw) {
        Some(msg) => of_message(&msg),
        None => SearchText::default(),
    }
}

/// The search text of a parsed message: its top-level header fields and
/// the text of its text parts (one parse serves the model and this, see
/// [`super::Model::with_search_text`]).
pub(crate) fn of_message(msg: &mail_parser::Message<'_>) -> SearchText {
    let mut body = String::new();
    collect_text(msg, &mut body, 0);
    let mut body = body.to_lowercase();
    if body.len() > BODY_MAX {
        let mut cut = BODY_MAX;
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        body.truncate(cut);
    }
    let headers = msg
        .headers()
        .iter()
        .map(|h| {
            (
                h.name.as_str().to_ascii_lowercase(),
                header_text(&h.value).to_lowercase(),
            )
        })
        .collect();
    let sent = msg.date().map(|d| (d.year, d.month, d.day));
    SearchText {
        headers,
        body,
        sent,
    }
}

/// Decoded text of the message's text parts (transfer encoding and charset
/// undone, HTML reduced to text), in original case.
pub fn body_text(raw: &[u8]) -> String {
    match mail_parser::MessageParser::default().parse(raw) {
        Some(msg) => body_text_of(&msg),
        None => String::new(),
    }
}

/// [`body_text`] of a message already parsed.
pub fn body_text_of(msg: &mail_parser::Message<'_>) -> String {
    let mut out = String::new();
    collect_text(msg, &mut out, 0);
    out
}

fn collect_text(msg: &mail_parser::Message<'_>, out: &mut String, depth: usize) {
    for part in &msg.parts {
        match &part.body {
            mail_parser::PartType::Text(t) => {
                out.push_str(t);
                out.push('\n');
            }
            mail_parser::PartType::Html(h) => {
                out.push_str(&html_text(h));
                out.push('\n');
            }
            mail_parser::PartType::Message(m) if depth < 8 => collect_text(m, out, depth + 1),
            _ => {}
        }
    }
}

/// The text a reader sees in an HTML body: mail-parser's `html_to_text`
/// after the elements that are never displayed (`head`, `title`,
/// `style`, `script`, `template`) are removed with their content, so that
/// neither a preview nor a search shows CSS or code.
pub(crate) fn html_text(html: &str) -> String {
    mail_parser::decoders::html::html_to_text(&strip_hidden(html))
}

fn strip_hidden(html: &str) -> String {
    const HIDDEN: [&str; 5] = ["head", "title", "style", "script", "template"];
    // ASCII lower-casing keeps byte offsets, so positions found in `lower`
    // are valid in `html`.
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut at = 0;
    while let Some(rel) = lower[at..].find('<') {
        let open = at + rel;
        let rest = &lower[open + 1..];
        let hidden = HIDDEN.iter().find(|t| {
            rest.starts_with(*t)
                && rest[t.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == '>' || c == '/' || c.is_ascii_whitespace())
        });
        let Some(tag) = hidden else {
            out.push_str(&html[at..=open]);
            at = open + 1;
            continue;
        };
        out.push_str(&html[at..open]);
        let close = format!("</{tag}");
        at = match lower[open..].find(&close) {
            Some(c) => {
                let end = open + c;
                lower[end..].find('>').map_or(html.len(), |g| end + g + 1)
            }
            None => html.len(),
        };
    }
    out.push_str(&html[at..]);
    out
}

fn header_text(v: &mail_parser::HeaderValue<'_>) -> String {
    use mail_parser::{Address, HeaderValue};
    let list = |l: &[mail_parser::Addr<'_>]| -> String {
        l.iter()
            .map(|a| {
                format!(
                    "{} <{}>",
                    a.name.as_deref().unwrap_or(""),
                    a.address.as_deref().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let addrs = |a: &Address<'_>| -> String {
        match a {
            Address::List(l) => list(l),
            // RFC 5322 §3.4 groups: the display name is searchable too
            // ("To: team: a@x, b@y;" and the empty "To: team:;").
            Address::Group(g) => g
                .iter()
                .map(|g| {
                    format!(
                        "{}: {};",
                        g.name.as_deref().unwrap_or(""),
                        list(&g.addresses)
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        }
    };
    match v {
        HeaderValue::Address(a) => addrs(a),
        HeaderValue::Text(t) => t.to_string(),
        HeaderValue::TextList(l) => l.join(", "),
        HeaderValue::DateTime(d) => d.to_rfc822(),
        HeaderValue::ContentType(c) => match &c.c_subtype {
            Some(s) => format!("{}/{}", c.c_type, s),
            None => c.c_type.to_string(),
        },
        _ => String::new(),
    }
}
