//! R9 in the pipeline with a real clamd (the antivirus crate's harness:
//! its own socket and signature database): infected mail in every
//! wrapping is quarantined and never delivered, the recipients are told
//! (without a private subject, R4), the sender only when trusted; clamd
//! down is a temporary failure until it is back; clean mail passes.
#![allow(clippy::unwrap_used)]

#[path = "../../../antivirus/tests/harness/mod.rs"]
mod harness;

use std::sync::Arc;
use std::time::Duration;

use harness::{
    ClamdProcess, EICAR, EICAR_SIG, EICAR_TEXT_SIG, mail_forwarding, mail_with_attachment,
    zip as harness_zip,
};
use vesontio_antivirus::{Clamd, ClamdOptions, Endpoint};

use super::*;
use crate::{AntivirusStage, FilterSettings, Filters, OnFailure, Stage, StagePolicy, VirusBounce};

const BOB: &str = "bob.martin@ac-demo.fr";

/// A delivery path whose one stage is the antivirus on `p`'s clamd.
async fn with_clamd(p: &ClamdProcess, on_failure: OnFailure) -> Env {
    let e = setup().await;
    let mut opts = ClamdOptions::new(Endpoint::Unix(p.socket.clone()));
    opts.timeout = Duration::from_secs(10);
    opts.pool = 2;
    let stage: Arc<dyn Stage> = Arc::new(AntivirusStage::new(Arc::new(Clamd::new(opts))));
    let mut settings = FilterSettings::with_junk(5.0);
    settings.stages.insert(
        "antivirus".into(),
        StagePolicy {
            timeout: Duration::from_secs(15),
            on_failure,
        },
    );
    let d = Delivery::with_filters(
        config(),
        e.store().clone(),
        Filters::new(settings, vec![stage]),
    );
    let e = Env { _dir: e._dir, d };
    person(&e, BOB).await;
    e
}

/// A message from `from` with a text part and `part` (its header lines,
/// then its body as it stands in the message).
fn with_part(from: &str, subject: &str, part: &str, body: &[u8]) -> Vec<u8> {
    [
        format!(
            "From: <{from}>\r\nTo: <{BOB}>\r\nSubject: {subject}\r\n\
             Message-ID: <part@example.org>\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n\
             --b1\r\nContent-Type: text/plain\r\n\r\nBonjour.\r\n--b1\r\n{part}\r\n\r\n"
        )
        .as_bytes(),
        body,
        b"\r\n--b1--\r\n",
    ]
    .concat()
}

/// EICAR in every wrapping of the issue. The harness's messages are
/// addressed to `bob@ac-besancon.fr`; the envelope decides who gets them.
fn infected_messages() -> Vec<(&'static str, Vec<u8>)> {
    // In the body of a plain message, as a line of text.
    let plain = [
        format!(
            "From: Alice <alice@example.org>\r\nTo: <{BOB}>\r\nSubject: Test\r\n\
             Message-ID: <plain@example.org>\r\n\r\n"
        )
        .as_bytes(),
        EICAR,
        b"\r\n",
    ]
    .concat();
    let z = harness_zip(&[("lisez-moi.txt", b"bonjour"), ("test.txt", EICAR)]);
    let zz = harness_zip(&[("dossier.zip", &z)]);
    let b64 = mail_with_attachment("test.txt", "application/octet-stream", EICAR);
    vec![
        ("plain body", plain),
        (
            "zip",
            mail_with_attachment("docs.zip", "application/zip", &z),
        ),
        (
            "zip in zip",
            mail_with_attachment("archive.zip", "application/zip", &zz),
        ),
        ("base64 MIME part", b64.clone()),
        ("message/rfc822 attachment", mail_forwarding(&b64)),
    ]
}

