//! The compact view of a mailbox (`index.rs`) against its full rows.

use super::*;
use vesontio_types::Uid;

/// The index holds what `messages` holds, UID for UID: system flags as
/// bits, keywords apart, in UID order, after flag changes and an expunge.
pub async fn mailbox_index_matches_rows(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let other = s.create_mailbox(a.id, "Autre", None).await.unwrap();
    assert_eq!(s.mailbox_index(mb.id).await.unwrap(), MailboxIndex::default());
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
    s.store_flags(mb.id, &[7, 8], FlagOp::Add, &["\\Flagged".into(), "\\Draft".into(), "\\Answered".into(), "Projet".into()], None)
        .await
        .unwrap();
    s.expunge(mb.id, Some(&[6, 40]), ExpungeMode::Any).await.unwrap();
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
    assert_eq!(idx.keywords_of(7), &["$Important".to_string(), "Projet".into()][..]);
    assert_eq!(idx.bits[idx.uids.binary_search(&5).unwrap()], DELETED_BIT);
    assert_eq!(idx.bits[idx.uids.binary_search(&1).unwrap()], SEEN_BIT);
    assert_eq!(s.uids(mb.id).await.unwrap(), idx.uids);
    assert_eq!(s.uids(other.id).await.unwrap(), vec![1]);
}

