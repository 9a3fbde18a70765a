use crate::conn::{Event, Limits, LiteralMode, ServerConn};
use crate::state::{State, check};
use crate::*;

fn limits() -> Limits {
    Limits {
        max_command_len: 200,
        max_literal: 1000,
        literal_mode: LiteralMode::Plus,
    }
}

fn conn(state: State) -> ServerConn {
    let mut c = ServerConn::new(limits());
    c.set_state(state);
    c
}

fn out(c: &mut ServerConn) -> String {
    String::from_utf8(c.take_output()).expect("utf8")
}

fn events(c: &mut ServerConn) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

#[test]
fn state_table() {
    use State::*;
    assert!(check(NotAuthenticated, "LOGIN").is_ok());
    assert!(check(NotAuthenticated, "CAPABILITY").is_ok());
    assert!(check(Selected, "ID").is_ok());
    assert_eq!(
        check(Authenticated, "LOGIN"),
        Err("LOGIN is only valid before authentication".to_string())
    );
    assert_eq!(
        check(NotAuthenticated, "SELECT"),
        Err("SELECT requires authentication; LOGIN first".to_string())
    );
    assert_eq!(
        check(Authenticated, "FETCH"),
        Err("FETCH requires a selected mailbox; SELECT first".to_string())
    );
    assert!(check(Selected, "SELECT").is_ok());
    assert!(check(Authenticated, "ENABLE").is_ok());
    assert!(check(Selected, "ENABLE").is_err());
    assert!(check(Authenticated, "IDLE").is_ok());
    assert!(check(Selected, "UID").is_ok());
    assert!(check(Logout, "NOOP").is_err());
}

#[test]
fn pipelined_commands_and_state_errors() {
    let mut c = conn(State::NotAuthenticated);
    c.feed(b"a1 CAPABILITY\r\na2 SELECT INBOX\r\na3 LOGIN u p\r\na4 NOO");
    let ev = events(&mut c);
    assert_eq!(ev.len(), 3);
    assert!(
        matches!(&ev[0], Event::Command(Command { tag, body: CommandBody::Capability }) if tag == "a1")
    );
    assert!(matches!(&ev[1], Event::Bad { tag: Some(t), .. } if t == "a2"));
    assert!(matches!(
        &ev[2],
        Event::Command(Command {
            body: CommandBody::Login { .. },
            ..
        })
    ));
    assert_eq!(
        out(&mut c),
        "a2 BAD SELECT requires authentication; LOGIN first\r\n"
    );
    c.set_state(State::Authenticated);
    c.feed(b"P\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::Command(Command {
            body: CommandBody::Noop,
            ..
        })]
    ));
}

#[test]
fn malformed_input_gets_bad_and_session_continues() {
    let mut c = conn(State::Authenticated);
    c.feed(b"a1 FROB\r\n\r\n* x\r\nb2 NOOP\r\n");
    let ev = events(&mut c);
    assert!(
        matches!(&ev[0], Event::Bad { tag: Some(t), text } if t == "a1" && text == "Unknown command FROB")
    );
    assert!(matches!(&ev[1], Event::Bad { tag: None, .. }));
    assert!(matches!(
        &ev[2],
        Event::Command(Command {
            body: CommandBody::Noop,
            ..
        })
    ));
    assert_eq!(
        out(&mut c),
        "a1 BAD Unknown command FROB\r\n* BAD Missing or invalid tag\r\n"
    );
}

#[test]
fn synchronising_literal_flow() {
    let mut c = conn(State::Authenticated);
    c.feed(b"a APPEND INBOX {5}\r\n");
    assert_eq!(
        events(&mut c),
        vec![Event::LiteralAnnounced {
            tag: "a".into(),
            size: 5,
            non_sync: false
        }]
    );
    assert!(c.awaiting_literal_decision());
    c.feed(b"hello\r\n");
    assert_eq!(c.poll_event(), None, "nothing parsed before the decision");
    c.accept_literal(true);
    assert_eq!(out(&mut c), "+ Ready for literal data\r\n");
    match events(&mut c).as_slice() {
        [
            Event::Command(Command {
                body: CommandBody::Append { messages, .. },
                ..
            }),
        ] => {
            assert_eq!(messages[0].data, b"hello")
        }
        other => panic!("{other:?}"),
    }
    // Refused by the server: NO [TOOBIG], next command fine.
    c.feed(b"b APPEND INBOX {50}\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::LiteralAnnounced { size: 50, .. }]
    ));
    c.accept_literal(false);
    assert_eq!(out(&mut c), "b NO [TOOBIG] Literal refused\r\n");
    c.feed(b"c NOOP\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::Command(Command {
            body: CommandBody::Noop,
            ..
        })]
    ));
}

