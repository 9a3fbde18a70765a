//! STARTTLS (RFC 3207) and AUTH (RFC 4954, PLAIN, LOGIN).

use super::*;

#[test]
fn starttls_discards_pipelined_injection() {
    let mut s = ServerSession::new(cfg());
    run(&mut s, b"EHLO c\r\n");
    let (o, ev) = run(&mut s, b"STARTTLS\r\nMAIL FROM:<evil@x>\r\n");
    assert_eq!(o, "220 2.0.0 Ready to start TLS\r\n");
    assert_eq!(ev, vec![Event::StartTls { discarded: 20 }]);
    assert_eq!(s.phase(), Phase::TlsHandshake);
    // Bytes fed before the handshake completes are ignored too.
    let (o, ev) = run(&mut s, b"RCPT TO:<v@y>\r\n");
    assert_eq!((o.as_str(), ev.len()), ("", 0));
    s.tls_established().expect("awaiting TLS");
    assert_eq!(s.tls(), TlsState::Active);
    // RFC 3207 §4.2: EHLO again before anything else.
    assert_eq!(
        out(&mut s, "MAIL FROM:<a@x>\r\n"),
        "503 5.5.1 Send HELO/EHLO first\r\n"
    );
    let o = out(&mut s, "EHLO c\r\n");
    assert!(
        !o.contains("STARTTLS") && o.contains("AUTH PLAIN LOGIN"),
        "{o}"
    );
    assert_eq!(
        out(&mut s, "STARTTLS\r\n"),
        "503 5.5.1 TLS already active\r\n"
    );
    assert_eq!(s.tls_established(), Err(SessionError::NotAwaitingTls));
}

#[test]
fn starttls_refusals() {
    let mut s = ServerSession::new(SessionConfig {
        starttls_available: false,
        ..cfg()
    });
    assert_eq!(
        out(&mut s, "STARTTLS\r\n"),
        "502 5.5.1 STARTTLS not available\r\n"
    );
    let mut s = ServerSession::new(cfg());
    assert_eq!(
        out(&mut s, "STARTTLS now\r\n"),
        "501 5.5.4 Syntax error: no parameters allowed\r\n"
    );
    let mut s = in_tx(cfg());
    assert_eq!(
        out(&mut s, "STARTTLS\r\n"),
        "503 5.5.1 STARTTLS not allowed during a mail transaction\r\n"
    );
}

