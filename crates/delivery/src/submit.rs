//! [`Delivery::submit`](crate::Delivery::submit): the charter's checks,
//! recipient resolution, durable storage, then the consequences (held
//! deliveries and their DSN, quota warnings, absence replies, audit).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use vesontio_message::{
    Analysis, DsnAction, ReturnContent, WithProtocol, add_sensitivity_private, ensure_message_id,
    forbidden_attachment, has_header, prepend_header, received_header,
};
use vesontio_policy::{Refusal, check_attachments, check_scannable, texts, unscannable_file};
use vesontio_store::{
    BlobRef, NewMessage, NewQuarantine, NewQueueEntry, NewQueueRcpt, QueueKind, StoreError,
};
use vesontio_types::{Address, UnixTime};

use crate::gate;
use crate::notify::dsn_rcpt;
use crate::resolve::LocalTarget;
use crate::{Accepted, Delivery, Envelope, Origin, Refused, Rule, ScanVerdict};

/// The header that carries R22's "went through a functional mailbox" to
/// later hops.
pub(crate) const FUNCTIONAL_MARK: &str = "X-Vesontio-Functional";

/// R17: first retry of a held delivery.
pub(crate) const HELD_RETRY_SECS: i64 = 15 * 60;

/// What the audit event (R11) says about one message. Never content, never
/// the subject.
#[derive(Default)]
struct AuditFacts {
    message_id: String,
    private: bool,
    verdict: &'static str,
    delivered: usize,
    held: usize,
    queued: usize,
    detail: Option<String>,
    /// SPF and DMARC outcomes of MX mail (RFC 8601 result names).
    spf: Option<&'static str>,
    dmarc: Option<&'static str>,
}

pub(crate) async fn submit(
    d: &Delivery,
    origin: Origin,
    env: Envelope,
    raw: Vec<u8>,
    now: UnixTime,
) -> Result<Accepted, Refused> {
    let queue_id = d.new_id(now);
    let size = raw.len();
    let mut facts = AuditFacts::default();
    let result = run(d, &origin, &env, raw, now, &queue_id, &mut facts).await;
    let account = match &origin {
        Origin::Submission { account, .. } | Origin::WebSend { account, .. } => {
            Some(account.address.clone())
        }
        _ => None,
    };
    let (verdict, reply, rule) = match &result {
        Ok(_) => (facts.verdict, None, None),
        Err(r) => (
            "refused",
            Some(format!("{} {}", r.code, r.enhanced)),
            Some(r.rule.as_str()),
        ),
    };
    let event = serde_json::json!({
        "queue_id": queue_id,
        "origin": origin.name(),
        "client_ip": origin.client_ip().map(|ip| ip.to_string()),
        "account": account,
        "sender": env.mail_from.as_ref().map(|a| a.to_string()).unwrap_or_default(),
        "recipients": env.recipients.iter().map(|r| r.address.to_string()).collect::<Vec<_>>(),
        "message_id": facts.message_id,
        "size": size,
        "private": facts.private,
        "verdict": verdict,
        "reply": reply,
        "rule": rule,
        "delivered": facts.delivered,
        "held": facts.held,
        "queued": facts.queued,
        "detail": facts.detail,
        "spf": facts.spf,
        "dmarc": facts.dmarc,
    });
    if let Err(e) = d.store().audit_append(now, "message", &event).await {
        tracing::error!(error = %e, queue_id, "audit append failed");
    }
    result
}

