#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use super::*;
use crate::*;

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
    assert!(!a.scan_incomplete());
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

/// The hostile forms of issue 11 that were delivered: each is found.
#[test]
fn hostile_names_are_found() {
    let exts: Vec<String> = ["exe", "scr"].iter().map(|s| s.to_string()).collect();
    let cases: &[(&str, &str)] = &[
        (
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n filename=\r\n \"facture.exe\"",
            "facture.exe",
        ),
        (
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"facture.pdf\"; filename=\"facture.exe\"",
            "facture.exe",
        ),
        (
            "Content-Type: application/octet-stream; name=\"a.exe\0.pdf\"",
            "a.exe?.pdf",
        ),
        (
            "Content-Type: application/octet-stream; name=\"facture.exe.\"",
            "facture.exe.",
        ),
        (
            "Content-Type: application/octet-stream; name=\"facture.exe \"",
            "facture.exe",
        ),
        (
            "Content-Type: application/octet-stream; name=\"facture\u{202E}fdp.scr\"",
            "facturefdp.scr",
        ),
        (
            "Content-Type: application/octet-stream; name=\"facture\u{202E}rcs.pdf\"",
            "facturercs.pdf",
        ),
        (
            "Content-Type: application/octet-stream; name=\"=?UTF-8?B?ZmFjdHVyZS5leGU=?=\"",
            "facture.exe",
        ),
    ];
    for (headers, shown) in cases {
        let a = Analysis::of(&with_attachment(headers, b"MZ"));
        let found = forbidden_attachment(&a, &exts);
        assert_eq!(
            found.map(|f| f.to_string()).as_deref(),
            Some(*shown),
            "{headers:?}: {a:?}"
        );
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
    assert!(!a.scan_incomplete());
    // Beyond the limit the analysis says it is incomplete.
    let limits = ScanLimits {
        max_message_depth: 4,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(raw.as_bytes(), limits);
    assert!(a.attachments.is_empty());
    assert!(a.scan_incomplete());
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
    assert!(!a.scan_incomplete());
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

/// Issue 11: an `.exe` nested 5 to 8 zips deep passed. Up to the depth
/// limit (8 by default) it is named; beyond it the scan says it stopped.
#[test]
fn zip_depth_is_bounded() {
    for depth in 1..=10 {
        let z = nested_zip(depth, "bottom.exe");
        let a = Analysis::of(&with_attachment(
            "Content-Type: application/zip; name=\"a.zip\"",
            &z,
        ));
        let named = paths(&a).iter().any(|p| p.ends_with("/bottom.exe"));
        if depth <= ScanLimits::DEFAULT.max_archive_depth {
            assert!(named && !a.scan_incomplete(), "{depth}: {a:?}");
        } else {
            assert!(!named, "{depth}");
            assert_eq!(
                a.unscanned.iter().map(|u| u.why).collect::<Vec<_>>(),
                vec![Unscannable::TooDeep],
                "{depth}"
            );
        }
    }
    let limits = ScanLimits {
        max_archive_depth: 10,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(
        &with_attachment(
            "Content-Type: application/zip; name=\"a.zip\"",
            &nested_zip(10, "bottom.exe"),
        ),
        limits,
    );
    assert!(!a.scan_incomplete());
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
        max_expanded_bytes: 1024 * 1024,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(
        &with_attachment("Content-Type: application/zip; name=\"b.zip\"", &z),
        limits,
    );
    assert!(a.scan_incomplete(), "the bomb is not opened");
    // Entries after the bomb are still listed.
    assert!(paths(&a).contains(&"b.zip/after.exe".to_string()));
}

#[test]
fn zip_entry_budget() {
    let names: Vec<String> = (0..50).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let z = zip_of(&entries);
    assert_eq!(crate::zipscan::declared_entries(&z), Some(50));
    // Declaring more entries than the budget: not opened at all.
    let limits = ScanLimits {
        max_entries: 10,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(
        &with_attachment("Content-Type: application/zip; name=\"m.zip\"", &z),
        limits,
    );
    assert!(a.scan_incomplete());
    assert_eq!(paths(&a), vec!["m.zip"]);
    // The budget is shared by the archives of a message.
    let small = zip_of(&entries[..30]);
    let two = format!(
        "Subject: t\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n\
--B\r\nContent-Type: application/zip; name=one.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n\
--B\r\nContent-Type: application/zip; name=two.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--B--\r\n",
        b64(&small),
        b64(&small)
    );
    let limits = ScanLimits {
        max_entries: 50,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(two.as_bytes(), limits);
    assert!(a.scan_incomplete());
    assert_eq!(
        a.attachments.len(),
        2 + 30,
        "the second archive is over the remaining budget"
    );
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
    assert!(a.scan_incomplete());
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
            if r.is_multiple_of(3) {
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

#[test]
fn debug_hides_private_content() {
    let z = zip_of(&[("secret-name.txt", b"x")]);
    let mut raw = with_attachment(
        "Content-Type: application/zip; name=\"dossier-medical.zip\"",
        &z,
    );
    let shown = format!("{:?}", Analysis::of(&raw));
    assert!(
        shown.contains("dossier-medical.zip") && shown.contains("subject: Some(\"test\")"),
        "{shown}"
    );
    let pos = raw.windows(13).position(|w| w == b"Subject: test").unwrap();
    raw.splice(
        pos..pos + 13,
        b"Subject: [PRIVE] arret maladie".iter().copied(),
    );
    let a = Analysis::of(&raw);
    assert!(a.is_private);
    let shown = format!("{a:?}");
    assert!(
        !shown.contains("dossier-medical")
            && !shown.contains("secret-name")
            && !shown.contains("maladie"),
        "{shown}"
    );
    assert!(shown.contains("<2 private>"));
}

#[test]
fn zip_with_lying_end_record() {
    // The end-of-central-directory record claims 65535 entries and a huge
    // directory: listing fails cleanly, nothing is allocated for the lie.
    let mut z = zip_of(&[("a.exe", b"MZ")]);
    let eocd = z.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    z[eocd + 8..eocd + 12].copy_from_slice(&[0xff, 0xff, 0xff, 0xff]);
    z[eocd + 12..eocd + 16].copy_from_slice(&[0xff, 0xff, 0xff, 0x7f]);
    let a = Analysis::of(&with_attachment(
        "Content-Type: application/zip; name=\"l.zip\"",
        &z,
    ));
    assert!(a.scan_incomplete());
    assert!(paths(&a).iter().all(|p| p == "l.zip" || p == "l.zip/a.exe"));
}

// ---------------------------------------------------------------- one parse for analysis and model

/// `Analysis::with_model` gives what the two separate parses give, on
/// ordinary, nested, private and broken messages.
#[test]
fn one_parse_makes_the_same_analysis_and_model() {
    let cases: [&[u8]; 5] = [
        b"From: a@ac-demo.fr\r\nTo: b@ac-demo.fr\r\nSubject: Bonjour\r\n\r\nLe corps.\r\n",
        b"Subject: [PRIVE] rdv\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
caf=C3=A9 cr=C3=A8me\r\n--b\r\nContent-Type: application/octet-stream; name=\"x.exe\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b\r\n\
Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n",
        b"Content-Type: multipart/alternative; boundary=\"never closed\"\r\n\r\n--never closed\r\n\
Content-Type: text/html\r\n\r\n<p>cach\xc3\xa9<script>x()</script></p>",
        b"no header at all, just text",
        b"",
    ];
    for raw in cases {
        let limits = ScanLimits::DEFAULT;
        let (analysis, model, text) = Analysis::with_model(raw, limits);
        assert!(analysis == Analysis::with_limits(raw, limits), "{raw:?}");
        let (want_model, want_text) = crate::mime::Model::with_search_text(raw);
        assert_eq!(model, want_model, "{raw:?}");
        assert_eq!(text, want_text, "{raw:?}");
    }
    let (a, _, _) = Analysis::with_model(cases[1], ScanLimits::DEFAULT);
    assert!(a.is_private, "the private mark survives");
    assert!(!a.attachments.is_empty(), "the attachment is seen");
}
