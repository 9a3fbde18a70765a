//! R9 as a pipeline stage: every message the filters see (MX, submission,
//! web send; [`crate::Origin::applies`]) is scanned whole by clamd through
//! the `antivirus` crate's pooled client.
//!
//! - Infected: a [`Verdict::quarantine`] for the whole message, reason
//!   [`REASON`], rule the signature clamd named; `decide` puts every copy
//!   in the quarantine and nothing is delivered.
//! - Not scanned (clamd unreachable, too slow, over its stream limit or
//!   ours, an answer we do not understand): a [`StageError`], so the
//!   stage's failure policy applies (`antivirus.on_failure`, `tempfail` by
//!   default: `451 4.7.1`, the sender retries, nothing unscanned is
//!   delivered). Never clean.
//!
//! After the quarantine, [`tell`] writes the notices: each intended local
//! recipient gets a short one from the postmaster (sender, subject unless
//! the message is private (R4), signature), and the sender a DSN only when
//! it can be trusted ([`VirusBounce`], `antivirus.bounce_sender`): our own
//! users (submission, web) and, by default, outside senders that SPF or
//! aligned DKIM authenticates; a forged MX sender gets nothing
//! (backscatter). The DSN carries the headers only, never the infected
//! content.

use std::sync::Arc;

use vesontio_antivirus::{Clamd, Scan};
use vesontio_message::{Analysis, DsnAction, ReturnContent};
use vesontio_policy::texts;
use vesontio_types::{Address, UnixTime};

use super::{BoxFuture, Decided, Fate, FilterContext, Stage, StageError, StageResult, Verdict};
use crate::resolve::Resolution;
use crate::{Delivery, Envelope, Origin, Verdicts};

/// The stage's name: its `[filters.stages.antivirus]` table and the
/// prefix of its quarantine rules (`antivirus:<signature>`).
pub const ANTIVIRUS_STAGE: &str = "antivirus";
/// The quarantine reason of an infected message.
pub const VIRUS_REASON: &str = "virus";

/// The clamd scan as a [`Stage`].
pub struct AntivirusStage {
    clamd: Arc<Clamd>,
}

impl AntivirusStage {
    pub fn new(clamd: Arc<Clamd>) -> Self {
        AntivirusStage { clamd }
    }
}

impl Stage for AntivirusStage {
    fn name(&self) -> &str {
        ANTIVIRUS_STAGE
    }

    fn run<'a>(
        &'a self,
        ctx: &'a FilterContext,
    ) -> BoxFuture<'a, Result<Vec<Verdict>, StageError>> {
        Box::pin(scan(&self.clamd, &ctx.raw))
    }

    fn scans_filed(&self) -> bool {
        true
    }

    /// The scan starts as soon as the gate has the bytes and runs while it
    /// does its own checks; the verdict is still awaited before anything
    /// is accepted ([`super::Filters::run_begun`]).
    fn begin(&self, raw: &Arc<Vec<u8>>) -> Option<BoxFuture<'static, StageResult>> {
        let (clamd, raw) = (self.clamd.clone(), raw.clone());
        Some(Box::pin(async move { scan(&clamd, &raw).await }))
    }
}

async fn scan(clamd: &Clamd, raw: &[u8]) -> StageResult {
    match clamd.scan(raw).await {
        Ok(Scan::Clean) => Ok(Vec::new()),
        Ok(Scan::Infected { signature }) => Ok(vec![Verdict::quarantine(VIRUS_REASON, &signature)]),
        // The error names clamd's endpoint and what failed, never the
        // message.
        Err(e) => Err(StageError::new(format!("not scanned: {e}"))),
    }
}

/// Who gets a DSN for an infected message (`antivirus.bounce_sender`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VirusBounce {
    /// Our own users, and outside senders that SPF or aligned DKIM
    /// authenticates.
    #[default]
    Authenticated,
    /// Our own users only (submission, web send).
    Local,
    Never,
}

impl VirusBounce {
    /// Whether this sender may be told: `local` for our own doors,
    /// `authenticated` for an MX sender SPF or aligned DKIM vouches for.
    pub fn bounces(self, local: bool, authenticated: bool) -> bool {
        match self {
            VirusBounce::Never => false,
            VirusBounce::Local => local,
            VirusBounce::Authenticated => local || authenticated,
        }
    }
}

/// The signature of a copy the antivirus quarantined.
fn signature(fate: &Fate) -> Option<&str> {
    match fate {
        Fate::Quarantine { reason, rule } if reason == VIRUS_REASON => rule
            .strip_prefix(ANTIVIRUS_STAGE)
            .and_then(|r| r.strip_prefix(':')),
        _ => None,
    }
}

/// The notices of R9 once the copies are in the quarantine. Failures to
/// send are logged, never a reason to refuse: the message is safe in the
/// quarantine whatever happens to its notices.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn tell(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    analysis: &Analysis,
    auth: Option<&Verdicts>,
    res: &Resolution,
    decided: &Decided,
    now: UnixTime,
) {
    let mut found = None;
    let mut told: Vec<&str> = Vec::new();
    let sender = env
        .mail_from
        .as_ref()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // R4: a private message's subject is not quoted, even to its recipient.
    let subject = if analysis.is_private {
        None
    } else {
        Some(analysis.subject.as_deref().unwrap_or(""))
    };
    for (t, disp) in res.local.iter().zip(decided.local.iter()) {
        let Some(sig) = signature(&disp.fate) else {
            continue;
        };
        found.get_or_insert(sig);
        if told.contains(&t.account.address.as_str()) {
            continue;
        }
        told.push(&t.account.address);
        let notice = texts::virus_quarantined_notice(&sender, subject, sig);
        match Address::parse(&t.account.address) {
            Ok(to) => {
                if let Err(e) = d.send_notice(&to, &notice, now).await {
                    tracing::warn!(rcpt = %t.account.address, reply = %e, "R9 notice not sent");
                }
            }
            Err(e) => tracing::warn!(rcpt = %t.account.address, error = %e, "R9 notice not sent"),
        }
    }
    let found = found.or_else(|| decided.remote.iter().find_map(|d| signature(&d.fate)));
    let (Some(found), Some(to)) = (found, env.mail_from.as_ref()) else {
        return;
    };
    let local = origin.sending_account().is_some();
    let authenticated = auth.is_some_and(|v| v.sender_authenticated);
    if !d.virus_bounce().bounces(local, authenticated) {
        return;
    }
    let recipients = env
        .recipients
        .iter()
        .map(|r| {
            crate::notify::dsn_rcpt(
                r.address.clone(),
                r.orcpt.clone(),
                DsnAction::Failed,
                "5.7.1",
                Some(format!("550 5.7.1 virus found ({found})")),
                now,
                None,
            )
        })
        .collect();
    if let Err(e) = d
        .send_dsn(
            to,
            env.envid.clone(),
            recipients,
            texts::virus_bounce_text(found),
            &[],
            ReturnContent::Headers,
            now,
        )
        .await
    {
        tracing::warn!(reply = %e, "R9 bounce not sent");
    }
}
