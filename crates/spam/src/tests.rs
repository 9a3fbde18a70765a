#![allow(clippy::unwrap_used)]

use std::time::Duration;

use super::*;

const NOW: i64 = 1_780_000_000;
const DATE: &str = "Date: Thu, 28 May 2026 20:00:00 +0000\r\nMessage-ID: <m@x.fr>\r\n";

fn ctx() -> Context {
    Context {
        auth: Auth::default(),
        now: NOW,
    }
}

fn names(r: &Report) -> Vec<&str> {
    r.hits.iter().map(|h| h.rule.as_str()).collect()
}

#[test]
fn built_in_rule_files_parse() {
    let fr = RuleSet::parse(&[("fr.toml", rules::DEFAULT_FR)]).expect("fr.toml");
    let en = RuleSet::parse(&[("en.toml", rules::DEFAULT_EN)]).expect("en.toml");
    assert!(fr.len() >= 15 && en.len() >= 10);
    assert_eq!(RuleSet::defaults().len(), fr.len() + en.len());
}

#[test]
fn rules_match_whole_words_in_their_scope_whatever_case_and_accents() {
    let set = RuleSet::parse(&[(
        "t.toml",
        r#"
[[rule]]
name = "GRATUIT"
in = "subject"
points = 1.5
phrases = ["gratuit"]

[[rule]]
name = "ARGENT"
in = "any"
points = 2.5
phrases = ["argent facile", "gagnez de l'argent"]
"#,
    )])
    .unwrap();
    let m = |s: &str, b: &str| -> Vec<String> {
        set.matches(&text::fold(s), &text::fold(b))
            .into_iter()
            .map(|r| r.name.clone())
            .collect()
    };
    assert_eq!(m("C'est GRATUIT !", ""), vec!["GRATUIT"]);
    // Subject-only rule: not in the body; not inside a longer word.
    assert!(m("", "gratuit").is_empty());
    assert!(m("gratuitement", "").is_empty());
    // Once, however often; accents and apostrophes folded.
    assert_eq!(
        m("", "Gagnez de l’argent ! GAGNEZ DE L'ARGENT, argent facile"),
        vec!["ARGENT"]
    );
    assert_eq!(m("", "de l'argent facilement"), Vec::<String>::new());
}

#[test]
fn bad_rule_files_say_every_problem() {
    let errs = RuleSet::parse(&[
        (
            "a.toml",
            "[[rule]]\nname = \"bad name\"\nin = \"any\"\npoints = 1\nphrases = [\"x y\"]\n",
        ),
        (
            "b.toml",
            "[[rule]]\nname = \"OK\"\nin = \"everywhere\"\npoints = 1\nphrases = [\"x\"]\n",
        ),
        (
            "c.toml",
            "[[rule]]\nname = \"EMPTY\"\nin = \"any\"\npoints = 1\nphrases = [\"!\"]\n",
        ),
    ])
    .unwrap_err();
    assert_eq!(errs.len(), 3, "{errs:?}");
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(
        text[0].starts_with("a.toml: rule name \"bad name\""),
        "{text:?}"
    );
    assert!(text[1].starts_with("b.toml: "), "{text:?}");
    assert!(text[2].contains("EMPTY"), "{text:?}");
}

#[test]
fn a_rules_file_is_reloaded_when_it_changes_and_kept_when_broken() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rules.toml");
    let one = "[[rule]]\nname = \"ONE\"\nin = \"any\"\npoints = 1\nphrases = [\"alpha\"]\n";
    std::fs::write(&path, one).unwrap();
    let r = Reloading::open(Some(&path), Duration::ZERO).unwrap();
    assert_eq!(r.current().len(), 1);
    let two =
        format!("{one}[[rule]]\nname = \"TWO\"\nin = \"any\"\npoints = 1\nphrases = [\"beta\"]\n");
    std::fs::write(&path, two).unwrap();
    // Make the change visible even on file systems with coarse times.
    let later = std::time::SystemTime::now() + Duration::from_secs(5);
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later)
        .unwrap();
    assert_eq!(r.current().len(), 2);
    std::fs::write(&path, "not toml [[[").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(later + Duration::from_secs(5))
        .unwrap();
    assert_eq!(
        r.current().len(),
        2,
        "a broken file keeps the rules that worked"
    );
    // At start, a broken file is an error, not a silent empty set.
    assert!(Reloading::open(Some(&path), Duration::ZERO).is_err());
}

