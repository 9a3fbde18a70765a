//! Keyword and phrase rules with weights, from a TOML file an
//! administrator edits (French and English defaults are built in and used
//! when no file is configured). A rule fires once per message, however
//! often its phrases occur, and only on whole words: "gratuit" matches
//! "c'est gratuit !" but not "gratuitement" unless listed.
//!
//! ```toml
//! [[rule]]
//! name = "FR_ARGENT_FACILE"      # shown in X-Spam-Report: A-Z, 0-9, _
//! in = "any"                     # "subject", "body" or "any"
//! points = 2.5                   # negative points mark ham signs
//! phrases = ["argent facile", "gagnez de l'argent"]
//! ```
//!
//! Phrases are folded like the message (`text::fold`), so case and
//! accents never matter. [`Reloading`] rereads the file when it changes,
//! without a restart; a file with an error keeps the previous rules and
//! says why in the log.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use aho_corasick::AhoCorasick;
use serde::Deserialize;

use crate::text::fold;

/// The built-in rules: French first, English second.
pub const DEFAULT_FR: &str = include_str!("../rules/fr.toml");
pub const DEFAULT_EN: &str = include_str!("../rules/en.toml");

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RulesError {
    #[error("{file}: {reason}")]
    Invalid { file: String, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Subject,
    Body,
    Any,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleText {
    name: String,
    #[serde(rename = "in")]
    scope: Scope,
    points: f32,
    phrases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileText {
    #[serde(default)]
    rule: Vec<RuleText>,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub scope: Scope,
    pub points: f32,
}

/// A compiled set of rules: one automaton over every phrase.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    /// For each automaton pattern, the rule it belongs to.
    owner: Vec<usize>,
    matcher: Option<AhoCorasick>,
}

impl RuleSet {
    /// The built-in French and English rules.
    pub fn defaults() -> RuleSet {
        // The built-in files are checked by a unit test.
        RuleSet::parse(&[("fr.toml", DEFAULT_FR), ("en.toml", DEFAULT_EN)])
            .unwrap_or_else(|_| RuleSet::empty())
    }

    pub fn empty() -> RuleSet {
        RuleSet {
            rules: Vec::new(),
            owner: Vec::new(),
            matcher: None,
        }
    }

    /// Parses rule files (name, text); every error of every file at once.
    pub fn parse(files: &[(&str, &str)]) -> Result<RuleSet, Vec<RulesError>> {
        let mut rules = Vec::new();
        let mut patterns = Vec::new();
        let mut owner = Vec::new();
        let mut errors = Vec::new();
        for (file, text) in files {
            let bad = |reason: String| RulesError::Invalid {
                file: file.to_string(),
                reason,
            };
            let parsed: FileText = match toml::from_str(text) {
                Ok(p) => p,
                Err(e) => {
                    errors.push(bad(e.message().to_string()));
                    continue;
                }
            };
            for r in parsed.rule {
                if r.name.is_empty()
                    || !r
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                {
                    errors.push(bad(format!(
                        "rule name {:?}: use capital letters, digits and _",
                        r.name
                    )));
                    continue;
                }
                if !r.points.is_finite() || r.points.abs() > 100.0 {
                    errors.push(bad(format!(
                        "rule {}: points must be between -100 and 100",
                        r.name
                    )));
                    continue;
                }
                let folded: Vec<String> = r
                    .phrases
                    .iter()
                    .map(|p| fold(p))
                    .filter(|p| p.trim().len() >= 2)
                    .collect();
                if folded.is_empty() {
                    errors.push(bad(format!(
                        "rule {}: no phrase of two letters or more",
                        r.name
                    )));
                    continue;
                }
                let i = rules.len();
                for p in folded {
                    patterns.push(p);
                    owner.push(i);
                }
                rules.push(Rule {
                    name: r.name,
                    scope: r.scope,
                    points: r.points,
                });
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let matcher = if patterns.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&patterns).map_err(|e| {
                vec![RulesError::Invalid {
                    file: "rules".into(),
                    reason: e.to_string(),
                }]
            })?)
        };
        Ok(RuleSet {
            rules,
            owner,
            matcher,
        })
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules that fire on a folded subject and body (`text::fold`),
    /// each once, in rule order.
    pub fn matches(&self, subject: &str, body: &str) -> Vec<&Rule> {
        let Some(m) = &self.matcher else {
            return Vec::new();
        };
        let mut fired = vec![false; self.rules.len()];
        for (text, in_subject) in [(subject, true), (body, false)] {
            // Overlapping: a phrase inside a longer one still counts, and
            // each pattern is bounded by spaces (folded text), so every
            // match is a whole-word match.
            for hit in m.find_overlapping_iter(text) {
                let r = self.owner[hit.pattern().as_usize()];
                let scope = self.rules[r].scope;
                if scope == Scope::Any || (scope == Scope::Subject) == in_subject {
                    fired[r] = true;
                }
            }
        }
        self.rules
            .iter()
            .zip(fired)
            .filter_map(|(r, f)| f.then_some(r))
            .collect()
    }
}

/// A rules file reread when its modification time changes, checked at
/// most once per `every`.
pub struct Reloading {
    path: Option<PathBuf>,
    every: Duration,
    state: Mutex<State>,
}

struct State {
    rules: Arc<RuleSet>,
    mtime: Option<SystemTime>,
    checked: Instant,
}

impl Reloading {
    /// The rules of `path` (or the built-in ones when `None`). An error in
    /// the file at start is returned: the server should not start with
    /// rules it cannot read.
    pub fn open(path: Option<&Path>, every: Duration) -> Result<Reloading, Vec<RulesError>> {
        let (rules, mtime) = match path {
            None => (RuleSet::defaults(), None),
            Some(p) => read(p)?,
        };
        Ok(Reloading {
            path: path.map(Path::to_path_buf),
            every,
            state: Mutex::new(State {
                rules: Arc::new(rules),
                mtime,
                checked: Instant::now(),
            }),
        })
    }

    /// The current rules, rereading the file first if it changed.
    pub fn current(&self) -> Arc<RuleSet> {
        let Ok(mut st) = self.state.lock() else {
            return Arc::new(RuleSet::defaults());
        };
        let Some(path) = &self.path else {
            return st.rules.clone();
        };
        if st.checked.elapsed() < self.every {
            return st.rules.clone();
        }
        st.checked = Instant::now();
        let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if mtime != st.mtime {
            match read(path) {
                Ok((rules, m)) => {
                    tracing::info!(path = %path.display(), rules = rules.len(), "spam rules reloaded");
                    st.rules = Arc::new(rules);
                    st.mtime = m;
                }
                Err(errors) => {
                    // Keep the rules that work; say what is wrong.
                    st.mtime = mtime;
                    for e in errors {
                        tracing::error!(error = %e, "spam rules not reloaded");
                    }
                }
            }
        }
        st.rules.clone()
    }
}

fn read(path: &Path) -> Result<(RuleSet, Option<SystemTime>), Vec<RulesError>> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![RulesError::Invalid {
            file: name.clone(),
            reason: e.to_string(),
        }]
    })?;
    let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    Ok((RuleSet::parse(&[(&name, &text)])?, mtime))
}
