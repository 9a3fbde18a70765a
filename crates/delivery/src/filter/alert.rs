//! R8 as a pipeline stage: messages matching an active security alert
//! (`Store::alerts`) are held in the quarantine, not delivered and not
//! bounced, until an administrator lifts the alert and releases or
//! deletes them. The rules are read from the store at most every
//! [`RULES_TTL`], so an alert added on one node holds mail on every node
//! within seconds.
//!
//! Every door is checked (MX, submission, webmail): a compromised account
//! spreading a campaign inside the académie is what alerts are for too.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use mail_parser::{MessageParser, MimeHeaders};
use vesontio_store::{Alert, AlertKind, Store};

use super::{Action, BoxFuture, FilterContext, Stage, StageError, Verdict};

/// How long the alert rules read from the store are used.
pub const RULES_TTL: Duration = Duration::from_secs(5);

pub struct AlertStage {
    store: Store,
    ttl: Duration,
    cache: Mutex<Option<(Instant, Vec<Alert>)>>,
}

impl AlertStage {
    pub fn new(store: Store) -> Self {
        AlertStage::with_ttl(store, RULES_TTL)
    }

    /// With another cache lifetime (`Duration::ZERO`: read every time).
    pub fn with_ttl(store: Store, ttl: Duration) -> Self {
        AlertStage {
            store,
            ttl,
            cache: Mutex::new(None),
        }
    }

    async fn rules(&self, now: i64) -> Result<Vec<Alert>, StageError> {
        if let Ok(c) = self.cache.lock()
            && let Some((at, rules)) = c.as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(rules.iter().filter(|a| a.active(now)).cloned().collect());
        }
        let rules = self
            .store
            .alerts(Some(now))
            .await
            .map_err(|e| StageError::new(format!("alerts: {e}")))?;
        if let Ok(mut c) = self.cache.lock() {
            *c = Some((Instant::now(), rules.clone()));
        }
        Ok(rules)
    }
}

/// What of a message the rules look at, read once.
struct Seen {
    senders: Vec<String>,
    text: String,
    extensions: Vec<String>,
    types: Vec<String>,
}

fn seen(ctx: &FilterContext) -> Seen {
    let mut senders: Vec<String> = ctx
        .envelope
        .mail_from
        .iter()
        .map(|a| a.to_string().to_ascii_lowercase())
        .collect();
    senders.extend(
        ctx.analysis
            .from
            .iter()
            .map(|a| a.to_string().to_ascii_lowercase()),
    );
    let (subject, body) = vesontio_spam::subject_and_body_of(ctx.message());
    let text = vesontio_spam::text::fold(&format!("{subject} {body}"));
    let extensions = ctx
        .analysis
        .attachments
        .iter()
        .filter_map(|a| {
            let name = a.file_name().to_ascii_lowercase();
            name.rsplit_once('.').map(|(_, e)| e.trim().to_string())
        })
        .collect();
    let types = MessageParser::default()
        .parse(&ctx.raw[..])
        .map(|m| {
            m.parts
                .iter()
                .take(500)
                .filter_map(|p| p.content_type())
                .map(|ct| match &ct.c_subtype {
                    Some(s) => format!("{}/{}", ct.c_type, s).to_ascii_lowercase(),
                    None => ct.c_type.to_ascii_lowercase(),
                })
                .collect()
        })
        .unwrap_or_default();
    Seen {
        senders,
        text,
        extensions,
        types,
    }
}

/// Whether `a` matches what was seen of the message.
fn matches(a: &Alert, s: &Seen) -> bool {
    match a.kind {
        AlertKind::Content => {
            let phrase = vesontio_spam::text::fold(&a.value);
            phrase.trim().len() >= 2 && s.text.contains(&phrase)
        }
        AlertKind::Extension => s.extensions.iter().any(|e| *e == a.value),
        AlertKind::ContentType => s.types.iter().any(|t| {
            if a.value.ends_with('/') {
                t.starts_with(&a.value)
            } else {
                *t == a.value
            }
        }),
        AlertKind::Sender => s.senders.iter().any(|x| *x == a.value),
        AlertKind::SenderDomain => s.senders.iter().any(|x| {
            let d = x.rsplit_once('@').map_or("", |(_, d)| d);
            d == a.value || d.ends_with(&format!(".{}", a.value))
        }),
    }
}

impl Stage for AlertStage {
    fn name(&self) -> &str {
        "alert"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a FilterContext,
    ) -> BoxFuture<'a, Result<Vec<Verdict>, StageError>> {
        Box::pin(async move {
            let rules = self.rules(ctx.now).await?;
            if rules.is_empty() {
                return Ok(Vec::new());
            }
            let s = seen(ctx);
            // The oldest matching rule names the hold (rules are newest first).
            Ok(rules
                .iter()
                .rev()
                .find(|a| matches(a, &s))
                .map(|a| {
                    // The pipeline names the rule after the stage: the
                    // quarantine entry's rule is `alert:<id>`, `Alert::rule`.
                    vec![Verdict::message(Action::Hold {
                        reason: format!("security alert {}", a.id),
                        rule: a.id.to_string(),
                    })]
                })
                .unwrap_or_default())
        })
    }
}
