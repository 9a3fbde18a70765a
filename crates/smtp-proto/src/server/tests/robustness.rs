//! Bad input: unknown commands, control characters, long lines, random bytes.

use super::*;

#[test]
fn unknown_commands_then_too_many_errors() {
    let mut s = ServerSession::new(cfg());
    let (o, ev) = run(&mut s, b"FOO\r\nBAR\r\nBAZ\r\nQUX\r\nXYZZY\r\nNOOP\r\n");
    assert_eq!(
        o,
        "500 5.5.1 Command unrecognized\r\n".repeat(5)
            + "421 4.7.0 mx.test Too many errors, closing connection\r\n"
    );
    assert_eq!(
        ev,
        vec![Event::Close {
            reason: CloseReason::TooManyErrors
        }]
    );
    assert!(s.is_closed());
}

#[test]
fn command_line_errors() {
    let mut s = ServerSession::new(SessionConfig {
        max_bad_commands: 100,
        ..cfg()
    });
    assert_eq!(
        out(&mut s, "NOOP\n"),
        "500 5.5.2 Bare LF not allowed, lines must end with CRLF\r\n"
    );
    assert_eq!(
        out(&mut s, "NO\0OP\r\n"),
        "500 5.5.2 Control character (NUL, CR, ...) in command\r\n"
    );
    assert_eq!(
        out(&mut s, "NO\rOP\r\n"),
        "500 5.5.2 Control character (NUL, CR, ...) in command\r\n"
    );
    let (o, _) = run(&mut s, b"NOOP \xff\xfe\r\n");
    assert_eq!(o, "500 5.5.2 Command is not valid UTF-8\r\n");
}

#[test]
fn line_length_limit() {
    let mut s = ServerSession::new(cfg());
    // 512 octets including CRLF is allowed; 513 is not.
    let ok = format!("NOOP {}\r\n", "x".repeat(505));
    assert_eq!(ok.len(), 512);
    assert_eq!(out(&mut s, &ok), "250 2.0.0 OK\r\n");
    let long = format!("NOOP {}\r\n", "x".repeat(506));
    assert_eq!(out(&mut s, &long), "500 5.5.2 Line too long\r\n");
    // 10,000 bytes of garbage in pieces: one reply, nothing buffered.
    let garbage = vec![b'G'; 10_000];
    for piece in garbage.chunks(777) {
        assert_eq!(run(&mut s, piece).0, "");
        assert!(s.inbuf.len() < 512);
    }
    assert_eq!(
        out(&mut s, "\r\nNOOP\r\n"),
        "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n"
    );
}

