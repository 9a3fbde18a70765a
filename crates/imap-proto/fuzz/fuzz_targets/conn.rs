//! `cargo fuzz run conn --sanitizer none`: framing, literals, IDLE, SASL.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vesontio_imap_proto::{Limits, LiteralMode, ServerConn, State};

fuzz_target!(|data: &[u8]| {
    let mut c = ServerConn::new(Limits { max_command_len: 256, max_literal: 512, literal_mode: LiteralMode::Minus });
    c.set_state(State::Selected);
    for chunk in data.chunks(7) {
        c.feed(chunk);
        for _ in 0..32 {
            if c.awaiting_literal_decision() {
                c.accept_literal(chunk.len() % 2 == 0);
            }
            if c.poll_event().is_none() && !c.awaiting_literal_decision() {
                break;
            }
        }
    }
    let _ = c.take_output();
});
