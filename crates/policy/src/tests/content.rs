//! R6 size, R7 attachments and lying headers, R4 privacy.

use super::*;

#[test]
fn r6_size_table() {
    let url = Some("https://fichiers.ac-demo.fr");
    let cases: &[(u64, u64, bool)] = &[
        (0, 10 * MB, true),
        (10 * MB, 10 * MB, true),
        (10 * MB + 1, 10 * MB, false),
        (u64::MAX, 10 * MB, false),
    ];
    for &(size, limit, ok) in cases {
        assert_eq!(check_size(size, limit, url).is_ok(), ok, "{size}");
    }
    let r = check_size(11 * MB, 10 * MB, url).unwrap_err();
    assert_eq!((r.code, r.enhanced), (552, "5.3.4"));
    assert_eq!(
        r.text,
        "Message trop volumineux : 11 Mo, limite 10 Mo. Utilisez le service de dépôt de fichiers volumineux : \
         https://fichiers.ac-demo.fr / Message too large: 11 MB, limit 10 MB. Use the large-file service: \
         https://fichiers.ac-demo.fr"
    );
    assert!(r.is_permanent());
    let wire = r.smtp_reply();
    assert!(wire.is_ascii());
    assert!(wire.starts_with(
        "552 5.3.4 Message trop volumineux : 11 Mo, limite 10 Mo. Utilisez le service de depot"
    ));
    let r = check_size(10 * MB + 1, 10 * MB, None).unwrap_err();
    assert!(
        r.text.contains(
            "10,1 Mo, limite 10 Mo. Utilisez le service de dépôt de fichiers volumineux."
        ),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("10.1 MB, limit 10 MB. Use the large-file service.")
    );
}

#[test]
fn megabyte_formatting() {
    let cases: &[(u64, &str, &str)] = &[
        (0, "0 Mo", "0 MB"),
        (10 * MB, "10 Mo", "10 MB"),
        (11 * MB + MB / 2, "11,5 Mo", "11.5 MB"),
        (10 * MB + 1, "10,1 Mo", "10.1 MB"),
        (MB / 3, "0,4 Mo", "0.4 MB"),
        (1024 * MB, "1024 Mo", "1024 MB"),
    ];
    for &(b, fr, en) in cases {
        assert_eq!((mb_fr(b).as_str(), mb_en(b).as_str()), (fr, en), "{b}");
    }
}

fn with_names(names: &[&str]) -> Analysis {
    Analysis {
        attachments: names
            .iter()
            .map(|n| AttachmentName {
                path: n.to_string(),
                in_archive: n.contains(".zip/"),
            })
            .collect(),
        ..Analysis::default()
    }
}

#[test]
fn r7_attachments_table() {
    let cases: &[(&[&str], Option<&str>)] = &[
        (&[], None),
        (&["rapport.pdf", "photo.JPG"], None),
        (&["rapport.pdf", "setup.EXE"], Some("setup.EXE")),
        (&["a.zip", "a.zip/docs/run.scr"], Some("a.zip/docs/run.scr")),
        (&["trick.vbs."], Some("trick.vbs.")),
        (&["notes.exe.txt"], None),
    ];
    for (names, want) in cases {
        let r = check_attachments(&with_names(names), &exts());
        match want {
            None => assert!(r.is_ok(), "{names:?}"),
            Some(file) => {
                let r = r.unwrap_err();
                assert_eq!((r.code, r.enhanced), (550, "5.7.1"));
                assert!(r.text.starts_with(&format!("Pièce jointe interdite : {file} (fichiers .exe .com .pif .reg .scr .vbs refusés).")), "{}", r.text);
                assert!(
                    r.text
                        .contains(&format!("/ Forbidden attachment: {file} ("))
                );
            }
        }
    }
    // A real message end to end.
    let raw = b"Subject: x\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n\
--B\r\nContent-Type: application/octet-stream; name=\"jeu.scr\"\r\n\r\nxx\r\n--B--\r\n";
    assert!(check_attachments(&Analysis::of(raw), &exts()).is_err());
}

