use crate::{HeaderDefect, header_defect};

#[test]
fn header_defect_table() {
    use HeaderDefect::*;
    let cases: &[(&[u8], Option<HeaderDefect>)] = &[
        (b"From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n", None),
        (b"From: a@example.org\r\nSubject: x\r\n", None),
        (b"From: a@example.org", None),
        (b"", None),
        // Issue 11's example: a bare CR hides a second From.
        (
            b"From: <x@example.org>\r\nSubject: hello\rFrom: <recteur@ac-demo.fr>\r\n\r\nb\r\n",
            Some(BareLineBreak),
        ),
        (
            b"Subject: hello\rFrom: <recteur@ac-demo.fr>\r\n\r\nb\r\n",
            Some(BareLineBreak),
        ),
        (
            b"Subject: hello\nFrom: <recteur@ac-demo.fr>\r\n\r\nb\r\n",
            Some(BareLineBreak),
        ),
        (b"Subject: hello\r\n\nFrom: x\r\n\r\n", Some(BareLineBreak)),
        (
            b"From: a@example.org\nSubject: unix line endings\n\nbody\n",
            Some(BareLineBreak),
        ),
        (b"Subject: a\0b\r\n\r\nbody", Some(Nul)),
        (
            b"From: a@example.org\r\nFrom: b@example.org\r\n\r\n",
            Some(Repeated("From")),
        ),
        (
            b"FROM: a@example.org\r\nfrom : b@example.org\r\n\r\n",
            Some(Repeated("From")),
        ),
        (
            b"Sender: a@example.org\r\nSender: b@example.org\r\n\r\n",
            Some(Repeated("Sender")),
        ),
        (
            b"Reply-To: a@example.org\r\nReply-to: b@example.org\r\n\r\n",
            Some(Repeated("Reply-To")),
        ),
        (
            b"From: a@example.org\r\nSubject: x\r\nFrom: b@example.org",
            Some(Repeated("From")),
        ),
        // Folded From: one field.
        (
            b"From: A\r\n <a@example.org>\r\nX-From: b\r\nResent-From: c\r\n\r\n",
            None,
        ),
        // The body may hold anything.
        (b"From: a@example.org\r\n\r\nFrom: b\r\n\0\r\x00\n", None),
        (b"From: a@example.org\r\n\r\nbare\rcr and\nlf", None),
        // Two Subjects, two To: not refused.
        (b"Subject: a\r\nSubject: b\r\nTo: x\r\nTo: y\r\n\r\n", None),
    ];
    for (raw, want) in cases {
        assert_eq!(
            header_defect(raw),
            *want,
            "{:?}",
            String::from_utf8_lossy(raw)
        );
    }
}
