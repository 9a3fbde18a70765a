//! `Store::thread_uids`: the UIDs of some threads' messages in one folder
//! (a member's own unread count per conversation, R2).

use super::*;

async fn put(s: &Store, mb: MailboxId, head: &str) -> Appended {
    s.append(
        mb,
        msg(s, &format!("From: b@x.fr\r\n{head}\r\n\r\nx\r\n")).await,
    )
    .await
    .unwrap()
}

/// Only the asked threads, only this folder's messages, by thread then
/// UID; nothing asked, nothing read.
pub async fn thread_uids_of_one_folder(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 22).await;
    let inbox = inbox(&s, a.id).await;
    let sent = s.mailbox_by_name(a.id, "Sent").await.unwrap().unwrap();
    let t1a = put(&s, inbox.id, "Subject: Sortie\r\nMessage-ID: <1a@x>").await;
    let t2 = put(&s, inbox.id, "Subject: Cantine\r\nMessage-ID: <2@x>").await;
    // In thread 1, but in Sent: not this folder's.
    put(
        &s,
        sent.id,
        "Subject: Re: Sortie\r\nMessage-ID: <1s@x>\r\nIn-Reply-To: <1a@x>",
    )
    .await;
    let t1b = put(
        &s,
        inbox.id,
        "Subject: Re: Sortie\r\nMessage-ID: <1b@x>\r\nReferences: <1a@x>",
    )
    .await;
    put(&s, inbox.id, "Subject: Bus\r\nMessage-ID: <3@x>").await;
    assert_eq!(t1a.thread_id, t1b.thread_id);
    assert_ne!(t1a.thread_id, t2.thread_id);
    let mut got = s
        .thread_uids(inbox.id, &[t2.thread_id, t1a.thread_id])
        .await
        .unwrap();
    let mut want = vec![
        (t1a.thread_id, t1a.uid),
        (t1a.thread_id, t1b.uid),
        (t2.thread_id, t2.uid),
    ];
    want.sort();
    assert_eq!(got, want);
    got = s.thread_uids(inbox.id, &[]).await.unwrap();
    assert!(got.is_empty());
    assert!(
        s.thread_uids(sent.id, &[t2.thread_id])
            .await
            .unwrap()
            .is_empty()
    );
}
