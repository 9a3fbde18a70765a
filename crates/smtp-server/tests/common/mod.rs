//! Test harness: a temporary SQLite store with a local domain and a few
//! accounts, a real delivery path and directory, and the three SMTP
//! listeners on 127.0.0.1:0. Clients nobody here wrote (swaks, Python's
//! smtplib) are run as subprocesses.

#![allow(dead_code, clippy::unwrap_used)]

pub mod charter;
pub mod client;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::net::TcpListener;
use vesontio_delivery::{Delivery, DeliveryConfig};
use vesontio_directory::{AuthLimits, Directory};
use vesontio_smtp_server::{
    CancellationToken, LineEndings, Listener, RcptLimits, SmtpConfig, SmtpServer, TaskTracker,
};
use vesontio_store::{NewAccount, Store, StoreConfig};
use vesontio_types::{AccountKind, Address, Secret};

pub const DOMAIN: &str = "ac-test.fr";
pub const HOST: &str = "mx.ac-test.fr";
pub const PASSWORD: &str = "Vesontio-Test-2026!";
pub const JEAN: &str = "jean.dupont@ac-test.fr";
pub const MARIE: &str = "marie.curie@ac-test.fr";
/// An account whose password was set by an administrator (R26).
pub const NEWBIE: &str = "paul.nouveau@ac-test.fr";
pub const LARGE_FILES: &str = "https://mx.ac-test.fr/files";

pub fn smtp_config() -> SmtpConfig {
    SmtpConfig {
        hostname: HOST.into(),
        size_limit: 10 * 1024 * 1024,
        max_recipients: 100,
        max_line_length: 4096,
        max_bad_commands: 20,
        command_timeout: Duration::from_secs(300),
        data_timeout: Duration::from_secs(180),
        data_termination_timeout: Duration::from_secs(600),
        large_file_url: LARGE_FILES.into(),
        webmail_url: format!("https://{HOST}/"),
        data_line_endings: LineEndings::Refuse,
        // Small, so that any message over 64 KB goes through the spool.
        data_in_memory: 64 * 1024,
        spool_dir: std::env::temp_dir(),
        rcpt_limits: RcptLimits {
            soft: 10,
            hard: 20,
            delay: Duration::from_millis(1),
            memory: Duration::from_secs(3600),
        },
    }
}

