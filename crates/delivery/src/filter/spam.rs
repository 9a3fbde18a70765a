//! R24 as a pipeline stage: the `spam` crate's score (phrase rules, header
//! and structure tests, the gate's SPF/DKIM/DMARC, the classifier) as
//! `Score` verdicts, one per rule that fired, so the disposition names
//! them; an `X-Spam-Report` of rule names replaces any from outside.
//!
//! The classifier's models are the store's (`SpamModels`: the shared base
//! `""` and one per recipient domain, each a snapshot and a journal, up to
//! date within [`MODEL_TTL`] on every node). Reports and training events
//! (moves into and out of Junk, `$Junk`, `$NotJunk`) teach the domain's
//! model what the classifier, base and domain together, got wrong or was
//! unsure of ([`Teach::IfUnsure`]: a message it was already sure of
//! changes nothing): a message a local user sends to `spam@<domain>` is
//! unwrapped (`spam::report`) and each forwarded message offered as spam
//! in that domain, at most [`REPORTS_PER_DAY`] per reporter, so one person
//! cannot train the filter alone. The report itself is still delivered to `spam@`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use vesontio_spam::{Auth, Context, Learned, Model, Outcome, Reloading};
use vesontio_store::{Store, TrainingEvent, TrainingKind};

#[cfg(doc)]
use super::spam_models::MODEL_TTL;
use super::spam_models::{SpamModels, Teach};
use super::{Action, BoxFuture, FilterContext, Stage, StageError, Verdict};
use crate::Origin;
use crate::inbound_auth;

/// Reports one person may teach per day.
pub const REPORTS_PER_DAY: u32 = 50;

pub struct SpamStage {
    store: Store,
    rules: Arc<Reloading>,
    report_local_part: String,
    models: SpamModels,
    /// (account id, day) → reports learned.
    reporters: Mutex<HashMap<(i64, i64), u32>>,
}

impl SpamStage {
    pub fn new(store: Store, rules: Arc<Reloading>, report_local_part: &str) -> SpamStage {
        SpamStage::with_models(
            store.clone(),
            rules,
            report_local_part,
            SpamModels::new(store),
        )
    }

    /// With the models given (tests fold small journals).
    pub fn with_models(
        store: Store,
        rules: Arc<Reloading>,
        report_local_part: &str,
        models: SpamModels,
    ) -> SpamStage {
        SpamStage {
            store,
            rules,
            report_local_part: report_local_part.to_ascii_lowercase(),
            models,
            reporters: Mutex::new(HashMap::new()),
        }
    }

    async fn model(&self, domain: &str) -> Result<Arc<Model>, StageError> {
        self.models
            .get(domain)
            .await
            .map_err(|e| StageError::new(format!("spam model: {e}")))
    }

    /// Offers `messages` to `domain`'s model as a report or a move
    /// teaches: learned only when the classifier is wrong or unsure.
    async fn learn(&self, domain: &str, messages: &[(&[u8], bool)], now: i64) {
        match self
            .models
            .learn(domain, messages, Teach::IfUnsure, now)
            .await
        {
            Ok(done) => {
                let learned = done
                    .iter()
                    .filter(|d| matches!(d, Some(Learned::New | Learned::Corrected)))
                    .count();
                tracing::debug!(domain, offered = done.len(), learned, "spam model taught");
            }
            Err(e) => tracing::error!(error = %e, domain, "spam model not updated"),
        }
    }

    /// A report to `spam@<domain>` from a local user: learns what it
    /// forwards, within the reporter's daily allowance.
    async fn learn_report(&self, ctx: &FilterContext, domain: &str, account: i64) {
        let day = ctx.now.div_euclid(86_400);
        let allowed = {
            let Ok(mut r) = self.reporters.lock() else {
                return;
            };
            r.retain(|(_, d), _| *d == day);
            let n = r.entry((account, day)).or_insert(0);
            if *n >= REPORTS_PER_DAY {
                false
            } else {
                *n += 1;
                true
            }
        };
        if !allowed {
            tracing::info!(account, "spam report not learned: daily allowance used");
            return;
        }
        let forwarded = vesontio_spam::report::unwrap(&ctx.raw);
        let offered: Vec<(&[u8], bool)> = forwarded.iter().map(|m| (&m[..], true)).collect();
        self.learn(&domain.to_ascii_lowercase(), &offered, ctx.now)
            .await;
    }
}

