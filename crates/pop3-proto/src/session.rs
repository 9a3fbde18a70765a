//! [`Pop3Session`]: one POP3 connection as a state machine, and the calls
//! the server uses to answer its events.

mod dispatch;

use std::collections::VecDeque;

use crate::config::{Config, ErrCode, Maildrop, MessageInfo};
use crate::encode::MessageEncoder;
use crate::event::{CloseReason, Event};
use crate::framing::{Frame, LineFramer};

/// Longest SASL response line: RFC 4616 §2 allows 255-octet authzid, authcid
/// and password, 767 octets that base64 turns into 1024, plus CRLF. RFC 2449
/// §4's command limit is for commands; responses inside AUTH may be longer,
/// so the framer buffers up to this and commands are checked against
/// `max_line` afterwards.
const SASL_MAX_LINE: usize = 1026;

/// The RFC 1939 §3 state, as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pop3State {
    Authorization,
    Transaction,
    /// QUIT received in TRANSACTION; waiting for `update_done`.
    Update,
    Closed,
}

/// A call that does not fit what the session is waiting for (a bug in the
/// server, never caused by the peer). The session is left unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("{call} called but the session is not waiting for it")]
    NotWaiting { call: &'static str },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Authorization,
    /// RFC 5034 §4: `+ ` sent, the next line is the PLAIN response.
    SaslPlain,
    Transaction,
    Closed,
}

/// The event handed out that the server has not answered yet.
#[derive(Debug)]
enum Pending {
    Nothing,
    Auth,
    Retrieve {
        index: usize,
        top: Option<u32>,
    },
    /// `start_message` was called: chunks go through this encoder.
    Sending(Box<MessageEncoder>),
    Update,
    Tls,
}

/// A POP3 server session. Drive it with `feed` / `poll_event` /
/// `take_output`, answering the events that need it (see [`Event`]).
#[derive(Debug)]
pub struct Pop3Session {
    cfg: Config,
    tls_active: bool,
    state: State,
    pending: Pending,
    /// Name given by USER, waiting for PASS.
    user: Option<String>,
    messages: Vec<MessageInfo>,
    deleted: Vec<bool>,
    framer: LineFramer,
    frames: VecDeque<Frame>,
    events: VecDeque<Event>,
    out: Vec<u8>,
    bad_commands: u32,
    auth_failures: u32,
}

impl Pop3Session {
    pub fn new(cfg: Config) -> Self {
        Pop3Session {
            tls_active: cfg.tls_active,
            framer: LineFramer::new(cfg.max_line.max(SASL_MAX_LINE)),
            cfg,
            state: State::Authorization,
            pending: Pending::Nothing,
            user: None,
            messages: Vec::new(),
            deleted: Vec::new(),
            frames: VecDeque::new(),
            events: VecDeque::new(),
            out: Vec::new(),
            bad_commands: 0,
            auth_failures: 0,
        }
    }

    /// RFC 1939 §4: the greeting. No APOP timestamp: APOP is not offered.
    pub fn greeting(&mut self) {
        let text = format!("{} POP3 server ready", clean(&self.cfg.greeting_host));
        self.ok(&text);
    }

    /// Hands bytes read from the client to the session. Then call
    /// `poll_event` until it returns `None`, and write `take_output`.
    pub fn feed(&mut self, data: &[u8]) {
        if self.state != State::Closed {
            self.framer.push(data, &mut self.frames);
        }
    }

    /// Runs the commands fed so far, in order, until one needs the server
    /// (returned here) or the input runs out (`None`). After an event that
    /// needs an answer it returns `None` until that answer is given.
    pub fn poll_event(&mut self) -> Option<Event> {
        loop {
            if let Some(ev) = self.events.pop_front() {
                return Some(ev);
            }
            if !matches!(self.pending, Pending::Nothing) || self.state == State::Closed {
                return None;
            }
            let frame = self.frames.pop_front()?;
            self.handle_frame(frame);
        }
    }

