//! [`Delivery::submit`](crate::Delivery::submit): the charter's checks,
//! recipient resolution, durable storage, then the consequences (held
//! deliveries and their DSN, quota warnings, absence replies, audit).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use vesontio_message::{
    Analysis, DsnAction, ReturnContent, ScanLimits, WithProtocol, add_sensitivity_private,
    ensure_message_id, forbidden_attachment, has_header, prepend_header, received_header,
};
use vesontio_policy::{
    Refusal, check_attachments, check_headers, check_scannable, check_size, texts, unscannable_file,
};
use vesontio_store::{
    BlobRef, NewMessage, NewQuarantine, NewQueueEntry, NewQueueRcpt, QueueKind, StoreError,
};
use vesontio_types::{Address, UnixTime};

use crate::notify::dsn_rcpt;
use crate::resolve::LocalTarget;
use crate::{Accepted, Delivery, Envelope, Origin, Reply, ScanVerdict};

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
}

pub(crate) async fn submit(
    d: &Delivery,
    origin: Origin,
    env: Envelope,
    raw: Vec<u8>,
    now: UnixTime,
) -> Result<Accepted, Reply> {
    let queue_id = d.new_id(now);
    let size = raw.len();
    let mut facts = AuditFacts::default();
    let result = run(d, &origin, &env, raw, now, &queue_id, &mut facts).await;
    let (origin_name, client_ip, account) = match &origin {
        Origin::Mx { client_ip, .. } => ("mx", Some(client_ip.to_string()), None),
        Origin::Submission {
            account, client_ip, ..
        } => (
            "submission",
            Some(client_ip.to_string()),
            Some(account.address.clone()),
        ),
        Origin::Internal => ("internal", None, None),
    };
    let (verdict, reply) = match &result {
        Ok(_) => (facts.verdict, None),
        Err(r) => ("refused", Some(format!("{} {}", r.code, r.enhanced))),
    };
    let event = serde_json::json!({
        "queue_id": queue_id,
        "origin": origin_name,
        "client_ip": client_ip,
        "account": account,
        "sender": env.mail_from.as_ref().map(|a| a.to_string()).unwrap_or_default(),
        "recipients": env.recipients.iter().map(|r| r.address.to_string()).collect::<Vec<_>>(),
        "message_id": facts.message_id,
        "size": size,
        "private": facts.private,
        "verdict": verdict,
        "reply": reply,
        "delivered": facts.delivered,
        "held": facts.held,
        "queued": facts.queued,
        "detail": facts.detail,
    });
    if let Err(e) = d.store().audit_append(now, "message", &event).await {
        tracing::error!(error = %e, queue_id, "audit append failed");
    }
    result
}

