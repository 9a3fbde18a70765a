//! The reading page's extras (issue 10): inline `cid:` images (RFC 2392),
//! "always show images for this sender", view source, the print view and
//! the attachments' inline previews.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{StatusCode, header};
use common::client::{Client, csrf_in};
use common::*;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

/// A 7×5 red PNG.
pub const PNG_B64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAcAAAAFCAIAAAAG+GGPAAAAEUlEQVR4nGM4ISeHiRhoJAoAuykjjT2f0dIAAAAASUVORK5CYII=";

/// An HTML mail with inline images: two real PNG parts (one named with
/// another case and %-encoded), an SVG part, a part that calls itself a
/// PNG and is HTML, and a reference to no part.
pub fn related() -> String {
    format!(
        "From: Paul Durand <paul.durand@ac-test.fr>\r\n\
To: jeanne.martin@ac-test.fr\r\n\
Subject: Logo du collège\r\n\
Date: Tue, 1 Dec 2026 09:30:00 +0100\r\n\
Message-ID: <cid-1@ac-test.fr>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/related; boundary=\"rel\"\r\n\
\r\n\
--rel\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>Voici le logo.</p><img src=\"cid:logo@ac-test.fr\" alt=\"Logo\"><img src=\"CID:Autre%40Part\" alt=\"Autre\">\
<img src=\"cid:vector@x\" alt=\"svg\"><img src=\"cid:fake@x\" alt=\"faux\"><img src=\"cid:missing@x\" alt=\"absent\">\r\n\
--rel\r\n\
Content-Type: image/png\r\n\
Content-ID: <logo@ac-test.fr>\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{PNG_B64}\r\n\
--rel\r\n\
Content-Type: image/png\r\n\
Content-ID: <autre@part>\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
{PNG_B64}\r\n\
--rel\r\n\
Content-Type: image/svg+xml\r\n\
Content-ID: <vector@x>\r\n\
\r\n\
<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>\r\n\
--rel\r\n\
Content-Type: image/png\r\n\
Content-ID: <fake@x>\r\n\
\r\n\
<script>alert(1)</script>\r\n\
--rel--\r\n"
    )
}

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
