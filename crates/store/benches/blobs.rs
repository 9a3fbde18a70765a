//! The blob backends side by side (issue 14 item 9): files, the database
//! and both ("mixed", the default), on SQLite and (when reachable)
//! PostgreSQL. Per backend:
//! `put` of new 20 KB bodies one after the other, deliveries from 32
//! concurrent callers each putting its body then appending it (the group
//! commit path), `get` of a 20 KB body, and a 256 KB range of a 5 MB body
//! (what a large-file download reads per piece). Prints figures; not a
//! test.
//!
//! `cargo bench -p vesontio-store --bench blobs`; `BLOBS_N` messages
//! (default 2,000); PostgreSQL at `VESONTIO_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/test`).

use std::sync::Arc;
use std::time::Instant;

use vesontio_store::{BlobBackend, NewMessage, Store, StoreConfig};

fn body(i: usize) -> Vec<u8> {
    let mut b = format!(
        "From: p{i}@example.org\r\nTo: a@ac-demo.fr\r\nSubject: message {i}\r\nMessage-ID: <{i}@b>\r\n\r\n"
    )
    .into_bytes();
    while b.len() < 20_000 {
        b.extend_from_slice(
            format!("ligne {i} du corps, assez longue pour compter.\r\n").as_bytes(),
        );
    }
    b
}

fn per_op_us(t: Instant, n: usize) -> f64 {
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

async fn run(name: &str, s: Store, n: usize) {
    let a = vesontio_store::conformance::person(&s, "a@ac-demo.fr", 1 << 40).await;
    let inbox = vesontio_store::conformance::inbox(&s, a.id).await;
    let b = s.blobs();
    let t = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        ids.push(b.put(Arc::new(body(i))).await.expect("put").id);
    }
    let put = per_op_us(t, n);
    let t = Instant::now();
    for id in &ids {
        b.get(id).await.expect("get");
    }
    let get = per_op_us(t, n);
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 251) as u8).collect();
    let big = b.put(Arc::new(big)).await.expect("put big").id;
    let t = Instant::now();
    for i in 0..200u64 {
        let r = b
            .get_range(&big, (i * 262_144) % 4_700_000, 262_144)
            .await
            .expect("range");
        assert_eq!(r.len(), 262_144);
    }
    let range = per_op_us(t, 200);
    // Deliveries: each caller puts its body, then appends it; the group
    // commit gathers the appends.
    let callers = 32;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..callers {
        let s = s.clone();
        let mb = inbox.id;
        tasks.push(tokio::spawn(async move {
            for i in (c..n).step_by(callers) {
                let (blob, data) = s.put_blob(body(n + i)).await.expect("blob");
                s.append(
                    mb,
                    NewMessage {
                        blob,
                        data: Some(data),
                        internal_date: 1_780_000_000,
                        flags: vec![],
                        private: false,
                        parsed: None,
                    },
                )
                .await
                .expect("append");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let rate = n as f64 / t.elapsed().as_secs_f64();
    println!(
        "{name:<22} put {put:>7.0} µs  get {get:>6.0} µs  range 256 KB {range:>6.0} µs  deliveries {rate:>6.0}/s"
    );
}

/// Each `store.blobs`, "mixed" with its default bound (the 20 KB bodies
/// are rows, the 5 MB one a file).
const BACKENDS: [(&str, BlobBackend); 3] = [
    ("files", BlobBackend::Files),
    ("database", BlobBackend::Database),
    ("mixed", BlobBackend::DEPLOYED),
];

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n: usize = std::env::var("BLOBS_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    println!("{n} bodies of 20 KB");
    for (name, backend) in BACKENDS {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open_with_blobs(
            StoreConfig::Sqlite {
                dir: dir.path().to_path_buf(),
            },
            backend,
        )
        .await
        .expect("open");
        run(&format!("sqlite {name}"), s, n).await;
    }
    let url = std::env::var("VESONTIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    for (name, backend) in BACKENDS {
        let dir = tempfile::tempdir().expect("tempdir");
        let schema = format!("bench_blobs_{}_{name}", std::process::id());
        let config = StoreConfig::Postgres {
            url: url.clone(),
            schema,
            blob_dir: dir.path().to_path_buf(),
        };
        match Store::open_with_blobs(config, backend).await {
            Ok(s) => run(&format!("postgres {name}"), s, n).await,
            Err(e) => println!("postgres {name}: skipped ({e})"),
        }
    }
}
