//! Fixtures for tests of R7, here and in other crates' tests (the
//! `testkit` feature): archives and encodings built the way senders build
//! them, some written byte by byte where no writer produces the form.
//! Test code only: it may panic on bad input.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::io::{Cursor, Write};

/// Base64 (RFC 2045 §6.8) in lines of 76 characters.
pub fn b64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.push_str("\r\n");
        }
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (j, &b)| acc | (b as u32) << (16 - 8 * j));
        for j in 0..4 {
            if j <= chunk.len() {
                out.push(T[(n >> (18 - 6 * j) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A zip with the given (name, contents) entries, deflated.
pub fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// `name` at the bottom of `depth` zips, each holding the next
/// (`depth` 1: a zip holding `name`).
pub fn nested_zip(depth: usize, name: &str) -> Vec<u8> {
    let mut z = zip_of(&[(name, b"MZ")]);
    for i in 1..depth {
        z = zip_of(&[(&format!("level{i}.zip"), &z)]);
    }
    z
}

/// A ustar archive of regular files (POSIX.1-2017 pax, ustar format).
pub fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// gzip (RFC 1952) of `data`, with `FNAME` when given.
pub fn gzip_of(data: &[u8], fname: Option<&str>) -> Vec<u8> {
    let mut b = flate2::GzBuilder::new();
    if let Some(n) = fname {
        b = b.filename(n);
    }
    let mut w = b.write(Vec::new(), flate2::Compression::default());
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

/// A zip of empty stored entries, written directly (APPNOTE §4.3): the
/// zip crate takes seconds for 20,000 entries in a debug build. With
/// `encrypted`, every entry is flagged encrypted (APPNOTE §4.4.4 bit 0),
/// as a ZipCrypto archive is (the zip crate writes no encryption).
pub fn stored_zip<S: AsRef<str>>(names: &[S], encrypted: bool) -> Vec<u8> {
    let flags: u8 = u8::from(encrypted);
    let mut out = Vec::new();
    let mut central = Vec::new();
    for n in names {
        let offset = out.len() as u32;
        let n = n.as_ref().as_bytes();
        // Version 10, flags (bit 11: UTF-8 names), stored, zero time, CRC
        // and sizes (empty), the name, no extra field.
        out.extend_from_slice(b"PK\x03\x04\x0a\0");
        out.extend_from_slice(&[flags, 0x08]);
        out.extend_from_slice(&[0; 18]);
        out.extend_from_slice(&(n.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(n);
        central.extend_from_slice(b"PK\x01\x02\x14\0\x0a\0");
        central.extend_from_slice(&[flags, 0x08]);
        central.extend_from_slice(&[0; 18]);
        central.extend_from_slice(&(n.len() as u16).to_le_bytes());
        central.extend_from_slice(&[0; 12]);
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(n);
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    let count = (names.len().min(0xffff) as u16).to_le_bytes();
    out.extend_from_slice(&count);
    out.extend_from_slice(&count);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

/// POSIX uuencode of `data`: lines of 45 bytes, length character first,
/// CRLF line ends.
pub fn uuencode(mode: &str, name: &str, data: &[u8]) -> String {
    let enc = |v: u8| if v == 0 { '`' } else { (v + 32) as char };
    let mut out = format!("begin {mode} {name}\r\n");
    for line in data.chunks(45) {
        out.push(enc(line.len() as u8));
        for c in line.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            for k in 0..4 {
                out.push(enc((n >> (18 - 6 * k) & 63) as u8));
            }
        }
        out.push_str("\r\n");
    }
    out.push_str("`\r\nend\r\n");
    out
}

/// A BinHex 4.0 block whose header names `name` (RFC 1741); `0x90` bytes
/// are escaped as the run-length scheme wants, and a run is used for the
/// zero bytes after the name to exercise the decoder.
pub fn binhex(name: &str) -> String {
    const A: &[u8; 64] = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
    let mut raw = vec![name.len() as u8];
    raw.extend_from_slice(name.as_bytes());
    // version 0, then type/creator: eight zero bytes as a run "0 0x90 9".
    raw.extend_from_slice(&[0, 0x90, 9]);
    raw.extend_from_slice(b"APPLMSWD\x00\x00\x00\x00\x00\x10\x00\x00\x00\x00\xAB\xCD");
    let mut out = String::from("(This file must be converted with BinHex 4.0)\r\n:");
    for c in raw.chunks(3) {
        let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
        }
    }
    out.push_str(":\r\n");
    out
}
