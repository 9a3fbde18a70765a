//! Messages the platform sends itself from the delivery path: DSNs (R7,
//! R17), notices (R7, R16) and absence replies (R23). All go with the null
//! reverse path (RFC 5321 §4.5.5, RFC 3834 §3.3): local recipients get them
//! through the delivery path, others through the outbound queue.

use std::future::Future;
use std::pin::Pin;

use vesontio_message::{
    Analysis, DsnParams, DsnRecipient, Mailbox, ReturnContent, VacationReply, build_dsn,
    build_notice, build_vacation_reply,
};
use vesontio_policy::texts::Notice;
use vesontio_policy::{RecipientCheck, VacationFacts, should_auto_reply};
use vesontio_store::{AccountUpdate, NewQueueEntry, NewQueueRcpt, QueueKind};
use vesontio_types::{AccountId, Address, UnixTime};

use crate::resolve::LocalTarget;
use crate::{Accepted, Delivery, Envelope, Origin, Recipient, Refused};

type BoxedSubmit<'a> = Pin<Box<dyn Future<Output = Result<Accepted, Refused>> + Send + 'a>>;

impl Delivery {
    /// The delivery path again, for platform messages (boxed: `submit`
    /// calls this and this calls `submit`).
    pub(crate) fn submit_internal(
        &self,
        envelope: Envelope,
        raw: Vec<u8>,
        now: UnixTime,
    ) -> BoxedSubmit<'_> {
        Box::pin(crate::submit::submit(
            self,
            Origin::Internal,
            envelope,
            raw,
            now,
        ))
    }

    pub(crate) fn postmaster(&self) -> Mailbox {
        Mailbox::new("Postmaster", self.config().postmaster.clone())
    }

    /// Sends a platform message to one address with the null sender.
    pub(crate) async fn send_generated(
        &self,
        to: &Address,
        raw: Vec<u8>,
        now: UnixTime,
    ) -> Result<(), Refused> {
        if self.is_local_domain(to.domain()).await {
            let env = Envelope {
                mail_from: None,
                recipients: vec![Recipient {
                    address: to.clone(),
                    orcpt: None,
                    notify: None,
                }],
                envid: None,
                ret: None,
                smtputf8: false,
            };
            self.submit_internal(env, raw, now).await.map(|_| ())
        } else {
            let (blob, _) = self
                .store()
                .put_blob(raw)
                .await
                .map_err(|_| Refused::internal())?;
            self.store()
                .enqueue(NewQueueEntry {
                    kind: QueueKind::Remote,
                    blob,
                    sender: String::new(),
                    envid: None,
                    ret: None,
                    recipients: vec![NewQueueRcpt {
                        address: to.to_string(),
                        orcpt: None,
                        notify: None,
                    }],
                    created_at: now,
                    next_attempt_at: now,
                })
                .await
                .map_err(|_| Refused::internal())?;
            Ok(())
        }
    }

    /// A notice from the postmaster (no links, `Auto-Submitted`).
    pub async fn send_notice(
        &self,
        to: &Address,
        notice: &Notice,
        now: UnixTime,
    ) -> Result<(), Refused> {
        let id = format!("{}@{}", self.new_id(now), self.config().hostname);
        let raw = build_notice(
            &self.postmaster(),
            &Mailbox {
                name: None,
                address: to.clone(),
            },
            &notice.subject,
            &notice.text,
            now,
            &id,
        );
        self.send_generated(to, raw, now).await
    }

    /// An RFC 3464 DSN to `to` (the original envelope sender).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn send_dsn(
        &self,
        to: &Address,
        envid: Option<String>,
        recipients: Vec<DsnRecipient>,
        human_text: String,
        original: &[u8],
        ret: ReturnContent,
        now: UnixTime,
    ) -> Result<(), Refused> {
        let id = format!("{}@{}", self.new_id(now), self.config().hostname);
        let raw = build_dsn(&DsnParams {
            reporting_mta: self.config().hostname.clone(),
            from: self.postmaster(),
            to: to.clone(),
            original_envid: envid,
            arrival_date: Some(now),
            recipients,
            human_text,
            original,
            ret,
            date: now,
            message_id: id,
        });
        self.send_generated(to, raw, now).await
    }

    /// R23: answers `sender` with the absence message of the target's
    /// account when the charter says so (once per sender per period,
    /// never to lists, bulk or automatic mail, never the null sender).
    pub(crate) async fn maybe_vacation(
        &self,
        target: &LocalTarget,
        sender: Option<&Address>,
        analysis: &Analysis,
        now: UnixTime,
    ) {
        if target.list.is_some() {
            return; // R23: never answer mail received through a list.
        }
        let Some(sender) = sender else { return };
        let account = &target.account;
        let Ok(Some(v)) = self.store().vacation(account.id).await else {
            return;
        };
        let Ok(me) = Address::parse(&account.address) else {
            return;
        };
        let mine = [me.clone()];
        let facts = VacationFacts {
            active: v.active,
            start: v.start_at,
            end: v.end_at,
            now,
            sender: Some(sender),
            analysis,
            recipient_addresses_of_user: &mine,
            already_replied_this_period: false,
            recipient_check: RecipientCheck::Required,
        };
        if let Err(why) = should_auto_reply(&facts) {
            tracing::debug!(account = %account.address, reason = ?why, "no absence reply");
            return;
        }
        // Once per sender per period: the store's insert decides, so two
        // concurrent deliveries cannot both answer.
        let period = format!(
            "{}-{}",
            v.start_at.unwrap_or(0),
            v.end_at.map(|e| e.to_string()).unwrap_or_default()
        );
        match self
            .store()
            .vacation_mark_replied(account.id, &sender.normalized(), &period)
            .await
        {
            Ok(true) => {}
            _ => return,
        }
        let id = format!("{}@{}", self.new_id(now), self.config().hostname);
        let raw = build_vacation_reply(&VacationReply {
            from: Mailbox::new(account.display_name.clone(), me),
            to: Mailbox {
                name: None,
                address: sender.clone(),
            },
            original_subject: analysis.subject.as_deref(),
            original_message_id: analysis.message_id.as_deref(),
            original_references: None,
            subject: Some(v.subject.as_str()),
            text: &v.body,
            date: now,
            message_id: &id,
        });
        if let Err(e) = self.send_generated(sender, raw, now).await {
            tracing::warn!(account = %account.address, reply = %e, "absence reply not sent");
        }
    }

    /// R16: warns the owner once when usage reaches the warning level, and
    /// re-arms the warning once usage is below it again.
    pub async fn update_quota_warning(&self, account: AccountId, now: UnixTime) {
        let _guard = self.inner.quota_warning_lock.lock().await;
        let Ok(Some(acc)) = self.store().account(account).await else {
            return;
        };
        let pct = self.config().quota_warning_percent;
        let (used, quota) = (acc.bytes_used.max(0) as u64, acc.quota_bytes.max(0) as u64);
        let reached = quota > 0 && u128::from(used) * 100 >= u128::from(quota) * u128::from(pct);
        if reached && !acc.quota_warned {
            // Set first: the warning itself lands in this mailbox.
            let upd = AccountUpdate {
                quota_warned: Some(true),
                ..AccountUpdate::default()
            };
            if self.store().update_account(acc.id, upd).await.is_err() {
                return;
            }
            drop(_guard);
            let notice = vesontio_policy::texts::quota_warning_notice(used, quota, pct);
            if let Ok(to) = Address::parse(&acc.address)
                && let Err(e) = self.send_notice(&to, &notice, now).await
            {
                tracing::warn!(account = %acc.address, reply = %e, "quota warning not sent");
            }
        } else if !reached && acc.quota_warned {
            let upd = AccountUpdate {
                quota_warned: Some(false),
                ..AccountUpdate::default()
            };
            let _ = self.store().update_account(acc.id, upd).await;
        }
    }
}

/// One DSN block for a recipient.
pub(crate) fn dsn_rcpt(
    final_recipient: Address,
    orcpt: Option<String>,
    action: vesontio_message::DsnAction,
    status: &str,
    diagnostic: Option<String>,
    now: UnixTime,
    retry_until: Option<UnixTime>,
) -> DsnRecipient {
    DsnRecipient {
        final_recipient,
        original_recipient: orcpt,
        action,
        status: status.to_string(),
        diagnostic,
        remote_mta: None,
        last_attempt: Some(now),
        will_retry_until: retry_until,
    }
}
