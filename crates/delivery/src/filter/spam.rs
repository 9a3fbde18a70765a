//! R24 as a pipeline stage: the `spam` crate's score (phrase rules, header
//! and structure tests, the gate's SPF/DKIM/DMARC, the classifier) as
//! `Score` verdicts, one per rule that fired, so the disposition names
//! them; an `X-Spam-Report` of rule names replaces any from outside.
//!
//! The classifier's models live in the store (`Store::spam_model`): the
//! shared base (`""`) and one per recipient domain, cached here for
//! [`MODEL_TTL`] so a burst of mail does not read them per message. It
//! learns from training events (moves into and out of Junk, `$Junk`,
//! `$NotJunk`) and from reports: a message a local user sends to
//! `spam@<domain>` is unwrapped (`spam::report`) and each forwarded
//! message learned as spam in that domain, at most
//! [`REPORTS_PER_DAY`] per reporter, so one person cannot train the
//! filter alone. The report itself is still delivered to `spam@`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vesontio_spam::{Auth, Context, Model, Outcome, Reloading};
use vesontio_store::{Store, TrainingEvent, TrainingKind};

use super::{Action, BoxFuture, FilterContext, Stage, StageError, Verdict};
use crate::Origin;
use crate::inbound_auth;

/// How long a model read from the store is used before being read again.
pub const MODEL_TTL: Duration = Duration::from_secs(30);
/// Reports one person may teach per day.
pub const REPORTS_PER_DAY: u32 = 50;

type Cached = (Instant, Option<Arc<Model>>);

pub struct SpamStage {
    store: Store,
    rules: Arc<Reloading>,
    report_local_part: String,
    models: Mutex<HashMap<String, Cached>>,
    /// (account id, day) → reports learned.
    reporters: Mutex<HashMap<(i64, i64), u32>>,
}

impl SpamStage {
    pub fn new(store: Store, rules: Arc<Reloading>, report_local_part: &str) -> SpamStage {
        SpamStage {
            store,
            rules,
            report_local_part: report_local_part.to_ascii_lowercase(),
            models: Mutex::new(HashMap::new()),
            reporters: Mutex::new(HashMap::new()),
        }
    }

    async fn model(&self, domain: &str) -> Result<Option<Arc<Model>>, StageError> {
        if let Ok(m) = self.models.lock()
            && let Some((at, model)) = m.get(domain)
            && at.elapsed() < MODEL_TTL
        {
            return Ok(model.clone());
        }
        let bytes = self
            .store
            .spam_model(domain)
            .await
            .map_err(|e| StageError::new(format!("spam model: {e}")))?;
        let model = bytes.and_then(|b| Model::from_bytes(&b)).map(Arc::new);
        if let Ok(mut m) = self.models.lock() {
            m.insert(domain.to_string(), (Instant::now(), model.clone()));
        }
        Ok(model)
    }

    /// Learns `raw` in `domain`'s model, in the store.
    async fn learn(&self, domain: &str, raw: &[u8], spam: bool, now: i64) {
        let r = self
            .store
            .update_spam_model(domain, now, |old| {
                let mut m = old.and_then(|b| Model::from_bytes(&b)).unwrap_or_default();
                vesontio_spam::learn(&mut m, raw, spam);
                m.to_bytes()
            })
            .await;
        match r {
            Ok(()) => {
                if let Ok(mut m) = self.models.lock() {
                    m.remove(domain);
                }
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
        for m in vesontio_spam::report::unwrap(&ctx.raw) {
            self.learn(domain, &m, true, ctx.now).await;
        }
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
                self.model(&domain).await?
            };
            let models: Vec<&Model> = [base.as_deref(), own.as_deref()]
                .into_iter()
                .flatten()
                .collect();
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
            self.learn(&domain, raw, spam, event.created_at).await;
        })
    }
}
