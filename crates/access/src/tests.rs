#![allow(clippy::unwrap_used)]
//! Session leases on a real SQLite store; the cross-process behaviour on
//! PostgreSQL is the store conformance suite's and `app/tests/cluster.rs`'s.

use std::time::Duration;

use vesontio_store::{NewAccount, Store, StoreConfig};
use vesontio_types::{AccountId, AccountKind};

use super::*;

async fn store() -> (tempfile::TempDir, Store, AccountId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::Sqlite {
        dir: dir.path().to_path_buf(),
    })
    .await
    .unwrap();
    store.add_domain("ac-demo.fr").await.unwrap();
    let a = store
        .create_account(NewAccount {
            address: "marie.curie@ac-demo.fr".into(),
            kind: AccountKind::Person,
            display_name: String::new(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 1 << 20,
            created_at: 0,
        })
        .await
        .unwrap();
    (dir, store, a.id)
}

#[tokio::test]
async fn two_keepers_share_one_limit_and_release_frees_at_once() {
    let (_d, store, a) = store().await;
    // Two keepers on one store stand for two processes.
    let (k1, k2) = (
        SessionLeases::new(store.clone()),
        SessionLeases::new(store.clone()),
    );
    let l1 = k1.take(a, SessionKind::Pop3, 1).await.unwrap().unwrap();
    assert!(k2.take(a, SessionKind::Pop3, 1).await.unwrap().is_none());
    assert!(k1.take(a, SessionKind::Pop3, 1).await.unwrap().is_none());
    l1.release().await;
    let l2 = k2.take(a, SessionKind::Pop3, 1).await.unwrap().unwrap();
    // Dropped without release (a panicking session): freed by a task.
    drop(l2);
    let mut freed = false;
    for _ in 0..100 {
        if k1.take(a, SessionKind::Pop3, 1).await.unwrap().is_some() {
            freed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(freed, "a dropped lease is released");
}

#[tokio::test]
async fn renewal_keeps_a_lease_past_its_ttl_and_a_dead_holders_lapse() {
    let (_d, store, a) = store().await;
    let b = store
        .create_account(NewAccount {
            address: "paul.langevin@ac-demo.fr".into(),
            kind: AccountKind::Person,
            display_name: String::new(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 1 << 20,
            created_at: 0,
        })
        .await
        .unwrap()
        .id;
    let k1 = SessionLeases::with_ttl(store.clone(), Duration::from_secs(3));
    let k2 = SessionLeases::with_ttl(store.clone(), Duration::from_secs(3));
    let _held = k1.take(a, SessionKind::Imap, 1).await.unwrap().unwrap();
    // A killed process's lease: taken, never renewed.
    let now = vesontio_store::now();
    store
        .session_lease_take(b, SessionKind::Imap, "killed", 1, now, 3)
        .await
        .unwrap()
        .unwrap();
    assert!(k2.take(b, SessionKind::Imap, 1).await.unwrap().is_none());
    // Twice the ttl: only the renewer can have kept k1's slot taken.
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert!(
        k2.take(a, SessionKind::Imap, 1).await.unwrap().is_none(),
        "renewed while the session lives"
    );
    assert!(
        k2.take(b, SessionKind::Imap, 1).await.unwrap().is_some(),
        "the dead holder's lease lapsed"
    );
}
