//! The SMTP server session: a state machine that enforces the protocol and
//! hands every policy decision (sender, recipient, message, credentials) to
//! the server that drives it.
//!
//! ```text
//! let mut s = ServerSession::new(config);
//! s.greeting();
//! loop {
//!     s.feed(&bytes_from_socket);
//!     while let Some(ev) = s.poll_event() {
//!         match ev {
//!             Event::MailFrom { .. } => s.accept_mail()?,      // or s.reject(reply)?
//!             Event::RcptTo { .. } => s.accept_rcpt()?,
//!             Event::Data(body) => s.accept_data("queue-id")?,
//!             Event::Auth { .. } => s.accept_auth()?,
//!             Event::StartTls => { write(s.take_output()); upgrade(); s.tls_established()?; }
//!             Event::Quit | Event::Close { .. } => { write(s.take_output()); close(); }
//!             _ => {} // informational
//!         }
//!     }
//!     write(s.take_output());
//!     // read again, with a timeout chosen from s.phase(); on expiry s.on_timeout().
//! }
//! ```
//!
//! Invariants
//! - Input is only interpreted inside `poll_event`; while a decision is
//!   pending nothing further is read, so replies leave in command order
//!   (RFC 2920 §3).
//! - Bytes received after STARTTLS and before `tls_established` are
//!   discarded, never executed (RFC 3207 §4.2, CVE-2011-0411).
//! - Memory per session is bounded: one command line
//!   (`max_line_length`, 12288 for AUTH) or `size_limit` bytes of body
//!   (about `data_part_size` with it). A message known to be refused (over
//!   the size, or a line over `max_line_length`) keeps nothing more.

mod auth;
mod bdat;
mod data;
mod dispatch;
#[cfg(test)]
mod tests;

pub use auth::AuthMechanism;
pub use data::LineEndings;

use std::collections::VecDeque;

use vesontio_types::Secret;

use crate::params::{MailParams, RcptParams};
use crate::path::{ForwardPath, ReversePath};
use crate::reply::{EnhancedCode, Reply};

/// Which door the session serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Port 25: mail from other servers; no authentication needed.
    Mx,
    /// Ports 587/465 (RFC 6409): MAIL needs a successful AUTH first
    /// (RFC 4954 §6: 530 5.7.0).
    Submission,
}

/// Whether the connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsState {
    None,
    /// After STARTTLS, or from the start on implicit TLS (RFC 8314).
    Active,
}

/// What the server asks of the session. There is deliberately no `Default`:
/// the `app` crate lowers its settings into this.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Our name, in the greeting and the EHLO reply.
    pub hostname: String,
    pub mode: Mode,
    /// TLS state at connection time.
    pub tls: TlsState,
    /// Offer STARTTLS (RFC 3207) while the connection is not encrypted.
    pub starttls_available: bool,
    /// Largest accepted message in octets, advertised as `SIZE n`
    /// (RFC 1870) and enforced at MAIL FROM and during DATA.
    pub size_limit: u64,
    /// Text of the `552 5.3.4` reply for a message over `size_limit`, e.g.
    /// one pointing to the large-file service (charter R6, R21).
    pub size_limit_text: String,
    /// Recipients per message; more get `452 4.5.3` (RFC 5321 §4.5.3.1.8
    /// asks for at least 100).
    pub max_recipients: usize,
    /// Longest command line in octets including CRLF; values under 512 are
    /// raised to 512 (RFC 5321 §4.5.3.1.4). Also the longest text line in
    /// DATA, raised to 1000 there (§4.5.3.1.6): a message with a longer line
    /// is refused with `550 5.6.0` after its end.
    pub max_line_length: usize,
    /// Errors (syntax, sequence, unknown command, failed AUTH) tolerated
    /// before `421` and closing.
    pub max_bad_commands: u32,
    /// SASL mechanisms offered; empty means no AUTH (usual on MX).
    pub auth_mechanisms: Vec<AuthMechanism>,
    /// Offer AUTH on an unencrypted connection. Should stay false: plain
    /// passwords never cross the network in clear.
    pub auth_mechanisms_allowed_without_tls: bool,
    /// `LineEndings::Refuse`: bare CR/LF in DATA gets 550 5.6.11;
    /// `LineEndings::Normalise`: they are stored as CRLF.
    pub data_line_endings: LineEndings,
    /// Offer CHUNKING (RFC 3030 BDAT). BINARYMIME is never offered.
    /// BDAT chunks are held in memory up to `size_limit` and never handed
    /// out in parts.
    pub chunking: bool,
    /// `None`: the whole DATA body comes in [`Event::Data`]. `Some(n)`: it
    /// comes in [`Event::DataPart`] pieces of about `n` octets as it
    /// arrives (for the server to spool), then the rest in `Event::Data`;
    /// the session then holds about `n` octets, whatever the message size.
    pub data_part_size: Option<usize>,
}

