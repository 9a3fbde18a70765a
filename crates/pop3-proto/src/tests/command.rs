//! Known-answer table for the command parser (RFC 1939 §3).

use crate::{Command, MsgArg, ParseError, parse_command};
use vesontio_types::Secret;

fn auth(m: Option<&str>, ir: Option<&str>) -> Command {
    Command::Auth {
        mechanism: m.map(str::to_owned),
        initial_response: ir.map(str::to_owned),
    }
}

#[test]
fn known_answers() {
    use Command::*;
    use MsgArg::{Invalid, Number};
    let syntax = ParseError::Syntax;
    let table: Vec<(&[u8], Result<Command, ParseError>)> = vec![
        (b"USER alice", Ok(User("alice".into()))),
        (b"user alice", Ok(User("alice".into()))),
        (
            b"UsEr alice@ac-demo.fr",
            Ok(User("alice@ac-demo.fr".into())),
        ),
        (b"USER", Err(syntax("USER needs exactly one argument"))),
        (b"USER a b", Err(syntax("USER needs exactly one argument"))),
        (b"USER \xff", Err(syntax("arguments must be UTF-8"))),
        (b"PASS secret", Ok(Pass(Secret::new("secret".into())))),
        (
            b"PASS my secret ",
            Ok(Pass(Secret::new("my secret ".into()))),
        ),
        (b"PASS", Err(syntax("PASS needs a password"))),
        (b"PASS ", Err(syntax("PASS needs a password"))),
        (b"APOP alice c4c9334bac560ecc979e58001b3e22fb", Ok(Apop)),
        (b"AUTH", Ok(auth(None, None))),
        (b"AUTH plain", Ok(auth(Some("PLAIN"), None))),
        (
            b"AUTH PLAIN AGFsaWNlAHNlY3JldA==",
            Ok(auth(Some("PLAIN"), Some("AGFsaWNlAHNlY3JldA=="))),
        ),
        (b"AUTH PLAIN =", Ok(auth(Some("PLAIN"), Some("=")))),
        (
            b"AUTH PLAIN a b",
            Err(syntax(
                "AUTH takes a mechanism and an optional initial response",
            )),
        ),
        (b"CAPA", Ok(Capa)),
        (b"CAPA x", Err(syntax("CAPA takes no argument"))),
        (b"STLS", Ok(Stls)),
        (b"STAT", Ok(Stat)),
        (b"STAT 1", Err(syntax("STAT takes no argument"))),
        (b"LIST", Ok(List(None))),
        (b"LIST 3", Ok(List(Some(Number(3))))),
        (b"LIST  3", Ok(List(Some(Number(3))))),
        (b"LIST 0", Ok(List(Some(Number(0))))),
        (b"LIST x", Ok(List(Some(Invalid)))),
        (b"LIST -1", Ok(List(Some(Invalid)))),
        (b"LIST +1", Ok(List(Some(Invalid)))),
        (b"LIST 99999999999", Ok(List(Some(Invalid)))),
        (
            b"LIST 1 2",
            Err(syntax("at most one message number expected")),
        ),
        (b"UIDL", Ok(Uidl(None))),
        (b"uidl 7", Ok(Uidl(Some(Number(7))))),
        (b"RETR 1", Ok(Retr(Number(1)))),
        (b"RETR", Err(syntax("exactly one message number expected"))),
        (
            b"RETR 1 2",
            Err(syntax("exactly one message number expected")),
        ),
        (b"DELE 4294967295", Ok(Dele(Number(u32::MAX)))),
        (b"TOP 1 0", Ok(Top(Number(1), 0))),
        (b"top 2 10", Ok(Top(Number(2), 10))),
        (b"TOP 1 99999999999", Ok(Top(Number(1), u32::MAX))),
        (b"TOP z 1", Ok(Top(Invalid, 1))),
        (
            b"TOP 1",
            Err(syntax("TOP needs a message number and a line count")),
        ),
        (
            b"TOP 1 x",
            Err(syntax("TOP needs a non-negative line count")),
        ),
        (
            b"TOP 1 -1",
            Err(syntax("TOP needs a non-negative line count")),
        ),
        (b"RSET", Ok(Rset)),
        (b"NOOP", Ok(Noop)),
        (b"QUIT", Ok(Quit)),
        (b"quit", Ok(Quit)),
        (b"QUIT now", Err(syntax("QUIT takes no argument"))),
        (b"", Err(ParseError::Unknown)),
        (b" STAT", Err(ParseError::Unknown)),
        (b"XYZZY", Err(ParseError::Unknown)),
        (b"RETRIEVE 1", Err(ParseError::Unknown)),
        (b"LAST", Err(ParseError::Unknown)),
        (b"ST\xffT", Err(ParseError::Unknown)),
        (b"\x00\x01", Err(ParseError::Unknown)),
    ];
    for (line, want) in table {
        assert_eq!(
            parse_command(line),
            want,
            "line {:?}",
            String::from_utf8_lossy(line)
        );
    }
}
