//! Sessions: a random 256-bit id in the cookie, its SHA-256 in the store
//! (schema v8), idle and absolute expiry, and the CSRF token of every form
//! derived from the id (so it needs no storage and changes with the
//! session).
//!
//! The cookie is `__Host-vesontio=<id>; Path=/; Secure; HttpOnly;
//! SameSite=Strict`: the `__Host-` prefix (RFC 6265bis §4.1.3.2) means the
//! browser only accepts it from this exact host over HTTPS, with no
//! Domain, so a sibling host of the académie cannot set or overwrite it.
//! No `Max-Age`: it goes when the browser closes (shared school
//! computers), and the server's expiries apply anyway.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use vesontio_store::{Account, WebSession};

use crate::Web;
use crate::i18n::cookie;
use crate::security::same_token;

pub const COOKIE: &str = "__Host-vesontio";
/// Before login: the random value the login form's CSRF token is derived
/// from (a double-submit token: a page on another site can neither read
/// this cookie nor set one with the `__Host-` prefix).
pub const LOGIN_COOKIE: &str = "__Host-vesontio-login";

/// The header the pages' scripts put on requests they make by themselves.
pub const BACKGROUND: &str = "x-vesontio-background";

/// A session is touched (its idle deadline moved) at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

/// A new random id and the hash stored for it.
pub fn new_id() -> (String, String) {
    let raw = hex::encode(rand::random::<[u8; 32]>());
    let hash = hash_id(&raw);
    (raw, hash)
}

pub fn hash_id(raw: &str) -> String {
    hex::encode(Sha256::digest(raw.as_bytes()))
}

/// The CSRF token of a session (or of a login form's cookie): a hash of
/// the secret under its own label, so it does not reveal the id.
pub fn csrf_of(raw: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"vesontio csrf\0");
    h.update(raw.as_bytes());
    hex::encode(h.finalize())
}

pub fn set_cookie(name: &str, raw: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}={raw}; Path=/; Secure; HttpOnly; SameSite=Strict"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_cookie(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// A valid session and its account.
#[derive(Debug, Clone)]
pub struct Session {
    pub id_hash: String,
    pub csrf: String,
    pub account: Account,
    pub row: WebSession,
}

impl Session {
    /// Checks a form's token against this session's.
    pub fn check_csrf(&self, token: &str) -> Result<(), crate::WebError> {
        if same_token(&self.csrf, token) {
            Ok(())
        } else {
            tracing::info!(account = self.account.id.0, "form refused: CSRF token");
            Err(crate::WebError::Csrf)
        }
    }
}

/// Where a request without a valid session goes.
fn to_login(expired: bool) -> Response {
    let to = if expired {
        "/login?expired=1"
    } else {
        "/login"
    };
    let mut r = Redirect::to(to).into_response();
    if expired {
        r.headers_mut()
            .insert(header::SET_COOKIE, clear_cookie(COOKIE));
    }
    r
}

async fn load(parts: &Parts, web: &Web) -> Result<Session, Response> {
    let Some(raw) = cookie(&parts.headers, COOKIE).filter(|r| r.len() == 64) else {
        return Err(to_login(false));
    };
    let id_hash = hash_id(raw);
    let store = web.store();
    let internal = |e: vesontio_store::StoreError| crate::WebError::from(e).into_response();
    let Some(row) = store.web_session(&id_hash).await.map_err(internal)? else {
        return Err(to_login(true));
    };
    let now = web.now();
    let c = web.config();
    if now - row.last_seen_at > c.session_idle_secs
        || now - row.created_at > c.session_absolute_secs
    {
        store.web_session_delete(&id_hash).await.map_err(internal)?;
        return Err(to_login(true));
    }
    let account = match store.account(row.account_id).await.map_err(internal)? {
        Some(a) if a.status != vesontio_types::AccountStatus::Disabled => a,
        _ => {
            store.web_session_delete(&id_hash).await.map_err(internal)?;
            return Err(to_login(true));
        }
    };
    // The list page's own refreshes (live updates) say so: they are not
    // the person's activity and must not keep an open tab's session alive.
    let background = parts.headers.contains_key(BACKGROUND);
    if !background && now - row.last_seen_at >= TOUCH_EVERY_SECS {
        store
            .web_session_touch(&id_hash, now)
            .await
            .map_err(internal)?;
    }
    Ok(Session {
        csrf: csrf_of(raw),
        id_hash,
        account,
        row,
    })
}

/// A logged-in session whose password need not be changed first (R26):
/// the extractor of every screen but the password change.
pub struct Authed(pub Session);

/// Any logged-in session, also one that must change its password first.
pub struct AnySession(pub Session);

impl FromRequestParts<Web> for AnySession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Response> {
        load(parts, web).await.map(AnySession)
    }
}

impl FromRequestParts<Web> for Authed {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Self, Response> {
        let s = load(parts, web).await?;
        if s.row.must_change_password || s.account.must_change_password {
            // R26: nothing opens before the initial password is changed.
            return Err(Redirect::to("/password").into_response());
        }
        Ok(Authed(s))
    }
}
