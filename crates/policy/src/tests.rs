#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use super::*;
use texts::{
    attachment_blocked_notice, date_fr_iso, departure_warning_notice, mb_en, mb_fr,
    quota_warning_notice,
};
use vesontio_message::{Analysis, AttachmentName};
use vesontio_types::{AccountKind, Address};

/// 2026-03-02 09:00:00 UTC: the fixed clock of every test.
const NOW: i64 = 1_772_442_000;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const MB: u64 = 1024 * 1024;

fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

fn exts() -> Vec<String> {
    ["exe", "com", "pif", "reg", "scr", "vbs"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

// ---------------------------------------------------------------- R6

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

// ---------------------------------------------------------------- R7

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

// ---------------------------------------------------------------- R4

#[test]
fn r4_is_reexported() {
    assert!(is_private_subject("[PRIVE] dossier"));
    assert!(!is_private_subject("privilège"));
}

// ---------------------------------------------------------------- R5

#[test]
fn r5_recipients_per_message() {
    assert!(check_recipients_per_message(1, 50).is_ok());
    assert!(check_recipients_per_message(50, 50).is_ok());
    let r = check_recipients_per_message(51, 50).unwrap_err();
    assert_eq!((r.code, r.enhanced), (452, "4.5.3"));
    assert!(!r.is_permanent());
    assert!(r.text.contains("50 au plus par message"));
}

#[test]
fn r5_sliding_window_known_answers() {
    let mut w = RateWindow::hourly();
    assert!(w.is_idle(NOW));
    // NOW is a multiple of 60: buckets line up with minutes.
    assert_eq!(NOW % 60, 0);
    w.record(NOW, 100);
    w.record(NOW + 30, 50);
    assert_eq!(w.clone().count(NOW + 60), 150);
    w.record(NOW + 20 * 60, 40);
    // (time, expected count)
    let table: &[(i64, u64)] = &[
        (NOW + 20 * 60, 190),
        (NOW + 59 * 60, 190),
        (NOW + HOUR - 1, 190),
        // The first minute's bucket leaves the window one hour after its end.
        (NOW + HOUR, 190),
        (NOW + HOUR + 59, 190),
        (NOW + HOUR + 60, 40),
        (NOW + HOUR + 20 * 60 + 59, 40),
        (NOW + HOUR + 21 * 60, 0),
    ];
    for &(t, want) in table {
        assert_eq!(w.clone().count(t), want, "t = NOW + {}", t - NOW);
    }
    assert!(!w.clone().would_exceed(NOW + 60, 10, 200));
    assert!(w.clone().would_exceed(NOW + 60, 11, 200));
    assert!(!w.clone().would_exceed(NOW + HOUR + 60, 160, 200));
}

#[test]
fn r5_window_memory_is_bounded_and_clock_skew_safe() {
    let mut w = RateWindow::hourly();
    for i in 0..100_000 {
        w.record(NOW + i, 1);
    }
    assert!(w.buckets.len() <= 61, "{}", w.buckets.len());
    assert_eq!(w.count(NOW + 100_000), 3600 + 40);
    // A clock going backwards never lowers the count.
    let mut w = RateWindow::hourly();
    w.record(NOW, 5);
    w.record(NOW - 10 * 60, 5);
    assert_eq!(w.count(NOW), 10);
}

#[test]
fn r5_hourly_check_records_only_when_allowed() {
    let mut w = RateWindow::hourly();
    assert!(check_hourly_rate(&mut w, NOW, 150, 200).is_ok());
    let r = check_hourly_rate(&mut w, NOW + 60, 60, 200).unwrap_err();
    assert_eq!((r.code, r.enhanced), (450, "4.7.1"));
    assert_eq!(w.count(NOW + 60), 150, "a refused message is not counted");
    assert!(check_hourly_rate(&mut w, NOW + 60, 50, 200).is_ok());
    assert!(check_hourly_rate(&mut w, NOW + 120, 1, 200).is_err());
    assert!(check_hourly_rate(&mut w, NOW + HOUR + 120, 200, 200).is_ok());
}

// ---------------------------------------------------------------- R23

fn mail(to: &[&str], cc: &[&str]) -> Analysis {
    Analysis {
        to: to.iter().map(|s| addr(s)).collect(),
        cc: cc.iter().map(|s| addr(s)).collect(),
        ..Analysis::default()
    }
}

#[test]
fn r23_vacation_table() {
    let user = [addr("paul.martin@ac-demo.fr"), addr("p.martin@ac-demo.fr")];
    let friend = addr("x@example.org");
    let daemon = addr("MAILER-DAEMON@example.org");
    let owner = addr("owner-liste@example.org");
    let request = addr("liste-request@example.org");
    let self_ = addr("Paul.Martin@ac-demo.fr");
    let direct = mail(&["Paul.Martin@AC-DEMO.FR"], &[]);
    let via_alias_cc = mail(&["other@ac-demo.fr"], &["p.martin@ac-demo.fr"]);
    let bcc = mail(&["other@ac-demo.fr"], &[]);
    let auto = Analysis {
        auto_submitted: Some("auto-generated".into()),
        ..direct.clone()
    };
    let auto_no = Analysis {
        auto_submitted: Some("no".into()),
        ..direct.clone()
    };
    let bulk = Analysis {
        precedence: Some("bulk".into()),
        ..direct.clone()
    };
    let junk = Analysis {
        precedence: Some("junk".into()),
        ..direct.clone()
    };
    let normal_prec = Analysis {
        precedence: Some("normal".into()),
        ..direct.clone()
    };
    let list = Analysis {
        list_id: Some("<l.example.org>".into()),
        has_list_headers: true,
        ..direct.clone()
    };
    let unsub = Analysis {
        has_list_headers: true,
        ..direct.clone()
    };

    type Row<'a> = (
        bool,
        Option<i64>,
        Option<i64>,
        Option<&'a Address>,
        &'a Analysis,
        bool,
        RecipientCheck,
        Result<(), NoReplyReason>,
    );
    use NoReplyReason::*;
    use RecipientCheck::*;
    let s = Some(NOW - DAY);
    let e = Some(NOW + DAY);
    let rows: Vec<Row<'_>> = vec![
        (true, s, e, Some(&friend), &direct, false, Required, Ok(())),
        (
            true,
            None,
            None,
            Some(&friend),
            &direct,
            false,
            Required,
            Ok(()),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &via_alias_cc,
            false,
            Required,
            Ok(()),
        ),
        (true, s, e, Some(&friend), &auto_no, false, Required, Ok(())),
        (
            true,
            s,
            e,
            Some(&friend),
            &normal_prec,
            false,
            Required,
            Ok(()),
        ),
        (
            false,
            s,
            e,
            Some(&friend),
            &direct,
            false,
            Required,
            Err(Inactive),
        ),
        (
            true,
            Some(NOW + 1),
            e,
            Some(&friend),
            &direct,
            false,
            Required,
            Err(NotStarted),
        ),
        (
            true,
            Some(NOW),
            e,
            Some(&friend),
            &direct,
            false,
            Required,
            Ok(()),
        ),
        (
            true,
            s,
            Some(NOW),
            Some(&friend),
            &direct,
            false,
            Required,
            Err(Ended),
        ),
        (
            true,
            s,
            Some(NOW + 1),
            Some(&friend),
            &direct,
            false,
            Required,
            Ok(()),
        ),
        (true, s, e, None, &direct, false, Required, Err(NullSender)),
        (
            true,
            s,
            e,
            Some(&daemon),
            &direct,
            false,
            Required,
            Err(SystemSender),
        ),
        (
            true,
            s,
            e,
            Some(&owner),
            &direct,
            false,
            Required,
            Err(SystemSender),
        ),
        (
            true,
            s,
            e,
            Some(&request),
            &direct,
            false,
            Required,
            Err(SystemSender),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &auto,
            false,
            Required,
            Err(AutoSubmitted),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &bulk,
            false,
            Required,
            Err(BulkPrecedence),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &junk,
            false,
            Required,
            Err(BulkPrecedence),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &list,
            false,
            Required,
            Err(ListMail),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &unsub,
            false,
            Required,
            Err(ListMail),
        ),
        (
            true,
            s,
            e,
            Some(&self_),
            &direct,
            false,
            Required,
            Err(FromUser),
        ),
        (
            true,
            s,
            e,
            Some(&friend),
            &bcc,
            false,
            Required,
            Err(NotAddressedToUser),
        ),
        (true, s, e, Some(&friend), &bcc, false, NotRequired, Ok(())),
        (
            true,
            s,
            e,
            Some(&friend),
            &direct,
            true,
            Required,
            Err(AlreadyReplied),
        ),
    ];
    for (i, (active, start, end, sender, analysis, replied, check, want)) in
        rows.into_iter().enumerate()
    {
        let f = VacationFacts {
            active,
            start,
            end,
            now: NOW,
            sender,
            analysis,
            recipient_addresses_of_user: &user,
            already_replied_this_period: replied,
            recipient_check: check,
        };
        assert_eq!(should_auto_reply(&f), want, "row {i}");
    }
}

