//! Folder management: create, rename, move, delete the person's own folders;
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

/// The options of the "move into" list of folder `id`: (value, label,
/// selected).
fn move_options(html: &str, id: i64) -> Vec<(String, String, bool)> {
    let i = html
        .find(&format!("<select id=\"move-{id}\""))
        .unwrap_or_else(|| panic!("a move list for {id}: {html}"));
    let r = &html[i..];
    r[..r.find("</select>").unwrap()]
        .split("<option value=\"")
        .skip(1)
        .map(|o| {
            let v = &o[..o.find('"').unwrap()];
            let l = &o[o.find('>').unwrap() + 1..o.find("</option>").unwrap()];
            (
                v.to_string(),
                l.to_string(),
                o[..o.find('>').unwrap()].contains("selected"),
            )
        })
        .collect()
}

/// A folder moves into another or to the top level with its subfolders
/// (a rename under its new parent); never into itself or one of its
/// subfolders, never INBOX or a special-use folder, each refusal said.
#[tokio::test]
async fn folders_move_into_another_or_to_the_top_level() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let id = |name: &'static str| {
        let e = &e;
        let jeanne = &jeanne;
        async move {
            e.store
                .mailbox_by_name(jeanne.id, name)
                .await
                .unwrap()
                .map(|m| m.id.0)
        }
    };
    for n in ["Classes", "Classes/6e B", "Projets"] {
        e.store.create_mailbox(jeanne.id, n, None).await.unwrap();
    }
    let (classes, sixth, projets) = (
        id("Classes").await.unwrap(),
        id("Classes/6e B").await.unwrap(),
        id("Projets").await.unwrap(),
    );
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get("/folders").await;
    let csrf = csrf_in(&page.body);
    assert!(
        unescape(&page.body).contains("<label for=\"move-"),
        "{}",
        page.body
    );
    // Classes' list offers the top level (current) and the others, never
    // itself or its subfolder.
    let opts = move_options(&page.body, classes);
    assert_eq!(
        opts[0],
        (
            String::new(),
            "Le premier niveau (aucun dossier parent)".into(),
            true
        )
    );
    let values: Vec<&str> = opts.iter().map(|o| o.0.as_str()).collect();
    assert!(values.contains(&projets.to_string().as_str()), "{opts:?}");
    assert!(!values.contains(&classes.to_string().as_str()));
    assert!(!values.contains(&sixth.to_string().as_str()));
    assert!(opts.iter().any(|o| o.1 == "Boîte de réception"), "{opts:?}");
    // 6e B's current parent is Classes.
    let opts = move_options(&page.body, sixth);
    assert!(
        opts.iter().any(|o| o.0 == classes.to_string() && o.2),
        "{opts:?}"
    );

    // Classes into Projets: its subfolder follows.
    let r = c
        .post(
            &format!("/folders/{classes}/move"),
            &[("csrf", &csrf), ("parent", &projets.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/folders?ok=moved");
    assert!(
        c.get(r.location())
            .await
            .body
            .contains("Le dossier a été déplacé.")
    );
    assert_eq!(id("Projets/Classes").await, Some(classes));
    assert_eq!(id("Projets/Classes/6e B").await, Some(sixth));
    assert_eq!(id("Classes").await, None);

    // Into itself, or into its own subfolder: refused, nothing moved.
    for into in [classes, sixth] {
        let r = c
            .post(
                &format!("/folders/{classes}/move"),
                &[("csrf", &csrf), ("parent", &into.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            unescape(&r.body).contains(
                "ne peut pas être déplacé dans lui-même ni dans l'un de ses sous-dossiers"
            ),
            "{}",
            r.body
        );
    }
    assert_eq!(id("Projets/Classes").await, Some(classes));

    // 6e B to the top level.
    let r = c
        .post(
            &format!("/folders/{sixth}/move"),
            &[("csrf", &csrf), ("parent", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(id("6e B").await, Some(sixth));
    // A name taken where it goes: said so.
    e.store
        .create_mailbox(jeanne.id, "Projets/6e B", None)
        .await
        .unwrap();
    let r = c
        .post(
            &format!("/folders/{sixth}/move"),
            &[("csrf", &csrf), ("parent", &projets.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Un dossier porte déjà ce nom."),
        "{}",
        r.body
    );

    // INBOX and a special-use folder stay, with the reason.
    let inbox = id("INBOX").await.unwrap();
    let trash = folder_id(&e, &jeanne, "\\Trash").await;
    for special in [inbox, trash] {
        let r = c
            .post(
                &format!("/folders/{special}/move"),
                &[("csrf", &csrf), ("parent", &projets.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("restent à leur place"), "{}", r.body);
    }
    assert_eq!(id("INBOX").await, Some(inbox));
    // Without the token, or into someone else's folder: nothing.
    let r = c
        .post(
            &format!("/folders/{projets}/move"),
            &[("csrf", "x"), ("parent", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let anne = person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    let hers = e
        .store
        .create_mailbox(anne.id, "Privé", None)
        .await
        .unwrap();
    let r = c
        .post(
            &format!("/folders/{projets}/move"),
            &[("csrf", &csrf), ("parent", &hers.id.0.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(id("Projets").await, Some(projets));
}
