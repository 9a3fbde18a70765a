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
        // Multi-byte characters around the INBOX prefix never split a char.
        ("abcdé*", "abcdéf", true),
        ("*", "abcdé", true),
        ("inboxé", "INBOXé", false),
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

mod search {
    use crate::search::{Content, Msg, Scope, matches, needs_content};
    use vesontio_imap_proto::{Date, SearchKey as K, SeqNum, SequenceSet};

    const RAW: &[u8] = b"From: =?utf-8?q?Ren=C3=A9?= <rene@ac-demo.fr>\r\n\
To: Jean <jean@ac-demo.fr>\r\n\
Subject: =?utf-8?q?R=C3=A9union?= du lundi\r\n\
Date: Mon, 13 Nov 2023 23:30:00 -0500\r\n\
X-Tag: Alpha\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Caf=C3=A9 au lait\r\n";

    fn date(year: u16, month: u8, day: u8) -> Date {
        Date { year, month, day }
    }

    #[test]
    fn known_answers() {
        let content = Content::parse(RAW);
        let flags = vec!["\\Seen".to_string(), "$Work".to_string()];
        let m = Msg {
            seq: 2,
            uid: 7,
            flags: &flags,
            size: 500,
            // 2023-11-14 12:00 UTC
            internal_date: 1_699_963_200,
            modseq: 12,
            recent: true,
            content: Some(&content),
            email_id: 3,
            thread_id: 9,
        };
        let saved = [7u32];
        let sc = Scope {
            largest_seq: 3,
            largest_uid: 9,
            saved: &saved,
            now: 1_699_963_200 + 3600,
            index: None,
        };
        let s = |x: &str| x.to_string();
        let table: Vec<(K, bool)> = vec![
            (K::All, true),
            (K::Recent, true),
            (K::Old, false),
            (K::New, false),
            (K::Seen, true),
            (K::Unseen, false),
            (K::Keyword(s("$work")), true),
            (K::Unkeyword(s("$Work")), false),
            (K::From(s("rené")), true),
            (K::From(s("RENE@AC-DEMO")), true),
            (K::From(s("jean")), false),
            (K::To(s("jean")), true),
            (K::Subject(s("RÉUNION DU")), true),
            (K::Header(s("x-tag"), s("alpha")), true),
            (K::Header(s("x-tag"), s("")), true),
            (K::Header(s("x-missing"), s("")), false),
            (K::Body(s("café")), true),
            (K::Body(s("réunion")), false),
            (K::Text(s("réunion")), true),
            (K::Larger(499), true),
            (K::Larger(500), false),
            (K::Smaller(501), true),
            (K::On(date(2023, 11, 14)), true),
            (K::Since(date(2023, 11, 15)), false),
            (K::Before(date(2023, 11, 15)), true),
            (K::SentOn(date(2023, 11, 13)), true),
            (K::SentBefore(date(2023, 11, 13)), false),
            (K::SentSince(date(2023, 11, 13)), true),
            (K::SequenceSet(SequenceSet::single(2)), true),
            (
                K::SequenceSet(SequenceSet::range(SeqNum::Value(3), SeqNum::Star)),
                false,
            ),
            (
                K::Uid(SequenceSet::range(SeqNum::Value(5), SeqNum::Star)),
                true,
            ),
            (K::Uid(SequenceSet::Saved), true),
            (K::Not(Box::new(K::Seen)), false),
            (K::Or(Box::new(K::Unseen), Box::new(K::Larger(10))), true),
            (K::And(vec![K::Seen, K::Larger(1000)]), false),
            (
                K::ModSeq {
                    entry: None,
                    mod_seq: 12,
                },
                true,
            ),
            (K::Younger(7200), true),
            (K::Older(7200), false),
        ];
        for (k, want) in &table {
            assert_eq!(matches(k, &m, &sc), *want, "{k:?}");
        }
        assert!(needs_content(&K::Not(Box::new(K::From(s("x"))))));
        assert!(!needs_content(&K::Or(
            Box::new(K::Seen),
            Box::new(K::Larger(1))
        )));
    }

    #[test]
    fn address_groups_match_by_name_and_member() {
        let raw = b"To: groupname: groupuser1@domain.org, Two <groupuser2@domain.org>;,\r\n  \
            groupname2: groupuser3@domain.org;\r\nCc: empty:;\r\nSubject: g\r\n\r\nx\r\n";
        let content = Content::parse(raw);
        let flags = vec![];
        let m = Msg {
            seq: 1,
            uid: 1,
            flags: &flags,
            size: 1,
            internal_date: 0,
            modseq: 1,
            recent: false,
            content: Some(&content),
            email_id: 3,
            thread_id: 9,
        };
        let sc = Scope {
            largest_seq: 1,
            largest_uid: 1,
            saved: &[],
            now: 0,
            index: None,
        };
        let s = |x: &str| x.to_string();
        // RFC 5322 §3.4: the group's display name is part of the field.
        for (k, want) in [
            (K::To(s("groupname")), true),
            (K::To(s("groupname2")), true),
            (K::To(s("groupuser1")), true),
            (K::To(s("two")), true),
            (K::To(s("groupuser3@domain.org")), true),
            (K::Cc(s("empty")), true),
            (K::To(s("empty")), false),
        ] {
            assert_eq!(matches(&k, &m, &sc), want, "{k:?}");
        }
    }

