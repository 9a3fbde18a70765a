//! An async client for the ClamAV daemon (R9: every message is scanned).
//!
//! `Clamd::scan` sends the bytes with `zINSTREAM` (clamd.8: the command,
//! then chunks each preceded by its length as 4 bytes in network order, then
//! a zero length) and reads the one-line answer. Connections are kept in a
//! small pool inside an `IDSESSION`, so a scan costs no connect and no
//! clamd thread start; clamd closes idle sessions (`IdleTimeout`, 30 s by
//! default), so a pooled connection that turns out dead is retried once
//! on a fresh one, and connections idle longer than [`ClamdOptions::idle`]
//! are not reused at all.
//!
//! Failure is never clean: unreachable, timeout, a protocol surprise and
//! "size limit exceeded" are each a [`ClamdError`], and the caller's
//! [`OnFailure`]-style policy decides (the config's `antivirus.on_failure`,
//! temporary failure by default).
//!
//! Over its `StreamMaxLength` clamd answers and closes while we are still
//! sending; the answer is read concurrently with the sending, so it is
//! seen even when the write fails with a broken pipe or a reset.

mod reply;

use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Semaphore;

/// The result of a scan that clamd completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    Clean,
    /// clamd's signature name, e.g. `Eicar-Test-Signature`.
    Infected {
        signature: String,
    },
}

/// Why a message was *not* scanned. None of these means clean.
#[derive(Debug, thiserror::Error)]
pub enum ClamdError {
    #[error("clamd unreachable at {endpoint}: {source}")]
    Unreachable {
        endpoint: String,
        #[source]
        source: io::Error,
    },
    #[error("clamd did not answer within {0:?}")]
    Timeout(Duration),
    #[error("unexpected answer from clamd: {0}")]
    Protocol(String),
    /// clamd's own `StreamMaxLength` stopped the scan.
    #[error("clamd's stream size limit was exceeded: the message was not scanned")]
    SizeLimit,
    /// Refused before sending: larger than [`ClamdOptions::max_size`].
    #[error("message of {size} bytes is over the scan limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
}

impl ClamdError {
    /// Whether trying again later may succeed (clamd down or slow), as
    /// opposed to a message clamd will never accept as it is.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ClamdError::Unreachable { .. } | ClamdError::Timeout(_) | ClamdError::Protocol(_)
        )
    }
}

/// Where clamd listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    /// `host:port`, resolved at each connect.
    Tcp(String),
}

impl Endpoint {
    /// A path (anything with a `/`, as clamd.conf's `LocalSocket` is) or
    /// `host:port` (`TCPSocket`/`TCPAddr`). Empty → `None` (disabled).
    pub fn parse(s: &str) -> Option<Endpoint> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if s.contains('/') {
            return Some(Endpoint::Unix(PathBuf::from(s)));
        }
        let (host, port) = s.rsplit_once(':')?;
        if host.is_empty() || port.parse::<u16>().is_err() {
            return None;
        }
        Some(Endpoint::Tcp(s.to_string()))
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "{}", p.display()),
            Endpoint::Tcp(a) => f.write_str(a),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClamdOptions {
    pub endpoint: Endpoint,
    /// For the whole scan: connect, send, answer.
    pub timeout: Duration,
    /// Messages larger than this are refused before sending
    /// ([`ClamdError::TooLarge`]); set it to the message size limit, and
    /// clamd.conf's `StreamMaxLength` at least as large.
    pub max_size: usize,
    /// Scans at the same time, and connections kept (clamd's `MaxThreads`
    /// is 10 by default; stay at or under it).
    pub pool: usize,
    /// A pooled connection idle longer than this is closed, not reused
    /// (under clamd's `IdleTimeout`).
    pub idle: Duration,
}

impl ClamdOptions {
    pub fn new(endpoint: Endpoint) -> Self {
        ClamdOptions {
            endpoint,
            timeout: Duration::from_secs(30),
            max_size: 25 * 1024 * 1024,
            pool: 8,
            idle: Duration::from_secs(10),
        }
    }
}

/// Bytes per INSTREAM chunk (clamd reads chunks into its own buffer; 64 KB
/// keeps syscalls few without large copies).
const CHUNK: usize = 64 * 1024;
const INSTREAM: &[u8] = b"zINSTREAM\0";

