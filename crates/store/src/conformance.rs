//! The store conformance suite: every case runs unchanged on each backend
//! (see `tests/sqlite.rs` and `tests/postgres.rs`, which instantiate it with
//! [`conformance_tests!`]). A case takes a fresh, empty store.

#![allow(clippy::unwrap_used)]

use vesontio_types::{AccountId, AccountKind, AccountStatus};

use crate::messages::ExpungeMode;
use crate::*;

pub const NOW: i64 = 1_780_000_000;

pub async fn person(s: &Store, addr: &str, quota: i64) -> Account {
    s.create_account(NewAccount {
        address: addr.into(),
        kind: AccountKind::Person,
        display_name: addr.split('@').next().unwrap_or("").into(),
        password_hash: Some("$argon2id$fake".into()),
        must_change_password: false,
        manager: None,
        quota_bytes: quota,
        created_at: NOW,
    })
    .await
    .unwrap()
}

pub async fn inbox(s: &Store, a: AccountId) -> Mailbox {
    s.mailbox_by_name(a, "INBOX").await.unwrap().unwrap()
}

pub async fn msg(s: &Store, body: &str) -> NewMessage {
    let (blob, data) = s.put_blob(body.as_bytes().to_vec()).await.unwrap();
    NewMessage {
        blob,
        data: Some(data),
        internal_date: NOW,
        flags: vec![],
        private: false,
    }
}

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

pub async fn uid_and_modseq_are_monotonic(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    assert_eq!((mb.uidnext, mb.highestmodseq), (1, 1));
    let mut last = (0, 0);
    for i in 0..5 {
        let r = s
            .append(
                mb.id,
                msg(&s, &format!("Subject: {i}\r\n\r\nbody {i}\r\n")).await,
            )
            .await
            .unwrap();
        assert!(r.uid > last.0 && r.modseq > last.1, "{r:?} after {last:?}");
        assert_eq!(r.uidvalidity, mb.uidvalidity);
        last = (r.uid, r.modseq);
    }
    let mb2 = s.mailbox(mb.id).await.unwrap().unwrap();
    assert_eq!(mb2.uidnext, 6);
    assert_eq!(mb2.highestmodseq, last.1);
    let up = s
        .store_flags(mb.id, &[2, 3], FlagOp::Add, &["\\Seen".into()], None)
        .await
        .unwrap();
    assert_eq!(up.updated.len(), 2);
    assert!(up.updated.iter().all(|u| u.2 > last.1));
    let gone = s
        .expunge(mb.id, Some(&[5]), ExpungeMode::Any)
        .await
        .unwrap();
    assert_eq!(gone, vec![5]);
    // A UID is never reused, even after the highest message is expunged.
    let r = s.append(mb.id, msg(&s, "x").await).await.unwrap();
    assert_eq!(r.uid, 6);
    let ms = s.messages(mb.id).await.unwrap();
    assert_eq!(
        ms.iter().map(|m| m.uid).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 6]
    );
    let changed = s.changed_since(mb.id, last.1).await.unwrap();
    assert_eq!(
        changed.iter().map(|m| m.uid).collect::<Vec<_>>(),
        vec![2, 3, 6]
    );
    assert_eq!(s.vanished_since(mb.id, last.1).await.unwrap(), vec![5]);
    assert!(s.vanished_since(mb.id, r.modseq).await.unwrap().is_empty());
}

