//! SMTP listeners: MX (port 25), submission with STARTTLS (587) and
//! submission over implicit TLS (465). This crate owns the sockets, TLS,
//! timeouts and shutdown; the protocol itself is the sans-IO
//! [`vesontio_smtp_proto::ServerSession`], every policy decision goes to
//! [`vesontio_delivery::Delivery`] and every login to
//! [`vesontio_directory::Directory`].
//!
//! Implemented (with `vesontio-smtp-proto`):
//! - RFC 5321 SMTP: timeouts (§4.5.3.2),
//!   `421` on shutdown and timeout (§3.8). The `Received:` field (§4.4) is
//!   added by the delivery path from the session facts given in `Origin`.
//! - RFC 6409 message submission: authentication before MAIL.
//! - RFC 8314 implicit TLS on 465; RFC 3207 STARTTLS on 25 and 587.
//! - RFC 4954 AUTH PLAIN (RFC 4616) and LOGIN, only under TLS.
//! - RFC 1870 SIZE, RFC 2920 PIPELINING, RFC 3461 DSN parameters passed to
//!   the delivery path.
//!
//! ```text
//! let server = SmtpServer::new(cfg, delivery, directory, tls_acceptor);
//! tracker.spawn({ let s = server.clone(); async move {
//!     s.run(tcp_listener_25, Listener::Mx, shutdown, tracker).await } });
//! ```
//!
//! Invariants
//! - `250` after DATA is sent only once `Delivery::submit` returned `Ok`
//!   (the message is fsynced and committed).
//! - No message content and no password is ever logged or audited.
//! - AUTH is neither advertised nor accepted on an unencrypted connection.
//! - A decision in progress (a message being stored) is finished before a
//!   shutdown `421`, so an acknowledged message is never half-written.

mod audit;
mod decide;
pub mod harvest;
mod session;
mod spool;
mod transaction;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use harvest::RcptLimits;
use tokio::net::TcpListener;
use vesontio_delivery::Delivery;
use vesontio_directory::Directory;
pub use vesontio_netkit::{CancellationToken, TaskTracker, TlsAcceptor};
use vesontio_netkit::{Security, Stream};
pub use vesontio_smtp_proto::LineEndings;

/// Which door a listener is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// Port 25: mail from other servers. No AUTH; STARTTLS offered.
    Mx,
    /// Port 587 (RFC 6409): starts in clear, STARTTLS then AUTH.
    Submission,
    /// Port 465 (RFC 8314 §3.3): TLS from the first byte, then AUTH.
    Submissions,
}

impl Listener {
    /// The standard port of this door.
    pub fn default_port(self) -> u16 {
        match self {
            Listener::Mx => 25,
            Listener::Submission => 587,
            Listener::Submissions => 465,
        }
    }

    /// The protocol name in the audit log (`smtp` or `submission`).
    pub fn protocol(self) -> vesontio_types::Protocol {
        match self {
            Listener::Mx => vesontio_types::Protocol::Smtp,
            Listener::Submission | Listener::Submissions => vesontio_types::Protocol::Submission,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Listener::Mx => "mx",
            Listener::Submission => "submission",
            Listener::Submissions => "submissions",
        }
    }

    fn is_submission(self) -> bool {
        !matches!(self, Listener::Mx)
    }
}