/// The gate's stages for a message sent to recipients, in order. Each
/// stage either refuses (the message is not taken) or hands on.
async fn run(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    raw: Vec<u8>,
    now: UnixTime,
    queue_id: &str,
    facts: &mut AuditFacts,
) -> Result<Accepted, Refused> {
    if !origin.sends() {
        tracing::error!(origin = origin.name(), "submit called for a filing door");
        return Err(Refused::internal());
    }
    gate::check_envelope(d, origin, env, now).await?;
    gate::check_bytes(d, origin, &raw)?;
    let analysis = gate::analyse(&raw, d.config().scan.limits).await;
    facts.private = analysis.is_private;
    facts.message_id = analysis.message_id.clone().unwrap_or_default();
    check_identity(d, origin, env, &analysis, now).await?;
    check_attachments_stage(d, origin, env, &analysis, now, facts).await?;
    let spam_score = match scan(d, origin, env, &raw, &analysis, now, facts).await? {
        Scanned::Quarantined => return Ok(accepted(queue_id, facts)),
        Scanned::Pass(score) => score,
    };
    let mut stored = stored_form(
        d, origin, env, raw, &analysis, spam_score, queue_id, now, facts,
    )
    .await;
    let res = resolve(d, origin, env, &stored.data, facts).await?;
    if let Some(v) = &stored.auth {
        facts.spf = Some(v.spf.as_str());
        facts.dmarc = Some(v.dmarc.as_str());
    }
    let mut blobs = Blobs::new(d, std::mem::take(&mut stored.data));
    let spam_junk = spam_score.is_some_and(|s| s >= d.inner.spam_threshold);
    let local = store_local(
        d, &res.local, &mut blobs, &analysis, spam_junk, now, queue_id,
    )
    .await?;
    queue_remote(d, env, &res.remote, &mut blobs, now, facts).await?;
    let (delivered, held) = hold_full(d, env, local, stored.sender_authenticated, now).await?;
    facts.delivered = delivered.len();
    facts.held = held.len();
    facts.verdict = if held.is_empty() { "delivered" } else { "held" };
    consequences(
        d, origin, env, &analysis, &delivered, &held, &blobs, &stored, now,
    )
    .await;
    Ok(accepted(queue_id, facts))
}

fn accepted(queue_id: &str, facts: &AuditFacts) -> Accepted {
    Accepted {
        queue_id: queue_id.to_string(),
        message_id: facts.message_id.clone(),
    }
}

/// Stage: who the header says wrote it. On the MX, our own domains in
/// `From:` or `Sender:` are refused as for the envelope sender at MAIL
/// FROM. R2: where a person sends, the header sender is checked like the
/// envelope sender: a user writes as themself or as a functional mailbox
/// they may send for, never as somebody else.
async fn check_identity(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    analysis: &Analysis,
    now: UnixTime,
) -> Result<(), Refused> {
    if let Origin::Mx { client_ip, .. } = origin {
        if let Some(s) = env.mail_from.as_ref() {
            crate::checks::check_outside_sender(d, s, *client_ip, "MAIL FROM").await?;
        }
        for from in &analysis.from {
            crate::checks::check_outside_sender(d, from, *client_ip, "From:").await?;
        }
        if let Some(s) = &analysis.sender {
            crate::checks::check_outside_sender(d, s, *client_ip, "Sender:").await?;
        }
    }
    if origin.applies(Rule::SendAs) {
        for from in &analysis.from {
            crate::checks::check_sender(d, origin, Some(from), now).await?;
        }
    }
    Ok(())
}

/// Stage: R7. Refused whatever the door: on the MX the sending server
/// tells its sender (a DSN from here would go to whoever the sender
/// forged), and the intended local recipients are told here.
async fn check_attachments_stage(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    analysis: &Analysis,
    now: UnixTime,
    facts: &mut AuditFacts,
) -> Result<(), Refused> {
    let Err((file, refusal)) = gate::check_r7(d, origin, analysis) else {
        return Ok(());
    };
    facts.detail = Some(file.clone());
    if let Origin::Mx { .. } = origin {
        notify_attachment_refused(d, env, analysis, &file, now).await;
    }
    Err(refusal)
}

/// What the content hooks decided.
enum Scanned {
    /// Stored in quarantine (R9): accepted, delivered to nobody.
    Quarantined,
    /// Goes on, with the last spam score given (R24).
    Pass(Option<f32>),
}

