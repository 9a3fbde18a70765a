//! Reading command lines and running each command against the session
//! state: RFC 5321 §4.1.4 sequencing, §4.5.3.1.4 line length, RFC 2920
//! pipelining, RFC 3207 STARTTLS, RFC 4954 AUTH.

use super::auth::{self, AuthMechanism, SaslError, Step};
use super::data::{DataEnd, DataLimits, DataReader};
use super::{
    CloseReason, Event, Greeted, Input, Mode, Pending, Refusal, ServerSession, TlsState, ec,
};
use crate::command::{self, Command, CommandError};
use crate::path::PathError;
use crate::reply::Reply;

/// RFC 4954 §4: an AUTH command or SASL response line may be 12288 octets.
const SASL_LINE: usize = 12288;

/// RFC 5321 §4.5.3.1.6: the shortest text line limit a server may have,
/// CRLF included.
const TEXT_LINE: usize = 1000;

/// One line read from the input.
enum Line {
    /// CRLF-terminated; CRLF removed.
    Ok(Vec<u8>),
    /// Ended by a bare LF (RFC 5321 §2.3.8).
    BareLf,
    /// Longer than the limit; fully skipped.
    TooLong,
}

impl ServerSession {
    /// Does one unit of work. Returns false when more input is needed.
    pub(super) fn step(&mut self) -> bool {
        if let Input::Data(reader) = &mut self.input {
            let (used, end) = reader.feed(&self.inbuf);
            self.inbuf.drain(..used);
            return match end {
                Some(end) => {
                    self.input = Input::Command;
                    self.data_end(end);
                    true
                }
                None if reader.part_ready() => {
                    let part = reader.take_part();
                    self.events.push_back(Event::DataPart(part));
                    true
                }
                None => false,
            };
        }
        if matches!(self.input, Input::Bdat { .. }) {
            return self.bdat_step();
        }
        if !matches!(self.input, Input::Command | Input::Sasl(..)) {
            return false;
        }
        let Some(line) = self.read_line() else {
            return false;
        };
        let sasl = matches!(self.input, Input::Sasl(..));
        match line {
            Line::TooLong if sasl => {
                self.input = Input::Command;
                self.error(Reply::new(
                    500,
                    ec(5, 5, 6),
                    "Authentication Exchange line is too long",
                ));
            }
            Line::TooLong => self.error(Reply::new(500, ec(5, 5, 2), "Line too long")),
            Line::BareLf => {
                self.input = Input::Command;
                self.error(Reply::new(
                    500,
                    ec(5, 5, 2),
                    "Bare LF not allowed, lines must end with CRLF",
                ));
            }
            Line::Ok(l) if sasl => self.sasl_line(&l),
            Line::Ok(l) => self.command_line(&l),
        }
        true
    }

