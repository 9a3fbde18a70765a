#![allow(clippy::unwrap_used)]

use super::*;

fn protected() -> Protected {
    let local = vec!["ac-besancon.fr".to_string()];
    let others: Vec<String> = ACADEMIES
        .iter()
        .chain(MINISTRY)
        .map(|s| s.to_string())
        .collect();
    let names: Vec<String> = INTERNAL_NAMES.iter().map(|s| s.to_string()).collect();
    Protected::new(&local, &others, &names)
}

fn msg(from: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: jean.dupont@ac-besancon.fr\r\nSubject: Information\r\n\
         Date: Wed, 02 Dec 2026 10:00:00 +0100\r\nMessage-ID: <m1@example.org>\r\n{extra}\r\n{body}\r\n"
    )
    .into_bytes()
}

fn html(from: &str, body: &str) -> Vec<u8> {
    msg(from, "Content-Type: text/html; charset=utf-8\r\n", body)
}

fn rules(f: &Findings) -> Vec<&str> {
    f.hits.iter().map(|h| h.rule.as_str()).collect()
}

fn run(raw: &[u8]) -> Findings {
    check(raw, None, &protected(), Auth::default())
}

#[test]
fn lookalike_senders_reply_addresses_and_envelopes_are_found() {
    let f = run(&msg("Support <support@ac-besancom.fr>", "", "Bonjour."));
    assert_eq!(rules(&f), ["LOOKALIKE_EDIT"]);
    assert_eq!(f.warning, Some(Warning::LookalikeDomain));
    assert!(f.hits[0].points >= 5.0, "alone it files into Junk");

    let f = run(&msg(
        "a@example.org",
        "Reply-To: dsi@acbesancon.fr\r\n",
        "Bonjour.",
    ));
    assert_eq!(rules(&f), ["LOOKALIKE_HYPHEN"]);

    let f = check(
        &msg("a@example.org", "", "Bonjour."),
        Some("bounce@education-gouv-fr.com"),
        &protected(),
        Auth::default(),
    );
    assert_eq!(rules(&f), ["LOOKALIKE_SUBDOMAIN"]);

    let idn = idna::domain_to_ascii("ас-besancon.fr").unwrap(); // Cyrillic а, с
    let f = run(&msg(&format!("info@{idn}"), "", "Bonjour."));
    assert_eq!(rules(&f), ["LOOKALIKE_MIXED_SCRIPT"]);
    let f = run(&msg("info@ac-besancon.com", "", "Bonjour."));
    assert_eq!(rules(&f), ["LOOKALIKE_TLD"]);
    let f = run(&msg("info@educatlon.gouv.fr", "", "Bonjour."));
    assert_eq!(rules(&f), ["LOOKALIKE_SWAP"]);
    let f = run(&msg("info@ac-bdsancon.fr", "", "Bonjour."));
    assert_eq!(rules(&f), ["LOOKALIKE_BITSQUAT"]);
}

#[test]
fn display_names_imitating_internal_services_are_found() {
    for from in [
        "\"DSI Académie\" <alerte@example.org>",
        "\"Service Informatique\" <x@example.org>",
        "\"le rectorat\" <x@example.org>",
        "\"dsi@ac-besancon.fr\" <x@example.org>",
    ] {
        let f = run(&msg(from, "", "Bonjour."));
        assert_eq!(rules(&f), ["DISPLAY_NAME_INTERNAL"], "{from}");
        assert_eq!(f.warning, Some(Warning::Impersonation));
    }
    // The real service, or a name that merely contains the letters.
    for from in [
        "\"DSI\" <dsi@ac-besancon.fr>",
        "\"Rectorat\" <ce.rectorat@ac-dijon.fr>",
        "\"Dsiree Martin\" <d.martin@example.org>",
        "\"Paul Durand\" <paul@example.org>",
    ] {
        assert_eq!(run(&msg(from, "", "Bonjour.")).hits, vec![], "{from}");
    }
}

#[test]
fn display_names_of_the_directorys_staff_are_found() {
    let p = protected().with_staff([
        "Marie-Hélène Lefèvre",
        "Secrétariat du Recteur",
        "Paul",  // one word: too common to mean anything
        "Li Wu", // fewer than six letters
    ]);
    assert_eq!(p.staff_len(), 2);
    for from in [
        "\"Marie-Hélène Lefèvre\" <mh.lefevre.perso@example.org>",
        "\"MARIE HELENE LEFEVRE\" <x@example.org>",
        "\"Marie-Hélène Lefèvre - Rectorat\" <x@example.org>",
        "\"secretariat du recteur\" <urgent@example.net>",
    ] {
        let f = check(&msg(from, "", "Bonjour."), None, &p, Auth::default());
        assert!(
            rules(&f).contains(&"DISPLAY_NAME_STAFF"),
            "{from}: {:?}",
            rules(&f)
        );
        assert_eq!(f.warning, Some(Warning::Impersonation), "{from}");
    }
    // The person writing from the institution, another name, a name that
    // only shares a word, the one-word and short names.
    for from in [
        "\"Marie-Hélène Lefèvre\" <marie-helene.lefevre@ac-besancon.fr>",
        "\"Marie Durand\" <md@example.org>",
        "\"Lefèvre\" <l@example.org>",
        "\"Paul\" <paul@example.org>",
        "\"Li Wu\" <li@example.org>",
    ] {
        let f = check(&msg(from, "", "Bonjour."), None, &p, Auth::default());
        assert!(
            !rules(&f).contains(&"DISPLAY_NAME_STAFF"),
            "{from}: {:?}",
            rules(&f)
        );
    }
    // Without the directory (`Protected::new` alone) nothing fires.
    let f = run(&msg(
        "\"Marie-Hélène Lefèvre\" <x@example.org>",
        "",
        "Bonjour.",
    ));
    assert_eq!(f.hits, vec![]);
}