#[test]
fn r23_with_a_parsed_mailing_list_message() {
    let raw = b"From: x@example.org\r\nTo: paul.martin@ac-demo.fr\r\nList-Unsubscribe: <mailto:u@example.org>\r\nSubject: news\r\n\r\nhi\r\n";
    let a = Analysis::of(raw);
    let user = [addr("paul.martin@ac-demo.fr")];
    let sender = addr("x@example.org");
    let f = VacationFacts {
        active: true,
        start: None,
        end: None,
        now: NOW,
        sender: Some(&sender),
        analysis: &a,
        recipient_addresses_of_user: &user,
        already_replied_this_period: false,
        recipient_check: RecipientCheck::Required,
    };
    assert_eq!(should_auto_reply(&f), Err(NoReplyReason::ListMail));
}

// ---------------------------------------------------------------- R16, R17

#[test]
fn r16_quota_crossing_table() {
    let q = 1000 * MB;
    let t = 900 * MB; // 90 %
    let cases: &[(u64, u64, u64, u8, bool)] = &[
        (0, t - 1, q, 90, false),
        (t - 1, t, q, 90, true),
        (0, q, q, 90, true),
        (t, t + 1, q, 90, false),     // already above: warned before
        (t + 5, t - 5, q, 90, false), // going down
        (t, t, q, 90, false),
        (0, u64::MAX, u64::MAX, 90, true),
        (0, 100, 0, 90, false), // no quota
        (99, 100, 100, 100, true),
    ];
    for &(before, after, quota, pct, want) in cases {
        assert_eq!(
            quota_crossed_warning(before, after, quota, pct),
            want,
            "{before} -> {after} of {quota} at {pct}"
        );
    }
    let n = quota_warning_notice(t, q, 90);
    assert_eq!(
        n.subject,
        "Votre boîte aux lettres est pleine à 90 % / Your mailbox is 90 % full"
    );
    assert!(n.text.contains("utilise 900 Mo sur 1000 Mo"));
    assert!(n.text.contains("uses 900 MB of 1000 MB"));
    assert!(
        !n.text.contains("http") && !n.text.contains("www"),
        "no links in quota warnings"
    );
}

