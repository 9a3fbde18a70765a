//! Emptying Trash and Junk: the list's button, the confirmation page (a
//! plain form with the CSRF token), the deletion for good through the
//! access layer (R17: held deliveries retried at once), other folders
//! and other accounts untouched, and mail that arrived after the page
//! was shown kept.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;
use vesontio_store::{NewMessage, NewQueueEntry, NewQueueRcpt, QueueKind};

const JEANNE: &str = "jeanne.martin@ac-test.fr";

fn msg(n: u32) -> String {
    format!(
        "From: paul.durand@ac-test.fr\r\nTo: {JEANNE}\r\nSubject: Message {n}\r\nMessage-ID: <e{n}@ac-test.fr>\r\n\r\nTexte {n}\r\n"
    )
}

/// Appends `raw` to the account's folder `id`.
async fn put(e: &Env, id: i64, raw: &str) -> u32 {
    let (blob, data) = e.store.put_blob(raw.as_bytes().to_vec()).await.unwrap();
    e.store
        .append(
            vesontio_types::MailboxId(id),
            NewMessage {
                blob,
                data: Some(data),
                internal_date: NOW - 60,
                flags: vec![],
                private: false,
                parsed: None,
            },
        )
        .await
        .unwrap()
        .uid
}

fn value_of<'a>(html: &'a str, name: &str) -> &'a str {
    let pat = format!("name=\"{name}\" value=\"");
    let i = html.find(&pat).expect(name) + pat.len();
    &html[i..i + html[i..].find('"').unwrap()]
}

#[tokio::test]
async fn trash_and_junk_are_emptied_for_good_after_a_confirmation() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, "paul.durand@ac-test.fr", "Paul Durand", PASSWORD, false).await;
    let trash = folder_id(&e, &jeanne, "\\Trash").await;
    let junk = folder_id(&e, &jeanne, "\\Junk").await;
    let archive = folder_id(&e, &jeanne, "\\Archive").await;
    for n in 1..=3 {
        put(&e, trash, &msg(n)).await;
    }
    put(&e, junk, &msg(10)).await;
    put(&e, archive, &msg(20)).await;
    deliver(&e, &jeanne, &msg(30)).await;
    let paul_trash = folder_id(&e, &paul, "\\Trash").await;
    put(&e, paul_trash, &msg(40)).await;
    // R17: a delivery held because a mailbox was full, due in an hour.
    let (blob, _) = e.store.put_blob(msg(50).into_bytes()).await.unwrap();
    let held = e
        .store
        .enqueue(NewQueueEntry {
            kind: QueueKind::HeldLocal,
            blob,
            sender: "paul.durand@ac-test.fr".into(),
            envid: None,
            ret: None,
            recipients: vec![NewQueueRcpt {
                address: JEANNE.into(),
                orcpt: None,
                notify: None,
            }],
            created_at: NOW,
            next_attempt_at: NOW + 3600,
        })
        .await
        .unwrap();

    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    // The button is on Trash's list, not on the inbox's or Archive's.
    let list = c.get(&format!("/mail/{trash}")).await;
    assert!(
        list.body.contains(&format!(
            "<a class=\"button\" href=\"/mail/{trash}/empty\">Vider la corbeille</a>"
        )),
        "{}",
        list.body
    );
    let inbox_page = c.get("/mail").await;
    assert!(!inbox_page.body.contains("/empty\""));
    assert!(
        !c.get(&format!("/mail/{archive}"))
            .await
            .body
            .contains("/empty\"")
    );
    let junk_page = c.get(&format!("/mail/{junk}")).await;
    assert!(junk_page.body.contains("Vider les indésirables"));

    // The confirmation page: a form with the token and the count.
    let page = c.get(&format!("/mail/{trash}/empty")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Vider la corbeille ?"), "{}", page.body);
    assert!(
        page.body
            .contains("Messages dans ce dossier : 3. Ils seront supprimés définitivement")
    );
    assert!(
        page.body
            .contains(&format!("action=\"/mail/{trash}/empty\""))
    );
    let csrf = csrf_in(&page.body);
    let below = value_of(&page.body, "below").to_string();
    // Mail arriving after the page was shown is not thrown away unseen.
    put(&e, trash, &msg(4)).await;

    // Without what the page showed: a bad request, nothing deleted.
    let r = c
        .post(&format!("/mail/{trash}/empty"), &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("pas pu être comprise"));
    assert_eq!(folder(&e, &jeanne, "\\Trash").await.len(), 4);
    // Without the token: refused, nothing deleted.
    let r = c
        .post(
            &format!("/mail/{trash}/empty"),
            &[("csrf", "0"), ("below", &below)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(folder(&e, &jeanne, "\\Trash").await.len(), 4);

    let r = c
        .post(
            &format!("/mail/{trash}/empty"),
            &[("csrf", &csrf), ("below", &below)],
        )
        .await;
    assert_eq!(r.location(), format!("/mail/{trash}?ok=emptied"));
    let left = folder(&e, &jeanne, "\\Trash").await;
    assert_eq!(left.len(), 1, "only the late message stays");
    assert!(left[0].1.contains("Subject: Message 4"));
    let shown = c.get(r.location()).await;
    assert!(
        shown.body.contains("Le dossier a été vidé"),
        "{}",
        shown.body
    );
    assert!(!shown.body.contains("Message 1<"));
    assert!(shown.body.contains("Message 4"));
    // The mailbox's counts follow (what the folder tree shows).
    let m = e
        .store
        .mailbox(vesontio_types::MailboxId(trash))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m.total, 1);
    // R17: the held delivery is due now, not in an hour.
    let entry = e
        .store
        .queue_entries()
        .await
        .unwrap()
        .into_iter()
        .find(|q| q.id == held)
        .unwrap();
    assert!(
        entry.next_attempt_at <= NOW + 60,
        "{}",
        entry.next_attempt_at
    );

    // Junk emptied whole; the other folders untouched.
    let page = c.get(&format!("/mail/{junk}/empty")).await;
    assert!(page.body.contains("Vider le dossier Indésirables ?"));
    let below = value_of(&page.body, "below").to_string();
    c.post(
        &format!("/mail/{junk}/empty"),
        &[("csrf", &csrf), ("below", &below)],
    )
    .await;
    assert!(folder(&e, &jeanne, "\\Junk").await.is_empty());
    assert_eq!(folder(&e, &jeanne, "\\Archive").await.len(), 1);
    assert_eq!(folder(&e, &jeanne, "INBOX").await.len(), 1);

    // Neither another account's Trash nor a folder other than Trash or
    // Junk can be emptied: 404, nothing deleted.
    for id in [paul_trash, archive] {
        assert_eq!(
            c.get(&format!("/mail/{id}/empty")).await.status,
            StatusCode::NOT_FOUND
        );
        let r = c
            .post(
                &format!("/mail/{id}/empty"),
                &[("csrf", &csrf), ("below", "999999")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(folder(&e, &paul, "\\Trash").await.len(), 1);
    assert_eq!(folder(&e, &jeanne, "\\Archive").await.len(), 1);
}

#[tokio::test]
async fn the_confirmation_is_in_english_too() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let trash = folder_id(&e, &jeanne, "\\Trash").await;
    put(&e, trash, &msg(1)).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    c.jar.insert("lang".into(), "en".into());
    let page = c.get(&format!("/mail/{trash}/empty")).await;
    assert!(page.body.contains("Empty the Trash?"), "{}", page.body);
    assert!(
        page.body
            .contains("Messages in this folder: 1. They will be deleted for good")
    );
}
