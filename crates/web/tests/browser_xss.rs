//! Issue 10's XSS corpus (`tests/xss/corpus.rs`, ~100 hostile mails)
//! delivered over real SMTP (the smtp-server crate's MX listener, on the
//! same delivery path and store as the webmail) and opened in chromium by
//! `browser/xss.mjs`:
//! 1. through the reading page, as a person sees them (the sanitised body
//!    in the sandboxed frame with its own CSP), through the print view,
//!    and with remote images shown (only images may then be fetched);
//! 2. the sanitised body alone, top-level with its CSP taken off, so the
//!    sanitiser is proved on its own (scripts would run there), and its
//!    output audited as the browser parsed it (with scripting on and off,
//!    the two parses mutation XSS plays on).
//!
//! Each payload calls `__pwned(N)` (a binding in every frame) or fetches
//! `https://evil.example/N` (every other host is routed to a recorder).
//! The test asserts that nothing was called, nothing left for another
//! host, no own-origin request went anywhere unexpected, every page
//! answered 200 and showed the mail's benign text. A control page proves
//! the watchers see a payload that does run.
//!
//! Without node, chromium or `browser/node_modules` the browser part says
//! so and is skipped (a failure under CI); the SMTP delivery and the
//! handler checks run regardless.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "xss/corpus.rs"]
mod corpus;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use axum::http::{StatusCode, header};
use common::client::Client;
use common::*;
use vesontio_web::Clock;

