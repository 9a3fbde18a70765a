//! Address harvesting on the MX: a client that tries recipient after
//! recipient that does not exist is slowed down, then disconnected, as
//! Postfix does with `smtpd_soft_error_limit` / `smtpd_hard_error_limit`.
//!
//! - Failed RCPTs (a permanent refusal: unknown user, relay denied, bad
//!   address) are counted per session **and** per client address (IPv4
//!   address, IPv6 /64), so reconnecting does not start again from zero.
//! - Past `soft`, each further failure is answered after a delay that grows
//!   with the count (`delay`, `2 × delay`, …, at most [`MAX_DELAY`]); at
//!   `hard` the refusal is followed by `421 4.7.0` and the connection closes.
//! - A delivered message clears both counts (Postfix counts errors "without
//!   delivering mail"); an address's count is also forgotten `memory` after
//!   its last failure.
//! - Authenticated sessions are not counted: their recipients are the
//!   user's own mistakes, not a probe.
//!
//! The per-address counts live in this process's memory (at most
//! [`MAX_TRACKED`] addresses): a restart forgets them, and nodes of a
//! cluster count separately.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longest tarpit delay before one reply, whatever the limits.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// Most client addresses remembered at once; past it, addresses seen for
/// the first time are counted per session only.
pub const MAX_TRACKED: usize = 100_000;

/// The limits on failed RCPTs (config `limits.smtp_failed_rcpt_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RcptLimits {
    /// Failures answered at once; the following ones are delayed.
    pub soft: u32,
    /// The failure that ends the session with `421 4.7.0`.
    pub hard: u32,
    /// Delay of the first failure past `soft`; the n-th past it waits n times as long.
    pub delay: Duration,
    /// How long a client address's count is kept after its last failure.
    pub memory: Duration,
}

/// What to do with the reply to a failed RCPT, given the failures so far
/// (this one included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Answer at once.
    Answer,
    /// Answer after this delay.
    Delay(Duration),
    /// Answer, then `421 4.7.0` and close.
    Close,
}

impl RcptLimits {
    pub fn verdict(&self, failures: u32) -> Verdict {
        if failures >= self.hard {
            Verdict::Close
        } else if failures > self.soft {
            let n = failures - self.soft;
            Verdict::Delay(self.delay.saturating_mul(n).min(MAX_DELAY))
        } else {
            Verdict::Answer
        }
    }
}

/// The key of a client address: IPv4 as is, IPv6 by its /64 (one host or
/// one customer's network, which changes its low bits at will).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::from([s[0], s[1], s[2], s[3], 0, 0, 0, 0])
            }
        },
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

/// Failed RCPTs per client address, shared by every session of the process.
#[derive(Debug, Default)]
pub struct Tracker {
    by_address: Mutex<HashMap<IpAddr, Entry>>,
}

impl Tracker {
    /// Records one failure from `ip` at `now`; returns the address's count.
    pub fn fail(&self, ip: IpAddr, now: Instant, memory: Duration) -> u32 {
        let key = address_key(ip);
        let Ok(mut map) = self.by_address.lock() else {
            return 0;
        };
        let fresh = |e: &Entry| now.saturating_duration_since(e.last) < memory;
        if !map.contains_key(&key) && map.len() >= MAX_TRACKED {
            map.retain(|_, e| fresh(e));
            if map.len() >= MAX_TRACKED {
                return 0;
            }
        }
        let e = map.entry(key).or_insert(Entry {
            failures: 0,
            last: now,
        });
        if !fresh(e) {
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        e.last = now;
        e.failures
    }

    /// A message from `ip` was delivered: its count starts again.
    pub fn clear(&self, ip: IpAddr) {
        if let Ok(mut map) = self.by_address.lock() {
            map.remove(&address_key(ip));
        }
    }
}

#[cfg(test)]
mod tests;
