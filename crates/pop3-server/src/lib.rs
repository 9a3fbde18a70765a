//! POP3 listeners: port 995 (implicit TLS, RFC 8314) and port 110 (clear,
//! upgraded with STLS, RFC 2595 §4). The protocol itself lives in
//! `vesontio-pop3-proto`; this crate owns the only loop: it reads the
//! socket, answers the session's events from the directory and the store,
//! and writes the replies.
//!
//! Implements, for the server side:
//! - RFC 1939 (POP3): the maildrop is the account's INBOX; the UPDATE state
//!   (§6) is the only place messages are removed; the autologout timer (§3).
//! - RFC 2449: `[IN-USE]` (§8.1.2) for a second session on one maildrop,
//!   `[LOGIN-DELAY]` (§8.1.1) while failed logins are being slowed down.
//! - RFC 2595 §4 STLS; RFC 3206 `[AUTH]`, `[SYS/TEMP]`, `[SYS/PERM]`.
//! - RFC 5034 AUTH PLAIN (decoded by the proto crate).
//!
//! Charter rules touched: R11 (audit of logins, retrievals and deletions,
//! never message content), R13 (RETR updates the last read time), R17
//! (deleting frees quota at once and wakes deliveries held for quota), R20
//! (POP3 on 995), R26 (an administrator-set password must be changed in the
//! webmail first).
//!
//! Invariants
//! - A dropped connection, an idle timeout or a shutdown deletes nothing:
//!   only QUIT in TRANSACTION reaches `Store::expunge`.
//! - No message content in a log line or an audit entry.
//! - Passwords never cross a clear link: USER/PASS and AUTH are refused
//!   before STLS (the proto crate enforces it, `allow_plaintext_auth` is
//!   always false here).
//! - One POP3 session per account across every process sharing the store
//!   (a store lease, `vesontio_access::SessionLeases`).

mod audit;
mod connection;
mod maildrop;
mod reply;

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use vesontio_directory::Directory;
use vesontio_netkit::{CancellationToken, Security, TaskTracker, TlsAcceptor};
use vesontio_store::Store;

pub use reply::{AuthReply, auth_reply};

/// Settings of the POP3 listeners (lowered from `config::Settings` by `app`).
/// There is deliberately no `Default`.
#[derive(Debug, Clone)]
pub struct Pop3Config {
    /// Host name in the greeting, the sign-off line and the webmail link
    /// given to accounts that must change their password.
    pub hostname: String,
    /// RFC 1939 §3: the autologout timer; "MUST be of at least 10 minutes".
    /// After this long without a command the connection is closed, without
    /// entering UPDATE.
    pub idle_timeout: Duration,
    /// Longest accepted command line in octets including CRLF (RFC 2449 §4
    /// says 255; `vesontio_pop3_proto::RECOMMENDED_MAX_LINE` is lenient).
    pub max_line: usize,
    /// RFC 2449 §6.7 EXPIRE: advertised days a retrieved message is kept;
    /// `None` advertises `EXPIRE NEVER`.
    pub expire_days: Option<u32>,
    /// RFC 2449 §6.9 IMPLEMENTATION value, e.g. "vesontio 0.1".
    pub implementation: String,
}

/// After this many unknown or malformed commands a session is closed.
const MAX_BAD_COMMANDS: u32 = 20;
/// After this many refused passwords in one session it is closed (the
/// directory slows down further attempts across sessions anyway).
const MAX_AUTH_FAILURES: u32 = 3;
/// Messages are written to the socket in pieces of this size, so a large
/// message never sits twice in memory once encoded.
const SEND_CHUNK: usize = 64 * 1024;

/// What every connection of a server shares.
pub(crate) struct Shared {
    pub(crate) cfg: Arc<Pop3Config>,
    pub(crate) directory: Directory,
    pub(crate) store: Store,
    pub(crate) tls: TlsAcceptor,
    /// The maildrop locks, as store leases (RFC 1939 §8 across nodes).
    pub(crate) leases: vesontio_access::SessionLeases,
    pub(crate) sizes: maildrop::SizeCache,
}

/// The POP3 service. Cheap to share: `run` may be called once per listener
/// (110 and 995) on the same server.
pub struct Pop3Server {
    shared: Arc<Shared>,
}

impl Pop3Server {
    /// `tls` serves both port 995 and STLS on port 110.
    pub fn new(cfg: Pop3Config, directory: Directory, store: Store, tls: TlsAcceptor) -> Self {
        Pop3Server {
            shared: Arc::new(Shared {
                cfg: Arc::new(cfg),
                directory,
                leases: vesontio_access::SessionLeases::new(store.clone()),
                store,
                tls,
                sizes: maildrop::SizeCache::default(),
            }),
        }
    }

    /// Accepts connections on `listener` until `shutdown` is cancelled.
    /// `implicit_tls`: port 995 (TLS from the first byte); otherwise port 110
    /// (clear, STLS offered). Each connection runs in a task of `tracker`;
    /// when `shutdown` fires, open sessions answer
    /// `-ERR [SYS/TEMP] server shutting down` and close without UPDATE.
    /// Returns when the accept loop stops; wait on `tracker` for the
    /// sessions.
    pub async fn run(
        &self,
        listener: TcpListener,
        implicit_tls: bool,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) {
        let security = if implicit_tls {
            Security::Implicit(self.shared.tls.clone())
        } else {
            Security::Plain
        };
        let shared = self.shared.clone();
        let token = shutdown.clone();
        vesontio_netkit::serve(
            listener,
            security,
            shutdown,
            tracker,
            move |stream, peer| connection::serve(shared.clone(), stream, peer, token.clone()),
        )
        .await;
    }
}

#[cfg(test)]
mod tests;
