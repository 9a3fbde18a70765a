//! Tests of the delivery path on a real SQLite store in a temporary
//! directory (no mocks of the store), with an injected clock.

mod alert;
mod antivirus;
mod begun;
mod checks;
mod filters;
mod forward;
mod gate;
mod phish;
mod quota;
mod spam;
mod spam_learning;
mod submit;
mod vacation;
mod writes;

use std::net::{IpAddr, Ipv4Addr};

use vesontio_store::{Account, NewAccount, Store, StoreConfig};
use vesontio_types::{AccountKind, Address, UnixTime};

use crate::{Delivery, DeliveryConfig, Envelope, Origin, Recipient};

pub(crate) const NOW: UnixTime = 1_790_000_000;
pub(crate) const DOMAIN: &str = "ac-demo.fr";

pub(crate) struct Env {
    pub _dir: tempfile::TempDir,
    pub d: Delivery,
}

impl Env {
    pub fn store(&self) -> &Store {
        self.d.store()
    }
}

pub(crate) fn config() -> DeliveryConfig {
    DeliveryConfig {
        hostname: "mx.ac-demo.fr".into(),
        local_domains: vec![DOMAIN.into()],
        postmaster: addr("postmaster@ac-demo.fr"),
        allowed_outside_senders: Vec::new(),
        message_size_limit: 10 * 1024 * 1024,
        forbidden_extensions: ["exe", "com", "pif", "reg", "scr", "vbs"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        scan: crate::ScanRules::CHARTER,
        large_file_url: "https://fichiers.ac-demo.fr".into(),
        recipients_per_message: 5,
        recipients_per_hour: 8,
        quota_warning_percent: 90,
        full_mailbox_hold_secs: 5 * 86_400,
        retry_intervals_secs: vec![900, 3600],
        queue_expiry_secs: 5 * 86_400,
        static_routes: vec![],
        spam_threshold: 5.0,
    }
}

pub(crate) async fn setup() -> Env {
    setup_with(config()).await
}

pub(crate) async fn setup_with(cfg: DeliveryConfig) -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(StoreConfig::Sqlite {
        dir: dir.path().to_path_buf(),
    })
    .await
    .expect("open store");
    store.add_domain(DOMAIN).await.expect("domain");
    Env {
        _dir: dir,
        d: Delivery::new(cfg, store),
    }
}

/// The same on PostgreSQL (`VESONTIO_TEST_POSTGRES`, default the local
/// server), in a schema of its own; `None` (skipped) when unreachable,
/// unless `CI` is set.
pub(crate) async fn setup_postgres(cfg: DeliveryConfig, case: &str) -> Option<Env> {
    let url = std::env::var("VESONTIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let dir = tempfile::tempdir().expect("tempdir");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() % 1_000_000_000);
    let store = match Store::open(StoreConfig::Postgres {
        url: url.clone(),
        schema: format!("d_{case}_{}_{nanos}", std::process::id()),
        blob_dir: dir.path().to_path_buf(),
    })
    .await
    {
        Ok(s) => s,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("SKIPPED: PostgreSQL unreachable at {url}: {e}");
            return None;
        }
        Err(e) => panic!("PostgreSQL required (CI) but unreachable at {url}: {e}"),
    };
    store.add_domain(DOMAIN).await.expect("domain");
    Some(Env {
        _dir: dir,
        d: Delivery::new(cfg, store),
    })
}

pub(crate) fn addr(s: &str) -> Address {
    Address::parse(s).expect("address")
}

/// The account that already has `address`.
pub(crate) async fn by_address(e: &Env, address: &str) -> Account {
    e.store()
        .account_by_address(address)
        .await
        .expect("lookup")
        .expect("the account exists")
}

pub(crate) async fn account(e: &Env, address: &str, kind: AccountKind, quota: i64) -> Account {
    e.store()
        .create_account(NewAccount {
            address: address.into(),
            kind,
            display_name: address.split('@').next().unwrap_or("").into(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: quota,
            created_at: NOW - 1000,
        })
        .await
        .expect("create account")
}

pub(crate) async fn person(e: &Env, address: &str) -> Account {
    account(e, address, AccountKind::Person, 1 << 30).await
}

pub(crate) fn mx() -> Origin {
    Origin::Mx {
        client_ip: IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)),
        helo: "mail.example.org".into(),
        tls: true,
    }
}

