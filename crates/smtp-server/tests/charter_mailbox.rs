//! Charter rules about the recipient's mailbox on the real listeners with
//! the real delivery path, driven by swaks and Python's smtplib: absence
//! replies (R23) and full mailboxes (R17).

#![allow(clippy::unwrap_used)]

mod common;

use common::charter::*;
use common::*;
use serde_json::json;
use vesontio_store::{ExpungeMode, QueueKind};
use vesontio_types::AccountKind;

const OUTSIDER: &str = "someone@example.org";
const SMALL: &str = "petit@ac-test.fr";
const DAY: i64 = 86_400;

fn is_auto_reply(m: &str) -> bool {
    m.contains("Auto-Submitted: auto-replied\r\n")
}

/// R23 with swaks: an outside sender writing twice gets one absence
/// reply, through the outbound queue, from the null reverse path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absence_reply_once_to_outside_sender() {
    let h = Harness::start().await;
    away(&h.store, MARIE, "Absente").await;
    for subject in ["Question", "Relance"] {
        let run = swaks(
            h.mx,
            &[
                "--from",
                OUTSIDER,
                "--to",
                MARIE,
                "--header",
                &format!("Subject: {subject}"),
                "--body",
                "Pouvez-vous me répondre ?",
            ],
        )
        .await;
        assert_eq!(run.status, 0, "{}", run.out);
    }
    assert_eq!(h.inbox(MARIE).await.len(), 2, "both delivered");
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1, "once per sender per period: {q:?}");
    let (entry, reply) = &q[0];
    assert_eq!(entry.sender, "", "null reverse path (RFC 3834 §3.3)");
    assert_eq!(entry.recipients.len(), 1);
    assert_eq!(entry.recipients[0].address, OUTSIDER);
    assert!(is_auto_reply(reply), "{reply}");
    assert!(reply.contains("Subject: Absente\r\n"), "{reply}");
    assert!(reply.contains(&format!("<{MARIE}>")), "{reply}");
    assert!(reply.contains("In-Reply-To: <"), "{reply}");
    assert!(
        readable(reply.as_bytes()).contains("I am away until tomorrow."),
        "{reply}"
    );
}

/// R23 with smtplib: a colleague writing twice gets one reply, in her
/// own INBOX (local delivery, nothing queued).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absence_reply_once_to_local_sender() {
    let h = Harness::start().await;
    away(&h.store, MARIE, "Absente").await;
    for subject in ["Bulletin", "Bulletin (rappel)"] {
        let r = smtplib(
            &h,
            json!({"mode": "ssl", "port": h.submissions.port(), "user": JEAN, "from": JEAN,
                   "to": [MARIE], "subject": subject, "body": "Les bulletins sont prêts."}),
        )
        .await;
        assert_eq!(r["data"][0], 250, "{r}");
    }
    assert_eq!(h.inbox(MARIE).await.len(), 2);
    let jean = h.inbox(JEAN).await;
    assert_eq!(jean.len(), 1, "exactly one reply");
    let reply = readable(&jean[0]);
    assert!(is_auto_reply(&reply), "{reply}");
    assert!(reply.contains("Subject: Absente\r\n"), "{reply}");
    assert!(reply.contains(&format!("<{MARIE}>")), "{reply}");
    assert!(reply.contains("Je suis absent jusqu'à demain."), "{reply}");
    assert!(remote_queue(&h.store).await.is_empty());
}

