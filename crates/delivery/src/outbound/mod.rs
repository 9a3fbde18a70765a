//! Outbound mail: the queue runner, the SMTP client, routes and DKIM
//! signing. (The SPF/DKIM/DMARC evaluation of inbound mail is
//! `crate::inbound_auth`.)
//!
//! RFCs: 5321 §4.5.4 (retry), §5.1 (MX, implicit MX), 7505 (null MX),
//! 3207 (STARTTLS, opportunistic as in RFC 7435), 3461/3464 (DSN
//! parameters and reports), 6376 and 8463 (DKIM, Ed25519), 7208 (SPF),
//! 7489 (DMARC), 8601 (Authentication-Results).
//!
//! How it is driven: whoever accepts a message for a remote recipient stores
//! it with `Store::enqueue` (kind `Remote`) and calls [`Runner::poke`]. The
//! runner claims due entries, groups pending recipients by domain, finds the
//! hops ([`Router`]), runs one SMTP transaction per domain ([`client`]),
//! records each recipient's fate, reschedules with backoff, and reports
//! failures to the sender with one DSN per entry and attempt.
//!
//! DSNs (and any queued mail for a local domain) go through the queue too,
//! and the runner hands entries for `local_domains` to a [`LocalSink`] (the
//! inbound path) instead of SMTP: durable, retried like the rest, and never
//! a loop through our own MX port.
//!
//! Invariants
//! - A recipient leaves `pending` only on a 2xx (done), a 5xx or expiry
//!   (failed); a DSN is queued before the entry is dequeued.
//! - Mail from the null sender never causes a DSN (RFC 5321 §4.5.5).
//! - No message content in logs or audit entries.

mod bounce;
pub mod client;
pub mod dkim;
pub mod dns;
pub mod route;
mod runner;

#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::time::Duration;

// The evaluation of inbound mail lives in `crate::inbound_auth`; its DNS
// type is still named from here by the binary and the tests.
pub use crate::inbound_auth::{AuthDns, Verdicts, evaluate};
pub use dns::{BoxFuture, DnsError, MxResolver, StaticDns, SystemDns};
pub use route::{Hop, Route, RouteError, Router};
pub use runner::Runner;

/// The settings of outbound delivery, lowered from the config by `app`.
#[derive(Clone)]
pub struct OutboundConfig {
    /// Our name: EHLO, `Reporting-MTA`, DSN `Message-ID`.
    pub hostname: String,
    /// Waits between attempts; the last one repeats (RFC 5321 §4.5.4.1: at
    /// least 30 minutes is advised in production).
    pub retry_intervals_secs: Vec<i64>,
    /// Give up this long after the message was queued (RFC 5321 §4.5.4.1
    /// suggests 4–5 days).
    pub expiry_secs: i64,
    /// `(domain, "host:port")`; domain `*` is a smarthost for all others.
    pub static_routes: Vec<(String, String)>,
    /// `From:` of DSNs, e.g. `postmaster@ac-demo.fr`.
    pub postmaster: String,
    /// DKIM keys; mail whose sender domain is a signer's domain is signed.
    pub dkim: Vec<Arc<dkim::Signer>>,
    pub connect_timeout: Duration,
    /// Domains whose queued mail (DSNs above all) goes to the [`LocalSink`].
    pub local_domains: Vec<String>,
}

/// The inbound path, for queued mail addressed to a local domain (DSNs to
/// local senders). `sender` is `None` for the null reverse path. An `Err`
/// with a 4xx code is retried later; 5xx fails the recipient.
pub trait LocalSink: Send + Sync {
    fn deliver_local<'a>(
        &'a self,
        sender: Option<&'a str>,
        rcpt: &'a str,
        raw: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), crate::Refused>>;
}
