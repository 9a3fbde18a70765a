//! Spam scoring (R24): the charter asks to filter "the most without false
//! positives", with a cursor the académie sets. A message's score is the
//! sum of
//! - keyword and phrase rules with weights (`rules.rs`: French and English
//!   defaults built in, an editable file reloaded without restart),
//! - header and structure tests (`structure.rs`: forged or missing
//!   headers, HTML-only or hidden text, shorteners, links showing another
//!   site, bulk signs),
//! - the SPF, DKIM and DMARC results of the ingest gate ([`Auth`]),
//! - a naive Bayes classifier on words, word pairs (`bayes.rs`) and the
//!   message's form (`features.rs`) that learns from `spam@` reports and
//!   from moves into and out of Junk; once it speaks, the phrase rules
//!   count half, since it reads the same words.
//!
//! The thresholds (junk, quarantine, reject) are the filter pipeline's,
//! per domain; this crate only scores and explains. [`Report::headers`]
//! gives `X-Spam-Score` and an `X-Spam-Report` of rule names and points
//! only: no word of the message is ever quoted in a header or a log.
//!
//! No I/O but reading the rules file; no dependency on the store or the
//! delivery path (layer 2): the pipeline stage that calls it and the
//! model's persistence live above.

pub mod bayes;
pub mod features;
pub mod phish;
pub mod report;
pub mod rules;
pub mod structure;
pub mod text;

use mail_parser::{Message, MessageParser};

pub use bayes::{Learned, MIN_LEARNED, Model};
pub use rules::{Reloading, RuleSet, RulesError};

/// One rule or test that fired, with its points.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: String,
    pub points: f32,
}

/// An authentication result as the gate computed it (RFC 8601 words).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outcome {
    Pass,
    Fail,
    SoftFail,
    Neutral,
    #[default]
    None,
    TempError,
}

/// SPF (RFC 7208), DKIM (RFC 6376) and DMARC (RFC 7489) of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Auth {
    pub spf: Outcome,
    pub dkim: Outcome,
    pub dmarc: Outcome,
}

impl Auth {
    fn hits(&self) -> Vec<Hit> {
        let mut out = Vec::new();
        let mut add = |rule: &str, points: f32| {
            out.push(Hit {
                rule: rule.into(),
                points,
            })
        };
        match self.spf {
            Outcome::Fail => add("SPF_FAIL", 2.0),
            Outcome::SoftFail => add("SPF_SOFTFAIL", 0.8),
            _ => {}
        }
        if self.dkim == Outcome::Fail {
            add("DKIM_FAIL", 1.0);
        }
        match self.dmarc {
            Outcome::Fail => add("DMARC_FAIL", 3.0),
            // An aligned, authenticated sender is a strong sign of ham.
            Outcome::Pass => add("DMARC_PASS", -1.0),
            _ => {}
        }
        out
    }
}

/// What the scorer needs besides the bytes.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub auth: Auth,
    /// Arrival time (Unix seconds), for the date tests.
    pub now: i64,
}

/// A message's score and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub score: f32,
    pub hits: Vec<Hit>,
    /// The classifier's probability, when it had learned enough.
    pub bayes: Option<f64>,
}

