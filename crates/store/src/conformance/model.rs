//! The mail model (schema v5): email and thread ids, kept counts, keyset
//! pages, the account change log, stored MIME models.

use vesontio_types::MailboxId;

use super::*;
use crate::{ChangeKind, Cursor, SortBy};

async fn mail(
    s: &Store,
    id: &str,
    refs: &str,
    subject: &str,
    from: &str,
    date: &str,
) -> NewMessage {
    let raw = format!(
        "From: {from}\r\nTo: a@ac-demo.fr\r\nSubject: {subject}\r\nDate: {date}\r\n\
         Message-ID: <{id}>\r\n{refs}\r\nBody of {id}\r\n"
    );
    msg(s, &raw).await
}

/// The email id survives MOVE and is shared by COPY; a reply shares the
/// thread of the original wherever it is filed; stored models answer
/// ENVELOPE without the blob.
pub async fn ids_threads_and_models(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let inbox = inbox(&s, a.id).await;
    let sent = s.mailbox_by_name(a.id, "Sent").await.unwrap().unwrap();
    let arch = s.mailbox_by_name(a.id, "Archive").await.unwrap().unwrap();
    let orig = mail(
        &s,
        "o@x",
        "",
        "Réunion",
        "b@x.fr",
        "Tue, 1 Dec 2026 10:00:00 +0000",
    )
    .await;
    let o = s.append(sent.id, orig).await.unwrap();
    let reply = mail(
        &s,
        "r@x",
        "In-Reply-To: <o@x>\r\nReferences: <o@x>\r\n",
        "Re: Réunion",
        "c@x.fr",
        "Tue, 1 Dec 2026 11:00:00 +0000",
    )
    .await;
    let r = s.append(inbox.id, reply).await.unwrap();
    assert_eq!(
        r.thread_id, o.thread_id,
        "a reply joins the original's thread"
    );
    assert_ne!(r.email_id, o.email_id);
    // A reply without references joins by its marked subject.
    let loose = mail(
        &s,
        "l@x",
        "",
        "RE: [liste] Réunion",
        "d@x.fr",
        "Tue, 1 Dec 2026 12:00:00 +0000",
    )
    .await;
    let l = s.append(inbox.id, loose).await.unwrap();
    assert_eq!(l.thread_id, o.thread_id, "subject rule");
    // An unrelated message starts its own thread.
    let other = mail(
        &s,
        "z@x",
        "",
        "Réunion",
        "e@x.fr",
        "Tue, 1 Dec 2026 13:00:00 +0000",
    )
    .await;
    let z = s.append(inbox.id, other).await.unwrap();
    assert_ne!(
        z.thread_id, o.thread_id,
        "an unmarked subject does not merge"
    );
    // A parent arriving after its reply takes the reply's thread.
    let child = mail(
        &s,
        "c2@x",
        "References: <p2@x>\r\n",
        "Re: late",
        "b@x.fr",
        "Tue, 1 Dec 2026 14:00:00 +0000",
    )
    .await;
    let c = s.append(inbox.id, child).await.unwrap();
    let parent = mail(
        &s,
        "p2@x",
        "",
        "late",
        "c@x.fr",
        "Tue, 1 Dec 2026 09:00:00 +0000",
    )
    .await;
    let p = s.append(sent.id, parent).await.unwrap();
    assert_eq!(p.thread_id, c.thread_id);

    let copied = s.copy_messages(inbox.id, &[r.uid], arch.id).await.unwrap();
    let moved = s.move_messages(inbox.id, &[r.uid], sent.id).await.unwrap();
    let in_arch = s
        .message_by_uid(arch.id, copied[0].1)
        .await
        .unwrap()
        .unwrap();
    let in_sent = s
        .message_by_uid(sent.id, moved[0].1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(in_arch.email_id, r.email_id, "COPY shares the email id");
    assert_eq!(in_sent.email_id, r.email_id, "MOVE keeps the email id");
    assert_eq!(in_sent.thread_id, o.thread_id);
    let thread = s.thread_messages(a.id, o.thread_id).await.unwrap();
    let subjects: Vec<&str> = thread.iter().map(|t| t.model.subject.as_str()).collect();
    // Oldest first (by arrival): the original, the loose reply, then the
    // reply's copy in Archive and the reply moved to Sent.
    assert_eq!(
        subjects,
        vec![
            "Réunion",
            "RE: [liste] Réunion",
            "Re: Réunion",
            "Re: Réunion"
        ]
    );
    // The stored model: envelope without the blob.
    let contents = s.contents(&[in_sent.blob_id.clone()]).await.unwrap();
    let c = &contents[&in_sent.blob_id];
    assert_eq!(c.model.message_id.as_deref(), Some("r@x"));
    assert_eq!(c.model.from_email().as_deref(), Some("c@x.fr"));
    assert!(c.header.as_deref().unwrap().starts_with("From: c@x.fr\r\n"));
}

/// Counts are kept exact by deliveries, flag changes, copies and
/// expunges running at once, and equal a recount.
pub async fn counts_kept_under_concurrency(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 30).await;
    let mb = inbox(&s, a.id).await;
    let junk = s.mailbox_by_name(a.id, "Junk").await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for t in 0..4 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..15 {
                let m = msg(&s, &format!("Subject: {t}-{i}\r\n\r\nx{t}{i}\r\n")).await;
                let r = s.append(mb.id, m).await.unwrap();
                if i % 3 == 0 {
                    s.store_flags(mb.id, &[r.uid], FlagOp::Add, &["\\Seen".into()], None)
                        .await
                        .unwrap();
                }
                if i % 5 == 0 {
                    s.store_flags(mb.id, &[r.uid], FlagOp::Add, &["\\Deleted".into()], None)
                        .await
                        .unwrap();
                }
                if i % 4 == 0 {
                    s.copy_messages(mb.id, &[r.uid], junk.id).await.unwrap();
                }
            }
        }));
    }
    let s2 = s.clone();
    tasks.push(tokio::spawn(async move {
        for _ in 0..10 {
            s2.expunge(mb.id, None, ExpungeMode::FlaggedDeleted)
                .await
                .unwrap();
            tokio::task::yield_now().await;
        }
    }));
    for t in tasks {
        t.await.unwrap();
    }
    for id in [mb.id, junk.id] {
        let kept = s.counts(id).await.unwrap();
        let real = s.recount(id).await.unwrap();
        assert_eq!(
            (kept.messages, kept.unseen, kept.deleted, kept.size),
            (real.messages, real.unseen, real.deleted, real.size)
        );
        let listed = s.mailbox(id).await.unwrap().unwrap();
        assert_eq!((listed.total, listed.unseen), (real.messages, real.unseen));
    }
    assert_eq!(s.recount(junk.id).await.unwrap().messages, 16);
    assert!(s.recount(mb.id).await.unwrap().messages >= 48);
}