/// What the session reports. Events marked *decision* wait for exactly one
/// of `accept_*` / `reject`; nothing else is processed until then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// HELO received and answered. The transaction was reset.
    Helo { domain: String },
    /// EHLO received and answered. The transaction was reset.
    Ehlo { domain: String },
    /// Decision: `accept_mail` or `reject`. Syntax, SIZE, SMTPUTF8 and
    /// sequencing were checked already.
    MailFrom {
        reverse_path: ReversePath,
        params: MailParams,
    },
    /// Decision: `accept_rcpt` or `reject`. The per-message limit was
    /// checked already.
    RcptTo {
        forward_path: ForwardPath,
        params: RcptParams,
    },
    /// Decision: `accept_data(queue_id)` (only once it is stored durably)
    /// or `reject`. The body, dot-unstuffed, lines ending in CRLF: the
    /// complete body, or with `data_part_size` the octets after the last
    /// [`Event::DataPart`].
    Data(Vec<u8>),
    /// With `data_part_size`: the next octets of the message body being
    /// read, in order. Informational; the message ends with `Event::Data`
    /// (keep the parts) or `Event::MessageRefused` (drop them), and any
    /// other event before either (`Quit`, `Close`) abandons it.
    DataPart(Vec<u8>),
    /// A message was refused by the session itself after its end was read
    /// (already answered); for the log.
    MessageRefused { reason: Refusal, size: u64 },
    /// Decision: `accept_auth` or `reject` (usually [`Reply::auth_failed`]).
    Auth {
        mechanism: AuthMechanism,
        authzid: Option<String>,
        authcid: String,
        password: Secret<String>,
    },
    /// `220` was queued: write `take_output()`, run the TLS handshake on the
    /// raw socket, then call `tls_established`. `discarded` pipelined bytes
    /// that followed STARTTLS were thrown away (log them: it is an attack
    /// or a broken client).
    StartTls { discarded: usize },
    /// RSET received and answered.
    Rset,
    /// `221` was queued: write it and close.
    Quit,
    /// `421` was queued: write it and close.
    Close { reason: CloseReason },
}

/// Why the session refused a message on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Over `size_limit` (552 5.3.4).
    TooLarge,
    /// Bare CR or LF with `LineEndings::Refuse` (550 5.6.11).
    BareLineEnding,
    /// A line longer than `max_line_length` (at least 1000 octets, RFC 5321
    /// §4.5.3.1.6) in the data (550 5.6.0).
    LineTooLong,
}

/// Why the session closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseReason {
    TooManyErrors,
    /// A BDAT whose size could not be read: its data cannot be skipped.
    BadChunk,
}

/// What the session is waiting for, so the driver can pick a timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for a command line.
    Command,
    /// Reading message data after `354`.
    DataBlock,
    /// Waiting for a line of a SASL exchange after `334`.
    AuthExchange,
    /// Waiting for the server's decision on an event.
    Decision,
    /// Waiting for `tls_established`.
    TlsHandshake,
    /// The session is over; close the connection.
    Closed,
}

impl Phase {
    /// The read timeout RFC 5321 §4.5.3.2.7 suggests, in seconds: 5 minutes
    /// while awaiting a command; the same for data blocks (§4.5.3.2.5 gives
    /// the client 3 minutes per block, the server must wait at least that).
    /// `None` where the server itself is the one working.
    pub fn timeout_secs(self) -> Option<u64> {
        match self {
            Phase::Command | Phase::DataBlock | Phase::AuthExchange => Some(300),
            Phase::Decision | Phase::TlsHandshake | Phase::Closed => None,
        }
    }
}

/// A misuse of the API by the server (not by the peer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error("no decision is pending")]
    NoDecisionPending,
    #[error("the pending decision is about {pending}, not {called}")]
    WrongDecision {
        pending: &'static str,
        called: &'static str,
    },
    #[error("reply code {0} is not a rejection (4xx/5xx)")]
    NotARejection(u16),
    #[error("reply code {0} is not a success (2xx)")]
    NotASuccess(u16),
    #[error("the session is not waiting for a TLS handshake")]
    NotAwaitingTls,
}

/// The decision the session waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Mail { smtputf8: bool },
    Rcpt,
    Data,
    Auth,
}

