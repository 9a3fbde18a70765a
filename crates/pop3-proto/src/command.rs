//! POP3 command lines (RFC 1939 §3, RFC 2449 §3) parsed into [`Command`].

use vesontio_types::Secret;

/// A message-number argument. Garbage is kept as a value so the session can
/// answer it like an out-of-range number (RFC 1939 §5: "-ERR no such message").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MsgArg {
    Number(u32),
    Invalid,
}

/// One client command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    User(String),
    /// RFC 1939 §7: the rest of the line, spaces included.
    Pass(Secret<String>),
    /// RFC 1939 §7, not offered here.
    Apop,
    /// RFC 5034 §4: `AUTH mechanism [initial-response]`; a bare `AUTH`
    /// asks for the mechanism list (pre-RFC 5034 clients).
    Auth {
        mechanism: Option<String>,
        initial_response: Option<String>,
    },
    Capa,
    Stls,
    Stat,
    List(Option<MsgArg>),
    Uidl(Option<MsgArg>),
    Retr(MsgArg),
    /// RFC 1939 §7: TOP msg n.
    Top(MsgArg, u32),
    Dele(MsgArg),
    Rset,
    Noop,
    Quit,
}

/// The keyword of a command, for the state table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    User,
    Pass,
    Apop,
    Auth,
    Capa,
    Stls,
    Stat,
    List,
    Uidl,
    Retr,
    Top,
    Dele,
    Rset,
    Noop,
    Quit,
}

impl Command {
    pub fn verb(&self) -> Verb {
        match self {
            Command::User(_) => Verb::User,
            Command::Pass(_) => Verb::Pass,
            Command::Apop => Verb::Apop,
            Command::Auth { .. } => Verb::Auth,
            Command::Capa => Verb::Capa,
            Command::Stls => Verb::Stls,
            Command::Stat => Verb::Stat,
            Command::List(_) => Verb::List,
            Command::Uidl(_) => Verb::Uidl,
            Command::Retr(_) => Verb::Retr,
            Command::Top(..) => Verb::Top,
            Command::Dele(_) => Verb::Dele,
            Command::Rset => Verb::Rset,
            Command::Noop => Verb::Noop,
            Command::Quit => Verb::Quit,
        }
    }
}

/// Why a line is not a command. Both are answered `-ERR` and the session goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown command")]
    Unknown,
    #[error("{0}")]
    Syntax(&'static str),
}

/// Parses one command line, without its CRLF.
///
/// RFC 1939 §3: `keyword *(SP argument)`, keywords case-insensitive. We are
/// lenient about repeated spaces between arguments, except for PASS whose
/// single argument is the rest of the line.
pub fn parse_command(line: &[u8]) -> Result<Command, ParseError> {
    let (keyword, rest) = match line.iter().position(|&b| b == b' ') {
        Some(p) => (&line[..p], Some(&line[p + 1..])),
        None => (line, None),
    };
    if keyword.is_empty() || keyword.len() > 4 || !keyword.iter().all(u8::is_ascii_alphabetic) {
        return Err(ParseError::Unknown);
    }
    let mut kw = [0u8; 4];
    kw[..keyword.len()].copy_from_slice(keyword);
    kw.make_ascii_uppercase();
    let kw = &kw[..keyword.len()];

    let rest = match rest {
        Some(r) => Some(
            std::str::from_utf8(r).map_err(|_| ParseError::Syntax("arguments must be UTF-8"))?,
        ),
        None => None,
    };
    let args: Vec<&str> = rest
        .map(|r| r.split(' ').filter(|a| !a.is_empty()).collect())
        .unwrap_or_default();

    let no_args = |cmd: Command, err: &'static str| {
        if args.is_empty() {
            Ok(cmd)
        } else {
            Err(ParseError::Syntax(err))
        }
    };
    match kw {
        b"USER" => match args.as_slice() {
            [name] => Ok(Command::User((*name).to_owned())),
            _ => Err(ParseError::Syntax("USER needs exactly one argument")),
        },
        b"PASS" => match rest {
            Some(pw) if !pw.is_empty() => Ok(Command::Pass(Secret::new(pw.to_owned()))),
            _ => Err(ParseError::Syntax("PASS needs a password")),
        },
        b"APOP" => Ok(Command::Apop),
        b"AUTH" => match args.as_slice() {
            [] => Ok(Command::Auth {
                mechanism: None,
                initial_response: None,
            }),
            [m] => Ok(Command::Auth {
                mechanism: Some(m.to_ascii_uppercase()),
                initial_response: None,
            }),
            [m, ir] => Ok(Command::Auth {
                mechanism: Some(m.to_ascii_uppercase()),
                initial_response: Some((*ir).to_owned()),
            }),
            _ => Err(ParseError::Syntax(
                "AUTH takes a mechanism and an optional initial response",
            )),
        },
        b"CAPA" => no_args(Command::Capa, "CAPA takes no argument"),
        b"STLS" => no_args(Command::Stls, "STLS takes no argument"),
        b"STAT" => no_args(Command::Stat, "STAT takes no argument"),
        b"RSET" => no_args(Command::Rset, "RSET takes no argument"),
        b"NOOP" => no_args(Command::Noop, "NOOP takes no argument"),
        b"QUIT" => no_args(Command::Quit, "QUIT takes no argument"),
        b"LIST" | b"UIDL" => {
            let arg = match args.as_slice() {
                [] => None,
                [n] => Some(msg_arg(n)),
                _ => return Err(ParseError::Syntax("at most one message number expected")),
            };
            Ok(if kw == b"LIST" {
                Command::List(arg)
            } else {
                Command::Uidl(arg)
            })
        }
        b"RETR" | b"DELE" => match args.as_slice() {
            [n] => Ok(if kw == b"RETR" {
                Command::Retr(msg_arg(n))
            } else {
                Command::Dele(msg_arg(n))
            }),
            _ => Err(ParseError::Syntax("exactly one message number expected")),
        },
        b"TOP" => match args.as_slice() {
            [n, lines] => match line_count(lines) {
                Some(l) => Ok(Command::Top(msg_arg(n), l)),
                None => Err(ParseError::Syntax("TOP needs a non-negative line count")),
            },
            _ => Err(ParseError::Syntax(
                "TOP needs a message number and a line count",
            )),
        },
        _ => Err(ParseError::Unknown),
    }
}

/// RFC 1939 §3: a message number is a decimal number; anything else is
/// answered like a number out of range.
fn msg_arg(s: &str) -> MsgArg {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return MsgArg::Invalid;
    }
    s.parse().map_or(MsgArg::Invalid, MsgArg::Number)
}

/// TOP's line count; a huge number means "the whole body".
fn line_count(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.parse().unwrap_or(u32::MAX))
}
