//! Known answers for both algorithms, RFC 5256's response forms and the
//! pathological inputs: loops, duplicate and missing ids, huge headers.

use super::*;
use vesontio_imap_proto::{Data, Encoder, Response};

/// A message: number = position + 1, date = `date`.
fn m(id: Option<&str>, refs: Option<&str>, subject: &str, date: i64) -> ThreadInput {
    ThreadInput {
        number: 0,
        message_id: id.map(|s| format!("<{s}>")),
        in_reply_to: None,
        references: refs.map(|r| {
            r.split(' ')
                .map(|x| format!("<{x}>"))
                .collect::<Vec<_>>()
                .join(" ")
        }),
        subject: subject.into(),
        sent_date: date,
    }
}

fn numbered(mut msgs: Vec<ThreadInput>) -> Vec<ThreadInput> {
    for (i, x) in msgs.iter_mut().enumerate() {
        x.number = i as u32 + 1;
    }
    msgs
}

/// The THREAD response text for a forest.
fn text(f: ThreadForest) -> String {
    let mut out = Vec::new();
    Encoder::default().encode(&Response::Data(Data::Thread(f)), &mut out);
    let s = String::from_utf8(out).unwrap_or_default();
    s.trim_start_matches("* THREAD")
        .trim()
        .trim_end_matches("\r\n")
        .to_string()
}

fn refs(msgs: Vec<ThreadInput>) -> String {
    text(references(&numbered(msgs)))
}

fn ordered(msgs: Vec<ThreadInput>) -> String {
    text(ordered_subject(&numbered(msgs)))
}

#[test]
fn msg_ids_are_normalised() {
    assert_eq!(msg_ids("<a@b>"), ["a@b"]);
    // RFC 5256 §3: quoting does not make another id.
    assert_eq!(
        msg_ids("<\"01KF8JCEOCBS0045PS\"@xxx.yyy.com>"),
        ["01KF8JCEOCBS0045PS@xxx.yyy.com"]
    );
    assert_eq!(msg_ids("<\"a\\\"b\"@c>"), ["a\"b@c"]);
    // Folding inside, several ids, junk around and between.
    assert_eq!(
        msg_ids("  <a@b>\r\n\t<c@\r\n d> (comment) x <e@f>"),
        ["a@b", "c@d", "e@f"]
    );
    // Not ids: no "@", empty sides, unclosed brackets.
    assert!(msg_ids("<abc> <@b> <a@> <> a@b <a@b").is_empty());
    assert_eq!(msg_ids("<x <a@b>"), ["a@b"]);
    // Case is kept: comparisons are case-sensitive.
    assert_eq!(msg_ids("<A@B>"), ["A@B"]);
}

#[test]
fn references_build_chains_and_branches() {
    // A reply chain.
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        m(Some("b@x"), Some("a@x"), "Re: Hello", 20),
        m(Some("c@x"), Some("a@x b@x"), "Re: Hello", 30),
    ]);
    assert_eq!(t, "(1 2 3)");
    // Two replies to one message, sorted by date: RFC 5256 §4 form.
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        m(Some("b@x"), Some("a@x"), "Re: Hello", 40),
        m(Some("c@x"), Some("a@x"), "Re: Hello", 30),
        m(Some("d@x"), Some("a@x c@x"), "Re: Hello", 50),
    ]);
    assert_eq!(t, "(1 (3 4)(2))");
    // A reply arriving before its parent is still its child.
    let t = refs(vec![
        m(Some("b@x"), Some("a@x"), "Re: Hello", 20),
        m(Some("a@x"), None, "Hello", 10),
    ]);
    assert_eq!(t, "(2 1)");
}

#[test]
fn in_reply_to_is_the_fallback() {
    let mut reply = m(Some("b@x"), None, "other", 20);
    // Only the first valid id of In-Reply-To is a reference.
    reply.in_reply_to = Some("<a@x> <z@x>".into());
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        reply.clone(),
        m(Some("z@x"), None, "zzz", 30),
    ]);
    assert_eq!(t, "(1 2)(3)");
    // References win over In-Reply-To.
    reply.references = Some("<z@x>".into());
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        reply,
        m(Some("z@x"), None, "zzz", 5),
    ]);
    assert_eq!(t, "(3 2)(1)");
}

