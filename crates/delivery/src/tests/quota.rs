//! R15-R17: full mailboxes hold mail (one delay DSN), deliver when room
//! appears, expire after five days with a final DSN; R16 warning once.

use super::*;
use vesontio_store::{ExpungeMode, QueueKind};

const DAY: i64 = 86_400;

/// A full mailbox: `small` has a 3000-byte quota, filled by one message.
async fn full(e: &Env) -> (Account, Account) {
    let sender = person(e, "marie.curie@ac-demo.fr").await;
    let small = account(e, "petit@ac-demo.fr", AccountKind::Person, 3000).await;
    let filler = message(
        "x@example.org",
        "petit@ac-demo.fr",
        "plein",
        &"y".repeat(2400),
    );
    e.d.submit(
        mx(),
        envelope(Some("x@example.org"), &["petit@ac-demo.fr"]),
        filler,
        NOW - 100,
    )
    .await
    .expect("filler");
    (sender, small)
}

async fn send_to_full(e: &Env, sender: &Account) {
    let raw = message(
        "marie.curie@ac-demo.fr",
        "petit@ac-demo.fr",
        "Pour toi",
        &"z".repeat(800),
    );
    e.d.submit(
        sub(sender),
        envelope(Some("marie.curie@ac-demo.fr"), &["petit@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .expect("accepted, not refused (R17)");
}

fn dsns(msgs: &[Vec<u8>]) -> Vec<String> {
    msgs.iter()
        .map(|m| text(m))
        .filter(|t| t.contains("report-type=delivery-status"))
        .collect()
}

#[tokio::test]
async fn full_mailbox_holds_and_sends_one_delay_dsn() {
    let e = setup().await;
    let (marie, _) = full(&e).await;
    send_to_full(&e, &marie).await;
    assert_eq!(
        inbox(&e, "petit@ac-demo.fr").await.len(),
        1,
        "only the filler"
    );
    let held = queued(&e, QueueKind::HeldLocal).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].0.recipients[0].address, "petit@ac-demo.fr");
    assert_eq!(held[0].0.sender, "marie.curie@ac-demo.fr");
    assert_eq!(held[0].0.next_attempt_at, NOW + 900);
    let d = dsns(&inbox(&e, "marie.curie@ac-demo.fr").await);
    assert_eq!(d.len(), 1, "one delay DSN");
    assert!(d[0].contains("Action: delayed"), "{}", d[0]);
    assert!(d[0].contains("Status: 4.2.2"), "{}", d[0]);
    assert!(
        d[0].contains("The mailbox of petit@ac-demo.fr is full"),
        "{}",
        d[0]
    );
    assert!(
        d[0].contains("From: \"Postmaster\" <postmaster@ac-demo.fr>"),
        "{}",
        d[0]
    );
    // Retrying while still full changes nothing and sends nothing more.
    assert_eq!(e.d.retry_held(NOW + 900).await, 0);
    assert_eq!(queued(&e, QueueKind::HeldLocal).await.len(), 1);
    assert_eq!(dsns(&inbox(&e, "marie.curie@ac-demo.fr").await).len(), 1);
}

#[tokio::test]
async fn held_delivered_after_room_is_made() {
    let e = setup().await;
    let (marie, small) = full(&e).await;
    send_to_full(&e, &marie).await;
    let mb = e
        .store()
        .mailbox_by_name(small.id, "INBOX")
        .await
        .expect("m")
        .expect("inbox");
    let uids: Vec<u32> = e
        .store()
        .messages(mb.id)
        .await
        .expect("m")
        .iter()
        .map(|m| m.uid)
        .collect();
    e.store()
        .expunge(mb.id, Some(&uids), ExpungeMode::Any)
        .await
        .expect("expunge");
    e.store().wake_held(NOW + 60).await.expect("wake");
    assert_eq!(e.d.retry_held(NOW + 60).await, 1);
    assert_eq!(subjects(&e, "petit@ac-demo.fr").await, ["Pour toi"]);
    assert!(queued(&e, QueueKind::HeldLocal).await.is_empty());
    // Only the delay DSN, no failure.
    assert_eq!(dsns(&inbox(&e, "marie.curie@ac-demo.fr").await).len(), 1);
}

#[tokio::test]
async fn held_expires_after_five_days_with_final_dsn() {
    let e = setup().await;
    let (marie, _) = full(&e).await;
    send_to_full(&e, &marie).await;
    assert_eq!(e.d.retry_held(NOW + 5 * DAY - 1).await, 0);
    assert_eq!(queued(&e, QueueKind::HeldLocal).await.len(), 1, "not yet");
    assert_eq!(e.d.retry_held(NOW + 5 * DAY).await, 0);
    assert!(
        queued(&e, QueueKind::HeldLocal).await.is_empty(),
        "destroyed"
    );
    let d = dsns(&inbox(&e, "marie.curie@ac-demo.fr").await);
    assert_eq!(d.len(), 2);
    assert!(d[1].contains("Action: failed"), "{}", d[1]);
    assert!(d[1].contains("stayed full for 5 days"), "{}", d[1]);
    assert_eq!(
        inbox(&e, "petit@ac-demo.fr").await.len(),
        1,
        "never delivered"
    );
}

#[tokio::test]
async fn spawned_retrier_delivers_after_wake_and_stops() {
    let e = setup().await;
    let now = vesontio_store::now();
    let marie = person(&e, "marie.curie@ac-demo.fr").await;
    let small = account(&e, "petit@ac-demo.fr", AccountKind::Person, 3000).await;
    let filler = message(
        "x@example.org",
        "petit@ac-demo.fr",
        "plein",
        &"y".repeat(2400),
    );
    e.d.submit(
        mx(),
        envelope(Some("x@example.org"), &["petit@ac-demo.fr"]),
        filler,
        now,
    )
    .await
    .expect("f");
    let raw = message(
        "marie.curie@ac-demo.fr",
        "petit@ac-demo.fr",
        "Pour toi",
        &"z".repeat(800),
    );
    e.d.submit(
        sub(&marie),
        envelope(Some("marie.curie@ac-demo.fr"), &["petit@ac-demo.fr"]),
        raw,
        now,
    )
    .await
    .expect("held");
    let token = tokio_util::sync::CancellationToken::new();
    let h = e.d.clone().spawn_held_retrier(token.clone());
    let mb = e
        .store()
        .mailbox_by_name(small.id, "INBOX")
        .await
        .expect("m")
        .expect("inbox");
    e.store()
        .expunge(mb.id, Some(&[1]), ExpungeMode::Any)
        .await
        .expect("expunge");
    e.store()
        .wake_held(vesontio_store::now())
        .await
        .expect("wake");
    let mut ok = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if subjects(&e, "petit@ac-demo.fr").await == ["Pour toi"] {
            ok = true;
            break;
        }
    }
    assert!(ok, "delivered by the retrier after the expunge");
    token.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), h)
        .await
        .expect("stops")
        .expect("join");
}

