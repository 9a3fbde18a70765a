//! Mailboxes and messages: UIDs, MODSEQs, flags, quota, blobs, concurrency.

#![allow(clippy::unwrap_used)]

use super::*;
use crate::messages::ExpungeMode;

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
    // The same in one statement, with the watermark.
    let ch = s.changes_since(mb.id, last.1).await.unwrap().unwrap();
    assert_eq!(ch.highestmodseq, r.modseq);
    assert_eq!(ch.changed, changed);
    assert_eq!(ch.vanished, vec![5]);
    let none = s.changes_since(mb.id, r.modseq).await.unwrap().unwrap();
    assert!(none.changed.is_empty() && none.vanished.is_empty());
    assert_eq!(none.highestmodseq, r.modseq);
    let by = s.messages_by_uids(mb.id, &[6, 1, 5, 99]).await.unwrap();
    assert_eq!(by.iter().map(|m| m.uid).collect::<Vec<_>>(), vec![1, 6]);
    // Several copies at once: consecutive UIDs, one new modseq, in order.
    let other = s.create_mailbox(a.id, "Copies", None).await.unwrap();
    let map = s
        .copy_messages(mb.id, &[4, 2, 3, 99], other.id)
        .await
        .unwrap();
    assert_eq!(map, vec![(2, 1), (3, 2), (4, 3)]);
    let copies = s.messages(other.id).await.unwrap();
    assert_eq!(copies.len(), 3);
    assert!(copies.iter().all(|m| m.modseq == copies[0].modseq));
    assert_eq!(copies[0].flags, vec!["\\Seen"]);
    let deleted = s.delete_mailbox(other.id).await;
    assert!(deleted.is_ok());
    assert!(s.changes_since(other.id, 0).await.unwrap().is_none());
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
    // System flags are reported in their canonical spelling and order,
    // keywords after them (flags are columns, schema v5).
    assert_eq!(up.updated[0].1, vec!["\\Seen", "\\Flagged", "$Work"]);
    let noop = s
        .store_flags(mb.id, &[m1.uid], FlagOp::Add, &["\\Seen".into()], None)
        .await
        .unwrap();
    assert!(noop.updated.is_empty(), "no change, no new modseq");
    assert_eq!(noop.current.len(), 1, "unchanged messages are reported too");
    assert_eq!(noop.current[0].1, vec!["\\Seen", "\\Flagged", "$Work"]);
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
    s.copy_messages(mb.id, &[2], f.id).await.unwrap_err();
    s.expunge(mb.id, Some(&[3]), ExpungeMode::Any)
        .await
        .unwrap();
    s.copy_messages(mb.id, &[2], f.id).await.unwrap();
    assert_eq!(s.quota_usage(a.id).await.unwrap().used, 82);
    s.delete_mailbox(f.id).await.unwrap();
    assert_eq!(s.quota_usage(a.id).await.unwrap().used, 41);
    assert_eq!(s.recount_usage(a.id).await.unwrap(), 41);
}

/// Concurrent deliveries and expunges: UIDs unique, quota exact.
/// EXPUNGE finds `\Deleted` however the client spelled it, and only it
/// (the store pre-filters rows in SQL: a keyword containing "deleted" must
/// not count).
pub async fn expunge_reads_deleted_in_any_case(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1_000_000).await;
    let mb = inbox(&s, a.id).await;
    for i in 0..3 {
        s.append(mb.id, msg(&s, &format!("m{i}")).await)
            .await
            .unwrap();
    }
    s.store_flags(mb.id, &[2], FlagOp::Add, &["$NotDeleted".into()], None)
        .await
        .unwrap();
    assert!(!s.any_deleted(mb.id, None).await.unwrap());
    assert!(
        s.expunge(mb.id, None, ExpungeMode::FlaggedDeleted)
            .await
            .unwrap()
            .is_empty()
    );
    s.store_flags(mb.id, &[1], FlagOp::Add, &["\\dELETED".into()], None)
        .await
        .unwrap();
    assert!(s.any_deleted(mb.id, None).await.unwrap());
    assert_eq!(
        s.expunge(mb.id, None, ExpungeMode::FlaggedDeleted)
            .await
            .unwrap(),
        vec![1]
    );
    assert!(!s.any_deleted(mb.id, None).await.unwrap());
    let left: Vec<u32> = s
        .messages(mb.id)
        .await
        .unwrap()
        .iter()
        .map(|m| m.uid)
        .collect();
    assert_eq!(left, vec![2, 3]);
}

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
        parsed: None,
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
    let map = s.copy_messages(ia.id, &[1], arch.id).await.unwrap();
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
    sweep_after_grace(&s).await;
    assert!(has_blob(&s, &id).await, "b still has it");
    s.delete_account(b.id).await.unwrap();
    released_then_swept(&s, &id).await;
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
    // Subscriptions are names: they outlive the mailbox (RFC 9051 §6.3.7).
    assert!(
        s.subscriptions(a.id)
            .await
            .unwrap()
            .contains(&"INBOX".to_string())
    );
    s.set_subscribed(a.id, "Dossiers", true).await.unwrap();
    s.set_subscribed(a.id, "Dossiers", true).await.unwrap();
    s.set_subscribed(a.id, "Ailleurs/Absent", true)
        .await
        .unwrap();
    s.delete_mailbox(again.id).await.unwrap();
    let subs = s.subscriptions(a.id).await.unwrap();
    assert!(subs.contains(&"Dossiers".to_string()), "{subs:?}");
    assert!(subs.contains(&"Ailleurs/Absent".to_string()));
    s.set_subscribed(a.id, "Dossiers", false).await.unwrap();
    assert!(
        !s.subscriptions(a.id)
            .await
            .unwrap()
            .contains(&"Dossiers".to_string())
    );
    // RENAME carries a subscription with the folder and its children.
    let top = s.create_mailbox(a.id, "Classe", None).await.unwrap();
    s.create_mailbox(a.id, "Classe/6e", None).await.unwrap();
    s.set_subscribed(a.id, "Classe/6e", true).await.unwrap();
    s.rename_mailbox(top.id, "Classes").await.unwrap();
    let subs = s.subscriptions(a.id).await.unwrap();
    assert!(subs.contains(&"Classes/6e".to_string()), "{subs:?}");
    assert!(!subs.contains(&"Classe/6e".to_string()));
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
