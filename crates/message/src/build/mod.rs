//! Messages the server writes itself: DSNs, notices, vacation replies, and
//! the `Received` trace field.
//!
//! Every builder returns a complete message with CRLF line endings, ASCII
//! headers (non-ASCII text RFC 2047-encoded) and a quoted-printable UTF-8
//! text body, so it can travel over any SMTP path, 8BITMIME or not.
//! Builders take the date and ids as arguments: they read no clock.

mod dsn;
mod notice;
mod received;

pub use dsn::{DsnAction, DsnParams, DsnRecipient, ReturnContent, build_dsn};
pub use notice::{VacationReply, build_notice, build_vacation_reply};
pub use received::{WithProtocol, received_header};

use crate::headers::{encode_unstructured, format_field};
use vesontio_types::Address;

/// An address with an optional display name (RFC 5322 §3.4 `name-addr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: Address,
}

impl Mailbox {
    pub fn new(name: impl Into<String>, address: Address) -> Self {
        Mailbox {
            name: Some(name.into()),
            address,
        }
    }

    /// The `mailbox` as a header value: `"Name" <a@b>` or `=?UTF-8?Q?...?= <a@b>`.
    pub fn to_header(&self) -> String {
        match self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            None => format!("<{}>", self.address),
            Some(n) if n.is_ascii() => {
                let escaped: String = n
                    .chars()
                    .filter(|c| !c.is_ascii_control())
                    .flat_map(|c| {
                        if c == '"' || c == '\\' {
                            vec!['\\', c]
                        } else {
                            vec![c]
                        }
                    })
                    .collect();
                format!("\"{escaped}\" <{}>", self.address)
            }
            Some(n) => format!("{} <{}>", encode_unstructured(n), self.address),
        }
    }
}

impl From<Address> for Mailbox {
    fn from(address: Address) -> Self {
        Mailbox {
            name: None,
            address,
        }
    }
}

/// Appends a folded header field and its CRLF.
pub(crate) fn push_field(out: &mut String, name: &str, value: &str) {
    out.push_str(&format_field(name, value));
    out.push_str("\r\n");
}

/// Quoted-printable (RFC 2045 §6.7) of UTF-8 text; line breaks become CRLF,
/// lines are cut with soft breaks before 76 characters.
pub(crate) fn quoted_printable(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        let mut len = 0;
        let bytes = line.as_bytes();
        for (j, &b) in bytes.iter().enumerate() {
            let last = j + 1 == bytes.len();
            // RFC 2045 §6.7 rule 3: a space or tab ending a line is encoded.
            let literal =
                (b == b' ' || b == b'\t') && !last || (33..=126).contains(&b) && b != b'=';
            let piece = if literal {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if len + piece.len() > 75 {
                out.push_str("=\r\n");
                len = 0;
            }
            out.push_str(&piece);
            len += piece.len();
        }
    }
    out
}

/// A MIME boundary (RFC 2046 §5.1.1) that does not occur in any of `parts`.
pub(crate) fn boundary(seed: &str, parts: &[&[u8]]) -> String {
    let seed: String = seed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(40)
        .collect();
    let mut n = 0u32;
    loop {
        let b = format!("=_vesontio_{seed}_{n}");
        if !parts.iter().any(|p| contains(p, b.as_bytes())) {
            return b;
        }
        n += 1;
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// `<id>` from an id given with or without brackets.
pub(crate) fn angle(id: &str) -> String {
    format!(
        "<{}>",
        id.trim().trim_start_matches('<').trim_end_matches('>')
    )
}