fn outcome(o: inbound_auth::Outcome) -> Outcome {
    match o {
        inbound_auth::Outcome::Pass => Outcome::Pass,
        inbound_auth::Outcome::Fail => Outcome::Fail,
        inbound_auth::Outcome::SoftFail => Outcome::SoftFail,
        inbound_auth::Outcome::Neutral => Outcome::Neutral,
        inbound_auth::Outcome::None => Outcome::None,
        inbound_auth::Outcome::TempError | inbound_auth::Outcome::PermError => Outcome::TempError,
    }
}

/// The gate's results as the scorer's: DKIM passes when one signature
/// passed, fails when signatures exist and none passed.
pub(super) fn auth_of(ctx: &FilterContext) -> Auth {
    let Some(v) = &ctx.auth else {
        return Auth::default();
    };
    let dkim = if v
        .dkim
        .iter()
        .any(|d| d.outcome == inbound_auth::Outcome::Pass)
    {
        Outcome::Pass
    } else if v
        .dkim
        .iter()
        .any(|d| d.outcome == inbound_auth::Outcome::Fail)
    {
        Outcome::Fail
    } else {
        Outcome::None
    };
    Auth {
        spf: outcome(v.spf),
        dkim,
        dmarc: outcome(v.dmarc),
    }
}

impl Stage for SpamStage {
    fn name(&self) -> &str {
        "spam"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a FilterContext,
    ) -> BoxFuture<'a, Result<Vec<Verdict>, StageError>> {
        Box::pin(async move {
            // A local user's report to spam@: learn it, deliver it unscored
            // (it is spam on purpose).
            let reporter = match &ctx.origin {
                Origin::Submission { account, .. } | Origin::WebSend { account, .. } => {
                    Some(account.id.0)
                }
                _ => None,
            };
            if let Some(account) = reporter
                && let Some(r) = ctx.recipients.iter().find(|r| {
                    r.account.is_some()
                        && r.address
                            .split_once('@')
                            .is_some_and(|(l, _)| l.eq_ignore_ascii_case(&self.report_local_part))
                })
            {
                self.learn_report(ctx, r.domain(), account).await;
                return Ok(Vec::new());
            }
            let domain = ctx
                .recipients
                .iter()
                .find(|r| r.account.is_some())
                .map(|r| r.domain().to_ascii_lowercase())
                .unwrap_or_default();
            let base = self.model("").await?;
            let own = if domain.is_empty() {
                None
            } else {
                Some(self.model(&domain).await?)
            };
            let models: Vec<&Model> = std::iter::once(&*base).chain(own.as_deref()).collect();
            let rules = self.rules.current();
            let sctx = Context {
                auth: auth_of(ctx),
                now: ctx.now,
            };
            let report = vesontio_spam::score_message(&rules, &models, ctx.message(), &sctx);
            let mut out: Vec<Verdict> = report
                .hits
                .iter()
                .map(|h| Verdict::score(h.points, &h.rule))
                .collect();
            let [_, (name, value)] = report.headers();
            out.push(Verdict::message(Action::SetHeader {
                name: name.to_string(),
                value,
            }));
            Ok(out)
        })
    }

    fn train<'a>(&'a self, event: &'a TrainingEvent, raw: &'a [u8]) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let domain = match self
                .store
                .account(vesontio_types::AccountId(event.account_id))
                .await
            {
                Ok(Some(a)) => a
                    .address
                    .rsplit_once('@')
                    .map(|(_, d)| d.to_ascii_lowercase()),
                _ => None,
            };
            let Some(domain) = domain else { return };
            let spam = event.kind == TrainingKind::Spam;
            self.learn(&domain, &[(raw, spam)], event.created_at).await;
        })
    }
}
