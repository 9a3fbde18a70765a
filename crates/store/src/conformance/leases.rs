//! Session and named leases (`leases.rs`): what two processes sharing one
//! store must agree on.

#![allow(clippy::unwrap_used)]

use super::*;

pub async fn session_leases_count_expire_and_renew(s: Store) {
    let a = person(&s, "marie.curie@ac-demo.fr", 1 << 20).await;
    let b = person(&s, "paul.langevin@ac-demo.fr", 1 << 20).await;
    let take = |holder: &'static str, acc: AccountId, kind: SessionKind, max: u32, now: i64| {
        let s = s.clone();
        async move {
            s.session_lease_take(acc, kind, holder, max, now, 60)
                .await
                .unwrap()
        }
    };
    // One POP3 maildrop per account, whichever process asks.
    let p1 = take("node1", a.id, SessionKind::Pop3, 1, NOW)
        .await
        .unwrap();
    assert!(
        take("node2", a.id, SessionKind::Pop3, 1, NOW)
            .await
            .is_none()
    );
    assert!(
        take("node1", a.id, SessionKind::Pop3, 1, NOW)
            .await
            .is_none()
    );
    // Kinds and accounts are counted apart.
    assert!(
        take("node2", a.id, SessionKind::Imap, 1, NOW)
            .await
            .is_some()
    );
    assert!(
        take("node2", b.id, SessionKind::Pop3, 1, NOW)
            .await
            .is_some()
    );
    assert_eq!(
        s.session_leases_live(a.id, SessionKind::Pop3, NOW)
            .await
            .unwrap(),
        1
    );
    // Released: free at once.
    s.session_lease_release(p1).await.unwrap();
    assert_eq!(
        s.session_leases_live(a.id, SessionKind::Pop3, NOW)
            .await
            .unwrap(),
        0
    );
    let p2 = take("node2", a.id, SessionKind::Pop3, 1, NOW)
        .await
        .unwrap();
    // A live process renews all its leases in one statement.
    let renewed = s
        .session_leases_renew("node2", NOW + 30, NOW + 90)
        .await
        .unwrap();
    assert_eq!(renewed, 3, "node2 holds a's IMAP and POP3 and b's POP3");
    // A killed process stops renewing: its leases lapse after the ttl.
    assert!(
        take("node1", a.id, SessionKind::Pop3, 1, NOW + 89)
            .await
            .is_none()
    );
    let p3 = take("node1", a.id, SessionKind::Pop3, 1, NOW + 90)
        .await
        .unwrap();
    // A lapsed lease is not brought back: its slot may be someone else's.
    assert_eq!(
        s.session_leases_renew("node2", NOW + 95, NOW + 200)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.session_leases_live(a.id, SessionKind::Pop3, NOW + 95)
            .await
            .unwrap(),
        1
    );
    s.session_lease_release(p2).await.unwrap();
    s.session_lease_release(p3).await.unwrap();
    assert!(
        s.leases_prune(NOW + 95).await.unwrap() >= 2,
        "lapsed rows go"
    );
    assert_eq!(
        s.session_leases_live(b.id, SessionKind::Pop3, NOW)
            .await
            .unwrap(),
        0
    );

    // The IMAP limit counts every process's sessions.
    let max = 3;
    let mut got = 0;
    for holder in ["node1", "node2", "node1", "node2", "node1"] {
        if take(holder, b.id, SessionKind::Imap, max, NOW)
            .await
            .is_some()
        {
            got += 1;
        }
    }
    assert_eq!(got, max);

    // Takers racing for the last slot: exactly one wins.
    let c = person(&s, "irene.joliot@ac-demo.fr", 1 << 20).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.session_lease_take(
                c.id,
                SessionKind::Pop3,
                if i % 2 == 0 { "n1" } else { "n2" },
                1,
                NOW,
                60,
            )
            .await
            .unwrap()
            .is_some()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += t.await.unwrap() as u32;
    }
    assert_eq!(winners, 1);

    // Pruning removes lapsed rows only.
    let d = person(&s, "pierre.curie@ac-demo.fr", 1 << 20).await;
    take("node1", d.id, SessionKind::Pop3, 1, NOW + 100)
        .await
        .unwrap();
    s.leases_prune(NOW + 61).await.unwrap();
    assert_eq!(
        s.session_leases_live(d.id, SessionKind::Pop3, NOW + 150)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.session_leases_live(c.id, SessionKind::Pop3, NOW + 30)
            .await
            .unwrap(),
        0
    );
    // Deleting an account ends its leases.
    s.delete_account(d.id).await.unwrap();
    assert_eq!(
        s.session_leases_live(d.id, SessionKind::Pop3, NOW + 150)
            .await
            .unwrap(),
        0
    );
}

pub async fn named_leases_one_holder_at_a_time(s: Store) {
    assert!(s.lease_take("jobs", "node1", NOW, 600).await.unwrap());
    assert!(!s.lease_take("jobs", "node2", NOW + 10, 600).await.unwrap());
    // The holder renews its own lease.
    assert!(s.lease_take("jobs", "node1", NOW + 500, 600).await.unwrap());
    assert!(!s.lease_take("jobs", "node2", NOW + 700, 600).await.unwrap());
    // Lapsed: another holder may take it.
    assert!(
        s.lease_take("jobs", "node2", NOW + 1100, 600)
            .await
            .unwrap()
    );
    assert!(
        !s.lease_take("jobs", "node1", NOW + 1100, 600)
            .await
            .unwrap()
    );
    // Release by someone else does nothing; by the holder frees it.
    s.lease_release("jobs", "node1").await.unwrap();
    assert!(
        !s.lease_take("jobs", "node3", NOW + 1101, 600)
            .await
            .unwrap()
    );
    s.lease_release("jobs", "node2").await.unwrap();
    assert!(
        s.lease_take("jobs", "node3", NOW + 1101, 600)
            .await
            .unwrap()
    );
    // Names are independent.
    assert!(
        s.lease_take("claim:r12-warn:1", "node1", NOW, 86_400)
            .await
            .unwrap()
    );

    // Many takers at once: exactly one wins.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.lease_take("race", &format!("node{i}"), NOW, 60)
                .await
                .unwrap()
        }));
    }
    let mut winners = 0;
    for t in tasks {
        winners += t.await.unwrap() as u32;
    }
    assert_eq!(winners, 1);
    assert!(s.leases_prune(NOW + 61).await.unwrap() >= 1);
    assert!(s.lease_take("race", "late", NOW + 61, 60).await.unwrap());
}
