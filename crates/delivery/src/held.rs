//! R17: deliveries held because the mailbox was full. They wait in the
//! queue (`QueueKind::HeldLocal`) with the folder and disposition the
//! filters gave them (schema v9), are delivered there as soon as room appears,
//! and after `full_mailbox_hold_secs` are destroyed with a final DSN.
//!
//! IMAP/POP3 call `Store::wake_held` after an expunge, which makes every
//! held entry due at once; [`Delivery::spawn_held_retrier`] notices the
//! change and retries.

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use vesontio_message::{Analysis, DsnAction, ReturnContent};
use vesontio_policy::{held_expired, texts};
use vesontio_store::{NewMessage, QueueEntry, QueueKind, RcptStatus, StoreError};
use vesontio_types::{Address, UnixTime};

use crate::Delivery;
use crate::notify::dsn_rcpt;
use crate::submit::HELD_RETRY_SECS;

/// How long a claimed entry is invisible to other nodes.
const LEASE_SECS: i64 = 120;
/// How long a delivery's retry key is kept.
const RETRY_KEY_SECS: i64 = 6 * 86_400;
/// Entries claimed per round.
const CLAIM_LIMIT: i64 = 200;

impl Delivery {
    /// Retries every held delivery due at `now`. Returns how many
    /// recipients were delivered. Expired ones (R17, five days by default)
    /// are dropped and their sender gets the final failure DSN.
    pub async fn retry_held(&self, now: UnixTime) -> usize {
        let mut delivered = 0;
        loop {
            let entries = match self
                .store()
                .claim_due_kind(now, LEASE_SECS, CLAIM_LIMIT, QueueKind::HeldLocal)
                .await
            {
                Ok(e) => e,
                Err(e) => {
                    tracing::error!(error = %e, "claiming held deliveries failed");
                    return delivered;
                }
            };
            let n = entries.len();
            for e in entries {
                delivered += self.retry_entry(e, now).await;
            }
            if (n as i64) < CLAIM_LIMIT {
                return delivered;
            }
        }
    }

    async fn retry_entry(&self, e: QueueEntry, now: UnixTime) -> usize {
        let raw = match self.store().read_blob(&e.blob_id).await {
            Ok(r) => r,
            Err(err) => {
                tracing::error!(entry = e.id, error = %err, "held message body unreadable");
                let _ = self
                    .store()
                    .reschedule(e.id, now + HELD_RETRY_SECS, true)
                    .await;
                return 0;
            }
        };
        let analysis = Analysis::of(&raw);
        let hold = self.config().full_mailbox_hold_secs;
        let expired = held_expired(e.created_at, now, hold);
        let mut delivered = 0;
        let mut pending = 0;
        let mut failed = Vec::new();
        let raw = std::sync::Arc::new(raw);
        for r in e
            .recipients
            .iter()
            .filter(|r| r.status == RcptStatus::Pending)
        {
            let outcome = self
                .deliver_held(&r.address, &e, &raw, analysis.is_private, now)
                .await;
            match outcome {
                Ok(Some(account)) => {
                    let _ = self
                        .store()
                        .set_rcpt_status(r.id, RcptStatus::Done, None)
                        .await;
                    self.update_quota_warning(account, now).await;
                    delivered += 1;
                }
                Ok(None) => {
                    // The account is gone: nothing to wait for.
                    let _ = self
                        .store()
                        .set_rcpt_status(
                            r.id,
                            RcptStatus::Failed,
                            Some("550 5.1.1 no such mailbox"),
                        )
                        .await;
                    failed.push((r.clone(), "5.1.1", "550 5.1.1 no such mailbox".to_string()));
                }
                Err(StoreError::OverQuota { .. }) if expired => {
                    let _ = self
                        .store()
                        .set_rcpt_status(r.id, RcptStatus::Failed, Some("552 5.2.2 mailbox full"))
                        .await;
                    failed.push((r.clone(), "5.2.2", "552 5.2.2 mailbox full".to_string()));
                }
                Err(StoreError::OverQuota { .. }) => pending += 1,
                Err(err) => {
                    tracing::warn!(entry = e.id, error = %err, "held delivery failed; will retry");
                    pending += 1;
                }
            }
        }
        if !failed.is_empty() {
            self.final_held_dsn(&e, &failed, &raw, now).await;
        }
        let _ = self
            .store()
            .audit_append(
                now,
                "message",
                &serde_json::json!({
                    "queue_id": format!("held-{}", e.id),
                    "origin": "held",
                    "sender": e.sender,
                    "recipients": e.recipients.iter().map(|r| r.address.clone()).collect::<Vec<_>>(),
                    "size": raw.len(),
                    "verdict": if pending > 0 { "held" } else if delivered > 0 { "delivered" } else { "expired" },
                    "delivered": delivered,
                    "failed": failed.len(),
                }),
            )
            .await;
        if pending == 0 {
            if let Err(err) = self.store().dequeue(e.id).await {
                tracing::error!(entry = e.id, error = %err, "dequeue failed");
            }
        } else {
            // Never later than the end of the hold, so expiry is on time.
            let next = (now + HELD_RETRY_SECS)
                .min(e.created_at + hold)
                .max(now + 1);
            let _ = self.store().reschedule(e.id, next, true).await;
        }
        delivered
    }