    fn line_limit(&self) -> usize {
        let auth = self
            .inbuf
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"AUTH "));
        if auth || matches!(self.input, Input::Sasl(..)) {
            self.cfg.max_line_length.max(SASL_LINE)
        } else {
            self.cfg.max_line_length
        }
    }

    /// RFC 5321 §4.5.3.1.4: the limit counts the CRLF. An over-long line is
    /// dropped as it arrives, so memory stays bounded.
    fn read_line(&mut self) -> Option<Line> {
        let limit = self.line_limit();
        let lf = self.inbuf.iter().position(|&b| b == b'\n');
        if self.skipping_line {
            return match lf {
                Some(i) => {
                    self.inbuf.drain(..=i);
                    self.skipping_line = false;
                    Some(Line::TooLong)
                }
                None => {
                    self.inbuf.clear();
                    None
                }
            };
        }
        match lf {
            Some(i) if i + 1 > limit => {
                self.inbuf.drain(..=i);
                Some(Line::TooLong)
            }
            Some(i) => {
                let mut line: Vec<u8> = self.inbuf.drain(..=i).collect();
                line.pop();
                if line.pop() == Some(b'\r') {
                    Some(Line::Ok(line))
                } else {
                    Some(Line::BareLf)
                }
            }
            None if self.inbuf.len() >= limit => {
                self.inbuf.clear();
                self.skipping_line = true;
                // Keep reading: the reply goes out when the line ends.
                self.read_line()
            }
            None => None,
        }
    }

    fn command_line(&mut self, line: &[u8]) {
        match command::parse(line) {
            Ok(cmd) => self.command(cmd),
            // RFC 3030 §2: without a size the chunk cannot be skipped, and its
            // octets must never run as commands: close.
            Err(e)
                if line
                    .get(..4)
                    .is_some_and(|v| v.eq_ignore_ascii_case(b"BDAT"))
                    && self.cfg.chunking =>
            {
                let r = syntax_reply(&e, line);
                self.reply(r);
                let text = format!("{} Bad BDAT command, closing connection", self.cfg.hostname);
                self.reply(Reply::new(421, ec(4, 5, 0), text));
                self.close();
                self.events.push_back(Event::Close {
                    reason: CloseReason::BadChunk,
                });
            }
            Err(e) => {
                let r = syntax_reply(&e, line);
                self.error(r);
            }
        }
    }

    fn command(&mut self, cmd: Command) {
        match cmd {
            Command::Ehlo(domain) => {
                self.tx = None;
                self.greeted = Greeted::Ehlo;
                let r = self.ehlo_reply(&domain);
                self.reply(r);
                self.events.push_back(Event::Ehlo { domain });
            }
            Command::Helo(domain) => {
                self.tx = None;
                self.greeted = Greeted::Helo;
                let r = Reply::plain(250, format!("{} Hello {}", self.cfg.hostname, domain));
                self.reply(r);
                self.events.push_back(Event::Helo { domain });
            }
            Command::Mail {
                reverse_path,
                params,
            } => {
                if let Some(r) = self.mail_check(&reverse_path, &params) {
                    return self.refuse(r);
                }
                self.pending = Some(Pending::Mail {
                    smtputf8: params.smtputf8,
                });
                self.events.push_back(Event::MailFrom {
                    reverse_path,
                    params,
                });
            }
            Command::Rcpt {
                forward_path,
                params,
            } => {
                let Some(tx) = &self.tx else {
                    return self.refuse(bad_sequence("Need MAIL before RCPT"));
                };
                // RFC 5321 §4.5.3.1.10: 452 for too many recipients; the
                // client sends the rest in another transaction.
                if tx.recipients >= self.cfg.max_recipients {
                    return self.reply(Reply::new(452, ec(4, 5, 3), "Too many recipients"));
                }
                if (params.notify.is_some() || params.orcpt.is_some())
                    && self.greeted != Greeted::Ehlo
                {
                    return self.refuse(no_params_after_helo());
                }
                // RFC 6531 §3.4: UTF-8 addresses only in SMTPUTF8 transactions.
                if !tx.smtputf8 && !forward_path.is_ascii() {
                    return self.refuse(non_ascii());
                }
                self.pending = Some(Pending::Rcpt);
                self.events.push_back(Event::RcptTo {
                    forward_path,
                    params,
                });
            }
            Command::Data => match &self.tx {
                None => self.refuse(bad_sequence("Need MAIL command")),
                Some(tx) if tx.chunking() => {
                    self.refuse(bad_sequence("DATA not allowed after BDAT"))
                }
                // RFC 2920 §3.1: DATA with no accepted recipient gets 554.
                Some(tx) if tx.recipients == 0 => {
                    self.refuse(Reply::new(554, ec(5, 5, 1), "No valid recipients"))
                }
                Some(_) => {
                    self.reply(Reply::plain(
                        354,
                        "Start mail input; end with <CRLF>.<CRLF>",
                    ));
                    self.input = Input::Data(DataReader::new(DataLimits {
                        size: self.cfg.size_limit,
                        // RFC 5321 §4.5.3.1.6: text lines of 1000 octets at least.
                        line: self.cfg.max_line_length.max(TEXT_LINE),
                        part: self.cfg.data_part_size,
                        endings: self.cfg.data_line_endings,
                    }));
                }
            },
            Command::Rset => {
                self.tx = None;
                self.reply(ok());
                self.events.push_back(Event::Rset);
            }
            Command::Noop => self.reply(ok()),
            Command::Quit => {
                let text = format!("{} closing connection", self.cfg.hostname);
                self.reply(Reply::new(221, ec(2, 0, 0), text));
                self.close();
                self.events.push_back(Event::Quit);
            }
            // RFC 5321 §3.5.3: 252 when the server will not verify.
            Command::Vrfy(_) => self.reply(Reply::new(
                252,
                ec(2, 0, 0),
                "Cannot VRFY user, but will accept message and attempt delivery",
            )),
            // RFC 5321 §3.5.2: EXPN may be disabled; lists are not disclosed.
            Command::Expn(_) => self.reply(Reply::new(502, ec(5, 5, 1), "EXPN not available")),
            Command::Help => self.reply(Reply::new(
                214,
                ec(2, 0, 0),
                "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH",
            )),
            Command::StartTls => self.starttls(),
            Command::Auth {
                mechanism,
                initial_response,
            } => self.auth(&mechanism, initial_response.as_deref()),
            Command::Bdat { size, last } if self.cfg.chunking => self.bdat_command(size, last),
            Command::Bdat { .. } | Command::Unknown(_) => {
                self.error(Reply::new(500, ec(5, 5, 1), "Command unrecognized"))
            }
        }
    }

    /// A refusal caused by the client's command: counted as an error.
    fn refuse(&mut self, r: Reply) {
        self.error(r);
    }

    fn ehlo_reply(&self, domain: &str) -> Reply {
        let mut lines = vec![format!("{} Hello {}", self.cfg.hostname, domain)];
        lines.push("PIPELINING".into());
        lines.push(format!("SIZE {}", self.cfg.size_limit));
        lines.push("8BITMIME".into());
        lines.push("SMTPUTF8".into());
        lines.push("ENHANCEDSTATUSCODES".into());
        lines.push("DSN".into());
        if self.cfg.chunking {
            lines.push("CHUNKING".into());
        }
        if self.cfg.starttls_available && self.tls == TlsState::None {
            lines.push("STARTTLS".into());
        }
        if self.auth_allowed() && !self.cfg.auth_mechanisms.is_empty() {
            let names: Vec<&str> = self
                .cfg
                .auth_mechanisms
                .iter()
                .map(|m| m.as_str())
                .collect();
            lines.push(format!("AUTH {}", names.join(" ")));
        }
        lines.push("HELP".into());
        Reply::plain(250, lines.join("\n"))
    }

    fn auth_allowed(&self) -> bool {
        self.tls == TlsState::Active || self.cfg.auth_mechanisms_allowed_without_tls
    }

    /// The checks the session makes itself on MAIL FROM.
    fn mail_check(
        &self,
        path: &crate::path::ReversePath,
        params: &crate::params::MailParams,
    ) -> Option<Reply> {
        if self.greeted == Greeted::No {
            return Some(bad_sequence("Send HELO/EHLO first"));
        }
        if self.tx.is_some() {
            return Some(bad_sequence("Sender already specified"));
        }
        if self.cfg.mode == Mode::Submission && !self.authenticated {
            // RFC 3207 §4: 530 when TLS must come first; RFC 4954 §6 otherwise.
            let text = if self.auth_allowed() {
                "Authentication required"
            } else {
                "Must issue a STARTTLS command first"
            };
            return Some(Reply::new(530, ec(5, 7, 0), text));
        }
        if *params != crate::params::MailParams::default() && self.greeted != Greeted::Ehlo {
            return Some(no_params_after_helo());
        }
        // RFC 6531 §3.4: a UTF-8 reverse path needs the SMTPUTF8 parameter.
        if !params.smtputf8 && !path.is_ascii() {
            return Some(non_ascii());
        }
        // RFC 1870 §6.1: 552 at once for a declared size over the fixed limit.
        if params.size.is_some_and(|s| s > self.cfg.size_limit) {
            return Some(Reply::new(
                552,
                ec(5, 3, 4),
                self.cfg.size_limit_text.clone(),
            ));
        }
        None
    }

    fn data_end(&mut self, end: DataEnd) {
        match end {
            DataEnd::Complete(body) => {
                self.pending = Some(Pending::Data);
                self.events.push_back(Event::Data(body));
            }
            DataEnd::TooLarge { size } => {
                self.tx = None;
                // RFC 1870 §6.3: 552 after the data when it was larger than allowed.
                let r = Reply::new(552, ec(5, 3, 4), self.cfg.size_limit_text.clone());
                self.reply(r);
                self.events.push_back(Event::MessageRefused {
                    reason: Refusal::TooLarge,
                    size,
                });
            }
            DataEnd::LineTooLong { size } => {
                self.tx = None;
                // RFC 5321 §4.5.3.1.6 limits text lines; RFC 3463 X.6.0: the
                // content made the message undeliverable.
                let limit = self.cfg.max_line_length.max(TEXT_LINE);
                self.reply(Reply::new(
                    550,
                    ec(5, 6, 0),
                    format!(
                        "Message refused: a line is longer than {limit} octets (RFC 5321 section 4.5.3.1.6)"
                    ),
                ));
                self.events.push_back(Event::MessageRefused {
                    reason: Refusal::LineTooLong,
                    size,
                });
            }
            DataEnd::BareLineEnding { size } => {
                self.tx = None;
                // RFC 5321 §2.3.8; the code is the one Exchange uses.
                self.reply(Reply::new(
                    550,
                    ec(5, 6, 11),
                    "Bare CR or LF not allowed in message data, lines must end with CRLF",
                ));
                self.events.push_back(Event::MessageRefused {
                    reason: Refusal::BareLineEnding,
                    size,
                });
            }
        }
    }

    fn starttls(&mut self) {
        if !self.cfg.starttls_available {
            return self.error(Reply::new(502, ec(5, 5, 1), "STARTTLS not available"));
        }
        if self.tls == TlsState::Active {
            return self.error(bad_sequence("TLS already active"));
        }
        if self.tx.is_some() {
            return self.error(bad_sequence(
                "STARTTLS not allowed during a mail transaction",
            ));
        }
        self.reply(Reply::new(220, ec(2, 0, 0), "Ready to start TLS"));
        // RFC 3207 §4.2 / RFC 2920 §3.1: STARTTLS ends a pipelined group;
        // anything after it was sent in clear and must not be executed.
        let discarded = self.inbuf.len();
        self.inbuf = Vec::new();
        self.input = Input::AwaitTls;
        self.events.push_back(Event::StartTls { discarded });
    }

    fn auth(&mut self, mechanism: &str, initial: Option<&str>) {
        if self.cfg.auth_mechanisms.is_empty() {
            return self.error(Reply::new(502, ec(5, 5, 1), "AUTH not available"));
        }
        if self.greeted != Greeted::Ehlo {
            return self.error(bad_sequence("Send EHLO first"));
        }
        if self.authenticated {
            return self.error(bad_sequence("Already authenticated"));
        }
        // RFC 4954 §4: AUTH is not permitted during a mail transaction.
        if self.tx.is_some() {
            return self.error(bad_sequence("AUTH not allowed during a mail transaction"));
        }
        if !self.auth_allowed() {
            return self.error(Reply::new(
                538,
                ec(5, 7, 11),
                "Encryption required for requested authentication mechanism",
            ));
        }
        let Some(mech) =
            AuthMechanism::from_name(mechanism).filter(|m| self.cfg.auth_mechanisms.contains(m))
        else {
            return self.error(Reply::new(
                504,
                ec(5, 5, 4),
                "Unrecognized authentication type",
            ));
        };
        let res = auth::start(mech, initial);
        self.sasl_step(mech, res);
    }

    fn sasl_line(&mut self, line: &[u8]) {
        let Input::Sasl(mech, ex) = std::mem::replace(&mut self.input, Input::Command) else {
            return;
        };
        let res = match std::str::from_utf8(line) {
            Ok(l) => ex.line(l),
            Err(_) => Err(SaslError::Base64),
        };
        self.sasl_step(mech, res);
    }

    fn sasl_step(
        &mut self,
        mech: AuthMechanism,
        res: Result<(Option<auth::Exchange>, Step), SaslError>,
    ) {
        match res {
            Ok((Some(ex), Step::Challenge(c))) => {
                self.reply(Reply::plain(334, c));
                self.input = Input::Sasl(mech, ex);
            }
            Ok((_, Step::Done(c))) => {
                self.input = Input::Command;
                self.pending = Some(Pending::Auth);
                self.events.push_back(Event::Auth {
                    mechanism: mech,
                    authzid: c.authzid,
                    authcid: c.authcid,
                    password: c.password,
                });
            }
            Ok((None, Step::Challenge(_))) => {
                self.input = Input::Command;
            }
            Err(SaslError::Cancelled) => {
                self.input = Input::Command;
                self.reply(Reply::new(501, ec(5, 0, 0), "Authentication cancelled"));
            }
            Err(SaslError::Base64 | SaslError::Malformed) => {
                self.input = Input::Command;
                self.error(Reply::new(501, ec(5, 5, 2), "Cannot decode response"));
            }
        }
    }
}

