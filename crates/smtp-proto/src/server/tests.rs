//! Known-answer transcripts for the server session: bytes in, bytes and
//! events out.

use super::*;
use crate::params::{Body, Notify, Orcpt, Ret};
use crate::path::Mailbox;

const TOO_BIG: &str = "Message too large (limit 1000 bytes), use https://files.test";

fn cfg() -> SessionConfig {
    SessionConfig {
        hostname: "mx.test".into(),
        mode: Mode::Mx,
        tls: TlsState::None,
        starttls_available: true,
        size_limit: 1000,
        size_limit_text: TOO_BIG.into(),
        max_recipients: 3,
        max_line_length: 512,
        max_bad_commands: 5,
        auth_mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
        auth_mechanisms_allowed_without_tls: false,
        data_line_endings: LineEndings::Normalise,
    }
}

fn tls_cfg() -> SessionConfig {
    SessionConfig {
        tls: TlsState::Active,
        ..cfg()
    }
}

/// Feeds `input`, accepts every decision, returns output and events.
fn run(s: &mut ServerSession, input: &[u8]) -> (String, Vec<Event>) {
    run_with(s, input, |s, _| accept(s))
}

fn accept(s: &mut ServerSession) {
    let r = match s.pending {
        Some(Pending::Mail { .. }) => s.accept_mail(),
        Some(Pending::Rcpt) => s.accept_rcpt(),
        Some(Pending::Data) => s.accept_data("Q1"),
        Some(Pending::Auth) => s.accept_auth(),
        None => Ok(()),
    };
    assert_eq!(r, Ok(()));
}

fn run_with(
    s: &mut ServerSession,
    input: &[u8],
    mut decide: impl FnMut(&mut ServerSession, &Event),
) -> (String, Vec<Event>) {
    s.feed(input);
    let mut events = Vec::new();
    while let Some(ev) = s.poll_event() {
        decide(s, &ev);
        events.push(ev);
    }
    let out = String::from_utf8(s.take_output()).expect("replies are UTF-8");
    (out, events)
}

fn out(s: &mut ServerSession, input: &str) -> String {
    run(s, input.as_bytes()).0
}

fn mb(local: &str, domain: &str) -> Mailbox {
    Mailbox {
        local_part: local.into(),
        domain: domain.into(),
    }
}

/// A session after EHLO, output discarded.
fn ehloed(cfg: SessionConfig) -> ServerSession {
    let mut s = ServerSession::new(cfg);
    run(&mut s, b"EHLO c.test\r\n");
    s
}

/// A session inside a transaction with one accepted recipient.
fn in_tx(cfg: SessionConfig) -> ServerSession {
    let mut s = ehloed(cfg);
    run(&mut s, b"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n");
    s
}

const EHLO_PLAIN: &str = "250-mx.test Hello c.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n\
250-8BITMIME\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250-DSN\r\n250-STARTTLS\r\n250 HELP\r\n";

#[test]
fn greeting() {
    let mut s = ServerSession::new(cfg());
    s.greeting();
    assert_eq!(s.take_output(), b"220 mx.test ESMTP vesontio\r\n");
}

#[test]
fn ehlo_without_tls_offers_starttls_not_auth() {
    let mut s = ServerSession::new(cfg());
    let (o, ev) = run(&mut s, b"EHLO c.test\r\n");
    assert_eq!(o, EHLO_PLAIN);
    assert_eq!(
        ev,
        vec![Event::Ehlo {
            domain: "c.test".into()
        }]
    );
}

#[test]
fn ehlo_with_tls_offers_auth_not_starttls() {
    let mut s = ServerSession::new(tls_cfg());
    let o = out(&mut s, "ehlo [192.0.2.1]\r\n");
    assert_eq!(
        o,
        "250-mx.test Hello [192.0.2.1]\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250-8BITMIME\r\n\
250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250-DSN\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n"
    );
}

#[test]
fn auth_offered_without_tls_only_when_configured() {
    let mut c = cfg();
    c.auth_mechanisms_allowed_without_tls = true;
    c.starttls_available = false;
    let mut s = ServerSession::new(c);
    let o = out(&mut s, "EHLO c\r\n");
    assert!(o.contains("250-AUTH PLAIN LOGIN\r\n"), "{o}");
    assert!(!o.contains("STARTTLS"), "{o}");
}