/// A xorshift generator: deterministic, no dependency.
pub(super) struct Rng(pub(super) u64);
impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Random input (raw bytes mixed with SMTP fragments) never panics, every
/// output line is a well-formed reply, and buffers stay bounded.
#[test]
fn random_input_never_panics() {
    let pieces: &[&[u8]] = &[
        b"EHLO x\r\n",
        b"MAIL FROM:<a@b>",
        b" SIZE=99999999999999999999",
        b"RCPT TO:<c@d>\r\n",
        b"DATA\r\n",
        b"\r\n.\r\n",
        b".",
        b"\r",
        b"\n",
        b"\0",
        b"AUTH PLAIN",
        b"AUTH LOGIN\r\n",
        b"STARTTLS\r\n",
        b"RSET\r\n",
        b"=",
        b"*\r\n",
        b"\xff",
        b" ",
        b"<",
        b">",
        b"@",
        b"NOTIFY=NEVER",
        b"QUIT\r\n",
        b"AGVsbG8=\r\n",
        b"BDAT 3\r\n",
        b"BDAT 5 LAST\r\n",
        b"BDAT 99999999\r\n",
        b"BDAT x\r\n",
    ];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let c = SessionConfig {
            tls: if round % 2 == 0 {
                TlsState::Active
            } else {
                TlsState::None
            },
            mode: if round % 3 == 0 {
                Mode::Submission
            } else {
                Mode::Mx
            },
            data_line_endings: if round % 5 == 0 {
                LineEndings::Refuse
            } else {
                LineEndings::Normalise
            },
            max_bad_commands: 20,
            chunking: round % 4 != 0,
            data_part_size: (round % 7 < 3).then_some(1 + round % 300),
            ..cfg()
        };
        let mut s = ServerSession::new(c);
        s.greeting();
        let mut output = s.take_output();
        for _ in 0..rng.below(40) {
            let mut chunk = Vec::new();
            for _ in 0..rng.below(8) {
                if rng.below(3) == 0 {
                    let n = rng.below(600);
                    chunk.extend((0..n).map(|_| rng.next() as u8));
                } else {
                    chunk.extend_from_slice(pieces[rng.below(pieces.len())]);
                }
            }
            s.feed(&chunk);
            while let Some(ev) = s.poll_event() {
                let _ = ev;
                match rng.below(3) {
                    0 => {
                        let _ = s.reject(Reply::new(550, EnhancedCode::new(5, 0, 0), "no"));
                    }
                    _ => accept(&mut s),
                }
                if s.phase() == Phase::TlsHandshake && rng.below(2) == 0 {
                    s.tls_established().expect("awaiting");
                }
            }
            assert!(s.inbuf.len() <= 12288 + 4800, "inbuf {}", s.inbuf.len());
            if let (Input::Data(r), Some(p)) = (&s.input, s.cfg.data_part_size) {
                assert!(r.buffered() < p + 2, "data {} > part {p}", r.buffered());
            }
            output.extend(s.take_output());
        }
        let text = String::from_utf8(output).expect("utf-8 replies");
        assert!(text.ends_with("\r\n") || text.is_empty());
        for line in text.split_terminator("\r\n") {
            let b = line.as_bytes();
            assert!(
                b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit),
                "{line:?}"
            );
            assert!(b[3] == b' ' || b[3] == b'-', "{line:?}");
        }
    }
}

/// Splitting the same input at arbitrary points never changes the replies
/// or the events (the session is a function of the byte stream only).
#[test]
fn output_does_not_depend_on_read_boundaries() {
    let mut long_body = b"DATA\r\n".to_vec();
    for i in 0..200 {
        long_body.extend_from_slice(format!(".line {i}\r\n").as_bytes());
    }
    long_body.extend_from_slice(b"\n.\n\r.\r\n.\r\n");
    let inputs: Vec<Vec<u8>> = vec![
        b"EHLO c\r\nMAIL FROM:<a@x> SIZE=10\r\nRCPT TO:<b@y>\r\nDATA\r\nhi\r\n..\r\n.\r\nQUIT\r\n"
            .to_vec(),
        [
            b"EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n".as_slice(),
            &long_body,
            b"NOOP\r\nFOO\r\n",
        ]
        .concat(),
        [b"NOOP ".as_slice(), &[b'x'; 3000], b"\r\nEHLO c\r\nBDAT 4\r\n"].concat(),
        b"EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 5\r\nQUIT\r\nBDAT 2 LAST\r\nabRSET\r\n"
            .to_vec(),
    ];
    let mut rng = Rng(42);
    for input in &inputs {
        let c = SessionConfig {
            chunking: true,
            ..cfg()
        };
        let mut whole = ServerSession::new(c.clone());
        let reference = run(&mut whole, input);
        for _ in 0..50 {
            let mut s = ServerSession::new(c.clone());
            let mut out = String::new();
            let mut events = Vec::new();
            let mut rest = input.as_slice();
            while !rest.is_empty() {
                let n = 1 + rng.below(rest.len().min(64));
                let (o, e) = run(&mut s, &rest[..n]);
                out.push_str(&o);
                events.extend(e);
                rest = &rest[n..];
            }
            assert_eq!((out, events), reference);
        }
    }
}
