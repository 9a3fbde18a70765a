//! The SMTP load (RFC 5321): N messages of about S bytes over C concurrent
//! sessions, timed until the server acknowledged the last one, and
//! optionally until all of them are in mailboxes (durably delivered), by
//! polling a count.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use base64::Engine;
use tokio::sync::Mutex;

use crate::corpus;
use crate::imap::Counter;
use crate::net::{Conn, Target};
use crate::stats::{Percentiles, rate, report_errors};

pub struct Load {
    pub target: Target,
    /// `(user, password)` for AUTH PLAIN (RFC 4954) on submission.
    pub auth: Option<(String, String)>,
    pub from: String,
    /// Recipient of message i: `recipients[i % len]`, so that N = users × M
    /// gives every mailbox exactly M messages.
    pub recipients: Vec<String>,
    pub messages: u64,
    pub size: usize,
    pub sessions: usize,
    pub per_session: u64,
    pub seed: u64,
}

/// How delivered messages are counted, for the end-to-end figure.
pub enum Delivered {
    /// Not measured.
    No,
    /// A shell command printing a number (a count in the store or on disk).
    Command(String),
    /// IMAP STATUS over connections logged in before the run.
    Imap(Box<Counter>),
}

impl Delivered {
    async fn count(&mut self) -> Result<u64> {
        match self {
            Delivered::No => Ok(0),
            Delivered::Command(cmd) => {
                let cmd = cmd.clone();
                let out = tokio::task::spawn_blocking(move || {
                    std::process::Command::new("sh").args(["-c", &cmd]).output()
                })
                .await?
                .context("count command")?;
                let text = String::from_utf8_lossy(&out.stdout);
                text.trim()
                    .parse()
                    .with_context(|| format!("count command printed {text:?}"))
            }
            Delivered::Imap(c) => c.total().await,
        }
    }
}

struct Smtp {
    conn: Conn,
}

impl Smtp {
    /// One reply, multi-line or not (RFC 5321 §4.2.1): its code and last line.
    async fn reply(&mut self) -> Result<(u16, String)> {
        loop {
            let line = self.conn.line().await?;
            let text = String::from_utf8_lossy(&line).trim_end().to_string();
            let code = text
                .get(..3)
                .and_then(|c| c.parse().ok())
                .context("reply without code")?;
            if text.as_bytes().get(3) != Some(&b'-') {
                return Ok((code, text));
            }
        }
    }

    async fn expect(&mut self, command: &[u8], want: u16) -> Result<()> {
        self.conn.send(command).await?;
        let (code, text) = self.reply().await?;
        if code != want {
            let verb = String::from_utf8_lossy(command);
            let verb = verb.split([' ', ':', '\r']).next().unwrap_or("");
            bail!("{verb}: {text}");
        }
        Ok(())
    }

    async fn open(load: &Load) -> Result<Smtp> {
        let t = &load.target;
        let mut s = Smtp {
            conn: Conn::open(t).await?,
        };
        let (code, text) = s.reply().await?;
        if code != 220 {
            bail!("greeting: {text}");
        }
        s.expect(b"EHLO bench.vesontio.test\r\n", 250).await?;
        if t.tls.is_some() && !t.implicit {
            s.expect(b"STARTTLS\r\n", 220).await?;
            s.conn = s.conn.tls(t).await?;
            s.expect(b"EHLO bench.vesontio.test\r\n", 250).await?;
        }
        if let Some((user, password)) = &load.auth {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
            s.expect(format!("AUTH PLAIN {token}\r\n").as_bytes(), 235)
                .await
                .context("AUTH")?;
        }
        Ok(s)
    }

    async fn send(&mut self, from: &str, to: &str, data: &[u8]) -> Result<()> {
        self.expect(format!("MAIL FROM:<{from}>\r\n").as_bytes(), 250)
            .await?;
        self.expect(format!("RCPT TO:<{to}>\r\n").as_bytes(), 250)
            .await?;
        self.expect(b"DATA\r\n", 354).await?;
        self.expect(data, 250).await
    }
}

struct Shared {
    next: AtomicU64,
    accepted: AtomicU64,
    latencies: Mutex<Vec<Duration>>,
    errors: Mutex<Vec<String>>,
}

async fn worker(load: Arc<Load>, shared: Arc<Shared>) {
    loop {
        if shared.next.load(Ordering::Relaxed) >= load.messages {
            return;
        }
        let mut session = match Smtp::open(&load).await {
            Ok(s) => s,
            Err(e) => {
                // The session's messages are not taken: another try, unless
                // the server refuses every session (then stop this worker).
                shared.errors.lock().await.push(format!("{e:#}"));
                if shared.errors.lock().await.len() > 100 {
                    return;
                }
                continue;
            }
        };
        let mut lat = Vec::new();
        for _ in 0..load.per_session {
            let i = shared.next.fetch_add(1, Ordering::Relaxed);
            if i >= load.messages {
                break;
            }
            let to = &load.recipients[(i % load.recipients.len() as u64) as usize];
            let data = corpus::dot_stuffed(&corpus::sized(load.seed, i, &load.from, to, load.size));
            let t0 = Instant::now();
            match session.send(&load.from, to, &data).await {
                Ok(()) => {
                    lat.push(t0.elapsed());
                    shared.accepted.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    shared
                        .errors
                        .lock()
                        .await
                        .push(format!("message {i}: {e:#}"));
                    break;
                }
            }
        }
        let _ = session.expect(b"QUIT\r\n", 221).await;
        shared.latencies.lock().await.extend(lat);
    }
}

pub async fn run(load: Load, mut delivered: Delivered, wait: Duration) -> Result<()> {
    let load = Arc::new(load);
    let base = delivered.count().await?;
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        accepted: AtomicU64::new(0),
        latencies: Mutex::new(Vec::new()),
        errors: Mutex::new(Vec::new()),
    });
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..load.sessions.max(1))
        .map(|_| tokio::spawn(worker(load.clone(), shared.clone())))
        .collect();
    for t in tasks {
        t.await?;
    }
    let sent = t0.elapsed();
    let accepted = shared.accepted.load(Ordering::Relaxed);
    println!(
        "smtp accepted: {accepted}/{} in {:.2} s = {:.1} msg/s",
        load.messages,
        sent.as_secs_f64(),
        rate(accepted, sent)
    );
    if let Some(p) = Percentiles::of(&shared.latencies.lock().await) {
        println!("smtp latency MAIL to 250 after DATA: {}", p.line());
    }
    report_errors("smtp", &shared.errors.lock().await);
    if !matches!(delivered, Delivered::No) {
        let target = base + accepted;
        loop {
            let poll = Instant::now();
            let now = delivered.count().await?;
            if now >= target {
                // Delivery ended at most one count before: say how long one took.
                let el = t0.elapsed();
                println!(
                    "smtp delivered: {accepted} in {:.2} s = {:.1} msg/s (one count: {:.0} ms)",
                    el.as_secs_f64(),
                    rate(accepted, el),
                    crate::stats::ms(poll.elapsed())
                );
                break;
            }
            if t0.elapsed() > wait {
                bail!(
                    "only {} of {accepted} delivered after {:?}",
                    now.saturating_sub(base),
                    wait
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    if accepted < load.messages {
        bail!("{} messages were not accepted", load.messages - accepted);
    }
    Ok(())
}
