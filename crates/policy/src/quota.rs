//! R15-R17: quota warnings, full mailboxes, held messages.

use vesontio_types::UnixTime;

use crate::refusal::Refusal;

/// R16: true when a change of usage from `before` to `after` bytes crosses
/// `percent` % of `quota` upwards, so the user is warned once per crossing
/// rather than at every message. A quota of 0 means "no quota": no warning.
pub fn quota_crossed_warning(before: u64, after: u64, quota: u64, percent: u8) -> bool {
    if quota == 0 {
        return false;
    }
    // Compare `usage * 100 >= quota * percent` in u128: no overflow, no rounding.
    let reached = |usage: u64| u128::from(usage) * 100 >= u128::from(quota) * u128::from(percent);
    !reached(before) && reached(after)
}

/// R15/R17: a message of `size` bytes fits in a mailbox using `used` of
/// `quota` bytes (0 = no quota).
pub fn quota_allows(used: u64, size: u64, quota: u64) -> bool {
    quota == 0 || used.checked_add(size).is_some_and(|total| total <= quota)
}

/// R17: a message held for a full mailbox since `held_since` is destroyed
/// (and its sender told) once `hold_secs` have passed.
pub fn held_expired(held_since: UnixTime, now: UnixTime, hold_secs: i64) -> bool {
    now.saturating_sub(held_since) >= hold_secs
}

/// R17 when the message cannot be held (e.g. over SMTP to a sender who
/// will retry): `452 4.2.2` mailbox full (RFC 3463 X.2.2, RFC 5321 §4.5.3.1.10).
pub fn mailbox_full_refusal(recipient: &str) -> Refusal {
    Refusal::new(
        452,
        "4.2.2",
        format!(
            "La boîte de {recipient} est pleine ; votre message sera réessayé. / The mailbox of {recipient} is full; \
             your message will be retried."
        ),
    )
}
