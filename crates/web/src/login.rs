//! Login and logout. Login goes through `Directory::authenticate`, so the
//! shared failure limits apply (per account and address, per account, per
//! address) exactly as for IMAP, POP3 and submission. The error never says
//! whether the address exists.

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vesontio_directory::AuthError;
use vesontio_store::WebSession;
use vesontio_types::Secret;

use crate::i18n::{T, cookie};
use crate::page::{Chrome, render};
use crate::security::same_token;
use crate::session::{AnySession, COOKIE, LOGIN_COOKIE, clear_cookie, csrf_of, new_id, set_cookie};
use crate::{Web, WebError};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    csrf: String,
    address: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    expired: Option<String>,
    out: Option<String>,
}

/// The login form's CSRF: the pre-login cookie if the browser sent one,
/// else a new one (set on the response).
fn login_token(parts_cookie: Option<&str>) -> (String, Option<String>) {
    match parts_cookie.filter(|c| c.len() == 64) {
        Some(c) => (csrf_of(c), None),
        None => {
            let (raw, _) = new_id();
            (csrf_of(&raw), Some(raw))
        }
    }
}

fn login_page(
    t: T,
    headers: &HeaderMap,
    status: StatusCode,
    address: String,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let (csrf, new_cookie) = login_token(cookie(headers, LOGIN_COOKIE));
    let mut c = Chrome::anonymous(t, "login.title");
    c.notice = notice;
    let mut r = render(
        status,
        &LoginPage {
            c,
            csrf,
            address,
            error,
        },
    )?;
    if let Some(raw) = new_cookie {
        r.headers_mut()
            .append(header::SET_COOKIE, set_cookie(LOGIN_COOKIE, &raw));
    }
    Ok(r)
}

pub async fn show(t: T, q: Query<LoginQuery>, headers: HeaderMap) -> Response {
    let notice = if q.expired.is_some() {
        Some(t.get("login.expired").to_string())
    } else if q.out.is_some() {
        Some(t.get("login.logged_out").to_string())
    } else {
        None
    };
    login_page(t, &headers, StatusCode::OK, String::new(), None, notice)
        .unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    address: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

pub async fn submit(
    State(web): State<Web>,
    t: T,
    ConnectInfo(crate::Peer(peer)): ConnectInfo<crate::Peer>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    match try_login(&web, t, &headers, peer, form).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn try_login(
    web: &Web,
    t: T,
    headers: &HeaderMap,
    peer: SocketAddr,
    form: LoginForm,
) -> Result<Response, WebError> {
    let expected = cookie(headers, LOGIN_COOKIE).map(csrf_of);
    if !expected.is_some_and(|e| same_token(&e, &form.csrf)) {
        // No cookie: the browser refuses cookies or the form is stale.
        let msg = t.get("login.stale_form").to_string();
        return login_page(
            t,
            headers,
            StatusCode::FORBIDDEN,
            form.address,
            Some(msg),
            None,
        );
    }
    let address = form.address.trim().to_string();
    if address.is_empty() || form.password.is_empty() {
        let msg = t.get("login.missing").to_string();
        return login_page(
            t,
            headers,
            StatusCode::BAD_REQUEST,
            address,
            Some(msg),
            None,
        );
    }
    let pass = Secret::new(form.password);
    let now = web.now();
    let (account, must_change) = match web
        .directory()
        .authenticate(&address, &pass, peer.ip(), now)
        .await
    {
        Ok(a) => (a, false),
        Err(AuthError::MustChangePassword(a)) => (*a, true),
        Err(AuthError::Locked { retry_after }) => {
            let minutes = (retry_after + 59) / 60;
            let msg = if retry_after < 60 {
                t.fmt("login.locked_seconds", &retry_after.max(1))
            } else {
                t.fmt("login.locked_minutes", &minutes)
            };
            return login_page(
                t,
                headers,
                StatusCode::TOO_MANY_REQUESTS,
                address,
                Some(msg),
                None,
            );
        }
        Err(AuthError::Store(e)) => return Err(e.into()),
        // Wrong password, unknown address, disabled account: one answer.
        Err(_) => {
            let msg = t.get("login.invalid").to_string();
            return login_page(
                t,
                headers,
                StatusCode::UNAUTHORIZED,
                address,
                Some(msg),
                None,
            );
        }
    };
    let (raw, id_hash) = new_id();
    web.store()
        .web_session_create(&WebSession {
            id_hash,
            account_id: account.id,
            created_at: now,
            last_seen_at: now,
            must_change_password: must_change,
            client: vesontio_types::client_key(peer.ip()).to_string(),
        })
        .await?;
    tracing::info!(account = account.id.0, must_change, "web login");
    let to = if must_change { "/password" } else { "/mail" };
    let mut r = Redirect::to(to).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, set_cookie(COOKIE, &raw));
    r.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(LOGIN_COOKIE));
    Ok(r)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

fn logged_out() -> Response {
    let mut r = Redirect::to("/login?out=1").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, clear_cookie(COOKIE));
    r
}

pub async fn logout(
    State(web): State<Web>,
    AnySession(s): AnySession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    web.store().web_session_delete(&s.id_hash).await?;
    Ok(logged_out())
}

/// Closes every session of the account, this one included.
pub async fn logout_everywhere(
    State(web): State<Web>,
    AnySession(s): AnySession,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    web.store()
        .web_sessions_delete_account(s.account.id, None)
        .await?;
    Ok(logged_out())
}