pub fn delivery_config() -> DeliveryConfig {
    DeliveryConfig {
        hostname: HOST.into(),
        local_domains: vec![DOMAIN.into()],
        postmaster: addr(&format!("postmaster@{DOMAIN}")),
        allowed_outside_senders: Vec::new(),
        message_size_limit: 10 * 1024 * 1024,
        forbidden_extensions: ["exe", "com", "pif", "reg", "scr", "vbs"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        scan: vesontio_delivery::ScanRules::CHARTER,
        large_file_url: LARGE_FILES.into(),
        recipients_per_message: 50,
        recipients_per_hour: 100_000,
        quota_warning_percent: 90,
        full_mailbox_hold_secs: 5 * 86_400,
        retry_intervals_secs: vec![900, 3600],
        queue_expiry_secs: 5 * 86_400,
        static_routes: vec![],
        spam_threshold: 5.0,
    }
}

pub fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

/// The store as deployed by default (`store.blobs = "mixed"`, 64 KB), so
/// the tests and the throughput bench go through the blob path a server
/// uses.
pub async fn open_store(dir: &Path) -> Store {
    Store::open_with_blobs(
        StoreConfig::Sqlite {
            dir: dir.to_path_buf(),
        },
        vesontio_store::BlobBackend::DEPLOYED,
    )
    .await
    .unwrap()
}

/// Creates an account; `password` `None` for mailboxes nobody logs into.
pub async fn account(store: &Store, address: &str, password: Option<&str>, must_change: bool) {
    let password_hash =
        password.map(|p| vesontio_directory::password::hash(&Secret::new(p.into())).unwrap());
    store
        .create_account(NewAccount {
            address: address.into(),
            kind: AccountKind::Person,
            display_name: address.split('@').next().unwrap_or("").into(),
            password_hash,
            must_change_password: must_change,
            manager: None,
            quota_bytes: 1 << 30,
            created_at: vesontio_store::now(),
        })
        .await
        .unwrap();
}

/// The domain and the three standard accounts.
pub async fn seed(store: &Store) {
    store.add_domain(DOMAIN).await.unwrap();
    account(store, JEAN, Some(PASSWORD), false).await;
    account(store, MARIE, Some(PASSWORD), false).await;
    account(store, NEWBIE, Some(PASSWORD), true).await;
}

pub fn auth_limits() -> AuthLimits {
    AuthLimits {
        max_failures: 10,
        base_delay_secs: 2,
        max_delay_secs: 60,
        account_max_delay_secs: 60,
        max_accounts_per_address: 100,
        cache_ttl_secs: 3600,
    }
}

/// A self-signed certificate for 127.0.0.1 and localhost, written to
/// `dir/cert.pem` for the clients.
pub fn tls(dir: &Path) -> (vesontio_smtp_server::TlsAcceptor, PathBuf) {
    vesontio_tls::install_default_provider();
    let (cert, key) =
        vesontio_tls::self_signed(&["localhost".to_string(), "127.0.0.1".to_string()]).unwrap();
    let path = dir.join("cert.pem");
    std::fs::write(&path, &cert).unwrap();
    (
        vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap(),
        path,
    )
}

/// One server with its three listeners.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub store: Store,
    /// The server's delivery path (for `retry_held` with an injected clock).
    pub delivery: Delivery,
    pub mx: SocketAddr,
    pub submission: SocketAddr,
    pub submissions: SocketAddr,
    pub cert: PathBuf,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with(smtp_config()).await
    }

    pub async fn start_with(cfg: SmtpConfig) -> Harness {
        Harness::start_full(cfg, delivery_config(), auth_limits()).await
    }

    pub async fn start_configured(cfg: SmtpConfig, delivery_cfg: DeliveryConfig) -> Harness {
        Harness::start_full(cfg, delivery_cfg, auth_limits()).await
    }

    pub async fn start_full(
        cfg: SmtpConfig,
        delivery_cfg: DeliveryConfig,
        limits: AuthLimits,
    ) -> Harness {
        Harness::start_filtered(cfg, delivery_cfg, limits, None).await
    }

    /// With the filter pipeline `filters` (issue 15) when given.
    pub async fn start_filtered(
        cfg: SmtpConfig,
        delivery_cfg: DeliveryConfig,
        limits: AuthLimits,
        filters: Option<vesontio_delivery::Filters>,
    ) -> Harness {
        Harness::start_filtered_by(cfg, delivery_cfg, limits, move |_| filters).await
    }

    /// With the filters `make` builds on the harness's store (stages that
    /// read it: alerts, spam models).
    #[allow(dead_code)]
    pub async fn start_with_filters(
        make: impl FnOnce(&vesontio_store::Store) -> vesontio_delivery::Filters,
    ) -> Harness {
        let f = |s: &vesontio_store::Store| Some(make(s));
        Harness::start_filtered_by(smtp_config(), delivery_config(), auth_limits(), f).await
    }

    async fn start_filtered_by(
        cfg: SmtpConfig,
        delivery_cfg: DeliveryConfig,
        limits: AuthLimits,
        make: impl FnOnce(&vesontio_store::Store) -> Option<vesontio_delivery::Filters>,
    ) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let store = open_store(dir.path()).await;
        seed(&store).await;
        let filters = make(&store);
        let (acceptor, cert) = tls(dir.path());
        let delivery = match filters {
            Some(f) => Delivery::with_filters(delivery_cfg, store.clone(), f),
            None => Delivery::new(delivery_cfg, store.clone()),
        };
        let server = SmtpServer::new(
            cfg,
            delivery.clone(),
            Directory::new(store.clone(), limits),
            acceptor,
        );
        let shutdown = CancellationToken::new();
        let tracker = TaskTracker::new();
        let mut addrs = Vec::new();
        for kind in [Listener::Mx, Listener::Submission, Listener::Submissions] {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addrs.push(l.local_addr().unwrap());
            let (s, sd, tr) = (server.clone(), shutdown.clone(), tracker.clone());
            tracker.spawn(async move { s.run(l, kind, sd, tr).await });
        }
        Harness {
            dir,
            store,
            delivery,
            mx: addrs[0],
            submission: addrs[1],
            submissions: addrs[2],
            cert,
            shutdown,
            tracker,
        }
    }

    /// Every message in the INBOX of `address`, as stored.
    pub async fn inbox(&self, address: &str) -> Vec<Vec<u8>> {
        inbox(&self.store, address).await
    }

    /// The `connection` audit events, once at least `n` are written (each
    /// is appended just after its session ended); panics after 10 s.
    pub async fn wait_connections(&self, n: usize) -> Vec<serde_json::Value> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let c = self.connections().await;
            if c.len() >= n {
                return c;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} connection events, want {n}",
                c.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The `connection` audit events so far.
    pub async fn connections(&self) -> Vec<serde_json::Value> {
        let entries = self.store.audit_entries(0, i64::MAX).await.unwrap();
        entries
            .into_iter()
            .filter(|e| e.category == "connection")
            .map(|e| serde_json::from_str(&e.data).unwrap())
            .collect()
    }
}

