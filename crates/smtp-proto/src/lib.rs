//! SMTP without I/O: the server session state machine of vesontio's MX and
//! submission doors, and the client side used for outbound delivery.
//!
//! Implemented:
//! - RFC 5321 SMTP: commands, sequencing (§4.1.4), reply codes (§4.2),
//!   transparency (§4.5.2), limits (§4.5.3), timeouts (§4.5.3.2, advisory).
//! - RFC 1870 SIZE, RFC 2920 PIPELINING, RFC 6152 8BITMIME,
//!   RFC 6531 SMTPUTF8, RFC 2034 / RFC 3463 ENHANCEDSTATUSCODES,
//!   RFC 3461 DSN parameters (RET, ENVID, NOTIFY, ORCPT),
//!   RFC 3207 STARTTLS, RFC 4954 AUTH with PLAIN (RFC 4616) and LOGIN,
//!   RFC 6409 submission (AUTH before MAIL), RFC 3030 CHUNKING (server
//!   side, optional).
//! - Not implemented: RFC 3030 BINARYMIME (never advertised), BDAT in the
//!   client (it always uses DATA).
//!
//! Invariants
//! - No tokio, no clock, no store: bytes in, events and bytes out.
//! - Peer input never reaches a panic; memory per session is bounded by the
//!   configured line length and message size.
//! - Only `CRLF "." CRLF` ends message data (no SMTP smuggling).

pub mod client;
pub mod command;
pub mod params;
pub mod path;
pub mod reply;
pub mod server;

pub use command::{Command, CommandError};
pub use params::{Body, MailParams, Notify, Orcpt, RcptParams, Ret};
pub use path::{ForwardPath, Mailbox, ReversePath};
pub use reply::{EnhancedCode, Reply, ReplyParser};
pub use server::{
    AuthMechanism, CloseReason, Event, LineEndings, Mode, Phase, Refusal, ServerSession,
    SessionConfig, SessionError, TlsState,
};

#[cfg(test)]
mod tests;