    #[test]
    fn content_keys_are_false_without_content() {
        let flags = vec![];
        let m = Msg {
            seq: 1,
            uid: 1,
            flags: &flags,
            size: 1,
            internal_date: 0,
            modseq: 1,
            recent: false,
            content: None,
            email_id: 0,
            thread_id: 0,
        };
        let sc = Scope {
            largest_seq: 1,
            largest_uid: 1,
            saved: &[],
            now: 0,
            index: None,
        };
        assert!(!matches(&K::Subject("x".into()), &m, &sc));
        assert!(matches(&K::Old, &m, &sc) && !matches(&K::Recent, &m, &sc));
        assert!(matches(&K::Not(Box::new(K::Subject("x".into()))), &m, &sc));
        // Garbage content never panics.
        let c = Content::parse(b"\xff\xfe\x00not a message");
        assert!(c.sent.is_none());
    }
}

mod resolve {
    use crate::mailbox::{OWNER_RIGHTS, Target};
    use crate::selected::Selected;
    use vesontio_imap_proto::{SeqNum, SequenceSet, UidMode};
    use vesontio_types::{AccountId, MailboxId};

    fn sel(uids: &[u32]) -> Selected {
        let mailbox = vesontio_store::Mailbox {
            id: MailboxId(1),
            account_id: AccountId(1),
            name: "INBOX".into(),
            special_use: None,
            uidvalidity: 1,
            uidnext: 100,
            highestmodseq: 1,
            total: 0,
            unseen: 0,
            bytes: 0,
        };
        Selected::for_test(
            Target {
                name: "INBOX".into(),
                mailbox,
                rights: OWNER_RIGHTS.into(),
                shared: false,
            },
            uids.to_vec(),
        )
    }

    #[test]
    fn sequence_and_uid_sets() {
        let s = sel(&[3, 5, 9, 20]);
        let r = |set: SequenceSet, m| s.resolve(&set, m);
        assert_eq!(
            r(
                SequenceSet::range(SeqNum::Value(2), SeqNum::Star),
                UidMode::Seq
            ),
            Ok(vec![(2, 5), (3, 9), (4, 20)])
        );
        // Reversed ranges are the same range (RFC 9051 §9).
        assert_eq!(
            r(
                SequenceSet::range(SeqNum::Star, SeqNum::Value(3)),
                UidMode::Seq
            ),
            Ok(vec![(3, 9), (4, 20)])
        );
        assert!(r(SequenceSet::single(5), UidMode::Seq).is_err());
        assert!(r(SequenceSet::single(0), UidMode::Seq).is_err());
        // UID sets ignore missing UIDs; "*" is the largest UID even below the range start.
        assert_eq!(
            r(
                SequenceSet::range(SeqNum::Value(4), SeqNum::Value(10)),
                UidMode::Uid
            ),
            Ok(vec![(2, 5), (3, 9)])
        );
        assert_eq!(
            r(
                SequenceSet::range(SeqNum::Value(100), SeqNum::Star),
                UidMode::Uid
            ),
            Ok(vec![(4, 20)])
        );
        assert_eq!(r(SequenceSet::single(1), UidMode::Uid), Ok(vec![]));
        let empty = sel(&[]);
        assert!(
            empty
                .resolve(&SequenceSet::single(1), UidMode::Seq)
                .is_err()
        );
        assert_eq!(
            empty.resolve(
                &SequenceSet::range(SeqNum::Value(1), SeqNum::Star),
                UidMode::Seq
            ),
            Ok(vec![])
        );
        assert_eq!(
            empty.resolve(
                &SequenceSet::range(SeqNum::Value(1), SeqNum::Star),
                UidMode::Uid
            ),
            Ok(vec![])
        );
    }
}

#[test]
fn recent_claims_and_sets() {
    use crate::recent::{RecentMap, RecentSet};
    use vesontio_types::MailboxId;
    let map = RecentMap::default();
    let mb = MailboxId(7);
    // Unknown mailbox: everything is recent (RFC 3501 §2.3.2 SHOULD).
    assert_eq!(map.peek(mb), 1);
    assert_eq!(map.claim(mb, 5), 1);
    // A second session gets nothing of 1..4; peek sees the boundary.
    assert_eq!(map.claim(mb, 5), 5);
    assert_eq!(map.peek(mb), 5);
    assert_eq!(map.claim(mb, 3), 5, "a boundary never moves back");
    assert_eq!(map.claim(mb, 8), 5);
    assert_eq!(map.peek(MailboxId(8)), 1);
    let mut s = RecentSet::default();
    s.add(1, 4);
    s.add(5, 5);
    s.add(9, 10);
    s.add(12, 11);
    for (u, want) in [
        (0, false),
        (1, true),
        (5, true),
        (6, false),
        (8, false),
        (9, true),
        (10, true),
        (11, false),
        (12, false),
    ] {
        assert_eq!(s.contains(u), want, "uid {u}");
    }
}
