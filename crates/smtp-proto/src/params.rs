//! ESMTP parameters of MAIL and RCPT: SIZE (RFC 1870 §3), BODY (RFC 6152 §2),
//! SMTPUTF8 (RFC 6531 §3.4), RET/ENVID/NOTIFY/ORCPT (RFC 3461 §4), AUTH
//! (RFC 4954 §5), and xtext (RFC 3461 §4).

use crate::command::CommandError;

/// RFC 6152 §2 / RFC 3030 §3: the `BODY=` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Body {
    SevenBit,
    EightBitMime,
}

impl Body {
    pub fn as_str(self) -> &'static str {
        match self {
            Body::SevenBit => "7BIT",
            Body::EightBitMime => "8BITMIME",
        }
    }
}

/// RFC 3461 §4.3: `RET=FULL` or `RET=HDRS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ret {
    Full,
    Hdrs,
}

impl Ret {
    pub fn as_str(self) -> &'static str {
        match self {
            Ret::Full => "FULL",
            Ret::Hdrs => "HDRS",
        }
    }
}

/// RFC 3461 §4.1: `NOTIFY=NEVER` or a list of SUCCESS, FAILURE, DELAY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Notify {
    pub never: bool,
    pub success: bool,
    pub failure: bool,
    pub delay: bool,
}

impl Notify {
    /// The parameter value, e.g. `SUCCESS,FAILURE`.
    pub fn to_value(self) -> String {
        if self.never {
            return "NEVER".to_string();
        }
        let mut v = Vec::new();
        for (on, name) in [
            (self.success, "SUCCESS"),
            (self.failure, "FAILURE"),
            (self.delay, "DELAY"),
        ] {
            if on {
                v.push(name);
            }
        }
        v.join(",")
    }
}

/// RFC 3461 §4.2: `ORCPT=addr-type ";" xtext`, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Orcpt {
    /// E.g. `rfc822` or `utf-8`.
    pub addr_type: String,
    /// The original recipient, xtext-decoded.
    pub address: String,
}

/// Parameters of `MAIL FROM`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailParams {
    /// RFC 1870 §3: the size the client declares, in octets.
    pub size: Option<u64>,
    pub body: Option<Body>,
    /// RFC 6531 §3.4: the transaction may carry UTF-8 addresses and headers.
    pub smtputf8: bool,
    pub ret: Option<Ret>,
    /// RFC 3461 §4.4: envelope identifier, xtext-decoded.
    pub envid: Option<String>,
    /// RFC 4954 §5: `AUTH=` mailbox, xtext-decoded; `<>` when the submitter
    /// is unknown. The server decides whether to trust it.
    pub auth: Option<String>,
}

/// Parameters of `RCPT TO`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RcptParams {
    pub notify: Option<Notify>,
    pub orcpt: Option<Orcpt>,
}

/// RFC 5321 §4.1.2 `esmtp-param = esmtp-keyword ["=" esmtp-value]`,
/// split from a parameter string. Keywords are returned upper-cased.
fn esmtp_params(s: &str) -> Result<Vec<(String, Option<&str>)>, CommandError> {
    let mut out: Vec<(String, Option<&str>)> = Vec::new();
    for p in s.split(' ').filter(|p| !p.is_empty()) {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (p, None),
        };
        // esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-")
        if k.is_empty()
            || !k.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(CommandError::Syntax("bad parameter keyword"));
        }
        // esmtp-value = 1*(%d33-60 / %d62-126 / UTF8-non-ascii) (RFC 6531 §3.3)
        if let Some(v) = v
            && (v.is_empty() || v.chars().any(|c| c == '=' || c.is_ascii_control()))
        {
            return Err(CommandError::Syntax("bad parameter value"));
        }
        let k = k.to_ascii_uppercase();
        if out.iter().any(|(o, _)| *o == k) {
            return Err(CommandError::Syntax("duplicate parameter"));
        }
        out.push((k, v));
    }
    Ok(out)
}

fn no_value(v: Option<&str>) -> Result<(), CommandError> {
    match v {
        None => Ok(()),
        Some(_) => Err(CommandError::BadParameterValue("parameter takes no value")),
    }
}

fn value(v: Option<&str>) -> Result<&str, CommandError> {
    v.ok_or(CommandError::BadParameterValue("parameter needs a value"))
}