#[test]
fn helo_and_missing_argument() {
    let mut s = ServerSession::new(cfg());
    assert_eq!(
        out(&mut s, "HELO c.test\r\n"),
        "250 mx.test Hello c.test\r\n"
    );
    assert_eq!(
        out(&mut s, "EHLO\r\n"),
        "501 5.5.4 Syntax error: domain name required\r\n"
    );
}

#[test]
fn whole_transaction_one_command_at_a_time() {
    let mut s = ServerSession::new(cfg());
    s.greeting();
    let steps: &[(&str, &str)] = &[
        ("EHLO c.test\r\n", EHLO_PLAIN),
        ("MAIL FROM:<a@x.test>\r\n", "250 2.1.0 Sender OK\r\n"),
        ("RCPT TO:<b@y.test>\r\n", "250 2.1.5 Recipient OK\r\n"),
        (
            "DATA\r\n",
            "354 Start mail input; end with <CRLF>.<CRLF>\r\n",
        ),
        ("Subject: hi\r\n\r\nbody\r\n", ""),
        (".\r\n", "250 2.0.0 Ok: queued as Q1\r\n"),
        ("QUIT\r\n", "221 2.0.0 mx.test closing connection\r\n"),
    ];
    s.take_output();
    let mut all = Vec::new();
    for (c, want) in steps {
        let (o, ev) = run(&mut s, c.as_bytes());
        assert_eq!(o, *want, "after {c:?}");
        all.extend(ev);
    }
    assert_eq!(
        all,
        vec![
            Event::Ehlo {
                domain: "c.test".into()
            },
            Event::MailFrom {
                reverse_path: ReversePath::Mailbox(mb("a", "x.test")),
                params: MailParams::default()
            },
            Event::RcptTo {
                forward_path: ForwardPath::Mailbox(mb("b", "y.test")),
                params: RcptParams::default()
            },
            Event::Data(b"Subject: hi\r\n\r\nbody\r\n".to_vec()),
            Event::Quit,
        ]
    );
    assert!(s.is_closed());
    assert_eq!(s.phase(), Phase::Closed);
}

#[test]
fn pipelined_group_replies_in_order() {
    let mut s = ehloed(cfg());
    let input = "MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nRCPT TO:<bad@y.test>\r\n\
RCPT TO:<c@y.test>\r\nDATA\r\nhello\r\n.\r\nNOOP\r\nQUIT\r\nNOOP\r\n";
    let (o, ev) = run_with(&mut s, input.as_bytes(), |s, ev| match ev {
        Event::RcptTo {
            forward_path: ForwardPath::Mailbox(m),
            ..
        } if m.local_part == "bad" => {
            let r = Reply::new(550, EnhancedCode::new(5, 1, 1), "No such user");
            assert_eq!(s.reject(r), Ok(()));
        }
        _ => accept(s),
    });
    assert_eq!(
        o,
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n550 5.1.1 No such user\r\n\
250 2.1.5 Recipient OK\r\n354 Start mail input; end with <CRLF>.<CRLF>\r\n\
250 2.0.0 Ok: queued as Q1\r\n250 2.0.0 OK\r\n221 2.0.0 mx.test closing connection\r\n"
    );
    assert_eq!(ev.len(), 6);
    assert_eq!(ev[4], Event::Data(b"hello\r\n".to_vec()));
    assert_eq!(ev[5], Event::Quit);
}

#[test]
fn nothing_is_read_while_a_decision_is_pending() {
    let mut s = ehloed(cfg());
    s.feed(b"MAIL FROM:<a@x.test>\r\nNOOP\r\n");
    assert!(matches!(s.poll_event(), Some(Event::MailFrom { .. })));
    assert_eq!(s.phase(), Phase::Decision);
    assert_eq!(s.poll_event(), None);
    assert_eq!(s.take_output(), b"");
    s.accept_mail().expect("pending");
    assert_eq!(s.poll_event(), None);
    assert_eq!(s.take_output(), b"250 2.1.0 Sender OK\r\n250 2.0.0 OK\r\n");
}

