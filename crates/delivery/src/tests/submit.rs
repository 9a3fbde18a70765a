//! `submit`: local delivery and its rules.

use super::*;

#[tokio::test]
async fn plain_local_delivery_from_mx() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "Bonjour",
        "Salut",
    );
    let acc =
        e.d.submit(
            mx(),
            envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
            raw,
            NOW,
        )
        .await
        .expect("accepted");
    assert!(!acc.queue_id.is_empty());
    let inbox = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(inbox.len(), 1);
    let t = text(&inbox[0]);
    assert!(
        t.starts_with(
            "Received: from mail.example.org ([192.0.2.7]) by mx.ac-demo.fr with ESMTPS id "
        ),
        "{t}"
    );
    assert!(t.contains("for <jean.dupont@ac-demo.fr>;"), "{t}");
    assert!(t.contains("\r\nSubject: Bonjour\r\n"));
    assert!(t.ends_with("\r\n\r\nSalut\r\n"));
    assert_eq!(acc.message_id, "m12@example.org");
}

#[tokio::test]
async fn r6_size_refused_with_large_file_service() {
    let mut cfg = config();
    cfg.message_size_limit = 1024;
    let e = setup_with(cfg).await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    let big = message(
        "jean.dupont@ac-demo.fr",
        "x@example.org",
        "gros",
        &"x".repeat(2000),
    );
    // On the MX the sender is an outside one (ours are refused there first).
    for (o, from) in [
        (sub(&jean), "jean.dupont@ac-demo.fr"),
        (mx(), "a@example.org"),
    ] {
        let r =
            e.d.submit(
                o,
                envelope(Some(from), &["jean.dupont@ac-demo.fr"]),
                big.clone(),
                NOW,
            )
            .await
            .expect_err("refused");
        assert_eq!((r.code, r.enhanced.as_str()), (552, "5.3.4"));
        assert!(r.text.contains("https://fichiers.ac-demo.fr"), "{}", r.text);
        // The SMTP door's text is ASCII (RFC 5321 §4.2).
        assert!(r.smtp_text().is_ascii());
        assert_eq!((r.rule, r.limit), (crate::Rule::Size, Some(1024)));
    }
    assert!(inbox(&e, "jean.dupont@ac-demo.fr").await.is_empty());
}

#[tokio::test]
async fn r7_exe_refused_on_submission_naming_the_file() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let raw = with_attachment(
        "jean.dupont@ac-demo.fr",
        "marie.curie@ac-demo.fr",
        "outil",
        "setup.exe",
        "application/octet-stream",
        b"MZ\x90\x00",
    );
    let r =
        e.d.submit(
            sub(&jean),
            envelope(Some("jean.dupont@ac-demo.fr"), &["marie.curie@ac-demo.fr"]),
            raw,
            NOW,
        )
        .await
        .expect_err("refused");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"));
    assert!(r.text.contains("setup.exe"), "{}", r.text);
    assert!(inbox(&e, "marie.curie@ac-demo.fr").await.is_empty());
    assert!(remote(&e).await.is_empty());
}

/// R7 on the MX: refused at DATA naming the file (the sending server
/// bounces; a DSN from here would be backscatter), and the intended
/// recipient is told.
async fn mx_forbidden_case(raw: Vec<u8>, file: &str) {
    let e = setup().await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let r =
        e.d.submit(
            mx(),
            envelope(Some("a@example.org"), &["marie.curie@ac-demo.fr"]),
            raw,
            NOW,
        )
        .await
        .expect_err("refused at DATA");
    assert_eq!((r.code, r.enhanced.as_str()), (550, "5.7.1"));
    assert!(
        r.text.contains(&format!("Forbidden attachment: {file} (")),
        "{}",
        r.text
    );
    // The recipient gets a notice instead of the message.
    let inbox = inbox(&e, "marie.curie@ac-demo.fr").await;
    assert_eq!(inbox.len(), 1);
    let notice = text(&inbox[0]);
    assert!(
        notice.contains("From: \"Postmaster\" <postmaster@ac-demo.fr>"),
        "{notice}"
    );
    assert!(
        notice.contains("Auto-Submitted: auto-generated"),
        "{notice}"
    );
    let a = vesontio_message::Analysis::of(&inbox[0]);
    assert_eq!(
        a.subject.as_deref(),
        Some(
            "Message non distribué : pièce jointe interdite / Message not delivered: forbidden attachment"
        )
    );
    assert!(a.attachments.is_empty(), "the file is not delivered");
    assert!(notice.contains(file), "{notice}");
    assert!(notice.contains("a@example.org"), "{notice}");
    // No DSN from here: the 550 is the sender's bounce.
    assert!(remote(&e).await.is_empty());
}

