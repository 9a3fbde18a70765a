//! Searches across folders, conversation lists and change-log pruning
//! (`find.rs`): what the webmail asks beyond one folder's page.

use super::*;
use crate::sql;
use crate::{FindCursor, MessageQuery};

async fn put(s: &Store, mb: MailboxId, at: i64, head: &str, body: &str) -> Appended {
    let mut m = msg(s, &format!("{head}\r\n\r\n{body}\r\n")).await;
    m.internal_date = at;
    s.append(mb, m).await.unwrap()
}

const ATTACHED: &str = "Content-Type: multipart/mixed; boundary=b\r\nMIME-Version: 1.0";
const ATTACHED_BODY: &str = "--b\r\nContent-Type: text/plain\r\n\r\nVoir le budget joint.\r\n\
    --b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=budget.pdf\r\n\
    Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--";

fn ids(f: &crate::Found) -> Vec<i64> {
    f.items.iter().map(|i| i.meta.email_id).collect()
}

/// Each criterion narrows exactly (a subject word is not found as a
/// sender), across folders or in one, newest first, in pages that neither
/// skip nor repeat.
pub async fn find_messages_across_folders(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 22).await;
    let other = person(&s, "z@ac-demo.fr", 1 << 22).await;
    let inbox = inbox(&s, a.id).await;
    let sent = s.mailbox_by_name(a.id, "Sent").await.unwrap().unwrap();
    let m1 = put(
        &s,
        inbox.id,
        NOW,
        "From: Marie Curie <marie@lycee.fr>\r\nTo: a@ac-demo.fr\r\nSubject: Conseil de classe",
        "Le conseil a lieu jeudi.",
    )
    .await;
    let m2 = put(
        &s,
        sent.id,
        NOW + 10,
        &format!("From: a@ac-demo.fr\r\nTo: paul@ecole.fr\r\nCc: marie@lycee.fr\r\nSubject: Budget\r\n{ATTACHED}"),
        ATTACHED_BODY,
    )
    .await;
    let m3 = put(
        &s,
        inbox.id,
        NOW + 20,
        "From: paul@ecole.fr\r\nTo: a@ac-demo.fr\r\nSubject: marie est absente",
        "Rien d'autre.",
    )
    .await;
    // Another account's mail is never found.
    put(
        &s,
        crate::conformance::inbox(&s, other.id).await.id,
        NOW + 30,
        "From: marie@lycee.fr\r\nSubject: Conseil",
        "Conseil",
    )
    .await;
    let find = |q: MessageQuery| {
        let s = s.clone();
        async move { s.find_messages(a.id, &q, None, 50).await.unwrap() }
    };
    let q = |f: fn(&mut MessageQuery)| {
        let mut q = MessageQuery::default();
        f(&mut q);
        q
    };
    // From: only m1; "marie" in m3's subject and m2's Cc do not count.
    assert_eq!(
        ids(&find(q(|q| q.from = Some("MARIE".into()))).await),
        vec![m1.email_id]
    );
    // To/Cc: m2 (Cc).
    assert_eq!(
        ids(&find(q(|q| q.to = Some("marie@".into()))).await),
        vec![m2.email_id]
    );
    assert_eq!(
        ids(&find(q(|q| q.subject = Some("marie".into()))).await),
        vec![m3.email_id]
    );
    assert_eq!(
        ids(&find(q(|q| q.body = Some("jeudi".into()))).await),
        vec![m1.email_id]
    );
    // Anywhere: all three mention marie, newest first.
    assert_eq!(
        ids(&find(q(|q| q.text = Some("marie".into()))).await),
        vec![m3.email_id, m2.email_id, m1.email_id]
    );
    // A term found in no field of any message.
    assert!(
        find(q(|q| q.text = Some("introuvable".into())))
            .await
            .items
            .is_empty()
    );
    assert_eq!(
        ids(&find(q(|q| q.has_attachment = Some(true))).await),
        vec![m2.email_id]
    );
    assert_eq!(
        ids(&find(q(|q| {
            q.since = Some(NOW + 5);
            q.before = Some(NOW + 20);
        }))
        .await),
        vec![m2.email_id]
    );
    // One folder only.
    let mut in_inbox = q(|q| q.text = Some("marie".into()));
    in_inbox.mailboxes = vec![inbox.id];
    assert_eq!(ids(&find(in_inbox).await), vec![m3.email_id, m1.email_id]);
    // Pages of one: every hit once, in order, then the end.
    let all = q(|q| q.text = Some("marie".into()));
    let mut cursor: Option<FindCursor> = None;
    let mut seen = Vec::new();
    for _ in 0..5 {
        let page = s.find_messages(a.id, &all, cursor, 1).await.unwrap();
        seen.extend(ids(&page));
        cursor = page.next;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, vec![m3.email_id, m2.email_id, m1.email_id]);
    assert!(cursor.is_none(), "the last page says it is the last");
    let c = FindCursor::decode(&FindCursor::decode("17.4").unwrap().encode()).unwrap();
    assert_eq!(c, FindCursor::decode("17.4").unwrap());
    assert!(FindCursor::decode("x").is_none());
}

