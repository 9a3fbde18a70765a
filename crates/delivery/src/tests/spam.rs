//! R24's stage in the pipeline: the `spam` crate's score decides Junk
//! through the thresholds, the report header names the rules, reports to
//! `spam@` and moves into Junk teach the domain's model in the store.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use super::*;
use crate::{FilterSettings, Filters, SpamStage, Stage};
use vesontio_spam::{Model, Reloading};

async fn with_spam() -> Env {
    let e = setup().await;
    let rules = Arc::new(Reloading::open(None, Duration::from_secs(60)).unwrap());
    let stage: Arc<dyn Stage> = Arc::new(SpamStage::new(e.store().clone(), rules, "spam"));
    // Enough for the reporter's whole allowance and more in one hour.
    let d = Delivery::with_filters(
        DeliveryConfig {
            recipients_per_hour: 200,
            ..config()
        },
        e.store().clone(),
        Filters::new(FilterSettings::with_junk(5.0), vec![stage]),
    );
    let e = Env { _dir: e._dir, d };
    person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "spam@ac-demo.fr").await;
    e
}

const PHISH: &str = "From: \"support@ac-demo.fr\" <x@example.org>\r\nTo: jean.dupont@ac-demo.fr\r\n\
    Subject: Votre compte sera suspendu\r\nMessage-ID: <p1@example.org>\r\n\
    Content-Type: text/html\r\n\r\n<p>Votre boîte aux lettres est pleine. Cliquez ici : \
    <a href=\"https://bit.ly/zz\">https://mail.ac-demo.fr</a></p>\r\n";

#[tokio::test]
async fn phishing_goes_to_junk_with_its_rules_named_and_school_mail_stays() {
    let e = with_spam().await;
    e.d.submit(
        mx(),
        envelope(Some("x@example.org"), &["jean.dupont@ac-demo.fr"]),
        PHISH.as_bytes().to_vec(),
        NOW,
    )
    .await
    .unwrap();
    let junk = folder(&e, "jean.dupont@ac-demo.fr", "Junk").await;
    assert_eq!(junk.len(), 1, "the phishing message is in Junk");
    let t = text(&junk[0].0);
    let report = t
        .lines()
        .find(|l| l.starts_with("X-Spam-Report:"))
        .expect("a report");
    for rule in [
        "FR_COMPTE_SUSPENDU",
        "URL_SHORTENER",
        "LINK_TEXT_OTHER_HOST",
        "FROM_NAME_OTHER_ADDRESS",
    ] {
        assert!(report.contains(rule), "{rule} in {report}");
    }
    // Rule names and points only: nothing of the message itself.
    let fired = report
        .trim_start_matches("X-Spam-Report:")
        .split_whitespace();
    for f in fired {
        let (name, points) = f.split_once('=').expect("NAME=points");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
            "{report}"
        );
        assert!(points.parse::<f32>().is_ok(), "{report}");
    }
    assert!(t.lines().any(|l| l.starts_with("X-Spam-Score:")), "{t}");
    let school = message(
        "paul@example.org",
        "jean.dupont@ac-demo.fr",
        "Conseil de classe",
        "Le conseil de classe aura lieu jeudi.",
    );
    e.d.submit(
        mx(),
        envelope(Some("paul@example.org"), &["jean.dupont@ac-demo.fr"]),
        school,
        NOW,
    )
    .await
    .unwrap();
    let inbox = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(inbox.len(), 1);
    assert!(
        text(&inbox[0]).contains("X-Spam-Report: FR_VIE_SCOLAIRE=-1.0"),
        "{}",
        text(&inbox[0])
    );
}

fn report_of(i: usize) -> Vec<u8> {
    format!(
        "From: <jean.dupont@ac-demo.fr>\r\nTo: <spam@ac-demo.fr>\r\nSubject: spam\r\nMessage-ID: <r{i}@ac-demo.fr>\r\n\
         Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nEncore un.\r\n\
         --b\r\nContent-Type: message/rfc822\r\n\r\nFrom: x@example.org\r\nSubject: Casino {i}\r\n\r\n\
         bonus casino jackpot {i}\r\n--b--\r\n"
    )
    .into_bytes()
}

