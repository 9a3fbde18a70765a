//! [`Delivery::submit`](crate::Delivery::submit): the charter's checks,
//! recipient resolution, durable storage, then the consequences (held
//! deliveries and their DSN, quota warnings, absence replies, audit).

use std::collections::HashMap;
use std::sync::Arc;

use vesontio_message::{
    Analysis, DsnAction, ReturnContent, WithProtocol, add_sensitivity_private, ensure_message_id,
    forbidden_attachment, has_header, prepend_header, received_header,
};
use vesontio_policy::{Refusal, check_attachments, check_scannable, texts, unscannable_file};
use vesontio_store::BlobRef;
use vesontio_types::{Address, UnixTime};

use crate::filter;
use crate::gate;
use crate::notify::dsn_rcpt;
use crate::resolve::LocalTarget;
use crate::write;
use crate::{Accepted, Delivery, Envelope, Origin, Refused, Rule};

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
    /// The filters' highest score (R24).
    score: Option<f32>,
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
        "score": facts.score,
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
    // Issue 15 item 2: a message handed over again is not taken twice,
    // nor refused (R5 counted its recipients when it was taken).
    let key = write::retry_key(origin, env, &raw);
    if let Some(first) = write::already(d, key.as_deref()).await {
        facts.verdict = "duplicate";
        facts.detail = Some(first.clone());
        return Ok(accepted(&first, facts));
    }
    gate::check_envelope(d, origin, env, now).await?;
    gate::check_bytes(d, origin, &raw)?;
    // R9: clamd's scan starts now and runs while the gate analyses the
    // message, checks SPF/DKIM/DMARC and resolves the recipients; the
    // antivirus stage takes its verdict at its turn, before anything is
    // accepted (`Filters::run_begun`). A refusal before then aborts it.
    let raw = Arc::new(raw);
    let begun = if origin.applies(Rule::Content) {
        d.filters().begin(&raw, |_| true)
    } else {
        filter::Begun::default()
    };
    let analysis = gate::analyse(&raw, d.config().scan.limits).await;
    facts.private = analysis.is_private;
    facts.message_id = analysis.message_id.clone().unwrap_or_default();
    check_identity(d, origin, env, &analysis, now).await?;
    check_attachments_stage(d, origin, env, &analysis, now, facts).await?;
    let auth = authenticate(d, origin, env, &raw).await;
    if let Some(v) = &auth {
        facts.spf = Some(v.spf.as_str());
        facts.dmarc = Some(v.dmarc.as_str());
    }
    let res = resolve(d, origin, env, &raw, facts).await?;
    let decided = filter::run_filters(
        d,
        origin,
        env,
        raw.clone(),
        &analysis,
        auth.clone(),
        &res,
        now,
        begun,
    )
    .await?;
    facts.score = decided.top_score();
    if let Some(detail) = filter::quarantine(d, env, &raw, &analysis, &res, &decided, now).await? {
        facts.detail = Some(detail);
    }
    // R9: the recipients (and a sender that can be trusted) are told.
    filter::tell_virus(
        d,
        origin,
        env,
        &analysis,
        auth.as_ref(),
        &res,
        &decided,
        now,
    )
    .await;
    if decided.nothing_delivered() {
        facts.verdict = decided.verdict_when_none();
        write::record_key(d, key, queue_id, now).await?;
        return Ok(accepted(queue_id, facts));
    }
    let raw = Arc::try_unwrap(raw).unwrap_or_else(|a| (*a).clone());
    let mut stored = stored_form(d, origin, env, raw, &analysis, auth, queue_id, now, facts);
    let mut blobs = Blobs::new(d, std::mem::take(&mut stored.data));
    let private = analysis.is_private;
    let authenticated = stored.sender_authenticated;
    let committed = write::commit(
        d,
        env,
        &res,
        &decided,
        &mut blobs,
        private,
        authenticated,
        key,
        queue_id,
        now,
    )
    .await?;
    let (delivered, held) = match committed {
        write::Committed::Duplicate(first) => {
            facts.verdict = "duplicate";
            facts.detail = Some(first.clone());
            return Ok(accepted(&first, facts));
        }
        write::Committed::Written {
            delivered,
            held,
            queued,
        } => {
            facts.queued = queued;
            (delivered, held)
        }
    };
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