#[test]
fn a_phishing_message_scores_high_and_a_school_message_low() {
    let rules = RuleSet::defaults();
    let phish = format!(
        "{DATE}From: \"support@ac-test.fr\" <x@evil.example>\r\nSubject: Votre compte sera suspendu\r\n\
         Content-Type: text/html\r\n\r\n<p>Votre boîte aux lettres est pleine. Cliquez ici :\
         <a href=\"https://bit.ly/zz\">https://mail.ac-test.fr</a></p>\r\n"
    );
    let mut c = ctx();
    c.auth.spf = Outcome::Fail;
    let r = score(&rules, &[], phish.as_bytes(), &c);
    for n in [
        "FR_COMPTE_SUSPENDU",
        "FR_CLIQUEZ_ICI",
        "FROM_NAME_OTHER_ADDRESS",
        "HTML_ONLY",
        "URL_SHORTENER",
        "LINK_TEXT_OTHER_HOST",
        "SPF_FAIL",
    ] {
        assert!(names(&r).contains(&n), "{n} in {:?}", names(&r));
    }
    assert!(r.score >= 10.0, "{r:?}");
    let school = format!(
        "{DATE}From: Paul Durand <paul.durand@ac-test.fr>\r\nSubject: Conseil de classe de 3e B\r\n\r\n\
         Le conseil de classe aura lieu jeudi ; l'ordre du jour est joint.\r\n"
    );
    let mut c = ctx();
    c.auth.dmarc = Outcome::Pass;
    let r = score(&rules, &[], school.as_bytes(), &c);
    assert!(r.score < 0.0, "{r:?}");
    let [(n1, v1), (n2, v2)] = r.headers();
    assert_eq!((n1, v1.as_str()), ("X-Spam-Score", "-2.5"));
    assert_eq!(n2, "X-Spam-Report");
    assert_eq!(
        v2,
        "FR_VIE_SCOLAIRE=-1.0 FR_ADMINISTRATION=-0.5 DMARC_PASS=-1.0"
    );
}

#[test]
fn the_report_header_never_quotes_the_message() {
    let raw = format!(
        "{DATE}From: a@x.fr\r\nSubject: Gagnez de l'argent facile\r\n\r\nargent facile\r\n"
    );
    let r = score(&RuleSet::defaults(), &[], raw.as_bytes(), &ctx());
    let [(_, _), (_, report)] = r.headers();
    assert!(report.contains("FR_ARGENT_FACILE=2.5"), "{report}");
    assert!(!report.to_lowercase().contains("argent facile"));
    assert!(!report.contains('\n') && !report.contains('\r'));
}

#[test]
fn the_classifier_joins_the_score_once_it_has_learned() {
    let mut model = Model::new();
    for i in 0..bayes::MIN_LEARNED {
        let spam = format!(
            "{DATE}From: a@x.fr\r\nSubject: Casino {i}\r\n\r\nbonus casino jackpot tours gratuits roulette {i}\r\n"
        );
        let ham = format!(
            "{DATE}From: b@ac-test.fr\r\nSubject: Cantine {i}\r\n\r\nmenu de la cantine et horaires du car scolaire {i}\r\n"
        );
        assert_eq!(learn(&mut model, spam.as_bytes(), true), Learned::New);
        learn(&mut model, ham.as_bytes(), false);
    }
    let probe = format!("{DATE}From: c@y.fr\r\nSubject: Casino\r\n\r\nroulette bonus jackpot\r\n");
    let r = score(&RuleSet::empty(), &[&model], probe.as_bytes(), &ctx());
    assert!(r.bayes.unwrap() >= 0.999, "{r:?}");
    assert_eq!(names(&r), vec!["BAYES_999"]);
    assert_eq!(
        r.score, 6.0,
        "sure alone: over the default junk threshold (5)"
    );
    let probe =
        format!("{DATE}From: c@ac-test.fr\r\nSubject: Cantine\r\n\r\nhoraires du car scolaire\r\n");
    let r = score(&RuleSet::empty(), &[&model], probe.as_bytes(), &ctx());
    assert_eq!(names(&r), vec!["BAYES_00"]);
    // The same message learned again changes nothing.
    let again = format!(
        "{DATE}From: a@x.fr\r\nSubject: Casino 0\r\n\r\nbonus casino jackpot tours gratuits roulette 0\r\n"
    );
    let before = model.clone();
    assert_eq!(learn(&mut model, again.as_bytes(), true), Learned::Again);
    assert_eq!(model, before);
}

