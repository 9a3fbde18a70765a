//! The DATA phase: transparency, end of data, smuggling, size limit.

use super::*;

fn data_session(c: SessionConfig) -> ServerSession {
    let mut s = in_tx(c);
    run(&mut s, b"DATA\r\n");
    assert_eq!(s.phase(), Phase::DataBlock);
    s
}

/// Body bytes in, the `Event::Data` body out (None if no Data event).
fn body_of(c: SessionConfig, input: &[u8]) -> (String, Option<Vec<u8>>) {
    let mut s = data_session(c);
    let (o, ev) = run(&mut s, input);
    let body = ev.into_iter().find_map(|e| match e {
        Event::Data(b) => Some(b),
        _ => None,
    });
    (o, body)
}

#[test]
fn data_transparency_table() {
    let table: &[(&[u8], &[u8])] = &[
        (b".\r\n", b""),
        (b"a\r\n.\r\n", b"a\r\n"),
        (b"..\r\n.\r\n", b".\r\n"),
        (b"..leading\r\n.\r\n", b".leading\r\n"),
        (b".x\r\n.\r\n", b"x\r\n"),
        (b"a.b\r\nc .\r\n.\r\n", b"a.b\r\nc .\r\n"),
        (b"a\r\n. \r\n.\r\n", b"a\r\n \r\n"),
        // Not an end of data: bare LF / bare CR around the dot.
        (b"a\n.\nb\r\n.\r\n", b"a\r\n.\r\nb\r\n"),
        (b"a\r.\rb\r\n.\r\n", b"a\r\n.\r\nb\r\n"),
        (b"a\r\n.\nb\r\n.\r\n", b"a\r\n.\r\nb\r\n"),
        (b"a\n.\r\nb\r\n.\r\n", b"a\r\n.\r\nb\r\n"),
        (b"a\r\n.\rb\r\n.\r\n", b"a\r\n.\r\nb\r\n"),
    ];
    for (input, want) in table {
        let (o, body) = body_of(cfg(), input);
        assert_eq!(o, "250 2.0.0 Ok: queued as Q1\r\n", "for {input:?}");
        assert_eq!(body.as_deref(), Some(*want), "for {input:?}");
    }
}

#[test]
fn data_smuggling_attempt_stays_in_body() {
    let input = b"x\r\n\n.\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nevil\r\n.\r\nQUIT\r\n";
    let mut s = data_session(cfg());
    let (o, ev) = run(&mut s, input);
    assert_eq!(
        o,
        "250 2.0.0 Ok: queued as Q1\r\n221 2.0.0 mx.test closing connection\r\n"
    );
    assert_eq!(
        ev[0],
        Event::Data(
            b"x\r\n\r\n.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nevil\r\n".to_vec()
        )
    );
    assert_eq!(ev.len(), 2);
}

#[test]
fn data_fed_byte_by_byte() {
    let mut s = data_session(cfg());
    let input = b"l1\r\n..l2\r\n\r\n.\r\nNOOP\r\n";
    let mut evs = Vec::new();
    let mut o = String::new();
    for b in input {
        let (x, e) = run(&mut s, &[*b]);
        o.push_str(&x);
        evs.extend(e);
    }
    assert_eq!(evs, vec![Event::Data(b"l1\r\n.l2\r\n\r\n".to_vec())]);
    assert_eq!(o, "250 2.0.0 Ok: queued as Q1\r\n250 2.0.0 OK\r\n");
}

#[test]
fn data_size_limit() {
    // 998 + CRLF = 1000 octets: exactly the limit.
    let mut at = vec![b'a'; 998];
    at.extend_from_slice(b"\r\n.\r\n");
    let (o, body) = body_of(cfg(), &at);
    assert_eq!(o, "250 2.0.0 Ok: queued as Q1\r\n");
    assert_eq!(body.map(|b| b.len()), Some(1000));

    let mut over = vec![b'a'; 999];
    over.extend_from_slice(b"\r\n.\r\nMAIL FROM:<a@x>\r\n");
    let mut s = data_session(cfg());
    let (o, ev) = run(&mut s, &over);
    assert_eq!(o, format!("552 5.3.4 {TOO_BIG}\r\n250 2.1.0 Sender OK\r\n"));
    assert_eq!(
        ev[0],
        Event::MessageRefused {
            reason: Refusal::TooLarge,
            size: 1001
        }
    );
    // The transaction was over: the MAIL after it was accepted.
    assert!(matches!(ev[1], Event::MailFrom { .. }));
}

#[test]
fn data_huge_input_is_not_buffered() {
    let mut s = data_session(cfg());
    let chunk = vec![b'x'; 64 * 1024];
    for _ in 0..50 {
        let (o, ev) = run(&mut s, &chunk);
        assert_eq!(o, "");
        assert!(ev.is_empty());
        assert!(s.inbuf.is_empty());
        match &s.input {
            Input::Data(r) => assert!(r.buffered() <= 1000),
            _ => panic!("left DATA"),
        }
    }
    let (o, _) = run(&mut s, b"\r\n.\r\n");
    assert_eq!(o, format!("552 5.3.4 {TOO_BIG}\r\n"));
}