/// R23: no reply to mail through a list, marked bulk or automatic; a
/// plain message from another sender is still answered (so the absence
/// was on all along).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_absence_reply_to_list_bulk_or_automatic() {
    let h = Harness::start().await;
    away(&h.store, MARIE, "Absente").await;
    let list = make_account(&h.store, "tous@ac-test.fr", AccountKind::List, 0).await;
    h.store.add_list_member(list.id, MARIE).await.unwrap();
    h.store
        .add_list_sender(list.id, "info@example.org")
        .await
        .unwrap();
    let cases: [(&str, &str, &[&str]); 4] = [
        ("info@example.org", "tous@ac-test.fr", &[]),
        ("news@example.org", MARIE, &["--header", "Precedence: bulk"]),
        (
            "robot@example.org",
            MARIE,
            &["--header", "Auto-Submitted: auto-generated"],
        ),
        (
            "forum@example.org",
            MARIE,
            &["--header", "List-Id: <forum.example.org>"],
        ),
    ];
    for (from, to, extra) in cases {
        let mut args = vec!["--from", from, "--to", to, "--body", "information"];
        args.extend_from_slice(extra);
        let run = swaks(h.mx, &args).await;
        assert_eq!(run.status, 0, "{}", run.out);
    }
    assert_eq!(h.inbox(MARIE).await.len(), 4);
    assert!(
        remote_queue(&h.store).await.is_empty(),
        "no absence reply at all"
    );
    let run = swaks(
        h.mx,
        &["--from", "parent@example.org", "--to", MARIE, "--body", "?"],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.recipients[0].address, "parent@example.org");
}