#[test]
fn r17_hold_and_room() {
    let hold = 5 * DAY;
    assert!(!held_expired(NOW, NOW, hold));
    assert!(!held_expired(NOW, NOW + hold - 1, hold));
    assert!(held_expired(NOW, NOW + hold, hold));
    assert!(
        !held_expired(NOW, NOW - DAY, hold),
        "clock skew does not expire"
    );
    assert!(quota_allows(900, 100, 1000));
    assert!(!quota_allows(900, 101, 1000));
    assert!(quota_allows(u64::MAX, 1, 0));
    assert!(!quota_allows(u64::MAX, 1, u64::MAX));
    let r = mailbox_full_refusal("paul@ac-demo.fr");
    assert_eq!((r.code, r.enhanced), (452, "4.2.2"));
    assert!(texts::held_for_quota_text("paul@ac-demo.fr", 5).contains("dans 5 jours"));
    assert!(texts::held_expired_text("paul@ac-demo.fr", 5).contains("for 5 days"));
}

// ---------------------------------------------------------------- R12, R13, R14

#[test]
fn r12_departure_table() {
    let year = 365 * DAY;
    let two_months = 61 * DAY;
    let left = NOW - year;
    assert!(departed_due(left, NOW, year));
    assert!(!departed_due(left + 1, NOW, year));
    assert!(!departure_warning_due(NOW, NOW, year, two_months, false));
    assert!(departure_warning_due(
        NOW - (year - two_months),
        NOW,
        year,
        two_months,
        false
    ));
    assert!(!departure_warning_due(
        NOW - (year - two_months) + 1,
        NOW,
        year,
        two_months,
        false
    ));
    assert!(!departure_warning_due(
        NOW - year,
        NOW,
        year,
        two_months,
        true
    ));

    use DepartedAction::*;
    // (departed_at, warned_at, expected)
    let rows: &[(i64, Option<i64>, DepartedAction)] = &[
        (NOW - DAY, None, Nothing),
        (NOW - (year - two_months), None, Warn),
        (NOW - (year - two_months), Some(NOW), Nothing),
        (NOW - year, Some(NOW - two_months), Delete),
        (NOW - year, Some(NOW - two_months + 1), Nothing), // warning period not over
        (NOW - 2 * year, None, Warn),                      // recorded late: warn first
        (NOW - 2 * year, Some(NOW - DAY), Nothing),
        (NOW - 2 * year, Some(NOW - two_months), Delete),
    ];
    for &(departed, warned, want) in rows {
        assert_eq!(
            departed_action(departed, warned, NOW, year, two_months),
            want,
            "{departed} {warned:?}"
        );
    }
    let n = departure_warning_notice(NOW + two_months);
    assert!(
        n.subject.contains("le 02/05/2026") && n.subject.contains("on 2026-05-02"),
        "{}",
        n.subject
    );
}

