//! Helpers shared by the binary's integration tests.

use std::net::TcpListener;

/// Standard ports of every service (docs/design.md); the demo binds each plus an offset.
const PORTS: [u16; 9] = [25, 80, 110, 143, 443, 465, 587, 993, 995];

/// An offset whose nine ports are all free right now and cannot meet
/// another running test's: offsets are multiples of 10 and ports differ
/// by multiples of 10 too (110 − 80, 443 − 143…), so two blocks can share
/// a port without sharing an offset. Tests run in parallel processes;
/// each offset is reserved by a lock file held (`File::lock`, released
/// when the process ends, even killed) in a shared directory, chosen
/// under a directory-wide lock, and never within a shared port of a
/// reserved one; then its ports are checked by binding.
pub fn free_offset() -> u16 {
    let dir = std::env::temp_dir().join("vesontio-test-offsets");
    std::fs::create_dir_all(&dir).expect("offsets directory");
    let guard = std::fs::File::create(dir.join(".choose")).expect("offsets lock");
    guard.lock().expect("offsets lock");
    // Offsets held by live tests (this process's included: a lock is per
    // open file, so reopening one that is held fails to lock).
    let mut held_by_others = Vec::new();
    for entry in std::fs::read_dir(&dir)
        .expect("offsets directory")
        .flatten()
    {
        let Some(offset) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u16>().ok())
        else {
            continue;
        };
        match std::fs::File::open(entry.path()).map(|f| f.try_lock()) {
            Ok(Ok(())) => {
                let _ = std::fs::remove_file(entry.path());
            }
            _ => held_by_others.push(offset),
        }
    }
    let meets = |a: u16, b: u16| PORTS.iter().any(|p| PORTS.iter().any(|q| p + a == q + b));
    let mut seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
    for _ in 0..500 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Below Linux's ephemeral range (32768 and up), so an outgoing
        // connection of another test cannot take a port between this check
        // and the demo's bind: 20000..31000, plus ports up to 995.
        let offset = 20000 + ((seed >> 33) % 1100) as u16 * 10;
        if held_by_others.iter().any(|&o| meets(o, offset)) {
            continue;
        }
        let held: Vec<_> = PORTS
            .iter()
            .filter_map(|p| TcpListener::bind(("127.0.0.1", p + offset)).ok())
            .collect();
        if held.len() != PORTS.len() {
            continue;
        }
        let lock = std::fs::File::create(dir.join(offset.to_string())).expect("offset lock");
        if lock.try_lock().is_ok() {
            // Held until the test's process ends.
            std::mem::forget(lock);
            return offset;
        }
    }
    panic!("no free port block found");
}

/// One SMTP transaction from `from` to `to` on `port` (the demo's MX);
/// returns the reply to the end of DATA. `data` ends with CRLF and is
/// already dot-stuffed.
#[allow(dead_code)]
pub fn smtp_send(port: u16, from: &str, to: &str, data: &[u8]) -> String {
    use std::io::{BufRead, BufReader, Write};
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let mut r = BufReader::new(s.try_clone().expect("clone"));
    let mut w = s;
    let mut reply = || {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            r.read_line(&mut line).expect("reply");
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] != b'-' {
                return all;
            }
        }
    };
    assert!(reply().starts_with("220"));
    for cmd in [
        "EHLO client.example.org".to_string(),
        format!("MAIL FROM:<{from}>"),
        format!("RCPT TO:<{to}>"),
        "DATA".to_string(),
    ] {
        w.write_all(format!("{cmd}\r\n").as_bytes()).expect("send");
        let rep = reply();
        assert!(rep.starts_with('2') || rep.starts_with('3'), "{cmd}: {rep}");
    }
    w.write_all(data).expect("data");
    w.write_all(b".\r\n").expect("dot");
    let end = reply();
    let _ = w.write_all(b"QUIT\r\n");
    end
}
