//! Port 25 end to end: swaks, Python's smtplib and a raw client against an
//! in-process server with a real delivery path and a temporary store.

#![allow(clippy::unwrap_used)]

mod common;

use common::client::Client;
use common::*;

const EXTERNAL: &str = "someone@example.org";

/// swaks delivers to a local mailbox; the stored message carries the body
/// unchanged, the headers swaks wrote and a trace field.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_delivery_lands_in_inbox() {
    let h = Harness::start().await;
    let run = swaks(
        h.mx,
        &[
            "--from",
            EXTERNAL,
            "--to",
            MARIE,
            "--header",
            "Subject: Réunion de rentrée",
            "--body",
            "Bonjour Marie,\nla réunion est jeudi.\n",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    assert!(run.has_reply("250 2.0.0 Ok: queued as "), "{}", run.out);
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), 1);
    let m = String::from_utf8_lossy(&inbox[0]);
    assert!(
        m.starts_with("Received: from client.example.org ([127.0.0.1])"),
        "{m}"
    );
    assert!(m.contains(&format!("by {HOST} with ESMTP")), "{m}");
    assert!(m.contains("Subject: Réunion de rentrée\r\n"), "{m}");
    assert!(m.contains(&format!("From: {EXTERNAL}\r\n")), "{m}");
    // swaks ends its DATA with an empty line of its own; the text is intact.
    let body = String::from_utf8(body_of(&inbox[0]).to_vec()).unwrap();
    assert_eq!(
        body.trim_end_matches("\r\n"),
        "Bonjour Marie,\r\nla réunion est jeudi."
    );
    assert!(h.inbox(JEAN).await.is_empty());
    // R11: one connection event, no content.
    let conns = h.wait_connections(1).await;
    assert_eq!(conns.len(), 1, "{conns:?}");
    let c = &conns[0];
    assert_eq!(c["protocol"], "smtp");
    assert_eq!(c["client_ip"], "127.0.0.1");
    assert_eq!(c["helo"], "client.example.org");
    assert_eq!(c["messages"], 1);
    assert_eq!(c["end"], "quit");
    assert!(!c.to_string().contains("réunion"), "{c}");
}