#[test]
fn a_protected_sender_failing_dmarc_is_found() {
    let auth = Auth {
        dmarc: Outcome::Fail,
        ..Auth::default()
    };
    let raw = msg("ministre@education.gouv.fr", "", "Bonjour.");
    let f = check(&raw, None, &protected(), auth);
    assert_eq!(rules(&f), ["FROM_PROTECTED_DMARC_FAIL"]);
    let pass = Auth {
        dmarc: Outcome::Pass,
        ..Auth::default()
    };
    assert!(check(&raw, None, &protected(), pass).hits.is_empty());
}

#[test]
fn links_showing_one_domain_and_pointing_to_another_are_found() {
    let f = run(&html(
        "a@example.org",
        "<p><a href=\"https://evil.example/login\">https://webmail.ac-besancon.fr</a></p>",
    ));
    assert_eq!(rules(&f), ["LINK_SHOWS_PROTECTED"]);
    let f = run(&html(
        "a@example.org",
        "<p><a href=\"https://ac-besancon.fr.session-expiree.com/\">votre compte</a></p>",
    ));
    assert_eq!(rules(&f), ["LINK_LOOKALIKE_SUBDOMAIN"]);
    assert_eq!(f.warning, Some(Warning::LookalikeDomain));
    // Several findings: the strongest warning is the one given.
    let f = run(&msg(
        "\"DSI\" <dsi@ac-besanc0n.fr>",
        "",
        "Envoyez votre mot de passe.",
    ));
    assert_eq!(
        rules(&f),
        [
            "LOOKALIKE_SWAP",
            "DISPLAY_NAME_INTERNAL",
            "CREDENTIALS_REQUEST"
        ]
    );
    assert_eq!(f.warning, Some(Warning::LookalikeDomain));
    // A link that shows and goes to the institution is fine.
    let f = run(&html(
        "a@example.org",
        "<p><a href=\"https://ent.ac-besancon.fr/\">ent.ac-besancon.fr</a> et \
         <a href=\"https://www.education.gouv.fr/\">education.gouv.fr</a></p>",
    ));
    assert!(f.hits.is_empty(), "{:?}", f.hits);
}

#[test]
fn requests_for_credentials_are_found() {
    for body in [
        "Votre boîte est pleine : envoyez votre mot de passe.",
        "Merci de VÉRIFIEZ VOTRE COMPTE avant vendredi.",
        "Your mailbox is full.",
        "Votre quota est dépassé.",
    ] {
        let f = run(&msg("a@example.org", "", body));
        assert_eq!(rules(&f), ["CREDENTIALS_REQUEST"], "{body}");
        assert_eq!(f.warning, Some(Warning::Credentials));
    }
    for harmless in [
        "Le passé composé.",
        // Whole words only: a phrase inside a longer word is not one.
        "Une quotation, des quotas d'heures, un accès passwordless.",
    ] {
        assert!(
            run(&msg("a@example.org", "", harmless)).hits.is_empty(),
            "{harmless}"
        );
    }
}

/// The institution's own mail and the protected domains themselves are
/// never flagged, whatever they contain but credential requests.
#[test]
fn the_institution_and_the_protected_domains_are_never_flagged() {
    let p = protected();
    let mut all: Vec<&str> = ACADEMIES.to_vec();
    all.extend(MINISTRY);
    for d in all {
        let raw = html(
            &format!("\"Rectorat\" <ce.rectorat@{d}>"),
            &format!(
                "<p>Réunion. <a href=\"https://www.{d}/agenda\">https://www.{d}/agenda</a> \
                 <a href=\"https://ent.{d}/\">{d}</a></p>"
            ),
        );
        let f = check(&raw, Some(&format!("bounce@mail.{d}")), &p, Auth::default());
        assert!(f.hits.is_empty(), "{d}: {:?}", f.hits);
        assert_eq!(f.warning, None, "{d}");
    }
}

#[test]
fn the_warning_header_is_ascii_and_decodes_to_the_sentence() {
    for w in [
        Warning::LookalikeDomain,
        Warning::Impersonation,
        Warning::Credentials,
    ] {
        let v = w.header_value();
        assert!(v.is_ascii(), "{v}");
        assert!(v.starts_with(w.code()));
        let first = format!("X-Vesontio-Warning: {}", v.lines().next().unwrap());
        assert!(first.len() <= 78 && v.lines().all(|l| l.len() <= 78), "{v}");
        let raw = format!("X-Vesontio-Warning: {v}\r\n\r\n");
        let m = MessageParser::default()
            .header_text(mail_parser::HeaderName::Other("X-Vesontio-Warning".into()))
            .parse(raw.as_bytes())
            .unwrap();
        let got = m.header("X-Vesontio-Warning").unwrap().as_text().unwrap();
        assert_eq!(got, format!("{}; {}", w.code(), w.sentence()));
    }
}

#[test]
fn hostile_input_does_not_panic() {
    let p = protected();
    for raw in [
        &b""[..],
        b"From: \r\n\r\n",
        b"From: \"\xff\xfe\" <@>\r\nReply-To: <@@@>\r\n\r\n",
        b"From: a@xn--\r\nContent-Type: text/html\r\n\r\n<a href=\"http://\">",
        b"From: a@\xe2\x80\xae.fr\r\n\r\n<a href=https://[::1]:80/>x</a>",
    ] {
        let _ = check(raw, Some("@"), &p, Auth::default());
    }
}
