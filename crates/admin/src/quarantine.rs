//! The quarantine for administrators (R9 antivirus, R8 security alerts):
//! list, show, release, delete, and the expiry purge the hourly jobs run.
//!
//! Invariants
//! - A private message (R4) shows its envelope only: its subject is never
//!   in a [`QuarantineView`], whatever the store holds, so no view, JSON
//!   export or audit entry can carry it. No view ever carries a body: an
//!   infected message is never opened by a person (R9).
//! - Every action writes an audit entry (R11) naming the actor, with the
//!   entry's id, envelope, reason and rule, never its subject.
//! - Release hands the message back to the ingest gate through
//!   [`Redeliver`], implemented by the binary over
//!   `vesontio_delivery::Delivery::submit` (admin and delivery are on the
//!   same layer, so admin cannot call it directly). The entry is removed
//!   only once the gate accepted the message.

use std::future::Future;

use serde::Serialize;
use serde_json::json;
use vesontio_store::{QuarantineEntry, Store};
use vesontio_types::UnixTime;

use crate::{Actor, Admin, AdminError, Result};

/// One quarantined message as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineView {
    pub id: i64,
    pub created_at: UnixTime,
    /// The envelope sender; empty for the null reverse path.
    pub sender: String,
    pub recipients: Vec<String>,
    /// Why it is held: `"virus"`, `"alert"`, `"spam"`…
    pub reason: String,
    /// The signature or rule that matched (`Eicar-Test-Signature`).
    pub rule: Option<String>,
    /// R4: when true, `subject` is always `None`.
    pub private: bool,
    pub subject: Option<String>,
    /// When it will be purged (`antivirus.quarantine_expiry` after
    /// `created_at`), if the caller gave the expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<UnixTime>,
}

impl QuarantineView {
    fn of(e: QuarantineEntry, expiry_secs: Option<i64>) -> Self {
        QuarantineView {
            id: e.id,
            created_at: e.created_at,
            sender: e.sender,
            recipients: e.recipients,
            reason: e.reason,
            rule: e.rule,
            private: e.private,
            // R4, enforced here too: the store keeps no subject for a
            // private message, and a row written otherwise still shows none.
            subject: if e.private { None } else { e.subject },
            expires_at: expiry_secs.map(|s| e.created_at.saturating_add(s)),
        }
    }
}

/// `show`: the view and the message's size; never its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuarantineDetail {
    #[serde(flatten)]
    pub view: QuarantineView,
    pub size: u64,
}

/// Submits a released message again, with its intended envelope, through
/// the ingest gate. `cause` is the filter stage that held it (the part of
/// the rule before `:`, `antivirus` for `antivirus:Eicar-Test-Signature`):
/// the gate runs every other stage. `Ok` carries the gate's queue id;
/// `Err` the refusal's sentence (the entry then stays in quarantine).
pub trait Redeliver {
    fn redeliver(
        &self,
        sender: &str,
        recipients: &[String],
        cause: Option<&str>,
        raw: Vec<u8>,
    ) -> impl Future<Output = std::result::Result<String, String>> + Send;
}

/// The stage named by a quarantine rule (`stage:rule`).
pub fn cause(rule: Option<&str>) -> Option<&str> {
    rule.and_then(|r| r.split_once(':')).map(|(stage, _)| stage)
}

/// What `release` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Released {
    pub id: i64,
    pub queue_id: String,
}

impl Admin {
    /// Every held message, oldest first. `expiry_secs` fills `expires_at`.
    pub async fn quarantine_list(
        &self,
        actor: &Actor,
        expiry_secs: Option<i64>,
    ) -> Result<Vec<QuarantineView>> {
        let views: Vec<QuarantineView> = self
            .store
            .quarantine_list()
            .await?
            .into_iter()
            .map(|e| QuarantineView::of(e, expiry_secs))
            .collect();
        self.audit(actor, "quarantine_list", json!({"count": views.len()}))
            .await?;
        Ok(views)
    }

