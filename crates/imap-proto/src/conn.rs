//! The sans-IO server connection: framing of lines and literals (RFC 9051
//! §2.2, §4.3, RFC 7888 LITERAL+/LITERAL-), limits, the state table, IDLE
//! (RFC 2177) and AUTHENTICATE continuations (RFC 9051 §6.2.2, RFC 4959).
//!
//! Invariants: input is buffered only up to `max_command_len` bytes of
//! command lines plus accepted literals; an over-long line is skipped, not
//! stored. No input makes it panic.

use crate::command::{Command, CommandBody};
use crate::parser::{ParseOptions, parse_command};
use crate::response::{Code, Encoder, Response, Status};
use crate::state::{self, State};
use crate::types::Secret;

/// RFC 7888 §4: LITERAL- allows non-synchronising literals up to this size.
pub const LITERAL_MINUS_MAX: u64 = 4096;

/// Which non-synchronising literal extension the server advertises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiteralMode {
    /// LITERAL+: `{n+}` of any size up to `max_literal`.
    Plus,
    /// LITERAL- (and IMAP4rev2): `{n+}` only up to 4096 octets.
    Minus,
}

/// Size limits, lowered from configuration by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest command line (without literal data), CRLF included.
    pub max_command_len: usize,
    /// Largest literal accepted (APPENDLIMIT).
    pub max_literal: u64,
    /// LITERAL+ or LITERAL-.
    pub literal_mode: LiteralMode,
}

/// What the connection tells the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A complete, valid command allowed in the current state. AUTHENTICATE
    /// also arrives here; its continuation lines come as
    /// [`Event::AuthenticateContinue`]. IDLE does not: see [`Event::Idle`].
    Command(Command),
    /// A literal was announced; call [`ServerConn::accept_literal`] before
    /// polling again (nothing more is parsed until then).
    LiteralAnnounced {
        /// Tag of the command.
        tag: String,
        /// Announced size.
        size: u64,
        /// `{n+}`: the client did not wait for `+`.
        non_sync: bool,
    },
    /// IDLE started; the connection already sent `+ idling`.
    Idle {
        /// Tag of IDLE.
        tag: String,
    },
    /// The client sent DONE; the server sends `tag OK IDLE terminated`.
    IdleDone {
        /// Tag of IDLE.
        tag: String,
    },
    /// A SASL response line, base64-decoded.
    AuthenticateContinue {
        /// Tag of AUTHENTICATE.
        tag: String,
        /// Decoded data.
        data: Secret,
    },
    /// The client cancelled AUTHENTICATE with `*`; the connection already sent BAD.
    AuthenticateCancel {
        /// Tag of AUTHENTICATE.
        tag: String,
    },
    /// Malformed or misplaced input: the connection already queued BAD; the session goes on.
    Bad {
        /// Tag, if one could be read.
        tag: Option<String>,
        /// Text sent.
        text: String,
    },
    /// A literal was refused as too big: `NO [TOOBIG]` (or BAD for
    /// non-synchronising ones) is already queued.
    TooBig {
        /// Tag.
        tag: String,
        /// Announced size.
        size: u64,
    },
}

#[derive(Debug)]
enum Mode {
    Normal,
    Literal {
        remaining: usize,
    },
    AwaitDecision {
        tag: String,
        size: u64,
        non_sync: bool,
    },
    /// Skip literal octets, then the rest of that command.
    Discard {
        remaining: u64,
    },
    /// Skip up to the next LF (then follow literal markers).
    SkipLine,
    Idle {
        tag: String,
    },
    Auth {
        tag: String,
    },
}

/// A literal marker at the end of a line: `{n}`, `{n+}` or `~{n}`.
fn literal_marker(line: &[u8]) -> Option<(u64, bool)> {
    let l = line.strip_suffix(b"\n")?;
    let l = l.strip_suffix(b"\r").unwrap_or(l);
    let l = l.strip_suffix(b"}")?;
    let (l, non_sync) = match l.strip_suffix(b"+") {
        Some(l) => (l, true),
        None => (l, false),
    };
    let open = l.iter().rposition(|&b| b == b'{')?;
    let digits = &l[open + 1..];
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?;
    Some((n, non_sync))
}

