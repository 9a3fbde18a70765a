//! Test harness: a POP3 server in process on 127.0.0.1:0 (one clear port
//! with STLS, one implicit-TLS port) over a temporary SQLite store, and
//! Python's `poplib` as the client.

#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_directory::{AuthLimits, Directory};
use vesontio_pop3_server::{Pop3Config, Pop3Server};
use vesontio_store::{Account, NewAccount, NewMessage, Store, StoreConfig};
use vesontio_tls::tokio_rustls::TlsAcceptor;
use vesontio_types::{AccountKind, MailboxId, Secret, Uid};

pub const USER: &str = "alice.martin@example.org";
pub const PASS: &str = "Correct-Horse-42-battery!";

pub struct Env {
    pub dir: TempDir,
    pub store: Store,
    pub account: Account,
    pub inbox: MailboxId,
    pub plain: SocketAddr,
    pub tls: SocketAddr,
    pub cert_path: PathBuf,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
}

impl Env {
    pub async fn start() -> Env {
        Env::start_with(Duration::from_secs(600)).await
    }

    pub async fn start_with(idle_timeout: Duration) -> Env {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(StoreConfig::Sqlite {
            dir: dir.path().join("store"),
        })
        .await
        .unwrap();
        let account = create_account(&store, USER, PASS, false).await;
        let inbox = store
            .mailbox_by_name(account.id, "INBOX")
            .await
            .unwrap()
            .unwrap()
            .id;
        let (cert, key) =
            vesontio_tls::self_signed(&["localhost".into(), "127.0.0.1".into()]).unwrap();
        let cert_path = dir.path().join("cert.pem");
        std::fs::write(&cert_path, &cert).unwrap();
        let acceptor: TlsAcceptor =
            vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap();
        let directory = Directory::new(
            store.clone(),
            AuthLimits {
                max_failures: 10,
                base_delay_secs: 60,
                max_delay_secs: 600,
                cache_ttl_secs: 3600,
            },
        );
        let server = std::sync::Arc::new(Pop3Server::new(
            Pop3Config {
                hostname: "mail.example.org".into(),
                idle_timeout,
                max_line: vesontio_pop3_proto::RECOMMENDED_MAX_LINE,
                expire_days: None,
                implementation: "vesontio-test".into(),
            },
            directory,
            store.clone(),
            acceptor,
        ));
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let plain_l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tls_l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let plain = plain_l.local_addr().unwrap();
        let tls = tls_l.local_addr().unwrap();
        for (l, implicit) in [(plain_l, false), (tls_l, true)] {
            let (server, s, t) = (server.clone(), shutdown.clone(), tracker.clone());
            tokio::spawn(async move { server.run(l, implicit, s, t).await });
        }
        Env {
            dir,
            store,
            account,
            inbox,
            plain,
            tls,
            cert_path,
            shutdown,
            tracker,
        }
    }

    /// Delivers a message into the INBOX, as the delivery agent would.
    pub async fn deliver(&self, raw: &[u8]) -> Uid {
        deliver_to(&self.store, self.inbox, raw).await
    }

    pub async fn inbox_uids(&self) -> Vec<Uid> {
        self.store
            .messages(self.inbox)
            .await
            .unwrap()
            .iter()
            .map(|m| m.uid)
            .collect()
    }

    pub async fn used(&self) -> i64 {
        self.store.quota_usage(self.account.id).await.unwrap().used
    }

    pub async fn uidvalidity(&self) -> u32 {
        self.store
            .mailbox(self.inbox)
            .await
            .unwrap()
            .unwrap()
            .uidvalidity
    }

