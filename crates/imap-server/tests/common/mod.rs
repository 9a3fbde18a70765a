//! Test harness: an in-process IMAP server on 127.0.0.1 (ports 993-like
//! and 143-like) over a temporary SQLite store, driven by Python's imaplib.
#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use tokio::net::TcpListener;
use vesontio_directory::{AuthLimits, Directory};
use vesontio_imap_server::{ImapConfig, ImapServer};
use vesontio_netkit::{CancellationToken, TaskTracker};
use vesontio_store::{Account, NewAccount, NewMessage, Store, StoreConfig};
use vesontio_types::{AccountKind, Secret};

pub const PW: &str = "Correct-Horse-Battery-42!";
pub const USER: &str = "jean.dupont@ac-demo.fr";

pub struct Env {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub port_tls: u16,
    pub port_plain: u16,
    pub cert: PathBuf,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
}

pub fn config() -> ImapConfig {
    ImapConfig {
        hostname: "mail.ac-demo.fr".into(),
        max_command_len: 8192,
        max_literal: 1_000_000,
        max_sessions_per_account: 5,
        idle_timeout: Duration::from_secs(1800),
        quota_warning_percent: 90,
        structure_cache: 20_000,
    }
}

pub async fn start() -> Env {
    start_with(config()).await
}

/// The login limits of the tests: a delay long enough that a lockout still
/// holds when the next login of a test comes, however loaded the machine
/// (1 s was flaky).
pub fn auth_limits() -> AuthLimits {
    AuthLimits {
        max_failures: 10,
        base_delay_secs: 30,
        max_delay_secs: 60,
        account_max_delay_secs: 60,
        max_accounts_per_address: 100,
        cache_ttl_secs: 3600,
    }
}

pub async fn start_with(cfg: ImapConfig) -> Env {
    start_full(cfg, auth_limits()).await
}

pub async fn start_full(cfg: ImapConfig, limits: AuthLimits) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(StoreConfig::Sqlite {
        dir: dir.path().join("data"),
    })
    .await
    .expect("store");
    let (cert, key) =
        vesontio_tls::self_signed(&["localhost".into(), "127.0.0.1".into()]).expect("cert");
    let cert_path = dir.path().join("cert.pem");
    std::fs::write(&cert_path, &cert).expect("write cert");
    let tls = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).expect("acceptor");
    let directory = Directory::new(store.clone(), limits);
    let delivery = vesontio_delivery::Delivery::new(
        vesontio_delivery::DeliveryConfig::charter_defaults(
            "mail.ac-demo.fr",
            vec!["ac-demo.fr".into()],
        ),
        store.clone(),
    );
    let server = std::sync::Arc::new(ImapServer::new(cfg, directory, delivery, tls));
    let l_tls = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let l_plain = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port_tls = l_tls.local_addr().expect("addr").port();
    let port_plain = l_plain.local_addr().expect("addr").port();
    let shutdown = CancellationToken::new();
    let tracker = TaskTracker::new();
    for (l, implicit) in [(l_tls, true), (l_plain, false)] {
        let server = server.clone();
        let (sd, tr) = (shutdown.clone(), tracker.clone());
        tokio::spawn(async move { server.run(l, implicit, sd, tr).await });
    }
    Env {
        dir,
        store,
        port_tls,
        port_plain,
        cert: cert_path,
        shutdown,
        tracker,
    }
}

const PRELUDE: &str = r#"
import imaplib, ssl, os, sys, socket, time, base64
HOST = '127.0.0.1'
PORT_TLS = int(os.environ['PORT_TLS'])
PORT_PLAIN = int(os.environ['PORT_PLAIN'])
CERT = os.environ['CERT']
USER = os.environ['IMAP_USER']
PW = os.environ['IMAP_PW']
def ctx():
    return ssl.create_default_context(cafile=CERT)
def tls():
    return imaplib.IMAP4_SSL(HOST, PORT_TLS, ssl_context=ctx(), timeout=10)
def plain():
    return imaplib.IMAP4(HOST, PORT_PLAIN, timeout=10)
def login(user=None):
    M = tls()
    typ, _ = M.login(user or USER, PW)
    assert typ == 'OK', typ
    return M
