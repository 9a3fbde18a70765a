//! The reading page's extras in chromium (`browser/reading.mjs`): inline
//! `cid:` images rendered at their size, "always show images for this
//! sender" (blocked, set, applied to the sender's next message, listed in
//! the settings, undone),
//! view source as raw text, the print view without chrome, attachment
//! previews (thumbnail, image, text, and a real PDF in its frame: the
//! type, policy and bytes chromium gets, its viewer, a screenshot),
//! axe-core on each new screen. Skipped without the tools, as `browser.rs` is (a failure under
//! CI).
#![allow(clippy::unwrap_used)]

mod common;
#[path = "xss/mails.rs"]
mod reading;

use common::*;
use vesontio_web::Clock;

use reading::JEANNE;

fn news(from: &str, id: &str) -> String {
    format!(
        "From: Musée <{from}>\r\nTo: {JEANNE}\r\nSubject: Lettre du musée {id}\r\n\
Message-ID: <{id}@musee.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<p>Nouvelle exposition.</p><img src=\"https://musee.example/affiche-{id}.png\" alt=\"affiche\">\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_extras_in_chromium() {
    let Some(dir) = browser::scripts_dir("reading_extras_in_chromium") else {
        return;
    };
    let e = env_with(Clock::System).await;
    let j = person(&e, JEANNE, "Jeanne Martin", PASSWORD, false).await;
    let (mb, cid) = deliver(&e, &j, &reading::related()).await;
    let (_, n1) = deliver(&e, &j, &news("info@musee.example", "n1")).await;
    let (_, n2) = deliver(&e, &j, &news("info@musee.example", "n2")).await;
    let (_, hostile) = deliver(&e, &j, HOSTILE).await;
    let (_, files) = deliver(&e, &j, &reading::attachments()).await;

    let (listener, port) = browser::bind().await;
    let https = browser::Https::serve(e.web.clone(), listener, port);
    let shots = browser::shots_dir();
    let tmp = tempfile::tempdir().unwrap();
    let paths_file = tmp.path().join("paths.json");
    let at = |uid: u32| format!("/mail/{mb}/{uid}");
    let paths = serde_json::json!({
        "cid": at(cid), "news1": at(n1), "news2": at(n2),
        "hostile": at(hostile), "files": at(files),
        "shots": shots.to_str().unwrap(),
    });
    std::fs::write(&paths_file, paths.to_string()).unwrap();
    let (stdout, stderr) = browser::node(
        &dir,
        "reading.mjs",
        vec![
            https.url.clone(),
            JEANNE.into(),
            PASSWORD.into(),
            paths_file.to_str().unwrap().to_string(),
        ],
    )
    .await;
    https.stop().await;
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    let results = browser::results(&stdout);
    assert!(!results.contains_key("error"), "{all}");
    for (k, v) in [
        ("cid_image", "7x5"),
        ("cid_remote", "none"),
        ("news_blocked", "none"),
        ("news_notice", "shown"),
        ("news_fetched", "yes"),
        ("news_second", "shown"),
        ("news_undone", "blocked"),
        ("settings_senders", "listed"),
        ("source_text", "raw"),
        ("print_csp", "sandboxed"),
        ("print_title", "Facture urgente"),
        ("print_chrome", "none"),
        ("thumb", "7"),
        ("preview_image", "7"),
        ("preview_text", "shown"),
        ("preview_pdf", "framed"),
        // The PDF as the frame gets it (preview.rs's PDF_CSP).
        ("pdf_status", "200"),
        ("pdf_type", "application/pdf"),
        ("pdf_nosniff", "nosniff"),
        ("pdf_disposition", "inline"),
        (
            "pdf_csp",
            "default-src_'none';_object-src_'self';_style-src_'unsafe-inline';_\
             img-src_'self'_data:;_base-uri_'none';_form-action_'none';_frame-ancestors_'self'",
        ),
        ("pdf_responses", "1"),
        ("pdf_viewer", "application/pdf"),
    ] {
        assert_eq!(results.get(k).copied(), Some(v), "{k}\n{all}");
    }
    // The whole PDF came (its bytes are checked by tests/reading.rs).
    assert_eq!(
        results.get("pdf_length").copied(),
        Some(reading::menu_pdf().len().to_string().as_str()),
        "{all}"
    );
    for screen in [
        "images-always",
        "settings-images",
        "print",
        "read-attachments",
        "preview-image",
        "preview-text",
        "preview-pdf",
    ] {
        assert_eq!(
            results.get(format!("axe_{screen}").as_str()).copied(),
            Some("clean"),
            "axe violations on {screen}\n{all}"
        );
    }
    // The PDF preview's screenshot, taken by this run.
    let shot = shots.join("preview-pdf.png");
    let age = std::fs::metadata(&shot)
        .and_then(|m| m.modified())
        .map(|t| t.elapsed().unwrap_or_default())
        .unwrap_or_else(|_| panic!("{} missing\n{all}", shot.display()));
    assert!(age < std::time::Duration::from_secs(600), "{age:?}");
    assert!(
        e.store.web_image_senders(j.id).await.unwrap().is_empty(),
        "undone in the browser"
    );
}
