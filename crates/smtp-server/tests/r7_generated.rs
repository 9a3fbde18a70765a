//! R7, generated: for every forbidden extension of the configuration,
//! every way of naming a file and every container, the message is blocked
//! and the recipient told (issue 11's acceptance set).
//!
//! The whole set (6 extensions × 10 namings × 15 containers) runs
//! against the functions the delivery path calls at DATA (analysis with
//! the configured limits, `check_attachments`, `check_scannable`); one
//! case per naming and per container runs end to end on port 25 with
//! Python's smtplib, where each must get `550 5.7.1` and leave a notice in
//! the recipient's INBOX.

#![allow(clippy::unwrap_used)]

mod common;

use base64::Engine;
use common::*;
use vesontio_delivery::ScanRules;
use vesontio_message::Analysis;
use vesontio_message::testkit::{b64, stored_zip, uuencode, zip_of};
use vesontio_policy::{check_attachments, check_scannable};

/// Ways of writing the name of a file (issue 11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    Plain,
    Quoted,
    Rfc2047,
    Rfc2231,
    Folded,
    Duplicated,
    Nul,
    TrailingDot,
    TrailingSpace,
    RightToLeft,
}

const NAMINGS: [Naming; 10] = [
    Naming::Plain,
    Naming::Quoted,
    Naming::Rfc2047,
    Naming::Rfc2231,
    Naming::Folded,
    Naming::Duplicated,
    Naming::Nul,
    Naming::TrailingDot,
    Naming::TrailingSpace,
    Naming::RightToLeft,
];

/// Where the file is carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    Multipart,
    Rfc822,
    /// The file at the bottom of this many nested zips.
    Zip(usize),
    /// The file among 20,000 entries.
    ManyEntries,
    /// The file in a zip whose entries are encrypted.
    EncryptedZip,
    /// The file uuencoded in a text part.
    Uuencode,
}

fn containers() -> Vec<Container> {
    let mut c = vec![Container::Multipart, Container::Rfc822];
    c.extend((1..=10).map(Container::Zip));
    c.extend([
        Container::ManyEntries,
        Container::EncryptedZip,
        Container::Uuencode,
    ]);
    c
}

/// The file's name as a container entry (zip, uuencode) can carry it:
/// the MIME-only namings give the plain name there.
fn entry_name(naming: Naming, ext: &str) -> String {
    match naming {
        Naming::Nul => format!("facture.{ext}\0.pdf"),
        Naming::TrailingDot => format!("facture.{ext}."),
        Naming::TrailingSpace => format!("facture.{ext} "),
        Naming::RightToLeft => format!("facture\u{202E}fdp.{ext}"),
        _ => format!("facture.{ext}"),
    }
}

/// The MIME header fields naming a part `name` in the given way.
fn part_headers(naming: Naming, content_type: &str, name: &str) -> String {
    let q = |n: &str| n.replace('\\', "\\\\").replace('"', "\\\"");
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    match naming {
        Naming::Plain => format!(
            "Content-Type: {content_type}; name={name}\r\nContent-Disposition: attachment; filename={name}"
        ),
        Naming::Quoted => format!(
            "Content-Type: {content_type}; name=\"{}\"\r\nContent-Disposition: attachment; filename=\"{}\"",
            q(name),
            q(name)
        ),
        Naming::Rfc2047 => {
            let b = base64::engine::general_purpose::STANDARD.encode(name);
            format!(
                "Content-Type: {content_type}; name=\"=?UTF-8?B?{b}?=\"\r\nContent-Disposition: attachment; \
                 filename=\"=?UTF-8?B?{b}?=\""
            )
        }
        Naming::Rfc2231 => format!(
            "Content-Type: {content_type}\r\nContent-Disposition: attachment;\r\n filename*0*=UTF-8''{stem};\r\n \
             filename*1*=%2E;\r\n filename*2=\"{ext}\""
        ),
        Naming::Folded => format!(
            "Content-Type: {content_type}\r\nContent-Disposition: attachment;\r\n filename=\r\n \"{}\"",
            q(name)
        ),
        Naming::Duplicated => format!(
            "Content-Type: {content_type}\r\nContent-Disposition: attachment; filename=\"facture.pdf\"; filename=\"{}\"",
            q(name)
        ),
        Naming::Nul => format!(
            "Content-Type: {content_type}; name=\"{name}\0.pdf\"\r\nContent-Disposition: attachment; filename=\"{name}\0.pdf\""
        ),
        Naming::TrailingDot => format!(
            "Content-Type: {content_type}; name=\"{name}.\"\r\nContent-Disposition: attachment; filename=\"{name}.\""
        ),
        Naming::TrailingSpace => format!(
            "Content-Type: {content_type}; name=\"{name} \"\r\nContent-Disposition: attachment; filename=\"{name} \""
        ),
        Naming::RightToLeft => {
            // `name` is `facture.<ext>`: written `facture<RLO>fdp.<ext>`, shown `facture<ext>.pdf`.
            let rlo = format!("{stem}\u{202E}fdp.{ext}");
            format!(
                "Content-Type: {content_type}; name=\"{rlo}\"\r\nContent-Disposition: attachment; filename=\"{rlo}\""
            )
        }
    }
}

