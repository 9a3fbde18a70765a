//! The compact view of a mailbox (`index.rs`) against its full rows.

use super::*;
use vesontio_types::Uid;

/// The index holds what `messages` holds, UID for UID: system flags as
/// bits, keywords apart, in UID order, after flag changes and an expunge.
pub async fn mailbox_index_matches_rows(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let other = s.create_mailbox(a.id, "Autre", None).await.unwrap();
    assert_eq!(
        s.mailbox_index(mb.id).await.unwrap(),
        MailboxIndex::default()
    );
    assert!(s.uids(mb.id).await.unwrap().is_empty());
    for i in 0..40 {
        let mut m = msg(&s, &format!("Subject: {i}\r\n\r\n{i}\r\n")).await;
        if i % 3 == 0 {
            m.flags = vec!["\\Seen".into()];
        }
        s.append(mb.id, m).await.unwrap();
    }
    s.append(other.id, msg(&s, "ailleurs").await).await.unwrap();
    let kw = |k: &str| vec![k.to_string()];
    s.store_flags(mb.id, &[2, 5, 7], FlagOp::Add, &kw("$Important"), None)
        .await
        .unwrap();
    s.store_flags(mb.id, &[5, 6], FlagOp::Add, &kw("\\Deleted"), None)
        .await
        .unwrap();
    s.store_flags(
        mb.id,
        &[7, 8],
        FlagOp::Add,
        &[
            "\\Flagged".into(),
            "\\Draft".into(),
            "\\Answered".into(),
            "Projet".into(),
        ],
        None,
    )
    .await
    .unwrap();
    s.expunge(mb.id, Some(&[6, 40]), ExpungeMode::Any)
        .await
        .unwrap();
    let rows = s.messages(mb.id).await.unwrap();
    let idx = s.mailbox_index(mb.id).await.unwrap();
    assert_eq!(idx.uids, rows.iter().map(|m| m.uid).collect::<Vec<_>>());
    assert_eq!(idx.uids.len(), 38);
    assert_eq!(idx.bits.len(), idx.uids.len());
    for (i, m) in rows.iter().enumerate() {
        assert_eq!(idx.flags(i), m.flags, "uid {}", m.uid);
        assert_eq!(idx.bits[i], bits_of(&m.flags));
    }
    // Only the messages with keywords are listed apart.
    let with: Vec<Uid> = idx.keywords.iter().map(|k| k.0).collect();
    assert_eq!(with, vec![2, 5, 7, 8]);
    assert_eq!(
        idx.keywords_of(7),
        &["$Important".to_string(), "Projet".into()][..]
    );
    assert_eq!(idx.bits[idx.uids.binary_search(&5).unwrap()], DELETED_BIT);
    assert_eq!(idx.bits[idx.uids.binary_search(&1).unwrap()], SEEN_BIT);
    assert_eq!(s.uids(mb.id).await.unwrap(), idx.uids);
    assert_eq!(s.uids(other.id).await.unwrap(), vec![1]);
}

