//! The webmail: what most people of an académie see of vesontio.
//!
//! Server-rendered pages (askama, escaping on by default) that work as
//! plain HTML forms; small ES modules under `assets/` only enhance them.
//! Everything is embedded in the binary (`assets.rs`, templates compiled
//! by askama), so `cargo build` alone yields the whole webmail.
//!
//! - HTTPS (RFC 9110 semantics over HTTP/1.1, RFC 9112) on the platform's
//!   rustls acceptor, through `netkit`'s accept loop ([`serve_https`]);
//!   an HTTP listener that only redirects to HTTPS ([`serve_redirect`]).
//! - Sessions kept in the store (schema v8), cookie `__Host-` prefixed,
//!   `Secure`, `HttpOnly`, `SameSite=Strict` (RFC 6265bis §4.1.3.2),
//!   idle and absolute expiry, logout and logout everywhere (`session.rs`).
//! - A CSRF token on every POST form, derived from the session's secret.
//! - Strict headers on every response (`security.rs`): CSP without inline
//!   script, `frame-ancestors 'none'`, HSTS (RFC 6797), no referrer.
//! - HTML mail sanitised with ammonia and shown in a sandboxed iframe with
//!   a CSP of its own; remote images blocked until asked for (`html.rs`).
//! - French first, English second (`i18n.rs`, catalogues in `i18n/`).
//! - Live updates: server-sent events woken by the store's change
//!   notifications, and a JMAP-shaped `/changes` over the account change
//!   log (`events.rs`); the list page's modules refresh rows and counts.
//!
//! - R21: the large-file service and its public links (`files/`).
//!
//! Screens, one module each with the template of the same name: `login`,
//! `password`, `mail/list`, `mail/read`, `settings`. Mail is read through
//! `mail.rs` only, so moving to the mail-access layer later is one file.
//!
//! Invariants
//! - No inline `<script>`, no `on…=` attribute anywhere: the CSP says
//!   `script-src 'self'`.
//! - A page showing mail is never cached (`Cache-Control: no-store`).
//! - Every mailbox or message id in a URL is checked against the
//!   session's account before anything is read.
//! - No message content, password or session id is logged.

mod assets;
mod changes;
mod clock;
mod error;
mod events;
mod files;
mod html;
mod i18n;
mod login;
mod mail;
mod page;
mod password;
mod prefs;
mod security;
mod session;
mod settings;
mod text;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_delivery::Delivery;
use vesontio_directory::Directory;
use vesontio_store::Store;

pub use clock::Clock;
pub use error::WebError;
pub use files::LargeFilesConfig;

/// What the webmail needs from the configuration (`[web]` and a few
/// platform keys), lowered by `app`.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The host name in redirects from HTTP to HTTPS.
    pub hostname: String,
    /// The HTTPS port as clients see it (443 unless offset).
    pub https_port: u16,
    /// A session unused for this long is closed (`web.session_idle`).
    pub session_idle_secs: i64,
    /// A session is closed this long after login whatever its use
    /// (`web.session_absolute`).
    pub session_absolute_secs: i64,
    /// R16: the quota gauge turns to a warning from this percentage.
    pub quota_warning_percent: u8,
    /// R24: "report as spam" forwards to this local part in the person's
    /// domain (`spam.report_local_part`).
    pub spam_report_local_part: String,
    /// R21: the large-file service (`[large_files]`).
    pub large_files: LargeFilesConfig,
}

struct Inner {
    config: WebConfig,
    store: Store,
    directory: Directory,
    /// The ingest gate: the webmail sends (`Origin::WebSend`) and files
    /// drafts and Sent copies (`Origin::DraftSave`) only through it.
    delivery: Delivery,
    clock: Clock,
    /// The open live-update streams, counted per session (`events.rs`).
    streams: events::Streams,
    /// Cancelled at shutdown: ends every live-update stream, so that the
    /// graceful shutdown does not wait for them.
    stop: CancellationToken,
    /// The heartbeat of the live-update streams, in milliseconds.
    heartbeat_ms: std::sync::atomic::AtomicU64,
}

