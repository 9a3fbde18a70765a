//! The settings forms that change how mail is handled: the absence
//! message (R23: active switch, first and last day, subject, text), the
//! forwarding to an outside address with "keep a copy" (R22, refused for
//! functional mailboxes with the policy's reason), and the signature
//! compose appends. Each change is audited (R11) without its texts.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use vesontio_store::{AccountUpdate, Vacation};

use crate::i18n::{Lang, T};
use crate::session::{Authed, Session};
use crate::settings::{Prefs, Section, load, page};
use crate::{Web, WebError};

/// Longest absence text and signature kept (characters).
const MAX_TEXT: usize = 10_000;
const MAX_SIGNATURE: usize = 2_000;

/// The French or English half of a platform sentence (`fr / en`).
pub fn half(t: &T, text: &str) -> String {
    match (text.split_once(" / "), t.lang) {
        (Some((fr, _)), Lang::Fr) => fr.trim().to_string(),
        (Some((_, en)), Lang::En) => en.trim().to_string(),
        (None, _) => text.to_string(),
    }
}

/// The Unix time of 00:00 in Paris on `d` (RFC 5545 would call it a
/// floating date made local: the académie lives on Paris time).
fn paris_midnight(d: NaiveDate) -> i64 {
    let t0 = d
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_utc()
        .timestamp();
    let offset = crate::text::paris(t0).and_utc().timestamp() - t0;
    t0 - offset
}

fn parse_date(s: &str) -> Result<Option<NaiveDate>, ()> {
    match s.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;

/// The settings page again with what was typed and why it was refused.
async fn refused(
    web: &Web,
    t: T,
    s: &Session,
    p: Prefs,
    section: Section,
    msg: String,
    status: StatusCode,
) -> Result<Response, WebError> {
    page(web, t, s, status, p, Some((section, msg)), None).await
}

async fn audit(web: &Web, s: &Session, event: &str, detail: serde_json::Value) {
    let data = serde_json::json!({
        "event": event,
        "via": "web",
        "account": s.account.address,
        "detail": detail,
    });
    if let Err(e) = web.store().audit_append(web.now(), "account", &data).await {
        tracing::error!(error = %e, "audit append failed");
    }
}

#[derive(Deserialize)]
pub struct AbsenceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    active: Option<String>,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

pub async fn absence(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Form(f): Form<AbsenceForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let mut p = load(&web, &s).await?;
    p.absence_active = f.active.is_some();
    p.absence_start = f.start.trim().to_string();
    p.absence_end = f.end.trim().to_string();
    p.absence_subject = crate::mail::outgoing::clean(&f.subject);
    p.absence_body = f.body.chars().take(MAX_TEXT).collect();
    let (start, end) = match (parse_date(&f.start), parse_date(&f.end)) {
        (Ok(a), Ok(b)) => (a, b),
        _ => {
            let msg = t.get("absence.bad_date").to_string();
            return refused(&web, t, &s, p, Section::Absence, msg, UNPROCESSABLE).await;
        }
    };
    let problem = if matches!((start, end), (Some(a), Some(b)) if b < a) {
        Some("absence.end_before_start")
    } else if p.absence_active && p.absence_body.trim().is_empty() {
        Some("absence.need_text")
    } else {
        None
    };
    if let Some(key) = problem {
        let msg = t.get(key).to_string();
        return refused(&web, t, &s, p, Section::Absence, msg, UNPROCESSABLE).await;
    }
    let v = Vacation {
        active: p.absence_active,
        start_at: start.map(paris_midnight),
        // Through the whole last day: stored as the next midnight.
        end_at: end.and_then(|d| d.succ_opt()).map(paris_midnight),
        subject: p.absence_subject.clone(),
        body: p.absence_body.clone(),
    };
    web.store().set_vacation(s.account.id, &v).await?;
    audit(
        &web,
        &s,
        "absence_set",
        serde_json::json!({ "active": v.active, "start_at": v.start_at, "end_at": v.end_at }),
    )
    .await;
    Ok(Redirect::to("/settings?ok=absence").into_response())
}

#[derive(Deserialize)]
pub struct ForwardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    forward_to: String,
    #[serde(default)]
    keep_copy: Option<String>,
    /// `save` or `stop`.
    #[serde(default)]
    action: String,
}

pub async fn forwarding(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Form(f): Form<ForwardForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let mut p = load(&web, &s).await?;
    p.forward_to = f.forward_to.trim().to_string();
    p.keep_copy = f.keep_copy.is_some();
    if f.action == "stop" {
        let u = AccountUpdate {
            forward_to: Some(None),
            forward_since: Some(None),
            ..Default::default()
        };
        web.store().update_account(s.account.id, u).await?;
        audit(&web, &s, "forward_off", serde_json::json!({})).await;
        return Ok(Redirect::to("/settings?ok=forward_off").into_response());
    }
    // R22: a functional mailbox never forwards outside; the policy says why.
    if let Err(r) = vesontio_policy::forwarding_allowed(s.account.kind, false) {
        let msg = half(&t, &r.to_string());
        return refused(&web, t, &s, p, Section::Forward, msg, StatusCode::FORBIDDEN).await;
    }
    let to = match vesontio_types::Address::parse(&p.forward_to) {
        Ok(a) => a,
        Err(_) => {
            let msg = t.fmt("forward.bad_address", &p.forward_to);
            return refused(&web, t, &s, p, Section::Forward, msg, UNPROCESSABLE).await;
        }
    };
    if to.normalized() == s.account.address.to_lowercase() {
        let msg = t.get("forward.self").to_string();
        return refused(&web, t, &s, p, Section::Forward, msg, UNPROCESSABLE).await;
    }
    let now = web.now();
    let u = AccountUpdate {
        forward_to: Some(Some(to.normalized())),
        forward_keep_copy: Some(p.keep_copy),
        // R14 counts four months from when the redirection was set.
        forward_since: Some(Some(now)),
        ..Default::default()
    };
    web.store().update_account(s.account.id, u).await?;
    audit(
        &web,
        &s,
        "forward_set",
        serde_json::json!({ "to": to.normalized(), "keep_copy": p.keep_copy }),
    )
    .await;
    Ok(Redirect::to("/settings?ok=forward").into_response())
}

#[derive(Deserialize)]
pub struct SignatureForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    signature: String,
}

pub async fn signature(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Form(f): Form<SignatureForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let text = f.signature.replace("\r\n", "\n");
    if text.chars().count() > MAX_SIGNATURE {
        let mut p = load(&web, &s).await?;
        p.signature = text;
        let msg = t.fmt("signature.too_long", &MAX_SIGNATURE);
        return refused(&web, t, &s, p, Section::Signature, msg, UNPROCESSABLE).await;
    }
    web.store()
        .set_web_signature(s.account.id, text.trim_end())
        .await?;
    Ok(Redirect::to("/settings?ok=signature").into_response())
}

#[derive(Deserialize)]
pub struct ImageSenderForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sender: String,
}

/// Takes a sender off "always show images" (the reading page adds them).
pub async fn image_sender_remove(
    State(web): State<Web>,
    Authed(s): Authed,
    Form(f): Form<ImageSenderForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    web.store()
        .set_web_images_allowed(s.account.id, f.sender.trim(), false, web.now())
        .await?;
    Ok(Redirect::to("/settings?ok=images").into_response())
}