    /// The reply bytes produced so far.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    pub fn state(&self) -> Pop3State {
        match (self.state, &self.pending) {
            (State::Closed, _) => Pop3State::Closed,
            (_, Pending::Update) => Pop3State::Update,
            (State::Transaction, _) => Pop3State::Transaction,
            (State::Authorization | State::SaslPlain, _) => Pop3State::Authorization,
        }
    }

    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    pub fn tls_active(&self) -> bool {
        self.tls_active
    }

    /// Answer to `Authenticate`: the credentials are good and the maildrop
    /// is open (and locked, RFC 1939 §8). Enters TRANSACTION.
    pub fn auth_ok(&mut self, maildrop: Maildrop) -> Result<(), UsageError> {
        self.expect(|p| matches!(p, Pending::Auth), "auth_ok")?;
        self.pending = Pending::Nothing;
        self.deleted = vec![false; maildrop.messages.len()];
        self.messages = maildrop.messages;
        self.state = State::Transaction;
        let (n, size) = self.totals();
        self.ok(&format!("maildrop has {n} messages ({size} octets)"));
        Ok(())
    }

    /// Answer to `Authenticate`: refused. `ErrCode::Auth` counts towards
    /// `max_auth_failures`; `InUse`, `LoginDelay`, `SysTemp`, `SysPerm` do not.
    /// The session stays in AUTHORIZATION.
    pub fn auth_failed(&mut self, code: ErrCode, text: &str) -> Result<(), UsageError> {
        self.expect(|p| matches!(p, Pending::Auth), "auth_failed")?;
        self.pending = Pending::Nothing;
        self.user = None;
        if code == ErrCode::Auth {
            self.auth_failures += 1;
        }
        self.err_code(code, text);
        if code == ErrCode::Auth && self.auth_failures >= self.cfg.max_auth_failures {
            self.close(CloseReason::TooManyAuthFailures);
        }
        Ok(())
    }

    /// Answer to `Retrieve`: the raw message, which the session encodes.
    /// RETR's status line is `+OK <size> octets` with `MessageInfo::size`.
    pub fn send_message(&mut self, raw: &[u8]) -> Result<(), UsageError> {
        self.start_message()?;
        self.message_chunk(raw)?;
        self.finish_message()
    }

    /// Streaming answer to `Retrieve`: writes the status line; then call
    /// `message_chunk` for each piece of the raw message and `finish_message`.
    pub fn start_message(&mut self) -> Result<(), UsageError> {
        let Pending::Retrieve { index, top } = self.pending else {
            return Err(UsageError::NotWaiting {
                call: "start_message",
            });
        };
        match top {
            None => {
                let size = self.messages.get(index).map_or(0, |m| m.size);
                self.ok(&format!("{size} octets"));
            }
            Some(_) => self.ok("top of message follows"),
        }
        self.pending = Pending::Sending(Box::new(MessageEncoder::new(top)));
        Ok(())
    }

    pub fn message_chunk(&mut self, chunk: &[u8]) -> Result<(), UsageError> {
        let Pending::Sending(enc) = &mut self.pending else {
            return Err(UsageError::NotWaiting {
                call: "message_chunk",
            });
        };
        enc.encode(chunk, &mut self.out);
        Ok(())
    }

    pub fn finish_message(&mut self) -> Result<(), UsageError> {
        let Pending::Sending(_) = self.pending else {
            return Err(UsageError::NotWaiting {
                call: "finish_message",
            });
        };
        if let Pending::Sending(enc) = std::mem::replace(&mut self.pending, Pending::Nothing) {
            enc.finish(&mut self.out);
        }
        Ok(())
    }

    /// Answer to `Retrieve` when the message cannot be read (before
    /// `start_message`): `-ERR [code] text`, and the session goes on.
    pub fn send_error(&mut self, code: Option<ErrCode>, text: &str) -> Result<(), UsageError> {
        self.expect(|p| matches!(p, Pending::Retrieve { .. }), "send_error")?;
        self.pending = Pending::Nothing;
        match code {
            Some(code) => self.err_code(code, text),
            None => self.err(text),
        }
        Ok(())
    }

    /// Answer to `Update`: whether the deletions were committed (RFC 1939 §6).
    pub fn update_done<E>(&mut self, result: Result<(), E>) -> Result<(), UsageError> {
        self.expect(|p| matches!(p, Pending::Update), "update_done")?;
        self.pending = Pending::Nothing;
        match result {
            Ok(()) => {
                let left = self.deleted.iter().filter(|d| !**d).count();
                let host = clean(&self.cfg.greeting_host);
                self.ok(&format!(
                    "{host} POP3 server signing off ({left} messages left)"
                ));
            }
            Err(_) => self.err_code(ErrCode::SysTemp, "some deleted messages not removed"),
        }
        self.close(CloseReason::Quit);
        Ok(())
    }

    /// Answer to `StartTls`: the handshake succeeded. RFC 2595 §4: the
    /// client starts over, and every byte received after the STLS line in
    /// plaintext is thrown away (command injection defence).
    pub fn tls_established(&mut self) -> Result<(), UsageError> {
        self.expect(|p| matches!(p, Pending::Tls), "tls_established")?;
        self.pending = Pending::Nothing;
        self.frames.clear();
        self.framer.clear();
        self.tls_active = true;
        self.user = None;
        Ok(())
    }

    /// Ends the session from the server side (shutdown, idle timeout, a
    /// store failure in the middle of a message). Writes `-ERR [code] text`
    /// unless a message is being sent (its bytes cannot be interrupted
    /// cleanly), then queues `Close { reason: Aborted }`. No UPDATE happens
    /// (RFC 1939 §6: only QUIT enters it).
    pub fn abort(&mut self, code: ErrCode, text: &str) {
        if self.state == State::Closed {
            return;
        }
        if !matches!(self.pending, Pending::Sending(_)) {
            self.err_code(code, text);
        }
        self.pending = Pending::Nothing;
        self.close(CloseReason::Aborted);
    }

    fn expect(&self, f: impl Fn(&Pending) -> bool, call: &'static str) -> Result<(), UsageError> {
        if self.state != State::Closed && f(&self.pending) {
            Ok(())
        } else {
            Err(UsageError::NotWaiting { call })
        }
    }

    fn close(&mut self, reason: CloseReason) {
        self.state = State::Closed;
        self.frames.clear();
        self.framer.clear();
        self.events.push_back(Event::Close { reason });
    }

    /// Count and octets of the messages not marked deleted.
    fn totals(&self) -> (usize, u64) {
        self.messages
            .iter()
            .zip(&self.deleted)
            .filter(|(_, d)| !**d)
            .fold((0, 0), |(n, s), (m, _)| (n + 1, s + m.size))
    }

    fn ok(&mut self, text: &str) {
        if text.is_empty() {
            self.line("+OK");
        } else {
            self.line(&format!("+OK {text}"));
        }
    }

    fn err(&mut self, text: &str) {
        self.line(&format!("-ERR {}", clean(text)));
    }

    /// RFC 2449 §8: `-ERR [CODE] text`.
    fn err_code(&mut self, code: ErrCode, text: &str) {
        self.line(&format!("-ERR [{}] {}", code.as_str(), clean(text)));
    }

    fn line(&mut self, line: &str) {
        self.out.extend_from_slice(line.as_bytes());
        self.out.extend_from_slice(b"\r\n");
    }
}

/// Text from the server never breaks the line structure.
fn clean(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
