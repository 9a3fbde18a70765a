#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

mod analysis;
mod build;
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