#[tokio::test]
async fn r7_exe_on_mx_refused_and_recipient_told() {
    let raw = with_attachment(
        "a@example.org",
        "marie.curie@ac-demo.fr",
        "outil",
        "setup.exe",
        "application/octet-stream",
        b"MZ\x90\x00",
    );
    mx_forbidden_case(raw, "setup.exe").await;
}

#[tokio::test]
async fn r7_zip_containing_scr_on_mx() {
    let z = zip_of(&[
        ("docs/lisezmoi.txt", b"bonjour"),
        ("docs/ecran.scr", b"MZ\x90\x00"),
    ]);
    let raw = with_attachment(
        "a@example.org",
        "marie.curie@ac-demo.fr",
        "archive",
        "docs.zip",
        "application/zip",
        &z,
    );
    mx_forbidden_case(raw, "docs.zip/docs/ecran.scr").await;
}

#[tokio::test]
async fn r4_private_marked_and_flagged_and_kept_out_of_audit() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "[PRIVÉ] rendez-vous médecin",
        "secret",
    );
    e.d.submit(
        mx(),
        envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .expect("accepted");
    let f = folder(&e, "jean.dupont@ac-demo.fr", "INBOX").await;
    assert_eq!(f.len(), 1);
    assert!(f[0].1, "stored with private = true");
    assert!(text(&f[0].0).contains("\r\nSensitivity: Private\r\n"));
    let audit = e.store().audit_entries(0, NOW + 10).await.expect("audit");
    let msgs: Vec<_> = audit.iter().filter(|a| a.category == "message").collect();
    assert_eq!(msgs.len(), 1, "one event per submit");
    assert!(
        msgs[0].data.contains("\"private\":true"),
        "{}",
        msgs[0].data
    );
    assert!(!msgs[0].data.contains("rendez-vous"), "{}", msgs[0].data);
    assert!(!msgs[0].data.contains("secret"));

    // A professional message is not marked.
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "Réunion du conseil",
        "b",
    );
    e.d.submit(
        mx(),
        envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .expect("accepted");
    let f = folder(&e, "jean.dupont@ac-demo.fr", "INBOX").await;
    assert!(!f[1].1);
    assert!(!text(&f[1].0).contains("Sensitivity"));
}

#[tokio::test]
async fn audit_event_fields() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "Bonjour",
        "corps",
    );
    let acc =
        e.d.submit(
            mx(),
            envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
            raw.clone(),
            NOW,
        )
        .await
        .expect("accepted");
    let a = e.store().audit_entries(0, NOW + 1).await.expect("audit");
    let v: serde_json::Value = serde_json::from_str(&a[0].data).expect("json");
    assert_eq!(v["queue_id"], acc.queue_id.as_str());
    assert_eq!(v["sender"], "a@example.org");
    assert_eq!(v["recipients"][0], "jean.dupont@ac-demo.fr");
    assert_eq!(v["message_id"], "m12@example.org");
    assert_eq!(v["size"], raw.len());
    assert_eq!(v["verdict"], "delivered");
    assert_eq!(v["delivered"], 1);
    assert_eq!(v["origin"], "mx");
    assert!(!a[0].data.contains("Bonjour"));
}

#[tokio::test]
async fn message_id_added_on_submission_and_received_authenticated() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let raw = b"From: <jean.dupont@ac-demo.fr>\r\nSubject: sans id\r\n\r\ncorps\r\n".to_vec();
    let acc =
        e.d.submit(
            sub(&jean),
            envelope(Some("jean.dupont@ac-demo.fr"), &["marie.curie@ac-demo.fr"]),
            raw,
            NOW,
        )
        .await
        .expect("accepted");
    assert_eq!(acc.message_id, format!("{}@mx.ac-demo.fr", acc.queue_id));
    let t = text(&inbox(&e, "marie.curie@ac-demo.fr").await[0]);
    assert!(
        t.contains(&format!("\r\nMessage-ID: <{}>\r\n", acc.message_id)),
        "{t}"
    );
    assert!(t.contains(" with ESMTPSA id "), "{t}");
    // R5 bookkeeping: the recipients count for the hourly limit.
    assert_eq!(
        e.store()
            .sent_since("jean.dupont@ac-demo.fr", NOW - 3600)
            .await
            .expect("rate"),
        1
    );
}

