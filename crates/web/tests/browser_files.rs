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

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::*;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_web::Clock;

fn tools_present(dir: &Path) -> Result<(), String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Err(format!("{chromium} missing (apt-get install chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return Err("node missing".into());
    }
    if !dir.join("node_modules/playwright-core").exists() {
        return Err(format!("run npm ci in {}", dir.display()));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r21_large_files_in_chromium() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    if let Err(why) = tools_present(&dir) {
        if std::env::var_os("CI").is_some() {
            panic!("browser test cannot run under CI: {why}");
        }
        eprintln!("SKIPPED r21_large_files_in_chromium: {why}");
        return;
    }
    vesontio_tls::install_default_provider();
    let e = env_with(Clock::System).await;
    let jeanne = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;

    let (cert, key) = vesontio_tls::self_signed(&["localhost".into()]).unwrap();
    let tls = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, tracker) = (CancellationToken::new(), TaskTracker::new());
    // The links name the host and port the browser reaches.
    let mut config = config();
    config.hostname = "localhost".into();
    config.https_port = port;
    let web = vesontio_web::Web::new(
        config,
        vesontio_directory::Directory::new(
            e.store.clone(),
            vesontio_directory::AuthLimits {
                max_failures: 10,
                base_delay_secs: 1,
                max_delay_secs: 900,
                account_max_delay_secs: 60,
                max_accounts_per_address: 100,
                cache_ttl_secs: 0,
            },
        ),
        e.delivery.clone(),
        e.clock.clone(),
    );
    let server = tokio::spawn(vesontio_web::serve_https(
        web,
        listener,
        tls,
        stop.clone(),
        tracker.clone(),
    ));

    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let url = format!("https://localhost:{port}");
    let (d, s) = (dir.clone(), shots.clone());
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(d.join("files.mjs"))
            .args([
                url.as_str(),
                s.to_str().unwrap(),
                "jeanne.martin@ac-test.fr",
                PASSWORD,
            ])
            .current_dir(&d)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    stop.cancel();
    let _ = server.await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let results: HashMap<&str, &str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .filter_map(|l| l.split_once(' '))
        .collect();
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
        .blobs()
        .path(video.blob_id.as_deref().unwrap())
        .unwrap();
    assert_eq!(std::fs::metadata(blob).unwrap().len(), 20 << 20);
}
