//! R9 through the real binary: `vesontio demo` with `antivirus.clamd` set
//! to a real clamd (the antivirus crate's harness), mail on port 25, the
//! quarantine seen and released with `vesontio quarantine`.

mod common;
#[path = "../../antivirus/tests/harness/mod.rs"]
mod harness;

use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use harness::{ClamdProcess, EICAR, mail_with_attachment};

const BIN: &str = env!("CARGO_BIN_EXE_vesontio");
const MARIE: &str = "marie.curie@ac-demo.fr";

fn run(config: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("vesontio")
}

fn demo(dir: &Path, offset: u16) -> Child {
    let child = Command::new(BIN)
        .args([
            "demo",
            "--dir",
            dir.to_str().expect("path"),
            "--port-offset",
            &offset.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo");
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", 25 + offset)).is_err() {
        assert!(Instant::now() < deadline, "SMTP did not come up");
        std::thread::sleep(Duration::from_millis(200));
    }
    child
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().expect("try_wait").is_none() {
        assert!(Instant::now() < deadline, "demo did not stop");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One SMTP transaction on port 25 from alice to Marie.
fn send(port: u16, data: &[u8]) -> String {
    common::smtp_send(port, "alice@example.org", MARIE, data)
}

fn clean(n: u32) -> Vec<u8> {
    format!(
        "From: <alice@example.org>\r\nTo: <{MARIE}>\r\nSubject: Propre {n}\r\n\
         Message-ID: <propre.{n}@example.org>\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nBonjour\r\n"
    )
    .into_bytes()
}

fn used_bytes(config: &Path) -> i64 {
    let o = run(config, &["account", "show", MARIE, "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v["used_bytes"].as_i64().expect("used_bytes")
}

#[test]
fn r9_demo_with_clamd_quarantines_tempfails_and_releases() {
    let Some(mut clamd) = ClamdProcess::start() else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    let config = dir.join("vesontio.toml");
    let offset = common::free_offset();
    // First start writes the configuration; then it points at our clamd.
    stop(demo(&dir, offset));
    // (Empty, or the system's clamd when one answers: replaced either way.)
    let text = std::fs::read_to_string(&config).expect("config");
    let sock = clamd.socket.to_str().expect("path").to_string();
    let text: String = text
        .lines()
        .map(|l| {
            if l.starts_with("clamd = ") {
                format!("clamd = {sock:?}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(
        text.contains(&sock),
        "an [antivirus] clamd key in the demo's file"
    );
    std::fs::write(&config, text).expect("config");
    let d = demo(&dir, offset);
    let port = 25 + offset;

    let r = send(port, &clean(1));
    assert!(r.starts_with("250"), "{r}");
    let before = used_bytes(&config);

    let infected = mail_with_attachment("test.txt", "text/plain", EICAR);
    let r = send(port, &infected);
    assert!(r.starts_with("250"), "accepted and isolated: {r}");
    let o = run(&config, &["quarantine", "list", "--json"]);
    assert!(o.status.success());
    let list: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let rows = list.as_array().expect("array");
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["reason"], "virus");
    let rule = rows[0]["rule"].as_str().expect("rule");
    assert!(rule.starts_with("antivirus:Vesontio.Test.EICAR"), "{rule}");
    let id = rows[0]["id"].as_i64().expect("id").to_string();

    // clamd down: 451, nothing delivered; back: accepted.
    clamd.stop();
    let r = send(port, &clean(2));
    assert!(r.starts_with("451 4.7.1"), "{r}");
    clamd.restart();
    let r = send(port, &clean(2));
    assert!(r.starts_with("250"), "{r}");

    // Released: through the gate, without the stage that held it.
    let after_clean = used_bytes(&config);
    assert!(after_clean > before);
    let o = run(&config, &["quarantine", "release", &id]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(used_bytes(&config) >= after_clean + infected.len() as i64);
    let o = run(&config, &["quarantine", "list", "--json"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "[]");
    stop(d);
}
