//! The person's large files (R21): each with its size, expiry, downloads
//! and link, a delete button (CSRF), and the upload form, which works as a
//! plain multipart form and is made resumable, with progress, by
//! `assets/files.js`.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::i18n::T;
use crate::page::{Chrome, render};
use crate::session::{Authed, Session};
use crate::{Web, WebError};

/// One row of the list.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub expires: String,
    pub downloads: i64,
    pub link: String,
    pub password: bool,
    /// Percentage received while the upload is not complete.
    pub progress: Option<i64>,
}

#[derive(Template)]
#[template(path = "files/list.html")]
struct FilesPage {
    c: Chrome,
    csrf: String,
    rows: Vec<Row>,
    expiries: Vec<(i64, String, bool)>,
    used: String,
    quota: String,
    max_size: String,
    max_size_bytes: u64,
    chunk: usize,
    error: Option<String>,
    script: String,
    css_files: String,
    enabled: bool,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    ok: Option<String>,
}

/// The page, with `error` (a refusal, announced) and `notice`.
pub async fn page(
    web: &Web,
    t: T,
    s: &Session,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let cfg = &web.config().large_files;
    let store = web.store();
    let mut rows = Vec::new();
    for f in store.shared_files(s.account.id).await? {
        let progress = (!f.complete()).then(|| {
            let at = f.received.saturating_mul(100) / f.size.max(1);
            at.clamp(0, 99)
        });
        rows.push(Row {
            id: f.id,
            size: crate::text::size(f.size, &t),
            expires: crate::text::long_date(f.expires_at, &t),
            downloads: f.downloads,
            link: crate::files::link(web, &f.token),
            password: f.password_hash.is_some(),
            progress,
            name: f.name,
        });
    }
    let used = store.shared_files_used(s.account.id).await?;
    let mut c = Chrome::user(web, t, s, t.get("files.title").to_string(), "files").await?;
    c.notice = notice;
    render(
        status,
        &FilesPage {
            csrf: s.csrf.clone(),
            rows,
            expiries: crate::files::expiry_choices(cfg, &t),
            used: crate::text::size(used, &t),
            quota: crate::text::size(cfg.quota as i64, &t),
            max_size: crate::text::size(cfg.max_size as i64, &t),
            max_size_bytes: cfg.max_size,
            chunk: crate::files::MAX_CHUNK,
            error,
            script: crate::assets::url("files.js"),
            css_files: crate::assets::url("files.css"),
            enabled: cfg.enabled,
            c,
        },
    )
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let notice = match q.ok.as_deref() {
        Some("uploaded") => Some(t.get("files.uploaded").to_string()),
        Some("deleted") => Some(t.get("files.deleted").to_string()),
        _ => None,
    };
    page(&web, t, &s, StatusCode::OK, None, notice).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// Deletes one of the person's files (its blob goes with its last
/// reference); someone else's id is "not found".
pub async fn delete(
    State(web): State<Web>,
    Authed(s): Authed,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    if !web.store().shared_file_delete(id, s.account.id).await? {
        return Err(WebError::NotFound);
    }
    Ok(Redirect::to("/files?ok=deleted").into_response())
}
