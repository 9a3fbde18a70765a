//! Live updates (issue 10): `GET /events`, a stream of server-sent events
//! (HTML Living Standard §9.2, `text/event-stream`); `GET /changes` (what
//! changed since a state, shaped after JMAP) is in `changes.rs`.
//!
//! Both read the account change logs (`Store::account_changes`, one
//! sequence number per transaction: the JMAP state): the person's own and
//! those of the functional mailboxes (R2) they may read, whose mail is in
//! the functional account's log (`changes::followed`). The stream is woken
//! by the store's change notifications, the same subscription IMAP IDLE
//! uses (`Store::subscribe`): on PostgreSQL they come by LISTEN/NOTIFY, so
//! mail delivered by another process on the same database wakes it too.
//! One task per process reads them and wakes only the streams following
//! the account concerned (a `watch` channel per account with open
//! streams; a member's stream waits on its own account's and on each
//! followed functional mailbox's). The functional mailboxes followed are
//! those of the stream's start: a membership given or taken meanwhile
//! counts from the next page load.
//! An event only says "the state is now S" (`id:` is S, so a reconnecting
//! browser sends it back as `Last-Event-ID`); the page then asks
//! `/changes?since=<its state>` and refreshes what it shows.
//!
//! Bounds: at most [`MAX_PER_SESSION`] streams per session (tabs) and
//! [`MAX_STREAMS`] per process, a heartbeat comment every
//! [`HEARTBEAT`] (proxies close silent connections), at most one event per
//! [`COALESCE`] (a move of 200 messages is one event), the session
//! checked at every heartbeat (logout, expiry or password change end the
//! stream; the stream itself does not keep a session alive), and every
//! stream ended at shutdown so the graceful shutdown is not held.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;
use vesontio_types::AccountId;

use crate::changes::{LiveState, current, followed};
use crate::session::Authed;
use crate::{Web, WebError};

/// Streams one session may hold open at once (one per tab). Few: over
/// HTTP/1.1 a browser opens at most six connections to a host, and each
/// stream holds one for good; tabs past this one get no live updates (a
/// reload still shows everything) rather than starving page loads.
pub const MAX_PER_SESSION: usize = 3;
/// Streams one process holds at most (each is a connection and a task).
pub const MAX_STREAMS: usize = 20_000;
/// A comment line this often keeps proxies from closing the stream.
pub const HEARTBEAT: Duration = Duration::from_secs(25);
/// Changes this close together make one event.
pub const COALESCE: Duration = Duration::from_millis(250);

/// Per account with an open stream: how many, and the channel its streams
/// wait on (a counter bumped at each of its changes).
type Watchers = HashMap<i64, (usize, watch::Sender<u64>)>;

/// The open streams of this process, by session and by account, and the
/// one task that reads the store's change notifications for all of them
/// (so a delivery wakes only its own account's streams, not all 20,000).
#[derive(Default)]
pub struct Streams {
    by_session: Mutex<HashMap<String, usize>>,
    by_account: Arc<Mutex<Watchers>>,
    dispatcher: OnceLock<()>,
}

/// One open stream's place, given back when the stream ends.
struct Slot {
    web: Web,
    key: String,
    /// The accounts whose logs it follows.
    accounts: Vec<i64>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Streams {
    /// A place for a stream of `key`'s session following `accounts`, and
    /// the channels that say when each changed; `None` over a bound.
    fn take(
        &self,
        web: &Web,
        key: &str,
        accounts: &[AccountId],
    ) -> Option<(Slot, Vec<watch::Receiver<u64>>)> {
        self.start(web);
        let mut m = lock(&self.by_session);
        let total: usize = m.values().sum();
        let n = m.entry(key.to_string()).or_insert(0);
        if *n >= MAX_PER_SESSION || total >= MAX_STREAMS {
            if *n == 0 {
                m.remove(key);
            }
            return None;
        }
        *n += 1;
        let mut a = lock(&self.by_account);
        let rxs = accounts
            .iter()
            .map(|account| {
                let entry = a
                    .entry(account.0)
                    .or_insert_with(|| (0, watch::channel(0).0));
                entry.0 += 1;
                entry.1.subscribe()
            })
            .collect();
        Some((
            Slot {
                web: web.clone(),
                key: key.to_string(),
                accounts: accounts.iter().map(|a| a.0).collect(),
            },
            rxs,
        ))
    }

    /// Starts the dispatcher once: subscribed here, before any stream
    /// reads its first state, so no change falls between.
    fn start(&self, web: &Web) {
        self.dispatcher.get_or_init(|| {
            let mut rx = web.store().subscribe();
            let (watchers, stop) = (self.by_account.clone(), web.stop_token());
            tokio::spawn(async move {
                let bump = |tx: &watch::Sender<u64>| tx.send_modify(|n| *n = n.wrapping_add(1));
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        c = rx.recv() => match c {
                            Ok(c) => {
                                if let Some((_, tx)) = lock(&watchers).get(&c.account_id.0) {
                                    bump(tx);
                                }
                            }
                            // Some were lost: every account may have changed.
                            Err(RecvError::Lagged(_)) => lock(&watchers).values().for_each(|(_, tx)| bump(tx)),
                            Err(RecvError::Closed) => return,
                        },
                    }
                }
            });
        });
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let streams = self.web.streams();
        let mut m = lock(&streams.by_session);
        if let Some(n) = m.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                m.remove(&self.key);
            }
        }
        drop(m);
        let mut a = lock(&streams.by_account);
        for account in &self.accounts {
            if let Some(e) = a.get_mut(account) {
                e.0 = e.0.saturating_sub(1);
                if e.0 == 0 {
                    a.remove(account);
                }
            }
        }
    }
}

