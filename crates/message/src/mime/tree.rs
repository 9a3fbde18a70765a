//! The MIME tree of a raw message, as byte ranges (RFC 2045, RFC 2046 §5.1.1),
//! and the ENVELOPE / BODYSTRUCTURE facts read from it (RFC 9051 §7.5.2).

use std::ops::Range;

use mail_parser::{HeaderName, HeaderValue, MessageParser};

use super::{Address, BodyStructure, Envelope};

/// Deepest MIME nesting followed; deeper parts are leaves.
const MAX_DEPTH: usize = 40;

/// What a part contains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartKind {
    /// A leaf (text, image, ...).
    Leaf,
    /// multipart/*: its parts.
    Multipart(Vec<Part>),
    /// message/rfc822 (or message/global): the encapsulated message.
    Message(Box<Part>),
}

/// One MIME entity: header and body byte ranges in the raw message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The header, including the blank line that ends it.
    pub header: Range<usize>,
    /// The body.
    pub body: Range<usize>,
    /// Lower-case media type.
    pub media_type: String,
    /// Lower-case subtype.
    pub subtype: String,
    /// Children.
    pub kind: PartKind,
}

/// A parsed tree over borrowed raw bytes.
#[derive(Debug, Clone)]
pub struct MimeTree {
    root: Part,
}

/// Splits an entity at its first empty line: (header end incl. blank line, body start).
pub fn split_header(data: &[u8]) -> usize {
    if data.starts_with(b"\r\n") {
        return 2;
    }
    if data.starts_with(b"\n") {
        return 1;
    }
    let mut i = 0;
    while let Some(p) = data[i..].iter().position(|&b| b == b'\n') {
        let nl = i + p;
        let rest = &data[nl + 1..];
        if rest.starts_with(b"\r\n") {
            return nl + 3;
        }
        if rest.starts_with(b"\n") {
            return nl + 2;
        }
        i = nl + 1;
    }
    data.len()
}

/// Parses a header block with mail-parser (for RFC 2047/2231-aware values).
pub fn parse_header_block(header: &[u8]) -> Option<mail_parser::Message<'_>> {
    MessageParser::new().parse_headers(header)
}

/// Unfolded raw value of the first field `name` (RFC 5322 §2.2.3), trimmed.
pub fn raw_header(header: &[u8], name: &str) -> Option<Vec<u8>> {
    for field in header_fields(header) {
        let Some(colon) = field.iter().position(|&b| b == b':') else {
            continue;
        };
        if field[..colon]
            .trim_ascii()
            .eq_ignore_ascii_case(name.as_bytes())
        {
            let v: Vec<u8> = field[colon + 1..]
                .iter()
                .copied()
                .filter(|&b| b != b'\r' && b != b'\n')
                .collect();
            return Some(v.trim_ascii().to_vec());
        }
    }
    None
}

/// The fields of a header block, each with its continuation lines and line end.
pub fn header_fields(header: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < header.len() {
        let end = header[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(header.len(), |p| i + p + 1);
        let next_is_cont = header.get(end).is_some_and(|&b| b == b' ' || b == b'\t');
        if !next_is_cont {
            let f = &header[start..end];
            if !f.trim_ascii().is_empty() {
                out.push(f);
            }
            start = end;
        }
        i = end;
    }
    out
}

struct ContentType {
    media_type: String,
    subtype: String,
    boundary: Option<String>,
}

fn content_type(header: &[u8], default_message: bool) -> ContentType {
    let parsed = parse_header_block(header);
    let ct = parsed
        .as_ref()
        .and_then(|m| match m.header(HeaderName::ContentType) {
            Some(HeaderValue::ContentType(ct)) => Some(ct),
            _ => None,
        });
    match ct {
        Some(ct) if ct.subtype().is_some() => ContentType {
            media_type: ct.ctype().to_ascii_lowercase(),
            subtype: ct.subtype().unwrap_or_default().to_ascii_lowercase(),
            boundary: ct.attribute("boundary").map(str::to_string),
        },
        // RFC 2046 §5.1.5: in multipart/digest the default is message/rfc822.
        _ if default_message => ContentType {
            media_type: "message".into(),
            subtype: "rfc822".into(),
            boundary: None,
        },
        // RFC 2045 §5.2: default text/plain; charset=us-ascii.
        _ => ContentType {
            media_type: "text".into(),
            subtype: "plain".into(),
            boundary: None,
        },
    }
}

/// Splits a multipart body on `--boundary` lines (RFC 2046 §5.1.1); the CRLF
/// before a delimiter belongs to the delimiter.
fn split_multipart(body: &[u8], boundary: &[u8]) -> Vec<Range<usize>> {
    let mut parts = Vec::new();
    let mut open: Option<usize> = None;
    let mut line_start = 0;
    while line_start < body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| line_start + p + 1);
        let line = &body[line_start..line_end];
        if line.len() >= 2 + boundary.len()
            && line.starts_with(b"--")
            && &line[2..2 + boundary.len()] == boundary
        {
            let rest = &line[2 + boundary.len()..];
            let close = rest.starts_with(b"--");
            let rest = if close { &rest[2..] } else { rest };
            if rest.iter().all(|b| b.is_ascii_whitespace()) {
                if let Some(s) = open.take() {
                    let mut e = line_start;
                    if e > s && body[e - 1] == b'\n' {
                        e -= 1;
                        if e > s && body[e - 1] == b'\r' {
                            e -= 1;
                        }
                    }
                    parts.push(s..e.max(s));
                }
                if close {
                    return parts;
                }
                open = Some(line_end);
            }
        }
        line_start = line_end;
    }
    if let Some(s) = open {
        parts.push(s..body.len());
    }
    parts
}

