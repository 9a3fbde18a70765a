//! SORT, THREAD, ESORT/CONTEXT and CANCELUPDATE: parser and encoder
//! known answers (RFC 5256 §3–§5, RFC 5957, RFC 5267 §3–§5).

use crate::parser::{ParseOptions, parse_command};
use crate::*;

fn p(input: &str) -> CommandBody {
    match parse_command(input.as_bytes(), ParseOptions::default()) {
        Ok(c) => c.body,
        Err(e) => panic!("{input:?}: {e:?}"),
    }
}

fn bad(input: &str) {
    assert!(
        parse_command(input.as_bytes(), ParseOptions::default()).is_err(),
        "{input:?} should be BAD"
    );
}

fn data(d: Data) -> String {
    let mut out = Vec::new();
    Encoder { utf8: false }.encode(&Response::Data(d), &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn crit(reverse: bool, key: SortKey) -> SortCriterion {
    SortCriterion { reverse, key }
}

#[test]
fn sort_commands_of_rfc_5256() {
    // RFC 5256 §3 examples.
    assert_eq!(
        p("A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\n"),
        CommandBody::Sort {
            return_opts: None,
            criteria: vec![crit(false, SortKey::Subject)],
            charset: "UTF-8".into(),
            search: SearchKey::And(vec![SearchKey::Since(Date {
                year: 1994,
                month: 2,
                day: 1
            })]),
            uid: UidMode::Seq,
        }
    );
    assert_eq!(
        p("A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n"),
        CommandBody::Sort {
            return_opts: None,
            criteria: vec![crit(false, SortKey::Subject), crit(true, SortKey::Date)],
            charset: "UTF-8".into(),
            search: SearchKey::And(vec![SearchKey::All]),
            uid: UidMode::Seq,
        }
    );
    let CommandBody::Sort {
        charset, search, ..
    } = p("A284 SORT (SUBJECT) us-ascii TEXT \"not in mailbox\"\r\n")
    else {
        panic!("not SORT")
    };
    assert_eq!(charset, "US-ASCII");
    assert_eq!(
        search,
        SearchKey::And(vec![SearchKey::Text("not in mailbox".into())])
    );
}

#[test]
fn every_sort_key_and_uid_sort() {
    let CommandBody::Sort { criteria, uid, .. } = p(
        "a uid sort (arrival cc date from size subject to displayfrom displayto reverse size) \"UTF-8\" unseen 1:5\r\n",
    ) else {
        panic!("not SORT")
    };
    assert_eq!(uid, UidMode::Uid);
    let keys: Vec<SortKey> = criteria.iter().map(|c| c.key).collect();
    assert_eq!(
        keys,
        [
            SortKey::Arrival,
            SortKey::Cc,
            SortKey::Date,
            SortKey::From,
            SortKey::Size,
            SortKey::Subject,
            SortKey::To,
            SortKey::DisplayFrom,
            SortKey::DisplayTo,
            SortKey::Size,
        ]
    );
    assert!(criteria[..9].iter().all(|c| !c.reverse) && criteria[9].reverse);
}

#[test]
fn extended_sort_return_options() {
    // RFC 5267 §3.3.
    let CommandBody::Sort {
        return_opts,
        criteria,
        ..
    } = p("E01 UID SORT RETURN () (REVERSE DATE) UTF-8 UNDELETED UNKEYWORD $Junk\r\n")
    else {
        panic!("not SORT")
    };
    assert_eq!(return_opts, Some(vec![]));
    assert_eq!(criteria, [crit(true, SortKey::Date)]);
    let CommandBody::Sort { return_opts, .. } =
        p("a SORT RETURN (MIN MAX COUNT PARTIAL 4:2 UPDATE CONTEXT) (ARRIVAL) US-ASCII ALL\r\n")
    else {
        panic!("not SORT")
    };
    assert_eq!(
        return_opts,
        Some(vec![
            SearchReturn::Min,
            SearchReturn::Max,
            SearchReturn::Count,
            // RFC 5267 §5: 500:400 is the same as 400:500.
            SearchReturn::Partial { first: 2, last: 4 },
            SearchReturn::Update,
            SearchReturn::Context,
        ])
    );
    // SEARCH takes the same options.
    let CommandBody::Search { return_opts, .. } =
        p("A02 UID SEARCH RETURN (PARTIAL 23500:24000) UNDELETED UNKEYWORD $Junk\r\n")
    else {
        panic!("not SEARCH")
    };
    assert_eq!(
        return_opts,
        Some(vec![SearchReturn::Partial {
            first: 23500,
            last: 24000
        }])
    );
}

#[test]
fn bad_sort_and_thread_commands() {
    // The charset is mandatory in SORT and THREAD.
    bad("a SORT (DATE) ALL\r\n");
    bad("a SORT (DATE) UTF-8\r\n");
    bad("a SORT () UTF-8 ALL\r\n");
    bad("a SORT DATE UTF-8 ALL\r\n");
    bad("a SORT (BOGUS) UTF-8 ALL\r\n");
    bad("a SORT (REVERSE) UTF-8 ALL\r\n");
    bad("a SORT (REVERSE REVERSE DATE) UTF-8 ALL\r\n");
    bad("a SORT RETURN (BOGUS) (DATE) UTF-8 ALL\r\n");
    // RFC 5267 §4.4: one of PARTIAL and ALL at most; partial-range has no "*".
    bad("a SORT RETURN (ALL PARTIAL 1:2) (DATE) UTF-8 ALL\r\n");
    bad("a SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL\r\n");
    bad("a SORT RETURN (PARTIAL 1) (ARRIVAL) US-ASCII ALL\r\n");
    bad("a SORT RETURN (PARTIAL 1:*) (ARRIVAL) US-ASCII ALL\r\n");
    bad("a SORT RETURN (PARTIAL *:1) (ARRIVAL) US-ASCII ALL\r\n");
    bad("a SORT RETURN (PARTIAL 0:3) (ARRIVAL) US-ASCII ALL\r\n");
    bad("a THREAD REFERENCES ALL\r\n");
    bad("a THREAD BOGUS UTF-8 ALL\r\n");
    bad("a THREAD UTF-8 ALL\r\n");
    bad("a CANCELUPDATE\r\n");
}

#[test]
fn thread_and_cancelupdate_commands() {
    assert_eq!(
        p("A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n"),
        CommandBody::Thread {
            algorithm: ThreadAlgorithm::OrderedSubject,
            charset: "UTF-8".into(),
            search: SearchKey::And(vec![SearchKey::Since(Date {
                year: 2000,
                month: 3,
                day: 5
            })]),
            uid: UidMode::Seq,
        }
    );
    let CommandBody::Thread { algorithm, uid, .. } =
        p("a uid thread references us-ascii not deleted\r\n")
    else {
        panic!("not THREAD")
    };
    assert_eq!(
        (algorithm, uid),
        (ThreadAlgorithm::References, UidMode::Uid)
    );
    assert_eq!(
        p("B04 CANCELUPDATE \"B01\" \"B02\"\r\n"),
        CommandBody::CancelUpdate(vec!["B01".into(), "B02".into()])
    );
}

#[test]
fn sort_and_thread_need_a_selected_mailbox() {
    for name in ["SORT", "THREAD", "CANCELUPDATE"] {
        assert!(state::check(State::Authenticated, name).is_err());
        assert!(state::check(State::Selected, name).is_ok());
    }
}

#[test]
fn sort_responses() {
    // RFC 5256 §4.
    assert_eq!(
        data(Data::Sort {
            ids: vec![2, 3, 6],
            mod_seq: None
        }),
        "* SORT 2 3 6\r\n"
    );
    assert_eq!(
        data(Data::Sort {
            ids: vec![],
            mod_seq: None
        }),
        "* SORT\r\n"
    );
    // RFC 7162 §3.1.5.
    assert_eq!(
        data(Data::Sort {
            ids: vec![5, 3],
            mod_seq: Some(917162500)
        }),
        "* SORT 5 3 (MODSEQ 917162500)\r\n"
    );
}

#[test]
fn esearch_context_items() {
    // RFC 5267 §3.3, §4.3.3, §4.3.4, §4.4.
    assert_eq!(
        data(Data::ESearch {
            tag: Some("E01".into()),
            uid: true,
            items: vec![ESearchItem::All(NumSet::from_numbers(&[
                23765, 23764, 23763, 23761
            ]))],
        }),
        "* ESEARCH (TAG \"E01\") UID ALL 23765,23764,23763,23761\r\n"
    );
    assert_eq!(
        data(Data::ESearch {
            tag: Some("A02".into()),
            uid: true,
            items: vec![ESearchItem::Partial {
                first: 1,
                last: 500,
                set: Some(NumSet(vec![(7, 9)]))
            }],
        }),
        "* ESEARCH (TAG \"A02\") UID PARTIAL (1:500 7:9)\r\n"
    );
    assert_eq!(
        data(Data::ESearch {
            tag: Some("A04".into()),
            uid: true,
            items: vec![ESearchItem::Partial {
                first: 24000,
                last: 24500,
                set: None
            }],
        }),
        "* ESEARCH (TAG \"A04\") UID PARTIAL (24000:24500 NIL)\r\n"
    );
    assert_eq!(
        data(Data::ESearch {
            tag: Some("C01".into()),
            uid: true,
            items: vec![
                ESearchItem::AddTo(vec![(1, NumSet(vec![(2733, 2733)]))]),
                ESearchItem::AddTo(vec![
                    (1, NumSet(vec![(2731, 2732)])),
                    (5, NumSet(vec![(9, 9)]))
                ]),
                ESearchItem::RemoveFrom(vec![(0, NumSet(vec![(32768, 32768)]))]),
            ],
        }),
        "* ESEARCH (TAG \"C01\") UID ADDTO (1 2733) ADDTO (1 2731:2732 5 9) REMOVEFROM (0 32768)\r\n"
    );
    let mut out = Vec::new();
    Encoder { utf8: false }.encode(
        &Response::untagged_ok(Some(Code::NoUpdate("B02".into())), "Too many contexts"),
        &mut out,
    );
    assert_eq!(out, b"* OK [NOUPDATE \"B02\"] Too many contexts\r\n");
}

/// Builds a forest from `(id, children)` rows; roots listed apart.
fn forest(rows: &[(Option<u32>, &[usize])], roots: &[usize]) -> ThreadForest {
    ThreadForest {
        nodes: rows
            .iter()
            .map(|(id, ch)| ThreadNode {
                id: *id,
                children: ch.to_vec(),
            })
            .collect(),
        roots: roots.to_vec(),
    }
}

#[test]
fn thread_responses() {
    assert_eq!(data(Data::Thread(ThreadForest::default())), "* THREAD\r\n");
    // RFC 5256 §4: (2)(3 6 (4 23)(44 7 96)).
    let f = forest(
        &[
            (Some(2), &[]),     // 0
            (Some(3), &[2]),    // 1
            (Some(6), &[3, 5]), // 2
            (Some(4), &[4]),    // 3
            (Some(23), &[]),    // 4
            (Some(44), &[6]),   // 5
            (Some(7), &[7]),    // 6
            (Some(96), &[]),    // 7
        ],
        &[0, 1],
    );
    assert_eq!(
        data(Data::Thread(f)),
        "* THREAD (2)(3 6 (4 23)(44 7 96))\r\n"
    );
    // A dummy parent of siblings: ((3)(5)).
    let f = forest(&[(None, &[1, 2]), (Some(3), &[]), (Some(5), &[])], &[0]);
    assert_eq!(data(Data::Thread(f)), "* THREAD ((3)(5))\r\n");
    // RFC 5256 §3 REFERENCES example fragment: ((177)(183)(182)(188 (184)(189))(185 186)(187)).
    let f = forest(
        &[
            (None, &[1, 2, 3, 4, 7, 9]), // 0
            (Some(177), &[]),            // 1
            (Some(183), &[]),            // 2
            (Some(182), &[]),            // 3
            (Some(188), &[5, 6]),        // 4
            (Some(184), &[]),            // 5
            (Some(189), &[]),            // 6
            (Some(185), &[8]),           // 7
            (Some(186), &[]),            // 8
            (Some(187), &[]),            // 9
        ],
        &[0],
    );
    assert_eq!(
        data(Data::Thread(f)),
        "* THREAD ((177)(183)(182)(188 (184)(189))(185 186)(187))\r\n"
    );
}

#[test]
fn deep_and_malformed_forests_encode_without_recursion() {
    // A chain of 200,000 replies: one thread-list, no stack overflow.
    let n = 200_000;
    let nodes: Vec<ThreadNode> = (0..n)
        .map(|i| ThreadNode {
            id: Some(i as u32 + 1),
            children: if i + 1 < n { vec![i + 1] } else { vec![] },
        })
        .collect();
    let s = data(Data::Thread(ThreadForest {
        nodes,
        roots: vec![0],
    }));
    assert!(s.starts_with("* THREAD (1 2 3 "));
    assert!(s.ends_with(" 199999 200000)\r\n"));
    // Deep nesting: each node has a leaf and a continuing child.
    let mut nodes = Vec::new();
    for i in 0..50_000usize {
        let (leaf, next) = (nodes.len() + 1, nodes.len() + 2);
        nodes.push(ThreadNode {
            id: Some(i as u32 * 2 + 1),
            children: vec![leaf, next],
        });
        nodes.push(ThreadNode {
            id: Some(i as u32 * 2 + 2),
            children: vec![],
        });
    }
    nodes.push(ThreadNode {
        id: Some(1_000_000),
        children: vec![],
    });
    let s = data(Data::Thread(ThreadForest {
        nodes,
        roots: vec![0],
    }));
    assert!(s.starts_with("* THREAD (1 (2)(3 (4)(5 "));
    // A cycle and a dangling index are written once / skipped.
    let f = forest(&[(Some(1), &[1]), (Some(2), &[0, 9])], &[0]);
    assert_eq!(data(Data::Thread(f)), "* THREAD (1 2 ()())\r\n");
}
