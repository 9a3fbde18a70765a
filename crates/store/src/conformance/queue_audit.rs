//! Queue, audit log and the small tables.

#![allow(clippy::unwrap_used)]

use super::*;

pub async fn queue_lifecycle(s: Store) {
    let (blob, _) = s
        .put_blob(b"Subject: out\r\n\r\nhello\r\n".to_vec())
        .await
        .unwrap();
    let id = s
        .enqueue(NewQueueEntry {
            kind: QueueKind::Remote,
            blob: blob.clone(),
            sender: "a@ac-demo.fr".into(),
            envid: Some("ENV1".into()),
            ret: Some("HDRS".into()),
            recipients: vec![
                NewQueueRcpt {
                    address: "x@example.org".into(),
                    orcpt: Some("rfc822;x@example.org".into()),
                    notify: None,
                },
                NewQueueRcpt {
                    address: "y@example.org".into(),
                    orcpt: None,
                    notify: Some("FAILURE".into()),
                },
            ],
            created_at: NOW,
            next_attempt_at: NOW,
        })
        .await
        .unwrap();
    assert!(
        s.claim_due(NOW - 1, 60, 10).await.unwrap().is_empty(),
        "not due yet"
    );
    let got = s.claim_due(NOW, 60, 10).await.unwrap();
    assert_eq!(got.len(), 1);
    let e = &got[0];
    assert_eq!(
        (e.id, e.kind, e.envid.as_deref(), e.recipients.len()),
        (id, QueueKind::Remote, Some("ENV1"), 2)
    );
    assert!(
        s.claim_due(NOW, 60, 10).await.unwrap().is_empty(),
        "leased entries are not claimed twice"
    );
    s.set_rcpt_status(e.recipients[0].id, RcptStatus::Done, None)
        .await
        .unwrap();
    s.set_rcpt_status(
        e.recipients[1].id,
        RcptStatus::Pending,
        Some("451 try later"),
    )
    .await
    .unwrap();
    s.reschedule(id, NOW + 300, true).await.unwrap();
    assert!(s.claim_due(NOW + 299, 60, 10).await.unwrap().is_empty());
    let again = s.claim_due(NOW + 300, 60, 10).await.unwrap();
    assert_eq!(again[0].attempts, 1);
    assert!(again[0].delay_notified);
    assert_eq!(again[0].recipients[0].status, RcptStatus::Done);
    assert_eq!(
        again[0].recipients[1].last_error.as_deref(),
        Some("451 try later")
    );
    s.dequeue(id).await.unwrap();
    released_then_swept(&s, &blob.id).await;
    // Held local deliveries wake up when room appears.
    let (blob, _) = s
        .put_blob(b"Subject: held\r\n\r\nwaiting\r\n".to_vec())
        .await
        .unwrap();
    let held = s
        .enqueue(NewQueueEntry {
            kind: QueueKind::HeldLocal,
            blob: blob.clone(),
            sender: "b@example.org".into(),
            envid: None,
            ret: None,
            recipients: vec![NewQueueRcpt {
                address: "a@ac-demo.fr".into(),
                orcpt: None,
                notify: None,
            }],
            created_at: NOW,
            next_attempt_at: NOW + 3600,
        })
        .await
        .unwrap();
    assert!(s.claim_due(NOW + 400, 60, 10).await.unwrap().is_empty());
    assert_eq!(s.wake_held(NOW + 400).await.unwrap(), 1);
    assert!(
        s.claim_due_kind(NOW + 400, 60, 10, QueueKind::Remote)
            .await
            .unwrap()
            .is_empty(),
        "kind filter"
    );
    let woke = s
        .claim_due_kind(NOW + 400, 60, 10, QueueKind::HeldLocal)
        .await
        .unwrap();
    assert_eq!(woke.iter().map(|e| e.id).collect::<Vec<_>>(), vec![held]);
    assert_eq!(woke[0].kind, QueueKind::HeldLocal);
    s.dequeue(held).await.unwrap();
    released_then_swept(&s, &blob.id).await;
    assert!(s.queue_entries().await.unwrap().is_empty());
}

