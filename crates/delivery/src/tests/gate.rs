//! Issue 15's acceptance table: for each rule, the same message through
//! every door that can carry it (MX, submission, the web's send, IMAP
//! APPEND where the rule applies) gets the same decision, named by the
//! same [`Rule`] in the typed refusal. The SMTP and IMAP servers' own
//! tests check that each door's one mapping function turns it into its
//! protocol.

use std::net::{IpAddr, Ipv4Addr};

use super::*;
use crate::{FileError, Filing, Refused, Rule};

const JEAN: &str = "jean.dupont@ac-demo.fr";
const MARIE: &str = "marie.curie@ac-demo.fr";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    Mx,
    Submission,
    Web,
    Append,
}

fn web(a: &Account) -> Origin {
    Origin::WebSend {
        account: Box::new(a.clone()),
        client_ip: Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 10))),
    }
}

/// Hands `raw` to the gate through `door`: from `sender` (MX) or as
/// `account` (the others) to `rcpts`; APPEND files it into the
/// account's INBOX. `Ok(())` when taken.
async fn through(
    e: &Env,
    door: Door,
    account: &Account,
    sender: &str,
    rcpts: &[&str],
    raw: &[u8],
) -> Result<(), Refused> {
    let env = envelope(Some(sender), rcpts);
    let origin = match door {
        Door::Mx => mx(),
        Door::Submission => sub(account),
        Door::Web => web(account),
        Door::Append => {
            let mb = e
                .store()
                .mailbox_by_name(account.id, "INBOX")
                .await
                .expect("lookup")
                .expect("INBOX");
            let origin = Origin::ImapAppend {
                account: Box::new(account.clone()),
                mailbox: mb.id,
            };
            let filing = Filing {
                raw: raw.to_vec(),
                flags: Vec::new(),
                internal_date: None,
            };
            return match e.d.file(&origin, vec![filing], NOW).await {
                Ok(_) => Ok(()),
                Err(FileError::Refused(r)) => Err(r),
                Err(FileError::Store(s)) => panic!("store error on APPEND: {s}"),
            };
        }
    };
    e.d.submit(origin, env, raw.to_vec(), NOW).await.map(|_| ())
}

/// The rule each door answered with (`None`: taken).
async fn decisions(
    e: &Env,
    doors: &[Door],
    account: &Account,
    sender_for_mx: &str,
    rcpts: &[&str],
    raw: &[u8],
) -> Vec<(Door, Option<Rule>)> {
    let mut out = Vec::new();
    for &door in doors {
        let sender = if door == Door::Mx {
            sender_for_mx
        } else {
            account.address.as_str()
        };
        // On the MX the header sender is the outside one too (our own
        // domains from outside are refused before any other content rule).
        let raw = if door == Door::Mx {
            String::from_utf8_lossy(raw)
                .replace(
                    &format!("From: <{}>", account.address),
                    &format!("From: <{sender_for_mx}>"),
                )
                .into_bytes()
        } else {
            raw.to_vec()
        };
        let r = through(e, door, account, sender, rcpts, &raw).await;
        out.push((door, r.err().map(|r| r.rule)));
    }
    out
}

fn all(doors: &[Door], rule: Option<Rule>) -> Vec<(Door, Option<Rule>)> {
    doors.iter().map(|&d| (d, rule)).collect()
}

const SENDING: [Door; 3] = [Door::Mx, Door::Submission, Door::Web];
const EVERY: [Door; 4] = [Door::Mx, Door::Submission, Door::Web, Door::Append];

#[tokio::test]
async fn relay_refused_on_mx_only() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    let raw = message(JEAN, "x@example.net", "Bonjour", "Salut");
    let got = decisions(
        &e,
        &SENDING,
        &jean,
        "a@example.org",
        &["x@example.net"],
        &raw,
    )
    .await;
    assert_eq!(
        got,
        vec![
            (Door::Mx, Some(Rule::Relay)),
            (Door::Submission, None),
            (Door::Web, None),
        ]
    );
}

