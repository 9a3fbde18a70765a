//! The mail model at the store API, measured at three mailbox sizes:
//! delivery rate, the newest-50 page (by arrival and by sender), the
//! folder list with counts, and search candidates from the trigram index
//! (FROM, SUBJECT, BODY), the conversation list and account-wide
//! searches through `find_messages`, plus the database's size; and what
//! opening a mailbox over IMAP reads: every full row (`messages`, what
//! SELECT read until session 9), the compact UID/flags index
//! (`mailbox_index`, SELECT now) and the UIDs alone (`uids`, `UID SEARCH
//! ALL`). Search figures are of a settled index (the background
//! indexer's backlog is indexed first, its time printed). Prints figures;
//! not a test.
//!
//! `cargo bench -p vesontio-store --bench model` (SQLite in a temporary
//! directory); `MODEL_SIZES=2000,20000` to choose the sizes.

use std::time::Instant;

use vesontio_store::{MessageQuery, NewMessage, SortBy, Store, StoreConfig, TermField};

const WORDS: &[&str] = &[
    "conseil",
    "classe",
    "réunion",
    "élèves",
    "parents",
    "bulletin",
    "trimestre",
    "examen",
    "brevet",
    "baccalauréat",
    "emploi",
    "temps",
    "salle",
    "projet",
    "sortie",
    "budget",
    "inspection",
    "formation",
    "académie",
    "rectorat",
    "collège",
    "lycée",
    "professeur",
    "principal",
    "vie",
    "scolaire",
    "absence",
    "note",
    "devoir",
    "correction",
    "planning",
];

fn word(i: usize) -> &'static str {
    WORDS[(i.wrapping_mul(2_654_435_761)) % WORDS.len()]
}

fn message(i: usize) -> Vec<u8> {
    let sender = i % 500;
    let mut body = String::new();
    for k in 0..300 {
        body.push_str(word(i * 31 + k));
        body.push(if k % 12 == 11 { '\n' } else { ' ' });
    }
    if i % 1000 == 7 {
        body.push_str("mot-rare-zygomatique\n");
    }
    // Conversations of four: each reply refers to its thread's first message.
    let refs = match i % 4 {
        0 => String::new(),
        _ => format!("In-Reply-To: <m{}@ac-demo.fr>\r\n", i - i % 4),
    };
    format!(
        "From: Agent {sender} <agent{sender}@ac-demo.fr>\r\nTo: a@ac-demo.fr\r\n\
         Subject: {} {} n°{i}\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\
         Message-ID: <m{i}@ac-demo.fr>\r\n{refs}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}",
        word(i),
        word(i + 1)
    )
    .into_bytes()
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// Median of `n` runs of `f`, in milliseconds.
async fn median<F, Fut>(n: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await;
        v.push(ms(t));
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[n / 2]
}

async fn run(size: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = std::env::var_os("MODEL_KEEP").is_some();
    let s = Store::open(StoreConfig::Sqlite {
        dir: dir.path().to_path_buf(),
    })
    .await
    .expect("open");
    s.add_domain("ac-demo.fr").await.ok();
    let a = vesontio_store::conformance::person(&s, "a@ac-demo.fr", 1 << 40).await;
    let inbox = vesontio_store::conformance::inbox(&s, a.id).await;
    let t = Instant::now();
    let mut batch = Vec::new();
    for i in 0..size {
        let (blob, data) = s.put_blob(message(i)).await.expect("blob");
        batch.push((
            inbox.id,
            NewMessage {
                blob,
                data: Some(data),
                internal_date: 1_780_000_000 + i as i64,
                // Two in three read, as in a lived-in INBOX.
                flags: match i % 3 {
                    0 => vec![],
                    _ => vec!["\\Seen".to_string()],
                },
                private: false,
                parsed: None,
            },
        ));
        if batch.len() == 512 || i + 1 == size {
            s.deliver(std::mem::take(&mut batch))
                .await
                .expect("deliver");
        }
    }
    let rate = size as f64 / t.elapsed().as_secs_f64();
    // The search index is written in the background once deliveries
    // pause (`indexer.rs`); the figures below are of a settled index.
    let t = Instant::now();
    let indexed = s.index_search_backlog().await.expect("index");
    let settle = t.elapsed().as_secs_f64();
    let newest = median(21, || async {
        s.list_messages(inbox.id, SortBy::Received, true, None, 50)
            .await
            .expect("page");
    })
    .await;
    let by_from = median(21, || async {
        s.list_messages(inbox.id, SortBy::From, false, None, 50)
            .await
            .expect("page");
    })
    .await;
    let folders = median(21, || async {
        s.mailboxes(a.id).await.expect("folders");
    })
    .await;
    let search = |f: TermField, t: &'static str| {
        let s = s.clone();
        async move {
            median(11, || async {
                s.search_term(inbox.id, f, t).await.expect("search");
            })
            .await
        }
    };
    let from = search(TermField::From, "agent123@").await;
    let subject = search(TermField::Subject, "n°4242").await;
    let body = search(TermField::Body, "zygomatique").await;
    let threads = median(21, || async {
        s.list_threads(inbox.id, None, 50).await.expect("threads");
    })
    .await;
    let find = |q: MessageQuery| {
        let s = s.clone();
        async move {
            median(11, || async {
                s.find_messages(a.id, &q, None, 50).await.expect("find");
            })
            .await
        }
    };
    let find_from = find(MessageQuery {
        from: Some("agent123@".into()),
        ..Default::default()
    })
    .await;
    let find_body = find(MessageQuery {
        body: Some("zygomatique".into()),
        ..Default::default()
    })
    .await;
    let rows = median(11, || async {
        s.messages(inbox.id).await.expect("rows");
    })
    .await;
    let index = median(21, || async {
        s.mailbox_index(inbox.id).await.expect("index");
    })
    .await;
    let uids = median(21, || async {
        s.uids(inbox.id).await.expect("uids");
    })
    .await;
    let db = std::fs::metadata(dir.path().join("vesontio.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "{size:>7} messages: deliver {rate:>6.0} msg/s, then {indexed} texts indexed in {settle:.1} s | newest 50 {newest:>6.2} ms | 50 by sender {by_from:>6.2} ms | \
         folders {folders:>5.2} ms | search FROM {from:>6.2} ms, SUBJECT {subject:>6.2} ms, BODY {body:>6.2} ms | \
         50 threads {threads:>6.2} ms | find 50 FROM {find_from:>6.2} ms, BODY {find_body:>6.2} ms | \
         all rows {rows:>6.2} ms, index {index:>6.2} ms, uids {uids:>6.2} ms | db {:.0} MB",
        db as f64 / 1e6
    );
    s.close().await;
    if keep {
        println!("kept {}", dir.keep().display());
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let sizes: Vec<usize> = std::env::var("MODEL_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![2_000, 20_000, 200_000]);
    for size in sizes {
        run(size).await;
    }
}