#[tokio::test]
async fn r9_infected_in_every_wrapping_is_quarantined_never_delivered() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let e = with_clamd(&p, OnFailure::TempFail).await;
    let all = infected_messages();
    for (what, raw) in &all {
        let r =
            e.d.submit(
                mx(),
                envelope(Some("alice@example.org"), &[BOB]),
                raw.clone(),
                NOW,
            )
            .await;
        assert!(r.is_ok(), "{what}: accepted then isolated, got {r:?}");
    }
    let q = e.store().quarantine_list().await.unwrap();
    assert_eq!(q.len(), all.len(), "one entry per message");
    for entry in &q {
        assert_eq!(entry.reason, "virus");
        let rule = entry.rule.as_deref().unwrap_or_default();
        // clamd adds `.UNOFFICIAL` to the names of a database of one's own.
        assert!(
            rule.starts_with(&format!("antivirus:{EICAR_SIG}"))
                || rule.starts_with(&format!("antivirus:{EICAR_TEXT_SIG}")),
            "{rule}"
        );
        assert_eq!(entry.recipients, vec![BOB.to_string()]);
        assert_eq!(entry.sender, "alice@example.org");
        let held = e.store().read_blob(&entry.blob_id).await.unwrap();
        assert!(all.iter().any(|(_, m)| *m == held), "kept as it came");
    }
    // Nothing infected reached the mailbox: only the notices, one per
    // message, each naming the sender and the signature.
    let inbox = inbox(&e, BOB).await;
    assert_eq!(inbox.len(), all.len());
    for m in &inbox {
        let t = text(m);
        assert!(
            !t.contains("EICAR-STANDARD-ANTIVIRUS"),
            "no infected content delivered: {t}"
        );
        assert!(
            t.contains("From: \"Postmaster\" <postmaster@ac-demo.fr>"),
            "{t}"
        );
        assert!(t.contains("alice@example.org"), "{t}");
        assert!(t.contains("Vesontio.Test.EICAR"), "{t}");
    }
    // MX mail without SPF/DKIM evaluation: the sender is not trusted, no
    // bounce goes out (no backscatter).
    assert!(remote(&e).await.is_empty());
}

#[tokio::test]
async fn r9_clean_mail_passes() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let e = with_clamd(&p, OnFailure::TempFail).await;
    let zip = harness_zip(&[("notes.txt", b"Compte rendu du conseil")]);
    for raw in [
        message("alice@example.org", BOB, "Conseil", "Bonjour"),
        mail_with_attachment("cr.zip", "application/zip", &zip),
    ] {
        e.d.submit(mx(), envelope(Some("alice@example.org"), &[BOB]), raw, NOW)
            .await
            .unwrap();
    }
    assert_eq!(inbox(&e, BOB).await.len(), 2);
    assert!(e.store().quarantine_list().await.unwrap().is_empty());
}

#[tokio::test]
async fn r9_clamd_down_is_a_temporary_failure_then_delivered_once() {
    let Some(mut p) = ClamdProcess::start() else {
        return;
    };
    let e = with_clamd(&p, OnFailure::TempFail).await;
    let env = || envelope(Some("alice@example.org"), &[BOB]);
    let first = message("alice@example.org", BOB, "Avant", "un");
    e.d.submit(mx(), env(), first, NOW).await.unwrap();
    // clamd killed between two messages, its pooled connection dead.
    p.stop();
    let raw = message("alice@example.org", BOB, "Pendant", "deux");
    let r = e.d.submit(mx(), env(), raw.clone(), NOW).await.unwrap_err();
    assert_eq!((r.code, r.enhanced.as_str()), (451, "4.7.1"), "{r:?}");
    assert!(r.text.contains("antivirus"), "{}", r.text);
    assert_eq!(inbox(&e, BOB).await.len(), 1, "nothing unscanned delivered");
    // The sending server retries once clamd is back: delivered, once.
    p.restart();
    e.d.submit(mx(), env(), raw.clone(), NOW + 900)
        .await
        .unwrap();
    e.d.submit(mx(), env(), raw, NOW + 1800).await.unwrap();
    assert_eq!(subjects(&e, BOB).await, ["Avant", "Pendant"]);
}