class Raw:
    """A raw IMAP connection over TLS: send lines, read until the tagged reply."""
    def __init__(self, tls=True, login=True, user=None):
        s = socket.create_connection((HOST, PORT_TLS if tls else PORT_PLAIN), timeout=10)
        if tls:
            s = ctx().wrap_socket(s, server_hostname=HOST)
        self.s = s
        self.f = s.makefile('rb')
        self.n = 0
        self.greeting = self.f.readline()
        if login:
            r = self.cmd('LOGIN "%s" "%s"' % (user or USER, PW))
            assert r[-1].startswith(b'OK'), r
    def send(self, data):
        self.s.sendall(data)
    def line(self):
        return self.f.readline()
    def cmd(self, text):
        """Returns the untagged lines (bytes, CRLF stripped) then the tagged status without its tag."""
        self.n += 1
        tag = b'T%d' % self.n
        self.s.sendall(tag + b' ' + (text.encode() if isinstance(text, str) else text) + b'\r\n')
        out = []
        while True:
            l = self.f.readline()
            assert l, 'connection closed'
            if l.startswith(tag + b' '):
                out.append(l[len(tag) + 1:].rstrip(b'\r\n'))
                return out
            out.append(l.rstrip(b'\r\n'))

def ok(r):
    typ, data = r
    assert typ == 'OK', (typ, data)
    return data
"#;

impl Env {
    pub async fn account(&self, address: &str, kind: AccountKind, must_change: bool) -> Account {
        let hash = vesontio_directory::password::hash(&Secret::new(PW.to_string())).expect("hash");
        self.account_with_hash(address, kind, must_change, hash)
            .await
    }

    /// A person whose password `PW` is hashed with argon2's lowest costs,
    /// for tests that log many accounts in.
    pub async fn cheap_account(&self, address: &str) -> Account {
        let hash = vesontio_directory::password::hash_for_tests(&Secret::new(PW.to_string()))
            .expect("hash");
        self.account_with_hash(address, AccountKind::Person, false, hash)
            .await
    }

    async fn account_with_hash(
        &self,
        address: &str,
        kind: AccountKind,
        must_change: bool,
        hash: String,
    ) -> Account {
        self.store
            .create_account(NewAccount {
                address: address.into(),
                kind,
                display_name: "Test".into(),
                password_hash: Some(hash),
                must_change_password: must_change,
                manager: None,
                quota_bytes: 1_000_000_000,
                created_at: vesontio_store::now(),
            })
            .await
            .expect("account")
    }

    pub async fn user(&self) -> Account {
        self.account(USER, AccountKind::Person, false).await
    }

    /// Puts a message in a mailbox of an account, as delivery would.
    pub async fn deliver(
        &self,
        account: &Account,
        mailbox: &str,
        raw: &[u8],
        flags: &[&str],
    ) -> u32 {
        let mb = self
            .store
            .mailbox_by_name(account.id, mailbox)
            .await
            .expect("mailbox")
            .expect("exists");
        let (blob, data) = self.store.put_blob(raw.to_vec()).await.expect("blob");
        self.store
            .append(
                mb.id,
                NewMessage {
                    blob,
                    data: Some(data),
                    internal_date: 1_700_000_000,
                    flags: flags.iter().map(|f| f.to_string()).collect(),
                    private: false,
                    parsed: None,
                },
            )
            .await
            .expect("append")
            .uid
    }

    /// Runs a Python script (after the prelude) and fails the test with
    /// its output if it fails.
    pub async fn py(&self, script: &str) {
        let code = format!("{PRELUDE}\n{script}");
        let (pt, pp, cert) = (self.port_tls, self.port_plain, self.cert.clone());
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("python3")
                .arg("-c")
                .arg(code)
                .env("PORT_TLS", pt.to_string())
                .env("PORT_PLAIN", pp.to_string())
                .env("CERT", cert)
                .env("IMAP_USER", USER)
                .env("IMAP_PW", PW)
                .output()
        })
        .await
        .expect("join")
        .expect("python3");
        assert!(
            out.status.success(),
            "python failed:\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

pub fn message(subject: &str, from: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: Jean Dupont <jean.dupont@ac-demo.fr>\r\nSubject: {subject}\r\n\
         Date: Mon, 13 Nov 2023 10:00:00 +0100\r\nMessage-ID: <{}@test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.len()
    )
    .into_bytes()
}
