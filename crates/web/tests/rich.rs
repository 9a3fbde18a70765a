//! Rich-text compose: the editor's HTML is cleaned on the server and sent
//! as multipart/alternative with the text; a hostile HTML field loses its
//! scripts, handlers, styles, images and `javascript:` links; a draft
//! keeps its formatting and reopens with it; no HTML field, plain text.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;
use mail_parser::MessageParser;

const JEANNE: &str = "jeanne.martin@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";

async fn send(c: &mut Client, csrf: &str, html: &str, action: &str) -> Res {
    c.post_multipart(
        "/compose",
        &[
            ("csrf", csrf),
            ("from", JEANNE),
            ("to", PAUL),
            ("subject", "Ordre du jour"),
            ("body", "Bonjour,\nGras et lien.\n"),
            ("html", html),
            ("action", action),
        ],
        &[],
    )
    .await
}

#[tokio::test]
async fn the_editors_html_is_cleaned_and_sent_with_the_text() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get("/compose").await;
    assert!(page.body.contains("name=\"html\""), "the field is there");
    let csrf = csrf_in(&page.body);
    let dirty = "<div>Bonjour,</div><div><b>Gras</b> et <a href=\"https://eduscol.education.fr/\">lien</a>.</div>\
        <img src=\"https://tracker.example/p.gif\" onerror=\"alert(1)\"><script>alert(2)</script>\
        <a href=\"javascript:alert(3)\">piège</a><p style=\"background:url(https://tracker.example/b)\">fin</p>";
    let r = send(&mut c, &csrf, dirty, "send").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let inbox = folder(&e, &paul, "INBOX").await;
    assert_eq!(inbox.len(), 1);
    let raw = inbox[0].1.as_bytes();
    let m = MessageParser::default().parse(raw).unwrap();
    assert!(
        inbox[0]
            .1
            .to_ascii_lowercase()
            .contains("multipart/alternative"),
        "{}",
        inbox[0].1
    );
    assert!(m.body_text(0).unwrap().contains("Gras et lien."));
    let html = m.body_html(0).unwrap();
    assert!(html.contains("<b>Gras</b>"), "{html}");
    assert!(
        html.contains("href=\"https://eduscol.education.fr/\" rel=\"noopener noreferrer\""),
        "{html}"
    );
    for bad in [
        "script",
        "onerror",
        "javascript",
        "tracker",
        "<img",
        "style=",
    ] {
        assert!(!html.contains(bad), "{bad} left in {html}");
    }
    // The Sent copy is the same message.
    let sent = folder(&e, &jeanne, "\\Sent").await;
    assert!(sent[0].1.contains("<b>Gras</b>"));
}

#[tokio::test]
async fn a_draft_keeps_its_formatting_and_plain_text_stays_plain() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let csrf = csrf_in(&c.get("/compose").await.body);
    let r = send(&mut c, &csrf, "<p><i>Italique</i> ici</p>", "save").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let drafts = folder(&e, &jeanne, "\\Drafts").await;
    assert!(drafts[0].1.contains("<i>Italique</i>"), "{}", drafts[0].1);
    let drafts_id = folder_id(&e, &jeanne, "\\Drafts").await;
    let i = r.body.find("name=\"draft\" value=\"").unwrap() + 20;
    let draft = &r.body[i..i + r.body[i..].find('"').unwrap()];
    let uid = draft.split_once('/').unwrap().1;
    let o = c
        .get(&format!(
            "/compose?mode=draft&mailbox={drafts_id}&uid={uid}"
        ))
        .await;
    assert!(
        o.body.contains("&#60;i&#62;Italique&#60;/i&#62;")
            || o.body.contains("&lt;i&gt;Italique&lt;/i&gt;"),
        "the editor's HTML comes back, escaped in the attribute: {}",
        o.body
    );
    // An editor emptied (only a line break left): plain text.
    let r = send(&mut c, &csrf, "<div><br></div>", "send").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let got = folder(&e, &paul, "INBOX").await;
    assert_eq!(got.len(), 1);
    assert!(
        !got[0].1.to_ascii_lowercase().contains("text/html"),
        "{}",
        got[0].1
    );
}