#[test]
fn sequencing_errors() {
    let c = SessionConfig {
        max_bad_commands: 100,
        ..cfg()
    };
    let mut s = ServerSession::new(c.clone());
    assert_eq!(
        out(&mut s, "MAIL FROM:<a@x.test>\r\n"),
        "503 5.5.1 Send HELO/EHLO first\r\n"
    );
    let mut s = ehloed(c);
    assert_eq!(
        out(&mut s, "RCPT TO:<b@y>\r\n"),
        "503 5.5.1 Need MAIL before RCPT\r\n"
    );
    assert_eq!(out(&mut s, "DATA\r\n"), "503 5.5.1 Need MAIL command\r\n");
    assert_eq!(out(&mut s, "MAIL FROM:<>\r\n"), "250 2.1.0 Sender OK\r\n");
    assert_eq!(out(&mut s, "DATA\r\n"), "554 5.5.1 No valid recipients\r\n");
    assert_eq!(
        out(&mut s, "MAIL FROM:<>\r\n"),
        "503 5.5.1 Sender already specified\r\n"
    );
    // RSET ends the transaction; MAIL is allowed again.
    let (o, ev) = run(&mut s, b"RSET\r\nMAIL FROM:<>\r\n");
    assert_eq!(o, "250 2.0.0 OK\r\n250 2.1.0 Sender OK\r\n");
    assert_eq!(ev[0], Event::Rset);
    // EHLO also resets (RFC 5321 §4.1.4).
    run(&mut s, b"EHLO again\r\n");
    assert_eq!(
        out(&mut s, "RCPT TO:<b@y>\r\n"),
        "503 5.5.1 Need MAIL before RCPT\r\n"
    );
}

#[test]
fn mail_from_syntax_table() {
    let table: &[(&str, &str)] = &[
        (
            "MAIL FROM:a@x.test",
            "501 5.1.7 Syntax error: address must be enclosed in <>",
        ),
        (
            "MAIL TO:<a@x.test>",
            "501 5.5.4 Syntax error: expected MAIL FROM:<address>",
        ),
        ("MAIL FROM:<a@>", "501 5.1.7 Bad address syntax: bad domain"),
        (
            "MAIL FROM:<a>",
            "501 5.1.7 Bad address syntax: missing @domain",
        ),
        (
            "MAIL FROM:<a..b@x>",
            "501 5.1.7 Bad address syntax: bad local part",
        ),
        (
            "MAIL FROM:<a@x.test>junk",
            "501 5.5.4 Syntax error: garbage after address",
        ),
        (
            "MAIL FROM:<a@x.test> FOO=1",
            "555 5.5.4 Parameter FOO not recognized",
        ),
        (
            "MAIL FROM:<a@x.test> SIZE=abc",
            "501 5.5.4 Bad parameter: SIZE must be a number",
        ),
        (
            "MAIL FROM:<a@x.test> BODY=BINARYMIME",
            "501 5.5.4 Bad parameter: BODY must be 7BIT or 8BITMIME",
        ),
        (
            "MAIL FROM:<a@x.test> SMTPUTF8=yes",
            "501 5.5.4 Bad parameter: parameter takes no value",
        ),
        (
            "MAIL FROM:<a@x.test> RET=ALL",
            "501 5.5.4 Bad parameter: RET must be FULL or HDRS",
        ),
        (
            "MAIL FROM:<a@x.test> SIZE=1 SIZE=2",
            "501 5.5.4 Syntax error: duplicate parameter",
        ),
        (
            "MAIL FROM:<a@x.test> ENVID=a+zz",
            "501 5.5.4 Bad parameter: ENVID is not valid xtext",
        ),
        (
            "MAIL FROM:<a@x.test> SIZE=1001",
            &format!("552 5.3.4 {TOO_BIG}"),
        ),
        (
            "MAIL FROM:<é@x.test>",
            "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter",
        ),
    ];
    let mut c = cfg();
    c.max_bad_commands = 100;
    let mut s = ehloed(c);
    for (cmd, want) in table {
        let (o, ev) = run(&mut s, format!("{cmd}\r\n").as_bytes());
        assert_eq!(o, format!("{want}\r\n"), "for {cmd}");
        assert!(ev.is_empty(), "for {cmd}");
    }
}

