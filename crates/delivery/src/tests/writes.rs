//! All or nothing (issue 15 item 2): a message's local copies, R17 holds
//! and remote queue entries commit together, and a message handed over
//! again (a client retrying after a timeout, a `submit` cancelled at any
//! step) is delivered exactly once.
#![allow(clippy::unwrap_used)]

use std::future::Future;
use std::task::Poll;

use super::*;
use vesontio_store::QueueKind;

/// Polls `f` at most `k` times, then drops it (a client that gave up, a
/// timeout cancelling the task): `None` when it did not finish.
async fn poll_then_drop<F: Future>(f: F, k: usize) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut n = 0;
    std::future::poll_fn(|cx| match f.as_mut().poll(cx) {
        Poll::Ready(v) => Poll::Ready(Some(v)),
        Poll::Pending => {
            n += 1;
            if n >= k {
                Poll::Ready(None)
            } else {
                Poll::Pending
            }
        }
    })
    .await
}

/// Jean sends to Marie (local), a full mailbox (held, R17) and an outside
/// address (queued).
async fn three_way(e: &Env) -> Account {
    let jean = person(e, "jean.dupont@ac-demo.fr").await;
    person(e, "marie.curie@ac-demo.fr").await;
    account(e, "petit@ac-demo.fr", AccountKind::Person, 100).await;
    jean
}

const RCPTS: [&str; 3] = [
    "marie.curie@ac-demo.fr",
    "petit@ac-demo.fr",
    "bob@example.com",
];

fn mail(subject: &str) -> Vec<u8> {
    message(
        "jean.dupont@ac-demo.fr",
        "marie.curie@ac-demo.fr",
        subject,
        &"x".repeat(300),
    )
}

/// How many copies of `subject` are in Marie's INBOX, held, and queued.
async fn copies(e: &Env, subject: &str) -> (usize, usize, usize) {
    let marie = subjects(e, "marie.curie@ac-demo.fr")
        .await
        .iter()
        .filter(|s| *s == subject)
        .count();
    let needle = format!("Subject: {subject}\r\n");
    let held = queued(e, QueueKind::HeldLocal)
        .await
        .iter()
        .filter(|(_, b)| b.contains(&needle))
        .count();
    let remote = remote(e)
        .await
        .iter()
        .filter(|(_, b)| b.contains(&needle))
        .count();
    (marie, held, remote)
}

#[tokio::test]
async fn a_message_handed_over_again_is_delivered_once() {
    let e = setup().await;
    let jean = three_way(&e).await;
    let env = envelope(Some("jean.dupont@ac-demo.fr"), &RCPTS);
    let first =
        e.d.submit(sub(&jean), env.clone(), mail("Une fois"), NOW)
            .await
            .expect("first");
    assert_eq!(
        copies(&e, "Une fois").await,
        (1, 1, 1),
        "all three kinds written together"
    );
    let again =
        e.d.submit(sub(&jean), env.clone(), mail("Une fois"), NOW + 30)
            .await
            .expect("again");
    assert_eq!(again.queue_id, first.queue_id, "the first delivery's id");
    assert_eq!(copies(&e, "Une fois").await, (1, 1, 1));
    // Another message, or the same one to other recipients, is new.
    e.d.submit(sub(&jean), env, mail("Deux fois"), NOW)
        .await
        .expect("other");
    let other = envelope(Some("jean.dupont@ac-demo.fr"), &RCPTS[..1]);
    let third =
        e.d.submit(sub(&jean), other, mail("Une fois"), NOW)
            .await
            .expect("other rcpts");
    assert_ne!(third.queue_id, first.queue_id);
    assert_eq!(copies(&e, "Une fois").await, (2, 1, 1));
    // The audit log says what happened to the retry.
    let audit = e.store().audit_entries(NOW - 10, NOW + 60).await.unwrap();
    let verdicts: Vec<String> = audit
        .iter()
        .filter_map(|a| {
            let v: serde_json::Value = serde_json::from_str(&a.data).ok()?;
            v.get("verdict")?.as_str().map(str::to_string)
        })
        .collect();
    assert_eq!(
        verdicts.iter().filter(|v| *v == "duplicate").count(),
        1,
        "{verdicts:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_twins_deliver_once() {
    let e = setup().await;
    let jean = three_way(&e).await;
    let env = envelope(Some("jean.dupont@ac-demo.fr"), &RCPTS);
    let a = e.d.submit(sub(&jean), env.clone(), mail("Jumeaux"), NOW);
    let b = e.d.submit(sub(&jean), env.clone(), mail("Jumeaux"), NOW);
    let (a, b) = tokio::join!(a, b);
    assert_eq!(a.expect("a").queue_id, b.expect("b").queue_id);
    assert_eq!(copies(&e, "Jumeaux").await, (1, 1, 1));
}

#[tokio::test]
async fn cancelled_at_every_step_then_retried_is_delivered_exactly_once() {
    let mut cfg = config();
    cfg.recipients_per_hour = 1_000_000;
    cancel_and_retry(setup_with(cfg).await).await;
}

/// The same on PostgreSQL, where every statement is a real wait, so the
/// cancellations fall between many more steps (skipped without a server
/// unless `CI` is set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_at_every_step_on_postgres() {
    let mut cfg = config();
    cfg.recipients_per_hour = 1_000_000;
    let Some(e) = setup_postgres(cfg, "cancel").await else {
        return;
    };
    cancel_and_retry(e).await;
}

async fn cancel_and_retry(e: Env) {
    let jean = three_way(&e).await;
    let env = envelope(Some("jean.dupont@ac-demo.fr"), &RCPTS);
    let mut finished_at = None;
    let mut seen = std::collections::BTreeSet::new();
    for k in 1..2000 {
        let subject = format!("Essai {k}");
        let first =
            poll_then_drop(e.d.submit(sub(&jean), env.clone(), mail(&subject), NOW), k).await;
        if first.is_some() {
            finished_at = Some(k);
            break;
        }
        // A commit handed to the group before the cancellation still
        // runs: let it end, then look. Nothing, or everything.
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let state = copies(&e, &subject).await;
        assert!(
            [(0, 0, 0), (1, 1, 1)].contains(&state),
            "cancelled after {k} polls: half written {state:?}"
        );
        seen.insert(state);
        // The client retries; exactly one of everything.
        e.d.submit(sub(&jean), env.clone(), mail(&subject), NOW + 60)
            .await
            .expect("retry");
        assert_eq!(
            copies(&e, &subject).await,
            (1, 1, 1),
            "after {k} polls and a retry"
        );
    }
    let k = finished_at.expect("submit finishes in a bounded number of polls");
    eprintln!("cancelled at {} points, finished after {k} polls", k - 1);
    assert!(k >= 2, "at least one cancellation ({k})");
    assert!(
        seen.contains(&(0, 0, 0)),
        "some cancellations came before the commit"
    );
}
