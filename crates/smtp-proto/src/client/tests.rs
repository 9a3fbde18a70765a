//! Client transcripts against scripted replies, and end to end against
//! this crate's own server session.

use super::*;
use crate::path::Mailbox;
use crate::server::{self, Event, LineEndings, Mode, ServerSession, SessionConfig};

fn mb(l: &str, d: &str) -> Mailbox {
    Mailbox {
        local_part: l.into(),
        domain: d.into(),
    }
}

fn rcpt(l: &str) -> Recipient {
    Recipient {
        forward_path: ForwardPath::Mailbox(mb(l, "y.test")),
        notify: None,
        orcpt: None,
    }
}

fn cfg(starttls: StartTlsPolicy) -> ClientConfig {
    ClientConfig {
        hostname: "me.test".into(),
        starttls,
        tls: TlsState::None,
    }
}

fn envelope(rcpts: &[&str]) -> Envelope {
    Envelope {
        reverse_path: ReversePath::Mailbox(mb("a", "x.test")),
        recipients: rcpts.iter().map(|r| rcpt(r)).collect(),
        ret: None,
        envid: None,
        smtputf8: false,
    }
}

/// Feeds the server's `reply`, returns what the client sent and its events.
fn step(c: &mut ClientSession, reply: &str) -> (String, Vec<ClientEvent>) {
    c.feed(reply.as_bytes());
    let mut ev = Vec::new();
    while let Some(e) = c.poll_event() {
        ev.push(e);
    }
    (String::from_utf8(c.take_output()).expect("utf-8"), ev)
}

fn r(code: u16, e: (u8, u16, u16), text: &str) -> Reply {
    Reply::new(code, EnhancedCode::new(e.0, e.1, e.2), text)
}

fn fp(l: &str) -> ForwardPath {
    ForwardPath::Mailbox(mb(l, "y.test"))
}

#[test]
fn transcript_without_pipelining() {
    let mut c = ClientSession::new(
        cfg(StartTlsPolicy::Opportunistic),
        envelope(&["b", "nobody"]),
        b"Subject: x\r\n\r\n.hidden\r\nend".to_vec(),
    );
    let script: &[(&str, &str)] = &[
        ("220 peer ESMTP\r\n", "EHLO me.test\r\n"),
        (
            "250-peer hello\r\n250-SIZE 1000\r\n250 ENHANCEDSTATUSCODES\r\n",
            "MAIL FROM:<a@x.test> SIZE=26\r\n",
        ),
        ("250 2.1.0 OK\r\n", "RCPT TO:<b@y.test>\r\n"),
        ("250 2.1.5 OK\r\n", "RCPT TO:<nobody@y.test>\r\n"),
        ("550 5.1.1 No such user\r\n", "DATA\r\n"),
        ("354 go\r\n", "Subject: x\r\n\r\n..hidden\r\nend\r\n.\r\n"),
    ];
    for (reply, want) in script {
        let (o, ev) = step(&mut c, reply);
        assert_eq!(o, *want, "after {reply:?}");
        assert!(ev.is_empty());
    }
    let (o, ev) = step(&mut c, "250 2.0.0 queued as X\r\n");
    assert_eq!(o, "QUIT\r\n");
    let outcome = Outcome {
        per_recipient: vec![
            (fp("b"), r(250, (2, 1, 5), "OK")),
            (fp("nobody"), r(550, (5, 1, 1), "No such user")),
        ],
        data_reply: Some(r(250, (2, 0, 0), "queued as X")),
    };
    assert_eq!(ev, vec![ClientEvent::Done(outcome.clone())]);
    assert_eq!(
        outcome.final_replies(),
        vec![
            (fp("b"), r(250, (2, 0, 0), "queued as X")),
            (fp("nobody"), r(550, (5, 1, 1), "No such user")),
        ]
    );
    assert!(c.is_finished());
}

