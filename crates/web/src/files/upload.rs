//! Uploads of large files (R21).
//!
//! Without JavaScript: `POST /files`, one multipart form whose fields come
//! before the file (the template orders them so): the CSRF token is
//! checked before any byte of the file is kept, the file is streamed into
//! the blob store's temporary directory and cut off past `max_size`.
//!
//! With `assets/files.js`, resumable, in the manner of tus:
//! - `POST /files/uploads` `{name, type, size, expiry, password}` starts a
//!   file (its whole size reserved against the quota) → `201 {id, offset}`;
//! - `PUT /files/uploads/{id}` with `Content-Range: bytes a-b/size`
//!   (RFC 9110 §14.4) writes a piece of at most [`MAX_CHUNK`] bytes at
//!   `a` → `{offset}`, or `409 {offset}` when the upload stands elsewhere;
//!   the last piece makes the file a blob and the answer carries the link;
//! - `GET /files/uploads/{id}` → `{offset, size, complete}`: where to
//!   resume after a dropped connection.
//!
//! The JSON requests carry the session's CSRF token in `X-CSRF-Token`.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use vesontio_store::{NewSharedFile, SharedFile, UploadWrite};
use vesontio_types::Secret;

use crate::files::form::{Malformed, Reader};
use crate::files::{MAX_CHUNK, chosen_expiry, refusal};
use crate::i18n::T;
use crate::mail::outgoing::Upload;
use crate::session::{Authed, Session};
use crate::{Web, WebError};

/// Room for the form's other fields and delimiters around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;
const MAX_PASSWORD: usize = 200;
/// Form fields read around the file, at most (bounded work).
const MAX_FIELDS: usize = 20;

/// What the person asked for, besides the bytes.
struct Request {
    name: String,
    content_type: String,
    size: u64,
    expiry: String,
    password: String,
}

/// Checks a request and starts the file; the refusal's sentence otherwise.
async fn start(
    web: &Web,
    t: &T,
    s: &Session,
    r: Request,
) -> Result<Result<SharedFile, String>, WebError> {
    let cfg = &web.config().large_files;
    if !cfg.enabled {
        return Ok(Err(t.get("files.disabled").to_string()));
    }
    // Cleaned as a mail attachment's name and type are.
    let clean = Upload::new(&r.name, Some(&r.content_type), Vec::new());
    if let Some(why) = refusal(web, t, s.account.id, &clean.name, r.size).await? {
        return Ok(Err(why));
    }
    let Some(expiry) = chosen_expiry(cfg, &r.expiry) else {
        return Ok(Err(t.fmt(
            "files.bad_expiry",
            &crate::files::duration_text(cfg.max_expiry_secs, t),
        )));
    };
    if r.password.chars().count() > MAX_PASSWORD {
        return Ok(Err(t.get("files.password_long").to_string()));
    }
    let password_hash = if r.password.is_empty() {
        None
    } else {
        let h = vesontio_directory::password::hash_blocking(Secret::new(r.password)).await;
        Some(h.map_err(|_| WebError::BadRequest)?)
    };
    let now = web.now();
    let new = NewSharedFile {
        token: crate::files::new_token(),
        account_id: s.account.id,
        name: clean.name,
        content_type: clean.content_type,
        size: r.size as i64,
        expires_at: now + expiry,
        password_hash,
        now,
    };
    let quota = cfg.quota as i64;
    match web.store().shared_file_create(&new, quota).await? {
        Ok(f) => Ok(Ok(f)),
        Err(vesontio_store::StoreError::OverQuota { used, .. }) => {
            Ok(Err(crate::files::quota_text(t, used, quota)))
        }
        Err(e) => Err(e.into()),
    }
}