/// A 3000-byte mailbox filled to 70-89 % (under the R16 warning) by one
/// message from outside.
async fn nearly_full(h: &Harness) {
    make_account(&h.store, SMALL, AccountKind::Person, 3000).await;
    let body = "y".repeat(1800);
    let run = swaks(
        h.mx,
        &[
            "--from",
            OUTSIDER,
            "--to",
            SMALL,
            "--header",
            "Subject: plein",
            "--body",
            &body,
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    let used = account_of(&h.store, SMALL).await.bytes_used;
    assert!((2100..2700).contains(&used), "{used}");
    assert_eq!(h.inbox(SMALL).await.len(), 1);
}

fn dsns(msgs: &[Vec<u8>]) -> Vec<String> {
    msgs.iter()
        .map(|m| readable(m))
        .filter(|t| t.contains("report-type=delivery-status"))
        .collect()
}

/// Jean (submission, swaks) writes 1000 bytes to the nearly full mailbox.
async fn jean_writes_to_small(h: &Harness) {
    let body = "z".repeat(1000);
    let run = swaks_as(
        h,
        JEAN,
        &[
            "--from",
            JEAN,
            "--to",
            SMALL,
            "--header",
            "Subject: Pour toi",
            "--body",
            &body,
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    assert!(
        run.has_reply("250 2.0.0 Ok: queued as "),
        "accepted, not refused (R17): {}",
        run.out
    );
    assert_eq!(h.inbox(SMALL).await.len(), 1, "not delivered yet");
    let held = queued(&h.store, QueueKind::HeldLocal).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0.sender, JEAN);
    assert_eq!(held[0].0.recipients.len(), 1);
    assert_eq!(held[0].0.recipients[0].address, SMALL);
    assert!(held[0].1.contains("Subject: Pour toi\r\n"));
    let d = dsns(&h.inbox(JEAN).await);
    assert_eq!(d.len(), 1, "one delay DSN");
    assert!(d[0].contains("Action: delayed"), "{}", d[0]);
    assert!(d[0].contains("Status: 4.2.2"), "{}", d[0]);
    assert!(
        d[0].contains(&format!("The mailbox of {SMALL} is full")),
        "{}",
        d[0]
    );
    assert!(
        d[0].contains(&format!("From: \"Postmaster\" <postmaster@{DOMAIN}>")),
        "{}",
        d[0]
    );
}

/// Empties the small mailbox as an IMAP EXPUNGE would (and wakes held
/// deliveries, as the IMAP and POP3 servers do).
async fn make_room(h: &Harness) {
    let a = account_of(&h.store, SMALL).await;
    let mb = h
        .store
        .mailbox_by_name(a.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let uids: Vec<u32> = h
        .store
        .messages(mb.id)
        .await
        .unwrap()
        .iter()
        .map(|m| m.uid)
        .collect();
    h.store
        .expunge(mb.id, Some(&uids), ExpungeMode::Any)
        .await
        .unwrap();
    h.store.wake_held(vesontio_store::now()).await.unwrap();
}

/// R17 with swaks: held, one delay DSN, delivered once there is room.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_mailbox_holds_then_delivers() {
    let h = Harness::start().await;
    nearly_full(&h).await;
    jean_writes_to_small(&h).await;
    // Still full: a retry changes nothing and sends nothing more.
    let later = vesontio_store::now() + 901;
    assert_eq!(h.delivery.retry_held(later).await, 0);
    assert_eq!(queued(&h.store, QueueKind::HeldLocal).await.len(), 1);
    assert_eq!(dsns(&h.inbox(JEAN).await).len(), 1);
    make_room(&h).await;
    assert_eq!(h.delivery.retry_held(vesontio_store::now()).await, 1);
    let inbox = h.inbox(SMALL).await;
    assert_eq!(inbox.len(), 1);
    let m = String::from_utf8_lossy(&inbox[0]);
    assert!(m.contains("Subject: Pour toi\r\n"), "{m}");
    assert!(body_of(&inbox[0]).starts_with("z".repeat(1000).as_bytes()));
    assert!(queued(&h.store, QueueKind::HeldLocal).await.is_empty());
    assert_eq!(dsns(&h.inbox(JEAN).await).len(), 1, "no failure DSN");
}

/// R17 with swaks: still full after five days (injected clock), the held
/// message is destroyed and Jean gets the final failure DSN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_mailbox_hold_expires_after_five_days() {
    let h = Harness::start().await;
    nearly_full(&h).await;
    jean_writes_to_small(&h).await;
    let now = vesontio_store::now();
    assert_eq!(h.delivery.retry_held(now + 5 * DAY - 60).await, 0);
    assert_eq!(
        queued(&h.store, QueueKind::HeldLocal).await.len(),
        1,
        "not yet"
    );
    assert_eq!(h.delivery.retry_held(now + 5 * DAY + 1).await, 0);
    assert!(
        queued(&h.store, QueueKind::HeldLocal).await.is_empty(),
        "dequeued"
    );
    let d = dsns(&h.inbox(JEAN).await);
    assert_eq!(d.len(), 2, "delay then failure");
    assert!(d[1].contains("Action: failed"), "{}", d[1]);
    assert!(
        d[1].contains(&format!("Final-Recipient: rfc822; {SMALL}")),
        "{}",
        d[1]
    );
    assert!(
        d[1].contains(&format!("The mailbox of {SMALL} stayed full for 5 days")),
        "{}",
        d[1]
    );
    let inbox = h.inbox(SMALL).await;
    assert_eq!(inbox.len(), 1, "never delivered");
    assert!(String::from_utf8_lossy(&inbox[0]).contains("Subject: plein"));
}

/// R17 with smtplib on the MX: an outside sender's message is held; its
/// delay DSN and, five days later, its failure DSN go out through the
/// queue from the null reverse path, because SPF authenticates the sender.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_mailbox_hold_smtplib_outside_sender() {
    let h = Harness::start().await;
    nearly_full(&h).await;
    // Only an authenticated sender gets DSNs (no backscatter).
    authenticate_senders(&h, &["example.org"]);
    let r = smtplib(
        &h,
        json!({"mode": "plain", "port": h.mx.port(), "from": "parent@example.org",
               "to": [SMALL], "subject": "Absence de mon fils", "body": "x".repeat(1000)}),
    )
    .await;
    assert_eq!(r["rcpt"][SMALL][0], 250, "{r}");
    assert_eq!(r["data"][0], 250, "accepted, not refused (R17): {r}");
    assert_eq!(h.inbox(SMALL).await.len(), 1);
    let held = queued(&h.store, QueueKind::HeldLocal).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0.sender, "parent@example.org");
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1, "one delay DSN");
    assert_eq!(q[0].0.sender, "");
    assert_eq!(q[0].0.recipients[0].address, "parent@example.org");
    let dsn = readable(q[0].1.as_bytes());
    assert!(
        dsn.contains("Content-Type: multipart/report; report-type=delivery-status"),
        "{dsn}"
    );
    assert!(dsn.contains("Action: delayed"), "{dsn}");
    assert!(dsn.contains("Status: 4.2.2"), "{dsn}");
    let now = vesontio_store::now();
    assert_eq!(h.delivery.retry_held(now + 5 * DAY + 1).await, 0);
    assert!(queued(&h.store, QueueKind::HeldLocal).await.is_empty());
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 2, "delay then failure");
    let last = q
        .iter()
        .map(|(e, b)| (e, readable(b.as_bytes())))
        .find(|(_, b)| b.contains("Action: failed"))
        .expect("failure DSN");
    assert_eq!(last.0.sender, "");
    assert_eq!(last.0.recipients[0].address, "parent@example.org");
    assert!(last.1.contains("stayed full for 5 days"), "{}", last.1);
}

