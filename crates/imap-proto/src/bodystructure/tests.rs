use super::*;
use crate::command::{Section, SectionText};

pub(crate) const SIMPLE: &str = "Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\n\
From: Terry Gray <gray@cac.washington.edu>\r\n\
Subject: IMAP4rev1 WG mtg summary and minutes\r\n\
To: imap@cac.washington.edu\r\n\
Cc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\n\
Message-Id: <B27397-0100000@cac.washington.edu>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\
\r\n\
line one\r\n\
line two\r\n\
line three\r\n";

const NESTED: &str = "From: =?utf-8?q?Andr=C3=A9?= <andre@example.fr>\r\n\
To: undisclosed-recipients:;\r\n\
Subject: nested\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
preamble\r\n\
--outer\r\n\
Content-Type: multipart/alternative; boundary=inner\r\n\
\r\n\
--inner\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
caf=C3=A9 cr=C3=A8me\r\n\
--inner\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<p>HTML</p>\r\n\
--inner--\r\n\
\r\n\
--outer\r\n\
Content-Type: application/octet-stream;\r\n\
\x20name*=utf-8''%E2%82%AC%20rates.bin\r\n\
Content-Disposition: attachment;\r\n\
\x20filename*0*=utf-8''%E2%82%AC%20;\r\n\
\x20filename*1=rates.bin\r\n\
Content-Transfer-Encoding: base64\r\n\
Content-ID: <att1@x>\r\n\
Content-Language: fr, en\r\n\
Content-Location: http://example.org/r\r\n\
\r\n\
AAECAw==\r\n\
--outer\r\n\
Content-Type: message/rfc822\r\n\
Content-Description: forwarded\r\n\
\r\n\
From: bob@example.org\r\n\
Subject: inner\r\n\
Content-Type: multipart/mixed; boundary=b2\r\n\
\r\n\
--b2\r\n\
\r\n\
inner text\r\n\
--b2--\r\n\
\r\n\
--outer--\r\n\
epilogue\r\n";

fn bs(raw: &str, extended: bool) -> String {
    let mut out = Vec::new();
    body_structure(raw.as_bytes()).encode_imap(&mut out, extended, false);
    String::from_utf8(out).expect("utf8")
}

fn env(raw: &str) -> String {
    let mut out = Vec::new();
    envelope(raw.as_bytes()).encode_imap(&mut out, false, false);
    String::from_utf8(out).expect("utf8")
}

#[test]
fn simple_text_message() {
    assert_eq!(
        bs(SIMPLE, false),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 32 3)"
    );
    assert_eq!(
        bs(SIMPLE, true),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 32 3 NIL NIL NIL NIL)"
    );
    // RFC 9051 §7.5.2 example envelope (Sender/Reply-To default to From).
    assert_eq!(
        env(SIMPLE),
        "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) \
((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) \
((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \
\"<B27397-0100000@cac.washington.edu>\")"
    );
}

#[test]
fn default_content_type_and_empty() {
    assert_eq!(
        bs("Subject: x\r\n\r\nhi\r\n", false),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 4 1)"
    );
    assert_eq!(
        bs("", false),
        "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 0 0)"
    );
}

#[test]
fn nested_structure() {
    let got = bs(NESTED, true);
    let want = "(((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL \"QUOTED-PRINTABLE\" 20 1 NIL NIL NIL NIL)\
(\"TEXT\" \"HTML\" (\"CHARSET\" \"utf-8\") NIL NIL \"7BIT\" 11 1 NIL NIL NIL NIL) \"ALTERNATIVE\" (\"BOUNDARY\" \"inner\") NIL NIL NIL)\
(\"APPLICATION\" \"OCTET-STREAM\" (\"NAME\" \"=?utf-8?b?4oKsIHJhdGVzLmJpbg==?=\") \"<att1@x>\" NIL \"BASE64\" 8 NIL \
(\"attachment\" (\"FILENAME\" \"=?utf-8?b?4oKsIHJhdGVzLmJpbg==?=\")) (\"fr\" \"en\") \"http://example.org/r\")\
(\"MESSAGE\" \"RFC822\" NIL NIL \"forwarded\" \"7BIT\" 113 \
(NIL \"inner\" ((NIL NIL \"bob\" \"example.org\")) ((NIL NIL \"bob\" \"example.org\")) ((NIL NIL \"bob\" \"example.org\")) NIL NIL NIL NIL NIL) \
((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 10 1 NIL NIL NIL NIL) \"MIXED\" (\"BOUNDARY\" \"b2\") NIL NIL NIL) 8 NIL NIL NIL NIL) \
\"MIXED\" (\"BOUNDARY\" \"outer\") NIL NIL NIL)";
    assert_eq!(got, want);
    // BODY (non-extensible) drops extension data.
    assert!(bs(NESTED, false).ends_with("\"MIXED\")"));
}