pub async fn audit_chain(s: Store) {
    for i in 0..5 {
        s.audit_append(
            NOW + i,
            "connection",
            &serde_json::json!({"protocol": "imap", "ok": i % 2 == 0}),
        )
        .await
        .unwrap();
    }
    assert_eq!(s.audit_verify().await.unwrap(), Ok(5));
    let e = s.audit_entries(NOW + 1, NOW + 3).await.unwrap();
    assert_eq!(e.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(e[1].prev_hash, e[0].hash);
    // Tampering with one entry is detected at that entry.
    s.debug_execute("UPDATE audit SET data = '{\"protocol\":\"pop3\",\"ok\":true}' WHERE seq = 3")
        .await
        .unwrap();
    let broken = s.audit_verify().await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 3);
    s.debug_execute("UPDATE audit SET data = '{\"ok\":true,\"protocol\":\"imap\"}' WHERE seq = 3")
        .await
        .unwrap();
    // Removing one inside the chain too.
    let fresh = Store::clone(&s);
    fresh
        .debug_execute("DELETE FROM audit WHERE seq = 4")
        .await
        .unwrap();
    assert_eq!(fresh.audit_verify().await.unwrap().unwrap_err().seq, 5);
}

/// Concurrent appends are grouped into shared transactions; the chain stays
/// one line with one sequence number per entry.
pub async fn audit_concurrent_appends(s: Store) {
    let mut tasks = Vec::new();
    for i in 0..60 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.audit_append(NOW + i, "connection", &serde_json::json!({"i": i}))
                .await
                .unwrap()
        }));
    }
    let mut seqs = Vec::new();
    for t in tasks {
        seqs.push(t.await.unwrap());
    }
    seqs.sort();
    assert_eq!(seqs, (1..=60).collect::<Vec<i64>>());
    assert_eq!(s.audit_verify().await.unwrap(), Ok(60));
    // Several entries in one call stay together and in order.
    let many = (0..5)
        .map(|i| {
            (
                NOW + 100,
                "message".to_string(),
                serde_json::json!({"n": i}),
            )
        })
        .collect();
    assert_eq!(s.audit_append_many(many).await.unwrap(), 61);
    let tail = s.audit_entries(NOW + 100, NOW + 101).await.unwrap();
    assert_eq!(
        tail.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![61, 62, 63, 64, 65]
    );
    assert_eq!(tail[4].data, "{\"n\":4}");
    assert_eq!(s.audit_verify().await.unwrap(), Ok(65));
}

pub async fn audit_retention_keeps_chain(s: Store) {
    for i in 0..6 {
        s.audit_append(NOW + i * 100, "message", &serde_json::json!({"n": i}))
            .await
            .unwrap();
    }
    assert_eq!(s.audit_purge_before(NOW + 250).await.unwrap(), 3);
    assert_eq!(s.audit_verify().await.unwrap(), Ok(3));
    s.audit_append(NOW + 700, "message", &serde_json::json!({"n": 7}))
        .await
        .unwrap();
    assert_eq!(s.audit_verify().await.unwrap(), Ok(4));
    // Dropping the newest entry is detected through the head.
    s.debug_execute("DELETE FROM audit WHERE seq = 7")
        .await
        .unwrap();
    assert!(s.audit_verify().await.unwrap().is_err());
}