pub async fn flags_and_unchanged_since(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let m1 = s.append(mb.id, msg(&s, "one").await).await.unwrap();
    let m2 = s.append(mb.id, msg(&s, "two").await).await.unwrap();
    s.store_flags(
        mb.id,
        &[m1.uid, m2.uid],
        FlagOp::Replace,
        &["\\Flagged".into(), "$Work".into()],
        None,
    )
    .await
    .unwrap();
    let up = s
        .store_flags(
            mb.id,
            &[m1.uid],
            FlagOp::Add,
            &["\\seen".into(), "\\Flagged".into()],
            None,
        )
        .await
        .unwrap();
    assert_eq!(up.updated[0].1, vec!["\\Flagged", "$Work", "\\seen"]);
    let noop = s
        .store_flags(mb.id, &[m1.uid], FlagOp::Add, &["\\Seen".into()], None)
        .await
        .unwrap();
    assert!(noop.updated.is_empty(), "no change, no new modseq");
    let rem = s
        .store_flags(
            mb.id,
            &[m1.uid, m2.uid],
            FlagOp::Remove,
            &["$work".into()],
            None,
        )
        .await
        .unwrap();
    assert_eq!(rem.updated.len(), 2);
    let after_rem = rem.updated[0].2;
    // RFC 7162 §3.1.3: m1 changed after m2's modseq, so UNCHANGEDSINCE m2 fails for m1 only.
    let m2_ms = s
        .message_by_uid(mb.id, m2.uid)
        .await
        .unwrap()
        .unwrap()
        .modseq;
    assert_eq!(m2_ms, after_rem);
    s.store_flags(mb.id, &[m1.uid], FlagOp::Add, &["\\Answered".into()], None)
        .await
        .unwrap();
    let cond = s
        .store_flags(
            mb.id,
            &[m1.uid, m2.uid],
            FlagOp::Add,
            &["\\Draft".into()],
            Some(m2_ms),
        )
        .await
        .unwrap();
    assert_eq!(cond.modified, vec![m1.uid]);
    assert_eq!(
        cond.updated.iter().map(|u| u.0).collect::<Vec<_>>(),
        vec![m2.uid]
    );
    let c = s.counts(mb.id).await.unwrap();
    assert_eq!((c.messages, c.unseen, c.deleted), (2, 1, 0));
}

pub async fn quota_and_expunge(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 100).await;
    let mb = inbox(&s, a.id).await;
    let body = "x".repeat(40);
    s.append(mb.id, msg(&s, &body).await).await.unwrap();
    s.append(mb.id, msg(&s, &format!("{body}y")).await)
        .await
        .unwrap();
    let over = s.append(mb.id, msg(&s, &format!("{body}z")).await).await;
    assert!(
        matches!(
            over,
            Err(StoreError::OverQuota {
                used: 81,
                needed: 41,
                limit: 100
            })
        ),
        "{over:?}"
    );
    assert_eq!(
        s.quota_usage(a.id).await.unwrap(),
        QuotaUsage {
            used: 81,
            limit: 100
        }
    );
    // EXPUNGE removes only \Deleted messages and frees room at once.
    assert!(
        s.expunge(mb.id, None, ExpungeMode::FlaggedDeleted)
            .await
            .unwrap()
            .is_empty()
    );
    s.store_flags(mb.id, &[1], FlagOp::Add, &["\\Deleted".into()], None)
        .await
        .unwrap();
    assert_eq!(s.counts(mb.id).await.unwrap().deleted, 1);
    assert_eq!(
        s.expunge(mb.id, None, ExpungeMode::FlaggedDeleted)
            .await
            .unwrap(),
        vec![1]
    );
    assert_eq!(s.quota_usage(a.id).await.unwrap().used, 41);
    s.append(mb.id, msg(&s, &format!("{body}z")).await)
        .await
        .unwrap();
    assert_eq!(s.recount_usage(a.id).await.unwrap(), 82);
    assert_eq!(s.quota_usage(a.id).await.unwrap().used, 82);
    // Deleting a folder frees its messages' room too.
    let f = s.create_mailbox(a.id, "Projets", None).await.unwrap();
    s.copy_messages(mb.id, &[2], f.id, NOW).await.unwrap_err();
    s.expunge(mb.id, Some(&[3]), ExpungeMode::Any)
        .await
        .unwrap();
    s.copy_messages(mb.id, &[2], f.id, NOW).await.unwrap();
    assert_eq!(s.quota_usage(a.id).await.unwrap().used, 82);
    s.delete_mailbox(f.id).await.unwrap();
    assert_eq!(s.quota_usage(a.id).await.unwrap().used, 41);
    assert_eq!(s.recount_usage(a.id).await.unwrap(), 41);
}

