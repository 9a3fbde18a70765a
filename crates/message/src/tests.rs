#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use super::*;
use mail_parser::MimeHeaders;
use std::io::{Cursor, Write};
use vesontio_types::Address;

fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

// ---------------------------------------------------------------- helpers

fn b64(data: &[u8]) -> String {
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
fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
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
fn with_attachment(part_headers: &str, data: &[u8]) -> Vec<u8> {
    format!(
        "From: Jeanne <jeanne.dupont@ac-demo.fr>\r\nTo: paul@ac-demo.fr\r\nSubject: test\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n\
         --XX\r\nContent-Type: text/plain\r\n\r\nbonjour\r\n\
         --XX\r\n{part_headers}\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--XX--\r\n",
        b64(data)
    )
    .into_bytes()
}

fn paths(a: &Analysis) -> Vec<String> {
    a.attachments.iter().map(|n| n.path.clone()).collect()
}

// ---------------------------------------------------------------- analysis: headers

#[test]
fn analysis_reads_headers() {
    let raw =
        b"From: =?UTF-8?Q?J=C3=A9r=C3=B4me?= <jerome.martin@ac-demo.fr>, other@example.org\r\n\
Sender: secretariat@ac-demo.fr\r\n\
To: a@ac-demo.fr, Group: b@ac-demo.fr, c@ac-demo.fr;\r\n\
Cc: d@example.org\r\n\
Subject: =?ISO-8859-1?Q?R=E9union_priv=E9e?=\r\n\
Message-ID: <abc.123@ac-demo.fr>\r\n\
Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n\
Auto-Submitted: Auto-Replied; owner=x\r\n\
Precedence: BULK\r\n\
List-Id: Liste DSI <dsi.ac-demo.fr>\r\n\
\r\n\
body\r\n";
    let a = Analysis::of(raw);
    assert_eq!(a.size, raw.len());
    assert_eq!(a.subject.as_deref(), Some("Réunion privée"));
    assert!(a.is_private);
    assert_eq!(a.message_id.as_deref(), Some("abc.123@ac-demo.fr"));
    assert_eq!(
        a.from,
        vec![addr("jerome.martin@ac-demo.fr"), addr("other@example.org")]
    );
    assert_eq!(a.sender, Some(addr("secretariat@ac-demo.fr")));
    assert_eq!(
        a.to,
        vec![
            addr("a@ac-demo.fr"),
            addr("b@ac-demo.fr"),
            addr("c@ac-demo.fr")
        ]
    );
    assert_eq!(a.cc, vec![addr("d@example.org")]);
    assert_eq!(a.date, Some(1057049557));
    assert_eq!(a.auto_submitted.as_deref(), Some("auto-replied"));
    assert_eq!(a.precedence.as_deref(), Some("bulk"));
    assert_eq!(a.list_id.as_deref(), Some("Liste DSI <dsi.ac-demo.fr>"));
    assert!(a.has_list_headers);
    assert!(a.attachments.is_empty());
    assert!(!a.scan_incomplete);
}

#[test]
fn analysis_of_plain_message_has_no_markers() {
    let a = Analysis::of(b"From: a@ac-demo.fr\r\nSubject: Private meeting\r\n\r\nhello\r\n");
    assert!(!a.is_private);
    assert_eq!(a.auto_submitted, None);
    assert_eq!(a.precedence, None);
    assert_eq!(a.list_id, None);
    assert!(!a.has_list_headers);
    let a =
        Analysis::of(b"From: a@ac-demo.fr\r\nList-Unsubscribe: <mailto:x@y.fr>\r\n\r\nhello\r\n");
    assert!(a.has_list_headers);
    assert_eq!(a.list_id, None);
}

#[test]
fn private_subject_table() {
    let cases: &[(&str, bool)] = &[
        ("Privé", true),
        ("privé", true),
        ("PRIVÉ", true),
        ("[PRIVE] rendez-vous médecin", true),
        ("Re: [Privé] vacances", true),
        ("prive", true),
        ("Courrier privée", true),
        ("privee", true),
        ("Prive\u{301}", true), // NFD: e + combining acute accent
        ("privé-perso", true),
        ("(privé)", true),
        ("Privé:demande", true),
        ("private", false),
        ("privilège", false),
        ("privés", false),
        ("privatisé", false),
        ("déprivé", false),
        ("réunion de service", false),
        ("", false),
        ("imprivé", false),
    ];
    for (s, want) in cases {
        assert_eq!(is_private_subject(s), *want, "{s:?}");
    }
}

// ---------------------------------------------------------------- analysis: attachments

#[test]
fn attachment_names_from_mime_headers() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"rapport.pdf\"",
            &["rapport.pdf"],
        ),
        (
            "Content-Type: application/octet-stream; name=\"photo.jpg\"",
            &["photo.jpg"],
        ),
        // Disposition and type disagree: both are kept.
        (
            "Content-Type: application/octet-stream; name=\"evil.exe\"\r\nContent-Disposition: attachment; filename=\"ok.txt\"",
            &["ok.txt", "evil.exe"],
        ),
        // RFC 2231 continuations.
        (
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*0=\"very_long_\";\r\n filename*1=\"name.scr\"",
            &["very_long_name.scr"],
        ),
        // RFC 2231 charset and percent-encoding.
        (
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=UTF-8''%C3%A9l%C3%A8ve.vbs",
            &["élève.vbs"],
        ),
        // RFC 2231 charset with continuations.
        (
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename*0*=UTF-8''%C3%A9t%C3%A9;\r\n filename*1=\".pif\"",
            &["été.pif"],
        ),
        // RFC 2047 in a parameter (not standard, written by many clients).
        (
            "Content-Type: application/octet-stream; name=\"=?UTF-8?B?w6l2aWwucmVn?=\"",
            &["évil.reg"],
        ),
    ];
    for (headers, want) in cases {
        let a = Analysis::of(&with_attachment(headers, b"data"));
        assert_eq!(
            paths(&a),
            want.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{headers}"
        );
        assert!(a.attachments.iter().all(|n| !n.in_archive));
    }
}

