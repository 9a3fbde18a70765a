//! A `250` after DATA means the message is on disk: the server runs in a
//! child process (this test binary, re-executed), clients send in a loop,
//! the child is killed with SIGKILL in the middle of the burst, and every
//! acknowledged message must be in its mailbox with identical bytes.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::client::Client;
use common::*;
use tokio::net::TcpListener;
use vesontio_delivery::Delivery;
use vesontio_directory::Directory;
use vesontio_smtp_server::{CancellationToken, Listener, SmtpServer, TaskTracker};

/// (recipient, message as sent) for every `250` after DATA.
type Acked = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

const CHILD_ENV: &str = "SMTP_CRASH_CHILD_DIR";
const RECIPIENTS: usize = 5;
const CLIENTS: usize = 6;
/// Acknowledged messages before the kill.
const KILL_AFTER: usize = 150;

fn rcpt(i: usize) -> String {
    format!("user{i}@{DOMAIN}")
}

/// The server side: only does something when re-executed by the parent.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let store = open_store(&dir).await;
        let (acceptor, _) = tls(&dir);
        let server = SmtpServer::new(
            smtp_config(),
            Delivery::new(delivery_config(), store.clone()),
            Directory::new(store, auth_limits()),
            acceptor,
        );
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        std::fs::write(dir.join("port.tmp"), port.to_string()).unwrap();
        std::fs::rename(dir.join("port.tmp"), dir.join("port")).unwrap();
        // Runs until killed.
        server
            .run(
                l,
                Listener::Mx,
                CancellationToken::new(),
                TaskTracker::new(),
            )
            .await;
    });
}

async fn wait_for_port(dir: &Path) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(s) = std::fs::read_to_string(dir.join("port")) {
            return s.trim().parse().unwrap();
        }
        assert!(Instant::now() < deadline, "child server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A message unique to (client, n), with dot lines and 8-bit text so that
/// transparency and bytes are checked too.
fn message(client: usize, n: usize) -> Vec<u8> {
    let mut m = format!(
        "From: sender{client}@example.org\r\nSubject: burst {client}-{n}\r\nMessage-ID: <{client}.{n}@example.org>\r\n\r\n"
    )
    .into_bytes();
    for line in 0..(20 + n % 7) {
        m.extend_from_slice(format!("client {client} message {n} ligne {line} é\r\n").as_bytes());
        if line % 5 == 0 {
            m.extend_from_slice(b".leading dot\r\n");
        }
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open_store(dir.path()).await;
        store.add_domain(DOMAIN).await.unwrap();
        for i in 0..RECIPIENTS {
            account(&store, &rcpt(i), None, false).await;
        }
        store.close().await;
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let port = wait_for_port(dir.path()).await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();

    let acked: Acked = Arc::default();
    let mut clients = Vec::new();
    for k in 0..CLIENTS {
        let acked = acked.clone();
        clients.push(tokio::spawn(async move {
            let Ok((mut c, _)) = Client::connect(addr).await else {
                return;
            };
            if c.cmd("EHLO burst.example.org").await.is_err() {
                return;
            }
            for n in 0.. {
                let to = rcpt((k + n) % RECIPIENTS);
                let m = message(k, n);
                match c.send_message("sender@example.org", &to, &m).await {
                    Ok(r) if r.code == 250 => acked.lock().unwrap().push((to, m)),
                    Ok(r) => panic!("unexpected refusal {r:?}"),
                    // The server died.
                    Err(_) => return,
                }
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(120);
    while acked.lock().unwrap().len() < KILL_AFTER {
        assert!(
            Instant::now() < deadline,
            "too slow: {} acked",
            acked.lock().unwrap().len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // SIGKILL in the middle of the burst: no chance to flush anything.
    child.kill().unwrap();
    child.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= KILL_AFTER);

    let store = open_store(dir.path()).await;
    let mut stored: std::collections::HashMap<String, Vec<Vec<u8>>> = Default::default();
    for i in 0..RECIPIENTS {
        stored.insert(rcpt(i), inbox(&store, &rcpt(i)).await);
    }
    let total: usize = stored.values().map(Vec::len).sum();
    eprintln!("{} acknowledged, {total} stored after SIGKILL", acked.len());
    assert!(
        total >= acked.len(),
        "{total} stored < {} acknowledged",
        acked.len()
    );
    for (to, m) in &acked {
        let boxed = &stored[to];
        let found = boxed.iter().any(|s| {
            // Headers may be added in front (trace field); the message as
            // sent must follow them byte for byte.
            s.ends_with(m) && body_of(s) == body_of(m)
        });
        assert!(
            found,
            "acknowledged message lost: {}",
            String::from_utf8_lossy(m.split(|&b| b == b'\n').nth(1).unwrap_or(b""))
        );
    }
}
