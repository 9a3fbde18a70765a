//! The filter pipeline (issue 15 item 3): asynchronous [`Stage`]s that see
//! the whole context of a message ([`FilterContext`]: bytes, analysis,
//! envelope, [`Origin`] with client address, HELO and TLS, the recipients
//! with their account settings, and the structured SPF/DKIM/DMARC results,
//! evaluated before any stage), each run under a timeout with a failure
//! policy from the configuration ([`FilterSettings`]). Stages answer
//! [`Verdict`]s for the whole message or one recipient; [`decide`] sums
//! the scores against the thresholds of each recipient's domain and gives
//! each recipient a [`Disposition`] (folder, quarantine, hold, discard,
//! refusal), which is stored with the delivered copy or the held entry.
//!
//! The antivirus (R9), spam scoring (R24), phishing (R25) and security
//! alerts (R8) of the content-security issue plug in as stages; a stage
//! that cannot do its work returns a [`StageError`] and its policy decides
//! (`tempfail`: `451 4.7.1`, the sender retries; `pass`: as if the stage
//! were absent). Moving mail into or out of Junk is fed back to stages as
//! training events ([`Stage::train`], [`crate::Delivery::dispatch_training`]).

mod alert;
mod antivirus;
mod apply;
mod decide;
mod phish;
mod spam;
mod spam_models;

pub use apply::WARNING_FIELD;
#[cfg(test)]
pub(crate) use apply::strip_fields as apply_strip;
pub(crate) use apply::{
    Decided, has_field, quarantine, run as run_filters, strip_fields, with_headers,
};

pub use alert::AlertStage;
pub(crate) use antivirus::tell as tell_virus;
pub use antivirus::{ANTIVIRUS_STAGE, AntivirusStage, VIRUS_REASON, VirusBounce};
pub use decide::{Disposition, Fate, decide};
pub use phish::PhishStage;
pub use spam::{REPORTS_PER_DAY as SPAM_REPORTS_PER_DAY, SpamStage};
pub use spam_models::{SpamModels, Teach};

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use vesontio_message::Analysis;
use vesontio_store::{Account, TrainingEvent};

use crate::{Envelope, Origin, Refused, Rule, Verdicts};

/// A boxed future, as object-safe traits return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One recipient as the filters see it: the mailbox reached (after lists,
/// functional mailboxes and redirections were resolved) with its account,
/// or an address of another domain.
#[derive(Debug, Clone)]
pub struct FilterRecipient {
    /// Normalised address of the mailbox (local) or of the remote copy.
    pub address: String,
    /// The account and its settings (quota, kind, status); `None` for a
    /// remote copy.
    pub account: Option<Account>,
}

