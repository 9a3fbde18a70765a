//! Known-answer table for RFC 1939 §3 byte-stuffing, CRLF normalisation and
//! TOP (RFC 1939 §7), plus streaming and size consistency checks.

use crate::{MessageEncoder, encode_message, octet_size};

fn enc(raw: &[u8], top: Option<u32>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_message(raw, top, &mut out);
    out
}

#[rustfmt::skip]
const RETR_TABLE: &[(&[u8], &[u8])] = &[
    (b"", b".\r\n"),
    (b"a", b"a\r\n.\r\n"),
    (b"a\r\n", b"a\r\n.\r\n"),
    (b"a\nb\n", b"a\r\nb\r\n.\r\n"),
    (b"a\rb\r", b"a\r\nb\r\n.\r\n"),
    (b"a\r\r\nb", b"a\r\n\r\nb\r\n.\r\n"),
    (b"a\n\rb", b"a\r\n\r\nb\r\n.\r\n"),
    (b"\n", b"\r\n.\r\n"),
    (b"\r\n\r\n", b"\r\n\r\n.\r\n"),
    (b".", b"..\r\n.\r\n"),
    (b".x\r\n", b"..x\r\n.\r\n"),
    (b"..\r\n", b"...\r\n.\r\n"),
    (b"x.y\r\n.\n", b"x.y\r\n..\r\n.\r\n"),
    (b" .\r\n", b" .\r\n.\r\n"),
    (b"a\r.b\r\n", b"a\r\n..b\r\n.\r\n"),
    // A message whose content ends like a terminator is not cut short.
    (b"x\r\n.\r\n", b"x\r\n..\r\n.\r\n"),
    (b"x\r\n.\r\n\r\n", b"x\r\n..\r\n\r\n.\r\n"),
    (b"\xff\x00\r\n", b"\xff\x00\r\n.\r\n"),
];