/// STARTTLS on port 25 (RFC 3207): the message arrives and the trace says
/// it came encrypted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_on_mx() {
    let h = Harness::start().await;
    let run = swaks(
        h.mx,
        &[
            "--tls", "--from", EXTERNAL, "--to", JEAN, "--body", "chiffré",
        ],
    )
    .await;
    assert_eq!(run.status, 0, "{}", run.out);
    assert!(run.has_reply("220 2.0.0 Ready to start TLS"), "{}", run.out);
    let inbox = h.inbox(JEAN).await;
    assert_eq!(inbox.len(), 1);
    let m = String::from_utf8_lossy(&inbox[0]);
    assert!(m.contains("with ESMTPS"), "{m}");
    let conns = h.wait_connections(1).await;
    assert_eq!(conns[0]["tls"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_refused_and_unknown_user() {
    let h = Harness::start().await;
    let run = swaks(
        h.mx,
        &["--from", EXTERNAL, "--to", "victim@elsewhere.example"],
    )
    .await;
    assert_ne!(run.status, 0);
    assert!(run.has_reply("550 5.7.1"), "{}", run.out);
    let run = swaks(h.mx, &["--from", EXTERNAL, "--to", "nobody@ac-test.fr"]).await;
    assert_ne!(run.status, 0);
    assert!(run.has_reply("550 5.1.1"), "{}", run.out);
    // Postmaster must always be accepted (RFC 5321 §4.5.1); here it is
    // routed like any address and not refused as a relay.
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    c.cmd(&format!("MAIL FROM:<{EXTERNAL}>")).await.unwrap();
    let r = c.cmd("RCPT TO:<victim@elsewhere.example>").await.unwrap();
    assert_eq!(r.code, 550);
    // The refusal does not end the transaction: a good recipient still works.
    let r = c.cmd(&format!("RCPT TO:<{MARIE}>")).await.unwrap();
    assert_eq!(r.last(), "250 2.1.5 Recipient OK");
}

/// R6: over 10 MB is refused with 552 5.3.4 and the large-file service,
/// at MAIL FROM when SIZE is declared (RFC 1870 §6.1) ...
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_large_with_size_parameter() {
    let h = Harness::start().await;
    let script = r#"
import smtplib, sys, json
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.example.org", timeout=60)
s.ehlo()
r = {"size": s.esmtp_features.get("size")}
msg = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 11000
try:
    s.sendmail("someone@example.org", [sys.argv[2]], msg)
    r["sent"] = True
except smtplib.SMTPSenderRefused as e:
    r["error"] = [e.smtp_code, e.smtp_error.decode()]
r["noop"] = s.noop()[0]
s.quit()
print(json.dumps(r))
"#;
    let run = python(script, &[h.mx.port().to_string(), MARIE.into()]).await;
    let r: serde_json::Value = serde_json::from_str(run.out.trim()).expect(&run.out);
    assert_eq!(r["size"], "10485760");
    assert_eq!(r["error"][0], 552, "{r}");
    let text = r["error"][1].as_str().unwrap();
    assert!(
        text.starts_with("5.3.4 Message too large: the limit is 10 MB"),
        "{text}"
    );
    assert!(text.contains(LARGE_FILES), "{text}");
    assert_eq!(r["noop"], 250);
    assert!(h.inbox(MARIE).await.is_empty());
}

/// ... and after the data when the client did not declare it (§6.3); the
/// session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_large_without_size_parameter() {
    let h = Harness::start().await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    let mut msg = b"Subject: big\r\n\r\n".to_vec();
    for _ in 0..11_000 {
        msg.extend_from_slice(&[b'y'; 998]);
        msg.extend_from_slice(b"\r\n");
    }
    let r = c.send_message(EXTERNAL, MARIE, &msg).await.unwrap();
    assert_eq!(r.code, 552, "{r:?}");
    assert!(r.text().starts_with("5.3.4 Message too large"), "{r:?}");
    assert!(r.text().contains(LARGE_FILES));
    // The session goes on: a normal message is accepted.
    let r = c
        .send_message(EXTERNAL, MARIE, b"Subject: small\r\n\r\nok\r\n")
        .await
        .unwrap();
    assert_eq!(r.code, 250, "{r:?}");
    assert_eq!(h.inbox(MARIE).await.len(), 1);
    assert_eq!(c.cmd("QUIT").await.unwrap().code, 221);
    let conns = h.wait_connections(1).await;
    assert_eq!(
        (conns[0]["messages"].as_u64(), conns[0]["refused"].as_u64()),
        (Some(1), Some(1))
    );
}

/// RFC 2920: a whole pipelined group in one write gets its replies in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelining() {
    let h = Harness::start().await;
    let (mut c, greeting) = Client::connect(h.mx).await.unwrap();
    assert_eq!(greeting.last(), format!("220 {HOST} ESMTP vesontio"));
    let ehlo = c.cmd("EHLO client.example.org").await.unwrap();
    assert!(ehlo.lines.iter().any(|l| l == "PIPELINING"), "{ehlo:?}");
    assert!(ehlo.lines.iter().any(|l| l == "STARTTLS"), "{ehlo:?}");
    assert!(
        !ehlo.lines.iter().any(|l| l.starts_with("AUTH")),
        "{ehlo:?}"
    );
    let mut group = format!(
        "MAIL FROM:<{EXTERNAL}>\r\nRCPT TO:<{MARIE}>\r\nRCPT TO:<nobody@ac-test.fr>\r\nRCPT TO:<{JEAN}>\r\nDATA\r\n"
    )
    .into_bytes();
    group.extend_from_slice(b"Subject: one\r\n\r\n..dot line\r\nfirst\r\n.\r\n");
    group.extend_from_slice(
        format!("MAIL FROM:<>\r\nRCPT TO:<{JEAN}>\r\nDATA\r\nSubject: two\r\n\r\nsecond\r\n.\r\nNOOP\r\n")
            .as_bytes(),
    );
    c.send(&group).await.unwrap();
    let mut got = Vec::new();
    for _ in 0..10 {
        got.push(c.reply().await.unwrap().code);
    }
    assert_eq!(got, vec![250, 250, 550, 250, 354, 250, 250, 250, 354, 250]);
    assert_eq!(c.reply().await.unwrap().code, 250); // NOOP
    let marie = h.inbox(MARIE).await;
    assert_eq!(marie.len(), 1);
    assert_eq!(body_of(&marie[0]), b".dot line\r\nfirst\r\n");
    let jean = h.inbox(JEAN).await;
    assert_eq!(jean.len(), 2);
    assert!(jean.iter().any(|m| body_of(m) == b"second\r\n"));
}

