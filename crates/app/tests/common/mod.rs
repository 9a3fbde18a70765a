//! Helpers shared by the binary's integration tests.

use std::net::TcpListener;

/// Standard ports of every service (docs/design.md); the demo binds each plus an offset.
const PORTS: [u16; 9] = [25, 80, 110, 143, 443, 465, 587, 993, 995];

/// An offset whose nine ports are all free right now. Tests run in
/// parallel processes, so offsets are drawn at random and checked by
/// binding, rather than derived from the pid.
pub fn free_offset() -> u16 {
    let mut seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
    for _ in 0..200 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        // Below Linux's ephemeral range (32768 and up), so an outgoing
        // connection of another test cannot take a port between this check
        // and the demo's bind: 20000..31000, plus ports up to 995.
        let offset = 20000 + ((seed >> 33) % 1100) as u16 * 10;
        let held: Vec<_> = PORTS
            .iter()
            .filter_map(|p| TcpListener::bind(("127.0.0.1", p + offset)).ok())
            .collect();
        if held.len() == PORTS.len() {
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
