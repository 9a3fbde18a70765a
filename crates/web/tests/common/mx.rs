//! The MX door (the smtp-server crate's listener on port 25's rules) on a
//! test webmail's delivery path and store, and a client that sends as an
//! outside MTA would: for tests where mail arrives "by SMTP".
#![allow(clippy::unwrap_used, dead_code)]

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use vesontio_smtp_server::{LineEndings, Listener, RcptLimits, SmtpConfig, SmtpServer};

use super::Env;

fn smtp_config() -> SmtpConfig {
    SmtpConfig {
        hostname: "mx.ac-test.fr".into(),
        size_limit: 10 << 20,
        max_recipients: 100,
        max_line_length: 4096,
        max_bad_commands: 20,
        command_timeout: Duration::from_secs(60),
        data_timeout: Duration::from_secs(60),
        data_termination_timeout: Duration::from_secs(60),
        large_file_url: "https://mail.ac-test.fr/files".into(),
        webmail_url: "https://mail.ac-test.fr/".into(),
        data_line_endings: LineEndings::Refuse,
        data_in_memory: vesontio_smtp_server::DATA_IN_MEMORY,
        spool_dir: std::env::temp_dir(),
        rcpt_limits: RcptLimits {
            soft: 10,
            hard: 20,
            delay: Duration::from_millis(1),
            memory: Duration::from_secs(3600),
        },
    }
}

/// One SMTP reply (RFC 5321 §4.2: `NNN-` lines then `NNN `), as text.
pub async fn reply(r: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> String {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        assert!(r.read_line(&mut line).await.unwrap() > 0, "closed: {all}");
        all.push_str(&line);
        if line.len() < 4 || line.as_bytes()[3] == b' ' {
            return all;
        }
    }
}

/// Sends `raw` from an outside server to `rcpt` on the MX door, as
/// another MTA would: EHLO, MAIL (8BITMIME), RCPT, DATA with
/// dot-stuffing (RFC 5321 §4.5.2).
pub async fn send_mx(mx: std::net::SocketAddr, rcpt: &str, raw: &[u8]) {
    let (rd, mut w) = TcpStream::connect(mx).await.unwrap().into_split();
    let mut r = BufReader::new(rd);
    assert!(reply(&mut r).await.starts_with("220"));
    w.write_all(b"EHLO mta.example.org\r\n").await.unwrap();
    let ehlo = reply(&mut r).await;
    assert!(ehlo.starts_with("250"), "{ehlo}");
    let body = if ehlo.contains("8BITMIME") {
        " BODY=8BITMIME"
    } else {
        ""
    };
    for (cmd, want) in [
        (format!("MAIL FROM:<evil@example.org>{body}\r\n"), "250"),
        (format!("RCPT TO:<{rcpt}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
    ] {
        w.write_all(cmd.as_bytes()).await.unwrap();
        let got = reply(&mut r).await;
        assert!(got.starts_with(want), "{cmd} -> {got}");
    }
    let mut data = Vec::with_capacity(raw.len() + 64);
    for line in raw.split_inclusive(|b| *b == b'\n') {
        if line.starts_with(b".") {
            data.push(b'.');
        }
        data.extend_from_slice(line);
    }
    data.extend_from_slice(b".\r\n");
    w.write_all(&data).await.unwrap();
    let got = reply(&mut r).await;
    assert!(got.starts_with("250"), "DATA -> {got}");
    w.write_all(b"QUIT\r\n").await.unwrap();
    let _ = reply(&mut r).await;
}

/// An MX listening on 127.0.0.1 until [`Mx::stop`].
pub struct Mx {
    pub addr: std::net::SocketAddr,
    stop: CancellationToken,
    tracker: TaskTracker,
}

impl Mx {
    pub async fn start(e: &Env) -> Mx {
        vesontio_tls::install_default_provider();
        let (cert, key) = vesontio_tls::self_signed(&["localhost".into()]).unwrap();
        let tls = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).unwrap();
        let directory = super::directory(&e.store);
        let smtp = SmtpServer::new(smtp_config(), e.delivery.clone(), directory, tls);
        let (stop, tracker) = (CancellationToken::new(), TaskTracker::new());
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        {
            let (s, sd, tr) = (smtp.clone(), stop.clone(), tracker.clone());
            tracker.spawn(async move { s.run(l, Listener::Mx, sd, tr).await });
        }
        Mx {
            addr,
            stop,
            tracker,
        }
    }

    pub async fn stop(self) {
        self.stop.cancel();
        self.tracker.close();
        self.tracker.wait().await;
    }
}