#[test]
fn envelope_groups_and_encoded_names() {
    assert_eq!(
        env(NESTED),
        "(NIL \"nested\" ((\"=?utf-8?b?QW5kcsOp?=\" NIL \"andre\" \"example.fr\")) \
((\"=?utf-8?b?QW5kcsOp?=\" NIL \"andre\" \"example.fr\")) ((\"=?utf-8?b?QW5kcsOp?=\" NIL \"andre\" \"example.fr\")) \
((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) NIL NIL NIL NIL)"
    );
    // RFC 9051 §7.5.2 groups, one of them empty but for a comment
    // (Dovecot imaptest fetch-envelope).
    let raw = "From: a@b.c\r\nTo: group: g1@d1.org, g2@d2.org;, group2: g3@d3.org;\r\n\
               Cc: group:;, group2: (foo) ;\r\nSubject: g\r\n\r\nx\r\n";
    let e = env(raw);
    assert!(
        e.contains(
            "((NIL NIL \"group\" NIL)(NIL NIL \"g1\" \"d1.org\")(NIL NIL \"g2\" \"d2.org\")(NIL NIL NIL NIL)\
             (NIL NIL \"group2\" NIL)(NIL NIL \"g3\" \"d3.org\")(NIL NIL NIL NIL)) \
             ((NIL NIL \"group\" NIL)(NIL NIL NIL NIL)(NIL NIL \"group2\" NIL)(NIL NIL NIL NIL))"
        ),
        "{e}"
    );
    // Source route (obsolete syntax): the route goes to addr-adl.
    let e = env("From: <@route:user@domain>\r\nSubject: r\r\n\r\nx\r\n");
    assert!(e.contains("((NIL \"@route\" \"user\" \"domain\"))"), "{e}");
    let mut out = Vec::new();
    envelope(NESTED.as_bytes()).encode_imap(&mut out, false, true);
    assert!(
        String::from_utf8(out)
            .expect("utf8")
            .contains("(\"André\" NIL \"andre\" \"example.fr\")")
    );
}

fn sec(raw: &str, part: Vec<u32>, text: Option<SectionText>) -> Option<String> {
    section(raw.as_bytes(), &Section { part, text })
        .map(|d| String::from_utf8_lossy(&d).into_owned())
}

