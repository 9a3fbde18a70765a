//! Kill -9 during a burst of deliveries: afterwards every blob the metadata
//! references exists with exactly its content, and every delivery that was
//! acknowledged is there. The child is this test binary re-executed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use vesontio_store::{NewAccount, NewMessage, Store, StoreConfig};
use vesontio_types::AccountKind;

const CHILD_ENV: &str = "VESONTIO_CRASH_CHILD_DIR";

/// The writer: appends messages of varied sizes as fast as it can and
/// prints the UID of each acknowledged one.
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
        let store = Store::open(StoreConfig::Sqlite { dir: dir.into() })
            .await
            .expect("open");
        let acc = match store
            .account_by_address("crash@ac-demo.fr")
            .await
            .expect("lookup")
        {
            Some(a) => a,
            None => store
                .create_account(NewAccount {
                    address: "crash@ac-demo.fr".into(),
                    kind: AccountKind::Person,
                    display_name: "Crash".into(),
                    password_hash: None,
                    must_change_password: false,
                    manager: None,
                    quota_bytes: 1 << 40,
                    created_at: 0,
                })
                .await
                .expect("create"),
        };
        let inbox = store
            .mailbox_by_name(acc.id, "INBOX")
            .await
            .expect("q")
            .expect("inbox");
        let mut tasks = Vec::new();
        for w in 0..4u64 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut i = 0u64;
                loop {
                    i += 1;
                    let size = 1000 + ((i * 7919 + w * 104_729) % 300_000) as usize;
                    let body: Vec<u8> = format!("Subject: {w}-{i}\r\n\r\n")
                        .into_bytes()
                        .into_iter()
                        .chain((0..size).map(|k| b'a' + ((k as u64 + i + w) % 26) as u8))
                        .collect();
                    let (blob, data) = store.put_blob(body).await.expect("blob");
                    let r = store
                        .append(
                            inbox.id,
                            NewMessage {
                                blob: blob.clone(),
                                data: Some(data),
                                internal_date: 0,
                                flags: vec![],
                                private: false,
                                parsed: None,
                            },
                        )
                        .await
                        .expect("append");
                    println!("acked {} {}", r.uid, blob.id);
                }
            }));
        }
        for t in tasks {
            let _ = t.await;
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_blob_burst_loses_nothing_acknowledged() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut acked: Vec<(u32, String)> = Vec::new();
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().expect("exe"))
            .args([
                "crash_child",
                "--exact",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut lines = Vec::new();
            let start = Instant::now();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("acked ") {
                    lines.push(rest.to_string());
                }
                if start.elapsed() > Duration::from_secs(30) {
                    break;
                }
            }
            lines
        });
        // Let it write for a while, then kill it in the middle of a write.
        let wait = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            if wait.elapsed() > Duration::from_millis(1200 + round * 300) {
                break;
            }
        }
        child.kill().expect("SIGKILL");
        let _ = child.wait();
        let lines = reader.join().expect("reader");
        assert!(
            !lines.is_empty(),
            "round {round}: the child acknowledged nothing"
        );
        for l in lines {
            let (uid, blob) = l.split_once(' ').expect("line");
            acked.push((uid.parse().expect("uid"), blob.to_string()));
        }
        let store = Store::open(StoreConfig::Sqlite {
            dir: dir.path().into(),
        })
        .await
        .expect("reopen");
        let referenced = store.referenced_blobs().await.expect("refs");
        for id in &referenced {
            assert!(
                vesontio_store::blob::id_of(
                    &store.read_blob(id).await.expect("read referenced blob")
                ) == *id,
                "round {round}: blob {id} truncated or corrupt"
            );
        }
        let acc = store
            .account_by_address("crash@ac-demo.fr")
            .await
            .expect("q")
            .expect("account");
        let inbox = store
            .mailbox_by_name(acc.id, "INBOX")
            .await
            .expect("q")
            .expect("inbox");
        let msgs = store.messages(inbox.id).await.expect("messages");
        for (uid, blob) in &acked {
            let m = msgs
                .iter()
                .find(|m| m.uid == *uid)
                .unwrap_or_else(|| panic!("round {round}: acknowledged uid {uid} lost"));
            assert_eq!(&m.blob_id, blob);
        }
        assert_eq!(
            store.quota_usage(acc.id).await.expect("q").used,
            store.recount_usage(acc.id).await.expect("recount")
        );
        store.close().await;
    }
    assert!(
        acked.len() > 10,
        "the burst was too small to mean anything: {}",
        acked.len()
    );
}
