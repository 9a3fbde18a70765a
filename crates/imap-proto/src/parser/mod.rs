//! Command parser: a cursor over one complete command (its lines and literal
//! octets, as framed by [`crate::ServerConn`]) and the RFC 9051 §9 primitives.
//!
//! Invariants: parsing never panics and never allocates more than the input
//! size; nesting depth is bounded by [`MAX_DEPTH`].

mod command;
mod fetch;
mod search;
mod sort;

pub use command::parse_command;

use crate::types::{Date, DateTime, Flag, Mailbox, SeqNum, SeqRange, SequenceSet, month_from_name};
use crate::utf7::decode_utf7;

/// Deepest nesting of parentheses accepted in SEARCH and elsewhere.
pub const MAX_DEPTH: usize = 32;

/// Longest tag accepted. RFC 9051 §9 sets no bound, but every response to a
/// command echoes its tag: a longer one is refused (`* BAD`), so a peer
/// cannot make the server send back a command-line-sized tag. Clients use
/// a few characters (`A0001`); Dovecot's login process allows about 126.
pub const MAX_TAG_LEN: usize = 128;

/// Longest piece of peer input (a command name, a search key…) quoted back
/// in an error text; the rest is replaced by `...`.
pub const MAX_ECHO_LEN: usize = 64;

/// `s` for an error text: at most [`MAX_ECHO_LEN`] octets of it (cut at a
/// character boundary), so a `BAD` never carries a large part of the input.
pub fn echo(s: &str) -> String {
    if s.len() <= MAX_ECHO_LEN {
        return s.to_string();
    }
    let mut end = MAX_ECHO_LEN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

/// A syntax error with a human text for the `BAD` reply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

pub(crate) type PResult<T> = Result<T, ParseError>;

pub(crate) fn err<T>(msg: impl Into<String>) -> PResult<T> {
    Err(ParseError(msg.into()))
}

/// Options that change how names are decoded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// IMAP4rev2 or UTF8=ACCEPT enabled: mailbox names are UTF-8, not modified UTF-7.
    pub utf8: bool,
}

pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    pub(crate) opts: ParseOptions,
    pub(crate) depth: usize,
}

/// RFC 9051 §9 `atom-specials` (without CTL and 8-bit, checked separately).
fn is_atom_char(c: u8) -> bool {
    c > 0x20
        && c < 0x7f
        && !matches!(
            c,
            b'(' | b')' | b'{' | b' ' | b'%' | b'*' | b'"' | b'\\' | b']'
        )
}

fn is_astring_char(c: u8) -> bool {
    is_atom_char(c) || c == b']'
}

