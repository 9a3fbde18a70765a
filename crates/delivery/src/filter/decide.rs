//! From the stages' verdicts to one [`Disposition`] per recipient: the
//! verdicts about the whole message and those about this recipient, the
//! score summed and compared with the thresholds of the recipient's
//! domain (R24), the folder, and the fate (deliver, quarantine R9, hold
//! R8, discard, refuse).

use super::{Action, FilterRecipient, FilterSettings, Scope, StageOutcome};
use crate::{Refused, Rule};

/// What happens to one recipient's copy.
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    Deliver,
    /// R9: isolated, never delivered.
    Quarantine {
        reason: String,
        rule: String,
    },
    /// R8: held in quarantine until the alert is lifted.
    Hold {
        reason: String,
        rule: String,
    },
    /// Accepted, delivered to nobody.
    Discard {
        reason: String,
    },
    /// Refused; only when every recipient's copy is, the message is.
    Reject(Refused),
}

/// The filters' decision about one recipient's copy, stored with it
/// (`messages.disposition`, or the held entry of R17).
#[derive(Debug, Clone, PartialEq)]
pub struct Disposition {
    /// The sum of the scores, when a stage gave one.
    pub score: Option<f32>,
    pub fate: Fate,
    /// The folder the copy goes to (`INBOX`, `Junk`, another).
    pub folder: String,
    /// `stage:rule` of every score that counted (never content).
    pub rules: Vec<String>,
    /// Header fields to add (`false`) or replace (`true`) in this copy.
    pub headers: Vec<(String, String, bool)>,
    /// Stages that failed under a `pass` policy.
    pub passed_over: Vec<String>,
}

impl Disposition {
    /// An unfiltered copy for INBOX.
    pub fn inbox() -> Self {
        Disposition {
            score: None,
            fate: Fate::Deliver,
            folder: "INBOX".to_string(),
            rules: Vec::new(),
            headers: Vec::new(),
            passed_over: Vec::new(),
        }
    }

    /// One word for the audit log and the stored disposition.
    pub fn verdict(&self) -> &'static str {
        match &self.fate {
            Fate::Deliver if self.folder.eq_ignore_ascii_case("Junk") => "junk",
            Fate::Deliver => "deliver",
            Fate::Quarantine { .. } => "quarantine",
            Fate::Hold { .. } => "hold",
            Fate::Discard { .. } => "discard",
            Fate::Reject(_) => "reject",
        }
    }

    /// The stored form (JSON; `Disposition::from_json` reads it back).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "score": self.score,
            "verdict": self.verdict(),
            "folder": self.folder,
            "rules": self.rules,
            "passed_over": self.passed_over,
        })
        .to_string()
    }

    /// The folder and score of a stored disposition (held retries).
    pub fn folder_of(json: &str) -> Option<String> {
        let v: serde_json::Value = serde_json::from_str(json).ok()?;
        v.get("folder")?.as_str().map(str::to_string)
    }
}

/// One disposition per recipient, in order. `Err` when every copy is
/// refused: the message is refused (with the first refusal).
pub fn decide(
    settings: &FilterSettings,
    recipients: &[FilterRecipient],
    outcome: &StageOutcome,
) -> Result<Vec<Disposition>, Refused> {
    let mut out: Vec<Disposition> = recipients
        .iter()
        .map(|r| one(settings, r, outcome))
        .collect();
    let rejected: Vec<&Refused> = out
        .iter()
        .filter_map(|d| match &d.fate {
            Fate::Reject(r) => Some(r),
            _ => None,
        })
        .collect();
    if !out.is_empty() && rejected.len() == out.len() {
        return Err(rejected[0].clone());
    }
    // After DATA one answer covers every recipient: a copy refused for
    // one recipient while others take theirs is kept in quarantine, not
    // lost without a word.
    for d in out.iter_mut() {
        if let Fate::Reject(r) = &d.fate {
            d.fate = Fate::Quarantine {
                reason: format!("refused for this recipient ({} {})", r.code, r.enhanced),
                rule: r.rule.as_str().to_string(),
            };
        }
    }
    Ok(out)
}

fn one(settings: &FilterSettings, r: &FilterRecipient, outcome: &StageOutcome) -> Disposition {
    let mut d = Disposition::inbox();
    d.passed_over = outcome.passed_over.clone();
    let mut quarantine = None;
    let mut hold = None;
    let mut reject = None;
    let mut discard = None;
    let mut folder = None;
    for (stage, v) in &outcome.verdicts {
        match &v.scope {
            Scope::Message => {}
            Scope::Recipient(a) if a.eq_ignore_ascii_case(&r.address) => {}
            Scope::Recipient(_) => continue,
        }
        match &v.action {
            Action::Accept => {}
            Action::AddHeader { name, value } => {
                d.headers.push((name.clone(), value.clone(), false))
            }
            Action::SetHeader { name, value } => {
                d.headers.push((name.clone(), value.clone(), true))
            }
            Action::Score { points, rule } => {
                d.score = Some(d.score.unwrap_or(0.0) + points);
                d.rules.push(format!("{stage}:{rule}"));
            }
            Action::File { folder: f } => folder = Some(f.clone()),
            Action::Quarantine { reason, rule } => {
                quarantine.get_or_insert((reason.clone(), format!("{stage}:{rule}")));
            }
            Action::Hold { reason, rule } => {
                hold.get_or_insert((reason.clone(), format!("{stage}:{rule}")));
            }
            Action::Reject(refused) => {
                reject.get_or_insert(refused.clone());
            }
            Action::Discard { reason } => {
                discard.get_or_insert(format!("{stage}: {reason}"));
            }
        }
    }
    let t = settings.thresholds_for(r.domain());
    let over = |limit: Option<f32>| matches!((d.score, limit), (Some(s), Some(l)) if s >= l);
    d.fate = if let Some((reason, rule)) = quarantine {
        Fate::Quarantine { reason, rule }
    } else if let Some((reason, rule)) = hold {
        Fate::Hold { reason, rule }
    } else if let Some(r) = reject {
        Fate::Reject(r)
    } else if over(t.reject) {
        Fate::Reject(Refused::new(
            Rule::Content,
            550,
            "5.7.1",
            "Message refusé comme indésirable / Message refused as spam",
        ))
    } else if over(t.quarantine) {
        Fate::Quarantine {
            reason: format!("spam score {:.1}", d.score.unwrap_or(0.0)),
            rule: "score".to_string(),
        }
    } else if let Some(reason) = discard {
        Fate::Discard { reason }
    } else {
        Fate::Deliver
    };
    if let Some(f) = folder {
        d.folder = f;
    }
    // R24: spam goes to Junk, whatever sorting rule chose another folder.
    if over(t.junk) {
        d.folder = "Junk".to_string();
    }
    if let Some(score) = d.score {
        d.headers
            .push(("X-Spam-Score".to_string(), format!("{score:.1}"), true));
    }
    d
}
