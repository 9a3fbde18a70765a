//! SORT keys from real message text, and the RFC 5256 / RFC 5957 order.

use super::*;
use crate::structure::StructureCache;

fn keys_of(raw: &str, internal_date: i64) -> SortKeys {
    let cache = StructureCache::new(100);
    let parsed = cache.parse("blob", raw.as_bytes());
    let mut k = SortKeys {
        internal_date,
        sent_date: internal_date,
        size: raw.len() as u64,
        ..SortKeys::default()
    };
    fill(&mut k, &parsed);
    k
}

fn crit(reverse: bool, key: SortKey) -> SortCriterion {
    SortCriterion { reverse, key }
}

#[test]
fn keys_come_from_the_header() {
    let k = keys_of(
        "From: \"Dupont, Marie\" <marie.dupont@ac-exemple.fr>\r\n\
         To: =?utf-8?q?=C3=89lodie?= <elodie@ac-exemple.fr>, b@x\r\n\
         Cc: undisclosed-recipients:;\r\n\
         Subject: =?utf-8?q?R=C3=A9union?= du\r\n  lundi\r\n\
         Date: Sun, 31 Dec 2000 16:01:33 -0800\r\n\
         Message-ID: <m1@x>\r\n\
         In-Reply-To: <m0@x>\r\n\
         References: <a@x>\r\n <m0@x>\r\n\
         \r\n\
         body\r\n",
        5,
    );
    assert_eq!(k.from, "marie.dupont");
    assert_eq!(k.display_from, "Dupont, Marie");
    assert_eq!(k.to, "elodie");
    assert_eq!(k.display_to, "Élodie");
    // A group's first "address" is its name (RFC 9051 §7.5.2).
    assert_eq!(k.cc, "undisclosed-recipients");
    assert_eq!(k.subject, "Réunion du  lundi");
    // RFC 5256 §2.2: "31 Dec 2000 16:01:33 -0800" is 1 Jan 2001 00:01:33 UTC.
    assert_eq!(k.sent_date, 978_307_293);
    assert_eq!(k.message_id.as_deref(), Some("<m1@x>"));
    assert_eq!(k.in_reply_to.as_deref(), Some("<m0@x>"));
    assert_eq!(k.references.as_deref(), Some("<a@x> <m0@x>"));
}

#[test]
fn missing_fields_are_empty_and_dates_fall_back() {
    let k = keys_of("Date: not a date\r\n\r\nbody\r\n", 1234);
    // RFC 5256 §2.2: no valid Date means the internal date.
    assert_eq!(k.sent_date, 1234);
    assert_eq!(
        (k.from.as_str(), k.subject.as_str(), k.display_to.as_str()),
        ("", "", "")
    );
    assert_eq!(k.references, None);
    let k = keys_of("Subject: x\r\n\r\nReferences: <not@header>\r\n", 1);
    assert_eq!(k.references, None, "only the top-level header counts");
}

#[test]
fn display_values_of_rfc_5957() {
    let a = |name: Option<&str>, mailbox: Option<&str>, host: Option<&str>| Address {
        name: name.map(String::from),
        adl: None,
        mailbox: mailbox.map(String::from),
        host: host.map(String::from),
    };
    assert_eq!(display(&a(Some("Marie"), Some("m"), Some("x"))), "Marie");
    // An empty (or blank) name gives the address.
    assert_eq!(display(&a(Some(" "), Some("m"), Some("x"))), "m@x");
    assert_eq!(display(&a(None, Some("m"), Some("x"))), "m@x");
    // A group start: the group's name.
    assert_eq!(display(&a(None, Some("team"), None)), "team");
    assert_eq!(display(&a(None, None, None)), "");
}

fn k(subject: &str, from: &str, date: i64, size: u64) -> SortKeys {
    SortKeys {
        subject: subject.into(),
        from: from.into(),
        display_from: from.into(),
        sent_date: date,
        internal_date: 100 - date,
        size,
        ..SortKeys::default()
    }
}

#[test]
fn order_by_criteria_then_mailbox_order() {
    let keys = [
        k("Re: beta", "zoe", 30, 10),     // 0
        k("alpha", "", 20, 30),           // 1
        k("[list] Beta", "Yann", 10, 20), // 2
        k("ALPHA", "amy", 20, 20),        // 3
    ];
    let o = |c: &[SortCriterion]| order(c, &keys);
    // Base subjects, case-insensitive; ties by mailbox order.
    assert_eq!(o(&[crit(false, SortKey::Subject)]), [1, 3, 0, 2]);
    // REVERSE flips its own key only: the implicit order stays ascending.
    assert_eq!(o(&[crit(true, SortKey::Subject)]), [0, 2, 1, 3]);
    assert_eq!(
        o(&[crit(false, SortKey::Subject), crit(true, SortKey::Date)]),
        [1, 3, 0, 2]
    );
    assert_eq!(
        o(&[crit(false, SortKey::Subject), crit(false, SortKey::Size)]),
        [3, 1, 0, 2]
    );
    // The empty string collates first; then i;unicode-casemap.
    assert_eq!(o(&[crit(false, SortKey::From)]), [1, 3, 2, 0]);
    assert_eq!(o(&[crit(false, SortKey::DisplayFrom)]), [1, 3, 2, 0]);
    assert_eq!(o(&[crit(false, SortKey::Date)]), [2, 1, 3, 0]);
    assert_eq!(o(&[crit(true, SortKey::Date)]), [0, 1, 3, 2]);
    assert_eq!(o(&[crit(false, SortKey::Arrival)]), [0, 1, 3, 2]);
    assert_eq!(o(&[crit(true, SortKey::Size)]), [1, 2, 3, 0]);
    assert_eq!(o(&[]), [0, 1, 2, 3]);
}

#[test]
fn accents_collate_between_their_letter_and_the_next() {
    let keys = [
        k("zèbre", "", 0, 0),
        k("Étude", "", 0, 0),
        k("etude", "", 0, 0),
        k("fable", "", 0, 0),
    ];
    // RFC 5051: titlecase then NFKD, compared as octets: "ETUDE" <
    // "E\u{301}TUDE" < "FABLE" < "ZE\u{300}BRE".
    assert_eq!(order(&[crit(false, SortKey::Subject)], &keys), [2, 1, 3, 0]);
}

#[test]
fn only_dates_and_sizes_need_no_content() {
    assert!(!needs_content(&[
        crit(true, SortKey::Arrival),
        crit(false, SortKey::Size)
    ]));
    assert!(needs_content(&[
        crit(false, SortKey::Size),
        crit(false, SortKey::Date)
    ]));
}
