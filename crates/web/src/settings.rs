//! Settings: quota used and limit (R15–R16), absence message (R23),
//! forwarding outside with "keep a copy" (R22), signature, password
//! change link (R26), language, logout everywhere. The forms that change
//! mail settings are in `prefs.rs`; a refused form shows this page again
//! with what was typed and the reason in its card.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::i18n::T;
use crate::page::{Chrome, render};
use crate::session::{Authed, Session};
use crate::{Web, WebError};

/// The mail settings as the forms show them.
#[derive(Debug, Clone, Default)]
pub struct Prefs {
    pub absence_active: bool,
    /// `YYYY-MM-DD` (an `<input type="date">` value), Paris dates.
    pub absence_start: String,
    pub absence_end: String,
    pub absence_subject: String,
    pub absence_body: String,
    pub forward_to: String,
    pub keep_copy: bool,
    pub signature: String,
}

/// Which card a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Absence,
    Forward,
    Signature,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    c: Chrome,
    csrf: String,
    used: String,
    limit: String,
    percent: i64,
    warn: bool,
    lang: &'static str,
    p: Prefs,
    /// R22: why this account cannot forward outside (functional mailbox),
    /// shown instead of the form.
    forward_refused: Option<String>,
    forward_active: bool,
    absence_error: Option<String>,
    forward_error: Option<String>,
    signature_error: Option<String>,
    /// The senders whose remote images are always shown (v18).
    image_senders: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct SettingsQuery {
    ok: Option<String>,
}

/// `YYYY-MM-DD` of a Unix time in Paris.
fn date_of(ts: i64) -> String {
    crate::text::paris(ts).format("%Y-%m-%d").to_string()
}

/// The stored settings of the account.
pub async fn load(web: &Web, s: &Session) -> Result<Prefs, WebError> {
    let store = web.store();
    let v = store.vacation(s.account.id).await?;
    let a = store
        .account(s.account.id)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut p = Prefs {
        forward_to: a.forward_to.clone().unwrap_or_default(),
        keep_copy: a.forward_to.is_none() || a.forward_keep_copy,
        signature: store.web_signature(s.account.id).await?,
        ..Prefs::default()
    };
    if let Some(v) = v {
        p.absence_active = v.active;
        p.absence_start = v.start_at.map(date_of).unwrap_or_default();
        // Stored as the end's next midnight; shown as the last day.
        p.absence_end = v.end_at.map(|e| date_of(e - 1)).unwrap_or_default();
        p.absence_subject = v.subject;
        p.absence_body = v.body;
    }
    Ok(p)
}

/// The settings page with `p` in its forms, `error` in the card it
/// belongs to and `notice` announced at the top.
pub async fn page(
    web: &Web,
    t: T,
    s: &Session,
    status: StatusCode,
    p: Prefs,
    error: Option<(Section, String)>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let q = crate::mail::quota(web, s.account.id).await?;
    let mut c = Chrome::user(web, t, s, t.get("settings.title").to_string(), "settings").await?;
    c.notice = notice;
    let (percent, warn) = c
        .user
        .as_ref()
        .map(|u| (u.quota_percent, u.quota_warn))
        .unwrap_or_default();
    let forward_refused = vesontio_policy::forwarding_allowed(s.account.kind, false)
        .err()
        .map(|r| crate::prefs::half(&t, &r.to_string()));
    let current = web
        .store()
        .account(s.account.id)
        .await?
        .and_then(|a| a.forward_to);
    let pick = |which: Section| {
        error
            .as_ref()
            .filter(|(w, _)| *w == which)
            .map(|(_, m)| m.clone())
    };
    render(
        status,
        &SettingsPage {
            csrf: s.csrf.clone(),
            used: crate::text::size(q.used, &t),
            limit: crate::text::size(q.limit, &t),
            percent,
            warn,
            lang: t.code(),
            forward_refused,
            forward_active: current.is_some(),
            absence_error: pick(Section::Absence),
            forward_error: pick(Section::Forward),
            signature_error: pick(Section::Signature),
            image_senders: web.store().web_image_senders(s.account.id).await?,
            p,
            c,
        },
    )
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Query(q): Query<SettingsQuery>,
) -> Result<Response, WebError> {
    let p = load(&web, &s).await?;
    let notice = match q.ok.as_deref() {
        Some("absence") => Some(t.get("absence.saved")),
        Some("forward") => Some(t.get("forward.saved")),
        Some("forward_off") => Some(t.get("forward.stopped")),
        Some("signature") => Some(t.get("signature.saved")),
        Some("images") => Some(t.get("read.images_never_done")),
        _ => None,
    };
    page(
        &web,
        t,
        &s,
        StatusCode::OK,
        p,
        None,
        notice.map(str::to_string),
    )
    .await
}

#[derive(Deserialize)]
pub struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// Remembers the language in a cookie (per browser: a shared computer
/// shows each person the page in the language they pick).
pub async fn language(
    Authed(s): Authed,
    Form(f): Form<LanguageForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let lang = match f.lang.as_str() {
        "en" => "en",
        _ => "fr",
    };
    let mut r = Redirect::to("/settings").into_response();
    if let Ok(v) = format!("lang={lang}; Path=/; Secure; SameSite=Strict; Max-Age=31536000").parse()
    {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(r)
}
