//! `cargo fuzz run server --sanitizer none`: a whole SMTP server session
//! driven by arbitrary client bytes; the first byte picks the door, TLS,
//! line endings, CHUNKING and the DATA part size, and each decision is
//! accepted or refused by the next byte. Never a panic, every reply line
//! well formed, memory bounded.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vesontio_smtp_proto::reply::Reply;
use vesontio_smtp_proto::{
    AuthMechanism, EnhancedCode, Event, LineEndings, Mode, Phase, ServerSession, SessionConfig,
    TlsState,
};

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let cfg = SessionConfig {
        hostname: "fuzz.test".into(),
        mode: if flags & 1 == 0 { Mode::Mx } else { Mode::Submission },
        tls: if flags & 2 == 0 { TlsState::None } else { TlsState::Active },
        starttls_available: true,
        size_limit: 2000,
        size_limit_text: "too big".into(),
        max_recipients: 5,
        max_line_length: 512,
        max_bad_commands: 30,
        auth_mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
        auth_mechanisms_allowed_without_tls: flags & 4 != 0,
        data_line_endings: if flags & 8 == 0 {
            LineEndings::Normalise
        } else {
            LineEndings::Refuse
        },
        chunking: flags & 16 != 0,
        data_part_size: (flags & 32 != 0).then_some(1 + usize::from(flags >> 6) * 100),
    };
    let mut s = ServerSession::new(cfg);
    s.greeting();
    let mut out = s.take_output();
    let mut verdicts = rest.iter().rev().copied().cycle();
    for chunk in rest.chunks(9) {
        s.feed(chunk);
        while let Some(ev) = s.poll_event() {
            let v = verdicts.next().unwrap_or(0);
            let refuse = Reply::new(550, EnhancedCode::new(5, 7, 1), "no");
            let _ = match ev {
                Event::MailFrom { .. } if v & 1 == 1 => s.reject(refuse),
                Event::MailFrom { .. } => s.accept_mail(),
                Event::RcptTo { .. } if v & 1 == 1 => s.reject(refuse),
                Event::RcptTo { .. } => s.accept_rcpt(),
                Event::Data(_) if v & 1 == 1 => s.reject(refuse),
                Event::Data(_) => s.accept_data("Q1"),
                Event::Auth { .. } if v & 1 == 1 => s.reject(Reply::auth_failed()),
                Event::Auth { .. } => s.accept_auth(),
                Event::StartTls { .. } => s.tls_established(),
                _ => Ok(()),
            };
        }
        assert!(s.phase() != Phase::Decision, "a decision left pending");
        out.extend(s.take_output());
    }
    let text = String::from_utf8(out).expect("replies are UTF-8");
    for line in text.split_terminator("\r\n") {
        let b = line.as_bytes();
        assert!(b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit), "{line:?}");
        assert!(b[3] == b' ' || b[3] == b'-', "{line:?}");
    }
});
