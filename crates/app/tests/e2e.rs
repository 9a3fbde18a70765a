//! The real `vesontio` binary with clients nobody here wrote: a message
//! submitted with swaks over implicit TLS is read back with Python's poplib
//! over POP3S, byte for byte, and with imaplib over IMAPS; MX refuses relaying.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_vesontio");
const PASSWORD: &str = "Vesontio-Demo-2026!";

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn submit_with_swaks_read_with_poplib() {
    if !have("swaks") {
        assert!(std::env::var_os("CI").is_none(), "swaks is required in CI");
        eprintln!("SKIPPED: swaks not installed");
        return;
    }
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("D");
    let offset = common::free_offset();
    let mut demo = Command::new(BIN)
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
    while std::net::TcpStream::connect(("127.0.0.1", 995 + offset)).is_err() {
        assert!(Instant::now() < deadline, "POP3S did not come up");
        std::thread::sleep(Duration::from_millis(200));
    }
    let cert = dir.join("cert.pem");
    let body = "Bonjour Paul,\r\n.leading dot line\r\nA bientot.\r\n";
    let out = Command::new("swaks")
        .args([
            "--server",
            &format!("127.0.0.1:{}", 465 + offset),
            "--tls-on-connect",
            "--auth",
            "PLAIN",
            "--auth-user",
            "marie.curie@ac-demo.fr",
            "--auth-password",
            PASSWORD,
            "--from",
            "marie.curie@ac-demo.fr",
            "--to",
            "paul.langevin@ac-demo.fr",
            "--header",
            "Subject: e2e",
            "--body",
            body,
        ])
        .output()
        .expect("swaks");
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && t.contains("250 2.0.0"), "{t}");

    let relay = Command::new("swaks")
        .args([
            "--server",
            &format!("127.0.0.1:{}", 25 + offset),
            "--from",
            "x@example.org",
            "--to",
            "y@example.net",
            "--quit-after",
            "RCPT",
        ])
        .output()
        .expect("swaks");
    let t = String::from_utf8_lossy(&relay.stdout);
    assert!(t.contains("550 5.7.1"), "relay refused on MX: {t}");

    let script = format!(
        r#"
import poplib, ssl
ctx = ssl.create_default_context(cafile={cert:?})
p = poplib.POP3_SSL("127.0.0.1", {port}, context=ctx)
p.user("paul.langevin@ac-demo.fr"); p.pass_({PASSWORD:?})
n, size = p.stat()
assert n == 1, n
lines = p.retr(1)[1]
text = b"\r\n".join(lines).decode()
assert "Subject: e2e" in text, text
body = text.split("\r\n\r\n", 1)[1]
print(repr(body))
p.quit()
"#,
        cert = cert.to_str().expect("path"),
        port = 995 + offset
    );
    let py = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    let t = String::from_utf8_lossy(&py.stdout);
    assert!(
        py.status.success(),
        "{t}{}",
        String::from_utf8_lossy(&py.stderr)
    );
    assert!(
        t.contains(r"Bonjour Paul,\r\n.leading dot line\r\nA bientot.\r\n"),
        "body byte for byte after dot-unstuffing: {t}"
    );
    // The same message over IMAPS (imaplib), and the quota as clients show it.
    let script = format!(
        r#"
import imaplib, ssl
ctx = ssl.create_default_context(cafile={cert:?})
M = imaplib.IMAP4_SSL("127.0.0.1", {port}, ssl_context=ctx)
M.login("paul.langevin@ac-demo.fr", {PASSWORD:?})
typ, data = M.select("INBOX")
assert typ == "OK" and data == [b"1"], data
typ, data = M.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
assert b"Subject: e2e" in data[0][1], data
typ, data = M.getquotaroot("INBOX")
assert typ == "OK" and b"STORAGE" in data[1][0], data
M.logout()
print("imap ok")
"#,
        cert = cert.to_str().expect("path"),
        port = 993 + offset
    );
    let py = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    assert!(
        py.status.success() && String::from_utf8_lossy(&py.stdout).contains("imap ok"),
        "{}{}",
        String::from_utf8_lossy(&py.stdout),
        String::from_utf8_lossy(&py.stderr)
    );
    let _ = Command::new("kill")
        .args(["-TERM", &demo.id().to_string()])
        .status();
    let st = demo.wait().expect("wait");
    assert!(st.success(), "clean stop on SIGTERM: {st:?}");
}