/// Texts wait in `search_pending` until the background indexer moves
/// them (`indexer.rs`): IMAP's candidates, the webmail's search and the
/// exact check give the same answers before and after, and an expunge
/// removes a text from wherever it is.
pub async fn search_pending_then_indexed(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 22).await;
    let inbox = inbox(&s, a.id).await;
    s.pause_indexing(true);
    s.index_search_backlog().await.unwrap();
    let m1 = put(
        &s,
        inbox.id,
        NOW,
        "From: marie@lycee.fr\r\nSubject: Sortie",
        "le car part à 8h",
    )
    .await;
    let m2 = put(
        &s,
        inbox.id,
        NOW + 1,
        "From: paul@ecole.fr\r\nSubject: Cantine",
        "menu du jeudi",
    )
    .await;
    let pending = |s: Store| async move {
        let (n,): (i64,) = sql::query_as("SELECT COUNT(*) FROM search_pending")
            .fetch_one(s.r())
            .await
            .unwrap();
        n
    };
    assert_eq!(pending(s.clone()).await, 2, "a delivery writes no index");
    let check = |s: Store| async move {
        let mut q = MessageQuery::default();
        q.body = Some("JEUDI".into());
        assert_eq!(
            ids(&s.find_messages(a.id, &q, None, 50).await.unwrap()),
            vec![m2.email_id]
        );
        q.body = None;
        q.from = Some("marie".into());
        assert_eq!(
            ids(&s.find_messages(a.id, &q, None, 50).await.unwrap()),
            vec![m1.email_id]
        );
        let hits = s
            .search_term(inbox.id, crate::TermField::Body, "car part")
            .await
            .unwrap()
            .unwrap();
        let may: Vec<_> = hits.candidates().collect();
        assert!(may.contains(&m1.uid) && !may.contains(&m2.uid), "{hits:?}");
        let subject = s
            .search_term(inbox.id, crate::TermField::Subject, "cantine")
            .await
            .unwrap()
            .unwrap();
        assert!(
            subject.known(m1.uid) == crate::Known::No
                && matches!(
                    subject.known(m2.uid),
                    crate::Known::Yes | crate::Known::Full
                ),
            "{subject:?}"
        );
    };
    check(s.clone()).await;
    assert_eq!(s.index_search_backlog().await.unwrap(), 2);
    assert_eq!(pending(s.clone()).await, 0);
    let (indexed,): (i64,) = sql::query_as("SELECT COUNT(*) FROM search")
        .fetch_one(s.r())
        .await
        .unwrap();
    assert_eq!(indexed, 2);
    check(s.clone()).await;
    // Expunged while pending: its text goes too.
    let m3 = put(
        &s,
        inbox.id,
        NOW + 2,
        "Subject: Brouillon",
        "texte unique zorglub",
    )
    .await;
    assert_eq!(pending(s.clone()).await, 1);
    s.store_flags(
        inbox.id,
        &[m3.uid],
        FlagOp::Add,
        &["\\Deleted".into()],
        None,
    )
    .await
    .unwrap();
    s.expunge(inbox.id, None, ExpungeMode::FlaggedDeleted)
        .await
        .unwrap();
    let mut q = MessageQuery::default();
    q.body = Some("zorglub".into());
    // Its text goes with its content, at the blob sweep after the grace.
    s.sweep_blobs(crate::now() + crate::SWEEP_GRACE_SECS + 1)
        .await
        .unwrap();
    assert_eq!(
        pending(s.clone()).await,
        0,
        "the sweep removed the pending text"
    );
    assert!(
        s.find_messages(a.id, &q, None, 50)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    // Let go, the task indexes on its own once the writer is idle.
    s.pause_indexing(false);
    put(&s, inbox.id, NOW + 3, "Subject: Tard", "arrive").await;
    for _ in 0..200 {
        if pending(s.clone()).await == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        pending(s.clone()).await,
        0,
        "the background task indexed the text"
    );
}

