#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use super::*;
use crate::*;

fn exts() -> Vec<String> {
    ["exe", "com", "pif", "reg", "scr", "vbs"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn attached(name: &str, data: &[u8]) -> Analysis {
    Analysis::of(&with_attachment(
        &format!("Content-Type: application/octet-stream; name=\"{name}\""),
        data,
    ))
}

fn reasons(a: &Analysis) -> Vec<Unscannable> {
    a.unscanned.iter().map(|u| u.why).collect()
}

#[test]
fn formats_by_magic() {
    let cases: &[(&[u8], Option<Format>)] = &[
        (b"PK\x03\x04rest", Some(Format::Zip)),
        (b"PK\x05\x06", Some(Format::Zip)),
        (b"\x1f\x8b\x08\x00", Some(Format::Gzip)),
        (b"Rar!\x1a\x07\x00", Some(Format::Unsupported("rar"))),
        (b"Rar!\x1a\x07\x01\x00", Some(Format::Unsupported("rar"))),
        (
            b"7z\xbc\xaf\x27\x1c\x00\x04",
            Some(Format::Unsupported("7z")),
        ),
        (b"MSCF\0\0\0\0\x10", Some(Format::Unsupported("cab"))),
        (b"\xfd7zXZ\0\0", Some(Format::Unsupported("xz"))),
        (b"BZh91AY&SYxx", Some(Format::Unsupported("bzip2"))),
        (b"BZh is not bzip2", None),
        (b"%PDF-1.7", None),
        (b"MZ\x90\x00", None),
        (b"", None),
    ];
    for (data, want) in cases {
        assert_eq!(detect(data), *want, "{data:?}");
    }
    assert_eq!(detect(&tar_of(&[("a.txt", b"x")])), Some(Format::Tar));
    let mut iso = vec![0u8; 0x9000];
    iso[0x8001..0x8006].copy_from_slice(b"CD001");
    assert_eq!(detect(&iso), Some(Format::Unsupported("iso")));
}

#[test]
fn tar_and_gzip_are_listed() {
    let tar = tar_of(&[("docs/lisezmoi.txt", b"bonjour"), ("docs/setup.exe", b"MZ")]);
    let a = attached("docs.tar", &tar);
    assert_eq!(
        paths(&a),
        vec![
            "docs.tar",
            "docs.tar/docs/lisezmoi.txt",
            "docs.tar/docs/setup.exe"
        ]
    );
    assert!(!a.scan_incomplete());
    assert_eq!(
        forbidden_attachment(&a, &exts()).unwrap().path,
        "docs.tar/docs/setup.exe"
    );
    // .tar.gz with FNAME, .tgz without: the tar inside is walked.
    let a = attached("docs.tar.gz", &gzip_of(&tar, Some("docs.tar")));
    assert!(
        paths(&a).contains(&"docs.tar.gz/docs.tar/docs/setup.exe".to_string()),
        "{a:?}"
    );
    let a = attached("docs.tgz", &gzip_of(&tar, None));
    assert!(
        paths(&a).contains(&"docs.tgz/docs.tar/docs/setup.exe".to_string()),
        "{a:?}"
    );
    // gzip's FNAME is a name: facture.exe.gz.
    let a = attached("facture.gz", &gzip_of(b"MZ", Some("facture.exe")));
    assert_eq!(
        forbidden_attachment(&a, &exts()).unwrap().path,
        "facture.gz/facture.exe"
    );
    // A zip in a tar in a gzip in a zip.
    let inner = zip_of(&[("evil.scr", b"x")]);
    let z = zip_of(&[("a.tgz", &gzip_of(&tar_of(&[("b.zip", &inner)]), None))]);
    let a = attached("c.zip", &z);
    assert_eq!(
        forbidden_attachment(&a, &exts()).unwrap().path,
        "c.zip/a.tgz/a.tar/b.zip/evil.scr"
    );
    assert!(!a.scan_incomplete());
}

#[test]
fn damaged_tar_and_gzip() {
    let mut tar = tar_of(&[("a.txt", b"hello")]);
    tar[0] ^= 1; // checksum no longer matches
    // It keeps "ustar": a tar, damaged.
    let a = attached("x.tar", &tar);
    assert_eq!(reasons(&a), vec![Unscannable::Damaged]);
    let tar = tar_of(&[("a.zip", &zip_of(&[("b.exe", b"MZ")]))]);
    let a = attached("x.tar", &tar[..600]);
    assert_eq!(reasons(&a), vec![Unscannable::Damaged]);
    let mut gz = gzip_of(&zip_of(&[("b.exe", b"MZ")]), None);
    let n = gz.len();
    gz.truncate(n / 2);
    let a = attached("x.gz", &gz);
    assert!(a.scan_incomplete(), "{a:?}");
}

#[test]
fn unsupported_formats_are_unscanned() {
    for (magic, kind) in [
        (&b"Rar!\x1a\x07\x00 rest of a rar"[..], "rar"),
        (b"7z\xbc\xaf\x27\x1c\x00\x04 rest", "7z"),
        (b"MSCF\0\0\0\0 rest of a cabinet", "cab"),
    ] {
        let a = attached("archive.bin", magic);
        assert_eq!(reasons(&a), vec![Unscannable::Unsupported(kind)]);
        assert_eq!(a.unscanned[0].path, "archive.bin");
        // Inside a zip too.
        let a = attached("outer.zip", &zip_of(&[("inner.dat", magic)]));
        assert_eq!(reasons(&a), vec![Unscannable::Unsupported(kind)]);
        assert_eq!(a.unscanned[0].path, "outer.zip/inner.dat");
    }
}

#[test]
fn encrypted_zip_is_unscanned_but_its_names_are_read() {
    let z = stored_zip(&["rapport.pdf"], true);
    let a = attached("secret.zip", &z);
    assert_eq!(paths(&a), vec!["secret.zip", "secret.zip/rapport.pdf"]);
    assert_eq!(reasons(&a), vec![Unscannable::Encrypted]);
    assert_eq!(a.unscanned[0].path, "secret.zip");
    let z = stored_zip(&["facture.exe"], true);
    assert!(forbidden_attachment(&attached("secret.zip", &z), &exts()).is_some());
}

/// Issue 11: any name in a zip of 10,001 entries or more passed.
#[test]
fn zip_with_too_many_entries() {
    let names: Vec<String> = (0..20_000).map(|i| format!("f{i}.txt")).collect();
    let a = attached("many.zip", &stored_zip(&names, false));
    assert_eq!(reasons(&a), vec![Unscannable::TooManyEntries]);
    // Exactly the limit is fine.
    let a = attached("many.zip", &stored_zip(&names[..10_000], false));
    assert!(!a.scan_incomplete(), "{:?}", reasons(&a));
}

#[test]
fn uuencoded_data_over_the_budget_is_unscanned() {
    let body = uuencode("644", "big.dat", &vec![b'a'; 4096]);
    let raw = format!("Subject: x\r\n\r\n{body}");
    let limits = ScanLimits {
        max_expanded_bytes: 1000,
        ..ScanLimits::DEFAULT
    };
    let a = Analysis::with_limits(raw.as_bytes(), limits);
    assert_eq!(reasons(&a), vec![Unscannable::TooLarge]);
    assert!(!Analysis::of(raw.as_bytes()).scan_incomplete());
}

/// A NUL in the archive's own name and in the entry's: each component is
/// read on its own.
#[test]
fn nul_in_archive_and_entry_names() {
    let z = zip_of(&[("facture.exe\0.pdf", b"MZ")]);
    let a = Analysis::of(&with_attachment(
        "Content-Type: application/zip; name=\"documents.zip\0.pdf\"",
        &z,
    ));
    assert_eq!(
        forbidden_attachment(&a, &exts()).unwrap().to_string(),
        "documents.zip?.pdf/facture.exe?.pdf"
    );
    // A NUL then a slash inside one MIME name.
    let a = attached("a.exe\0/b.pdf", b"MZ");
    assert!(forbidden_attachment(&a, &exts()).is_some());
}