impl FilterRecipient {
    pub fn domain(&self) -> &str {
        self.address.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

/// Everything a stage may look at. Built once per message by the gate.
#[derive(Debug, Clone)]
pub struct FilterContext {
    /// The message as received (before the gate's own header fields).
    pub raw: Arc<Vec<u8>>,
    pub analysis: Analysis,
    pub envelope: Envelope,
    /// The door: MX (client address, HELO, TLS), submission (account,
    /// client address), web send, internal.
    pub origin: Origin,
    /// SPF, DKIM and DMARC of MX mail (`None` elsewhere, or without DNS),
    /// evaluated before every stage.
    pub auth: Option<Verdicts>,
    pub recipients: Vec<FilterRecipient>,
    /// Unix time of the delivery.
    pub now: i64,
    /// The message's parts, parsed once for every stage that reads them.
    pub parsed: Parsed,
}

/// The message parsed on first use and shared by the stages (spam,
/// phishing, alerts): decoding a message's parts is most of what a
/// content filter costs, and each stage parsing its own copy had made
/// the filters a third of an MX delivery's time.
#[derive(Debug, Clone, Default)]
pub struct Parsed(Arc<std::sync::OnceLock<Option<mail_parser::Message<'static>>>>);

impl FilterContext {
    /// The parsed message (`None`: it does not parse). mail-parser runs
    /// behind `catch_unwind`, as everywhere on peer input.
    pub fn message(&self) -> Option<&mail_parser::Message<'static>> {
        self.parsed
            .0
            .get_or_init(|| {
                std::panic::catch_unwind(|| {
                    mail_parser::MessageParser::default()
                        .parse(&self.raw[..])
                        .map(mail_parser::Message::into_owned)
                })
                .unwrap_or(None)
            })
            .as_ref()
    }
}

/// Whom a verdict is about.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    Message,
    /// One recipient, by [`FilterRecipient::address`].
    Recipient(String),
}

/// What a stage decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Nothing to say.
    Accept,
    /// Add a header field at the top.
    AddHeader { name: String, value: String },
    /// Replace every field of that name (or add it).
    SetHeader { name: String, value: String },
    /// R24: add `points` to the score; `rule` names what fired (for the
    /// disposition; never content).
    Score { points: f32, rule: String },
    /// File into this folder (falls back to INBOX when absent).
    File { folder: String },
    /// R8: hold in quarantine until an administrator lifts the alert.
    Hold { reason: String, rule: String },
    /// R9: isolate in quarantine, never delivered. `reason` is shown to
    /// administrators (no content), `rule` the signature or rule name.
    Quarantine { reason: String, rule: String },
    /// Refuse the message (`5xx`) or ask for a retry (`4xx`).
    Reject(Refused),
    /// Accept and deliver to nobody.
    Discard { reason: String },
}

/// A verdict: an action and whom it is about.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub scope: Scope,
    pub action: Action,
}

impl Verdict {
    pub fn message(action: Action) -> Self {
        Verdict {
            scope: Scope::Message,
            action,
        }
    }

    pub fn recipient(address: &str, action: Action) -> Self {
        Verdict {
            scope: Scope::Recipient(address.to_ascii_lowercase()),
            action,
        }
    }

    pub fn score(points: f32, rule: &str) -> Self {
        Verdict::message(Action::Score {
            points,
            rule: rule.to_string(),
        })
    }

    pub fn quarantine(reason: &str, rule: &str) -> Self {
        Verdict::message(Action::Quarantine {
            reason: reason.to_string(),
            rule: rule.to_string(),
        })
    }
}

/// A stage could not do its work (a daemon unreachable, a parse it cannot
/// make). Its failure policy decides what happens. The reason goes to the
/// log: never content.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}")]
pub struct StageError {
    pub reason: String,
}

impl StageError {
    pub fn new(reason: impl Into<String>) -> Self {
        StageError {
            reason: reason.into(),
        }
    }
}

/// A filter stage. Object-safe: the pipeline holds `Arc<dyn Stage>`.
pub trait Stage: Send + Sync {
    /// The name of its `[filters.stages.<name>]` table, logs and dispositions.
    fn name(&self) -> &str;

    fn run<'a>(&'a self, ctx: &'a FilterContext)
    -> BoxFuture<'a, Result<Vec<Verdict>, StageError>>;

    /// A person said a message is spam or not (moved into or out of Junk,
    /// `$Junk`/`$NotJunk`). Stages that learn override this.
    fn train<'a>(&'a self, _event: &'a TrainingEvent, _raw: &'a [u8]) -> BoxFuture<'a, ()> {
        Box::pin(async {})
    }

    /// Whether the stage also looks at messages a person files into their
    /// own folders (IMAP APPEND, the webmail's drafts and Sent copies),
    /// which no one sends and so no spam or phishing score applies to. R9
    /// says every message is scanned, whatever door it came through: the
    /// antivirus answers `true`.
    fn scans_filed(&self) -> bool {
        false
    }

    /// Work on the message's bytes alone that may start as soon as the
    /// gate has them, so that a daemon's round trip overlaps the gate's own
    /// steps (analysis, R7, SPF/DKIM/DMARC, resolving the recipients): the
    /// antivirus starts clamd's scan here. [`Filters::run_begun`] waits for
    /// it at the stage's turn, under the stage's timeout counted from the
    /// start, and takes its result as [`Stage::run`]'s: the stages' order,
    /// policies and verdicts are unchanged, only sooner. `None` (the
    /// default): the stage runs at its turn.
    fn begin(&self, _raw: &Arc<Vec<u8>>) -> Option<BoxFuture<'static, StageResult>> {
        None
    }
}