/// The plain form: fields, then the file, streamed to disk.
pub async fn form(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, WebError> {
    let cfg = web.config().large_files.clone();
    let refuse = |status: StatusCode, why: String| {
        let (web, s) = (web.clone(), s.clone());
        async move { crate::files::list::page(&web, t, &s, status, Some(why), None).await }
    };
    if !cfg.enabled {
        return refuse(StatusCode::NOT_FOUND, t.get("files.disabled").into()).await;
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = crate::mail::multipart::boundary(ct).ok_or(WebError::BadRequest)?;
    // A body announced far over the limit is refused before it is read.
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > cfg.max_size.saturating_add(FORM_OVERHEAD)) {
        let why = t.fmt("files.too_big", &crate::text::size(cfg.max_size as i64, &t));
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, why).await;
    }
    let mut r = Reader::new(body, &boundary);
    let (mut csrf, mut expiry, mut password) = (String::new(), String::new(), String::new());
    let bad = |_: Malformed| WebError::BadRequest;
    let mut fields = 0;
    let head = loop {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(WebError::BadRequest);
        }
        let Some(h) = r.next_part().await.map_err(bad)? else {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                t.get("files.no_file").into(),
            )
            .await;
        };
        if h.filename.is_some() {
            break h;
        }
        let v = r.text(1024).await.map_err(bad)?;
        match h.name.as_str() {
            "csrf" => csrf = v,
            "expiry" => expiry = v,
            "password" => password = v,
            _ => {}
        }
    };
    s.check_csrf(&csrf)?;
    let name = head.filename.unwrap_or_default();
    if name.is_empty() {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            t.get("files.no_file").into(),
        )
        .await;
    }
    // The quota and type checks with the announced size, before the bytes.
    let guess = announced.map_or(0, |n| n.saturating_sub(FORM_OVERHEAD));
    if let Some(why) = refusal(&web, &t, s.account.id, &name, guess).await? {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, why).await;
    }
    let tmp = web.store().spool().temp_path();
    let received = match receive(&mut r, &tmp, cfg.max_size).await {
        Ok(n) => n,
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return match e {
                Receive::TooBig => {
                    let why = t.fmt("files.too_big", &crate::text::size(cfg.max_size as i64, &t));
                    refuse(StatusCode::PAYLOAD_TOO_LARGE, why).await
                }
                Receive::Malformed => Err(WebError::BadRequest),
                Receive::Io(e) => Err(vesontio_store::StoreError::Io(e).into()),
            };
        }
    };
    let req = Request {
        name,
        content_type: head.content_type.unwrap_or_default(),
        size: received,
        expiry,
        password,
    };
    let f = match start(&web, &t, &s, req).await? {
        Ok(f) => f,
        Err(why) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, why).await;
        }
    };
    let store = web.store();
    let done = async {
        store.shared_upload_adopt(f.id, &tmp, web.now()).await?;
        store.shared_upload_finish(f.id).await
    };
    if let Err(e) = done.await {
        let _ = tokio::fs::remove_file(&tmp).await;
        store.shared_file_delete(f.id, s.account.id).await?;
        return Err(e.into());
    }
    tracing::info!(
        account = s.account.id.0,
        size = received,
        "large file uploaded"
    );
    Ok(Redirect::to("/files?ok=uploaded").into_response())
}

enum Receive {
    TooBig,
    Malformed,
    Io(std::io::Error),
}

/// The file part's bytes into `path`, at most `max`; the size.
async fn receive(r: &mut Reader, path: &std::path::Path, max: u64) -> Result<u64, Receive> {
    let mut file = tokio::fs::File::create(path).await.map_err(Receive::Io)?;
    let mut n: u64 = 0;
    while let Some(d) = r.data().await.map_err(|_| Receive::Malformed)? {
        n += d.len() as u64;
        if n > max {
            return Err(Receive::TooBig);
        }
        file.write_all(&d).await.map_err(Receive::Io)?;
    }
    // The rest of the form (nothing expected after the file): a few small
    // fields at most, read and dropped.
    let mut fields = 0;
    while r
        .next_part()
        .await
        .map_err(|_| Receive::Malformed)?
        .is_some()
    {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(Receive::Malformed);
        }
        r.text(1024).await.map_err(|_| Receive::Malformed)?;
    }
    file.flush().await.map_err(Receive::Io)?;
    Ok(n)
}

fn json(status: StatusCode, v: serde_json::Value) -> Response {
    crate::page::json(status, &v)
}

