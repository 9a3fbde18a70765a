//! The large-file service (R21): files too big for a message (R6) are
//! uploaded here and sent as a download link that expires.
//!
//! - `list.rs`: the person's page (their files, the upload form, delete).
//! - `upload.rs`: uploads, with and without JavaScript. Without it, one
//!   multipart form (RFC 7578) streamed to disk with bounded memory; with
//!   it (`assets/files.js`), a resumable protocol in the manner of tus:
//!   `POST /files/uploads` starts a file, `PUT /files/uploads/{id}` sends
//!   a piece with `Content-Range` (RFC 9110 §14.4), `GET` says where the
//!   upload stands after a dropped connection.
//! - `public.rs`: the link's page `/f/{token}`, without login, with the
//!   password form when one is set, the download as an attachment.
//! - `compose.rs`: a message refused for its size (R6) offers to send its
//!   attachments as links instead.
//!
//! Files live in the blob store with their own quota (`large_files.quota`,
//! not the mailbox's); the jobs delete them at expiry (`store::shared_files`).
//!
//! Invariants
//! - A file id in a URL is checked against the session's account before
//!   anything is read or written; the public page knows only the token.
//! - A file is always downloaded as an attachment with `nosniff` and a
//!   sandboxing CSP: nothing uploaded is ever rendered from our origin.
//! - No file content, name or password is logged.

pub mod compose;
pub mod form;
pub mod list;
pub mod public;
pub mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::Web;
use crate::i18n::T;

/// `[large_files]` lowered by `app` (R21).
#[derive(Debug, Clone)]
pub struct LargeFilesConfig {
    /// Whether the service is offered (`large_files.enabled`).
    pub enabled: bool,
    /// The largest file taken, in bytes (`large_files.max_size`).
    pub max_size: u64,
    /// What one person's files may take together (`large_files.quota`).
    pub quota: u64,
    /// A link's life unless chosen otherwise (`large_files.default_expiry`).
    pub default_expiry_secs: i64,
    /// The longest life a link may get (`large_files.max_expiry`).
    pub max_expiry_secs: i64,
}

impl Default for LargeFilesConfig {
    /// The configuration's defaults.
    fn default() -> Self {
        LargeFilesConfig {
            enabled: true,
            max_size: 2 << 30,
            quota: 5 << 30,
            default_expiry_secs: 7 * 86_400,
            max_expiry_secs: 30 * 86_400,
        }
    }
}

/// One piece of a resumable upload at most (the `PUT` body limit).
pub const MAX_CHUNK: usize = 8 << 20;

/// The service's routes (merged into the webmail's router).
pub fn routes(_web: &Web) -> Router<Web> {
    Router::new()
        .route(
            "/files",
            get(list::show)
                .post(upload::form)
                // Streamed to disk and bounded by `max_size` as it comes.
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/files/{id}/delete", post(list::delete))
        .route("/files/uploads", post(upload::create))
        .route(
            "/files/uploads/{id}",
            get(upload::status)
                .put(upload::chunk)
                .layer(DefaultBodyLimit::max(MAX_CHUNK)),
        )
        .route("/f/{token}", get(public::show).post(public::unlock))
        .route("/f/{token}/download", get(public::download))
}

/// A new link token: 192 random bits in hex.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 24]>())
}

/// The full address of a file's public page.
pub fn link(web: &Web, token: &str) -> String {
    let c = web.config();
    match c.https_port {
        443 => format!("https://{}/f/{token}", c.hostname),
        p => format!("https://{}:{p}/f/{token}", c.hostname),
    }
}

/// Link lives offered in the forms, in seconds, up to `max_expiry`, with
/// the default among them.
pub fn expiry_choices(cfg: &LargeFilesConfig, t: &T) -> Vec<(i64, String, bool)> {
    const DAY: i64 = 86_400;
    let mut secs: Vec<i64> = [
        DAY,
        3 * DAY,
        7 * DAY,
        14 * DAY,
        30 * DAY,
        60 * DAY,
        90 * DAY,
    ]
    .into_iter()
    .filter(|s| *s <= cfg.max_expiry_secs)
    .collect();
    for s in [cfg.default_expiry_secs, cfg.max_expiry_secs] {
        if !secs.contains(&s) {
            secs.push(s);
        }
    }
    secs.sort_unstable();
    secs.into_iter()
        .map(|s| (s, duration_text(s, t), s == cfg.default_expiry_secs))
        .collect()
}

/// "7 jours", "1 jour", "12 heures".
pub fn duration_text(secs: i64, t: &T) -> String {
    let (n, one, many) = if secs % 86_400 == 0 {
        (secs / 86_400, "files.day", "files.days")
    } else {
        ((secs + 3599) / 3600, "files.hour", "files.hours")
    };
    if n == 1 {
        t.get(one).to_string()
    } else {
        t.fmt(many, &n)
    }
}

/// The expiry chosen in a form (seconds from now), refused past
/// `max_expiry`; empty means the default.
pub fn chosen_expiry(cfg: &LargeFilesConfig, raw: &str) -> Option<i64> {
    if raw.trim().is_empty() {
        return Some(cfg.default_expiry_secs);
    }
    let s: i64 = raw.trim().parse().ok()?;
    (s > 0 && s <= cfg.max_expiry_secs).then_some(s)
}

/// Why a file may not be taken before any byte is read: too big, over the
/// person's large-file quota, or of a type refused by R7. The sentence in
/// the person's language.
pub async fn refusal(
    web: &Web,
    t: &T,
    account: vesontio_types::AccountId,
    name: &str,
    size: u64,
) -> Result<Option<String>, crate::WebError> {
    let cfg = &web.config().large_files;
    if size > cfg.max_size {
        return Ok(Some(
            t.fmt("files.too_big", &crate::text::size(cfg.max_size as i64, t)),
        ));
    }
    let used = web.store().shared_files_used(account).await?;
    if used.saturating_add(size as i64) > cfg.quota as i64 {
        return Ok(Some(quota_text(t, used, cfg.quota as i64)));
    }
    // R7: the service must not become the way around the forbidden
    // extensions of messages.
    let lower = name.to_ascii_lowercase();
    if let Some(ext) = web
        .delivery()
        .config()
        .forbidden_extensions
        .iter()
        .find(|e| lower.ends_with(&format!(".{}", e.to_ascii_lowercase())))
    {
        return Ok(Some(t.fmt("files.forbidden", &ext)));
    }
    Ok(None)
}

/// The over-quota sentence, with what is used and the limit.
pub fn quota_text(t: &T, used: i64, limit: i64) -> String {
    t.get("files.over_quota")
        .replace("{used}", &crate::text::size(used, t))
        .replace("{limit}", &crate::text::size(limit, t))
}
