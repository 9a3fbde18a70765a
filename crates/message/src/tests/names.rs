#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use crate::names::{part_file_names, readings, shown};

/// Each way of writing a name in a part's header block, and what must be
/// among the candidates.
#[test]
fn candidates_table() {
    let cases: &[(&str, &str)] = &[
        (
            "Content-Disposition: attachment; filename=facture.exe",
            "facture.exe",
        ),
        (
            "Content-Disposition: attachment; filename=\"facture.exe\"",
            "facture.exe",
        ),
        (
            "Content-Type: application/pdf; name=\"facture.exe\"",
            "facture.exe",
        ),
        // `filename` in Content-Type and `name` in Content-Disposition: some clients read them.
        (
            "Content-Type: application/pdf; filename=\"facture.exe\"",
            "facture.exe",
        ),
        (
            "Content-Disposition: attachment; name=\"facture.exe\"",
            "facture.exe",
        ),
        // Folded between `=` and the value (the example).
        (
            "Content-Disposition: attachment;\r\n filename=\r\n \"facture.exe\"",
            "facture.exe",
        ),
        (
            "Content-Disposition: attachment;\r\n\tfilename\r\n =\r\n\tfacture.exe",
            "facture.exe",
        ),
        // Duplicates: every one counts.
        (
            "Content-Disposition: attachment; filename=\"facture.pdf\"; filename=\"facture.exe\"",
            "facture.exe",
        ),
        (
            "Content-Disposition: attachment; filename=\"facture.exe\"; filename=\"facture.pdf\"",
            "facture.exe",
        ),
        // Two Content-Disposition fields.
        (
            "Content-Disposition: inline; filename=a.pdf\r\nContent-Disposition: attachment; filename=b.exe",
            "b.exe",
        ),
        // RFC 2047, also inside quotes (RFC 2047 §5 forbids it, clients decode it).
        (
            "Content-Type: application/octet-stream; name=\"=?UTF-8?B?ZmFjdHVyZS5leGU=?=\"",
            "facture.exe",
        ),
        (
            "Content-Type: application/octet-stream; name==?iso-8859-1?Q?factur=E9.exe?=",
            "facturé.exe",
        ),
        (
            "Content-Type: application/octet-stream; name=\"=?utf-8?q?fac?= =?utf-8?q?ture.exe?=\"",
            "facture.exe",
        ),
        // RFC 2231 §3 continuations, §4 charsets, mixed.
        (
            "Content-Disposition: attachment; filename*0=\"fact\"; filename*1=\"ure.exe\"",
            "facture.exe",
        ),
        (
            "Content-Disposition: attachment; filename*1=\"ure.exe\"; filename*0=\"fact\"",
            "facture.exe",
        ),
        (
            "Content-Disposition: attachment; filename*=UTF-8''factur%C3%A9.exe",
            "facturé.exe",
        ),
        (
            "Content-Disposition: attachment; filename*=iso-8859-1'fr'factur%E9.exe",
            "facturé.exe",
        ),
        (
            "Content-Disposition: attachment;\r\n filename*0*=UTF-8''%C3%A9t%C3%A9;\r\n filename*1=\".pif\"",
            "été.pif",
        ),
        (
            "Content-Disposition: attachment; filename*0*=UTF-8''a; filename*1*=%2Eexe",
            "a.exe",
        ),
        // Duplicated section: first and last readings.
        (
            "Content-Disposition: attachment; filename*0=a; filename*0=b; filename*1=.exe",
            "b.exe",
        ),
        (
            "Content-Disposition: attachment; filename*0=a; filename*0=b; filename*1=.exe",
            "a.exe",
        ),
        // Encoded word inside RFC 2231 continuations.
        (
            "Content-Disposition: attachment; filename*0=\"=?UTF-8?Q?a\"; filename*1=\".exe?=\"",
            "a.exe",
        ),
        // No semicolon, blanks around `=`.
        ("Content-Disposition: attachment filename = x.scr", "x.scr"),
        // Unquoted with a blank: both the token and the run to `;`.
        (
            "Content-Type: application/pdf; name=facture.exe rapport.pdf",
            "facture.exe",
        ),
        (
            "Content-Type: application/pdf; name=facture.pdf evil.exe",
            "facture.pdf evil.exe",
        ),
        // Unterminated quote.
        (
            "Content-Type: application/pdf; name=\"facture.exe",
            "facture.exe",
        ),
        // Escaped quote in a quoted string.
        (
            "Content-Type: application/pdf; name=\"a\\\"b.exe\"",
            "a\"b.exe",
        ),
        // Bytes after the closing quote.
        (
            "Content-Type: application/pdf; name=\"facture.pdf\".exe",
            "facture.pdf.exe",
        ),
        // 8-bit header, Latin-1.
        (
            "Content-Type: application/pdf; name=\"factur\u{e9}.exe\"",
            "facturé.exe",
        ),
        // A bare CR read as a line break: a field only that reader sees.
        (
            "Content-Type: text/plain; charset=us-ascii\rContent-Disposition: attachment; filename=cr.exe",
            "cr.exe",
        ),
        (
            "Content-Type: text/plain\nContent-Disposition: attachment;\n filename=lf.vbs",
            "lf.vbs",
        ),
        // Case of field and attribute names.
        (
            "CONTENT-DISPOSITION: attachment; FileName=\"x.EXE\"",
            "x.EXE",
        ),
        // NUL kept in the candidate; readings cut it.
        (
            "Content-Type: application/pdf; name=\"a.exe\0.pdf\"",
            "a.exe\0.pdf",
        ),
    ];
    for (header, want) in cases {
        let got = part_file_names(header.as_bytes());
        assert!(got.iter().any(|n| n == want), "{header:?}: {got:?}");
    }
}

