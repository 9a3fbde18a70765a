//! Tests of the outbound path: routes against a static zone, and the runner
//! against a real SMTP sink on 127.0.0.1 reached by a static route. No test
//! sends a DNS query or leaves the loopback.

mod inbound_auth;
mod route;
mod runner;
mod sink;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use vesontio_store::{NewQueueEntry, NewQueueRcpt, QueueEntry, QueueKind, Store, StoreConfig};

use super::dns::BoxFuture;
use super::{LocalSink, OutboundConfig, Runner, StaticDns};

pub const NOW: i64 = 1_800_000_000;

pub struct Env {
    pub store: Store,
    _dir: tempfile::TempDir,
}

pub async fn store() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(StoreConfig::Sqlite {
        dir: dir.path().to_path_buf(),
    })
    .await
    .expect("store");
    Env { store, _dir: dir }
}

pub fn config(routes: Vec<(&str, &str)>) -> OutboundConfig {
    OutboundConfig {
        hostname: "mx.local.test".into(),
        retry_intervals_secs: vec![60, 300],
        expiry_secs: 3600,
        static_routes: routes
            .into_iter()
            .map(|(d, a)| (d.to_string(), a.to_string()))
            .collect(),
        postmaster: "postmaster@local.test".into(),
        dkim: vec![],
        connect_timeout: Duration::from_secs(5),
        local_domains: vec!["local.test".into()],
    }
}

pub fn runner(cfg: OutboundConfig, store: &Store) -> Runner {
    Runner::new(cfg, store.clone(), Arc::new(StaticDns::new()))
}

pub fn message(from: &str, to: &str) -> Vec<u8> {
    format!(
        "From: <{from}>\r\nTo: <{to}>\r\nSubject: Hello\r\nDate: Thu, 1 Jan 2026 10:00:00 +0100\r\n\
         Message-ID: <m1@local.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n\
         Bonjour,\r\n.leading dot line\r\nA bientot.\r\n"
    )
    .into_bytes()
}

/// Queues `raw` from `sender` to `rcpts` (`(address, notify)`).
pub async fn enqueue(
    store: &Store,
    sender: &str,
    rcpts: &[(&str, Option<&str>)],
    raw: Vec<u8>,
) -> i64 {
    let (blob, _) = store.put_blob(raw).await.expect("blob");
    store
        .enqueue(NewQueueEntry {
            kind: QueueKind::Remote,
            blob,
            sender: sender.to_string(),
            envid: Some("ENV-42".into()),
            ret: Some("HDRS".into()),
            recipients: rcpts
                .iter()
                .map(|(a, n)| NewQueueRcpt {
                    address: a.to_string(),
                    orcpt: Some(format!("rfc822;{a}")),
                    notify: n.map(str::to_string),
                })
                .collect(),
            created_at: NOW,
            next_attempt_at: NOW,
        })
        .await
        .expect("enqueue")
}

pub async fn entries(store: &Store) -> Vec<QueueEntry> {
    store.queue_entries().await.expect("entries")
}

/// `(sender, recipient, message)` as given to the local sink.
pub type LocalDelivery = (Option<String>, String, Vec<u8>);

/// A LocalSink that records what it is given.
#[derive(Default)]
pub struct Mailboxes {
    pub got: Mutex<Vec<LocalDelivery>>,
}

impl LocalSink for Mailboxes {
    fn deliver_local<'a>(
        &'a self,
        sender: Option<&'a str>,
        rcpt: &'a str,
        raw: Vec<u8>,
    ) -> BoxFuture<'a, Result<(), crate::Refused>> {
        self.got
            .lock()
            .expect("lock")
            .push((sender.map(str::to_string), rcpt.to_string(), raw));
        Box::pin(async { Ok(()) })
    }
}
