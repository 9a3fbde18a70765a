//! One SMTP connection: the only loop of the server. It feeds socket bytes
//! to the sans-IO session, runs the decisions it asks for (see
//! [`crate::decide`]), writes its replies, and watches the read deadline
//! (RFC 5321 §4.5.3.2) and the shutdown token.
//!
//! Invariants
//! - Replies leave in command order: all events of the bytes read so far
//!   are decided before the output is written (RFC 2920 §3).
//! - Shutdown interrupts only a read, never a decision: a message being
//!   stored is finished and answered before the `421`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vesontio_netkit::{CancellationToken, Stream};
use vesontio_smtp_proto::{
    AuthMechanism, CloseReason, Event, Mode, Phase, ServerSession, SessionConfig, TlsState,
};
use vesontio_store::Account;

use crate::audit::{ConnectionRecord, End};
use crate::spool::Spool;
use crate::transaction::Transaction;
use crate::{Listener, Shared, SmtpConfig};

/// The longest the goodbye (`421`) may take to write: a client that stopped
/// reading must not hold up shutdown.
const GOODBYE_WRITE: Duration = Duration::from_secs(5);

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 16 * 1024;

/// Server-side state of one connection, next to the protocol session.
pub(crate) struct Conn {
    pub(crate) shared: Arc<Shared>,
    pub(crate) kind: Listener,
    pub(crate) peer: SocketAddr,
    pub(crate) session: ServerSession,
    pub(crate) tx: Transaction,
    /// Failed RCPTs in this session since the last delivered message.
    pub(crate) failed_rcpts: u32,
    /// The data of the message being read beyond `data_in_memory`.
    pub(crate) spool: Spool,
    /// Last EHLO/HELO argument; empty before.
    pub(crate) helo: String,
    pub(crate) esmtp: bool,
    /// The logged-in account (submission only).
    pub(crate) account: Option<Account>,
    /// TLS version and cipher once encrypted.
    pub(crate) tls_info: Option<String>,
    pub(crate) record: ConnectionRecord,
}

/// The session configuration for one connection of `kind`.
pub(crate) fn session_config(cfg: &SmtpConfig, kind: Listener, tls: bool) -> SessionConfig {
    SessionConfig {
        hostname: cfg.hostname.clone(),
        mode: if kind.is_submission() {
            Mode::Submission
        } else {
            Mode::Mx
        },
        tls: if tls {
            TlsState::Active
        } else {
            TlsState::None
        },
        starttls_available: true,
        size_limit: cfg.size_limit,
        size_limit_text: cfg.size_limit_text(),
        max_recipients: cfg.max_recipients,
        max_line_length: cfg.max_line_length,
        max_bad_commands: cfg.max_bad_commands,
        // RFC 6409 §4.1 / charter R20: logins on submission only; the session
        // offers them once TLS is active (RFC 4954 §4, R: no clear passwords).
        auth_mechanisms: if kind.is_submission() {
            vec![AuthMechanism::Plain, AuthMechanism::Login]
        } else {
            Vec::new()
        },
        auth_mechanisms_allowed_without_tls: false,
        data_line_endings: cfg.data_line_endings,
        chunking: false,
        data_part_size: Some(cfg.data_in_memory.max(1)),
    }
}

/// Runs one connection to its end, then appends its audit record.
pub(crate) async fn run(
    shared: Arc<Shared>,
    stream: Stream,
    peer: SocketAddr,
    kind: Listener,
    shutdown: CancellationToken,
) {
    let now = vesontio_store::now();
    let id = uuid::Uuid::now_v7().simple().to_string();
    let tls_info = stream.tls_info();
    let cfg = session_config(&shared.cfg, kind, stream.is_tls());
    let mut record = ConnectionRecord::new(id, kind, peer.ip(), now);
    record.tls = tls_info.clone();
    let mut conn = Conn {
        shared,
        kind,
        peer,
        session: ServerSession::new(cfg),
        tx: Transaction::default(),
        failed_rcpts: 0,
        spool: Spool::default(),
        helo: String::new(),
        esmtp: false,
        account: None,
        tls_info,
        record,
    };
    let end = conn.drive(stream, &shutdown).await;
    conn.record.end = Some(end);
    let now = vesontio_store::now();
    let data = conn.record.to_json(now);
    tracing::info!(
        session = %conn.record.session_id,
        listener = kind.as_str(),
        client = %peer,
        end = ?end,
        messages = conn.record.messages,
        "smtp session ended"
    );
    if let Err(e) = conn
        .shared
        .delivery
        .store()
        .audit_append(now, "connection", &data)
        .await
    {
        tracing::error!(session = %conn.record.session_id, error = %e, "audit append failed");
    }
}