#[test]
fn r7_unscannable() {
    use vesontio_message::{Unscannable, Unscanned};
    let rules = ScanRules::CHARTER;
    assert!(check_scannable(&Analysis::default(), &rules).is_ok());
    let with = |why| Analysis {
        unscanned: vec![Unscanned {
            path: "docs.zip".into(),
            why,
        }],
        ..Analysis::default()
    };
    let cases: &[(Unscannable, &str, &str)] = &[
        (
            Unscannable::Encrypted,
            "archive chiffrée",
            "encrypted archive",
        ),
        (
            Unscannable::TooDeep,
            "imbrication trop profonde",
            "nested too deep",
        ),
        (
            Unscannable::TooManyEntries,
            "plus de 10000 fichiers",
            "more than 10000 files",
        ),
        (
            Unscannable::TooLarge,
            "plus de 64 Mo une fois décompressé",
            "more than 64 MB once expanded",
        ),
        (Unscannable::Damaged, "fichier endommagé", "damaged file"),
        (
            Unscannable::Unsupported("rar"),
            "format rar non analysable",
            "rar format cannot be scanned",
        ),
    ];
    for &(why, fr, en) in cases {
        let r = check_scannable(&with(why), &rules).unwrap_err();
        assert_eq!((r.code, r.enhanced), (550, "5.7.1"));
        assert!(
            r.text.starts_with(&format!(
                "Pièce jointe impossible à analyser : docs.zip ({fr})."
            )),
            "{}",
            r.text
        );
        assert!(
            r.text
                .contains(&format!("/ Attachment cannot be scanned: docs.zip ({en})")),
            "{}",
            r.text
        );
        assert_eq!(
            unscannable_file(&with(why), &rules).as_deref(),
            Some(format!("docs.zip ({fr} / {en})").as_str())
        );
    }
    // Each rule on its own.
    let accept_encrypted = ScanRules {
        encrypted_archives: ArchiveRule::Accept,
        ..rules
    };
    assert!(check_scannable(&with(Unscannable::Encrypted), &accept_encrypted).is_ok());
    assert!(check_scannable(&with(Unscannable::Damaged), &accept_encrypted).is_err());
    let accept_rest = ScanRules {
        unscannable: ArchiveRule::Accept,
        ..rules
    };
    assert!(check_scannable(&with(Unscannable::Encrypted), &accept_rest).is_err());
    assert!(check_scannable(&with(Unscannable::TooManyEntries), &accept_rest).is_ok());
    assert_eq!(
        unscannable_file(&with(Unscannable::TooManyEntries), &accept_rest),
        None
    );
}

#[test]
fn lying_headers_are_refused() {
    assert!(check_headers(b"From: a@example.org\r\nSubject: x\r\n\r\nbody\0").is_ok());
    let r =
        check_headers(b"From: a@example.org\r\nSubject: hello\rFrom: <recteur@ac-demo.fr>\r\n\r\n")
            .unwrap_err();
    assert_eq!((r.code, r.enhanced), (550, "5.6.11"));
    assert!(
        r.text
            .contains("/ Header refused: bare CR or LF inside a header line"),
        "{}",
        r.text
    );
    let r = check_headers(b"Subject: a\0b\r\n\r\n").unwrap_err();
    assert_eq!((r.code, r.enhanced), (550, "5.6.0"));
    assert!(r.text.contains("NUL byte in the header"), "{}", r.text);
    let r =
        check_headers(b"From: a@example.org\r\nFrom: <recteur@ac-demo.fr>\r\n\r\n").unwrap_err();
    assert_eq!((r.code, r.enhanced), (550, "5.6.0"));
    assert!(
        r.text.contains(
            "/ Message refused: more than one From: field (RFC 5322 section 3.6 allows one)."
        ),
        "{}",
        r.text
    );
    assert!(r.smtp_reply().is_ascii());
}

#[test]
fn r7_recipient_notice() {
    let n = attachment_blocked_notice("x@example.org", Some("Facture"), "facture.pdf.exe");
    assert!(
        n.text
            .contains("Expéditeur : x@example.org\nObjet : Facture\nFichier : facture.pdf.exe\n")
    );
    assert!(
        n.text
            .contains("Sender: x@example.org\nSubject: Facture\nFile: facture.pdf.exe\n")
    );
    let n = attachment_blocked_notice("x@example.org", None, "a.exe");
    assert!(n.text.contains("Objet : (sans objet / no subject)"));
    assert!(!n.text.contains("http"));
}

#[test]
fn r4_is_reexported() {
    assert!(is_private_subject("[PRIVE] dossier"));
    assert!(!is_private_subject("privilège"));
}
