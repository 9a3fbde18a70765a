//! The mail-access layer (issue 15 item 4): what a logged-in person may see
//! and do, kept out of the protocol servers so that IMAP, POP3 and the web
//! apply the same rules. It sits on the store (layer 4, beside delivery).
//!
//! - `folders.rs`: the folders a person may open under one naming for
//!   every door, their own and the functional mailboxes (R2) they are a
//!   member of, with RFC 4314 rights.
//! - `seen.rs`: a member's own `\Seen` in functional mailboxes (R2), and
//!   the unseen counts every folder list shows, from kept counts.
//! - `consequences.rs`: what follows from a person's actions whatever the
//!   door: R13's last read time, R17's retry of held deliveries when room
//!   appears, R11's login audit.
//! - `sessions.rs`: the session state every process sharing one store must
//!   agree on: RFC 1939 §8's exclusive POP3 maildrop lock (RFC 2449 §8.1.2
//!   `[IN-USE]`) and the per-account IMAP session limit, both as store
//!   leases renewed while the session lives.
//!
//! Invariants
//! - A session lease is released before the client hears the end of its
//!   session (POP3 `+OK` to QUIT), so an immediate reconnection is never
//!   refused; a crashed process's leases lapse after their ttl.

pub mod consequences;
pub mod folders;
pub mod seen;
mod sessions;

pub use consequences::LoginAttempt;
pub use folders::Target;
pub use sessions::{LEASE_TTL, SessionLease, SessionLeases};
pub use vesontio_store::SessionKind;

#[cfg(test)]
mod tests;
