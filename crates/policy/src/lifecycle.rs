//! R12-R14: account lifecycle, as due/not-due answers for the jobs crate.
//!
//! Durations are in seconds and come from the configuration (one year,
//! two months, six months, four months by default).

use vesontio_types::UnixTime;

/// R12: a nominative account whose owner left at `departed_at` is due for
/// deletion `after` seconds later.
///
/// This ignores whether the owner was warned: jobs should use
/// [`departed_action`], which also guarantees the warning period.
pub fn departed_due(departed_at: UnixTime, now: UnixTime, after: i64) -> bool {
    now >= departed_at.saturating_add(after)
}

/// R12: the departure warning is due `warn_before` seconds before the
/// deletion date, once (`already_warned`), and as long as the account exists.
pub fn departure_warning_due(
    departed_at: UnixTime,
    now: UnixTime,
    after: i64,
    warn_before: i64,
    already_warned: bool,
) -> bool {
    !already_warned
        && now
            >= departed_at
                .saturating_add(after)
                .saturating_sub(warn_before)
}

/// What the lifecycle job does with a departed account (R12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepartedAction {
    Nothing,
    /// Send the departure warning and record `warned_at = now`.
    Warn,
    Delete,
}

/// R12 with the warning guaranteed: the account is deleted at the later of
/// `departed_at + after` and `warned_at + warn_before`, so the owner always
/// has the full warning period, even when the departure was recorded late
/// or the job did not run.
pub fn departed_action(
    departed_at: UnixTime,
    warned_at: Option<UnixTime>,
    now: UnixTime,
    after: i64,
    warn_before: i64,
) -> DepartedAction {
    match warned_at {
        None if departure_warning_due(departed_at, now, after, warn_before, false) => {
            DepartedAction::Warn
        }
        None => DepartedAction::Nothing,
        Some(w) => {
            let delete_at = departed_at
                .saturating_add(after)
                .max(w.saturating_add(warn_before));
            if now >= delete_at {
                DepartedAction::Delete
            } else {
                DepartedAction::Nothing
            }
        }
    }
}

/// R13: a non-nominative account is inactive (due for deletion) when nobody
/// has read its mail for `after` seconds. A mailbox never read counts from
/// its creation; a `last_read` before `created` (clock skew, import) too.
pub fn functional_inactive(
    last_read: Option<UnixTime>,
    created: UnixTime,
    now: UnixTime,
    after: i64,
) -> bool {
    let since = last_read.map_or(created, |r| r.max(created));
    now >= since.saturating_add(after)
}

/// R14: "keep no copy" is switched on for a user who redirects outside,
/// keeps copies, and has not read the mailbox for `after` seconds (counted
/// from the redirection's start when never read since).
pub fn forward_no_copy_due(
    forwards_outside: bool,
    keeps_copy: bool,
    last_read: Option<UnixTime>,
    forward_since: UnixTime,
    now: UnixTime,
    after: i64,
) -> bool {
    if !forwards_outside || !keeps_copy {
        return false;
    }
    let since = last_read.map_or(forward_since, |r| r.max(forward_since));
    now >= since.saturating_add(after)
}
