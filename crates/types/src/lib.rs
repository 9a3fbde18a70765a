//! Vocabulary shared by every vesontio crate: mail addresses, database ids,
//! IMAP numbers (RFC 9051 §2.3.1.1 UID, UIDVALIDITY; RFC 7162 MODSEQ) and
//! [`Secret`], the wrapper for passwords whose `Debug` never shows them,
//! and [`SenderPattern`], an address, domain or network in a sender list.
//!
//! Invariants
//! - No I/O, no clock, no dependency on any other vesontio crate.

mod address;
mod secret;
mod sender_pattern;

pub use address::{Address, AddressError};
pub use secret::Secret;
pub use sender_pattern::SenderPattern;

use serde::{Deserialize, Serialize};

/// Row id of an account (person, functional mailbox or list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountId(pub i64);

/// Row id of a mailbox (IMAP folder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MailboxId(pub i64);

/// RFC 9051 §2.3.1.1: unique identifier of a message within a mailbox, strictly ascending.
pub type Uid = u32;
/// RFC 9051 §2.3.1.1: changes whenever UIDs of a mailbox may have been reused.
pub type UidValidity = u32;
/// RFC 7162 §3.1: modification sequence, grows with every change in a mailbox.
pub type ModSeq = u64;

/// Seconds since the Unix epoch, UTC. Time is always passed in, never read
/// by library code, so rules can be tested with a fixed clock.
pub type UnixTime = i64;

/// The three kinds of account of the charter (R1, R2, R3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// R1: one per person, `first.last@domain`.
    Person,
    /// R2: a service's mailbox, read and sent from by its members.
    Functional,
    /// R3: an institutional distribution list.
    List,
}

impl AccountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountKind::Person => "person",
            AccountKind::Functional => "functional",
            AccountKind::List => "list",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "person" => Some(Self::Person),
            "functional" => Some(Self::Functional),
            "list" => Some(Self::List),
            _ => None,
        }
    }
}

/// Lifecycle state of an account (R12, R13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountStatus {
    Active,
    /// The owner left (transfer, retirement); deleted one year later (R12).
    Departed,
    /// Logins refused, mail still accepted.
    Disabled,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Departed => "departed",
            AccountStatus::Disabled => "disabled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "departed" => Some(Self::Departed),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
}

/// The network services of R10, each of which an administrator can stop alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Smtp,
    Submission,
    Imap,
    Pop3,
    Web,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Submission => "submission",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::Web => "web",
        }
    }
}

#[cfg(test)]
mod tests;
