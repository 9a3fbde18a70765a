//! Known-answer transcripts for AUTHORIZATION: CAPA (RFC 2449 §5), USER/PASS
//! (RFC 1939 §7), AUTH PLAIN (RFC 5034, RFC 4616), STLS (RFC 2595 §4) and
//! the response codes of RFC 2449 §8 / RFC 3206.

use super::harness::{Harness, closed, config, plain_config, run};
use crate::{CloseReason, Config, Event};

const GREETING: &str = "S: +OK pop.ac-demo.fr POP3 server ready\n";

#[test]
fn capa_over_tls() {
    run(
        config(),
        &format!(
            "{GREETING}
            C: CAPA
            S: +OK capability list follows
            S: TOP
            S: UIDL
            S: USER
            S: SASL PLAIN
            S: RESP-CODES
            S: AUTH-RESP-CODE
            S: PIPELINING
            S: EXPIRE 5
            S: IMPLEMENTATION vesontio
            S: .
            C: USER alice
            S: +OK send PASS
            C: PASS secret
            S: +OK maildrop has 3 messages (94 octets)
            C: capa
            S: +OK capability list follows
            S: TOP
            S: UIDL
            S: RESP-CODES
            S: AUTH-RESP-CODE
            S: PIPELINING
            S: EXPIRE 5
            S: IMPLEMENTATION vesontio
            S: ."
        ),
    );
}

#[test]
fn capa_in_plaintext_hides_user_and_sasl() {
    run(
        Config {
            expire: None,
            ..plain_config()
        },
        &format!(
            "{GREETING}
            C: CAPA
            S: +OK capability list follows
            S: TOP
            S: UIDL
            S: STLS
            S: RESP-CODES
            S: AUTH-RESP-CODE
            S: PIPELINING
            S: EXPIRE NEVER
            S: IMPLEMENTATION vesontio
            S: ."
        ),
    );
}

#[test]
fn capa_in_plaintext_when_allowed_and_no_stls() {
    let cfg = Config {
        allow_plaintext_auth: true,
        stls_available: false,
        expire: Some(0),
        ..plain_config()
    };
    run(
        cfg,
        &format!(
            "{GREETING}
            C: CAPA
            S: +OK capability list follows
            S: TOP
            S: UIDL
            S: USER
            S: SASL PLAIN
            S: RESP-CODES
            S: AUTH-RESP-CODE
            S: PIPELINING
            S: EXPIRE 0
            S: IMPLEMENTATION vesontio
            S: .
            C: STLS
            S: -ERR STLS is not available
            C: USER alice
            S: +OK send PASS
            C: PASS secret
            S: +OK maildrop has 3 messages (94 octets)"
        ),
    );
}

#[test]
fn plaintext_login_refused_before_tls() {
    let h = run(
        plain_config(),
        &format!(
            "{GREETING}
            C: USER alice
            S: -ERR [AUTH] plaintext authentication is disabled: use STLS or port 995
            C: PASS secret
            S: -ERR [AUTH] plaintext authentication is disabled: use STLS or port 995
            C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
            S: -ERR [AUTH] plaintext authentication is disabled: use STLS or port 995
            C: STAT
            S: -ERR not authenticated: use STLS, then log in with USER/PASS or AUTH PLAIN"
        ),
    );
    assert!(
        h.events.is_empty(),
        "no credentials reach the server: {:?}",
        h.events
    );
}

#[test]
fn stls_then_login() {
    let h = run(
        plain_config(),
        &format!(
            "{GREETING}
            C: STLS
            S: +OK begin TLS negotiation
            C: CAPA
            S: +OK capability list follows
            S: TOP
            S: UIDL
            S: USER
            S: SASL PLAIN
            S: RESP-CODES
            S: AUTH-RESP-CODE
            S: PIPELINING
            S: EXPIRE 5
            S: IMPLEMENTATION vesontio
            S: .
            C: STLS
            S: -ERR TLS is already active
            C: USER alice
            S: +OK send PASS
            C: PASS secret
            S: +OK maildrop has 3 messages (94 octets)"
        ),
    );
    assert_eq!(h.events, ["starttls", "auth alice UserPass"]);
    assert!(h.s.tls_active());
}

