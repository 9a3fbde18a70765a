//! One POP3 connection: the loop that reads the socket, feeds the session,
//! answers its events and writes its replies. It `select!`s on the socket,
//! the autologout deadline and the shutdown token.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vesontio_access::{SessionKind, SessionLease};
use vesontio_netkit::{CancellationToken, Stream};
use vesontio_pop3_proto::{Config, ErrCode, Event, Mechanism, Pop3Session, UsageError};
use vesontio_store::{Account, ExpungeMode};
use vesontio_types::{Secret, Uid};

use crate::audit::{self, MessageAction};
use crate::maildrop::{self, OpenError, Opened};
use crate::{MAX_AUTH_FAILURES, MAX_BAD_COMMANDS, SEND_CHUNK, Shared};

/// A short id tying a `-ERR [SYS/TEMP]` the client saw to the log line with
/// the details.
pub(crate) fn error_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Runs one connection to its end. Errors only end this connection.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    stream: Stream,
    peer: SocketAddr,
    shutdown: CancellationToken,
) {
    let tls = stream.is_tls();
    let cfg = &shared.cfg;
    let session = Pop3Session::new(Config {
        greeting_host: cfg.hostname.clone(),
        tls_active: tls,
        stls_available: !tls,
        allow_plaintext_auth: false,
        max_line: cfg.max_line,
        implementation: cfg.implementation.clone(),
        expire: cfg.expire_days,
        max_bad_commands: MAX_BAD_COMMANDS,
        max_auth_failures: MAX_AUTH_FAILURES,
    });
    let mut conn = Connection {
        shared: shared.clone(),
        ip: peer.ip(),
        session,
        user: None,
        pending_audit: Vec::new(),
    };
    tracing::debug!(%peer, tls, "pop3 connection");
    match conn.run(stream, shutdown).await {
        Ok(()) => tracing::debug!(%peer, "pop3 connection closed"),
        Err(e) => tracing::debug!(%peer, error = %e, "pop3 connection ended"),
    }
    // Retrievals of a session that ended without QUIT are recorded too.
    audit::flush(&shared.store, &mut conn.pending_audit).await;
    // The maildrop lock is released before the task ends; nothing was
    // deleted unless UPDATE ran.
    if let Some(user) = conn.user.take() {
        user.lock.release().await;
    }
}

/// A logged-in session: the account, its maildrop and its lock.
struct LoggedIn {
    account: Account,
    maildrop: Opened,
    /// RFC 1939 §8's exclusive lock, a store lease so every node sees it.
    lock: SessionLease,
    /// R13 needs one "read" mark per session, not one write per message.
    read_recorded: bool,
}

/// Most retrieval events held before they are written.
const AUDIT_BATCH: usize = 256;

struct Connection {
    shared: Arc<Shared>,
    ip: IpAddr,
    session: Pop3Session,
    user: Option<LoggedIn>,
    /// Retrieval audit events not yet written: they go to the store in one
    /// batch at QUIT (before its `+OK`), at the end of the connection, or
    /// every [`AUDIT_BATCH`] retrievals.
    pending_audit: Vec<(vesontio_types::UnixTime, serde_json::Value)>,
}

impl Connection {
    async fn run(&mut self, mut stream: Stream, shutdown: CancellationToken) -> io::Result<()> {
        let timeout = self.shared.cfg.idle_timeout;
        self.session.greeting();
        let mut buf = vec![0u8; 8192];
        loop {
            while let Some(ev) = self.session.poll_event() {
                match ev {
                    Event::Authenticate {
                        user,
                        password,
                        mechanism,
                    } => self.authenticate(user, password, mechanism).await,
                    Event::Retrieve { index, top_lines } => {
                        self.retrieve(&mut stream, index, top_lines).await?
                    }
                    Event::Update { deleted } => self.update(&deleted).await,
                    Event::StartTls => {
                        self.flush(&mut stream).await?;
                        stream = stream.upgrade(&self.shared.tls).await?;
                        usage(self.session.tls_established());
                    }
                    Event::Noop => {}
                    Event::Close { reason } => {
                        self.flush(&mut stream).await?;
                        tracing::debug!(?reason, "pop3 session closing");
                        let _ = tokio::time::timeout(timeout, stream.shutdown()).await;
                        return Ok(());
                    }
                }
            }
            self.flush(&mut stream).await?;
            tokio::select! {
                _ = shutdown.cancelled() => {
                    self.session.abort(ErrCode::SysTemp, "server shutting down");
                }
                // RFC 1939 §3: the autologout timer. No UPDATE.
                _ = tokio::time::sleep(timeout) => {
                    self.session.abort(ErrCode::SysTemp, "idle for too long, closing connection");
                }
                r = stream.read(&mut buf) => match r? {
                    // A dropped connection: nothing is deleted.
                    0 => return Ok(()),
                    n => self.session.feed(&buf[..n]),
                },
            }
        }
    }