#[test]
fn broken_input_scores_without_panicking() {
    for raw in [
        &b""[..],
        b"\xff\xfe\x00garbage",
        b"Subject: =?utf-8?b?!!!?=\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--",
        b"Content-Type: text/html\r\n\r\n<a href=\"http://[::1\">x</a><a href=",
    ] {
        let r = score(&RuleSet::defaults(), &[], raw, &ctx());
        assert!(r.score.is_finite());
    }
}

#[test]
fn phrase_rules_count_half_once_the_classifier_speaks() {
    let mut model = Model::new();
    for i in 0..bayes::MIN_LEARNED {
        let spam =
            format!("{DATE}From: a@x.fr\r\nSubject: Jeu {i}\r\n\r\nroulette jackpot {i}\r\n");
        let ham =
            format!("{DATE}From: b@ac-test.fr\r\nSubject: Car {i}\r\n\r\nhoraires du car {i}\r\n");
        learn(&mut model, spam.as_bytes(), true);
        learn(&mut model, ham.as_bytes(), false);
    }
    // Words the model never saw: it speaks (p = 0.5) and gives no points.
    let raw = format!(
        "{DATE}From: c@y.fr\r\nTo: d@ac-test.fr\r\nSubject: Info\r\n\r\nGagnez de l'argent facile.\r\n"
    );
    let points = |r: &Report| {
        r.hits
            .iter()
            .find(|h| h.rule == "FR_ARGENT_FACILE")
            .map(|h| h.points)
    };
    let alone = score(&RuleSet::defaults(), &[], raw.as_bytes(), &ctx());
    let with = score(&RuleSet::defaults(), &[&model], raw.as_bytes(), &ctx());
    assert_eq!(points(&alone), Some(2.5), "{alone:?}");
    assert_eq!(with.bayes, Some(0.5), "{with:?}");
    assert_eq!(points(&with), Some(2.5 * PHRASES_WITH_CLASSIFIER));
    assert!(with.score < alone.score, "{} < {}", with.score, alone.score);
    let [_, (_, report)] = with.headers();
    assert!(report.contains("FR_ARGENT_FACILE=1.2"), "{report}");
}

#[test]
fn the_classifier_reads_the_form_as_well_as_the_words() {
    // Spam and ham with the same words, told apart only by their form:
    // the sender's domain and the host their link goes to.
    let mut model = Model::new();
    let msg = |from: &str, host: &str, i: u32| {
        format!(
            "{DATE}From: {from}\r\nSubject: Lettre {i}\r\nContent-Type: text/html\r\n\r\n\
             <p>La lettre de la semaine {i}</p><a href=\"http://{host}/l\">lire</a>\r\n"
        )
    };
    for i in 0..bayes::MIN_LEARNED {
        learn(
            &mut model,
            msg("x@promo.example", "track.example", i).as_bytes(),
            true,
        );
        learn(
            &mut model,
            msg("lettre@ac-test.fr", "www.ac-test.fr", i).as_bytes(),
            false,
        );
    }
    let spam = score(
        &RuleSet::empty(),
        &[&model],
        msg("y@promo.example", "track.example", 99).as_bytes(),
        &ctx(),
    );
    let ham = score(
        &RuleSet::empty(),
        &[&model],
        msg("lettre@ac-test.fr", "www.ac-test.fr", 99).as_bytes(),
        &ctx(),
    );
    assert!(spam.bayes.unwrap() > 0.9, "{spam:?}");
    assert!(ham.bayes.unwrap() < 0.1, "{ham:?}");
}

#[test]
fn what_is_learned_is_what_is_scored() {
    let raw = format!(
        "{DATE}From: Lettre <l@promo.example>\r\nX-Mailer: Mailer 2.0\r\nSubject: Offre\r\n\r\n\
         Lisez https://track.example/x maintenant\r\n"
    );
    let toks = tokens(raw.as_bytes());
    let clues = clues(raw.as_bytes());
    assert_eq!(
        toks,
        clues.iter().map(bayes::Clue::hash).collect::<Vec<_>>()
    );
    // Words, pairs and form tokens, each once.
    let words = bayes::tokens("Offre", "Lisez https://track.example/x maintenant");
    assert!(words.iter().all(|w| toks.contains(w)));
    assert!(
        toks.len() > words.len() + 5,
        "{} > {}",
        toks.len(),
        words.len()
    );
    let mut sorted = toks.clone();
    sorted.dedup();
    assert_eq!(sorted, toks);
    let mut model = Model::new();
    learn(&mut model, raw.as_bytes(), true);
    assert_eq!(model.token_count(), toks.len());
}
