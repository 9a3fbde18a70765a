//! The one loop of an IMAP connection: it `select!`s on the socket, on
//! store change notifications (for IDLE and pending updates), on the
//! autologout deadline and on the shutdown token, and hands each complete
//! command to [`crate::ops`].

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;
use vesontio_imap_proto::{
    Code, Command, CommandBody, Event, Limits, LiteralMode, Response, ServerConn, Status,
};
use vesontio_netkit::{CancellationToken, Stream};
use vesontio_store::{Account, Change};

use crate::Shared;
use crate::caps::{CapState, capabilities};
use crate::ops::{self, Next};
use crate::selected::{Enabled, Expunges, Selected};

/// RFC 9051 §5.4 lets a server log out sooner before authentication; a
/// connection that has not logged in after this long is closed.
const PREAUTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// During IDLE on PostgreSQL the mailbox is also checked this often, for
/// changes made where no notification reaches this process (another node
/// of a cluster). TODO(store): LISTEN/NOTIFY would make this unneeded.
const IDLE_POLL: std::time::Duration = std::time::Duration::from_secs(30);

/// After this many malformed commands the session is closed.
const MAX_BAD_COMMANDS: u32 = 50;
/// After this many refused logins in one session it is closed.
pub(crate) const MAX_AUTH_FAILURES: u32 = 3;

/// One connection's state beside the protocol machine.
pub(crate) struct Session {
    pub(crate) shared: Arc<Shared>,
    pub(crate) conn: ServerConn,
    pub(crate) peer: SocketAddr,
    pub(crate) tls: bool,
    pub(crate) account: Option<Account>,
    /// The account's session slot, a store lease counted across nodes;
    /// dropped with the session (released by a spawned task).
    pub(crate) slot: Option<vesontio_access::SessionLease>,
    pub(crate) selected: Option<Selected>,
    pub(crate) enabled: Enabled,
    pub(crate) auth_failures: u32,
    /// A store change arrived for the account while nothing was selected
    /// or before the last sync.
    changes: tokio::sync::broadcast::Receiver<Change>,
}

impl Session {
    pub(crate) fn cap_state(&self) -> CapState {
        match (&self.account, self.tls) {
            (Some(_), _) => CapState::Authenticated,
            (None, true) => CapState::TlsPreAuth,
            (None, false) => CapState::PlainPreAuth,
        }
    }

    pub(crate) fn capabilities(&self) -> Vec<String> {
        capabilities(self.cap_state(), self.shared.cfg.max_literal)
    }

    /// Notes pending store changes for the selected mailbox.
    fn note_change(&mut self, change: &Change) {
        if let Some(sel) = &mut self.selected
            && sel.target.mailbox.id == change.mailbox_id
            && !sel.has_seen(change.modseq)
        {
            sel.dirty = true;
        }
    }

    /// Reads every change notification already queued.
    fn drain_changes(&mut self) {
        loop {
            match self.changes.try_recv() {
                Ok(c) => self.note_change(&c),
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) => {
                    if let Some(sel) = &mut self.selected {
                        sel.dirty = true;
                    }
                }
                Err(_) => return,
            }
        }
    }

    /// Queues untagged responses, announcing new keywords first.
    pub(crate) fn send(&mut self, out: impl IntoIterator<Item = Response>) {
        let mut out: Vec<Response> = out.into_iter().collect();
        if let Some(sel) = &mut self.selected {
            sel.announce_keywords(&mut out);
        }
        self.conn.respond(out);
    }

    /// [`Session::updates`] outside a command (IDLE), with the search
    /// contexts' ADDTO and REMOVEFROM (RFC 5267 §4.3.2: at any time).
    async fn idle_updates(&mut self, force: bool) -> Vec<Response> {
        let mut out = self.updates(Expunges::Send, force).await;
        ops::context::refresh(self, &mut out).await;
        out
    }

    /// Untagged updates for the selected mailbox, if any changed (or
    /// always, with `force`, for NOOP/CHECK/IDLE).
    pub(crate) async fn updates(&mut self, expunges: Expunges, force: bool) -> Vec<Response> {
        self.drain_changes();
        let en = self.enabled;
        let store = self.shared.store.clone();
        let Some(sel) = &mut self.selected else {
            return Vec::new();
        };
        if !sel.dirty && !force {
            return Vec::new();
        }
        match sel.sync(&store, expunges, en).await {
            Ok(r) => r,
            Err(e) => {
                let id = crate::error::error_id();
                tracing::error!(error_id = %id, error = %e, "mailbox sync failed");
                Vec::new()
            }
        }
    }
}