fn ok() -> Reply {
    Reply::new(250, ec(2, 0, 0), "OK")
}

/// RFC 5321 §4.1.4 / RFC 3463: 503 5.5.1 bad sequence of commands.
fn bad_sequence(text: &str) -> Reply {
    Reply::new(503, ec(5, 5, 1), text)
}

fn non_ascii() -> Reply {
    Reply::new(
        553,
        ec(5, 6, 7),
        "Non-ASCII address requires the SMTPUTF8 parameter",
    )
}

/// RFC 5321 §4.1.1.11: ESMTP parameters need EHLO.
fn no_params_after_helo() -> Reply {
    Reply::new(
        555,
        ec(5, 5, 4),
        "Parameters not allowed after HELO, use EHLO",
    )
}

/// The one place where command errors become replies.
fn syntax_reply(e: &CommandError, line: &[u8]) -> Reply {
    let is_rcpt = line
        .get(..4)
        .is_some_and(|v| v.eq_ignore_ascii_case(b"RCPT"));
    match e {
        CommandError::Syntax(why) => Reply::new(501, ec(5, 5, 4), format!("Syntax error: {why}")),
        CommandError::Path(p) => {
            // RFC 3463: X.1.7 bad sender address syntax, X.1.3 bad recipient.
            let code = if is_rcpt { ec(5, 1, 3) } else { ec(5, 1, 7) };
            let text = match p {
                PathError::Brackets => "Syntax error: address must be enclosed in <>".to_string(),
                other => format!("Bad address syntax: {other}"),
            };
            Reply::new(501, code, text)
        }
        CommandError::UnknownParameter(k) => {
            Reply::new(555, ec(5, 5, 4), format!("Parameter {k} not recognized"))
        }
        CommandError::BadParameterValue(why) => {
            Reply::new(501, ec(5, 5, 4), format!("Bad parameter: {why}"))
        }
        CommandError::InvalidUtf8 => Reply::new(500, ec(5, 5, 2), "Command is not valid UTF-8"),
        CommandError::ControlCharacter => Reply::new(
            500,
            ec(5, 5, 2),
            "Control character (NUL, CR, ...) in command",
        ),
    }
}
