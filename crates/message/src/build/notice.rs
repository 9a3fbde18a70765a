//! Plain-text automatic messages: notices (R7, R12, R14, R16, R17) and
//! vacation replies (R23, RFC 3834).

use vesontio_types::UnixTime;

use super::{Mailbox, angle, push_field, quoted_printable};
use crate::date::format_rfc5322_date;
use crate::headers::encode_unstructured;

/// The fields and body shared by every text message built here.
#[allow(clippy::too_many_arguments)] // private; each caller names its arguments
fn text_message(
    from: &Mailbox,
    to: &Mailbox,
    subject: &str,
    text: &str,
    date: UnixTime,
    message_id: &str,
    auto_submitted: &str,
    extra: &[(&str, String)],
) -> Vec<u8> {
    let mut h = String::new();
    push_field(&mut h, "From", &from.to_header());
    push_field(&mut h, "To", &to.to_header());
    push_field(&mut h, "Subject", &encode_unstructured(subject));
    push_field(&mut h, "Date", &format_rfc5322_date(date));
    push_field(&mut h, "Message-ID", &angle(message_id));
    for (name, value) in extra {
        push_field(&mut h, name, value);
    }
    // RFC 3834 §5: marks the message as automatic so that other
    // responders do not answer it (mail loops).
    push_field(&mut h, "Auto-Submitted", auto_submitted);
    push_field(&mut h, "MIME-Version", "1.0");
    push_field(&mut h, "Content-Type", "text/plain; charset=utf-8");
    push_field(&mut h, "Content-Transfer-Encoding", "quoted-printable");
    h.push_str("\r\n");
    h.push_str(&quoted_printable(text));
    h.push_str("\r\n");
    h.into_bytes()
}

/// A short automatic message from the platform to a person: R7 recipient
/// notices, R16 quota warnings, R12 departure and R14 forwarding warnings,
/// R17 "message waiting" alerts.
///
/// It carries `Auto-Submitted: auto-generated` (RFC 3834 §5). Send it with
/// an empty reverse-path (`MAIL FROM:<>`) so nothing bounces back to it.
/// Texts must not contain links (users are taught that mail from the
/// platform never asks them to click, R26).
pub fn build_notice(
    from: &Mailbox,
    to: &Mailbox,
    subject: &str,
    text: &str,
    date: UnixTime,
    message_id: &str,
) -> Vec<u8> {
    text_message(
        from,
        to,
        subject,
        text,
        date,
        message_id,
        "auto-generated",
        &[],
    )
}

/// What a vacation reply answers and says (R23).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VacationReply<'a> {
    /// RFC 3834 §3.1.7 (and RFC 5230 §4.5): the user's own address.
    pub from: Mailbox,
    /// The sender being answered (RFC 3834 §3.1.1: the Return-Path address,
    /// or From when the policy chooses so).
    pub to: Mailbox,
    pub original_subject: Option<&'a str>,
    /// Message-ID of the message being answered, with or without brackets.
    pub original_message_id: Option<&'a str>,
    /// `References` of the message being answered, as written.
    pub original_references: Option<&'a str>,
    /// The subject the user chose; `None` or empty gives `Auto: <original>`.
    pub subject: Option<&'a str>,
    pub text: &'a str,
    pub date: UnixTime,
    pub message_id: &'a str,
}

/// A vacation reply following RFC 3834 §3.
///
/// - §5: `Auto-Submitted: auto-replied`.
/// - §3.1.4: `In-Reply-To` is the original Message-ID and `References` the
///   original references followed by it.
/// - §3.1.5: without a chosen subject, `Auto: ` and the original subject.
///
/// Send it with an empty reverse-path (§3.3). Whether to answer at all is
/// decided by `vesontio_policy::should_auto_reply`.
pub fn build_vacation_reply(r: &VacationReply<'_>) -> Vec<u8> {
    let subject = match r.subject.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s.to_string(),
        None => match r.original_subject.map(str::trim).filter(|s| !s.is_empty()) {
            Some(o) => format!("Auto: {o}"),
            None => "Auto: absence".to_string(),
        },
    };
    let mut extra = Vec::new();
    if let Some(id) = r
        .original_message_id
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let id = angle(id);
        extra.push(("In-Reply-To", id.clone()));
        let refs = match r
            .original_references
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(refs) => format!("{refs} {id}"),
            None => id,
        };
        extra.push(("References", refs));
    }
    text_message(
        &r.from,
        &r.to,
        &subject,
        r.text,
        r.date,
        r.message_id,
        "auto-replied",
        &extra,
    )
}
