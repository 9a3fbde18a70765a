//! Unit tests: LIST patterns, capability lists, sequence-set resolution.

use crate::caps::{CapState, capabilities};
use crate::mailbox::pattern_match;

#[test]
fn list_patterns_known_answers() {
    // (pattern, name, matches) — RFC 9051 §6.3.9.
    let table: &[(&str, &str, bool)] = &[
        ("*", "INBOX", true),
        ("*", "a/b/c", true),
        ("%", "INBOX", true),
        ("%", "a/b", false),
        ("a/%", "a/b", true),
        ("a/%", "a/b/c", false),
        ("a/*", "a/b/c", true),
        ("inbox", "INBOX", true),
        ("INBOX/%", "INBOX/x", true),
        ("Sent", "Sent", true),
        ("sent", "Sent", false),
        ("S*t", "Sent", true),
        ("Shared/%", "Shared/dsi@ac-demo.fr", true),
        ("Shared/%", "Shared/dsi@ac-demo.fr/INBOX", false),
        ("", "INBOX", false),
        ("%/%", "a/b", true),
        ("*%*%*%*%*%*%*%*%*%", "a", false),
    ];
    for (p, n, want) in table {
        assert_eq!(pattern_match(p, n), *want, "pattern {p:?} name {n:?}");
    }
}

#[test]
fn capabilities_follow_tls_and_login() {
    let plain = capabilities(CapState::PlainPreAuth, 10);
    assert!(plain.iter().any(|c| c == "LOGINDISABLED"));
    assert!(plain.iter().any(|c| c == "STARTTLS"));
    assert!(!plain.iter().any(|c| c.starts_with("AUTH=")));
    let tls = capabilities(CapState::TlsPreAuth, 10);
    assert!(tls.iter().any(|c| c == "AUTH=PLAIN"));
    assert!(!tls.iter().any(|c| c == "STARTTLS" || c == "LOGINDISABLED"));
    let auth = capabilities(CapState::Authenticated, 10);
    assert!(auth.iter().any(|c| c == "APPENDLIMIT=10"));
    assert!(!auth.iter().any(|c| c.starts_with("AUTH=")));
}
