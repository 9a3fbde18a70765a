//! Transcripts of each command: greeting, EHLO/HELO, MAIL, RCPT, RSET,
//! NOOP, VRFY, EXPN, HELP, QUIT, pipelining and the decision API.

use super::*;

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