#[test]
fn mail_from_accepted_forms() {
    let full = MailParams {
        size: Some(1000),
        body: Some(Body::EightBitMime),
        smtputf8: true,
        ret: Some(Ret::Hdrs),
        envid: Some("QQ+x=1".into()),
        auth: Some("<>".into()),
    };
    let table: &[(&str, ReversePath, MailParams)] = &[
        ("MAIL FROM:<>", ReversePath::Null, MailParams::default()),
        (
            "mail from: <A.B@X.Test>",
            ReversePath::Mailbox(mb("A.B", "X.Test")),
            MailParams::default(),
        ),
        (
            "MAIL FROM:<@r1.test,@r2.test:a@x.test>",
            ReversePath::Mailbox(mb("a", "x.test")),
            MailParams::default(),
        ),
        (
            "MAIL FROM:<\"a b\\\"c\"@[192.0.2.1]>",
            ReversePath::Mailbox(mb("a b\"c", "[192.0.2.1]")),
            MailParams::default(),
        ),
        (
            "MAIL FROM:<a@[IPv6:2001:db8::1]>",
            ReversePath::Mailbox(mb("a", "[IPv6:2001:db8::1]")),
            MailParams::default(),
        ),
        (
            "MAIL FROM:<élève@académie.fr> body=8bitmime SMTPUTF8 RET=HDRS ENVID=QQ+2Bx+3D1 SIZE=1000 AUTH=<>",
            ReversePath::Mailbox(mb("élève", "académie.fr")),
            full,
        ),
    ];
    for (cmd, path, params) in table {
        let mut s = ehloed(cfg());
        let (o, ev) = run(&mut s, format!("{cmd}\r\n").as_bytes());
        assert_eq!(o, "250 2.1.0 Sender OK\r\n", "for {cmd}");
        assert_eq!(
            ev,
            vec![Event::MailFrom {
                reverse_path: path.clone(),
                params: params.clone()
            }],
            "for {cmd}"
        );
    }
}

