//! SMTP MX throughput: an in-process server on a temporary SQLite store,
//! 1,000 local mailboxes, 10,000 messages of 10 KB over 20 parallel
//! sessions (plain port 25, a small tokio client), timed until the last
//! message is durably in its mailbox.
//!
//! `cargo bench -p vesontio-smtp-server --bench smtp_throughput`
//! Smaller runs: `SMTP_BENCH_MESSAGES=1000 SMTP_BENCH_SESSIONS=10`.
//! `SMTP_BENCH_FILTERS=1` (2: the antivirus alone, 3: spam alone): with every filter stage there is, the
//! antivirus on a real clamd (the tests' harness: its own tiny signature
//! database) and the spam scorer with its built-in rules (issue 12: at
//! least 75 % of the filters-off figure, in the same sitting).

#![allow(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../../antivirus/tests/harness/mod.rs"]
mod harness;

use std::time::{Duration, Instant};

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
    rt.block_on(run());
}

async fn run() {
    let mailboxes = env("SMTP_BENCH_MAILBOXES", 1000);
    let messages = env("SMTP_BENCH_MESSAGES", 10_000);
    let sessions = env("SMTP_BENCH_SESSIONS", 20);
    let size = env("SMTP_BENCH_SIZE", 10 * 1024);

    // 1: both stages; 2: the antivirus alone; 3: the spam scorer alone.
    let mode = env("SMTP_BENCH_FILTERS", 0);
    let filtered = mode != 0;
    let clamd = if filtered {
        Some(harness::ClamdProcess::start().expect("clamd for SMTP_BENCH_FILTERS=1"))
    } else {
        None
    };
    // The spam stage reads its models from a store; it gets one of its
    // own, empty (the classifier stays silent without models, the rules
    // and structure tests all run).
    let spam_dir = tempfile::tempdir().unwrap();
    let h = match &clamd {
        None => Harness::start().await,
        Some(p) => {
            use std::sync::Arc;
            use vesontio_antivirus::{Clamd, ClamdOptions, Endpoint};
            use vesontio_delivery::{AntivirusStage, FilterSettings, Filters, SpamStage, Stage};
            let mut opts = ClamdOptions::new(Endpoint::Unix(p.socket.clone()));
            opts.pool = 8;
            let av: Arc<dyn Stage> = Arc::new(AntivirusStage::new(Arc::new(Clamd::new(opts))));
            let rules =
                Arc::new(vesontio_spam::Reloading::open(None, Duration::from_secs(60)).unwrap());
            let spam: Arc<dyn Stage> = Arc::new(SpamStage::new(
                open_store(spam_dir.path()).await,
                rules,
                "spam",
            ));
            // Scored, never filed into Junk: the bench counts INBOXes.
            let stages = match mode {
                2 => vec![av],
                3 => vec![spam],
                _ => vec![av, spam],
            };
            let filters = Filters::new(FilterSettings::with_junk(1000.0), stages);
            Harness::start_filtered(
                smtp_config(),
                delivery_config(),
                auth_limits(),
                Some(filters),
            )
            .await
        }
    };
    let label = match mode {
        0 => "none",
        2 => "antivirus (clamd)",
        3 => "spam",
        _ => "antivirus (clamd) + spam",
    };
    println!("filters: {label}");
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
        "{messages} messages of {size} bytes over {sessions} sessions to {mailboxes} mailboxes"
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
}
