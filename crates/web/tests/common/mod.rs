//! A webmail on a temporary SQLite store, with accounts and mail, for the
//! handler tests and the browser tests.
#![allow(clippy::unwrap_used, dead_code)]

pub mod browser;
pub mod client;
pub mod mx;

use std::net::SocketAddr;

use tempfile::TempDir;
use vesontio_delivery::{Delivery, DeliveryConfig};
use vesontio_directory::{AuthLimits, Directory};
use vesontio_store::{Account, NewAccount, NewMessage, Store, StoreConfig};
use vesontio_types::{AccountKind, Secret};
use vesontio_web::{Clock, Web, WebConfig};

pub const NOW: i64 = 1_780_000_000;
pub const PASSWORD: &str = "Correct-Horse-Battery-9!";
pub const INITIAL: &str = "Initial-Pass-2026-xyz!";

pub struct Env {
    pub _dir: TempDir,
    pub store: Store,
    pub web: Web,
    pub clock: Clock,
    pub delivery: Delivery,
}

pub fn config() -> WebConfig {
    WebConfig {
        hostname: "mail.ac-test.fr".into(),
        https_port: 443,
        session_idle_secs: 1800,
        session_absolute_secs: 12 * 3600,
        quota_warning_percent: 90,
        spam_report_local_part: "spam".into(),
        large_files: vesontio_web::LargeFilesConfig::default(),
    }
}

pub async fn env_with(clock: Clock) -> Env {
    env_configured(clock, |_| {}).await
}

/// The directory of a test webmail: the shared failure limits, short.
pub fn directory(store: &Store) -> Directory {
    Directory::new(
        store.clone(),
        AuthLimits {
            max_failures: 10,
            base_delay_secs: 1,
            max_delay_secs: 900,
            account_max_delay_secs: 60,
            max_accounts_per_address: 100,
            cache_ttl_secs: 0,
        },
    )
}

/// A webmail whose delivery path has `tune` applied to the charter's
/// defaults (a small size limit for R6 tests).
pub async fn env_configured(clock: Clock, tune: impl FnOnce(&mut DeliveryConfig)) -> Env {
    env_full(clock, tune, |_| {}).await
}

/// A webmail on a new SQLite store with both configurations tuned.
pub async fn env_full(
    clock: Clock,
    tune: impl FnOnce(&mut DeliveryConfig),
    tune_web: impl FnOnce(&mut WebConfig),
) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::Sqlite {
        dir: dir.path().to_path_buf(),
    })
    .await
    .unwrap();
    env_on(dir, store, clock, tune, tune_web).await
}

/// A webmail on `store` (`dir` is kept alive with it).
pub async fn env_on(
    dir: TempDir,
    store: Store,
    clock: Clock,
    tune: impl FnOnce(&mut DeliveryConfig),
    tune_web: impl FnOnce(&mut WebConfig),
) -> Env {
    store.add_domain("ac-test.fr").await.unwrap();
    let mut dc = DeliveryConfig::charter_defaults("mail.ac-test.fr", vec!["ac-test.fr".into()]);
    tune(&mut dc);
    let delivery = Delivery::new(dc, store.clone());
    let mut wc = config();
    tune_web(&mut wc);
    let web = Web::new(wc, directory(&store), delivery.clone(), clock.clone());
    Env {
        _dir: dir,
        store,
        web,
        clock,
        delivery,
    }
}

pub async fn env() -> Env {
    env_with(Clock::manual(NOW)).await
}

pub async fn person(e: &Env, address: &str, name: &str, pw: &str, must_change: bool) -> Account {
    let hash = vesontio_directory::password::hash_for_tests(&Secret::new(pw.into())).unwrap();
    e.store
        .create_account(NewAccount {
            address: address.into(),
            kind: AccountKind::Person,
            display_name: name.into(),
            password_hash: Some(hash),
            must_change_password: must_change,
            manager: None,
            quota_bytes: 100 << 20,
            created_at: NOW,
        })
        .await
        .unwrap()
}