    /// Writes the pending replies, giving up after the idle timeout (a
    /// client that stops reading is as gone as one that stops writing).
    async fn flush(&mut self, stream: &mut Stream) -> io::Result<()> {
        let out = self.session.take_output();
        if out.is_empty() {
            return Ok(());
        }
        write_all(stream, &out, self.shared.cfg.idle_timeout).await
    }

    /// A login that cannot go on for a reason of ours (the store): logged
    /// with an error id, audited, and answered `-ERR [SYS/TEMP]` so that
    /// the client tries again later (RFC 3206 §4).
    async fn temporary_failure(
        &mut self,
        store: &vesontio_store::Store,
        now: vesontio_types::UnixTime,
        address: &str,
        mech: Mechanism,
        what: &str,
        e: &(dyn std::fmt::Display + Sync),
    ) {
        let id = error_id();
        tracing::error!(error_id = %id, error = %e, "pop3 login: {what}");
        audit::login(store, now, address, self.ip, mech, Some("server-error")).await;
        usage(self.session.auth_failed(
            ErrCode::SysTemp,
            &format!("cannot open maildrop, try again later (error id {id})"),
        ));
    }

    async fn authenticate(&mut self, login: String, password: Secret<String>, mech: Mechanism) {
        let shared = self.shared.clone();
        let store = &shared.store;
        let now = vesontio_store::now();
        let result = shared
            .directory
            .authenticate(&login, &password, self.ip, now)
            .await;
        let account = match result {
            Ok(a) => a,
            Err(e) => {
                let id = error_id();
                if let vesontio_directory::AuthError::Store(err) = &e {
                    tracing::error!(error_id = %id, error = %err, "pop3 login: store failure");
                }
                let reply = crate::auth_reply(&e, &shared.cfg.hostname, &id);
                tracing::info!(ip = %self.ip, reason = reply.reason, "pop3 login refused");
                audit::login(store, now, &login, self.ip, mech, Some(reply.reason)).await;
                usage(self.session.auth_failed(reply.code, &reply.text));
                return;
            }
        };
        // RFC 1939 §8 / RFC 2449 §8.1.2: one session per maildrop, on
        // whichever node it is open.
        let lock = match shared.leases.take(account.id, SessionKind::Pop3, 1).await {
            Ok(Some(lock)) => lock,
            Ok(None) => {
                audit::login(store, now, &account.address, self.ip, mech, Some("in-use")).await;
                usage(self.session.auth_failed(
                    ErrCode::InUse,
                    "maildrop already locked by another POP3 session",
                ));
                return;
            }
            Err(e) => {
                self.temporary_failure(
                    store,
                    now,
                    &account.address,
                    mech,
                    "cannot lock maildrop",
                    &e,
                )
                .await;
                return;
            }
        };
        match maildrop::open(store, &shared.sizes, account.id).await {
            Ok(opened) => {
                audit::login(store, now, &account.address, self.ip, mech, None).await;
                tracing::info!(ip = %self.ip, account = %account.address, messages = opened.entries.len(), "pop3 login");
                usage(self.session.auth_ok(opened.info.clone()));
                self.user = Some(LoggedIn {
                    account,
                    maildrop: opened,
                    lock,
                    read_recorded: false,
                });
            }
            Err(OpenError::NoInbox) => {
                lock.release().await;
                audit::login(
                    store,
                    now,
                    &account.address,
                    self.ip,
                    mech,
                    Some("no-inbox"),
                )
                .await;
                usage(
                    self.session
                        .auth_failed(ErrCode::SysPerm, "this account has no INBOX"),
                );
            }
            Err(OpenError::Store(e)) => {
                lock.release().await;
                self.temporary_failure(
                    store,
                    now,
                    &account.address,
                    mech,
                    "cannot open maildrop",
                    &e,
                )
                .await;
            }
        }
    }

