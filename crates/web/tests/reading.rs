//! The reading page's extras (issue 10): inline `cid:` images (RFC 2392),
//! "always show images for this sender", view source, the print view and
//! the attachments' inline previews.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "xss/mails.rs"]
mod mails;

use axum::http::{StatusCode, header};
use common::client::{Client, csrf_in};
use common::*;
use mails::*;

async fn jeanne(e: &Env) -> (vesontio_store::Account, Client) {
    let j = person(e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let mut c = Client::new(e);
    c.login(JEANNE, PASSWORD).await;
    (j, c)
}

#[tokio::test]
async fn cid_images_are_inlined_as_bounded_data_uris_of_whitelisted_types() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    let (mb, uid) = deliver(&e, &j, &related()).await;
    let page = c.get(&format!("/mail/{mb}/{uid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    // cid: images are the message's own: nothing to unblock.
    assert!(!page.body.contains("bloquée"), "{}", page.body);
    let r = c.get(&format!("/mail/{mb}/{uid}/body")).await;
    assert_eq!(r.status, StatusCode::OK);
    let uri = format!("src=\"data:image/png;base64,{PNG_B64}\"");
    assert_eq!(r.body.matches(&uri).count(), 2, "{}", r.body);
    assert!(r.body.contains("alt=\"Logo\""), "{}", r.body);
    // Not inlined: the SVG, the HTML calling itself a PNG, the missing
    // part; their images keep no source at all.
    assert!(!r.body.to_lowercase().contains("cid:"), "{}", r.body);
    assert!(!r.body.contains("image/svg"), "{}", r.body);
    assert!(!r.body.contains("script"), "{}", r.body);
    assert_eq!(r.body.matches("<img src=").count(), 2, "{}", r.body);
    // The frame's policy allows those data: images and nothing more.
    let csp = r.header(header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("img-src data:;"), "{csp}");
}

#[tokio::test]
async fn oversized_inline_images_are_left_out() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    // A PNG signature followed by 3 MB: over the 2 MB bound.
    let mut big = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        [b"\x89PNG\r\n\x1a\n".as_slice(), &vec![0u8; 3 << 20]].concat(),
    );
    big = big
        .as_bytes()
        .chunks(76)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n");
    let raw = format!(
        "From: paul.durand@ac-test.fr\r\nTo: {JEANNE}\r\nSubject: Gros\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html\r\n\r\n<p>Gros logo</p><img src=\"cid:big@x\">\r\n\
--r\r\nContent-Type: image/png\r\nContent-ID: <big@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n{big}\r\n--r--\r\n"
    );
    let (mb, uid) = deliver(&e, &j, &raw).await;
    let r = c.get(&format!("/mail/{mb}/{uid}/body")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Gros logo"));
    assert!(
        !r.body.contains("data:"),
        "{}",
        &r.body[..r.body.len().min(500)]
    );
    assert!(r.body.len() < 10_000);
    let _ = csrf_in;
}

/// A newsletter with a remote image, from `from`, with an optional R25
/// warning header.
fn newsletter(from: &str, id: &str, warning: bool) -> String {
    format!(
        "From: Musée <{from}>\r\nTo: {JEANNE}\r\nSubject: Lettre du musée {id}\r\n\
Message-ID: <{id}@musee.example>\r\nMIME-Version: 1.0\r\n{}Content-Type: text/html; charset=utf-8\r\n\r\n\
<p>Nouvelle exposition.</p><img src=\"https://musee.example/affiche-{id}.png\" alt=\"affiche\">\r\n",
        if warning {
            "X-Vesontio-Warning: impersonation; Usurpation\r\n"
        } else {
            ""
        }
    )
}

#[tokio::test]
async fn always_show_images_for_a_sender_is_kept_per_account_and_undone() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    let (mb, one) = deliver(&e, &j, &newsletter("info@musee.example", "n1", false)).await;
    let (_, two) = deliver(&e, &j, &newsletter("Info@Musee.example", "n2", false)).await;
    let (_, other) = deliver(&e, &j, &newsletter("autre@ailleurs.example", "n3", false)).await;
    let (_, warned) = deliver(&e, &j, &newsletter("info@musee.example", "n4", true)).await;

    let page = c.get(&format!("/mail/{mb}/{one}")).await;
    assert!(page.body.contains("bloquée"), "{}", page.body);
    assert!(
        page.body
            .contains("Toujours afficher les images de info@musee.example"),
        "{}",
        page.body
    );
    let body = c.get(&format!("/mail/{mb}/{one}/body")).await;
    assert!(
        !body.body.contains("musee.example/affiche"),
        "blocked first"
    );
    // A forged request (no CSRF token) changes nothing.
    let r = c
        .post(
            &format!("/mail/{mb}/{one}/images-sender"),
            &[("action", "always")],
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
    let csrf = csrf_in(&page.body);
    let r = c
        .post(
            &format!("/mail/{mb}/{one}/images-sender"),
            &[("csrf", &csrf), ("action", "always")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/mail/{mb}/{one}?ok=images_always"));
    assert!(
        e.store
            .web_images_allowed(j.id, "info@musee.example")
            .await
            .unwrap()
    );

    // Every message of that sender (any case) now shows its images.
    for uid in [one, two] {
        let page = c.get(&format!("/mail/{mb}/{uid}")).await;
        assert!(!page.body.contains("bloquée"), "{}", page.body);
        assert!(
            page.body.contains("affichées automatiquement"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains(&format!("/mail/{mb}/{uid}/body?images=1"))
        );
        let body = c.get(&format!("/mail/{mb}/{uid}/body")).await;
        assert!(
            body.body.contains("https://musee.example/affiche-"),
            "{}",
            body.body
        );
        assert!(
            body.header(header::CONTENT_SECURITY_POLICY)
                .contains("img-src data: https:")
        );
    }
    // Not another sender, nor a message the filters warned about (R25:
    // its From may be borrowed), nor another account.
    let page = c.get(&format!("/mail/{mb}/{other}")).await;
    assert!(page.body.contains("bloquée"));
    let page = c.get(&format!("/mail/{mb}/{warned}")).await;
    assert!(page.body.contains("bloquée"));
    assert!(
        !page.body.contains("Toujours afficher les images"),
        "{}",
        page.body
    );
    let body = c.get(&format!("/mail/{mb}/{warned}/body")).await;
    assert!(!body.body.contains("musee.example/affiche"));
    let r = c
        .post(
            &format!("/mail/{mb}/{warned}/images-sender"),
            &[("csrf", &csrf), ("action", "always")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Nor a message our MX found failing DMARC (its From is forged).
    let forged = format!(
        "Authentication-Results: {host}; spf=fail smtp.mailfrom=musee.example;\r\n dmarc=fail header.from=musee.example\r\n{}",
        newsletter("info@musee.example", "n5", false),
        host = e.delivery.config().hostname
    );
    let (_, forged) = deliver(&e, &j, &forged).await;
    let page = c.get(&format!("/mail/{mb}/{forged}")).await;
    assert!(page.body.contains("bloquée"), "{}", page.body);
    assert!(!page.body.contains("Toujours afficher les images"));
    // Someone else's verdict in the header changes nothing.
    let theirs = format!(
        "Authentication-Results: relay.example; dmarc=fail\r\n{}",
        newsletter("info@musee.example", "n6", false)
    );
    let (_, theirs) = deliver(&e, &j, &theirs).await;
    let page = c.get(&format!("/mail/{mb}/{theirs}")).await;
    assert!(!page.body.contains("bloquée"), "{}", page.body);
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul", PASSWORD, false).await;
    assert!(
        !e.store
            .web_images_allowed(paul.id, "info@musee.example")
            .await
            .unwrap()
    );

    // Undone from the page.
    let r = c
        .post(
            &format!("/mail/{mb}/{two}/images-sender"),
            &[("csrf", &csrf), ("action", "never")],
        )
        .await;
    assert_eq!(r.location(), format!("/mail/{mb}/{two}?ok=images_never"));
    let page = c.get(&format!("/mail/{mb}/{one}")).await;
    assert!(page.body.contains("bloquée"));
}

#[tokio::test]
async fn view_source_is_the_raw_message_as_sandboxed_text() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    let (mb, uid) = deliver(&e, &j, HOSTILE).await;
    let page = c.get(&format!("/mail/{mb}/{uid}")).await;
    assert!(
        page.body
            .contains(&format!("href=\"/mail/{mb}/{uid}/source\""))
    );
    let r = c.get(&format!("/mail/{mb}/{uid}/source")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(r.header(header::CONTENT_DISPOSITION).starts_with("inline"));
    let csp = r.header(header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.contains("sandbox") && csp.starts_with("default-src 'none'"),
        "{csp}"
    );
    // Byte for byte what was stored, the hostile script as text.
    assert_eq!(r.body, HOSTILE);
    let r = c.get(&format!("/mail/{mb}/{uid}/source?download=1")).await;
    assert_eq!(r.header(header::CONTENT_TYPE), "message/rfc822");
    assert!(
        r.header(header::CONTENT_DISPOSITION)
            .starts_with("attachment")
    );
    // Another account's message has no source for Jeanne.
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul", PASSWORD, false).await;
    let (pmb, puid) = deliver(&e, &paul, PLAIN).await;
    let r = c.get(&format!("/mail/{pmb}/{puid}/source")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("conseil"));
}

#[tokio::test]
async fn print_view_has_no_chrome_and_the_frames_policy() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    let (mb, uid) = deliver(&e, &j, HOSTILE).await;
    let r = c.get(&format!("/mail/{mb}/{uid}/print")).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.header(header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.starts_with("default-src 'none'") && csp.contains("sandbox"),
        "{csp}"
    );
    assert!(!csp.contains("script-src"), "{csp}");
    assert!(r.body.contains("<h1>Facture urgente</h1>"), "{}", r.body);
    assert!(
        r.body.contains("Attaquant &lt;evil@example.org&gt;")
            || r.body.contains("Attaquant &#60;evil@example.org&#62;"),
        "{}",
        r.body
    );
    assert!(r.body.contains("Texte visible du message piégé"));
    assert!(r.body.contains("Ctrl+P"));
    // No navigation, no folders, no forms; nothing of the payloads.
    for absent in [
        "main-nav",
        "class=\"folders\"",
        "<form",
        "<script",
        "onerror",
        "evil.example/track",
    ] {
        assert!(!r.body.contains(absent), "{absent}: {}", r.body);
    }
    // A plain message prints its text.
    let (_, puid) = deliver(&e, &j, PLAIN).await;
    let r = c.get(&format!("/mail/{mb}/{puid}/print")).await;
    assert!(r.body.contains("class=\"text-body\""));
    assert!(r.body.contains("salle 204"));
}

#[tokio::test]
async fn attachments_preview_inline_for_images_pdf_and_text_only() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    let (mb, uid) = deliver(&e, &j, &attachments()).await;
    let page = c.get(&format!("/mail/{mb}/{uid}")).await;
    // Previews offered for image, PDF and text types (the lying PNG too:
    // its bytes are checked when served); never for SVG.
    for i in 0..5 {
        assert!(
            page.body
                .contains(&format!("/mail/{mb}/{uid}/preview/{i}\"")),
            "{i}: {}",
            page.body
        );
    }
    assert!(!page.body.contains("/preview/5\""));
    assert!(
        page.body
            .contains(&format!("src=\"/mail/{mb}/{uid}/view/0\""))
    );

    let png = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, PNG_B64).unwrap();
    let r = c.get(&format!("/mail/{mb}/{uid}/view/0")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header(header::CONTENT_TYPE), "image/png");
    assert_eq!(r.header(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(
        r.header(header::CONTENT_DISPOSITION)
            .starts_with("inline; filename=\"plan.png\"")
    );
    assert!(
        r.header(header::CONTENT_SECURITY_POLICY)
            .contains("sandbox")
    );
    assert_eq!(r.body.as_bytes(), String::from_utf8_lossy(&png).as_bytes());

    let r = c.get(&format!("/mail/{mb}/{uid}/view/1")).await;
    assert_eq!(r.header(header::CONTENT_TYPE), "application/pdf");
    assert!(r.body.starts_with("%PDF-1.4 menu"));
    let csp = r.header(header::CONTENT_SECURITY_POLICY);
    assert!(
        csp.starts_with("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    assert_eq!(r.header(header::X_FRAME_OPTIONS), "SAMEORIGIN");

    // Text decoded from its charset, served as plain UTF-8 text; HTML
    // attachments as their source.
    let r = c.get(&format!("/mail/{mb}/{uid}/view/2")).await;
    assert_eq!(r.header(header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert!(r.body.contains("Réunion <b>jeudi</b>"), "{}", r.body);
    let r = c.get(&format!("/mail/{mb}/{uid}/view/3")).await;
    assert_eq!(r.header(header::CONTENT_TYPE), "text/plain; charset=utf-8");
    assert!(
        r.header(header::CONTENT_SECURITY_POLICY)
            .contains("sandbox")
    );
    // A "PNG" that is HTML and an SVG are not previewed.
    assert_eq!(
        c.get(&format!("/mail/{mb}/{uid}/view/4")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get(&format!("/mail/{mb}/{uid}/view/5")).await.status,
        StatusCode::NOT_FOUND
    );

    // The preview pages: the image, the PDF frame, the text escaped.
    let p = c.get(&format!("/mail/{mb}/{uid}/preview/0")).await;
    assert!(p.body.contains("class=\"preview-image\""), "{}", p.body);
    assert!(p.body.contains("alt=\"plan.png\""));
    let p = c.get(&format!("/mail/{mb}/{uid}/preview/1")).await;
    assert!(p.body.contains("class=\"preview-pdf\""));
    let p = c.get(&format!("/mail/{mb}/{uid}/preview/3")).await;
    assert!(
        p.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || p.body.contains("&#60;script&#62;"),
        "{}",
        p.body
    );
    assert!(!p.body.contains("<script>alert"));
    assert_eq!(
        c.get(&format!("/mail/{mb}/{uid}/preview/5")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn settings_list_the_senders_whose_images_are_shown_and_remove_them() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    let page = c.get("/settings").await;
    assert!(
        page.body.contains("bloquées pour tous les expéditeurs"),
        "{}",
        page.body
    );
    e.store
        .set_web_images_allowed(j.id, "info@musee.example", true, NOW)
        .await
        .unwrap();
    let page = c.get("/settings").await;
    assert!(page.body.contains("info@musee.example"), "{}", page.body);
    let csrf = csrf_in(&page.body);
    let r = c
        .post(
            "/settings/image-senders",
            &[("sender", "info@musee.example")],
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER, "no CSRF token, no change");
    let r = c
        .post(
            "/settings/image-senders",
            &[("csrf", &csrf), ("sender", "info@musee.example")],
        )
        .await;
    assert_eq!(r.location(), "/settings?ok=images");
    assert!(e.store.web_image_senders(j.id).await.unwrap().is_empty());
    let page = c.get("/settings?ok=images").await;
    assert!(
        page.body.contains("ne seront plus affichées"),
        "{}",
        page.body
    );
}

/// RFC 2046 §5.1.4: a message with an HTML body and its plain-text
/// alternative offers to read the text one instead (no frame then), and
/// back; a message with one version offers nothing.
#[tokio::test]
async fn the_plain_text_alternative_can_be_read_instead_of_the_html() {
    let e = env().await;
    let (j, mut c) = jeanne(&e).await;
    let both = "From: Paul Durand <paul.durand@ac-test.fr>\r\nTo: jeanne.martin@ac-test.fr\r\n\
        Subject: Deux versions\r\nMessage-ID: <alt-1@ac-test.fr>\r\nMIME-Version: 1.0\r\n\
        Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nLa version texte seule.\r\n\
        --b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p><b>La version HTML</b></p>\r\n--b--\r\n";
    let (mb, uid) = deliver(&e, &j, both).await;
    let page = c.get(&format!("/mail/{mb}/{uid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("<iframe class=\"mail-frame\""),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!(
            "href=\"/mail/{mb}/{uid}?text=1\">Afficher la version texte</a>"
        )),
        "{}",
        page.body
    );
    let text = c.get(&format!("/mail/{mb}/{uid}?text=1")).await;
    assert!(!text.body.contains("<iframe"), "no frame: {}", text.body);
    assert!(
        text.body.contains("La version texte seule."),
        "{}",
        text.body
    );
    assert!(!text.body.contains("La version HTML"));
    assert!(
        text.body.contains(&format!(
            "href=\"/mail/{mb}/{uid}\">Afficher la version mise en forme</a>"
        )),
        "{}",
        text.body
    );
    // One version only: no switch.
    let (_, plain) = deliver(&e, &j, PLAIN).await;
    let page = c.get(&format!("/mail/{mb}/{plain}")).await;
    assert!(!page.body.contains("?text=1"), "{}", page.body);
}
