//! The failure report (RFC 3464 DSN) the runner sends to the envelope sender.

use vesontio_message::{DsnAction, DsnParams, DsnRecipient, Mailbox, ReturnContent, build_dsn};
use vesontio_smtp_proto::Reply;
use vesontio_store::{QueueEntry, QueueRcpt};
use vesontio_types::{Address, UnixTime};

/// One recipient that will not get the message.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub rcpt: QueueRcpt,
    pub reply: Reply,
    /// The host that gave the reply, if one did.
    pub mta: Option<String>,
}

/// RFC 3461 §4.1: no NOTIFY means the MTA's default, which reports
/// failures; `NEVER` or a list without `FAILURE` asks for no failure DSN.
pub(super) fn wants_failure_report(notify: Option<&str>) -> bool {
    match notify {
        None => true,
        Some(n) => n
            .split(',')
            .map(|k| k.trim().to_ascii_uppercase())
            .any(|k| k == "FAILURE"),
    }
}

/// The reply as a Diagnostic-Code (RFC 3464 §2.3.6): one line, `550 5.1.1 text`.
pub(super) fn diagnostic(reply: &Reply) -> String {
    let text = reply.lines().collect::<Vec<_>>().join(" ");
    match reply.enhanced {
        Some(e) => format!("{} {e} {}", reply.code, text.trim()),
        None => format!("{} {}", reply.code, text.trim()),
    }
}

/// RFC 3464 §2.3.4 Status: the enhanced code of the reply, else its class.
/// A recipient that fails on expiry with a transient reply keeps that
/// reply's code (the last one known), or 4.4.7 (RFC 3463 §3.5, delivery
/// time expired).
fn status(reply: &Reply) -> String {
    match reply.enhanced {
        Some(e) => e.to_string(),
        None if reply.is_permanent() => "5.0.0".to_string(),
        None => "4.4.7".to_string(),
    }
}

/// Builds the DSN for `failures` of `entry`, or `None` when the sender is
/// null (never bounce a bounce) or cannot be parsed, or no recipient wants it.
pub(super) fn build(
    hostname: &str,
    postmaster: &str,
    entry: &QueueEntry,
    original: &[u8],
    failures: &[Failure],
    now: UnixTime,
    message_id: String,
) -> Option<(Address, Vec<u8>)> {
    if entry.sender.is_empty() {
        return None;
    }
    let to = Address::parse(&entry.sender).ok()?;
    let from = Address::parse(postmaster).ok()?;
    let recipients: Vec<DsnRecipient> = failures
        .iter()
        .filter(|f| wants_failure_report(f.rcpt.notify.as_deref()))
        .filter_map(|f| {
            Some(DsnRecipient {
                final_recipient: Address::parse(&f.rcpt.address).ok()?,
                original_recipient: f.rcpt.orcpt.clone(),
                action: DsnAction::Failed,
                status: status(&f.reply),
                diagnostic: Some(diagnostic(&f.reply)),
                remote_mta: f.mta.clone(),
                last_attempt: Some(now),
                will_retry_until: None,
            })
        })
        .collect();
    if recipients.is_empty() {
        return None;
    }
    let ret = match entry.ret.as_deref() {
        Some(r) if r.eq_ignore_ascii_case("FULL") => ReturnContent::Full,
        _ => ReturnContent::Headers,
    };
    let params = DsnParams {
        reporting_mta: hostname.to_string(),
        from: Mailbox::new("Mail Delivery System", from),
        to: to.clone(),
        original_envid: entry.envid.clone(),
        arrival_date: Some(entry.created_at),
        recipients,
        human_text: String::new(),
        original,
        ret,
        date: now,
        message_id,
    };
    Some((to, build_dsn(&params)))
}
