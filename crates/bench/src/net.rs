//! One client connection: TCP, optionally TLS from the first byte or after
//! STARTTLS/STLS, read line by line through a buffer.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;

/// Longest line accepted from a server; a longer one is an error, not
/// unbounded memory.
const MAX_LINE: usize = 1 << 20;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// Where to connect and how.
#[derive(Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// TLS client configuration, when the port speaks TLS (at once or after
    /// STARTTLS).
    pub tls: Option<Arc<ClientConfig>>,
    /// TLS from the first byte (RFC 8314) rather than after STARTTLS.
    pub implicit: bool,
    pub timeout: Duration,
}

impl Target {
    pub fn addr(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// The TLS client configuration: trusting the server certificate in
/// `cafile` (a self-signed one, as `vesontio demo` and the reference
/// write), or with `insecure`, any certificate.
pub fn tls_config(cafile: Option<&str>, insecure: bool) -> Result<Arc<ClientConfig>> {
    match cafile {
        Some(path) => {
            let pem = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            Ok(vesontio_tls::client_config_trusting(&pem)?)
        }
        None if insecure => Ok(vesontio_tls::dangerous_client_config_no_verify()?),
        None => bail!("TLS needs --cafile CERT (the server's certificate) or --insecure"),
    }
}

pub struct Conn {
    io: BufReader<Box<dyn Io>>,
    timeout: Duration,
}

impl Conn {
    /// Connects, with the TLS handshake when the port is implicit TLS.
    pub async fn open(t: &Target) -> Result<Conn> {
        let tcp = tokio::time::timeout(t.timeout, TcpStream::connect(t.addr()))
            .await
            .with_context(|| format!("connect to {}: timeout", t.addr()))?
            .with_context(|| format!("connect to {}", t.addr()))?;
        tcp.set_nodelay(true)?;
        let conn = Conn {
            io: BufReader::new(Box::new(tcp)),
            timeout: t.timeout,
        };
        if t.implicit {
            conn.tls(t).await
        } else {
            Ok(conn)
        }
    }

    /// The TLS handshake on this connection (implicit TLS, or after the
    /// server accepted STARTTLS/STLS).
    pub async fn tls(self, t: &Target) -> Result<Conn> {
        let config = t.tls.clone().context("no TLS configuration")?;
        let name = ServerName::try_from(t.host.clone()).context("server name")?;
        if !self.io.buffer().is_empty() {
            // RFC 3207 §4.2: nothing may be pipelined across STARTTLS.
            bail!("server sent data before the TLS handshake");
        }
        let inner = self.io.into_inner();
        let tls = tokio::time::timeout(t.timeout, TlsConnector::from(config).connect(name, inner))
            .await
            .context("TLS handshake: timeout")?
            .context("TLS handshake")?;
        Ok(Conn {
            io: BufReader::new(Box::new(tls)),
            timeout: t.timeout,
        })
    }

    pub async fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let io = self.io.get_mut();
        tokio::time::timeout(self.timeout, async {
            io.write_all(bytes).await?;
            io.flush().await
        })
        .await
        .context("write: timeout")?
        .context("write")
    }

    /// One line, CRLF included. End of stream is an error.
    pub async fn line(&mut self) -> Result<Vec<u8>> {
        let mut line = Vec::new();
        let io = &mut self.io;
        let n = tokio::time::timeout(self.timeout, async {
            (&mut *io)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)
                .await
        })
        .await
        .context("read: timeout")?
        .context("read")?;
        if n == 0 {
            bail!("connection closed by the server");
        }
        if !line.ends_with(b"\n") {
            bail!("line over {MAX_LINE} bytes, or cut by the server");
        }
        Ok(line)
    }

    /// Exactly `n` bytes (an IMAP literal).
    pub async fn exact(&mut self, n: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0; n];
        tokio::time::timeout(self.timeout, self.io.read_exact(&mut buf))
            .await
            .context("read: timeout")?
            .context("read literal")?;
        Ok(buf)
    }
}

/// Expands a printf-like user pattern with one `%d`, `%04d`… (`u%04d@ac-test.fr`).
pub fn expand(pattern: &str, n: u32) -> String {
    let Some(i) = pattern.find('%') else {
        return pattern.to_string();
    };
    let rest = &pattern[i + 1..];
    let Some(d) = rest.find('d') else {
        return pattern.to_string();
    };
    let spec = &rest[..d];
    let width: usize = spec.trim_start_matches('0').parse().unwrap_or(0);
    let number = if spec.starts_with('0') {
        format!("{n:0width$}")
    } else {
        format!("{n:width$}")
    };
    format!("{}{number}{}", &pattern[..i], &rest[d + 1..])
}
