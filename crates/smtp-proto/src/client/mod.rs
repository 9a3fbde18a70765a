//! The client side of one outbound SMTP transaction (RFC 5321 §3, §4.1),
//! without I/O: EHLO (HELO fallback), STARTTLS (RFC 3207), MAIL with SIZE
//! (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531), RET/ENVID and
//! NOTIFY/ORCPT (RFC 3461), PIPELINING (RFC 2920), DATA with dot-stuffing
//! (RFC 5321 §4.5.2), QUIT; one reply kept per recipient.
//!
//! ```text
//! let mut c = ClientSession::new(config, envelope, message);
//! loop {
//!     c.feed(&bytes_from_socket);          // or c.on_eof() / c.on_timeout()
//!     while let Some(ev) = c.poll_event() {
//!         match ev {
//!             ClientEvent::NeedTls => { write(c.take_output()); upgrade(); c.tls_established(); }
//!             ClientEvent::Done(outcome) => { write(c.take_output()); record(outcome); close(); }
//!             ClientEvent::Failed { reply, .. } => { close(); if reply.is_transient() { next_mx() } else { bounce_all() } }
//!         }
//!     }
//!     write(c.take_output());
//! }
//! ```

mod ehlo;
mod stuff;
#[cfg(test)]
mod tests;

pub use ehlo::Extensions;
pub use stuff::dot_stuff;

use std::collections::VecDeque;

use crate::params::{Body, Notify, Orcpt, Ret, xtext_encode};
use crate::path::{ForwardPath, ReversePath};
use crate::reply::{EnhancedCode, Reply, ReplyParser};
use crate::server::TlsState;

/// When to use STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartTlsPolicy {
    /// Never (e.g. already on implicit TLS, or a test peer).
    Never,
    /// When the peer offers it; go on in clear otherwise (RFC 3207 §4).
    Opportunistic,
    /// Fail with a transient error if the peer does not offer it.
    Required,
}

/// How the client introduces itself and secures the link.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Our name for EHLO/HELO.
    pub hostname: String,
    pub starttls: StartTlsPolicy,
    /// `Active` when the connection is already encrypted (port 465).
    pub tls: TlsState,
}

/// One recipient with its DSN parameters (RFC 3461 §4.1, §4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub forward_path: ForwardPath,
    pub notify: Option<Notify>,
    pub orcpt: Option<Orcpt>,
}

/// The envelope of the message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub reverse_path: ReversePath,
    pub recipients: Vec<Recipient>,
    /// RFC 3461 §4.3, sent only if the peer offers DSN.
    pub ret: Option<Ret>,
    /// RFC 3461 §4.4, sent only if the peer offers DSN.
    pub envid: Option<String>,
    /// The message needs SMTPUTF8 (UTF-8 headers). UTF-8 addresses in the
    /// envelope set it too.
    pub smtputf8: bool,
}

/// The stage a session failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Greeting,
    Ehlo,
    StartTls,
    Mail,
    Rcpt,
    Data,
}

/// What the transaction produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The RCPT reply of each recipient, in envelope order. A MAIL failure
    /// is copied to every recipient.
    pub per_recipient: Vec<(ForwardPath, Reply)>,
    /// The reply that ended the transaction for the accepted recipients:
    /// the refusal of `DATA`, or the final reply after the message. `None`
    /// when no recipient was accepted.
    pub data_reply: Option<Reply>,
}

