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
fn client_keys_group_ipv6_by_64() {
    let k = |s: &str| client_key(s.parse().expect("ip")).to_string();
    assert_eq!(k("192.0.2.7"), "192.0.2.7");
    assert_eq!(k("::ffff:192.0.2.7"), "192.0.2.7");
    assert_eq!(k("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::");
    assert_eq!(k("2001:db8:1:2:ffff::9"), "2001:db8:1:2::");
    assert_ne!(k("2001:db8:1:3::1"), k("2001:db8:1:2::1"));
}