    /// `Ok(Some(account))` delivered, `Ok(None)` no such account. The
    /// copy goes to the folder the filters chose when it was held (INBOX
    /// if that folder is gone) and keeps their disposition.
    async fn deliver_held(
        &self,
        address: &str,
        e: &QueueEntry,
        raw: &std::sync::Arc<Vec<u8>>,
        private: bool,
        now: UnixTime,
    ) -> Result<Option<vesontio_types::AccountId>, StoreError> {
        let blob_id = e.blob_id.as_str();
        let Some(acc) = self.store().account_by_address(address).await? else {
            return Ok(None);
        };
        let folder = e.folder.as_deref().unwrap_or("INBOX");
        let mb = match self.store().mailbox_by_name(acc.id, folder).await? {
            Some(m) => Some(m),
            None => self.store().mailbox_by_name(acc.id, "INBOX").await?,
        };
        let Some(mb) = mb else {
            return Ok(None);
        };
        let msg = NewMessage {
            blob: vesontio_store::BlobRef {
                id: blob_id.to_string(),
                size: raw.len() as i64,
            },
            data: Some(raw.clone()),
            internal_date: now,
            flags: Vec::new(),
            private,
            parsed: None,
        };
        let mut out = self
            .store()
            .deliver_disposed(vec![(mb.id, msg, e.disposition.clone())])
            .await?;
        match out.pop() {
            Some(Ok(_)) => Ok(Some(acc.id)),
            Some(Err(e)) => Err(e),
            None => Err(StoreError::Invalid("empty batch result".into())),
        }
    }

    async fn final_held_dsn(
        &self,
        e: &QueueEntry,
        failed: &[(vesontio_store::QueueRcpt, &str, String)],
        raw: &[u8],
        now: UnixTime,
    ) {
        let Ok(sender) = Address::parse(&e.sender) else {
            return; // Null sender: RFC 3461 §6.2, never a DSN about a DSN.
        };
        let hold = self.config().full_mailbox_hold_secs;
        let days = ((hold + 86_399) / 86_400).max(0) as u32;
        let wanted: Vec<_> = failed
            .iter()
            .filter(|(r, _, _)| {
                r.notify
                    .as_deref()
                    .is_none_or(|n| n.to_ascii_uppercase().contains("FAILURE"))
            })
            .collect();
        if wanted.is_empty() {
            return;
        }
        let names: Vec<String> = wanted.iter().map(|(r, _, _)| r.address.clone()).collect();
        let rcpts = wanted
            .iter()
            .filter_map(|(r, status, diag)| {
                Some(dsn_rcpt(
                    Address::parse(&r.address).ok()?,
                    r.orcpt.clone(),
                    DsnAction::Failed,
                    status,
                    Some(diag.clone()),
                    now,
                    None,
                ))
            })
            .collect();
        let text = texts::held_expired_text(&names.join(", "), days);
        if let Err(r) = self
            .send_dsn(
                &sender,
                e.envid.clone(),
                rcpts,
                text,
                raw,
                ReturnContent::Headers,
                now,
            )
            .await
        {
            tracing::warn!(reply = %r, "R17 final DSN not sent");
        }
    }

    /// Runs [`Delivery::retry_held`] every 30 seconds, and soon after any
    /// mailbox change (an expunge that made room calls `Store::wake_held`),
    /// until `shutdown` is cancelled.
    pub fn spawn_held_retrier(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        // Subscribed before the task starts: a change committed once this
        // returns wakes it (an expunge right after used to be missed when
        // it notified before the task ran).
        let mut changes = self.store().subscribe();
        tokio::spawn(async move {
            let tick = Duration::from_secs(30);
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = tokio::time::sleep(tick) => {}
                    c = changes.recv() => {
                        if let Err(tokio::sync::broadcast::error::RecvError::Closed) = c {
                            break;
                        }
                        // Let a burst of changes settle: one round for many.
                        tokio::select! {
                            _ = shutdown.cancelled() => break,
                            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                        }
                        while changes.try_recv().is_ok() {}
                    }
                }
                let now = vesontio_store::now();
                self.retry_held(now).await;
                // Retry keys (issue 15 item 2) outlive any sender's retries:
                // RFC 5321 §4.5.4.1 gives up after 4-5 days.
                let _ = self.store().purge_ingest_keys(now - RETRY_KEY_SECS).await;
            }
        })
    }
}
