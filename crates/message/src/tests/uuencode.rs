#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use super::*;
use crate::uuencode::{EmbeddedFile, embedded_files};

/// POSIX uuencode of `data`: lines of 45 bytes, length character first.
pub(crate) fn uuencode(mode: &str, name: &str, data: &[u8]) -> String {
    let enc = |v: u8| if v == 0 { '`' } else { (v + 32) as char };
    let mut out = format!("begin {mode} {name}\n");
    for line in data.chunks(45) {
        out.push(enc(line.len() as u8));
        for c in line.chunks(3) {
            let b = [c[0], *c.get(1).unwrap_or(&0), *c.get(2).unwrap_or(&0)];
            let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
            for k in 0..4 {
                out.push(enc((n >> (18 - 6 * k) & 63) as u8));
            }
        }
        out.push('\n');
    }
    out.push_str("`\nend\n");
    out
}

/// A BinHex 4.0 block whose header names `name` (RFC 1741); `0x90` bytes
/// are escaped as the run-length scheme wants, and a run is used for the
/// zero bytes after the name to exercise the decoder.
pub(crate) fn binhex(name: &str) -> String {
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

#[test]
fn uuencoded_files_are_found_and_decoded() {
    let text = format!(
        "Bonjour,\n\nvoici le fichier.\n\n{}\nCordialement\n{}",
        uuencode(
            "644",
            "facture.exe",
            b"MZ\x90\x00 a fake program, long enough for two lines of uuencode"
        ),
        uuencode("755", "setup.scr", b"x")
    );
    let files = embedded_files(text.as_bytes(), 1 << 20);
    assert_eq!(
        files,
        vec![
            EmbeddedFile {
                name: Some("facture.exe".into()),
                data: Some(
                    b"MZ\x90\x00 a fake program, long enough for two lines of uuencode".to_vec()
                ),
            },
            EmbeddedFile {
                name: Some("setup.scr".into()),
                data: Some(b"x".to_vec()),
            },
        ]
    );
    // Over the bound: the name, not the data.
    let files = embedded_files(text.as_bytes(), 10);
    assert_eq!(files[0].name.as_deref(), Some("facture.exe"));
    assert_eq!(files[0].data, None);
}

#[test]
fn begin_base64_block() {
    let text = "begin-base64 644 outil.vbs\r\nTXNnQm94IDE=\r\n====\r\nfin\r\n";
    let files = embedded_files(text.as_bytes(), 1 << 20);
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name.as_deref(), Some("outil.vbs"));
    assert_eq!(files[0].data.as_deref(), Some(&b"MsgBox 1"[..]));
}

#[test]
fn binhex_header_gives_the_name() {
    let files = embedded_files(
        format!("Hello\r\n{}", binhex("setup.exe")).as_bytes(),
        1 << 20,
    );
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].name.as_deref(), Some("setup.exe"));
    // A marker with data that does not decode: a file whose name is unknown.
    let files = embedded_files(
        b"(This file must be converted with BinHex 4.0)\r\n:~~~~:\r\n",
        1 << 20,
    );
    assert_eq!(
        files,
        vec![EmbeddedFile {
            name: None,
            data: None
        }]
    );
}

#[test]
fn ordinary_text_has_no_files() {
    for text in [
        "begin\n",
        "begin 644\n",
        "begin the meeting at 9\n",
        "begin 9999 x.exe\n",
        "  begin 644 indented.exe\n",
        "Let us begin 644 x.exe\n",
        "",
    ] {
        assert_eq!(embedded_files(text.as_bytes(), 1 << 20), vec![], "{text:?}");
    }
}

#[test]
fn analysis_sees_uuencode_and_binhex_in_text_parts() {
    let exts = vec!["exe".to_string(), "scr".to_string()];
    let body = uuencode("644", "facture.exe", b"MZ");
    let raw = format!(
        "From: a@example.org\r\nSubject: x\r\n\r\nBonjour\r\n{}",
        body.replace('\n', "\r\n")
    );
    let a = Analysis::of(raw.as_bytes());
    assert_eq!(forbidden_attachment(&a, &exts).unwrap().path, "facture.exe");
    // In the text part of a multipart, and BinHex.
    let raw = format!(
        "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\n{}\r\n--B--\r\n",
        binhex("setup.scr")
    );
    let a = Analysis::of(raw.as_bytes());
    assert_eq!(forbidden_attachment(&a, &exts).unwrap().path, "setup.scr");
    // A uuencoded zip is looked into.
    let z = zip_of(&[("inner/run.exe", b"MZ")]);
    let raw = format!(
        "Subject: x\r\n\r\n{}",
        uuencode("644", "docs.zip", &z).replace('\n', "\r\n")
    );
    let a = Analysis::of(raw.as_bytes());
    assert_eq!(
        forbidden_attachment(&a, &exts).unwrap().path,
        "docs.zip/inner/run.exe"
    );
}
