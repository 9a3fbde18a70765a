use crate::bodystructure::body_structure;
use crate::command::{Section, SectionText, StatusItem};
use crate::*;

fn enc(r: Response) -> String {
    let mut out = Vec::new();
    Encoder { utf8: false }.encode(&r, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn data(d: Data) -> String {
    enc(Response::Data(d))
}

fn st(tag: Option<&str>, status: Status, code: Option<Code>, text: &str) -> String {
    enc(Response::Status {
        tag: tag.map(str::to_string),
        status,
        code,
        text: text.into(),
    })
}

#[test]
fn status_responses_and_codes() {
    let n = |v: &[u32]| NumSet::from_numbers(v);
    let table: Vec<(Option<Code>, &str)> = vec![
        (Some(Code::Alert), "ALERT"),
        (Some(Code::TryCreate), "TRYCREATE"),
        (
            Some(Code::AppendUid {
                uid_validity: 38505,
                uids: n(&[3955]),
            }),
            "APPENDUID 38505 3955",
        ),
        (
            Some(Code::CopyUid {
                uid_validity: 38505,
                source: n(&[304, 319, 320]),
                dest: n(&[3956, 3957, 3958]),
            }),
            "COPYUID 38505 304,319:320 3956:3958",
        ),
        (Some(Code::UidNotSticky), "UIDNOTSTICKY"),
        (Some(Code::ReadOnly), "READ-ONLY"),
        (Some(Code::ReadWrite), "READ-WRITE"),
        (
            Some(Code::UidValidity(3857529045)),
            "UIDVALIDITY 3857529045",
        ),
        (Some(Code::UidNext(4392)), "UIDNEXT 4392"),
        (
            Some(Code::HighestModSeq(715194045007)),
            "HIGHESTMODSEQ 715194045007",
        ),
        (Some(Code::NoModSeq), "NOMODSEQ"),
        (Some(Code::Modified(n(&[7, 9]))), "MODIFIED 7,9"),
        (Some(Code::Closed), "CLOSED"),
        (Some(Code::OverQuota), "OVERQUOTA"),
        (Some(Code::TooBig), "TOOBIG"),
        (Some(Code::Limit), "LIMIT"),
        (Some(Code::NonExistent), "NONEXISTENT"),
        (Some(Code::AlreadyExists), "ALREADYEXISTS"),
        (Some(Code::AuthenticationFailed), "AUTHENTICATIONFAILED"),
        (Some(Code::PrivacyRequired), "PRIVACYREQUIRED"),
        (Some(Code::Cannot), "CANNOT"),
        (Some(Code::InUse), "INUSE"),
        (Some(Code::NoPerm), "NOPERM"),
        (Some(Code::ServerBug), "SERVERBUG"),
        (Some(Code::Unavailable), "UNAVAILABLE"),
        (Some(Code::ContactAdmin), "CONTACTADMIN"),
        (
            Some(Code::PermanentFlags(vec![
                Flag::Deleted,
                Flag::Seen,
                Flag::Wildcard,
            ])),
            "PERMANENTFLAGS (\\Deleted \\Seen \\*)",
        ),
        (
            Some(Code::Capability(vec!["IMAP4rev2".into(), "IDLE".into()])),
            "CAPABILITY IMAP4rev2 IDLE",
        ),
        (
            Some(Code::BadCharset(vec!["UTF-8".into()])),
            "BADCHARSET (UTF-8)",
        ),
        (
            Some(Code::Other("X-FOO".into(), Some("bar]".into()))),
            "X-FOO bar",
        ),
    ];
    for (code, want) in table {
        assert_eq!(
            st(Some("a"), Status::No, code, "t"),
            format!("a NO [{want}] t\r\n")
        );
    }
    assert_eq!(
        st(None, Status::Ok, None, "IMAP4rev2 ready"),
        "* OK IMAP4rev2 ready\r\n"
    );
    assert_eq!(st(None, Status::PreAuth, None, "hi"), "* PREAUTH hi\r\n");
    assert_eq!(
        enc(Response::bye("Autologout; idle for too long")),
        "* BYE Autologout; idle for too long\r\n"
    );
    assert_eq!(
        enc(Response::bad("a", "bad\r\nx")),
        "a BAD badx\r\n",
        "no CRLF injection"
    );
    assert_eq!(enc(Response::Continue(String::new())), "+ Ready\r\n");
    assert_eq!(enc(Response::Challenge(b"\0u".to_vec())), "+ AHU=\r\n");
}

#[test]
fn untagged_data() {
    let mb = Mailbox::new;
    assert_eq!(data(Data::Exists(23)), "* 23 EXISTS\r\n");
    assert_eq!(data(Data::Recent(5)), "* 5 RECENT\r\n");
    assert_eq!(data(Data::Expunge(44)), "* 44 EXPUNGE\r\n");
    assert_eq!(
        data(Data::Vanished {
            earlier: true,
            uids: NumSet::from_numbers(&[41, 43, 44, 45])
        }),
        "* VANISHED (EARLIER) 41,43:45\r\n"
    );
    assert_eq!(
        data(Data::Vanished {
            earlier: false,
            uids: NumSet(vec![(405, 407)])
        }),
        "* VANISHED 405:407\r\n"
    );
    assert_eq!(
        data(Data::Flags(vec![
            Flag::Answered,
            Flag::Keyword("$Forwarded".into())
        ])),
        "* FLAGS (\\Answered $Forwarded)\r\n"
    );
    assert_eq!(
        data(Data::List(ListItem {
            attributes: vec!["\\HasNoChildren".into(), "\\Sent".into()],
            delimiter: Some('/'),
            mailbox: mb("Sent Items"),
            extended: vec![ListExtended::ChildInfoSubscribed],
        })),
        "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
    );
    assert_eq!(
        data(Data::List(ListItem {
            attributes: vec!["\\Noselect".into()],
            delimiter: None,
            mailbox: mb(""),
            extended: vec![]
        })),
        "* LIST (\\Noselect) NIL \"\"\r\n"
    );
    assert_eq!(
        data(Data::Status {
            mailbox: mb("blurdybloop"),
            items: vec![
                (StatusItem::Messages, 231),
                (StatusItem::UidNext, 44292),
                (StatusItem::HighestModSeq, 7011231777)
            ]
        }),
        "* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n"
    );
    assert_eq!(
        data(Data::Search {
            ids: vec![2, 84, 882],
            mod_seq: None
        }),
        "* SEARCH 2 84 882\r\n"
    );
    assert_eq!(
        data(Data::Search {
            ids: vec![],
            mod_seq: None
        }),
        "* SEARCH\r\n"
    );
    assert_eq!(
        data(Data::Search {
            ids: vec![2, 5],
            mod_seq: Some(917162500)
        }),
        "* SEARCH 2 5 (MODSEQ 917162500)\r\n"
    );
    assert_eq!(
        data(Data::ESearch {
            tag: Some("A285".into()),
            uid: true,
            items: vec![
                ESearchItem::Min(7),
                ESearchItem::Max(3800),
                ESearchItem::Count(3),
                ESearchItem::All(NumSet(vec![(7, 7), (100, 3800)]))
            ]
        }),
        "* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800 COUNT 3 ALL 7,100:3800\r\n"
    );
    assert_eq!(
        data(Data::ESearch {
            tag: Some("a".into()),
            uid: false,
            items: vec![]
        }),
        "* ESEARCH (TAG \"a\")\r\n"
    );
    assert_eq!(
        data(Data::Quota {
            root: String::new(),
            resources: vec![("STORAGE".into(), 10, 512), ("MESSAGE".into(), 3, 1000)]
        }),
        "* QUOTA \"\" (STORAGE 10 512 MESSAGE 3 1000)\r\n"
    );
    assert_eq!(
        data(Data::QuotaRoot {
            mailbox: mb("INBOX"),
            roots: vec![String::new()]
        }),
        "* QUOTAROOT INBOX \"\"\r\n"
    );
    assert_eq!(
        data(Data::Acl {
            mailbox: mb("INBOX"),
            entries: vec![("Fred".into(), "rwipsldexta".into())]
        }),
        "* ACL INBOX Fred rwipsldexta\r\n"
    );
    assert_eq!(
        data(Data::ListRights {
            mailbox: mb("~/Mail/saved"),
            identifier: "smith".into(),
            required: "la".into(),
            optional: vec!["r".into(), "swicdkxte".into()]
        }),
        "* LISTRIGHTS ~/Mail/saved smith la r swicdkxte\r\n"
    );
    assert_eq!(
        data(Data::MyRights {
            mailbox: mb("INBOX"),
            rights: "rwiptsldaex".into()
        }),
        "* MYRIGHTS INBOX rwiptsldaex\r\n"
    );
    assert_eq!(
        data(Data::Namespace {
            personal: vec![(String::new(), Some('/'))],
            other: vec![("~".into(), Some('/'))],
            shared: vec![]
        }),
        "* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) NIL\r\n"
    );
    assert_eq!(
        data(Data::Enabled(vec!["CONDSTORE".into()])),
        "* ENABLED CONDSTORE\r\n"
    );
    assert_eq!(
        data(Data::Id(Some(vec![
            ("name".into(), Some("vesontio".into())),
            ("os".into(), None)
        ]))),
        "* ID (\"name\" \"vesontio\" \"os\" NIL)\r\n"
    );
    assert_eq!(data(Data::Id(None)), "* ID NIL\r\n");
    assert_eq!(
        data(Data::Capability(vec![
            "IMAP4rev1".into(),
            "IMAP4rev2".into()
        ])),
        "* CAPABILITY IMAP4rev1 IMAP4rev2\r\n"
    );
}

#[test]
fn fetch_responses() {
    let raw = crate::bodystructure::tests::SIMPLE;
    let got = data(Data::Fetch {
        seq: 12,
        items: vec![
            FetchValue::Flags(vec![Flag::Seen]),
            FetchValue::Uid(4827313),
            FetchValue::InternalDate(DateTime {
                date: Date {
                    year: 1996,
                    month: 7,
                    day: 17,
                },
                hour: 2,
                minute: 44,
                second: 25,
                offset_minutes: -420,
            }),
            FetchValue::Rfc822Size(44827),
            FetchValue::ModSeq(12121231000),
            FetchValue::Body(Box::new(body_structure(raw.as_bytes()))),
            FetchValue::BodySection {
                section: Section {
                    part: vec![],
                    text: Some(SectionText::HeaderFields(vec!["FROM".into()])),
                },
                origin: None,
                data: Some(b"From: x\r\n\r\n".to_vec()),
            },
            FetchValue::BodySection {
                section: Section {
                    part: vec![1],
                    text: None,
                },
                origin: Some(5),
                data: Some(b"ne o".to_vec()),
            },
            FetchValue::Binary {
                section: vec![2],
                origin: None,
                data: Some(vec![0, 1]),
            },
            FetchValue::BinarySize {
                section: vec![2],
                size: 2,
            },
            FetchValue::Rfc822Text(None),
        ],
    });
    assert_eq!(
        got,
        "* 12 FETCH (FLAGS (\\Seen) UID 4827313 INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 44827 \
MODSEQ (12121231000) BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 32 3) \
BODY[HEADER.FIELDS (FROM)] {11}\r\nFrom: x\r\n\r\n BODY[1]<5> {4}\r\nne o BINARY[2] ~{2}\r\n\0\u{1} BINARY.SIZE[2] 2 RFC822.TEXT NIL)\r\n"
    );
}

#[test]
fn string_quoting_rules() {
    let q = |s: &[u8], utf8: bool| {
        let mut o = Vec::new();
        response::write_string(&mut o, s, utf8);
        String::from_utf8_lossy(&o).into_owned()
    };
    assert_eq!(q(b"plain", false), "\"plain\"");
    assert_eq!(q(b"a \"q\" \\", false), "\"a \\\"q\\\" \\\\\"");
    assert_eq!(q(b"two\r\nlines", false), "{10}\r\ntwo\r\nlines");
    assert_eq!(q("été".as_bytes(), false), "{5}\r\nété");
    assert_eq!(q("été".as_bytes(), true), "\"été\"");
    assert_eq!(q(&[0xff, b'a'], true), "{2}\r\n\u{fffd}a");
    let a = |s: &[u8]| {
        let mut o = Vec::new();
        response::write_astring(&mut o, s, false);
        String::from_utf8_lossy(&o).into_owned()
    };
    assert_eq!(a(b"INBOX"), "INBOX");
    assert_eq!(a(b"NIL"), "\"NIL\"");
    assert_eq!(a(b""), "\"\"");
    assert_eq!(a(b"a b"), "\"a b\"");
    assert_eq!(a(b"a%"), "\"a%\"");
}

#[test]
fn datetime_roundtrip() {
    let d = DateTime::from_unix(837_596_665);
    assert_eq!(d.to_string(), "17-Jul-1996 09:44:25 +0000");
    assert_eq!(d.to_unix(), 837_596_665);
    let z = DateTime {
        date: Date {
            year: 1996,
            month: 7,
            day: 17,
        },
        hour: 2,
        minute: 44,
        second: 25,
        offset_minutes: -420,
    };
    assert_eq!(z.to_unix(), 837_596_665);
    assert_eq!(
        Date {
            year: 1970,
            month: 1,
            day: 1
        }
        .days_from_epoch(),
        0
    );
}

/// Issue 11 / RFC 3516 §4.2, RFC 9051 §4.3: `literal8` only in `BINARY[]`;
/// elsewhere a NUL of the stored message goes as 0x80, sizes unchanged.
#[test]
fn nul_is_sent_as_0x80_outside_binary() {
    let raw = b"Subject: a\0b\r\nContent-Type: text/plain; name=\"x\0y\"\r\n\r\nbo\0dy\r\n";
    let fetch = |attrs: Vec<FetchValue>| {
        let mut out = Vec::new();
        Encoder { utf8: false }.encode(
            &Response::Data(Data::Fetch {
                seq: 1,
                items: attrs,
            }),
            &mut out,
        );
        out
    };
    let section = |text| Section { part: vec![], text };
    let out = fetch(vec![
        FetchValue::BodySection {
            section: section(None),
            origin: None,
            data: Some(raw.to_vec()),
        },
        FetchValue::Rfc822(Some(raw.to_vec())),
        FetchValue::BodySection {
            section: section(Some(SectionText::Text)),
            origin: Some(2),
            data: Some(b"\0dy".to_vec()),
        },
        FetchValue::BodyStructure(Box::new(body_structure(raw))),
    ]);
    assert!(!out.contains(&0), "{}", String::from_utf8_lossy(&out));
    assert!(!out.windows(2).any(|w| w == b"~{"));
    let mut want = format!("BODY[] {{{}}}\r\n", raw.len()).into_bytes();
    want.extend(raw.iter().map(|&b| if b == 0 { 0x80 } else { b }));
    assert!(
        out.windows(want.len()).any(|w| w == want),
        "BODY[] keeps its size"
    );
    let has = |needle: &[u8]| out.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"BODY[TEXT]<2> {3}\r\n\x80dy "));
    // The parameter value with its NUL is a literal, not a quoted string.
    assert!(has(b"{3}\r\nx\x80y"));

    let out = fetch(vec![
        FetchValue::Binary {
            section: vec![1],
            origin: None,
            data: Some(b"bo\0dy".to_vec()),
        },
        FetchValue::Binary {
            section: vec![2],
            origin: None,
            data: Some(b"body".to_vec()),
        },
    ]);
    assert_eq!(
        out,
        b"* 1 FETCH (BINARY[1] ~{5}\r\nbo\0dy BINARY[2] {4}\r\nbody)\r\n".to_vec()
    );
    // Strings in ENVELOPE and elsewhere go through the same writer.
    let mut o = Vec::new();
    response::write_nstring(&mut o, Some(b"a\0b"), true);
    assert_eq!(o, b"{3}\r\na\x80b".to_vec());
}