#[test]
fn pipelining_sends_one_group_with_dsn_and_utf8() {
    let mut env = envelope(&["b"]);
    env.recipients[0].notify = Some(Notify {
        failure: true,
        delay: true,
        ..Notify::default()
    });
    env.recipients[0].orcpt = Some(Orcpt {
        addr_type: "rfc822".into(),
        address: "b+1@y.test".into(),
    });
    env.recipients.push(Recipient {
        forward_path: ForwardPath::Mailbox(mb("élève", "y.test")),
        notify: None,
        orcpt: None,
    });
    env.ret = Some(Ret::Hdrs);
    env.envid = Some("id=1".into());
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), env, "é\r\n".as_bytes().to_vec());
    step(&mut c, "220 peer\r\n");
    let (o, _) = step(
        &mut c,
        "250-peer\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n250 SIZE\r\n",
    );
    assert_eq!(
        o,
        "MAIL FROM:<a@x.test> SIZE=4 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+3D1\r\n\
RCPT TO:<b@y.test> NOTIFY=FAILURE,DELAY ORCPT=rfc822;b+2B1@y.test\r\n\
RCPT TO:<élève@y.test>\r\nDATA\r\n"
    );
    let (o, ev) = step(&mut c, "250 OK\r\n250 OK\r\n250 OK\r\n354 go\r\n");
    assert_eq!(o, "é\r\n.\r\n");
    assert!(ev.is_empty());
    let (o, ev) = step(&mut c, "250 OK\r\n");
    assert_eq!(o, "QUIT\r\n");
    assert!(
        matches!(&ev[0], ClientEvent::Done(out) if out.data_reply == Some(Reply::plain(250, "OK")))
    );
}

#[test]
fn helo_fallback_sends_no_parameters() {
    let mut c = ClientSession::new(
        cfg(StartTlsPolicy::Opportunistic),
        envelope(&["b"]),
        b"x".to_vec(),
    );
    assert_eq!(step(&mut c, "220 old\r\n").0, "EHLO me.test\r\n");
    assert_eq!(step(&mut c, "500 what?\r\n").0, "HELO me.test\r\n");
    assert_eq!(step(&mut c, "250 old\r\n").0, "MAIL FROM:<a@x.test>\r\n");
}

#[test]
fn starttls_then_ehlo_again() {
    let mut c = ClientSession::new(
        cfg(StartTlsPolicy::Required),
        envelope(&["b"]),
        b"x".to_vec(),
    );
    step(&mut c, "220 peer\r\n");
    let (o, ev) = step(&mut c, "250-peer\r\n250 STARTTLS\r\n");
    assert_eq!((o.as_str(), ev.len()), ("STARTTLS\r\n", 0));
    let (o, ev) = step(&mut c, "220 2.0.0 go ahead\r\n");
    assert_eq!((o.as_str(), ev), ("", vec![ClientEvent::NeedTls]));
    c.tls_established();
    assert_eq!(c.take_output(), b"EHLO me.test\r\n");
    let (o, _) = step(&mut c, "250 peer\r\n");
    assert_eq!(o, "MAIL FROM:<a@x.test>\r\n");
}

#[test]
fn starttls_required_but_missing() {
    let mut c = ClientSession::new(
        cfg(StartTlsPolicy::Required),
        envelope(&["b"]),
        b"x".to_vec(),
    );
    step(&mut c, "220 peer\r\n");
    let (o, ev) = step(&mut c, "250 peer\r\n");
    assert_eq!(o, "QUIT\r\n");
    assert_eq!(
        ev,
        vec![ClientEvent::Failed {
            stage: Stage::StartTls,
            reply: r(421, (4, 7, 10), "Peer does not offer STARTTLS")
        }]
    );
}

#[test]
fn session_level_failures() {
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), b"x".to_vec());
    let (o, ev) = step(&mut c, "554 5.3.2 go away\r\n");
    assert_eq!(o, "QUIT\r\n");
    assert_eq!(
        ev,
        vec![ClientEvent::Failed {
            stage: Stage::Greeting,
            reply: r(554, (5, 3, 2), "go away")
        }]
    );
    // The peer's announced SIZE is respected (RFC 1870 §7).
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), vec![b'x'; 50]);
    step(&mut c, "220 p\r\n");
    let (_, ev) = step(&mut c, "250-p\r\n250 SIZE 10\r\n");
    assert!(
        matches!(&ev[0], ClientEvent::Failed { stage: Stage::Mail, reply } if reply.code == 552)
    );
    // UTF-8 address, peer without SMTPUTF8.
    let mut env = envelope(&["b"]);
    env.reverse_path = ReversePath::Mailbox(mb("é", "x"));
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), env, b"x".to_vec());
    step(&mut c, "220 p\r\n");
    let (_, ev) = step(&mut c, "250 p\r\n");
    assert!(
        matches!(&ev[0], ClientEvent::Failed { reply, .. } if reply.enhanced == Some(EnhancedCode::new(5, 6, 7)))
    );
    // Garbage, end of file, timeout.
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), b"x".to_vec());
    let (_, ev) = step(&mut c, "hello\r\n");
    assert!(
        matches!(&ev[0], ClientEvent::Failed { stage: Stage::Greeting, reply } if reply.code == 421)
    );
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), b"x".to_vec());
    step(&mut c, "220 p\r\n");
    c.on_eof();
    assert!(matches!(
        c.poll_event(),
        Some(ClientEvent::Failed {
            stage: Stage::Ehlo,
            ..
        })
    ));
    c.on_timeout();
    assert_eq!(c.poll_event(), None);
}