/// Bad input gets a protocol error and the session goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_replies_and_session_goes_on() {
    let h = Harness::start().await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    let table: &[(&[u8], &str)] = &[
        (b"NOOP\n", "500 5.5.2 Bare LF not allowed"),
        (b"NO\0OP\r\n", "500 5.5.2"),
        (b"MAIL FROM:<no-at-sign>\r\n", "501 5.1.7"),
        (
            b"MAIL FROM:someone@example.org\r\n",
            "501 5.1.7 Syntax error: address must be enclosed in <>",
        ),
        (b"AUTH PLAIN AGEAYg==\r\n", "502 5.5.1 AUTH not available"),
        (
            b"RCPT TO:<a@ac-test.fr>\r\n",
            "503 5.5.1 Need MAIL before RCPT",
        ),
        (b"FOO\r\n", "500 5.5.1 Command unrecognized"),
        (b"VRFY jean.dupont\r\n", "252 2.0.0"),
    ];
    for (input, want) in table {
        c.send(input).await.unwrap();
        let r = c.reply().await.unwrap();
        assert!(
            r.last().starts_with(want),
            "{:?}: got {r:?}",
            String::from_utf8_lossy(input)
        );
    }
    // An over-long line (RFC 5321 §4.5.3.1.4) is skipped whole.
    let long = format!("NOOP {}\r\n", "x".repeat(10_000));
    c.send(long.as_bytes()).await.unwrap();
    assert!(
        c.reply()
            .await
            .unwrap()
            .last()
            .starts_with("500 5.5.2 Line too long")
    );
    c.cmd(&format!("MAIL FROM:<{EXTERNAL}>")).await.unwrap();
    let r = c.cmd("RCPT TO:<bad address@ac-test.fr>").await.unwrap();
    assert!(r.last().starts_with("501 5.1.3"), "{r:?}");
    assert_eq!(
        c.cmd(&format!("RCPT TO:<{MARIE}>")).await.unwrap().code,
        250
    );
    // Bare LF inside the data (RFC 5321 §2.3.8): refused after the end,
    // then the session goes on.
    assert_eq!(c.cmd("DATA").await.unwrap().code, 354);
    c.send(b"Subject: x\r\n\r\nbare\nline\r\n.\r\n")
        .await
        .unwrap();
    let r = c.reply().await.unwrap();
    assert!(r.last().starts_with("550 5.6.11"), "{r:?}");
    let r = c
        .send_message(EXTERNAL, MARIE, b"Subject: fine\r\n\r\nfine\r\n")
        .await
        .unwrap();
    assert_eq!(r.code, 250, "{r:?}");
    assert_eq!(h.inbox(MARIE).await.len(), 1);
    assert_eq!(c.cmd("QUIT").await.unwrap().code, 221);
}

/// RFC 6531: a UTF-8 sender in an SMTPUTF8 transaction; without the
/// parameter the same sender is refused (553 5.6.7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smtputf8_sender() {
    let h = Harness::start().await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    let r = c.cmd("MAIL FROM:<jérôme@exemple.fr>").await.unwrap();
    assert!(r.last().starts_with("553 5.6.7"), "{r:?}");
    assert_eq!(
        c.cmd("MAIL FROM:<jérôme@exemple.fr> SMTPUTF8")
            .await
            .unwrap()
            .code,
        250
    );
    assert_eq!(
        c.cmd(&format!("RCPT TO:<{MARIE}>")).await.unwrap().code,
        250
    );
    assert_eq!(c.cmd("DATA").await.unwrap().code, 354);
    c.send("From: Jérôme <jérôme@exemple.fr>\r\nSubject: été\r\n\r\nçà\r\n.\r\n".as_bytes())
        .await
        .unwrap();
    assert_eq!(c.reply().await.unwrap().code, 250);
    let inbox = h.inbox(MARIE).await;
    assert_eq!(body_of(&inbox[0]), "çà\r\n".as_bytes());
}

/// With `LineEndings::Normalise`, bare LF in the data is stored as CRLF
/// instead of being refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_lf_normalised_when_configured() {
    let h = Harness::start_with(vesontio_smtp_server::SmtpConfig {
        data_line_endings: vesontio_smtp_server::LineEndings::Normalise,
        ..smtp_config()
    })
    .await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    let r = c
        .send_message(EXTERNAL, MARIE, b"Subject: lf\r\n\r\nun\ndeux\r\n")
        .await
        .unwrap();
    assert_eq!(r.code, 250, "{r:?}");
    assert_eq!(body_of(&h.inbox(MARIE).await[0]), b"un\r\ndeux\r\n");
}

/// RFC 3207 §4.2: commands pipelined after STARTTLS were sent in clear and
/// must not run once TLS is up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_discards_pipelined_commands() {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let h = Harness::start().await;
    let mut tcp = tokio::net::TcpStream::connect(h.mx).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let mut seen = String::new();
    let mut read_until = async |tcp: &mut tokio::net::TcpStream, s: &mut String, want: &str| {
        while !s.contains(want) {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed; got {s}");
            s.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    };
    read_until(&mut tcp, &mut seen, "\r\n").await;
    tcp.write_all(b"EHLO c.example.org\r\n").await.unwrap();
    read_until(&mut tcp, &mut seen, "250 HELP\r\n").await;
    tcp.write_all(
        format!("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<{MARIE}>\r\n").as_bytes(),
    )
    .await
    .unwrap();
    read_until(&mut tcp, &mut seen, "220 2.0.0 Ready to start TLS\r\n").await;
    let cfg = vesontio_tls::client_config_trusting(&std::fs::read(&h.cert).unwrap()).unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(name, tcp)
        .await
        .unwrap();
    let mut tls = BufReader::new(tls);
    // Had the pipelined MAIL run, this RCPT would be accepted.
    tls.get_mut()
        .write_all(format!("RCPT TO:<{MARIE}>\r\n").as_bytes())
        .await
        .unwrap();
    let mut line = String::new();
    tls.read_line(&mut line).await.unwrap();
    assert_eq!(line, "503 5.5.1 Need MAIL before RCPT\r\n");
}
