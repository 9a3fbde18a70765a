//! Runs one client line: the per-state command table and each command's
//! reply (RFC 1939 §4-§7, RFC 2449 §5, RFC 2595 §4, RFC 5034 §4).

use super::{Pending, Pop3Session, State, clean};
use crate::command::{Command, MsgArg, ParseError, Verb, parse_command};
use crate::config::ErrCode;
use crate::event::{CloseReason, Event, Mechanism};
use crate::framing::Frame;
use crate::sasl::{SaslError, decode_plain};

/// Where each command is allowed (RFC 1939 §4 AUTHORIZATION and §5
/// TRANSACTION; RFC 2449 §5 CAPA in both; RFC 2595 §4 STLS only before
/// login; RFC 5034 §4 AUTH only before login). UPDATE reads no command.
///
/// | verb | AUTHORIZATION | TRANSACTION |
const STATE_TABLE: [(Verb, bool, bool); 15] = [
    (Verb::User, true, false),
    (Verb::Pass, true, false),
    (Verb::Apop, true, false),
    (Verb::Auth, true, false),
    (Verb::Stls, true, false),
    (Verb::Capa, true, true),
    (Verb::Quit, true, true),
    (Verb::Stat, false, true),
    (Verb::List, false, true),
    (Verb::Uidl, false, true),
    (Verb::Retr, false, true),
    (Verb::Top, false, true),
    (Verb::Dele, false, true),
    (Verb::Rset, false, true),
    (Verb::Noop, false, true),
];

fn allowed(verb: Verb, state: State) -> bool {
    STATE_TABLE.iter().any(|&(v, auth, trans)| {
        v == verb
            && match state {
                State::Authorization => auth,
                State::Transaction => trans,
                State::SaslPlain | State::Closed => false,
            }
    })
}

/// The refusal of a password on a link without TLS, naming what will work.
fn tls_required(stls_available: bool) -> &'static str {
    if stls_available {
        "[AUTH] plaintext authentication is disabled: use STLS or port 995"
    } else {
        "[AUTH] plaintext authentication is disabled: use port 995"
    }
}

impl Pop3Session {
    pub(super) fn handle_frame(&mut self, frame: Frame) {
        match (frame, self.state) {
            (Frame::TooLong, State::SaslPlain) => {
                self.state = State::Authorization;
                self.bad("line too long");
            }
            (Frame::TooLong, _) => self.bad("line too long"),
            (Frame::Line(line, _), State::SaslPlain) => {
                self.state = State::Authorization;
                // RFC 5034 §4: "*" cancels the exchange with -ERR.
                if line == b"*" {
                    self.err("authentication cancelled");
                } else {
                    match std::str::from_utf8(&line) {
                        Ok(resp) => self.auth_plain(resp.trim()),
                        Err(_) => self.bad("invalid base64"),
                    }
                }
            }
            // RFC 2449 §4: commands are limited to `max_line` octets.
            (Frame::Line(_, wire_len), _) if wire_len > self.cfg.max_line => {
                self.bad("line too long")
            }
            (Frame::Line(line, _), _) => match parse_command(&line) {
                Ok(cmd) => self.command(cmd),
                Err(ParseError::Unknown) => self.bad("unknown command"),
                Err(ParseError::Syntax(text)) => self.bad(text),
            },
        }
    }

    /// Answers a bad command, or closes when there were too many.
    fn bad(&mut self, text: &str) {
        self.bad_commands += 1;
        if self.bad_commands >= self.cfg.max_bad_commands {
            self.err("too many bad commands, closing connection");
            self.close(CloseReason::TooManyBadCommands);
        } else {
            self.err(text);
        }
    }

    /// Plaintext passwords never cross an unencrypted link (RFC 2595 §2.4).
    fn auth_allowed(&self) -> bool {
        self.tls_active || self.cfg.allow_plaintext_auth
    }