fn greeting(s: &Session) -> Response {
    Response::untagged_ok(
        Some(Code::Capability(s.capabilities())),
        &format!("{} IMAP4rev2 service ready", s.shared.cfg.hostname),
    )
}

async fn flush(stream: &mut Stream, conn: &mut ServerConn) -> std::io::Result<()> {
    let out = conn.take_output();
    if !out.is_empty() {
        stream.write_all(&out).await?;
        stream.flush().await?;
    }
    Ok(())
}

/// Serves one connection until LOGOUT, EOF, autologout or shutdown.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    mut stream: Stream,
    peer: SocketAddr,
    shutdown: CancellationToken,
) {
    let limits = Limits {
        max_command_len: shared.cfg.max_command_len,
        max_literal: shared.cfg.max_literal,
        // RFC 7888 §3: LITERAL+ (a superset of IMAP4rev2's LITERAL-), as
        // clients such as mbsync and imaptest expect; a non-synchronising
        // literal above max_literal still gets BAD [TOOBIG] and is skipped.
        literal_mode: LiteralMode::Plus,
    };
    let changes = shared.store.subscribe();
    let mut s = Session {
        shared: shared.clone(),
        conn: ServerConn::new(limits),
        peer,
        tls: stream.is_tls(),
        account: None,
        slot: None,
        selected: None,
        enabled: Enabled::default(),
        auth_failures: 0,
        changes,
    };
    let g = greeting(&s);
    s.conn.write(g);
    let mut buf = vec![0u8; 16 * 1024];
    let mut idle: Option<String> = None;
    let mut bad = 0u32;
    let timeout = |s: &Session| {
        if s.account.is_some() {
            shared.cfg.idle_timeout
        } else {
            shared.cfg.idle_timeout.min(PREAUTH_TIMEOUT)
        }
    };
    let mut last_input = Instant::now();
    let mut next_poll = Instant::now() + IDLE_POLL;
    loop {
        // Run every complete event in the input.
        while let Some(ev) = s.conn.poll_event() {
            match ev {
                Event::Command(cmd) => {
                    let next = command(&mut s, cmd, &mut stream).await;
                    match next {
                        Next::Continue => {}
                        Next::Logout => {
                            // Freed before the client hears OK, so that it
                            // may log in again at once.
                            if let Some(slot) = s.slot.take() {
                                slot.release().await;
                            }
                            let _ = flush(&mut stream, &mut s.conn).await;
                            let _ = stream.shutdown().await;
                            return;
                        }
                        Next::StartTls => {
                            if flush(&mut stream, &mut s.conn).await.is_err() {
                                return;
                            }
                            stream = match stream.upgrade(&shared.tls).await {
                                Ok(t) => t,
                                Err(e) => {
                                    tracing::debug!(%peer, error = %e, "STARTTLS handshake failed");
                                    return;
                                }
                            };
                            s.tls = true;
                        }
                    }
                }
                Event::LiteralAnnounced { size, .. } => {
                    s.conn.accept_literal(size <= shared.cfg.max_literal);
                }
                Event::Idle { tag } => {
                    // RFC 2177 §3: pending updates go out at once.
                    let ups = s.idle_updates(true).await;
                    s.send(ups);
                    idle = Some(tag);
                    next_poll = Instant::now() + IDLE_POLL;
                }
                Event::IdleDone { tag } => {
                    idle = None;
                    let ups = s.idle_updates(false).await;
                    s.send(ups);
                    s.conn.write(Response::ok(&tag, "IDLE terminated"));
                }
                Event::AuthenticateContinue { tag, data } => {
                    let mut out = Vec::new();
                    let r = ops::auth::plain(&mut s, data.expose(), &mut out).await;
                    s.send(out);
                    let reply = crate::error::reply(&tag, "AUTHENTICATE", r);
                    s.conn.write(reply);
                    if s.auth_failures >= MAX_AUTH_FAILURES {
                        s.conn.write(Response::bye("Too many failed logins"));
                        let _ = flush(&mut stream, &mut s.conn).await;
                        return;
                    }
                }
                Event::AuthenticateCancel { .. } => {}
                Event::Bad { .. } | Event::TooBig { .. } => {
                    bad += 1;
                    if bad >= MAX_BAD_COMMANDS {
                        s.conn.write(Response::bye("Too many invalid commands"));
                        let _ = flush(&mut stream, &mut s.conn).await;
                        return;
                    }
                }
            }
            if s.auth_failures >= MAX_AUTH_FAILURES {
                s.conn.write(Response::bye("Too many failed logins"));
                let _ = flush(&mut stream, &mut s.conn).await;
                return;
            }
        }
        if flush(&mut stream, &mut s.conn).await.is_err() {
            return;
        }
        let watch = idle.is_some();
        // Only a cluster (PostgreSQL) has writers this process does not hear from.
        let poll = watch && shared.store.dialect() == vesontio_store::Dialect::Postgres;
        let deadline = last_input + timeout(&s);
        tokio::select! {
            _ = shutdown.cancelled() => {
                s.conn.write(Response::bye("Server shutting down, please reconnect later"));
                let _ = flush(&mut stream, &mut s.conn).await;
                let _ = stream.shutdown().await;
                return;
            }
            _ = tokio::time::sleep_until(deadline) => {
                // RFC 9051 §5.4: the autologout timer.
                s.conn.write(Response::bye("Autologout; idle for too long"));
                let _ = flush(&mut stream, &mut s.conn).await;
                return;
            }
            r = stream.read(&mut buf) => match r {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    last_input = Instant::now();
                    s.conn.feed(&buf[..n]);
                }
            },
            _ = tokio::time::sleep_until(next_poll), if poll => {
                next_poll = Instant::now() + IDLE_POLL;
                let ups = s.idle_updates(true).await;
                s.send(ups);
            }
            c = s.changes.recv(), if watch => {
                match c {
                    Ok(c) => s.note_change(&c),
                    Err(RecvError::Lagged(_)) => {
                        if let Some(sel) = &mut s.selected { sel.dirty = true; }
                    }
                    Err(RecvError::Closed) => {}
                }
                let ups = s.idle_updates(false).await;
                s.send(ups);
            }
        }
    }
}

