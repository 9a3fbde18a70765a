//! The rows of the store, as the rest of the platform sees them.

use serde::Serialize;
use vesontio_types::{AccountId, AccountKind, AccountStatus, MailboxId, ModSeq, Uid, UnixTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    /// Normalised (lower-case) address.
    pub address: String,
    pub kind: AccountKind,
    pub display_name: String,
    /// argon2id PHC string; `None` for accounts nobody logs into (lists).
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// R26: an administrator set the password; the owner must change it.
    pub must_change_password: bool,
    pub status: AccountStatus,
    pub departure_at: Option<UnixTime>,
    /// R12: when the departure warning was sent.
    pub departure_warned_at: Option<UnixTime>,
    pub manager: Option<String>,
    pub quota_bytes: i64,
    pub bytes_used: i64,
    /// R16: the 90 % warning was sent and usage has not dropped below since.
    pub quota_warned: bool,
    /// R13: last time someone read received messages.
    pub last_read_at: Option<UnixTime>,
    pub created_at: UnixTime,
    /// R22: redirection to an external address.
    pub forward_to: Option<String>,
    pub forward_keep_copy: bool,
    pub forward_since: Option<UnixTime>,
}

#[derive(Debug, Clone)]
pub struct NewAccount {
    pub address: String,
    pub kind: AccountKind,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub must_change_password: bool,
    pub manager: Option<String>,
    pub quota_bytes: i64,
    pub created_at: UnixTime,
}

/// A partial update: `None` leaves the field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub display_name: Option<String>,
    pub password_hash: Option<String>,
    pub must_change_password: Option<bool>,
    pub status: Option<AccountStatus>,
    pub departure_at: Option<Option<UnixTime>>,
    pub departure_warned_at: Option<Option<UnixTime>>,
    pub manager: Option<Option<String>>,
    pub quota_bytes: Option<i64>,
    pub quota_warned: Option<bool>,
    pub forward_to: Option<Option<String>>,
    pub forward_keep_copy: Option<bool>,
    pub forward_since: Option<Option<UnixTime>>,
}

/// Rights of a member on a functional mailbox (RFC 4314 letters, e.g.
/// "lrswipkxtea"); `p` is used for "may send as" (R2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub group: Account,
    pub member: Account,
    pub rights: String,
}

/// The folders every person and functional account starts with, with their
/// RFC 6154 SPECIAL-USE attribute. IMAP names stay stable; display names are
/// a client matter.
pub const DEFAULT_MAILBOXES: &[(&str, Option<&str>)] = &[
    ("INBOX", None),
    ("Sent", Some("\\Sent")),
    ("Drafts", Some("\\Drafts")),
    ("Trash", Some("\\Trash")),
    ("Junk", Some("\\Junk")),
    ("Archive", Some("\\Archive")),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mailbox {
    pub id: MailboxId,
    pub account_id: AccountId,
    pub name: String,
    pub special_use: Option<String>,
    /// RFC 9051 §2.3.1.1. Derived from the row id, so a mailbox deleted and
    /// created again under the same name gets a new one.
    pub uidvalidity: u32,
    pub uidnext: Uid,
    pub highestmodseq: ModSeq,
    /// Kept by every write (schema v5): messages, those without `\Seen`
    /// (the owner's flag), and their bytes.
    pub total: u32,
    pub unseen: u32,
    pub bytes: i64,
}

/// What changed in a mailbox since a modseq ([`crate::Store::changes_since`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub highestmodseq: ModSeq,
    /// Messages added or changed, in UID order.
    pub changed: Vec<MessageMeta>,
    /// UIDs expunged, in order.
    pub vanished: Vec<Uid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageMeta {
    pub id: i64,
    pub mailbox_id: MailboxId,
    pub uid: Uid,
    pub blob_id: String,
    pub size: i64,
    pub internal_date: UnixTime,
    /// System flags (`\Seen`…) and keywords, in insertion order.
    pub flags: Vec<String>,
    pub modseq: ModSeq,
    /// R4: never shown to administrators.
    pub private: bool,
    /// The size once every line end is CRLF and the last line ended (RFC
    /// 1939 §11, what POP3 announces); `None` for rows from before schema v2.
    pub crlf_size: Option<i64>,
    /// The content's id in its account: the same across MOVE and for every
    /// COPY (RFC 8474 EMAILID).
    pub email_id: i64,
    /// The conversation (RFC 8474 THREADID), across folders.
    pub thread_id: i64,
    /// The stored content (model and search text) it shows; 0 for rows
    /// not yet upgraded.
    pub content_id: i64,
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub blob: crate::BlobRef,
    /// The body, so the store can rewrite the file if a concurrent reclaim
    /// removed it between `put_blob` and this insert (PostgreSQL only).
    pub data: Option<std::sync::Arc<Vec<u8>>>,
    pub internal_date: UnixTime,
    pub flags: Vec<String>,
    pub private: bool,
    /// The parse of the body; computed by [`crate::Store::deliver`] from
    /// `data` (or the blob) when `None`.
    pub parsed: Option<std::sync::Arc<crate::Parsed>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    pub mailbox_id: MailboxId,
    pub uidvalidity: u32,
    pub uid: Uid,
    pub modseq: ModSeq,
    pub email_id: i64,
    pub thread_id: i64,
}

/// One entry of an account's change log ([`crate::Store::account_changes`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountChange {
    /// The account's change sequence number (one per transaction).
    pub seq: i64,
    pub kind: crate::ChangeKind,
    /// The email concerned (0 for mailbox changes).
    pub email_id: i64,
    pub mailbox_id: MailboxId,
    pub at: UnixTime,
}

