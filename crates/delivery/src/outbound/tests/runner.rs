//! The runner against a real SMTP sink on 127.0.0.1.

use std::sync::Arc;

use vesontio_store::RcptStatus;

use super::sink::Sink;
use super::*;

const ALICE: &str = "alice@local.test";
const BOB: &str = "bob@remote.test";
const NOBODY: &str = "nobody@remote.test";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn delivers_and_dequeues() {
    let env = store().await;
    let sink = Sink::start(false).await;
    let r = runner(config(vec![("remote.test", &sink.addr)]), &env.store);
    enqueue(&env.store, ALICE, &[(BOB, None)], message(ALICE, BOB)).await;

    assert_eq!(r.run_once(NOW).await, 1);
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(
        got[0].mail_from,
        format!(
            "<{ALICE}> SIZE={} BODY=7BIT RET=HDRS ENVID=ENV-42",
            message(ALICE, BOB).len()
        )
    );
    // RFC 3461 §4: NOTIFY absent, ORCPT carried over.
    assert_eq!(got[0].rcpts, vec![format!("<{BOB}> ORCPT=rfc822;{BOB}")]);
    // The dot-stuffed line came back unstuffed, the rest unchanged.
    assert_eq!(text(&got[0].data), text(&message(ALICE, BOB)));
    assert!(!got[0].tls);
    assert!(
        entries(&env.store).await.is_empty(),
        "delivered entry is dequeued"
    );
    // Nothing due any more.
    assert_eq!(r.run_once(NOW + 10_000).await, 0);
}

#[tokio::test]
async fn per_recipient_550_sends_one_dsn_to_the_local_sender() {
    let env = store().await;
    let sink = Sink::start(false).await;
    sink.set_codes(NOBODY, &[550]);
    let boxes = Arc::new(Mailboxes::default());
    let r = runner(config(vec![("remote.test", &sink.addr)]), &env.store)
        .with_local_sink(boxes.clone());
    let id = enqueue(
        &env.store,
        ALICE,
        &[(BOB, None), (NOBODY, Some("FAILURE"))],
        message(ALICE, BOB),
    )
    .await;

    assert_eq!(r.run_once(NOW).await, 1);
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpts.len(), 1, "only bob accepted");

    // The original is gone; one DSN waits, from <> to alice.
    let q = entries(&env.store).await;
    assert_eq!(q.len(), 1);
    assert_ne!(q[0].id, id);
    assert_eq!(q[0].sender, "");
    assert_eq!(q[0].recipients.len(), 1);
    assert_eq!(q[0].recipients[0].address, ALICE);
    let dsn = text(&env.store.read_blob(&q[0].blob_id).await.expect("blob"));
    assert!(dsn.contains("report-type=delivery-status"), "{dsn}");
    assert!(dsn.contains("Original-Envelope-Id: ENV-42"), "{dsn}");
    assert!(
        dsn.contains(&format!("Final-Recipient: rfc822; {NOBODY}")),
        "{dsn}"
    );
    assert!(
        dsn.contains(&format!("Original-Recipient: rfc822;{NOBODY}")),
        "{dsn}"
    );
    assert!(dsn.contains("Action: failed"), "{dsn}");
    assert!(dsn.contains("Status: 5.1.1"), "{dsn}");
    assert!(
        dsn.contains("Diagnostic-Code: smtp; 550 5.1.1 No such user here"),
        "{dsn}"
    );
    assert!(dsn.contains("Remote-MTA: dns; 127.0.0.1"), "{dsn}");
    assert!(
        !dsn.contains(&format!("Final-Recipient: rfc822; {BOB}")),
        "bob was delivered: {dsn}"
    );
    // RET=HDRS: headers only.
    assert!(dsn.contains("Subject: Hello"));
    assert!(!dsn.contains("Bonjour"), "RET=HDRS returns no body");

    // Next pass: the DSN goes to alice's mailbox through the local sink,
    // not over SMTP.
    assert_eq!(r.run_once(NOW).await, 1);
    let delivered = boxes.got.lock().expect("lock").clone();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].0, None, "DSN has the null sender");
    assert_eq!(delivered[0].1, ALICE);
    assert!(text(&delivered[0].2).contains("Status: 5.1.1"));
    assert_eq!(sink.messages().len(), 1);
    assert!(entries(&env.store).await.is_empty());
}