#[test]
fn strict_line_endings_refuse_bare_lf() {
    let c = SessionConfig {
        data_line_endings: LineEndings::Refuse,
        ..cfg()
    };
    let mut s = data_session(c.clone());
    let (_, ev) = run(&mut s, b"a\nb\r\n.\r\n");
    assert_eq!(
        ev,
        vec![Event::MessageRefused {
            reason: Refusal::BareLineEnding,
            size: 5
        }]
    );
    let (o, body) = body_of(c.clone(), b"a\nb\r\n.\r\n");
    assert_eq!(
        o,
        "550 5.6.11 Bare CR or LF not allowed in message data, lines must end with CRLF\r\n"
    );
    assert_eq!(body, None);
    let (o, body) = body_of(c, b"a\r\nb\r\n.\r\n");
    assert_eq!(o, "250 2.0.0 Ok: queued as Q1\r\n");
    assert_eq!(body.as_deref(), Some(&b"a\r\nb\r\n"[..]));
}

#[test]
fn data_rejected_by_server_ends_transaction() {
    let mut s = data_session(cfg());
    let o = run_with(&mut s, b"x\r\n.\r\nRCPT TO:<b@y>\r\n", |s, ev| {
        if let Event::Data(_) = ev {
            s.reject(Reply::new(554, EnhancedCode::new(5, 7, 1), "Virus found"))
                .expect("pending");
        }
    })
    .0;
    assert_eq!(
        o,
        "554 5.7.1 Virus found\r\n503 5.5.1 Need MAIL before RCPT\r\n"
    );
}

/// RFC 5321 §4.5.3.1.6 (issue 11): a text line of more than 1000 octets
/// with its CRLF (here `max_line_length` 512 is raised to 1000) refuses the
/// message once its end is read; nothing of it is kept past the limit, and
/// the session goes on.
#[test]
fn data_line_too_long_is_refused_and_not_kept() {
    let c = SessionConfig {
        size_limit: 1_000_000,
        ..cfg()
    };
    let mut at = vec![b'a'; 998];
    at.extend_from_slice(b"\r\nb\r\n.\r\n");
    let (o, body) = body_of(c.clone(), &at);
    assert_eq!(o, "250 2.0.0 Ok: queued as Q1\r\n");
    assert_eq!(body.map(|b| b.len()), Some(1003));

    let mut s = data_session(c);
    let (o, ev) = run(&mut s, b"short line\r\n");
    assert_eq!((o.as_str(), ev.len()), ("", 0));
    // 500 KB without a line break: refused as soon as the line passes 1000.
    for _ in 0..50 {
        let (o, ev) = run(&mut s, &[b'x'; 10_000]);
        assert_eq!((o.as_str(), ev.len()), ("", 0));
        match &s.input {
            Input::Data(r) => assert_eq!(r.buffered(), 0),
            _ => panic!("left DATA"),
        }
    }
    let (o, ev) = run(&mut s, b"\r\nmore\r\n.\r\nMAIL FROM:<a@x.test>\r\n");
    assert_eq!(
        o,
        "550 5.6.0 Message refused: a line is longer than 1000 octets (RFC 5321 section 4.5.3.1.6)\r\n\
         250 2.1.0 Sender OK\r\n"
    );
    assert_eq!(
        ev[0],
        Event::MessageRefused {
            reason: Refusal::LineTooLong,
            size: 12 + 500_000 + 2 + 6
        }
    );
}

/// With `data_part_size`, the body comes out in parts as it arrives; the
/// parts and the final `Data` make the body, whatever the read boundaries.
#[test]
fn data_parts_rebuild_the_body() {
    let c = SessionConfig {
        size_limit: 1_000_000,
        data_part_size: Some(100),
        ..cfg()
    };
    let mut input = Vec::new();
    let mut want = Vec::new();
    for i in 0..500 {
        input.extend_from_slice(format!("..line {i}\r\n").as_bytes());
        want.extend_from_slice(format!(".line {i}\r\n").as_bytes());
    }
    input.extend_from_slice(b".\r\nNOOP\r\n");
    let mut rng = super::robustness::Rng(9);
    for _ in 0..20 {
        let mut s = data_session(c.clone());
        let mut got = Vec::new();
        let mut parts = 0;
        let mut out = String::new();
        let mut rest = input.as_slice();
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len().min(3000));
            let (o, evs) = run(&mut s, &rest[..n]);
            out.push_str(&o);
            for e in evs {
                match e {
                    Event::DataPart(p) => {
                        assert!(p.len() >= 100 && p.len() < 102, "{}", p.len());
                        parts += 1;
                        got.extend(p);
                    }
                    Event::Data(b) => got.extend(b),
                    other => panic!("{other:?}"),
                }
            }
            if let Input::Data(r) = &s.input {
                assert!(r.buffered() < 102);
            }
            rest = &rest[n..];
        }
        assert_eq!(got, want);
        assert_eq!(parts, want.len() / 100);
        assert_eq!(out, "250 2.0.0 Ok: queued as Q1\r\n250 2.0.0 OK\r\n");
    }
    // Over the size: parts stop at the limit, the message is refused.
    let c = SessionConfig {
        data_part_size: Some(100),
        ..cfg()
    };
    let mut s = data_session(c);
    let (o, ev) = run(
        &mut s,
        &[b"y\r\n".repeat(400).as_slice(), b".\r\n"].concat(),
    );
    assert_eq!(o, format!("552 5.3.4 {TOO_BIG}\r\n"));
    let parts = ev
        .iter()
        .filter(|e| matches!(e, Event::DataPart(_)))
        .count();
    // Parts of 102 octets (34 lines): 9 of them fit in 1000.
    assert_eq!(parts, 9);
    assert!(matches!(
        ev.last(),
        Some(Event::MessageRefused {
            reason: Refusal::TooLarge,
            size: 1200
        })
    ));
}