/// Stage: the R9/R24 hooks.
async fn scan(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    raw: &[u8],
    analysis: &Analysis,
    now: UnixTime,
    facts: &mut AuditFacts,
) -> Result<Scanned, Refused> {
    let mut spam_score = None;
    if !origin.applies(Rule::Content) {
        return Ok(Scanned::Pass(None));
    }
    for s in d.inner.scanners.iter() {
        match s.scan(raw, analysis) {
            ScanVerdict::Clean => {}
            ScanVerdict::Reject(r) => return Err(r),
            ScanVerdict::SpamScore(x) => spam_score = Some(x),
            ScanVerdict::Quarantine { reason } => {
                let (blob, _) = d
                    .store()
                    .put_blob(raw.to_vec())
                    .await
                    .map_err(|_| Refused::internal())?;
                d.store()
                    .quarantine_add(NewQuarantine {
                        created_at: now,
                        blob,
                        sender: env
                            .mail_from
                            .as_ref()
                            .map(|a| a.to_string())
                            .unwrap_or_default(),
                        recipients: env
                            .recipients
                            .iter()
                            .map(|r| r.address.to_string())
                            .collect(),
                        reason: reason.clone(),
                        rule: None,
                        private: analysis.is_private,
                        // R4: the store drops it for private messages too.
                        subject: if analysis.is_private {
                            None
                        } else {
                            analysis.subject.clone()
                        },
                    })
                    .await
                    .map_err(|_| Refused::internal())?;
                facts.verdict = "quarantined";
                facts.detail = Some(reason);
                return Ok(Scanned::Quarantined);
            }
        }
    }
    Ok(Scanned::Pass(spam_score))
}

/// The message as it will be stored, and what was learnt on the way.
struct Stored {
    data: Vec<u8>,
    /// SPF/DKIM/DMARC of MX mail, when evaluated.
    auth: Option<crate::Verdicts>,
    /// DSNs may go to the envelope sender (see [`stored_form`]).
    sender_authenticated: bool,
}

/// Stage: the stored form: Message-ID (RFC 6409 §8.3, submission and
/// web), R4 marking, spam score, SPF/DKIM/DMARC results (MX), trace field.
#[allow(clippy::too_many_arguments)]
async fn stored_form(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    raw: Vec<u8>,
    analysis: &Analysis,
    spam_score: Option<f32>,
    queue_id: &str,
    now: UnixTime,
    facts: &mut AuditFacts,
) -> Stored {
    let cfg = d.config();
    let mut data = raw;
    if origin.sending_account().is_some() {
        // RFC 6409 §8.3: the submission server may add a missing Message-ID.
        let (with_id, id) = ensure_message_id(&data, &cfg.hostname, queue_id);
        data = with_id;
        facts.message_id = id;
    }
    if analysis.is_private {
        data = add_sensitivity_private(&data);
    }
    if let Some(score) = spam_score {
        data = prepend_header(&data, "X-Spam-Score", &format!("{score:.1}"));
    }
    // DSNs about mail from the MX go only to an authenticated envelope
    // sender (SPF, or DKIM aligned with it): anyone else is whoever the
    // sender forged, and the DSN would be backscatter. Without the checks
    // (no DNS for them), nobody is authenticated.
    let mut sender_authenticated = !matches!(origin, Origin::Mx { .. });
    let mut auth = None;
    if let (
        Origin::Mx {
            client_ip, helo, ..
        },
        Some(dns),
    ) = (origin, d.inbound_auth())
    {
        let mail_from = env.mail_from.as_ref().map(|a| a.to_string());
        let verdicts = crate::inbound_auth::evaluate(
            dns,
            &data,
            *client_ip,
            helo,
            mail_from.as_deref(),
            &cfg.hostname,
        )
        .await;
        sender_authenticated = verdicts.sender_authenticated;
        data = prepend_raw(verdicts.field.as_bytes(), data);
        auth = Some(verdicts);
    }
    let received = match origin {
        Origin::Mx {
            client_ip,
            helo,
            tls,
        } => Some((
            helo,
            client_ip,
            WithProtocol::for_session(true, *tls, false, env.smtputf8),
        )),
        Origin::Submission {
            client_ip, helo, ..
        } => Some((
            helo,
            client_ip,
            WithProtocol::for_session(true, true, true, env.smtputf8),
        )),
        _ => None,
    };
    if let Some((helo, ip, proto)) = received {
        // RFC 5321 §4.4: `for` only when there is exactly one recipient.
        let for_rcpt = match env.recipients.as_slice() {
            [one] => Some(&one.address),
            _ => None,
        };
        let field = received_header(helo, *ip, &cfg.hostname, proto, queue_id, for_rcpt, now);
        data = prepend_raw(field.as_bytes(), data);
    }
    Stored {
        data,
        auth,
        sender_authenticated,
    }
}