/// Concurrent deliveries and expunges: UIDs unique, quota exact.
pub async fn concurrent_writers(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 30_000).await;
    let mb = inbox(&s, a.id).await;
    let writers = 8;
    let per = 15;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for i in 0..per {
                let body = format!(
                    "Subject: w{w} m{i}\r\n\r\n{}\r\n",
                    "z".repeat(200 + w * 10 + i)
                );
                match s.append(mb.id, msg(&s, &body).await).await {
                    Ok(_) => ok += 1,
                    Err(StoreError::OverQuota { .. }) => {}
                    Err(e) => panic!("{e}"),
                }
                if i % 4 == 3 {
                    let ms = s.messages(mb.id).await.unwrap();
                    if let Some(m) = ms.first() {
                        s.expunge(mb.id, Some(&[m.uid]), ExpungeMode::Any)
                            .await
                            .unwrap();
                    }
                }
            }
            ok
        }));
    }
    let mut appended = 0;
    for t in tasks {
        appended += t.await.unwrap();
    }
    assert!(appended > 0);
    let ms = s.messages(mb.id).await.unwrap();
    let mut uids: Vec<_> = ms.iter().map(|m| m.uid).collect();
    uids.dedup();
    assert_eq!(uids.len(), ms.len(), "UIDs are unique");
    let mb2 = s.mailbox(mb.id).await.unwrap().unwrap();
    assert_eq!(
        mb2.uidnext as usize,
        appended + 1,
        "one UID per successful append, none lost or reused"
    );
    let used = s.quota_usage(a.id).await.unwrap();
    assert_eq!(
        used.used,
        s.recount_usage(a.id).await.unwrap(),
        "quota stays exact"
    );
    assert!(used.used <= used.limit);
    assert_eq!(used.used, ms.iter().map(|m| m.size).sum::<i64>());
}

/// A failing batch leaves nothing behind: no message, no UID, no quota.
pub async fn rollback_on_error(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let good = msg(&s, "fine").await;
    let bad = NewMessage {
        blob: BlobRef {
            id: "ab".repeat(32),
            size: 10,
        },
        data: None,
        internal_date: NOW,
        flags: vec![],
        private: false,
    };
    let r = s.deliver_batch(vec![(mb.id, good), (mb.id, bad)]).await;
    assert!(matches!(r, Err(StoreError::BlobCorrupt(_))), "{r:?}");
    assert!(s.messages(mb.id).await.unwrap().is_empty());
    assert_eq!(s.quota_usage(a.id).await.unwrap().used, 0);
    assert_eq!(s.mailbox(mb.id).await.unwrap().unwrap().uidnext, 1);
    // Per-item failures do not abort the others.
    let tiny = person(&s, "tiny@ac-demo.fr", 3).await;
    let tb = inbox(&s, tiny.id).await;
    let out = s
        .deliver_batch(vec![
            (tb.id, msg(&s, "too big").await),
            (mb.id, msg(&s, "ok").await),
        ])
        .await
        .unwrap();
    assert!(matches!(out[0], Err(StoreError::OverQuota { .. })));
    assert!(out[1].is_ok());
    assert_eq!(s.messages(mb.id).await.unwrap().len(), 1);
}

/// Copies share one blob; the file goes when the last reference does.
pub async fn blobs_shared_and_reclaimed(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let b = person(&s, "b@ac-demo.fr", 1 << 20).await;
    let (ia, ib) = (inbox(&s, a.id).await, inbox(&s, b.id).await);
    let m = msg(&s, "Subject: shared\r\n\r\nsame body\r\n").await;
    let id = m.blob.id.clone();
    let out = s
        .deliver_batch(vec![(ia.id, m.clone()), (ib.id, m)])
        .await
        .unwrap();
    assert!(out.iter().all(|r| r.is_ok()));
    let arch = s.mailbox_by_name(a.id, "Archive").await.unwrap().unwrap();
    let map = s.copy_messages(ia.id, &[1], arch.id, NOW).await.unwrap();
    assert_eq!(map, vec![(1, 1)]);
    let copied = s.messages(arch.id).await.unwrap();
    assert_eq!(
        copied[0].crlf_size,
        Some("Subject: shared\r\n\r\nsame body\r\n".len() as i64),
        "copies keep the CRLF size"
    );
    let moved = s.move_messages(arch.id, &[1], ia.id).await.unwrap();
    assert_eq!(moved, vec![(1, 2)]);
    assert!(s.messages(arch.id).await.unwrap().is_empty());
    assert_eq!(
        s.read_blob(&id).await.unwrap(),
        b"Subject: shared\r\n\r\nsame body\r\n"
    );
    assert_eq!(s.referenced_blobs().await.unwrap(), vec![id.clone()]);
    s.expunge(ia.id, None, ExpungeMode::Any).await.unwrap();
    assert!(s.blobs().exists(&id), "b still has it");
    s.delete_account(b.id).await.unwrap();
    assert!(
        !s.blobs().exists(&id),
        "last reference gone, file reclaimed"
    );
    assert!(s.referenced_blobs().await.unwrap().is_empty());
    assert!(s.unreferenced_blobs().await.unwrap().is_empty());
}

