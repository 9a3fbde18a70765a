//! Message actions from the list's selection and from the reading page:
//! mark read/unread, flag, delete to Trash (and for good from Trash),
//! move to a folder; ids of other accounts are refused.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

fn msg(n: u32) -> String {
    format!(
        "From: paul.durand@ac-test.fr\r\nTo: {JEANNE}\r\nSubject: Message {n}\r\nMessage-ID: <m{n}@ac-test.fr>\r\n\r\nTexte {n}\r\n"
    )
}

/// Posts `action` on the messages `uids` of the list form at `url`.
async fn act(
    c: &mut Client,
    url: &str,
    csrf: &str,
    uids: &[&str],
    action: &str,
    extra: &[(&str, &str)],
) -> Res {
    let names: Vec<String> = uids.iter().map(|u| format!("m{u}")).collect();
    let mut pairs: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "on")).collect();
    pairs.push(("action", action));
    pairs.push(("csrf", csrf));
    pairs.extend_from_slice(extra);
    c.post(url, &pairs).await
}

async fn flags(e: &Env, a: &vesontio_store::Account, attr: &str) -> Vec<Vec<String>> {
    folder(e, a, attr)
        .await
        .into_iter()
        .map(|(f, _)| f)
        .collect()
}

#[tokio::test]
async fn the_selection_is_marked_flagged_moved_and_deleted() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    let mut uids = Vec::new();
    let mut inbox = 0;
    for n in 1..=4 {
        let (m, u) = deliver(&e, &jeanne, &msg(n)).await;
        inbox = m;
        uids.push(u.to_string());
    }
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let list = c.get(&format!("/mail/{inbox}")).await;
    let csrf = csrf_in(&list.body);
    for u in &uids {
        assert!(list.body.contains(&format!(
            "<input type=\"checkbox\" class=\"select\" id=\"m{u}\" name=\"m{u}\" value=\"on\">"
        )));
        assert!(
            list.body
                .contains(&format!("<label for=\"m{u}\" class=\"visually-hidden\">"))
        );
    }
    let url = format!("/mail/{inbox}/actions");
    // Read, then flagged, two of four.
    let r = act(
        &mut c,
        &url,
        &csrf,
        &[uids[0].as_str(), uids[1].as_str()],
        "read",
        &[],
    )
    .await;
    assert_eq!(r.location(), format!("/mail/{inbox}?ok=marked"));
    let f = flags(&e, &jeanne, "INBOX").await;
    assert!(f[0].contains(&"\\Seen".to_string()) && f[1].contains(&"\\Seen".to_string()));
    assert!(!f[2].contains(&"\\Seen".to_string()));
    act(&mut c, &url, &csrf, &[uids[1].as_str()], "flag", &[]).await;
    assert!(flags(&e, &jeanne, "INBOX").await[1].contains(&"\\Flagged".to_string()));
    act(&mut c, &url, &csrf, &[uids[1].as_str()], "unflag", &[]).await;
    assert!(!flags(&e, &jeanne, "INBOX").await[1].contains(&"\\Flagged".to_string()));
    act(&mut c, &url, &csrf, &[uids[0].as_str()], "unread", &[]).await;
    assert!(!flags(&e, &jeanne, "INBOX").await[0].contains(&"\\Seen".to_string()));

    // Moved to Archive, deleted to Trash, then for good from Trash.
    let archive = folder_id(&e, &jeanne, "\\Archive").await;
    let archive_s = archive.to_string();
    let r = act(
        &mut c,
        &url,
        &csrf,
        &[uids[2].as_str()],
        "move",
        &[("target", &archive_s)],
    )
    .await;
    assert_eq!(r.location(), format!("/mail/{inbox}?ok=moved"));
    assert_eq!(folder(&e, &jeanne, "\\Archive").await.len(), 1);
    let r = act(
        &mut c,
        &url,
        &csrf,
        &[uids[0].as_str(), uids[1].as_str()],
        "delete",
        &[],
    )
    .await;
    assert_eq!(r.location(), format!("/mail/{inbox}?ok=trashed"));
    let shown = c.get(r.location()).await;
    assert!(
        shown
            .body
            .contains("Les messages ont été mis dans la corbeille.")
    );
    assert_eq!(folder(&e, &jeanne, "INBOX").await.len(), 1);
    assert_eq!(folder(&e, &jeanne, "\\Trash").await.len(), 2);
    let trash = folder_id(&e, &jeanne, "\\Trash").await;
    let tl = c.get(&format!("/mail/{trash}")).await;
    assert!(
        tl.body.contains("name=\"m1\"") && tl.body.contains("name=\"m2\""),
        "{}",
        tl.body
    );
    let r = c
        .post(
            &format!("/mail/{trash}/actions"),
            &[("csrf", &csrf), ("m1", "on"), ("action", "delete")],
        )
        .await;
    assert_eq!(r.location(), format!("/mail/{trash}?ok=deleted"));
    assert_eq!(folder(&e, &jeanne, "\\Trash").await.len(), 1);

    // Nothing selected: said so; another account's folder: not found.
    let r = act(&mut c, &url, &csrf, &[], "read", &[]).await;
    assert_eq!(r.location(), format!("/mail/{inbox}?ok=none"));
    let theirs = folder_id(&e, &paul, "\\Archive").await;
    let theirs_s = theirs.to_string();
    let r = act(
        &mut c,
        &url,
        &csrf,
        &[uids[3].as_str()],
        "move",
        &[("target", &theirs_s)],
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(folder(&e, &jeanne, "INBOX").await.len(), 1);
    let paul_inbox = e
        .store
        .mailbox_by_name(paul.id, "INBOX")
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    let r = c
        .post(
            &format!("/mail/{paul_inbox}/actions"),
            &[("csrf", &csrf), ("m1", "on"), ("action", "delete")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .post(
            &url,
            &[
                ("csrf", "x"),
                (&format!("m{}", uids[3]), "on"),
                ("action", "delete"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_reading_page_flags_and_moves_its_message() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (inbox, uid) = deliver(&e, &jeanne, PLAIN).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get(&format!("/mail/{inbox}/{uid}")).await;
    let csrf = csrf_in(&page.body);
    assert!(
        page.body
            .contains(&format!("action=\"/mail/{inbox}/actions\""))
    );
    assert!(
        page.body
            .contains("<label for=\"target\">Déplacer vers</label>")
    );
    let m = format!("m{uid}");
    let r = c
        .post(
            &format!("/mail/{inbox}/actions"),
            &[
                ("csrf", &csrf),
                (&m, "on"),
                ("from", "read"),
                ("action", "flag"),
            ],
        )
        .await;
    assert_eq!(r.location(), format!("/mail/{inbox}/{uid}?ok=marked"));
    let page = c.get(r.location()).await;
    assert!(page.body.contains("value=\"unflag\"") && page.body.contains("role=\"status\""));
    let archive = folder_id(&e, &jeanne, "\\Archive").await;
    let r = c
        .post(
            &format!("/mail/{inbox}/actions"),
            &[
                ("csrf", &csrf),
                (&m, "on"),
                ("from", "read"),
                ("action", "move"),
                ("target", &archive.to_string()),
            ],
        )
        .await;
    assert_eq!(r.location(), format!("/mail/{inbox}?ok=moved"));
    let moved = folder(&e, &jeanne, "\\Archive").await;
    assert_eq!(moved.len(), 1);
    assert!(
        moved[0].0.contains(&"\\Flagged".to_string()),
        "flags kept by MOVE"
    );
}