#[test]
fn r13_functional_inactivity_table() {
    let six_months = 183 * DAY;
    let created = NOW - 2 * six_months;
    let rows: &[(Option<i64>, i64, bool)] = &[
        (None, created, true),
        (None, NOW - six_months + 1, false),
        (Some(NOW - six_months), created, true),
        (Some(NOW - six_months + 1), created, false),
        (Some(created - 10 * six_months), NOW, false), // read "before" creation counts from creation
    ];
    for &(last_read, created, want) in rows {
        assert_eq!(
            functional_inactive(last_read, created, NOW, six_months),
            want,
            "{last_read:?} {created}"
        );
    }
}

#[test]
fn r14_forward_no_copy_table() {
    let four_months = 122 * DAY;
    let since = NOW - 10 * four_months;
    let rows: &[(bool, bool, Option<i64>, bool)] = &[
        (true, true, None, true),
        (true, true, Some(NOW - four_months), true),
        (true, true, Some(NOW - four_months + 1), false),
        (true, false, None, false), // already no copy
        (false, true, None, false), // not forwarding
    ];
    for &(fwd, keep, last_read, want) in rows {
        assert_eq!(
            forward_no_copy_due(fwd, keep, last_read, since, NOW, four_months),
            want,
            "{fwd} {keep} {last_read:?}"
        );
    }
    assert!(
        !forward_no_copy_due(true, true, None, NOW - DAY, NOW, four_months),
        "counts from the forward's start"
    );
    assert!(
        texts::forward_no_copy_notice("moi@example.org")
            .text
            .contains("redirigés vers moi@example.org")
    );
}

// ---------------------------------------------------------------- R3, R22

#[test]
fn r3_list_posting() {
    let authorised = [addr("recteur@ac-demo.fr"), addr("dsi@ac-demo.fr")];
    assert!(may_post_to_list(
        &authorised,
        Some(&addr("Recteur@AC-DEMO.fr"))
    ));
    assert!(!may_post_to_list(
        &authorised,
        Some(&addr("eleve@ac-demo.fr"))
    ));
    assert!(!may_post_to_list(&authorised, None));
    assert!(!may_post_to_list(&[], Some(&addr("recteur@ac-demo.fr"))));
    let r = list_post_refusal(&addr("tous@ac-demo.fr"));
    assert_eq!((r.code, r.enhanced), (550, "5.7.1"));
    assert!(r.text.contains("écrire à la liste tous@ac-demo.fr"));
}

#[test]
fn r22_forwarding_table() {
    use AccountKind::*;
    let rows: &[(AccountKind, bool, Result<(), ForwardRefusal>)] = &[
        (Person, false, Ok(())),
        (Person, true, Err(ForwardRefusal::ReachedThroughFunctional)),
        (Functional, false, Err(ForwardRefusal::FunctionalMailbox)),
        (Functional, true, Err(ForwardRefusal::FunctionalMailbox)),
        (List, false, Err(ForwardRefusal::List)),
    ];
    for &(kind, via, want) in rows {
        assert_eq!(forwarding_allowed(kind, via), want, "{kind:?} {via}");
    }
}

#[test]
fn dates_known_answers() {
    let rows: &[(i64, &str, &str)] = &[
        (0, "01/01/1970", "1970-01-01"),
        (NOW, "02/03/2026", "2026-03-02"),
        (951_782_400, "29/02/2000", "2000-02-29"),
        (-1, "31/12/1969", "1969-12-31"),
    ];
    for &(t, fr, iso) in rows {
        assert_eq!(date_fr_iso(t), (fr.to_string(), iso.to_string()), "{t}");
    }
}
