//! Timeouts (RFC 5321 §4.5.3.2) and graceful shutdown (421, RFC 5321 §3.8).

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::client::Client;
use common::*;
use tokio::io::{AsyncBufReadExt, BufReader};

fn short_timeouts() -> vesontio_smtp_server::SmtpConfig {
    vesontio_smtp_server::SmtpConfig {
        command_timeout: Duration::from_millis(800),
        data_timeout: Duration::from_millis(800),
        ..smtp_config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_timeout_sends_421_and_closes() {
    let h = Harness::start_with(short_timeouts()).await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    assert_eq!(c.cmd("EHLO client.example.org").await.unwrap().code, 250);
    let t = Instant::now();
    let r = c.reply().await.unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(700),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        r.last(),
        format!("421 4.4.2 {HOST} Timeout, closing connection")
    );
    assert!(c.closed().await);
    // A client that keeps talking is not cut off.
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(c.cmd("NOOP").await.unwrap().code, 250);
    }
    drop(c);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let conns = h.wait_connections(2).await;
    assert_eq!(conns[0]["end"], "timeout");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_timeout_sends_421_and_nothing_is_delivered() {
    let h = Harness::start_with(short_timeouts()).await;
    let (mut c, _) = Client::connect(h.mx).await.unwrap();
    c.cmd("EHLO client.example.org").await.unwrap();
    c.cmd("MAIL FROM:<a@example.org>").await.unwrap();
    assert_eq!(
        c.cmd(&format!("RCPT TO:<{MARIE}>")).await.unwrap().code,
        250
    );
    assert_eq!(c.cmd("DATA").await.unwrap().code, 354);
    c.send(b"Subject: half\r\n\r\nhalf a message")
        .await
        .unwrap();
    let r = c.reply().await.unwrap();
    assert!(r.last().starts_with("421 4.4.2"), "{r:?}");
    assert!(c.closed().await);
    assert!(h.inbox(MARIE).await.is_empty());
}

/// On shutdown every open session gets `421 4.3.2`, the listeners stop,
/// and the tracker empties; the audit log records why the sessions ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_sends_421() {
    let h = Harness::start().await;
    let (mut idle, _) = Client::connect(h.mx).await.unwrap();
    idle.cmd("EHLO client.example.org").await.unwrap();
    let (mut in_data, _) = Client::connect(h.mx).await.unwrap();
    in_data.cmd("EHLO client.example.org").await.unwrap();
    in_data.cmd("MAIL FROM:<a@example.org>").await.unwrap();
    in_data.cmd(&format!("RCPT TO:<{JEAN}>")).await.unwrap();
    assert_eq!(in_data.cmd("DATA").await.unwrap().code, 354);
    in_data.send(b"Subject: cut\r\n\r\npartial").await.unwrap();
    let mut tls = tls_session(&h).await;
    // Let the server read what was sent.
    tokio::time::sleep(Duration::from_millis(200)).await;

    h.shutdown.cancel();
    for c in [&mut idle, &mut in_data] {
        let r = c.reply().await.unwrap();
        assert_eq!(r.last(), format!("421 4.3.2 {HOST} Service shutting down"));
        assert!(c.closed().await);
    }
    h.tracker.close();
    tokio::time::timeout(Duration::from_secs(10), h.tracker.wait())
        .await
        .expect("every session ends");
    let mut line = String::new();
    tls.read_line(&mut line).await.unwrap();
    assert_eq!(line, format!("421 4.3.2 {HOST} Service shutting down\r\n"));
    assert!(
        tokio::net::TcpStream::connect(h.mx).await.is_err(),
        "listener closed"
    );
    assert!(h.inbox(JEAN).await.is_empty());
    let conns = h.wait_connections(3).await;
    assert_eq!(conns.len(), 3);
    assert_eq!(
        conns.iter().filter(|c| c["end"] == "shutdown").count(),
        conns.len()
    );
}

/// A third session, over implicit TLS, greeted and idle.
async fn tls_session(
    h: &Harness,
) -> BufReader<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let cfg = vesontio_tls::client_config_trusting(&std::fs::read(&h.cert).unwrap()).unwrap();
    let tcp = tokio::net::TcpStream::connect(h.submissions).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = tokio_rustls::TlsConnector::from(cfg)
        .connect(name, tcp)
        .await
        .unwrap();
    let mut tls = BufReader::new(tls);
    let mut line = String::new();
    tls.read_line(&mut line).await.unwrap();
    assert!(line.starts_with("220 "), "{line}");
    tls
}
