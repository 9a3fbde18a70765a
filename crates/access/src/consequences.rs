//! What the charter makes follow from a person's actions, whatever the
//! door (IMAP, POP3, the webmail): reading mail keeps an account alive
//! (R13), removing mail frees room for deliveries held for quota (R17),
//! filing into or out of Junk teaches the spam filter (R24), and every
//! login attempt is in the audit log (R11). The doors call these
//! after the protocol work; none decides the rule itself.
//!
//! Invariants
//! - None of these fails the person's action: the mail operation already
//!   happened (or was refused elsewhere). A store error is logged with an
//!   error id and the session goes on.
//! - The audit entry of a login carries who, from where, how, and why it
//!   failed: never a password.

use std::net::IpAddr;

use vesontio_store::{FlagOp, Store};
use vesontio_types::{AccountId, MailboxId, Uid, UnixTime};

fn error_id() -> String {
    let u = uuid::Uuid::now_v7().simple().to_string();
    u[u.len() - 12..].to_string()
}

/// R13: `owner` read received messages (opened their INBOX, fetched a
/// body, retrieved over POP3, read one in the webmail): the account's last
/// read time, which the departure rules (R12–R14) count from.
pub async fn messages_read(store: &Store, owner: AccountId, now: UnixTime) {
    if let Err(e) = store.touch_last_read(owner, now).await {
        tracing::warn!(error_id = %error_id(), error = %e, "last read time not recorded (R13)");
    }
}

/// R17: messages were removed, so there may be room again: deliveries
/// held because a mailbox was full are retried now rather than at their
/// next scheduled attempt.
pub async fn room_freed(store: &Store, now: UnixTime) {
    if let Err(e) = store.wake_held(now).await {
        tracing::warn!(error_id = %error_id(), error = %e, "held deliveries not woken (R17)");
    }
}

/// How a login was attempted, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct LoginAttempt<'a> {
    /// `"imap"`, `"pop3"`, `"web"`…
    pub service: &'a str,
    /// The login name as typed.
    pub account: &'a str,
    pub ip: IpAddr,
    /// `"login"`, `"plain"`, `"user-pass"`, `"password"`…
    pub mechanism: &'a str,
    /// `None` on success, else why it failed (`"bad-password"`…).
    pub failure: Option<&'a str>,
}

/// R11: one `connection` entry per login attempt.
pub async fn login(store: &Store, now: UnixTime, a: LoginAttempt<'_>) {
    if let Err(e) = store
        .audit_login(now, a.service, a.account, a.ip, a.mechanism, a.failure)
        .await
    {
        tracing::error!(error_id = %error_id(), error = %e, service = a.service, "audit append failed");
    }
}

/// R24: a person copied or moved messages (`map`: source and destination
/// uids): into Junk says "spam", moved out of Junk says "not spam"; the
/// filters learn from the training events this writes.
pub async fn filed(
    store: &Store,
    src: MailboxId,
    dst: MailboxId,
    map: &[(Uid, Uid)],
    moved: bool,
    now: UnixTime,
) {
    if let Err(e) = store.train_on_move(src, dst, map, moved, now).await {
        tracing::warn!(error_id = %error_id(), error = %e, "training events not written (R24)");
    }
}

/// R24: `$Junk` or `$NotJunk` was set on messages: the same lesson as a
/// move into or out of Junk.
pub async fn flagged(
    store: &Store,
    mailbox: MailboxId,
    uids: &[Uid],
    op: FlagOp,
    flags: &[String],
    now: UnixTime,
) {
    if let Err(e) = store.train_on_flags(mailbox, uids, op, flags, now).await {
        tracing::warn!(error_id = %error_id(), error = %e, "training events not written (R24)");
    }
}