#[test]
fn literal_over_limit_is_refused_without_reading() {
    let mut c = conn(State::Authenticated);
    c.feed(b"a APPEND INBOX {5000}\r\nb NOOP\r\n");
    let ev = events(&mut c);
    assert_eq!(
        ev[0],
        Event::TooBig {
            tag: "a".into(),
            size: 5000
        }
    );
    assert!(matches!(
        &ev[1],
        Event::Command(Command {
            body: CommandBody::Noop,
            ..
        })
    ));
    assert_eq!(out(&mut c), "a NO [TOOBIG] Literal too big\r\n");
}

#[test]
fn literal_in_wrong_state_is_bad_before_reading() {
    let mut c = conn(State::NotAuthenticated);
    c.feed(b"a APPEND INBOX {5}\r\n");
    assert!(matches!(events(&mut c).as_slice(), [Event::Bad { .. }]));
    assert!(out(&mut c).starts_with("a BAD APPEND requires authentication"));
}

#[test]
fn non_synchronising_literals() {
    let mut c = conn(State::Authenticated);
    c.feed(b"a APPEND INBOX {3+}\r\nabc\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::LiteralAnnounced {
            non_sync: true,
            size: 3,
            ..
        }]
    ));
    c.accept_literal(true);
    assert!(matches!(events(&mut c).as_slice(), [Event::Command(_)]));
    assert_eq!(out(&mut c), "", "no continuation for {{n+}}");
    // Over max_literal: BAD [TOOBIG], octets skipped, session continues.
    let big = vec![b'x'; 1500];
    c.feed(b"b APPEND INBOX {1500+}\r\n");
    c.feed(&big);
    c.feed(b" extra\r\nc NOOP\r\n");
    let ev = events(&mut c);
    assert_eq!(
        ev[0],
        Event::TooBig {
            tag: "b".into(),
            size: 1500
        }
    );
    assert!(
        matches!(
            &ev[1],
            Event::Command(Command {
                body: CommandBody::Noop,
                ..
            })
        ),
        "{ev:?}"
    );
    assert_eq!(
        out(&mut c),
        "b BAD [TOOBIG] Non-synchronizing literal too big\r\n"
    );
}

#[test]
fn literals_before_login_are_small() {
    let mut c = ServerConn::new(Limits {
        max_command_len: 200,
        max_literal: 100_000,
        literal_mode: LiteralMode::Plus,
    });
    // A password as a literal is fine.
    c.feed(b"a LOGIN {4+}\r\nuser {6+}\r\nsecret\r\n");
    let ev = events(&mut c);
    assert!(
        matches!(ev[0], Event::LiteralAnnounced { size: 4, .. }),
        "{ev:?}"
    );
    c.accept_literal(true);
    assert!(matches!(
        events(&mut c)[0],
        Event::LiteralAnnounced { size: 6, .. }
    ));
    c.accept_literal(true);
    assert!(matches!(events(&mut c).as_slice(), [Event::Command(_)]));
    // Above 4096 octets before login: refused whatever LITERAL+ allows later.
    c.feed(b"b LOGIN {5000+}\r\n");
    c.feed(&vec![b'z'; 5000]);
    c.feed(b" x\r\nc NOOP\r\n");
    let ev = events(&mut c);
    assert_eq!(
        ev[0],
        Event::TooBig {
            tag: "b".into(),
            size: 5000
        }
    );
    assert!(
        matches!(
            &ev[1],
            Event::Command(Command {
                body: CommandBody::Noop,
                ..
            })
        ),
        "{ev:?}"
    );
    c.feed(b"d LOGIN {5000}\r\n");
    assert_eq!(
        events(&mut c),
        vec![Event::TooBig {
            tag: "d".into(),
            size: 5000
        }]
    );
    let o = out(&mut c);
    assert!(
        o.contains("b BAD [TOOBIG]") && o.contains("d NO [TOOBIG]"),
        "{o}"
    );
    // Once logged in, LITERAL+ goes up to max_literal.
    c.set_state(State::Authenticated);
    c.feed(b"e APPEND INBOX {5000+}\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::LiteralAnnounced { size: 5000, .. }]
    ));
}