/// The message as it will be stored, and what was learnt on the way.
struct Stored {
    data: Vec<u8>,
    /// DSNs may go to the envelope sender (see [`stored_form`]).
    sender_authenticated: bool,
}

/// Stage, first for MX mail: SPF, DKIM and DMARC (RFC 7208, 6376, 7489)
/// on the bytes as received, before any stage, which reads the results
/// in its context. Without DNS for them, nothing is evaluated.
async fn authenticate(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    raw: &[u8],
) -> Option<crate::Verdicts> {
    let (
        Origin::Mx {
            client_ip, helo, ..
        },
        Some(dns),
    ) = (origin, d.inbound_auth())
    else {
        return None;
    };
    let mail_from = env.mail_from.as_ref().map(|a| a.to_string());
    Some(
        crate::inbound_auth::evaluate(
            dns,
            raw,
            *client_ip,
            helo,
            mail_from.as_deref(),
            &d.config().hostname,
        )
        .await,
    )
}

/// Stage: the stored form: Message-ID (RFC 6409 §8.3, submission and
/// web), R4 marking, SPF/DKIM/DMARC results (MX), trace field. The
/// filters' header fields (`X-Spam-Score`…) are per copy ([`Blobs`]).
#[allow(clippy::too_many_arguments)]
fn stored_form(
    d: &Delivery,
    origin: &Origin,
    env: &Envelope,
    raw: Vec<u8>,
    analysis: &Analysis,
    auth: Option<crate::Verdicts>,
    queue_id: &str,
    now: UnixTime,
    facts: &mut AuditFacts,
) -> Stored {
    let cfg = d.config();
    // R25: only our filters write the warning readers are shown; one that
    // came with the message (a forged banner) is removed, whatever door.
    let mut data = if crate::filter::has_field(&raw, crate::filter::WARNING_FIELD) {
        crate::filter::strip_fields(&raw, crate::filter::WARNING_FIELD)
    } else {
        raw
    };
    if origin.sending_account().is_some() {
        // RFC 6409 §8.3: the submission server may add a missing Message-ID.
        let (with_id, id) = ensure_message_id(&data, &cfg.hostname, queue_id);
        data = with_id;
        facts.message_id = id;
    }
    if analysis.is_private {
        data = add_sensitivity_private(&data);
    }
    // DSNs about mail from the MX go only to an authenticated envelope
    // sender (SPF, or DKIM aligned with it): anyone else is whoever the
    // sender forged, and the DSN would be backscatter. Without the checks
    // (no DNS for them), nobody is authenticated.
    let mut sender_authenticated = !matches!(origin, Origin::Mx { .. });
    if let Some(verdicts) = &auth {
        sender_authenticated = verdicts.sender_authenticated;
        data = prepend_raw(verdicts.field.as_bytes(), data);
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

/// What makes one stored form: the list (`List-Id`), the functional
/// mark, the filters' header fields for the copy.
type FormKey = (Option<String>, bool, Vec<(String, String, bool)>);

/// A written blob and its bytes.
type StoredForm = (BlobRef, Arc<Vec<u8>>);

/// The stored forms of one message, each written once.
pub(crate) struct Blobs<'a> {
    d: &'a Delivery,
    base: Vec<u8>,
    made: HashMap<FormKey, StoredForm>,
}

impl<'a> Blobs<'a> {
    pub(crate) fn new(d: &'a Delivery, base: Vec<u8>) -> Self {
        Blobs {
            d,
            base,
            made: HashMap::new(),
        }
    }

    fn base(&self) -> &[u8] {
        &self.base
    }

    pub(crate) async fn get(
        &mut self,
        list: Option<&str>,
        functional: bool,
        headers: &[(String, String, bool)],
    ) -> Result<(BlobRef, Arc<Vec<u8>>), Refused> {
        let key = (list.map(str::to_string), functional, headers.to_vec());
        if let Some(b) = self.made.get(&key) {
            return Ok(b.clone());
        }
        let mut data = if headers.is_empty() {
            self.base.clone()
        } else {
            filter::with_headers(&self.base, headers)
        };
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
