//! R25's stage in the pipeline: a look-alike sender from outside is
//! scored into Junk with the reader's warning and the subject tag; a
//! warning that came with a message is removed; the institution's own
//! mail is never flagged.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use super::*;
use crate::{FilterSettings, Filters, PhishStage, Stage};

async fn with_phish(tag: &str) -> Env {
    let e = setup().await;
    let stage: Arc<dyn Stage> = Arc::new(PhishStage::new(
        &[DOMAIN.to_string()],
        &["education.gouv.fr".to_string()],
        &["DSI".to_string(), "Rectorat".to_string()],
        tag,
    ));
    let d = Delivery::with_filters(
        config(),
        e.store().clone(),
        Filters::new(FilterSettings::with_junk(5.0), vec![stage]),
    );
    let e = Env { _dir: e._dir, d };
    person(&e, "jean.dupont@ac-demo.fr").await;
    person(&e, "paul.durand@ac-demo.fr").await;
    e
}

/// A message whose `From:` field is written as given (display names).
fn raw_msg(from: &str, subject: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: <jean.dupont@ac-demo.fr>\r\nSubject: {subject}\r\n\
         Date: Wed, 02 Dec 2026 10:00:00 +0100\r\nMessage-ID: <p{}@example.org>\r\n\r\n{body}\r\n",
        subject.len() + body.len()
    )
    .into_bytes()
}

fn field<'a>(t: &'a str, name: &str) -> Option<&'a str> {
    let head = t.split("\r\n\r\n").next().unwrap_or("");
    head.split("\r\n")
        .find(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l[name.len()..].starts_with(':')
        })
        .map(|l| l[name.len() + 1..].trim())
}

