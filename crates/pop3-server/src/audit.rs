//! R11 audit events of the POP3 service: one `connection` event per login
//! attempt, one `message` event per retrieval or deletion. Never message
//! content: only who, from where, which UID and how many octets.

use std::net::IpAddr;

use serde_json::json;
use vesontio_pop3_proto::Mechanism;
use vesontio_store::Store;
use vesontio_types::{Uid, UnixTime};

/// What happened to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageAction {
    Retrieve,
    Delete,
}

impl MessageAction {
    fn as_str(self) -> &'static str {
        match self {
            MessageAction::Retrieve => "retrieve",
            MessageAction::Delete => "delete",
        }
    }
}

fn mechanism(m: Mechanism) -> &'static str {
    match m {
        Mechanism::UserPass => "user-pass",
        Mechanism::Plain => "plain",
    }
}

/// One login attempt. `reason` is `None` on success.
pub(crate) async fn login(
    store: &Store,
    now: UnixTime,
    account: &str,
    ip: IpAddr,
    mech: Mechanism,
    reason: Option<&str>,
) {
    let attempt = vesontio_access::LoginAttempt {
        service: "pop3",
        account,
        ip,
        mechanism: mechanism(mech),
        failure: reason,
    };
    vesontio_access::consequences::login(store, now, attempt).await;
}

/// The data of one `message` event.
pub(crate) fn message_data(
    account: &str,
    ip: IpAddr,
    action: MessageAction,
    uid: Uid,
    size: u64,
) -> serde_json::Value {
    json!({
        "protocol": "pop3",
        "action": action.as_str(),
        "account": account,
        "ip": ip.to_string(),
        "mailbox": "INBOX",
        "uid": uid,
        "size": size,
    })
}

/// Writes the retrievals a session made, in one message to the store's
/// audit writer (not one commit per RETR).
pub(crate) async fn flush(store: &Store, pending: &mut Vec<(UnixTime, serde_json::Value)>) {
    if pending.is_empty() {
        return;
    }
    let entries = pending
        .drain(..)
        .map(|(at, d)| (at, "message".to_string(), d))
        .collect();
    if let Err(e) = store.audit_append_many(entries).await {
        let id = crate::connection::error_id();
        tracing::error!(error_id = %id, error = %e, "audit append failed");
    }
}

/// One message retrieved (RETR) or removed (UPDATE).
pub(crate) async fn message(
    store: &Store,
    now: UnixTime,
    account: &str,
    ip: IpAddr,
    action: MessageAction,
    uid: Uid,
    size: u64,
) {
    append(
        store,
        now,
        "message",
        &message_data(account, ip, action, uid, size),
    )
    .await;
}

/// A failed audit write is logged with an error id; the session goes on
/// (the mail operation itself already happened or is refused elsewhere).
async fn append(store: &Store, now: UnixTime, category: &str, data: &serde_json::Value) {
    if let Err(e) = store.audit_append(now, category, data).await {
        let id = crate::connection::error_id();
        tracing::error!(error_id = %id, error = %e, category, "audit append failed");
    }
}