/// SPF/DKIM checks on MX mail with a zone where `example.org` sends from
/// [`mx`]'s address and `forged.example` from somewhere else.
pub(crate) fn authenticate_mx_senders(e: &Env) {
    let zone = crate::outbound::StaticDns::new()
        .txt("example.org", "v=spf1 ip4:192.0.2.7 -all")
        .txt("forged.example", "v=spf1 ip4:198.51.100.1 -all");
    e.d.set_inbound_auth(crate::outbound::AuthDns::offline(&zone).expect("offline dns"));
}

pub(crate) fn sub(a: &Account) -> Origin {
    Origin::Submission {
        account: Box::new(a.clone()),
        client_ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)),
        helo: "laptop".into(),
    }
}

pub(crate) fn envelope(from: Option<&str>, rcpts: &[&str]) -> Envelope {
    Envelope {
        mail_from: from.map(addr),
        recipients: rcpts
            .iter()
            .map(|r| Recipient {
                address: addr(r),
                orcpt: None,
                notify: None,
            })
            .collect(),
        envid: None,
        ret: None,
        smtputf8: false,
    }
}

pub(crate) fn message(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <m{}@example.org>\r\n\r\n{body}\r\n",
        subject.len() + body.len()
    )
    .into_bytes()
}

/// The bodies in a folder of an account, in UID order.
pub(crate) async fn folder(e: &Env, address: &str, name: &str) -> Vec<(Vec<u8>, bool, String)> {
    let acc = e
        .store()
        .account_by_address(address)
        .await
        .expect("lookup")
        .expect("account exists");
    let mb = e
        .store()
        .mailbox_by_name(acc.id, name)
        .await
        .expect("mailbox")
        .expect("mailbox exists");
    let mut out = Vec::new();
    for m in e.store().messages(mb.id).await.expect("messages") {
        let raw = e.store().read_blob(&m.blob_id).await.expect("blob");
        out.push((raw, m.private, m.blob_id.clone()));
    }
    out
}

pub(crate) async fn inbox(e: &Env, address: &str) -> Vec<Vec<u8>> {
    folder(e, address, "INBOX")
        .await
        .into_iter()
        .map(|m| m.0)
        .collect()
}

/// The message as text with folded header lines unfolded (RFC 5322 §2.2.3).
pub(crate) fn text(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).replace("\r\n ", " ")
}

/// Subjects (decoded) of the messages in an INBOX.
pub(crate) async fn subjects(e: &Env, address: &str) -> Vec<String> {
    inbox(e, address)
        .await
        .iter()
        .map(|r| {
            vesontio_message::Analysis::of(r)
                .subject
                .unwrap_or_default()
        })
        .collect()
}

/// A multipart message with one base64 attachment.
pub(crate) fn with_attachment(
    from: &str,
    to: &str,
    subject: &str,
    name: &str,
    content_type: &str,
    data: &[u8],
) -> Vec<u8> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(data);
    format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: {subject}\r\nMessage-ID: <att@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nVoir PJ\r\n\
         --b1\r\nContent-Type: {content_type}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{b64}\r\n--b1--\r\n"
    )
    .into_bytes()
}

/// A zip with the given (name, contents) entries.
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("zip entry");
        w.write_all(data).expect("zip write");
    }
    w.finish().expect("zip finish").into_inner()
}

/// Queue entries of one kind with their bodies.
pub(crate) async fn queued(
    e: &Env,
    kind: vesontio_store::QueueKind,
) -> Vec<(vesontio_store::QueueEntry, String)> {
    let mut out = Vec::new();
    for q in e.store().queue_entries().await.expect("queue") {
        if q.kind == kind {
            let body = text(&e.store().read_blob(&q.blob_id).await.expect("blob"));
            out.push((q, body));
        }
    }
    out
}

pub(crate) async fn remote(e: &Env) -> Vec<(vesontio_store::QueueEntry, String)> {
    queued(e, vesontio_store::QueueKind::Remote).await
}

pub(crate) async fn member(e: &Env, group: &Account, m: &Account, rights: &str) {
    e.store()
        .set_member(group.id, m.id, rights)
        .await
        .expect("member");
}

pub(crate) async fn set_forward(e: &Env, a: &Account, to: &str, keep_copy: bool) {
    e.store()
        .update_account(
            a.id,
            vesontio_store::AccountUpdate {
                forward_to: Some(Some(to.into())),
                forward_keep_copy: Some(keep_copy),
                forward_since: Some(Some(NOW - 10)),
                ..Default::default()
            },
        )
        .await
        .expect("forward");
}
