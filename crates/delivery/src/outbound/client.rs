//! One SMTP transaction to one host: the tokio driver of the sans-IO
//! [`ClientSession`] of `vesontio-smtp-proto`, with opportunistic STARTTLS
//! (RFC 3207 §4: when the peer offers it, without certificate checks, since
//! MX hosts are found by unauthenticated DNS anyway; RFC 7435).

use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::ClientConfig as TlsClientConfig;
use vesontio_smtp_proto::client::{
    ClientConfig, ClientEvent, ClientSession, Envelope, Stage, StartTlsPolicy,
};
use vesontio_smtp_proto::server::TlsState;
use vesontio_smtp_proto::{EnhancedCode, Reply};

use super::route::Hop;

/// RFC 5321 §4.5.3.2: at least 5 minutes for most replies, 10 for the end of
/// data; one bound for all keeps it simple.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(600);

/// How to talk to a peer.
#[derive(Clone)]
pub struct ClientOptions {
    /// Our name in EHLO.
    pub hostname: String,
    pub connect_timeout: Duration,
    pub reply_timeout: Duration,
    /// For STARTTLS; `None` never tries it.
    pub tls: Option<Arc<TlsClientConfig>>,
}

/// What one attempt gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The transaction ran: the final reply of each recipient, in envelope
    /// order (its RCPT refusal, or the reply after the data).
    Done { replies: Vec<Reply>, tls: bool },
    /// Nothing was delivered: connection failure, refused greeting, EHLO,
    /// MAIL or DATA. Transient means another host or later.
    Failed { stage: Option<Stage>, reply: Reply },
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf).await,
            Stream::Tls(s) => s.read(buf).await,
        }
    }
    async fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => write_flush(s, buf).await,
            Stream::Tls(s) => write_flush(s.as_mut(), buf).await,
        }
    }
}

async fn write_flush<S: AsyncWrite + AsyncRead + Unpin>(
    s: &mut S,
    buf: &[u8],
) -> std::io::Result<()> {
    s.write_all(buf).await?;
    s.flush().await
}

fn local(code: u16, e: (u8, u16, u16), text: String) -> Reply {
    Reply::new(code, EnhancedCode::new(e.0, e.1, e.2), text)
}

/// Sends `message` to `hop` for `envelope`. When the TLS handshake fails
/// after STARTTLS, tries once more in clear (RFC 7435 opportunistic
/// security: a broken TLS peer is treated as one without TLS).
pub async fn deliver(
    opts: &ClientOptions,
    hop: &Hop,
    envelope: &Envelope,
    message: &[u8],
) -> Attempt {
    let policy = if opts.tls.is_some() {
        StartTlsPolicy::Opportunistic
    } else {
        StartTlsPolicy::Never
    };
    match session(opts, hop, envelope, message, policy).await {
        Err(TlsFailed(reply)) => {
            tracing::info!(host = %hop.name, "STARTTLS handshake failed, retrying in clear: {}", reply.text);
            match session(opts, hop, envelope, message, StartTlsPolicy::Never).await {
                Ok(a) => a,
                Err(TlsFailed(reply)) => Attempt::Failed {
                    stage: Some(Stage::StartTls),
                    reply,
                },
            }
        }
        Ok(a) => a,
    }
}

struct TlsFailed(Reply);

async fn session(
    opts: &ClientOptions,
    hop: &Hop,
    envelope: &Envelope,
    message: &[u8],
    starttls: StartTlsPolicy,
) -> Result<Attempt, TlsFailed> {
    let tcp = match tokio::time::timeout(opts.connect_timeout, TcpStream::connect(&hop.addr)).await
    {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Ok(Attempt::Failed {
                stage: None,
                reply: local(
                    421,
                    (4, 4, 1),
                    format!("Cannot connect to {}: {e}", hop.addr),
                ),
            });
        }
        Err(_) => {
            return Ok(Attempt::Failed {
                stage: None,
                reply: local(
                    421,
                    (4, 4, 1),
                    format!("Connection to {} timed out", hop.addr),
                ),
            });
        }
    };
    let _ = tcp.set_nodelay(true);
    let cfg = ClientConfig {
        hostname: opts.hostname.clone(),
        starttls,
        tls: TlsState::None,
    };
    let mut c = ClientSession::new(cfg, envelope.clone(), message.to_vec());
    let mut stream = Stream::Plain(tcp);
    let mut tls_used = false;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        while let Some(ev) = c.poll_event() {
            match ev {
                ClientEvent::NeedTls => {
                    let out = c.take_output();
                    if !out.is_empty() {
                        let _ = stream.write_all(&out).await;
                    }
                    let Stream::Plain(tcp) = stream else {
                        return Err(TlsFailed(local(421, (4, 7, 0), "STARTTLS twice".into())));
                    };
                    let Some(tls) = opts.tls.clone() else {
                        return Err(TlsFailed(local(
                            421,
                            (4, 7, 0),
                            "no TLS configuration".into(),
                        )));
                    };
                    let name = ServerName::try_from(hop.name.clone()).unwrap_or_else(|_| {
                        ServerName::try_from("localhost").expect("static name")
                    });
                    let hs = TlsConnector::from(tls).connect(name, tcp);
                    match tokio::time::timeout(opts.reply_timeout, hs).await {
                        Ok(Ok(s)) => {
                            stream = Stream::Tls(Box::new(s));
                            tls_used = true;
                            c.tls_established();
                        }
                        Ok(Err(e)) => {
                            return Err(TlsFailed(local(
                                421,
                                (4, 7, 0),
                                format!("TLS handshake: {e}"),
                            )));
                        }
                        Err(_) => {
                            return Err(TlsFailed(local(
                                421,
                                (4, 7, 0),
                                "TLS handshake timed out".into(),
                            )));
                        }
                    }
                }
                ClientEvent::Done(outcome) => {
                    // QUIT is queued; its reply does not matter.
                    let out = c.take_output();
                    let _ = stream.write_all(&out).await;
                    let replies = outcome
                        .final_replies()
                        .into_iter()
                        .map(|(_, r)| r)
                        .collect();
                    return Ok(Attempt::Done {
                        replies,
                        tls: tls_used,
                    });
                }
                ClientEvent::Failed { stage, reply } => {
                    let out = c.take_output();
                    if !out.is_empty() {
                        let _ = stream.write_all(&out).await;
                    }
                    return Ok(Attempt::Failed {
                        stage: Some(stage),
                        reply,
                    });
                }
            }
        }
        let out = c.take_output();
        if !out.is_empty()
            && let Err(e) = stream.write_all(&out).await
        {
            return Ok(Attempt::Failed {
                stage: None,
                reply: local(421, (4, 4, 2), format!("Write to {} failed: {e}", hop.name)),
            });
        }
        match tokio::time::timeout(opts.reply_timeout, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => c.on_eof(),
            Ok(Ok(n)) => c.feed(&buf[..n]),
            Err(_) => c.on_timeout(),
        }
    }
}