impl Report {
    /// `X-Spam-Score` and `X-Spam-Report` (rule names and points, no
    /// content), for the pipeline to add.
    pub fn headers(&self) -> [(&'static str, String); 2] {
        let mut parts: Vec<String> = self
            .hits
            .iter()
            .map(|h| format!("{}={:.1}", h.rule, h.points))
            .collect();
        if parts.is_empty() {
            parts.push("none".into());
        }
        [
            ("X-Spam-Score", format!("{:.1}", self.score)),
            ("X-Spam-Report", parts.join(" ")),
        ]
    }
}

/// Points of the classifier's verdict: strong only when it is sure. Set
/// for models that learn as the deployment's do, from what they were wrong
/// or unsure of ([`bayes::SURE`]: `vesontio spam learn`, reports and Junk
/// moves alike), whose probabilities are less extreme than those of a
/// model that learned everything: in the corpus bench (benches/README.md,
/// "the ways of learning") such a model puts 0.02 % of ham at p ≥ 0.95
/// in 5-fold cross-validation and none from older to newer mail (session
/// 13 too, and 0.05 % of the half split), so
/// p ≥ 0.95 reaches the default junk threshold (5) alone. (A model that
/// learned everything puts 0.17 % of ham over 5 with these points: re-seed
/// such a model with `spam learn`.)
fn bayes_hit(p: f64) -> Option<Hit> {
    let (rule, points) = match p {
        p if p >= 0.999 => ("BAYES_999", 6.0),
        p if p >= 0.99 => ("BAYES_99", 5.5),
        p if p >= 0.95 => ("BAYES_95", 5.0),
        p if p >= 0.80 => ("BAYES_80", 2.0),
        p if p <= 0.01 => ("BAYES_00", -2.5),
        p if p <= 0.05 => ("BAYES_05", -1.0),
        _ => return None,
    };
    Some(Hit {
        rule: rule.into(),
        points,
    })
}

/// What a phrase rule's points count once the classifier speaks.
pub const PHRASES_WITH_CLASSIFIER: f32 = 0.5;

/// The decoded subject and readable body text of a message.
pub fn subject_and_body(raw: &[u8]) -> (String, String) {
    subject_and_body_of(MessageParser::default().parse(raw).as_ref())
}

/// [`subject_and_body`] of a message already parsed (decoding the parts
/// is most of a score's cost: one parse serves every test).
pub fn subject_and_body_of(msg: Option<&mail_parser::Message<'_>>) -> (String, String) {
    let Some(msg) = msg else {
        return (String::new(), String::new());
    };
    let subject = msg.subject().map(str::to_string).unwrap_or_default();
    (subject, vesontio_message::mime::body_text_of(msg))
}

/// Everything the classifier reads of a message: its words and word
/// pairs (`bayes::clues`) and its form (`features`), distinct.
fn classifier_clues(msg: Option<&Message<'_>>, subject: &str, body: &str) -> Vec<bayes::Clue> {
    let mut clues = bayes::clues(subject, body);
    if let Some(m) = msg {
        clues.extend(features::of(m).into_iter().map(bayes::Clue::One));
        clues.sort_unstable_by_key(bayes::Clue::hash);
        clues.dedup_by_key(|c| c.hash());
    }
    clues
}

/// Scores `raw` with `rules` and, when given, the classifier `models` (a
/// domain's and the shared base).
pub fn score(rules: &RuleSet, models: &[&Model], raw: &[u8], ctx: &Context) -> Report {
    // One parse for the phrase rules, the structure tests and the
    // classifier's features.
    let msg = MessageParser::default().parse(raw);
    score_message(rules, models, msg.as_ref(), ctx)
}

/// [`score`] of a message already parsed (`None`: it does not parse), so
/// that the pipeline's stages share one parse.
pub fn score_message(
    rules: &RuleSet,
    models: &[&Model],
    msg: Option<&Message<'_>>,
    ctx: &Context,
) -> Report {
    let (subject, body) = subject_and_body_of(msg);
    let (fs, fb) = (text::fold(&subject), text::fold(&body));
    let mut hits: Vec<Hit> = rules
        .matches(&fs, &fb)
        .into_iter()
        .map(|r| Hit {
            rule: r.name.clone(),
            points: r.points,
        })
        .collect();
    let phrases = hits.len();
    hits.extend(structure::check_message(msg, ctx.now));
    hits.extend(ctx.auth.hits());
    let bayes = if models.is_empty() {
        None
    } else {
        bayes::probability_of(models, &classifier_clues(msg, &subject, &body))
    };
    if bayes.is_some() {
        // The classifier reads the same words as the phrase rules: once it
        // speaks, a phrase rule is half of the evidence it was alone
        // (SpamAssassin lowers its rules' scores when Bayes is on, for
        // the same reason). The structure and authentication tests see
        // what words do not and keep their points.
        for h in &mut hits[..phrases] {
            h.points *= PHRASES_WITH_CLASSIFIER;
        }
    }
    hits.extend(bayes.and_then(bayes_hit));
    let score = hits.iter().map(|h| h.points).sum::<f32>();
    Report {
        score: (score * 10.0).round() / 10.0,
        hits,
        bayes,
    }
}

/// The identity of a message for learning: a hash of its bytes, so the
/// same report sent twice is learned once.
pub fn message_id(raw: &[u8]) -> u64 {
    text::fnv1a(&[raw])
}

/// Learns `raw` as spam or ham in `model`.
pub fn learn(model: &mut Model, raw: &[u8], spam: bool) -> Learned {
    model.learn(message_id(raw), &tokens(raw), spam)
}

/// Learns `raw` in `model` only when the classifier (`others`, e.g. the
/// shared base, with `model`) is wrong or unsure of it
/// ([`Model::learn_if_unsure`]); `None` when it was right and sure.
pub fn learn_if_unsure(
    others: &[&Model],
    model: &mut Model,
    raw: &[u8],
    spam: bool,
) -> Option<Learned> {
    model.learn_if_unsure(others, message_id(raw), &clues(raw), spam)
}

/// The distinct tokens the classifier learns of `raw` (its words, word
/// pairs and form).
pub fn tokens(raw: &[u8]) -> Vec<u64> {
    clues(raw).iter().map(bayes::Clue::hash).collect()
}

/// The same as the classifier scores them ([`bayes::probability_of`]),
/// for the corpus bench to learn and score without parsing again.
pub fn clues(raw: &[u8]) -> Vec<bayes::Clue> {
    let msg = MessageParser::default().parse(raw);
    let subject = msg.as_ref().and_then(|m| m.subject()).unwrap_or_default();
    let body = vesontio_message::mime::body_text(raw);
    classifier_clues(msg.as_ref(), subject, &body)
}

#[cfg(test)]
mod tests;
