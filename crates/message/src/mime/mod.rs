//! The one MIME model of the platform: the tree of a message as byte
//! ranges, and the facts every client reads from it — the ENVELOPE and
//! BODYSTRUCTURE of RFC 9051 §7.5.2, which imap-proto encodes, and the
//! [`Model`] parsed once at ingest and stored with the message, which IMAP,
//! the webmail and the filters read instead of the body.
//!
//! The tree is split on raw bytes (so offsets, sizes and line counts are
//! exact); header values are decoded with mail-parser (RFC 2047, RFC 2231
//! parameters, addresses).

mod bytes_text;
mod model;
mod search;
mod tree;

pub(crate) use model::with_search_text_of;
pub use model::{Model, ModelError, msg_ids};
pub use search::{BODY_MAX, SearchText, body_text, body_text_of};
pub use tree::{
    MimeTree, Part, PartKind, header_fields, parse_header_block, raw_header, split_header,
};

use serde::{Deserialize, Serialize};

/// One address of an envelope: `(name adl mailbox host)`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Address {
    /// Display name (decoded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Source route (always NIL in practice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adl: Option<String>,
    /// Local part, or group name for a group start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    /// Domain; `None` marks group syntax (RFC 9051 §7.5.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl Address {
    /// `mailbox@host` in lower case, or `None` for group markers
    /// (RFC 5256 §2.2 sorts on the addr-mailbox of the first address; the
    /// webmail shows and searches the whole address).
    pub fn email(&self) -> Option<String> {
        let host = self.host.as_deref()?;
        let mailbox = self.mailbox.as_deref().unwrap_or("");
        Some(if host.is_empty() {
            mailbox.to_lowercase()
        } else {
            format!("{mailbox}@{host}").to_lowercase()
        })
    }
}

/// RFC 9051 §7.5.2 ENVELOPE.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Envelope {
    /// Raw Date header value.
    #[serde(
        default,
        with = "bytes_text::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<Vec<u8>>,
    /// Raw Subject header value.
    #[serde(
        default,
        with = "bytes_text::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub subject: Option<Vec<u8>>,
    /// From
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<Address>,
    /// Sender (defaults to From)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sender: Vec<Address>,
    /// Reply-To (defaults to From)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reply_to: Vec<Address>,
    /// To
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<Address>,
    /// Cc
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<Address>,
    /// Bcc
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bcc: Vec<Address>,
    /// Raw In-Reply-To
    #[serde(
        default,
        with = "bytes_text::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_reply_to: Option<Vec<u8>>,
    /// Raw Message-ID
    #[serde(
        default,
        with = "bytes_text::opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_id: Option<Vec<u8>>,
}

/// One MIME entity as RFC 9051 §7.5.2 BODYSTRUCTURE describes it (and
/// BODY, which omits extension data), plus where it lies in the message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BodyStructure {
    /// Media type, upper-cased (`TEXT`, `MULTIPART`...).
    pub media_type: String,
    /// Subtype, upper-cased.
    pub subtype: String,
    /// Content-Type parameters (RFC 2231 decoded); names upper-cased.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
    /// Content-ID
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Content-Description
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Content-Transfer-Encoding, upper-cased (`7BIT` by default).
    pub encoding: String,
    /// Body size in octets (as transferred).
    pub size: u64,
    /// Line count for TEXT and MESSAGE/RFC822 parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u64>,
    /// For MESSAGE/RFC822: the encapsulated message's envelope and structure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<(Box<Envelope>, Box<BodyStructure>)>,
    /// For MULTIPART: the parts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<BodyStructure>,
    /// Content-MD5 (always NIL: servers do not compute it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    /// Content-Disposition: value and parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposition: Option<(String, Vec<(String, String)>)>,
    /// Content-Language tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub language: Vec<String>,
    /// Content-Location
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Offset of the entity's header in the message (not sent over IMAP:
    /// it lets a reader fetch one part with a byte-range read of the blob).
    #[serde(default)]
    pub header_offset: u64,
    /// Offset of the body in the message; the body is `size` octets long.
    #[serde(default)]
    pub body_offset: u64,
}

impl BodyStructure {
    /// The file name a mail client shows for this part: the
    /// Content-Disposition `filename`, else the Content-Type `name`.
    pub fn filename(&self) -> Option<&str> {
        let from_disp = self.disposition.as_ref().and_then(|(_, p)| {
            p.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("filename"))
                .map(|(_, v)| v.as_str())
        });
        from_disp.or_else(|| {
            self.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("name"))
                .map(|(_, v)| v.as_str())
        })
    }

    /// A parameter of the Content-Type, by case-insensitive name.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Computes the ENVELOPE of a raw message.
pub fn envelope(raw: &[u8]) -> Envelope {
    let tree = MimeTree::parse(raw);
    tree.root().envelope(raw)
}

/// Computes the BODYSTRUCTURE of a raw message (encode with
/// `extended = false` for FETCH BODY).
pub fn body_structure(raw: &[u8]) -> BodyStructure {
    let tree = MimeTree::parse(raw);
    tree.root().structure(raw)
}

#[cfg(test)]
mod tests;