/// One row per conversation with a message in the folder: its newest
/// message there and the folder's counts, most recently active first.
pub async fn thread_lists(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 22).await;
    let inbox = inbox(&s, a.id).await;
    let sent = s.mailbox_by_name(a.id, "Sent").await.unwrap().unwrap();
    let head = |id: &str, refs: &str, subject: &str| {
        format!("From: b@x.fr\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\n{refs}")
    };
    let t1a = put(&s, inbox.id, NOW, &head("1a@x", "", "Sortie"), "a").await;
    let t2 = put(&s, inbox.id, NOW + 1, &head("2@x", "", "Cantine"), "b").await;
    // A reply filed in Sent joins thread 1 but is not in the inbox.
    put(
        &s,
        sent.id,
        NOW + 2,
        &head("1s@x", "In-Reply-To: <1a@x>", "Re: Sortie"),
        "c",
    )
    .await;
    let t1b = put(
        &s,
        inbox.id,
        NOW + 3,
        &head("1b@x", "References: <1a@x> <1s@x>", "Re: Sortie"),
        "d",
    )
    .await;
    let t3 = put(&s, inbox.id, NOW + 4, &head("3@x", "", "Bus"), "e").await;
    s.store_flags(inbox.id, &[t1a.uid], FlagOp::Add, &["\\Seen".into()], None)
        .await
        .unwrap();
    assert_eq!(t1a.thread_id, t1b.thread_id);
    let page = s.list_threads(inbox.id, None, 2).await.unwrap();
    let rows: Vec<(i64, i64, i64, i64)> = page
        .threads
        .iter()
        .map(|t| (t.thread_id, t.latest.meta.email_id, t.count, t.unseen))
        .collect();
    assert_eq!(
        rows,
        vec![
            (t3.thread_id, t3.email_id, 1, 1),
            (t1a.thread_id, t1b.email_id, 2, 1),
        ]
    );
    let rest = s.list_threads(inbox.id, page.next, 2).await.unwrap();
    let rows: Vec<i64> = rest.threads.iter().map(|t| t.thread_id).collect();
    assert_eq!(rows, vec![t2.thread_id]);
    assert!(rest.next.is_none());
}

/// Spam models: a snapshot per domain and a journal of learned messages;
/// appends from concurrent learners all land, in order, and a fold takes
/// the journal into the snapshot without losing a row.
pub async fn spam_models_read_modify_write(s: Store) {
    assert_eq!(s.spam_model("ac-demo.fr").await.unwrap(), None);
    assert_eq!(s.spam_snapshot_seq("").await.unwrap(), 0);
    let j = s
        .append_spam_changes("", &[(-5, true, vec![1, 2]), (7, false, vec![3])], NOW)
        .await
        .unwrap();
    assert_eq!((j.rows, j.bytes, j.snapshot), (2, 3, 0));
    let got = s.spam_changes("", 0).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(got[1].id, j.last);
    assert_eq!(
        (got[0].message, got[0].spam, got[0].tokens.clone()),
        (-5, true, vec![1, 2])
    );
    assert!(!got[1].spam);
    assert_eq!(s.spam_changes("", got[0].id).await.unwrap(), got[1..]);
    assert!(s.spam_changes("ac-demo.fr", 0).await.unwrap().is_empty());
    // Folding: the snapshot is what `fold` made of the rows, at the last
    // row's position, and the rows are gone.
    let n = s
        .fold_spam_model("", NOW, |old, rows| {
            assert!(old.is_none());
            rows.iter().flat_map(|r| r.tokens.clone()).collect()
        })
        .await
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        s.spam_snapshot("").await.unwrap(),
        Some((vec![1, 2, 3], j.last))
    );
    assert!(s.spam_changes("", 0).await.unwrap().is_empty());
    assert_eq!(
        s.fold_spam_model("", NOW, |_, _| unreachable!())
            .await
            .unwrap(),
        0
    );
    // Twenty concurrent learners and folds: every row counted once.
    let mut tasks = Vec::new();
    for i in 0..20u8 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.append_spam_changes("ac-demo.fr", &[(i64::from(i), true, vec![i])], NOW)
                .await
                .unwrap();
            if i % 5 == 4 {
                s.fold_spam_model("ac-demo.fr", NOW, |old, rows| {
                    let mut b = old.unwrap_or_default();
                    b.extend(rows.iter().flat_map(|r| r.tokens.clone()));
                    b
                })
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (mut all, seq) = s.spam_snapshot("ac-demo.fr").await.unwrap().unwrap();
    let rest = s.spam_changes("ac-demo.fr", seq).await.unwrap();
    assert!(rest.iter().all(|r| r.id > seq));
    all.extend(rest.iter().flat_map(|r| r.tokens.clone()));
    all.sort_unstable();
    assert_eq!(all, (0..20).collect::<Vec<u8>>());
}

