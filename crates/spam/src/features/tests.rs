#![allow(clippy::unwrap_used)]

use mail_parser::MessageParser;

use super::*;

fn t(kind: &str, value: &str) -> u64 {
    fnv1a(&[b"h", kind.as_bytes(), value.as_bytes()])
}

fn of_raw(raw: &str) -> Vec<u64> {
    of(&MessageParser::default().parse(raw.as_bytes()).unwrap())
}

#[test]
fn headers_give_sender_program_and_recipients() {
    let toks = of_raw(
        "From: Paul Martin <paul@lycee.ac-besancon.fr>\r\nTo: a@x.fr, b@x.fr\r\n\
         X-Mailer: Microsoft Outlook Express 6.00.2600.0000\r\nSubject: s\r\n\r\nBonjour\r\n",
    );
    for want in [
        t("from-domain", "lycee.ac-besancon.fr"),
        t("from-base", "ac-besancon.fr"),
        t("from-name", "some"),
        t("mailer", "microsoft outlook"),
        t("rcpt", "few"),
    ] {
        assert!(toks.contains(&want));
    }
    assert!(!toks.contains(&t("reply-to", "yes")));
    assert!(!toks.contains(&t("mailer", "none")));
    let bare = of_raw("From: x@y.example\r\nReply-To: z@w.example\r\n\r\nx\r\n");
    for want in [
        t("from-name", "none"),
        t("mailer", "none"),
        t("rcpt", "0"),
        t("reply-to", "yes"),
    ] {
        assert!(bare.contains(&want));
    }
    assert!(of_raw("Subject: s\r\n\r\nx\r\n").contains(&t("from", "none")));
}

#[test]
fn parts_give_types_charsets_encodings_attachments_and_hosts() {
    let raw = "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
        --b\r\nContent-Type: text/html; charset=\"ISO-8859-1\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
        <html><body><FONT size=3D5>Gagnez</FONT><a href=3D\"http://www.Casino.example.net/x\">ici</a>\
        <a href=3D\"http://203.0.113.9/\">la</a><img src=3D\"x\"></body></html>\r\n\
        --b\r\nContent-Type: text/plain\r\n\r\nvoir https://promo.shop.example/a?b et http: rien\r\n\
        --b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"Photo.SCR\"\r\n\
        Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--b--\r\n";
    let toks = of_raw(raw);
    for want in [
        t("type", "multipart/mixed"),
        t("type", "text/html"),
        t("type", "application/octet-stream"),
        t("charset", "iso-8859-1"),
        t("encoding", "quoted-printable"),
        t("encoding", "base64"),
        t("attachment", "scr"),
        t("url-host", "casino.example.net"),
        t("url-base", "example.net"),
        t("url-host", "ip"),
        t("url-host", "promo.shop.example"),
        t("url-base", "shop.example"),
    ] {
        assert!(toks.contains(&want), "missing {want:x}");
    }
    // Form tokens never collide with the words of the text.
    let words = crate::bayes::tokens("", "font img casino example net");
    assert!(toks.iter().all(|t| !words.contains(t)));
}

#[test]
fn mailer_versions_are_one_program() {
    let a = of_raw("X-Mailer: Mutt 1.2.5i\r\n\r\nx\r\n");
    let b = of_raw("User-Agent: Mutt/1.4i\r\n\r\nx\r\n");
    assert!(a.contains(&t("mailer", "mutt")) && b.contains(&t("mailer", "mutt")));
}

#[test]
fn text_urls_are_found_in_any_case_and_bounded() {
    let urls = text_urls("a HTTP://X.example/p) httpx http://y.example");
    assert_eq!(urls, vec!["http://x.example/p", "http://y.example"]);
    let glued = "http://".repeat(300_000);
    let urls = text_urls(&glued);
    assert_eq!(urls.len(), MAX_HOSTS);
    assert!(urls.iter().all(|u| u.len() <= MAX_URL));
    let many = "<a href=\"http://h.example/\">x</a>".repeat(5_000);
    let raw = format!("Content-Type: text/html\r\n\r\n{many}\r\n");
    // 200 links are read (structure::links), 100 hosts kept, two tokens each.
    assert!(of_raw(&raw).len() < 2 * MAX_HOSTS + 20);
}

#[test]
fn links_give_their_form_and_path_words() {
    let raw = "Content-Type: text/html\r\n\r\n\
        <a href=\"http://bank.example@203.0.113.9:8080/Secure/Login%2ehtml\">x</a>\
        <a href=\"https://shop.example/cgi-bin/unsubscribe?id=1\">y</a>\
        <a href=\"mailto:x@y.example\">z</a>\r\n";
    let toks = of_raw(raw);
    for want in [
        t("url-scheme", "http"),
        t("url-scheme", "https"),
        t("url", "userinfo"),
        t("url", "port"),
        t("url", "escaped"),
        t("url-path", "secure"),
        t("url-path", "login"),
        t("url-path", "cgi"),
        t("url-path", "unsubscribe"),
    ] {
        assert!(toks.contains(&want), "missing {want:x}");
    }
    // The query is part of the path's words only up to MAX_PATH_WORDS;
    // a link without http(s) gives no link form.
    assert!(!toks.contains(&t("url-scheme", "mailto")));
    let plain = of_raw("Subject: s\r\n\r\nsee http://x.example/a/b\r\n");
    assert!(plain.contains(&t("url-scheme", "http")));
    assert!(!plain.contains(&t("url", "port")));
    let long = format!(
        "Subject: s\r\n\r\nhttp://x.example/{}\r\n",
        (0..50)
            .map(|i| format!("w{i}x"))
            .collect::<Vec<_>>()
            .join("/")
    );
    let n = of_raw(&long)
        .iter()
        .filter(|k| (0..50).any(|i| **k == t("url-path", &format!("w{i}x"))))
        .count();
    assert_eq!(n, MAX_PATH_WORDS);
}

#[test]
fn subject_signs_are_tokens() {
    let money = of_raw("Subject: Make $5000 now!\r\n\r\nx\r\n");
    assert!(money.contains(&t("subject", "dollar")) && money.contains(&t("subject", "bang")));
    let plain = of_raw("Subject: Compte rendu\r\n\r\nx\r\n");
    assert!(!plain.contains(&t("subject", "dollar")) && !plain.contains(&t("subject", "bang")));
    assert!(!plain.contains(&t("subject", "none")));
    assert!(of_raw("From: a@b.example\r\n\r\nx\r\n").contains(&t("subject", "none")));
    assert!(of_raw("Subject:   \r\n\r\nx\r\n").contains(&t("subject", "none")));
}