pub async fn login_failures_rate_vacation_quarantine(s: Store) {
    let (jeanne, paul) = ("jeanne.dupont@ac-demo.fr", "paul.durand@ac-demo.fr");
    let (a, b) = ("192.0.2.7", "198.51.100.1");
    assert_eq!(
        s.login_state(jeanne, a, 0).await.unwrap(),
        LoginState::default()
    );
    s.login_failed(jeanne, a, NOW, NOW - 900).await.unwrap();
    s.login_failed(jeanne, a, NOW + 2, NOW - 900).await.unwrap();
    s.login_failed(jeanne, b, NOW + 3, NOW - 900).await.unwrap();
    s.login_failed(paul, a, NOW + 4, NOW - 900).await.unwrap();
    let st = s.login_state(jeanne, a, NOW - 60).await.unwrap();
    assert_eq!(
        st,
        LoginState {
            pair: Some(FailureState {
                failures: 2,
                last_failure_at: NOW + 2
            }),
            account: Some(FailureState {
                failures: 3,
                last_failure_at: NOW + 3
            }),
            known_at: None,
            address_logins: 2,
            address_last_failure: Some(NOW + 4),
        }
    );
    // Only failures since the asked time count for the address.
    assert_eq!(
        s.login_state(jeanne, a, NOW + 3)
            .await
            .unwrap()
            .address_logins,
        1
    );
    // A stale account count starts again at 1; the pair's does not.
    s.login_failed(jeanne, a, NOW + 5000, NOW + 4000)
        .await
        .unwrap();
    let st = s.login_state(jeanne, a, 0).await.unwrap();
    assert_eq!(st.account.map(|f| f.failures), Some(1));
    assert_eq!(st.pair.map(|f| f.failures), Some(3));
    // Success: the pair is cleared and the address remembered; the
    // account's count stays (it only decays).
    s.login_succeeded(jeanne, a, NOW + 5001, true, true)
        .await
        .unwrap();
    let st = s.login_state(jeanne, a, 0).await.unwrap();
    assert_eq!((st.pair, st.known_at), (None, Some(NOW + 5001)));
    assert_eq!(st.account.map(|f| f.failures), Some(1));
    assert_eq!(st.address_logins, 1, "paul's failure from a is left");
    s.login_succeeded(jeanne, a, NOW + 6000, false, true)
        .await
        .unwrap();
    assert_eq!(
        s.login_state(jeanne, a, 0).await.unwrap().known_at,
        Some(NOW + 6000)
    );
    assert_eq!(s.login_state(jeanne, b, 0).await.unwrap().known_at, None);
    // Pruning: failures before NOW + 10, known addresses before NOW + 5500.
    assert_eq!(s.logins_prune(NOW + 10, NOW + 5500).await.unwrap(), 3);
    let st = s.login_state(jeanne, b, 0).await.unwrap();
    assert_eq!(st.pair, None);
    assert_eq!(s.logins_prune(NOW + 10, NOW + 7000).await.unwrap(), 1);
    assert_eq!(s.login_state(jeanne, a, 0).await.unwrap().known_at, None);

    s.record_sent("A@ac-demo.fr", NOW - 4000, 30).await.unwrap();
    s.record_sent("a@ac-demo.fr", NOW - 100, 5).await.unwrap();
    s.record_sent("a@ac-demo.fr", NOW, 7).await.unwrap();
    assert_eq!(s.sent_since("a@ac-demo.fr", NOW - 3600).await.unwrap(), 12);
    assert_eq!(s.prune_sent(NOW - 3600).await.unwrap(), 1);

    let a = person(&s, "a@ac-demo.fr", 1 << 20).await;
    assert_eq!(s.vacation(a.id).await.unwrap(), None);
    let v = Vacation {
        active: true,
        start_at: Some(NOW),
        end_at: Some(NOW + 86400),
        subject: "Absent".into(),
        body: "Retour lundi".into(),
    };
    s.set_vacation(a.id, &v).await.unwrap();
    assert_eq!(s.vacation(a.id).await.unwrap(), Some(v.clone()));
    assert!(
        s.vacation_mark_replied(a.id, "x@example.org", "p1")
            .await
            .unwrap()
    );
    assert!(
        !s.vacation_mark_replied(a.id, "X@example.org", "p1")
            .await
            .unwrap()
    );
    s.set_vacation(a.id, &v).await.unwrap();
    assert!(
        s.vacation_mark_replied(a.id, "x@example.org", "p1")
            .await
            .unwrap(),
        "a new setting starts a new period"
    );

    let (blob, _) = s
        .put_blob(b"Subject: [PRIVE] rdv medecin\r\n\r\n...".to_vec())
        .await
        .unwrap();
    let qid = s
        .quarantine_add(NewQuarantine {
            created_at: NOW,
            blob: blob.clone(),
            sender: "x@example.org".into(),
            recipients: vec!["a@ac-demo.fr".into(), "b@ac-demo.fr".into()],
            reason: "virus".into(),
            rule: None,
            private: true,
            subject: Some("[PRIVE] rdv medecin".into()),
        })
        .await
        .unwrap();
    let q = s.quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].recipients, vec!["a@ac-demo.fr", "b@ac-demo.fr"]);
    assert!(q[0].private);
    assert_eq!(
        q[0].subject, None,
        "R4: private subjects are never kept for admins"
    );
    assert!(s.quarantine_remove(qid).await.unwrap());
    released_then_swept(&s, &blob.id).await;
}
