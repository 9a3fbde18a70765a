//! IMAP server protocol layer without I/O: command parser, response encoder,
//! connection state machine and message-structure helpers.
//!
//! Implements (server side): IMAP4rev1 (RFC 3501), IMAP4rev2 (RFC 9051),
//! IDLE (RFC 2177), NAMESPACE (RFC 2342), UIDPLUS (RFC 4315), MOVE (RFC 6851),
//! UNSELECT (RFC 3691), SPECIAL-USE and CREATE-SPECIAL-USE (RFC 6154),
//! LIST-EXTENDED (RFC 5258), LIST-STATUS (RFC 5819), CHILDREN (RFC 3348),
//! LITERAL+/LITERAL- (RFC 7888), ENABLE (RFC 5161), ID (RFC 2971), SASL-IR
//! (RFC 4959), ESEARCH (RFC 4731), SEARCHRES (RFC 5182), APPENDLIMIT
//! (RFC 7889), CONDSTORE/QRESYNC (RFC 7162), QUOTA (RFC 9208), ACL (RFC 4314),
//! BINARY (RFC 3516), MULTIAPPEND (RFC 3502), WITHIN (RFC 5032), SORT and
//! THREAD (RFC 5256), SORT=DISPLAY (RFC 5957), ESORT and CONTEXT (RFC 5267), response
//! codes (RFC 5530), modified UTF-7 names (RFC 3501 §5.1.3).
//!
//! Drive it like this:
//!
//! ```ignore
//! let mut conn = ServerConn::new(limits);
//! conn.write(Response::untagged_ok(None, "ready"));
//! conn.feed(&buf[..n]);
//! while let Some(ev) = conn.poll_event() {
//!     match ev {
//!         Event::Command(cmd) => { /* run it, then */ conn.respond(replies) }
//!         Event::LiteralAnnounced { size, .. } => conn.accept_literal(size <= quota_left),
//!         Event::Idle { tag } => { /* wait for mailbox changes until IdleDone */ }
//!         _ => {}
//!     }
//! }
//! socket.write_all(&conn.take_output());
//! ```
//!
//! Invariants: no tokio, no clock, no store; peer input never panics.

mod base64;
pub mod bodystructure;
pub mod command;
mod conn;
pub mod parser;
pub mod response;
pub mod state;
pub mod types;
mod utf7;

pub use command::*;
pub use conn::{Event, LITERAL_MINUS_MAX, Limits, LiteralMode, ServerConn};
pub use parser::{ParseError, ParseOptions, parse_command};
pub use response::{
    Code, Data, ESearchItem, Encoder, FetchValue, ListExtended, ListItem, Response, Status,
    ThreadForest, ThreadNode,
};
pub use state::State;
pub use types::*;
pub use utf7::{decode_utf7, encode_utf7};

/// Base64 helpers (RFC 4648) used for SASL.
pub mod sasl {
    pub use crate::base64::{decode, encode};
}

#[cfg(test)]
mod tests;
