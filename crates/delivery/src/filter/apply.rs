//! The gate's filter step (`submit.rs` calls it after R7 and the
//! recipients' resolution): build the [`FilterContext`], run the stages,
//! decide per recipient, and put the quarantined and held copies (R9, R8)
//! in the quarantine. Also the per-copy header edits and the training
//! feed ([`Delivery::dispatch_training`]).

use std::sync::Arc;

use vesontio_message::{Analysis, prepend_header};
use vesontio_store::NewQuarantine;
use vesontio_types::UnixTime;

use super::{Begun, Disposition, Fate, FilterContext, FilterRecipient, decide};
use crate::resolve::Resolution;
use crate::{Delivery, Envelope, Origin, Refused, Rule, Verdicts};

/// One disposition per local target and per remote copy, in the order of
/// the [`Resolution`].
pub(crate) struct Decided {
    pub local: Vec<Disposition>,
    pub remote: Vec<Disposition>,
}

impl Decided {
    fn all(&self) -> impl Iterator<Item = &Disposition> {
        self.local.iter().chain(self.remote.iter())
    }

    /// Nothing left to deliver (everything quarantined, held or discarded).
    pub fn nothing_delivered(&self) -> bool {
        self.all().all(|d| d.fate != Fate::Deliver)
    }

    /// The highest score, for the audit log.
    pub fn top_score(&self) -> Option<f32> {
        self.all().filter_map(|d| d.score).reduce(f32::max)
    }

    /// One word for the audit log when nothing was delivered.
    pub fn verdict_when_none(&self) -> &'static str {
        if self
            .all()
            .any(|d| matches!(d.fate, Fate::Quarantine { .. }))
        {
            "quarantined"
        } else if self.all().any(|d| matches!(d.fate, Fate::Hold { .. })) {
            "held_alert"
        } else {
            "discarded"
        }
    }
}

/// Runs the pipeline for a sent message, with the stages' work `begun`
/// on `raw` ([`super::Filters::begin`]). Doors the content filters do
/// not apply to (internal notices) get INBOX for everyone.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    raw: Arc<Vec<u8>>,
    analysis: &Analysis,
    auth: Option<Verdicts>,
    res: &Resolution,
    now: UnixTime,
    begun: Begun,
) -> Result<Decided, Refused> {
    let filters = d.filters();
    let recipients: Vec<FilterRecipient> = res
        .local
        .iter()
        .map(|t| FilterRecipient {
            address: t.account.address.to_ascii_lowercase(),
            account: Some(t.account.clone()),
        })
        .chain(res.remote.iter().map(|r| FilterRecipient {
            address: r.rcpt.address.to_ascii_lowercase(),
            account: None,
        }))
        .collect();
    let dispositions = if origin.applies(Rule::Content) {
        let ctx = FilterContext {
            raw,
            analysis: analysis.clone(),
            envelope: env.clone(),
            origin: origin.clone(),
            auth,
            recipients,
            now,
            parsed: Default::default(),
        };
        let outcome = filters.run_begun(&ctx, |_| true, begun).await?;
        decide(&filters.settings, &ctx.recipients, &outcome)?
    } else {
        recipients.iter().map(|_| Disposition::inbox()).collect()
    };
    let mut local = dispositions;
    let remote = local.split_off(res.local.len());
    Ok(Decided { local, remote })
}

/// Puts the copies the filters isolated into the quarantine: one entry
/// per (fate, reason, rule), with the recipients it concerns. R4: a
/// private message's subject is not kept there.
pub(crate) async fn quarantine(
    d: &Delivery,
    env: &Envelope,
    raw: &[u8],
    analysis: &Analysis,
    res: &Resolution,
    decided: &Decided,
    now: UnixTime,
) -> Result<Option<String>, Refused> {
    let addresses = res
        .local
        .iter()
        .map(|t| t.account.address.clone())
        .chain(res.remote.iter().map(|r| r.rcpt.address.clone()));
    let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for (addr, disp) in addresses.zip(decided.all()) {
        let (reason, rule) = match &disp.fate {
            Fate::Quarantine { reason, rule } => (reason.clone(), rule.clone()),
            Fate::Hold { reason, rule } => (format!("hold: {reason}"), rule.clone()),
            _ => continue,
        };
        match groups.iter_mut().find(|g| g.0 == reason && g.1 == rule) {
            Some(g) => g.2.push(addr),
            None => groups.push((reason, rule, vec![addr])),
        }
    }
    if groups.is_empty() {
        return Ok(None);
    }
    let (blob, _) = d
        .store()
        .put_blob(raw.to_vec())
        .await
        .map_err(|_| Refused::internal())?;
    let mut detail = Vec::new();
    for (reason, rule, recipients) in groups {
        d.store()
            .quarantine_add(NewQuarantine {
                created_at: now,
                blob: blob.clone(),
                sender: env
                    .mail_from
                    .as_ref()
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                recipients,
                reason: reason.clone(),
                rule: Some(rule),
                private: analysis.is_private,
                subject: if analysis.is_private {
                    None
                } else {
                    analysis.subject.clone()
                },
            })
            .await
            .map_err(|_| Refused::internal())?;
        detail.push(reason);
    }
    Ok(Some(detail.join("; ")))
}

