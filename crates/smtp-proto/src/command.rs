//! SMTP command lines (RFC 5321 §4.1.1) parsed into [`Command`] values.

use crate::params::{self, MailParams, RcptParams};
use crate::path::{self, ForwardPath, PathError, ReversePath};

/// One command line, parsed. Unknown verbs are values, not errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// RFC 5321 §4.1.1.1.
    Ehlo(String),
    Helo(String),
    /// RFC 5321 §4.1.1.2.
    Mail {
        reverse_path: ReversePath,
        params: MailParams,
    },
    /// RFC 5321 §4.1.1.3.
    Rcpt {
        forward_path: ForwardPath,
        params: RcptParams,
    },
    /// RFC 5321 §4.1.1.4.
    Data,
    Rset,
    Noop,
    Quit,
    Vrfy(String),
    Expn(String),
    Help,
    /// RFC 3207 §4.
    StartTls,
    /// RFC 4954 §4: `AUTH mechanism [initial-response]`.
    Auth {
        mechanism: String,
        initial_response: Option<String>,
    },
    /// RFC 3030 §2: `BDAT chunk-size [SP "LAST"]`.
    Bdat {
        size: u64,
        last: bool,
    },
    /// A verb this crate does not know (upper-cased, at most 16 characters).
    Unknown(String),
}

/// Why a command line was refused. `reply()` in the server maps each to
/// its SMTP reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// 501 5.5.4: wrong arguments for a known command.
    #[error("syntax error in parameters or arguments: {0}")]
    Syntax(&'static str),
    /// 501 5.1.7 (sender) or 5.1.3 (recipient): the path does not parse.
    #[error("bad address syntax: {0}")]
    Path(PathError),
    /// 555 5.5.4 (RFC 5321 §4.1.1.11): a MAIL/RCPT parameter we do not know.
    #[error("parameter {0} not recognized")]
    UnknownParameter(String),
    /// 501 5.5.4: a known parameter with a bad value.
    #[error("bad parameter value: {0}")]
    BadParameterValue(&'static str),
    /// 500 5.5.2: a command line that is not UTF-8 (RFC 6531 §3.3 allows
    /// UTF-8 only).
    #[error("command line is not valid UTF-8")]
    InvalidUtf8,
    /// 500 5.5.2: NUL or another control character in a command.
    #[error("command line contains a control character")]
    ControlCharacter,
}

/// Parses one command line, CRLF already removed.
pub fn parse(line: &[u8]) -> Result<Command, CommandError> {
    // RFC 5321 §4.1: commands are printable text; NUL and other controls
    // (except HT, tolerated as a separator by nobody, so refused too) are
    // rejected outright.
    if line.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Err(CommandError::ControlCharacter);
    }
    let line = std::str::from_utf8(line).map_err(|_| CommandError::InvalidUtf8)?;
    let (verb, args) = match line.split_once(' ') {
        Some((v, a)) => (v, a),
        None => (line, ""),
    };
    let verb_upper = verb.to_ascii_uppercase();
    let args_trimmed = args.trim_matches(' ');
    Ok(match verb_upper.as_str() {
        "EHLO" => Command::Ehlo(domain_arg(args_trimmed)?),
        "HELO" => Command::Helo(domain_arg(args_trimmed)?),
        "MAIL" => {
            let rest = prefix_ci(args, "FROM:")
                .ok_or(CommandError::Syntax("expected MAIL FROM:<address>"))?;
            // Tolerate spaces after the colon, as deployed clients send them.
            let (reverse_path, rest) =
                path::reverse_path(rest.trim_start_matches(' ')).map_err(CommandError::Path)?;
            Command::Mail {
                reverse_path,
                params: mail_rest(rest)?,
            }
        }
        "RCPT" => {
            let rest =
                prefix_ci(args, "TO:").ok_or(CommandError::Syntax("expected RCPT TO:<address>"))?;
            let (forward_path, rest) =
                path::forward_path(rest.trim_start_matches(' ')).map_err(CommandError::Path)?;
            Command::Rcpt {
                forward_path,
                params: rcpt_rest(rest)?,
            }
        }
        "DATA" => no_args(args_trimmed, Command::Data)?,
        "RSET" => no_args(args_trimmed, Command::Rset)?,
        "QUIT" => no_args(args_trimmed, Command::Quit)?,
        "STARTTLS" => no_args(args_trimmed, Command::StartTls)?,
        // RFC 5321 §4.1.1.9: NOOP may carry a string, which is ignored.
        "NOOP" => Command::Noop,
        "HELP" => Command::Help,
        "VRFY" => Command::Vrfy(string_arg(args_trimmed)?),
        "EXPN" => Command::Expn(string_arg(args_trimmed)?),
        "AUTH" => {
            let mut it = args_trimmed.split(' ').filter(|s| !s.is_empty());
            let mechanism = it
                .next()
                .ok_or(CommandError::Syntax("AUTH needs a mechanism"))?
                .to_ascii_uppercase();
            let initial_response = it.next().map(str::to_string);
            if it.next().is_some() {
                return Err(CommandError::Syntax("too many AUTH arguments"));
            }
            Command::Auth {
                mechanism,
                initial_response,
            }
        }
        "BDAT" => bdat_args(args_trimmed)?,
        _ => Command::Unknown(verb_upper.chars().take(16).collect()),
    })
}

