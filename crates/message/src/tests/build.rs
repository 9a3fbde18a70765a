#![allow(clippy::unwrap_used)] // tests may unwrap their own fixtures

use super::*;
use crate::*;

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
    type Row = ((bool, bool, bool, bool), &'static str);
    let protos: &[Row] = &[
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