async fn run(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    raw: Vec<u8>,
    now: UnixTime,
    queue_id: &str,
    facts: &mut AuditFacts,
) -> Result<Accepted, Reply> {
    let cfg = d.config();
    let internal = matches!(origin, Origin::Internal);
    if env.recipients.is_empty() {
        return Err(Reply::new(
            554,
            "5.5.1",
            "Aucun destinataire valide / No valid recipients",
        ));
    }
    // R6, on the real size (RFC 1870 §6: 552 5.3.4).
    if !internal {
        check_size(
            raw.len() as u64,
            cfg.message_size_limit,
            Some(cfg.large_file_url.as_str()),
        )
        .map_err(|r| Reply::from_refusal(&r))?;
    }
    // Header sections read differently by different readers (a second
    // From:, NUL, bare CR/LF) are refused before anything reads them. On
    // SMTP, bare CR/LF were already normalised to CRLF by the session, so
    // every reader sees the same lines; a From: they created is a second
    // From: here.
    if !internal {
        check_headers(&raw).map_err(|r| Reply::from_refusal(&r))?;
    }
    let analysis = analyse(raw.as_slice(), cfg.scan.limits).await;
    facts.private = analysis.is_private;
    facts.message_id = analysis.message_id.clone().unwrap_or_default();
    let sender = env.mail_from.as_ref();
    let sender_str = sender.map(|a| a.to_string()).unwrap_or_default();

    // Our own domains in From: or Sender: on the MX, as for the envelope sender at
    // MAIL FROM (checked again here: the session may not have asked).
    if let Origin::Mx { client_ip, .. } = origin {
        if let Some(s) = sender {
            crate::checks::check_outside_sender(d, s, *client_ip, "MAIL FROM").await?;
        }
        for from in &analysis.from {
            crate::checks::check_outside_sender(d, from, *client_ip, "From:").await?;
        }
        if let Some(s) = &analysis.sender {
            crate::checks::check_outside_sender(d, s, *client_ip, "Sender:").await?;
        }
    }

    // R2: on submission the header sender is checked like the envelope
    // sender: a user writes as themself or as a functional mailbox they may
    // send for, never as somebody else.
    if matches!(origin, Origin::Submission { .. }) {
        for from in &analysis.from {
            crate::checks::check_sender(d, origin, Some(from), now).await?;
        }
    }

    // R7: forbidden attachments, and what cannot be looked into. Refused
    // at DATA whatever the door: on the MX the sending server tells its
    // sender (a DSN from here would go to whoever the sender forged), and
    // the intended local recipients are told here.
    if !internal && let Some((file, refusal)) = r7_verdict(&analysis, cfg) {
        facts.detail = Some(file.clone());
        if let Origin::Mx { .. } = origin {
            notify_attachment_refused(d, env, &analysis, &file, now).await;
        }
        return Err(Reply::from_refusal(&refusal));
    }

    // R9/R24 hooks.
    let mut spam_score = None;
    if !internal {
        for s in d.inner.scanners.iter() {
            match s.scan(&raw, &analysis) {
                ScanVerdict::Clean => {}
                ScanVerdict::Reject(r) => return Err(r),
                ScanVerdict::SpamScore(x) => spam_score = Some(x),
                ScanVerdict::Quarantine { reason } => {
                    let (blob, _) = d
                        .store()
                        .put_blob(raw)
                        .await
                        .map_err(|_| Reply::internal())?;
                    d.store()
                        .quarantine_add(NewQuarantine {
                            created_at: now,
                            blob,
                            sender: sender_str.clone(),
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
                        .map_err(|_| Reply::internal())?;
                    facts.verdict = "quarantined";
                    facts.detail = Some(reason);
                    return Ok(Accepted {
                        queue_id: queue_id.to_string(),
                        message_id: facts.message_id.clone(),
                    });
                }
            }
        }
    }

    // The stored form: trace field, Message-ID, R4 marking, spam score.
    let mut data = raw;
    if let Origin::Submission { .. } = origin {
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
        Origin::Internal => None,
    };
    // DSNs about mail from the MX go only to an authenticated envelope
    // sender (SPF, or DKIM aligned with it): anyone else is whoever the
    // sender forged, and the DSN would be backscatter. Without the checks
    // (no DNS for them), nobody is authenticated.
    let mut sender_authenticated = !matches!(origin, Origin::Mx { .. });
    if let (
        Origin::Mx {
            client_ip, helo, ..
        },
        Some(dns),
    ) = (origin, d.inbound_auth())
    {
        let mail_from = env.mail_from.as_ref().map(|a| a.to_string());
        let verdicts = crate::outbound::evaluate(
            dns,
            &data,
            *client_ip,
            helo,
            mail_from.as_deref(),
            &cfg.hostname,
        )
        .await;
        sender_authenticated = verdicts.sender_authenticated;
        let field = verdicts.field;
        let mut v = Vec::with_capacity(field.len() + data.len());
        v.extend_from_slice(field.as_bytes());
        v.extend_from_slice(&data);
        data = v;
    }
    if let Some((helo, ip, proto)) = received {
        // RFC 5321 §4.4: `for` only when there is exactly one recipient.
        let for_rcpt = match env.recipients.as_slice() {
            [one] => Some(&one.address),
            _ => None,
        };
        let field = received_header(helo, *ip, &cfg.hostname, proto, queue_id, for_rcpt, now);
        let mut v = Vec::with_capacity(field.len() + data.len());
        v.extend_from_slice(field.as_bytes());
        v.extend_from_slice(&data);
        data = v;
    }

    // Recipients.
    let reached_functional = has_header(&data, FUNCTIONAL_MARK);
    let allow_remote = !matches!(origin, Origin::Mx { .. });
    let res = d
        .resolve(
            &env.recipients,
            &sender_str,
            allow_remote,
            reached_functional,
        )
        .await
        .map_err(|_| Reply::internal())?;
    if !res.forward_refused.is_empty() {
        facts.detail = Some(format!(
            "redirection refused (R22): {}",
            res.forward_refused.join(",")
        ));
    }

    // Bodies: one blob per distinct form, shared by every copy (the
    // copies of a message in many mailboxes share one file).
    let mut blobs = Blobs::new(d, data);
    let spam_junk = spam_score.is_some_and(|s| s >= d.inner.spam_threshold);
    let mut items = Vec::new();
    let mut item_targets: Vec<(LocalTarget, BlobRef)> = Vec::new();
    for t in &res.local {
        let folder = if spam_junk { "Junk" } else { "INBOX" };
        let mailbox = match d.store().mailbox_by_name(t.account.id, folder).await {
            Ok(Some(m)) => Some(m),
            Ok(None) => d
                .store()
                .mailbox_by_name(t.account.id, "INBOX")
                .await
                .map_err(|_| Reply::internal())?,
            Err(_) => return Err(Reply::internal()),
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
        Reply::internal()
    })?;

    // Outbound copies: one queue entry per (reverse path, body form).
    let mut groups: BTreeMap<(String, Option<String>, bool), Vec<NewQueueRcpt>> = BTreeMap::new();
    for r in &res.remote {
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
            .map_err(|_| Reply::internal())?;
    }

    // R17: full mailboxes hold the message instead of refusing it.
    let mut held: Vec<LocalTarget> = Vec::new();
    let mut delivered: Vec<LocalTarget> = Vec::new();
    for ((t, blob), r) in item_targets.into_iter().zip(results) {
        match r {
            Ok(_) => delivered.push(t),
            Err(StoreError::OverQuota { .. }) => {
                d.store()
                    .enqueue(NewQueueEntry {
                        kind: QueueKind::HeldLocal,
                        blob,
                        // The null sender: no DSN when it expires.
                        sender: if sender_authenticated {
                            sender_str.clone()
                        } else {
                            String::new()
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
                    .map_err(|_| Reply::internal())?;
                held.push(t);
            }
            Err(e) => {
                tracing::warn!(account = %t.account.address, error = %e, "local copy not delivered");
            }
        }
    }
    facts.delivered = delivered.len();
    facts.held = held.len();
    facts.verdict = if held.is_empty() { "delivered" } else { "held" };

    if !held.is_empty()
        && sender_authenticated
        && let Some(s) = sender
    {
        send_delay_dsn(d, s, env, &held, blobs.base(), now).await;
    }
    let mut seen = HashMap::new();
    for t in &delivered {
        if seen.insert(t.account.id, ()).is_none() {
            d.update_quota_warning(t.account.id, now).await;
        }
    }
    if !internal {
        for t in &delivered {
            d.maybe_vacation(t, sender, &analysis, now).await;
        }
    }
    if let Origin::Submission { account, .. } = origin {
        let _ = d
            .store()
            .record_sent(&account.address, now, env.recipients.len() as i64)
            .await;
    }
    Ok(Accepted {
        queue_id: queue_id.to_string(),
        message_id: facts.message_id.clone(),
    })
}

/// Parsing may take a while on a large message: off the runtime's threads.
async fn analyse(raw: &[u8], limits: ScanLimits) -> Analysis {
    if raw.len() < 256 * 1024 {
        return Analysis::with_limits(raw, limits);
    }
    let copy = raw.to_vec();
    match tokio::task::spawn_blocking(move || Analysis::with_limits(&copy, limits)).await {
        Ok(a) => a,
        // The analysis runs behind catch_unwind; a lost task is still a
        // message that was not looked into.
        Err(_) => Analysis::unreadable(raw.len()),
    }
}

/// R7: the file to name and the refusal, when the message carries a
/// forbidden file or something that cannot be looked into (refused by
/// `[attachments]`). A forbidden name wins: it tells the sender more.
fn r7_verdict(analysis: &Analysis, cfg: &crate::DeliveryConfig) -> Option<(String, Refusal)> {
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
    ) -> Result<(BlobRef, Arc<Vec<u8>>), Reply> {
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
            .map_err(|_| Reply::internal())?;
        self.made.insert(key, made.clone());
        Ok(made)
    }
}