#[test]
fn mail_refused_is_copied_to_every_recipient() {
    let mut c = ClientSession::new(
        cfg(StartTlsPolicy::Never),
        envelope(&["b", "c"]),
        b"x".to_vec(),
    );
    step(&mut c, "220 p\r\n");
    step(&mut c, "250 p\r\n");
    let (o, ev) = step(&mut c, "451 4.7.1 Greylisted\r\n");
    assert_eq!(o, "QUIT\r\n");
    let g = r(451, (4, 7, 1), "Greylisted");
    assert_eq!(
        ev,
        vec![ClientEvent::Done(Outcome {
            per_recipient: vec![(fp("b"), g.clone()), (fp("c"), g)],
            data_reply: None
        })]
    );
}

#[test]
fn no_accepted_recipient_means_no_data() {
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), b"x".to_vec());
    step(&mut c, "220 p\r\n");
    step(&mut c, "250 p\r\n");
    step(&mut c, "250 ok\r\n");
    let (o, ev) = step(&mut c, "550 5.1.1 unknown\r\n");
    assert_eq!(o, "QUIT\r\n");
    assert!(matches!(&ev[0], ClientEvent::Done(out) if out.data_reply.is_none()));

    // Pipelined: DATA was sent; if it gets 354 anyway, end it empty.
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), b"x".to_vec());
    step(&mut c, "220 p\r\n");
    step(&mut c, "250-p\r\n250 PIPELINING\r\n");
    let (o, ev) = step(&mut c, "250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n");
    assert_eq!((o.as_str(), ev.len()), (".\r\n", 0));
    let (o, ev) = step(&mut c, "554 5.5.1 no valid recipients\r\n");
    assert_eq!(o, "QUIT\r\n");
    assert!(matches!(&ev[0], ClientEvent::Done(out) if out.data_reply.is_none()));
}

#[test]
fn data_command_refused_counts_for_accepted_recipients() {
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), b"x".to_vec());
    step(&mut c, "220 p\r\n");
    step(&mut c, "250-p\r\n250 PIPELINING\r\n");
    let (_, ev) = step(&mut c, "250 ok\r\n250 ok\r\n451 4.3.0 disk full\r\n");
    let ClientEvent::Done(out) = &ev[0] else {
        panic!("{ev:?}")
    };
    assert_eq!(out.final_replies()[0].1, r(451, (4, 3, 0), "disk full"));
}

#[test]
fn replies_split_anywhere() {
    let mut c = ClientSession::new(cfg(StartTlsPolicy::Never), envelope(&["b"]), b"x".to_vec());
    step(&mut c, "220 p\r\n");
    let ehlo = "250-p\r\n250-PIPELINING\r\n250-DSN\r\n250 SIZE 99\r\n";
    let mut sent = String::new();
    for ch in ehlo.chars() {
        sent.push_str(&step(&mut c, &ch.to_string()).0);
    }
    assert!(
        sent.starts_with("MAIL FROM:<a@x.test> SIZE=1\r\nRCPT"),
        "{sent}"
    );
    assert_eq!(
        c.extensions(),
        &Extensions {
            size: Some(99),
            pipelining: true,
            dsn: true,
            ..Extensions::default()
        }
    );
}

#[test]
fn dot_stuff_table() {
    let table: &[(&[u8], &[u8])] = &[
        (b"", b".\r\n"),
        (b"a", b"a\r\n.\r\n"),
        (b"a\r\n", b"a\r\n.\r\n"),
        (b".", b"..\r\n.\r\n"),
        (b"a\r\n.\r\n", b"a\r\n..\r\n.\r\n"),
        (b"..x\r\n", b"...x\r\n.\r\n"),
        (b"a.b\r\n", b"a.b\r\n.\r\n"),
        (b"a\n.\nb", b"a\r\n..\r\nb\r\n.\r\n"),
        (b"a\r.\rb", b"a\r\n..\r\nb\r\n.\r\n"),
        (b"\r\n\r\n", b"\r\n\r\n.\r\n"),
    ];
    for (msg, want) in table {
        assert_eq!(dot_stuff(msg), *want, "for {msg:?}");
    }
}

