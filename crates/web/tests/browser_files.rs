//! The large-file service (R21) in a real browser: the server runs
//! in-process over HTTPS on 127.0.0.1:0 with a temporary store;
//! `browser/files.mjs` drives Debian's chromium with playwright-core:
//! a resumable upload of 20 MB with its progress bar, through a connection
//! cut on purpose, a file with a password, both links downloaded by an
//! anonymous browser context (no session cookie) and checked byte for
//! byte, axe-core on the files page and the public pages.
//!
//! Needs `node`, `/usr/bin/chromium` and `browser/node_modules` (scripts/test
//! installs them). Without them the test says so and passes, except under
//! CI (`CI` set), where a missing tool is a failure.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use vesontio_web::Clock;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r21_large_files_in_chromium() {
    let Some(dir) = browser::scripts_dir("r21_large_files_in_chromium") else {
        return;
    };
    // The links name the host and port the browser reaches.
    let (listener, port) = browser::bind().await;
    let e = env_full(
        Clock::System,
        |_| {},
        |wc| {
            wc.hostname = "localhost".into();
            wc.https_port = port;
        },
    )
    .await;
    let jeanne = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;

    let https = browser::Https::serve(e.web.clone(), listener, port);
    let shots = browser::shots_dir();
    let (stdout, stderr) = browser::node(
        &dir,
        "files.mjs",
        vec![
            https.url.clone(),
            shots.to_str().unwrap().to_string(),
            "jeanne.martin@ac-test.fr".into(),
            PASSWORD.into(),
        ],
    )
    .await;
    https.stop().await;
    let results = browser::results(&stdout);
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(!results.contains_key("error"), "{all}");
    let expect = [
        ("files_page", "/files"),
        ("resuming_shown", "yes"),
        // 8 MB of 20 MB were sent when the second piece was cut.
        ("progress_at_cut", "40"),
        ("progress_visible", "yes"),
        ("asked_offset", "yes"),
        // Three pieces and the one cut.
        ("puts", "4"),
        ("uploaded_notice", "shown"),
        ("links", "2"),
        ("anon_cookies", "0"),
        ("public_name", "shown"),
        ("anon_download", "same"),
        ("wrong_password", "refused"),
        ("password_download", "same"),
        ("counts_listed", "yes"),
        ("fits_375", "yes"),
    ];
    for (k, v) in expect {
        assert_eq!(results.get(k).copied(), Some(v), "{k}\n{all}");
    }
    for screen in [
        "files",
        "files-list",
        "public",
        "public-password",
        "public-password-wrong",
    ] {
        assert_eq!(
            results.get(format!("axe_{screen}").as_str()).copied(),
            Some("clean"),
            "axe violations on {screen}\n{all}"
        );
    }
    // What the store holds agrees: two files, one download each, the
    // video whole in the blob store.
    let files = e.store.shared_files(jeanne.id).await.unwrap();
    assert_eq!(files.len(), 2, "{all}");
    assert!(
        files.iter().all(|f| f.complete() && f.downloads == 1),
        "{files:?}"
    );
    let video = files
        .iter()
        .find(|f| f.name == "conseil de classe.mp4")
        .unwrap();
    assert_eq!(video.size, 20 << 20);
    let blob = e
        .store
        .read_blob(video.blob_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(blob.len(), 20 << 20);
}