#[test]
fn params_refused_after_helo() {
    let mut s = ServerSession::new(cfg());
    run(&mut s, b"HELO c\r\n");
    assert_eq!(
        out(&mut s, "MAIL FROM:<a@x> SIZE=10\r\n"),
        "555 5.5.4 Parameters not allowed after HELO, use EHLO\r\n"
    );
    assert_eq!(
        out(&mut s, "MAIL FROM:<a@x>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
}

#[test]
fn rcpt_params_and_postmaster() {
    let mut s = ehloed(cfg());
    run(&mut s, b"MAIL FROM:<a@x.test>\r\n");
    let (o, ev) = run(
        &mut s,
        b"RCPT TO:<b@y.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@y.test\r\nRCPT TO:<postMaster>\r\n",
    );
    assert_eq!(o, "250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n");
    assert_eq!(
        ev[0],
        Event::RcptTo {
            forward_path: ForwardPath::Mailbox(mb("b", "y.test")),
            params: RcptParams {
                notify: Some(Notify {
                    never: false,
                    success: true,
                    failure: true,
                    delay: false
                }),
                orcpt: Some(Orcpt {
                    addr_type: "rfc822".into(),
                    address: "b+x@y.test".into()
                }),
            }
        }
    );
    assert_eq!(
        ev[1],
        Event::RcptTo {
            forward_path: ForwardPath::Postmaster,
            params: RcptParams::default()
        }
    );
    let table: &[(&str, &str)] = &[
        (
            "RCPT TO:<>",
            "501 5.1.3 Bad address syntax: missing @domain",
        ),
        (
            "RCPT TO:<b@y> NOTIFY=NEVER,DELAY",
            "501 5.5.4 Bad parameter: NOTIFY=NEVER must stand alone",
        ),
        (
            "RCPT TO:<b@y> NOTIFY=SOMETIMES",
            "501 5.5.4 Bad parameter: bad NOTIFY keyword",
        ),
        (
            "RCPT TO:<b@y> ORCPT=nosemicolon",
            "501 5.5.4 Bad parameter: ORCPT needs addr-type;address",
        ),
        (
            "RCPT TO:<b@y> SIZE=1",
            "555 5.5.4 Parameter SIZE not recognized",
        ),
        (
            "RCPT TO:<ü@y>",
            "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter",
        ),
    ];
    for (cmd, want) in table {
        let mut s = ehloed(SessionConfig {
            max_bad_commands: 100,
            ..cfg()
        });
        run(&mut s, b"MAIL FROM:<a@x.test>\r\n");
        assert_eq!(
            out(&mut s, &format!("{cmd}\r\n")),
            format!("{want}\r\n"),
            "for {cmd}"
        );
    }
}

#[test]
fn utf8_recipient_in_smtputf8_transaction() {
    let mut s = ehloed(cfg());
    let o = out(&mut s, "MAIL FROM:<a@x> SMTPUTF8\r\nRCPT TO:<ü@ÿ.test>\r\n");
    assert_eq!(o, "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n");
}

#[test]
fn too_many_recipients() {
    let mut s = ehloed(cfg());
    let (o, ev) = run(
        &mut s,
        b"MAIL FROM:<a@x>\r\nRCPT TO:<1@y>\r\nRCPT TO:<2@y>\r\nRCPT TO:<3@y>\r\nRCPT TO:<4@y>\r\n",
    );
    assert_eq!(
        o,
        "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n250 2.1.5 Recipient OK\r\n\
250 2.1.5 Recipient OK\r\n452 4.5.3 Too many recipients\r\n"
    );
    assert_eq!(ev.len(), 4);
    assert_eq!(s.accepted_recipients(), 3);
    // A refused recipient does not count.
    let mut s = ehloed(cfg());
    let o = run_with(
        &mut s,
        b"MAIL FROM:<a@x>\r\nRCPT TO:<1@y>\r\n",
        |s, ev| match ev {
            Event::RcptTo { .. } => s
                .reject(Reply::new(450, EnhancedCode::new(4, 2, 1), "Try later"))
                .expect("pending"),
            _ => accept(s),
        },
    )
    .0;
    assert_eq!(o, "250 2.1.0 Sender OK\r\n450 4.2.1 Try later\r\n");
    assert_eq!(s.accepted_recipients(), 0);
}

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
fn simple_commands() {
    let mut s = ServerSession::new(cfg());
    let (o, ev) = run(
        &mut s,
        b"NOOP\r\nnoop whatever\r\nVRFY bob\r\nEXPN list\r\nHELP\r\nRSET\r\n",
    );
    assert_eq!(
        o,
        "250 2.0.0 OK\r\n250 2.0.0 OK\r\n\
252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n\
502 5.5.1 EXPN not available\r\n\
214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS AUTH\r\n\
250 2.0.0 OK\r\n"
    );
    assert_eq!(ev, vec![Event::Rset]);
    assert_eq!(
        out(&mut s, "RSET x\r\n"),
        "501 5.5.4 Syntax error: no parameters allowed\r\n"
    );
}

#[test]
fn quit_ignores_what_follows() {
    let mut s = ServerSession::new(cfg());
    let (o, ev) = run(&mut s, b"QUIT\r\nNOOP\r\n");
    assert_eq!(o, "221 2.0.0 mx.test closing connection\r\n");
    assert_eq!(ev, vec![Event::Quit]);
    let (o, ev) = run(&mut s, b"NOOP\r\n");
    assert_eq!((o.as_str(), ev.len()), ("", 0));
}

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

#[test]
fn decision_api_misuse() {
    let mut s = ehloed(cfg());
    assert_eq!(s.accept_mail(), Err(SessionError::NoDecisionPending));
    s.feed(b"MAIL FROM:<a@x>\r\n");
    assert!(s.poll_event().is_some());
    assert_eq!(
        s.accept_rcpt(),
        Err(SessionError::WrongDecision {
            pending: "MAIL",
            called: "RCPT"
        })
    );
    assert_eq!(
        s.reject(Reply::new(250, EnhancedCode::new(2, 0, 0), "x")),
        Err(SessionError::NotARejection(250))
    );
    assert_eq!(
        s.accept_with(Reply::new(550, EnhancedCode::new(5, 0, 0), "x")),
        Err(SessionError::NotASuccess(550))
    );
    assert_eq!(
        s.accept_with(Reply::new(250, EnhancedCode::new(2, 1, 0), "Welcome back")),
        Ok(())
    );
    assert_eq!(s.take_output(), b"250 2.1.0 Welcome back\r\n");
}

#[test]
fn timeout_and_shutdown() {
    let mut s = ServerSession::new(cfg());
    assert_eq!(s.phase().timeout_secs(), Some(300));
    s.on_timeout();
    assert_eq!(
        s.take_output(),
        b"421 4.4.2 mx.test Timeout, closing connection\r\n"
    );
    assert!(s.is_closed());
    let mut s = ServerSession::new(cfg());
    s.shutdown();
    assert_eq!(
        s.take_output(),
        b"421 4.3.2 mx.test Service shutting down\r\n"
    );
    let mut s = ServerSession::new(cfg());
    s.refuse_connection(Reply::new(554, EnhancedCode::new(5, 3, 2), "No service"));
    assert_eq!(s.take_output(), b"554 5.3.2 No service\r\n");
    assert!(s.is_closed());
}

/// A xorshift generator: deterministic, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
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
