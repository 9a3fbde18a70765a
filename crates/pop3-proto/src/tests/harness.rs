//! A fake server around the session: answers events from a fixed maildrop
//! and replays `C:`/`S:` transcripts.

use crate::{CloseReason, Config, ErrCode, Event, Maildrop, MessageInfo, Pop3Session, octet_size};

pub const M1: &[u8] = b"Subject: one\r\n\r\nHello\r\n";
pub const M2: &[u8] = b"Subject: two\nFrom: b@x\n\nline1\n.dot\nline3\n";
pub const M3: &[u8] = b"Subject: three\r\n\r\nbody";

/// TLS already on (port 995), plaintext auth off, 255-octet lines.
pub fn config() -> Config {
    Config {
        greeting_host: "pop.ac-demo.fr".into(),
        tls_active: true,
        stls_available: false,
        allow_plaintext_auth: false,
        max_line: 255,
        implementation: "vesontio".into(),
        expire: Some(5),
        max_bad_commands: 20,
        max_auth_failures: 3,
    }
}

/// Port 110: no TLS yet, STLS offered.
pub fn plain_config() -> Config {
    Config {
        tls_active: false,
        stls_available: true,
        ..config()
    }
}

pub struct Harness {
    pub s: Pop3Session,
    pub events: Vec<String>,
    pub messages: Vec<Vec<u8>>,
    pub update_fails: bool,
    pub retrieve_fails: bool,
    /// Answer StartTls at once with `tls_established`.
    pub auto_tls: bool,
}

impl Harness {
    pub fn new(cfg: Config) -> Self {
        let mut s = Pop3Session::new(cfg);
        s.greeting();
        Harness {
            s,
            events: Vec::new(),
            messages: vec![M1.to_vec(), M2.to_vec(), M3.to_vec()],
            update_fails: false,
            retrieve_fails: false,
            auto_tls: true,
        }
    }

    pub fn maildrop(&self) -> Maildrop {
        Maildrop {
            messages: self
                .messages
                .iter()
                .enumerate()
                .map(|(i, m)| MessageInfo {
                    size: octet_size(m),
                    uidl: format!("uid-{}", i + 1),
                })
                .collect(),
        }
    }

    /// Answers every event like a server would, returns the output.
    pub fn drive(&mut self) -> String {
        while let Some(ev) = self.s.poll_event() {
            match ev {
                Event::Authenticate {
                    user,
                    password,
                    mechanism,
                } => {
                    self.events.push(format!("auth {user} {mechanism:?}"));
                    let r = match (user.as_str(), password.expose().as_str()) {
                        ("alice", "secret") | ("alice", "my secret") => {
                            self.s.auth_ok(self.maildrop())
                        }
                        ("busy", _) => self
                            .s
                            .auth_failed(ErrCode::InUse, "maildrop locked by another session"),
                        ("late", _) => self.s.auth_failed(ErrCode::LoginDelay, "wait 5 minutes"),
                        _ => self
                            .s
                            .auth_failed(ErrCode::Auth, "invalid user name or password"),
                    };
                    r.expect("answer to Authenticate");
                }
                Event::Retrieve { index, top_lines } => {
                    self.events.push(format!("retrieve {index} {top_lines:?}"));
                    if self.retrieve_fails {
                        self.s
                            .send_error(Some(ErrCode::SysTemp), "message unreadable")
                            .expect("send_error");
                    } else {
                        let raw = self.messages[index].clone();
                        self.s.send_message(&raw).expect("send_message");
                    }
                }
                Event::Update { deleted } => {
                    self.events.push(format!("update {deleted:?}"));
                    let r: Result<(), &str> = if self.update_fails {
                        Err("disk")
                    } else {
                        Ok(())
                    };
                    self.s.update_done(r).expect("update_done");
                }
                Event::StartTls => {
                    self.events.push("starttls".into());
                    if self.auto_tls {
                        self.s.tls_established().expect("tls_established");
                    }
                }
                Event::Noop => self.events.push("noop".into()),
                Event::Close { reason } => self.events.push(format!("close {reason:?}")),
            }
        }
        String::from_utf8(self.s.take_output()).expect("ASCII output")
    }

    /// Feeds raw bytes and drives.
    pub fn send(&mut self, bytes: &[u8]) -> String {
        self.s.feed(bytes);
        self.drive()
    }

    /// Replays a transcript: each run of `C:` lines is fed in one piece
    /// (pipelined), then the output must be exactly the following `S:` lines.
    pub fn transcript(&mut self, script: &str) {
        let mut steps: Vec<(String, String)> = Vec::new();
        for line in script
            .lines()
            .map(str::trim_start)
            .filter(|l| !l.is_empty())
        {
            if let Some(c) = line.strip_prefix("C:") {
                let c = c.strip_prefix(' ').unwrap_or(c);
                match steps.last_mut() {
                    Some((cs, ss)) if ss.is_empty() => cs.push_str(&format!("{c}\r\n")),
                    _ => steps.push((format!("{c}\r\n"), String::new())),
                }
            } else if let Some(s) = line.strip_prefix("S:") {
                let s = s.strip_prefix(' ').unwrap_or(s);
                if steps.is_empty() {
                    steps.push((String::new(), String::new()));
                }
                if let Some((_, ss)) = steps.last_mut() {
                    ss.push_str(&format!("{s}\r\n"));
                }
            } else {
                panic!("bad transcript line {line:?}");
            }
        }
        for (i, (c, expected)) in steps.iter().enumerate() {
            let got = self.send(c.as_bytes());
            assert_eq!(got, *expected, "step {i}, client sent {c:?}");
        }
    }
}

pub fn run(cfg: Config, script: &str) -> Harness {
    let mut h = Harness::new(cfg);
    h.transcript(script);
    h
}

pub fn closed(h: &Harness, reason: CloseReason) -> bool {
    h.s.is_closed() && h.events.last() == Some(&format!("close {reason:?}"))
}