/// What a stage's run gives.
pub type StageResult = Result<Vec<Verdict>, StageError>;

type BegunWork = tokio::task::JoinHandle<Result<StageResult, tokio::time::error::Elapsed>>;

/// Stage work started early ([`Filters::begin`]), one slot per stage of
/// the pipeline. Dropped without being awaited (the gate refused the
/// message first), the work is aborted.
#[derive(Default)]
pub struct Begun(Vec<Option<BegunWork>>);

impl Begun {
    fn take(&mut self, stage: usize) -> Option<BegunWork> {
        self.0.get_mut(stage).and_then(Option::take)
    }
}

impl Drop for Begun {
    fn drop(&mut self) {
        for work in self.0.iter().flatten() {
            work.abort();
        }
    }
}

/// What to do when a stage fails or overruns its timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// `451 4.7.1`: the sending server retries later, so nothing
    /// unfiltered is delivered (the antivirus's default).
    TempFail,
    /// Go on as if the stage were absent.
    Pass,
}

/// Timeout and failure policy of one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StagePolicy {
    pub timeout: Duration,
    pub on_failure: OnFailure,
}

/// Score thresholds (R24's "cursor"): at or above `junk` a copy goes to
/// Junk, `quarantine` to quarantine, `reject` the message is refused.
/// `None` turns a threshold off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub junk: Option<f32>,
    pub quarantine: Option<f32>,
    pub reject: Option<f32>,
}

/// The pipeline's configuration (lowered by `app` from `[filters]`).
#[derive(Debug, Clone, PartialEq)]
pub struct FilterSettings {
    /// Policy of a stage without its own table.
    pub default: StagePolicy,
    pub stages: HashMap<String, StagePolicy>,
    pub thresholds: Thresholds,
    /// Per-domain thresholds (lower-case domain), replacing the global ones.
    pub domains: HashMap<String, Thresholds>,
}

impl FilterSettings {
    /// The defaults: 30 s and `tempfail` per stage, Junk from `junk`
    /// (the old `spam.threshold`), no quarantine or reject threshold.
    pub fn with_junk(junk: f32) -> Self {
        FilterSettings {
            default: StagePolicy {
                timeout: Duration::from_secs(30),
                on_failure: OnFailure::TempFail,
            },
            stages: HashMap::new(),
            thresholds: Thresholds {
                junk: Some(junk),
                quarantine: None,
                reject: None,
            },
            domains: HashMap::new(),
        }
    }

    pub fn policy(&self, stage: &str) -> StagePolicy {
        self.stages.get(stage).copied().unwrap_or(self.default)
    }

    pub fn thresholds_for(&self, domain: &str) -> Thresholds {
        self.domains
            .get(&domain.to_ascii_lowercase())
            .copied()
            .unwrap_or(self.thresholds)
    }
}

/// The stages and their settings.
#[derive(Clone)]
pub struct Filters {
    pub settings: FilterSettings,
    pub stages: Vec<Arc<dyn Stage>>,
}

/// What running the stages gave: every verdict, and the stages that
/// failed and were passed over (for the disposition).
#[derive(Debug, Default)]
pub struct StageOutcome {
    pub verdicts: Vec<(String, Verdict)>,
    pub passed_over: Vec<String>,
}

impl Filters {
    pub fn new(settings: FilterSettings, stages: Vec<Arc<dyn Stage>>) -> Self {
        Filters { settings, stages }
    }