#[test]
fn literal_minus_caps_non_sync_at_4096() {
    let mut c = ServerConn::new(Limits {
        max_command_len: 200,
        max_literal: 100_000,
        literal_mode: LiteralMode::Minus,
    });
    c.set_state(State::Authenticated);
    c.feed(b"a APPEND INBOX {5000+}\r\n");
    c.feed(&vec![b'y'; 5000]);
    c.feed(b"\r\nb NOOP\r\n");
    let ev = events(&mut c);
    assert_eq!(
        ev[0],
        Event::TooBig {
            tag: "a".into(),
            size: 5000
        }
    );
    assert!(matches!(
        &ev[1],
        Event::Command(Command {
            body: CommandBody::Noop,
            ..
        })
    ));
    // A synchronising one of the same size is fine under LITERAL-.
    c.feed(b"c APPEND INBOX {5000}\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::LiteralAnnounced { size: 5000, .. }]
    ));
}

#[test]
fn overlong_line_is_skipped_not_buffered() {
    let mut c = conn(State::Authenticated);
    c.feed(b"a1 NOOP ");
    for _ in 0..100 {
        c.feed(&[b'x'; 100]);
        let _ = events(&mut c);
    }
    assert!(out(&mut c).starts_with("a1 BAD Command line too long"));
    c.feed(b"xxx\r\na2 NOOP\r\n");
    let ev = events(&mut c);
    assert!(
        matches!(ev.as_slice(), [Event::Command(Command { tag, .. })] if tag == "a2"),
        "{ev:?}"
    );
    // A complete over-long line in one read.
    let mut line = b"a3 LOGIN ".to_vec();
    line.extend(vec![b'z'; 300]);
    line.extend(b"\r\na4 NOOP\r\n");
    c.feed(&line);
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::Bad { tag: Some(t), .. } if t == "a3"));
    assert!(matches!(&ev[1], Event::Command(Command { tag, .. }) if tag == "a4"));
}

#[test]
fn idle_and_done() {
    let mut c = conn(State::Selected);
    c.feed(b"a IDLE\r\n");
    assert_eq!(events(&mut c), vec![Event::Idle { tag: "a".into() }]);
    assert_eq!(out(&mut c), "+ idling\r\n");
    c.feed(b"done\r\nb NOOP\r\n");
    let ev = events(&mut c);
    assert_eq!(ev[0], Event::IdleDone { tag: "a".into() });
    assert!(matches!(
        &ev[1],
        Event::Command(Command {
            body: CommandBody::Noop,
            ..
        })
    ));
    c.feed(b"c IDLE\r\nnope\r\n");
    let ev = events(&mut c);
    assert!(matches!(&ev[1], Event::Bad { tag: Some(t), .. } if t == "c"));
}

#[test]
fn authenticate_exchange() {
    let mut c = conn(State::NotAuthenticated);
    c.feed(b"a AUTHENTICATE PLAIN\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::Command(Command {
            body: CommandBody::Authenticate { .. },
            ..
        })]
    ));
    c.auth_challenge(b"");
    assert_eq!(out(&mut c), "+ \r\n");
    c.feed(b"AHUAcA==\r\n");
    assert_eq!(
        events(&mut c),
        vec![Event::AuthenticateContinue {
            tag: "a".into(),
            data: Secret(b"\0u\0p".to_vec())
        }]
    );
    c.write(Response::ok("a", "Logged in"));
    c.set_state(State::Authenticated);
    c.feed(b"b NOOP\r\n");
    assert!(matches!(
        events(&mut c).as_slice(),
        [Event::Command(Command {
            body: CommandBody::Noop,
            ..
        })]
    ));
    // Cancel.
    let mut c = conn(State::NotAuthenticated);
    c.feed(b"x AUTHENTICATE LOGIN\r\n*\r\n");
    let ev = events(&mut c);
    assert_eq!(ev[1], Event::AuthenticateCancel { tag: "x".into() });
    assert_eq!(out(&mut c), "x BAD Authentication cancelled\r\n");
}