#[tokio::test]
async fn remote_recipients_queued_with_dsn_parameters() {
    let e = setup().await;
    let jean = person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let mut env = envelope(
        Some("jean.dupont@ac-demo.fr"),
        &[
            "bob@example.com",
            "marie.curie@ac-demo.fr",
            "carol@example.net",
        ],
    );
    env.recipients[0].orcpt = Some("rfc822;Bob@Example.com".into());
    env.recipients[0].notify = Some("SUCCESS,FAILURE".into());
    env.envid = Some("ENV1".into());
    env.ret = Some("HDRS".into());
    let raw = message("jean.dupont@ac-demo.fr", "bob@example.com", "Dossier", "b");
    e.d.submit(sub(&jean), env, raw, NOW)
        .await
        .expect("accepted");
    assert_eq!(inbox(&e, "marie.curie@ac-demo.fr").await.len(), 1);
    let q = remote(&e).await;
    assert_eq!(q.len(), 1, "one entry for every remote recipient");
    let (entry, body) = &q[0];
    assert_eq!(entry.sender, "jean.dupont@ac-demo.fr");
    assert_eq!(entry.envid.as_deref(), Some("ENV1"));
    assert_eq!(entry.ret.as_deref(), Some("HDRS"));
    let rc: Vec<_> = entry
        .recipients
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(rc, ["bob@example.com", "carol@example.net"]);
    assert_eq!(
        entry.recipients[0].orcpt.as_deref(),
        Some("rfc822;Bob@Example.com")
    );
    assert_eq!(
        entry.recipients[0].notify.as_deref(),
        Some("SUCCESS,FAILURE")
    );
    assert!(body.starts_with("Received: "));
}

#[tokio::test]
async fn copies_share_one_blob_and_functional_inbox() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    account(&e, "dsi@ac-demo.fr", AccountKind::Functional, 1 << 30).await;
    let rc = [
        "jean.dupont@ac-demo.fr",
        "marie.curie@ac-demo.fr",
        "dsi@ac-demo.fr",
    ];
    e.d.submit(
        mx(),
        envelope(Some("a@example.org"), &rc),
        message("a@example.org", "x", "s", "b"),
        NOW,
    )
    .await
    .expect("accepted");
    let mut ids = Vec::new();
    for a in rc {
        let f = folder(&e, a, "INBOX").await;
        assert_eq!(f.len(), 1, "{a}");
        ids.push(f[0].2.clone());
    }
    assert!(ids.iter().all(|i| *i == ids[0]), "{ids:?}");
    // No `for` clause with several recipients (RFC 5321 §4.4).
    assert!(!text(&inbox(&e, "dsi@ac-demo.fr").await[0]).contains(" for <"));
}

#[tokio::test]
async fn list_expansion_nested_dedup_external_and_list_id() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let tous = account(&e, "tous@ac-demo.fr", AccountKind::List, 0).await;
    let profs = account(&e, "profs@ac-demo.fr", AccountKind::List, 0).await;
    for m in [
        "jean.dupont@ac-demo.fr",
        "profs@ac-demo.fr",
        "ext@example.org",
    ] {
        e.store().add_list_member(tous.id, m).await.expect("m");
    }
    for m in [
        "marie.curie@ac-demo.fr",
        "jean.dupont@ac-demo.fr",
        "tous@ac-demo.fr",
    ] {
        e.store().add_list_member(profs.id, m).await.expect("m");
    }
    // R3: the gate checks the envelope at DATA too.
    e.store()
        .add_list_sender(tous.id, "rectorat@example.org")
        .await
        .expect("sender");
    e.d.submit(
        mx(),
        envelope(Some("rectorat@example.org"), &["tous@ac-demo.fr"]),
        message("rectorat@example.org", "tous@ac-demo.fr", "Info", "b"),
        NOW,
    )
    .await
    .expect("accepted");
    let j = inbox(&e, "jean.dupont@ac-demo.fr").await;
    let m = inbox(&e, "marie.curie@ac-demo.fr").await;
    assert_eq!((j.len(), m.len()), (1, 1), "each member once, loops end");
    assert!(
        text(&j[0]).starts_with("List-Id: <tous.ac-demo.fr>\r\n"),
        "{}",
        text(&j[0])
    );
    assert!(
        text(&m[0]).starts_with("List-Id: <profs.ac-demo.fr>\r\n"),
        "{}",
        text(&m[0])
    );
    let q = remote(&e).await;
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].0.recipients[0].address, "ext@example.org");
    assert_eq!(q[0].0.sender, "rectorat@example.org");
    assert!(q[0].1.starts_with("List-Id: <tous.ac-demo.fr>\r\n"));
}