/// Appends `raw` to the account's INBOX; returns (mailbox id, uid).
pub async fn deliver(e: &Env, account: &Account, raw: &str) -> (i64, u32) {
    let inbox = e
        .store
        .mailbox_by_name(account.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let (blob, data) = e.store.put_blob(raw.as_bytes().to_vec()).await.unwrap();
    let a = e
        .store
        .append(
            inbox.id,
            NewMessage {
                blob,
                data: Some(data),
                internal_date: NOW - 3600,
                flags: vec![],
                private: false,
                parsed: None,
            },
        )
        .await
        .unwrap();
    (inbox.id.0, a.uid)
}

/// A functional mailbox (R2) with `member` holding `rights` on it.
pub async fn functional(
    e: &Env,
    address: &str,
    name: &str,
    member: &Account,
    rights: &str,
) -> Account {
    let f = e
        .store
        .create_account(NewAccount {
            address: address.into(),
            kind: AccountKind::Functional,
            display_name: name.into(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 100 << 20,
            created_at: NOW,
        })
        .await
        .unwrap();
    e.store.set_member(f.id, member.id, rights).await.unwrap();
    f
}

/// The messages of the account's folder with special use `attr` (or
/// INBOX), each with its flags and bytes.
pub async fn folder(e: &Env, account: &Account, attr: &str) -> Vec<(Vec<String>, String)> {
    let m = e
        .store
        .mailboxes(account.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| {
            if attr == "INBOX" {
                m.name == "INBOX"
            } else {
                m.special_use.as_deref() == Some(attr)
            }
        })
        .unwrap();
    let mut out = Vec::new();
    for meta in e.store.messages(m.id).await.unwrap() {
        let raw = e
            .store
            .read_blob_sized(&meta.blob_id, meta.size)
            .await
            .unwrap();
        out.push((meta.flags, String::from_utf8_lossy(&raw).into_owned()));
    }
    out
}

/// The mailbox id of the account's folder with special use `attr`.
pub async fn folder_id(e: &Env, account: &Account, attr: &str) -> i64 {
    e.store
        .mailboxes(account.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.special_use.as_deref() == Some(attr))
        .unwrap()
        .id
        .0
}

/// The address of a page's `rel="next"` link, entities undone.
pub fn next_page(body: &str) -> String {
    let i = body.find("rel=\"next\"").expect("a next page");
    let href = &body[..i];
    let href = &href[href.rfind("href=\"").expect("href") + 6..];
    href[..href.find('"').expect("quote")]
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

pub fn peer() -> SocketAddr {
    "192.0.2.10:50000".parse().unwrap()
}

pub const PLAIN: &str = "From: Paul Durand <paul.durand@ac-test.fr>\r\n\
To: jeanne.martin@ac-test.fr\r\n\
Subject: =?UTF-8?Q?R=C3=A9union_du_conseil_p=C3=A9dagogique?=\r\n\
Date: Tue, 1 Dec 2026 09:30:00 +0100\r\n\
Message-ID: <plain-1@ac-test.fr>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Bonjour Jeanne,\r\n\
\r\n\
La réunion du conseil pédagogique aura lieu jeudi à 17 h en salle 204.\r\n\
\r\n\
Paul\r\n";

/// Paul's follow-up to [`PLAIN`], in the same thread (In-Reply-To).
pub const FOLLOW_UP: &str = "From: Paul Durand <paul.durand@ac-test.fr>\r\n\
To: jeanne.martin@ac-test.fr\r\n\
Subject: Re: =?UTF-8?Q?R=C3=A9union_du_conseil_p=C3=A9dagogique?=\r\n\
Date: Tue, 1 Dec 2026 10:00:00 +0100\r\n\
Message-ID: <plain-2@ac-test.fr>\r\n\
In-Reply-To: <plain-1@ac-test.fr>\r\n\
References: <plain-1@ac-test.fr>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Correction : la salle 210, pas la 204.\r\n";

/// An HTML mail where every payload would set a flag or fetch a URL.
pub const HOSTILE: &str = "From: Attaquant <evil@example.org>\r\n\
To: jeanne.martin@ac-test.fr\r\n\
Subject: Facture urgente\r\n\
Date: Tue, 1 Dec 2026 10:00:00 +0100\r\n\
Message-ID: <hostile-1@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><head><base href=\"https://evil.example/\"><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example/r\">\
<style>@import url(https://evil.example/css); body{background:url(https://evil.example/bg)}</style>\
<script>window.pwned=1</script></head><body>\
<p>Texte visible du message piégé.</p>\
<img src=\"https://evil.example/track.png\" alt=\"pixel\">\
<img src=x onerror=\"window.pwned=2\">\
<a href=\"javascript:window.pwned=3\">clic</a>\
<div style=\"width:expression(window.pwned=4);background-image:url(https://evil.example/x)\">css</div>\
<form action=\"https://evil.example/steal\"><input name=p></form>\
<svg><script>window.pwned=5</script><image href=\"https://evil.example/svg\"/></svg>\
<math><mtext><table><mglyph><style><img src=x onerror=window.pwned=6></style></mglyph></table></mtext></math>\
<iframe src=\"https://evil.example/frame\"></iframe>\
<object data=\"https://evil.example/o\"></object>\
<a href=\"https://www.education.gouv.fr/\">lien légitime</a>\
</body></html>\r\n";
