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

async fn account(store: &Store, address: &str, kind: AccountKind) -> vesontio_store::Account {
    store
        .create_account(NewAccount {
            address: address.into(),
            kind,
            display_name: String::new(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 1 << 20,
            created_at: 0,
        })
        .await
        .unwrap()
}

/// R2: a functional mailbox's folders are visible under `Shared/` to its
/// members holding `l`, with their rights; to anyone else the same name
/// resolves to nothing, exactly as a missing folder.
#[tokio::test]
async fn functional_mailboxes_are_visible_to_members_with_their_rights() {
    let (_d, store, marie) = store().await;
    let marie = store.account(marie).await.unwrap().unwrap();
    let paul = account(&store, "paul.langevin@ac-demo.fr", AccountKind::Person).await;
    let irene = account(&store, "irene.curie@ac-demo.fr", AccountKind::Person).await;
    let dsi = account(&store, "dsi@ac-demo.fr", AccountKind::Functional).await;
    store.set_member(dsi.id, marie.id, "lrs").await.unwrap();
    store.set_member(dsi.id, irene.id, "rs").await.unwrap();

    let shared = "Shared/dsi@ac-demo.fr/INBOX";
    let t = folders::resolve(&store, &marie, shared)
        .await
        .unwrap()
        .unwrap();
    assert!(t.shared && t.is_inbox());
    assert_eq!(t.owner(), dsi.id);
    assert!(t.may('r') && t.may('s') && !t.may('e') && !t.may('i'));
    let own = folders::resolve(&store, &marie, "INBOX")
        .await
        .unwrap()
        .unwrap();
    assert!(!own.shared && own.owner() == marie.id);
    assert_eq!(own.rights, folders::OWNER_RIGHTS);

    // Not a member, or a member without `l`: nothing, as if it did not exist.
    assert!(
        folders::resolve(&store, &paul, shared)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        folders::resolve(&store, &irene, shared)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        folders::resolve(&store, &marie, "Shared/dsi@ac-demo.fr/Nope")
            .await
            .unwrap()
            .is_none()
    );

    let names: Vec<String> = folders::all(&store, &marie)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert!(names.contains(&"INBOX".to_string()), "{names:?}");
    assert!(names.contains(&shared.to_string()), "{names:?}");
    let own_count = names.iter().filter(|n| !n.starts_with("Shared/")).count();
    assert_eq!(
        names.iter().position(|n| n.starts_with("Shared/")),
        Some(own_count),
        "own folders first: {names:?}"
    );
    let paul_sees = folders::all(&store, &paul).await.unwrap();
    assert!(paul_sees.iter().all(|t| !t.shared), "paul is not a member");
}

/// R13 and R17 through the layer: reading records the owner's last read
/// time; a store that fails (closed) does not fail the caller.
#[tokio::test]
async fn reading_records_the_last_read_time() {
    let (_d, store, marie) = store().await;
    consequences::messages_read(&store, marie, 1_800_000_000).await;
    let a = store.account(marie).await.unwrap().unwrap();
    assert_eq!(a.last_read_at, Some(1_800_000_000));
    consequences::room_freed(&store, 1_800_000_000).await;
    store.close().await;
    // Closed: logged, not a panic, not an error for the person.
    consequences::messages_read(&store, marie, 1_800_000_100).await;
    consequences::room_freed(&store, 1_800_000_100).await;
}

/// R2 through the layer: in a functional mailbox each member's `\Seen`
/// and unseen count are their own, from kept counts; in an own folder the
/// stored flag and the mailbox's count apply.
#[tokio::test]
async fn members_count_their_own_unseen() {
    let (_d, store, marie) = store().await;
    let marie = store.account(marie).await.unwrap().unwrap();
    let paul = account(&store, "paul.langevin@ac-demo.fr", AccountKind::Person).await;
    let dsi = account(&store, "dsi@ac-demo.fr", AccountKind::Functional).await;
    store.set_member(dsi.id, marie.id, "lrs").await.unwrap();
    store.set_member(dsi.id, paul.id, "lrs").await.unwrap();
    let inbox = store
        .mailbox_by_name(dsi.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    for i in 0..3 {
        let (blob, data) = store
            .put_blob(format!("Subject: {i}\r\n\r\n{i}\r\n").into_bytes())
            .await
            .unwrap();
        store
            .append(
                inbox.id,
                vesontio_store::NewMessage {
                    blob,
                    data: Some(data),
                    internal_date: 0,
                    flags: vec![],
                    private: false,
                    parsed: None,
                },
            )
            .await
            .unwrap();
    }
    let shared = "Shared/dsi@ac-demo.fr/INBOX";
    let tm = folders::resolve(&store, &marie, shared)
        .await
        .unwrap()
        .unwrap();
    let tp = folders::resolve(&store, &paul, shared)
        .await
        .unwrap()
        .unwrap();
    assert!(
        seen::mark(&store, &tm, marie.id, &[1, 3], true)
            .await
            .unwrap()
    );
    assert_eq!(seen::unseen(&store, &tm, marie.id).await.unwrap(), 1);
    assert_eq!(seen::unseen(&store, &tp, paul.id).await.unwrap(), 3);
    let c = seen::counts_from(&store, &tm, marie.id, 1).await.unwrap();
    assert_eq!((c.messages, c.unseen), (3, 1));
    let set = seen::seen_set(&store, &tm, marie.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(set.len(), 2);
    assert!(set.contains(&1) && set.contains(&3));
    assert!(
        seen::seen_set(&store, &tp, paul.id)
            .await
            .unwrap()
            .unwrap()
            .is_empty()
    );
    // An own folder: no private set, the stored count.
    let own = folders::resolve(&store, &marie, "INBOX")
        .await
        .unwrap()
        .unwrap();
    assert!(
        seen::seen_set(&store, &own, marie.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !seen::mark(&store, &own, marie.id, &[1], true)
            .await
            .unwrap()
    );
    assert_eq!(seen::unseen(&store, &own, marie.id).await.unwrap(), 0);
}
