//! Memory of idle connections: N authenticated IMAP connections, each
//! LOGIN, SELECT INBOX, IDLE (RFC 2177), held open; the server's memory
//! (RSS and PSS from `/proc/PID/smaps_rollup`) is read before and after,
//! and divided by the connections that reached IDLE.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio::sync::Semaphore;

use crate::imap::Imap;
use crate::net::Target;
use crate::stats::report_errors;

/// Which processes are the server: pids, or command lines starting with
/// one of the prefixes (Dovecot runs one process per connection).
pub struct Server {
    pub pids: Vec<u32>,
    pub prefixes: Vec<String>,
}

/// Resident and proportional set sizes in KiB, and how many processes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    pub processes: usize,
    pub rss: u64,
    pub pss: u64,
}

fn smaps(pid: u32) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
    };
    Some((field("Rss:")?, field("Pss:")?))
}

impl Server {
    pub fn memory(&self) -> Memory {
        let mut pids = self.pids.clone();
        if !self.prefixes.is_empty() {
            let me = std::process::id();
            for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                    continue;
                };
                let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
                let cmd = String::from_utf8_lossy(&cmd).replace('\0', " ");
                if pid != me && self.prefixes.iter().any(|p| cmd.starts_with(p.as_str())) {
                    pids.push(pid);
                }
            }
        }
        let mut m = Memory::default();
        for pid in pids {
            if let Some((rss, pss)) = smaps(pid) {
                m.processes += 1;
                m.rss += rss;
                m.pss += pss;
            }
        }
        m
    }
}

async fn open_idle(t: &Target, user: &str, password: &str) -> Result<Imap> {
    let mut imap = Imap::connect(t).await?;
    imap.login(user, password).await?;
    imap.ok("SELECT INBOX").await?;
    imap.idle().await?;
    Ok(imap)
}

pub struct Plan {
    pub connections: usize,
    pub users: Vec<String>,
    pub password: String,
    pub parallel: usize,
    pub hold: Duration,
    /// Log every user in once first, and measure from there: a first login
    /// may cost memory once (password hashing) that is not a connection's.
    pub warm_up: bool,
}

pub async fn run(t: Target, plan: Plan, server: Server) -> Result<()> {
    let m0 = server.memory();
    println!(
        "idle start: {} processes, RSS {} KiB, PSS {} KiB",
        m0.processes, m0.rss, m0.pss
    );
    let gate = std::sync::Arc::new(Semaphore::new(plan.parallel.max(1)));
    if plan.warm_up {
        let mut tasks = Vec::new();
        for u in &plan.users {
            let (t, u, p, gate) = (t.clone(), u.clone(), plan.password.clone(), gate.clone());
            tasks.push(tokio::spawn(async move {
                let _permit = gate.acquire().await;
                let mut imap = Imap::connect(&t).await?;
                imap.login(&u, &p).await?;
                imap.command("LOGOUT").await.map(|_| ())
            }));
        }
        let mut failed = 0;
        for task in tasks {
            failed += usize::from(!matches!(task.await, Ok(Ok(()))));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let m = server.memory();
        println!(
            "idle after {} first logins ({failed} failed): RSS {} KiB, PSS {} KiB",
            plan.users.len(),
            m.rss,
            m.pss
        );
    }
    let before = server.memory();
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..plan.connections {
        let user = plan.users[i % plan.users.len()].clone();
        let (t, p, gate) = (t.clone(), plan.password.clone(), gate.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire().await.context("semaphore")?;
            open_idle(&t, &user, &p).await.with_context(|| user.clone())
        }));
    }
    let mut held = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(imap)) => held.push(imap),
            Ok(Err(e)) => errors.push(format!("{e:#}")),
            Err(e) => errors.push(e.to_string()),
        }
    }
    println!(
        "idle connections: {}/{} in IDLE after {:.1} s",
        held.len(),
        plan.connections,
        t0.elapsed().as_secs_f64()
    );
    report_errors("idle", &errors);
    tokio::time::sleep(plan.hold).await;
    let after = server.memory();
    println!(
        "idle held: {} processes, RSS {} KiB, PSS {} KiB",
        after.processes, after.rss, after.pss
    );
    if !held.is_empty() {
        let n = held.len() as f64;
        println!(
            "idle per connection: RSS {:.1} KiB, PSS {:.1} KiB",
            (after.rss as f64 - before.rss as f64) / n,
            (after.pss as f64 - before.pss as f64) / n
        );
    }
    for mut imap in held {
        let _ = imap.done_and_logout().await;
    }
    Ok(())
}
