//! ENVELOPE and BODYSTRUCTURE from raw message bytes (RFC 9051 §7.5.2),
//! BODY[section] extraction (§6.4.5), BINARY decoding (RFC 3516), binary
//! parts of a literal8 APPEND re-encoded as base64 (RFC 3516 §4.3) and
//! decoded text for SEARCH.
//!
//! The MIME tree, ENVELOPE and BODYSTRUCTURE come from the platform's one
//! MIME model in `vesontio_message::mime`; this module encodes them and
//! cuts sections out of the raw bytes.

mod encode;
mod section;
mod seven_bit;

pub use encode::Encode;
pub use section::{BinaryError, binary, binary_size, partial, search_text, section};
pub use seven_bit::binary_to_base64;
/// The MIME model is the platform's one (`vesontio_message::mime`); this
/// crate only encodes it.
pub use vesontio_message::mime::{
    Address, BodyStructure, Envelope, MimeTree, Part, PartKind, body_structure, envelope,
};

#[cfg(test)]
pub(crate) mod tests;
