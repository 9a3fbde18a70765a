//! Stage: the message's writes, all or nothing (issue 15 item 2). The
//! local copies (each in the folder the filters chose, with its
//! disposition), the R17 holds of the copies whose mailbox is full, the
//! remote queue entries and the retry key go to the store as one
//! [`MessageWrite`], committed in one transaction (shared with concurrent
//! deliveries). A message handed over again with the same key (a client
//! that timed out and retried, a `submit` cancelled after its commit) is
//! recognised, here before any work and in the store's transaction for a
//! concurrent twin, and answered with the first delivery's id.
//!
//! Blobs are written (fsynced) before, so the transaction only adds rows.
//! The audit entry and the consequences (DSNs, R16, R23, R5's count) come
//! after the commit: a cancellation between the two loses them, never a
//! copy, and never doubles one.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use vesontio_store::{
    CopyOutcome, CopyWrite, HeldWrite, MessageWrite, NewMessage, NewQueueEntry, NewQueueRcpt,
    QueueKind, WriteOutcome,
};
use vesontio_types::UnixTime;

use crate::filter::{Decided, Fate};
use crate::resolve::{LocalTarget, Resolution};
use crate::submit::{Blobs, HELD_RETRY_SECS};
use crate::{Delivery, Envelope, Origin, Refused};

/// What the write did.
pub(crate) enum Committed {
    Written {
        delivered: Vec<LocalTarget>,
        held: Vec<LocalTarget>,
        queued: usize,
    },
    /// Already delivered under this queue id.
    Duplicate(String),
}

/// The retry key: the door (and account), the envelope and the bytes as
/// received. Internal notices have none (each is built once), nor
/// releases from the quarantine: each is an administrator's deliberate
/// act, and a message held again on release must stay releasable.
pub(crate) fn retry_key(origin: &Origin, env: &Envelope, raw: &[u8]) -> Option<String> {
    if matches!(origin, Origin::Internal | Origin::Released) {
        return None;
    }
    let mut h = Sha256::new();
    let mut field = |b: &[u8]| {
        // Length-prefixed, so that no two envelopes hash alike.
        h.update((b.len() as u64).to_be_bytes());
        h.update(b);
    };
    field(origin.name().as_bytes());
    field(
        origin
            .sending_account()
            .map_or("", |a| a.address.as_str())
            .as_bytes(),
    );
    let sender = env.mail_from.as_ref().map(|a| a.to_string());
    field(sender.as_deref().unwrap_or("<>").as_bytes());
    let mut rcpts: Vec<String> = env
        .recipients
        .iter()
        .map(|r| r.address.to_string())
        .collect();
    rcpts.sort();
    for r in &rcpts {
        field(r.as_bytes());
    }
    field(raw);
    Some(hex::encode(h.finalize()))
}

/// A delivery already committed under `key`: its queue id.
pub(crate) async fn already(d: &Delivery, key: Option<&str>) -> Option<String> {
    d.store().ingest_key(key?).await.ok().flatten()
}

/// Records only the key (a message the filters kept from everyone), so a
/// retry is not filtered and quarantined again.
pub(crate) async fn record_key(
    d: &Delivery,
    key: Option<String>,
    queue_id: &str,
    now: UnixTime,
) -> Result<Option<String>, Refused> {
    if key.is_none() {
        return Ok(None);
    }
    let w = MessageWrite {
        key,
        queue_id: queue_id.to_string(),
        copies: Vec::new(),
        queue: Vec::new(),
        now,
    };
    match d.store().write_message(w).await {
        Ok(WriteOutcome::Duplicate { queue_id }) => Ok(Some(queue_id)),
        Ok(_) => Ok(None),
        Err(_) => Err(Refused::internal()),
    }
}