fn b64(s: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn auth_event(authzid: Option<&str>, authcid: &str, pw: &str, m: AuthMechanism) -> Event {
    Event::Auth {
        mechanism: m,
        authzid: authzid.map(str::to_string),
        authcid: authcid.into(),
        password: Secret::new(pw.into()),
    }
}

#[test]
fn auth_refused_before_tls() {
    let mut s = ehloed(cfg());
    assert_eq!(
        out(&mut s, &format!("AUTH PLAIN {}\r\n", b64(b"\0u\0p"))),
        "538 5.7.11 Encryption required for requested authentication mechanism\r\n"
    );
}

#[test]
fn auth_plain_with_initial_response() {
    let mut s = ehloed(tls_cfg());
    let (o, ev) = run(
        &mut s,
        format!("AUTH PLAIN {}\r\n", b64(b"admin\0jean.dupont\0s3cret")).as_bytes(),
    );
    assert_eq!(o, "235 2.7.0 Authentication successful\r\n");
    assert_eq!(
        ev,
        vec![auth_event(
            Some("admin"),
            "jean.dupont",
            "s3cret",
            AuthMechanism::Plain
        )]
    );
    assert!(s.is_authenticated());
    assert_eq!(
        out(&mut s, &format!("AUTH PLAIN {}\r\n", b64(b"\0u\0p"))),
        "503 5.5.1 Already authenticated\r\n"
    );
}

#[test]
fn auth_plain_with_empty_challenge() {
    let mut s = ehloed(tls_cfg());
    assert_eq!(out(&mut s, "AUTH plain\r\n"), "334 \r\n");
    assert_eq!(s.phase(), Phase::AuthExchange);
    let (o, ev) = run_with(
        &mut s,
        format!("{}\r\n", b64(b"\0u\0bad")).as_bytes(),
        |s, _| s.reject(Reply::auth_failed()).expect("pending"),
    );
    assert_eq!(o, "535 5.7.8 Authentication credentials invalid\r\n");
    assert_eq!(ev, vec![auth_event(None, "u", "bad", AuthMechanism::Plain)]);
    assert!(!s.is_authenticated());
}

#[test]
fn auth_login_two_steps() {
    let mut s = ehloed(tls_cfg());
    assert_eq!(out(&mut s, "AUTH LOGIN\r\n"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(
        out(&mut s, &format!("{}\r\n", b64(b"u@x"))),
        "334 UGFzc3dvcmQ6\r\n"
    );
    let (o, ev) = run(
        &mut s,
        format!("{}\r\n", b64("pässword".as_bytes())).as_bytes(),
    );
    assert_eq!(o, "235 2.7.0 Authentication successful\r\n");
    assert_eq!(
        ev,
        vec![auth_event(None, "u@x", "pässword", AuthMechanism::Login)]
    );
    // LOGIN with the user name as initial response.
    let mut s = ehloed(tls_cfg());
    assert_eq!(
        out(&mut s, &format!("AUTH LOGIN {}\r\n", b64(b"u"))),
        "334 UGFzc3dvcmQ6\r\n"
    );
}

#[test]
fn auth_errors() {
    let c = SessionConfig {
        max_bad_commands: 100,
        ..tls_cfg()
    };
    let mut s = ServerSession::new(c.clone());
    assert_eq!(
        out(&mut s, "AUTH PLAIN\r\n"),
        "503 5.5.1 Send EHLO first\r\n"
    );
    run(&mut s, b"HELO c\r\n");
    assert_eq!(
        out(&mut s, "AUTH PLAIN\r\n"),
        "503 5.5.1 Send EHLO first\r\n"
    );
    let mut s = ehloed(c.clone());
    let table: &[(&str, &str)] = &[
        (
            "AUTH CRAM-MD5",
            "504 5.5.4 Unrecognized authentication type",
        ),
        ("AUTH", "501 5.5.4 Syntax error: AUTH needs a mechanism"),
        ("AUTH PLAIN !!!", "501 5.5.2 Cannot decode response"),
        ("AUTH PLAIN =", "501 5.5.2 Cannot decode response"),
        ("AUTH PLAIN *", "501 5.0.0 Authentication cancelled"),
        ("AUTH PLAIN dXNlcg==", "501 5.5.2 Cannot decode response"),
    ];
    for (cmd, want) in table {
        assert_eq!(
            out(&mut s, &format!("{cmd}\r\n")),
            format!("{want}\r\n"),
            "for {cmd}"
        );
    }
    assert_eq!(
        out(&mut s, "AUTH LOGIN\r\n*\r\n"),
        "334 VXNlcm5hbWU6\r\n501 5.0.0 Authentication cancelled\r\n"
    );
    assert_eq!(
        out(&mut s, "AUTH PLAIN\r\n%%%\r\n"),
        "334 \r\n501 5.5.2 Cannot decode response\r\n"
    );
    assert_eq!(s.phase(), Phase::Command);
    // AUTH during a transaction (RFC 4954 §4).
    let mut s = in_tx(c.clone());
    assert_eq!(
        out(&mut s, "AUTH PLAIN\r\n"),
        "503 5.5.1 AUTH not allowed during a mail transaction\r\n"
    );
    let mut s = ehloed(SessionConfig {
        auth_mechanisms: vec![],
        ..c
    });
    assert_eq!(
        out(&mut s, "AUTH PLAIN\r\n"),
        "502 5.5.1 AUTH not available\r\n"
    );
}

#[test]
fn auth_long_initial_response_allowed_up_to_12288() {
    let mut s = ehloed(tls_cfg());
    let pw = "p".repeat(3000);
    let line = format!("AUTH PLAIN {}\r\n", b64(format!("\0u\0{pw}").as_bytes()));
    assert!(line.len() > 512);
    let (o, ev) = run(&mut s, line.as_bytes());
    assert_eq!(o, "235 2.7.0 Authentication successful\r\n");
    assert_eq!(ev, vec![auth_event(None, "u", &pw, AuthMechanism::Plain)]);
}

#[test]
fn submission_requires_auth() {
    let c = SessionConfig {
        mode: Mode::Submission,
        ..cfg()
    };
    let mut s = ehloed(c.clone());
    assert_eq!(
        out(&mut s, "MAIL FROM:<a@x>\r\n"),
        "530 5.7.0 Must issue a STARTTLS command first\r\n"
    );
    let mut s = ehloed(SessionConfig {
        tls: TlsState::Active,
        ..c
    });
    assert_eq!(
        out(&mut s, "MAIL FROM:<a@x>\r\n"),
        "530 5.7.0 Authentication required\r\n"
    );
    let o = out(
        &mut s,
        &format!(
            "AUTH PLAIN {}\r\nMAIL FROM:<a@x> AUTH=a@x\r\n",
            b64(b"\0a@x\0pw")
        ),
    );
    assert_eq!(
        o,
        "235 2.7.0 Authentication successful\r\n250 2.1.0 Sender OK\r\n"
    );
}

#[test]
fn password_never_in_debug_output() {
    let mut s = ehloed(tls_cfg());
    let line = b64(b"\0u\0hunter2");
    s.feed(format!("AUTH PLAIN\r\n{line}").as_bytes());
    assert_eq!(s.poll_event(), None);
    // The response is buffered, still without its CRLF.
    let dbg = format!("{s:?}");
    assert!(!dbg.contains(&line) && !dbg.contains("104, 117"), "{dbg}");
    s.feed(b"\r\n");
    let ev = s.poll_event().expect("auth event");
    let dbg = format!("{ev:?} {s:?}");
    assert!(!dbg.contains("hunter2"), "{dbg}");
    assert!(dbg.contains("<redacted>"));
}
