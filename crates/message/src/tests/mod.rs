#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

mod analysis;
mod archive;
mod build;
mod header_check;
mod headers;
mod names;
mod uuencode;

use super::*;
use mail_parser::MimeHeaders;
use std::io::{Cursor, Write};
use vesontio_types::Address;

pub(crate) fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

// ---------------------------------------------------------------- helpers

pub(crate) fn b64(data: &[u8]) -> String {
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
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A zip of empty stored entries, written directly (APPNOTE §4.3): the
/// zip crate takes seconds for 20,000 entries in a debug build.
pub(crate) fn stored_zip(names: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for n in names {
        let offset = out.len() as u32;
        let n = n.as_bytes();
        // Local file header: version 10, no flags, stored, zero time/date,
        // CRC 0 and sizes 0 (empty), name length, no extra field.
        out.extend_from_slice(b"PK\x03\x04\x0a\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&(n.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(n);
        central.extend_from_slice(b"PK\x01\x02\x14\0\x0a\0\0\0\0\0\0\0\0\0");
        central.extend_from_slice(&[0; 12]);
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

/// `name` at the bottom of `depth` zips, each holding the next
/// (`depth` 1: a zip holding `name`).
pub(crate) fn nested_zip(depth: usize, name: &str) -> Vec<u8> {
    let mut z = zip_of(&[(name, b"MZ")]);
    for i in 1..depth {
        z = zip_of(&[(&format!("level{i}.zip"), &z)]);
    }
    z
}

/// A zip whose entries are all flagged encrypted (APPNOTE §4.4.4 bit 0),
/// as a ZipCrypto archive is: the zip crate writes no encryption.
pub(crate) fn encrypted_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    let mut z = w.finish().unwrap().into_inner();
    let mut i = 0;
    while i + 10 < z.len() {
        // Local header: flags at +6; central directory header: at +8.
        if z[i..].starts_with(b"PK\x03\x04") {
            z[i + 6] |= 1;
        } else if z[i..].starts_with(b"PK\x01\x02") {
            z[i + 8] |= 1;
        }
        i += 1;
    }
    z
}

/// A ustar archive of regular files (POSIX.1-2017 pax, ustar format).
pub(crate) fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
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
pub(crate) fn gzip_of(data: &[u8], fname: Option<&str>) -> Vec<u8> {
    let mut b = flate2::GzBuilder::new();
    if let Some(n) = fname {
        b = b.filename(n);
    }
    let mut w = b.write(Vec::new(), flate2::Compression::default());
    w.write_all(data).unwrap();
    w.finish().unwrap()
}

/// A multipart/mixed message with a text part and one base64 attachment
/// whose MIME headers are given verbatim.
pub(crate) fn with_attachment(part_headers: &str, data: &[u8]) -> Vec<u8> {
    format!(
        "From: Jeanne <jeanne.dupont@ac-demo.fr>\r\nTo: paul@ac-demo.fr\r\nSubject: test\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n\
         --XX\r\nContent-Type: text/plain\r\n\r\nbonjour\r\n\
         --XX\r\n{part_headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX--\r\n",
        b64(data)
    )
    .into_bytes()
}

pub(crate) fn paths(a: &Analysis) -> Vec<String> {
    a.attachments.iter().map(|n| n.path.clone()).collect()
}