pub async fn mailbox_tree(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let p = s.create_mailbox(a.id, "Projets", None).await.unwrap();
    s.create_mailbox(a.id, "Projets/2026", None).await.unwrap();
    assert!(matches!(
        s.create_mailbox(a.id, "Projets", None).await,
        Err(StoreError::AlreadyExists(_))
    ));
    assert!(matches!(
        s.create_mailbox(a.id, "bad//name", None).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        s.mailbox_by_name(a.id, "inbox")
            .await
            .unwrap()
            .unwrap()
            .name,
        "INBOX"
    );
    s.rename_mailbox(p.id, "Dossiers").await.unwrap();
    let names: Vec<_> = s
        .mailboxes(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert!(
        names.contains(&"Dossiers".to_string()) && names.contains(&"Dossiers/2026".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.starts_with("Projets")));
    let renamed = s.mailbox(p.id).await.unwrap().unwrap();
    assert_eq!(
        renamed.uidvalidity, p.uidvalidity,
        "RENAME keeps UIDVALIDITY"
    );
    s.delete_mailbox(p.id).await.unwrap();
    let again = s.create_mailbox(a.id, "Dossiers", None).await.unwrap();
    assert_ne!(
        again.uidvalidity, p.uidvalidity,
        "re-created mailbox gets a new UIDVALIDITY"
    );
    s.set_subscribed(again.id, false).await.unwrap();
    assert!(!s.mailbox(again.id).await.unwrap().unwrap().subscribed);
}

pub async fn shared_seen_per_user(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let b = person(&s, "b@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    s.append(mb.id, msg(&s, "1").await).await.unwrap();
    s.append(mb.id, msg(&s, "2").await).await.unwrap();
    s.set_shared_seen(mb.id, a.id, &[1, 2], true).await.unwrap();
    s.set_shared_seen(mb.id, b.id, &[2], true).await.unwrap();
    s.set_shared_seen(mb.id, a.id, &[1], false).await.unwrap();
    assert_eq!(s.shared_seen(mb.id, a.id).await.unwrap(), vec![2]);
    assert_eq!(s.shared_seen(mb.id, b.id).await.unwrap(), vec![2]);
    s.expunge(mb.id, Some(&[2]), ExpungeMode::Any)
        .await
        .unwrap();
    assert!(s.shared_seen(mb.id, b.id).await.unwrap().is_empty());
}

pub async fn queue_lifecycle(s: Store) {
    let (blob, _) = s
        .put_blob(b"Subject: out\r\n\r\nhello\r\n".to_vec())
        .await
        .unwrap();
    let id = s
        .enqueue(NewQueueEntry {
            kind: QueueKind::Remote,
            blob: blob.clone(),
            sender: "a@ac-demo.fr".into(),
            envid: Some("ENV1".into()),
            ret: Some("HDRS".into()),
            recipients: vec![
                NewQueueRcpt {
                    address: "x@example.org".into(),
                    orcpt: Some("rfc822;x@example.org".into()),
                    notify: None,
                },
                NewQueueRcpt {
                    address: "y@example.org".into(),
                    orcpt: None,
                    notify: Some("FAILURE".into()),
                },
            ],
            created_at: NOW,
            next_attempt_at: NOW,
        })
        .await
        .unwrap();
    assert!(
        s.claim_due(NOW - 1, 60, 10).await.unwrap().is_empty(),
        "not due yet"
    );
    let got = s.claim_due(NOW, 60, 10).await.unwrap();
    assert_eq!(got.len(), 1);
    let e = &got[0];
    assert_eq!(
        (e.id, e.kind, e.envid.as_deref(), e.recipients.len()),
        (id, QueueKind::Remote, Some("ENV1"), 2)
    );
    assert!(
        s.claim_due(NOW, 60, 10).await.unwrap().is_empty(),
        "leased entries are not claimed twice"
    );
    s.set_rcpt_status(e.recipients[0].id, RcptStatus::Done, None)
        .await
        .unwrap();
    s.set_rcpt_status(
        e.recipients[1].id,
        RcptStatus::Pending,
        Some("451 try later"),
    )
    .await
    .unwrap();
    s.reschedule(id, NOW + 300, true).await.unwrap();
    assert!(s.claim_due(NOW + 299, 60, 10).await.unwrap().is_empty());
    let again = s.claim_due(NOW + 300, 60, 10).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    assert!(again[0].delay_notified);
    assert_eq!(again[0].recipients[0].status, RcptStatus::Done);
    assert_eq!(
        again[0].recipients[1].last_error.as_deref(),
        Some("451 try later")
    );
    s.dequeue(id).await.unwrap();
    assert!(!s.blobs().exists(&blob.id), "queue references released");
    // Held local deliveries wake up when room appears.
    let (blob, _) = s
        .put_blob(b"Subject: held\r\n\r\nwaiting\r\n".to_vec())
        .await
        .unwrap();
    let held = s
        .enqueue(NewQueueEntry {
            kind: QueueKind::HeldLocal,
            blob: blob.clone(),
            sender: "b@example.org".into(),
            envid: None,
            ret: None,
            recipients: vec![NewQueueRcpt {
                address: "a@ac-demo.fr".into(),
                orcpt: None,
                notify: None,
            }],
            created_at: NOW,
            next_attempt_at: NOW + 3600,
        })
        .await
        .unwrap();
    assert!(s.claim_due(NOW + 400, 60, 10).await.unwrap().is_empty());
    assert_eq!(s.wake_held(NOW + 400).await.unwrap(), 1);
    assert!(
        s.claim_due_kind(NOW + 400, 60, 10, QueueKind::Remote)
            .await
            .unwrap()
            .is_empty(),
        "kind filter"
    );
    let woke = s
        .claim_due_kind(NOW + 400, 60, 10, QueueKind::HeldLocal)
        .await
        .unwrap();
    assert_eq!(woke.iter().map(|e| e.id).collect::<Vec<_>>(), vec![held]);
    assert_eq!(woke[0].kind, QueueKind::HeldLocal);
    s.dequeue(held).await.unwrap();
    assert!(!s.blobs().exists(&blob.id));
    assert!(s.queue_entries().await.unwrap().is_empty());
}

pub async fn audit_chain(s: Store) {
    for i in 0..5 {
        s.audit_append(
            NOW + i,
            "connection",
            &serde_json::json!({"protocol": "imap", "ok": i % 2 == 0}),
        )
        .await
        .unwrap();
    }
    assert_eq!(s.audit_verify().await.unwrap(), Ok(5));
    let e = s.audit_entries(NOW + 1, NOW + 3).await.unwrap();
    assert_eq!(e.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(e[1].prev_hash, e[0].hash);
    // Tampering with one entry is detected at that entry.
    s.debug_execute("UPDATE audit SET data = '{\"protocol\":\"pop3\",\"ok\":true}' WHERE seq = 3")
        .await
        .unwrap();
    let broken = s.audit_verify().await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 3);
    s.debug_execute("UPDATE audit SET data = '{\"ok\":true,\"protocol\":\"imap\"}' WHERE seq = 3")
        .await
        .unwrap();
    // Removing one inside the chain too.
    let fresh = Store::clone(&s);
    fresh
        .debug_execute("DELETE FROM audit WHERE seq = 4")
        .await
        .unwrap();
    assert_eq!(fresh.audit_verify().await.unwrap().unwrap_err().seq, 5);
}

/// Concurrent appends are grouped into shared transactions; the chain stays
/// one line with one sequence number per entry.
pub async fn audit_concurrent_appends(s: Store) {
    let mut tasks = Vec::new();
    for i in 0..60 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.audit_append(NOW + i, "connection", &serde_json::json!({"i": i}))
                .await
                .unwrap()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=60).collect::<Vec<i64>>());
    assert_eq!(s.audit_verify().await.unwrap(), Ok(60));
    // Several entries in one call stay together and in order.
    let many = (0..5)
        .map(|i| {
            (
                NOW + 100,
                "message".to_string(),
                serde_json::json!({"n": i}),
            )
        })
        .collect();
    assert_eq!(s.audit_append_many(many).await.unwrap(), 61);
    let tail = s.audit_entries(NOW + 100, NOW + 101).await.unwrap();
    assert_eq!(
        tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![61, 62, 63, 64, 65]
    );
    assert_eq!(tail[4].data, "{\"n\":4}");
    assert_eq!(s.audit_verify().await.unwrap(), Ok(65));
}

pub async fn audit_retention_keeps_chain(s: Store) {
    for i in 0..6 {
        s.audit_append(NOW + i * 100, "message", &serde_json::json!({"n": i}))
            .await
            .unwrap();
    }
    assert_eq!(s.audit_purge_before(NOW + 250).await.unwrap(), 3);
    assert_eq!(s.audit_verify().await.unwrap(), Ok(3));
    s.audit_append(NOW + 700, "message", &serde_json::json!({"n": 7}))
        .await
        .unwrap();
    assert_eq!(s.audit_verify().await.unwrap(), Ok(4));
    // Dropping the newest entry is detected through the head.
    s.debug_execute("DELETE FROM audit WHERE seq = 7")
        .await
        .unwrap();
    assert!(s.audit_verify().await.unwrap().is_err());
}

pub async fn login_failures_rate_vacation_quarantine(s: Store) {
    assert_eq!(s.auth_state("ip:10.0.0.1").await.unwrap(), None);
    s.auth_failure("ip:10.0.0.1", NOW).await.unwrap();
    let st = s.auth_failure("ip:10.0.0.1", NOW + 2).await.unwrap();
    assert_eq!(
        st,
        FailureState {
            failures: 2,
            last_failure_at: NOW + 2
        }
    );
    s.auth_reset("ip:10.0.0.1").await.unwrap();
    assert_eq!(s.auth_state("ip:10.0.0.1").await.unwrap(), None);

    s.record_sent("A@ac-demo.fr", NOW - 4000, 30).await.unwrap();
    s.record_sent("a@ac-demo.fr", NOW - 100, 5).await.unwrap();
    s.record_sent("a@ac-demo.fr", NOW, 7).await.unwrap();
    assert_eq!(s.sent_since("a@ac-demo.fr", NOW - 3600).await.unwrap(), 12);
    assert_eq!(s.prune_sent(NOW - 3600).await.unwrap(), 1);

    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    assert_eq!(s.vacation(a.id).await.unwrap(), None);
    let v = Vacation {
        active: true,
        start_at: Some(NOW),
        end_at: Some(NOW + 86400),
        subject: "Absent".into(),
        body: "Retour lundi".into(),
    };
    s.set_vacation(a.id, &v).await.unwrap();
    assert_eq!(s.vacation(a.id).await.unwrap(), Some(v.clone()));
    assert!(
        s.vacation_mark_replied(a.id, "x@example.org", "p1")
            .await
            .unwrap()
    );
    assert!(
        !s.vacation_mark_replied(a.id, "X@example.org", "p1")
            .await
            .unwrap()
    );
    s.set_vacation(a.id, &v).await.unwrap();
    assert!(
        s.vacation_mark_replied(a.id, "x@example.org", "p1")
            .await
            .unwrap(),
        "a new setting starts a new period"
    );

    let (blob, _) = s
        .put_blob(b"Subject: [PRIVE] rdv medecin\r\n\r\n...".to_vec())
        .await
        .unwrap();
    let qid = s
        .quarantine_add(NewQuarantine {
            created_at: NOW,
            blob: blob.clone(),
            sender: "x@example.org".into(),
            recipients: vec!["a@ac-demo.fr".into(), "b@ac-demo.fr".into()],
            reason: "virus".into(),
            rule: None,
            private: true,
            subject: Some("[PRIVE] rdv medecin".into()),
        })
        .await
        .unwrap();
    let q = s.quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].recipients, vec!["a@ac-demo.fr", "b@ac-demo.fr"]);
    assert!(q[0].private);
    assert_eq!(
        q[0].subject, None,
        "R4: private subjects are never kept for admins"
    );
    assert!(s.quarantine_remove(qid).await.unwrap());
    assert!(!s.blobs().exists(&blob.id));
}

/// Every case, for the backend-instantiating macro.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@cases $factory;
            accounts_crud, memberships_and_lists, uid_and_modseq_are_monotonic, flags_and_unchanged_since,
            quota_and_expunge, concurrent_writers, rollback_on_error, blobs_shared_and_reclaimed, mailbox_tree,
            shared_seen_per_user, queue_lifecycle, audit_chain, audit_concurrent_appends, audit_retention_keeps_chain,
            login_failures_rate_vacation_quarantine);
    };
    (@cases $factory:path; $($case:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let Some(store) = $factory(stringify!($case)).await {
                    $crate::conformance::$case(store).await;
                }
            }
        )*
    };
}
