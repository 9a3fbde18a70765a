//! Delivery status notifications (RFC 3464 inside RFC 6522 multipart/report).

use vesontio_types::{Address, UnixTime};

use super::{Mailbox, angle, boundary, push_field, quoted_printable};
use crate::date::format_rfc5322_date;
use crate::headers::encode_unstructured;
use crate::headers::to_ascii as ascii_only;

/// RFC 3464 §2.3.3 `Action` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DsnAction {
    Failed,
    Delayed,
    Delivered,
    Relayed,
    Expanded,
}

impl DsnAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DsnAction::Failed => "failed",
            DsnAction::Delayed => "delayed",
            DsnAction::Delivered => "delivered",
            DsnAction::Relayed => "relayed",
            DsnAction::Expanded => "expanded",
        }
    }
}

/// How much of the original message goes back (RFC 3461 §4.3 `RET`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnContent {
    /// `RET=HDRS`, and the default (RFC 3461 §4.3 leaves it to the MTA; the
    /// headers are enough to recognise the message and keep R4 privacy).
    Headers,
    /// `RET=FULL`.
    Full,
}

/// One per-recipient block (RFC 3464 §2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnRecipient {
    /// §2.3.2 `Final-Recipient`.
    pub final_recipient: Address,
    /// §2.3.1 `Original-Recipient`: the ORCPT parameter as received
    /// (`rfc822;a@b`, xtext already decoded). A value without a type gets `rfc822;`.
    pub original_recipient: Option<String>,
    pub action: DsnAction,
    /// §2.3.4 `Status`, an RFC 3463 code like `5.3.4`.
    pub status: String,
    /// §2.3.6 `Diagnostic-Code`: the SMTP reply, e.g. `552 5.3.4 Message too large`.
    pub diagnostic: Option<String>,
    /// §2.3.5 `Remote-MTA`: the host that gave the diagnostic.
    pub remote_mta: Option<String>,
    /// §2.3.7 `Last-Attempt-Date`.
    pub last_attempt: Option<UnixTime>,
    /// §2.3.9 `Will-Retry-Until` (for `delayed`).
    pub will_retry_until: Option<UnixTime>,
}

/// Everything a DSN says.
///
/// Send it with an empty reverse-path, `MAIL FROM:<>` (RFC 5321 §4.5.5,
/// RFC 3461 §6.2), so that it can never cause another DSN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnParams<'a> {
    /// §2.2.2 `Reporting-MTA`: this server's host name.
    pub reporting_mta: String,
    /// Usually `postmaster@domain` with a display name.
    pub from: Mailbox,
    /// The original envelope sender.
    pub to: Address,
    /// RFC 3461 §4.4 ENVID, xtext decoded.
    pub original_envid: Option<String>,
    /// §2.2.5 `Arrival-Date`.
    pub arrival_date: Option<UnixTime>,
    pub recipients: Vec<DsnRecipient>,
    /// The text for people (first part). Empty: a French and English text
    /// is written from the recipients.
    pub human_text: String,
    /// The original message, raw.
    pub original: &'a [u8],
    pub ret: ReturnContent,
    pub date: UnixTime,
    pub message_id: String,
}

