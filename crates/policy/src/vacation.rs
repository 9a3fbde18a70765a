//! R23: whether to answer a message with the absence message, following
//! RFC 3834 §2 and RFC 5230 §4.5 (Sieve vacation).

use vesontio_message::Analysis;
use vesontio_types::{Address, UnixTime};

/// Whether the user's address must appear in `To` or `Cc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipientCheck {
    /// RFC 5230 §4.5: answer only when one of the user's addresses is in
    /// `To`, `Cc` (or `Bcc`, `Resent-*`, not kept here): a copy received
    /// through a list or a `Bcc` gets no answer. The default.
    Required,
    /// Answer whatever the headers say (the envelope alone decides).
    NotRequired,
}

/// The facts a vacation decision needs.
#[derive(Debug, Clone, Copy)]
pub struct VacationFacts<'a> {
    /// The user's "active" switch.
    pub active: bool,
    /// The absence runs from `start` (inclusive) to `end` (exclusive);
    /// `None` leaves that side open.
    pub start: Option<UnixTime>,
    pub end: Option<UnixTime>,
    pub now: UnixTime,
    /// The envelope sender (`MAIL FROM`); `None` for the null sender `<>`.
    pub sender: Option<&'a Address>,
    pub analysis: &'a Analysis,
    /// Every address that delivers to the user (their own and aliases).
    pub recipient_addresses_of_user: &'a [Address],
    /// The store has already answered this sender during this absence
    /// (R23: once per sender per period).
    pub already_replied_this_period: bool,
    pub recipient_check: RecipientCheck,
}

/// Why no answer is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoReplyReason {
    Inactive,
    NotStarted,
    Ended,
    /// RFC 3834 §2: never answer the null reverse-path (bounces, DSNs).
    NullSender,
    /// RFC 3834 §2: `MAILER-DAEMON`, `postmaster`, `owner-*`, `*-request`,
    /// `LISTSERV`, `majordomo`, `noreply`: addresses of programs.
    SystemSender,
    /// RFC 3834 §2: `Auto-Submitted` other than `no`.
    AutoSubmitted,
    /// `Precedence: bulk`, `list` or `junk`.
    BulkPrecedence,
    /// RFC 3834 §2 / RFC 2369, RFC 2919: `List-Id` or another `List-*` header.
    ListMail,
    /// RFC 5230 §4.5: none of the user's addresses is in `To` or `Cc`.
    NotAddressedToUser,
    /// The sender is the user.
    FromUser,
    /// R23: this sender was already answered during this absence.
    AlreadyReplied,
}

/// R23: answer with the absence message, or say why not.
///
/// The checks run in a fixed order, cheapest and most decisive first, so
/// the reason given is stable. On `Ok`, send with
/// `vesontio_message::build_vacation_reply` from a null reverse-path, to
/// `sender`, and record that this sender was answered.
pub fn should_auto_reply(f: &VacationFacts<'_>) -> Result<(), NoReplyReason> {
    if !f.active {
        return Err(NoReplyReason::Inactive);
    }
    if f.start.is_some_and(|s| f.now < s) {
        return Err(NoReplyReason::NotStarted);
    }
    if f.end.is_some_and(|e| f.now >= e) {
        return Err(NoReplyReason::Ended);
    }
    let Some(sender) = f.sender else {
        return Err(NoReplyReason::NullSender);
    };
    if is_system_sender(sender) {
        return Err(NoReplyReason::SystemSender);
    }
    let a = f.analysis;
    if a.auto_submitted.as_deref().is_some_and(|v| v != "no") {
        return Err(NoReplyReason::AutoSubmitted);
    }
    if a.precedence
        .as_deref()
        .is_some_and(|p| matches!(p, "bulk" | "list" | "junk"))
    {
        return Err(NoReplyReason::BulkPrecedence);
    }
    if a.list_id.is_some() || a.has_list_headers {
        return Err(NoReplyReason::ListMail);
    }
    let mine = |x: &Address| {
        f.recipient_addresses_of_user
            .iter()
            .any(|u| u.normalized() == x.normalized())
    };
    if mine(sender) {
        return Err(NoReplyReason::FromUser);
    }
    if f.recipient_check == RecipientCheck::Required && !a.to.iter().chain(a.cc.iter()).any(mine) {
        return Err(NoReplyReason::NotAddressedToUser);
    }
    if f.already_replied_this_period {
        return Err(NoReplyReason::AlreadyReplied);
    }
    Ok(())
}

/// RFC 3834 §2 and common practice: local parts used by programs.
fn is_system_sender(a: &Address) -> bool {
    let l = a.local().to_ascii_lowercase();
    matches!(
        l.as_str(),
        "mailer-daemon"
            | "postmaster"
            | "listserv"
            | "majordomo"
            | "noreply"
            | "no-reply"
            | "do-not-reply"
            | "donotreply"
    ) || l.starts_with("owner-")
        || l.ends_with("-request")
        || l.ends_with("-owner")
        || l.ends_with("-bounces")
        || l.contains("-bounces+")
}
