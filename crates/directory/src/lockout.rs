//! The lockout model: CNIL's rule (délibération 2022-100: no more than 10
//! tries before a delay or a lock) aimed so that nobody can lock someone
//! else out (issue 11). Failures are counted three ways, in the store so
//! that every protocol and node shares them:
//!
//! 1. Per (login, client address): no delay for the first three failures
//!    (typing mistakes), then doubling delays from `base_delay`, and a lock
//!    of `max_delay` at `max_failures`. This is where guessing from one
//!    place stops: the attacker's address is locked for that account.
//! 2. Per login from every address: delays only, doubling from
//!    `base_delay` after three failures up to `account_max_delay`, never a
//!    lock; forgotten `max_delay` after the last failure. They apply only
//!    to addresses the login never succeeded from.
//! 3. Per client address: the distinct logins that failed from it within
//!    `max_delay`; at `max_accounts_per_address` (high enough for a
//!    school's NAT) the address is refused for logins it is not known for,
//!    until `max_delay` after its last failure (password spraying).
//!
//! An address the login succeeded from within
//! [`vesontio_store::KNOWN_CLIENTS_KEPT_SECS`] is *known*: failures from
//! elsewhere (2 and 3) never delay it, only its own (1). Correct logins
//! count nowhere, so any number of users behind one address log in freely.
//! IPv6 addresses count by /64 ([`vesontio_types::client_key`]).

use vesontio_store::{FailureState, KNOWN_CLIENTS_KEPT_SECS, LoginState};
use vesontio_types::UnixTime;

use crate::AuthLimits;

/// A known address is refreshed in the store at most once a day, so that
/// routine logins cost no write.
pub(crate) const KNOWN_REFRESH_SECS: i64 = 86_400;

/// Which counter refused an attempt, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// This login from this address (delay or lock).
    Pair { retry_after: i64 },
    /// This login from a new address (delay).
    Account { retry_after: i64 },
    /// This address, for logins it is not known for (too many tried).
    Address { retry_after: i64 },
}

impl Hold {
    pub fn retry_after(self) -> i64 {
        match self {
            Hold::Pair { retry_after }
            | Hold::Account { retry_after }
            | Hold::Address { retry_after } => retry_after,
        }
    }
}

/// Seconds to wait after `failures`: none for the first three, then
/// `base` doubling with each further one, at most `max`.
fn doubling(failures: i64, base: i64, max: i64) -> i64 {
    if failures < 3 {
        return 0;
    }
    let shift = (failures - 3).min(20) as u32;
    base.saturating_mul(1 << shift).min(max)
}

impl AuthLimits {
    /// The wait after `failures` consecutive failures of one login from one
    /// address: doubling delays, and the lock (`max_delay`) at `max_failures`.
    pub fn pair_delay(&self, failures: i64) -> i64 {
        if failures >= i64::from(self.max_failures) {
            return self.max_delay_secs;
        }
        doubling(failures, self.base_delay_secs, self.max_delay_secs)
    }

    /// The wait after `failures` of one login from any address: delays
    /// only, never more than `account_max_delay`.
    pub fn account_delay(&self, failures: i64) -> i64 {
        doubling(failures, self.base_delay_secs, self.account_max_delay_secs)
    }

    /// Whether an attempt may be checked now, given what the store knows.
    pub fn hold(&self, st: &LoginState, now: UnixTime) -> Option<Hold> {
        let wait = |f: &FailureState, delay: i64| delay - (now - f.last_failure_at);
        if let Some(p) = &st.pair {
            let w = wait(p, self.pair_delay(p.failures));
            if w > 0 {
                return Some(Hold::Pair { retry_after: w });
            }
        }
        if is_known(st, now) {
            return None;
        }
        if let Some(a) = st
            .account
            .filter(|a| now - a.last_failure_at < self.max_delay_secs)
        {
            let w = wait(&a, self.account_delay(a.failures));
            if w > 0 {
                return Some(Hold::Account { retry_after: w });
            }
        }
        if st.address_logins >= i64::from(self.max_accounts_per_address) {
            let last = st.address_last_failure.unwrap_or(now);
            let w = self.max_delay_secs - (now - last);
            if w > 0 {
                return Some(Hold::Address { retry_after: w });
            }
        }
        None
    }
}

/// The login succeeded from this address recently enough.
pub(crate) fn is_known(st: &LoginState, now: UnixTime) -> bool {
    st.known_at
        .is_some_and(|t| now - t < KNOWN_CLIENTS_KEPT_SECS)
}