#[test]
fn starttls_drops_pipelined_input() {
    let mut c = conn(State::NotAuthenticated);
    c.feed(b"a STARTTLS\r\nb LOGIN u p\r\n");
    let ev = events(&mut c);
    assert_eq!(ev.len(), 1);
    assert!(matches!(
        &ev[0],
        Event::Command(Command {
            body: CommandBody::StartTls,
            ..
        })
    ));
}

#[test]
fn utf8_mode_changes_names_both_ways() {
    let mut c = conn(State::Authenticated);
    c.feed("a CREATE &ZeVnLIqe-\r\n".as_bytes());
    assert!(
        matches!(events(&mut c).as_slice(), [Event::Command(Command { body: CommandBody::Create { mailbox, .. }, .. })] if mailbox.as_str() == "日本語")
    );
    c.write(Response::Data(Data::List(ListItem {
        attributes: vec![],
        delimiter: Some('/'),
        mailbox: Mailbox::new("日本語"),
        extended: vec![],
    })));
    assert_eq!(out(&mut c), "* LIST () \"/\" &ZeVnLIqe-\r\n");
    c.set_utf8(true);
    c.feed("b CREATE \"日本語\"\r\n".as_bytes());
    assert!(
        matches!(events(&mut c).as_slice(), [Event::Command(Command { body: CommandBody::Create { mailbox, .. }, .. })] if mailbox.as_str() == "日本語")
    );
    c.write(Response::Data(Data::List(ListItem {
        attributes: vec![],
        delimiter: Some('/'),
        mailbox: Mailbox::new("日本語"),
        extended: vec![],
    })));
    assert_eq!(out(&mut c), "* LIST () \"/\" \"日本語\"\r\n");
}

#[test]
fn logout_state_ignores_input() {
    let mut c = conn(State::Authenticated);
    c.set_state(State::Logout);
    c.feed(b"a NOOP\r\n");
    assert_eq!(c.poll_event(), None);
}

/// Issue 11: a too-long command used to come back whole as the tag of its
/// `BAD`. Tags over `MAX_TAG_LEN` and echoed atoms are cut.
#[test]
fn echoed_tags_and_texts_are_capped() {
    use crate::parser::{MAX_ECHO_LEN, MAX_TAG_LEN};
    let mut c = conn(State::Authenticated);
    // Over-long line whose first word is all tag characters.
    c.feed(&[b'a'; 5000]);
    c.feed(b" NOOP\r\n");
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::Bad { tag: None, .. }), "{ev:?}");
    let o = out(&mut c);
    assert!(o.starts_with("* BAD Command line too long"), "{o}");
    assert!(o.len() < 100, "{o}");
    // A long tag within the line limit: refused, untagged.
    let tag = "t".repeat(MAX_TAG_LEN + 1);
    c.feed(format!("{tag} NOOP\r\n").as_bytes());
    let ev = events(&mut c);
    assert!(matches!(&ev[0], Event::Bad { tag: None, .. }), "{ev:?}");
    assert_eq!(out(&mut c), "* BAD Tag longer than 128 octets\r\n");
    // The longest tag allowed is echoed exactly.
    let tag = "t".repeat(MAX_TAG_LEN);
    c.feed(format!("{tag} NOOP\r\n").as_bytes());
    let ev = events(&mut c);
    assert!(
        matches!(&ev[..], [Event::Command(Command { tag: t, .. })] if *t == tag),
        "{ev:?}"
    );
    // An unknown command name is quoted back shortened.
    let name = "X".repeat(150);
    c.feed(format!("a1 {name}\r\n").as_bytes());
    let _ = events(&mut c);
    let o = out(&mut c);
    let shown = format!("a1 BAD Unknown command {}...\r\n", "X".repeat(MAX_ECHO_LEN));
    assert_eq!(o, shown);
}

#[test]
fn status_texts_are_capped_and_clean() {
    let mut out = Vec::new();
    let long = format!("No such mailbox: {}\r\n\0x", "é".repeat(3000));
    Encoder::default().encode(&Response::no("a1", None, &long), &mut out);
    let s = String::from_utf8(out).expect("cut at a character boundary");
    assert!(s.starts_with("a1 NO No such mailbox: éé"), "{s}");
    assert!(s.ends_with("...\r\n"), "{s}");
    assert!(s.len() <= crate::response::MAX_TEXT + 20, "{}", s.len());
    assert!(!s[..s.len() - 2].contains(['\r', '\n', '\0']));
}
