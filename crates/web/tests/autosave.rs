//! Drafts saved automatically (`action=autosave`, `assets/autosave.js`):
//! a JSON answer naming the new draft, which replaces the previous one in
//! Drafts (one copy, visible over IMAP with `\Draft`), keeps the files
//! already attached, says nothing while an address is half typed, and is
//! deleted when the message is sent.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;

const JEANNE: &str = "jeanne.martin@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";

async fn post(c: &mut Client, f: Vec<(String, String)>, files: bool) -> Res {
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let att: &[(&str, &str, &str, &[u8])] = if files {
        &[(
            "files",
            "ordre-du-jour.txt",
            "text/plain",
            b"1. Bilan\r\n2. Questions\r\n",
        )]
    } else {
        &[]
    };
    c.post_multipart("/compose", &pairs, att).await
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

#[tokio::test]
async fn autosave_replaces_one_draft_keeps_its_files_and_is_deleted_on_send() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get("/compose").await;
    assert!(page.body.contains("data-autosave="), "the form asks for it");
    let csrf = csrf_in(&page.body);
    let form = |draft: &str, body: &str, action: &str| -> Vec<(String, String)> {
        vec![
            ("csrf".into(), csrf.clone()),
            ("from".into(), JEANNE.into()),
            ("to".into(), PAUL.into()),
            ("subject".into(), "Conseil de classe".into()),
            ("body".into(), body.into()),
            ("draft".into(), draft.into()),
            ("action".into(), action.into()),
        ]
    };
    // The first save, with a file attached by the person's button.
    let r = post(&mut c, form("", "Première ligne", "attach"), true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let i = r.body.find("name=\"draft\" value=\"").unwrap() + 20;
    let first = r.body[i..i + r.body[i..].find('"').unwrap()].to_string();
    assert!(!first.is_empty());

    // Then the automatic saves: JSON, the draft replaced, the file kept.
    let r = post(
        &mut c,
        form(&first, "Première ligne\nDeuxième ligne", "autosave"),
        false,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.header(axum::http::header::CONTENT_TYPE),
        "application/json"
    );
    let a = json(&r.body);
    assert_eq!(a["saved"], true, "{a}");
    assert!(
        a["notice"].as_str().unwrap().contains("automatiquement"),
        "{a}"
    );
    let second = a["draft"].as_str().unwrap().to_string();
    assert_ne!(second, first, "a new copy replaces the old one");
    let drafts = folder(&e, &jeanne, "\\Drafts").await;
    assert_eq!(drafts.len(), 1, "one draft, not one per save");
    assert!(drafts[0].0.iter().any(|f| f == "\\Draft"));
    assert!(drafts[0].1.contains("Deuxi"), "the newest text");
    assert!(
        drafts[0].1.contains("ordre-du-jour.txt"),
        "the attached file stays"
    );

    // An address half typed: nothing saved, nothing said.
    let mut half = form(&second, "Encore", "autosave");
    half[2].1 = "paul.du".into();
    half[2].1.push_str("@");
    let r = post(&mut c, half, false).await;
    let a = json(&r.body);
    assert_eq!(a["saved"], false, "{a}");
    assert!(a.get("error").is_none() && a.get("notice").is_none(), "{a}");
    assert_eq!(folder(&e, &jeanne, "\\Drafts").await.len(), 1);

    // Without the CSRF token: refused, nothing saved.
    let mut forged = form(&second, "Forgé", "autosave");
    forged[0].1 = "0".repeat(64);
    let r = post(&mut c, forged, false).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(!folder(&e, &jeanne, "\\Drafts").await[0].1.contains("Forg"));

    // Sent from the form naming the latest draft: delivered, draft gone.
    let r = post(&mut c, form(&second, "Version finale", "send"), false).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(folder(&e, &jeanne, "\\Drafts").await.is_empty());
    let inbox = folder(&e, &paul, "INBOX").await;
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].1.contains("ordre-du-jour.txt"));
}

/// The attach button's script (`assets/upload.js`) asks for JSON: the
/// draft is filed with the files and named, so the script can open it;
/// the browser's own submission (no `Accept: application/json`) still
/// gets the page.
#[tokio::test]
async fn attaching_from_the_script_answers_the_draft_with_its_files() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get("/compose").await;
    assert!(
        page.body.contains("id=\"upload-progress\""),
        "the bar is in the page"
    );
    let csrf = csrf_in(&page.body);
    let b = "----vesontioTestBoundary7MA4YWxk";
    let mut body = String::new();
    for (k, v) in [
        ("csrf", csrf.as_str()),
        ("from", JEANNE),
        ("to", PAUL),
        ("subject", "Programme"),
        ("body", "Ci-joint."),
        ("action", "attach"),
    ] {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"programme.txt\"\r\n\
         Content-Type: text/plain\r\n\r\n9 h : musée\r\n\r\n--{b}--\r\n"
    ));
    let req = axum::http::Request::post("/compose")
        .header(axum::http::header::COOKIE, c.cookie_header())
        .header(
            axum::http::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={b}"),
        )
        .header(axum::http::header::ACCEPT, "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = c.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let a = json(&r.body);
    assert_eq!(a["saved"], true, "{a}");
    let draft = a["draft"].as_str().unwrap();
    let drafts = folder(&e, &jeanne, "\\Drafts").await;
    assert_eq!(drafts.len(), 1);
    assert!(
        drafts[0].1.contains("programme.txt"),
        "the file is in the draft"
    );
    // The script then opens the draft: its file is listed.
    let (mb, uid) = draft.split_once('/').unwrap();
    let o = c
        .get(&format!("/compose?mode=draft&mailbox={mb}&uid={uid}"))
        .await;
    assert!(o.body.contains("programme.txt"), "{}", o.body);
    // Without the script: the page, as before.
    let r = post(
        &mut c,
        vec![
            ("csrf".into(), csrf.clone()),
            ("from".into(), JEANNE.into()),
            ("to".into(), PAUL.into()),
            ("subject".into(), "Programme".into()),
            ("body".into(), "Ci-joint.".into()),
            ("draft".into(), draft.into()),
            ("action".into(), "attach".into()),
        ],
        true,
    )
    .await;
    assert!(r.body.contains("<form"), "a page, not JSON");
}