impl Conn {
    /// The loop: decide pending events, write, read (with deadline and
    /// shutdown), repeat.
    async fn drive(&mut self, mut stream: Stream, shutdown: &CancellationToken) -> End {
        if shutdown.is_cancelled() {
            self.session.shutdown();
            self.flush(&mut stream, GOODBYE_WRITE).await;
            return End::Shutdown;
        }
        self.session.greeting();
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            while let Some(ev) = self.session.poll_event() {
                match ev {
                    Event::StartTls { discarded } => {
                        if discarded > 0 {
                            // RFC 3207 §4.2: a command injection attempt or a broken client.
                            tracing::warn!(
                                session = %self.record.session_id,
                                client = %self.peer,
                                discarded,
                                "bytes pipelined after STARTTLS discarded"
                            );
                        }
                        if !self.flush(&mut stream, self.cfg().command_timeout).await {
                            return End::IoError;
                        }
                        stream = match stream.upgrade(&self.shared.tls).await {
                            Ok(s) => s,
                            Err(e) => {
                                tracing::debug!(client = %self.peer, error = %e, "STARTTLS handshake failed");
                                return End::TlsFailed;
                            }
                        };
                        self.tls_info = stream.tls_info();
                        self.record.tls = self.tls_info.clone();
                        // RFC 3207 §4.2: forget everything learnt in clear.
                        self.tx.clear();
                        self.helo.clear();
                        self.account = None;
                        if let Err(e) = self.session.tls_established() {
                            tracing::error!(error = %e, "session was not awaiting TLS");
                        }
                    }
                    Event::Quit => {
                        self.flush(&mut stream, GOODBYE_WRITE).await;
                        close(stream).await;
                        return End::Quit;
                    }
                    Event::Close { reason } => {
                        self.flush(&mut stream, GOODBYE_WRITE).await;
                        close(stream).await;
                        return match reason {
                            CloseReason::TooManyErrors | CloseReason::BadChunk => {
                                End::TooManyErrors
                            }
                        };
                    }
                    other => self.decide(other).await,
                }
            }
            if !self.flush(&mut stream, self.cfg().command_timeout).await {
                return End::IoError;
            }
            if self.session.is_closed() {
                close(stream).await;
                return End::TooManyErrors;
            }
            let limit = match self.session.phase() {
                Phase::DataBlock => self.cfg().data_timeout,
                _ => self.cfg().command_timeout,
            };
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => {
                    // RFC 5321 §3.8: 421 before closing on our own initiative.
                    self.session.shutdown();
                    self.flush(&mut stream, GOODBYE_WRITE).await;
                    close(stream).await;
                    return End::Shutdown;
                }
                r = tokio::time::timeout(limit, stream.read(&mut buf)) => match r {
                    Err(_) => {
                        // RFC 5321 §4.5.3.2.7: 421 4.4.2 and close.
                        self.session.on_timeout();
                        self.flush(&mut stream, GOODBYE_WRITE).await;
                        close(stream).await;
                        return End::Timeout;
                    }
                    Ok(Ok(0)) => return End::ClientClosed,
                    Ok(Ok(n)) => self.session.feed(buf.get(..n).unwrap_or_default()),
                    Ok(Err(_)) => return End::IoError,
                }
            }
        }
    }

    pub(crate) fn cfg(&self) -> &SmtpConfig {
        &self.shared.cfg
    }

    /// Writes the queued replies. False when the peer is gone or too slow.
    async fn flush(&mut self, stream: &mut Stream, limit: Duration) -> bool {
        let out = self.session.take_output();
        if out.is_empty() {
            return true;
        }
        let write = async {
            stream.write_all(&out).await?;
            stream.flush().await
        };
        matches!(tokio::time::timeout(limit, write).await, Ok(Ok(())))
    }
}

/// Ends the connection (TLS `close_notify` when encrypted), without waiting
/// long for a peer that does not read.
async fn close(mut stream: Stream) {
    let _ = tokio::time::timeout(GOODBYE_WRITE, stream.shutdown()).await;
}