fn prepend_raw(field: &[u8], data: Vec<u8>) -> Vec<u8> {
    let mut v = Vec::with_capacity(field.len() + data.len());
    v.extend_from_slice(field);
    v.extend_from_slice(&data);
    v
}

/// Stage: the recipients (lists R3, functional mailboxes R2, forwarding
/// R22): local targets and remote copies.
async fn resolve(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    data: &[u8],
    facts: &mut AuditFacts,
) -> Result<crate::resolve::Resolution, Refused> {
    let sender_str = env
        .mail_from
        .as_ref()
        .map(|a| a.to_string())
        .unwrap_or_default();
    let reached_functional = has_header(data, FUNCTIONAL_MARK);
    let allow_remote = !matches!(origin, Origin::Mx { .. });
    let res = d
        .resolve(
            &env.recipients,
            &sender_str,
            allow_remote,
            reached_functional,
        )
        .await
        .map_err(|_| Refused::internal())?;
    if !res.forward_refused.is_empty() {
        facts.detail = Some(format!(
            "redirection refused (R22): {}",
            res.forward_refused.join(",")
        ));
    }
    Ok(res)
}

/// A local copy and what the store answered for it.
type LocalResult = (
    LocalTarget,
    BlobRef,
    Result<vesontio_store::Appended, StoreError>,
);

/// Stage: the local copies, in one group-committed store call. Bodies:
/// one blob per distinct form, shared by every copy (the copies of a
/// message in many mailboxes share one file).
async fn store_local(
    d: &Delivery,
    targets: &[LocalTarget],
    blobs: &mut Blobs<'_>,
    analysis: &Analysis,
    spam_junk: bool,
    now: UnixTime,
    queue_id: &str,
) -> Result<Vec<LocalResult>, Refused> {
    let mut items = Vec::new();
    let mut item_targets: Vec<(LocalTarget, BlobRef)> = Vec::new();
    for t in targets {
        let folder = if spam_junk { "Junk" } else { "INBOX" };
        let mailbox = match d.store().mailbox_by_name(t.account.id, folder).await {
            Ok(Some(m)) => Some(m),
            Ok(None) => d
                .store()
                .mailbox_by_name(t.account.id, "INBOX")
                .await
                .map_err(|_| Refused::internal())?,
            Err(_) => return Err(Refused::internal()),
        };
        let Some(mailbox) = mailbox else {
            tracing::warn!(account = %t.account.address, "no INBOX; copy skipped");
            continue;
        };
        let (blob, arc) = blobs.get(t.list.as_deref(), false).await?;
        items.push((
            mailbox.id,
            NewMessage {
                blob: blob.clone(),
                data: Some(arc),
                internal_date: now,
                flags: Vec::new(),
                private: analysis.is_private,
                parsed: None,
            },
        ));
        item_targets.push((t.clone(), blob));
    }
    let results = d.store().deliver(items).await.map_err(|e| {
        tracing::error!(error = %e, queue_id, "delivery commit failed");
        Refused::internal()
    })?;
    Ok(item_targets
        .into_iter()
        .zip(results)
        .map(|((t, b), r)| (t, b, r))
        .collect())
}