/// A multipart/mixed message: a text, then one part with `headers` and
/// `body` (already encoded, with its Content-Transfer-Encoding in `headers`).
fn multipart(subject: &str, headers: &str, body: &str) -> String {
    format!(
        "From: <someone@example.org>\r\nTo: <{MARIE}>\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b-{subject}\"\r\n\r\n\
         --b-{subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nVoir la piece jointe.\r\n\
         --b-{subject}\r\n{headers}\r\n\r\n{body}\r\n--b-{subject}--\r\n"
    )
}

/// The message for one case.
fn message(ext: &str, naming: Naming, container: Container) -> String {
    let subject = format!("{ext}-{naming:?}-{container:?}")
        .replace(['(', ')'], "")
        .to_lowercase();
    let file = format!("facture.{ext}");
    let entry = entry_name(naming, ext);
    let binary = |headers: String, data: &[u8]| {
        multipart(
            &subject,
            &format!("{headers}\r\nContent-Transfer-Encoding: base64"),
            &b64(data),
        )
    };
    let zip_part = |data: &[u8]| {
        binary(
            part_headers(naming, "application/zip", "documents.zip"),
            data,
        )
    };
    match container {
        Container::Multipart => binary(
            part_headers(naming, "application/octet-stream", &file),
            b"MZ\x90\0",
        ),
        Container::Rfc822 => {
            let inner = binary(
                part_headers(naming, "application/octet-stream", &file),
                b"MZ\x90\0",
            );
            multipart(&subject, "Content-Type: message/rfc822", &inner)
        }
        Container::Zip(depth) => {
            let mut z = zip_of(&[(entry.as_str(), b"MZ\x90\0")]);
            for level in 1..depth {
                z = zip_of(&[(&format!("niveau{level}.zip"), &z)]);
            }
            zip_part(&z)
        }
        Container::ManyEntries => {
            let mut names: Vec<String> = (0..19_999).map(|i| format!("f{i}.txt")).collect();
            names.push(entry);
            zip_part(&stored_zip(&names, false))
        }
        Container::EncryptedZip => {
            zip_part(&stored_zip(&["lisezmoi.txt".to_string(), entry], true))
        }
        Container::Uuencode => multipart(
            &subject,
            &part_headers(naming, "text/plain; charset=utf-8", "lettre.txt"),
            &format!(
                "Bonjour,\r\n\r\n{}\r\nCordialement\r\n",
                uuencode("644", &entry, b"MZ\x90\0")
            ),
        ),
    }
}

/// Blocked the way the delivery path decides at DATA.
fn blocked(raw: &[u8], exts: &[String], rules: &ScanRules) -> bool {
    let a = Analysis::with_limits(raw, rules.limits);
    check_attachments(&a, exts).is_err() || check_scannable(&a, rules).is_err()
}

fn exts() -> Vec<String> {
    delivery_config().forbidden_extensions
}

/// The whole generated set, split by container so the runner can use
/// both cores.
fn bulk(keep: impl Fn(Container) -> bool) {
    let exts = exts();
    assert_eq!(exts.len(), 6, "{exts:?}");
    let rules = delivery_config().scan;
    let mut n = 0;
    for container in containers().into_iter().filter(|c| keep(*c)) {
        for ext in &exts {
            for naming in NAMINGS {
                let raw = message(ext, naming, container);
                assert!(
                    blocked(raw.as_bytes(), &exts, &rules),
                    "not blocked: .{ext} {naming:?} in {container:?}"
                );
                n += 1;
            }
        }
    }
    assert!(n >= 60, "{n} cases");
}

#[test]
fn generated_multipart_and_rfc822() {
    bulk(|c| matches!(c, Container::Multipart | Container::Rfc822));
}

#[test]
fn generated_zip_depths_1_to_5() {
    bulk(|c| matches!(c, Container::Zip(d) if d <= 5));
}

