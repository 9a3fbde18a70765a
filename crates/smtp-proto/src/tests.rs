//! Known-answer tables for the parsers: commands, paths, parameters,
//! xtext, enhanced codes and replies.
#![allow(clippy::type_complexity)]

use crate::command::{Command, CommandError, parse};
use crate::params::{xtext_decode, xtext_encode};
use crate::path::{self, ForwardPath, Mailbox, PathError, ReversePath};
use crate::reply::{EnhancedCode, Reply, ReplyError, ReplyParser};

fn mb(l: &str, d: &str) -> Mailbox {
    Mailbox {
        local_part: l.into(),
        domain: d.into(),
    }
}

#[test]
fn command_table() {
    let table: &[(&[u8], Result<Command, CommandError>)] = &[
        (b"EHLO a.b", Ok(Command::Ehlo("a.b".into()))),
        (b"helo  a_b ", Ok(Command::Helo("a_b".into()))),
        (b"DATA", Ok(Command::Data)),
        (
            b"data x",
            Err(CommandError::Syntax("no parameters allowed")),
        ),
        (b"Quit", Ok(Command::Quit)),
        (b"NOOP anything", Ok(Command::Noop)),
        (b"HELP MAIL", Ok(Command::Help)),
        (b"VRFY bob", Ok(Command::Vrfy("bob".into()))),
        (b"VRFY", Err(CommandError::Syntax("argument required"))),
        (b"STARTTLS", Ok(Command::StartTls)),
        (
            b"AUTH plain AGEAYg==",
            Ok(Command::Auth {
                mechanism: "PLAIN".into(),
                initial_response: Some("AGEAYg==".into()),
            }),
        ),
        (
            b"AUTH LOGIN a b",
            Err(CommandError::Syntax("too many AUTH arguments")),
        ),
        (
            b"BDAT 10 LAST",
            Ok(Command::Bdat {
                size: 10,
                last: true,
            }),
        ),
        (
            b"bdat 0",
            Ok(Command::Bdat {
                size: 0,
                last: false,
            }),
        ),
        (
            b"BDAT 10 last",
            Ok(Command::Bdat {
                size: 10,
                last: true,
            }),
        ),
        (
            b"BDAT",
            Err(CommandError::Syntax("BDAT needs a chunk size")),
        ),
        (b"BDAT -1", Err(CommandError::Syntax("bad BDAT chunk size"))),
        (
            b"BDAT 99999999999999999999",
            Err(CommandError::Syntax("bad BDAT chunk size")),
        ),
        (
            b"BDAT 1 FIRST",
            Err(CommandError::Syntax("BDAT end marker must be LAST")),
        ),
        (
            b"BDAT 1 LAST x",
            Err(CommandError::Syntax("too many BDAT arguments")),
        ),
        (b"TURN", Ok(Command::Unknown("TURN".into()))),
        (b"", Ok(Command::Unknown("".into()))),
        (b"MAIL FROM:<a@b>\x00", Err(CommandError::ControlCharacter)),
        (b"MAIL FROM:<a@b>\t", Err(CommandError::ControlCharacter)),
        (b"MAIL FROM:<\xc3(@b>", Err(CommandError::InvalidUtf8)),
        (
            b"MAIL FROM:<a@b",
            Err(CommandError::Path(PathError::Brackets)),
        ),
        (
            b"RCPT TO:<a@b> X-FOO",
            Err(CommandError::UnknownParameter("X-FOO".into())),
        ),
        (
            b"RCPT TO:<a@b> =x",
            Err(CommandError::Syntax("bad parameter keyword")),
        ),
        (
            b"RCPT TO:<a@b> NOTIFY=",
            Err(CommandError::Syntax("bad parameter value")),
        ),
    ];
    for (line, want) in table {
        assert_eq!(
            &parse(line),
            want,
            "for {:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn reverse_path_table() {
    let table: &[(&str, Result<(ReversePath, &str), PathError>)] = &[
        ("<>", Ok((ReversePath::Null, ""))),
        ("<> SIZE=1", Ok((ReversePath::Null, " SIZE=1"))),
        ("<a@b.c>", Ok((ReversePath::Mailbox(mb("a", "b.c")), ""))),
        (
            "<a.b+c@d-e.f> X",
            Ok((ReversePath::Mailbox(mb("a.b+c", "d-e.f")), " X")),
        ),
        ("<\"\"@b>", Ok((ReversePath::Mailbox(mb("", "b")), ""))),
        (
            "<\"a@b\"@c>",
            Ok((ReversePath::Mailbox(mb("a@b", "c")), "")),
        ),
        ("<@x,@y:a@b>", Ok((ReversePath::Mailbox(mb("a", "b")), ""))),
        ("<@x,y:a@b>", Err(PathError::SourceRoute)),
        ("a@b", Err(PathError::Brackets)),
        ("<a@b", Err(PathError::Brackets)),
        ("<.a@b>", Err(PathError::LocalPart)),
        ("<a.@b>", Err(PathError::LocalPart)),
        ("<a b@c>", Err(PathError::LocalPart)),
        ("<\"a\x01\"@c>", Err(PathError::LocalPart)),
        ("<\"a@c>", Err(PathError::LocalPart)),
        ("<a@-b.c>", Err(PathError::Domain)),
        ("<a@b..c>", Err(PathError::Domain)),
        ("<a@b.c.>", Err(PathError::Domain)),
        ("<a@[300.1.1.1]>", Err(PathError::Domain)),
        (
            "<a@[IPv6:::1]>",
            Ok((ReversePath::Mailbox(mb("a", "[IPv6:::1]")), "")),
        ),
        (
            "<a@[x-tag:abc]>",
            Ok((ReversePath::Mailbox(mb("a", "[x-tag:abc]")), "")),
        ),
        (
            "<été@exemple.fr>",
            Ok((ReversePath::Mailbox(mb("été", "exemple.fr")), "")),
        ),
    ];
    for (s, want) in table {
        assert_eq!(&path::reverse_path(s), want, "for {s}");
    }
    let long = format!("<{}@{}.fr>", "a".repeat(60), "b".repeat(200));
    assert_eq!(path::reverse_path(&long), Err(PathError::TooLong));
}

#[test]
fn forward_path_table() {
    assert_eq!(
        path::forward_path("<Postmaster>"),
        Ok((ForwardPath::Postmaster, ""))
    );
    assert_eq!(
        path::forward_path("<POSTMASTER> X"),
        Ok((ForwardPath::Postmaster, " X"))
    );
    assert_eq!(
        path::forward_path("<postmaster@x.fr>"),
        Ok((ForwardPath::Mailbox(mb("postmaster", "x.fr")), ""))
    );
    assert_eq!(path::forward_path("<>"), Err(PathError::MissingDomain));
}

#[test]
fn mailbox_display_round_trip() {
    let table = [
        (mb("a.b", "c.d"), "a.b@c.d"),
        (mb("a b", "c"), "\"a b\"@c"),
        (mb("a\"b\\", "c"), "\"a\\\"b\\\\\"@c"),
        (mb("", "c"), "\"\"@c"),
        (mb("é", "ü.fr"), "é@ü.fr"),
    ];
    for (m, text) in table {
        assert_eq!(m.to_string(), text);
        let wire = format!("<{text}>");
        let (p, rest) = path::reverse_path(&wire).expect("round trip");
        assert_eq!((p, rest), (ReversePath::Mailbox(m), ""));
    }
    assert_eq!(ForwardPath::Postmaster.to_string(), "<Postmaster>");
    assert_eq!(ReversePath::Null.to_string(), "<>");
}

#[test]
fn xtext_table() {
    let table: &[(&str, Option<&str>)] = &[
        ("abc", Some("abc")),
        ("a+2Bb", Some("a+b")),
        ("a+3D", Some("a=")),
        ("+C3+A9", Some("é")),
        ("é", Some("é")),
        ("a+2b", None),
        ("a+2", None),
        ("a=b", None),
        ("a b", None),
        ("+FF", None),
    ];
    for (s, want) in table {
        assert_eq!(xtext_decode(s).as_deref(), *want, "for {s}");
    }
    for s in ["a+b=c d", "é", "plain", "+++", ""] {
        assert_eq!(xtext_decode(&xtext_encode(s)).as_deref(), Some(s));
    }
    assert_eq!(xtext_encode("a+b=c d"), "a+2Bb+3Dc+20d");
}

#[test]
fn enhanced_code_table() {
    let table: &[(&str, Option<EnhancedCode>)] = &[
        ("5.7.1", Some(EnhancedCode::new(5, 7, 1))),
        ("2.0.0", Some(EnhancedCode::new(2, 0, 0))),
        ("4.123.456", Some(EnhancedCode::new(4, 123, 456))),
        ("3.0.0", None),
        ("5.1234.1", None),
        ("5.7", None),
        ("5.7.1.1", None),
        ("5..1", None),
        ("a.b.c", None),
    ];
    for (s, want) in table {
        assert_eq!(EnhancedCode::parse(s), *want, "for {s}");
    }
}

#[test]
fn reply_formatting() {
    let r = Reply::new(
        550,
        EnhancedCode::new(5, 7, 1),
        "line one\nline two\r\ninjected",
    );
    assert_eq!(
        r.to_bytes(),
        b"550-5.7.1 line one\r\n550-5.7.1 line two\r\n550 5.7.1 injected\r\n"
    );
    assert_eq!(Reply::plain(334, "").to_bytes(), b"334 \r\n");
    assert_eq!(Reply::plain(220, "x\ry").to_bytes(), b"220 xy\r\n");
    assert_eq!(
        Reply::local_error("E42").to_bytes(),
        b"451 4.3.0 Local error in processing, reference E42\r\n"
    );
    assert_eq!(
        Reply::auth_failed().to_bytes(),
        b"535 5.7.8 Authentication credentials invalid\r\n"
    );
}

fn parse_reply(lines: &[&[u8]]) -> Result<Option<Reply>, ReplyError> {
    let mut p = ReplyParser::new();
    let mut last = Ok(None);
    for l in lines {
        last = p.line(l);
    }
    last
}

#[test]
fn reply_parser_table() {
    let table: &[(&[&[u8]], Result<Option<Reply>, ReplyError>)] = &[
        (&[b"250 OK"], Ok(Some(Reply::plain(250, "OK")))),
        (&[b"250"], Ok(Some(Reply::plain(250, "")))),
        (
            &[b"550 5.1.1 No such user"],
            Ok(Some(Reply::new(
                550,
                EnhancedCode::new(5, 1, 1),
                "No such user",
            ))),
        ),
        // An enhanced code whose class differs from the code is just text.
        (
            &[b"550 2.1.1 odd"],
            Ok(Some(Reply::plain(550, "2.1.1 odd"))),
        ),
        (
            &[b"250-mx Hello", b"250-SIZE 100", b"250 8BITMIME"],
            Ok(Some(Reply::plain(250, "mx Hello\nSIZE 100\n8BITMIME"))),
        ),
        (
            &[b"451-4.3.0 one", b"451 4.3.0 two"],
            Ok(Some(Reply::new(
                451,
                EnhancedCode::new(4, 3, 0),
                "one\ntwo",
            ))),
        ),
        (&[b"250-a"], Ok(None)),
        (&[b"250-a", b"251 b"], Err(ReplyError::CodeMismatch)),
        (&[b"25 x"], Err(ReplyError::BadCode)),
        (&[b"abc"], Err(ReplyError::BadCode)),
        (&[b"250x"], Err(ReplyError::BadSeparator)),
    ];
    for (lines, want) in table {
        assert_eq!(&parse_reply(lines), want, "for {lines:?}");
    }
}

#[test]
fn reply_parser_bounds_memory() {
    let mut p = ReplyParser::new();
    let line = format!("250-{}", "x".repeat(1000));
    let mut res = Ok(None);
    for _ in 0..100 {
        res = p.line(line.as_bytes());
        if res.is_err() {
            break;
        }
    }
    assert_eq!(res, Err(ReplyError::TooLong));
}
