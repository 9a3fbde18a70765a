//! [`Refused`]: why the ingest gate did not take a message, whatever the
//! door. It names the rule ([`Rule`]), the limit that was crossed when
//! there is one, and a sentence for a person in French and English. Each
//! door turns it into its protocol in one function: SMTP in
//! `smtp-server` (`transaction::wire_reply`), IMAP `NO [CODE]` in
//! `imap-server` (`ops::append::refusal`), HTTP here
//! ([`Refused::http_status`], [`Refused::to_json`]) for the web.
//!
//! The SMTP code and RFC 3463 enhanced code are kept because the MX and
//! submission answer with them and DSNs quote them; other doors read
//! [`Refused::rule`], never the codes.

use std::fmt;

/// The rule behind a refusal. `as_str` is stable: it is the `rule` of the
/// web's JSON and of the audit log, and the acceptance tests compare it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// RFC 5321 §3.6.2/§7.1: the MX does not relay to other domains.
    Relay,
    /// A local recipient that does not exist (RFC 5321 §3.3 `550 5.1.1`).
    UnknownRecipient,
    /// No recipient at all.
    NoRecipients,
    /// R2: sending as an address the account may not use (envelope or
    /// `From:`), or the null sender on submission.
    SendAs,
    /// Mail from outside claiming one of our domains (issue 11).
    OutsideSender,
    /// R3: not an authorised sender of the list.
    ListPosting,
    /// R5: too many recipients in one message.
    RecipientsPerMessage,
    /// R5: too many recipients in the last hour.
    HourlyRate,
    /// R6: the message is larger than the limit.
    Size,
    /// R7: a forbidden file, or something that cannot be looked into.
    Attachment,
    /// A header section readers would read differently (bare CR/LF, NUL,
    /// a second `From:`), RFC 5322 §2.2 and §3.6.
    Headers,
    /// A content filter (R9 antivirus, R24 spam) refused it.
    Content,
    /// A fault on our side: try again later.
    Internal,
    /// A refusal from a filter stage with no rule of its own.
    Other,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Relay => "relay",
            Rule::UnknownRecipient => "unknown_recipient",
            Rule::NoRecipients => "no_recipients",
            Rule::SendAs => "R2",
            Rule::OutsideSender => "outside_sender",
            Rule::ListPosting => "R3",
            Rule::RecipientsPerMessage => "R5_per_message",
            Rule::HourlyRate => "R5_per_hour",
            Rule::Size => "R6",
            Rule::Attachment => "R7",
            Rule::Headers => "headers",
            Rule::Content => "content",
            Rule::Internal => "internal",
            Rule::Other => "other",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refusal of the ingest gate. `text` is French, ` / `, then English
/// (as every refusal of the platform); [`Refused::french`] and
/// [`Refused::english`] give each half.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}: {code} {enhanced} {text}")]
pub struct Refused {
    pub rule: Rule,
    /// The limit that was crossed (octets for R6, recipients for R5).
    pub limit: Option<u64>,
    /// RFC 5321 §4.2 reply code; 4xx is temporary.
    pub code: u16,
    /// RFC 3463 enhanced status code.
    pub enhanced: String,
    pub text: String,
}

impl Refused {
    pub fn new(rule: Rule, code: u16, enhanced: &str, text: impl Into<String>) -> Self {
        Refused {
            rule,
            limit: None,
            code,
            enhanced: enhanced.to_string(),
            text: text.into(),
        }
    }

    pub fn with_limit(mut self, limit: u64) -> Self {
        self.limit = Some(limit);
        self
    }

    /// A policy verdict under `rule`. The text keeps its accents: the
    /// SMTP door folds it to ASCII (RFC 5321 §4.2), the others need not.
    pub fn from_policy(rule: Rule, r: &vesontio_policy::Refusal) -> Self {
        Refused::new(rule, r.code, r.enhanced, r.text.clone())
    }

    /// `451 4.3.0` for a storage failure: the client retries later.
    pub(crate) fn internal() -> Self {
        Refused::new(
            Rule::Internal,
            451,
            "4.3.0",
            "Erreur temporaire du serveur, réessayez plus tard / Temporary server error, try again later",
        )
    }

    /// The text as an SMTP reply carries it: ASCII (RFC 5321 §4.2).
    pub fn smtp_text(&self) -> String {
        vesontio_message::to_ascii(&self.text)
    }

    /// 5xx: do not retry the same message (RFC 5321 §4.2.1).
    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    pub fn french(&self) -> &str {
        self.text
            .split_once(" / ")
            .map_or(self.text.as_str(), |(fr, _)| fr.trim())
    }

    pub fn english(&self) -> &str {
        self.text
            .split_once(" / ")
            .map_or(self.text.as_str(), |(_, en)| en.trim())
    }

    /// The HTTP status the web answers with (RFC 9110 §15): 413 for R6,
    /// 403 for what the sender may not do, 422 for content refused, 429
    /// for R5's hourly limit, 503 for a temporary fault.
    pub fn http_status(&self) -> u16 {
        match self.rule {
            Rule::Size => 413,
            Rule::SendAs | Rule::OutsideSender | Rule::ListPosting | Rule::Relay => 403,
            Rule::HourlyRate => 429,
            Rule::UnknownRecipient | Rule::NoRecipients | Rule::RecipientsPerMessage => 422,
            Rule::Attachment | Rule::Headers | Rule::Content => 422,
            Rule::Internal => 503,
            Rule::Other if self.is_permanent() => 422,
            Rule::Other => 503,
        }
    }

    /// The JSON body of the web's refusal: `{"rule", "limit", "temporary",
    /// "message": {"fr", "en"}}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "rule": self.rule.as_str(),
            "limit": self.limit,
            "temporary": !self.is_permanent(),
            "message": { "fr": self.french(), "en": self.english() },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_status_and_json() {
        let r = Refused::new(Rule::Size, 552, "5.3.4", "Trop gros / Too big").with_limit(10);
        assert_eq!((r.french(), r.english()), ("Trop gros", "Too big"));
        assert_eq!(r.http_status(), 413);
        let j = r.to_json();
        assert_eq!(j["rule"], "R6");
        assert_eq!(j["limit"], 10);
        assert_eq!(j["temporary"], false);
        assert_eq!(Refused::internal().http_status(), 503);
        assert_eq!(Refused::internal().to_json()["temporary"], true);
    }
}