/// Stage: outbound copies, one queue entry per (reverse path, body form).
async fn queue_remote(
    d: &Delivery,
    env: &Envelope,
    remote: &[crate::resolve::RemoteTarget],
    blobs: &mut Blobs<'_>,
    now: UnixTime,
    facts: &mut AuditFacts,
) -> Result<(), Refused> {
    let mut groups: BTreeMap<(String, Option<String>, bool), Vec<NewQueueRcpt>> = BTreeMap::new();
    for r in remote {
        groups
            .entry((r.sender.clone(), r.list.clone(), r.functional))
            .or_default()
            .push(r.rcpt.clone());
    }
    for ((rev, list, functional), rcpts) in groups {
        let (blob, _) = blobs.get(list.as_deref(), functional).await?;
        facts.queued += rcpts.len();
        d.store()
            .enqueue(NewQueueEntry {
                kind: QueueKind::Remote,
                blob,
                sender: rev,
                envid: env.envid.clone(),
                ret: env.ret.clone(),
                recipients: rcpts,
                created_at: now,
                next_attempt_at: now,
            })
            .await
            .map_err(|_| Refused::internal())?;
    }
    Ok(())
}

/// Stage: R17, full mailboxes hold the message instead of refusing it.
/// Returns the delivered and the held targets.
async fn hold_full(
    d: &Delivery,
    env: &Envelope,
    local: Vec<LocalResult>,
    sender_authenticated: bool,
    now: UnixTime,
) -> Result<(Vec<LocalTarget>, Vec<LocalTarget>), Refused> {
    let mut held: Vec<LocalTarget> = Vec::new();
    let mut delivered: Vec<LocalTarget> = Vec::new();
    for (t, blob, r) in local {
        match r {
            Ok(_) => delivered.push(t),
            Err(StoreError::OverQuota { .. }) => {
                d.store()
                    .enqueue(NewQueueEntry {
                        kind: QueueKind::HeldLocal,
                        blob,
                        // The null sender: no DSN when it expires.
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
                    })
                    .await
                    .map_err(|_| Refused::internal())?;
                held.push(t);
            }
            Err(e) => {
                tracing::warn!(account = %t.account.address, error = %e, "local copy not delivered");
            }
        }
    }
    Ok((delivered, held))
}

/// Stage: after the message is stored: the R17 delay DSN, R16 quota
/// warnings, R23 absence replies, R5's count of what was sent.
#[allow(clippy::too_many_arguments)]
async fn consequences(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    analysis: &Analysis,
    delivered: &[LocalTarget],
    held: &[LocalTarget],
    blobs: &Blobs<'_>,
    stored: &Stored,
    now: UnixTime,
) {
    let sender = env.mail_from.as_ref();
    if !held.is_empty()
        && stored.sender_authenticated
        && let Some(s) = sender
    {
        send_delay_dsn(d, s, env, held, blobs.base(), now).await;
    }
    let mut seen = HashMap::new();
    for t in delivered {
        if seen.insert(t.account.id, ()).is_none() {
            d.update_quota_warning(t.account.id, now).await;
        }
    }
    if !matches!(origin, Origin::Internal) {
        for t in delivered {
            d.maybe_vacation(t, sender, analysis, now).await;
        }
    }
    if let Some(account) = origin.sending_account() {
        let _ = d
            .store()
            .record_sent(&account.address, now, env.recipients.len() as i64)
            .await;
    }
}

/// R7: the file to name and the refusal, when the message carries a
/// forbidden file or something that cannot be looked into (refused by
/// `[attachments]`). A forbidden name wins: it tells the sender more.
pub(crate) fn r7_verdict(
    analysis: &Analysis,
    cfg: &crate::DeliveryConfig,
) -> Option<(String, Refusal)> {
    if let Some(found) = forbidden_attachment(analysis, &cfg.forbidden_extensions)
        && let Err(r) = check_attachments(analysis, &cfg.forbidden_extensions)
    {
        return Some((found.to_string(), r));
    }
    let refusal = check_scannable(analysis, &cfg.scan).err()?;
    Some((unscannable_file(analysis, &cfg.scan)?, refusal))
}

