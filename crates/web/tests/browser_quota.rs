//! R16's quota gauge in a real browser: a mailbox filled to 93 % shows the
//! gauge in its warning state on every page and the settings' advice, at
//! 375 px too, with axe-core clean (`browser/quota.mjs`).
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use vesontio_store::AccountUpdate;
use vesontio_web::Clock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quota_gauge_warns_at_ninety_percent_in_chromium() {
    let Some(dir) = browser::scripts_dir("the_quota_gauge_warns_at_ninety_percent_in_chromium")
    else {
        return;
    };
    let e = env_with(Clock::System).await;
    let j = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    // A 100,000-byte message in a 107,500-byte quota: 93 %.
    let raw = format!(
        "From: Paul Durand <paul.durand@ac-test.fr>\r\nTo: jeanne.martin@ac-test.fr\r\n\
         Subject: Gros fichier\r\nMessage-ID: <big@ac-test.fr>\r\n\r\n{}",
        "x".repeat(99_000) + "\r\n"
    );
    let (mb, _) = deliver(&e, &j, &raw).await;
    let used = e
        .store
        .mailbox(vesontio_types::MailboxId(mb))
        .await
        .unwrap()
        .unwrap()
        .bytes;
    e.store
        .update_account(
            j.id,
            AccountUpdate {
                quota_bytes: Some(used * 100 / 93),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (listener, port) = browser::bind().await;
    let https = browser::Https::serve(e.web.clone(), listener, port);
    let (stdout, stderr) = browser::node(
        &dir,
        "quota.mjs",
        vec![
            https.url.clone(),
            "jeanne.martin@ac-test.fr".into(),
            PASSWORD.into(),
        ],
    )
    .await;
    https.stop().await;
    let results = browser::results(&stdout);
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!results.contains_key("error"), "{all}");
    for (k, v) in [
        ("list_gauge", "93"),
        ("list_warn", "warn"),
        ("axe_list", "clean"),
        ("settings_gauge", "93"),
        ("settings_warn", "warn"),
        ("axe_settings", "clean"),
        ("advice", "shown"),
        ("gauge_375", "visible"),
        ("axe_list_375", "clean"),
    ] {
        assert_eq!(results.get(k).copied(), Some(v), "{k}\n{all}");
    }
    assert!(
        results
            .get("list_text")
            .is_some_and(|t| t.contains("(93_%)")),
        "{all}"
    );
}
