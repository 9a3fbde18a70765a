//! Hostile input: long lines (RFC 2449 §4), floods of bad commands, random
//! bytes. The session must answer, go on or close, and never panic.

use super::encode::Rng;
use super::harness::{Harness, closed, config};
use crate::{CloseReason, Config, Pop3Session};

#[test]
fn ten_thousand_character_line() {
    let mut h = Harness::new(config());
    h.s.take_output();
    let mut line = b"USER ".to_vec();
    line.extend(std::iter::repeat_n(b'x', 10_000));
    line.extend_from_slice(b"\r\nCAPA\r\n");
    let out = h.send(&line);
    assert!(
        out.starts_with("-ERR line too long\r\n+OK capability list follows\r\n"),
        "{out}"
    );
    assert!(!h.s.is_closed());
    assert!(h.events.is_empty());
}

#[test]
fn long_line_fed_byte_by_byte() {
    let mut h = Harness::new(config());
    h.s.take_output();
    for _ in 0..10_000 {
        assert_eq!(h.send(b"A"), "");
    }
    assert_eq!(h.send(b"\r"), "");
    assert_eq!(h.send(b"\n"), "-ERR line too long\r\n");
    assert_eq!(
        h.send(b"QUIT\r\n"),
        "+OK pop.ac-demo.fr POP3 server signing off\r\n"
    );
}

#[test]
fn line_length_boundary() {
    // RFC 2449 §4: 255 octets including CRLF is the limit given here.
    let mut h = Harness::new(config());
    h.s.take_output();
    let user = |n: usize| {
        let mut l = b"USER ".to_vec();
        l.extend(std::iter::repeat_n(b'a', n - 7));
        l.extend_from_slice(b"\r\n");
        assert_eq!(l.len(), n);
        l
    };
    assert_eq!(h.send(&user(255)), "+OK send PASS\r\n");
    assert_eq!(h.send(&user(256)), "-ERR line too long\r\n");
    // With a bare LF the line is one octet shorter.
    let mut l = user(256);
    l.remove(254);
    assert_eq!(h.send(&l), "+OK send PASS\r\n");
}

#[test]
fn unknown_commands_continue_then_close_at_limit() {
    let mut h = Harness::new(config());
    h.s.take_output();
    for _ in 0..19 {
        assert_eq!(h.send(b"XYZZY\r\n"), "-ERR unknown command\r\n");
    }
    assert_eq!(
        h.send(b"XYZZY\r\nCAPA\r\n"),
        "-ERR too many bad commands, closing connection\r\n"
    );
    assert!(closed(&h, CloseReason::TooManyBadCommands));
    assert_eq!(h.send(b"CAPA\r\n"), "");
}

#[test]
fn close_on_bad_commands_skips_update() {
    let cfg = Config {
        max_bad_commands: 2,
        ..config()
    };
    let mut h = Harness::new(cfg);
    h.s.take_output();
    let out = h.send(b"USER alice\r\nPASS secret\r\nDELE 1\r\nBAD\r\nBAD\r\nQUIT\r\n");
    assert!(
        out.ends_with("-ERR unknown command\r\n-ERR too many bad commands, closing connection\r\n"),
        "{out}"
    );
    // RFC 1939 §6: only QUIT enters UPDATE; the deletion is not committed.
    assert_eq!(
        h.events,
        ["auth alice UserPass", "close TooManyBadCommands"]
    );
}

#[test]
fn random_bytes_never_panic() {
    let words: &[&[u8]] = &[
        b"USER alice\r\n",
        b"PASS secret\r\n",
        b"STAT\r\n",
        b"LIST\r\n",
        b"LIST 2\r\n",
        b"UIDL 1\r\n",
        b"RETR 1\r\n",
        b"TOP 2 1\r\n",
        b"DELE 3\r\n",
        b"RSET\r\n",
        b"NOOP\r\n",
        b"CAPA\r\n",
        b"STLS\r\n",
        b"AUTH PLAIN\r\n",
        b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n",
        b"*\r\n",
        b"QUIT\r\n",
        b"\r\n",
        b"\n",
        b"\r",
        b".",
        b"RETR 99999999999\r\n",
        b"TOP 1 4294967296\r\n",
    ];
    let mut rng = Rng(0xDEAD_BEEF_CAFE_F00D);
    for round in 0..400 {
        let cfg = Config {
            max_line: 16 + rng.below(300),
            tls_active: rng.below(2) == 0,
            stls_available: rng.below(2) == 0,
            allow_plaintext_auth: rng.below(2) == 0,
            max_bad_commands: 1 + rng.below(30) as u32,
            ..config()
        };
        let mut h = Harness::new(cfg);
        h.update_fails = rng.below(2) == 0;
        h.retrieve_fails = rng.below(5) == 0;
        for _ in 0..60 {
            let mut chunk = Vec::new();
            for _ in 0..rng.below(6) {
                if rng.below(3) == 0 {
                    chunk.extend((0..rng.below(600)).map(|_| rng.next() as u8));
                } else {
                    chunk.extend_from_slice(words[rng.below(words.len())]);
                }
            }
            let out = h.send(&chunk);
            assert!(
                out.is_empty() || out.ends_with("\r\n"),
                "round {round}: {out:?}"
            );
        }
    }
}

#[test]
fn raw_session_random_feed_without_answers() {
    // A server that never answers: the session only pauses, it never runs
    // ahead or panics.
    let mut rng = Rng(42);
    let mut s = Pop3Session::new(config());
    s.greeting();
    for _ in 0..2000 {
        let alphabet = b"USERPAS alice\r\n\n 1";
        let chunk: Vec<u8> = (0..rng.below(64))
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        s.feed(&chunk);
        while s.poll_event().is_some() {}
        s.take_output();
    }
}
