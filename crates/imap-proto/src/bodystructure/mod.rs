//! ENVELOPE and BODYSTRUCTURE from raw message bytes (RFC 9051 §7.5.2),
//! BODY[section] extraction (§6.4.5), BINARY decoding (RFC 3516), binary
//! parts of a literal8 APPEND re-encoded as base64 (RFC 3516 §4.3) and
//! decoded text for SEARCH.
//!
//! The MIME tree is split here on raw bytes (so offsets, sizes and line
//! counts are exact); header values are decoded with mail-parser (RFC 2047,
//! RFC 2231 parameters, addresses).

mod encode;
mod mime;
mod section;
mod seven_bit;

pub use mime::{MimeTree, Part, PartKind};
pub use section::{BinaryError, binary, binary_size, partial, search_text, section};
pub use seven_bit::binary_to_base64;

/// One address of an envelope: `(name adl mailbox host)`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Display name (decoded).
    pub name: Option<String>,
    /// Source route (always NIL in practice).
    pub adl: Option<String>,
    /// Local part, or group name for a group start.
    pub mailbox: Option<String>,
    /// Domain; `None` marks group syntax (RFC 9051 §7.5.2).
    pub host: Option<String>,
}

/// RFC 9051 §7.5.2 ENVELOPE.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// Raw Date header value.
    pub date: Option<Vec<u8>>,
    /// Raw Subject header value.
    pub subject: Option<Vec<u8>>,
    /// From
    pub from: Vec<Address>,
    /// Sender (defaults to From)
    pub sender: Vec<Address>,
    /// Reply-To (defaults to From)
    pub reply_to: Vec<Address>,
    /// To
    pub to: Vec<Address>,
    /// Cc
    pub cc: Vec<Address>,
    /// Bcc
    pub bcc: Vec<Address>,
    /// Raw In-Reply-To
    pub in_reply_to: Option<Vec<u8>>,
    /// Raw Message-ID
    pub message_id: Option<Vec<u8>>,
}

/// RFC 9051 §7.5.2 BODYSTRUCTURE (and BODY, which omits extension data).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodyStructure {
    /// Media type, upper-cased (`TEXT`, `MULTIPART`...).
    pub media_type: String,
    /// Subtype, upper-cased.
    pub subtype: String,
    /// Content-Type parameters (RFC 2231 decoded); names upper-cased.
    pub params: Vec<(String, String)>,
    /// Content-ID
    pub id: Option<String>,
    /// Content-Description
    pub description: Option<String>,
    /// Content-Transfer-Encoding, upper-cased (`7BIT` by default).
    pub encoding: String,
    /// Body size in octets (as transferred).
    pub size: u64,
    /// Line count for TEXT and MESSAGE/RFC822 parts.
    pub lines: Option<u64>,
    /// For MESSAGE/RFC822: the encapsulated message's envelope and structure.
    pub message: Option<(Box<Envelope>, Box<BodyStructure>)>,
    /// For MULTIPART: the parts.
    pub parts: Vec<BodyStructure>,
    /// Content-MD5 (always NIL: servers do not compute it).
    pub md5: Option<String>,
    /// Content-Disposition: value and parameters.
    pub disposition: Option<(String, Vec<(String, String)>)>,
    /// Content-Language tags.
    pub language: Vec<String>,
    /// Content-Location
    pub location: Option<String>,
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
pub(crate) mod tests;