#[tokio::test]
async fn concurrent_submits_are_all_durable() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "marie.curie@ac-demo.fr").await;
    let mut tasks = Vec::new();
    for i in 0..60 {
        let d = e.d.clone();
        tasks.push(tokio::spawn(async move {
            let to = if i % 2 == 0 {
                "jean.dupont@ac-demo.fr"
            } else {
                "marie.curie@ac-demo.fr"
            };
            let raw = message("a@example.org", to, &format!("n{i}"), &format!("corps {i}"));
            d.submit(mx(), envelope(Some("a@example.org"), &[to]), raw, NOW)
                .await
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("accepted");
    }
    // A fresh handle on the same files sees every message: all committed.
    let dir = e._dir.path().to_path_buf();
    let store2 = Store::open(StoreConfig::Sqlite { dir })
        .await
        .expect("reopen");
    let mut total = 0;
    let mut subjects = std::collections::BTreeSet::new();
    for a in ["jean.dupont@ac-demo.fr", "marie.curie@ac-demo.fr"] {
        let acc = store2.account_by_address(a).await.expect("l").expect("a");
        let mb = store2
            .mailbox_by_name(acc.id, "INBOX")
            .await
            .expect("m")
            .expect("inbox");
        let msgs = store2.messages(mb.id).await.expect("msgs");
        let uids: std::collections::BTreeSet<_> = msgs.iter().map(|m| m.uid).collect();
        assert_eq!(uids.len(), msgs.len(), "unique UIDs");
        total += msgs.len();
        for m in msgs {
            let raw = store2.read_blob(&m.blob_id).await.expect("blob");
            subjects.insert(
                vesontio_message::Analysis::of(&raw)
                    .subject
                    .unwrap_or_default(),
            );
        }
    }
    assert_eq!(total, 60);
    assert_eq!(subjects.len(), 60);
}

/// Throughput probe (not a pass/fail test): `cargo test -p vesontio-delivery
/// throughput -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn throughput_probe() {
    let e = setup().await;
    for i in 0..20 {
        person(&e, &format!("p{i}@ac-demo.fr")).await;
    }
    let n = 2000;
    let start = std::time::Instant::now();
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(200));
    let mut tasks = Vec::new();
    for i in 0..n {
        let d = e.d.clone();
        let permit = sem.clone().acquire_owned().await.expect("sem");
        tasks.push(tokio::spawn(async move {
            let to = format!("p{}@ac-demo.fr", i % 20);
            let raw = message(
                "a@example.org",
                &to,
                &format!("n{i}"),
                &"corps ".repeat(500),
            );
            let r = d
                .submit(
                    mx(),
                    envelope(Some("a@example.org"), &[to.as_str()]),
                    raw,
                    NOW,
                )
                .await;
            drop(permit);
            r
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("accepted");
    }
    let el = start.elapsed();
    println!(
        "{n} messages in {el:?}: {:.0} msg/s",
        n as f64 / el.as_secs_f64()
    );
}

/// RFC 8601: mail arriving on the MX carries our SPF/DKIM/DMARC verdicts.
#[tokio::test]
async fn mx_mail_gets_authentication_results() {
    let e = setup().await;
    person(&e, "jean.dupont@ac-demo.fr").await;
    let zone = crate::outbound::StaticDns::new().txt("example.org", "v=spf1 ip4:192.0.2.7 -all");
    e.d.set_inbound_auth(crate::outbound::AuthDns::offline(&zone).expect("offline dns"));
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "Bonjour",
        "Salut",
    );
    e.d.submit(
        mx(),
        envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .expect("accepted");
    let t = text(&inbox(&e, "jean.dupont@ac-demo.fr").await[0]);
    let ar = t
        .split("\r\n")
        .find(|l| l.starts_with("Authentication-Results:"))
        .unwrap_or_else(|| panic!("{t}"));
    assert!(ar.contains("mx.ac-demo.fr;"), "{ar}");
    assert!(t.contains("spf=pass"), "{t}");
    assert!(
        t.starts_with("Received: "),
        "Received stays the topmost trace field"
    );
}
