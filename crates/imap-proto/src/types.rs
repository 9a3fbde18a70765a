//! Values of the IMAP grammar shared by commands and responses
//! (RFC 9051 §9 formal syntax, RFC 3501 §9).

use std::fmt;

/// A message sequence number or UID, or `*` (the largest one in use).
/// RFC 9051 §9: `seq-number = nz-number / "*"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeqNum {
    /// A literal number (never 0).
    Value(u32),
    /// `*`: the largest number in use in the mailbox.
    Star,
}

impl SeqNum {
    /// The number once `*` is resolved against `largest`.
    pub fn resolve(self, largest: u32) -> u32 {
        match self {
            SeqNum::Value(v) => v,
            SeqNum::Star => largest,
        }
    }
}

/// One element of a sequence set: `a` or `a:b` (order of ends is free).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqRange {
    /// First end as written.
    pub start: SeqNum,
    /// Last end as written (equal to `start` for a single number).
    pub end: SeqNum,
}

/// RFC 9051 §9 `sequence-set`, including RFC 5182/9051 `$` (the saved search result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequenceSet {
    /// A list of numbers and ranges.
    Ranges(Vec<SeqRange>),
    /// `$`: the result saved by `SEARCH RETURN (SAVE)`.
    Saved,
}

impl SequenceSet {
    /// A set of one number.
    pub fn single(n: u32) -> Self {
        SequenceSet::Ranges(vec![SeqRange {
            start: SeqNum::Value(n),
            end: SeqNum::Value(n),
        }])
    }

    /// A range `a:b`.
    pub fn range(a: SeqNum, b: SeqNum) -> Self {
        SequenceSet::Ranges(vec![SeqRange { start: a, end: b }])
    }

    /// Whether `n` is in the set, `*` meaning `largest`.
    /// RFC 9051 §9: "*" in a UID range means the largest UID even when it is smaller.
    /// Returns `false` for `$`, which the server must resolve itself.
    pub fn contains(&self, n: u32, largest: u32) -> bool {
        match self {
            SequenceSet::Saved => false,
            SequenceSet::Ranges(r) => r.iter().any(|r| {
                let a = r.start.resolve(largest);
                let b = r.end.resolve(largest);
                let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                n >= lo && n <= hi
            }),
        }
    }

    /// The ranges resolved against `largest`, each as `(low, high)`; empty for `$`.
    pub fn resolved(&self, largest: u32) -> Vec<(u32, u32)> {
        match self {
            SequenceSet::Saved => Vec::new(),
            SequenceSet::Ranges(r) => r
                .iter()
                .map(|r| {
                    let a = r.start.resolve(largest);
                    let b = r.end.resolve(largest);
                    if a <= b { (a, b) } else { (b, a) }
                })
                .collect(),
        }
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceSet::Saved => f.write_str("$"),
            SequenceSet::Ranges(r) => {
                for (i, r) in r.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    let w = |f: &mut fmt::Formatter<'_>, n: SeqNum| match n {
                        SeqNum::Value(v) => write!(f, "{v}"),
                        SeqNum::Star => f.write_str("*"),
                    };
                    w(f, r.start)?;
                    if r.start != r.end {
                        f.write_str(":")?;
                        w(f, r.end)?;
                    }
                }
                Ok(())
            }
        }
    }
}

/// A concrete set of numbers for responses (`COPYUID`, `VANISHED`, `ESEARCH ALL`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumSet(pub Vec<(u32, u32)>);

impl NumSet {
    /// Compresses numbers into ranges, keeping their order (RFC 4315 §4 wants
    /// COPYUID sets in matching order, so this does not sort).
    pub fn from_numbers(nums: &[u32]) -> Self {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for &n in nums {
            match out.last_mut() {
                Some((_, hi)) if hi.checked_add(1) == Some(n) => *hi = n,
                _ => out.push((n, n)),
            }
        }
        NumSet(out)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for NumSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if a == b {
                write!(f, "{a}")?;
            } else {
                write!(f, "{a}:{b}")?;
            }
        }
        Ok(())
    }
}

/// Whether a command works on UIDs (`UID FETCH`) or sequence numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UidMode {
    /// Plain command: numbers are message sequence numbers.
    Seq,
    /// `UID` prefix: numbers are UIDs.
    Uid,
}

