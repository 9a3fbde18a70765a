//! SMTP without I/O: the server session state machine of vesontio's MX and
//! submission doors ([`ServerSession`]), and the client side used for
//! outbound delivery ([`client::ClientSession`]). Bytes and decisions go in;
//! events and bytes come out. The server crate owns sockets, TLS, clocks and
//! policy (which senders, recipients, messages and credentials to accept).
//!
//! | RFC | what | status |
//! |---|---|---|
//! | 5321 | SMTP: commands, sequencing §4.1.4, replies §4.2, transparency §4.5.2, limits §4.5.3, timeouts §4.5.3.2 (advisory, [`Phase::timeout_secs`]) | full for a server; client without MX logic (the driver picks hosts) |
//! | 1870 | SIZE: advertised, `SIZE=` checked at MAIL, body bounded in DATA/BDAT | full |
//! | 2920 | PIPELINING: replies in order, STARTTLS ends a group | full |
//! | 6152 | 8BITMIME: `BODY=7BIT/8BITMIME` | full (body content not checked against BODY) |
//! | 6531 | SMTPUTF8: UTF-8 paths only with the MAIL parameter | full; no downgrade in the client |
//! | 2034, 3463 | ENHANCEDSTATUSCODES on every 2xx/4xx/5xx but greeting and EHLO/HELO | full |
//! | 3461 | DSN parameters RET, ENVID, NOTIFY, ORCPT (xtext) | parsing and sending; DSN generation is elsewhere |
//! | 3207 | STARTTLS, injection defence (CVE-2011-0411) | full |
//! | 4954, 4616 | AUTH PLAIN and LOGIN, `AUTH=` MAIL parameter | full |
//! | 6409 | submission: AUTH before MAIL | full |
//! | 3030 | CHUNKING/BDAT (server, optional) | partial: no BINARYMIME; the client uses DATA |
//!
//! Invariants
//! - No tokio, no clock, no store: bytes in, events and bytes out.
//! - Peer input never reaches a panic; memory per session is bounded by the
//!   configured line length and message size.
//! - Only `CRLF "." CRLF` ends message data (no SMTP smuggling); bare CR/LF
//!   in data are normalised to CRLF or refused, never kept as they came.
//! - Bytes received after STARTTLS and before the handshake never run.

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