/// R17 with smtplib, room made: the held message is delivered whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_mailbox_hold_smtplib_delivered_after_room() {
    let h = Harness::start().await;
    nearly_full(&h).await;
    let r = smtplib(
        &h,
        json!({"mode": "ssl", "port": h.submissions.port(), "user": MARIE, "from": MARIE,
               "to": [SMALL], "subject": "Compte rendu", "body": "w".repeat(1000)}),
    )
    .await;
    assert_eq!(r["data"][0], 250, "{r}");
    assert_eq!(queued(&h.store, QueueKind::HeldLocal).await.len(), 1);
    let d = dsns(&h.inbox(MARIE).await);
    assert_eq!(d.len(), 1);
    assert!(d[0].contains("Action: delayed"), "{}", d[0]);
    make_room(&h).await;
    assert_eq!(h.delivery.retry_held(vesontio_store::now()).await, 1);
    let inbox = h.inbox(SMALL).await;
    assert_eq!(inbox.len(), 1);
    assert!(String::from_utf8_lossy(&inbox[0]).contains("Subject: Compte rendu"));
    assert!(readable(&inbox[0]).contains(&"w".repeat(1000)));
    assert!(queued(&h.store, QueueKind::HeldLocal).await.is_empty());
}

/// R17 through a list: one member's mailbox is full. The others get their
/// copy; that member's copy is held; the poster's delay DSN names the full
/// mailbox, not the list (whose "mailbox" is not full at all).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_mailbox_of_a_list_member() {
    let h = Harness::start().await;
    nearly_full(&h).await;
    authenticate_senders(&h, &["example.org"]);
    let list = make_account(&h.store, "profs@ac-test.fr", AccountKind::List, 0).await;
    for m in [MARIE, SMALL] {
        h.store.add_list_member(list.id, m).await.unwrap();
    }
    h.store
        .add_list_sender(list.id, "rectorat@example.org")
        .await
        .unwrap();
    let body = "r".repeat(1000);
    let run = swaks(
        h.mx,
        &[
            "--from",
            "rectorat@example.org",
            "--to",
            "profs@ac-test.fr",
            "--header",
            "Subject: Circulaire",
            "--body",
            &body,
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    assert_eq!(h.inbox(MARIE).await.len(), 1);
    let held = queued(&h.store, QueueKind::HeldLocal).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0.recipients[0].address, SMALL);
    assert!(held[0].1.starts_with("List-Id: <profs.ac-test.fr>\r\n"));
    let q = remote_queue(&h.store).await;
    assert_eq!(q.len(), 1, "one delay DSN to the poster");
    assert_eq!(q[0].0.recipients[0].address, "rectorat@example.org");
    let dsn = readable(q[0].1.as_bytes());
    assert!(dsn.contains("Action: delayed"), "{dsn}");
    assert!(
        dsn.contains(&format!("Final-Recipient: rfc822; {SMALL}")),
        "{dsn}"
    );
    assert!(
        dsn.contains(&format!("The mailbox of {SMALL} is full.")),
        "{dsn}"
    );
    assert!(!dsn.contains("profs@ac-test.fr is full"), "{dsn}");
}