/// Keyset pages in every order: no gap, no duplicate, even while
/// messages arrive between pages.
pub async fn keyset_pages(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 30).await;
    let mb = inbox(&s, a.id).await;
    for i in 0..23 {
        let m = mail(
            &s,
            &format!("m{i}@x"),
            "",
            &format!("s{:02}", (i * 7) % 23),
            &format!("u{:02}@x.fr", (i * 5) % 23),
            "Tue, 1 Dec 2026 10:00:00 +0000",
        )
        .await;
        s.append(mb.id, m).await.unwrap();
    }
    for sort in [
        SortBy::Received,
        SortBy::Sent,
        SortBy::From,
        SortBy::Subject,
        SortBy::Size,
    ] {
        for desc in [false, true] {
            let mut seen = Vec::new();
            let mut cursor: Option<Cursor> = None;
            loop {
                let page = s
                    .list_messages(mb.id, sort, desc, cursor.as_ref(), 5)
                    .await
                    .unwrap();
                assert!(page.items.len() <= 5);
                seen.extend(page.items.iter().map(|i| i.meta.uid));
                // Arrivals during paging land after (ascending arrival) or
                // before the cursor; they never repeat or hide a row.
                if seen.len() == 5 && sort == SortBy::Received && !desc {
                    let m = msg(&s, "Subject: late\r\n\r\nlate\r\n").await;
                    s.append(mb.id, m).await.unwrap();
                }
                match page.next {
                    Some(c) => cursor = Some(Cursor::decode(&c.encode()).unwrap()),
                    None => break,
                }
            }
            let mut sorted = seen.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), seen.len(), "{sort:?} {desc}: duplicates");
            assert!(seen.len() >= 23, "{sort:?} {desc}: rows missing");
        }
    }
    let by_from = s
        .list_messages(mb.id, SortBy::From, false, None, 3)
        .await
        .unwrap();
    // The message without From (empty key) sorts first.
    let froms: Vec<Option<String>> = by_from.items.iter().map(|i| i.model.from_email()).collect();
    assert_eq!(
        froms,
        vec![None, Some("u00@x.fr".into()), Some("u01@x.fr".into())]
    );
    assert!(Cursor::decode("garbage").is_none());
}

/// One log per account covers message and mailbox changes, in order.
pub async fn account_change_log(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = inbox(&s, a.id).await;
    let (_, start) = s.account_changes(a.id, 0, 1000).await.unwrap();
    let folder = s.create_mailbox(a.id, "Projets", None).await.unwrap();
    let m = msg(&s, "Subject: x\r\n\r\nx\r\n").await;
    let r = s.append(mb.id, m).await.unwrap();
    s.store_flags(mb.id, &[r.uid], FlagOp::Add, &["$Work".into()], None)
        .await
        .unwrap();
    s.move_messages(mb.id, &[r.uid], folder.id).await.unwrap();
    s.rename_mailbox(folder.id, "Projets 2027").await.unwrap();
    let (log, now) = s.account_changes(a.id, start, 1000).await.unwrap();
    let kinds: Vec<(ChangeKind, i64, MailboxId)> = log
        .iter()
        .map(|c| (c.kind, c.email_id, c.mailbox_id))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (ChangeKind::Mailbox, 0, folder.id),
            (ChangeKind::Created, r.email_id, mb.id),
            (ChangeKind::Flags, r.email_id, mb.id),
            (ChangeKind::Created, r.email_id, folder.id),
            (ChangeKind::Destroyed, r.email_id, mb.id),
            (ChangeKind::Mailbox, 0, folder.id),
        ]
    );
    assert!(log.windows(2).all(|w| w[0].seq <= w[1].seq));
    assert_eq!(now, log.last().unwrap().seq);
    let (tail, _) = s.account_changes(a.id, now, 1000).await.unwrap();
    assert!(tail.is_empty());
}