#[tokio::test]
async fn r2_send_as_same_on_submission_and_web() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    person(&e, MARIE).await;
    // The header From: is somebody else's; the envelope is jean's own.
    let raw = message(MARIE, MARIE, "Bonjour", "Salut");
    let doors = [Door::Submission, Door::Web];
    let got = decisions(&e, &doors, &jean, JEAN, &[MARIE], &raw).await;
    assert_eq!(got, all(&doors, Some(Rule::SendAs)));
    // The envelope sender alone, too: the web never called check_sender.
    let ok = message(JEAN, MARIE, "Bonjour", "Salut");
    for o in [sub(&jean), web(&jean)] {
        let r =
            e.d.submit(o, envelope(Some(MARIE), &[MARIE]), ok.clone(), NOW)
                .await
                .expect_err("send-as in the envelope");
        assert_eq!(r.rule, Rule::SendAs);
    }
    // APPEND files a message in one's own folder: R2 does not apply.
    assert_eq!(
        decisions(&e, &[Door::Append], &jean, JEAN, &[], &raw).await,
        all(&[Door::Append], None)
    );
}

#[tokio::test]
async fn r3_list_posting_same_on_every_sending_door() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    person(&e, MARIE).await;
    let list = account(&e, "tous@ac-demo.fr", AccountKind::List, 0).await;
    e.store()
        .add_list_member(list.id, MARIE)
        .await
        .expect("member");
    e.store()
        .add_list_sender(list.id, "rectorat@example.org")
        .await
        .expect("sender");
    let raw = message("x@example.org", "tous@ac-demo.fr", "Annonce", "Texte");
    let got = decisions(
        &e,
        &[Door::Mx],
        &jean,
        "x@example.org",
        &["tous@ac-demo.fr"],
        &raw,
    )
    .await;
    let raw_own = message(JEAN, "tous@ac-demo.fr", "Annonce", "Texte");
    // Submission and web carry jean's own From: (R2 passes), so R3 decides.
    let own = decisions(
        &e,
        &[Door::Submission, Door::Web],
        &jean,
        JEAN,
        &["tous@ac-demo.fr"],
        &raw_own,
    )
    .await;
    assert_eq!(got[0], (Door::Mx, Some(Rule::ListPosting)));
    assert_eq!(
        own,
        all(&[Door::Submission, Door::Web], Some(Rule::ListPosting))
    );
    // The authorised sender passes on the MX.
    let ok = message(
        "rectorat@example.org",
        "tous@ac-demo.fr",
        "Annonce",
        "Texte",
    );
    through(
        &e,
        Door::Mx,
        &jean,
        "rectorat@example.org",
        &["tous@ac-demo.fr"],
        &ok,
    )
    .await
    .expect("authorised sender");
}

#[tokio::test]
async fn r5_recipients_per_message_same_on_every_sending_door() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    let mut rcpts = Vec::new();
    for i in 0..6 {
        let a = format!("eleve{i}@ac-demo.fr");
        person(&e, &a).await;
        rcpts.push(a);
    }
    let rcpts: Vec<&str> = rcpts.iter().map(String::as_str).collect();
    // config(): 5 per message.
    let raw = message(JEAN, "eleve0@ac-demo.fr", "Devoirs", "Texte");
    let got = decisions(&e, &SENDING, &jean, "a@example.org", &rcpts, &raw).await;
    assert_eq!(got, all(&SENDING, Some(Rule::RecipientsPerMessage)));
    let r = through(&e, Door::Web, &jean, JEAN, &rcpts, &raw)
        .await
        .expect_err("over the limit");
    assert_eq!(r.limit, Some(5));
}

#[tokio::test]
async fn r5_hourly_limit_on_the_web_too() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    person(&e, MARIE).await;
    // config(): 8 per hour; 8 already sent.
    e.store()
        .record_sent(JEAN, NOW - 60, 8)
        .await
        .expect("record");
    let raw = message(JEAN, MARIE, "Encore", "Texte");
    let doors = [Door::Submission, Door::Web];
    let got = decisions(&e, &doors, &jean, JEAN, &[MARIE], &raw).await;
    assert_eq!(got, all(&doors, Some(Rule::HourlyRate)));
}

