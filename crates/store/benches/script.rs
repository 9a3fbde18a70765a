//! What `batch::Script` saves (issue 14 item 10: "measure before dropping
//! or keeping Script"). A delivery's writes (the mailbox's next UID and
//! counts, the message row, …) are one script; an expunge's deletes and
//! tombstones too. Each is timed two ways, in one run, alternating:
//! - `script`: as the store runs them, one text (SQLite) or one pipelined
//!   round trip (PostgreSQL);
//! - `per statement`: one call, and on PostgreSQL one round trip, each.
//!
//! `cargo bench -p vesontio-store --bench script` (SQLite, and PostgreSQL
//! at `VESONTIO_TEST_POSTGRES` or the local default when it answers).
//! `SCRIPT_MESSAGES` (default 2,000) messages are delivered one per call
//! (`Store::append`, the APPEND path), then expunged 50 at a time.

use std::time::Instant;
use vesontio_store::{ExpungeMode, FlagOp, NewMessage, Store, StoreConfig};

async fn one_pass(s: &Store, n: usize, per_statement: bool) -> (f64, f64) {
    vesontio_store::debug_scripts_per_statement(per_statement);
    static PASS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let pass = PASS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("p{pass}@ac-demo.fr");
    let a = vesontio_store::conformance::person(s, &name, 1 << 40).await;
    let inbox = vesontio_store::conformance::inbox(s, a.id).await;
    let mut msgs = Vec::with_capacity(n);
    for i in 0..n {
        let body = format!("Subject: n{i}\r\nFrom: x{i}@example.org\r\n\r\nbody {i} {name}\r\n");
        let (blob, data) = s.put_blob(body.into_bytes()).await.expect("blob");
        msgs.push(NewMessage {
            blob,
            data: Some(data),
            internal_date: 1_780_000_000 + i as i64,
            flags: vec![],
            private: false,
            parsed: None,
        });
    }
    let t = Instant::now();
    let mut uids = Vec::with_capacity(n);
    for m in msgs {
        uids.push(s.append(inbox.id, m).await.expect("append").uid);
    }
    let append = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut expunges = 0;
    for chunk in uids.chunks(50) {
        s.store_flags(inbox.id, chunk, FlagOp::Add, &["\\Deleted".into()], None)
            .await
            .expect("flag");
        s.expunge(inbox.id, None, ExpungeMode::FlaggedDeleted)
            .await
            .expect("expunge");
        expunges += 1;
    }
    let expunge_ms = t.elapsed().as_secs_f64() * 1000.0 / expunges as f64;
    vesontio_store::debug_scripts_per_statement(false);
    (append, expunge_ms)
}

async fn measure(label: &str, s: &Store, n: usize) {
    s.add_domain("ac-demo.fr").await.ok();
    s.pause_indexing(true);
    // Warm the statement caches, then alternate the two ways.
    one_pass(s, 100, false).await;
    one_pass(s, 100, true).await;
    let mut script = Vec::new();
    let mut each = Vec::new();
    for _ in 0..2 {
        script.push(one_pass(s, n, false).await);
        each.push(one_pass(s, n, true).await);
    }
    let show = |v: &[(f64, f64)]| {
        v.iter()
            .map(|(a, e)| format!("{a:>6.0} appends/s, expunge of 50 {e:>6.2} ms"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    println!("{label:<10} script        {}", show(&script));
    println!("{label:<10} per statement {}", show(&each));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let n: usize = std::env::var("SCRIPT_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let s = Store::open(StoreConfig::Sqlite {
        dir: dir.path().to_path_buf(),
    })
    .await
    .expect("open");
    measure("SQLite", &s, n).await;
    let url = std::env::var("VESONTIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let config = StoreConfig::Postgres {
        url: url.clone(),
        schema: format!(
            "bench_script_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        ),
        blob_dir: dir.path().join("pg-blobs"),
    };
    match Store::open(config).await {
        Ok(pg) => measure("PostgreSQL", &pg, n).await,
        Err(e) => println!("PostgreSQL skipped: cannot reach {url}: {e}"),
    }
}
