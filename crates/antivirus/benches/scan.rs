//! Scans per second through the pool (issue 12: at least 400 a second of
//! 50 KB messages). Starts the tests' clamd (its own small signature
//! database: the figure is the client, the socket and clamd's parsing and
//! matching, not the size of a production database). Not a test; run with
//! `cargo bench -p vesontio-antivirus --bench scan`.

#[path = "../tests/harness/mod.rs"]
mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{ClamdProcess, mail_with_attachment};
use vesontio_antivirus::{Clamd, ClamdOptions, Endpoint, Scan};

const SCANS: usize = 4000;
const SIZE: usize = 50 * 1024;

fn message(i: usize) -> Vec<u8> {
    // Text-like content that does not compress away: a counter mixed in.
    // base64 makes 3 bytes 4 (plus line ends): about SIZE in all.
    let body: Vec<u8> = (0..SIZE * 3 / 4 - 1024)
        .map(|k| b"abcdefghijklmnopqrstuvwxyz0123456789 "[(k * 7 + i) % 37])
        .collect();
    mail_with_attachment("rapport.txt", "text/plain", &body)
}

fn main() {
    let Some(p) = ClamdProcess::start() else {
        eprintln!("clamd not installed: nothing measured");
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for pool in [1usize, 4, 8] {
        let mut opts = ClamdOptions::new(Endpoint::Unix(p.socket.clone()));
        opts.pool = pool;
        opts.timeout = Duration::from_secs(30);
        let c = Arc::new(Clamd::new(opts));
        let msgs: Arc<Vec<Vec<u8>>> = Arc::new((0..64).map(message).collect());
        let took = rt.block_on(async {
            // Warm the pool.
            for m in msgs.iter().take(pool) {
                c.scan(m).await.expect("scan");
            }
            let start = Instant::now();
            let mut tasks = Vec::new();
            for t in 0..pool * 2 {
                let (c, msgs) = (c.clone(), msgs.clone());
                tasks.push(tokio::spawn(async move {
                    let mut i = t;
                    while i < SCANS {
                        let r = c.scan(&msgs[i % msgs.len()]).await.expect("scan");
                        assert_eq!(r, Scan::Clean);
                        i += pool * 2;
                    }
                }));
            }
            for t in tasks {
                t.await.expect("task");
            }
            start.elapsed()
        });
        println!(
            "pool {pool}: {SCANS} scans of {} KB in {:.2} s = {:.0} scans/s",
            msgs[0].len() / 1024,
            took.as_secs_f64(),
            SCANS as f64 / took.as_secs_f64()
        );
    }
}