fn server_cfg() -> SessionConfig {
    SessionConfig {
        hostname: "mx.test".into(),
        mode: Mode::Mx,
        tls: TlsState::None,
        starttls_available: true,
        size_limit: 100_000,
        size_limit_text: "too big".into(),
        max_recipients: 100,
        max_line_length: 512,
        max_bad_commands: 5,
        auth_mechanisms: vec![],
        auth_mechanisms_allowed_without_tls: false,
        data_line_endings: LineEndings::Normalise,
        chunking: false,
        data_part_size: None,
    }
}

/// Runs the client against the server until the client finishes; returns
/// the client's events and the server's events.
fn loopback(c: &mut ClientSession, s: &mut ServerSession) -> (Vec<ClientEvent>, Vec<Event>) {
    let mut cev = Vec::new();
    let mut sev = Vec::new();
    s.greeting();
    for _ in 0..100 {
        c.feed(&s.take_output());
        while let Some(e) = c.poll_event() {
            if e == ClientEvent::NeedTls {
                assert_eq!(s.phase(), server::Phase::TlsHandshake);
                s.tls_established().expect("server waits for TLS");
                c.tls_established();
            }
            cev.push(e);
        }
        s.feed(&c.take_output());
        while let Some(e) = s.poll_event() {
            match &e {
                Event::MailFrom { .. } => s.accept_mail().expect("mail"),
                Event::RcptTo {
                    forward_path: ForwardPath::Mailbox(m),
                    ..
                } if m.local_part == "nobody" => s
                    .reject(Reply::new(550, EnhancedCode::new(5, 1, 1), "No such user"))
                    .expect("rcpt"),
                Event::RcptTo { .. } => s.accept_rcpt().expect("rcpt"),
                Event::Data(_) => s.accept_data("Q42").expect("data"),
                _ => {}
            }
            sev.push(e);
        }
        if c.is_finished() && s.is_closed() {
            break;
        }
    }
    (cev, sev)
}

#[test]
fn end_to_end_against_own_server() {
    let message = b"From: a@x.test\r\nSubject: t\r\n\r\n.\r\n..\r\nline\n.\nlast".to_vec();
    let mut c = ClientSession::new(
        cfg(StartTlsPolicy::Required),
        envelope(&["b", "nobody", "c"]),
        message,
    );
    let mut s = ServerSession::new(server_cfg());
    let (cev, sev) = loopback(&mut c, &mut s);
    assert_eq!(cev[0], ClientEvent::NeedTls);
    let ClientEvent::Done(out) = &cev[1] else {
        panic!("{cev:?}")
    };
    let finals: Vec<u16> = out.final_replies().iter().map(|(_, r)| r.code).collect();
    assert_eq!(finals, vec![250, 550, 250]);
    assert_eq!(out.data_reply, Some(r(250, (2, 0, 0), "Ok: queued as Q42")));
    let body = sev.iter().find_map(|e| match e {
        Event::Data(b) => Some(b.clone()),
        _ => None,
    });
    // Line endings normalised by the client; dots come back unstuffed.
    assert_eq!(
        body.as_deref(),
        Some(&b"From: a@x.test\r\nSubject: t\r\n\r\n.\r\n..\r\nline\r\n.\r\nlast\r\n"[..])
    );
    assert!(sev.contains(&Event::Quit));
    assert!(s.is_closed());
}

/// Random server replies never panic the client, which always ends.
#[test]
fn random_replies_never_panic() {
    let pieces: &[&str] = &[
        "220 p\r\n",
        "250 ok\r\n",
        "250-",
        "PIPELINING\r\n",
        "STARTTLS\r\n",
        "354 go\r\n",
        "550 5.1.1 no\r\n",
        "451 4.0.0 x\r\n",
        "500 ?\r\n",
        "\r\n",
        "\n",
        "2",
        "5.5.5 ",
        "SIZE 3\r\n",
        "SMTPUTF8\r\n",
    ];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..2000 {
        let mut c = ClientSession::new(
            cfg(StartTlsPolicy::Opportunistic),
            envelope(&["b", "c"]),
            b"x\r\n.\r\n".to_vec(),
        );
        for _ in 0..(next() % 30) {
            let p = pieces[(next() % pieces.len() as u64) as usize];
            if next() % 4 == 0 {
                let n = (next() % 50) as usize;
                let junk: Vec<u8> = (0..n).map(|_| next() as u8).collect();
                c.feed(&junk);
            } else {
                c.feed(p.as_bytes());
            }
            while let Some(e) = c.poll_event() {
                if e == ClientEvent::NeedTls {
                    c.tls_established();
                }
            }
            c.take_output();
        }
        c.on_eof();
        while c.poll_event().is_some() {}
        assert!(c.is_finished());
    }
}
