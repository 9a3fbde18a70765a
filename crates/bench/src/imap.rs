//! The IMAP client side (RFC 9051) the benchmarks need, and the IMAP
//! measures: SEARCH latency, the steps of opening a mailbox page, filling a
//! mailbox with APPEND, and counting messages for the SMTP measure.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::corpus;
use crate::net::{Conn, Target};
use crate::stats::{Percentiles, ms};

/// One response: the untagged lines (literals inlined) and the tagged
/// status line.
pub struct Response {
    pub untagged: Vec<Vec<u8>>,
    pub status: Vec<u8>,
}

pub struct Imap {
    conn: Conn,
    tag: u32,
}

/// RFC 9051 §4.3: a quoted string.
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The size of the literal announced at the end of `line` (`{12}` or
/// `{12+}` before CRLF), if any.
pub fn literal_size(line: &[u8]) -> Option<usize> {
    let line = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))?;
    let line = line.strip_suffix(b"}")?;
    let open = line.iter().rposition(|&b| b == b'{')?;
    let n = std::str::from_utf8(&line[open + 1..]).ok()?;
    n.trim_end_matches('+').parse().ok()
}

impl Imap {
    /// Connects and reads the greeting; with a STARTTLS port and TLS
    /// configured, upgrades first (RFC 9051 §6.2.1).
    pub async fn connect(t: &Target) -> Result<Imap> {
        let conn = Conn::open(t).await?;
        let mut imap = Imap { conn, tag: 0 };
        let greeting = imap.conn.line().await?;
        if !greeting.starts_with(b"* OK") && !greeting.starts_with(b"* PREAUTH") {
            bail!(
                "greeting: {}",
                String::from_utf8_lossy(&greeting).trim_end()
            );
        }
        if t.tls.is_some() && !t.implicit {
            imap.ok("STARTTLS").await?;
            imap.conn = imap.conn.tls(t).await?;
        }
        Ok(imap)
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Result<()> {
        self.ok(&format!("LOGIN {} {}", quoted(user), quoted(password)))
            .await
            .map(|_| ())
            .with_context(|| format!("LOGIN {user}"))
    }

    /// One line of a response, with any literal it announces inlined.
    async fn response_line(&mut self) -> Result<Vec<u8>> {
        let mut line = self.conn.line().await?;
        while let Some(n) = literal_size(&line) {
            line.extend(self.conn.exact(n).await?);
            line.extend(self.conn.line().await?);
        }
        Ok(line)
    }

    /// Sends `command` and reads up to its tagged response.
    pub async fn command(&mut self, command: &str) -> Result<Response> {
        self.tag += 1;
        let tag = format!("b{}", self.tag);
        self.conn
            .send(format!("{tag} {command}\r\n").as_bytes())
            .await?;
        self.read_until(&tag).await
    }

    async fn read_until(&mut self, tag: &str) -> Result<Response> {
        let mut untagged = Vec::new();
        loop {
            let line = self.response_line().await?;
            if line.starts_with(tag.as_bytes()) && line.get(tag.len()) == Some(&b' ') {
                return Ok(Response {
                    untagged,
                    status: line[tag.len() + 1..].to_vec(),
                });
            }
            untagged.push(line);
        }
    }

    /// Like [`Imap::command`], and the status must be OK.
    pub async fn ok(&mut self, command: &str) -> Result<Response> {
        let r = self.command(command).await?;
        if !r.status.starts_with(b"OK") {
            let verb = command.split(' ').next().unwrap_or(command);
            bail!("{verb}: {}", String::from_utf8_lossy(&r.status).trim_end());
        }
        Ok(r)
    }

    pub async fn capabilities(&mut self) -> Result<Vec<String>> {
        let r = self.ok("CAPABILITY").await?;
        Ok(r.untagged
            .iter()
            .filter_map(|l| l.strip_prefix(b"* CAPABILITY "))
            .flat_map(|l| {
                String::from_utf8_lossy(l)
                    .split_whitespace()
                    .map(str::to_uppercase)
                    .collect::<Vec<_>>()
            })
            .collect())
    }

    /// Starts IDLE (RFC 2177) and waits for the continuation.
    pub async fn idle(&mut self) -> Result<()> {
        self.tag += 1;
        self.conn
            .send(format!("b{} IDLE\r\n", self.tag).as_bytes())
            .await?;
        loop {
            let line = self.response_line().await?;
            if line.starts_with(b"+") {
                return Ok(());
            }
            if line.starts_with(format!("b{} ", self.tag).as_bytes()) {
                bail!("IDLE: {}", String::from_utf8_lossy(&line).trim_end());
            }
        }
    }

    /// Ends IDLE and logs out.
    pub async fn done_and_logout(&mut self) -> Result<()> {
        self.conn.send(b"DONE\r\n").await?;
        let tag = format!("b{}", self.tag);
        self.read_until(&tag).await?;
        self.command("LOGOUT").await.map(|_| ())
    }

    /// APPENDs `messages` to `mailbox`, `window` at a time in flight with
    /// LITERAL+ (RFC 7888) when the server offers it, else one by one
    /// waiting for each continuation.
    pub async fn append_all(
        &mut self,
        mailbox: &str,
        messages: &[Vec<u8>],
        window: usize,
    ) -> Result<()> {
        let plus = self.capabilities().await?.iter().any(|c| c == "LITERAL+");
        let mbox = quoted(mailbox);
        if !plus {
            for m in messages {
                self.tag += 1;
                let tag = format!("b{}", self.tag);
                self.conn
                    .send(format!("{tag} APPEND {mbox} {{{}}}\r\n", m.len()).as_bytes())
                    .await?;
                let cont = self.conn.line().await?;
                if !cont.starts_with(b"+") {
                    bail!("APPEND: {}", String::from_utf8_lossy(&cont).trim_end());
                }
                self.conn.send(m).await?;
                self.conn.send(b"\r\n").await?;
                let r = self.read_until(&tag).await?;
                if !r.status.starts_with(b"OK") {
                    bail!("APPEND: {}", String::from_utf8_lossy(&r.status).trim_end());
                }
            }
            return Ok(());
        }
        for batch in messages.chunks(window.max(1)) {
            let mut tags = Vec::new();
            let mut out = Vec::new();
            for m in batch {
                self.tag += 1;
                let tag = format!("b{}", self.tag);
                out.extend(format!("{tag} APPEND {mbox} {{{}+}}\r\n", m.len()).as_bytes());
                out.extend(m);
                out.extend(b"\r\n");
                tags.push(tag);
            }
            self.conn.send(&out).await?;
            for tag in tags {
                let r = self.read_until(&tag).await?;
                if !r.status.starts_with(b"OK") {
                    bail!("APPEND: {}", String::from_utf8_lossy(&r.status).trim_end());
                }
            }
        }
        Ok(())
    }
}

/// The numbers of `* SEARCH …` lines.
pub fn search_hits(r: &Response) -> Vec<u64> {
    r.untagged
        .iter()
        .filter_map(|l| l.strip_prefix(b"* SEARCH"))
        .flat_map(|l| {
            String::from_utf8_lossy(l)
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect::<Vec<u64>>()
        })
        .collect()
}

/// `imap-search`: each query `reps` times on one selected connection.
pub async fn search(
    t: &Target,
    user: &str,
    password: &str,
    mailbox: &str,
    queries: &[String],
    reps: usize,
) -> Result<()> {
    let mut imap = Imap::connect(t).await?;
    imap.login(user, password).await?;
    let t0 = Instant::now();
    let sel = imap.ok(&format!("SELECT {}", quoted(mailbox))).await?;
    let exists = sel
        .untagged
        .iter()
        .find_map(|l| {
            let s = String::from_utf8_lossy(l);
            s.strip_suffix(" EXISTS\r\n")?
                .strip_prefix("* ")?
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(0);
    println!(
        "imap-search select: {:.1} ms, {exists} messages in {mailbox}",
        ms(t0.elapsed())
    );
    for q in queries {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..reps.max(1) {
            let t0 = Instant::now();
            let r = imap.ok(&format!("UID SEARCH {q}")).await?;
            times.push(t0.elapsed());
            hits = search_hits(&r).len();
        }
        let p = Percentiles::of(&times).context("no samples")?;
        println!("imap-search {q}: hits {hits}, {}", p.line());
    }
    imap.command("LOGOUT").await?;
    Ok(())
}

/// `imap-page`: what a client does to show the newest page of a mailbox,
/// step by step, `reps` times on fresh connections.
pub async fn page(
    t: &Target,
    user: &str,
    password: &str,
    mailbox: &str,
    page: usize,
    reps: usize,
) -> Result<()> {
    let steps = [
        "connect",
        "login",
        "select",
        "uid search all",
        "fetch envelopes",
    ];
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); steps.len() + 1];
    let mut fetched = 0;
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        let mut lap = Instant::now();
        let mut mark = |i: usize, times: &mut Vec<Vec<Duration>>| {
            times[i].push(lap.elapsed());
            lap = Instant::now();
        };
        let mut imap = Imap::connect(t).await?;
        mark(0, &mut times);
        imap.login(user, password).await?;
        mark(1, &mut times);
        imap.ok(&format!("SELECT {}", quoted(mailbox))).await?;
        mark(2, &mut times);
        let uids = search_hits(&imap.ok("UID SEARCH ALL").await?);
        mark(3, &mut times);
        let newest: Vec<String> = uids.iter().rev().take(page).map(u64::to_string).collect();
        if !newest.is_empty() {
            let r = imap
                .ok(&format!(
                    "UID FETCH {} (UID FLAGS RFC822.SIZE ENVELOPE)",
                    newest.join(",")
                ))
                .await?;
            fetched = r
                .untagged
                .iter()
                .filter(|l| l.windows(7).any(|w| w == b" FETCH "))
                .count();
        }
        mark(4, &mut times);
        times[5].push(start.elapsed());
        imap.command("LOGOUT").await?;
    }
    for (i, name) in steps.iter().chain(["total"].iter()).enumerate() {
        let p = Percentiles::of(&times[i]).context("no samples")?;
        println!("imap-page {name}: {}", p.line());
    }
    println!("imap-page envelopes fetched: {fetched}");
    Ok(())
}