impl Pending {
    fn name(self) -> &'static str {
        match self {
            Pending::Mail { .. } => "MAIL",
            Pending::Rcpt => "RCPT",
            Pending::Data => "DATA",
            Pending::Auth => "AUTH",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Greeted {
    No,
    Helo,
    Ehlo,
}

/// An open mail transaction (RFC 5321 §3.3).
#[derive(Debug)]
struct Transaction {
    smtputf8: bool,
    recipients: usize,
    /// Set by the first BDAT.
    chunks: Option<bdat::Chunks>,
}

#[derive(Debug)]
enum Input {
    Command,
    Data(data::DataReader),
    /// Reading the octets of a BDAT chunk; `verdict` is the refusal to send
    /// once they are read.
    Bdat {
        remaining: u64,
        last: bool,
        verdict: Option<Reply>,
    },
    Sasl(AuthMechanism, auth::Exchange),
    AwaitTls,
    Closed,
}

/// The server side of one SMTP connection.
pub struct ServerSession {
    cfg: SessionConfig,
    tls: TlsState,
    greeted: Greeted,
    authenticated: bool,
    tx: Option<Transaction>,
    input: Input,
    pending: Option<Pending>,
    inbuf: Vec<u8>,
    /// Dropping the rest of an over-long line until its LF.
    skipping_line: bool,
    out: Vec<u8>,
    events: VecDeque<Event>,
    bad_commands: u32,
}

/// Shows the state, never buffered bytes (they may hold a SASL response).
impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("phase", &self.phase())
            .field("tls", &self.tls)
            .field("greeted", &self.greeted)
            .field("authenticated", &self.authenticated)
            .field("recipients", &self.accepted_recipients())
            .field("pending", &self.pending)
            .field("buffered", &self.inbuf.len())
            .field("bad_commands", &self.bad_commands)
            .finish_non_exhaustive()
    }
}

pub(crate) const fn ec(class: u8, subject: u16, detail: u16) -> EnhancedCode {
    EnhancedCode::new(class, subject, detail)
}

impl ServerSession {
    pub fn new(mut cfg: SessionConfig) -> Self {
        cfg.max_line_length = cfg.max_line_length.max(512);
        ServerSession {
            tls: cfg.tls,
            cfg,
            greeted: Greeted::No,
            authenticated: false,
            tx: None,
            input: Input::Command,
            pending: None,
            inbuf: Vec::new(),
            skipping_line: false,
            out: Vec::new(),
            events: VecDeque::new(),
            bad_commands: 0,
        }
    }

    /// Queues the `220` greeting (RFC 5321 §4.2, no enhanced code).
    pub fn greeting(&mut self) {
        let r = Reply::plain(220, format!("{} ESMTP vesontio", self.cfg.hostname));
        self.reply(r);
    }

    /// Queues `reply` (e.g. `554 5.3.2 no service`, RFC 5321 §3.1) instead of
    /// the greeting and closes the session.
    pub fn refuse_connection(&mut self, reply: Reply) {
        self.reply(reply);
        self.close();
    }

    /// Bytes from the peer. They are interpreted by `poll_event`.
    pub fn feed(&mut self, bytes: &[u8]) {
        match self.input {
            // RFC 3207 §4.2: nothing sent before the handshake may count.
            Input::AwaitTls | Input::Closed => {}
            _ => self.inbuf.extend_from_slice(bytes),
        }
    }

    /// Processes buffered input until an event is ready. `None` means more
    /// input is needed, a decision is pending, or the session is closed.
    pub fn poll_event(&mut self) -> Option<Event> {
        loop {
            if let Some(ev) = self.events.pop_front() {
                return Some(ev);
            }
            if self.pending.is_some() || !self.step() {
                return None;
            }
        }
    }

