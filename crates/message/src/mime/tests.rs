use super::*;

const REPLY: &str = "From: \"Jeanne Dupont\" <Jeanne.Dupont@ac-demo.fr>\r\n\
To: paul.durand@ac-demo.fr\r\n\
Subject: =?utf-8?q?Re=3A_R=C3=A9union?=\r\n\
Date: Tue, 01 Dec 2026 10:00:00 +0100\r\n\
Message-ID: <b@ac-demo.fr>\r\n\
In-Reply-To: <a@ac-demo.fr>\r\n\
References: <root@x> <a@ac-demo.fr>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Bonjour   Paul,\r\n\
   voici le compte rendu.\r\n\
--b1\r\n\
Content-Type: application/pdf; name=\"cr.pdf\"\r\n\
Content-Disposition: attachment; filename=\"cr.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0=\r\n\
--b1--\r\n";

#[test]
fn model_of_a_reply() {
    let m = Model::of(REPLY.as_bytes());
    assert_eq!(m.subject, "Re: Réunion");
    assert_eq!(m.message_id.as_deref(), Some("b@ac-demo.fr"));
    assert_eq!(
        m.references,
        vec!["root@x".to_string(), "a@ac-demo.fr".to_string()]
    );
    assert_eq!(m.sent_at, Some(1_796_115_600));
    assert_eq!(m.preview, "Bonjour Paul, voici le compte rendu.");
    assert!(m.has_attachment);
    assert_eq!(m.from_email().as_deref(), Some("jeanne.dupont@ac-demo.fr"));
    assert_eq!(m.from_display(), "Jeanne Dupont");
    let pdf = &m.structure.parts[1];
    assert_eq!(pdf.filename(), Some("cr.pdf"));
    // The offsets locate the part's bytes in the message.
    let start = pdf.body_offset as usize;
    assert_eq!(
        &REPLY.as_bytes()[start..start + pdf.size as usize],
        b"JVBERi0="
    );
}

#[test]
fn json_round_trip_keeps_every_byte() {
    let mut raw = b"Subject: caf\xe9\r\nFrom: a@b\r\n\r\nbody\r\n".to_vec();
    let m = Model::of(&raw);
    let back = Model::from_json(&m.to_json()).expect("decode");
    assert_eq!(back, m);
    assert_eq!(back.envelope.subject.as_deref(), Some(&b"caf\xe9"[..]));
    raw.clear();
    assert!(Model::from_json("{not json").is_err());
}

#[test]
fn plain_message_has_no_attachment_and_no_ids() {
    let m = Model::of(b"From: a@b\r\nSubject: x\r\n\r\nhello\r\n");
    assert!(!m.has_attachment);
    assert_eq!(m.message_id, None);
    assert!(m.references.is_empty());
    assert_eq!(m.preview, "hello");
    let empty = Model::of(b"");
    assert_eq!(empty.structure.size, 0);
}

#[test]
fn msg_ids_reads_lists_and_bare_tokens() {
    assert_eq!(msg_ids(b"<a@b> <c@d>"), vec!["a@b", "c@d"]);
    assert_eq!(msg_ids(b"  bare@token "), vec!["bare@token"]);
    assert!(msg_ids(b"two words").is_empty());
    assert!(msg_ids(b"<unclosed").is_empty());
}

#[test]
fn references_are_bounded_and_deduplicated() {
    let refs: String = (0..100).map(|i| format!("<r{i}@x> ")).collect();
    let raw =
        format!("Message-ID: <me@x>\r\nIn-Reply-To: <r99@x>\r\nReferences: {refs}<me@x>\r\n\r\n");
    let m = Model::of(raw.as_bytes());
    assert_eq!(m.references.len(), 40);
    assert_eq!(m.references.last().map(String::as_str), Some("r99@x"));
    assert!(!m.references.contains(&"me@x".to_string()));
}

#[test]
fn html_preview_and_search_text_leave_out_styles_and_scripts() {
    let raw = "From: a@b\r\nSubject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<html><HEAD><title>Lettre</title><STYLE type=\"text/css\">p { color: red }</STYLE></head>\
<body><p>Bonjour</p><script>alert(1)</script><p>à tous</p><style>.x{}</style>\
<stylesheet-ish>fin</stylesheet-ish></body></html>\r\n";
    let m = Model::of(raw.as_bytes());
    assert_eq!(m.preview, "Bonjour à tous fin");
    let text = SearchText::of(raw.as_bytes());
    assert!(text.body.contains("bonjour"), "{}", text.body);
    for hidden in ["color", "alert", "lettre", ".x"] {
        assert!(!text.body.contains(hidden), "{hidden} in {}", text.body);
    }
    // An element left open hides the rest, as a browser would.
    assert_eq!(search::html_text("<p>a</p><style>b").trim(), "a");
}
