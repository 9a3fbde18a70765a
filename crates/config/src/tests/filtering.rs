//! Tests of the content sections: `[attachments]` (R7), outside senders,
//! `[web]` sessions, `[filters]` and `[phishing]` (R25).

use super::*;

#[test]
fn attachments_section() {
    let s = Settings::parse(
        "[attachments]\narchive_max_depth = 3\narchive_max_entries = 500\narchive_max_expanded = \"5MB\"\n\
         message_max_depth = 2\nencrypted_archives = \"accept\"\nunscannable = \"accept\"\n",
    )
    .unwrap();
    let a = &s.attachments;
    assert_eq!(
        (
            a.archive_max_depth,
            a.archive_max_entries,
            a.message_max_depth
        ),
        (3, 500, 2)
    );
    assert_eq!(a.archive_max_expanded, ByteSize(5 << 20));
    assert_eq!(
        (a.encrypted_archives, a.unscannable),
        (ScanVerdict::Accept, ScanVerdict::Accept)
    );
    assert_eq!(Settings::parse(&s.to_toml()).unwrap(), s);
    let e = errors(
        "[attachments]\narchive_max_depth = 0\narchive_max_entries = -1\narchive_max_expanded = \"1KB\"\n\
         encrypted_archives = \"allow\"\nunscanable = \"refuse\"\n",
    );
    assert!(
        message_for(&e, "attachments.archive_max_depth").contains("from 1 to 64"),
        "{e}"
    );
    assert!(
        message_for(&e, "attachments.archive_max_entries").contains("from 1 to 1000000"),
        "{e}"
    );
    assert!(
        message_for(&e, "attachments.archive_max_expanded").contains("at least"),
        "{e}"
    );
    assert!(
        message_for(&e, "attachments.encrypted_archives").contains("\"refuse\", \"accept\""),
        "{e}"
    );
    assert!(
        message_for(&e, "attachments.unscanable").contains("unscannable"),
        "{e}"
    );
}

#[test]
fn allowed_outside_senders() {
    let s = Settings::parse(
        "[domains]\nallowed_outside_senders = [\"Lettre@AC-Demo.fr\", \"partenaire.example\", \"192.0.2.0/24\", \"2001:db8::1\"]\n",
    )
    .unwrap();
    assert_eq!(
        s.domains.allowed_outside_senders,
        vec![
            "lettre@ac-demo.fr",
            "partenaire.example",
            "192.0.2.0/24",
            "2001:db8::1/128"
        ]
    );
    assert_eq!(Settings::parse(&s.to_toml()).unwrap(), s);
    assert!(
        Settings::parse("")
            .unwrap()
            .domains
            .allowed_outside_senders
            .is_empty()
    );
    let e = errors(
        "[domains]\nallowed_outside_senders = [\"ok.example\", \"10.0.0.0/40\", 7, \"nope\"]\n",
    );
    let m = message_for(&e, "domains.allowed_outside_senders");
    assert!(
        m.contains("item 2") && m.contains("prefix length must be 0 to 32"),
        "{m}"
    );
}

#[test]
fn web_sessions_have_defaults_and_absolute_is_at_least_idle() {
    let s = Settings::parse("").unwrap();
    assert_eq!(s.web.session_idle.0.as_secs(), 1800);
    assert_eq!(s.web.session_absolute.0.as_secs(), 12 * 3600);
    let s = Settings::parse("[web]\nsession_idle = \"1h\"\nsession_absolute = \"8h\"\n").unwrap();
    assert_eq!(s.web.session_absolute.0.as_secs(), 8 * 3600);
    let e =
        Settings::parse("[web]\nsession_idle = \"2h\"\nsession_absolute = \"1h\"\n").unwrap_err();
    assert!(e.to_string().contains("web.session_absolute"), "{e}");
}

