//! Folder management: create, rename, delete the person's own folders;
//! INBOX and the special-use folders stay; refusals said in the page;
//! a deleted folder's messages end in Trash.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;
use vesontio_types::MailboxId;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

fn unescape(s: &str) -> String {
    s.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
}

#[tokio::test]
async fn folders_are_created_renamed_and_deleted_into_trash() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (inbox, uid) = deliver(&e, &jeanne, PLAIN).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let list = c.get("/mail").await;
    assert!(
        list.body.contains("href=\"/folders\""),
        "the tree links to it"
    );
    let page = c.get("/folders").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("<label for=\"new-folder\">Nom du dossier</label>")
    );
    assert!(unescape(&page.body).contains("Vous n'avez pas encore de dossier à vous."));
    let csrf = csrf_in(&page.body);

    // Without the token: nothing.
    let r = c
        .post("/folders", &[("csrf", "x"), ("name", "Projets")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let r = c
        .post("/folders", &[("csrf", &csrf), ("name", "  Projets ")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/folders?ok=created");
    let page = c.get(r.location()).await;
    assert!(page.body.contains("Le dossier a été créé."));
    assert!(page.body.contains("role=\"status\""));
    let projets = e
        .store
        .mailbox_by_name(jeanne.id, "Projets")
        .await
        .unwrap()
        .unwrap();
    assert!(
        page.body
            .contains(&format!("href=\"/mail/{}\"", projets.id.0))
    );
    assert!(
        e.store
            .subscriptions(jeanne.id)
            .await
            .unwrap()
            .contains(&"Projets".to_string())
    );

    // Refusals in the page, with what was typed kept.
    let r = c
        .post("/folders", &[("csrf", &csrf), ("name", "projets 50%")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unescape(&r.body).contains("Ce nom n'est pas possible"),
        "{}",
        r.body
    );
    assert!(r.body.contains("role=\"alert\""));
    assert!(r.body.contains("value=\"projets 50%\""), "{}", r.body);
    let r = c
        .post("/folders", &[("csrf", &csrf), ("name", "Projets")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Un dossier porte déjà ce nom."));
    let r = c
        .post("/folders", &[("csrf", &csrf), ("name", "INBOX")])
        .await;
    assert!(r.body.contains("Un dossier porte déjà ce nom."));

    // Rename, and a rename onto a taken name refused.
    let r = c
        .post(
            &format!("/folders/{}/rename", projets.id.0),
            &[("csrf", &csrf), ("name", "Projets 2027")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/folders?ok=renamed");
    assert_eq!(
        e.store.mailbox(projets.id).await.unwrap().unwrap().name,
        "Projets 2027"
    );
    let r = c
        .post("/folders", &[("csrf", &csrf), ("name", "Classes/6e B")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = c
        .post(
            &format!("/folders/{}/rename", projets.id.0),
            &[("csrf", &csrf), ("name", "Classes/6e B")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // INBOX and special folders are not managed here.
    let sent = folder_id(&e, &jeanne, "\\Sent").await;
    for id in [inbox, sent] {
        let r = c
            .post(
                &format!("/folders/{id}/rename"),
                &[("csrf", &csrf), ("name", "Autre")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = c.get(&format!("/folders/{id}/delete")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }

    // Delete: a confirmation first, then the messages go to Trash.
    e.store
        .move_messages(MailboxId(inbox), &[uid], projets.id)
        .await
        .unwrap();
    let confirm = c.get(&format!("/folders/{}/delete", projets.id.0)).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm
            .body
            .contains("Supprimer le dossier « Projets 2027 » ?"),
        "{}",
        confirm.body
    );
    assert!(
        confirm
            .body
            .contains("Ses 1 messages seront mis dans la corbeille")
    );
    assert!(e.store.mailbox(projets.id).await.unwrap().is_some());
    let r = c
        .post(
            &format!("/folders/{}/delete", projets.id.0),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(e.store.mailbox(projets.id).await.unwrap().is_none());
    let trash = folder(&e, &jeanne, "\\Trash").await;
    assert_eq!(trash.len(), 1);
    assert!(trash[0].1.contains("Message-ID: <plain-1@ac-test.fr>"));
    let page = c.get(r.location()).await;
    assert!(page.body.contains("ses messages sont dans la corbeille"));

    // A folder with subfolders is not deleted.
    let classes = e.store.mailbox_by_name(jeanne.id, "Classes").await.unwrap();
    let classes = match classes {
        Some(m) => m,
        None => e
            .store
            .create_mailbox(jeanne.id, "Classes", None)
            .await
            .unwrap(),
    };
    let r = c
        .post(
            &format!("/folders/{}/delete", classes.id.0),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Ce dossier contient des sous-dossiers"));
    assert!(e.store.mailbox(classes.id).await.unwrap().is_some());

    // Someone else's folder is not found.
    let anne = person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    let hers = e
        .store
        .create_mailbox(anne.id, "Privé", None)
        .await
        .unwrap();
    let r = c
        .post(
            &format!("/folders/{}/delete", hers.id.0),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(e.store.mailbox(hers.id).await.unwrap().is_some());
}