pub async fn inbox(store: &Store, address: &str) -> Vec<Vec<u8>> {
    let a = store.account_by_address(address).await.unwrap().unwrap();
    let mb = store.mailbox_by_name(a.id, "INBOX").await.unwrap().unwrap();
    let mut out = Vec::new();
    for m in store.messages(mb.id).await.unwrap() {
        out.push(store.read_blob(&m.blob_id).await.unwrap());
    }
    out
}

/// The body of a message: what follows the first empty line.
pub fn body_of(msg: &[u8]) -> &[u8] {
    msg.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .and_then(|i| msg.get(i + 4..))
        .unwrap_or(&[])
}

/// Output of a client subprocess.
pub struct Run {
    pub status: i32,
    pub out: String,
}

impl Run {
    /// Server replies in a swaks transcript (lines `<-` and `<**`).
    pub fn server_lines(&self) -> Vec<&str> {
        self.out
            .lines()
            .filter_map(|l| {
                let l = l.trim_start();
                l.strip_prefix("<** ")
                    .or_else(|| l.strip_prefix("<-  "))
                    .or_else(|| l.strip_prefix("<~  "))
                    .or_else(|| l.strip_prefix("<~* "))
            })
            .collect()
    }

    pub fn has_reply(&self, prefix: &str) -> bool {
        self.server_lines().iter().any(|l| l.starts_with(prefix))
    }
}

/// Runs swaks with `args` against `server` (the `--server` argument).
pub async fn swaks(server: SocketAddr, args: &[&str]) -> Run {
    let mut all: Vec<String> = vec![
        "--server".into(),
        server.ip().to_string(),
        "--port".into(),
        server.port().to_string(),
        "--timeout".into(),
        "30".into(),
        "--helo".into(),
        "client.example.org".into(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    run_blocking("swaks", all, None).await
}

/// Runs `python3 -c script` with `args`, `stdin` optional.
pub async fn python(script: &str, args: &[String]) -> Run {
    let mut all = vec!["-c".to_string(), script.to_string()];
    all.extend(args.iter().cloned());
    run_blocking("python3", all, None).await
}

async fn run_blocking(prog: &'static str, args: Vec<String>, stdin: Option<Vec<u8>>) -> Run {
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut cmd = std::process::Command::new(prog);
        cmd.args(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .stdin(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin
            && let Some(mut s) = child.stdin.take()
        {
            s.write_all(&input).unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&out.stderr));
        Run {
            status: out.status.code().unwrap_or(-1),
            out: text,
        }
    })
    .await
    .unwrap()
}
