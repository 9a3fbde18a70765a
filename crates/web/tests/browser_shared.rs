//! Functional mailboxes (R2) in chromium (`browser/shared.mjs`): the
//! tree's heading naming its list, the member's own unread count, the
//! list as conversations without the actions `lrs` does not allow, mail
//! arriving in the functional mailbox shown live in it (R2: its own
//! change log), one
//! message read from the list of messages one by one (the
//! count drops for this member only), the 403 page of a mailbox seen with
//! `l` alone; axe-core on each screen. Skipped without the tools, as
//! `browser.rs` is (a failure under CI).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use vesontio_web::Clock;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

/// Delivered to the functional mailbox while its list is open.
const LIVE: &str = "From: Paul Durand <paul.durand@ac-test.fr>\r\nTo: examens@ac-test.fr\r\n\
Subject: Convocation au jury\r\nMessage-ID: <live-jury@ac-test.fr>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nLe jury se réunit lundi.\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_mailboxes_in_chromium() {
    let Some(dir) = browser::scripts_dir("shared_mailboxes_in_chromium") else {
        return;
    };
    let e = env_with(Clock::System).await;
    let jeanne = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let marc = person(&e, "marc.leroy@ac-test.fr", "Marc Leroy", PASSWORD, false).await;
    let fx = functional(
        &e,
        "examens@ac-test.fr",
        "Secrétariat des examens",
        &jeanne,
        "lrs",
    )
    .await;
    e.store.set_member(fx.id, marc.id, "lrs").await.unwrap();
    let (inbox, _) = deliver(&e, &fx, PLAIN).await;
    deliver(&e, &fx, FOLLOW_UP).await;
    let hidden = functional(&e, "jury@ac-test.fr", "Jury", &jeanne, "l").await;
    let (forbidden, _) = deliver(&e, &hidden, PLAIN).await;

    let (listener, port) = browser::bind().await;
    let https = browser::Https::serve(e.web.clone(), listener, port);
    let tmp = tempfile::tempdir().unwrap();
    let paths_file = tmp.path().join("paths.json");
    let paths = serde_json::json!({
        "inbox": inbox,
        "forbidden": format!("/mail/{forbidden}"),
    });
    std::fs::write(&paths_file, paths.to_string()).unwrap();
    let fx_ref = &fx;
    let e_ref = &e;
    let (stdout, stderr) = browser::node_waiting(
        &dir,
        "shared.mjs",
        vec![
            https.url.clone(),
            JEANNE.into(),
            PASSWORD.into(),
            paths_file.to_str().unwrap().to_string(),
        ],
        std::time::Duration::from_secs(120),
        |what| async move {
            assert_eq!(what, "deliver");
            deliver(e_ref, fx_ref, LIVE).await;
        },
    )
    .await;
    https.stop().await;
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    let results = browser::results(&stdout);
    assert!(!results.contains_key("error"), "{all}");
    for (k, v) in [
        ("headings", "2"),
        ("heading", "Secrétariat des examens examens@ac-test.fr"),
        ("shared_unread", "2"),
        ("list_rows", "1"),
        ("list_conversation", "1"),
        ("live_row", "shown"),
        ("live_no_reload", "same_page"),
        ("live_count", "3"),
        ("messages_rows", "3"),
        ("list_delete", "0"),
        ("after_read", "2"),
        (
            "search_label",
            "Secrétariat_des_examens_(examens@ac-test.fr)_/_Boîte_de_réception",
        ),
        ("forbidden_status", "403"),
        ("forbidden_text", "said"),
        ("page_errors", "none"),
    ] {
        assert_eq!(results.get(k).copied(), Some(v), "{k}\n{all}");
    }
    for screen in [
        "tree",
        "shared-list",
        "shared-read",
        "shared-search",
        "forbidden",
    ] {
        assert_eq!(
            results.get(format!("axe_{screen}").as_str()).copied(),
            Some("clean"),
            "axe violations on {screen}\n{all}"
        );
    }
    // Marc, the other reader, still has all three unread: the browser's
    // read was Jeanne's own.
    let mb = e
        .store
        .mailbox(vesontio_types::MailboxId(inbox))
        .await
        .unwrap()
        .unwrap();
    let t = vesontio_access::Target {
        name: mb.name.clone(),
        mailbox: mb,
        rights: "lrs".into(),
        shared: true,
    };
    assert_eq!(
        vesontio_access::seen::unseen(&e.store, &t, marc.id)
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        vesontio_access::seen::unseen(&e.store, &t, jeanne.id)
            .await
            .unwrap(),
        2
    );
}
