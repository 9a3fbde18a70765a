//! Known-answer transcripts for the TRANSACTION and UPDATE states
//! (RFC 1939 §5, §6) and for pipelining (RFC 2449 §6.6).

use super::harness::{Harness, closed, config, run};
use crate::{CloseReason, Event, Pop3State};

const LOGIN: &str = "
    S: +OK pop.ac-demo.fr POP3 server ready
    C: USER alice
    S: +OK send PASS
    C: PASS secret
    S: +OK maildrop has 3 messages (94 octets)
";

#[test]
fn stat_list_uidl() {
    let h = run(
        config(),
        &format!(
            "{LOGIN}
            C: STAT
            S: +OK 3 94
            C: LIST
            S: +OK 3 messages (94 octets)
            S: 1 23
            S: 2 47
            S: 3 24
            S: .
            C: LIST 2
            S: +OK 2 47
            C: list 4
            S: -ERR no such message, only 3 messages in maildrop
            C: LIST 0
            S: -ERR no such message, only 3 messages in maildrop
            C: LIST abc
            S: -ERR no such message, only 3 messages in maildrop
            C: UIDL
            S: +OK unique-id listing follows
            S: 1 uid-1
            S: 2 uid-2
            S: 3 uid-3
            S: .
            C: UIDL 3
            S: +OK 3 uid-3
            C: UIDL 9
            S: -ERR no such message, only 3 messages in maildrop
            C: NOOP
            S: +OK
            "
        ),
    );
    assert_eq!(h.events, ["auth alice UserPass", "noop"]);
    assert_eq!(h.s.state(), Pop3State::Transaction);
}

#[test]
fn dele_hides_messages_and_rset_restores_them() {
    run(
        config(),
        &format!(
            "{LOGIN}
            C: DELE 2
            S: +OK message 2 deleted
            C: STAT
            S: +OK 2 47
            C: LIST
            S: +OK 2 messages (47 octets)
            S: 1 23
            S: 3 24
            S: .
            C: UIDL
            S: +OK unique-id listing follows
            S: 1 uid-1
            S: 3 uid-3
            S: .
            C: LIST 2
            S: -ERR message 2 already deleted
            C: UIDL 2
            S: -ERR message 2 already deleted
            C: RETR 2
            S: -ERR message 2 already deleted
            C: TOP 2 1
            S: -ERR message 2 already deleted
            C: DELE 2
            S: -ERR message 2 already deleted
            C: RSET
            S: +OK maildrop has 3 messages (94 octets)
            C: LIST 2
            S: +OK 2 47
            C: STAT
            S: +OK 3 94
            "
        ),
    );
}

#[test]
fn retr_and_top() {
    let h = run(
        config(),
        &format!(
            "{LOGIN}
            C: RETR 1
            S: +OK 23 octets
            S: Subject: one
            S:
            S: Hello
            S: .
            C: RETR 2
            S: +OK 47 octets
            S: Subject: two
            S: From: b@x
            S:
            S: line1
            S: ..dot
            S: line3
            S: .
            C: RETR 3
            S: +OK 24 octets
            S: Subject: three
            S:
            S: body
            S: .
            C: TOP 2 0
            S: +OK top of message follows
            S: Subject: two
            S: From: b@x
            S:
            S: .
            C: TOP 2 2
            S: +OK top of message follows
            S: Subject: two
            S: From: b@x
            S:
            S: line1
            S: ..dot
            S: .
            C: TOP 3 100
            S: +OK top of message follows
            S: Subject: three
            S:
            S: body
            S: .
            C: RETR 4
            S: -ERR no such message, only 3 messages in maildrop
            C: RETR
            S: -ERR exactly one message number expected
            C: TOP 1
            S: -ERR TOP needs a message number and a line count
            C: TOP 1 -1
            S: -ERR TOP needs a non-negative line count
            C: TOP x 1
            S: -ERR no such message, only 3 messages in maildrop
            "
        ),
    );
    assert_eq!(
        h.events[1..],
        [
            "retrieve 0 None",
            "retrieve 1 None",
            "retrieve 2 None",
            "retrieve 1 Some(0)",
            "retrieve 1 Some(2)",
            "retrieve 2 Some(100)"
        ]
    );
}

