//! POP3 server state machine without I/O.
//!
//! Implements, for the server side:
//! - RFC 1939 (POP3): USER, PASS, STAT, LIST, UIDL, RETR, TOP, DELE, RSET,
//!   NOOP, QUIT and the AUTHORIZATION / TRANSACTION / UPDATE states. APOP is
//!   not offered.
//! - RFC 2449 (extension mechanism): CAPA, response codes, PIPELINING, the
//!   255-octet command line of §4, EXPIRE and IMPLEMENTATION.
//! - RFC 2595 §4 (STLS), with the plaintext-bytes-after-STLS discard.
//! - RFC 5034 (SASL AUTH) with the PLAIN mechanism of RFC 4616.
//! - RFC 3206 response codes `[SYS/TEMP]`, `[SYS/PERM]`, `[AUTH]`.
//!
//! The crate does no I/O: [`Pop3Session`] takes bytes with `feed`, hands out
//! [`Event`]s with `poll_event` for the decisions it cannot make (checking a
//! password, reading a message, committing deletions, upgrading to TLS), and
//! queues the reply bytes for `take_output`. [`encode_message`] /
//! [`MessageEncoder`] do the RFC 1939 §3 byte-stuffing and CRLF normalisation.
//!
//! ```
//! use vesontio_pop3_proto::{Config, Event, Maildrop, MessageInfo, Pop3Session};
//! let mut s = Pop3Session::new(Config {
//!     greeting_host: "mail.example".into(), tls_active: true, stls_available: false,
//!     allow_plaintext_auth: false, max_line: 1024, implementation: "vesontio".into(),
//!     expire: None, max_bad_commands: 20, max_auth_failures: 3,
//! });
//! s.greeting();
//! s.feed(b"USER alice\r\nPASS secret\r\nRETR 1\r\nQUIT\r\n");
//! let raw = b"Subject: hi\n\nbody\n";
//! while let Some(ev) = s.poll_event() {
//!     match ev {
//!         Event::Authenticate { .. } => s.auth_ok(Maildrop { messages: vec![
//!             MessageInfo { size: vesontio_pop3_proto::octet_size(raw), uidl: "u1".into() }] }).unwrap(),
//!         Event::Retrieve { .. } => s.send_message(raw).unwrap(),
//!         Event::Update { .. } => s.update_done(Ok::<(), ()>(())).unwrap(),
//!         _ => {}
//!     }
//! }
//! let out = String::from_utf8(s.take_output()).unwrap();
//! assert!(out.ends_with("signing off (1 messages left)\r\n"));
//! ```
//!
//! Invariants
//! - No tokio, no clock, no store: bytes in, events and bytes out.
//! - Peer input never panics and never grows a buffer past `max_line` per line.
//! - While an event that needs an answer is outstanding, no further command is
//!   read (RFC 2449 §6.6: pipelined commands are answered in order).
//! - Bytes received after STLS and before `tls_established` are discarded.

mod command;
mod config;
mod encode;
mod event;
mod framing;
mod sasl;
mod session;

pub use command::{Command, MsgArg, ParseError, Verb, parse_command};
pub use config::{
    Config, ErrCode, Maildrop, MessageInfo, RECOMMENDED_MAX_LINE, RFC_MAX_COMMAND_LINE,
};
pub use encode::{MessageEncoder, encode_message, octet_size};
pub use event::{CloseReason, Event, Mechanism};
pub use sasl::{PlainCredentials, SaslError, decode_plain};
pub use session::{Pop3Session, Pop3State, UsageError};

#[cfg(test)]
mod tests;