/// A message flag. RFC 9051 §2.3.2; system flags are case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Flag {
    /// `\Seen`
    Seen,
    /// `\Answered`
    Answered,
    /// `\Flagged`
    Flagged,
    /// `\Deleted`
    Deleted,
    /// `\Draft`
    Draft,
    /// `\Recent` (IMAP4rev1 only; never settable)
    Recent,
    /// `\*` in PERMANENTFLAGS: new keywords may be created.
    Wildcard,
    /// Another `\Name` flag extension.
    Extension(String),
    /// A keyword (atom without backslash), e.g. `$Forwarded`.
    Keyword(String),
}

impl Flag {
    /// Parses a flag atom such as `\Seen` or `$Junk`.
    pub fn from_atom(s: &str) -> Flag {
        if let Some(name) = s.strip_prefix('\\') {
            match name.to_ascii_lowercase().as_str() {
                "seen" => Flag::Seen,
                "answered" => Flag::Answered,
                "flagged" => Flag::Flagged,
                "deleted" => Flag::Deleted,
                "draft" => Flag::Draft,
                "recent" => Flag::Recent,
                "*" => Flag::Wildcard,
                _ => Flag::Extension(s.to_string()),
            }
        } else {
            Flag::Keyword(s.to_string())
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Seen => f.write_str("\\Seen"),
            Flag::Answered => f.write_str("\\Answered"),
            Flag::Flagged => f.write_str("\\Flagged"),
            Flag::Deleted => f.write_str("\\Deleted"),
            Flag::Draft => f.write_str("\\Draft"),
            Flag::Recent => f.write_str("\\Recent"),
            Flag::Wildcard => f.write_str("\\*"),
            Flag::Extension(s) | Flag::Keyword(s) => f.write_str(s),
        }
    }
}

/// A calendar date (`date` in SEARCH). RFC 9051 §9 `date-text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Four-digit year.
    pub year: u16,
    /// 1..=12
    pub month: u8,
    /// 1..=31
    pub day: u8,
}

impl Date {
    /// Days since 1970-01-01 (proleptic Gregorian), for comparisons.
    pub fn days_from_epoch(&self) -> i64 {
        // Howard Hinnant's days_from_civil.
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = if y >= 0 { y } else { y - 399 } / 400;
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }
}

/// An IMAP `date-time` (APPEND, INTERNALDATE). RFC 9051 §9.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    /// The calendar date.
    pub date: Date,
    /// 0..=23
    pub hour: u8,
    /// 0..=59
    pub minute: u8,
    /// 0..=60
    pub second: u8,
    /// Zone offset east of UTC, in minutes.
    pub offset_minutes: i16,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

impl DateTime {
    /// Seconds since the Unix epoch (UTC).
    pub fn to_unix(&self) -> i64 {
        self.date.days_from_epoch() * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset_minutes) * 60
    }

    /// Builds a UTC date-time from Unix seconds.
    pub fn from_unix(secs: i64) -> DateTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        DateTime {
            date: Date {
                year: y.clamp(0, 9999) as u16,
                month: m as u8,
                day: d as u8,
            },
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
            offset_minutes: 0,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = MONTHS
            .get(usize::from(self.month).wrapping_sub(1))
            .unwrap_or(&"Jan");
        write!(f, "{}-{}-{:04}", self.day, m, self.year)
    }
}

impl fmt::Display for DateTime {
    /// RFC 9051 §9 `date-time`: `"dd-Mon-yyyy hh:mm:ss +zzzz"` without quotes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = MONTHS
            .get(usize::from(self.date.month).wrapping_sub(1))
            .unwrap_or(&"Jan");
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let off = self.offset_minutes.unsigned_abs();
        write!(
            f,
            "{:02}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
            self.date.day,
            m,
            self.date.year,
            self.hour,
            self.minute,
            self.second,
            sign,
            off / 60,
            off % 60
        )
    }
}

pub(crate) fn month_from_name(s: &[u8]) -> Option<u8> {
    MONTHS
        .iter()
        .position(|m| m.as_bytes().eq_ignore_ascii_case(s))
        .map(|i| i as u8 + 1)
}

/// A password or SASL secret; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub Vec<u8>);

impl Secret {
    /// The raw bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// A mailbox name, decoded to UTF-8 (from modified UTF-7 unless UTF-8 is enabled).
/// RFC 9051 §5.1: `INBOX` is case-insensitive and always stored as `INBOX`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox(pub String);

impl Mailbox {
    /// Builds a name, normalising any case of `INBOX`.
    pub fn new(name: impl Into<String>) -> Mailbox {
        let s = name.into();
        if s.eq_ignore_ascii_case("INBOX") {
            Mailbox("INBOX".into())
        } else {
            Mailbox(s)
        }
    }

    /// The decoded name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}
