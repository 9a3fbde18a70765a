#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

mod analysis;
mod archive;
mod build;
mod header_check;
mod headers;
mod names;
mod uuencode;

use super::*;
pub(crate) use crate::testkit::*;
use mail_parser::MimeHeaders;
use vesontio_types::Address;

pub(crate) fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

// ---------------------------------------------------------------- helpers

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