fn parse_entity(raw: &[u8], range: Range<usize>, default_message: bool, depth: usize) -> Part {
    let data = &raw[range.clone()];
    let split = split_header(data);
    let header = range.start..range.start + split;
    let body = range.start + split..range.end;
    let ct = content_type(&raw[header.clone()], default_message);
    let mut kind = PartKind::Leaf;
    if depth < MAX_DEPTH {
        if ct.media_type == "multipart" {
            let boundary = ct.boundary.clone().unwrap_or_default();
            let ranges = if boundary.is_empty() {
                Vec::new()
            } else {
                split_multipart(&raw[body.clone()], boundary.as_bytes())
            };
            let digest = ct.subtype == "digest";
            let children: Vec<Part> = ranges
                .into_iter()
                .map(|r| {
                    parse_entity(
                        raw,
                        body.start + r.start..body.start + r.end,
                        digest,
                        depth + 1,
                    )
                })
                .collect();
            kind = PartKind::Multipart(children);
        } else if ct.media_type == "message" && (ct.subtype == "rfc822" || ct.subtype == "global") {
            let enc = raw_header(&raw[header.clone()], "Content-Transfer-Encoding")
                .map(|e| e.to_ascii_lowercase())
                .unwrap_or_default();
            // RFC 2046 §5.2.1: only identity encodings; an encoded one stays opaque.
            if enc.is_empty() || enc == b"7bit" || enc == b"8bit" || enc == b"binary" {
                kind =
                    PartKind::Message(Box::new(parse_entity(raw, body.clone(), false, depth + 1)));
            }
        }
    }
    Part {
        header,
        body,
        media_type: ct.media_type,
        subtype: ct.subtype,
        kind,
    }
}

fn count_lines(b: &[u8]) -> u64 {
    let n = b.iter().filter(|&&c| c == b'\n').count() as u64;
    if b.last().is_some_and(|&c| c != b'\n') {
        n + 1
    } else {
        n
    }
}

fn addresses(v: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    let split = |a: &mail_parser::Addr<'_>| {
        let email = a.address.as_deref().unwrap_or("");
        let (mailbox, host) = match email.rsplit_once('@') {
            Some((l, d)) => (l.to_string(), Some(d.to_string())),
            None => (email.to_string(), Some(String::new())),
        };
        // RFC 5322 §4.4 obs-route "<@route:user@domain>": the route is the
        // ENVELOPE's at-domain-list (RFC 9051 §7.5.2 addr-adl).
        let (adl, mailbox) = match mailbox.split_once(':') {
            Some((r, m)) if r.starts_with('@') => (Some(r.to_string()), m.to_string()),
            _ => (None, mailbox),
        };
        Address {
            name: a.name.as_deref().map(str::to_string),
            adl,
            mailbox: Some(mailbox),
            host,
        }
    };
    match v {
        None => Vec::new(),
        Some(mail_parser::Address::List(list)) => list.iter().map(split).collect(),
        Some(mail_parser::Address::Group(groups)) => {
            let mut out = Vec::new();
            for g in groups {
                match &g.name {
                    // RFC 9051 §7.5.2: group start (NIL NIL "name" NIL) ... end (NIL NIL NIL NIL).
                    Some(name) => {
                        out.push(Address {
                            mailbox: Some(name.to_string()),
                            ..Default::default()
                        });
                        // A comment alone in a group ("g: (foo) ;") is no
                        // member: the parser gives it as a name without address.
                        out.extend(
                            g.addresses
                                .iter()
                                .filter(|a| a.address.is_some())
                                .map(split),
                        );
                        out.push(Address::default());
                    }
                    None => out.extend(g.addresses.iter().map(split)),
                }
            }
            out
        }
    }
}

