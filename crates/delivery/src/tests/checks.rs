//! `check_sender` (R2) and `check_recipient` (unknown, relay, R3, R5).

use super::*;

#[tokio::test]
async fn unknown_local_user_is_550_511() {
    let e = setup().await;
    let r =
        e.d.check_recipient(
            &mx(),
            Some(&addr("a@example.org")),
            &addr("nobody@ac-demo.fr"),
            0,
            NOW,
        )
        .await
        .expect_err("refused");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.1.1"));
    assert!(
        r.text.contains("<nobody@ac-demo.fr>: no such mailbox here"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn known_local_user_accepted_on_mx() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    e.d.check_recipient(
        &mx(),
        Some(&addr("a@example.org")),
        &addr("Jean.Dupont@AC-demo.fr"),
        0,
        NOW,
    )
    .await
    .expect("accepted");
}

#[tokio::test]
async fn relay_refused_on_mx_allowed_on_submission() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    let r =
        e.d.check_recipient(
            &mx(),
            Some(&addr("a@example.org")),
            &addr("bob@example.com"),
            0,
            NOW,
        )
        .await
        .expect_err("refused");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"));
    assert!(r.text.contains("relaying denied"), "{}", r.text);
    e.d.check_recipient(
        &sub(&jean),
        Some(&addr("jean.dupont@ac-demo.fr")),
        &addr("bob@example.com"),
        0,
        NOW,
    )
    .await
    .expect("submission may send outside");
}

#[tokio::test]
async fn send_as_own_functional_and_refused() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    let dsi = account(&e, "dsi@ac-demo.fr", AccountKind::Functional, 1 << 30).await;
    let exam = account(&e, "examens@ac-demo.fr", AccountKind::Functional, 1 << 30).await;
    member(&e, &dsi, &jean, "lrswip").await;
    member(&e, &exam, &jean, "lrs").await; // reads, may not send
    person(&e, "marie.curie@ac-demo.fr").await;
    let o = sub(&jean);
    e.d.check_sender(&o, Some(&addr("Jean.Dupont@ac-demo.fr")), NOW)
        .await
        .expect("own");
    e.d.check_sender(&o, Some(&addr("dsi@ac-demo.fr")), NOW)
        .await
        .expect("functional with p");
    for other in [
        "examens@ac-demo.fr",
        "marie.curie@ac-demo.fr",
        "x@example.org",
    ] {
        let r =
            e.d.check_sender(&o, Some(&addr(other)), NOW)
                .await
                .expect_err("refused");
        assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"), "{other}");
        assert!(
            r.text
                .ends_with("Allowed addresses: jean.dupont@ac-demo.fr, dsi@ac-demo.fr"),
            "{}",
            r.text
        );
    }
    let r = e.d.check_sender(&o, None, NOW).await.expect_err("refused");
    assert_eq!(r.code, 550);
    // MX: any outside sender, and the null sender of bounces.
    e.d.check_sender(&mx(), Some(&addr("someone@example.org")), NOW)
        .await
        .expect("mx");
    e.d.check_sender(&mx(), None, NOW)
        .await
        .expect("mx null sender");
}

/// Our own domains never come from outside unauthenticated, except the
/// senders the configuration lists (by address, domain or network).
#[tokio::test]
async fn own_domains_refused_on_mx_unless_allowed() {
    let mut cfg = config();
    cfg.allowed_outside_senders = ["lettre@ac-demo.fr", "198.51.100.0/24"]
        .iter()
        .map(|p| vesontio_types::SenderPattern::parse(p).expect("pattern"))
        .collect();
    let e = setup_with(cfg).await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let r =
        e.d.check_sender(&mx(), Some(&addr("Recteur@AC-Demo.fr")), NOW)
            .await
            .expect_err("refused");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"));
    assert!(
        r.text.contains("/ MAIL FROM <Recteur@ac-demo.fr>: an address of ac-demo.fr cannot come from outside unauthenticated"),
        "{}",
        r.text
    );
    assert!(r.text.is_ascii());
    e.d.check_sender(&mx(), Some(&addr("lettre@ac-demo.fr")), NOW)
        .await
        .expect("listed address");
    let relay = Origin::Mx {
        client_ip: "198.51.100.25".parse().expect("ip"),
        helo: "relais.example".into(),
        tls: false,
    };
    e.d.check_sender(&relay, Some(&addr("recteur@ac-demo.fr")), NOW)
        .await
        .expect("listed relay");
    // Submission is where our own people send from.
    let marie = e
        .store()
        .account_by_address("marie.curie@ac-demo.fr")
        .await
        .expect("a")
        .expect("a");
    e.d.check_sender(&sub(&marie), Some(&addr("marie.curie@ac-demo.fr")), NOW)
        .await
        .expect("submission");
}

