//! R26 password change: current, new, confirmation. At first login with an
//! initial password this is the only page that opens (`session::Authed`
//! sends everything else here). The strength rule is the directory's (CNIL
//! délibération 2022-100); the page's gauge (`assets/strength.js`) is only
//! a help: the server decides, and says why in the person's language.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vesontio_directory::PasswordChangeError;
use vesontio_directory::password::{MIN_BITS, entropy_bits};
use vesontio_types::Secret;

use crate::i18n::T;
use crate::page::{Chrome, render};
use crate::session::AnySession;
use crate::{Web, WebError};

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: Chrome,
    csrf: String,
    first_login: bool,
    error: Option<String>,
    script: String,
    min_bits: f64,
}

async fn page(
    web: &Web,
    t: T,
    s: &crate::session::Session,
    status: StatusCode,
    error: Option<String>,
) -> Result<Response, WebError> {
    let first_login = s.row.must_change_password || s.account.must_change_password;
    let c = Chrome::user(web, t, s, t.get("password.title").to_string(), "settings").await?;
    render(
        status,
        &PasswordPage {
            c,
            csrf: s.csrf.clone(),
            first_login,
            error,
            script: crate::assets::url("strength.js"),
            min_bits: MIN_BITS,
        },
    )
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    AnySession(s): AnySession,
) -> Result<Response, WebError> {
    page(&web, t, &s, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Why the directory refused a new password, in the catalogue's words
/// (the directory's own sentence is English, for logs and protocols).
fn weakness(t: &T, pw: &str) -> String {
    let n = pw.chars().count();
    let bits = entropy_bits(pw);
    let reason = if n < 8 {
        t.fmt("password.too_short", &n)
    } else if bits < MIN_BITS {
        t.get("password.too_weak")
            .replace("{bits}", &format!("{bits:.0}"))
            .replace("{min}", &format!("{MIN_BITS:.0}"))
    } else {
        t.get("password.has_name").to_string()
    };
    format!("{reason} {}", t.get("password.advice"))
}

pub async fn submit(
    State(web): State<Web>,
    t: T,
    AnySession(s): AnySession,
    Form(f): Form<PasswordForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let new_plain = f.new.clone();
    let res = web
        .directory()
        .change_password(
            &s.account,
            &Secret::new(f.current),
            &Secret::new(f.new),
            &Secret::new(f.confirm),
        )
        .await;
    let error = match res {
        Ok(_) => {
            let store = web.store();
            store.web_session_password_changed(&s.id_hash).await?;
            // The other sessions were opened with the old password.
            store
                .web_sessions_delete_account(s.account.id, Some(&s.id_hash))
                .await?;
            tracing::info!(account = s.account.id.0, "web password changed");
            return Ok(Redirect::to("/mail?ok=password").into_response());
        }
        Err(PasswordChangeError::WrongCurrent) => t.get("password.wrong_current").to_string(),
        Err(PasswordChangeError::Mismatch) => t.get("password.mismatch").to_string(),
        Err(PasswordChangeError::Unchanged) => t.get("password.unchanged").to_string(),
        Err(PasswordChangeError::Weak(_)) => weakness(&t, &new_plain),
        Err(PasswordChangeError::Store(e)) => return Err(e.into()),
    };
    page(&web, t, &s, StatusCode::UNPROCESSABLE_ENTITY, Some(error)).await
}
