//! BODY[section] extraction (RFC 9051 §6.4.5), BINARY decoding (RFC 3516)
//! and decoded text for SEARCH BODY/TEXT (RFC 9051 §6.4.4).

use crate::command::{Section, SectionText};
use vesontio_message::mime::{MimeTree, Part, PartKind, header_fields, raw_header, split_header};

/// Why BINARY could not decode a part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BinaryError {
    /// No such part.
    #[error("no such part")]
    NoSuchPart,
    /// RFC 3516 §4.3: `NO [UNKNOWN-CTE]`.
    #[error("unknown content-transfer-encoding")]
    UnknownCte,
}

/// Resolves part numbers (RFC 9051 §6.4.5): in a multipart, part N is its
/// Nth child; a non-multipart entity's only part is 1 (its own body); after
/// a message/rfc822 part, numbers address the encapsulated message.
fn resolve<'a>(root: &'a Part, path: &[u32]) -> Option<&'a Part> {
    let mut cur = root;
    for (i, &n) in path.iter().enumerate() {
        let base = match &cur.kind {
            PartKind::Message(inner) if i > 0 => inner.as_ref(),
            _ => cur,
        };
        cur = match &base.kind {
            PartKind::Multipart(children) => {
                children.get(usize::try_from(n).ok()?.checked_sub(1)?)?
            }
            _ if n == 1 => base,
            _ => return None,
        };
    }
    Some(cur)
}

/// Header fields filtered by name, followed by the blank line (RFC 9051 §6.4.5).
fn filter_header(header: &[u8], names: &[String], keep: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for f in header_fields(header) {
        let name = f
            .iter()
            .position(|&b| b == b':')
            .map(|c| f[..c].trim_ascii())
            .unwrap_or(&[]);
        let listed = names
            .iter()
            .any(|n| n.as_bytes().eq_ignore_ascii_case(name));
        if listed == keep && !name.is_empty() {
            out.extend_from_slice(f);
            if !f.ends_with(b"\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Data of `BODY[section]` (before any `<partial>`); `None` when the section
/// does not exist (the server answers NIL or an empty string).
pub fn section(raw: &[u8], s: &Section) -> Option<Vec<u8>> {
    if s.part.is_empty() {
        // The top-level message: its header and body split, without the
        // MIME tree (the commonest requests: BODY[], HEADER, HEADER.FIELDS).
        let split = split_header(raw).min(raw.len());
        let (header, body) = raw.split_at(split);
        return Some(match &s.text {
            None => raw.to_vec(),
            Some(SectionText::Mime | SectionText::Header) => header.to_vec(),
            Some(SectionText::Text) => body.to_vec(),
            Some(SectionText::HeaderFields(names)) => filter_header(header, names, true),
            Some(SectionText::HeaderFieldsNot(names)) => filter_header(header, names, false),
        });
    }
    let tree = MimeTree::parse(raw);
    let root = tree.root();
    let part = resolve(root, &s.part)?;
    // The entity whose header/text HEADER and TEXT address.
    let msg = if s.part.is_empty() {
        Some(root)
    } else {
        match &part.kind {
            PartKind::Message(inner) => Some(inner.as_ref()),
            _ => None,
        }
    };
    let bytes = |r: &std::ops::Range<usize>| raw.get(r.clone()).map(<[u8]>::to_vec);
    match &s.text {
        None if s.part.is_empty() => Some(raw.to_vec()),
        None => bytes(&part.body),
        Some(SectionText::Mime) => bytes(&part.header),
        Some(SectionText::Header) => bytes(&msg?.header),
        Some(SectionText::Text) => bytes(&msg?.body),
        Some(SectionText::HeaderFields(names)) => {
            Some(filter_header(raw.get(msg?.header.clone())?, names, true))
        }
        Some(SectionText::HeaderFieldsNot(names)) => {
            Some(filter_header(raw.get(msg?.header.clone())?, names, false))
        }
    }
}

/// Applies `<offset.count>` (RFC 9051 §6.4.5): an origin past the end gives empty data.
pub fn partial(data: &[u8], offset: u32, count: u32) -> &[u8] {
    let start = (offset as usize).min(data.len());
    let end = start.saturating_add(count as usize).min(data.len());
    &data[start..end]
}

/// Decodes a part's body per its Content-Transfer-Encoding (RFC 3516 §4.2).
/// An empty path is the whole message, returned as is.
pub fn binary(raw: &[u8], path: &[u32]) -> Result<Vec<u8>, BinaryError> {
    if path.is_empty() {
        return Ok(raw.to_vec());
    }
    let tree = MimeTree::parse(raw);
    let part = resolve(tree.root(), path).ok_or(BinaryError::NoSuchPart)?;
    let body = raw.get(part.body.clone()).ok_or(BinaryError::NoSuchPart)?;
    if !matches!(part.kind, PartKind::Leaf) {
        return Ok(body.to_vec());
    }
    let enc = raw_header(
        raw.get(part.header.clone()).unwrap_or_default(),
        "Content-Transfer-Encoding",
    )
    .map(|e| e.to_ascii_lowercase())
    .unwrap_or_default();
    match enc.as_slice() {
        b"" | b"7bit" | b"8bit" | b"binary" => Ok(body.to_vec()),
        b"base64" => {
            let clean: Vec<u8> = body
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            mail_parser::decoders::base64::base64_decode(&clean).ok_or(BinaryError::UnknownCte)
        }
        b"quoted-printable" => {
            mail_parser::decoders::quoted_printable::quoted_printable_decode(body)
                .ok_or(BinaryError::UnknownCte)
        }
        _ => Err(BinaryError::UnknownCte),
    }
}

/// `BINARY.SIZE[part]`: size of the decoded part.
pub fn binary_size(raw: &[u8], path: &[u32]) -> Result<u64, BinaryError> {
    binary(raw, path).map(|d| d.len() as u64)
}

/// Decoded text of the message's text parts (transfer encoding and charset
/// undone, HTML reduced to text), for SEARCH BODY: the MIME model's
/// (`vesontio_message::mime::body_text`).
pub fn search_text(raw: &[u8]) -> String {
    vesontio_message::mime::body_text(raw)
}
