//! The charter (`docs/charter.md`, rules R1..R27) as pure code: facts in,
//! verdicts out. No I/O, no clock: every function takes the time it needs
//! as a [`UnixTime`](vesontio_types::UnixTime) argument, and every number of
//! the charter (10 MB, 90 %, five days...) is a parameter, never a constant.
//!
//! Map of the rules:
//! - R3 lists: [`may_post_to_list`], [`list_post_refusal`]
//! - R4 privacy: [`is_private_subject`] (from `vesontio-message`)
//! - R5 mass mailing: [`RateWindow`], [`check_recipients_per_message`], [`check_hourly_rate`]
//! - R6 size: [`check_size`]; R7 attachments: [`check_attachments`], [`check_scannable`]
//! - header sections that lie (bare CR/LF, NUL, two `From:`): [`check_headers`]
//! - R12/R13/R14 lifecycle: [`departed_due`], [`departure_warning_due`],
//!   [`departed_action`], [`functional_inactive`], [`forward_no_copy_due`]
//! - R16/R17 quota: [`quota_crossed_warning`], [`quota_allows`], [`held_expired`],
//!   [`mailbox_full_refusal`]
//! - R22 forwarding: [`forwarding_allowed`]
//! - R23 vacation: [`should_auto_reply`], following RFC 3834 §2 and RFC 5230 §4.5
//! - [`texts`]: the French/English texts of refusals and notices
//!
//! RFCs: RFC 3463 (enhanced status codes in [`Refusal`]), RFC 5321 §4.2
//! (reply codes), RFC 1870 §6 (size refusals), RFC 3834 (automatic
//! responses), RFC 5230 §4.5 (vacation: who gets an answer).
//!
//! Invariants
//! - No I/O, no clock, no randomness: the same facts give the same verdict.
//! - Refusal texts never contain message content beyond what the person
//!   being told already knows (R4, R11).

mod content;
mod forwarding;
mod lifecycle;
mod lists;
mod quota;
mod rate;
mod refusal;
pub mod texts;
mod vacation;

pub use content::{
    ArchiveRule, ScanRules, check_attachments, check_headers, check_scannable, check_size,
    unscannable_file,
};
pub use forwarding::{ForwardRefusal, forwarding_allowed};
pub use lifecycle::{
    DepartedAction, departed_action, departed_due, departure_warning_due, forward_no_copy_due,
    functional_inactive,
};
pub use lists::{list_post_refusal, may_post_to_list};
pub use quota::{held_expired, mailbox_full_refusal, quota_allows, quota_crossed_warning};
pub use rate::{RateWindow, check_hourly_rate, check_recipients_per_message};
pub use refusal::Refusal;
pub use vacation::{NoReplyReason, RecipientCheck, VacationFacts, should_auto_reply};
pub use vesontio_message::is_private_subject;

#[cfg(test)]
mod tests;
