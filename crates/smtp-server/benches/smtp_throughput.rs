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
//! antivirus stage on a real clamd (the antivirus tests' harness, its own
//! signatures), then prints each rate as a share of the first.

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
        rt.block_on(run(Mode::Off, None));
        return;
    }
    let clamd = harness::ClamdProcess::start();
    let base = rt.block_on(run(Mode::Off, None));
    let on = rt.block_on(run(Mode::Filters, None));
    println!(
        "filters (alert, phishing, spam): {:.0} % of the rate without",
        100.0 * on / base
    );
    match &clamd {
        Some(c) => {
            let all = rt.block_on(run(Mode::Filters, Some(c.socket.clone())));
            println!(
                "filters and clamd (antivirus, alert, phishing, spam): {:.0} % of the rate without",
                100.0 * all / base
            );
        }
        None => println!("clamd is not installed: no figure with the antivirus"),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Off,
    Filters,
}

/// The stages `serve` installs by default, in its order; the antivirus
/// first when a clamd socket is given.
fn filters(store: &vesontio_store::Store, clamd: Option<std::path::PathBuf>) -> Filters {
    let mut stages: Vec<Arc<dyn Stage>> = Vec::new();
    if let Some(sock) = clamd {
        let opts = vesontio_antivirus::ClamdOptions::new(vesontio_antivirus::Endpoint::Unix(sock));
        stages.push(Arc::new(AntivirusStage::new(Arc::new(
            vesontio_antivirus::Clamd::new(opts),
        ))));
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

async fn run(mode: Mode, clamd: Option<std::path::PathBuf>) -> f64 {
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
    messages as f64 / durable.as_secs_f64()
}
