//! `cargo fuzz run parse_command --sanitizer none`
#![no_main]
use libfuzzer_sys::fuzz_target;
use vesontio_imap_proto::{ParseOptions, parse_command};

fuzz_target!(|data: &[u8]| {
    let _ = parse_command(data, ParseOptions { utf8: false });
    let _ = parse_command(data, ParseOptions { utf8: true });
});