#[test]
fn retrieve_error_keeps_session() {
    let mut h = run(config(), LOGIN);
    h.retrieve_fails = true;
    h.transcript(
        "C: RETR 1
         S: -ERR [SYS/TEMP] message unreadable
         C: STAT
         S: +OK 3 94",
    );
}

#[test]
fn quit_in_transaction_commits_deletions() {
    let h = run(
        config(),
        &format!(
            "{LOGIN}
            C: DELE 1
            S: +OK message 1 deleted
            C: DELE 3
            S: +OK message 3 deleted
            C: QUIT
            S: +OK pop.ac-demo.fr POP3 server signing off (1 messages left)
            "
        ),
    );
    assert_eq!(h.events[1..], ["update [0, 2]", "close Quit"]);
    assert!(closed(&h, CloseReason::Quit));
}

#[test]
fn quit_without_deletions_still_updates() {
    let h = run(
        config(),
        &format!(
            "{LOGIN}\nC: QUIT\nS: +OK pop.ac-demo.fr POP3 server signing off (3 messages left)"
        ),
    );
    assert_eq!(h.events[1..], ["update []", "close Quit"]);
}

#[test]
fn failed_update_reports_sys_temp() {
    let mut h = run(config(), LOGIN);
    h.update_fails = true;
    h.transcript(
        "C: DELE 2
         S: +OK message 2 deleted
         C: QUIT
         S: -ERR [SYS/TEMP] some deleted messages not removed",
    );
    assert_eq!(h.events[1..], ["update [1]", "close Quit"]);
}

#[test]
fn rset_then_quit_deletes_nothing() {
    let h = run(
        config(),
        &format!(
            "{LOGIN}
            C: DELE 1
            S: +OK message 1 deleted
            C: RSET
            S: +OK maildrop has 3 messages (94 octets)
            C: QUIT
            S: +OK pop.ac-demo.fr POP3 server signing off (3 messages left)"
        ),
    );
    assert_eq!(h.events[1..], ["update []", "close Quit"]);
}

#[test]
fn quit_in_authorization_does_not_update() {
    let h = run(
        config(),
        "S: +OK pop.ac-demo.fr POP3 server ready
         C: USER alice
         S: +OK send PASS
         C: QUIT
         S: +OK pop.ac-demo.fr POP3 server signing off",
    );
    assert_eq!(h.events, ["close Quit"]);
    assert_eq!(h.s.state(), Pop3State::Closed);
}

#[test]
fn wrong_state_commands() {
    run(
        config(),
        "S: +OK pop.ac-demo.fr POP3 server ready
            C: STAT
            S: -ERR not authenticated: log in first with USER/PASS or AUTH PLAIN
            C: RETR 1
            S: -ERR not authenticated: log in first with USER/PASS or AUTH PLAIN
            C: NOOP
            S: -ERR not authenticated: log in first with USER/PASS or AUTH PLAIN
            C: PASS secret
            S: -ERR send USER first
            C: APOP alice 0123456789abcdef
            S: -ERR APOP is not supported: use USER/PASS or AUTH PLAIN
            C: STLS
            S: -ERR TLS is already active
            C: USER alice
            S: +OK send PASS
            C: PASS secret
            S: +OK maildrop has 3 messages (94 octets)
            C: USER bob
            S: -ERR already authenticated
            C: PASS x
            S: -ERR already authenticated
            C: AUTH PLAIN
            S: -ERR already authenticated
            C: STLS
            S: -ERR STLS is only allowed before authentication
            C: XYZZY
            S: -ERR unknown command
            C: STAT
            S: +OK 3 94",
    );
}

