//! Conversations: the list shows one row per thread by default (its
//! newest message, the count, unread while any is), with a switch to the
//! plain list; the conversation page shows the thread's messages across
//! folders, Sent included; a conversation ticked on the list is acted on
//! whole.
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use common::client::*;
use common::*;

const JEANNE: &str = "jeanne.martin@ac-test.fr";
const PAUL: &str = "paul.durand@ac-test.fr";

const OTHER: &str = "From: Anne Petit <anne.petit@ac-test.fr>\r\n\
To: jeanne.martin@ac-test.fr\r\n\
Subject: Cantine de jeudi\r\n\
Date: Tue, 1 Dec 2026 11:00:00 +0100\r\n\
Message-ID: <other-1@ac-test.fr>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Le menu change jeudi.\r\n";

/// The rows of a list page (`<li class="message…">` blocks).
fn rows(html: &str) -> Vec<&str> {
    html.split("<li class=\"message")
        .skip(1)
        .map(|r| &r[..r.find("</li>").unwrap()])
        .collect()
}

#[tokio::test]
async fn conversations_are_listed_by_default_and_open_across_folders() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    let (inbox, first) = deliver(&e, &jeanne, PLAIN).await;
    let (_, second) = deliver(&e, &jeanne, FOLLOW_UP).await;
    deliver(&e, &jeanne, OTHER).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    // Jeanne answers from the webmail: the copy in Sent joins the thread.
    let form = c
        .get(&format!("/compose?mode=reply&mailbox={inbox}&uid={second}"))
        .await;
    let csrf = csrf_in(&form.body);
    let refs = form
        .body
        .split("name=\"references\" value=\"")
        .nth(1)
        .map(|r| {
            r[..r.find('"').unwrap()]
                .replace("&#60;", "<")
                .replace("&#62;", ">")
        })
        .unwrap_or_default();
    let irt = form
        .body
        .split("name=\"in_reply_to\" value=\"")
        .nth(1)
        .map(|r| {
            r[..r.find('"').unwrap()]
                .replace("&#60;", "<")
                .replace("&#62;", ">")
        })
        .unwrap_or_default();
    assert!(irt.contains("plain-2@ac-test.fr"), "{}", form.body);
    let r = c
        .post(
            "/compose",
            &[
                ("csrf", &csrf),
                ("to", PAUL),
                ("subject", "Re: Réunion du conseil pédagogique"),
                ("body", "Bien noté pour la salle 210."),
                ("in_reply_to", &irt),
                ("references", &refs),
                ("action", "send"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Default view: two conversations in INBOX, the thread counted 2.
    let list = c.get("/mail").await;
    assert_eq!(list.status, StatusCode::OK);
    let rs = rows(&list.body);
    assert_eq!(rs.len(), 2, "{}", list.body);
    let thread_row = rs
        .iter()
        .find(|r| r.contains("Réunion du conseil"))
        .unwrap();
    assert!(
        thread_row.contains("conversation de 2 messages"),
        "{thread_row}"
    );
    assert!(
        thread_row.contains(" unread"),
        "unread while any is: {thread_row}"
    );
    // The newest message of the thread stands for it.
    assert!(
        thread_row.contains("Correction : la salle 210"),
        "{thread_row}"
    );
    let href = thread_row
        .split("href=\"")
        .nth(1)
        .map(|h| h[..h.find('"').unwrap()].to_string())
        .unwrap();
    assert!(
        href.starts_with(&format!("/mail/{inbox}/thread/")),
        "{href}"
    );
    assert!(
        thread_row.contains("name=\"t"),
        "a conversation is ticked whole"
    );
    assert!(list.body.contains("Afficher les messages un par un"));

    // The plain list: three rows, each a message.
    let plain = c.get(&format!("/mail/{inbox}?view=list")).await;
    let prs = rows(&plain.body);
    assert_eq!(prs.len(), 3, "{}", plain.body);
    assert!(prs.iter().all(|r| r.contains("name=\"m")));
    assert!(plain.body.contains("Afficher par conversation"));
    // A sort by sender is a plain list too (conversations go by date).
    let by_from = c.get(&format!("/mail/{inbox}?sort=from")).await;
    assert_eq!(rows(&by_from.body).len(), 3);

    // The conversation: both received messages and the reply from Sent,
    // oldest first, each with its folder; opening marks them read.
    let page = c.get(&href).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body
            .contains("3 messages dans cette conversation, tous dossiers confondus."),
        "{}",
        page.body
    );
    let a = page.body.find("aura lieu jeudi à 17 h").unwrap();
    let b = page.body.find("Correction : la salle 210").unwrap();
    let s = page.body.find("Bien noté pour la salle 210.").unwrap();
    assert!(a < b && b < s, "oldest first");
    assert!(
        page.body[s - 2000.min(s)..s].contains("Envoyés"),
        "the reply's folder"
    );
    assert!(
        page.body
            .contains(&format!("href=\"/mail/{inbox}/{first}\""))
    );
    let after = c.get("/mail").await;
    let thread_row = rows(&after.body)
        .into_iter()
        .find(|r| r.contains("Réunion du conseil"))
        .unwrap()
        .to_string();
    assert!(!thread_row.contains(" unread"), "{thread_row}");
    // The reading page links to its conversation.
    let read = c.get(&format!("/mail/{inbox}/{first}")).await;
    assert!(
        read.body.contains("Voir la conversation (3 messages)"),
        "{}",
        read.body
    );
    assert!(read.body.contains(&format!("href=\"{href}\"")));

    // Someone else's thread, or thread 0, is not found.
    let thread: i64 = href.rsplit('/').next().unwrap().parse().unwrap();
    let anne = person(&e, "anne.petit@ac-test.fr", "Anne Petit", PASSWORD, false).await;
    let (anne_inbox, _) = deliver(&e, &anne, OTHER).await;
    let r = c.get(&format!("/mail/{inbox}/thread/0")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.get(&format!("/mail/{anne_inbox}/thread/{thread}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c
        .get(&format!("/mail/{inbox}/thread/{}", thread + 1000))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_ticked_conversation_is_moved_whole() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (inbox, _) = deliver(&e, &jeanne, PLAIN).await;
    deliver(&e, &jeanne, FOLLOW_UP).await;
    deliver(&e, &jeanne, OTHER).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let list = c.get("/mail").await;
    let csrf = csrf_in(&list.body);
    let row = rows(&list.body)
        .into_iter()
        .find(|r| r.contains("Réunion du conseil"))
        .unwrap();
    let name = row
        .split("name=\"")
        .nth(1)
        .map(|n| n[..n.find('"').unwrap()].to_string())
        .unwrap();
    assert!(name.starts_with('t'), "{name}");
    let r = c
        .post(
            &format!("/mail/{inbox}/actions"),
            &[("csrf", &csrf), (&name, "on"), ("action", "delete")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let left = folder(&e, &jeanne, "INBOX").await;
    assert_eq!(left.len(), 1, "both messages of the thread went");
    assert!(left[0].1.contains("Cantine de jeudi"));
    assert_eq!(folder(&e, &jeanne, "\\Trash").await.len(), 2);
}

#[tokio::test]
async fn conversations_are_paged_fifty_at_a_time() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    for i in 0..55 {
        let raw = format!(
            "From: Anne Petit <anne.petit@ac-test.fr>\r\nTo: {JEANNE}\r\n\
             Subject: Sujet distinct {i}\r\nMessage-ID: <page-{i}@ac-test.fr>\r\n\r\ntexte {i}\r\n"
        );
        deliver(&e, &jeanne, &raw).await;
    }
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let first = c.get("/mail").await;
    assert_eq!(rows(&first.body).len(), 50);
    let next = first
        .body
        .split("rel=\"next\"")
        .next()
        .and_then(|b| b.rsplit("href=\"").next())
        .map(|h| {
            h[..h.find('"').unwrap()]
                .replace("&#38;", "&")
                .replace("&amp;", "&")
        })
        .unwrap();
    assert!(
        next.contains("view=threads") && next.contains("after="),
        "{next}"
    );
    let second = c.get(&next).await;
    let rs = rows(&second.body);
    assert_eq!(rs.len(), 5, "{}", second.body);
    // Newest first: the five oldest are on the second page.
    assert!(
        rs.iter().any(|r| r.contains("Sujet distinct 0<")),
        "{}",
        second.body
    );
    assert!(!second.body.contains("rel=\"next\""));
}

/// The view switch is remembered for the person (a cookie of their own):
/// the inbox opens as they left it, another person on the same browser
/// keeps the default, and a page's own `view` does not change the choice.
#[tokio::test]
async fn the_view_chosen_is_remembered_per_person() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let paul = person(&e, PAUL, "Paul Durand", PASSWORD, false).await;
    for who in [&jeanne, &paul] {
        deliver(&e, who, PLAIN).await;
        deliver(&e, who, FOLLOW_UP).await;
    }
    let conversations = |html: &str| rows(html).len() == 1;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let home = c.get("/mail").await;
    assert!(conversations(&home.body), "{}", home.body);
    assert!(home.body.contains("?set_view=list\""), "{}", home.body);
    let inbox = c.get("/mail").await.body;
    let id = inbox
        .split("data-mailbox=\"")
        .nth(1)
        .map(|r| r[..r.find('"').unwrap()].to_string())
        .unwrap();
    let r = c.get(&format!("/mail/{id}?set_view=list")).await;
    assert_eq!(rows(&r.body).len(), 2, "{}", r.body);
    let cookie = format!("__Host-vesontio-view-{}=list", jeanne.id.0);
    let set = r.set_cookies();
    assert!(
        set.iter()
            .any(|c| c.starts_with(&cookie) && c.contains("HttpOnly") && c.contains("Secure")),
        "{set:?}"
    );
    // Remembered: the inbox opens as the plain list.
    let home = c.get("/mail").await;
    assert_eq!(rows(&home.body).len(), 2, "{}", home.body);
    assert!(home.body.contains("Afficher par conversation"));
    // A page link's `view` is that page's only.
    let once = c.get(&format!("/mail/{id}?view=threads")).await;
    assert!(conversations(&once.body));
    assert!(once.set_cookies().iter().all(|c| !c.contains("-view-")));
    assert_eq!(rows(&c.get("/mail").await.body).len(), 2);

    // Paul on the same browser: his own default, conversations.
    let csrf = csrf_in(&home.body);
    c.post("/logout", &[("csrf", &csrf)]).await;
    c.login(PAUL, PASSWORD).await;
    let his = c.get("/mail").await;
    assert!(conversations(&his.body), "{}", his.body);
    let csrf = csrf_in(&his.body);
    c.post("/logout", &[("csrf", &csrf)]).await;

    // Jeanne back: still the list; switching back is remembered too.
    c.login(JEANNE, PASSWORD).await;
    assert_eq!(rows(&c.get("/mail").await.body).len(), 2);
    c.get(&format!("/mail/{id}?set_view=threads")).await;
    assert!(conversations(&c.get("/mail").await.body));
}
