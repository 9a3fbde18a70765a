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
use std::time::Duration;

use axum::http::{StatusCode, header};
use common::client::Client;
use common::*;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_smtp_server::{LineEndings, Listener, RcptLimits, SmtpConfig, SmtpServer};
use vesontio_web::Clock;

const LUCIE: &str = "lucie.bernard@ac-test.fr";

fn smtp_config() -> SmtpConfig {
    SmtpConfig {
        hostname: "mx.ac-test.fr".into(),
        size_limit: 10 << 20,
        max_recipients: 100,
        max_line_length: 4096,
        max_bad_commands: 20,
        command_timeout: Duration::from_secs(60),
        data_timeout: Duration::from_secs(60),
        data_termination_timeout: Duration::from_secs(60),
        large_file_url: "https://mail.ac-test.fr/files".into(),
        webmail_url: "https://mail.ac-test.fr/".into(),
        data_line_endings: LineEndings::Refuse,
        data_in_memory: vesontio_smtp_server::DATA_IN_MEMORY,
        spool_dir: std::env::temp_dir(),
        rcpt_limits: RcptLimits {
            soft: 10,
            hard: 20,
            delay: Duration::from_millis(1),
            memory: Duration::from_secs(3600),
        },
    }
}

/// One SMTP reply (RFC 5321 §4.2: `NNN-` lines then `NNN `), as text.
async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        assert!(r.read_line(&mut line).await.unwrap() > 0, "closed: {all}");
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] == b' ' {
            return all;
        }
    }
}

/// Sends `raw` from an outside server to `rcpt` on the MX door, as
/// another MTA would: EHLO, MAIL (8BITMIME), RCPT, DATA with
/// dot-stuffing (RFC 5321 §4.5.2).
async fn send_mx(mx: std::net::SocketAddr, rcpt: &str, raw: &[u8]) {
    let (rd, mut w) = TcpStream::connect(mx).await.unwrap().into_split();
    let mut r = BufReader::new(rd);
    assert!(reply(&mut r).await.starts_with("220"));
    w.write_all(b"EHLO mta.example.org\r\n").await.unwrap();
    let ehlo = reply(&mut r).await;
    assert!(ehlo.starts_with("250"), "{ehlo}");
    let body = if ehlo.contains("8BITMIME") {
        " BODY=8BITMIME"
    } else {
        ""
    };
    for (cmd, want) in [
        (format!("MAIL FROM:<evil@example.org>{body}\r\n"), "250"),
        (format!("RCPT TO:<{rcpt}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
    ] {
        w.write_all(cmd.as_bytes()).await.unwrap();
        let got = reply(&mut r).await;
        assert!(got.starts_with(want), "{cmd} -> {got}");
    }
    let mut data = Vec::with_capacity(raw.len() + 64);
    for line in raw.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b".") {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    data.extend_from_slice(b".\r\n");
    w.write_all(&data).await.unwrap();
    let got = reply(&mut r).await;
    assert!(got.starts_with("250"), "DATA -> {got}");
    w.write_all(b"QUIT\r\n").await.unwrap();
    let _ = reply(&mut r).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xss_corpus_over_smtp_runs_nothing_and_fetches_nothing() {
    vesontio_tls::install_default_provider();
    let e = env_with(Clock::System).await;
    let lucie = person(&e, LUCIE, "Lucie Bernard", PASSWORD, false).await;
    let (cert, key) = vesontio_tls::self_signed(&["localhost".into()]).unwrap();
    let tls = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap();

    // The MX door on the webmail's own delivery path and store.
    let directory = vesontio_directory::Directory::new(
        e.store.clone(),
        vesontio_directory::AuthLimits {
            max_failures: 10,
            base_delay_secs: 1,
            max_delay_secs: 60,
            account_max_delay_secs: 60,
            max_accounts_per_address: 100,
            cache_ttl_secs: 0,
        },
    );
    let smtp = SmtpServer::new(smtp_config(), e.delivery.clone(), directory, tls.clone());
    let (stop, tracker) = (CancellationToken::new(), TaskTracker::new());
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mx = l.local_addr().unwrap();
    {
        let (s, sd, tr) = (smtp.clone(), stop.clone(), tracker.clone());
        tracker.spawn(async move { s.run(l, Listener::Mx, sd, tr).await });
    }
    let cases = corpus::cases();
    assert!(cases.len() >= 60, "the issue asks for at least 60");
    for c in &cases {
        send_mx(mx, LUCIE, &c.raw).await;
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
        stop.cancel();
        if std::env::var_os("CI").is_some() {
            panic!("browser test cannot run under CI: {why}");
        }
        eprintln!("SKIPPED the browser half of the XSS corpus: {why}");
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(vesontio_web::serve_https(
        e.web.clone(),
        listener,
        tls,
        stop.clone(),
        tracker.clone(),
    ));
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
    let url = format!("https://localhost:{port}");
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
    stop.cancel();
    let _ = server.await;
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