#[tokio::test]
async fn list_posting_authorised_and_refused() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    let marie = person(&e, "marie.curie@ac-demo.fr").await;
    let list = account(&e, "tous@ac-demo.fr", AccountKind::List, 0).await;
    e.store()
        .add_list_member(list.id, "marie.curie@ac-demo.fr")
        .await
        .expect("member");
    e.store()
        .add_list_sender(list.id, "jean.dupont@ac-demo.fr")
        .await
        .expect("sender");
    e.store()
        .add_list_sender(list.id, "rectorat@example.org")
        .await
        .expect("sender");
    let l = addr("tous@ac-demo.fr");
    // Submission: the authenticated account counts, even with another MAIL FROM.
    e.d.check_recipient(
        &sub(&jean),
        Some(&addr("jean.dupont@ac-demo.fr")),
        &l,
        0,
        NOW,
    )
    .await
    .expect("authorised");
    let r =
        e.d.check_recipient(
            &sub(&marie),
            Some(&addr("jean.dupont@ac-demo.fr")),
            &l,
            0,
            NOW,
        )
        .await
        .expect_err("refused");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"));
    assert!(
        r.text
            .contains("not allowed to post to the list tous@ac-demo.fr"),
        "{}",
        r.text
    );
    // MX: the envelope sender.
    e.d.check_recipient(&mx(), Some(&addr("rectorat@example.org")), &l, 0, NOW)
        .await
        .expect("authorised outside sender");
    let r =
        e.d.check_recipient(&mx(), Some(&addr("spam@example.org")), &l, 0, NOW)
            .await
            .expect_err("refused");
    assert_eq!(r.code, 550);
    let r =
        e.d.check_recipient(&mx(), None, &l, 0, NOW)
            .await
            .expect_err("refused");
    assert_eq!(r.code, 550, "the null sender never posts");
}

/// R3: on the MX an envelope sender of ours is unauthenticated, so it
/// never counts as an authorised poster (anyone could claim it).
#[tokio::test]
async fn list_posting_on_mx_as_local_sender_refused() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    let list = account(&e, "tous@ac-demo.fr", AccountKind::List, 0).await;
    e.store()
        .add_list_sender(list.id, "jean.dupont@ac-demo.fr")
        .await
        .expect("sender");
    let l = addr("tous@ac-demo.fr");
    let r =
        e.d.check_recipient(&mx(), Some(&addr("Jean.Dupont@ac-demo.fr")), &l, 0, NOW)
            .await
            .expect_err("spoofable: refused");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"));
    assert!(
        r.text.contains(
            "You are not allowed to post to the list tous@ac-demo.fr from outside: mail from \
             <Jean.Dupont@ac-demo.fr> must be sent from that account, logged in"
        ),
        "{}",
        r.text
    );
    assert!(r.text.is_ascii());
    // The same person, logged in, posts.
    e.d.check_recipient(
        &sub(&jean),
        Some(&addr("jean.dupont@ac-demo.fr")),
        &l,
        0,
        NOW,
    )
    .await
    .expect("authorised on submission");
}

