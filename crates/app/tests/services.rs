//! R10: a network service switched off in `[services]` does not listen,
//! and the others do. Driven through the real binary.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_vesontio");

#[test]
fn r10_a_switched_off_service_does_not_listen() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let offset = common::free_offset();
    // The demo keeps an existing configuration file: write one with POP3 off.
    let mut s = vesontio_config::Settings::example("data", "localhost", "ac-demo.fr", offset);
    s.tls.certificate = "cert.pem".into();
    s.tls.private_key = "key.pem".into();
    s.services.pop3 = false;
    std::fs::write(dir.join("vesontio.toml"), s.to_toml()).expect("write config");

    let mut child = Command::new(BIN)
        .args(["demo", "--dir", dir.to_str().expect("utf-8 path")])
        .args(["--port-offset", &offset.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn demo");
    // The banner lists the endpoints and ends with "stop with Ctrl-C".
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(60)) {
        let done = line.contains("stop with Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    let banner = banner.join("\n");
    let listening = |port: u16| TcpStream::connect(("127.0.0.1", port + offset)).is_ok();
    let (imaps, pop3, pop3s, smtp) = (
        listening(993),
        listening(110),
        listening(995),
        listening(25),
    );

    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = child.wait();

    assert!(
        banner.contains("stop with Ctrl-C"),
        "demo did not start:\n{banner}"
    );
    let endpoint = |label: &str| banner.lines().any(|l| l.trim_start().starts_with(label));
    assert!(endpoint("IMAPS ") && endpoint("SMTP MX "), "{banner}");
    assert!(!endpoint("POP3"), "POP3 is switched off:\n{banner}");
    assert!(imaps && smtp, "the other services listen");
    assert!(!pop3 && !pop3s, "nothing listens on the POP3 ports");
}