const LUCIE: &str = "lucie.bernard@ac-test.fr";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xss_corpus_over_smtp_runs_nothing_and_fetches_nothing() {
    vesontio_tls::install_default_provider();
    let e = env_with(Clock::System).await;
    let lucie = person(&e, LUCIE, "Lucie Bernard", PASSWORD, false).await;
    // The MX door on the webmail's own delivery path and store.
    let mx_door = mx::Mx::start(&e).await;
    let mx = mx_door.addr;
    let cases = corpus::cases();
    assert!(cases.len() >= 60, "the issue asks for at least 60");
    for c in &cases {
        mx::send_mx(mx, LUCIE, &c.raw).await;
    }

    // Where each case landed, by its Message-ID.
    let inbox = e
        .store
        .mailbox_by_name(lucie.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let mut at: HashMap<u32, u32> = HashMap::new();
    for m in e.store.messages(inbox.id).await.unwrap() {
        let raw = e.store.read_blob_sized(&m.blob_id, m.size).await.unwrap();
        let text = String::from_utf8_lossy(&raw);
        if let Some(i) = text.find("Message-ID: <xss-") {
            let id: u32 = text[i + 17..i + 20].parse().unwrap();
            at.insert(id, m.uid);
        }
    }
    assert_eq!(at.len(), cases.len(), "every case delivered once");

    // The handlers, without a browser: every page answers, shows the
    // benign text, and the frame keeps its own policy.
    let mut c = Client::new(&e);
    c.login(LUCIE, PASSWORD).await;
    let mb = inbox.id.0;
    for case in &cases {
        let uid = at[&case.id];
        let page = c.get(&format!("/mail/{mb}/{uid}")).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "case {} {}",
            case.id,
            case.what
        );
        let shown = if case.html {
            assert!(
                page.body.contains("class=\"mail-frame\""),
                "case {}",
                case.id
            );
            let b = c.get(&format!("/mail/{mb}/{uid}/body")).await;
            assert_eq!(b.status, StatusCode::OK, "case {}", case.id);
            let csp = b.header(header::CONTENT_SECURITY_POLICY);
            assert!(
                csp.starts_with("default-src 'none'"),
                "case {}: {csp}",
                case.id
            );
            assert!(!csp.contains("script-src"), "case {}: {csp}", case.id);
            b.body
        } else {
            page.body
        };
        assert!(
            shown.contains(&case.benign),
            "case {} ({}): benign text missing in\n{shown}",
            case.id,
            case.what
        );
        assert!(
            !shown.to_ascii_lowercase().contains("<script"),
            "case {} ({}): {shown}",
            case.id,
            case.what
        );
    }

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser");
    if let Err(why) = browser::tools_present(&dir) {
        mx_door.stop().await;
        if std::env::var_os("CI").is_some() {
            panic!("browser test cannot run under CI: {why}");
        }
        eprintln!("SKIPPED the browser half of the XSS corpus: {why}");
        return;
    }
    let (listener, port) = browser::bind().await;
    let https = browser::Https::serve(e.web.clone(), listener, port);
    let list: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "what": c.what,
                "path": format!("/mail/{mb}/{}", at[&c.id]),
                "benign": c.benign,
                "html": c.html,
            })
        })
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let cases_file = tmp.path().join("cases.json");
    std::fs::write(&cases_file, serde_json::to_vec(&list).unwrap()).unwrap();
    let url = https.url.clone();
    let d = dir.clone();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(d.join("xss.mjs"))
            .args([
                url.as_str(),
                cases_file.to_str().unwrap(),
                LUCIE,
                PASSWORD,
                &format!("/mail/{mb}?view=list"),
            ])
            .current_dir(&d)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    https.stop().await;
    mx_door.stop().await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let all = format!("stdout:\n{stdout}\nstderr:\n{stderr}");
    let mut results: HashMap<String, String> = HashMap::new();
    let mut seen: HashMap<u64, serde_json::Value> = HashMap::new();
    for l in stdout.lines() {
        if let Some(r) = l.strip_prefix("RESULT ")
            && let Some((k, v)) = r.split_once(' ')
        {
            results.insert(k.into(), v.into());
        }
        if let Some(j) = l.strip_prefix("CASE ") {
            let v: serde_json::Value = serde_json::from_str(j).unwrap();
            seen.insert(v["id"].as_u64().unwrap(), v);
        }
    }
    assert!(!results.contains_key("error"), "{all}");
    // The watchers work: a page whose payloads do run is caught.
    assert_eq!(
        results.get("control_pwned").map(String::as_str),
        Some("caught"),
        "{all}"
    );
    assert_eq!(
        results.get("control_foreign").map(String::as_str),
        Some("caught"),
        "{all}"
    );
    assert_eq!(
        results.get("control_audit").map(String::as_str),
        Some("caught"),
        "{all}"
    );
    assert_eq!(
        results.get("binding_in_page").map(String::as_str),
        Some("function"),
        "{all}"
    );
    assert_eq!(
        results.get("list_page").map(String::as_str),
        Some("clean"),
        "{all}"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let Some(v) = seen.get(&u64::from(case.id)) else {
            failures.push(format!("case {} ({}) not reported", case.id, case.what));
            continue;
        };
        let empty = |k: &str| v[k].as_array().is_some_and(|a| a.is_empty());
        let ok = v["status"] == 200
            && v["benign"] == true
            && v["print_status"] == 200
            && v["print_benign"] == true
            && [
                "pwned",
                "foreign",
                "own",
                "popups",
                "dialogs",
                "audit",
                "audit_noscript",
            ]
            .iter()
            .all(|k| empty(k))
            && (!case.html || (v["raw_status"] == 200 && v["images_status"] == 200));
        if !ok {
            failures.push(format!("case {} ({}): {v}", case.id, case.what));
        }
    }
    assert!(failures.is_empty(), "{}\n{all}", failures.join("\n"));
    // With images shown, a plain remote image was fetched: that pass ran
    // with the images on, and its watchers saw them.
    let remote = cases.iter().find(|c| c.what == "remote image").unwrap();
    let fetched = seen[&u64::from(remote.id)]["fetched"].to_string();
    assert!(
        fetched.contains(&format!("evil.example/{}", remote.id)),
        "{fetched}\n{all}"
    );
}