/// The webmail application state, cheap to clone.
#[derive(Clone)]
pub struct Web {
    inner: Arc<Inner>,
}

impl Web {
    pub fn new(config: WebConfig, directory: Directory, delivery: Delivery, clock: Clock) -> Web {
        Web {
            inner: Arc::new(Inner {
                config,
                store: directory.store().clone(),
                directory,
                delivery,
                clock,
                streams: events::Streams::default(),
                stop: CancellationToken::new(),
                heartbeat_ms: std::sync::atomic::AtomicU64::new(
                    events::HEARTBEAT.as_millis() as u64
                ),
            }),
        }
    }

    pub(crate) fn store(&self) -> &Store {
        &self.inner.store
    }
    pub(crate) fn directory(&self) -> &Directory {
        &self.inner.directory
    }
    pub(crate) fn delivery(&self) -> &Delivery {
        &self.inner.delivery
    }
    pub(crate) fn config(&self) -> &WebConfig {
        &self.inner.config
    }
    pub(crate) fn now(&self) -> i64 {
        self.inner.clock.now()
    }
    pub(crate) fn streams(&self) -> &events::Streams {
        &self.inner.streams
    }
    pub(crate) fn stop_token(&self) -> CancellationToken {
        self.inner.stop.clone()
    }
    pub(crate) fn heartbeat(&self) -> std::time::Duration {
        std::time::Duration::from_millis(
            self.inner
                .heartbeat_ms
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    /// Sets the live-update streams' heartbeat (tests: a short one, so
    /// that a test sees it and the session check it carries).
    #[doc(hidden)]
    pub fn set_event_heartbeat(&self, every: std::time::Duration) {
        self.inner.heartbeat_ms.store(
            (every.as_millis() as u64).max(10),
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Ends every live-update stream (done by [`serve_https`] at shutdown).
    pub fn stop_streams(&self) {
        self.inner.stop.cancel();
    }

    /// The largest compose form taken: twice R6's limit and a margin, so
    /// that a message over the limit reaches the gate and gets its
    /// sentence rather than a bare 413.
    fn upload_limit(&self) -> usize {
        let limit = self.inner.delivery.config().message_size_limit;
        usize::try_from(limit.saturating_mul(2).saturating_add(1 << 20)).unwrap_or(usize::MAX)
    }

    /// Every route of the webmail, with the security headers.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(mail::list::home))
            .route("/login", get(login::show).post(login::submit))
            .route("/logout", post(login::logout))
            .route("/logout-everywhere", post(login::logout_everywhere))
            .route("/password", get(password::show).post(password::submit))
            .route("/events", get(events::events))
            .route("/changes", get(changes::changes))
            .route("/mail", get(mail::list::inbox))
            .route("/mail/{mailbox}", get(mail::list::show))
            .route("/mail/{mailbox}/actions", post(mail::actions::apply))
            .route(
                "/mail/{mailbox}/empty",
                get(mail::empty::confirm).post(mail::empty::empty),
            )
            .route("/mail/{mailbox}/thread/{thread}", get(mail::thread::show))
            .route("/mail/{mailbox}/{uid}", get(mail::read::show))
            .route("/mail/{mailbox}/{uid}/body", get(mail::read::body))
            .route(
                "/mail/{mailbox}/{uid}/forward-attached",
                post(mail::drafts::forward_attached),
            )
            .route("/mail/{mailbox}/{uid}/part/{part}", get(mail::read::part))
            .route("/mail/{mailbox}/{uid}/source", get(mail::source::source))
            .route("/mail/{mailbox}/{uid}/print", get(mail::source::print))
            .route(
                "/mail/{mailbox}/{uid}/view/{part}",
                get(mail::preview::view),
            )
            .route(
                "/mail/{mailbox}/{uid}/preview/{part}",
                get(mail::preview::page),
            )
            .route(
                "/mail/{mailbox}/{uid}/images-sender",
                post(mail::read::images_sender),
            )
            .route(
                "/mail/{mailbox}/{uid}/report-spam",
                get(mail::report::confirm).post(mail::report::send),
            )
            .route(
                "/mail/{mailbox}/{uid}/unread",
                post(mail::read::mark_unread),
            )
            .route(
                "/compose",
                get(mail::compose::show)
                    .post(mail::compose::submit)
                    .layer(DefaultBodyLimit::max(self.upload_limit())),
            )
            .route("/search", get(mail::search::show))
            .route("/api/addresses", get(mail::complete::addresses))
            .route(
                "/folders",
                get(mail::manage::show).post(mail::manage::create),
            )
            .route("/folders/{id}/rename", post(mail::manage::rename))
            .route("/folders/{id}/move", post(mail::manage::move_folder))
            .route(
                "/folders/{id}/delete",
                get(mail::manage::confirm_delete).post(mail::manage::delete),
            )
            .route("/settings", get(settings::show))
            .route("/settings/language", post(settings::language))
            .route("/settings/absence", post(prefs::absence))
            .route("/settings/forwarding", post(prefs::forwarding))
            .route("/settings/signature", post(prefs::signature))
            .route("/settings/image-senders", post(prefs::image_sender_remove))
            .route("/assets/{name}", get(assets::serve))
            .merge(files::routes(self))
            .fallback(page::not_found)
            .layer(axum::middleware::map_response(security::headers))
            .with_state(self.clone())
    }
}

/// Serves the webmail over HTTPS on `listener` until `shutdown`. The TLS
/// handshakes run in netkit's accept loop; each finished connection is
/// handed to axum, which closes idle keep-alive connections on shutdown.
pub async fn serve_https(
    web: Web,
    listener: TcpListener,
    tls: vesontio_netkit::TlsAcceptor,
    shutdown: CancellationToken,
    tracker: TaskTracker,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    // Live-update streams never end by themselves: end them at shutdown.
    {
        let (web, shutdown) = (web.clone(), shutdown.clone());
        tracker.spawn(async move {
            shutdown.cancelled().await;
            web.stop_streams();
        });
    }
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tracker.spawn(vesontio_netkit::serve(
        listener,
        vesontio_netkit::Security::Implicit(tls),
        shutdown.clone(),
        tracker.clone(),
        move |stream, peer| {
            let tx = tx.clone();
            async move {
                let _ = tx.send((stream, peer)).await;
            }
        },
    ));
    let app = web.router().into_make_service_with_connect_info::<Peer>();
    axum::serve(Handshaken { rx, local }, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// The client address of a connection, for handlers (`ConnectInfo<Peer>`).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, Handshaken>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, Handshaken>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

/// The connections netkit finished the TLS handshake of, as an axum
/// listener.
pub struct Handshaken {
    rx: tokio::sync::mpsc::Receiver<(vesontio_netkit::Stream, SocketAddr)>,
    local: SocketAddr,
}

impl axum::serve::Listener for Handshaken {
    type Io = vesontio_netkit::Stream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.rx.recv().await {
            Some(c) => c,
            // The accept loop stopped (shutdown): nothing more will come;
            // axum's graceful shutdown ends `serve`.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// The HTTP listener: every request is redirected to the same path over
/// HTTPS on the configured host name (never the request's Host header, so
/// it cannot be made to redirect elsewhere). RFC 6797 §7.2: HSTS is only
/// sent over HTTPS, so this listener sends none.
pub async fn serve_redirect(
    config: WebConfig,
    listener: TcpListener,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, redirect_router(config))
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await
}

/// The HTTP listener's only route: everything to HTTPS.
pub fn redirect_router(config: WebConfig) -> Router {
    Router::new()
        .fallback(move |uri: axum::http::Uri| {
            let config = config.clone();
            async move { security::redirect_to_https(&config, &uri) }
        })
        .layer(axum::middleware::map_response(security::headers))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