#[tokio::test]
async fn a_lookalike_sender_goes_to_junk_with_a_warning_and_the_tag() {
    let e = with_phish("[Attention]").await;
    let raw = raw_msg(
        "\"Support\" <support@ac-dem0.fr>",
        "Votre compte",
        "Bonjour, merci de répondre.",
    );
    e.d.submit(
        mx(),
        envelope(Some("support@ac-dem0.fr"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .unwrap();
    let junk = folder(&e, "jean.dupont@ac-demo.fr", "Junk").await;
    assert_eq!(junk.len(), 1, "filed into Junk");
    let t = text(&junk[0].0);
    let warning = field(&t, "X-Vesontio-Warning").expect("a warning");
    assert!(warning.starts_with("lookalike-domain;"), "{warning}");
    assert_eq!(field(&t, "Subject"), Some("[Attention] Votre compte"));
    assert_eq!(
        t.matches("\r\nSubject:").count() + usize::from(t.starts_with("Subject:")),
        1,
        "{t}"
    );
    assert!(field(&t, "X-Spam-Score").is_some_and(|s| s.parse::<f32>().unwrap() >= 5.0));
}

#[tokio::test]
async fn a_forged_warning_is_removed_and_the_institution_is_never_flagged() {
    let e = with_phish("[Attention]").await;
    // From outside, harmless, but carrying a banner of its own.
    let mut raw = b"X-Vesontio-Warning: impersonation; faux\r\n".to_vec();
    raw.extend(message(
        "paul@example.org",
        "jean.dupont@ac-demo.fr",
        "Sortie",
        "Rendez-vous jeudi.",
    ));
    e.d.submit(
        mx(),
        envelope(Some("paul@example.org"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .unwrap();
    let got = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(got.len(), 1);
    let t = text(&got[0]);
    assert_eq!(field(&t, "X-Vesontio-Warning"), None, "{t}");
    assert_eq!(field(&t, "Subject"), Some("Sortie"));

    // A colleague, through submission, asking to change a password: not
    // checked (authenticated, internal), not tagged.
    let paul = e
        .store()
        .account_by_address("paul.durand@ac-demo.fr")
        .await
        .unwrap()
        .unwrap();
    let raw = raw_msg(
        "\"DSI\" <paul.durand@ac-demo.fr>",
        "Mot de passe",
        "Pensez à changer votre mot de passe avant vendredi.",
    );
    e.d.submit(
        sub(&paul),
        envelope(Some("paul.durand@ac-demo.fr"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .unwrap();
    let got = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(got.len(), 2, "in INBOX, not Junk");
    let t = text(&got[1]);
    assert_eq!(field(&t, "X-Vesontio-Warning"), None, "{t}");
    assert_eq!(field(&t, "Subject"), Some("Mot de passe"));

    // The ministry itself, from outside with its real domain: nothing.
    let raw = message(
        "info@education.gouv.fr",
        "jean.dupont@ac-demo.fr",
        "Circulaire",
        "Bonne lecture.",
    );
    e.d.submit(
        mx(),
        envelope(Some("info@education.gouv.fr"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .unwrap();
    let got = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(got.len(), 3);
    assert_eq!(field(&text(&got[2]), "X-Vesontio-Warning"), None);
}

#[tokio::test]
async fn a_credentials_request_from_outside_is_warned_about_but_stays_in_inbox() {
    let e = with_phish("").await;
    let raw = message(
        "noreply@example.org",
        "jean.dupont@ac-demo.fr",
        "Quota",
        "Votre boîte est pleine, envoyez votre mot de passe.",
    );
    e.d.submit(
        mx(),
        envelope(Some("noreply@example.org"), &["jean.dupont@ac-demo.fr"]),
        raw,
        NOW,
    )
    .await
    .unwrap();
    let got = inbox(&e, "jean.dupont@ac-demo.fr").await;
    assert_eq!(got.len(), 1, "2.5 points: under the junk threshold");
    let t = text(&got[0]);
    assert!(
        field(&t, "X-Vesontio-Warning")
            .unwrap()
            .starts_with("credentials;")
    );
    assert_eq!(field(&t, "Subject"), Some("Quota"), "no tag configured");
}

/// R25: mail from outside taking the full name of someone in the
/// directory carries the impersonation warning; the same person writing
/// from their own address does not; the names are read from the store, so
/// an account created after the server started is protected too (the
/// stage reads them again after `STAFF_REFRESH`; a new stage reads them
/// at its first message).
#[tokio::test]
async fn a_staff_members_name_from_outside_is_an_impersonation() {
    let e = setup().await;
    let claire = person(&e, "claire.fontaine@ac-demo.fr").await;
    e.store()
        .update_account(
            claire.id,
            vesontio_store::AccountUpdate {
                display_name: Some("Claire Fontaine".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    person(&e, "jean.dupont@ac-demo.fr").await;
    let stage: Arc<dyn Stage> = Arc::new(
        PhishStage::new(&[DOMAIN.to_string()], &[], &[], "").with_directory(e.store().clone()),
    );
    let d = Delivery::with_filters(
        config(),
        e.store().clone(),
        Filters::new(FilterSettings::with_junk(5.0), vec![stage]),
    );
    let e = Env { _dir: e._dir, d };
    let send = |from: &'static str, mail_from: &'static str| {
        let raw = raw_msg(from, "Urgent", "Pouvez-vous me rappeler ?");
        let env = envelope(Some(mail_from), &["jean.dupont@ac-demo.fr"]);
        let d = e.d.clone();
        async move { d.submit(mx(), env, raw, NOW).await.unwrap() }
    };
    send(
        "\"Claire Fontaine\" <claire.fontaine.75@example.net>",
        "claire.fontaine.75@example.net",
    )
    .await;
    send("\"Claire Durand\" <cd@example.net>", "cd@example.net").await;
    let inbox = folder(&e, "jean.dupont@ac-demo.fr", "INBOX").await;
    assert_eq!(
        inbox.len(),
        2,
        "3 points alone stay under the junk threshold"
    );
    let warned: Vec<Option<String>> = inbox
        .iter()
        .map(|m| field(&text(&m.0), "X-Vesontio-Warning").map(str::to_string))
        .collect();
    assert!(
        warned[0]
            .as_deref()
            .is_some_and(|w| w.starts_with("impersonation;")),
        "{warned:?}"
    );
    assert_eq!(warned[1], None, "another name is not warned about");
    let t = text(&inbox[0].0);
    assert_eq!(field(&t, "X-Spam-Score"), Some("3.0"), "{t}");
}