/// Pruning forgets old entries, keeps newer ones, and says from where the
/// log is no longer complete.
pub async fn change_log_pruning(s: Store) {
    let a = person(&s, "a@ac-demo.fr", 1 << 22).await;
    let mb = inbox(&s, a.id).await;
    assert_eq!(s.changes_horizon(a.id).await.unwrap(), 0);
    put(&s, mb.id, NOW, "Subject: un", "1").await;
    let (all, mid) = s.account_changes(a.id, 0, 1000).await.unwrap();
    let oldest_at = all.iter().map(|c| c.at).min().unwrap();
    // Nothing is older than the oldest entry.
    assert_eq!(s.prune_changes(oldest_at).await.unwrap(), 0);
    assert_eq!(s.changes_horizon(a.id).await.unwrap(), 0);
    // A cut after everything forgets it all, and says up to where.
    let pruned = s.prune_changes(i64::MAX).await.unwrap();
    assert_eq!(pruned as usize, all.len());
    assert_eq!(s.changes_horizon(a.id).await.unwrap(), mid);
    assert!(s.account_changes(a.id, 0, 1000).await.unwrap().0.is_empty());
    put(&s, mb.id, NOW, "Subject: deux", "2").await;
    let (after, now) = s.account_changes(a.id, mid, 1000).await.unwrap();
    assert!(!after.is_empty() && after.iter().all(|c| c.seq > mid));
    assert_eq!(now, after.last().unwrap().seq);
    let first_new = after.iter().map(|c| c.at).min().unwrap();
    assert_eq!(s.prune_changes(first_new).await.unwrap(), 0);
    assert_eq!(s.changes_horizon(a.id).await.unwrap(), mid);
}

/// Schema v25 rebuilds the search index (`textsearch.rs`): texts indexed
/// by the release before, in that release's tables, go back to
/// `search_pending` and are found all along, then indexed again with the
/// new columns. `config` names an empty store.
pub async fn upgrade_search_v25(config: StoreConfig) {
    let old = Store::open_at_schema(config.clone(), 23).await.unwrap();
    old.pause_indexing(true);
    // That release's index: no header-field table, no `author` and
    // `subject` columns.
    let tables: &[&str] = match old.dialect() {
        crate::Dialect::Sqlite => &[
            "DROP TABLE search_fields",
            "DROP TABLE search",
            "CREATE VIRTUAL TABLE search USING fts5(head, body, tokenize = 'trigram')",
        ],
        crate::Dialect::Postgres => &["ALTER TABLE search DROP COLUMN author, DROP COLUMN subject"],
    };
    for sql in tables {
        old.debug_execute_with(sql, &[]).await.unwrap();
    }
    let a = person(&old, "a@ac-demo.fr", 1 << 22).await;
    let inbox = inbox(&old, a.id).await;
    let m1 = put(
        &old,
        inbox.id,
        NOW,
        "From: marie@lycee.fr\r\nSubject: Sortie",
        "le car part",
    )
    .await;
    let m2 = put(
        &old,
        inbox.id,
        NOW + 1,
        "From: paul@ecole.fr\r\nSubject: Cantine",
        "menu",
    )
    .await;
    // Indexed as that release did.
    let key = crate::indexer::index_key(old.dialect());
    old.debug_execute_with(
        &format!(
            "INSERT INTO search ({key}, head, body) SELECT id, head, body FROM search_pending"
        ),
        &[],
    )
    .await
    .unwrap();
    old.debug_execute_with("DELETE FROM search_pending", &[])
        .await
        .unwrap();
    drop(old);
    let s = Store::open(config).await.unwrap();
    s.pause_indexing(true);
    let (pending,): (i64,) = sql::query_as("SELECT COUNT(*) FROM search_pending")
        .fetch_one(s.r())
        .await
        .unwrap();
    assert_eq!(pending, 2, "every indexed text is pending again");
    let found = |s: Store| async move {
        let from = s
            .search_term(inbox.id, crate::TermField::From, "marie")
            .await
            .unwrap()
            .unwrap();
        let subject = s
            .search_term(inbox.id, crate::TermField::Subject, "cantine")
            .await
            .unwrap()
            .unwrap();
        (
            from.candidates().collect::<Vec<_>>(),
            subject.candidates().collect::<Vec<_>>(),
            from.known(m1.uid),
        )
    };
    let (from, subject, _) = found(s.clone()).await;
    assert_eq!(
        (from, subject),
        (vec![m1.uid], vec![m2.uid]),
        "found while pending"
    );
    assert_eq!(s.index_search_backlog().await.unwrap(), 2);
    let (from, subject, known) = found(s.clone()).await;
    assert_eq!((from, subject), (vec![m1.uid], vec![m2.uid]));
    assert_eq!(known, crate::Known::Yes, "indexed with its From: column");
}
