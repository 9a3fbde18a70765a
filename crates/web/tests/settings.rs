//! The settings that change how mail is handled: the absence message
//! (R23), forwarding outside with "keep a copy" (R22, refused for a
//! functional mailbox with the reason), the signature appended in
//! compose. Each refusal is in the page, with what was typed kept.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;
use vesontio_store::NewAccount;
use vesontio_types::{AccountKind, Secret};

const JEANNE: &str = "jeanne.martin@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";

fn text(html: &str) -> String {
    html.replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
}

async fn settings_csrf(c: &mut Client) -> String {
    let page = c.get("/settings").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    csrf_in(&page.body)
}

#[tokio::test]
async fn the_absence_message_is_saved_shown_and_answers_senders() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let csrf = settings_csrf(&mut c).await;
    let page = c.get("/settings").await;
    for id in [
        "absence-active",
        "absence-start",
        "absence-end",
        "absence-subject",
        "absence-body",
        "forward-to",
        "keep-copy",
        "signature",
    ] {
        assert!(page.body.contains(&format!("<label for=\"{id}\">")), "{id}");
    }
    // Refusals first: the last day before the first, then no text.
    let bad = c
        .post(
            "/settings/absence",
            &[
                ("csrf", &csrf),
                ("active", "on"),
                ("start", "2026-06-10"),
                ("end", "2026-06-01"),
                ("subject", "Absente"),
                ("body", "Je suis en stage."),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("role=\"alert\"")
            && bad
                .body
                .contains("Le dernier jour est avant le premier jour")
    );
    assert!(
        bad.body.contains("value=\"2026-06-10\"")
            && bad.body.contains(">Je suis en stage.</textarea>")
    );
    let bad = c
        .post(
            "/settings/absence",
            &[("csrf", &csrf), ("active", "on"), ("body", " ")],
        )
        .await;
    assert!(
        text(&bad.body).contains("Écrivez le texte de la réponse"),
        "{}",
        bad.body
    );
    assert!(e.store.vacation(jeanne.id).await.unwrap().is_none());

    let ok = c
        .post(
            "/settings/absence",
            &[
                ("csrf", &csrf),
                ("active", "on"),
                ("start", "2026-05-01"),
                ("end", "2026-06-30"),
                ("subject", "Absente jusqu'au 30 juin"),
                ("body", "Je suis en stage ; écrivez à la vie scolaire."),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/settings?ok=absence");
    let v = e.store.vacation(jeanne.id).await.unwrap().unwrap();
    assert!(v.active);
    // 2026-05-01 00:00 in Paris (UTC+2) and the night after 30 June.
    assert_eq!(v.start_at, Some(1_777_586_400));
    assert_eq!(v.end_at, Some(1_782_856_800));
    let shown = c.get("/settings?ok=absence").await;
    assert!(
        shown
            .body
            .contains("Votre message d&#39;absence est enregistré")
            || text(&shown.body).contains("Votre message d'absence est enregistré")
    );
    assert!(
        shown.body.contains("value=\"2026-06-30\"")
            && shown
                .body
                .contains("id=\"absence-active\" name=\"active\" value=\"on\" checked")
    );

    // Paul writes from the webmail and gets the absence reply.
    let mut p = Client::new(&e);
    p.login(PAUL, PASSWORD).await;
    let compose = p.get("/compose").await;
    let pc = csrf_in(&compose.body);
    let r = p
        .post(
            "/compose",
            &[
                ("csrf", &pc),
                ("to", JEANNE),
                ("subject", "Conseil"),
                ("body", "Jeudi ?"),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let got = folder(&e, &paul, "INBOX").await;
    assert_eq!(got.len(), 1, "one absence reply");
    let model = vesontio_message::mime::Model::of(got[0].1.as_bytes());
    assert!(
        model.subject.contains("Absente jusqu'au 30 juin"),
        "{}",
        model.subject
    );
}

#[tokio::test]
async fn forwarding_is_set_with_keep_a_copy_and_stopped() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let csrf = settings_csrf(&mut c).await;
    let bad = c
        .post(
            "/settings/forwarding",
            &[
                ("csrf", &csrf),
                ("forward_to", "jeanne@@perso"),
                ("keep_copy", "on"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        text(&bad.body).contains("« jeanne@@perso » n'est pas une adresse électronique valide")
    );
    assert!(
        bad.body.contains("value=\"jeanne@@perso\""),
        "the form is kept"
    );
    let ok = c
        .post(
            "/settings/forwarding",
            &[
                ("csrf", &csrf),
                ("forward_to", "Jeanne.Perso@Example.org"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(ok.location(), "/settings?ok=forward");
    let a = e.store.account(jeanne.id).await.unwrap().unwrap();
    assert_eq!(a.forward_to.as_deref(), Some("jeanne.perso@example.org"));
    assert!(!a.forward_keep_copy, "the box was left unticked");
    assert_eq!(a.forward_since, Some(NOW));
    let page = c.get("/settings").await;
    assert!(
        page.body
            .contains("actuellement redirigés vers jeanne.perso@example.org")
    );
    assert!(page.body.contains("value=\"stop\""));
    let stop = c
        .post(
            "/settings/forwarding",
            &[("csrf", &csrf), ("action", "stop")],
        )
        .await;
    assert_eq!(stop.location(), "/settings?ok=forward_off");
    assert_eq!(
        e.store
            .account(jeanne.id)
            .await
            .unwrap()
            .unwrap()
            .forward_to,
        None
    );
    // Audited (R11), without message content.
    let csrf_missing = c
        .post("/settings/forwarding", &[("forward_to", "x@example.org")])
        .await;
    assert_eq!(csrf_missing.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_functional_mailbox_cannot_forward_outside_and_is_told_why() {
    let e = env().await;
    let hash = vesontio_directory::password::hash_for_tests(&Secret::new(PASSWORD.into())).unwrap();
    let f = e
        .store
        .create_account(NewAccount {
            address: "intendance@ac-test.fr".into(),
            kind: AccountKind::Functional,
            display_name: "Intendance".into(),
            password_hash: Some(hash),
            must_change_password: false,
            manager: None,
            quota_bytes: 100 << 20,
            created_at: NOW,
        })
        .await
        .unwrap();
    let mut c = Client::new(&e);
    c.login("intendance@ac-test.fr", PASSWORD).await;
    let csrf = settings_csrf(&mut c).await;
    let page = c.get("/settings").await;
    let reason = "une boîte fonctionnelle ne peut pas être redirigée vers l'extérieur";
    assert!(text(&page.body).contains(reason), "{}", page.body);
    assert!(
        !page.body.contains("id=\"forward-to\""),
        "no form to fill in vain"
    );
    let r = c
        .post(
            "/settings/forwarding",
            &[
                ("csrf", &csrf),
                ("forward_to", "perso@example.org"),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(text(&r.body).contains(reason));
    assert_eq!(
        e.store.account(f.id).await.unwrap().unwrap().forward_to,
        None
    );
    // In English for someone who chose English.
    c.jar.insert("lang".into(), "en".into());
    let en = c.get("/settings").await;
    assert!(
        en.body
            .contains("a functional mailbox cannot be redirected outside")
    );
}

#[tokio::test]
async fn the_signature_is_saved_and_appended_in_compose() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let csrf = settings_csrf(&mut c).await;
    let long = "x".repeat(2001);
    let r = c
        .post(
            "/settings/signature",
            &[("csrf", &csrf), ("signature", &long)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("La signature est trop longue : 2000 caractères au plus.")
    );
    assert!(r.body.contains(&long), "kept");
    let r = c
        .post(
            "/settings/signature",
            &[
                ("csrf", &csrf),
                ("signature", "Jeanne Martin\r\nCollège Victor-Hugo"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/settings?ok=signature");
    assert_eq!(
        e.store.web_signature(jeanne.id).await.unwrap(),
        "Jeanne Martin\nCollège Victor-Hugo"
    );
    let compose = c.get("/compose").await;
    assert!(
        compose
            .body
            .contains("\n\n-- \nJeanne Martin\nCollège Victor-Hugo\n</textarea>"),
        "{}",
        compose.body
    );
    // In a reply, above the quote.
    let (mbox, uid) = deliver(&e, &jeanne, PLAIN).await;
    let reply = c
        .get(&format!("/compose?mode=reply&mailbox={mbox}&uid={uid}"))
        .await;
    let body = text(&reply.body);
    let sig = body.find("-- \nJeanne Martin").unwrap();
    let quote = body.find("> Bonjour Jeanne").unwrap();
    assert!(sig < quote);
}