#[test]
fn stls_discards_pipelined_plaintext() {
    let mut h = Harness::new(plain_config());
    h.auto_tls = false;
    h.s.take_output();
    // RFC 2595 §4 / CVE-2011-0411 class: commands injected after STLS in the
    // same plaintext packet must not run inside the TLS session.
    assert_eq!(
        h.send(b"STLS\r\nUSER alice\r\nPASS secret\r\nRETR 1\r\nDEL"),
        "+OK begin TLS negotiation\r\n"
    );
    assert_eq!(h.events, ["starttls"]);
    // Bytes arriving before the handshake completes are not run either.
    assert_eq!(h.send(b"E 1\r\nSTAT\r\n"), "");
    h.s.tls_established().unwrap();
    assert_eq!(h.drive(), "");
    assert_eq!(h.events, ["starttls"]);
    assert_eq!(
        h.send(b"STAT\r\n"),
        "-ERR not authenticated: log in first with USER/PASS or AUTH PLAIN\r\n"
    );
}

#[test]
fn stls_forgets_user() {
    let cfg = Config {
        allow_plaintext_auth: true,
        ..plain_config()
    };
    let mut h = run(
        cfg,
        &format!(
            "{GREETING}
            C: USER alice
            S: +OK send PASS
            C: STLS
            S: +OK begin TLS negotiation
            C: PASS secret
            S: -ERR send USER first"
        ),
    );
    assert_eq!(h.events, ["starttls"]);
    h.transcript("C: USER alice\nS: +OK send PASS");
}

#[test]
fn failed_passwords_close_after_three() {
    let h = run(
        config(),
        &format!(
            "{GREETING}
            C: USER alice
            S: +OK send PASS
            C: PASS wrong
            S: -ERR [AUTH] invalid user name or password
            C: PASS secret
            S: -ERR send USER first
            C: USER alice
            C: PASS wrong
            S: +OK send PASS
            S: -ERR [AUTH] invalid user name or password
            C: USER mallory
            C: PASS guess
            C: USER alice
            C: PASS secret
            S: +OK send PASS
            S: -ERR [AUTH] invalid user name or password"
        ),
    );
    assert!(closed(&h, CloseReason::TooManyAuthFailures));
    assert_eq!(h.events.iter().filter(|e| e.starts_with("auth")).count(), 3);
}

#[test]
fn in_use_and_login_delay_do_not_count_as_failures() {
    let cfg = Config {
        max_auth_failures: 1,
        ..config()
    };
    let h = run(
        cfg,
        &format!(
            "{GREETING}
            C: USER busy
            C: PASS x
            S: +OK send PASS
            S: -ERR [IN-USE] maildrop locked by another session
            C: USER late
            C: PASS x
            S: +OK send PASS
            S: -ERR [LOGIN-DELAY] wait 5 minutes
            C: USER alice
            C: PASS my secret
            S: +OK send PASS
            S: +OK maildrop has 3 messages (94 octets)"
        ),
    );
    assert!(!h.s.is_closed());
}

#[test]
fn auth_plain_initial_response() {
    let h = run(
        config(),
        &format!(
            "{GREETING}
            C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
            S: +OK maildrop has 3 messages (94 octets)"
        ),
    );
    assert_eq!(h.events, ["auth alice Plain"]);
}

#[test]
fn auth_plain_with_matching_authzid() {
    let h = run(
        config(),
        &format!(
            "{GREETING}
            C: auth plain YWxpY2UAYWxpY2UAc2VjcmV0
            S: +OK maildrop has 3 messages (94 octets)"
        ),
    );
    assert_eq!(h.events, ["auth alice Plain"]);
}

#[test]
fn auth_plain_with_other_authzid_is_refused() {
    let h = run(
        config(),
        &format!(
            "{GREETING}
            C: AUTH PLAIN YWRtaW4AYWxpY2UAc2VjcmV0
            S: -ERR [AUTH] authorization identity must be the login itself"
        ),
    );
    assert!(h.events.is_empty());
}

#[test]
fn auth_plain_with_empty_challenge() {
    let h = run(
        config(),
        &format!(
            "{GREETING}
            C: AUTH PLAIN
            S: + 
            C: AGFsaWNlAHdyb25n
            S: -ERR [AUTH] invalid user name or password
            C: AUTH PLAIN
            S: + 
            C: AGFsaWNlAHNlY3JldA==
            S: +OK maildrop has 3 messages (94 octets)"
        ),
    );
    assert_eq!(h.events, ["auth alice Plain", "auth alice Plain"]);
}