/// R2: a member's unseen count in a functional mailbox is kept (not
/// recounted) and stays exact through marks, unmarks, marks of messages
/// that do not exist, expunges and concurrent writers.
pub async fn shared_unseen_kept(s: Store) {
    let group = person(&s, "dsi@ac-demo.fr", 1 << 24).await;
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let b = person(&s, "b@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, group.id).await;
    for i in 0..10 {
        s.append(mb.id, msg(&s, &format!("m{i}")).await)
            .await
            .unwrap();
    }
    let check = |who: AccountId, want: u32| {
        let s = s.clone();
        async move {
            assert_eq!(s.shared_unseen(mb.id, who).await.unwrap(), want);
            assert_eq!(s.recount_shared_unseen(mb.id, who).await.unwrap(), want);
        }
    };
    check(a.id, 10).await;
    s.set_shared_seen(mb.id, a.id, &[1, 2, 3], true)
        .await
        .unwrap();
    // Again, and with UIDs that do not exist: no double count.
    s.set_shared_seen(mb.id, a.id, &[2, 3, 4, 99], true)
        .await
        .unwrap();
    s.set_shared_seen(mb.id, b.id, &[4], true).await.unwrap();
    check(a.id, 6).await;
    check(b.id, 9).await;
    s.set_shared_seen(mb.id, a.id, &[1, 50], false)
        .await
        .unwrap();
    check(a.id, 7).await;
    // The owner's own unseen count is not the members'.
    assert_eq!(s.counts(mb.id).await.unwrap().unseen, 10);
    s.expunge(mb.id, Some(&[2, 4, 5]), ExpungeMode::Any)
        .await
        .unwrap();
    // Seven left; Marie had seen 3 of them, Paul none (his 4 went).
    check(a.id, 6).await;
    check(b.id, 7).await;
    // Concurrent marks, unmarks, deliveries and expunges.
    let mut tasks = Vec::new();
    for k in 0..4u32 {
        let s2 = s.clone();
        let who = if k % 2 == 0 { a.id } else { b.id };
        tasks.push(tokio::spawn(async move {
            for round in 0..5u32 {
                let uids: Vec<Uid> = (1..=20).filter(|u| (u + round + k) % 3 == 0).collect();
                s2.set_shared_seen(mb.id, who, &uids, round % 2 == 0)
                    .await
                    .unwrap();
            }
        }));
    }
    let s2 = s.clone();
    tasks.push(tokio::spawn(async move {
        for i in 0..5 {
            s2.append(mb.id, msg(&s2, &format!("n{i}")).await)
                .await
                .unwrap();
            s2.expunge(mb.id, Some(&[6 + i]), ExpungeMode::Any)
                .await
                .unwrap();
        }
    }));
    for t in tasks {
        t.await.unwrap();
    }
    for who in [a.id, b.id] {
        assert_eq!(
            s.shared_unseen(mb.id, who).await.unwrap(),
            s.recount_shared_unseen(mb.id, who).await.unwrap()
        );
    }
    // A member never seen anything: every message.
    let c = person(&s, "c@ac-demo.fr", 1 << 20).await;
    let total = s.counts(mb.id).await.unwrap().messages;
    check(c.id, total).await;
}

/// The mailbox indexes kept for the sessions (`index_cache.rs`) follow
/// every write that changes a mailbox: after each, the kept answer is the
/// one read afresh, and a bound of 0 keeps none.
pub async fn mailbox_index_cache_follows_writes(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let other = s.create_mailbox(a.id, "Autre", None).await.unwrap();
    let same = |s: Store, what: &'static str| async move {
        for m in [mb.id, other.id] {
            let kept = s.mailbox_index(m).await.unwrap();
            let fresh = s.read_mailbox_index(m).await.unwrap().0;
            assert_eq!(kept, fresh, "after {what}");
            assert_eq!(s.uids(m).await.unwrap(), fresh.uids, "uids after {what}");
        }
    };
    same(s.clone(), "nothing").await;
    for i in 0..5 {
        s.append(
            mb.id,
            msg(&s, &format!("Subject: {i}\r\n\r\n{i}\r\n")).await,
        )
        .await
        .unwrap();
    }
    same(s.clone(), "appends").await;
    let kw = |k: &str| vec![k.to_string()];
    s.store_flags(mb.id, &[2], FlagOp::Add, &kw("\\Seen"), None)
        .await
        .unwrap();
    same(s.clone(), "a system flag").await;
    s.store_flags(mb.id, &[3], FlagOp::Add, &kw("$Projet"), None)
        .await
        .unwrap();
    same(s.clone(), "a keyword").await;
    s.copy_messages(mb.id, &[1, 2], other.id).await.unwrap();
    same(s.clone(), "a copy").await;
    s.move_messages(mb.id, &[3], other.id).await.unwrap();
    same(s.clone(), "a move").await;
    s.store_flags(mb.id, &[4], FlagOp::Add, &kw("\\Deleted"), None)
        .await
        .unwrap();
    s.expunge(mb.id, None, ExpungeMode::Any).await.unwrap();
    same(s.clone(), "an expunge").await;
    let mut m = msg(&s, "Subject: livré\r\n\r\nx\r\n").await;
    m.flags = vec!["\\Flagged".into()];
    s.deliver(vec![(mb.id, m)]).await.unwrap();
    same(s.clone(), "a delivery").await;
    s.set_mailbox_index_cache(0);
    s.store_flags(mb.id, &[5], FlagOp::Remove, &kw("\\Seen"), None)
        .await
        .unwrap();
    same(s.clone(), "the bound set to 0").await;
}