#[tokio::test]
async fn quota_warning_once_at_90_percent_and_rearmed() {
    let e = setup().await;
    let acc = account(&e, "jean.dupont@ac-demo.fr", AccountKind::Person, 40_000).await;
    let to = "jean.dupont@ac-demo.fr";
    let send = |body: String, s: &'static str| {
        let d = e.d.clone();
        async move {
            d.submit(
                mx(),
                envelope(Some("a@example.org"), &[to]),
                message("a@example.org", to, s, &body),
                NOW,
            )
            .await
            .expect("accepted")
        }
    };
    send("a".repeat(30_000), "un").await;
    assert_eq!(subjects(&e, to).await, ["un"], "75 %: no warning");
    send("b".repeat(6_000), "deux").await;
    let s = subjects(&e, to).await;
    assert_eq!(s.len(), 3, "{s:?}");
    assert_eq!(
        s[2],
        "Votre boîte aux lettres est pleine à 90 % / Your mailbox is 90 % full"
    );
    let body = text(&inbox(&e, to).await[2]);
    assert!(!body.contains("http"), "no links in a notice");
    assert!(
        e.store()
            .account(acc.id)
            .await
            .expect("a")
            .expect("a")
            .quota_warned
    );
    send("c".repeat(100), "trois").await;
    assert_eq!(subjects(&e, to).await.len(), 4, "warned once");
    // Room made: the warning is re-armed.
    let mb = e
        .store()
        .mailbox_by_name(acc.id, "INBOX")
        .await
        .expect("m")
        .expect("inbox");
    e.store()
        .expunge(mb.id, Some(&[1]), ExpungeMode::Any)
        .await
        .expect("expunge");
    e.d.update_quota_warning(acc.id, NOW).await;
    assert!(
        !e.store()
            .account(acc.id)
            .await
            .expect("a")
            .expect("a")
            .quota_warned
    );
}

/// The delay DSN names the mailbox that is full, not the list it was
/// reached through.
#[tokio::test]
async fn delay_dsn_names_the_full_member_not_the_list() {
    let e = setup().await;
    let (_, small) = full(&e).await;
    let list = account(&e, "tous@ac-demo.fr", AccountKind::List, 0).await;
    e.store()
        .add_list_member(list.id, &small.address)
        .await
        .expect("member");
    e.store()
        .add_list_sender(list.id, "r@example.org")
        .await
        .expect("sender");
    authenticate_mx_senders(&e);
    let raw = message("r@example.org", "tous@ac-demo.fr", "Info", &"z".repeat(800));
    e.d.submit(
        mx(),
        envelope(Some("r@example.org"), &["tous@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .expect("accepted");
    let q = remote(&e).await;
    assert_eq!(q.len(), 1);
    assert!(
        q[0].1.contains("The mailbox of petit@ac-demo.fr is full"),
        "{}",
        q[0].1
    );
    assert!(!q[0].1.contains("tous@ac-demo.fr is full"), "{}", q[0].1);
}

/// Backscatter: a held message from an unauthenticated MX sender (SPF
/// fails, no DKIM) gets no delay DSN now and none when it expires.
#[tokio::test]
async fn no_dsn_to_an_unauthenticated_mx_sender() {
    let e = setup().await;
    let (_, small) = full(&e).await;
    authenticate_mx_senders(&e);
    // forged.example publishes an SPF record that does not list 192.0.2.7.
    let raw = message(
        "victim@forged.example",
        &small.address,
        "Info",
        &"z".repeat(800),
    );
    e.d.submit(
        mx(),
        envelope(Some("victim@forged.example"), &[small.address.as_str()]),
        raw,
        NOW,
    )
    .await
    .expect("accepted and held");
    assert!(remote(&e).await.is_empty(), "no delay DSN");
    let held: Vec<_> = e
        .store()
        .queue_entries()
        .await
        .expect("queue")
        .into_iter()
        .filter(|q| q.kind == vesontio_store::QueueKind::HeldLocal)
        .collect();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].sender, "", "no failure DSN either");
    e.d.retry_held(NOW + 6 * 86_400).await;
    assert!(remote(&e).await.is_empty(), "no failure DSN at expiry");
}