/// R7 on reception: nothing is delivered and each intended local
/// recipient is told (from the postmaster) who sent what, and which file.
async fn notify_attachment_refused(
    d: &Delivery,
    env: &Envelope,
    analysis: &Analysis,
    file: &str,
    now: UnixTime,
) {
    let sender = env
        .mail_from
        .as_ref()
        .map(|a| a.to_string())
        .unwrap_or_else(|| "<>".to_string());
    let notice = texts::attachment_blocked_notice(&sender, analysis.subject.as_deref(), file);
    for r in &env.recipients {
        if d.is_local_domain(r.address.domain()).await
            && let Err(e) = d.send_notice(&r.address, &notice, now).await
        {
            tracing::warn!(rcpt = %r.address, reply = %e, "R7 notice not sent");
        }
    }
}

/// R17: one "delayed" DSN (RFC 3464 §2.3.3) for every held recipient of
/// this message, unless their NOTIFY excludes DELAY (RFC 3461 §4.1).
async fn send_delay_dsn(
    d: &Delivery,
    sender: &Address,
    env: &Envelope,
    held: &[LocalTarget],
    original: &[u8],
    now: UnixTime,
) {
    let hold = d.config().full_mailbox_hold_secs;
    let days = ((hold + 86_399) / 86_400).max(0) as u32;
    let wanted: Vec<&LocalTarget> = held
        .iter()
        .filter(|t| {
            t.notify
                .as_deref()
                .is_none_or(|n| n.to_ascii_uppercase().contains("DELAY"))
        })
        .collect();
    if wanted.is_empty() {
        return;
    }
    // The mailbox that is full, as in `Final-Recipient`: the envelope
    // address may be a list or a redirecting address whose own mailbox is
    // not full at all.
    let mut names: Vec<String> = wanted.iter().map(|t| t.account.address.clone()).collect();
    names.dedup();
    let text = texts::held_for_quota_text(&names.join(", "), days);
    let rcpts = wanted
        .iter()
        .filter_map(|t| {
            let a = Address::parse(&t.account.address).ok()?;
            Some(dsn_rcpt(
                a,
                t.orcpt.clone(),
                DsnAction::Delayed,
                "4.2.2",
                Some("452 4.2.2 mailbox full".to_string()),
                now,
                Some(now + hold),
            ))
        })
        .collect();
    if let Err(e) = d
        .send_dsn(
            sender,
            env.envid.clone(),
            rcpts,
            text,
            original,
            ReturnContent::Headers,
            now,
        )
        .await
    {
        tracing::warn!(reply = %e, "R17 delay DSN not sent");
    }
}

/// A written blob and its bytes.
type StoredForm = (BlobRef, Arc<Vec<u8>>);

/// The stored forms of one message, each written once.
struct Blobs<'a> {
    d: &'a Delivery,
    base: Vec<u8>,
    made: HashMap<(Option<String>, bool), StoredForm>,
}

impl<'a> Blobs<'a> {
    fn new(d: &'a Delivery, base: Vec<u8>) -> Self {
        Blobs {
            d,
            base,
            made: HashMap::new(),
        }
    }

    fn base(&self) -> &[u8] {
        &self.base
    }

    async fn get(
        &mut self,
        list: Option<&str>,
        functional: bool,
    ) -> Result<(BlobRef, Arc<Vec<u8>>), Refused> {
        let key = (list.map(str::to_string), functional);
        if let Some(b) = self.made.get(&key) {
            return Ok(b.clone());
        }
        let mut data = self.base.clone();
        if functional {
            data = prepend_header(&data, FUNCTIONAL_MARK, "yes");
        }
        if let Some(l) = list {
            // RFC 2919 §2: `List-Id: <local.domain>`.
            data = prepend_header(&data, "List-Id", &format!("<{}>", l.replace('@', ".")));
        }
        let made = self
            .d
            .store()
            .put_blob(data)
            .await
            .map_err(|_| Refused::internal())?;
        self.made.insert(key, made.clone());
        Ok(made)
    }
}