#[test]
fn dummies_are_pruned_or_kept_at_the_top() {
    // Siblings of a parent not in the mailbox: ((2)(3)), RFC 5256 §4.
    let t = refs(vec![
        m(Some("z@x"), None, "zzz", 1),
        m(Some("b@x"), Some("a@x"), "Re: Hello", 20),
        m(Some("c@x"), Some("a@x"), "Re: Hello", 30),
    ]);
    assert_eq!(t, "(1)((2)(3))");
    // An only child of a missing parent is promoted.
    let t = refs(vec![m(Some("b@x"), Some("a@x"), "Re: Hello", 20)]);
    assert_eq!(t, "(1)");
    // Missing messages inside a chain are skipped over.
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        m(Some("d@x"), Some("a@x b@x c@x"), "Re: Hello", 40),
    ]);
    assert_eq!(t, "(1 2)");
    // Under a message, a dummy's children are promoted even if several.
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        m(Some("c@x"), Some("a@x b@x"), "Re: Hello", 30),
        m(Some("d@x"), Some("a@x b@x"), "Re: Hello", 20),
    ]);
    assert_eq!(t, "(1 (3)(2))");
}

#[test]
fn subjects_gather_threads() {
    // A reply without references joins the original by subject.
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        m(Some("b@x"), None, "Re: hello", 20),
        m(Some("c@x"), None, "Other", 15),
    ]);
    assert_eq!(t, "(1 2)(3)");
    // Two originals with one subject: siblings under a dummy.
    let t = refs(vec![
        m(Some("a@x"), None, "Hello", 10),
        m(Some("b@x"), None, "hello", 20),
    ]);
    assert_eq!(t, "((1)(2))");
    // The non-reply is the parent even when it is younger.
    let t = refs(vec![
        m(Some("b@x"), None, "Re: Hello", 5),
        m(Some("a@x"), None, "Hello", 10),
    ]);
    assert_eq!(t, "(2 1)");
    // Empty subjects are never gathered.
    let t = refs(vec![
        m(Some("a@x"), None, "", 10),
        m(Some("b@x"), None, "Re:", 20),
    ]);
    assert_eq!(t, "(1)(2)");
    // A dummy thread and a message with its subject.
    let t = refs(vec![
        m(Some("b@x"), Some("a@x"), "Re: Hello", 20),
        m(Some("c@x"), Some("a@x"), "Re: Hello", 30),
        m(Some("d@x"), None, "Hello", 25),
    ]);
    assert_eq!(t, "((1)(3)(2))");
}

#[test]
fn loops_never_form() {
    // The case of imaptest's "thread" script: 2 references 1 and 3, 3
    // references 2. Linking 3 under 2 would be a cycle, and 3's old parent
    // link (from 2's References) is broken first.
    let t = refs(vec![
        m(Some("a@b"), None, "s1", 30),
        m(Some("b@b"), Some("a@b c@b"), "s2", 20),
        m(Some("c@b"), Some("b@b"), "s3", 10),
    ]);
    assert_eq!(t, "(3 2)(1)");
    // Mutual references, and a message referencing itself.
    let t = refs(vec![
        m(Some("a@x"), Some("b@x"), "a", 10),
        m(Some("b@x"), Some("a@x"), "b", 20),
        m(Some("c@x"), Some("c@x"), "c", 30),
        m(Some("d@x"), Some("e@x d@x e@x"), "d", 40),
    ]);
    // Every message appears exactly once.
    let mut nums: Vec<u32> = t
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|x| x.parse().ok())
        .collect();
    nums.sort_unstable();
    assert_eq!(nums, [1, 2, 3, 4]);
    assert!(t.contains("(3)"), "{t}");
}