#[test]
fn auth_plain_cancel_and_garbage() {
    let h = run(
        config(),
        &format!(
            "{GREETING}
            C: AUTH PLAIN
            S: + 
            C: *
            S: -ERR authentication cancelled
            C: AUTH PLAIN
            S: + 
            C: !!not base64!!
            S: -ERR invalid base64
            C: AUTH PLAIN AGFsaWNlAHNlY3JldA
            S: -ERR invalid base64
            C: AUTH PLAIN =
            S: -ERR malformed PLAIN credentials
            C: AUTH PLAIN AABzZWNyZXQ=
            S: -ERR malformed PLAIN credentials
            C: AUTH PLAIN AGFsaWNlAHNlYwByZXQ=
            S: -ERR malformed PLAIN credentials
            C: AUTH CRAM-MD5
            S: -ERR unsupported SASL mechanism
            C: AUTH
            S: +OK
            S: PLAIN
            S: .
            C: STAT
            S: -ERR not authenticated: log in first with USER/PASS or AUTH PLAIN"
        ),
    );
    assert!(h.events.is_empty());
}

#[test]
fn auth_plain_long_response_line() {
    let mut h = Harness::new(config());
    h.s.take_output();
    assert_eq!(h.send(b"AUTH PLAIN\r\n"), "+ \r\n");
    let long = vec![b'A'; 5000];
    h.s.feed(&long);
    assert_eq!(h.send(b"\r\n"), "-ERR line too long\r\n");
    // Back to commands, not still inside the exchange.
    assert_eq!(
        h.send(b"CAPA\r\n").lines().next(),
        Some("+OK capability list follows")
    );
}

#[test]
fn user_then_auth_forgets_user() {
    run(
        config(),
        &format!(
            "{GREETING}
            C: USER alice
            S: +OK send PASS
            C: AUTH PLAIN
            S: + 
            C: *
            S: -ERR authentication cancelled
            C: PASS secret
            S: -ERR send USER first"
        ),
    );
}

#[test]
fn authenticate_event_hides_password_in_debug() {
    let mut h = Harness::new(config());
    h.s.feed(b"USER alice\r\nPASS hunter2\r\n");
    let ev = h.s.poll_event();
    let Some(Event::Authenticate { password, .. }) = &ev else {
        panic!("{ev:?}")
    };
    assert_eq!(password.expose(), "hunter2");
    assert!(!format!("{ev:?}").contains("hunter2"));
}

#[test]
fn long_plain_credentials_go_through_the_challenge() {
    use base64::Engine;
    let user = "u".repeat(200);
    let pass = "p".repeat(255);
    let b64 = base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{pass}"));
    assert!(b64.len() > 255);
    let mut h = Harness::new(config());
    h.s.take_output();
    // RFC 5034 §4: too long for an initial response on a 255-octet line...
    assert_eq!(
        h.send(format!("AUTH PLAIN {b64}\r\n").as_bytes()),
        "-ERR line too long\r\n"
    );
    // ...so the client sends it after the empty challenge.
    assert_eq!(h.send(b"AUTH PLAIN\r\n"), "+ \r\n");
    assert_eq!(
        h.send(format!("{b64}\r\n").as_bytes()),
        "-ERR [AUTH] invalid user name or password\r\n"
    );
    assert_eq!(h.events, [format!("auth {user} Plain")]);
    // The SASL allowance does not lengthen commands.
    let mut long_cmd = b"USER ".to_vec();
    long_cmd.extend(std::iter::repeat_n(b'a', 600));
    long_cmd.extend_from_slice(b"\r\n");
    assert_eq!(h.send(&long_cmd), "-ERR line too long\r\n");
}

#[test]
fn plaintext_without_stls_points_to_995() {
    let cfg = Config {
        stls_available: false,
        ..plain_config()
    };
    run(
        cfg,
        &format!(
            "{GREETING}
            C: USER alice
            S: -ERR [AUTH] plaintext authentication is disabled: use port 995
            C: AUTH PLAIN
            S: -ERR [AUTH] plaintext authentication is disabled: use port 995
            C: STAT
            S: -ERR not authenticated: log in over TLS on port 995
            C: STLS
            S: -ERR STLS is not available"
        ),
    );
}