type ReadHalf = Pin<Box<dyn AsyncRead + Send>>;
type Reader = BufReader<ReadHalf>;
type Writer = Pin<Box<dyn AsyncWrite + Send>>;

struct Conn {
    reader: Reader,
    writer: Writer,
    last_used: Instant,
}

/// A clamd client; cheap to share behind an `Arc`.
pub struct Clamd {
    opts: ClamdOptions,
    idle: Mutex<Vec<Conn>>,
    slots: Semaphore,
}

impl std::fmt::Debug for Clamd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Clamd")
            .field("endpoint", &self.opts.endpoint)
            .finish()
    }
}

impl Clamd {
    pub fn new(opts: ClamdOptions) -> Self {
        let slots = Semaphore::new(opts.pool.max(1));
        Clamd {
            opts,
            idle: Mutex::new(Vec::new()),
            slots,
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.opts.endpoint
    }

    /// Scans one message. `Ok` only when clamd completed the scan.
    pub async fn scan(&self, data: &[u8]) -> Result<Scan, ClamdError> {
        if data.len() > self.opts.max_size {
            return Err(ClamdError::TooLarge {
                size: data.len(),
                limit: self.opts.max_size,
            });
        }
        let timeout = self.opts.timeout;
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|_| ClamdError::Protocol("client closed".into()))?;
        tokio::time::timeout(timeout, self.scan_inner(data))
            .await
            .map_err(|_| ClamdError::Timeout(timeout))?
    }

    /// `zPING` on a fresh connection: whether clamd answers `PONG`.
    pub async fn ping(&self) -> Result<(), ClamdError> {
        let timeout = self.opts.timeout;
        let run = async {
            let mut conn = self.connect_raw().await?;
            conn.writer
                .write_all(b"zPING\0")
                .await
                .map_err(|e| self.unreachable(e))?;
            conn.writer.flush().await.map_err(|e| self.unreachable(e))?;
            let mut buf = Vec::new();
            conn.reader
                .read_until(0, &mut buf)
                .await
                .map_err(|e| self.unreachable(e))?;
            if buf.starts_with(b"PONG") {
                Ok(())
            } else {
                Err(ClamdError::Protocol(
                    String::from_utf8_lossy(&buf).into_owned(),
                ))
            }
        };
        tokio::time::timeout(timeout, run)
            .await
            .map_err(|_| ClamdError::Timeout(timeout))?
    }

    async fn scan_inner(&self, data: &[u8]) -> Result<Scan, ClamdError> {
        // A pooled connection may have been closed by clamd meanwhile
        // (IdleTimeout, restart): then one retry on a fresh connection.
        if let Some(mut conn) = self.take_idle() {
            match exchange(&mut conn, data).await {
                Ok(Exchange { answer, complete }) => return self.finish(conn, &answer, complete),
                Err(_dead) => {}
            }
        }
        let mut conn = self.connect().await?;
        match exchange(&mut conn, data).await {
            Ok(Exchange { answer, complete }) => self.finish(conn, &answer, complete),
            Err(e) => Err(self.unreachable(e)),
        }
    }

    fn finish(&self, mut conn: Conn, answer: &[u8], complete: bool) -> Result<Scan, ClamdError> {
        let result = reply::parse(answer);
        // Only a connection that took the whole stream and gave a normal
        // answer is still in step with clamd; any other is dropped.
        if complete && result.is_ok() {
            conn.last_used = Instant::now();
            if let Ok(mut idle) = self.idle.lock()
                && idle.len() < self.opts.pool.max(1)
            {
                idle.push(conn);
            }
        }
        result
    }

    fn take_idle(&self) -> Option<Conn> {
        let mut idle = self.idle.lock().ok()?;
        while let Some(conn) = idle.pop() {
            if conn.last_used.elapsed() < self.opts.idle {
                return Some(conn);
            }
        }
        None
    }

    fn unreachable(&self, source: io::Error) -> ClamdError {
        ClamdError::Unreachable {
            endpoint: self.opts.endpoint.to_string(),
            source,
        }
    }

    /// A new connection inside an IDSESSION.
    async fn connect(&self) -> Result<Conn, ClamdError> {
        let mut conn = self.connect_raw().await?;
        conn.writer
            .write_all(b"zIDSESSION\0")
            .await
            .map_err(|e| self.unreachable(e))?;
        Ok(conn)
    }

