//! [`Refusal`]: a verdict that a client is told about.

use std::fmt;

/// A refusal with its SMTP reply code (RFC 5321 §4.2), its enhanced status
/// code (RFC 3463) and a text for people.
///
/// `text` is French first, then ` / ` and English, and says what to do. It
/// may contain accents: use [`Refusal::smtp_reply`] on the wire, where
/// replies are ASCII (RFC 5321 §4.2), and `text` in DSNs and the webmail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: u16,
    pub enhanced: &'static str,
    pub text: String,
}

impl Refusal {
    pub fn new(code: u16, enhanced: &'static str, text: impl Into<String>) -> Self {
        Refusal {
            code,
            enhanced,
            text: text.into(),
        }
    }

    /// 5xx: the client must not retry (RFC 5321 §4.2.1).
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// One reply line without CRLF: `552 5.3.4 Message trop volumineux...`,
    /// ASCII only.
    pub fn smtp_reply(&self) -> String {
        format!(
            "{} {} {}",
            self.code,
            self.enhanced,
            vesontio_message::to_ascii(&self.text)
        )
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.code, self.enhanced, self.text)
    }
}