#[test]
fn latin1_bytes_are_decoded() {
    let got = part_file_names(b"Content-Type: application/pdf; name=\"r\xe9sum\xe9.scr\"");
    assert!(got.contains(&"résumé.scr".to_string()), "{got:?}");
}

#[test]
fn other_fields_and_parameters_are_ignored() {
    let cases: &[&str] = &[
        "Subject: filename=\"x.exe\"",
        "Content-Description: name=\"x.exe\"",
        "Content-Type: text/plain; charset=\"x.exe\"",
        "Content-Disposition: attachment; xfilename=\"x.exe\"; filenames=y.exe",
        "Content-Type: text/plain; boundary=\"name=x.exe\"",
        "",
        "Content-Type",
        "Content-Disposition: attachment; filename=",
        "Content-Disposition: attachment; filename*=",
        "Content-Disposition: attachment; filename*x=a.exe",
    ];
    for header in cases {
        assert_eq!(
            part_file_names(header.as_bytes()),
            Vec::<String>::new(),
            "{header:?}"
        );
    }
}

#[test]
fn no_duplicates() {
    let got = part_file_names(
        b"Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Disposition: attachment; filename=a.pdf",
    );
    assert_eq!(got, vec!["a.pdf".to_string()]);
}

#[test]
fn readings_table() {
    let cases: &[(&str, &[&str])] = &[
        ("facture.pdf", &["facture.pdf"]),
        ("a.exe\0.pdf", &["a.exe\0.pdf", "a.exe", "a.exe.pdf"]),
        // U+202E: stored order ends .exe, displayed order ends .pdf
        // (`facture` then `fdp.exe` reversed).
        (
            "facture\u{202E}fdp.exe",
            &["facturefdp.exe", "factureexe.pdf", "facture\u{202E}fdp.exe"],
        ),
        // The other way round: displayed .exe.
        (
            "facture\u{202E}exe.pdf",
            &["facture\u{202E}exe.pdf", "factureexe.pdf", "facturefdp.exe"],
        ),
        // Override closed by U+202C.
        (
            "a\u{202E}cba\u{202C}.txt",
            &["aabc.txt", "aabc.txt", "aabc.txt"],
        ),
        ("fac\u{200B}ture.e\u{200D}xe", &["facture.exe"]),
        ("x.ex\u{FEFF}e", &["x.exe"]),
    ];
    for (name, want) in cases {
        let got = readings(name);
        for w in *want {
            assert!(got.iter().any(|g| g == w), "{name:?}: {got:?} lacks {w:?}");
        }
    }
}

#[test]
fn shown_hides_what_cannot_be_seen() {
    assert_eq!(shown("a.exe\0.pdf"), "a.exe?.pdf");
    assert_eq!(shown("facture\u{202E}fdp.exe"), "facturefdp.exe");
    assert_eq!(shown("tab\there"), "tab?here");
}