#[tokio::test]
async fn r6_size_same_on_every_door() {
    let mut cfg = config();
    cfg.message_size_limit = 1024;
    let e = setup_with(cfg).await;
    let jean = person(&e, JEAN).await;
    let raw = message(JEAN, JEAN, "gros", &"x".repeat(2000));
    let got = decisions(&e, &EVERY, &jean, "a@example.org", &[JEAN], &raw).await;
    assert_eq!(got, all(&EVERY, Some(Rule::Size)));
    let r = through(&e, Door::Append, &jean, JEAN, &[], &raw)
        .await
        .expect_err("too big");
    assert_eq!((r.limit, r.http_status()), (Some(1024), 413));
}

#[tokio::test]
async fn r7_attachment_same_on_every_door() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    let raw = with_attachment(
        JEAN,
        JEAN,
        "Facture",
        "facture.exe",
        "application/octet-stream",
        b"MZ\x90\x00",
    );
    let got = decisions(&e, &EVERY, &jean, "a@example.org", &[JEAN], &raw).await;
    assert_eq!(got, all(&EVERY, Some(Rule::Attachment)));
    // Only the R7 notice (MX) reached the mailbox, never the file.
    for (m, _, _) in folder(&e, JEAN, "INBOX").await {
        assert!(
            !text(&m).contains("Content-Disposition: attachment"),
            "{}",
            text(&m)
        );
    }
}

#[tokio::test]
async fn header_checks_same_on_every_door() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    let raw = format!(
        "From: <{JEAN}>\r\nFrom: <recteur@ac-demo.fr>\r\nTo: <{JEAN}>\r\nSubject: x\r\n\r\nbody\r\n"
    )
    .into_bytes();
    let got = decisions(&e, &EVERY, &jean, "a@example.org", &[JEAN], &raw).await;
    assert_eq!(got, all(&EVERY, Some(Rule::Headers)));
    // A bare LF in a header, sent by APPEND (SMTP normalises it first).
    let bare = format!("From: <{JEAN}>\nSubject: x\r\n\r\nbody\r\n").into_bytes();
    let r = through(&e, Door::Append, &jean, JEAN, &[], &bare)
        .await
        .expect_err("bare LF");
    assert_eq!(r.rule, Rule::Headers);
}

#[tokio::test]
async fn r4_private_marked_on_every_door() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    let raw = message(JEAN, JEAN, "Privé : mon dossier", "Texte");
    let got = decisions(&e, &EVERY, &jean, "a@example.org", &[JEAN], &raw).await;
    assert_eq!(got, all(&EVERY, None));
    let stored = folder(&e, JEAN, "INBOX").await;
    assert_eq!(stored.len(), EVERY.len());
    assert!(stored.iter().all(|m| m.1), "every copy private");
}

#[tokio::test]
async fn multiappend_refused_whole_when_one_message_is() {
    let e = setup().await;
    let jean = person(&e, JEAN).await;
    let mb = e
        .store()
        .mailbox_by_name(jean.id, "INBOX")
        .await
        .expect("lookup")
        .expect("INBOX");
    let origin = Origin::ImapAppend {
        account: Box::new(jean.clone()),
        mailbox: mb.id,
    };
    let good = message(JEAN, JEAN, "Un", "Texte");
    let bad = with_attachment(
        JEAN,
        JEAN,
        "Deux",
        "x.scr",
        "application/octet-stream",
        b"MZ",
    );
    let filings = [good, bad]
        .into_iter()
        .map(|raw| Filing {
            raw,
            flags: vec!["\\Seen".into()],
            internal_date: Some(NOW - 86_400),
        })
        .collect();
    let r = e.d.file(&origin, filings, NOW).await;
    assert!(matches!(r, Err(FileError::Refused(ref r)) if r.rule == Rule::Attachment));
    assert!(folder(&e, JEAN, "INBOX").await.is_empty(), "none stored");
}
