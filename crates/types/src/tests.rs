use super::*;

#[test]
fn address_known_answers() {
    let a = Address::parse("Jeanne.Dupont@AC-Demo.FR").unwrap();
    assert_eq!(a.local(), "Jeanne.Dupont");
    assert_eq!(a.domain(), "ac-demo.fr");
    assert_eq!(a.normalized(), "jeanne.dupont@ac-demo.fr");
    assert_eq!(a.to_string(), "Jeanne.Dupont@ac-demo.fr");
    assert!(
        Address::parse("élève@ac-demo.fr").is_ok(),
        "RFC 6531 UTF-8 local part"
    );
}

#[test]
fn address_rejects() {
    for bad in [
        "",
        "nobody",
        "@ac-demo.fr",
        "a b@ac-demo.fr",
        "a@",
        "a@-x.fr",
        "a@x..fr",
        "a<b@x.fr",
        "a\r\n@x.fr",
    ] {
        assert!(Address::parse(bad).is_err(), "{bad:?} must be refused");
    }
    assert!(matches!(
        Address::parse(&format!("{}@x.fr", "a".repeat(260))),
        Err(AddressError::TooLong(_))
    ));
}

#[test]
fn secret_is_redacted() {
    let s = Secret::new("hunter2".to_string());
    assert_eq!(format!("{s:?}"), "<redacted>");
    assert_eq!(s.expose(), "hunter2");
}

#[test]
fn kinds_round_trip() {
    for k in [
        AccountKind::Person,
        AccountKind::Functional,
        AccountKind::List,
    ] {
        assert_eq!(AccountKind::parse(k.as_str()), Some(k));
    }
    for s in [
        AccountStatus::Active,
        AccountStatus::Departed,
        AccountStatus::Disabled,
    ] {
        assert_eq!(AccountStatus::parse(s.as_str()), Some(s));
    }
}

#[test]
fn sender_patterns() {
    use std::net::IpAddr;
    let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
    let a = |s: &str| Address::parse(s).expect("address");
    let p = |s: &str| SenderPattern::parse(s).expect("pattern");
    assert_eq!(
        p("Lettre@AC-Demo.fr"),
        SenderPattern::Address("lettre@ac-demo.fr".into())
    );
    assert_eq!(
        p("Partenaire.Example."),
        SenderPattern::Domain("partenaire.example".into())
    );
    assert_eq!(
        p("192.0.2.7"),
        SenderPattern::Network {
            addr: ip("192.0.2.7"),
            prefix: 32
        }
    );
    assert_eq!(p("2001:db8::/32").to_string(), "2001:db8::/32");
    for bad in [
        "",
        "localhost",
        "192.0.2.0/33",
        "::/129",
        "a b.example",
        "x@",
        "-a.example",
        "a.example/8",
    ] {
        assert!(SenderPattern::parse(bad).is_err(), "{bad:?}");
    }
    let client = ip("192.0.2.7");
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "lettre@ac-demo.fr",
            "LETTRE@ac-demo.fr",
            "203.0.113.1",
            true,
        ),
        (
            "lettre@ac-demo.fr",
            "autre@ac-demo.fr",
            "203.0.113.1",
            false,
        ),
        ("ac-demo.fr", "x@ac-demo.fr", "203.0.113.1", true),
        ("ac-demo.fr", "x@lycee.ac-demo.fr", "203.0.113.1", true),
        ("ac-demo.fr", "x@evilac-demo.fr", "203.0.113.1", false),
        ("192.0.2.0/24", "x@ac-demo.fr", "192.0.2.200", true),
        ("192.0.2.0/24", "x@ac-demo.fr", "192.0.3.1", false),
        ("192.0.2.0/24", "x@ac-demo.fr", "::ffff:192.0.2.9", true),
        ("0.0.0.0/0", "x@ac-demo.fr", "198.51.100.1", true),
        ("2001:db8::/32", "x@ac-demo.fr", "2001:db8:1::5", true),
        ("2001:db8::/32", "x@ac-demo.fr", "192.0.2.7", false),
    ];
    for (pat, sender, from, want) in cases {
        assert_eq!(
            p(pat).matches(&a(sender), ip(from)),
            *want,
            "{pat} {sender} {from}"
        );
    }
    assert!(p("192.0.2.7").matches(&a("x@y.example"), client));
}
