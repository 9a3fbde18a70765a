//! [`Delivery::file`](crate::Delivery::file): the gate for messages put
//! into one of the account's folders (IMAP APPEND, the web's draft save).
//! R6, the header checks and R7 apply (the table in `gate.rs`); R4 sets
//! the private flag. Every message is parsed once: the analysis R7 needs
//! and the store's model, computed here and handed over so the store does
//! not parse again. Several messages (MULTIAPPEND, RFC 3502 §6.3.11) are
//! all refused or all stored, in one transaction; one message joins the
//! group commit of deliveries.
//!
//! R9 covers every door: the filter stages that [`Stage::scans_filed`]
//! (the antivirus) look at each filed message too. An infected one is
//! refused (the person's own client still holds it; nothing reaches a
//! folder), and clamd being unreachable follows the stage's failure
//! policy, as for sent mail.
//!
//! [`Stage::scans_filed`]: crate::Stage::scans_filed

use std::sync::Arc;

use vesontio_message::Analysis;
use vesontio_store::{Account, Appended, NewMessage, Parsed, StoreError};
use vesontio_types::UnixTime;

use crate::filter::{Action, FilterContext, FilterRecipient};
use crate::gate::{check_bytes, check_r7};
use crate::{Delivery, Envelope, Origin, Refused, Rule};

/// One message to file, as the door received it.
#[derive(Debug, Clone)]
pub struct Filing {
    pub raw: Vec<u8>,
    /// Flags to set (already limited to what the account may set).
    pub flags: Vec<String>,
    /// RFC 9051 §2.3.3 internal date; the arrival time when `None`.
    pub internal_date: Option<UnixTime>,
}

/// Why filing failed: a rule of the gate, or the store (full mailbox,
/// mailbox deleted meanwhile, I/O), which the door reports its own way.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub(crate) async fn file(
    d: &Delivery,
    origin: &Origin,
    messages: Vec<Filing>,
    now: UnixTime,
) -> Result<Vec<Appended>, FileError> {
    let (mailbox, account) = match origin {
        Origin::ImapAppend { mailbox, account } | Origin::DraftSave { mailbox, account } => {
            (*mailbox, account.as_ref())
        }
        _ => {
            tracing::error!(origin = origin.name(), "file called for a sending door");
            return Err(Refused::internal().into());
        }
    };
    let limits = d.config().scan.limits;
    let mut rows = Vec::with_capacity(messages.len());
    // All checks first: for MULTIAPPEND one refusal stores nothing.
    let mut checked = Vec::with_capacity(messages.len());
    for m in messages {
        check_bytes(d, origin, &m.raw)?;
        let (analysis, parsed) = analyse_and_parse(&m.raw, limits).await;
        check_r7(d, origin, &analysis).map_err(|(_, r)| r)?;
        checked.push((m, analysis, parsed));
    }
    for (m, analysis, _) in &checked {
        scan(d, origin, account, &m.raw, analysis, now).await?;
    }
    for (m, analysis, parsed) in checked {
        let private = analysis.is_private;
        let (blob, data) = d.store().put_blob(m.raw).await?;
        rows.push(NewMessage {
            blob,
            data: Some(data),
            internal_date: m.internal_date.unwrap_or(now),
            flags: m.flags,
            private,
            parsed: Some(parsed),
        });
    }
    let res = if rows.len() == 1 {
        let row = rows.pop().ok_or_else(Refused::internal)?;
        d.store().append(mailbox, row).await.map(|a| vec![a])
    } else {
        d.store().append_all(mailbox, rows).await
    };
    Ok(res?)
}

/// Runs the stages that scan filed messages (R9). A quarantine verdict
/// refuses the message; a stage's failure is its policy's
/// (`451 4.7.1` by default).
async fn scan(
    d: &Delivery,
    origin: &Origin,
    account: &Account,
    raw: &[u8],
    analysis: &Analysis,
    now: UnixTime,
) -> Result<(), Refused> {
    let filters = d.filters();
    if !filters.stages.iter().any(|s| s.scans_filed()) {
        return Ok(());
    }
    let ctx = FilterContext {
        raw: Arc::new(raw.to_vec()),
        analysis: analysis.clone(),
        envelope: Envelope {
            mail_from: None,
            recipients: Vec::new(),
            envid: None,
            ret: None,
            smtputf8: false,
        },
        origin: origin.clone(),
        parsed: Default::default(),
        auth: None,
        recipients: vec![FilterRecipient {
            address: account.address.to_ascii_lowercase(),
            account: Some(account.clone()),
        }],
        now,
    };
    let outcome = filters.run_where(&ctx, |s| s.scans_filed()).await?;
    for (stage, v) in outcome.verdicts {
        if let Action::Quarantine { rule, .. } = v.action {
            tracing::warn!(origin = origin.name(), %stage, %rule, "filed message refused");
            let found = rule.rsplit_once(':').map_or(rule.as_str(), |(_, s)| s);
            return Err(Refused::new(
                Rule::Content,
                554,
                "5.7.1",
                format!(
                    "Ce message contient un virus ({found}) : il n'est pas enregistré / \
                     This message carries a virus ({found}): it was not saved"
                ),
            ));
        }
    }
    Ok(())
}

/// The gate's analysis and the store's model of a message filed as it
/// is, from one parse; off the runtime's threads for a large message.
async fn analyse_and_parse(
    raw: &[u8],
    limits: vesontio_message::ScanLimits,
) -> (Analysis, std::sync::Arc<Parsed>) {
    let both = move |raw: &[u8]| {
        let (analysis, model, text) = Analysis::with_model(raw, limits);
        (analysis, Parsed::with(raw, model, text))
    };
    if raw.len() < 256 * 1024 {
        return both(raw);
    }
    let copy = raw.to_vec();
    match tokio::task::spawn_blocking(move || both(&copy)).await {
        Ok(p) => p,
        // A lost task: the message was not looked into (as `analyse`).
        Err(_) => (Analysis::unreadable(raw.len()), Parsed::of(raw)),
    }
}