    async fn connect_raw(&self) -> Result<Conn, ClamdError> {
        let (r, w): (ReadHalf, Writer) = match &self.opts.endpoint {
            Endpoint::Unix(path) => {
                let s = tokio::net::UnixStream::connect(path)
                    .await
                    .map_err(|e| self.unreachable(e))?;
                let (r, w) = s.into_split();
                (Box::pin(r), Box::pin(w))
            }
            Endpoint::Tcp(addr) => {
                let s = tokio::net::TcpStream::connect(addr.as_str())
                    .await
                    .map_err(|e| self.unreachable(e))?;
                let _ = s.set_nodelay(true);
                let (r, w) = s.into_split();
                (Box::pin(r), Box::pin(w))
            }
        };
        Ok(Conn {
            reader: BufReader::new(r),
            writer: w,
            last_used: Instant::now(),
        })
    }
}

struct Exchange {
    answer: Vec<u8>,
    /// The whole stream was sent before the answer came.
    complete: bool,
}

/// One INSTREAM on `conn`. The answer is read while sending: clamd may
/// answer (size limit) and close before the stream ends, and a write error
/// then must not hide the answer. `Err` only when no answer came at all.
async fn exchange(conn: &mut Conn, data: &[u8]) -> io::Result<Exchange> {
    let Conn { reader, writer, .. } = conn;
    let send = async {
        // One write per chunk: the command, the chunk's length and bytes
        // (and after the last, the zero length) go out together, so a
        // message under CHUNK is one write, not four.
        let mut frame = Vec::with_capacity(INSTREAM.len() + 8 + data.len().min(CHUNK));
        frame.extend_from_slice(INSTREAM);
        for chunk in data.chunks(CHUNK) {
            let len = u32::try_from(chunk.len()).unwrap_or(u32::MAX);
            frame.extend_from_slice(&len.to_be_bytes());
            frame.extend_from_slice(chunk);
            if frame.len() >= CHUNK {
                writer.write_all(&frame).await?;
                frame.clear();
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        writer.write_all(&frame).await?;
        writer.flush().await
    };
    let read = async {
        let mut buf = Vec::new();
        reader.read_until(0, &mut buf).await?;
        Ok::<_, io::Error>(buf)
    };
    tokio::pin!(send, read);
    let mut sent: Option<io::Result<()>> = None;
    loop {
        tokio::select! {
            answer = &mut read => {
                let answer = match answer {
                    Ok(a) if !a.is_empty() => a,
                    Ok(_) => {
                        return Err(sent.and_then(Result::err).unwrap_or_else(|| {
                            io::Error::new(io::ErrorKind::UnexpectedEof, "clamd closed without answering")
                        }))
                    }
                    Err(e) => return Err(e),
                };
                let complete = matches!(sent, Some(Ok(())));
                return Ok(Exchange { answer, complete });
            }
            result = &mut send, if sent.is_none() => {
                sent = Some(result);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        assert_eq!(
            Endpoint::parse("/run/clamav/clamd.ctl"),
            Some(Endpoint::Unix("/run/clamav/clamd.ctl".into()))
        );
        assert_eq!(
            Endpoint::parse("127.0.0.1:3310"),
            Some(Endpoint::Tcp("127.0.0.1:3310".into()))
        );
        assert_eq!(
            Endpoint::parse("[::1]:3310"),
            Some(Endpoint::Tcp("[::1]:3310".into()))
        );
        assert_eq!(Endpoint::parse(""), None);
        assert_eq!(Endpoint::parse("clamd"), None);
        assert_eq!(Endpoint::parse("host:port"), None);
        assert_eq!(Endpoint::parse(":3310"), None);
    }

    #[tokio::test]
    async fn too_large_is_refused_before_sending() {
        let mut opts = ClamdOptions::new(Endpoint::Unix("/nonexistent/clamd.sock".into()));
        opts.max_size = 10;
        let c = Clamd::new(opts);
        assert!(matches!(
            c.scan(&[0; 11]).await,
            Err(ClamdError::TooLarge {
                size: 11,
                limit: 10
            })
        ));
        assert!(matches!(
            c.scan(b"hello").await,
            Err(ClamdError::Unreachable { .. })
        ));
    }
}
