//! Accounts, memberships and lists.

#![allow(clippy::unwrap_used)]

use vesontio_types::{AccountKind, AccountStatus};

use super::*;

pub async fn accounts_crud(s: Store) {
    s.add_domain("AC-Demo.fr").await.unwrap();
    assert!(s.is_local_domain("ac-demo.fr").await.unwrap());
    assert!(!s.is_local_domain("example.org").await.unwrap());
    let a = person(&s, "Jeanne.Dupont@ac-demo.fr", 1 << 30).await;
    assert_eq!(a.address, "jeanne.dupont@ac-demo.fr");
    assert_eq!(a.quota_bytes, 1 << 30);
    assert_eq!(a.status, AccountStatus::Active);
    let again = s
        .account_by_address("JEANNE.DUPONT@ac-demo.fr")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again, a);
    let dup = s
        .create_account(NewAccount {
            address: "jeanne.dupont@ac-demo.fr".into(),
            kind: AccountKind::Person,
            display_name: String::new(),
            password_hash: None,
            must_change_password: true,
            manager: None,
            quota_bytes: 1,
            created_at: NOW,
        })
        .await;
    assert!(matches!(dup, Err(StoreError::AlreadyExists(_))), "{dup:?}");
    let names: Vec<_> = s
        .mailboxes(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.name, m.special_use))
        .collect();
    assert_eq!(names.len(), 6);
    assert!(names.contains(&("Sent".into(), Some("\\Sent".into()))));
    assert!(names.contains(&("INBOX".into(), None)));
    let u = s
        .update_account(
            a.id,
            AccountUpdate {
                status: Some(AccountStatus::Departed),
                departure_at: Some(Some(NOW + 5)),
                quota_bytes: Some(2048),
                manager: Some(Some("chef@ac-demo.fr".into())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (u.status, u.departure_at, u.quota_bytes),
        (AccountStatus::Departed, Some(NOW + 5), 2048)
    );
    assert_eq!(u.manager.as_deref(), Some("chef@ac-demo.fr"));
    assert_eq!(u.display_name, a.display_name, "untouched fields stay");
    person(&s, "jeanne.dupont2@ac-demo.fr", 10).await;
    let mut pre = s.addresses_with_prefix("jeanne.dupont").await.unwrap();
    pre.sort();
    assert_eq!(
        pre,
        vec!["jeanne.dupont2@ac-demo.fr", "jeanne.dupont@ac-demo.fr"]
    );
    assert!(
        s.addresses_with_prefix("jeanne_").await.unwrap().is_empty(),
        "LIKE wildcards are escaped"
    );
    assert_eq!(
        s.list_accounts(Some(AccountKind::Person))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        s.list_accounts(Some(AccountKind::List))
            .await
            .unwrap()
            .len(),
        0
    );
    s.delete_account(a.id).await.unwrap();
    assert!(s.account(a.id).await.unwrap().is_none());
    assert!(matches!(
        s.delete_account(a.id).await,
        Err(StoreError::NotFound(_))
    ));
}

pub async fn memberships_and_lists(s: Store) {
    let alice = person(&s, "alice@ac-demo.fr", 1000).await;
    let bob = person(&s, "bob@ac-demo.fr", 1000).await;
    let dsi = s
        .create_account(NewAccount {
            address: "dsi@ac-demo.fr".into(),
            kind: AccountKind::Functional,
            display_name: "DSI".into(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 1000,
            created_at: NOW,
        })
        .await
        .unwrap();
    s.set_member(dsi.id, alice.id, "lrswipkxtea").await.unwrap();
    s.set_member(dsi.id, bob.id, "lrs").await.unwrap();
    s.set_member(dsi.id, bob.id, "lrsp").await.unwrap();
    let m = s.members(dsi.id).await.unwrap();
    assert_eq!(
        m.iter()
            .map(|(a, r)| (a.address.as_str(), r.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("alice@ac-demo.fr", "lrswipkxtea"),
            ("bob@ac-demo.fr", "lrsp")
        ]
    );
    let g = s.groups_of(bob.id).await.unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].0.address, "dsi@ac-demo.fr");
    assert!(s.remove_member(dsi.id, bob.id).await.unwrap());
    assert!(!s.remove_member(dsi.id, bob.id).await.unwrap());
    let list = s
        .create_account(NewAccount {
            address: "profs@ac-demo.fr".into(),
            kind: AccountKind::List,
            display_name: "Profs".into(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 0,
            created_at: NOW,
        })
        .await
        .unwrap();
    assert!(
        s.mailboxes(list.id).await.unwrap().is_empty(),
        "lists have no folders"
    );
    s.add_list_member(list.id, "Bob@ac-demo.fr").await.unwrap();
    s.add_list_member(list.id, "alice@ac-demo.fr")
        .await
        .unwrap();
    s.add_list_member(list.id, "alice@ac-demo.fr")
        .await
        .unwrap();
    assert_eq!(
        s.list_members(list.id).await.unwrap(),
        vec!["alice@ac-demo.fr", "bob@ac-demo.fr"]
    );
    s.add_list_sender(list.id, "dsi@ac-demo.fr").await.unwrap();
    assert_eq!(
        s.list_senders(list.id).await.unwrap(),
        vec!["dsi@ac-demo.fr"]
    );
    assert!(
        s.remove_list_sender(list.id, "dsi@ac-demo.fr")
            .await
            .unwrap()
    );
    assert!(s.list_senders(list.id).await.unwrap().is_empty());
    // R25's staff names: every account's display name, none empty.
    let mut names = s.display_names().await.unwrap();
    names.sort();
    assert_eq!(names, ["DSI", "Profs", "alice", "bob"]);
    assert!(
        s.remove_list_member(list.id, "bob@ac-demo.fr")
            .await
            .unwrap()
    );
    assert_eq!(
        s.list_members(list.id).await.unwrap(),
        vec!["alice@ac-demo.fr"]
    );
}

/// The administration console's account list: keyset pages by address,
/// search in the address or the display name (with LIKE's wildcards taken
/// literally), a filter by kind; and the last login.
pub async fn account_pages_and_last_login(s: Store) {
    for a in ["b.martin", "a.durand", "c.petit", "d.moreau", "e_x.y"] {
        person(&s, &format!("{a}@ac-demo.fr"), 1 << 20).await;
    }
    s.create_account(NewAccount {
        address: "dsi@ac-demo.fr".into(),
        kind: AccountKind::Functional,
        display_name: "Direction des systèmes".into(),
        password_hash: None,
        must_change_password: false,
        manager: None,
        quota_bytes: 1 << 20,
        created_at: NOW,
    })
    .await
    .unwrap();
    let addrs = |v: Vec<Account>| v.into_iter().map(|a| a.address).collect::<Vec<_>>();
    let first = addrs(s.search_accounts(None, None, None, 2).await.unwrap());
    assert_eq!(first, ["a.durand@ac-demo.fr", "b.martin@ac-demo.fr"]);
    let next = addrs(
        s.search_accounts(None, None, Some(&first[1]), 3)
            .await
            .unwrap(),
    );
    assert_eq!(
        next,
        [
            "c.petit@ac-demo.fr",
            "d.moreau@ac-demo.fr",
            "dsi@ac-demo.fr"
        ]
    );
    let found = addrs(
        s.search_accounts(Some("MART"), None, None, 10)
            .await
            .unwrap(),
    );
    assert_eq!(found, ["b.martin@ac-demo.fr"]);
    let by_name = addrs(
        s.search_accounts(Some("direction"), None, None, 10)
            .await
            .unwrap(),
    );
    assert_eq!(by_name, ["dsi@ac-demo.fr"]);
    // `_` is a literal underscore, not "any character".
    let literal = addrs(
        s.search_accounts(Some("e_x"), None, None, 10)
            .await
            .unwrap(),
    );
    assert_eq!(literal, ["e_x.y@ac-demo.fr"]);
    assert!(
        s.search_accounts(Some("a_d"), None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let functional = addrs(
        s.search_accounts(None, Some(AccountKind::Functional), None, 10)
            .await
            .unwrap(),
    );
    assert_eq!(functional, ["dsi@ac-demo.fr"]);

    assert_eq!(s.last_login_at("a.durand@ac-demo.fr").await.unwrap(), None);
    s.login_succeeded("a.durand@ac-demo.fr", "192.0.2.1", NOW, false, true)
        .await
        .unwrap();
    s.login_succeeded("a.durand@ac-demo.fr", "192.0.2.2", NOW + 50, false, true)
        .await
        .unwrap();
    assert_eq!(
        s.last_login_at("A.Durand@ac-demo.fr").await.unwrap(),
        Some(NOW + 50)
    );
}
