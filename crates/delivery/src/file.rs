//! [`Delivery::file`](crate::Delivery::file): the gate for messages put
//! into one of the account's folders (IMAP APPEND, the web's draft save).
//! R6, the header checks and R7 apply (the table in `gate.rs`); R4 sets
//! the private flag. Every message is parsed once: the analysis R7 needs
//! and the store's model, computed here and handed over so the store does
//! not parse again. Several messages (MULTIAPPEND, RFC 3502 §6.3.11) are
//! all refused or all stored, in one transaction; one message joins the
//! group commit of deliveries.

use vesontio_store::{Appended, NewMessage, Parsed, StoreError};
use vesontio_types::UnixTime;

use crate::gate::{analyse, check_bytes, check_r7};
use crate::{Delivery, Origin, Refused};

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
    let mailbox = match origin {
        Origin::ImapAppend { mailbox, .. } | Origin::DraftSave { mailbox, .. } => *mailbox,
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
        let analysis = analyse(&m.raw, limits).await;
        check_r7(d, origin, &analysis).map_err(|(_, r)| r)?;
        checked.push((m, analysis.is_private));
    }
    for (m, private) in checked {
        let parsed = parse(&m.raw).await;
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

/// The store's model, off the runtime's threads for a large message.
async fn parse(raw: &[u8]) -> std::sync::Arc<Parsed> {
    if raw.len() < 256 * 1024 {
        return Parsed::of(raw);
    }
    let copy = raw.to_vec();
    match tokio::task::spawn_blocking(move || Parsed::of(&copy)).await {
        Ok(p) => p,
        Err(_) => Parsed::of(raw),
    }
}
