//! Memory under abuse (issue 11), through the real MX port with Python
//! raw sockets and smtplib: data past the size limit is read and dropped,
//! a line over the text line limit refuses its message without being kept,
//! and a large message that went through the spool arrives intact. The
//! memory figures themselves are in `benches/data_memory.sh`.

mod common;

use common::*;

/// A raw client: `reply()` reads one whole (multi-line) reply.
const RAW: &str = r#"
import socket, sys
PORT = int(sys.argv[1])
s = socket.create_connection(('127.0.0.1', PORT), timeout=30)
f = s.makefile('rb')
def reply():
    lines = []
    while True:
        l = f.readline()
        assert l, 'connection closed after %r' % lines
        lines.append(l.decode().rstrip('\r\n'))
        if l[3:4] != b'-':
            return lines[-1]
def cmd(c):
    s.sendall(c.encode() + b'\r\n')
    return reply()
assert reply().startswith('220')
assert cmd('EHLO client.example.org').startswith('250')
def start(rcpt):
    assert cmd('MAIL FROM:<someone@example.org>').startswith('250')
    assert cmd('RCPT TO:<%s>' % rcpt).startswith('250')
    assert cmd('DATA').startswith('354')
"#;

async fn raw(h: &Harness, script: &str) {
    let code = format!("{RAW}\n{script}");
    let run = python(&code, &[h.mx.port().to_string(), MARIE.into()]).await;
    assert_eq!(run.status, 0, "{}", run.out);
}

/// 20 MB of proper lines past a 1 MB limit, without SIZE: read to the
/// final dot, answered `552 5.3.4`, and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_past_the_size_limit_is_dropped_and_the_session_goes_on() {
    let h = Harness::start_with(vesontio_smtp_server::SmtpConfig {
        size_limit: 1024 * 1024,
        ..smtp_config()
    })
    .await;
    raw(
        &h,
        r#"
start(sys.argv[2])
block = (b'y' * 998 + b'\r\n') * 1000
for _ in range(20):
    s.sendall(block)
s.sendall(b'.\r\n')
r = reply()
assert r.startswith('552 5.3.4 Message too large'), r
start(sys.argv[2])
s.sendall(b'Subject: small\r\n\r\nok\r\n.\r\n')
assert reply().startswith('250 2.0.0'), 'session goes on'
assert cmd('QUIT').startswith('221')
"#,
    )
    .await;
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(body_of(&inbox[0]), b"ok\r\n");
}

/// DATA without any line break: refused with `550 5.6.0` naming the RFC
/// limit (the harness's line limit is 4096 octets), then the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_without_line_breaks_is_refused_and_the_session_goes_on() {
    let h = Harness::start().await;
    raw(
        &h,
        r#"
start(sys.argv[2])
for _ in range(80):
    s.sendall(b'z' * 65536)
s.sendall(b'\r\n.\r\n')
r = reply()
assert r == '550 5.6.0 Message refused: a line is longer than 4096 octets (RFC 5321 section 4.5.3.1.6)', r
# The longest line allowed (4094 octets and CRLF) goes through.
start(sys.argv[2])
s.sendall(b'Subject: long line\r\n\r\n' + b'w' * 4094 + b'\r\n.\r\n')
r = reply()
assert r.startswith('250 2.0.0'), r
# One more octet is refused, and nothing was left in the input.
start(sys.argv[2])
s.sendall(b'Subject: too long\r\n\r\n' + b'w' * 4095 + b'\r\n.\r\n')
r = reply()
assert r.startswith('550 5.6.0'), r
assert cmd('NOOP').startswith('250')
assert cmd('QUIT').startswith('221')
"#,
    )
    .await;
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(body_of(&inbox[0]).len(), 4096);
}

/// A 5 MB message (about 80 parts of the harness's 64 KB in memory) goes
/// through the spool and is stored byte for byte, dot-stuffing undone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_message_through_the_spool_arrives_intact() {
    let h = Harness::start().await;
    let script = r#"
import smtplib, sys
lines = []
for i in range(125000):
    lines.append(('.line %d ' % i + 'abcdefghij' * (i % 7)).encode())
body = b'\r\n'.join(lines) + b'\r\n'
msg = b'From: <someone@example.org>\r\nSubject: spool\r\n\r\n' + body
c = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=60)
c.ehlo('client.example.org')
# Without SIZE: the server does not know the size in advance.
c.esmtp_features.pop('size', None)
c.sendmail('someone@example.org', [sys.argv[2]], msg)
c.quit()
print(len(body))
"#;
    let run = python(script, &[h.mx.port().to_string(), MARIE.into()]).await;
    assert_eq!(run.status, 0, "{}", run.out);
    let mut want = Vec::new();
    for i in 0..125000 {
        want.extend_from_slice(format!(".line {i} {}\r\n", "abcdefghij".repeat(i % 7)).as_bytes());
    }
    assert!(want.len() > 5_000_000, "{}", want.len());
    assert_eq!(run.out.trim(), want.len().to_string());
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 1);
    let body = body_of(&inbox[0]);
    assert_eq!(body.len(), want.len());
    assert!(
        body == want.as_slice(),
        "stored body differs from the sent one"
    );
}