#[test]
fn pipelined_commands_are_answered_in_order() {
    let mut h = Harness::new(config());
    h.s.take_output();
    // RFC 2449 §6.6: one write with several commands.
    h.s.feed(b"USER alice\r\nPASS secret\r\nSTAT\r\nRETR 1\r\nLIST 1\r\nDELE 1\r\nQUIT\r\n");
    assert!(matches!(h.s.poll_event(), Some(Event::Authenticate { .. })));
    // Paused until the server answers.
    assert_eq!(h.s.poll_event(), None);
    assert_eq!(h.s.take_output(), b"+OK send PASS\r\n");
    h.s.auth_ok(h.maildrop()).unwrap();
    assert_eq!(
        h.s.poll_event(),
        Some(Event::Retrieve {
            index: 0,
            top_lines: None
        })
    );
    assert_eq!(h.s.poll_event(), None);
    assert_eq!(
        h.s.take_output(),
        b"+OK maildrop has 3 messages (94 octets)\r\n+OK 3 94\r\n"
    );
    h.s.send_message(b"x").unwrap();
    assert_eq!(h.s.poll_event(), Some(Event::Update { deleted: vec![0] }));
    assert_eq!(
        h.s.take_output(),
        b"+OK 23 octets\r\nx\r\n.\r\n+OK 1 23\r\n+OK message 1 deleted\r\n"
    );
    h.s.update_done(Ok::<(), ()>(())).unwrap();
    assert_eq!(
        h.s.poll_event(),
        Some(Event::Close {
            reason: CloseReason::Quit
        })
    );
    assert_eq!(h.s.poll_event(), None);
}

#[test]
fn commands_split_across_feeds() {
    let mut h = Harness::new(config());
    h.s.take_output();
    assert_eq!(h.send(b"US"), "");
    assert_eq!(h.send(b"ER al"), "");
    assert_eq!(h.send(b"ice\r"), "");
    assert_eq!(
        h.send(b"\nPASS secret\nST"),
        "+OK send PASS\r\n+OK maildrop has 3 messages (94 octets)\r\n"
    );
    assert_eq!(h.send(b"AT\r\n"), "+OK 3 94\r\n");
}

#[test]
fn streaming_answer_matches_send_message() {
    let mut h = run(config(), LOGIN);
    h.s.feed(b"RETR 2\r\n");
    assert_eq!(
        h.s.poll_event(),
        Some(Event::Retrieve {
            index: 1,
            top_lines: None
        })
    );
    h.s.start_message().unwrap();
    for chunk in super::harness::M2.chunks(3) {
        h.s.message_chunk(chunk).unwrap();
    }
    h.s.finish_message().unwrap();
    let streamed = h.s.take_output();
    h.s.feed(b"RETR 2\r\n");
    assert!(h.s.poll_event().is_some());
    h.s.send_message(super::harness::M2).unwrap();
    assert_eq!(h.s.take_output(), streamed);
}

#[test]
fn abort_mid_message_writes_nothing_more() {
    let mut h = run(config(), LOGIN);
    h.s.feed(b"RETR 1\r\nSTAT\r\n");
    assert!(h.s.poll_event().is_some());
    h.s.start_message().unwrap();
    h.s.message_chunk(b"Subj").unwrap();
    h.s.abort(crate::ErrCode::SysTemp, "store failure");
    assert_eq!(h.s.take_output(), b"+OK 23 octets\r\nSubj");
    assert_eq!(
        h.s.poll_event(),
        Some(Event::Close {
            reason: CloseReason::Aborted
        })
    );
    assert_eq!(h.s.poll_event(), None);
}

#[test]
fn abort_between_commands_explains() {
    let mut h = run(config(), LOGIN);
    h.s.abort(crate::ErrCode::SysTemp, "server shutting down");
    assert_eq!(h.drive(), "-ERR [SYS/TEMP] server shutting down\r\n");
    assert_eq!(h.events[1..], ["close Aborted"]);
}

#[test]
fn answers_out_of_turn_are_usage_errors() {
    use crate::UsageError;
    let mut h = Harness::new(config());
    assert_eq!(
        h.s.auth_ok(h.maildrop()),
        Err(UsageError::NotWaiting { call: "auth_ok" })
    );
    assert_eq!(
        h.s.send_message(b"x"),
        Err(UsageError::NotWaiting {
            call: "start_message"
        })
    );
    assert_eq!(
        h.s.update_done(Ok::<(), ()>(())),
        Err(UsageError::NotWaiting {
            call: "update_done"
        })
    );
    assert_eq!(
        h.s.tls_established(),
        Err(UsageError::NotWaiting {
            call: "tls_established"
        })
    );
    assert_eq!(
        h.s.send_error(None, "x"),
        Err(UsageError::NotWaiting { call: "send_error" })
    );
    assert_eq!(
        h.s.take_output(),
        b"+OK pop.ac-demo.fr POP3 server ready\r\n"
    );
}
