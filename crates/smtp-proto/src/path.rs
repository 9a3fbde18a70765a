//! Envelope paths: RFC 5321 §4.1.2 `Reverse-path`, `Forward-path`, `Mailbox`,
//! extended to UTF-8 by RFC 6531 §3.3.

use std::fmt;

/// RFC 5321 §4.1.2 `Mailbox = Local-part "@" ( Domain / address-literal )`.
///
/// `local_part` is the decoded value: the quotes and backslashes of a
/// `Quoted-string` are removed (`"a b"@x` gives `a b`). `domain` is as
/// written; an address literal keeps its brackets (`[192.0.2.1]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Mailbox {
    pub local_part: String,
    pub domain: String,
}

impl Mailbox {
    /// True when the address needs SMTPUTF8 (RFC 6531 §3.2).
    pub fn is_ascii(&self) -> bool {
        self.local_part.is_ascii() && self.domain.is_ascii()
    }
}

impl fmt::Display for Mailbox {
    /// Writes `local@domain`, quoting the local part when it is not a
    /// `Dot-string` (RFC 5321 §4.1.2).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_dot_string(&self.local_part) {
            f.write_str(&self.local_part)?;
        } else {
            f.write_str("\"")?;
            for c in self.local_part.chars() {
                if c == '"' || c == '\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str("\"")?;
        }
        write!(f, "@{}", self.domain)
    }
}

/// RFC 5321 §4.1.1.2 `Reverse-path = Path / "<>"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReversePath {
    /// `<>`: the null sender of bounces (RFC 5321 §4.5.5).
    Null,
    Mailbox(Mailbox),
}

impl ReversePath {
    pub fn is_ascii(&self) -> bool {
        match self {
            ReversePath::Null => true,
            ReversePath::Mailbox(m) => m.is_ascii(),
        }
    }
}

impl fmt::Display for ReversePath {
    /// The wire form with angle brackets: `<>` or `<a@b>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReversePath::Null => f.write_str("<>"),
            ReversePath::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

/// RFC 5321 §4.1.1.3 `( "<Postmaster@" Domain ">" / "<Postmaster>" / Forward-path )`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ForwardPath {
    /// `<Postmaster>` without domain (any case): must be accepted
    /// (RFC 5321 §4.5.1).
    Postmaster,
    Mailbox(Mailbox),
}

impl ForwardPath {
    pub fn is_ascii(&self) -> bool {
        match self {
            ForwardPath::Postmaster => true,
            ForwardPath::Mailbox(m) => m.is_ascii(),
        }
    }
}

impl fmt::Display for ForwardPath {
    /// The wire form with angle brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ForwardPath::Postmaster => f.write_str("<Postmaster>"),
            ForwardPath::Mailbox(m) => write!(f, "<{m}>"),
        }
    }
}

/// Why a path did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("path must be enclosed in <>")]
    Brackets,
    #[error("bad source route")]
    SourceRoute,
    #[error("bad local part")]
    LocalPart,
    #[error("missing @domain")]
    MissingDomain,
    #[error("bad domain")]
    Domain,
    #[error("address too long")]
    TooLong,
}

/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets.
const MAX_PATH: usize = 256;

/// RFC 5321 §4.1.2 `Reverse-path = Path / "<>"`. `s` is the path with its
/// angle brackets; returns the path and the rest of the input.
pub fn reverse_path(s: &str) -> Result<(ReversePath, &str), PathError> {
    if let Some(rest) = s.strip_prefix("<>") {
        return Ok((ReversePath::Null, rest));
    }
    let (m, rest) = path(s)?;
    Ok((ReversePath::Mailbox(m), rest))
}

/// RFC 5321 §4.1.1.3 forward path, including `<Postmaster>`.
pub fn forward_path(s: &str) -> Result<(ForwardPath, &str), PathError> {
    if s.len() >= 12 && s.is_char_boundary(12) && s[..12].eq_ignore_ascii_case("<postmaster>") {
        return Ok((ForwardPath::Postmaster, &s[12..]));
    }
    let (m, rest) = path(s)?;
    Ok((ForwardPath::Mailbox(m), rest))
}

