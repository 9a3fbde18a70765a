//! SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 2034, RFC 3463):
//! formatting for the server, parsing for the client.

use std::fmt;

/// RFC 3463 §2: `class "." subject "." detail`, e.g. `5.7.1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnhancedCode {
    pub class: u8,
    pub subject: u16,
    pub detail: u16,
}

impl EnhancedCode {
    pub const fn new(class: u8, subject: u16, detail: u16) -> Self {
        EnhancedCode {
            class,
            subject,
            detail,
        }
    }

    /// Parses `class "." subject "." detail` (RFC 3463 §2: class is 2, 4 or 5;
    /// subject and detail are 1 to 3 digits).
    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.split('.');
        let (c, sub, det) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        let digits = |p: &str, max: usize| {
            !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(c, 1) || !digits(sub, 3) || !digits(det, 3) {
            return None;
        }
        let class: u8 = c.parse().ok()?;
        if !matches!(class, 2 | 4 | 5) {
            return None;
        }
        Some(EnhancedCode {
            class,
            subject: sub.parse().ok()?,
            detail: det.parse().ok()?,
        })
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// One SMTP reply: a three-digit code, an optional enhanced code and text.
///
/// `text` may hold several lines separated by `\n`; they become a multi-line
/// reply (`250-...` then `250 ...`, RFC 5321 §4.2.1). Carriage returns are
/// dropped when formatting, so reply text can never inject a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub enhanced: Option<EnhancedCode>,
    pub text: String,
}

impl Reply {
    /// A reply with an enhanced status code, e.g.
    /// `Reply::new(550, EnhancedCode::new(5, 7, 1), "Relaying denied")`.
    pub fn new(code: u16, enhanced: EnhancedCode, text: impl Into<String>) -> Self {
        Reply {
            code,
            enhanced: Some(enhanced),
            text: text.into(),
        }
    }

    /// A reply without enhanced code (greeting, EHLO/HELO, 3xx: RFC 2034 §3).
    pub fn plain(code: u16, text: impl Into<String>) -> Self {
        Reply {
            code,
            enhanced: None,
            text: text.into(),
        }
    }

    /// RFC 4954 §6: `535 5.7.8 Authentication credentials invalid`.
    pub fn auth_failed() -> Self {
        Reply::new(
            535,
            EnhancedCode::new(5, 7, 8),
            "Authentication credentials invalid",
        )
    }

    /// RFC 5321 §4.2.3 / RFC 3463: `451 4.3.0`, the reply for an internal
    /// error; `reference` (an error id also written to the log) lets an
    /// administrator find the cause without showing it to the peer.
    pub fn local_error(reference: &str) -> Self {
        Reply::new(
            451,
            EnhancedCode::new(4, 3, 0),
            format!("Local error in processing, reference {reference}"),
        )
    }

    /// 2xx.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }
    /// 3xx: the peer expects more (354 after DATA, 334 in AUTH).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }
    /// 4xx: try again later.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }
    /// 5xx: do not retry.
    pub fn is_permanent(&self) -> bool {
        (500..600).contains(&self.code)
    }

    /// The lines of the text, without CR or LF.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.text.split('\n').map(|l| l.replace('\r', ""))
    }

    /// Appends the wire form to `out`. Every line carries the code, and the
    /// enhanced code when there is one (RFC 2034 §3 repeats it on each line).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let lines: Vec<String> = self.lines().collect();
        let last = lines.len().saturating_sub(1);
        for (i, line) in lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            let mut s = format!("{:03}{}", self.code, sep);
            if let Some(e) = self.enhanced {
                s.push_str(&e.to_string());
                if !line.is_empty() {
                    s.push(' ');
                }
            }
            s.push_str(line);
            s.push_str("\r\n");
            out.extend_from_slice(s.as_bytes());
        }
    }

    /// The wire form as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.write_to(&mut v);
        v
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

/// Why a reply from a peer could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("reply line does not start with a three-digit code")]
    BadCode,
    #[error("reply line has a bad separator after the code")]
    BadSeparator,
    #[error("lines of a multi-line reply carry different codes")]
    CodeMismatch,
    #[error("reply is longer than the limit")]
    TooLong,
}

/// Incremental parser of replies received by a client (RFC 5321 §4.2.1).
///
/// Feed it lines one by one (without CRLF); it returns a [`Reply`] when the
/// last line (`code SP`) arrives. The enhanced code is recognised when the
/// text starts with one whose class equals the code's first digit
/// (RFC 2034 §3), and removed from the text.
#[derive(Debug, Default)]
pub struct ReplyParser {
    code: Option<u16>,
    lines: Vec<String>,
    total: usize,
}

/// Upper bound on the text gathered for one reply, so a peer cannot grow
/// memory without bound with an endless `250-` reply.
const MAX_REPLY_BYTES: usize = 64 * 1024;

impl ReplyParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one line (CRLF removed). `Ok(None)`: more lines are expected.
    pub fn line(&mut self, line: &[u8]) -> Result<Option<Reply>, ReplyError> {
        let res = self.line_inner(line);
        if res.is_err() {
            *self = ReplyParser::default();
        }
        res
    }

    fn line_inner(&mut self, line: &[u8]) -> Result<Option<Reply>, ReplyError> {
        if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) || line[0] == b'0' {
            return Err(ReplyError::BadCode);
        }
        let code = u16::from(line[0] - b'0') * 100
            + u16::from(line[1] - b'0') * 10
            + u16::from(line[2] - b'0');
        let last = match line.get(3) {
            None | Some(b' ') => true,
            Some(b'-') => false,
            Some(_) => return Err(ReplyError::BadSeparator),
        };
        if self.code.is_some_and(|c| c != code) {
            return Err(ReplyError::CodeMismatch);
        }
        self.code = Some(code);
        let text = String::from_utf8_lossy(line.get(4..).unwrap_or_default()).into_owned();
        self.total += text.len();
        if self.total > MAX_REPLY_BYTES {
            return Err(ReplyError::TooLong);
        }
        self.lines.push(text);
        if !last {
            return Ok(None);
        }
        let lines = std::mem::take(&mut self.lines);
        self.code = None;
        self.total = 0;
        Ok(Some(assemble(code, lines)))
    }
}

/// Builds a reply from its text lines, lifting a leading enhanced code.
fn assemble(code: u16, lines: Vec<String>) -> Reply {
    let class = (code / 100) as u8;
    let first_enhanced = lines
        .first()
        .and_then(|l| split_enhanced(l, class))
        .map(|(e, _)| e);
    let mut texts = Vec::with_capacity(lines.len());
    for l in &lines {
        match (first_enhanced, split_enhanced(l, class)) {
            (Some(e), Some((e2, rest))) if e == e2 => texts.push(rest.to_string()),
            _ => texts.push(l.clone()),
        }
    }
    Reply {
        code,
        enhanced: first_enhanced,
        text: texts.join("\n"),
    }
}

fn split_enhanced(line: &str, class: u8) -> Option<(EnhancedCode, &str)> {
    let (head, rest) = match line.find(' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (line, ""),
    };
    let e = EnhancedCode::parse(head)?;
    (e.class == class).then_some((e, rest))
}