    /// RETR (`top_lines == None`) or TOP. The message goes out in
    /// `SEND_CHUNK` pieces, each written before the next is encoded.
    async fn retrieve(
        &mut self,
        stream: &mut Stream,
        index: usize,
        top_lines: Option<u32>,
    ) -> io::Result<()> {
        let shared = self.shared.clone();
        let Some(user) = &self.user else {
            usage(
                self.session
                    .send_error(Some(ErrCode::SysTemp), "no maildrop"),
            );
            return Ok(());
        };
        let (account_id, address, inbox, read_recorded) = (
            user.account.id,
            user.account.address.clone(),
            user.maildrop.inbox,
            user.read_recorded,
        );
        let Some(entry) = user.maildrop.entries.get(index).cloned() else {
            usage(self.session.send_error(None, "no such message"));
            return Ok(());
        };
        let raw = match shared
            .store
            .read_blob_sized(&entry.blob_id, entry.size as i64)
            .await
        {
            Ok(raw) => raw,
            Err(e) => {
                match shared.store.message_by_uid(inbox, entry.uid).await {
                    Ok(None) => usage(
                        self.session
                            .send_error(None, "message was removed by another session"),
                    ),
                    _ => {
                        let id = error_id();
                        tracing::error!(error_id = %id, uid = entry.uid, error = %e, "pop3: cannot read message");
                        usage(self.session.send_error(
                            Some(ErrCode::SysTemp),
                            &format!("cannot read message, try again later (error id {id})"),
                        ));
                    }
                }
                return Ok(());
            }
        };
        usage(self.session.start_message());
        for chunk in raw.chunks(SEND_CHUNK) {
            usage(self.session.message_chunk(chunk));
            self.flush(stream).await?;
        }
        usage(self.session.finish_message());
        drop(raw);
        if top_lines.is_none() {
            // R13: a retrieval is a read; TOP only peeks at headers.
            let now = vesontio_store::now();
            if !read_recorded {
                vesontio_access::consequences::messages_read(&shared.store, account_id, now).await;
                if let Some(u) = self.user.as_mut() {
                    u.read_recorded = true;
                }
            }
            // The audit event is written with the session's others (QUIT,
            // end of connection), not one commit per RETR.
            self.pending_audit.push((
                now,
                audit::message_data(
                    &address,
                    self.ip,
                    MessageAction::Retrieve,
                    entry.uid,
                    entry.size,
                ),
            ));
            if self.pending_audit.len() >= AUDIT_BATCH {
                audit::flush(&shared.store, &mut self.pending_audit).await;
            }
        }
        Ok(())
    }

    /// QUIT in the TRANSACTION state: UPDATE, then the maildrop lock is
    /// released *before* the client hears `+OK`, so that it may log in
    /// again at once without meeting `[IN-USE]`.
    async fn update(&mut self, deleted: &[usize]) {
        let result = self.apply_update(deleted).await;
        if let Some(user) = self.user.take() {
            user.lock.release().await;
        }
        usage(self.session.update_done(result));
    }

    /// RFC 1939 §6 UPDATE: remove the messages marked deleted, durably and
    /// freeing their quota, then let deliveries held for quota retry (R17).
    async fn apply_update(&mut self, deleted: &[usize]) -> Result<(), vesontio_store::StoreError> {
        audit::flush(&self.shared.store, &mut self.pending_audit).await;
        let shared = self.shared.clone();
        let Some(user) = &self.user else {
            return Ok(());
        };
        let chosen: Vec<&maildrop::Entry> = deleted
            .iter()
            .filter_map(|&i| user.maildrop.entries.get(i))
            .collect();
        if chosen.is_empty() {
            return Ok(());
        }
        let uids: Vec<Uid> = chosen.iter().map(|e| e.uid).collect();
        let now = vesontio_store::now();
        match shared
            .store
            .expunge(user.maildrop.inbox, Some(&uids), ExpungeMode::Any)
            .await
        {
            Ok(removed) => {
                for e in chosen.iter().filter(|e| removed.contains(&e.uid)) {
                    audit::message(
                        &shared.store,
                        now,
                        &user.account.address,
                        self.ip,
                        MessageAction::Delete,
                        e.uid,
                        e.size,
                    )
                    .await;
                }
                tracing::info!(account = %user.account.address, removed = removed.len(), "pop3 update");
                vesontio_access::consequences::room_freed(&shared.store, now).await;
                Ok(())
            }
            Err(e) => {
                let id = error_id();
                tracing::error!(error_id = %id, error = %e, "pop3 update: expunge failed");
                Err(e)
            }
        }
    }
}

async fn write_all(stream: &mut Stream, data: &[u8], timeout: Duration) -> io::Result<()> {
    tokio::time::timeout(timeout, async {
        stream.write_all(data).await?;
        stream.flush().await
    })
    .await
    .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "write timed out"))?
}

/// A `UsageError` is a bug of this crate (an answer the session was not
/// waiting for), never caused by the peer: log it and go on.
fn usage(r: Result<(), UsageError>) {
    if let Err(e) = r {
        tracing::error!(error = %e, "pop3 session misuse");
    }
}