#[test]
fn retr_known_answers() {
    for (raw, want) in RETR_TABLE {
        assert_eq!(
            enc(raw, None),
            *want,
            "raw {:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

const MSG: &[u8] = b"H: 1\r\nH: 2\r\n\r\nb1\r\n.b2\r\nb3\r\n";

#[rustfmt::skip]
const TOP_TABLE: &[(&[u8], u32, &[u8])] = &[
    (MSG, 0, b"H: 1\r\nH: 2\r\n\r\n.\r\n"),
    (MSG, 1, b"H: 1\r\nH: 2\r\n\r\nb1\r\n.\r\n"),
    (MSG, 2, b"H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\n.\r\n"),
    (MSG, 3, b"H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n.\r\n"),
    (MSG, 1000, b"H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n.\r\n"),
    (MSG, u32::MAX, b"H: 1\r\nH: 2\r\n\r\nb1\r\n..b2\r\nb3\r\n.\r\n"),
    // No body at all: the whole message is header.
    (b"H: 1\r\nH: 2\r\n", 0, b"H: 1\r\nH: 2\r\n.\r\n"),
    (b"H: 1", 0, b"H: 1\r\n.\r\n"),
    (b"H: 1\r\n\r\n", 3, b"H: 1\r\n\r\n.\r\n"),
    (b"", 0, b".\r\n"),
    (b"", 5, b".\r\n"),
    // LF-only and bare-CR messages are split the same way.
    (b"H\n\nb1\nb2", 1, b"H\r\n\r\nb1\r\n.\r\n"),
    (b"H\n\nb1\nb2", 2, b"H\r\n\r\nb1\r\nb2\r\n.\r\n"),
    (b"H\r\rb1\rb2\r", 1, b"H\r\n\r\nb1\r\n.\r\n"),
    (b"H\n\nb", 1, b"H\r\n\r\nb\r\n.\r\n"),
    // Empty header: the message starts with the blank line.
    (b"\r\nbody\r\n", 0, b"\r\n.\r\n"),
    (b"\r\nbody\r\n", 1, b"\r\nbody\r\n.\r\n"),
    // Blank lines in the body count as lines.
    (b"H\n\n\n\nb", 2, b"H\r\n\r\n\r\n\r\n.\r\n"),
];

#[test]
fn top_known_answers() {
    for (raw, n, want) in TOP_TABLE {
        assert_eq!(
            String::from_utf8_lossy(&enc(raw, Some(*n))),
            String::from_utf8_lossy(want),
            "raw {:?} top {n}",
            String::from_utf8_lossy(raw)
        );
    }
}

#[rustfmt::skip]
const SIZE_TABLE: &[(&[u8], u64)] = &[
    (b"", 0),
    (b"a", 3),
    (b"a\r\n", 3),
    (b"a\n", 3),
    (b"a\r", 3),
    (b"a\r\r\n", 5),
    (b".\r\n", 3),
    (b"Subject: one\r\n\r\nHello\r\n", 23),
];

#[test]
fn octet_size_known_answers() {
    for (raw, size) in SIZE_TABLE {
        assert_eq!(
            octet_size(raw),
            *size,
            "raw {:?}",
            String::from_utf8_lossy(raw)
        );
    }
}

/// Removes the terminator and the byte-stuffing, as a client does.
fn unstuff(encoded: &[u8]) -> Vec<u8> {
    let body = encoded.strip_suffix(b".\r\n").expect("terminator");
    let mut out = Vec::new();
    for line in body.split_inclusive(|&b| b == b'\n') {
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
    }
    out
}

/// Small deterministic generator (xorshift64*), no dependency needed.
pub(super) struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn streaming_equals_whole_and_sizes_agree() {
    let alphabet = b"\r\n.ab ";
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..2000 {
        let len = rng.below(40);
        let raw: Vec<u8> = (0..len)
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        for top in [None, Some(0), Some(1), Some(3)] {
            let whole = enc(&raw, top);
            // Every split point, including a CR/LF pair cut in two.
            for cut in 0..=raw.len() {
                let mut e = MessageEncoder::new(top);
                let mut out = Vec::new();
                e.encode(&raw[..cut], &mut out);
                e.encode(&raw[cut..], &mut out);
                e.finish(&mut out);
                assert_eq!(out, whole, "raw {raw:?} cut {cut} top {top:?}");
            }
            // Output is well formed: only CRLF line ends, no lone "." line
            // before the end.
            let lines: Vec<&[u8]> = whole.split(|&b| b == b'\n').collect();
            for l in &lines[..lines.len() - 1] {
                assert_eq!(l.last(), Some(&b'\r'), "raw {raw:?}");
                assert!(!l[..l.len() - 1].contains(&b'\r'));
            }
            assert_eq!(lines.iter().filter(|l| **l == b".\r").count(), 1);
        }
        // RFC 1939 §11: the announced size is what the client gets.
        assert_eq!(
            octet_size(&raw),
            unstuff(&enc(&raw, None)).len() as u64,
            "raw {raw:?}"
        );
    }
}

/// Reference encoder for clean CRLF messages: split into lines, stuff, join.
fn reference_clean(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let text = raw.strip_suffix(b"\r\n").unwrap_or(raw);
    if !raw.is_empty() {
        for line in text.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.first() == Some(&b'.') {
                out.push(b'.');
            }
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b".\r\n");
    out
}

/// The vectorised path for messages already in CRLF form gives the same
/// bytes as the line-by-line definition, whole or fed in pieces, and
/// messages with a bare CR or LF anywhere still take the general path.
#[test]
fn clean_crlf_fast_path_matches_the_definition() {
    let mut rng = Rng(0x5EED_0F_C1EA_u64);
    let pieces: [&[u8]; 7] = [b".", b"..", b"a", b"Subject: x", b"", b" .", b"line"];
    for round in 0..3000 {
        let mut raw = Vec::new();
        for _ in 0..rng.below(40) {
            for _ in 0..rng.below(4) {
                raw.extend_from_slice(pieces[rng.below(pieces.len())]);
            }
            raw.extend_from_slice(b"\r\n");
        }
        let want = reference_clean(&raw);
        assert_eq!(
            enc(&raw, None),
            want,
            "round {round}: {:?}",
            String::from_utf8_lossy(&raw)
        );
        let mut e = MessageEncoder::new(None);
        let mut out = Vec::new();
        let mut rest = raw.as_slice();
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len());
            e.encode(&rest[..n], &mut out);
            rest = &rest[n..];
        }
        e.finish(&mut out);
        assert_eq!(out, want, "round {round} in pieces");
    }
    // One bare LF or CR sends the whole chunk down the general path.
    assert_eq!(enc(b"a\r\nb\n.c\r\n", None), b"a\r\nb\r\n..c\r\n.\r\n");
    assert_eq!(enc(b"a\r\nb\rc\r\n", None), b"a\r\nb\r\nc\r\n.\r\n");
    assert_eq!(enc(b".a\r\n..b\r\n", None), b"..a\r\n...b\r\n.\r\n");
}