/// `Path = "<" [ A-d-l ":" ] Mailbox ">"`. The source route (`A-d-l`) is
/// accepted and ignored (RFC 5321 §4.1.1.3, Appendix C).
fn path(s: &str) -> Result<(Mailbox, &str), PathError> {
    let inner = s.strip_prefix('<').ok_or(PathError::Brackets)?;
    let mut inner = inner;
    if inner.starts_with('@') {
        let colon = inner.find(':').ok_or(PathError::SourceRoute)?;
        for hop in inner[..colon].split(',') {
            let d = hop.strip_prefix('@').ok_or(PathError::SourceRoute)?;
            if !is_domain(d) {
                return Err(PathError::SourceRoute);
            }
        }
        inner = &inner[colon + 1..];
    }
    let (local_part, after_local) = local_part(inner)?;
    let after_at = after_local
        .strip_prefix('@')
        .ok_or(PathError::MissingDomain)?;
    let close = after_at.find('>').ok_or(PathError::Brackets)?;
    let domain = &after_at[..close];
    if !(is_domain(domain) || is_address_literal(domain)) {
        return Err(PathError::Domain);
    }
    let consumed = s.len() - after_at.len() + close + 1;
    if consumed > MAX_PATH {
        return Err(PathError::TooLong);
    }
    Ok((
        Mailbox {
            local_part,
            domain: domain.to_string(),
        },
        &after_at[close + 1..],
    ))
}

/// `Local-part = Dot-string / Quoted-string`; returns the decoded value.
fn local_part(s: &str) -> Result<(String, &str), PathError> {
    if let Some(q) = s.strip_prefix('"') {
        // Quoted-string = DQUOTE *QcontentSMTP DQUOTE
        let mut out = String::new();
        let mut chars = q.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    if out.len() > 64 * 4 {
                        return Err(PathError::TooLong);
                    }
                    return Ok((out, &q[i + 1..]));
                }
                // quoted-pairSMTP = %d92 %d32-126
                '\\' => match chars.next() {
                    Some((_, p)) if (' '..='~').contains(&p) => out.push(p),
                    _ => return Err(PathError::LocalPart),
                },
                // qtextSMTP = %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii
                c if (' '..='~').contains(&c) || !c.is_ascii() => out.push(c),
                _ => return Err(PathError::LocalPart),
            }
        }
        Err(PathError::LocalPart)
    } else {
        let end = s.find('@').ok_or(PathError::MissingDomain)?;
        let lp = &s[..end];
        if !is_dot_string(lp) {
            return Err(PathError::LocalPart);
        }
        Ok((lp.to_string(), &s[end..]))
    }
}

/// RFC 5322 `atext`, extended with UTF8-non-ascii (RFC 6531 §3.3).
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii()
}

/// `Dot-string = Atom *("." Atom)`.
fn is_dot_string(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|a| !a.is_empty() && a.chars().all(is_atext))
}

/// `Domain = sub-domain *("." sub-domain)`, `sub-domain = Let-dig [Ldh-str]`,
/// with U-labels allowed (RFC 6531 §3.3). A trailing dot is refused.
pub fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && s.split('.').all(|label| {
            let let_dig = |c: char| c.is_ascii_alphanumeric() || !c.is_ascii();
            !label.is_empty()
                && label.chars().all(|c| let_dig(c) || c == '-')
                && label.chars().next().is_some_and(let_dig)
                && label.chars().last().is_some_and(let_dig)
        })
}

/// RFC 5321 §4.1.3 `address-literal = "[" ( IPv4-address-literal /
/// IPv6-address-literal / General-address-literal ) "]"`.
pub fn is_address_literal(s: &str) -> bool {
    let Some(inner) = s.strip_prefix('[').and_then(|r| r.strip_suffix(']')) else {
        return false;
    };
    if inner.parse::<std::net::Ipv4Addr>().is_ok() {
        return true;
    }
    if let Some(v6) = inner
        .get(..5)
        .filter(|p| p.eq_ignore_ascii_case("IPv6:"))
        .and(inner.get(5..))
    {
        return v6.parse::<std::net::Ipv6Addr>().is_ok();
    }
    // General-address-literal = Standardized-tag ":" 1*dcontent
    match inner.split_once(':') {
        Some((tag, content)) => {
            !tag.is_empty()
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !content.is_empty()
                && content
                    .chars()
                    .all(|c| ('!'..='Z').contains(&c) || ('^'..='~').contains(&c))
        }
        None => false,
    }
}
