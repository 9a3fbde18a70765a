//! Human-readable sizes (`"10MB"`) and durations (`"5d"`), as written in the
//! configuration file and on the command line (`account add --quota 2GB`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A size in bytes. Units are 1024-based, the mail administrators' convention
/// (Postfix `message_size_limit`, Dovecot quotas): `KB`/`KiB`/`K` = 1024,
/// `MB` = 1024², `GB` = 1024³, `TB` = 1024⁴. Units are case-insensitive, a
/// space may separate number and unit, the number may have a fraction
/// (`"1.5GB"`, rounded down to a whole byte), and a bare integer is bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub u64);

/// How to write a size, for error messages.
pub const SIZE_FORM: &str = "a size such as \"10MB\", \"512KB\", \"1.5GB\" or a number of bytes (units B, KB, MB, GB, TB, 1024-based)";

const KIB: u64 = 1024;
const SIZE_UNITS: &[(&str, u64)] = &[
    ("", 1),
    ("b", 1),
    ("k", KIB),
    ("kb", KIB),
    ("kib", KIB),
    ("m", KIB * KIB),
    ("mb", KIB * KIB),
    ("mib", KIB * KIB),
    ("g", KIB * KIB * KIB),
    ("gb", KIB * KIB * KIB),
    ("gib", KIB * KIB * KIB),
    ("t", KIB * KIB * KIB * KIB),
    ("tb", KIB * KIB * KIB * KIB),
    ("tib", KIB * KIB * KIB * KIB),
];
/// Display order: largest first; the first unit that divides exactly wins.
const SIZE_DISPLAY: &[(&str, u64)] = &[
    ("TB", KIB * KIB * KIB * KIB),
    ("GB", KIB * KIB * KIB),
    ("MB", KIB * KIB),
    ("KB", KIB),
];

/// A size or duration string that could not be parsed; the message says why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnitError(pub String);

impl ByteSize {
    pub const fn bytes(self) -> u64 {
        self.0
    }

    /// Parses `"10MB"`, `"1.5 GiB"`, `"100B"`, `"4096"`.
    pub fn parse(s: &str) -> Result<Self, UnitError> {
        let bad = || UnitError(format!("expected {SIZE_FORM}, found {s:?}"));
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = (&t[..split], t[split..].trim_start());
        let unit = unit.to_ascii_lowercase();
        let multiplier = SIZE_UNITS
            .iter()
            .find(|(u, _)| *u == unit)
            .map(|(_, m)| *m)
            .ok_or_else(bad)?;
        let (int, frac) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        if int.is_empty() || frac.contains('.') || (number.contains('.') && frac.is_empty()) {
            return Err(bad());
        }
        if frac.len() > 9 {
            return Err(UnitError(format!(
                "{s:?} has too many decimals; expected {SIZE_FORM}"
            )));
        }
        // Exact integer arithmetic: (int.frac × multiplier), rounded down.
        let scale = 10u128.pow(frac.len() as u32);
        let digits: u128 = format!("{int}{frac}").parse().map_err(|_| bad())?;
        let bytes = digits
            .checked_mul(u128::from(multiplier))
            .map(|v| v / scale)
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| UnitError(format!("{s:?} is too large")))?;
        Ok(ByteSize(bytes))
    }
}

impl fmt::Display for ByteSize {
    /// The shortest exact form: `10MB`, `1536MB`, `100B`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (unit, m) in SIZE_DISPLAY {
            if self.0 != 0 && self.0.is_multiple_of(*m) {
                return write!(f, "{}{unit}", self.0 / m);
            }
        }
        write!(f, "{}B", self.0)
    }
}

impl FromStr for ByteSize {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    /// Accepts a string (`"10MB"`) or a non-negative integer (bytes).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Str(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(ByteSize(n)),
            Raw::Str(s) => ByteSize::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// A duration written with a unit: `"500ms"`, `"30s"`, `"10m"`, `"2h"`,
/// `"5d"`, `"2w"`, `"4mo"` (a month is 30 days), `"1y"` (365 days), or
/// several of them in a row (`"1h30m"`). Long names (`"5 days"`,
/// `"6 months"`) are accepted too. A bare number is refused: its unit would
/// be a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HumanDuration(pub Duration);

/// How to write a duration, for error messages.
pub const DURATION_FORM: &str = "a duration such as \"30s\", \"10m\", \"2h\", \"5d\", \"2w\", \"4mo\" or \"1y\" (a month is 30 days, a year 365)";

const SECOND: u64 = 1000;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;
const MONTH: u64 = 30 * DAY;
const YEAR: u64 = 365 * DAY;

/// Units in milliseconds, with their accepted spellings.
const DURATION_UNITS: &[(&[&str], u64)] = &[
    (&["ms", "millisecond", "milliseconds"], 1),
    (&["s", "sec", "secs", "second", "seconds"], SECOND),
    (&["m", "min", "mins", "minute", "minutes"], MINUTE),
    (&["h", "hour", "hours"], HOUR),
    (&["d", "day", "days"], DAY),
    (&["w", "week", "weeks"], WEEK),
    (&["mo", "month", "months"], MONTH),
    (&["y", "year", "years"], YEAR),
];
const DURATION_DISPLAY: &[(&str, u64)] = &[
    ("y", YEAR),
    ("mo", MONTH),
    ("w", WEEK),
    ("d", DAY),
    ("h", HOUR),
    ("m", MINUTE),
    ("s", SECOND),
];

impl HumanDuration {
    pub const fn from_secs(secs: u64) -> Self {
        HumanDuration(Duration::from_secs(secs))
    }
    pub const fn from_days(days: u64) -> Self {
        HumanDuration(Duration::from_secs(days * 86_400))
    }
    pub const fn duration(self) -> Duration {
        self.0
    }
    pub const fn as_secs(self) -> u64 {
        self.0.as_secs()
    }

    /// Parses `"30s"`, `"1h30m"`, `"5 days"`, `"4mo"`.
    pub fn parse(s: &str) -> Result<Self, UnitError> {
        let bad = || UnitError(format!("expected {DURATION_FORM}, found {s:?}"));
        let mut rest = s.trim();
        if rest.is_empty() {
            return Err(bad());
        }
        let mut total: u64 = 0;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits == 0 {
                return Err(bad());
            }
            let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = rest[digits..].trim_start();
            let letters = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let unit = &rest[..letters];
            if unit.is_empty() {
                return Err(UnitError(format!(
                    "{s:?} has a number without a unit; expected {DURATION_FORM}"
                )));
            }
            let ms = DURATION_UNITS
                .iter()
                .find(|(names, _)| names.contains(&unit))
                .map(|(_, ms)| *ms)
                .ok_or_else(bad)?;
            total = n
                .checked_mul(ms)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| UnitError(format!("{s:?} is too long")))?;
            rest = rest[letters..].trim_start();
        }
        Ok(HumanDuration(Duration::from_millis(total)))
    }
}

impl fmt::Display for HumanDuration {
    /// The shortest exact form in one unit: `5d`, `2mo`, `1y`, `90m`, `1500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        for (unit, m) in DURATION_DISPLAY {
            let m = u128::from(*m);
            if ms != 0 && ms.is_multiple_of(m) {
                return write!(f, "{}{unit}", ms / m);
            }
        }
        if ms == 0 {
            return write!(f, "0s");
        }
        write!(f, "{ms}ms")
    }
}

impl FromStr for HumanDuration {
    type Err = UnitError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl From<HumanDuration> for Duration {
    fn from(d: HumanDuration) -> Duration {
        d.0
    }
}

impl Serialize for HumanDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HumanDuration::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
