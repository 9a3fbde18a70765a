//! IMAP listeners: port 993 (implicit TLS, RFC 8314) and port 143 (clear,
//! upgraded with STARTTLS, RFC 9051 §6.2.1). The protocol itself (framing,
//! parsing, encoding, the state table) lives in `vesontio-imap-proto`; this
//! crate owns the only loop (`session.rs`): it reads the socket, runs each
//! command against the directory and the store (`ops`, one file per
//! command group), and writes the replies.
//!
//! Implements, for the server side: IMAP4rev1 (RFC 3501) and IMAP4rev2
//! (RFC 9051), IDLE (RFC 2177), NAMESPACE (RFC 2342), UIDPLUS (RFC 4315),
//! MOVE (RFC 6851), UNSELECT (RFC 3691), SPECIAL-USE and CREATE-SPECIAL-USE
//! (RFC 6154), LIST-EXTENDED (RFC 5258, basics), LIST-STATUS (RFC 5819),
//! CHILDREN (RFC 3348), ENABLE (RFC 5161), ID (RFC 2971), SASL-IR (RFC 4959)
//! with PLAIN (RFC 4616), ESEARCH (RFC 4731), SEARCHRES (RFC 5182),
//! APPENDLIMIT (RFC 7889), CONDSTORE (RFC 7162, partial QRESYNC), QUOTA
//! (RFC 9208, STORAGE), BINARY (RFC 3516, FETCH), WITHIN (RFC 5032),
//! STATUS=SIZE (RFC 8438), UTF8=ACCEPT (RFC 6855), response codes (RFC 5530),
//! SORT and THREAD (RFC 5256, collation RFC 5051), SORT=DISPLAY (RFC 5957),
//! ESORT and CONTEXT=SEARCH/SORT (RFC 5267), MULTIAPPEND (RFC 3502).
//!
//! Charter rules touched: R11 (one audit `connection` event per login
//! attempt), R13 (selecting INBOX or reading a body updates the last read
//! time), R15/R16 (QUOTA, `[ALERT]` at login above the warning level), R17
//! (expunge frees quota and wakes held deliveries), R20 (IMAP on 993), R26
//! (an administrator-set password must be changed in the webmail first).
//!
//! Code map
//! - `session.rs`: the connection loop and `Session` (account,
//!   enabled extensions, selected mailbox); runs each command through
//!   `ops::dispatch`, then appends pending mailbox updates, then the tagged
//!   reply. IDLE is handled here (store notifications; a 30 s poll on PostgreSQL).
//! - `ops/`: one file per command family; each function gets the session
//!   and a vector for untagged replies and returns `CmdResult`
//!   (`error.rs` maps it to OK/NO/BAD, internal errors get an error id).
//! - `selected.rs`: the client's sequence-number→UID view and the
//!   incremental sync (EXPUNGE/VANISHED, EXISTS, FETCH FLAGS) from modseqs.
//! - `mailbox.rs`: client names ↔ store rows, `Shared/<address>/` for
//!   functional mailboxes with the member's rights; LIST pattern matching.
//! - `search.rs`: SEARCH criteria evaluation, no I/O.
//! - `textindex.rs`: SEARCH's text keys answered from the store's index.
//! - `sortkeys.rs`: what SORT and THREAD read of a message (the one place
//!   to change when the store keeps parsed metadata) and the SORT order;
//!   `thread.rs`: ORDEREDSUBJECT and REFERENCES as pure functions;
//!   `context.rs`: RFC 5267 update contexts (frozen criteria, ADDTO and
//!   REMOVEFROM), re-run by `ops/context.rs` after each batch of updates.
//! - `recent.rs`: IMAP4rev1 `\Recent` (RFC 3501 §2.3.2), claimed per
//!   mailbox in this process's memory.
//! - `caps.rs`, `audit.rs`: the CAPABILITY list; R11 login events.
//!
//! Invariants
//! - Passwords never cross a clear link: LOGIN and AUTHENTICATE are refused
//!   before TLS (`LOGINDISABLED`, `[PRIVACYREQUIRED]`).
//! - The client's sequence numbers change only when the server may send
//!   EXPUNGE: never during FETCH, STORE or SEARCH (RFC 9051 §7.5.1).
//! - No message content in a log line or an audit entry.
//! - Peer input never reaches a panic; a malformed command gets BAD and the
//!   session goes on.