    fn envs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("PLAIN_PORT", self.plain.port().to_string()),
            ("TLS_PORT", self.tls.port().to_string()),
            ("CAFILE", self.cert_path.display().to_string()),
            ("POP_USER", USER.to_string()),
            ("POP_PASS", PASS.to_string()),
        ]
    }

    /// Runs a Python script (after `PRELUDE`) to its end; panics with its
    /// output if it fails. Returns its stdout.
    pub async fn python(&self, script: &str) -> String {
        let envs = self.envs();
        let src = format!("{PRELUDE}\n{script}");
        let out = tokio::task::spawn_blocking(move || {
            Command::new("python3")
                .arg("-c")
                .arg(src)
                .envs(envs)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "python failed\n--- stdout\n{stdout}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Starts a Python script that talks with the test over stdin/stdout.
    pub fn python_interactive(&self, script: &str) -> Py {
        let mut child = Command::new("python3")
            .arg("-u")
            .arg("-c")
            .arg(format!("{PRELUDE}\n{script}"))
            .envs(self.envs())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Py {
            child,
            stdin,
            stdout,
        }
    }
}

pub async fn create_account(
    store: &Store,
    address: &str,
    pass: &str,
    must_change: bool,
) -> Account {
    let hash = vesontio_directory::password::hash(&Secret::new(pass.to_string())).unwrap();
    store
        .create_account(NewAccount {
            address: address.into(),
            kind: AccountKind::Person,
            display_name: "Alice Martin".into(),
            password_hash: Some(hash),
            must_change_password: must_change,
            manager: None,
            quota_bytes: 10_000_000,
            created_at: vesontio_store::now(),
        })
        .await
        .unwrap()
}

pub async fn deliver_to(store: &Store, inbox: MailboxId, raw: &[u8]) -> Uid {
    let (blob, data) = store.put_blob(raw.to_vec()).await.unwrap();
    store
        .append(
            inbox,
            NewMessage {
                blob,
                data: Some(data),
                internal_date: vesontio_store::now(),
                flags: vec![],
                private: false,
                parsed: None,
            },
        )
        .await
        .unwrap()
        .uid
}

/// A test message, CRLF throughout.
pub fn message(n: u32) -> Vec<u8> {
    format!(
        "From: bob@example.org\r\nTo: {USER}\r\nSubject: message {n}\r\nMessage-ID: <{n}@example.org>\r\n\r\nline one of {n}\r\nline two of {n}\r\nline three of {n}\r\n"
    )
    .into_bytes()
}

/// A Python script the test converses with, line by line.
pub struct Py {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Py {
    /// Reads lines until `marker`, returning the lines before it.
    pub fn expect(&mut self, marker: &str) -> Vec<String> {
        tokio::task::block_in_place(|| {
            let mut seen = Vec::new();
            loop {
                let mut line = String::new();
                let n = self.stdout.read_line(&mut line).unwrap();
                assert!(n > 0, "python ended before {marker:?}; saw {seen:?}");
                let line = line.trim_end().to_string();
                if line == marker {
                    return seen;
                }
                seen.push(line);
            }
        })
    }

    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Waits for the script to end and checks it succeeded.
    pub fn finish(mut self) {
        let status = tokio::task::block_in_place(|| self.child.wait().unwrap());
        assert!(status.success(), "python script failed: {status}");
    }
}

/// Helpers every script starts with.
pub const PRELUDE: &str = r#"
import os, poplib, ssl, socket, base64, sys, time
H = '127.0.0.1'
P = int(os.environ['PLAIN_PORT'])
S = int(os.environ['TLS_PORT'])
USER = os.environ['POP_USER']
PASS = os.environ['POP_PASS']
CTX = ssl.create_default_context(cafile=os.environ['CAFILE'])

def tls():
    return poplib.POP3_SSL(H, S, context=CTX, timeout=10)

def plain():
    return poplib.POP3(H, P, timeout=10)

def login(p=None, user=None, password=None):
    p = p or tls()
    p.user(user or USER)
    p.pass_(password or PASS)
    return p

def err(f, *a):
    """Calls f, which must fail with -ERR; returns the reply text."""
    try:
        r = f(*a)
    except poplib.error_proto as e:
        return e.args[0].decode()
    raise AssertionError('expected -ERR, got %r' % (r,))

def eq(a, b):
    assert a == b, 'expected %r, got %r' % (b, a)

def say(s):
    print(s, flush=True)

def wait():
    sys.stdin.readline()
"#;
