#![allow(clippy::unwrap_used)]

use std::time::Duration;

use crate::corpus;
use crate::imap::{Response, literal_size, quoted, search_hits};
use crate::net::expand;
use crate::stats::Percentiles;

#[test]
fn user_patterns() {
    assert_eq!(expand("u%04d@ac-test.fr", 7), "u0007@ac-test.fr");
    assert_eq!(expand("user%d", 12), "user12");
    assert_eq!(expand("fixed@x", 3), "fixed@x");
    assert_eq!(expand("u%4d", 7), "u   7");
}

#[test]
fn percentiles_by_nearest_rank() {
    let v: Vec<Duration> = (1..=10).map(Duration::from_millis).collect();
    let p = Percentiles::of(&v).unwrap();
    assert_eq!(
        (p.min, p.p50, p.p90, p.p99, p.max, p.n),
        (v[0], v[4], v[8], v[9], v[9], 10)
    );
    assert!(Percentiles::of(&[]).is_none());
    let one = Percentiles::of(&[Duration::from_millis(3)]).unwrap();
    assert_eq!(
        one.line(),
        "min 3.0 p50 3.0 p90 3.0 p99 3.0 max 3.0 ms (n=1)"
    );
}

#[test]
fn imap_syntax_known_answers() {
    assert_eq!(literal_size(b"* 1 FETCH (BODY[] {12}\r\n"), Some(12));
    assert_eq!(literal_size(b"a APPEND INBOX {5+}\r\n"), Some(5));
    assert_eq!(literal_size(b"* OK {no}\r\n"), None);
    assert_eq!(literal_size(b"* OK done\r\n"), None);
    assert_eq!(quoted(r#"pa"ss\w"#), r#""pa\"ss\\w""#);
    let r = Response {
        untagged: vec![b"* SEARCH 3 7 12\r\n".to_vec(), b"* OK x\r\n".to_vec()],
        status: b"OK done\r\n".to_vec(),
    };
    assert_eq!(search_hits(&r), vec![3, 7, 12]);
}

#[test]
fn messages_are_deterministic_and_well_formed() {
    let a = corpus::message(1, 42, "u0001@ac-test.fr", 8000);
    assert_eq!(a, corpus::message(1, 42, "u0001@ac-test.fr", 8000));
    assert_ne!(a, corpus::message(2, 42, "u0001@ac-test.fr", 8000));
    let mut sizes = 0;
    let mut rare = 0;
    for i in 0..300 {
        let m = corpus::message(1, i, "u0001@ac-test.fr", 8000);
        sizes += m.len();
        let text = String::from_utf8(m).expect("7-bit text");
        assert!(text.is_ascii(), "message {i} is not 7-bit");
        assert!(
            text.lines().all(|l| l.len() <= 998),
            "RFC 5322 §2.1.1 line length"
        );
        assert!(!text.replace("\r\n", "").contains('\n'), "bare LF in {i}");
        for bad in [
            ".exe\"", ".com\"", ".pif\"", ".reg\"", ".scr\"", ".vbs\"", ".zip\"",
        ] {
            assert!(!text.contains(bad), "R7 would refuse message {i}");
        }
        rare += usize::from(text.contains(corpus::RARE_WORD));
    }
    let avg = sizes / 300;
    assert!((5000..16000).contains(&avg), "average size {avg}");
    assert_eq!(rare, 0, "the rare word is in message 500 of each 1000 only");
    let m = String::from_utf8(corpus::message(1, 500, "x@y", 8000)).unwrap();
    assert!(m.contains(corpus::RARE_WORD));
}

#[test]
fn sized_messages_are_close_to_the_size() {
    for size in [1024, 10240, 51200] {
        let m = corpus::sized(1, 3, "a@b", "c@d", size);
        assert!(
            m.len() >= size && m.len() < size + 100,
            "{size}: {}",
            m.len()
        );
        assert!(m.split(|&b| b == b'\n').all(|l| l.len() <= 78));
    }
}

#[test]
fn dot_stuffing_and_mbox_quoting() {
    assert_eq!(corpus::dot_stuffed(b"a\r\n.b\r\n"), b"a\r\n..b\r\n.\r\n");
    assert_eq!(corpus::dot_stuffed(b".x"), b"..x\r\n.\r\n");
    let mut out = Vec::new();
    corpus::mbox_entry(b"Subject: s\r\n\r\nFrom here\r\n>From there\r\n", &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("From bench@vesontio.bench "));
    assert!(text.contains("\n>From here\n>>From there\n"), "{text}");
}

#[test]
fn dates_known_answers() {
    assert_eq!(corpus::date_for_tests(0), "Thu, 1 Jan 1970 00:00:00 +0000");
    assert_eq!(
        corpus::date_for_tests(1_767_225_600),
        "Thu, 1 Jan 2026 00:00:00 +0000"
    );
    assert_eq!(
        corpus::date_for_tests(951_782_400 + 3661),
        "Tue, 29 Feb 2000 01:01:01 +0000"
    );
}
