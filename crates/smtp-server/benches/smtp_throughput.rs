//! SMTP MX throughput: an in-process server on a temporary SQLite store,
//! 1,000 local mailboxes, 10,000 messages of 10 KB over 20 parallel
//! sessions (plain port 25, a small tokio client), timed until the last
//! message is durably in its mailbox.
//!
//! `cargo bench -p vesontio-smtp-server --bench smtp_throughput`
//! Smaller runs: `SMTP_BENCH_MESSAGES=1000 SMTP_BENCH_SESSIONS=10`.
//!
//! `SMTP_BENCH_FILTERS=compare` runs it three times in one sitting (issue
//! 12's acceptance): without filters; with the security-alert, phishing
//! and spam stages as `serve` installs them; and with those plus the
//! antivirus stage on a real clamd (the antivirus tests' harness: its own
//! signatures, `MaxThreads 8`, temporary files on /dev/shm), then prints
//! each rate as a share of the first. Every message is different (its
//! number is in the subject and Message-ID) and every one is scanned.
//! `SMTP_BENCH_ROUNDS=N` repeats the sequence N times, interleaved, and
//! prints each variant's spread; `SMTP_BENCH_VARIANTS` picks the runs
//! (see [`Variant`]: e.g. `off,clamd,clamd-late,clamd-disk`);
//! `SMTP_BENCH_POOL` sets the clamd connections (default 8).

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../antivirus/tests/harness/mod.rs"]
#[allow(dead_code)]
mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use vesontio_delivery::{
    AlertStage, AntivirusStage, FilterSettings, Filters, PhishStage, SpamStage, Stage,
};

use common::client::Client;
use common::*;
use vesontio_types::MailboxId;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds (user and system) a process has used so far, from
/// /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s).
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces: count after its ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

fn mailbox(i: usize) -> String {
    format!("boite{i:04}@{DOMAIN}")
}