fn check_header_csrf(s: &Session, headers: &HeaderMap) -> Result<(), WebError> {
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    s.check_csrf(token)
}

#[derive(Deserialize)]
pub struct Create {
    #[serde(default)]
    name: String,
    #[serde(default, rename = "type")]
    content_type: String,
    size: u64,
    #[serde(default)]
    expiry: String,
    #[serde(default)]
    password: String,
}

/// Starts a resumable upload.
pub async fn create(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    check_header_csrf(&s, &headers)?;
    let c: Create = serde_json::from_slice(&body).map_err(|_| WebError::BadRequest)?;
    if c.name.trim().is_empty() {
        let why = t.get("files.no_file");
        return Ok(json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({ "error": why }),
        ));
    }
    let req = Request {
        name: c.name,
        content_type: c.content_type,
        size: c.size,
        expiry: c.expiry,
        password: c.password,
    };
    match start(&web, &t, &s, req).await? {
        Ok(f) => {
            let f = if f.size == 0 {
                web.store().shared_upload_finish(f.id).await?
            } else {
                f
            };
            Ok(json(StatusCode::CREATED, state_of(&web, &f, 0)))
        }
        Err(why) => Ok(json(
            StatusCode::UNPROCESSABLE_ENTITY,
            serde_json::json!({ "error": why }),
        )),
    }
}

fn state_of(web: &Web, f: &SharedFile, offset: i64) -> serde_json::Value {
    let mut v = serde_json::json!({
        "id": f.id,
        "offset": offset,
        "size": f.size,
        "complete": f.complete(),
    });
    if f.complete() {
        v["link"] = crate::files::link(web, &f.token).into();
    }
    v
}

/// The session's own file `id`, or "not found".
async fn own(web: &Web, s: &Session, id: i64) -> Result<SharedFile, WebError> {
    match web.store().shared_file(id).await? {
        Some(f) if f.account_id == s.account.id => Ok(f),
        _ => Err(WebError::NotFound),
    }
}

/// Where an upload stands.
pub async fn status(
    State(web): State<Web>,
    Authed(s): Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let f = own(&web, &s, id).await?;
    let at = web.store().shared_upload_offset(&f).await?;
    Ok(json(StatusCode::OK, state_of(&web, &f, at)))
}

/// `bytes a-b/size` (RFC 9110 §14.4): the first byte's offset, checked
/// against the piece's length and the file's size.
fn range_start(headers: &HeaderMap, len: usize, size: i64) -> Option<i64> {
    let v = headers.get(header::CONTENT_RANGE)?.to_str().ok()?;
    let (range, total) = v.strip_prefix("bytes ")?.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b, total): (i64, i64, i64) = (a.parse().ok()?, b.parse().ok()?, total.parse().ok()?);
    (total == size && a >= 0 && b >= a && b - a + 1 == len as i64 && b < size).then_some(a)
}

/// Writes one piece; the last one completes the file.
pub async fn chunk(
    State(web): State<Web>,
    Authed(s): Authed,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    check_header_csrf(&s, &headers)?;
    let f = own(&web, &s, id).await?;
    debug_assert!(body.len() <= MAX_CHUNK);
    let Some(start) = range_start(&headers, body.len(), f.size) else {
        return Ok(json(
            StatusCode::RANGE_NOT_SATISFIABLE,
            serde_json::json!({ "offset": web.store().shared_upload_offset(&f).await? }),
        ));
    };
    let store = web.store();
    match store
        .shared_upload_write(id, start, &body, web.now())
        .await?
    {
        UploadWrite::Offset(at) => Ok(json(
            StatusCode::CONFLICT,
            serde_json::json!({ "offset": at }),
        )),
        UploadWrite::Written(at) if at == f.size => {
            let done = store.shared_upload_finish(id).await?;
            tracing::info!(
                account = s.account.id.0,
                size = f.size,
                "large file uploaded"
            );
            Ok(json(StatusCode::OK, state_of(&web, &done, at)))
        }
        UploadWrite::Written(at) => Ok(json(StatusCode::OK, state_of(&web, &f, at))),
    }
}