/// Runs one command and queues its replies: the command's untagged data,
/// then pending mailbox updates, then the tagged status. A FETCH is run in
/// steps, each step's replies written before the next is computed.
async fn command(s: &mut Session, cmd: Command, stream: &mut Stream) -> Next {
    let Command { tag, body } = cmd;
    let name = body.name();
    // RFC 9051 §7.5.1: no EXPUNGE during FETCH, STORE, SEARCH (UID forms excepted).
    let expunges = match &body {
        CommandBody::Fetch { uid, .. }
        | CommandBody::Store { uid, .. }
        | CommandBody::Search { uid, .. }
        | CommandBody::Sort { uid, .. }
        | CommandBody::Thread { uid, .. }
            if *uid == vesontio_imap_proto::UidMode::Seq =>
        {
            Expunges::Hold
        }
        _ => Expunges::Send,
    };
    let force = matches!(body, CommandBody::Noop | CommandBody::Check);
    let mut out = Vec::new();
    let (result, next) = if let CommandBody::Fetch {
        sequence_set,
        items,
        uid,
        changed_since,
        vanished,
    } = &body
    {
        let r = match ops::fetch::prepare(
            s,
            sequence_set,
            items,
            *uid,
            *changed_since,
            *vanished,
            &mut out,
        )
        .await
        {
            Ok(mut job) => loop {
                match ops::fetch::step(s, &mut job, &mut out).await {
                    Ok(true) => break Ok(ops::fetch::finish(&job)),
                    Ok(false) => {
                        s.send(out.drain(..));
                        if flush(stream, &mut s.conn).await.is_err() {
                            return Next::Logout;
                        }
                    }
                    Err(e) => break Err(e),
                }
            },
            Err(e) => Err(e),
        };
        (Some(r), Next::Continue)
    } else {
        ops::dispatch(s, &tag, body, &mut out).await
    };
    let Some(result) = result else {
        // AUTHENTICATE waits for the client's response.
        s.send(out);
        return next;
    };
    if next == Next::Continue && s.selected.is_some() {
        let ups = s.updates(expunges, force).await;
        out.extend(ups);
        ops::context::refresh(s, &mut out).await;
    }
    s.send(out);
    let reply = crate::error::reply(&tag, name, result);
    if let Response::Status {
        status: Status::No, ..
    } = &reply
    {
        tracing::debug!(command = name, "refused");
    }
    s.conn.write(reply);
    next
}