/// The stored model of a message's content and its top-level header.
#[derive(Debug, Clone)]
pub struct Content {
    pub model: vesontio_message::mime::Model,
    /// The header with its blank line, when small and UTF-8.
    pub header: Option<String>,
}

/// How STORE changes flags (RFC 9051 §6.4.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagOp {
    Replace,
    Add,
    Remove,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct MailboxCounts {
    pub messages: u32,
    pub unseen: u32,
    pub deleted: u32,
    pub size: i64,
    /// Messages whose UID is at least the `from` given to
    /// [`crate::Store::counts_from`] (IMAP4rev1 `\Recent`).
    pub from: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct QuotaUsage {
    pub used: i64,
    pub limit: i64,
}

/// Kind of queue entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QueueKind {
    /// Outbound to another domain.
    Remote,
    /// R17: a local delivery held because the mailbox is full.
    HeldLocal,
}

impl QueueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueKind::Remote => "remote",
            QueueKind::HeldLocal => "held_local",
        }
    }
    pub(crate) fn parse(s: &str) -> Self {
        if s == "held_local" {
            QueueKind::HeldLocal
        } else {
            QueueKind::Remote
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RcptStatus {
    Pending,
    Done,
    Failed,
}

impl RcptStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RcptStatus::Pending => "pending",
            RcptStatus::Done => "done",
            RcptStatus::Failed => "failed",
        }
    }
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "done" => RcptStatus::Done,
            "failed" => RcptStatus::Failed,
            _ => RcptStatus::Pending,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewQueueEntry {
    pub kind: QueueKind,
    pub blob: crate::BlobRef,
    /// Reverse path; empty for the null sender (bounces).
    pub sender: String,
    /// RFC 3461 ENVID and RET.
    pub envid: Option<String>,
    pub ret: Option<String>,
    pub recipients: Vec<NewQueueRcpt>,
    pub created_at: UnixTime,
    pub next_attempt_at: UnixTime,
}

#[derive(Debug, Clone)]
pub struct NewQueueRcpt {
    pub address: String,
    pub orcpt: Option<String>,
    pub notify: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueEntry {
    pub id: i64,
    pub kind: QueueKind,
    pub blob_id: String,
    pub sender: String,
    pub envid: Option<String>,
    pub ret: Option<String>,
    pub created_at: UnixTime,
    pub next_attempt_at: UnixTime,
    pub attempts: i64,
    pub delay_notified: bool,
    /// A held delivery's folder and filter disposition (v9); `None` for
    /// INBOX and outbound entries.
    pub folder: Option<String>,
    pub disposition: Option<String>,
    pub recipients: Vec<QueueRcpt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueRcpt {
    pub id: i64,
    pub address: String,
    pub orcpt: Option<String>,
    pub notify: Option<String>,
    pub status: RcptStatus,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: UnixTime,
    /// `connection`, `message`, `admin`…
    pub category: String,
    /// JSON object with the event's fields. Never message content.
    pub data: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineEntry {
    pub id: i64,
    pub created_at: UnixTime,
    pub blob_id: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub reason: String,
    pub rule: Option<String>,
    /// R4: private messages keep their subject hidden from administrators.
    pub private: bool,
    pub subject: Option<String>,
    pub status: String,
}

#[derive(Debug, Clone)]
pub struct NewQuarantine {
    pub created_at: UnixTime,
    pub blob: crate::BlobRef,
    pub sender: String,
    pub recipients: Vec<String>,
    pub reason: String,
    pub rule: Option<String>,
    pub private: bool,
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vacation {
    pub active: bool,
    pub start_at: Option<UnixTime>,
    pub end_at: Option<UnixTime>,
    pub subject: String,
    pub body: String,
}

/// Login failures of one login, or of one login from one client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureState {
    pub failures: i64,
    pub last_failure_at: UnixTime,
}

/// What a login attempt is judged on ([`crate::Store::login_state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginState {
    /// Consecutive failures of this login from this client address.
    pub pair: Option<FailureState>,
    /// Failures of this login from any address.
    pub account: Option<FailureState>,
    /// Last successful login of this login from this address.
    pub known_at: Option<UnixTime>,
    /// Distinct logins that failed from this address since the asked time.
    pub address_logins: i64,
    /// The latest of those failures.
    pub address_last_failure: Option<UnixTime>,
}
