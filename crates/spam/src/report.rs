//! Reports sent to `spam@<domain>` (R24): a local user forwards what they
//! received, either as an attachment (`message/rfc822`, what "forward as
//! attachment" and the webmail's "report as spam" send) or inline. The
//! messages to learn are the attached ones; an inline forward is rebuilt
//! as a small message from its quoted subject and text, the reporter's
//! own words above the forward marker left out.

use mail_parser::{MessageParser, PartType};

/// Lines that start an inline forward, as French and English clients
/// write them (folded by `text::fold`: lower case, no accents).
const MARKERS: &[&str] = &[
    "message transfere",
    "forwarded message",
    "original message",
    "message d origine",
    "debut du message reexpedie",
    "begin forwarded message",
];

/// The messages a report carries, to learn as spam. Empty when it carries
/// none (a report with nothing forwarded teaches nothing).
pub fn unwrap(raw: &[u8]) -> Vec<Vec<u8>> {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Vec::new();
    };
    let attached: Vec<Vec<u8>> = msg
        .parts
        .iter()
        .take(500)
        .filter_map(|p| match &p.body {
            PartType::Message(m) => Some(m.raw_message().to_vec()),
            _ => None,
        })
        .filter(|m| !m.is_empty())
        .take(20)
        .collect();
    if !attached.is_empty() {
        return attached;
    }
    let body = vesontio_message::mime::body_text(raw);
    let mut lines = body.lines();
    let found = lines.by_ref().any(|l| {
        let f = crate::text::fold(l);
        MARKERS.iter().any(|m| f.contains(m))
    });
    if !found {
        return Vec::new();
    }
    let mut subject = String::new();
    let mut text = String::new();
    let mut in_head = true;
    for l in lines {
        if in_head {
            let t = l.trim();
            if t.is_empty() {
                in_head = false;
                continue;
            }
            if let Some((k, v)) = t.split_once(':') {
                let k = crate::text::fold(k);
                if k == " subject " || k == " objet " {
                    subject = v.trim().to_string();
                }
                continue;
            }
            in_head = false;
        }
        text.push_str(l);
        text.push_str("\r\n");
    }
    let subject: String = subject.chars().filter(|c| !c.is_control()).collect();
    vec![
        format!("Subject: {subject}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}")
            .into_bytes(),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn attached_messages_are_unwrapped() {
        let raw = "From: prof@ac-test.fr\r\nTo: spam@ac-test.fr\r\nSubject: spam\r\n\
                   Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
                   Content-Type: text/plain\r\n\r\nEncore un.\r\n--b\r\n\
                   Content-Type: message/rfc822\r\n\r\nFrom: x@evil.example\r\nSubject: Gagnez\r\n\r\nArgent facile\r\n\
                   --b--\r\n";
        let got = unwrap(raw.as_bytes());
        assert_eq!(got.len(), 1);
        let inner = String::from_utf8_lossy(&got[0]);
        assert!(
            inner.contains("Subject: Gagnez") && inner.contains("Argent facile"),
            "{inner}"
        );
        assert!(!inner.contains("Encore un"));
    }

    #[test]
    fn inline_forwards_keep_the_forwarded_part_only() {
        let raw = "From: prof@ac-test.fr\r\nSubject: TR: Gagnez\r\n\r\nEncore un, merci de bloquer.\r\n\r\n\
                   -------- Message transféré --------\r\nSujet : x\r\nObjet : Gagnez un iPhone\r\n\
                   De : x@evil.example\r\n\r\nArgent facile et rapide\r\n";
        let got = unwrap(raw.as_bytes());
        assert_eq!(got.len(), 1);
        let inner = String::from_utf8_lossy(&got[0]);
        assert!(
            inner.starts_with("Subject: Gagnez un iPhone\r\n"),
            "{inner}"
        );
        assert!(inner.contains("Argent facile et rapide"));
        assert!(!inner.contains("merci de bloquer"));
    }

    #[test]
    fn a_report_without_a_forward_teaches_nothing() {
        assert!(unwrap(b"Subject: spam\r\n\r\nJe recois trop de spam.\r\n").is_empty());
        assert!(unwrap(b"").is_empty());
    }
}