    fn command(&mut self, cmd: Command) {
        let verb = cmd.verb();
        if !allowed(verb, self.state) {
            let hint = match (self.state, verb) {
                (State::Transaction, Verb::Stls) => "STLS is only allowed before authentication",
                (State::Transaction, _) => "already authenticated",
                (_, _) if self.auth_allowed() => {
                    "not authenticated: log in first with USER/PASS or AUTH PLAIN"
                }
                (_, _) if self.cfg.stls_available => {
                    "not authenticated: use STLS, then log in with USER/PASS or AUTH PLAIN"
                }
                (_, _) => "not authenticated: log in over TLS on port 995",
            };
            self.bad(hint);
            return;
        }
        match cmd {
            Command::Capa => self.capa(),
            Command::Quit => self.quit(),
            Command::Stls => self.stls(),
            Command::Apop => self.bad("APOP is not supported: use USER/PASS or AUTH PLAIN"),
            Command::User(name) => {
                if !self.auth_allowed() {
                    self.bad(tls_required(self.cfg.stls_available));
                    return;
                }
                // RFC 1939 §7: answer +OK whether or not the user exists, so
                // USER does not reveal which names are valid.
                self.user = Some(name);
                self.ok("send PASS");
            }
            Command::Pass(password) => {
                if !self.auth_allowed() {
                    self.bad(tls_required(self.cfg.stls_available));
                    return;
                }
                let Some(user) = self.user.take() else {
                    self.bad("send USER first");
                    return;
                };
                self.pending = Pending::Auth;
                self.events.push_back(Event::Authenticate {
                    user,
                    password,
                    mechanism: Mechanism::UserPass,
                });
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => self.auth(mechanism, initial_response),
            Command::Stat => {
                let (n, size) = self.totals();
                self.ok(&format!("{n} {size}"));
            }
            Command::List(arg) => self.list(arg, ListKind::Size),
            Command::Uidl(arg) => self.list(arg, ListKind::Uidl),
            Command::Retr(arg) => self.retrieve(arg, None),
            Command::Top(arg, lines) => self.retrieve(arg, Some(lines)),
            Command::Dele(arg) => {
                if let Some(i) = self.resolve(arg) {
                    self.deleted[i] = true;
                    self.ok(&format!("message {} deleted", i + 1));
                }
            }
            Command::Rset => {
                // RFC 1939 §5 RSET: unmark every message marked as deleted.
                self.deleted.iter_mut().for_each(|d| *d = false);
                let (n, size) = self.totals();
                self.ok(&format!("maildrop has {n} messages ({size} octets)"));
            }
            Command::Noop => {
                self.ok("");
                self.events.push_back(Event::Noop);
            }
        }
    }

    /// RFC 2449 §5: the capabilities valid in the current state.
    fn capa(&mut self) {
        self.ok("capability list follows");
        let mut lines = vec!["TOP".to_owned(), "UIDL".to_owned()];
        if self.state == State::Authorization {
            if self.cfg.stls_available && !self.tls_active {
                lines.push("STLS".to_owned());
            }
            // Only offer what would be accepted now: a client must not be
            // invited to send a password in clear.
            if self.auth_allowed() {
                lines.push("USER".to_owned());
                lines.push("SASL PLAIN".to_owned());
            }
        }
        lines.push("RESP-CODES".to_owned());
        lines.push("AUTH-RESP-CODE".to_owned());
        lines.push("PIPELINING".to_owned());
        lines.push(match self.cfg.expire {
            Some(days) => format!("EXPIRE {days}"),
            None => "EXPIRE NEVER".to_owned(),
        });
        lines.push(format!(
            "IMPLEMENTATION {}",
            clean(&self.cfg.implementation)
        ));
        for l in lines {
            self.line(&l);
        }
        self.line(".");
    }

    fn quit(&mut self) {
        if self.state == State::Transaction {
            // RFC 1939 §6: QUIT in TRANSACTION enters UPDATE.
            let deleted = (0..self.deleted.len())
                .filter(|&i| self.deleted[i])
                .collect();
            self.pending = Pending::Update;
            self.events.push_back(Event::Update { deleted });
        } else {
            // RFC 1939 §4: QUIT in AUTHORIZATION ends without UPDATE.
            let host = clean(&self.cfg.greeting_host);
            self.ok(&format!("{host} POP3 server signing off"));
            self.close(CloseReason::Quit);
        }
    }

    fn stls(&mut self) {
        if self.tls_active {
            self.bad("TLS is already active");
        } else if !self.cfg.stls_available {
            self.bad("STLS is not available");
        } else {
            self.ok("begin TLS negotiation");
            self.pending = Pending::Tls;
            self.events.push_back(Event::StartTls);
        }
    }

    fn auth(&mut self, mechanism: Option<String>, initial_response: Option<String>) {
        if !self.auth_allowed() {
            self.bad(tls_required(self.cfg.stls_available));
            return;
        }
        self.user = None;
        let Some(mechanism) = mechanism else {
            // Pre-RFC 5034 clients list mechanisms with a bare AUTH.
            self.ok("");
            self.line("PLAIN");
            self.line(".");
            return;
        };
        if mechanism != "PLAIN" {
            self.bad("unsupported SASL mechanism");
            return;
        }
        match initial_response {
            Some(ir) => self.auth_plain(&ir),
            None => {
                // RFC 5034 §4: an empty server challenge is "+ ".
                self.line("+ ");
                self.state = State::SaslPlain;
            }
        }
    }

    fn auth_plain(&mut self, response: &str) {
        match decode_plain(response) {
            Err(SaslError::Base64) => self.bad("invalid base64"),
            Err(SaslError::Malformed) => self.bad("malformed PLAIN credentials"),
            // No proxy authentication: an authorization identity other than
            // the login itself is refused (RFC 4616 §2 lets the server decide).
            Ok(creds) if creds.authzid.as_ref().is_some_and(|z| *z != creds.authcid) => {
                self.auth_failures += 1;
                self.err_code(
                    ErrCode::Auth,
                    "authorization identity must be the login itself",
                );
                if self.auth_failures >= self.cfg.max_auth_failures {
                    self.close(CloseReason::TooManyAuthFailures);
                }
            }
            Ok(creds) => {
                self.pending = Pending::Auth;
                self.events.push_back(Event::Authenticate {
                    user: creds.authcid,
                    password: creds.password,
                    mechanism: Mechanism::Plain,
                });
            }
        }
    }

    /// 0-based index of a live message, or writes the RFC 1939 error.
    fn resolve(&mut self, arg: MsgArg) -> Option<usize> {
        let total = self.messages.len();
        match arg {
            MsgArg::Number(n) if n >= 1 && (n as usize) <= total => {
                let i = n as usize - 1;
                if self.deleted[i] {
                    self.err(&format!("message {n} already deleted"));
                    None
                } else {
                    Some(i)
                }
            }
            _ => {
                self.err(&format!(
                    "no such message, only {total} messages in maildrop"
                ));
                None
            }
        }
    }

    fn list(&mut self, arg: Option<MsgArg>, kind: ListKind) {
        let item = |s: &Self, i: usize| match kind {
            ListKind::Size => format!("{} {}", i + 1, s.messages[i].size),
            ListKind::Uidl => format!("{} {}", i + 1, s.messages[i].uidl),
        };
        match arg {
            Some(arg) => {
                if let Some(i) = self.resolve(arg) {
                    let text = item(self, i);
                    self.ok(&text);
                }
            }
            None => {
                match kind {
                    ListKind::Size => {
                        let (n, size) = self.totals();
                        self.ok(&format!("{n} messages ({size} octets)"));
                    }
                    ListKind::Uidl => self.ok("unique-id listing follows"),
                }
                for i in 0..self.messages.len() {
                    if !self.deleted[i] {
                        let text = item(self, i);
                        self.line(&text);
                    }
                }
                self.line(".");
            }
        }
    }

    fn retrieve(&mut self, arg: MsgArg, top_lines: Option<u32>) {
        if let Some(index) = self.resolve(arg) {
            self.pending = Pending::Retrieve {
                index,
                top: top_lines,
            };
            self.events.push_back(Event::Retrieve { index, top_lines });
        }
    }
}

#[derive(Clone, Copy)]
enum ListKind {
    Size,
    Uidl,
}