/// `raw` with one copy's header edits: replaced fields are removed first
/// (an `X-Spam-Score` from outside never survives ours), then every
/// field is prepended.
pub(crate) fn with_headers(raw: &[u8], headers: &[(String, String, bool)]) -> Vec<u8> {
    let mut data = raw.to_vec();
    for (name, _, replace) in headers {
        if *replace {
            data = strip_fields(&data, name);
        }
    }
    for (name, value, _) in headers.iter().rev() {
        data = prepend_header(&data, name, value);
    }
    data
}

/// The header field the webmail shows as a warning banner (R25).
pub const WARNING_FIELD: &str = "X-Vesontio-Warning";

/// Whether the header section of `raw` has a field called `name`.
pub(crate) fn has_field(raw: &[u8], name: &str) -> bool {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n"))
        .unwrap_or(raw.len());
    let head = raw[..end].to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    head.split(|&b| b == b'\n').any(|line| {
        line.strip_prefix(name.as_bytes())
            .is_some_and(|rest| rest.trim_ascii_start().first() == Some(&b':'))
    })
}

/// `raw` without the header fields called `name` (with their
/// continuation lines, RFC 5322 §2.2.3). The body is untouched.
pub(crate) fn strip_fields(raw: &[u8], name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    let mut dropping = false;
    while i < raw.len() {
        let end = raw[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(raw.len(), |p| i + p + 1);
        let line = &raw[i..end];
        if line == b"\r\n" || line == b"\n" {
            out.extend_from_slice(&raw[i..]);
            return out;
        }
        let continuation = line.first().is_some_and(|&b| b == b' ' || b == b'\t');
        if !continuation {
            dropping = line.iter().position(|&b| b == b':').is_some_and(|c| {
                line[..c]
                    .trim_ascii_end()
                    .eq_ignore_ascii_case(name.as_bytes())
            });
        }
        if !dropping {
            out.extend_from_slice(line);
        }
        i = end;
    }
    out
}

/// The store lease under which one node at a time hands out training
/// events, and the name of their cursor.
pub const TRAINING_LEASE: &str = "training";

impl Delivery {
    /// One round of training: under the `training` store lease (one node
    /// at a time), the events after the stored cursor go to the stages,
    /// then the cursor moves on. Returns how many were handed out; `None`
    /// when another node holds the lease. A crash between the two hands
    /// the last events out again (at least once).
    pub async fn train_round(&self, holder: &str, now: UnixTime) -> Option<usize> {
        let store = self.store();
        match store.lease_take(TRAINING_LEASE, holder, now, 120).await {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => {
                tracing::error!(error = %e, "training: cannot take the lease");
                return None;
            }
        }
        let mut total = 0;
        let mut from = store.training_cursor(TRAINING_LEASE).await.ok()?;
        loop {
            let (to, n) = self.dispatch_counted(from).await;
            if to == from {
                break;
            }
            total += n;
            if let Err(e) = store.set_training_cursor(TRAINING_LEASE, to).await {
                tracing::error!(error = %e, "training: cursor not saved");
                break;
            }
            from = to;
        }
        Some(total)
    }

    /// Runs [`Delivery::train_round`] every 10 seconds until `shutdown`;
    /// `holder` names this process in the store's leases.
    pub fn spawn_trainer(
        self,
        holder: String,
        shutdown: tokio_util::sync::CancellationToken,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(std::time::Duration::from_secs(10)) => {}
                }
                if self.filters().stages.is_empty() {
                    continue;
                }
                self.train_round(&holder, vesontio_store::now()).await;
            }
        })
    }

    /// Hands the training events after `after` (an event id) to every
    /// stage ([`super::Stage::train`]) with the message's bytes; returns
    /// the last event id handled, to pass next time. A message whose
    /// content is gone is skipped.
    pub async fn dispatch_training(&self, after: i64) -> i64 {
        self.dispatch_counted(after).await.0
    }

    /// [`Delivery::dispatch_training`], and how many events it handed out.
    async fn dispatch_counted(&self, after: i64) -> (i64, usize) {
        let mut last = after;
        let mut n = 0;
        let events = match self.store().training_since(after, 500).await {
            Ok(e) => e,
            Err(e) => {
                tracing::error!(error = %e, "reading training events failed");
                return (last, n);
            }
        };
        for ev in events {
            last = ev.id;
            n += 1;
            let Ok(raw) = self.store().read_blob(&ev.blob_id).await else {
                continue;
            };
            for stage in &self.filters().stages {
                stage.train(&ev, &raw).await;
            }
        }
        (last, n)
    }
}