fn param_list(attrs: Option<&[mail_parser::Attribute<'_>]>) -> Vec<(String, String)> {
    attrs
        .unwrap_or_default()
        .iter()
        .map(|a| (a.name.to_ascii_uppercase(), a.value.to_string()))
        .collect()
}

impl MimeTree {
    /// Parses the tree of `raw`. Never fails: malformed MIME yields leaves.
    pub fn parse(raw: &[u8]) -> MimeTree {
        MimeTree {
            root: parse_entity(raw, 0..raw.len(), false, 0),
        }
    }

    /// The whole message as an entity.
    pub fn root(&self) -> &Part {
        &self.root
    }
}

impl Part {
    /// ENVELOPE of this entity's header (RFC 9051 §7.5.2).
    pub fn envelope(&self, raw: &[u8]) -> Envelope {
        let h = &raw[self.header.clone()];
        let parsed = parse_header_block(h);
        let get = |name: HeaderName<'static>| -> Vec<Address> {
            parsed
                .as_ref()
                .map_or_else(Vec::new, |m| match m.header(name) {
                    Some(HeaderValue::Address(a)) => addresses(Some(a)),
                    _ => Vec::new(),
                })
        };
        let from = get(HeaderName::From);
        let mut sender = get(HeaderName::Sender);
        let mut reply_to = get(HeaderName::ReplyTo);
        // RFC 9051 §7.5.2: absent or empty Sender/Reply-To default to From.
        if sender.is_empty() {
            sender = from.clone();
        }
        if reply_to.is_empty() {
            reply_to = from.clone();
        }
        let nonempty = |v: Option<Vec<u8>>| v.filter(|v| !v.is_empty());
        Envelope {
            date: nonempty(raw_header(h, "Date")),
            subject: raw_header(h, "Subject"),
            from,
            sender,
            reply_to,
            to: get(HeaderName::To),
            cc: get(HeaderName::Cc),
            bcc: get(HeaderName::Bcc),
            in_reply_to: nonempty(raw_header(h, "In-Reply-To")),
            message_id: nonempty(raw_header(h, "Message-ID")),
        }
    }

    /// BODYSTRUCTURE of this entity.
    pub fn structure(&self, raw: &[u8]) -> BodyStructure {
        let h = &raw[self.header.clone()];
        let body = &raw[self.body.clone()];
        let parsed = parse_header_block(h);
        let header = |name: HeaderName<'static>| parsed.as_ref().and_then(|m| m.header(name));
        let text = |name: HeaderName<'static>, raw_name: &str| -> Option<String> {
            match header(name) {
                Some(HeaderValue::Text(t)) => Some(t.to_string()),
                _ => raw_header(h, raw_name).map(|v| String::from_utf8_lossy(&v).into_owned()),
            }
            .filter(|s| !s.is_empty())
        };
        let params = match header(HeaderName::ContentType) {
            Some(HeaderValue::ContentType(ct)) if ct.subtype().is_some() => {
                param_list(ct.attributes())
            }
            _ if self.media_type == "text" => vec![("CHARSET".into(), "us-ascii".into())],
            _ => Vec::new(),
        };
        let disposition = match header(HeaderName::ContentDisposition) {
            Some(HeaderValue::ContentType(d)) => {
                Some((d.ctype().to_ascii_lowercase(), param_list(d.attributes())))
            }
            _ => None,
        };
        let language = match header(HeaderName::ContentLanguage) {
            Some(HeaderValue::TextList(l)) => l.iter().map(|s| s.to_string()).collect(),
            Some(HeaderValue::Text(t)) => vec![t.to_string()],
            _ => Vec::new(),
        };
        let encoding = raw_header(h, "Content-Transfer-Encoding")
            .map(|e| String::from_utf8_lossy(&e).to_ascii_uppercase())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| "7BIT".into());
        let id = match header(HeaderName::ContentId) {
            Some(HeaderValue::Text(t)) => Some(format!("<{t}>")),
            _ => raw_header(h, "Content-ID").map(|v| String::from_utf8_lossy(&v).into_owned()),
        };
        let mut bs = BodyStructure {
            media_type: self.media_type.to_ascii_uppercase(),
            subtype: self.subtype.to_ascii_uppercase(),
            params,
            id,
            description: text(HeaderName::ContentDescription, "Content-Description"),
            encoding,
            size: body.len() as u64,
            lines: None,
            message: None,
            parts: Vec::new(),
            md5: None,
            disposition,
            language,
            location: text(HeaderName::ContentLocation, "Content-Location"),
            header_offset: self.header.start as u64,
            body_offset: self.body.start as u64,
        };
        match &self.kind {
            PartKind::Multipart(children) => {
                bs.parts = children.iter().map(|c| c.structure(raw)).collect();
                if bs.parts.is_empty() {
                    // RFC 9051 §9 needs at least one body: an empty text part stands in.
                    bs.parts.push(BodyStructure {
                        media_type: "TEXT".into(),
                        subtype: "PLAIN".into(),
                        params: vec![("CHARSET".into(), "us-ascii".into())],
                        encoding: "7BIT".into(),
                        lines: Some(0),
                        ..Default::default()
                    });
                }
            }
            PartKind::Message(inner) => {
                bs.message = Some((
                    Box::new(inner.envelope(raw)),
                    Box::new(inner.structure(raw)),
                ));
                bs.lines = Some(count_lines(body));
            }
            PartKind::Leaf if self.media_type == "text" => bs.lines = Some(count_lines(body)),
            PartKind::Leaf => {}
        }
        bs
    }
}