/// About `size` bytes: headers and 76-column text lines.
fn message(n: usize, size: usize) -> Vec<u8> {
    let mut m = format!(
        "From: bench@example.org\r\nSubject: bench {n}\r\nMessage-ID: <{n}@bench.example.org>\r\n\r\n"
    )
    .into_bytes();
    let line = b"Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tem\r\n";
    while m.len() + line.len() <= size {
        m.extend_from_slice(line);
    }
    m
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if std::env::var("SMTP_BENCH_FILTERS").as_deref() != Ok("compare") {
        let (_, cpu) = rt.block_on(run(Mode::Off, None));
        println!("CPU: {cpu:.2} s (server and load)");
        return;
    }
    let variants: Vec<Variant> = std::env::var("SMTP_BENCH_VARIANTS")
        .unwrap_or_else(|_| "off,filters,clamd".into())
        .split(',')
        .map(|v| Variant::parse(v.trim()))
        .collect();
    let rounds = env("SMTP_BENCH_ROUNDS", 1);
    let need = |f: fn(&Variant) -> bool| variants.iter().any(f);
    let tmpfs = need(|v| v.clamd.is_some_and(|c| c.tmpfs))
        .then(|| harness::ClamdProcess::start_with(true))
        .flatten();
    let disk = need(|v| v.clamd.is_some_and(|c| !c.tmpfs))
        .then(|| harness::ClamdProcess::start_with(false))
        .flatten();
    if need(|v| v.clamd.is_some()) && tmpfs.is_none() && disk.is_none() {
        println!("clamd is not installed: no figure with the antivirus");
    }
    // Interleaved: every variant once per round, so a neighbour's build
    // weighs on all of them alike; each share is against the unfiltered
    // run of its own round.
    let mut rates: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    // CPU milliseconds per message, this process and clamd: less moved
    // by the neighbours than the rate is.
    let mut cpus: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
    let messages = env("SMTP_BENCH_MESSAGES", 10_000);
    for round in 0..rounds {
        for (i, v) in variants.iter().enumerate() {
            println!("--- round {}, {}", round + 1, v.name);
            let mut clamd_pid = None;
            let clamd = match v.clamd {
                None => None,
                Some(c) => {
                    let p = if c.tmpfs { &tmpfs } else { &disk };
                    let Some(p) = p else { continue };
                    clamd_pid = p.pid();
                    Some((p.socket.clone(), c))
                }
            };
            let mode = if v.filters { Mode::Filters } else { Mode::Off };
            let clamd_cpu = || clamd_pid.map_or(0.0, |p| cpu_seconds(&p.to_string()));
            let before = clamd_cpu();
            let (rate, bench_cpu) = rt.block_on(run(mode, clamd));
            let clamd_ms = (clamd_cpu() - before) * 1e3 / messages as f64;
            let bench_ms = bench_cpu * 1e3 / messages as f64;
            println!(
                "CPU per message: server and load {bench_ms:.2} ms, clamd {clamd_ms:.2} ms, \
                 total {:.2} ms",
                bench_ms + clamd_ms
            );
            rates[i].push(rate);
            cpus[i].push(bench_ms + clamd_ms);
        }
    }
    let base = variants.iter().position(|v| v.name == "off");
    println!("\nvariant: messages/s per round; share of `off` in the same round");
    for (i, v) in variants.iter().enumerate() {
        let r = &rates[i];
        let shares: Vec<f64> = match base {
            Some(b) => r
                .iter()
                .zip(&rates[b])
                .map(|(x, o)| 100.0 * x / o)
                .collect(),
            None => Vec::new(),
        };
        let span = |xs: &[f64]| {
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(0.0, f64::max);
            (lo, hi)
        };
        let list = |xs: &[f64]| {
            xs.iter()
                .map(|x| format!("{x:.0}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if r.is_empty() {
            println!("{}: not run", v.name);
            continue;
        }
        let (lo, hi) = span(r);
        print!("{}: {} msg/s ({lo:.0}–{hi:.0})", v.name, list(r));
        if !shares.is_empty() {
            let (slo, shi) = span(&shares);
            print!("; {} % ({slo:.0}–{shi:.0} %)", list(&shares));
        }
        let c = &cpus[i];
        let (clo, chi) = span(c);
        let cl = c
            .iter()
            .map(|x| format!("{x:.2}"))
            .collect::<Vec<_>>()
            .join(" ");
        print!("; CPU {cl} ms/message ({clo:.2}–{chi:.2})");
        if let Some(b) = base {
            let cost: Vec<f64> = rates[b]
                .iter()
                .zip(&cpus[b])
                .zip(c)
                .map(|((_, o), x)| 100.0 * o / x)
                .collect();
            let (lo, hi) = span(&cost);
            print!(
                ", `off`'s CPU / this: {} % ({lo:.0}–{hi:.0} %)",
                list(&cost)
            );
        }
        println!();
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Off,
    Filters,
}

/// How the antivirus stage runs in a variant.
#[derive(Clone, Copy, PartialEq)]
struct ClamdVariant {
    /// clamd's temporary files on a tmpfs (the harness's default).
    tmpfs: bool,
    /// The scan starts when the gate has the bytes (`Stage::begin`);
    /// `false`: at the stage's turn, as before session 11.
    early: bool,
}

/// One configuration of `SMTP_BENCH_VARIANTS`: `off` (no filter),
/// `filters` (alert, phishing, spam), `clamd` (those and the antivirus),
/// `clamd-late` (the scan at the stage's turn only), `clamd-disk`
/// (clamd's temporary files on the disk).
struct Variant {
    name: String,
    filters: bool,
    clamd: Option<ClamdVariant>,
}

impl Variant {
    fn parse(name: &str) -> Variant {
        let clamd = |tmpfs, early| Some(ClamdVariant { tmpfs, early });
        let (filters, clamd) = match name {
            "off" => (false, None),
            "filters" => (true, None),
            "clamd" => (true, clamd(true, true)),
            "clamd-late" => (true, clamd(true, false)),
            "clamd-disk" => (true, clamd(false, true)),
            "clamd-disk-late" => (true, clamd(false, false)),
            other => panic!(
                "SMTP_BENCH_VARIANTS: unknown {other:?} (off, filters, clamd, clamd-late, \
                 clamd-disk, clamd-disk-late)"
            ),
        };
        Variant {
            name: name.to_string(),
            filters,
            clamd,
        }
    }
}

/// The antivirus stage without its early start: the scan runs at the
/// stage's turn.
struct Late(AntivirusStage);

impl Stage for Late {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn run<'a>(
        &'a self,
        ctx: &'a vesontio_delivery::FilterContext,
    ) -> vesontio_delivery::BoxFuture<'a, vesontio_delivery::StageResult> {
        self.0.run(ctx)
    }

    fn scans_filed(&self) -> bool {
        true
    }
}

/// The stages `serve` installs by default, in its order; the antivirus
/// first when a clamd socket is given.
fn filters(
    store: &vesontio_store::Store,
    clamd: Option<(std::path::PathBuf, ClamdVariant)>,
) -> Filters {
    let mut stages: Vec<Arc<dyn Stage>> = Vec::new();
    if let Some((sock, v)) = clamd {
        let mut opts =
            vesontio_antivirus::ClamdOptions::new(vesontio_antivirus::Endpoint::Unix(sock));
        opts.pool = env("SMTP_BENCH_POOL", opts.pool);
        let stage = AntivirusStage::new(Arc::new(vesontio_antivirus::Clamd::new(opts)));
        if v.early {
            stages.push(Arc::new(stage));
        } else {
            stages.push(Arc::new(Late(stage)));
        }
    }
    stages.push(Arc::new(AlertStage::new(store.clone())));
    let local = vec![DOMAIN.to_string()];
    let cfg = vesontio_config::Phishing::default();
    stages.push(Arc::new(PhishStage::new(
        &local,
        &cfg.protected_domains,
        &cfg.internal_names,
        "",
    )));
    let rules = vesontio_spam::Reloading::open(None, Duration::from_secs(60)).unwrap();
    stages.push(Arc::new(SpamStage::new(
        store.clone(),
        Arc::new(rules),
        "spam",
    )));
    Filters::new(FilterSettings::with_junk(5.0), stages)
}

/// The rate in messages per second, and this process's CPU seconds over
/// the sending (server and load generator together).
async fn run(mode: Mode, clamd: Option<(std::path::PathBuf, ClamdVariant)>) -> (f64, f64) {
    let mailboxes = env("SMTP_BENCH_MAILBOXES", 1000);
    let messages = env("SMTP_BENCH_MESSAGES", 10_000);
    let sessions = env("SMTP_BENCH_SESSIONS", 20);
    let size = env("SMTP_BENCH_SIZE", 10 * 1024);

    let h = match mode {
        Mode::Off => Harness::start().await,
        Mode::Filters => {
            // The stages read the store the harness opens.
            Harness::start_with_filters(|store| filters(store, clamd.clone())).await
        }
    };
    let t = Instant::now();
    let mut inboxes: Vec<MailboxId> = Vec::with_capacity(mailboxes);
    for i in 0..mailboxes {
        account(&h.store, &mailbox(i), None, false).await;
        let a = h
            .store
            .account_by_address(&mailbox(i))
            .await
            .unwrap()
            .unwrap();
        inboxes.push(
            h.store
                .mailbox_by_name(a.id, "INBOX")
                .await
                .unwrap()
                .unwrap()
                .id,
        );
    }
    println!("{mailboxes} mailboxes created in {:.1?}", t.elapsed());

    let start = Instant::now();
    let cpu_start = cpu_seconds("self");
    let mut tasks = Vec::new();
    for k in 0..sessions {
        let addr = h.mx;
        tasks.push(tokio::spawn(async move {
            let (mut c, _) = Client::connect(addr).await.unwrap();
            assert_eq!(c.cmd("EHLO bench.example.org").await.unwrap().code, 250);
            let mut latencies = Vec::new();
            let mut bytes = 0usize;
            for n in (k..messages).step_by(sessions) {
                let m = message(n, size);
                let t = Instant::now();
                let r = c
                    .send_message("bench@example.org", &mailbox(n % mailboxes), &m)
                    .await
                    .unwrap();
                assert_eq!(r.code, 250, "{r:?}");
                latencies.push(t.elapsed());
                bytes += m.len();
            }
            assert_eq!(c.cmd("QUIT").await.unwrap().code, 221);
            (latencies, bytes)
        }));
    }
    let mut latencies = Vec::new();
    let mut bytes = 0;
    for t in tasks {
        let (l, b) = t.await.unwrap();
        latencies.extend(l);
        bytes += b;
    }
    let acked = start.elapsed();
    // A 250 means stored; count the mailboxes to prove it.
    loop {
        let mut total = 0u64;
        for id in &inboxes {
            total += u64::from(h.store.counts(*id).await.unwrap().messages);
        }
        if total >= messages as u64 {
            break;
        }
        assert!(
            start.elapsed() < acked + Duration::from_secs(60),
            "only {total} stored"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let durable = start.elapsed();
    let cpu = cpu_seconds("self") - cpu_start;
    latencies.sort();
    let pct = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
    println!(
        "{messages} messages of {size} bytes over {sessions} sessions to {mailboxes} mailboxes, {}",
        match mode {
            Mode::Off => "no filter",
            Mode::Filters => "filters on",
        }
    );
    println!(
        "all acknowledged in {acked:.2?}, all in mailboxes in {durable:.2?}: {:.0} messages/s, {:.1} MB/s",
        messages as f64 / durable.as_secs_f64(),
        bytes as f64 / durable.as_secs_f64() / 1e6
    );
    println!(
        "DATA latency p50 {:.1?}, p99 {:.1?}, max {:.1?}",
        pct(50),
        pct(99),
        latencies[latencies.len() - 1]
    );
    h.shutdown.cancel();
    h.tracker.close();
    h.tracker.wait().await;
    (messages as f64 / durable.as_secs_f64(), cpu)
}