#[test]
fn generated_zip_depths_6_to_10() {
    bulk(|c| matches!(c, Container::Zip(d) if d > 5));
}

#[test]
fn generated_many_entries_encrypted_uuencode() {
    bulk(|c| {
        matches!(
            c,
            Container::ManyEntries | Container::EncryptedZip | Container::Uuencode
        )
    });
}

/// The cases are not blocked by accident: the same messages with a
/// harmless extension pass (except where the container alone refuses).
#[test]
fn generated_harmless_control() {
    let exts = exts();
    let rules = delivery_config().scan;
    for container in containers() {
        let refused_anyway =
            matches!(
                container,
                Container::Zip(d) if d > rules.limits.max_archive_depth
            ) || matches!(container, Container::ManyEntries | Container::EncryptedZip);
        for naming in NAMINGS {
            let raw = message("pdf", naming, container);
            assert_eq!(
                blocked(raw.as_bytes(), &exts, &rules),
                refused_anyway,
                ".pdf {naming:?} in {container:?}"
            );
        }
    }
}

/// Sends every message of the JSON file on one SMTP session (RSET between
/// transactions) and prints the DATA reply of each.
const SEND_ALL_PY: &str = r#"
import smtplib, sys, json
c = json.load(open(sys.argv[1], encoding="utf-8"))
s = smtplib.SMTP("127.0.0.1", c["port"], local_hostname="client.example.org", timeout=60)
s.ehlo()
out = []
for m in c["msgs"]:
    s.mail("someone@example.org")
    s.rcpt(c["to"])
    try:
        code, text = s.data(m.encode())
    except smtplib.SMTPDataError as e:
        code, text = e.smtp_code, e.smtp_error
    out.append([code, text.decode()])
    s.rset()
s.quit()
print(json.dumps(out))
"#;

/// A representative subset through the real port: every naming (in a
/// plain multipart) and every container (plainly named), for one
/// extension each, cycling through the configured extensions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_subset_through_port_25() {
    let exts = exts();
    let mut cases: Vec<(String, Naming, Container)> = Vec::new();
    for (i, naming) in NAMINGS.iter().enumerate() {
        cases.push((exts[i % exts.len()].clone(), *naming, Container::Multipart));
    }
    for (i, container) in containers().into_iter().skip(1).enumerate() {
        let naming = NAMINGS[(i * 3) % NAMINGS.len()];
        cases.push((exts[i % exts.len()].clone(), naming, container));
    }
    let h = Harness::start_with(normalising()).await;
    let msgs: Vec<String> = cases.iter().map(|(e, n, c)| message(e, *n, *c)).collect();
    let spec = serde_json::json!({"port": h.mx.port(), "to": MARIE, "msgs": msgs});
    // Too large for a command line (the 20,000-entry zip).
    let path = h.dir.path().join("messages.json");
    std::fs::write(&path, spec.to_string()).unwrap();
    let run = python(SEND_ALL_PY, &[path.display().to_string()]).await;
    let replies: Vec<(i64, String)> =
        serde_json::from_str(run.out.trim()).unwrap_or_else(|_| panic!("{}", run.out));
    assert_eq!(replies.len(), cases.len());
    for ((ext, naming, container), (code, text)) in cases.iter().zip(&replies) {
        assert_eq!(*code, 550, ".{ext} {naming:?} in {container:?}: {text}");
        assert!(text.starts_with("5.7.1 "), "{text}");
        let text = text.replace('\n', " ");
        assert!(
            text.contains("Forbidden attachment: ")
                || text.contains("Attachment cannot be scanned: "),
            "{text}"
        );
    }
    // One notice per refused message, each naming its sender and subject.
    let inbox = h.inbox(MARIE).await;
    assert_eq!(inbox.len(), cases.len(), "one notice each");
    for m in &inbox {
        let t = String::from_utf8_lossy(m);
        assert!(t.contains("Auto-Submitted: auto-generated"), "{t}");
        assert!(t.contains("someone@example.org"), "{t}");
        assert!(!t.contains("TVqQ"), "the file is not delivered: {t}");
    }
    assert!(
        h.store.queue_entries().await.unwrap().is_empty(),
        "no DSN (no backscatter)"
    );
}

/// The deployed line-ending mode (bare CR/LF normalised).
fn normalising() -> vesontio_smtp_server::SmtpConfig {
    vesontio_smtp_server::SmtpConfig {
        data_line_endings: vesontio_smtp_server::LineEndings::Normalise,
        ..smtp_config()
    }
}
