//! What every vesontio listener shares, so the protocol servers stay about
//! their protocol: the accept loop, a [`Stream`] that is plain TCP or TLS
//! and can be upgraded in place (STARTTLS, RFC 3207 / RFC 2595 / RFC 9051
//! §6.2.1), and graceful shutdown with a [`CancellationToken`] and a
//! [`TaskTracker`].
//!
//! Invariants
//! - A panic in a connection handler ends that connection only.
//! - On shutdown the accept loop stops at once; handlers see the token
//!   cancelled and say goodbye (`BYE`, `421`, `-ERR`) themselves.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
pub use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
pub use tokio_util::sync::CancellationToken;
pub use tokio_util::task::TaskTracker;

/// How long a TLS handshake may take before the connection is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// A client connection, in clear or in TLS.
pub enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    pub fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }

    /// Upgrades a plain stream after STARTTLS/STLS. The caller must have
    /// discarded every byte the client sent after the command (injection
    /// defence) before calling this.
    pub async fn upgrade(self, acceptor: &TlsAcceptor) -> io::Result<Stream> {
        match self {
            Stream::Plain(tcp) => {
                let tls = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp))
                    .await
                    .map_err(|_| {
                        io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out")
                    })??;
                Ok(Stream::Tls(Box::new(tls)))
            }
            Stream::Tls(_) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TLS already active",
            )),
        }
    }

    /// TLS protocol version and cipher suite, for `Received:` headers and logs.
    pub fn tls_info(&self) -> Option<String> {
        match self {
            Stream::Plain(_) => None,
            Stream::Tls(t) => {
                let (_, conn) = t.get_ref();
                Some(format!(
                    "{:?} {:?}",
                    conn.protocol_version()?,
                    conn.negotiated_cipher_suite()?.suite()
                ))
            }
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// Whether a listener speaks TLS from the first byte (465, 993, 995) or
/// starts in clear (25, 587, 143, 110).
#[derive(Clone)]
pub enum Security {
    Implicit(TlsAcceptor),
    Plain,
}

/// Accepts connections until `shutdown` is cancelled, running `handler` for
/// each in its own task tracked by `tracker`. With implicit TLS the
/// handshake is done before the handler runs.
pub async fn serve<H, F>(
    listener: TcpListener,
    security: Security,
    shutdown: CancellationToken,
    tracker: TaskTracker,
    handler: H,
) where
    H: Fn(Stream, SocketAddr) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    let handler = Arc::new(handler);
    loop {
        let (tcp, peer) = tokio::select! {
            _ = shutdown.cancelled() => return,
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let handler = handler.clone();
        let security = security.clone();
        tracker.spawn(async move {
            let stream = match security {
                Security::Plain => Stream::Plain(tcp),
                Security::Implicit(acceptor) => match Stream::Plain(tcp).upgrade(&acceptor).await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::debug!(%peer, error = %e, "TLS handshake failed");
                        return;
                    }
                },
            };
            // A panic stays inside this connection: the task ends, the
            // process and the other sessions go on.
            if let Err(e) = tokio::spawn(handler(stream, peer)).await {
                if e.is_panic() {
                    tracing::error!(%peer, "connection handler panicked");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests;
