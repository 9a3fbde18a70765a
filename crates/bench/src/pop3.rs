//! POP3 retrieval (RFC 1939): C concurrent clients each log in to their
//! share of the mailboxes and retrieve every message (STAT, UIDL, RETR of
//! each, no DELE), then QUIT. Timed from the first connection to the last
//! QUIT; retrieved sizes are checked against STAT.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use tokio::sync::Mutex;

use crate::net::{Conn, Target};
use crate::stats::{rate, report_errors};

struct Pop3 {
    conn: Conn,
}

impl Pop3 {
    async fn status(&mut self) -> Result<String> {
        let line = self.conn.line().await?;
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        if !text.starts_with("+OK") {
            bail!("{text}");
        }
        Ok(text)
    }

    async fn command(&mut self, command: &str) -> Result<String> {
        self.conn.send(format!("{command}\r\n").as_bytes()).await?;
        let verb = command.split(' ').next().unwrap_or("");
        self.status().await.with_context(|| verb.to_string())
    }

    /// The body of a multi-line response, dot-unstuffed (RFC 1939 §3),
    /// as (bytes, lines).
    async fn multiline(&mut self) -> Result<(u64, u64)> {
        let (mut bytes, mut lines) = (0, 0);
        loop {
            let line = self.conn.line().await?;
            if line == b".\r\n" {
                return Ok((bytes, lines));
            }
            let unstuffed = if line.starts_with(b"..") {
                &line[1..]
            } else {
                &line[..]
            };
            bytes += unstuffed.len() as u64;
            lines += 1;
        }
    }
}

#[derive(Default)]
struct Totals {
    messages: u64,
    bytes: u64,
    mismatches: u64,
    errors: Vec<String>,
}

async fn mailbox(t: &Target, user: &str, password: &str) -> Result<(u64, u64, bool)> {
    let mut p = Pop3 {
        conn: Conn::open(t).await?,
    };
    p.status().await.context("greeting")?;
    if t.tls.is_some() && !t.implicit {
        p.command("STLS").await?;
        p.conn = p.conn.tls(t).await?;
    }
    p.command(&format!("USER {user}")).await?;
    p.command(&format!("PASS {password}")).await?;
    let stat = p.command("STAT").await?;
    let mut f = stat.split_whitespace().skip(1).map(|n| n.parse::<u64>());
    let (count, octets) = match (f.next(), f.next()) {
        (Some(Ok(c)), Some(Ok(o))) => (c, o),
        _ => bail!("STAT: {stat}"),
    };
    p.command("UIDL").await?;
    let (_, uids) = p.multiline().await?;
    let mut bytes = 0;
    for n in 1..=count {
        p.command(&format!("RETR {n}")).await?;
        bytes += p.multiline().await?.0;
    }
    p.command("QUIT").await?;
    // RFC 1939 §5: STAT's octets are the messages' exact sizes.
    Ok((count, bytes, bytes == octets && uids == count))
}

pub async fn run(t: Target, users: Vec<String>, password: String, clients: usize) -> Result<()> {
    let totals = Arc::new(Mutex::new(Totals::default()));
    let users = Arc::new(users);
    let clients = clients.max(1);
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|c| {
            let (t, users, password, totals) =
                (t.clone(), users.clone(), password.clone(), totals.clone());
            tokio::spawn(async move {
                // Client c takes mailboxes c, c + C, …; with more clients
                // than mailboxes, several clients read the same one.
                let mine: Vec<&String> = if clients > users.len() {
                    vec![&users[c % users.len()]]
                } else {
                    users.iter().skip(c).step_by(clients).collect()
                };
                for u in mine {
                    let r = mailbox(&t, u, &password).await;
                    let mut tot = totals.lock().await;
                    match r {
                        Ok((n, bytes, exact)) => {
                            tot.messages += n;
                            tot.bytes += bytes;
                            tot.mismatches += u64::from(!exact);
                        }
                        Err(e) => tot.errors.push(format!("{u}: {e:#}")),
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let el = t0.elapsed();
    let tot = totals.lock().await;
    println!(
        "pop3 retrieved: {} messages, {:.1} MB, in {:.2} s = {:.1} msg/s, {:.1} MB/s",
        tot.messages,
        tot.bytes as f64 / 1e6,
        el.as_secs_f64(),
        rate(tot.messages, el),
        rate(tot.bytes, el) / 1e6
    );
    println!("pop3 size or UIDL mismatches: {}", tot.mismatches);
    report_errors("pop3", &tot.errors);
    if !tot.errors.is_empty() || tot.mismatches > 0 {
        bail!("errors during the run");
    }
    Ok(())
}
