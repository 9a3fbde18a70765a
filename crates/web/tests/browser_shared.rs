//! Functional mailboxes (R2) in chromium (`browser/shared.mjs`): the
//! tree's heading naming its list, the member's own unread count, the
//! list without the actions `lrs` does not allow, a message read (the
//! count drops for this member only), the 403 page of a mailbox seen with
//! `l` alone; axe-core on each screen. Skipped without the tools, as
//! `browser.rs` is (a failure under CI).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use common::*;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_web::Clock;

const JEANNE: &str = "jeanne.martin@ac-test.fr";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_mailboxes_in_chromium() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    let missing = ["node_modules/playwright-core", "node_modules/@axe-core"]
        .iter()
        .any(|p| !dir.join(p).exists())
        || !Path::new("/usr/bin/chromium").exists();
    if missing {
        if std::env::var_os("CI").is_some() {
            panic!("browser test cannot run under CI: chromium or node_modules missing");
        }
        eprintln!("SKIPPED shared_mailboxes_in_chromium: chromium or node_modules missing");
        return;
    }
    vesontio_tls::install_default_provider();
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

    let (cert, key) = vesontio_tls::self_signed(&["localhost".into()]).unwrap();
    let tls = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, tracker) = (CancellationToken::new(), TaskTracker::new());
    let server = tokio::spawn(vesontio_web::serve_https(
        e.web.clone(),
        listener,
        tls,
        stop.clone(),
        tracker.clone(),
    ));
    let tmp = tempfile::tempdir().unwrap();
    let paths_file = tmp.path().join("paths.json");
    let paths = serde_json::json!({
        "inbox": inbox,
        "forbidden": format!("/mail/{forbidden}"),
    });
    std::fs::write(&paths_file, paths.to_string()).unwrap();
    let url = format!("https://localhost:{port}");
    let d = dir.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(d.join("shared.mjs"))
            .args([url.as_str(), JEANNE, PASSWORD, paths_file.to_str().unwrap()])
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
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    let results: HashMap<&str, &str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("RESULT "))
        .filter_map(|l| l.split_once(' '))
        .collect();
    assert!(!results.contains_key("error"), "{all}");
    for (k, v) in [
        ("headings", "2"),
        ("heading", "Secrétariat des examens examens@ac-test.fr"),
        ("shared_unread", "2"),
        ("list_rows", "2"),
        ("list_delete", "0"),
        ("after_read", "1"),
        ("forbidden_status", "403"),
        ("forbidden_text", "said"),
        ("page_errors", "none"),
    ] {
        assert_eq!(results.get(k).copied(), Some(v), "{k}\n{all}");
    }
    for screen in ["tree", "shared-list", "shared-read", "forbidden"] {
        assert_eq!(
            results.get(format!("axe_{screen}").as_str()).copied(),
            Some("clean"),
            "axe violations on {screen}\n{all}"
        );
    }
    // Marc, the other reader, still has both unread: the browser's read
    // was Jeanne's own.
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
        2
    );
    assert_eq!(
        vesontio_access::seen::unseen(&e.store, &t, jeanne.id)
            .await
            .unwrap(),
        1
    );
}
