//! A tiny SMTP server on 127.0.0.1 for the tests: records what it is told
//! and answers each recipient with a configured sequence of codes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as received.
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub mail_from: String,
    pub rcpts: Vec<String>,
    pub data: Vec<u8>,
    pub tls: bool,
}

#[derive(Default)]
pub struct SinkState {
    /// Every command line, in order, across connections.
    pub commands: Vec<String>,
    pub messages: Vec<Received>,
    /// Per recipient address: codes for successive attempts; the last repeats.
    /// Missing: 250.
    pub rcpt_codes: HashMap<String, Vec<u16>>,
    pub offer_starttls: bool,
    pub offer_dsn: bool,
}

#[derive(Clone)]
pub struct Sink {
    pub addr: String,
    pub state: Arc<Mutex<SinkState>>,
}

impl Sink {
    pub async fn start(offer_starttls: bool) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let state = Arc::new(Mutex::new(SinkState {
            offer_starttls,
            offer_dsn: true,
            ..Default::default()
        }));
        let (cert, key) = vesontio_tls::self_signed(&["localhost".to_string()]).expect("cert");
        let acceptor = vesontio_tls::acceptor(cert.as_bytes(), key.as_bytes()).expect("acceptor");
        let st = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let st = st.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    if let Some(tcp) = session(tcp, st.clone(), false).await
                        && let Ok(tls) = acceptor.accept(tcp).await
                    {
                        session(tls, st, true).await;
                    }
                });
            }
        });
        Sink { addr, state }
    }

    pub fn set_codes(&self, rcpt: &str, codes: &[u16]) {
        self.state
            .lock()
            .expect("lock")
            .rcpt_codes
            .insert(rcpt.to_string(), codes.to_vec());
    }

    pub fn messages(&self) -> Vec<Received> {
        self.state.lock().expect("lock").messages.clone()
    }

    pub fn commands(&self) -> Vec<String> {
        self.state.lock().expect("lock").commands.clone()
    }
}

fn text_for(code: u16) -> &'static str {
    match code {
        250 => "250 2.1.5 OK",
        251 => "251 2.1.5 Will forward",
        450 => "450 4.2.1 Mailbox busy",
        451 => "451 4.3.0 Try again later",
        452 => "452 4.2.2 Mailbox full",
        550 => "550 5.1.1 No such user here",
        552 => "552 5.2.2 Mailbox full",
        553 => "553 5.1.3 Bad address",
        _ => "554 5.0.0 No",
    }
}

/// Serves one connection; returns the stream when the client asked for
/// STARTTLS (after the 220), `None` at the end.
async fn session<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    state: Arc<Mutex<SinkState>>,
    tls: bool,
) -> Option<S> {
    let mut s = BufReader::new(stream);
    if !tls {
        s.get_mut().write_all(b"220 sink ESMTP\r\n").await.ok()?;
    }
    let mut cur = Received {
        tls,
        ..Default::default()
    };
    let mut accepted = 0usize;
    loop {
        let mut line = String::new();
        if s.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        state.lock().expect("lock").commands.push(line.clone());
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") {
            let st = state.lock().expect("lock");
            let mut r =
                String::from("250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 10000000\r\n");
            if st.offer_dsn {
                r.push_str("250-DSN\r\n");
            }
            if st.offer_starttls && !tls {
                r.push_str("250-STARTTLS\r\n");
            }
            r.push_str("250 ENHANCEDSTATUSCODES\r\n");
            r
        } else if upper.starts_with("HELO") {
            "250 sink\r\n".into()
        } else if upper == "STARTTLS" {
            s.get_mut()
                .write_all(b"220 2.0.0 Ready to start TLS\r\n")
                .await
                .ok()?;
            return Some(s.into_inner());
        } else if upper.starts_with("MAIL FROM:") {
            cur.mail_from = line[10..].to_string();
            accepted = 0;
            cur.rcpts.clear();
            "250 2.1.0 OK\r\n".into()
        } else if upper.starts_with("RCPT TO:") {
            let rest = &line[8..];
            let addr = rest
                .split_whitespace()
                .next()
                .unwrap_or("")
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string();
            let code = {
                let mut st = state.lock().expect("lock");
                match st.rcpt_codes.get_mut(&addr) {
                    Some(codes) if codes.len() > 1 => codes.remove(0),
                    Some(codes) => codes.first().copied().unwrap_or(250),
                    None => 250,
                }
            };
            if code < 300 {
                accepted += 1;
                cur.rcpts.push(rest.to_string());
            }
            format!("{}\r\n", text_for(code))
        } else if upper == "DATA" {
            if accepted == 0 {
                "554 5.5.1 No valid recipients\r\n".into()
            } else {
                s.get_mut().write_all(b"354 Go ahead\r\n").await.ok()?;
                let mut data = Vec::new();
                loop {
                    let mut l = Vec::new();
                    if s.read_until(b'\n', &mut l).await.ok()? == 0 {
                        return None;
                    }
                    if l == b".\r\n" {
                        break;
                    }
                    // RFC 5321 §4.5.2: remove the stuffed dot.
                    if l.starts_with(b"..") {
                        l.remove(0);
                    }
                    data.extend_from_slice(&l);
                }
                cur.data = data;
                state.lock().expect("lock").messages.push(cur.clone());
                "250 2.0.0 Queued\r\n".into()
            }
        } else if upper == "QUIT" {
            let _ = s.get_mut().write_all(b"221 2.0.0 Bye\r\n").await;
            return None;
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 OK\r\n".into()
        } else {
            "502 5.5.2 Not implemented\r\n".into()
        };
        s.get_mut().write_all(reply.as_bytes()).await.ok()?;
    }
}