    /// Everything queued for the peer since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    pub fn phase(&self) -> Phase {
        if self.pending.is_some() {
            return Phase::Decision;
        }
        match self.input {
            Input::Command => Phase::Command,
            Input::Data(_) | Input::Bdat { .. } => Phase::DataBlock,
            Input::Sasl(..) => Phase::AuthExchange,
            Input::AwaitTls => Phase::TlsHandshake,
            Input::Closed => Phase::Closed,
        }
    }

    pub fn is_closed(&self) -> bool {
        matches!(self.input, Input::Closed)
    }

    pub fn tls(&self) -> TlsState {
        self.tls
    }

    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// Recipients accepted in the current transaction.
    pub fn accepted_recipients(&self) -> usize {
        self.tx.as_ref().map_or(0, |t| t.recipients)
    }

    /// The TLS handshake succeeded. RFC 3207 §4.2: the session forgets
    /// everything learnt before (EHLO, AUTH, transaction) and expects a new
    /// EHLO; bytes buffered before the handshake are discarded.
    pub fn tls_established(&mut self) -> Result<(), SessionError> {
        if !matches!(self.input, Input::AwaitTls) {
            return Err(SessionError::NotAwaitingTls);
        }
        self.tls = TlsState::Active;
        self.greeted = Greeted::No;
        self.authenticated = false;
        self.tx = None;
        self.inbuf.clear();
        self.skipping_line = false;
        self.input = Input::Command;
        Ok(())
    }

    /// The read timed out: queues `421 4.4.2` and closes.
    pub fn on_timeout(&mut self) {
        let text = format!("{} Timeout, closing connection", self.cfg.hostname);
        self.reply(Reply::new(421, ec(4, 4, 2), text));
        self.close();
    }

    /// The server is stopping: queues `421 4.3.2` and closes.
    pub fn shutdown(&mut self) {
        let text = format!("{} Service shutting down", self.cfg.hostname);
        self.reply(Reply::new(421, ec(4, 3, 2), text));
        self.close();
    }

    /// Accepts the pending MAIL FROM: `250 2.1.0`.
    pub fn accept_mail(&mut self) -> Result<(), SessionError> {
        self.decide("MAIL", Reply::new(250, ec(2, 1, 0), "Sender OK"))
    }

    /// Accepts the pending RCPT TO: `250 2.1.5`.
    pub fn accept_rcpt(&mut self) -> Result<(), SessionError> {
        self.decide("RCPT", Reply::new(250, ec(2, 1, 5), "Recipient OK"))
    }

    /// Accepts the pending message: `250 2.0.0 Ok: queued as <id>`. Call it
    /// only once the message is stored durably.
    pub fn accept_data(&mut self, queue_id: &str) -> Result<(), SessionError> {
        let text = format!("Ok: queued as {queue_id}");
        self.decide("DATA", Reply::new(250, ec(2, 0, 0), text))
    }

    /// Accepts the pending AUTH: `235 2.7.0` (RFC 4954 §6).
    pub fn accept_auth(&mut self) -> Result<(), SessionError> {
        self.decide(
            "AUTH",
            Reply::new(235, ec(2, 7, 0), "Authentication successful"),
        )
    }

    /// Accepts the pending decision, whatever it is, with a 2xx reply of the
    /// server's choice.
    pub fn accept_with(&mut self, reply: Reply) -> Result<(), SessionError> {
        if !reply.is_positive() {
            return Err(SessionError::NotASuccess(reply.code));
        }
        let pending = self.pending.ok_or(SessionError::NoDecisionPending)?;
        self.decide(pending.name(), reply)
    }

    /// Refuses the pending decision with a 4xx/5xx reply. A refused DATA ends
    /// the transaction (RFC 5321 §4.1.1.4); a refused AUTH counts as an error.
    pub fn reject(&mut self, reply: Reply) -> Result<(), SessionError> {
        if !(400..600).contains(&reply.code) {
            return Err(SessionError::NotARejection(reply.code));
        }
        let pending = self.pending.take().ok_or(SessionError::NoDecisionPending)?;
        match pending {
            Pending::Mail { .. } | Pending::Rcpt => self.reply(reply),
            Pending::Data => {
                self.tx = None;
                self.reply(reply);
            }
            Pending::Auth => self.error(reply),
        }
        Ok(())
    }

    fn decide(&mut self, called: &'static str, reply: Reply) -> Result<(), SessionError> {
        let pending = self.pending.ok_or(SessionError::NoDecisionPending)?;
        if pending.name() != called {
            return Err(SessionError::WrongDecision {
                pending: pending.name(),
                called,
            });
        }
        self.pending = None;
        match pending {
            Pending::Mail { smtputf8 } => {
                self.tx = Some(Transaction {
                    smtputf8,
                    recipients: 0,
                    chunks: None,
                })
            }
            Pending::Rcpt => {
                if let Some(tx) = self.tx.as_mut() {
                    tx.recipients += 1;
                }
            }
            Pending::Data => self.tx = None,
            Pending::Auth => self.authenticated = true,
        }
        self.reply(reply);
        Ok(())
    }

    fn reply(&mut self, reply: Reply) {
        reply.write_to(&mut self.out);
    }

    /// A reply to a client mistake: counted, and past the limit the session
    /// closes with `421 4.7.0`.
    fn error(&mut self, reply: Reply) {
        self.reply(reply);
        self.bad_commands += 1;
        if self.bad_commands >= self.cfg.max_bad_commands && !self.is_closed() {
            let text = format!("{} Too many errors, closing connection", self.cfg.hostname);
            self.reply(Reply::new(421, ec(4, 7, 0), text));
            self.close();
            self.events.push_back(Event::Close {
                reason: CloseReason::TooManyErrors,
            });
        }
    }

    fn close(&mut self) {
        self.input = Input::Closed;
        self.pending = None;
        self.inbuf = Vec::new();
    }
}
