//! The list page's enhancements in the HTML itself: its three modules
//! (served embedded, as JavaScript, no inline script), the state live
//! updates start from, the rows' data for the shortcuts and drag and drop,
//! the folder tree's ids, the quick search, and the shortcuts' help
//! screen in French and in English (closed until asked for).
#![allow(clippy::unwrap_used)]

mod common;

use axum::http::{StatusCode, header};
use common::client::*;
use common::*;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

fn script_srcs(html: &str) -> Vec<String> {
    html.match_indices("<script type=\"module\" src=\"")
        .map(|(i, p)| {
            let rest = &html[i + p.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[tokio::test]
async fn the_list_carries_its_modules_state_and_help_screen() {
    let e = env().await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (inbox, uid) = deliver(&e, &jeanne, PLAIN).await;
    let mut c = Client::new(&e);
    c.login(JEANNE, PASSWORD).await;
    let page = c.get("/mail").await;
    let html = &page.body;
    // No inline script: every <script> has a src (CSP script-src 'self').
    assert_eq!(html.matches("<script").count(), 3, "{html}");
    let srcs = script_srcs(html);
    assert_eq!(srcs.len(), 3);
    for (src, name) in srcs.iter().zip(["live.", "keys.", "drag."]) {
        assert!(src.starts_with(&format!("/assets/{name}")), "{src}");
        let js = c.get(src).await;
        assert_eq!(js.status, StatusCode::OK);
        assert_eq!(
            js.header(header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert!(js.body.contains("main[data-state]"), "{src}");
    }
    let state = e
        .store
        .account_changes(jeanne.id, i64::MAX, 1)
        .await
        .unwrap()
        .1;
    assert!(
        html.contains(&format!(
            "data-mailbox=\"{inbox}\" data-state=\"{state}\" data-live-rows"
        )),
        "{html}"
    );
    // The row says which message reply, reply all and forward start from.
    assert!(
        html.contains(&format!(
            "data-select=\"m{uid}\" data-mailbox=\"{inbox}\" data-uid=\"{uid}\""
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<a href=\"/mail/{inbox}\" data-mailbox=\"{inbox}\" aria-current=\"page\">"
    )));
    assert!(html.contains("<span class=\"count\" aria-hidden=\"true\">1</span><span class=\"visually-hidden unseen-label\">, 1 non lus</span>"), "{html}");
    // A folder without unread mail has its count hidden, ready for updates.
    assert!(html.contains("<span class=\"count\" aria-hidden=\"true\" hidden>0</span>"));
    assert!(html.contains("<input type=\"search\" id=\"quick-search\" name=\"q\">"));
    // The help screen: a dialog, not open, named by its heading.
    assert!(html.contains(
        "<dialog id=\"shortcuts\" class=\"shortcuts\" aria-labelledby=\"shortcuts-title\">"
    ));
    assert!(!html.contains(
        "<dialog id=\"shortcuts\" class=\"shortcuts\" aria-labelledby=\"shortcuts-title\" open"
    ));
    assert!(html.contains("Raccourcis clavier"));
    assert!(html.contains("<td>Répondre à tous</td>"));
    assert!(html.contains("Désactiver les raccourcis à une touche"));
    // Its button is hidden until the module shows it (nothing to open
    // without JavaScript).
    assert!(html.contains("<button type=\"button\" id=\"shortcuts-open\" hidden>"));

    c.jar.insert("lang".into(), "en".into());
    let en = c.get("/mail").await.body;
    assert!(en.contains("Keyboard shortcuts"), "{en}");
    assert!(en.contains("<td>Reply all</td>"));
    assert!(en.contains("Turn off single-key shortcuts"));
    assert!(en.contains("New mail in this folder."));
}