/// The tag and command name (after `UID`) at the start of a command, for early checks.
fn tag_and_name(cmd: &[u8]) -> (Option<String>, String) {
    let mut parts = cmd.split(|&b| b == b' ' || b == b'\r' || b == b'\n');
    let tag = parts
        .next()
        .filter(|t| {
            !t.is_empty()
                && t.len() <= crate::parser::MAX_TAG_LEN
                && t.iter()
                    .all(|&b| b > 0x20 && b < 0x7f && b != b'+' && b != b'{')
        })
        .map(|t| String::from_utf8_lossy(t).into_owned());
    let name = parts
        .next()
        .map(|n| String::from_utf8_lossy(n).to_ascii_uppercase())
        .unwrap_or_default();
    (tag, name)
}

/// One client connection's protocol state.
#[derive(Debug)]
pub struct ServerConn {
    limits: Limits,
    state: State,
    opts: ParseOptions,
    input: Vec<u8>,
    cmd: Vec<u8>,
    line_len: usize,
    mode: Mode,
    output: Vec<u8>,
}

impl ServerConn {
    /// A new connection in the NotAuthenticated state. Send the greeting with [`Self::write`].
    pub fn new(limits: Limits) -> Self {
        ServerConn {
            limits,
            state: State::NotAuthenticated,
            opts: ParseOptions::default(),
            input: Vec::new(),
            cmd: Vec::new(),
            line_len: 0,
            mode: Mode::Normal,
            output: Vec::new(),
        }
    }

    /// Current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Called by the server after LOGIN, SELECT, CLOSE, LOGOUT...
    pub fn set_state(&mut self, s: State) {
        self.state = s;
    }

    /// Called when IMAP4rev2 or UTF8=ACCEPT is enabled (RFC 9051 §6.3.1, RFC 6855):
    /// names are then UTF-8 both ways.
    pub fn set_utf8(&mut self, on: bool) {
        self.opts.utf8 = on;
    }

    /// Whether UTF-8 names are on.
    pub fn utf8(&self) -> bool {
        self.opts.utf8
    }

    /// The encoder matching this connection's options.
    pub fn encoder(&self) -> Encoder {
        Encoder {
            utf8: self.opts.utf8,
        }
    }