fn prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn no_args(args: &str, cmd: Command) -> Result<Command, CommandError> {
    if args.is_empty() {
        Ok(cmd)
    } else {
        Err(CommandError::Syntax("no parameters allowed"))
    }
}

fn string_arg(args: &str) -> Result<String, CommandError> {
    if args.is_empty() {
        Err(CommandError::Syntax("argument required"))
    } else {
        Ok(args.to_string())
    }
}

/// RFC 5321 §4.1.1.1: `"EHLO" SP ( Domain / address-literal )`. Only one
/// token is required: RFC 5321 §4.1.4 forbids refusing a session because
/// the name does not verify, and deployed clients send names with `_`.
fn domain_arg(args: &str) -> Result<String, CommandError> {
    if args.is_empty() {
        return Err(CommandError::Syntax("domain name required"));
    }
    if args.contains(' ') {
        return Err(CommandError::Syntax("one domain name expected"));
    }
    Ok(args.to_string())
}

/// RFC 3030 §2: `bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ]`,
/// `chunk-size = 1*DIGIT`, `end-marker = "LAST"`.
fn bdat_args(args: &str) -> Result<Command, CommandError> {
    let mut it = args.split(' ').filter(|s| !s.is_empty());
    let size = it
        .next()
        .ok_or(CommandError::Syntax("BDAT needs a chunk size"))?;
    if size.len() > 20 || !size.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CommandError::Syntax("bad BDAT chunk size"));
    }
    let size = size
        .parse()
        .map_err(|_| CommandError::Syntax("bad BDAT chunk size"))?;
    let last = match it.next() {
        None => false,
        Some(l) if l.eq_ignore_ascii_case("LAST") => true,
        Some(_) => return Err(CommandError::Syntax("BDAT end marker must be LAST")),
    };
    if it.next().is_some() {
        return Err(CommandError::Syntax("too many BDAT arguments"));
    }
    Ok(Command::Bdat { size, last })
}

/// After the path: nothing, or `SP Mail-parameters`.
fn mail_rest(rest: &str) -> Result<MailParams, CommandError> {
    match rest {
        "" => Ok(MailParams::default()),
        r if r.starts_with(' ') => params::mail_params(r),
        _ => Err(CommandError::Syntax("garbage after address")),
    }
}

fn rcpt_rest(rest: &str) -> Result<RcptParams, CommandError> {
    match rest {
        "" => Ok(RcptParams::default()),
        r if r.starts_with(' ') => params::rcpt_params(r),
        _ => Err(CommandError::Syntax("garbage after address")),
    }
}
