//! A data directory written by the release before the mail model (schema
//! v4) opens in this one: every message keeps its flags and gains its
//! model, ids and counts.

use super::*;
use crate::DebugVal::{Int, Text};

/// `config` names an empty store; the case writes it at v4, reopens it.
pub async fn upgrade_from_v4(config: StoreConfig) {
    let old = Store::open_at_schema(config.clone(), 4).await.unwrap();
    old.debug_execute_with(
        "INSERT INTO accounts (id, address, kind, quota_bytes, created_at, bytes_used) VALUES (1, 'a@ac-demo.fr', 'person', 1000000, $1, 0)",
        &[Int(NOW)],
    )
    .await
    .unwrap();
    // INBOX holds UIDs 1 and 2, Sent UID 3.
    for (id, name, next) in [(1, "INBOX", 3), (2, "Sent", 4)] {
        old.debug_execute_with(
            "INSERT INTO mailboxes (id, account_id, name, uidnext, highestmodseq) VALUES ($1, 1, $2, $3, 2)",
            &[Int(id), Text(name), Int(next)],
        )
        .await
        .unwrap();
    }
    let bodies = [
        (
            1,
            "Message-ID: <o@x>\r\nFrom: b@x.fr\r\nSubject: Réunion\r\n\r\nordre du jour\r\n",
            "\\Seen $Work",
        ),
        (
            1,
            "Message-ID: <r@x>\r\nIn-Reply-To: <o@x>\r\nFrom: c@x.fr\r\nSubject: Re: Réunion\r\n\r\nd'accord\r\n",
            "\\deleted \\Flagged",
        ),
        (
            2,
            "Message-ID: <s@x>\r\nReferences: <o@x>\r\nFrom: a@ac-demo.fr\r\nSubject: Re: Réunion\r\n\r\nmerci\r\n",
            "",
        ),
    ];
    let mut total = 0;
    for (i, (mb, body, flags)) in bodies.iter().enumerate() {
        let (blob, _) = old.put_blob(body.as_bytes().to_vec()).await.unwrap();
        total += blob.size;
        old.debug_execute_with(
            "INSERT INTO blobs (id, size, refcount) VALUES ($1, $2, 1)",
            &[Text(&blob.id), Int(blob.size)],
        )
        .await
        .unwrap();
        old.debug_execute_with(
            "INSERT INTO messages (mailbox_id, uid, blob_id, size, internal_date, flags, modseq) VALUES ($1, $2, $3, $4, $5, $6, 1)",
            &[Int(*mb), Int(i as i64 + 1), Text(&blob.id), Int(blob.size), Int(NOW + i as i64), Text(flags)],
        )
        .await
        .unwrap();
    }
    old.debug_execute_with("UPDATE accounts SET bytes_used = $1", &[Int(total)])
        .await
        .unwrap();
    old.close().await;

    let s = Store::open(config).await.unwrap();
    let inbox = s
        .mailbox(vesontio_types::MailboxId(1))
        .await
        .unwrap()
        .unwrap();
    let sent = s
        .mailbox(vesontio_types::MailboxId(2))
        .await
        .unwrap()
        .unwrap();
    let msgs = s.messages(inbox.id).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].flags, vec!["\\Seen", "$Work"]);
    assert_eq!(msgs[1].flags, vec!["\\Flagged", "\\Deleted"]);
    let c = s.counts(inbox.id).await.unwrap();
    assert_eq!((c.messages, c.unseen, c.deleted), (2, 1, 1));
    assert_eq!((inbox.total, inbox.unseen), (2, 1));
    assert_eq!(s.counts(sent.id).await.unwrap().messages, 1);
    let sent_msg = &s.messages(sent.id).await.unwrap()[0];
    assert!(
        msgs.iter()
            .all(|m| m.email_id > 0 && m.thread_id == msgs[0].thread_id)
    );
    assert_eq!(
        sent_msg.thread_id, msgs[0].thread_id,
        "one conversation across folders"
    );
    let models = s.contents(&[msgs[1].blob_id.clone()]).await.unwrap();
    assert_eq!(models[&msgs[1].blob_id].model.subject, "Re: Réunion");
    assert_eq!(s.quota_usage(AccountId(1)).await.unwrap().used, total);
    // Deliveries go on after the upgrade, into the same threads.
    let m = msg(
        &s,
        "In-Reply-To: <r@x>\r\nSubject: Re: Réunion\r\n\r\nok\r\n",
    )
    .await;
    let r = s.append(inbox.id, m).await.unwrap();
    assert_eq!(r.thread_id, msgs[0].thread_id);
    assert!(!s.any_deleted(sent.id, None).await.unwrap());
    assert_eq!(
        s.expunge(inbox.id, None, ExpungeMode::FlaggedDeleted)
            .await
            .unwrap(),
        vec![2]
    );
    // A second open finds nothing to do and changes nothing.
    s.close().await;
}
