//! Settings: quota used and limit (R15–R16), password change link (R26),
//! language, logout everywhere.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::i18n::T;
use crate::page::{Chrome, render};
use crate::session::Authed;
use crate::{Web, WebError};

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
}

pub async fn show(State(web): State<Web>, t: T, Authed(s): Authed) -> Result<Response, WebError> {
    let q = crate::mail::quota(&web, s.account.id).await?;
    let c = Chrome::user(&web, t, &s, t.get("settings.title").to_string(), "settings").await?;
    let (percent, warn) = c
        .user
        .as_ref()
        .map(|u| (u.quota_percent, u.quota_warn))
        .unwrap_or_default();
    render(
        StatusCode::OK,
        &SettingsPage {
            c,
            csrf: s.csrf.clone(),
            used: crate::text::size(q.used, &t),
            limit: crate::text::size(q.limit, &t),
            percent,
            warn,
            lang: t.code(),
        },
    )
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
