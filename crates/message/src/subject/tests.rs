//! Known answers for RFC 5256 §2.1 and RFC 5051.

use super::*;

#[track_caller]
fn check(subject: &str, base: &str, reply: bool) {
    assert_eq!(
        base_subject_reply(subject),
        (base.to_string(), reply),
        "subject {subject:?}"
    );
}

#[test]
fn plain_subjects_are_kept() {
    check("Hello world", "Hello world", false);
    check("", "", false);
    check("   ", "", false);
    // Only the markers are removed, never text that merely looks like one.
    check("Rendez-vous", "Rendez-vous", false);
    check("Reunion: ordre du jour", "Reunion: ordre du jour", false);
    check("Fwd", "Fwd", false);
    check("Re", "Re", false);
}

#[test]
fn whitespace_is_collapsed() {
    check("  a \t\tb\r\n c  ", "a b c", false);
}

#[test]
fn reply_and_forward_leaders() {
    check("Re: Hello", "Hello", true);
    check("RE: Hello", "Hello", true);
    check("re:Hello", "Hello", true);
    check("Re : Hello", "Hello", true);
    check("Fw: Hello", "Hello", true);
    check("FWD: Hello", "Hello", true);
    check("Re: Re: Fwd: re: Hello", "Hello", true);
    // subj-refwd may carry a blob: "Re[2]:", "Re [3]:".
    check("Re[2]: Hello", "Hello", true);
    check("Re [3]: Hello", "Hello", true);
}

#[test]
fn blobs() {
    // A leading blob goes when something is left after it.
    check("[liste] Hello", "Hello", false);
    check("[a][b] Hello", "Hello", false);
    // Blobs before a reply marker go with it (*subj-blob subj-refwd).
    check("[liste] Re: Hello", "Hello", true);
    check("Re: [liste] Hello", "Hello", true);
    check("[liste] Re: [liste] Re: Hello", "Hello", true);
    // The last blob is the base subject if nothing else is left.
    check("[liste]", "[liste]", false);
    check("[a] [b]", "[b]", false);
    check("Re: [liste]", "[liste]", true);
    // An unclosed or nested bracket is no blob.
    check("[liste Hello", "[liste Hello", false);
    check("[a[b]] Hello", "[a[b]] Hello", false);
}

#[test]
fn trailers() {
    check("Hello (fwd)", "Hello", true);
    check("Hello (FWD) (fwd)  ", "Hello", true);
    check("Hello(fwd)", "Hello", true);
    check("(fwd)", "", true);
}

#[test]
fn forward_wrappers() {
    check("[Fwd: Hello]", "Hello", true);
    check("[fwd: Re: Hello]", "Hello", true);
    check("[Fwd: [Fwd: Hello (fwd)]]", "Hello", true);
    // The wrapper needs its closing bracket at the very end.
    check("[Fwd: Hello] more", "more", false);
    check("Re: [Fwd: Hello]", "Hello", true);
}

#[test]
fn unicode_is_untouched_and_never_split() {
    check("Re: Réunion à 10 h", "Réunion à 10 h", true);
    check("[équipe] Re: 会議の議題", "会議の議題", true);
    check("Ré: bonjour", "Ré: bonjour", false);
    // Multi-byte text right before a trailer or after a leader.
    check("Re:été(fwd)", "été", true);
    check("[é]", "[é]", false);
    check("[é] x", "x", false);
}

#[test]
fn base_subject_is_the_first_half() {
    assert_eq!(base_subject("Re: [Fwd: Hello]"), "Hello");
}

#[test]
fn long_inputs_take_linear_passes() {
    // Thousands of markers: every pass removes one, none is quadratic in
    // allocations (the result is borrowed until the end).
    let s = "Re: ".repeat(20_000) + "x";
    check(&s, "x", true);
    let s = "[a] ".repeat(20_000) + "x";
    check(&s, "x", false);
    let s = "x".to_string() + &" (fwd)".repeat(20_000);
    check(&s, "x", true);
}

#[test]
fn casemap_folds_case_and_accents_apart() {
    assert_eq!(unicode_casemap("hello"), unicode_casemap("HeLLo"));
    assert_eq!(unicode_casemap("réunion"), unicode_casemap("RÉUNION"));
    // Precomposed and decomposed forms are the same string.
    assert_eq!(unicode_casemap("e\u{301}"), unicode_casemap("\u{e9}"));
    // The ligature decomposes; titlecase digraphs are one class.
    assert_eq!(unicode_casemap("\u{fb01}"), "fi");
    assert_eq!(unicode_casemap("\u{1c4}"), unicode_casemap("\u{1c6}"));
    // ß has no single-character titlecase: it stays itself.
    assert_eq!(unicode_casemap("ß"), "ß");
    // Order: i;ascii-casemap maps to upper case, so "_" sorts after letters.
    assert!(unicode_casemap("_") > unicode_casemap("z"));
    assert!(unicode_casemap("a") < unicode_casemap("B"));
    assert!(unicode_casemap("") < unicode_casemap("a"));
}