impl Outcome {
    /// The result that counts for each recipient: its RCPT refusal, or the
    /// reply to the data (or the `DATA` command) when RCPT was accepted.
    pub fn final_replies(&self) -> Vec<(ForwardPath, Reply)> {
        self.per_recipient
            .iter()
            .map(|(r, rcpt)| match (&self.data_reply, rcpt.is_positive()) {
                (Some(d), true) => (r.clone(), d.clone()),
                _ => (r.clone(), rcpt.clone()),
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// `220` to STARTTLS: write `take_output()` (empty), run the handshake,
    /// then call `tls_established`.
    NeedTls,
    /// The transaction ran; QUIT has been queued.
    Done(Outcome),
    /// Nothing was delivered. `reply` is the peer's, or made up here for a
    /// local reason (bad reply syntax, closed connection, size over the
    /// peer's limit, TLS or SMTPUTF8 missing): transient means try again or
    /// another MX, permanent means bounce.
    Failed { stage: Stage, reply: Reply },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Greeting,
    Ehlo,
    Helo,
    StartTls,
    Mail,
    Rcpt(usize),
    Data,
    Body,
    /// The `.` sent to close a DATA accepted with no recipient.
    EmptyBody,
    Quit,
}

/// The client side of one connection, for one envelope.
#[derive(Debug)]
pub struct ClientSession {
    cfg: ClientConfig,
    envelope: Envelope,
    message: Vec<u8>,
    tls: TlsState,
    ext: Extensions,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    parser: ReplyParser,
    awaiting: VecDeque<Expect>,
    /// Commands still to send one by one when the peer lacks PIPELINING.
    queued: VecDeque<(Expect, String)>,
    mail_reply: Option<Reply>,
    rcpt_replies: Vec<Option<Reply>>,
    data_reply: Option<Reply>,
    events: VecDeque<ClientEvent>,
    finished: bool,
}

/// Longest reply line accepted (RFC 5321 §4.5.3.1.5 says 512; be generous).
const MAX_REPLY_LINE: usize = 4096;

fn local(code: u16, e: (u8, u16, u16), text: &str) -> Reply {
    Reply::new(code, EnhancedCode::new(e.0, e.1, e.2), text)
}

impl ClientSession {
    pub fn new(cfg: ClientConfig, envelope: Envelope, message: Vec<u8>) -> Self {
        let n = envelope.recipients.len();
        ClientSession {
            tls: cfg.tls,
            cfg,
            envelope,
            message,
            ext: Extensions::default(),
            inbuf: Vec::new(),
            out: Vec::new(),
            parser: ReplyParser::new(),
            awaiting: VecDeque::from([Expect::Greeting]),
            queued: VecDeque::new(),
            mail_reply: None,
            rcpt_replies: vec![None; n],
            data_reply: None,
            events: VecDeque::new(),
            finished: false,
        }
    }

    /// Bytes from the server.
    pub fn feed(&mut self, bytes: &[u8]) {
        if !self.finished {
            self.inbuf.extend_from_slice(bytes);
        }
    }

    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// The extensions the peer announced in its last EHLO reply.
    pub fn extensions(&self) -> &Extensions {
        &self.ext
    }

    /// True once `Done` or `Failed` was produced.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        loop {
            if let Some(ev) = self.events.pop_front() {
                return Some(ev);
            }
            if self.finished {
                return None;
            }
            let lf = self.inbuf.iter().position(|&b| b == b'\n');
            let Some(i) = lf else {
                if self.inbuf.len() > MAX_REPLY_LINE {
                    self.fail_local(local(421, (4, 4, 0), "Reply line too long"));
                    continue;
                }
                return None;
            };
            let mut line: Vec<u8> = self.inbuf.drain(..=i).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            match self.parser.line(&line) {
                Ok(Some(reply)) => self.on_reply(reply),
                Ok(None) => {}
                Err(e) => self.fail_local(local(421, (4, 4, 0), &format!("Bad reply: {e}"))),
            }
        }
    }

    /// The TLS handshake succeeded: EHLO again (RFC 3207 §4.2).
    pub fn tls_established(&mut self) {
        self.tls = TlsState::Active;
        self.ext = Extensions::default();
        self.inbuf.clear();
        self.send(Expect::Ehlo, format!("EHLO {}", self.cfg.hostname));
    }

    /// The peer closed the connection.
    pub fn on_eof(&mut self) {
        if !self.finished {
            self.fail_local(local(421, (4, 4, 2), "Connection closed by peer"));
        }
    }

    /// No reply in time (RFC 5321 §4.5.3.2).
    pub fn on_timeout(&mut self) {
        if !self.finished {
            self.fail_local(local(421, (4, 4, 2), "Timeout waiting for reply"));
        }
    }

    fn stage(&self) -> Stage {
        match self.awaiting.front() {
            Some(Expect::Greeting) | None => Stage::Greeting,
            Some(Expect::Ehlo | Expect::Helo) => Stage::Ehlo,
            Some(Expect::StartTls) => Stage::StartTls,
            Some(Expect::Mail) => Stage::Mail,
            Some(Expect::Rcpt(_)) => Stage::Rcpt,
            Some(Expect::Data | Expect::Body | Expect::EmptyBody | Expect::Quit) => Stage::Data,
        }
    }

    fn fail_local(&mut self, reply: Reply) {
        let stage = self.stage();
        self.fail(stage, reply);
    }

    fn fail(&mut self, stage: Stage, reply: Reply) {
        self.finished = true;
        self.inbuf = Vec::new();
        self.events.push_back(ClientEvent::Failed { stage, reply });
    }

    fn send(&mut self, expect: Expect, line: String) {
        self.out.extend_from_slice(line.as_bytes());
        self.out.extend_from_slice(b"\r\n");
        self.awaiting.push_back(expect);
    }

    fn quit_and_fail(&mut self, stage: Stage, reply: Reply) {
        self.send(Expect::Quit, "QUIT".into());
        self.fail(stage, reply);
    }

    fn on_reply(&mut self, reply: Reply) {
        let Some(expect) = self.awaiting.pop_front() else {
            return self.fail_local(local(421, (4, 4, 0), "Unexpected reply"));
        };
        match expect {
            Expect::Greeting if reply.code == 220 => {
                self.send(Expect::Ehlo, format!("EHLO {}", self.cfg.hostname))
            }
            Expect::Greeting => self.quit_and_fail(Stage::Greeting, reply),
            Expect::Ehlo if reply.code == 250 => {
                self.ext = Extensions::parse(&reply);
                self.after_hello();
            }
            // RFC 5321 §3.2: fall back to HELO when EHLO is not recognised.
            Expect::Ehlo if matches!(reply.code, 500 | 502) && self.tls == TlsState::None => {
                self.send(Expect::Helo, format!("HELO {}", self.cfg.hostname))
            }
            Expect::Helo if reply.code == 250 => {
                self.ext = Extensions::default();
                self.after_hello();
            }
            Expect::Ehlo | Expect::Helo => self.quit_and_fail(Stage::Ehlo, reply),
            Expect::StartTls if reply.code == 220 => {
                self.awaiting.clear();
                self.events.push_back(ClientEvent::NeedTls);
            }
            Expect::StartTls => {
                if self.cfg.starttls == StartTlsPolicy::Required {
                    self.quit_and_fail(Stage::StartTls, reply)
                } else {
                    self.start_mail()
                }
            }
            Expect::Mail => {
                let ok = reply.is_positive();
                self.mail_reply = Some(reply);
                if ok {
                    self.send_next();
                } else if self.awaiting.is_empty() {
                    // Not pipelined: nothing else is in flight.
                    self.finish_transaction();
                }
                // Pipelined: the RCPT and DATA replies are still coming.
            }
            Expect::Rcpt(i) => {
                if let Some(slot) = self.rcpt_replies.get_mut(i) {
                    *slot = Some(reply);
                }
                self.send_next();
            }
            Expect::Data if reply.code == 354 => {
                if self.any_rcpt_accepted() && self.mail_ok() {
                    let body = dot_stuff(&self.message);
                    self.out.extend_from_slice(&body);
                    self.awaiting.push_back(Expect::Body);
                } else {
                    // RFC 2920 §3.1: DATA accepted although every RCPT
                    // failed: end it empty and let the peer refuse it.
                    self.out.extend_from_slice(b".\r\n");
                    self.awaiting.push_back(Expect::EmptyBody);
                }
            }
            Expect::Data => {
                if self.mail_ok() && self.any_rcpt_accepted() {
                    self.data_reply = Some(reply);
                }
                self.finish_transaction()
            }
            Expect::Body => {
                self.data_reply = Some(reply);
                self.finish_transaction();
            }
            Expect::EmptyBody => self.finish_transaction(),
            Expect::Quit => {}
        }
    }

    fn mail_ok(&self) -> bool {
        self.mail_reply.as_ref().is_some_and(Reply::is_positive)
    }

    fn any_rcpt_accepted(&self) -> bool {
        self.rcpt_replies.iter().flatten().any(Reply::is_positive)
    }

    fn after_hello(&mut self) {
        let offered = self.ext.starttls;
        match (self.cfg.starttls, self.tls, offered) {
            (StartTlsPolicy::Never, _, _) | (_, TlsState::Active, _) => self.start_mail(),
            (_, TlsState::None, true) => self.send(Expect::StartTls, "STARTTLS".into()),
            (StartTlsPolicy::Opportunistic, TlsState::None, false) => self.start_mail(),
            (StartTlsPolicy::Required, TlsState::None, false) => self.quit_and_fail(
                Stage::StartTls,
                local(421, (4, 7, 10), "Peer does not offer STARTTLS"),
            ),
        }
    }

    /// Builds MAIL, each RCPT and DATA; sends them together with
    /// PIPELINING (RFC 2920 §3.1), otherwise one by one.
    fn start_mail(&mut self) {
        let needs_utf8 = self.envelope.smtputf8
            || !self.envelope.reverse_path.is_ascii()
            || self
                .envelope
                .recipients
                .iter()
                .any(|r| !r.forward_path.is_ascii());
        // RFC 6531 §3.2: no downgrade; a peer without SMTPUTF8 cannot take it.
        if needs_utf8 && !self.ext.smtputf8 {
            return self.quit_and_fail(
                Stage::Mail,
                local(553, (5, 6, 7), "Peer does not support SMTPUTF8"),
            );
        }
        let size = self.message.len() as u64;
        // RFC 1870 §7: do not send what the peer announced it will refuse.
        if self.ext.size.is_some_and(|max| max > 0 && size > max) {
            return self.quit_and_fail(
                Stage::Mail,
                local(552, (5, 3, 4), "Message larger than the peer's SIZE limit"),
            );
        }
        let mut mail = format!("MAIL FROM:{}", self.envelope.reverse_path);
        if self.ext.size.is_some() {
            mail.push_str(&format!(" SIZE={size}"));
        }
        let eight_bit = self.message.iter().any(|b| !b.is_ascii());
        if self.ext.eight_bit_mime {
            let body = if eight_bit {
                Body::EightBitMime
            } else {
                Body::SevenBit
            };
            mail.push_str(&format!(" BODY={}", body.as_str()));
        }
        if needs_utf8 {
            mail.push_str(" SMTPUTF8");
        }
        if self.ext.dsn {
            if let Some(ret) = self.envelope.ret {
                mail.push_str(&format!(" RET={}", ret.as_str()));
            }
            if let Some(envid) = &self.envelope.envid {
                mail.push_str(&format!(" ENVID={}", xtext_encode(envid)));
            }
        }
        self.queued.push_back((Expect::Mail, mail));
        for (i, r) in self.envelope.recipients.iter().enumerate() {
            let mut rcpt = format!("RCPT TO:{}", r.forward_path);
            if self.ext.dsn {
                if let Some(n) = r.notify {
                    rcpt.push_str(&format!(" NOTIFY={}", n.to_value()));
                }
                if let Some(o) = &r.orcpt {
                    rcpt.push_str(&format!(
                        " ORCPT={};{}",
                        o.addr_type,
                        xtext_encode(&o.address)
                    ));
                }
            }
            self.queued.push_back((Expect::Rcpt(i), rcpt));
        }
        self.queued.push_back((Expect::Data, "DATA".into()));
        if self.ext.pipelining {
            while let Some((e, line)) = self.queued.pop_front() {
                self.send(e, line);
            }
        } else {
            self.send_next();
        }
    }

    /// Without PIPELINING: the next command, or the end when no recipient
    /// was accepted (DATA is pointless then).
    fn send_next(&mut self) {
        if !self.awaiting.is_empty() {
            return;
        }
        match self.queued.pop_front() {
            Some((Expect::Data, _)) if !self.any_rcpt_accepted() => {
                self.queued.clear();
                self.finish_transaction();
            }
            Some((e, line)) => self.send(e, line),
            None => {}
        }
    }

    fn finish_transaction(&mut self) {
        self.queued.clear();
        let mail_failure = self.mail_reply.clone().filter(|r| !r.is_positive());
        let never = local(451, (4, 4, 0), "No reply to RCPT");
        let per_recipient = self
            .envelope
            .recipients
            .iter()
            .zip(&self.rcpt_replies)
            .map(|(r, reply)| {
                let reply = mail_failure
                    .clone()
                    .or_else(|| reply.clone())
                    .unwrap_or_else(|| never.clone());
                (r.forward_path.clone(), reply)
            })
            .collect();
        let data_reply = self.data_reply.take();
        self.awaiting.clear();
        self.send(Expect::Quit, "QUIT".into());
        self.finished = true;
        self.events.push_back(ClientEvent::Done(Outcome {
            per_recipient,
            data_reply,
        }));
    }
}
