//! Bad input is normal input (issue 10): malformed MIME, broken charsets,
//! a 5,000-part message, huge headers. The list, the reading page, the
//! frame's body, the source and the conversation answer 200 with what can
//! be shown, within a bound (a 60 s guard turns a hang into a failure),
//! never a 500.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::client::*;
use common::*;

fn many_parts(n: usize) -> String {
    let mut m = String::from(
        "From: Robot <robot@example.org>\r\nTo: jeanne.martin@ac-test.fr\r\nSubject: Cinq mille parties\r\n\
         Message-ID: <parts@example.org>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"p\"\r\n\r\n",
    );
    for i in 0..n {
        m.push_str(&format!(
            "--p\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename=\"part-{i}.txt\"\r\n\r\nPartie {i}\r\n"
        ));
    }
    m.push_str("--p--\r\n");
    m
}

fn huge_headers() -> String {
    let mut m = String::from("From: Robot <robot@example.org>\r\nTo: jeanne.martin@ac-test.fr\r\n");
    m.push_str(&format!(
        "Subject: {}\r\n",
        "Très long sujet ".repeat(4_000)
    ));
    for i in 0..3_000 {
        m.push_str(&format!("X-Trace-{i}: {}\r\n", "x".repeat(60)));
    }
    m.push_str("Message-ID: <huge@example.org>\r\n\r\nLe corps est court.\r\n");
    m
}

const BROKEN_CHARSET: &str = "From: =?x-unknown?B?////?= <robot@example.org>\r\n\
To: jeanne.martin@ac-test.fr\r\nSubject: =?utf-8?B?invalid base64!!?= et =?iso-8859-1?Q?caf=E9?=\r\n\
Message-ID: <charset@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=x-does-not-exist\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
Texte =C3=A9 puis octets invalides =FF=FE=FD et =ZZ fin.\r\n";

const MALFORMED: &str = "From: Robot <robot@example.org>\r\nTo: jeanne.martin@ac-test.fr\r\n\
Subject: MIME cassé\r\nMessage-ID: <broken@example.org>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"jamais\"\r\n\r\n\
--autre\r\nContent-Type: text/html\r\n\r\n<p>sans fin <b>ni fermeture\r\n\
--jamais\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n--jamais\r\nContent-Type: text/plain; charset=\"\r\n\r\nReste lisible.\r\n";

fn deep_nesting(depth: usize) -> String {
    let mut m = String::from(
        "From: Robot <robot@example.org>\r\nTo: jeanne.martin@ac-test.fr\r\nSubject: Imbrications\r\n\
         Message-ID: <deep@example.org>\r\nMIME-Version: 1.0\r\n",
    );
    for i in 0..depth {
        m.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n--b{i}\r\n"
        ));
    }
    m.push_str("Content-Type: text/plain\r\n\r\nAu fond.\r\n");
    for i in (0..depth).rev() {
        m.push_str(&format!("--b{i}--\r\n"));
    }
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_structures_are_shown_as_far_as_possible_never_a_500() {
    let e = env().await;
    let j = person(
        &e,
        "jeanne.martin@ac-test.fr",
        "Jeanne Martin",
        PASSWORD,
        false,
    )
    .await;
    let mut c = Client::new(&e);
    c.login("jeanne.martin@ac-test.fr", PASSWORD).await;
    let cases: Vec<(&str, String, &str)> = vec![
        ("5,000 parts", many_parts(5_000), "Cinq mille parties"),
        ("huge headers", huge_headers(), "Le corps est court."),
        ("broken charsets", BROKEN_CHARSET.to_string(), "fin."),
        ("malformed MIME", MALFORMED.to_string(), "MIME cass"),
        (
            "1,000 levels of nesting",
            deep_nesting(1_000),
            "Imbrications",
        ),
    ];
    let mut mb = 0;
    let mut uids = Vec::new();
    for (what, raw, _) in &cases {
        let (m, uid) = deliver(&e, &j, raw).await;
        mb = m;
        uids.push((what, uid));
    }
    let guard = Duration::from_secs(60);
    let list = tokio::time::timeout(guard, c.get(&format!("/mail/{mb}?view=list")))
        .await
        .expect("the list answers");
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("Cinq mille parties") && list.body.contains("Imbrications"));
    for ((what, uid), (_, _, shown)) in uids.iter().zip(&cases) {
        for path in ["", "/body", "/source"] {
            let url = format!("/mail/{mb}/{uid}{path}");
            let r = tokio::time::timeout(guard, c.get(&url))
                .await
                .unwrap_or_else(|_| panic!("{what}: {url} hung"));
            if path == "/body" {
                // The frame's body exists only for an HTML part.
                assert!(
                    r.status == StatusCode::OK || r.status == StatusCode::NOT_FOUND,
                    "{what}: {url} {}",
                    r.status
                );
            } else {
                assert_eq!(r.status, StatusCode::OK, "{what}: {url}");
            }
            if path.is_empty() {
                assert!(r.body.contains(shown), "{what}: {shown} not shown");
            }
        }
    }
    // The 5,000-part message lists a bounded number of its attachments.
    let (_, uid) = uids[0];
    let page = c.get(&format!("/mail/{mb}/{uid}")).await;
    let listed = page.body.matches("/part/").count();
    assert!(listed > 0 && listed < 5_000, "{listed} attachment links");
}