mod audit;
mod caps;
mod context;
mod error;
mod mailbox;
mod ops;
mod recent;
mod search;
mod selected;
mod session;
mod sortkeys;
mod structure;
mod textindex;
mod thread;

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use vesontio_delivery::Delivery;
use vesontio_directory::Directory;
use vesontio_netkit::{CancellationToken, Security, TaskTracker, TlsAcceptor};
use vesontio_store::Store;

/// Settings of the IMAP listeners (lowered from `config::Settings` by
/// `app`). There is deliberately no `Default`.
#[derive(Debug, Clone)]
pub struct ImapConfig {
    /// Host name in the greeting and in the webmail link given to accounts
    /// that must change their password (`https://<hostname>/`).
    pub hostname: String,
    /// Longest command line in octets, literals excluded.
    pub max_command_len: usize,
    /// Largest literal (and so message) accepted: APPENDLIMIT (RFC 7889),
    /// the charter's message size limit (R6).
    pub max_literal: u64,
    /// Simultaneous sessions one account may hold, counted over every
    /// process sharing the store.
    pub max_sessions_per_account: u32,
    /// RFC 9051 §5.4: the autologout timer, "at least 30 minutes" once
    /// authenticated. Also bounds IDLE.
    pub idle_timeout: Duration,
    /// R16: above this share of the quota (percent), login says so with `[ALERT]`.
    pub quota_warning_percent: u8,
    /// Messages whose parsed ENVELOPE, BODYSTRUCTURE and header the
    /// process keeps (`limits.imap_structure_cache`): the bound of that
    /// cache's memory.
    pub structure_cache: usize,
}

/// What every connection of a server shares.
pub(crate) struct Shared {
    pub(crate) cfg: Arc<ImapConfig>,
    pub(crate) directory: Directory,
    pub(crate) store: Store,
    /// The ingest gate: APPEND files messages through it (R6, R7, R4,
    /// header checks), never into the store directly.
    pub(crate) delivery: Delivery,
    pub(crate) tls: TlsAcceptor,
    /// Per-account session slots, as store leases so that every node
    /// counts every node's sessions.
    pub(crate) sessions: vesontio_access::SessionLeases,
    /// RFC 3501 §2.3.2 `\Recent` claims of this process.
    pub(crate) recent: Arc<recent::RecentMap>,
    /// ENVELOPE and BODYSTRUCTURE already parsed, by blob.
    pub(crate) structures: structure::StructureCache,
}

/// The IMAP service. `run` may be called once per listener (143 and 993)
/// on the same server, so both ports share the per-account session limit.
pub struct ImapServer {
    shared: Arc<Shared>,
}

impl ImapServer {
    /// `tls` serves both port 993 and STARTTLS on port 143. The store is
    /// `delivery`'s: APPEND goes through its ingest gate.
    pub fn new(
        cfg: ImapConfig,
        directory: Directory,
        delivery: Delivery,
        tls: TlsAcceptor,
    ) -> Self {
        let structures = structure::StructureCache::new(cfg.structure_cache);
        ImapServer {
            shared: Arc::new(Shared {
                cfg: Arc::new(cfg),
                directory,
                sessions: vesontio_access::SessionLeases::new(delivery.store().clone()),
                store: delivery.store().clone(),
                delivery,
                tls,
                recent: Arc::default(),
                structures,
            }),
        }
    }

    /// Accepts connections on `listener` until `shutdown` is cancelled.
    /// `implicit_tls`: port 993 (TLS from the first byte); otherwise port
    /// 143 (clear, STARTTLS offered, LOGINDISABLED until then). Each
    /// connection runs in a task of `tracker`; when `shutdown` fires, open
    /// sessions send `* BYE` and close. Returns when the accept loop stops;
    /// wait on `tracker` for the sessions.
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
            move |stream, peer| session::serve(shared.clone(), stream, peer, token.clone()),
        )
        .await;
    }
}

#[cfg(test)]
mod tests;