#[test]
fn text_part_with_a_name_is_an_attachment() {
    // A .vbs script is text: it must be found although the part is text/plain.
    let raw =
        b"Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
--B\r\nContent-Type: text/plain; name=\"script.vbs\"\r\n\r\nMsgBox 1\r\n--B--\r\n";
    assert_eq!(paths(&Analysis::of(raw)), vec!["script.vbs"]);
}

#[test]
fn attachments_in_nested_messages() {
    let inner = "From: x@example.org\r\nSubject: inner\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=I\r\n\r\n\
--I\r\nContent-Type: text/plain\r\n\r\ntext\r\n\
--I\r\nContent-Type: application/octet-stream; name=\"deep.scr\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--I--\r\n";
    let mut raw = inner.to_string();
    // Nest it ten times, deeper than mail-parser follows on its own.
    for level in 0..10 {
        raw = format!(
            "Subject: level {level}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=L{level}\r\n\r\n\
--L{level}\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
--L{level}\r\nContent-Type: message/rfc822\r\n\r\n{raw}\r\n--L{level}--\r\n"
        );
    }
    let limits = ScanLimits {
        max_message_depth: 16,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(raw.as_bytes(), limits);
    assert_eq!(paths(&a), vec!["deep.scr"]);
    assert!(!a.scan_incomplete);
    // Beyond the limit the analysis says it is incomplete.
    let limits = ScanLimits {
        max_message_depth: 4,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(raw.as_bytes(), limits);
    assert!(a.attachments.is_empty());
    assert!(a.scan_incomplete);
}

#[test]
fn base64_encoded_nested_message() {
    let inner =
        b"Subject: inner\r\nContent-Type: application/octet-stream; name=\"x.com\"\r\n\r\nMZ\r\n";
    let raw = with_attachment("Content-Type: message/rfc822", inner);
    assert_eq!(paths(&Analysis::of(&raw)), vec!["x.com"]);
}

#[test]
fn zip_entries_are_listed() {
    let z = zip_of(&[
        ("readme.txt", b"hello"),
        ("bin/setup.exe", b"MZ...."),
        ("docs/", b""),
    ]);
    let a = Analysis::of(&with_attachment(
        "Content-Type: application/zip; name=\"archive.zip\"",
        &z,
    ));
    assert_eq!(
        paths(&a),
        vec![
            "archive.zip",
            "archive.zip/readme.txt",
            "archive.zip/bin/setup.exe"
        ]
    );
    assert!(!a.attachments[0].in_archive);
    assert!(a.attachments[1].in_archive);
    assert_eq!(a.attachments[2].file_name(), "setup.exe");
    assert!(!a.scan_incomplete);
}

#[test]
fn zip_in_zip_and_disguised_zip() {
    let inner = zip_of(&[("evil.scr", b"x")]);
    let middle = zip_of(&[("inner/payload.dat", &inner), ("note.txt", b"n")]);
    let a = Analysis::of(&with_attachment(
        "Content-Type: application/octet-stream; name=\"photos.jpg\"",
        &middle,
    ));
    assert_eq!(
        paths(&a),
        vec![
            "photos.jpg",
            "photos.jpg/inner/payload.dat",
            "photos.jpg/inner/payload.dat/evil.scr",
            "photos.jpg/note.txt"
        ]
    );
    let found = forbidden_attachment(&a, &["scr".to_string()]).unwrap();
    assert_eq!(found.path, "photos.jpg/inner/payload.dat/evil.scr");
}

#[test]
fn zip_depth_is_bounded() {
    let mut z = zip_of(&[("bottom.exe", b"MZ")]);
    for i in 0..6 {
        z = zip_of(&[(&format!("level{i}.zip"), &z)]);
    }
    let a = Analysis::of(&with_attachment(
        "Content-Type: application/zip; name=\"a.zip\"",
        &z,
    ));
    assert!(a.scan_incomplete);
    assert!(!paths(&a).iter().any(|p| p.ends_with("bottom.exe")));
    let limits = ScanLimits {
        max_archive_depth: 10,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(
        &with_attachment("Content-Type: application/zip; name=\"a.zip\"", &z),
        limits,
    );
    assert!(!a.scan_incomplete);
    assert!(paths(&a).iter().any(|p| p.ends_with("/bottom.exe")));
}

#[test]
fn zip_bomb_costs_the_budget_only() {
    // An inner "zip" of 20 MB (a zip header then zeros) deflates to ~20 KB.
    let mut big = b"PK\x03\x04".to_vec();
    big.resize(20 * 1024 * 1024, 0);
    let z = zip_of(&[("bomb.zip", &big), ("after.exe", b"MZ")]);
    assert!(z.len() < 200_000);
    let limits = ScanLimits {
        max_inner_archive_bytes: 1024 * 1024,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(
        &with_attachment("Content-Type: application/zip; name=\"b.zip\"", &z),
        limits,
    );
    assert!(a.scan_incomplete, "the bomb is not opened");
    // Entries after the bomb are still listed.
    assert!(paths(&a).contains(&"b.zip/after.exe".to_string()));
}

#[test]
fn zip_entry_budget() {
    let names: Vec<String> = (0..50).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let z = zip_of(&entries);
    let limits = ScanLimits {
        max_entries: 10,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(
        &with_attachment("Content-Type: application/zip; name=\"m.zip\"", &z),
        limits,
    );
    assert!(a.scan_incomplete);
    assert_eq!(a.attachments.len(), 1 + 10);
}

#[test]
fn corrupt_zip_is_incomplete_not_fatal() {
    let mut z = zip_of(&[("a.txt", b"hello")]);
    let n = z.len();
    z.truncate(n - 10);
    let a = Analysis::of(&with_attachment(
        "Content-Type: application/zip; name=\"c.zip\"",
        &z,
    ));
    assert_eq!(paths(&a), vec!["c.zip"]);
    assert!(a.scan_incomplete);
}

// ---------------------------------------------------------------- forbidden attachments

#[test]
fn forbidden_extension_table() {
    let exts: Vec<String> = [".exe", "COM", "pif", "reg", "scr", "vbs"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let cases: &[(&str, bool)] = &[
        ("a.exe", true),
        ("A.EXE", true),
        ("a.Scr", true),
        ("a.scr.", true),
        ("a.scr ", true),
        ("a.scr. . ", true),
        ("a.exe::$DATA", true),
        ("dir/a.vbs", true),
        ("archive.zip/inner/evil.scr", true),
        ("a.exe.txt", false),
        ("a.pdf", false),
        ("exe", false),
        ("a.executable", false),
        ("a.com.pdf", false),
        ("notes", false),
        (".", false),
    ];
    for (name, want) in cases {
        let a = Analysis {
            attachments: vec![AttachmentName {
                path: name.to_string(),
                in_archive: false,
            }],
            ..Analysis::default()
        };
        assert_eq!(forbidden_attachment(&a, &exts).is_some(), *want, "{name:?}");
    }
}

// ---------------------------------------------------------------- robustness

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn analysis_survives_truncation_and_garbage() {
    let z = zip_of(&[("a.exe", b"MZ"), ("b.txt", b"hello")]);
    let sample = with_attachment(
        "Content-Type: application/zip; name*0=\"a\"; name*1=\".zip\"\r\nContent-Disposition: attachment; filename*=UTF-8''%C3%A9.zip",
        &z,
    );
    for cut in 0..sample.len() {
        let _ = Analysis::of(&sample[..cut]);
    }
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let alphabet: &[&[u8]] = &[
        b"\r\n",
        b"--XX",
        b"Content-Type: multipart/mixed; boundary=XX\r\n",
        b"message/rfc822\r\n",
        b"=?UTF-8?B?",
        b"?=",
        b"name*0*=",
        b"PK\x03\x04",
        b"PK\x05\x06",
        b":",
        b";",
        b"\"",
        b"\xff\xfe",
        b"base64\r\n",
        b"\r\n\r\n",
        b"Content-Transfer-Encoding: ",
        b"filename=",
        b"%C3",
        b"From: <>\r\n",
    ];
    for _ in 0..2000 {
        let mut m = Vec::new();
        for _ in 0..(rng.next() % 60) {
            let r = rng.next();
            if r % 3 == 0 {
                m.push((r >> 8) as u8);
            } else {
                m.extend_from_slice(alphabet[(r >> 8) as usize % alphabet.len()]);
            }
        }
        let _ = Analysis::of(&m);
        // Mutate the sample too.
        let mut s = sample.clone();
        for _ in 0..4 {
            let i = rng.next() as usize % s.len();
            s[i] = rng.next() as u8;
        }
        let _ = Analysis::of(&s);
    }
    let a = Analysis::of(b"");
    assert_eq!(a.size, 0);
}

#[test]
fn deep_multipart_nesting_does_not_crash() {
    let mut raw =
        String::from("Subject: deep\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n");
    for i in 1..3000 {
        raw.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=b{i}\r\n\r\n",
            i - 1
        ));
    }
    let a = Analysis::of(raw.as_bytes());
    assert_eq!(a.subject.as_deref(), Some("deep"));
}

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
    use headers::encode_unstructured;
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

// ---------------------------------------------------------------- builders

fn parse(raw: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default().parse(raw).unwrap()
}

fn header_lines_are_ascii_and_short(raw: &[u8]) {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    assert!(head.is_ascii(), "{head}");
    for l in head.split("\r\n") {
        assert!(l.len() <= 998, "{l}");
    }
    // Every line ends with CRLF.
    let all = String::from_utf8_lossy(raw);
    assert!(!all.replace("\r\n", "").contains('\n'));
}

#[test]
fn notice_is_auto_generated_text() {
    let from = Mailbox::new("Messagerie académique", addr("postmaster@ac-demo.fr"));
    let to = Mailbox::new("Jeanne \"JD\" Dupont", addr("jeanne.dupont@ac-demo.fr"));
    let text = "Votre boîte est pleine à 90 %.\nYour mailbox is 90 % full.\n= fin";
    let raw = build_notice(
        &from,
        &to,
        "Boîte presque pleine / Mailbox almost full",
        text,
        1_700_000_000,
        "n1@ac-demo.fr",
    );
    header_lines_are_ascii_and_short(&raw);
    let m = parse(&raw);
    assert_eq!(
        m.subject(),
        Some("Boîte presque pleine / Mailbox almost full")
    );
    assert_eq!(m.message_id(), Some("n1@ac-demo.fr"));
    assert_eq!(
        m.from().unwrap().first().unwrap().name.as_deref(),
        Some("Messagerie académique")
    );
    assert_eq!(
        m.to().unwrap().first().unwrap().name.as_deref(),
        Some("Jeanne \"JD\" Dupont")
    );
    assert_eq!(
        m.body_text(0).unwrap().replace("\r\n", "\n").trim_end(),
        text
    );
    let a = Analysis::of(&raw);
    assert_eq!(a.auto_submitted.as_deref(), Some("auto-generated"));
    assert_eq!(a.date, Some(1_700_000_000));
}

#[test]
fn vacation_reply_follows_rfc3834() {
    let r = VacationReply {
        from: addr("paul.martin@ac-demo.fr").into(),
        to: addr("x@example.org").into(),
        original_subject: Some("Question sur l'examen"),
        original_message_id: Some("<orig@example.org>"),
        original_references: Some("<a@example.org>"),
        subject: None,
        text: "Je suis absent jusqu'au 3 mars.",
        date: 1_700_000_000,
        message_id: "v1@ac-demo.fr",
    };
    let raw = build_vacation_reply(&r);
    header_lines_are_ascii_and_short(&raw);
    let text = String::from_utf8(raw.clone()).unwrap();
    assert!(text.contains("\r\nIn-Reply-To: <orig@example.org>\r\n"));
    assert!(text.contains("\r\nReferences: <a@example.org> <orig@example.org>\r\n"));
    assert!(text.contains("\r\nAuto-Submitted: auto-replied\r\n"));
    let a = Analysis::of(&raw);
    assert_eq!(a.subject.as_deref(), Some("Auto: Question sur l'examen"));
    assert_eq!(a.from, vec![addr("paul.martin@ac-demo.fr")]);
    let chosen = build_vacation_reply(&VacationReply {
        subject: Some("Absent"),
        original_message_id: None,
        ..r
    });
    let a = Analysis::of(&chosen);
    assert_eq!(a.subject.as_deref(), Some("Absent"));
    assert!(!has_header(&chosen, "In-Reply-To"));
}

fn sample_dsn(ret: ReturnContent, original: &[u8]) -> Vec<u8> {
    build_dsn(&DsnParams {
        reporting_mta: "mx.ac-demo.fr".into(),
        from: Mailbox::new("Mail Delivery System", addr("postmaster@ac-demo.fr")),
        to: addr("sender@example.org"),
        original_envid: Some("ENV42".into()),
        arrival_date: Some(1_700_000_000),
        recipients: vec![
            DsnRecipient {
                final_recipient: addr("paul@ac-demo.fr"),
                original_recipient: Some("rfc822;Paul@ac-demo.fr".into()),
                action: DsnAction::Failed,
                status: "5.3.4".into(),
                diagnostic: Some("552 5.3.4 Message trop volumineux\r\nInjected: x".into()),
                remote_mta: None,
                last_attempt: None,
                will_retry_until: None,
            },
            DsnRecipient {
                final_recipient: addr("anne@example.net"),
                original_recipient: Some("anne@example.net".into()),
                action: DsnAction::Delayed,
                status: "4.4.1".into(),
                diagnostic: None,
                remote_mta: Some("mx.example.net".into()),
                last_attempt: Some(1_700_000_100),
                will_retry_until: Some(1_700_432_000),
            },
        ],
        human_text: String::new(),
        original,
        ret,
        date: 1_700_000_200,
        message_id: "dsn1@ac-demo.fr".into(),
    })
}

#[test]
fn dsn_structure() {
    let original = b"From: sender@example.org\r\nX-Trap: =_vesontio_dsn1acdemofr_0\r\nSubject: gros fichier\r\nContent-Type: text/plain\r\n\r\n--=_vesontio_dsn1acdemofr_0\r\nsecret body\r\n";
    let raw = sample_dsn(ReturnContent::Headers, original);
    header_lines_are_ascii_and_short(&raw);
    let text = String::from_utf8(raw.clone()).unwrap();
    let unfolded = text.replace("\r\n ", " ");
    assert!(unfolded.contains("Content-Type: multipart/report; report-type=delivery-status; boundary=\"=_vesontio_dsn1acdemofr_1\""), "{text}");
    assert!(text.contains("\r\nAuto-Submitted: auto-replied\r\n"));
    assert!(
        !text.contains("secret body"),
        "RET=HDRS returns headers only"
    );
    let expected_status = "Content-Type: message/delivery-status\r\n\r\n\
Reporting-MTA: dns; mx.ac-demo.fr\r\n\
Original-Envelope-Id: ENV42\r\n\
Arrival-Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n\
\r\n\
Original-Recipient: rfc822;Paul@ac-demo.fr\r\n\
Final-Recipient: rfc822; paul@ac-demo.fr\r\n\
Action: failed\r\n\
Status: 5.3.4\r\n\
Diagnostic-Code: smtp; 552 5.3.4 Message trop volumineux??Injected: x\r\n\
\r\n\
Original-Recipient: rfc822;anne@example.net\r\n\
Final-Recipient: rfc822; anne@example.net\r\n\
Action: delayed\r\n\
Status: 4.4.1\r\n\
Remote-MTA: dns; mx.example.net\r\n\
Last-Attempt-Date: Tue, 14 Nov 2023 22:15:00 +0000\r\n\
Will-Retry-Until: Sun, 19 Nov 2023 22:13:20 +0000\r\n";
    assert!(text.contains(expected_status), "{text}");
    let m = parse(&raw);
    assert_eq!(
        m.subject(),
        Some("Message non distribué / Undelivered mail")
    );
    // Three parts under the report: text, status, headers.
    let root = m.root_part();
    let Some(subs) = root.sub_parts() else {
        panic!("not multipart")
    };
    assert_eq!(subs.len(), 3);
    let human = m.body_text(0).unwrap();
    assert!(
        human.contains("n'a pas pu être distribué à paul@ac-demo.fr"),
        "{human}"
    );
    assert!(human.contains("could not be delivered to paul@ac-demo.fr"));
    let last = m.part(subs[2]).unwrap();
    assert!(last.is_content_type("text", "rfc822-headers"));
    assert!(String::from_utf8_lossy(last.contents()).contains("Subject: gros fichier"));
}

#[test]
fn dsn_full_returns_the_message() {
    let original = b"From: sender@example.org\r\nSubject: s\r\n\r\nthe body \xc3\xa9\r\n";
    let raw = sample_dsn(ReturnContent::Full, original);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n\r\nFrom: sender@example.org"));
    assert!(text.contains("the body é\r\n--=_vesontio_dsn1acdemofr_0--\r\n"));
    let m = parse(&raw);
    let subs = m.root_part().sub_parts().unwrap();
    assert!(m.part(subs[2]).unwrap().message().is_some());
}

#[test]
fn received_header_known_answers() {
    let h = received_header(
        "pc-jeanne",
        "192.0.2.7".parse().unwrap(),
        "mx.ac-demo.fr",
        WithProtocol::for_session(true, true, true, false),
        "q123",
        Some(&addr("paul@ac-demo.fr")),
        1_700_000_000,
    );
    assert_eq!(
        h,
        "Received: from pc-jeanne ([192.0.2.7]) by mx.ac-demo.fr with ESMTPSA id q123\r\n for <paul@ac-demo.fr>; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    );
    let h = received_header(
        "evil; (x)\r\nBcc: y",
        "2001:db8::1".parse().unwrap(),
        "mx",
        WithProtocol::Smtp,
        "i",
        None,
        0,
    );
    assert_eq!(
        h,
        "Received: from evil???x???Bcc:?y ([IPv6:2001:db8::1]) by mx with SMTP id i;\r\n Thu, 1 Jan 1970 00:00:00 +0000\r\n"
    );
    let protos: &[((bool, bool, bool, bool), &str)] = &[
        ((false, true, true, true), "SMTP"),
        ((true, false, false, false), "ESMTP"),
        ((true, true, false, false), "ESMTPS"),
        ((true, false, true, false), "ESMTPA"),
        ((true, false, false, true), "UTF8SMTP"),
        ((true, true, true, true), "UTF8SMTPSA"),
        ((true, true, false, true), "UTF8SMTPS"),
    ];
    for ((e, t, a, u), want) in protos {
        assert_eq!(WithProtocol::for_session(*e, *t, *a, *u).as_str(), *want);
    }
}

#[test]
fn to_ascii_known_answers() {
    assert_eq!(to_ascii("Élève à l'école"), "Eleve a l'ecole");
    assert_eq!(to_ascii("«\u{a0}cœur\u{a0}» l’été"), "\" coeur \" l'ete");
    assert_eq!(to_ascii("a\r\nb ☃"), "a??b ?");
}
