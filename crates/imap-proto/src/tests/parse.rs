use crate::command::*;
use crate::parser::{ParseOptions, parse_command};
use crate::types::*;

fn p(input: &str) -> CommandBody {
    match parse_command(input.as_bytes(), ParseOptions::default()) {
        Ok(c) => c.body,
        Err(e) => panic!("{input:?}: {e:?}"),
    }
}

fn p8(input: &str) -> CommandBody {
    parse_command(input.as_bytes(), ParseOptions { utf8: true })
        .expect("parses")
        .body
}

fn bad(input: &str) {
    assert!(
        parse_command(input.as_bytes(), ParseOptions::default()).is_err(),
        "{input:?} should be BAD"
    );
}

fn mb(s: &str) -> Mailbox {
    Mailbox::new(s)
}

fn set(s: &str) -> SequenceSet {
    let mut c = crate::parser::Cursor::new(s.as_bytes(), ParseOptions::default());
    c.sequence_set().expect("set")
}

#[test]
fn simple_commands() {
    let table: &[(&str, CommandBody)] = &[
        ("a CAPABILITY\r\n", CommandBody::Capability),
        ("a noop\r\n", CommandBody::Noop),
        ("A023 LOGOUT\r\n", CommandBody::Logout),
        ("a STARTTLS\r\n", CommandBody::StartTls),
        ("a NAMESPACE\r\n", CommandBody::Namespace),
        ("a IDLE\r\n", CommandBody::Idle),
        ("a CHECK\r\n", CommandBody::Check),
        ("a CLOSE\r\n", CommandBody::Close),
        ("a UNSELECT\r\n", CommandBody::Unselect),
        ("a EXPUNGE\r\n", CommandBody::Expunge { uids: None }),
        (
            "a UID EXPUNGE 3000:3002\r\n",
            CommandBody::Expunge {
                uids: Some(set("3000:3002")),
            },
        ),
        (
            "a DELETE blurdybloop\r\n",
            CommandBody::Delete(mb("blurdybloop")),
        ),
        (
            "a SUBSCRIBE #news.comp.mail.mime\r\n",
            CommandBody::Subscribe(mb("#news.comp.mail.mime")),
        ),
        (
            "a UNSUBSCRIBE \"x y\"\r\n",
            CommandBody::Unsubscribe(mb("x y")),
        ),
        (
            "a RENAME blurdybloop sarasoop\r\n",
            CommandBody::Rename {
                from: mb("blurdybloop"),
                to: mb("sarasoop"),
            },
        ),
        (
            "a ENABLE CONDSTORE utf8=accept\r\n",
            CommandBody::Enable(vec!["CONDSTORE".into(), "UTF8=ACCEPT".into()]),
        ),
        ("a GETQUOTA \"\"\r\n", CommandBody::GetQuota(String::new())),
        (
            "a GETQUOTAROOT INBOX\r\n",
            CommandBody::GetQuotaRoot(mb("INBOX")),
        ),
        (
            "a SETQUOTA \"\" (STORAGE 512)\r\n",
            CommandBody::SetQuota {
                root: String::new(),
                limits: vec![("STORAGE".into(), 512)],
            },
        ),
        ("a GETACL INBOX\r\n", CommandBody::GetAcl(mb("INBOX"))),
        (
            "a SETACL INBOX/Drafts Fred +rwipslxetad\r\n",
            CommandBody::SetAcl {
                mailbox: mb("INBOX/Drafts"),
                identifier: "Fred".into(),
                rights: "+rwipslxetad".into(),
            },
        ),
        (
            "a DELETEACL INBOX Fred\r\n",
            CommandBody::DeleteAcl {
                mailbox: mb("INBOX"),
                identifier: "Fred".into(),
            },
        ),
        (
            "a LISTRIGHTS ~/Mail/saved smith\r\n",
            CommandBody::ListRights {
                mailbox: mb("~/Mail/saved"),
                identifier: "smith".into(),
            },
        ),
        ("a MYRIGHTS inbox\r\n", CommandBody::MyRights(mb("INBOX"))),
        ("a ID NIL\r\n", CommandBody::Id(None)),
        (
            "a ID (\"name\" \"sodr\" \"version\" NIL)\r\n",
            CommandBody::Id(Some(vec![
                ("name".into(), Some("sodr".into())),
                ("version".into(), None),
            ])),
        ),
    ];
    for (input, want) in table {
        assert_eq!(&p(input), want, "{input:?}");
    }
}