/// Messages in the INBOX of every account, over connections logged in
/// once (so that logins, which may be slow on purpose, are not timed).
pub struct Counter {
    sessions: Vec<Imap>,
}

impl Counter {
    pub async fn open(t: &Target, users: &[String], password: &str) -> Result<Counter> {
        let mut sessions = Vec::new();
        for u in users {
            let mut imap = Imap::connect(t).await?;
            imap.login(u, password).await?;
            sessions.push(imap);
        }
        Ok(Counter { sessions })
    }

    pub async fn total(&mut self) -> Result<u64> {
        let mut n = 0;
        for s in &mut self.sessions {
            let r = s.ok("STATUS INBOX (MESSAGES)").await?;
            for l in &r.untagged {
                let l = String::from_utf8_lossy(l);
                if let Some(rest) = l.split("MESSAGES ").nth(1) {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    n += digits.parse::<u64>().unwrap_or(0);
                }
            }
        }
        Ok(n)
    }
}

/// `generate append`: `count` generated messages into `mailbox`.
pub async fn fill(
    t: &Target,
    user: &str,
    password: &str,
    mailbox: &str,
    count: u64,
    avg_size: usize,
    seed: u64,
) -> Result<()> {
    let mut imap = Imap::connect(t).await?;
    imap.login(user, password).await?;
    let t0 = Instant::now();
    let mut bytes = 0;
    let mut i = 0;
    while i < count {
        let end = (i + 200).min(count);
        let batch: Vec<Vec<u8>> = (i..end)
            .map(|n| corpus::message(seed, n, user, avg_size))
            .collect();
        bytes += batch.iter().map(Vec::len).sum::<usize>();
        imap.append_all(mailbox, &batch, 16).await?;
        i = end;
    }
    let el = t0.elapsed();
    println!(
        "append: {count} messages, {:.1} MB, in {:.2} s = {:.1} msg/s",
        bytes as f64 / 1e6,
        el.as_secs_f64(),
        crate::stats::rate(count, el)
    );
    imap.command("LOGOUT").await?;
    Ok(())
}