#[derive(Deserialize, Default)]
pub struct EventsQuery {
    since: Option<String>,
}

struct Live {
    web: Web,
    account: AccountId,
    /// The functional mailboxes followed (see `changes::followed`).
    shared: Vec<AccountId>,
    id_hash: String,
    /// The state the browser has been told of.
    sent: LiveState,
    /// Bumped by the dispatcher at each change of a followed account.
    rx: Vec<watch::Receiver<u64>>,
    beat: tokio::time::Interval,
    first: bool,
    _slot: Slot,
}

fn change_event(state: &LiveState) -> Event {
    let state = state.encode();
    Event::default()
        .event("change")
        .id(state.clone())
        .data(format!("{{\"state\":\"{state}\"}}"))
}

/// Waits until one of the channels says its account changed; `Err` when
/// they are all closed.
async fn changed(rxs: &mut [watch::Receiver<u64>]) -> Result<(), watch::error::RecvError> {
    if rxs.is_empty() {
        return std::future::pending().await;
    }
    let waits = rxs.iter_mut().map(|r| Box::pin(r.changed()));
    futures_util::future::select_all(waits).await.0
}

pub async fn events(
    State(web): State<Web>,
    Authed(s): Authed,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Response, WebError> {
    // A reconnecting browser says where it was (`Last-Event-ID`); a new
    // page says which state it was rendered at.
    let since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(LiveState::parse)
        .or_else(|| q.since.as_deref().and_then(LiveState::parse))
        .unwrap_or(LiveState {
            own: 0,
            shared: Vec::new(),
        });
    let shared = followed(&web, &s.account).await?;
    let mut accounts = vec![s.account.id];
    accounts.extend(&shared);
    // Watched before the state is read: a change in between is heard.
    let Some((slot, rx)) = web.streams().take(&web, &s.id_hash, &accounts) else {
        tracing::info!(
            account = s.account.id.0,
            "event stream refused: too many open"
        );
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, HeaderValue::from_static("60"))],
        )
            .into_response());
    };
    let every = web.heartbeat();
    let live = Live {
        web: web.clone(),
        account: s.account.id,
        shared,
        id_hash: s.id_hash.clone(),
        sent: since,
        rx,
        beat: tokio::time::interval_at(tokio::time::Instant::now() + every, every),
        first: true,
        _slot: slot,
    };
    let stream = futures_util::stream::unfold(live, next);
    Ok(Sse::new(stream).into_response())
}

/// The stream's next event, or `None` to end it.
async fn next(mut st: Live) -> Option<(Result<Event, Infallible>, Live)> {
    if st.first {
        st.first = false;
        let now = current(&st.web, st.account, &st.shared).await.ok()?;
        // The browser reconnects 5 s after a dropped connection.
        let ev = if now.ahead_of(&st.sent) {
            let ev = change_event(&now);
            st.sent = now;
            ev
        } else {
            Event::default().comment("ready")
        };
        return Some((Ok(ev.retry(Duration::from_secs(5))), st));
    }
    let stop = st.web.stop_token();
    loop {
        tokio::select! {
            _ = stop.cancelled() => return None,
            _ = st.beat.tick() => {
                if !alive(&st.web, &st.id_hash).await {
                    return None;
                }
                return Some((Ok(Event::default().comment("ping")), st));
            }
            c = changed(&mut st.rx) => {
                if c.is_err() {
                    return None;
                }
                tokio::time::sleep(COALESCE).await;
                // What came meanwhile is covered by the state read next.
                for rx in &mut st.rx {
                    rx.borrow_and_update();
                }
                let now = current(&st.web, st.account, &st.shared).await.ok()?;
                if now.ahead_of(&st.sent) {
                    let ev = change_event(&now);
                    st.sent = now;
                    return Some((Ok(ev), st));
                }
            }
        }
    }
}

/// The session still exists and has expired neither way (checked without
/// touching it: an open tab does not keep a session alive).
async fn alive(web: &Web, id_hash: &str) -> bool {
    let now = web.now();
    let c = web.config();
    match web.store().web_session(id_hash).await {
        Ok(Some(row)) => {
            now - row.last_seen_at <= c.session_idle_secs
                && now - row.created_at <= c.session_absolute_secs
                && !row.must_change_password
        }
        _ => false,
    }
}
