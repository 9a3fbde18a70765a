//! `cargo +nightly fuzz run session`: a whole POP3 session driven by
//! arbitrary client bytes, every event answered, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vesontio_pop3_proto::{Config, Event, Maildrop, MessageInfo, Pop3Session, octet_size};

const MESSAGES: [&[u8]; 3] = [b"Subject: a\r\n\r\n.dot\r\nbody\r\n", b"x\ny\rz", b""];

fuzz_target!(|data: &[u8]| {
    let mut s = Pop3Session::new(Config {
        greeting_host: "fuzz".into(),
        tls_active: data.first().is_some_and(|b| b & 1 == 1),
        stls_available: true,
        allow_plaintext_auth: false,
        max_line: 255,
        implementation: "fuzz".into(),
        expire: None,
        max_bad_commands: 50,
        max_auth_failures: 5,
    });
    s.greeting();
    for chunk in data.chunks(5) {
        s.feed(chunk);
        while let Some(ev) = s.poll_event() {
            match ev {
                Event::Authenticate { .. } => {
                    let messages = MESSAGES.iter().enumerate().map(|(i, m)| MessageInfo { size: octet_size(m), uidl: format!("1.{i}") }).collect();
                    let _ = s.auth_ok(Maildrop { messages });
                }
                Event::Retrieve { index, .. } => {
                    let _ = s.send_message(MESSAGES.get(index).copied().unwrap_or(b""));
                }
                Event::Update { .. } => {
                    let _ = s.update_done(Ok::<(), ()>(()));
                }
                Event::StartTls => {
                    let _ = s.tls_established();
                }
                _ => {}
            }
        }
        let _ = s.take_output();
    }
});