#[test]
fn sections() {
    assert_eq!(sec(SIMPLE, vec![], None).as_deref(), Some(SIMPLE));
    assert_eq!(
        sec(SIMPLE, vec![], Some(SectionText::Text)).as_deref(),
        Some("line one\r\nline two\r\nline three\r\n")
    );
    assert!(
        sec(SIMPLE, vec![], Some(SectionText::Header))
            .expect("h")
            .ends_with("US-ASCII\r\n\r\n")
    );
    assert_eq!(
        sec(SIMPLE, vec![1], None).as_deref(),
        Some("line one\r\nline two\r\nline three\r\n")
    );
    assert_eq!(sec(SIMPLE, vec![2], None), None);
    assert_eq!(
        sec(
            SIMPLE,
            vec![],
            Some(SectionText::HeaderFields(vec![
                "subject".into(),
                "TO".into()
            ]))
        )
        .as_deref(),
        Some(
            "Subject: IMAP4rev1 WG mtg summary and minutes\r\nTo: imap@cac.washington.edu\r\n\r\n"
        )
    );
    let not = sec(
        SIMPLE,
        vec![],
        Some(SectionText::HeaderFieldsNot(vec![
            "Date".into(),
            "from".into(),
        ])),
    )
    .expect("not");
    assert!(not.starts_with("Subject:") && !not.contains("From:"));
    assert_eq!(
        sec(NESTED, vec![1, 1], None).as_deref(),
        Some("caf=C3=A9 cr=C3=A8me")
    );
    assert_eq!(
        sec(NESTED, vec![1, 2], None).as_deref(),
        Some("<p>HTML</p>")
    );
    assert_eq!(
        sec(NESTED, vec![1, 2], Some(SectionText::Mime)).as_deref(),
        Some("Content-Type: text/html; charset=utf-8\r\n\r\n")
    );
    assert_eq!(
        sec(NESTED, vec![3], Some(SectionText::Header)).as_deref(),
        Some(
            "From: bob@example.org\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=b2\r\n\r\n"
        )
    );
    assert_eq!(sec(NESTED, vec![3, 1], None).as_deref(), Some("inner text"));
    assert!(
        sec(NESTED, vec![3], Some(SectionText::Text))
            .expect("t")
            .starts_with("--b2\r\n")
    );
    assert!(
        sec(NESTED, vec![3], None)
            .expect("m")
            .starts_with("From: bob@example.org")
    );
    assert_eq!(sec(NESTED, vec![2], Some(SectionText::Header)), None);
    assert_eq!(sec(NESTED, vec![9, 9, 9], None), None);
    assert_eq!(partial(b"0123456789", 2, 3), b"234");
    assert_eq!(partial(b"0123456789", 8, 30), b"89");
    assert_eq!(partial(b"0123456789", 80, 3), b"");
}

#[test]
fn binary_decoding() {
    assert_eq!(binary(NESTED.as_bytes(), &[2]), Ok(vec![0, 1, 2, 3]));
    assert_eq!(binary_size(NESTED.as_bytes(), &[2]), Ok(4));
    assert_eq!(
        binary(NESTED.as_bytes(), &[1, 1]).map(|d| String::from_utf8_lossy(&d).into_owned()),
        Ok("café crème".into())
    );
    assert_eq!(
        binary(NESTED.as_bytes(), &[7]),
        Err(BinaryError::NoSuchPart)
    );
    let odd = "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n";
    assert_eq!(binary(odd.as_bytes(), &[1]), Err(BinaryError::UnknownCte));
}

#[test]
fn search_text_decodes() {
    let t = search_text(NESTED.as_bytes()).to_lowercase();
    assert!(t.contains("café crème"), "{t}");
    assert!(t.contains("html"), "{t}");
    assert!(t.contains("inner text"), "{t}");
}

#[test]
fn binary_parts_become_base64() {
    use super::{binary, binary_to_base64};
    // Single part, as in Dovecot imaptest append-binary.
    let raw: &[u8] = b"From: user@domain.org\r\nContent-Type: application/octet-stream\r\n\
Content-Transfer-Encoding: binary\r\n\r\n\x00-\xff\r\n\r\n";
    let got = binary_to_base64(raw).expect("converted");
    let text = String::from_utf8(got.clone()).expect("7-bit now");
    assert!(
        text.contains("Content-Transfer-Encoding: base64\r\n\r\nAC3/DQoNCg==\r\n"),
        "{text}"
    );
    assert_eq!(
        binary(&got, &[1]).expect("decodes"),
        b"\x00-\xff\r\n\r\n".to_vec(),
        "BINARY[1] gives back the octets"
    );
    // Multipart: only the binary leaf changes; nothing to do without one.
    let mp: &[u8] = b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
Content-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: application/x\r\n\
Content-Transfer-Encoding: BINARY\r\n\r\n\x00\x01\r\n--b--\r\n";
    let got = String::from_utf8(binary_to_base64(mp).expect("converted")).expect("7-bit");
    assert!(got.contains("\r\n\r\nhello\r\n--b\r\n"), "{got}");
    assert!(
        got.contains("Content-Transfer-Encoding: base64\r\n\r\nAAE=\r\n--b--\r\n"),
        "{got}"
    );
    assert_eq!(binary_to_base64(b"Subject: x\r\n\r\nplain\r\n"), None);
}