/// What the SMTP doors need from the configuration; `app` lowers its
/// settings into this. There is deliberately no `Default`.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// Our host name: greeting, EHLO reply, `Received:` fields.
    pub hostname: String,
    /// Largest message in octets (R6), announced as `SIZE` (RFC 1870).
    pub size_limit: u64,
    /// Recipients per message; more get `452 4.5.3` (RFC 5321 §4.5.3.1.10).
    /// The delivery path applies the charter's own limit (R5) as well.
    pub max_recipients: usize,
    /// Longest command line including CRLF (RFC 5321 §4.5.3.1.4, ≥ 512).
    pub max_line_length: usize,
    /// Client errors tolerated before `421 4.7.0` and closing.
    pub max_bad_commands: u32,
    /// Waiting for a command or a SASL line (RFC 5321 §4.5.3.2.7: 5 min).
    pub command_timeout: Duration,
    /// Waiting for the next data block after `354` (RFC 5321 §4.5.3.2.5:
    /// 3 min is the client's side; the server waits at least that).
    pub data_timeout: Duration,
    /// Longest the server takes to answer the final `.` (RFC 5321
    /// §4.5.3.2.6: the client waits 10 min); past it `451 4.3.0`.
    pub data_termination_timeout: Duration,
    /// The large-file service (R21), quoted in the `552 5.3.4` refusal (R6).
    pub large_file_url: String,
    /// The webmail, quoted when a password must be changed first (R26).
    pub webmail_url: String,
    /// Bare CR or LF inside message data (RFC 5321 §2.3.8): refused with
    /// `550 5.6.11`, or stored as CRLF.
    pub data_line_endings: LineEndings,
    /// Octets of a message held in memory while it arrives; beyond, the
    /// data goes to an (unlinked) file in `spool_dir`, so many large or
    /// oversized messages at once cost disk, not memory.
    /// [`DATA_IN_MEMORY`] unless a test wants less.
    pub data_in_memory: usize,
    /// Where message data beyond `data_in_memory` is spooled (a private
    /// directory on a local disk; `app` uses `<data_dir>/spool`).
    pub spool_dir: PathBuf,
    /// Failed RCPTs tolerated before delays, then `421` (address harvesting).
    pub rcpt_limits: RcptLimits,
}

/// The default of `SmtpConfig::data_in_memory`: most messages fit, and a
/// thousand sessions receiving large ones hold 256 MB at most.
pub const DATA_IN_MEMORY: usize = 256 * 1024;

impl SmtpConfig {
    /// The R6 refusal text: says the limit and points to the large-file
    /// service (R21).
    pub fn size_limit_text(&self) -> String {
        format!(
            "Message too large: the limit is {}. Send large files with the file transfer service {}",
            human_size(self.size_limit),
            self.large_file_url
        )
    }
}

/// `10485760` -> `10 MB`.
fn human_size(n: u64) -> String {
    const MB: u64 = 1024 * 1024;
    const KB: u64 = 1024;
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", n / MB)
    } else if n >= KB && n.is_multiple_of(KB) {
        format!("{} KB", n / KB)
    } else {
        format!("{n} bytes")
    }
}

/// The SMTP doors. Cheap to clone; one value serves every listener.
#[derive(Clone)]
pub struct SmtpServer {
    inner: Arc<Shared>,
}

/// What every session of every listener reads.
pub(crate) struct Shared {
    pub(crate) cfg: SmtpConfig,
    pub(crate) delivery: Delivery,
    pub(crate) directory: Directory,
    pub(crate) tls: TlsAcceptor,
    /// Failed RCPTs per client address.
    pub(crate) harvest: harvest::Tracker,
}

impl SmtpServer {
    pub fn new(
        cfg: SmtpConfig,
        delivery: Delivery,
        directory: Directory,
        tls: TlsAcceptor,
    ) -> Self {
        SmtpServer {
            inner: Arc::new(Shared {
                cfg,
                delivery,
                directory,
                tls,
                harvest: harvest::Tracker::default(),
            }),
        }
    }

    pub fn config(&self) -> &SmtpConfig {
        &self.inner.cfg
    }

    /// Accepts connections on `listener` until `shutdown` is cancelled.
    /// Each session runs in a task of `tracker`; on shutdown open sessions
    /// answer `421 4.3.2` and close, so `tracker.close(); tracker.wait()`
    /// returns once they are all gone.
    pub async fn run(
        &self,
        listener: TcpListener,
        kind: Listener,
        shutdown: CancellationToken,
        tracker: TaskTracker,
    ) {
        let security = match kind {
            Listener::Submissions => Security::Implicit(self.inner.tls.clone()),
            Listener::Mx | Listener::Submission => Security::Plain,
        };
        let shared = self.inner.clone();
        let token = shutdown.clone();
        vesontio_netkit::serve(
            listener,
            security,
            shutdown,
            tracker,
            move |stream: Stream, peer: SocketAddr| {
                session::run(shared.clone(), stream, peer, kind, token.clone())
            },
        )
        .await;
    }
}

#[cfg(test)]
mod tests;