#[tokio::test]
async fn transient_failure_retries_with_backoff_then_succeeds() {
    let env = store().await;
    let sink = Sink::start(false).await;
    // Three 451s, then accepted. Intervals 60, 300 (the last repeats).
    sink.set_codes(BOB, &[451, 451, 451, 250]);
    let r = runner(config(vec![("remote.test", &sink.addr)]), &env.store);
    enqueue(&env.store, ALICE, &[(BOB, None)], message(ALICE, BOB)).await;

    let expect_next = [NOW + 60, NOW + 60 + 300, NOW + 60 + 300 + 300];
    let mut t = NOW;
    for (i, next) in expect_next.iter().enumerate() {
        assert_eq!(r.run_once(t).await, 1, "attempt {i}");
        let q = entries(&env.store).await;
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].next_attempt_at, *next, "attempt {i}");
        assert_eq!(q[0].attempts, i as i64 + 1);
        assert_eq!(q[0].recipients[0].status, RcptStatus::Pending);
        assert_eq!(
            q[0].recipients[0].last_error.as_deref(),
            Some("451 4.3.0 Try again later")
        );
        // Not due before its time.
        assert_eq!(r.run_once(next - 1).await, 0);
        t = *next;
    }
    assert_eq!(r.run_once(t).await, 1);
    assert_eq!(sink.messages().len(), 1);
    assert!(entries(&env.store).await.is_empty(), "no DSN for a success");
}

#[tokio::test]
async fn expiry_fails_the_rest_with_one_final_dsn() {
    let env = store().await;
    let sink = Sink::start(false).await;
    sink.set_codes(BOB, &[451]);
    let mut cfg = config(vec![("remote.test", &sink.addr)]);
    cfg.expiry_secs = 100;
    let r = runner(cfg, &env.store);
    enqueue(&env.store, ALICE, &[(BOB, None)], message(ALICE, BOB)).await;

    assert_eq!(r.run_once(NOW).await, 1);
    assert_eq!(entries(&env.store).await[0].next_attempt_at, NOW + 60);
    assert_eq!(r.run_once(NOW + 60).await, 1);
    // The next wait (300) would pass expiry: the last try is at expiry.
    assert_eq!(entries(&env.store).await[0].next_attempt_at, NOW + 100);
    assert_eq!(r.run_once(NOW + 100).await, 1);

    let q = entries(&env.store).await;
    assert_eq!(q.len(), 1, "only the DSN is left");
    assert_eq!(q[0].sender, "");
    let dsn = text(&env.store.read_blob(&q[0].blob_id).await.expect("blob"));
    assert!(
        dsn.contains(&format!("Final-Recipient: rfc822; {BOB}")),
        "{dsn}"
    );
    assert!(dsn.contains("Action: failed"), "{dsn}");
    assert!(dsn.contains("Status: 4.3.0"), "{dsn}");
    assert!(
        dsn.contains("Diagnostic-Code: smtp; 451 4.3.0 Try again later"),
        "{dsn}"
    );
    // Exactly one report block.
    assert_eq!(dsn.matches("Action:").count(), 1);
}

#[tokio::test]
async fn null_sender_is_never_bounced_nor_notify_never() {
    let env = store().await;
    let sink = Sink::start(false).await;
    sink.set_codes(BOB, &[550]);
    sink.set_codes(NOBODY, &[550]);
    let r = runner(config(vec![("remote.test", &sink.addr)]), &env.store);
    enqueue(
        &env.store,
        "",
        &[(BOB, None)],
        message("postmaster@local.test", BOB),
    )
    .await;
    enqueue(
        &env.store,
        ALICE,
        &[(NOBODY, Some("NEVER"))],
        message(ALICE, NOBODY),
    )
    .await;

    assert_eq!(r.run_once(NOW).await, 2);
    assert!(
        entries(&env.store).await.is_empty(),
        "no DSN for <> nor NOTIFY=NEVER"
    );
    let cmds = sink.commands();
    assert!(
        cmds.iter().any(|c| c.starts_with("MAIL FROM:<> ")),
        "{cmds:?}"
    );
    assert!(
        cmds.iter()
            .any(|c| c.starts_with(&format!("RCPT TO:<{NOBODY}> NOTIFY=NEVER"))),
        "{cmds:?}"
    );
}

