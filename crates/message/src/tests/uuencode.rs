#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use super::*;
use crate::uuencode::{EmbeddedFile, embedded_files};

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
        body
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
    let raw = format!("Subject: x\r\n\r\n{}", uuencode("644", "docs.zip", &z));
    let a = Analysis::of(raw.as_bytes());
    assert_eq!(
        forbidden_attachment(&a, &exts).unwrap().path,
        "docs.zip/inner/run.exe"
    );
}
