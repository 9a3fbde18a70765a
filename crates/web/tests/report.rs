//! "Report as spam" (R24): a confirmation page, then the message
//! forwarded whole (message/rfc822) to spam@<domain> through the gate and
//! moved to Junk; a refusal of the gate shown in the page.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

#[tokio::test]
async fn a_reported_message_goes_to_spam_as_an_attachment_and_into_junk() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let spam = person(&e, "spam@ac-test.fr", "Signalements", PASSWORD, false).await;
    let (inbox, uid) = deliver(&e, &jeanne, HOSTILE).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let read = c.get(&format!("/mail/{inbox}/{uid}")).await;
    let confirm_url = format!("/mail/{inbox}/{uid}/report-spam");
    assert!(
        read.body.contains(&format!("href=\"{confirm_url}\"")),
        "{}",
        read.body
    );
    assert!(read.body.contains("Signaler comme spam"));

    // The confirmation says what will happen; nothing happened yet.
    let page = c.get(&confirm_url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Facture urgente"), "{}", page.body);
    assert!(
        page.body
            .contains("transféré en pièce jointe à spam@ac-test.fr"),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!("action=\"{confirm_url}\"")));
    assert!(folder(&e, &spam, "INBOX").await.is_empty());
    let csrf = csrf_in(&page.body);

    let r = c.post(&confirm_url, &[("csrf", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(folder(&e, &spam, "INBOX").await.is_empty());

    let r = c.post(&confirm_url, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), format!("/mail/{inbox}?ok=reported"));
    let list = c.get(r.location()).await;
    assert!(
        list.body
            .contains("le message a été signalé comme spam et déplacé dans « Indésirables »"),
        "{}",
        list.body
    );
    // The report: from Jeanne to spam@, the message inside as it was.
    let got = folder(&e, &spam, "INBOX").await;
    assert_eq!(got.len(), 1);
    let raw = &got[0].1;
    assert!(raw.contains("Content-Type: message/rfc822"), "{raw}");
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    assert_eq!(
        msg.from().unwrap().first().unwrap().address(),
        Some("jeanne.martin@ac-test.fr")
    );
    assert_eq!(msg.subject(), Some("Signalement de spam : Facture urgente"));
    let inner = msg.attachment(0).unwrap().message().unwrap();
    assert_eq!(inner.subject(), Some("Facture urgente"));
    assert_eq!(
        inner.from().unwrap().first().unwrap().address(),
        Some("evil@example.org")
    );
    // Out of the inbox, into Junk; no copy in Sent.
    assert!(folder(&e, &jeanne, "INBOX").await.is_empty());
    assert_eq!(folder(&e, &jeanne, "\\Junk").await.len(), 1);
    assert!(folder(&e, &jeanne, "\\Sent").await.is_empty());
}

#[tokio::test]
async fn a_refused_report_is_said_in_the_page_and_the_message_stays() {
    let e = env().await;
    // No spam@ mailbox in this domain: the gate refuses the recipient.
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (inbox, uid) = deliver(&e, &jeanne, HOSTILE).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let url = format!("/mail/{inbox}/{uid}/report-spam");
    let page = c.get(&url).await;
    let csrf = csrf_in(&page.body);
    let r = c.post(&url, &[("csrf", &csrf)]).await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.body.contains("role=\"alert\""), "{}", r.body);
    // The gate's own sentence, its French half on a French page.
    assert!(
        r.body
            .contains("Boite inconnue : &#60;spam@ac-test.fr&#62; n&#39;existe pas ici"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("no such mailbox"), "{}", r.body);
    // The confirmation is still there to try again; the message stayed.
    assert!(r.body.contains("Signaler ce message"));
    assert_eq!(folder(&e, &jeanne, "INBOX").await.len(), 1);
    // Someone else's message cannot be reported.
    let r = c
        .get(&format!("/mail/{inbox}/{}/report-spam", uid + 50))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}