/// Builds an RFC 3464 DSN: `multipart/report; report-type=delivery-status`
/// (RFC 6522) with a text part, a `message/delivery-status` part and the
/// original headers (`text/rfc822-headers`) or message (`message/rfc822`).
///
/// Delivery-status fields are ASCII (RFC 3464 §2.1; the UTF-8 form of
/// RFC 6533 is not produced): non-ASCII characters in diagnostics are folded.
pub fn build_dsn(p: &DsnParams<'_>) -> Vec<u8> {
    let human = if p.human_text.trim().is_empty() {
        default_human_text(p)
    } else {
        p.human_text.clone()
    };
    let human = quoted_printable(&human);
    let status = delivery_status(p);
    let original: &[u8] = match p.ret {
        ReturnContent::Headers => original_headers(p.original),
        ReturnContent::Full => p.original,
    };
    let b = boundary(&p.message_id, &[original]);

    let mut h = String::new();
    push_field(&mut h, "From", &p.from.to_header());
    push_field(&mut h, "To", &format!("<{}>", p.to));
    push_field(&mut h, "Subject", &encode_unstructured(subject(p)));
    push_field(&mut h, "Date", &format_rfc5322_date(p.date));
    push_field(&mut h, "Message-ID", &angle(&p.message_id));
    // RFC 3834 §5: a DSN is an automatic response to a message.
    push_field(&mut h, "Auto-Submitted", "auto-replied");
    push_field(&mut h, "MIME-Version", "1.0");
    push_field(
        &mut h,
        "Content-Type",
        &format!("multipart/report; report-type=delivery-status; boundary=\"{b}\""),
    );
    h.push_str("\r\n");
    h.push_str("This is a delivery status notification (RFC 3464).\r\n\r\n");
    h.push_str(&format!("--{b}\r\n"));
    h.push_str("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
    h.push_str(&human);
    h.push_str(&format!("\r\n--{b}\r\n"));
    h.push_str("Content-Type: message/delivery-status\r\n\r\n");
    h.push_str(&status);
    h.push_str(&format!("\r\n--{b}\r\n"));
    let cte = if original.is_ascii() { "7bit" } else { "8bit" };
    match p.ret {
        ReturnContent::Headers => h.push_str("Content-Type: text/rfc822-headers"),
        ReturnContent::Full => h.push_str("Content-Type: message/rfc822"),
    }
    h.push_str(&format!("\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"));
    let mut out = h.into_bytes();
    out.extend_from_slice(original);
    if !original.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    out
}

fn subject(p: &DsnParams<'_>) -> &'static str {
    let all = |a: DsnAction| p.recipients.iter().all(|r| r.action == a);
    if p.recipients.iter().any(|r| r.action == DsnAction::Failed) {
        "Message non distribué / Undelivered mail"
    } else if all(DsnAction::Delayed) || p.recipients.iter().any(|r| r.action == DsnAction::Delayed)
    {
        "Message en attente / Delayed mail"
    } else {
        "Avis de distribution / Delivery report"
    }
}

fn default_human_text(p: &DsnParams<'_>) -> String {
    let mut fr = String::from("Ceci est un message automatique du serveur de messagerie.\n\n");
    let mut en = String::from("This is an automatic message from the mail server.\n\n");
    for r in &p.recipients {
        let diag = r
            .diagnostic
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let (f, e) = match r.action {
            DsnAction::Failed => ("n'a pas pu être distribué à", "could not be delivered to"),
            DsnAction::Delayed => (
                "n'a pas encore été distribué à",
                "has not yet been delivered to",
            ),
            DsnAction::Delivered => ("a été distribué à", "was delivered to"),
            DsnAction::Relayed => ("a été transmis vers", "was relayed towards"),
            DsnAction::Expanded => ("a été redistribué par", "was expanded by"),
        };
        fr.push_str(&format!("Votre message {f} {}{diag}.\n", r.final_recipient));
        en.push_str(&format!("Your message {e} {}{diag}.\n", r.final_recipient));
    }
    format!("{fr}\n{en}")
}

/// The `message/delivery-status` body (RFC 3464 §2.1): per-message fields,
/// then one block per recipient, blocks separated by empty lines.
fn delivery_status(p: &DsnParams<'_>) -> String {
    let mut s = String::new();
    let line = |s: &mut String, name: &str, value: &str| {
        s.push_str(&format!("{name}: {}\r\n", ascii_only(value.trim())));
    };
    line(
        &mut s,
        "Reporting-MTA",
        &format!("dns; {}", p.reporting_mta),
    );
    if let Some(envid) = &p.original_envid {
        line(&mut s, "Original-Envelope-Id", envid);
    }
    if let Some(t) = p.arrival_date {
        line(&mut s, "Arrival-Date", &format_rfc5322_date(t));
    }
    for r in &p.recipients {
        s.push_str("\r\n");
        if let Some(o) = &r.original_recipient {
            let o = if o.contains(';') {
                o.clone()
            } else {
                format!("rfc822;{o}")
            };
            line(&mut s, "Original-Recipient", &o);
        }
        line(
            &mut s,
            "Final-Recipient",
            &format!("rfc822; {}", r.final_recipient),
        );
        line(&mut s, "Action", r.action.as_str());
        line(&mut s, "Status", &r.status);
        if let Some(m) = &r.remote_mta {
            line(&mut s, "Remote-MTA", &format!("dns; {m}"));
        }
        if let Some(d) = &r.diagnostic {
            line(&mut s, "Diagnostic-Code", &format!("smtp; {d}"));
        }
        if let Some(t) = r.last_attempt {
            line(&mut s, "Last-Attempt-Date", &format_rfc5322_date(t));
        }
        if let Some(t) = r.will_retry_until {
            line(&mut s, "Will-Retry-Until", &format_rfc5322_date(t));
        }
    }
    s
}

/// The header section of the original, with its final empty line.
fn original_headers(raw: &[u8]) -> &[u8] {
    for (i, w) in raw.windows(2).enumerate() {
        if w == b"\n\n" {
            return &raw[..i + 2];
        }
        if i + 4 <= raw.len() && &raw[i..i + 4] == b"\r\n\r\n" {
            return &raw[..i + 4];
        }
    }
    if raw.starts_with(b"\r\n") || raw.starts_with(b"\n") {
        return &[];
    }
    raw
}