    /// Adds bytes read from the socket.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.state != State::Logout {
            self.input.extend_from_slice(bytes);
        }
    }

    /// Queues one response. A tagged response ends an AUTHENTICATE exchange.
    pub fn write(&mut self, r: Response) {
        if let (Response::Status { tag: Some(t), .. }, Mode::Auth { tag }) = (&r, &self.mode)
            && t == tag
        {
            self.mode = Mode::Normal;
        }
        self.encoder().encode(&r, &mut self.output);
    }

    /// Queues several responses.
    pub fn respond(&mut self, rs: impl IntoIterator<Item = Response>) {
        for r in rs {
            self.write(r);
        }
    }

    /// Sends a SASL challenge (`+ base64`).
    pub fn auth_challenge(&mut self, data: &[u8]) {
        self.write(Response::Challenge(data.to_vec()));
    }

    /// Bytes to send.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.output)
    }

    /// Whether a decision on an announced literal is pending.
    pub fn awaiting_literal_decision(&self) -> bool {
        matches!(self.mode, Mode::AwaitDecision { .. })
    }

    /// Answers [`Event::LiteralAnnounced`]: `true` sends `+ Ready` (synchronising
    /// literals) and reads the octets; `false` refuses with `NO [TOOBIG]` and
    /// drops the command (skipping the octets of a non-synchronising literal).
    pub fn accept_literal(&mut self, ok: bool) {
        let Mode::AwaitDecision {
            tag,
            size,
            non_sync,
        } = std::mem::replace(&mut self.mode, Mode::Normal)
        else {
            return;
        };
        if ok {
            if !non_sync {
                self.write(Response::Continue("Ready for literal data".into()));
            }
            // Size was checked against max_literal, which bounds memory.
            self.mode = Mode::Literal {
                remaining: usize::try_from(size).unwrap_or(usize::MAX),
            };
        } else {
            self.reset_command();
            self.write(Response::no(&tag, Some(Code::TooBig), "Literal refused"));
            if non_sync {
                self.mode = Mode::Discard { remaining: size };
            }
        }
    }

    fn reset_command(&mut self) {
        self.cmd.clear();
        self.line_len = 0;
    }

    fn bad(&mut self, tag: Option<String>, text: String) -> Event {
        self.write(Response::Status {
            tag: Some(tag.clone().unwrap_or_else(|| "*".into())),
            status: Status::Bad,
            code: None,
            text: text.clone(),
        });
        Event::Bad { tag, text }
    }

    /// Finds the next LF in the input, returning the line (with LF) if present.
    fn take_line(&mut self) -> Option<Vec<u8>> {
        let i = self.input.iter().position(|&b| b == b'\n')?;
        Some(self.input.drain(..=i).collect())
    }

    /// The next event, or `None` when more input (or a literal decision) is needed.
    pub fn poll_event(&mut self) -> Option<Event> {
        loop {
            if self.state == State::Logout {
                self.input.clear();
                return None;
            }
            match &mut self.mode {
                Mode::AwaitDecision { .. } => return None,
                Mode::Literal { remaining } => {
                    let n = (*remaining).min(self.input.len());
                    self.cmd.extend(self.input.drain(..n));
                    *remaining -= n;
                    if *remaining > 0 {
                        return None;
                    }
                    self.mode = Mode::Normal;
                }
                Mode::Discard { remaining } => {
                    let n = usize::try_from(*remaining)
                        .unwrap_or(usize::MAX)
                        .min(self.input.len());
                    self.input.drain(..n);
                    *remaining -= n as u64;
                    if *remaining > 0 {
                        return None;
                    }
                    self.mode = Mode::SkipLine;
                }
                Mode::SkipLine => match self.take_line() {
                    Some(line) => {
                        self.mode = match literal_marker(&line) {
                            Some((n, true)) => Mode::Discard { remaining: n },
                            _ => Mode::Normal,
                        };
                    }
                    None => {
                        // Keep a short tail: a literal marker may straddle two reads.
                        let keep = self.input.len().min(32);
                        let cut = self.input.len() - keep;
                        self.input.drain(..cut);
                        return None;
                    }
                },
                Mode::Idle { tag } => {
                    let tag = tag.clone();
                    let Some(line) = self.take_line() else {
                        if self.input.len() > self.limits.max_command_len {
                            self.input.clear();
                        }
                        return None;
                    };
                    self.mode = Mode::Normal;
                    // RFC 2177 §3: the client ends IDLE with "DONE".
                    if line.trim_ascii().eq_ignore_ascii_case(b"DONE") {
                        return Some(Event::IdleDone { tag });
                    }
                    return Some(self.bad(Some(tag), "Expected DONE to end IDLE".into()));
                }
                Mode::Auth { tag } => {
                    let tag = tag.clone();
                    let Some(line) = self.take_line() else {
                        if self.input.len() > self.limits.max_command_len {
                            self.input.clear();
                            self.mode = Mode::SkipLine;
                            return Some(self.bad(Some(tag), "SASL response too long".into()));
                        }
                        return None;
                    };
                    let data = line.trim_ascii_end();
                    // RFC 9051 §6.2.2: "*" cancels; the server answers BAD.
                    if data == b"*" {
                        self.mode = Mode::Normal;
                        self.write(Response::bad(&tag, "Authentication cancelled"));
                        return Some(Event::AuthenticateCancel { tag });
                    }
                    return Some(match crate::base64::decode(data) {
                        Some(d) => Event::AuthenticateContinue {
                            tag,
                            data: Secret(d),
                        },
                        None => {
                            self.mode = Mode::Normal;
                            self.bad(Some(tag), "Invalid base64 in SASL response".into())
                        }
                    });
                }
                Mode::Normal => {
                    if let Some(ev) = self.step_normal()? {
                        return Some(ev);
                    }
                }
            }
        }
    }

    /// One step in Normal mode: `None` = need input, `Some(None)` = continue, `Some(Some(ev))`.
    fn step_normal(&mut self) -> Option<Option<Event>> {
        let Some(line) = self.take_line() else {
            if self.line_len + self.input.len() > self.limits.max_command_len {
                let (tag, _) = tag_and_name(if self.cmd.is_empty() {
                    &self.input
                } else {
                    &self.cmd
                });
                self.input.clear();
                self.reset_command();
                self.mode = Mode::SkipLine;
                return Some(Some(self.bad(tag, "Command line too long".into())));
            }
            return None;
        };
        self.line_len += line.len();
        let marker = literal_marker(&line);
        if self.line_len > self.limits.max_command_len {
            let (tag, _) = tag_and_name(if self.cmd.is_empty() {
                &line
            } else {
                &self.cmd
            });
            self.reset_command();
            if let Some((n, true)) = marker {
                self.mode = Mode::Discard { remaining: n };
            }
            return Some(Some(self.bad(tag, "Command line too long".into())));
        }
        if self.cmd.is_empty() && line.trim_ascii().is_empty() {
            // RFC 9051 does not allow empty lines; ignore them quietly as most servers do.
            self.line_len = 0;
            return Some(None);
        }
        self.cmd.extend_from_slice(&line);
        if let Some((size, non_sync)) = marker {
            let (tag, name) = tag_and_name(&self.cmd);
            let Some(tag) = tag else {
                self.reset_command();
                if non_sync {
                    self.mode = Mode::Discard { remaining: size };
                }
                return Some(Some(self.bad(None, "Missing or invalid tag".into())));
            };
            let name = if name == "UID" {
                "UID".to_string()
            } else {
                name
            };
            if let Err(text) = state::check(self.state, &name) {
                self.reset_command();
                if non_sync {
                    self.mode = Mode::Discard { remaining: size };
                }
                return Some(Some(self.bad(Some(tag), text)));
            }
            let total = (self.cmd.len() as u64).saturating_add(size);
            let cap = self
                .limits
                .max_literal
                .saturating_add(self.limits.max_command_len as u64);
            // Before login only LOGIN and AUTHENTICATE take literals (a name,
            // a password): LITERAL_MINUS_MAX is plenty, and a peer that has
            // not authenticated cannot make the server hold APPENDLIMIT
            // octets, even with LITERAL+.
            let max = if self.state == State::NotAuthenticated {
                self.limits.max_literal.min(LITERAL_MINUS_MAX)
            } else {
                self.limits.max_literal
            };
            let too_big = size > max || total > cap;
            if non_sync
                && (too_big
                    || (self.limits.literal_mode == LiteralMode::Minus && size > LITERAL_MINUS_MAX))
            {
                // RFC 7888 §4: refuse with BAD [TOOBIG]; the octets are on their way, skip them.
                self.reset_command();
                self.mode = Mode::Discard { remaining: size };
                self.write(Response::Status {
                    tag: Some(tag.clone()),
                    status: Status::Bad,
                    code: Some(Code::TooBig),
                    text: "Non-synchronizing literal too big".into(),
                });
                return Some(Some(Event::TooBig { tag, size }));
            }
            if too_big {
                // RFC 9051 §7.1: NO [TOOBIG]; the client will not send the octets.
                self.reset_command();
                self.write(Response::no(&tag, Some(Code::TooBig), "Literal too big"));
                return Some(Some(Event::TooBig { tag, size }));
            }
            self.mode = Mode::AwaitDecision {
                tag: tag.clone(),
                size,
                non_sync,
            };
            return Some(Some(Event::LiteralAnnounced {
                tag,
                size,
                non_sync,
            }));
        }
        // A complete command.
        let cmd = std::mem::take(&mut self.cmd);
        self.line_len = 0;
        Some(Some(self.complete(&cmd)))
    }

    fn complete(&mut self, raw: &[u8]) -> Event {
        let cmd = match parse_command(raw, self.opts) {
            Ok(c) => c,
            Err((tag, e)) => return self.bad(tag, e.0),
        };
        if let Err(text) = state::check(self.state, cmd.body.name()) {
            return self.bad(Some(cmd.tag), text);
        }
        match &cmd.body {
            CommandBody::Idle => {
                self.mode = Mode::Idle {
                    tag: cmd.tag.clone(),
                };
                self.write(Response::Continue("idling".into()));
                return Event::Idle { tag: cmd.tag };
            }
            CommandBody::Authenticate { .. } => {
                self.mode = Mode::Auth {
                    tag: cmd.tag.clone(),
                };
            }
            CommandBody::StartTls => {
                // RFC 9051 §11.1 (CVE-2011-0411): nothing pipelined after
                // STARTTLS may be read as if it came over TLS.
                self.input.clear();
            }
            _ => {}
        }
        Event::Command(cmd)
    }
}