#[tokio::test]
async fn r9_on_failure_pass_delivers_unscanned() {
    let Some(mut p) = ClamdProcess::start() else {
        return;
    };
    let e = with_clamd(&p, OnFailure::Pass).await;
    p.stop();
    e.d.submit(
        mx(),
        envelope(Some("alice@example.org"), &[BOB]),
        message("alice@example.org", BOB, "Sans analyse", "x"),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(subjects(&e, BOB).await, ["Sans analyse"]);
}

/// R4: the notice of a private message quotes no subject; a local
/// sender (submission) gets a DSN naming the signature, without the
/// infected content.
#[tokio::test]
async fn r9_private_notice_and_trusted_sender_bounce() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let e = with_clamd(&p, OnFailure::TempFail).await;
    let carol = person(&e, "carol.petit@ac-demo.fr").await;
    let raw = with_part(
        "carol.petit@ac-demo.fr",
        "[Privé] Dossier medical",
        "Content-Type: text/plain",
        EICAR,
    );
    e.d.submit(
        sub(&carol),
        envelope(Some("carol.petit@ac-demo.fr"), &[BOB]),
        raw,
        NOW,
    )
    .await
    .unwrap();
    let q = e.store().quarantine_list().await.unwrap();
    assert_eq!(q.len(), 1);
    assert!(q[0].private && q[0].subject.is_none(), "{:?}", q[0]);
    let notice = text(&inbox(&e, BOB).await[0]);
    assert!(!notice.contains("medical"), "R4: {notice}");
    assert!(notice.contains("Subject: (private message)"), "{notice}");
    let bounce = inbox(&e, "carol.petit@ac-demo.fr").await;
    assert_eq!(bounce.len(), 1, "the local sender is told");
    let b = text(&bounce[0]);
    assert!(b.contains("multipart/report"), "{b}");
    assert!(b.contains("Status: 5.7.1"), "{b}");
    assert!(b.contains("Vesontio.Test.EICAR"), "{b}");
    assert!(
        !b.contains("EICAR-STANDARD"),
        "never the infected content: {b}"
    );
}

/// MX senders: an SPF-authenticated one gets the DSN (queued outbound)
/// under the default `authenticated`, none under `local`; a forged one
/// never.
#[tokio::test]
async fn r9_mx_bounce_only_to_authenticated_senders() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let raw = mail_with_attachment("test.txt", "text/plain", EICAR);
    for (policy, sender, bounced) in [
        (VirusBounce::Authenticated, "alice@example.org", true),
        (VirusBounce::Authenticated, "eve@forged.example", false),
        (VirusBounce::Local, "alice@example.org", false),
        (VirusBounce::Never, "alice@example.org", false),
    ] {
        let e = with_clamd(&p, OnFailure::TempFail).await;
        authenticate_mx_senders(&e);
        e.d.set_virus_bounce(policy);
        e.d.submit(mx(), envelope(Some(sender), &[BOB]), raw.clone(), NOW)
            .await
            .unwrap();
        let out = remote(&e).await;
        assert_eq!(out.len(), usize::from(bounced), "{policy:?} {sender}");
        if bounced {
            assert_eq!(out[0].0.sender, "", "null reverse path");
            assert!(out[0].1.contains(EICAR_SIG));
        }
        assert_eq!(e.store().quarantine_list().await.unwrap().len(), 1);
    }
}