#[test]
fn filters_section_with_stages_and_domains() {
    let s = Settings::parse(
        "[filters]\ntimeout = \"10s\"\non_failure = \"pass\"\njunk = 6\nquarantine = 15.5\nreject = 30\n\
         [filters.stages.antivirus]\ntimeout = \"20s\"\non_failure = \"tempfail\"\n\
         [filters.stages.spam]\n\
         [filters.domains.\"AC-Autre.fr\"]\njunk = 4.0\n",
    )
    .unwrap();
    let f = &s.filters;
    assert_eq!(f.timeout.0, Duration::from_secs(10));
    assert_eq!(f.on_failure, FailurePolicy::Pass);
    assert_eq!((f.quarantine, f.reject), (Some(15.5), Some(30.0)));
    assert_eq!(s.spam.threshold, 6.0, "one value under both names");
    let av = f.stages["antivirus"];
    assert_eq!(
        (av.timeout.0, av.on_failure),
        (Duration::from_secs(20), FailurePolicy::Tempfail)
    );
    // A stage table without keys takes the section's defaults.
    let spam = f.stages["spam"];
    assert_eq!(
        (spam.timeout.0, spam.on_failure),
        (Duration::from_secs(10), FailurePolicy::Pass)
    );
    let other = f.thresholds_for(s.spam.threshold, "ac-autre.fr");
    assert_eq!(
        (other.junk, other.quarantine, other.reject),
        (Some(4.0), Some(15.5), Some(30.0))
    );
    assert_eq!(Settings::parse(&s.to_toml()).unwrap(), s);
}

#[test]
fn filters_defaults_and_spam_threshold_compat() {
    let s = Settings::parse("").unwrap();
    assert_eq!(s.spam.threshold, 5.0);
    assert_eq!(s.filters.on_failure, FailurePolicy::Tempfail);
    assert_eq!(s.filters.timeout.0, Duration::from_secs(30));
    assert_eq!((s.filters.quarantine, s.filters.reject), (None, None));
    // The former key still works...
    let s = Settings::parse("[spam]\nthreshold = 7\n").unwrap();
    assert_eq!(
        s.filters.thresholds_for(s.spam.threshold, "x").junk,
        Some(7.0)
    );
    // ...and both together must agree.
    let e = errors("[spam]\nthreshold = 7\n[filters]\njunk = 8\n");
    assert!(
        message_for(&e, "filters.junk").contains("former name"),
        "{e}"
    );
    assert!(Settings::parse("[spam]\nthreshold = 8\n[filters]\njunk = 8\n").is_ok());
}

#[test]
fn filters_errors_are_reported_together() {
    let e = errors(
        "[filters]\non_failure = \"ignore\"\njunk = 10\nreject = 5\ntimout = \"1s\"\n\
         [filters.stages.av]\ntimeout = \"0s\"\npolicy = \"pass\"\n\
         [filters.domains.\"x.fr\"]\nquarantine = \"high\"\n",
    );
    assert!(
        message_for(&e, "filters.on_failure").contains("\"tempfail\", \"pass\""),
        "{e}"
    );
    assert!(
        message_for(&e, "filters.reject").contains("at least filters.junk"),
        "{e}"
    );
    assert!(
        message_for(&e, "filters.timout").contains("did you mean `timeout`"),
        "{e}"
    );
    message_for(&e, "filters.stages.av.timeout");
    assert!(
        message_for(&e, "filters.stages.av.policy").contains("unknown key"),
        "{e}"
    );
    assert!(
        message_for(&e, "filters.domains.\"x.fr\".quarantine").contains("a number from 0 to 1000"),
        "{e}"
    );
}

#[test]
fn phishing_section_refuses_bad_lists_with_the_expected_form() {
    let e = Settings::parse(
        "[phishing]\nprotected_domains = [\"not a domain\"]\ninternal_names = \"DSI\"\nsubject_tag = \"\\u0007\"\n",
    )
    .unwrap_err();
    assert!(
        message_for(&e, "phishing.protected_domains")
            .contains("item 1: expected a list of domains")
    );
    assert!(message_for(&e, "phishing.internal_names").starts_with("expected a list of names"));
    assert!(message_for(&e, "phishing.subject_tag").starts_with("expected a short text"));
}