#[test]
fn duplicate_and_missing_message_ids() {
    // The second "a@x" gets an id of its own; replies go to the first.
    let t = refs(vec![
        m(Some("a@x"), None, "one", 10),
        m(Some("a@x"), None, "two", 20),
        m(Some("c@x"), Some("a@x"), "three", 30),
    ]);
    assert_eq!(t, "(1 3)(2)");
    // No Message-ID (or an invalid one): still threaded, never merged.
    let t = refs(vec![
        m(None, None, "one", 10),
        m(Some("nonsense"), None, "two", 20),
        m(None, Some("a@x"), "three", 30),
    ]);
    assert_eq!(t, "(1)(2)(3)");
}

#[test]
fn ties_break_by_mailbox_order() {
    let t = refs(vec![
        m(Some("a@x"), None, "x", 10),
        m(Some("b@x"), None, "y", 10),
        m(Some("c@x"), Some("a@x"), "z", 5),
        m(Some("d@x"), Some("a@x"), "w", 5),
    ]);
    assert_eq!(t, "(1 (3)(4))(2)");
}

#[test]
fn ordered_subject_threads() {
    // Grouped by base subject, ordered by date inside, threads by their
    // first message; the rest are children of the first (no grandchildren).
    let t = ordered(vec![
        m(None, None, "Re: b", 50),
        m(None, None, "a", 40),
        m(None, None, "b", 30),
        m(None, None, "[list] A", 10),
        m(None, None, "c", 20),
        m(None, None, "Fwd: b", 60),
    ]);
    assert_eq!(t, "(4 2)(5)(3 (1)(6))");
    assert_eq!(ordered(vec![]), "");
    // Same date: mailbox order.
    assert_eq!(
        ordered(vec![m(None, None, "x", 1), m(None, None, "x", 1)]),
        "(1 2)"
    );
}

#[test]
fn long_chain_is_linear_and_encodable() {
    // 10,000 replies, each quoting every ancestor up to past the cap: a
    // thread 10,000 deep. No recursion anywhere, and quick.
    let n: usize = 10_000;
    let ids: Vec<String> = (0..n).map(|i| format!("m{i}@x")).collect();
    let msgs: Vec<ThreadInput> = (0..n)
        .map(|i| {
            let from = i.saturating_sub(MAX_REFERENCES + 10);
            let r = ids[from..i].join(" ");
            m(
                Some(&ids[i]),
                (!r.is_empty()).then_some(r.as_str()),
                "Re: long",
                i as i64,
            )
        })
        .collect();
    let started = std::time::Instant::now();
    let f = references(&numbered(msgs));
    let t = text(f);
    assert!(t.starts_with("(1 2 3 4 "), "{}", &t[..40]);
    assert!(t.ends_with(" 9999 10000)"));
    // Unoptimised test build on a shared machine: a loose bound that a
    // quadratic step would still blow (10,000² = 10⁸ steps).
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
}

#[test]
fn hostile_references_cost_bounded_work() {
    // One deep chain, then messages whose References alternate between
    // the chain's end and fresh ids: every link asks whether it would make
    // a loop at the bottom of a 5,000-deep tree.
    let mut msgs = Vec::new();
    for i in 0..5_000 {
        let r = if i == 0 {
            None
        } else {
            Some(format!("c{}@x", i - 1))
        };
        msgs.push(m(Some(&format!("c{i}@x")), r.as_deref(), "chain", i));
    }
    // Each References is four times the cap: only its tail is read.
    for k in 0..1_000 {
        let mut r = Vec::new();
        for j in 0..200 {
            r.push("c4999@x".to_string());
            r.push(format!("f{k}-{j}@x"));
        }
        msgs.push(m(
            Some(&format!("h{k}@x")),
            Some(&r.join(" ")),
            "h",
            10_000 + k,
        ));
    }
    let started = std::time::Instant::now();
    let f = references(&numbered(msgs));
    assert_eq!(
        f.nodes.iter().filter(|n| n.id.is_some()).count(),
        6_000,
        "every message once"
    );
    assert!(started.elapsed().as_secs() < 15, "{:?}", started.elapsed());
}