    /// Runs every stage in order, each under its timeout. A stage's
    /// refusal (`Reject` for the whole message) ends the run; a stage that
    /// fails or overruns refuses with `451 4.7.1` (`tempfail`) or is
    /// passed over (`pass`).
    pub async fn run(&self, ctx: &FilterContext) -> Result<StageOutcome, Refused> {
        self.run_where(ctx, |_| true).await
    }

    /// [`Filters::run`] with only the stages `keep` accepts (a filed
    /// message runs the stages that [`Stage::scans_filed`]).
    pub async fn run_where(
        &self,
        ctx: &FilterContext,
        keep: impl Fn(&dyn Stage) -> bool,
    ) -> Result<StageOutcome, Refused> {
        self.run_begun(ctx, keep, Begun::default()).await
    }

    /// Starts each kept stage's [`Stage::begin`] work on `raw` in a task of
    /// its own, under the stage's timeout. Pass the result to
    /// [`Filters::run_begun`] with the same `raw` in its context.
    pub fn begin(&self, raw: &Arc<Vec<u8>>, keep: impl Fn(&dyn Stage) -> bool) -> Begun {
        Begun(
            self.stages
                .iter()
                .map(|stage| {
                    if !keep(stage.as_ref()) {
                        return None;
                    }
                    let work = stage.begin(raw)?;
                    let timeout = self.settings.policy(stage.name()).timeout;
                    Some(tokio::spawn(tokio::time::timeout(timeout, work)))
                })
                .collect(),
        )
    }

    /// [`Filters::run_where`], taking the result of a stage's begun work
    /// (`begun`, from [`Filters::begin`] on `ctx.raw`) at its turn instead
    /// of running it again. Work that failed, panicked or overran counts
    /// as the stage's failure: its policy decides, never "clean".
    pub async fn run_begun(
        &self,
        ctx: &FilterContext,
        keep: impl Fn(&dyn Stage) -> bool,
        mut begun: Begun,
    ) -> Result<StageOutcome, Refused> {
        let mut out = StageOutcome::default();
        for (i, stage) in self.stages.iter().enumerate() {
            if !keep(stage.as_ref()) {
                continue;
            }
            let name = stage.name().to_string();
            let policy = self.settings.policy(&name);
            let result = match begun.take(i) {
                Some(work) => match work.await {
                    Ok(r) => r,
                    Err(e) => Ok(Err(StageError::new(format!("its work stopped: {e}")))),
                },
                None => tokio::time::timeout(policy.timeout, stage.run(ctx)).await,
            };
            let failure = match result {
                Ok(Ok(verdicts)) => {
                    let mut stop = None;
                    for v in verdicts {
                        if let (Scope::Message, Action::Reject(r)) = (&v.scope, &v.action) {
                            stop = Some(r.clone());
                        }
                        out.verdicts.push((name.clone(), v));
                    }
                    if let Some(r) = stop {
                        return Err(r);
                    }
                    continue;
                }
                Ok(Err(e)) => e.reason,
                Err(_) => format!("no answer within {} ms", policy.timeout.as_millis()),
            };
            tracing::warn!(stage = %name, reason = %failure, policy = ?policy.on_failure, "filter stage failed");
            match policy.on_failure {
                OnFailure::TempFail => return Err(stage_tempfail(&name)),
                OnFailure::Pass => out.passed_over.push(name),
            }
        }
        Ok(out)
    }
}

/// `451 4.7.1`: a filter could not look at the message; the sending
/// server keeps it and retries (RFC 5321 §4.2.5).
pub fn stage_tempfail(stage: &str) -> Refused {
    Refused::new(
        Rule::Content,
        451,
        "4.7.1",
        format!(
            "Analyse du message impossible pour l'instant ({stage}), réessayez plus tard / \
             The message could not be checked now ({stage}), try again later"
        ),
    )
}