    pub async fn quarantine_show(
        &self,
        actor: &Actor,
        id: i64,
        expiry_secs: Option<i64>,
    ) -> Result<QuarantineDetail> {
        let e = self.entry(id).await?;
        let size = self.store.read_blob(&e.blob_id).await?.len() as u64;
        let view = QuarantineView::of(e, expiry_secs);
        self.audit(actor, "quarantine_show", audit_fields(&view))
            .await?;
        Ok(QuarantineDetail { view, size })
    }

    /// Delivers a held message through the gate, then removes it.
    pub async fn quarantine_release(
        &self,
        actor: &Actor,
        id: i64,
        gate: &impl Redeliver,
    ) -> Result<Released> {
        let e = self.entry(id).await?;
        let raw = self.store.read_blob(&e.blob_id).await?;
        let view = QuarantineView::of(e, None);
        let cause = cause(view.rule.as_deref());
        let queue_id = match gate
            .redeliver(&view.sender, &view.recipients, cause, raw)
            .await
        {
            Ok(q) => q,
            Err(reason) => {
                let mut data = audit_fields(&view);
                data["refused"] = json!(reason);
                self.audit(actor, "quarantine_release_refused", data)
                    .await?;
                return Err(AdminError::ReleaseRefused { id, reason });
            }
        };
        // Removed after the gate accepted: a failure here leaves the entry
        // for another release, which would deliver it a second time. Better
        // twice than lost.
        self.store.quarantine_remove(id).await?;
        let mut data = audit_fields(&view);
        data["queue_id"] = json!(queue_id);
        self.audit(actor, "quarantine_release", data).await?;
        Ok(Released { id, queue_id })
    }

    /// Deletes a held message without delivering it.
    pub async fn quarantine_delete(&self, actor: &Actor, id: i64) -> Result<()> {
        let e = self.entry(id).await?;
        let view = QuarantineView::of(e, None);
        self.store.quarantine_remove(id).await?;
        self.audit(actor, "quarantine_delete", audit_fields(&view))
            .await
    }

    async fn entry(&self, id: i64) -> Result<QuarantineEntry> {
        self.store
            .quarantine_list()
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or(AdminError::QuarantineNotFound { id })
    }
}

/// Deletes the entries older than `expiry_secs` (`antivirus.quarantine_expiry`);
/// one audit entry per pass naming what went. Run by the hourly jobs under
/// their lease, so one node does it.
pub async fn purge_expired(store: &Store, now: UnixTime, expiry_secs: i64) -> Result<usize> {
    let cutoff = now.saturating_sub(expiry_secs);
    let expired: Vec<QuarantineEntry> = store
        .quarantine_list()
        .await?
        .into_iter()
        .filter(|e| e.created_at < cutoff)
        .collect();
    if expired.is_empty() {
        return Ok(0);
    }
    let mut ids = Vec::new();
    for e in &expired {
        if store.quarantine_remove(e.id).await? {
            ids.push(e.id);
        }
    }
    store
        .audit_append(
            now,
            "admin",
            &json!({
                "action": "quarantine_purge",
                "by": "jobs",
                "via": "jobs",
                "ids": ids,
                "older_than": cutoff,
            }),
        )
        .await?;
    Ok(ids.len())
}

/// The audit fields of an entry: envelope, reason and rule, no subject.
fn audit_fields(v: &QuarantineView) -> serde_json::Value {
    json!({
        "id": v.id,
        "sender": v.sender,
        "recipients": v.recipients,
        "reason": v.reason,
        "rule": v.rule,
    })
}

/// The notice to the intended recipients of a held message (R9): sender,
/// subject unless private (R4), and what was found.
pub fn recipient_notice(v: &QuarantineView) -> vesontio_policy::texts::Notice {
    // `antivirus:Eicar-Test-Signature` names the signature after the stage.
    let found = v
        .rule
        .as_deref()
        .map(|r| r.split_once(':').map_or(r, |(_, sig)| sig))
        .unwrap_or(&v.reason);
    let subject = if v.private {
        None
    } else {
        Some(v.subject.as_deref().unwrap_or(""))
    };
    vesontio_policy::texts::virus_quarantined_notice(&v.sender, subject, found)
}