/// Parses the parameters after `MAIL FROM:<path>`.
pub fn mail_params(s: &str) -> Result<MailParams, CommandError> {
    let mut p = MailParams::default();
    for (k, v) in esmtp_params(s)? {
        match k.as_str() {
            // RFC 1870 §3: size-value = 1*20DIGIT. A number too large for
            // u64 is certainly over any limit.
            "SIZE" => {
                let v = value(v)?;
                if v.len() > 20 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(CommandError::BadParameterValue("SIZE must be a number"));
                }
                p.size = Some(v.parse().unwrap_or(u64::MAX));
            }
            "BODY" => {
                let v = value(v)?;
                p.body = Some(if v.eq_ignore_ascii_case("7BIT") {
                    Body::SevenBit
                } else if v.eq_ignore_ascii_case("8BITMIME") {
                    Body::EightBitMime
                } else {
                    // BINARYMIME (RFC 3030) is not offered.
                    return Err(CommandError::BadParameterValue(
                        "BODY must be 7BIT or 8BITMIME",
                    ));
                });
            }
            "SMTPUTF8" => {
                no_value(v)?;
                p.smtputf8 = true;
            }
            "RET" => {
                let v = value(v)?;
                p.ret = Some(if v.eq_ignore_ascii_case("FULL") {
                    Ret::Full
                } else if v.eq_ignore_ascii_case("HDRS") {
                    Ret::Hdrs
                } else {
                    return Err(CommandError::BadParameterValue("RET must be FULL or HDRS"));
                });
            }
            "ENVID" => {
                let v = xtext_decode(value(v)?)
                    .ok_or(CommandError::BadParameterValue("ENVID is not valid xtext"))?;
                // RFC 3461 §4.4: at most 100 characters.
                if v.len() > 100 {
                    return Err(CommandError::BadParameterValue("ENVID longer than 100"));
                }
                p.envid = Some(v);
            }
            "AUTH" => {
                let v = xtext_decode(value(v)?)
                    .ok_or(CommandError::BadParameterValue("AUTH is not valid xtext"))?;
                p.auth = Some(v);
            }
            _ => return Err(CommandError::UnknownParameter(k)),
        }
    }
    Ok(p)
}

/// Parses the parameters after `RCPT TO:<path>`.
pub fn rcpt_params(s: &str) -> Result<RcptParams, CommandError> {
    let mut p = RcptParams::default();
    for (k, v) in esmtp_params(s)? {
        match k.as_str() {
            "NOTIFY" => p.notify = Some(notify(value(v)?)?),
            "ORCPT" => {
                let (t, a) = value(v)?
                    .split_once(';')
                    .ok_or(CommandError::BadParameterValue(
                        "ORCPT needs addr-type;address",
                    ))?;
                // addr-type = atom
                if t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                    return Err(CommandError::BadParameterValue("bad ORCPT address type"));
                }
                let address = xtext_decode(a)
                    .filter(|a| !a.is_empty())
                    .ok_or(CommandError::BadParameterValue("ORCPT is not valid xtext"))?;
                p.orcpt = Some(Orcpt {
                    addr_type: t.to_string(),
                    address,
                });
            }
            _ => return Err(CommandError::UnknownParameter(k)),
        }
    }
    Ok(p)
}

/// RFC 3461 §4.1: `"NEVER" / 1#( "SUCCESS" / "FAILURE" / "DELAY" )`.
fn notify(v: &str) -> Result<Notify, CommandError> {
    let mut n = Notify::default();
    for item in v.split(',') {
        let flag = if item.eq_ignore_ascii_case("NEVER") {
            &mut n.never
        } else if item.eq_ignore_ascii_case("SUCCESS") {
            &mut n.success
        } else if item.eq_ignore_ascii_case("FAILURE") {
            &mut n.failure
        } else if item.eq_ignore_ascii_case("DELAY") {
            &mut n.delay
        } else {
            return Err(CommandError::BadParameterValue("bad NOTIFY keyword"));
        };
        if *flag {
            return Err(CommandError::BadParameterValue("repeated NOTIFY keyword"));
        }
        *flag = true;
    }
    // RFC 3461 §4.1: NEVER must not be combined with the others.
    if n.never && (n.success || n.failure || n.delay) {
        return Err(CommandError::BadParameterValue(
            "NOTIFY=NEVER must stand alone",
        ));
    }
    Ok(n)
}

/// RFC 3461 §4: `xtext = *( xchar / hexchar )`, `hexchar = "+" 2(%x30-39 / %x41-46)`.
/// UTF-8 characters are let through (RFC 6533 §3 carries them in SMTPUTF8
/// sessions). Returns `None` on a malformed `+XX` or a decoded byte string
/// that is not UTF-8.
pub fn xtext_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                let hex = |c: u8| match c {
                    b'0'..=b'9' => Some(c - b'0'),
                    b'A'..=b'F' => Some(c - b'A' + 10),
                    _ => None,
                };
                let hi = hex(*b.get(i + 1)?)?;
                let lo = hex(*b.get(i + 2)?)?;
                out.push(hi * 16 + lo);
                i += 3;
            }
            // xchar = any ASCII CHAR between "!" and "~", except "+" and "="
            c if c == b'=' || (c.is_ascii() && !(b'!'..=b'~').contains(&c)) => return None,
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// RFC 3461 §4: encodes `+`, `=`, and bytes outside `!`..`~` as `+XX`.
pub fn xtext_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if (b'!'..=b'~').contains(&b) && b != b'+' && b != b'=' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("+{b:02X}"));
        }
    }
    out
}