/// Release (`Origin::Released`): the filters run again, so a stage that
/// still finds the virus isolates it again; without the stage that held
/// it (what `vesontio quarantine release` does), it is delivered.
#[tokio::test]
async fn r9_release_runs_the_filters_that_are_not_the_cause() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let e = with_clamd(&p, OnFailure::TempFail).await;
    let raw = mail_with_attachment("test.txt", "text/plain", EICAR);
    let env = || envelope(Some("alice@example.org"), &[BOB]);
    e.d.submit(mx(), env(), raw.clone(), NOW).await.unwrap();
    assert_eq!(e.store().quarantine_list().await.unwrap().len(), 1);
    e.d.submit(Origin::Released, env(), raw.clone(), NOW + 60)
        .await
        .unwrap();
    assert_eq!(
        e.store().quarantine_list().await.unwrap().len(),
        2,
        "scanned again on release"
    );
    let without = Delivery::with_filters(
        config(),
        e.store().clone(),
        Filters::new(FilterSettings::with_junk(5.0), Vec::new()),
    );
    without
        .submit(Origin::Released, env(), raw.clone(), NOW + 120)
        .await
        .unwrap();
    let delivered: Vec<Vec<u8>> = inbox(&e, BOB)
        .await
        .into_iter()
        .filter(|m| text(m).contains("Subject: =?utf-8?q?Pi=C3=A8ce_jointe?="))
        .collect();
    assert_eq!(delivered.len(), 1, "released once, to its recipient");
}

/// R9 whatever the door: a message a person files into their own folder
/// (IMAP APPEND, the webmail's drafts and Sent copies) is scanned too. An
/// infected one is refused with the signature's name and stored nowhere;
/// a clean one is filed; clamd down is the stage's temporary failure.
#[tokio::test]
async fn r9_filed_messages_are_scanned_too() {
    let Some(mut p) = ClamdProcess::start() else {
        return;
    };
    let e = with_clamd(&p, OnFailure::TempFail).await;
    let bob = e.store().account_by_address(BOB).await.unwrap().unwrap();
    let mb = e
        .store()
        .mailbox_by_name(bob.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let filing = |raw: Vec<u8>| crate::Filing {
        raw,
        flags: Vec::new(),
        internal_date: None,
    };
    let doors = [
        Origin::ImapAppend {
            account: Box::new(bob.clone()),
            mailbox: mb.id,
        },
        Origin::DraftSave {
            account: Box::new(bob.clone()),
            mailbox: mb.id,
        },
    ];
    for origin in &doors {
        for (what, raw) in infected_messages() {
            let r = e.d.file(origin, vec![filing(raw)], NOW).await;
            let Err(crate::FileError::Refused(r)) = r else {
                panic!("{} {what}: infected message filed: {r:?}", origin.name());
            };
            assert_eq!((r.rule, r.code), (crate::Rule::Content, 554), "{what}");
            assert!(r.text.contains("virus"), "{what}: {}", r.text);
            assert!(
                r.text.contains("EICAR"),
                "{what}: names the signature: {}",
                r.text
            );
        }
    }
    assert!(inbox(&e, BOB).await.is_empty(), "nothing infected stored");
    // MULTIAPPEND with one infected message among clean ones: none stored.
    let clean = message(BOB, BOB, "Propre", "texte");
    let (_, bad) = infected_messages().remove(0);
    let r =
        e.d.file(&doors[0], vec![filing(clean.clone()), filing(bad)], NOW)
            .await;
    assert!(r.is_err(), "{r:?}");
    assert!(inbox(&e, BOB).await.is_empty(), "all or nothing");
    // A clean message is filed.
    e.d.file(&doors[0], vec![filing(clean.clone())], NOW)
        .await
        .unwrap();
    assert_eq!(subjects(&e, BOB).await, ["Propre"]);
    // clamd down: a temporary refusal, nothing unscanned stored.
    p.stop();
    let r = e.d.file(&doors[0], vec![filing(clean)], NOW).await;
    let Err(crate::FileError::Refused(r)) = r else {
        panic!("filed unscanned: {r:?}");
    };
    assert_eq!((r.code, r.enhanced.as_str()), (451, "4.7.1"), "{r:?}");
    assert_eq!(inbox(&e, BOB).await.len(), 1);
}