#[tokio::test]
async fn r5_recipients_per_message_and_per_hour() {
    let e = setup().await; // 5 per message, 8 per hour
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let me = addr("jean.dupont@ac-demo.fr");
    let to = addr("marie.curie@ac-demo.fr");
    e.d.check_recipient(&sub(&jean), Some(&me), &to, 4, NOW)
        .await
        .expect("5th ok");
    let r =
        e.d.check_recipient(&sub(&jean), Some(&me), &to, 5, NOW)
            .await
            .expect_err("refused");
    assert_eq!((r.code, r.enhanced.as_str()), (452, "4.5.3"));
    assert!(r.text.contains("at most 5 per message"), "{}", r.text);
    // The per-message limit applies on MX too.
    let r =
        e.d.check_recipient(&mx(), Some(&addr("a@example.org")), &to, 5, NOW)
            .await
            .expect_err("refused");
    assert_eq!(r.code, 452);

    // Hourly: 6 sent within the hour, 1 more than an hour ago.
    e.store()
        .record_sent("jean.dupont@ac-demo.fr", NOW - 4000, 1)
        .await
        .expect("rate");
    e.store()
        .record_sent("jean.dupont@ac-demo.fr", NOW - 600, 6)
        .await
        .expect("rate");
    e.d.check_recipient(&sub(&jean), Some(&me), &to, 0, NOW)
        .await
        .expect("7th");
    e.d.check_recipient(&sub(&jean), Some(&me), &to, 1, NOW)
        .await
        .expect("8th");
    let r =
        e.d.check_recipient(&sub(&jean), Some(&me), &to, 2, NOW)
            .await
            .expect_err("refused");
    assert_eq!((r.code, r.enhanced.as_str()), (450, "4.7.1"));
    assert!(r.text.contains("8 recipients per hour"), "{}", r.text);
    // An hour later the window has moved.
    e.d.check_recipient(&sub(&jean), Some(&me), &to, 2, NOW + 3600)
        .await
        .expect("later");
}

#[tokio::test]
async fn departed_and_disabled_accounts_still_receive() {
    let e = setup().await;
    for (a, st) in [
        ("parti@ac-demo.fr", vesontio_types::AccountStatus::Departed),
        ("bloque@ac-demo.fr", vesontio_types::AccountStatus::Disabled),
    ] {
        let acc = person(&e, a).await;
        e.store()
            .update_account(
                acc.id,
                vesontio_store::AccountUpdate {
                    status: Some(st),
                    ..Default::default()
                },
            )
            .await
            .expect("status");
        e.d.check_recipient(&mx(), Some(&addr("x@example.org")), &addr(a), 0, NOW)
            .await
            .expect("accepted");
        e.d.submit(
            mx(),
            envelope(Some("x@example.org"), &[a]),
            message("x@example.org", a, "s", "b"),
            NOW,
        )
        .await
        .expect("delivered");
        assert_eq!(inbox(&e, a).await.len(), 1);
    }
}

/// R2 on the header too: the envelope may be right while `From:` names
/// somebody else; the message is refused, naming the allowed addresses.
#[tokio::test]
async fn submission_checks_the_from_header() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let dsi = account(&e, "dsi@ac-demo.fr", AccountKind::Functional, 1 << 30).await;
    member(&e, &dsi, &jean, "lrsp").await;
    let env = || envelope(Some("jean.dupont@ac-demo.fr"), &["marie.curie@ac-demo.fr"]);
    let spoof = message(
        "direction@ac-demo.fr",
        "marie.curie@ac-demo.fr",
        "Urgent",
        "x",
    );
    let r =
        e.d.submit(sub(&jean), env(), spoof, NOW)
            .await
            .expect_err("From: of somebody else");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"));
    assert!(
        r.text.contains("direction@ac-demo.fr") && r.text.contains("dsi@ac-demo.fr"),
        "{}",
        r.text
    );
    assert!(
        inbox(&e, "marie.curie@ac-demo.fr").await.is_empty(),
        "nothing delivered"
    );
    let as_dsi = message(
        "dsi@ac-demo.fr",
        "marie.curie@ac-demo.fr",
        "Note de service",
        "x",
    );
    e.d.submit(sub(&jean), env(), as_dsi, NOW)
        .await
        .expect("From: a functional mailbox with the send right");
    let own = message(
        "jean.dupont@ac-demo.fr",
        "marie.curie@ac-demo.fr",
        "Bonjour",
        "x",
    );
    e.d.submit(sub(&jean), env(), own, NOW)
        .await
        .expect("own From:");
    assert_eq!(inbox(&e, "marie.curie@ac-demo.fr").await.len(), 2);
}
