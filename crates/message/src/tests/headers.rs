#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use crate::*;

// ---------------------------------------------------------------- header editing

#[test]
fn has_header_known_answers() {
    let raw = b"From: a@b.fr\r\nX-Folded: one\r\n Sensitivity: not a field\r\nsubject : hi\r\n\r\nSensitivity: in body\r\n";
    assert!(has_header(raw, "from"));
    assert!(has_header(raw, "X-FOLDED"));
    assert!(has_header(raw, "Subject"));
    assert!(
        !has_header(raw, "Sensitivity"),
        "continuation lines and body lines are not fields"
    );
    assert!(!has_header(b"", "From"));
    assert!(
        has_header(b"From: a@b.fr", "From"),
        "a message without body"
    );
}

#[test]
fn prepend_keeps_bytes_and_line_endings() {
    let raw = b"From: a@b.fr\r\nSubject: x\r\n\r\nbody \xff\r\n";
    let out = prepend_header(raw, "X-Test", "yes");
    assert_eq!(
        out,
        b"X-Test: yes\r\nFrom: a@b.fr\r\nSubject: x\r\n\r\nbody \xff\r\n"
    );
    let lf = b"From: a@b.fr\n\nbody\n";
    assert_eq!(
        prepend_header(lf, "X-Test", "yes"),
        b"X-Test: yes\nFrom: a@b.fr\n\nbody\n"
    );
    // CR/LF in a value cannot inject a field.
    let out = prepend_header(raw, "X-Test", "a\r\nBcc: victim@x.fr");
    assert!(out.starts_with(b"X-Test: a Bcc: victim@x.fr\r\nFrom:"));
    // Long values are folded at spaces.
    let long = vec!["mot"; 40].join(" ");
    let out = prepend_header(b"\r\n", "X-Long", &long);
    let text = String::from_utf8(out).unwrap();
    assert!(text.lines().all(|l| l.len() <= 78), "{text}");
    assert!(text.contains("\r\n mot"));
}

#[test]
fn sensitivity_private_is_added_once() {
    let raw = b"Subject: [PRIVE] x\r\n\r\nbody\r\n";
    let once = add_sensitivity_private(raw);
    assert_eq!(
        once,
        b"Sensitivity: Private\r\nSubject: [PRIVE] x\r\n\r\nbody\r\n"
    );
    assert_eq!(add_sensitivity_private(&once), once);
    let personal = b"sensitivity: Personal\r\n\r\nbody\r\n";
    assert_eq!(add_sensitivity_private(personal), personal.to_vec());
}

#[test]
fn message_id_is_kept_or_added() {
    let raw = b"Message-ID:\r\n <x.1@ac-demo.fr>\r\n\r\nb\r\n";
    let (out, id) = ensure_message_id(raw, "mx.ac-demo.fr", "u1");
    assert_eq!(out, raw.to_vec());
    assert_eq!(id, "x.1@ac-demo.fr");
    let raw = b"Subject: s\r\n\r\nb\r\n";
    let (out, id) = ensure_message_id(raw, "mx.ac-demo.fr", "0190-abc");
    assert_eq!(id, "0190-abc@mx.ac-demo.fr");
    assert_eq!(
        out,
        b"Message-ID: <0190-abc@mx.ac-demo.fr>\r\nSubject: s\r\n\r\nb\r\n"
    );
    assert_eq!(
        Analysis::of(&out).message_id.as_deref(),
        Some("0190-abc@mx.ac-demo.fr")
    );
}

#[test]
fn encode_unstructured_known_answers() {
    use crate::headers::encode_unstructured;
    assert_eq!(encode_unstructured("Hello world"), "Hello world");
    assert_eq!(encode_unstructured("Réunion"), "=?UTF-8?Q?R=C3=A9union?=");
    assert_eq!(encode_unstructured("a b_c=d?"), "a b_c=d?");
    assert_eq!(encode_unstructured("é b_c"), "=?UTF-8?Q?=C3=A9_b=5Fc?=");
    let long = "é".repeat(40);
    let enc = encode_unstructured(&long);
    assert!(enc.split(' ').all(|w| w.len() <= 75), "{enc}");
    // Round trip through a parser.
    let raw = format!("Subject: {enc}\r\n\r\n");
    assert_eq!(
        Analysis::of(raw.as_bytes()).subject.as_deref(),
        Some(long.as_str())
    );
}

#[test]
fn date_known_answers() {
    assert_eq!(format_rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
    assert_eq!(
        format_rfc5322_date(1057049557),
        "Tue, 1 Jul 2003 08:52:37 +0000"
    );
    assert_eq!(
        format_rfc5322_date(1_798_761_599),
        "Thu, 31 Dec 2026 23:59:59 +0000"
    );
    assert_eq!(
        format_rfc5322_date(i64::MAX),
        "Thu, 1 Jan 1970 00:00:00 +0000"
    );
}