/// Builds the message's writes and commits them.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn commit(
    d: &Delivery,
    env: &Envelope,
    res: &Resolution,
    decided: &Decided,
    blobs: &mut Blobs<'_>,
    private: bool,
    sender_authenticated: bool,
    key: Option<String>,
    queue_id: &str,
    now: UnixTime,
) -> Result<Committed, Refused> {
    let mut copies = Vec::new();
    let mut targets = Vec::new();
    for (t, disp) in res.local.iter().zip(&decided.local) {
        if disp.fate != Fate::Deliver {
            continue;
        }
        let Some(mailbox) = folder_or_inbox(d, t.account.id, &disp.folder).await? else {
            tracing::warn!(account = %t.account.address, "no INBOX; copy skipped");
            continue;
        };
        let (blob, arc) = blobs.get(t.list.as_deref(), false, &disp.headers).await?;
        let json = disp.to_json();
        // R17: held instead when the mailbox is full, keeping the folder
        // and disposition for the retry. The null sender when the MX
        // sender is not authenticated: no DSN to a forged address.
        let hold = HeldWrite {
            entry: NewQueueEntry {
                kind: QueueKind::HeldLocal,
                blob: blob.clone(),
                sender: match (&env.mail_from, sender_authenticated) {
                    (Some(s), true) => s.to_string(),
                    _ => String::new(),
                },
                envid: env.envid.clone(),
                ret: env.ret.clone(),
                recipients: vec![NewQueueRcpt {
                    address: t.account.address.clone(),
                    orcpt: t.orcpt.clone(),
                    notify: t.notify.clone(),
                }],
                created_at: now,
                next_attempt_at: now + HELD_RETRY_SECS,
            },
            folder: Some(disp.folder.clone()),
            disposition: Some(json.clone()),
        };
        copies.push(CopyWrite {
            mailbox: mailbox.id,
            msg: NewMessage {
                blob,
                data: Some(arc),
                internal_date: now,
                flags: Vec::new(),
                private,
                parsed: None,
            },
            disposition: Some(json),
            hold: Some(hold),
        });
        targets.push(t.clone());
    }
    let (queue, queued) = remote_entries(env, res, decided, blobs, now).await?;
    let w = MessageWrite {
        key,
        queue_id: queue_id.to_string(),
        copies,
        queue,
        now,
    };
    let outcome = d.store().write_message(w).await.map_err(|e| {
        tracing::error!(error = %e, queue_id, "delivery commit failed");
        Refused::internal()
    })?;
    let copies = match outcome {
        WriteOutcome::Duplicate { queue_id } => return Ok(Committed::Duplicate(queue_id)),
        WriteOutcome::Written { copies, .. } => copies,
    };
    let (mut delivered, mut held) = (Vec::new(), Vec::new());
    for (t, c) in targets.into_iter().zip(copies) {
        match c {
            CopyOutcome::Delivered(_) => delivered.push(t),
            CopyOutcome::Held(_) => held.push(t),
            CopyOutcome::Failed(e) => {
                tracing::warn!(account = %t.account.address, error = %e, "local copy not delivered");
            }
        }
    }
    Ok(Committed::Written {
        delivered,
        held,
        queued,
    })
}

/// Outbound copies the filters let through, one queue entry per (reverse
/// path, body form); and the number of recipients they carry.
async fn remote_entries(
    env: &Envelope,
    res: &Resolution,
    decided: &Decided,
    blobs: &mut Blobs<'_>,
    now: UnixTime,
) -> Result<(Vec<NewQueueEntry>, usize), Refused> {
    type Key = (String, Option<String>, bool, Vec<(String, String, bool)>);
    let mut groups: BTreeMap<Key, Vec<NewQueueRcpt>> = BTreeMap::new();
    for (r, disp) in res.remote.iter().zip(&decided.remote) {
        if disp.fate != Fate::Deliver {
            continue;
        }
        groups
            .entry((
                r.sender.clone(),
                r.list.clone(),
                r.functional,
                disp.headers.clone(),
            ))
            .or_default()
            .push(r.rcpt.clone());
    }
    let mut out = Vec::new();
    let mut n = 0;
    for ((rev, list, functional, headers), rcpts) in groups {
        let (blob, _) = blobs.get(list.as_deref(), functional, &headers).await?;
        n += rcpts.len();
        out.push(NewQueueEntry {
            kind: QueueKind::Remote,
            blob,
            sender: rev,
            envid: env.envid.clone(),
            ret: env.ret.clone(),
            recipients: rcpts,
            created_at: now,
            next_attempt_at: now,
        });
    }
    Ok((out, n))
}

/// The account's folder called `folder`, or its INBOX when there is none.
pub(crate) async fn folder_or_inbox(
    d: &Delivery,
    account: vesontio_types::AccountId,
    folder: &str,
) -> Result<Option<vesontio_store::Mailbox>, Refused> {
    match d.store().mailbox_by_name(account, folder).await {
        Ok(Some(m)) => Ok(Some(m)),
        Ok(None) => d
            .store()
            .mailbox_by_name(account, "INBOX")
            .await
            .map_err(|_| Refused::internal()),
        Err(_) => Err(Refused::internal()),
    }
}