/// The domain's model as a node reads it (snapshot and journal);
/// `None` while it learned nothing.
async fn domain_model(e: &Env) -> Option<Model> {
    let m = crate::filter::SpamModels::new(e.store().clone())
        .get("ac-demo.fr")
        .await
        .unwrap();
    (*m != Model::new()).then(|| (*m).clone())
}

#[tokio::test]
async fn reports_to_spam_at_teach_the_domain_within_an_allowance() {
    let e = with_spam().await;
    let jean = by_address(&e, "jean.dupont@ac-demo.fr").await;
    e.d.submit(
        sub(&jean),
        envelope(Some("jean.dupont@ac-demo.fr"), &["spam@ac-demo.fr"]),
        report_of(0),
        NOW,
    )
    .await
    .unwrap();
    let m = domain_model(&e).await.expect("a model for the domain");
    assert_eq!(
        (m.spam, m.ham),
        (1, 0),
        "the forwarded message was learned as spam"
    );
    // The report itself reaches spam@, unscored.
    let got = inbox(&e, "spam@ac-demo.fr").await;
    assert_eq!(got.len(), 1);
    assert!(!text(&got[0]).contains("X-Spam-Report"));
    // The same report again counts once (the gate knows it by its retry
    // key and does not deliver it twice either).
    e.d.submit(
        sub(&jean),
        envelope(Some("jean.dupont@ac-demo.fr"), &["spam@ac-demo.fr"]),
        report_of(0),
        NOW,
    )
    .await
    .unwrap();
    assert_eq!(domain_model(&e).await.unwrap().spam, 1);
    // One person teaches at most REPORTS_PER_DAY a day.
    for i in 1..crate::filter::SPAM_REPORTS_PER_DAY as usize + 5 {
        e.d.submit(
            sub(&jean),
            envelope(Some("jean.dupont@ac-demo.fr"), &["spam@ac-demo.fr"]),
            report_of(i),
            NOW,
        )
        .await
        .unwrap();
    }
    assert_eq!(
        domain_model(&e).await.unwrap().spam,
        crate::filter::SPAM_REPORTS_PER_DAY,
        "report 0 sent again is the same message (its retry key): one of the allowance"
    );
}

#[tokio::test]
async fn moving_into_junk_teaches_and_moving_out_corrects() {
    let e = with_spam().await;
    let raw = message(
        "a@example.org",
        "jean.dupont@ac-demo.fr",
        "Promotion",
        "prix cassés sur tout",
    );
    e.d.submit(
        mx(),
        envelope(Some("a@example.org"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .unwrap();
    let jean = by_address(&e, "jean.dupont@ac-demo.fr").await;
    let inbox = e
        .store()
        .mailbox_by_name(jean.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let junk = e
        .store()
        .mailbox_by_name(jean.id, "Junk")
        .await
        .unwrap()
        .unwrap();
    let uid = e.store().messages(inbox.id).await.unwrap()[0].uid;
    let map = e
        .store()
        .move_messages(inbox.id, &[uid], junk.id)
        .await
        .unwrap();
    e.store()
        .train_on_move(inbox.id, junk.id, &map, true, NOW)
        .await
        .unwrap();
    let last = e.d.dispatch_training(0).await;
    let m = domain_model(&e).await.expect("learned from the move");
    assert_eq!((m.spam, m.ham), (1, 0));
    // Out of Junk again: the same message is now ham, not both.
    let uid = e.store().messages(junk.id).await.unwrap()[0].uid;
    let map = e
        .store()
        .move_messages(junk.id, &[uid], inbox.id)
        .await
        .unwrap();
    e.store()
        .train_on_move(junk.id, inbox.id, &map, true, NOW)
        .await
        .unwrap();
    e.d.dispatch_training(last).await;
    let m = domain_model(&e).await.unwrap();
    assert_eq!((m.spam, m.ham), (0, 1));
}
