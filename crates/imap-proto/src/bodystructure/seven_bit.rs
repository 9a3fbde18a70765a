//! RFC 3516 §4.3: a message APPENDed as `literal8` may carry binary parts
//! (`Content-Transfer-Encoding: binary`, NUL octets included) that a
//! non-BINARY FETCH cannot send (RFC 9051 §4.3: no NUL in a literal;
//! `BODY[]` takes no `literal8`). The server may store them re-encoded:
//! [`binary_to_base64`] turns each such leaf into base64 and changes its
//! header to say so; `BINARY[]` still returns the original octets.

use std::ops::Range;

use vesontio_message::mime::{MimeTree, Part, PartKind};

/// Base64 lines are at most 76 characters (RFC 2045 §6.8).
const LINE: usize = 76;

/// The value of the entity's Content-Transfer-Encoding field (trimmed),
/// as a range of `raw`.
fn cte_value(raw: &[u8], header: Range<usize>) -> Option<Range<usize>> {
    const NAME: &[u8] = b"content-transfer-encoding:";
    let mut pos = header.start;
    while pos < header.end {
        let end = raw[pos..header.end]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(header.end, |p| pos + p);
        let line = &raw[pos..end];
        if line.len() >= NAME.len() && line[..NAME.len()].eq_ignore_ascii_case(NAME) {
            let mut a = pos + NAME.len();
            let mut b = end;
            while a < b && raw[a].is_ascii_whitespace() {
                a += 1;
            }
            while b > a && raw[b - 1].is_ascii_whitespace() {
                b -= 1;
            }
            return Some(a..b);
        }
        pos = end + 1;
    }
    None
}

fn leaves<'a>(p: &'a Part, out: &mut Vec<&'a Part>) {
    match &p.kind {
        PartKind::Leaf => out.push(p),
        PartKind::Multipart(v) => v.iter().for_each(|c| leaves(c, out)),
        PartKind::Message(m) => leaves(m, out),
    }
}

/// `raw` with every `binary` leaf re-encoded as base64, or `None` when
/// it has none.
pub fn binary_to_base64(raw: &[u8]) -> Option<Vec<u8>> {
    let tree = MimeTree::parse(raw);
    let mut ls = Vec::new();
    leaves(tree.root(), &mut ls);
    let mut edits: Vec<(Range<usize>, Vec<u8>)> = Vec::new();
    for p in ls {
        let Some(v) = cte_value(raw, p.header.clone()) else {
            continue;
        };
        if !raw[v.clone()].eq_ignore_ascii_case(b"binary") {
            continue;
        }
        edits.push((v, b"base64".to_vec()));
        let text = crate::base64::encode(&raw[p.body.clone()]);
        let mut body = Vec::with_capacity(text.len() + text.len() / LINE * 2 + 2);
        for (i, chunk) in text.as_bytes().chunks(LINE).enumerate() {
            if i > 0 {
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(chunk);
        }
        if p.body.end == raw.len() {
            // The message's own body: end its last line.
            body.extend_from_slice(b"\r\n");
        }
        edits.push((p.body.clone(), body));
    }
    if edits.is_empty() {
        return None;
    }
    edits.sort_by_key(|e| e.0.start);
    let mut out = Vec::with_capacity(raw.len() * 4 / 3 + 64);
    let mut pos = 0;
    for (r, rep) in edits {
        if r.start < pos {
            continue;
        }
        out.extend_from_slice(&raw[pos..r.start]);
        out.extend_from_slice(&rep);
        pos = r.end;
    }
    out.extend_from_slice(&raw[pos..]);
    Some(out)
}