#[test]
fn login_and_authenticate() {
    match p("a001 LOGIN SMITH SESAME\r\n") {
        CommandBody::Login { username, password } => {
            assert_eq!(username, "SMITH");
            assert_eq!(password.expose(), b"SESAME");
            assert!(!format!("{password:?}").contains("SESAME"));
        }
        other => panic!("{other:?}"),
    }
    match p("a LOGIN \"fred \\\"x\\\"\" {4}\r\np\"w\\\r\n") {
        CommandBody::Login { username, password } => {
            assert_eq!(username, "fred \"x\"");
            assert_eq!(password.expose(), b"p\"w\\");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p("a AUTHENTICATE plain\r\n"),
        CommandBody::Authenticate {
            mechanism: "PLAIN".into(),
            initial_response: None
        }
    );
    assert_eq!(
        p("a AUTHENTICATE PLAIN AHRlc3QAdGVzdA==\r\n"),
        CommandBody::Authenticate {
            mechanism: "PLAIN".into(),
            initial_response: Some(Secret(b"\0test\0test".to_vec()))
        }
    );
    assert_eq!(
        p("a AUTHENTICATE EXTERNAL =\r\n"),
        CommandBody::Authenticate {
            mechanism: "EXTERNAL".into(),
            initial_response: Some(Secret(Vec::new()))
        }
    );
    bad("a AUTHENTICATE PLAIN !!!\r\n");
}

#[test]
fn select_examine_create() {
    assert_eq!(
        p("A142 SELECT INBOX\r\n"),
        CommandBody::Select {
            mailbox: mb("INBOX"),
            mode: SelectMode::ReadWrite,
            condstore: false,
            qresync: None
        }
    );
    assert_eq!(
        p("A932 EXAMINE blurdybloop (CONDSTORE)\r\n"),
        CommandBody::Select {
            mailbox: mb("blurdybloop"),
            mode: SelectMode::ReadOnly,
            condstore: true,
            qresync: None
        }
    );
    // RFC 7162 §3.2.5.2 example.
    assert_eq!(
        p("A02 SELECT INBOX (QRESYNC (67890007 90060115194045000 41:211,214:541))\r\n"),
        CommandBody::Select {
            mailbox: mb("INBOX"),
            mode: SelectMode::ReadWrite,
            condstore: false,
            qresync: Some(QResync {
                uid_validity: 67890007,
                mod_seq: 90060115194045000,
                known_uids: Some(set("41:211,214:541")),
                seq_match: None,
            }),
        }
    );
    assert_eq!(
        p(
            "B04 SELECT INBOX (QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))\r\n"
        ),
        CommandBody::Select {
            mailbox: mb("INBOX"),
            mode: SelectMode::ReadWrite,
            condstore: false,
            qresync: Some(QResync {
                uid_validity: 67890007,
                mod_seq: 90060115194045000,
                known_uids: Some(set("1:29997")),
                seq_match: Some((
                    set("5000,7500,9000,9990:9999"),
                    set(
                        "15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997"
                    )
                )),
            }),
        }
    );
    assert_eq!(
        p("t1 CREATE MySpecialTrash (USE (\\Trash))\r\n"),
        CommandBody::Create {
            mailbox: mb("MySpecialTrash"),
            special_use: vec!["\\Trash".into()]
        }
    );
    assert_eq!(
        p("A003 CREATE owatagusiam/\r\n"),
        CommandBody::Create {
            mailbox: mb("owatagusiam/"),
            special_use: vec![]
        }
    );
    bad("a SELECT\r\n");
    bad("a SELECT INBOX (BOGUS)\r\n");
}

#[test]
fn mailbox_names_utf7_and_utf8() {
    // RFC 3501 §5.1.3 example.
    assert_eq!(
        p("a SELECT ~peter/mail/&U,BTFw-/&ZeVnLIqe-\r\n"),
        CommandBody::Select {
            mailbox: mb("~peter/mail/台北/日本語"),
            mode: SelectMode::ReadWrite,
            condstore: false,
            qresync: None,
        }
    );
    assert_eq!(p("a DELETE &-x\r\n"), CommandBody::Delete(mb("&x")));
    // Not valid modified UTF-7: refused for a new name, kept as sent for
    // an existing one (the server then says NO) and for LIST patterns.
    bad("a CREATE &Jjo\r\n");
    bad("a RENAME x &Jjo\r\n");
    assert_eq!(p("a DELETE &Jjo\r\n"), CommandBody::Delete(mb("&Jjo")));
    assert_eq!(
        p("a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}\r\n"),
        CommandBody::Select {
            mailbox: mb("!#$&'+,-.0123456789:;<=>?@^_`|[}"),
            mode: SelectMode::ReadWrite,
            condstore: false,
            qresync: None,
        }
    );
    assert!(matches!(
        p("a LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*\r\n"),
        CommandBody::List { .. }
    ));
    // UTF-8 mode: '&' is literal.
    assert_eq!(
        p8("a DELETE \"Caf&é\"\r\n"),
        CommandBody::Delete(mb("Caf&é"))
    );
    assert_eq!(
        crate::encode_utf7("~peter/mail/台北/日本語"),
        "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
    );
    assert_eq!(crate::encode_utf7("a&b"), "a&-b");
    assert_eq!(
        crate::decode_utf7("&AGE-"),
        None,
        "ASCII must not be shifted"
    );
}

#[test]
fn list_variants() {
    assert_eq!(
        p("A101 LIST \"\" \"\"\r\n"),
        CommandBody::List {
            selection: vec![],
            reference: String::new(),
            patterns: vec![String::new()],
            return_opts: vec![]
        }
    );
    assert_eq!(
        p("A102 LIST #news.comp.mail.misc %\r\n"),
        CommandBody::List {
            selection: vec![],
            reference: "#news.comp.mail.misc".into(),
            patterns: vec!["%".into()],
            return_opts: vec![]
        }
    );
    // RFC 5258 §5 examples.
    assert_eq!(
        p("A02 LIST (SUBSCRIBED) \"\" \"*\"\r\n"),
        CommandBody::List {
            selection: vec![ListSelect::Subscribed],
            reference: String::new(),
            patterns: vec!["*".into()],
            return_opts: vec![]
        }
    );
    assert_eq!(
        p("A04 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" % RETURN (CHILDREN)\r\n"),
        CommandBody::List {
            selection: vec![ListSelect::Subscribed, ListSelect::RecursiveMatch],
            reference: String::new(),
            patterns: vec!["%".into()],
            return_opts: vec![ListReturn::Children],
        }
    );
    assert_eq!(
        p("A05 LIST \"\" (\"INBOX\" \"Drafts\" Sent/%)\r\n"),
        CommandBody::List {
            selection: vec![],
            reference: String::new(),
            patterns: vec!["INBOX".into(), "Drafts".into(), "Sent/%".into()],
            return_opts: vec![]
        }
    );
    // RFC 5819 §5 and RFC 6154 §5.
    assert_eq!(
        p("A01 LIST \"\" % RETURN (SPECIAL-USE CHILDREN SUBSCRIBED STATUS (MESSAGES UNSEEN))\r\n"),
        CommandBody::List {
            selection: vec![],
            reference: String::new(),
            patterns: vec!["%".into()],
            return_opts: vec![
                ListReturn::SpecialUse,
                ListReturn::Children,
                ListReturn::Subscribed,
                ListReturn::Status(vec![StatusItem::Messages, StatusItem::Unseen]),
            ],
        }
    );
    assert_eq!(
        p("t3 LIST (SPECIAL-USE) \"\" \"*\"\r\n"),
        CommandBody::List {
            selection: vec![ListSelect::SpecialUse],
            reference: String::new(),
            patterns: vec!["*".into()],
            return_opts: vec![]
        }
    );
    assert_eq!(
        p("a LSUB \"#news.\" \"comp.mail.*\"\r\n"),
        CommandBody::Lsub {
            reference: "#news.".into(),
            pattern: "comp.mail.*".into()
        }
    );
    bad("a LIST \"\"\r\n");
    bad("a LIST \"\" % FOO (X)\r\n");
}

#[test]
fn status_and_append() {
    assert_eq!(
        p(
            "A042 STATUS blurdybloop (UIDNEXT MESSAGES UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ APPENDLIMIT UIDVALIDITY)\r\n"
        ),
        CommandBody::Status {
            mailbox: mb("blurdybloop"),
            items: vec![
                StatusItem::UidNext,
                StatusItem::Messages,
                StatusItem::Unseen,
                StatusItem::Deleted,
                StatusItem::Size,
                StatusItem::Recent,
                StatusItem::HighestModSeq,
                StatusItem::AppendLimit,
                StatusItem::UidValidity,
            ],
        }
    );
    bad("a STATUS INBOX ()\r\n");
    bad("a STATUS INBOX (FOO)\r\n");
    let msg = "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n\r\nHello Joe\r\n";
    let input = format!(
        "A003 APPEND saved-messages (\\Seen) \"05-Jul-1994 02:32:12 -0700\" {{{}}}\r\n{}\r\n",
        msg.len(),
        msg
    );
    assert_eq!(
        p(&input),
        CommandBody::Append {
            mailbox: mb("saved-messages"),
            messages: vec![AppendMessage {
                flags: vec![Flag::Seen],
                date: Some(DateTime {
                    date: Date {
                        year: 1994,
                        month: 7,
                        day: 5
                    },
                    hour: 2,
                    minute: 32,
                    second: 12,
                    offset_minutes: -420,
                }),
                data: msg.as_bytes().to_vec(),
                binary: false,
            }],
        }
    );
    // LITERAL+, MULTIAPPEND, literal8 with NUL, space-padded day.
    let input =
        "a APPEND x {3+}\r\nabc (\\Draft $Fwd) \" 5-Jul-1994 02:32:12 +0000\" ~{3}\r\na\0b\r\n";
    match p(input) {
        CommandBody::Append { messages, .. } => {
            assert_eq!(messages.len(), 2);
            assert_eq!(messages[0].data, b"abc");
            assert_eq!(
                messages[1].flags,
                vec![Flag::Draft, Flag::Keyword("$Fwd".into())]
            );
            assert_eq!(messages[1].date.map(|d| d.date.day), Some(5));
            assert!(messages[1].binary);
            assert_eq!(messages[1].data, b"a\0b");
        }
        other => panic!("{other:?}"),
    }
    bad("a APPEND x {3}\r\na\0b\r\n");
    bad("a APPEND x\r\n");
    bad("a APPEND x {10}\r\nshort\r\n");
    bad("a APPEND x (\\Recent) {1}\r\nx\r\n");
}

#[test]
fn store_copy_move() {
    assert_eq!(
        p("A003 STORE 2:4 +FLAGS (\\Deleted)\r\n"),
        CommandBody::Store {
            sequence_set: set("2:4"),
            kind: StoreKind::Add,
            response: StoreResponse::Answer,
            flags: vec![Flag::Deleted],
            unchanged_since: None,
            uid: UidMode::Seq,
        }
    );
    assert_eq!(
        p("a UID STORE 1:* -FLAGS.SILENT \\Seen $Junk\r\n"),
        CommandBody::Store {
            sequence_set: set("1:*"),
            kind: StoreKind::Remove,
            response: StoreResponse::Silent,
            flags: vec![Flag::Seen, Flag::Keyword("$Junk".into())],
            unchanged_since: None,
            uid: UidMode::Uid,
        }
    );
    // RFC 7162 §3.1.3 example.
    assert_eq!(
        p("d105 STORE 7,5,9 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Deleted)\r\n"),
        CommandBody::Store {
            sequence_set: set("7,5,9"),
            kind: StoreKind::Add,
            response: StoreResponse::Silent,
            flags: vec![Flag::Deleted],
            unchanged_since: Some(320162338),
            uid: UidMode::Seq,
        }
    );
    assert_eq!(
        p("A003 COPY 2:4 MEETING\r\n"),
        CommandBody::Copy {
            sequence_set: set("2:4"),
            mailbox: mb("MEETING"),
            uid: UidMode::Seq
        }
    );
    assert_eq!(
        p("a UID MOVE 42:69 foo\r\n"),
        CommandBody::Move {
            sequence_set: set("42:69"),
            mailbox: mb("foo"),
            uid: UidMode::Uid
        }
    );
    assert_eq!(
        p("a MOVE $ Trash\r\n"),
        CommandBody::Move {
            sequence_set: SequenceSet::Saved,
            mailbox: mb("Trash"),
            uid: UidMode::Seq
        }
    );
    bad("a STORE 1 FLAGZ (\\Seen)\r\n");
    bad("a COPY 0 x\r\n");
    bad("a UID FROB 1\r\n");
}

#[test]
fn sequence_sets() {
    let s = set("1,3:5,*:10,7");
    assert!(s.contains(4, 20));
    assert!(s.contains(15, 20));
    assert!(!s.contains(2, 20));
    assert_eq!(s.to_string(), "1,3:5,*:10,7");
    assert_eq!(s.resolved(20), vec![(1, 1), (3, 5), (10, 20), (7, 7)]);
    assert_eq!(
        NumSet::from_numbers(&[1, 2, 3, 5, 7, 8]).to_string(),
        "1:3,5,7:8"
    );
}

fn search(input: &str) -> (Option<Vec<SearchReturn>>, Option<String>, SearchKey) {
    match p(input) {
        CommandBody::Search {
            return_opts,
            charset,
            criteria,
            ..
        } => (return_opts, charset, criteria),
        other => panic!("{other:?}"),
    }
}

#[test]
fn search_keys() {
    let d = |y, m, dd| Date {
        year: y,
        month: m,
        day: dd,
    };
    // RFC 9051 §6.4.4 examples.
    assert_eq!(
        search("A282 SEARCH RETURN (MIN COUNT) FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n"),
        (
            Some(vec![SearchReturn::Min, SearchReturn::Count]),
            None,
            SearchKey::And(vec![
                SearchKey::Flagged,
                SearchKey::Since(d(1994, 2, 1)),
                SearchKey::Not(Box::new(SearchKey::From("Smith".into()))),
            ])
        )
    );
    assert_eq!(
        search(
            "A283 SEARCH RETURN () FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\" SMALLER 10000\r\n"
        )
        .0,
        Some(vec![])
    );
    let word = "маленький";
    assert_eq!(
        search(&format!(
            "A284 SEARCH CHARSET UTF-8 TEXT {{{}}}\r\n{word}\r\n",
            word.len()
        )),
        (
            None,
            Some("UTF-8".into()),
            SearchKey::And(vec![SearchKey::Text(word.into())])
        )
    );
    let all = "a SEARCH ALL ANSWERED BCC b BEFORE \"2-Mar-2020\" BODY x CC c DELETED DRAFT FLAGGED FROM f HEADER X-Y z KEYWORD $k LARGER 5 NEW OLD ON 3-Apr-2021 RECENT SEEN SENTBEFORE 1-Jan-2000 SENTON 1-Jan-2000 SENTSINCE 1-Jan-2000 SINCE 1-Jan-2000 SMALLER 9 SUBJECT s TEXT t TO u UID 1:* UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD $k UNSEEN OLDER 60 YOUNGER 30 MODSEQ 620162338 1,2:3 $ (OR SEEN (DELETED)) OR NOT SEEN 5\r\n";
    let (_, _, k) = search(all);
    let SearchKey::And(keys) = k else { panic!() };
    assert_eq!(keys.len(), 40);
    assert_eq!(keys[10], SearchKey::Header("X-Y".into(), "z".into()));
    assert_eq!(
        keys[35],
        SearchKey::ModSeq {
            entry: None,
            mod_seq: 620162338
        }
    );
    assert_eq!(keys[37], SearchKey::SequenceSet(SequenceSet::Saved));
    assert_eq!(
        keys[38],
        SearchKey::And(vec![SearchKey::Or(
            Box::new(SearchKey::Seen),
            Box::new(SearchKey::And(vec![SearchKey::Deleted]))
        )])
    );
    assert_eq!(
        keys[39],
        SearchKey::Or(
            Box::new(SearchKey::Not(Box::new(SearchKey::Seen))),
            Box::new(SearchKey::SequenceSet(set("5")))
        )
    );
    // RFC 7162 §3.1.5 example with entry name.
    assert_eq!(
        search("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n").2,
        SearchKey::And(vec![SearchKey::ModSeq {
            entry: Some(("/flags/\\draft".into(), EntryType::All)),
            mod_seq: 620162338
        }])
    );
    match p("a UID SEARCH RETURN (SAVE) UID 1:100\r\n") {
        CommandBody::Search {
            uid, return_opts, ..
        } => {
            assert_eq!(uid, UidMode::Uid);
            assert_eq!(return_opts, Some(vec![SearchReturn::Save]));
        }
        other => panic!("{other:?}"),
    }
    bad("a SEARCH\r\n");
    bad("a SEARCH FOO\r\n");
    bad("a SEARCH SINCE 32-Jan-2020\r\n");
    bad("a SEARCH (SEEN\r\n");
    bad("a SEARCH OR SEEN\r\n");
    bad(&format!(
        "a SEARCH {}SEEN{}\r\n",
        "(".repeat(100),
        ")".repeat(100)
    ));
}

fn fetch(input: &str) -> (Vec<FetchAttr>, Option<u64>, bool) {
    match p(input) {
        CommandBody::Fetch {
            items,
            changed_since,
            vanished,
            ..
        } => (items, changed_since, vanished),
        other => panic!("{other:?}"),
    }
}

#[test]
fn fetch_items() {
    use FetchAttr as F;
    let sec = |part: Vec<u32>, text: Option<SectionText>| Section { part, text };
    assert_eq!(
        fetch("a FETCH 1 ALL\r\n").0,
        vec![F::Flags, F::InternalDate, F::Rfc822Size, F::Envelope]
    );
    assert_eq!(
        fetch("a FETCH 1 FAST\r\n").0,
        vec![F::Flags, F::InternalDate, F::Rfc822Size]
    );
    assert_eq!(fetch("a FETCH 1 full\r\n").0.len(), 5);
    assert_eq!(fetch("a FETCH 1:* BODY\r\n").0, vec![F::Body]);
    assert_eq!(
        fetch("A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])\r\n").0,
        vec![
            F::Flags,
            F::BodySection {
                peek: false,
                section: sec(
                    vec![],
                    Some(SectionText::HeaderFields(vec![
                        "DATE".into(),
                        "FROM".into()
                    ]))
                ),
                partial: None
            }
        ]
    );
    assert_eq!(
        fetch("a FETCH 1 (UID RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE ENVELOPE BODYSTRUCTURE INTERNALDATE MODSEQ BODY.PEEK[1.2.3.MIME] BODY[]<0.2048> BODY[2.HEADER.FIELDS.NOT (X-A)] BODY[3.TEXT] BODY[4] BINARY.PEEK[1.2]<5.10> BINARY[] BINARY.SIZE[3])\r\n").0,
        vec![
            F::Uid,
            F::Rfc822,
            F::Rfc822Header,
            F::Rfc822Text,
            F::Rfc822Size,
            F::Envelope,
            F::BodyStructure,
            F::InternalDate,
            F::ModSeq,
            F::BodySection { peek: true, section: sec(vec![1, 2, 3], Some(SectionText::Mime)), partial: None },
            F::BodySection { peek: false, section: sec(vec![], None), partial: Some((0, 2048)) },
            F::BodySection { peek: false, section: sec(vec![2], Some(SectionText::HeaderFieldsNot(vec!["X-A".into()]))), partial: None },
            F::BodySection { peek: false, section: sec(vec![3], Some(SectionText::Text)), partial: None },
            F::BodySection { peek: false, section: sec(vec![4], None), partial: None },
            F::Binary { peek: true, section: vec![1, 2], partial: Some((5, 10)) },
            F::Binary { peek: false, section: vec![], partial: None },
            F::BinarySize { section: vec![3] },
        ]
    );
    // RFC 7162 §3.1.4.1 and §3.2.6 examples.
    assert_eq!(
        fetch("s100 UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)\r\n"),
        (vec![F::Flags], Some(12345), false)
    );
    assert_eq!(
        fetch("s100 UID FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n"),
        (vec![F::Flags], Some(12345), true)
    );
    bad("a FETCH 300:500 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n");
    bad("a FETCH 1 (FLAGS\r\n");
    bad("a FETCH 1 BODY[MIME]\r\n");
    bad("a FETCH 1 BODY[1.FOO]\r\n");
    bad("a FETCH 1 BODY[]<1>\r\n");
    bad("a FETCH 1 FLAGZ\r\n");
    bad("a FETCH 1 ()\r\n");
}

#[test]
fn general_syntax_errors() {
    bad("\r\n");
    bad("+tag NOOP\r\n");
    bad("a\r\n");
    bad("a NOOP extra\r\n");
    bad("a  NOOP\r\n");
    bad("a FROBNICATE\r\n");
    bad("a LOGIN \"unterminated\r\n");
    bad("a LOGIN a \"bad\\escape\"\r\n");
    bad("a FETCH 99999999999 FLAGS\r\n");
}
