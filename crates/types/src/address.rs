use serde::{Deserialize, Serialize};
use std::fmt;

/// A mail address `local@domain` as used in envelopes and the directory.
///
/// The domain is stored in lower case (RFC 5321 §2.4: domains are
/// case-insensitive). The local part is kept as written, but the platform's
/// own addresses are all lower case (R1), so lookups lower-case it too
/// (RFC 5321 §2.4 allows a host to treat its local parts case-insensitively).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Address {
    local: String,
    domain: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the address {0:?} has no '@'")]
    MissingAt(String),
    #[error("the address {0:?} has an empty local part")]
    EmptyLocal(String),
    #[error("the address {0:?} has an invalid domain")]
    BadDomain(String),
    #[error("the address {0:?} contains a forbidden character")]
    BadChar(String),
    #[error("the address {0:?} is longer than 254 characters")]
    TooLong(String),
}

impl Address {
    /// Parses `local@domain`. Accepts UTF-8 (RFC 6531) but refuses control
    /// characters, spaces and angle brackets outside a quoted local part.
    pub fn parse(s: &str) -> Result<Self, AddressError> {
        let s = s.trim();
        if s.len() > 254 {
            return Err(AddressError::TooLong(s.to_string()));
        }
        let at = s
            .rfind('@')
            .ok_or_else(|| AddressError::MissingAt(s.to_string()))?;
        let (local, domain) = (&s[..at], &s[at + 1..]);
        if local.is_empty() {
            return Err(AddressError::EmptyLocal(s.to_string()));
        }
        let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
        if !quoted
            && local.chars().any(|c| {
                c.is_control()
                    || c == ' '
                    || c == '<'
                    || c == '>'
                    || c == '"'
                    || c == '@'
                    || c == ','
                    || c == ';'
            })
        {
            return Err(AddressError::BadChar(s.to_string()));
        }
        if local.chars().any(|c| c.is_control()) {
            return Err(AddressError::BadChar(s.to_string()));
        }
        let domain = domain.trim_end_matches('.').to_lowercase();
        let domain_ok = !domain.is_empty()
            && domain.len() <= 253
            && (domain.starts_with('[') && domain.ends_with(']')
                || domain.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                        && label.chars().all(|c| c.is_alphanumeric() || c == '-')
                }));
        if !domain_ok {
            return Err(AddressError::BadDomain(s.to_string()));
        }
        Ok(Address {
            local: local.to_string(),
            domain,
        })
    }

    pub fn local(&self) -> &str {
        &self.local
    }
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The form used as a directory key: everything lower case.
    pub fn normalized(&self) -> String {
        format!("{}@{}", self.local.to_lowercase(), self.domain)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.local, self.domain)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl TryFrom<String> for Address {
    type Error = AddressError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Address::parse(&s)
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

impl std::str::FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Address::parse(s)
    }
}
