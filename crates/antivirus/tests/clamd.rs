//! R9 against a real clamd (see `harness`): what is found, in which
//! wrapping, and what happens when clamd refuses, stops or comes back.

#![allow(clippy::unwrap_used)]

mod harness;

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::*;
use vesontio_antivirus::{Clamd, ClamdError, ClamdOptions, Endpoint, Scan};

fn client(p: &ClamdProcess) -> Clamd {
    let mut o = ClamdOptions::new(Endpoint::Unix(p.socket.clone()));
    o.timeout = Duration::from_secs(20);
    o.max_size = 10 * STREAM_MAX;
    Clamd::new(o)
}

#[track_caller]
fn assert_found(r: Result<Scan, ClamdError>, sig: &str, what: &str) {
    match r {
        // clamd names signatures from a database it did not sign
        // "<name>.UNOFFICIAL".
        Ok(Scan::Infected { signature }) => assert!(
            signature.starts_with(sig),
            "{what}: found {signature}, expected {sig}"
        ),
        other => panic!("{what}: expected {sig}, got {other:?}"),
    }
}

#[tokio::test]
async fn finds_eicar_in_every_wrapping() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let c = client(&p);
    assert_found(c.scan(EICAR).await, EICAR_SIG, "plain");
    let z = zip(&[("readme.txt", b"hello"), ("eicar.com", EICAR)]);
    assert_found(c.scan(&z).await, EICAR_SIG, "zip");
    let zz = zip(&[("inner.zip", &z)]);
    assert_found(c.scan(&zz).await, EICAR_SIG, "zip in zip");
    let mail = mail_with_attachment("eicar.com", "application/octet-stream", EICAR);
    assert_found(c.scan(&mail).await, EICAR_SIG, "base64 MIME part");
    let mail_zip = mail_with_attachment("docs.zip", "application/zip", &zz);
    assert_found(
        c.scan(&mail_zip).await,
        EICAR_SIG,
        "zip in zip in a MIME part",
    );
    let fwd = mail_forwarding(&mail);
    assert_found(c.scan(&fwd).await, EICAR_SIG, "message/rfc822 attachment");
    // Our own content signature, deflated in a zip in a forwarded message.
    let marked = zip(&[(
        "notes.txt",
        &[b"before ".as_slice(), MARKER, b" after"].concat(),
    )]);
    let fwd2 = mail_forwarding(&mail_with_attachment("n.zip", "application/zip", &marked));
    assert_found(c.scan(&fwd2).await, MARKER_SIG, "own signature");
}

#[tokio::test]
async fn clean_messages_pass() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let c = client(&p);
    assert_eq!(c.scan(b"").await.unwrap(), Scan::Clean);
    let z = zip(&[(
        "cours.txt",
        b"Le cours de demain est avance a 8h.".as_slice(),
    )]);
    let mail = mail_with_attachment("cours.zip", "application/zip", &z);
    assert_eq!(c.scan(&mail).await.unwrap(), Scan::Clean);
    // EICAR's bytes cut by one are not EICAR.
    assert_eq!(c.scan(&EICAR[..67]).await.unwrap(), Scan::Clean);
    c.ping().await.unwrap();
}

#[tokio::test]
async fn over_the_stream_limit_is_not_scanned() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let c = client(&p);
    // clamd answers "INSTREAM size limit exceeded. ERROR" and closes while
    // we are still sending: never clean.
    let big = vec![b'a'; 3 * STREAM_MAX];
    match c.scan(&big).await {
        Err(ClamdError::SizeLimit) => {}
        other => panic!("expected SizeLimit, got {other:?}"),
    }
    // An infected message past the limit is not reported clean either.
    let mut big_infected = EICAR.to_vec();
    big_infected.resize(2 * STREAM_MAX, b' ');
    assert!(matches!(
        c.scan(&big_infected).await,
        Err(ClamdError::SizeLimit)
    ));
    // The connection that saw the error is not reused: the next scan works.
    assert_found(c.scan(EICAR).await, EICAR_SIG, "after size limit");
    assert_eq!(c.scan(b"hello").await.unwrap(), Scan::Clean);
}

#[tokio::test]
async fn clamd_stopped_mid_run_then_back() {
    let Some(mut p) = ClamdProcess::start() else {
        return;
    };
    let c = client(&p);
    assert_eq!(c.scan(b"first").await.unwrap(), Scan::Clean);
    p.stop();
    // The pooled connection is dead and a fresh one is refused.
    match c.scan(b"second").await {
        Err(e @ ClamdError::Unreachable { .. }) => assert!(e.is_transient()),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    match c.scan(EICAR).await {
        Err(ClamdError::Unreachable { .. }) => {}
        other => panic!("expected Unreachable, got {other:?}"),
    }
    p.restart();
    assert_found(c.scan(EICAR).await, EICAR_SIG, "after restart");
    assert_eq!(c.scan(b"third").await.unwrap(), Scan::Clean);
}

#[tokio::test]
async fn pool_scans_in_parallel() {
    let Some(p) = ClamdProcess::start() else {
        return;
    };
    let c = Arc::new(client(&p));
    // 50 KB messages as the acceptance figure asks; a few infected.
    let mut body = mail_with_attachment("a.bin", "application/octet-stream", &vec![7u8; 36_000]);
    body.truncate(50_000);
    let n = 200;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..n {
        let c = c.clone();
        let msg = if i % 50 == 0 {
            EICAR.to_vec()
        } else {
            body.clone()
        };
        tasks.push(tokio::spawn(async move { (i, c.scan(&msg).await) }));
    }
    for t in tasks {
        let (i, r) = t.await.unwrap();
        if i % 50 == 0 {
            assert_found(r, EICAR_SIG, "parallel");
        } else {
            assert_eq!(r.unwrap(), Scan::Clean, "message {i}");
        }
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{n} scans of 50 KB in {secs:.2} s: {:.0} scans/s (debug build)",
        n as f64 / secs
    );
}

/// A server that accepts and never answers: the scan times out.
#[tokio::test]
async fn silent_server_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silent.sock");
    let l = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        let mut keep = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            keep.push(s);
        }
    });
    let mut o = ClamdOptions::new(Endpoint::Unix(path));
    o.timeout = Duration::from_millis(300);
    let c = Clamd::new(o);
    let r = c.scan(b"hello").await;
    assert!(matches!(r, Err(ClamdError::Timeout(_))), "{r:?}");
}

/// A server answering something else is a protocol error, never clean.
#[tokio::test]
async fn strange_answer_is_a_protocol_error() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("odd.sock");
    let l = tokio::net::UnixListener::bind(&path).unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 64];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(b"1: stream: maybe\0").await;
        }
    });
    let c = Clamd::new(ClamdOptions::new(Endpoint::Unix(path)));
    let r = c.scan(b"hello").await;
    assert!(matches!(r, Err(ClamdError::Protocol(_))), "{r:?}");
}

/// Nothing listening on TCP: unreachable.
#[tokio::test]
async fn nothing_on_tcp_is_unreachable() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    let c = Clamd::new(ClamdOptions::new(
        Endpoint::parse(&addr.to_string()).unwrap(),
    ));
    assert!(matches!(
        c.scan(b"x").await,
        Err(ClamdError::Unreachable { .. })
    ));
}