#[tokio::test]
async fn null_mx_bounces_at_once() {
    let env = store().await;
    let dns = StaticDns::new().mx("nomail.example", 0, ".");
    let r = Runner::new(config(vec![]), env.store.clone(), Arc::new(dns));
    enqueue(
        &env.store,
        ALICE,
        &[("x@nomail.example", None)],
        message(ALICE, "x@nomail.example"),
    )
    .await;
    assert_eq!(r.run_once(NOW).await, 1);
    let q = entries(&env.store).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].sender, "");
    let dsn = text(&env.store.read_blob(&q[0].blob_id).await.expect("blob"));
    assert!(dsn.contains("Status: 5.1.10"), "{dsn}");
    assert!(
        !dsn.contains("Remote-MTA"),
        "no server was contacted: {dsn}"
    );
}

#[tokio::test]
async fn starttls_is_used_when_offered() {
    let env = store().await;
    let sink = Sink::start(true).await;
    let r = runner(config(vec![("remote.test", &sink.addr)]), &env.store);
    enqueue(&env.store, ALICE, &[(BOB, None)], message(ALICE, BOB)).await;
    assert_eq!(r.run_once(NOW).await, 1);
    let got = sink.messages();
    assert_eq!(got.len(), 1);
    assert!(got[0].tls, "the message went over TLS");
    let cmds = sink.commands();
    assert_eq!(cmds[0], "EHLO mx.local.test");
    assert_eq!(cmds[1], "STARTTLS");
    // RFC 3207 §4.2: EHLO again after the handshake.
    assert_eq!(cmds[2], "EHLO mx.local.test");
    assert!(entries(&env.store).await.is_empty());
}

#[tokio::test]
async fn unreachable_host_is_retried() {
    let env = store().await;
    // A port nobody listens on.
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr").to_string();
    drop(l);
    let r = runner(config(vec![("remote.test", &addr)]), &env.store);
    enqueue(&env.store, ALICE, &[(BOB, None)], message(ALICE, BOB)).await;
    assert_eq!(r.run_once(NOW).await, 1);
    let q = entries(&env.store).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].next_attempt_at, NOW + 60);
    assert!(
        q[0].recipients[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .starts_with("421 4.4.1")
    );
}

#[tokio::test]
async fn spawned_runner_delivers_after_poke_and_stops() {
    let env = store().await;
    let sink = Sink::start(false).await;
    let r = runner(config(vec![("remote.test", &sink.addr)]), &env.store);
    let token = tokio_util::sync::CancellationToken::new();
    let handle = r.clone().spawn(token.clone());
    // Created "now" so that it is due for the real clock.
    let now = vesontio_store::now();
    let (blob, _) = env.store.put_blob(message(ALICE, BOB)).await.expect("blob");
    env.store
        .enqueue(vesontio_store::NewQueueEntry {
            kind: vesontio_store::QueueKind::Remote,
            blob,
            sender: ALICE.into(),
            envid: None,
            ret: None,
            recipients: vec![vesontio_store::NewQueueRcpt {
                address: BOB.into(),
                orcpt: None,
                notify: None,
            }],
            created_at: now,
            next_attempt_at: now,
        })
        .await
        .expect("enqueue");
    r.poke();
    let mut ok = false;
    for _ in 0..100 {
        if sink.messages().len() == 1 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ok, "delivered after poke");
    token.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), handle)
        .await
        .expect("stops on shutdown")
        .expect("no panic");
}

/// Issue 11: `"*"` in `[dns.routes]` is a smarthost for every non-local
/// domain; local recipients of the same message stay local.
#[tokio::test]
async fn star_route_is_a_smarthost_for_non_local_domains() {
    let env = store().await;
    let sink = Sink::start(false).await;
    let boxes = Arc::new(Mailboxes::default());
    let r = runner(config(vec![("*", &sink.addr)]), &env.store).with_local_sink(boxes.clone());
    let carol = "carol@elsewhere.example";
    enqueue(
        &env.store,
        ALICE,
        &[(BOB, None), (carol, None), ("dave@local.test", None)],
        message(ALICE, BOB),
    )
    .await;

    assert_eq!(r.run_once(NOW).await, 1);
    let got = sink.messages();
    let mut rcpts: Vec<String> = got.iter().flat_map(|m| m.rcpts.clone()).collect();
    rcpts.sort();
    assert_eq!(
        rcpts,
        vec![
            format!("<{BOB}> ORCPT=rfc822;{BOB}"),
            format!("<{carol}> ORCPT=rfc822;{carol}"),
        ]
    );
    let local = boxes.got.lock().expect("lock");
    assert_eq!(local.len(), 1);
    assert_eq!(local[0].1, "dave@local.test");
    drop(local);
    assert!(entries(&env.store).await.is_empty());
}
