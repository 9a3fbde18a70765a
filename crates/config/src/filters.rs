//! `[filters]`: the filter pipeline of the delivery path (issue 15): each
//! stage's timeout and failure policy, and the score thresholds (R24's
//! "cursor") with per-domain overrides.
//!
//! ```toml
//! [filters]
//! timeout = "30s"          # per stage, unless its own table says otherwise
//! on_failure = "tempfail"  # or "pass"
//! junk = 5.0               # at or above: filed into Junk (= spam.threshold)
//! quarantine = 15.0        # at or above: quarantined (absent: never)
//! reject = 25.0            # at or above: refused (absent: never)
//! [filters.stages.antivirus]
//! timeout = "20s"
//! on_failure = "tempfail"
//! [filters.domains."ac-autre.fr"]
//! junk = 4.0
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use toml::Table;

use crate::HumanDuration;
use crate::reader::{Reader, Section, expected};

/// What a stage's failure (an error or its timeout) does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailurePolicy {
    /// `451 4.7.1`: the sender retries, nothing unfiltered is delivered.
    Tempfail,
    /// Go on as if the stage were absent.
    Pass,
}

/// `[filters.stages.<name>]`: one stage's own timeout and policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StageSettings {
    pub timeout: HumanDuration,
    pub on_failure: FailurePolicy,
}

/// Score thresholds; an absent one is off.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ScoreThresholds {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub junk: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject: Option<f64>,
}

/// `[filters]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Filters {
    /// How long a stage may take. Default `"30s"`.
    pub timeout: HumanDuration,
    /// `"tempfail"` (default) or `"pass"`.
    pub on_failure: FailurePolicy,
    /// From this score a copy is quarantined. Default: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quarantine: Option<f64>,
    /// From this score the message is refused. Default: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject: Option<f64>,
    /// Per-stage timeout and policy, by stage name.
    pub stages: BTreeMap<String, StageSettings>,
    /// Per-domain thresholds; a key absent there is the global one.
    pub domains: BTreeMap<String, ScoreThresholds>,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            timeout: HumanDuration(Duration::from_secs(30)),
            on_failure: FailurePolicy::Tempfail,
            quarantine: None,
            reject: None,
            stages: BTreeMap::new(),
            domains: BTreeMap::new(),
        }
    }
}

impl Filters {
    /// The thresholds that apply to `domain`; `junk` is the global Junk
    /// threshold, `spam.threshold` (the file may call it `filters.junk`:
    /// one value, kept and written as `spam.threshold`).
    pub fn thresholds_for(&self, junk: f64, domain: &str) -> ScoreThresholds {
        let d = self.domains.get(domain).copied().unwrap_or_default();
        ScoreThresholds {
            junk: d.junk.or(Some(junk)),
            quarantine: d.quarantine.or(self.quarantine),
            reject: d.reject.or(self.reject),
        }
    }
}

const POLICIES: [(&str, FailurePolicy); 2] = [
    ("tempfail", FailurePolicy::Tempfail),
    ("pass", FailurePolicy::Pass),
];

fn thresholds(s: &mut Section<'_, '_>) -> ScoreThresholds {
    ScoreThresholds {
        junk: s.float_opt("junk", 0.0, 1000.0),
        quarantine: s.float_opt("quarantine", 0.0, 1000.0),
        reject: s.float_opt("reject", 0.0, 1000.0),
    }
}

/// Reads `[filters]` and its sub-tables, and the Junk threshold:
/// `filters.junk` or `spam.threshold` (`spam_threshold`, when the file
/// gives it), its former name, 5.0 by default.
pub(crate) fn read_filters(
    r: &mut Reader,
    table: Option<&Table>,
    spam_threshold: Option<f64>,
) -> (Filters, f64) {
    let d = Filters::default();
    let mut s = r.section("filters", table);
    let timeout = s.duration("timeout", d.timeout);
    let on_failure = s.choice("on_failure", d.on_failure, &POLICIES);
    let global = thresholds(&mut s);
    let stages_table = s.table("stages");
    let domains_table = s.table("domains");
    let junk = match (global.junk, spam_threshold) {
        (Some(j), Some(t)) if j != t => {
            s.error(
                "junk",
                format!(
                    "spam.threshold ({t}) is the former name of filters.junk ({j}); keep only filters.junk"
                ),
            );
            j
        }
        (Some(j), _) => j,
        (None, Some(t)) => t,
        (None, None) => 5.0,
    };
    s.finish();
    let mut f = Filters {
        timeout,
        on_failure,
        quarantine: global.quarantine,
        reject: global.reject,
        stages: BTreeMap::new(),
        domains: BTreeMap::new(),
    };
    // Every key of [filters.stages] is a stage name: filters plug in
    // later, so none is "unknown"; each must be a table.
    for (name, v) in stages_table.into_iter().flatten() {
        let path = format!("filters.stages.{name}");
        let Some(t) = v.as_table() else {
            r.error(path.clone(), expected(&format!("a table [{path}]"), v));
            continue;
        };
        let mut s = r.section(&path, Some(t));
        let st = StageSettings {
            timeout: s.duration("timeout", timeout),
            on_failure: s.choice("on_failure", on_failure, &POLICIES),
        };
        s.finish();
        f.stages.insert(name.clone(), st);
    }
    for (domain, v) in domains_table.into_iter().flatten() {
        let path = format!("filters.domains.\"{domain}\"");
        let Some(t) = v.as_table() else {
            r.error(path.clone(), expected(&format!("a table [{path}]"), v));
            continue;
        };
        let mut s = r.section(&path, Some(t));
        let th = thresholds(&mut s);
        s.finish();
        f.domains.insert(domain.to_ascii_lowercase(), th);
    }
    validate(&f, junk, r);
    (f, junk)
}

/// The thresholds must rise: Junk, then quarantine, then refusal, for
/// every domain (a refusal below the Junk score would refuse what should
/// only be filed).
fn validate(f: &Filters, junk: f64, r: &mut Reader) {
    let mut check = |key: String, t: ScoreThresholds| {
        let order = [
            ("junk", t.junk),
            ("quarantine", t.quarantine),
            ("reject", t.reject),
        ];
        for (i, (lo_name, lo)) in order.iter().enumerate() {
            for (hi_name, hi) in &order[i + 1..] {
                if let (Some(lo), Some(hi)) = (lo, hi)
                    && hi < lo
                {
                    r.error(
                        format!("{key}.{hi_name}"),
                        format!("must be at least {key}.{lo_name} ({lo}), found {hi}"),
                    );
                }
            }
        }
    };
    check("filters".into(), f.thresholds_for(junk, ""));
    for domain in f.domains.keys() {
        check(
            format!("filters.domains.\"{domain}\""),
            f.thresholds_for(junk, domain),
        );
    }
}
