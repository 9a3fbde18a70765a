//! Known-answer transcripts for the server session: bytes in, bytes and
//! events out. Helpers here, one file per area.

mod bdat;
mod commands;
mod data;
mod robustness;
mod tls_auth;
mod transcripts;

use super::*;
use crate::params::{Body, Notify, Orcpt, Ret};
use crate::path::Mailbox;

const TOO_BIG: &str = "Message too large (limit 1000 bytes), use https://files.test";

fn cfg() -> SessionConfig {
    SessionConfig {
        hostname: "mx.test".into(),
        mode: Mode::Mx,
        tls: TlsState::None,
        starttls_available: true,
        size_limit: 1000,
        size_limit_text: TOO_BIG.into(),
        max_recipients: 3,
        max_line_length: 512,
        max_bad_commands: 5,
        auth_mechanisms: vec![AuthMechanism::Plain, AuthMechanism::Login],
        auth_mechanisms_allowed_without_tls: false,
        data_line_endings: LineEndings::Normalise,
        chunking: false,
        data_part_size: None,
    }
}

fn tls_cfg() -> SessionConfig {
    SessionConfig {
        tls: TlsState::Active,
        ..cfg()
    }
}

/// Feeds `input`, accepts every decision, returns output and events.
fn run(s: &mut ServerSession, input: &[u8]) -> (String, Vec<Event>) {
    run_with(s, input, |s, _| accept(s))
}

fn accept(s: &mut ServerSession) {
    let r = match s.pending {
        Some(Pending::Mail { .. }) => s.accept_mail(),
        Some(Pending::Rcpt) => s.accept_rcpt(),
        Some(Pending::Data) => s.accept_data("Q1"),
        Some(Pending::Auth) => s.accept_auth(),
        None => Ok(()),
    };
    assert_eq!(r, Ok(()));
}

fn run_with(
    s: &mut ServerSession,
    input: &[u8],
    mut decide: impl FnMut(&mut ServerSession, &Event),
) -> (String, Vec<Event>) {
    s.feed(input);
    let mut events = Vec::new();
    while let Some(ev) = s.poll_event() {
        decide(s, &ev);
        events.push(ev);
    }
    let out = String::from_utf8(s.take_output()).expect("replies are UTF-8");
    (out, events)
}

fn out(s: &mut ServerSession, input: &str) -> String {
    run(s, input.as_bytes()).0
}

fn mb(local: &str, domain: &str) -> Mailbox {
    Mailbox {
        local_part: local.into(),
        domain: domain.into(),
    }
}

/// A session after EHLO, output discarded.
fn ehloed(cfg: SessionConfig) -> ServerSession {
    let mut s = ServerSession::new(cfg);
    run(&mut s, b"EHLO c.test\r\n");
    s
}

/// A session inside a transaction with one accepted recipient.
fn in_tx(cfg: SessionConfig) -> ServerSession {
    let mut s = ehloed(cfg);
    run(&mut s, b"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\n");
    s
}
