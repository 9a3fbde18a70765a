//! Kill -9 during a burst of submissions (issue 15 item 2): afterwards
//! every message is there entirely (its local copy, its R17 hold for a
//! full mailbox and its remote queue entry) or not at all, and sending
//! every message again (the clients retry) leaves exactly one of each.
//! The child is this test binary re-executed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vesontio_delivery::{Delivery, DeliveryConfig, Envelope, Origin, Recipient};
use vesontio_store::{Account, NewAccount, QueueKind, Store, StoreConfig};
use vesontio_types::{AccountKind, Address};

const CHILD_ENV: &str = "VESONTIO_DELIVERY_CRASH_DIR";
const DOMAIN: &str = "ac-demo.fr";
const SENDER: &str = "jean.dupont@ac-demo.fr";
const RCPTS: [&str; 3] = [
    "marie.curie@ac-demo.fr",
    "petit@ac-demo.fr",
    "bob@example.com",
];
const WORKERS: u64 = 4;

fn config() -> DeliveryConfig {
    let mut cfg = DeliveryConfig::charter_defaults("mx.ac-demo.fr", vec![DOMAIN.into()]);
    cfg.recipients_per_hour = 1_000_000;
    cfg
}

async fn open(dir: &std::path::Path) -> (Delivery, Account) {
    let store = Store::open(StoreConfig::Sqlite { dir: dir.into() })
        .await
        .expect("open");
    let _ = store.add_domain(DOMAIN).await;
    for (a, quota) in [(SENDER, 1 << 40), (RCPTS[0], 1 << 40), (RCPTS[1], 10)] {
        if store.account_by_address(a).await.expect("q").is_none() {
            store
                .create_account(NewAccount {
                    address: a.into(),
                    kind: AccountKind::Person,
                    display_name: a.into(),
                    password_hash: None,
                    must_change_password: false,
                    manager: None,
                    quota_bytes: quota,
                    created_at: 0,
                })
                .await
                .expect("create");
        }
    }
    let jean = store
        .account_by_address(SENDER)
        .await
        .expect("q")
        .expect("jean");
    (Delivery::new(config(), store), jean)
}

fn origin(jean: &Account) -> Origin {
    Origin::Submission {
        account: Box::new(jean.clone()),
        client_ip: "10.0.0.9".parse().expect("ip"),
        helo: "laptop".into(),
    }
}

fn envelope() -> Envelope {
    Envelope {
        mail_from: Some(Address::parse(SENDER).expect("addr")),
        recipients: RCPTS
            .iter()
            .map(|r| Recipient {
                address: Address::parse(r).expect("addr"),
                orcpt: None,
                notify: None,
            })
            .collect(),
        envid: None,
        ret: None,
        smtputf8: false,
    }
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: <{SENDER}>\r\nTo: <{}>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@ac-demo.fr>\r\n\r\n{}\r\n",
        RCPTS[0],
        "x".repeat(2000)
    )
    .into_bytes()
}

/// The submitter: prints `try W-I` before each submission and `ok W-I`
/// after its acknowledgement, as fast as it can, until killed.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async move {
        let (d, jean) = open(std::path::Path::new(&dir)).await;
        let mut tasks = Vec::new();
        for w in 0..WORKERS {
            let (d, jean) = (d.clone(), jean.clone());
            tasks.push(tokio::spawn(async move {
                for i in 0.. {
                    let subject = format!("{w}-{i}");
                    println!("try {subject}");
                    d.submit(origin(&jean), envelope(), message(&subject), 1_790_000_000)
                        .await
                        .expect("accepted");
                    println!("ok {subject}");
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

/// (local copies, held, queued) per subject.
async fn census(store: &Store) -> BTreeMap<String, (usize, usize, usize)> {
    let subject_of = |raw: &[u8]| {
        let text = String::from_utf8_lossy(raw);
        text.lines()
            .find_map(|l| l.strip_prefix("Subject: ").map(str::to_string))
            .unwrap_or_default()
    };
    let mut out: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let marie = store
        .account_by_address(RCPTS[0])
        .await
        .expect("q")
        .expect("marie");
    let inbox = store
        .mailbox_by_name(marie.id, "INBOX")
        .await
        .expect("q")
        .expect("inbox");
    for m in store.messages(inbox.id).await.expect("messages") {
        let raw = store.read_blob(&m.blob_id).await.expect("blob");
        out.entry(subject_of(&raw)).or_default().0 += 1;
    }
    for q in store.queue_entries().await.expect("queue") {
        let raw = store.read_blob(&q.blob_id).await.expect("blob");
        let e = out.entry(subject_of(&raw)).or_default();
        match q.kind {
            QueueKind::HeldLocal => e.1 += 1,
            QueueKind::Remote => e.2 += 1,
        }
    }
    out
}

#[test]
fn killed_mid_burst_every_message_whole_or_absent_then_once() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = std::env::current_exe().expect("exe");
    let mut child = Command::new(exe)
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    let mut tried = Vec::new();
    let mut acked = Vec::new();
    let start = Instant::now();
    let mut lines = BufReader::new(stdout).lines();
    let read = |tried: &mut Vec<String>, acked: &mut Vec<String>, line: String| {
        // The harness's own `test crash_child ... ` may precede the first.
        if let Some((_, s)) = line.split_once("try ") {
            tried.push(s.to_string());
        } else if let Some((_, s)) = line.split_once("ok ") {
            acked.push(s.to_string());
        }
    };
    for line in lines.by_ref() {
        let Ok(line) = line else { break };
        read(&mut tried, &mut acked, line);
        if acked.len() >= 120 || start.elapsed() > Duration::from_secs(60) {
            break;
        }
    }
    child.kill().expect("kill -9");
    let _ = child.wait();
    // What it printed before it died (a `try` line is written before its
    // submission starts).
    for line in lines.map_while(Result::ok) {
        read(&mut tried, &mut acked, line);
    }
    assert!(acked.len() >= 20, "the child delivered ({})", acked.len());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async move {
        let (d, jean) = open(dir.path()).await;
        let before = census(d.store()).await;
        for (subject, n) in &before {
            assert!(
                [(1, 1, 1)].contains(n),
                "{subject}: half a message after the kill: {n:?}"
            );
        }
        for s in &acked {
            assert_eq!(before.get(s), Some(&(1, 1, 1)), "{s} was acknowledged");
        }
        // Every client retries what it tried; exactly one of everything.
        for s in &tried {
            d.submit(origin(&jean), envelope(), message(s), 1_790_000_100)
                .await
                .expect("retry");
        }
        let after = census(d.store()).await;
        for s in &tried {
            assert_eq!(after.get(s), Some(&(1, 1, 1)), "{s} after the retries");
        }
        let extra: Vec<&String> = after.keys().filter(|k| !tried.contains(k)).collect();
        assert!(extra.is_empty(), "nothing else: {extra:?}");
    });
}