fn is_list_char(c: u8) -> bool {
    is_astring_char(c) || c == b'%' || c == b'*'
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8], opts: ParseOptions) -> Self {
        Cursor {
            buf,
            pos: 0,
            opts,
            depth: 0,
        }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    pub(crate) fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or(&[])
    }

    pub(crate) fn skip(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.buf.len());
    }

    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, c: u8) -> PResult<()> {
        if self.eat(c) {
            Ok(())
        } else {
            err(format!("Expected '{}'", char::from(c)))
        }
    }

    /// Consumes `word` case-insensitively if it is next and followed by a non-atom char.
    pub(crate) fn eat_keyword(&mut self, word: &str) -> bool {
        let w = word.as_bytes();
        let rest = self.rest();
        if rest.len() >= w.len()
            && rest[..w.len()].eq_ignore_ascii_case(w)
            && rest
                .get(w.len())
                .is_none_or(|&c| !is_atom_char(c) || matches!(c, b'[' | b'<'))
        {
            self.pos += w.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn sp(&mut self) -> PResult<()> {
        if self.eat(b' ') {
            Ok(())
        } else {
            err("Expected a space")
        }
    }

    /// End of the command: CRLF (a bare LF is tolerated).
    pub(crate) fn end(&mut self) -> PResult<()> {
        if (self.eat(b'\r') && self.eat(b'\n') || self.eat(b'\n')) && self.pos == self.buf.len() {
            return Ok(());
        }
        err("Unexpected characters at end of command")
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.peek().is_some_and(&f) {
            self.pos += 1;
        }
        &self.buf[start..self.pos]
    }

    /// `atom = 1*ATOM-CHAR`
    pub(crate) fn atom(&mut self) -> PResult<String> {
        let a = self.take_while(is_atom_char);
        if a.is_empty() {
            return err("Expected an atom");
        }
        Ok(String::from_utf8_lossy(a).into_owned())
    }

    /// `tag = 1*<any ASTRING-CHAR except "+">`
    pub(crate) fn tag(&mut self) -> PResult<String> {
        let a = self.take_while(|c| is_astring_char(c) && c != b'+');
        if a.is_empty() {
            return err("Missing or invalid tag");
        }
        if a.len() > MAX_TAG_LEN {
            return err(format!("Tag longer than {MAX_TAG_LEN} octets"));
        }
        Ok(String::from_utf8_lossy(a).into_owned())
    }

    /// `number = 1*DIGIT` (32-bit).
    pub(crate) fn number(&mut self) -> PResult<u32> {
        let n = self.number64()?;
        u32::try_from(n).or_else(|_| err("Number too large"))
    }

    /// `number64 = 1*DIGIT` (63-bit, RFC 9051).
    pub(crate) fn number64(&mut self) -> PResult<u64> {
        let d = self.take_while(|c| c.is_ascii_digit());
        if d.is_empty() {
            return err("Expected a number");
        }
        let mut n: u64 = 0;
        for &c in d {
            n = n
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(c - b'0')))
                .filter(|&n| n <= i64::MAX as u64)
                .ok_or_else(|| ParseError("Number too large".into()))?;
        }
        Ok(n)
    }

    /// `nz-number`
    pub(crate) fn nz_number(&mut self) -> PResult<u32> {
        match self.number()? {
            0 => err("Zero is not a valid number here"),
            n => Ok(n),
        }
    }

    /// `quoted = DQUOTE *QUOTED-CHAR DQUOTE`
    fn quoted(&mut self) -> PResult<Vec<u8>> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') => return err("Unterminated quoted string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c);
                            self.pos += 1;
                        }
                        _ => return err("Invalid escape in quoted string"),
                    }
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `literal = "{" number64 ["+"] "}" CRLF *CHAR8` (RFC 7888 `{n+}`), and
    /// when `allow8` also `literal8 = "~{" number64 ["+"] "}" CRLF *OCTET`.
    fn literal(&mut self, allow8: bool) -> PResult<(Vec<u8>, bool)> {
        let binary = self.eat(b'~');
        if binary && !allow8 {
            return err("literal8 is only allowed in APPEND");
        }
        self.expect(b'{')?;
        let n = self.number64()?;
        self.eat(b'+');
        self.expect(b'}')?;
        if !(self.eat(b'\r') && self.eat(b'\n') || self.eat(b'\n')) {
            return err("Expected CRLF after literal size");
        }
        let n = usize::try_from(n).or_else(|_| err("Literal too large"))?;
        let data = self
            .buf
            .get(self.pos..self.pos.saturating_add(n))
            .filter(|d| d.len() == n)
            .ok_or_else(|| ParseError("Literal shorter than announced".into()))?;
        if !binary && data.contains(&0) {
            return err("NUL octet in literal (use literal8)");
        }
        self.pos += n;
        Ok((data.to_vec(), binary))
    }

    /// `string = quoted / literal`
    pub(crate) fn string(&mut self) -> PResult<Vec<u8>> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => Ok(self.literal(false)?.0),
            _ => err("Expected a string"),
        }
    }

    /// string or literal8 (APPEND message data); returns whether it was literal8.
    pub(crate) fn string8(&mut self) -> PResult<(Vec<u8>, bool)> {
        match self.peek() {
            Some(b'{') | Some(b'~') => self.literal(true),
            _ => err("Expected a literal"),
        }
    }

    /// `astring = 1*ASTRING-CHAR / string`
    pub(crate) fn astring(&mut self) -> PResult<Vec<u8>> {
        match self.peek() {
            Some(b'"') | Some(b'{') => self.string(),
            _ => {
                let a = self.take_while(is_astring_char);
                if a.is_empty() {
                    err("Expected an atom or string")
                } else {
                    Ok(a.to_vec())
                }
            }
        }
    }

    /// astring as text (lossy UTF-8).
    pub(crate) fn astring_text(&mut self) -> PResult<String> {
        Ok(String::from_utf8_lossy(&self.astring()?).into_owned())
    }

    /// `nstring = string / nil`
    pub(crate) fn nstring(&mut self) -> PResult<Option<Vec<u8>>> {
        if self.eat_keyword("NIL") {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    /// Decodes a mailbox or pattern name per the connection's UTF-8 mode.
    /// A name that is not valid modified UTF-7 is an error when `strict`
    /// (a name being created); otherwise it is kept as sent: it is a valid
    /// astring (RFC 9051 §9), so naming a mailbox that does not exist gets
    /// NO from the server and a LIST pattern simply matches nothing,
    /// rather than BAD.
    fn decode_name(&self, raw: Vec<u8>, strict: bool) -> PResult<String> {
        let s = String::from_utf8(raw).or_else(|_| err("Mailbox name is not valid UTF-8"))?;
        if self.opts.utf8 || !s.contains('&') {
            // RFC 9051 §5.1: UTF-8 names; 8-bit names without '&' are also
            // accepted from legacy clients as UTF-8.
            return Ok(s);
        }
        match decode_utf7(&s) {
            Some(d) => Ok(d),
            None if !strict => Ok(s),
            None => err("Invalid modified UTF-7 mailbox name"),
        }
    }

    /// `mailbox = "INBOX" / astring`, an existing mailbox.
    pub(crate) fn mailbox(&mut self) -> PResult<Mailbox> {
        let raw = self.astring()?;
        Ok(Mailbox::new(self.decode_name(raw, false)?))
    }

    /// A mailbox name being created (CREATE, RENAME's new name): modified
    /// UTF-7 must be valid (RFC 3501 §5.1.3).
    pub(crate) fn new_mailbox(&mut self) -> PResult<Mailbox> {
        let raw = self.astring()?;
        Ok(Mailbox::new(self.decode_name(raw, true)?))
    }

    /// `list-mailbox = 1*list-char / string`
    pub(crate) fn list_mailbox(&mut self) -> PResult<String> {
        let raw = match self.peek() {
            Some(b'"') | Some(b'{') => self.string()?,
            _ => {
                let a = self.take_while(is_list_char);
                if a.is_empty() {
                    return err("Expected a mailbox pattern");
                }
                a.to_vec()
            }
        };
        self.decode_name(raw, false)
    }

    fn seq_number(&mut self) -> PResult<SeqNum> {
        if self.eat(b'*') {
            Ok(SeqNum::Star)
        } else {
            Ok(SeqNum::Value(self.nz_number()?))
        }
    }

    /// `sequence-set = (seq-number / seq-range) ["," sequence-set]` or `$`.
    pub(crate) fn sequence_set(&mut self) -> PResult<SequenceSet> {
        if self.eat(b'$') {
            return Ok(SequenceSet::Saved);
        }
        let mut ranges = Vec::new();
        loop {
            let start = self.seq_number()?;
            let end = if self.eat(b':') {
                self.seq_number()?
            } else {
                start
            };
            ranges.push(SeqRange { start, end });
            if !self.eat(b',') {
                break;
            }
        }
        Ok(SequenceSet::Ranges(ranges))
    }

    /// `flag = "\Answered" / ... / flag-keyword / flag-extension`;
    /// `\*` only when `allow_wildcard`.
    pub(crate) fn flag(&mut self) -> PResult<Flag> {
        if self.eat(b'\\') {
            if self.eat(b'*') {
                return Ok(Flag::Wildcard);
            }
            let a = self.atom()?;
            Ok(Flag::from_atom(&format!("\\{a}")))
        } else {
            Ok(Flag::Keyword(self.atom()?))
        }
    }

    /// `flag-list = "(" [flag *(SP flag)] ")"`
    pub(crate) fn flag_list(&mut self) -> PResult<Vec<Flag>> {
        self.expect(b'(')?;
        let mut flags = Vec::new();
        if self.eat(b')') {
            return Ok(flags);
        }
        loop {
            let f = self.flag()?;
            if f == Flag::Wildcard || f == Flag::Recent {
                return err("\\* and \\Recent cannot be set");
            }
            flags.push(f);
            if self.eat(b')') {
                return Ok(flags);
            }
            self.sp()?;
        }
    }

    fn digits(&mut self, min: usize, max: usize) -> PResult<u32> {
        let d = self.take_while(|c| c.is_ascii_digit());
        if d.len() < min || d.len() > max {
            return err("Invalid date");
        }
        Ok(d.iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0')))
    }

    fn date_text(&mut self) -> PResult<Date> {
        let day = self.digits(1, 2)?;
        self.expect(b'-')?;
        let m = self.rest().get(..3).and_then(month_from_name);
        let month = m.ok_or_else(|| ParseError("Invalid month".into()))?;
        self.pos += 3;
        self.expect(b'-')?;
        let year = self.digits(4, 4)?;
        if !(1..=31).contains(&day) {
            return err("Invalid day");
        }
        Ok(Date {
            year: year as u16,
            month,
            day: day as u8,
        })
    }

    /// `date = date-text / DQUOTE date-text DQUOTE`
    pub(crate) fn date(&mut self) -> PResult<Date> {
        if self.eat(b'"') {
            let d = self.date_text()?;
            self.expect(b'"')?;
            Ok(d)
        } else {
            self.date_text()
        }
    }

    /// `date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE`
    pub(crate) fn date_time(&mut self) -> PResult<DateTime> {
        self.expect(b'"')?;
        self.eat(b' '); // date-day-fixed: (SP DIGIT) / 2DIGIT
        let date = self.date_text()?;
        self.sp()?;
        let hour = self.digits(2, 2)?;
        self.expect(b':')?;
        let minute = self.digits(2, 2)?;
        self.expect(b':')?;
        let second = self.digits(2, 2)?;
        self.sp()?;
        let neg = match self.peek() {
            Some(b'+') => false,
            Some(b'-') => true,
            _ => return err("Invalid zone"),
        };
        self.pos += 1;
        let z = self.digits(4, 4)?;
        self.expect(b'"')?;
        if hour > 23 || minute > 59 || second > 60 || z % 100 > 59 {
            return err("Invalid time");
        }
        let off = (z / 100 * 60 + z % 100) as i16;
        Ok(DateTime {
            date,
            hour: hour as u8,
            minute: minute as u8,
            second: second as u8,
            offset_minutes: if neg { -off } else { off },
        })
    }

    /// Parses `"(" item *(SP item) ")"` (or `()` when `allow_empty`).
    pub(crate) fn paren_list<T>(
        &mut self,
        allow_empty: bool,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.expect(b'(')?;
        let mut out = Vec::new();
        if self.eat(b')') {
            return if allow_empty {
                Ok(out)
            } else {
                err("Empty list")
            };
        }
        loop {
            out.push(item(self)?);
            if self.eat(b')') {
                return Ok(out);
            }
            self.sp()?;
        }
    }
}
