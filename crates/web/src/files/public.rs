//! A link's public page (R21): no login. The file's name, size and
//! expiry, a download button, or first a password form when the owner set
//! one. An expired link says so (410 Gone, RFC 9110 §15.5.11); an unknown
//! one is "not found", the same as a file still uploading.
//!
//! The file is sent as an attachment with `nosniff` and a CSP that
//! sandboxes it (`default-src 'none'; sandbox`), so even a browser that
//! showed it would run nothing from our origin. Downloads are counted
//! when they start; a download without password resumes with a `Range`
//! request (RFC 9110 §14), not counted again.

use askama::Template;
use axum::Form;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vesontio_store::SharedFile;
use vesontio_types::Secret;

use crate::i18n::T;
use crate::page::{Chrome, render};
use crate::{Web, WebError};

/// The file's CSP: nothing loads, nothing runs.
const FILE_CSP: &str = "default-src 'none'; sandbox";

/// Wrong passwords for one link from one client address before it must
/// wait [`TRIES_WINDOW`]; from all addresses together, [`MAX_TRIES_ALL`].
/// Counted in the store's login-failure tables (shared by every node)
/// under the pseudo-login `file:<id>`, which no address can collide with.
const MAX_TRIES: i64 = 10;
const MAX_TRIES_ALL: i64 = 100;
const TRIES_WINDOW: i64 = 900;

#[derive(Template)]
#[template(path = "files/public.html")]
struct PublicPage {
    c: Chrome,
    token: String,
    name: String,
    size: String,
    expires: String,
    password: bool,
    error: Option<String>,
    /// Set when the link is past its expiry: only this is shown.
    expired: Option<String>,
    css_files: String,
}

/// The file of a token, if it is complete.
async fn find(web: &Web, token: &str) -> Result<SharedFile, WebError> {
    // Tokens are hex of a fixed length: anything else is not looked up.
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    match web.store().shared_file_by_token(token).await? {
        Some(f) if f.complete() => Ok(f),
        _ => Err(WebError::NotFound),
    }
}

fn page(t: T, f: &SharedFile, now: i64, error: Option<String>) -> PublicPage {
    let expired = (f.expires_at <= now).then(|| {
        t.fmt(
            "public.expired_on",
            &crate::text::long_date(f.expires_at, &t),
        )
    });
    PublicPage {
        c: Chrome::anonymous(t, "public.title"),
        token: f.token.clone(),
        name: f.name.clone(),
        size: crate::text::size(f.size, &t),
        expires: crate::text::long_date(f.expires_at, &t),
        password: f.password_hash.is_some(),
        error,
        expired,
        css_files: crate::assets::url("files.css"),
    }
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let f = find(&web, &token).await?;
    let now = web.now();
    let status = if f.expires_at <= now {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    render(status, &page(t, &f, now, None))
}

/// A download without password (a link on the page, or the link itself
/// followed by a download manager).
pub async fn download(
    State(web): State<Web>,
    t: T,
    method: Method,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let f = find(&web, &token).await?;
    if f.password_hash.is_some() {
        // The password form first.
        return render(StatusCode::UNAUTHORIZED, &page(t, &f, web.now(), None));
    }
    if method == Method::HEAD {
        // Link checkers ask before fetching: not a download.
        let status = if f.expires_at <= web.now() {
            StatusCode::GONE
        } else {
            StatusCode::OK
        };
        return Ok((status, headers_of(&f)).into_response());
    }
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    send(&web, t, &f, range).await
}

#[derive(Deserialize)]
pub struct Unlock {
    #[serde(default)]
    password: String,
}

/// The password form: the file itself when it is right.
pub async fn unlock(
    State(web): State<Web>,
    t: T,
    ConnectInfo(crate::Peer(peer)): ConnectInfo<crate::Peer>,
    Path(token): Path<String>,
    Form(u): Form<Unlock>,
) -> Result<Response, WebError> {
    let f = find(&web, &token).await?;
    let now = web.now();
    if f.expires_at <= now {
        return render(StatusCode::GONE, &page(t, &f, now, None));
    }
    if let Some(phc) = f.password_hash.clone() {
        // Guessing is slowed: a few tries per address, then a wait.
        let (login, client) = (
            format!("file:{}", f.id),
            vesontio_types::client_key(peer.ip()).to_string(),
        );
        let since = now - TRIES_WINDOW;
        let st = web.store().login_state(&login, &client, since).await?;
        let recent = |s: Option<vesontio_store::FailureState>, max: i64| {
            s.is_some_and(|s| s.failures >= max && s.last_failure_at > since)
        };
        if recent(st.pair, MAX_TRIES) || recent(st.account, MAX_TRIES_ALL) {
            let why = t.get("public.too_many").to_string();
            return render(StatusCode::TOO_MANY_REQUESTS, &page(t, &f, now, Some(why)));
        }
        // argon2id: tens of milliseconds per guess, on the blocking pool.
        let ok =
            vesontio_directory::password::verify_blocking(Secret::new(u.password), Some(phc)).await;
        if !ok {
            web.store()
                .login_failed(&login, &client, now, since)
                .await?;
            tracing::info!(file = f.id, "large file: wrong password");
            let why = t.get("public.wrong_password").to_string();
            return render(StatusCode::FORBIDDEN, &page(t, &f, now, Some(why)));
        }
        if st.pair.is_some() {
            let store = web.store();
            store
                .login_succeeded(&login, &client, now, true, false)
                .await?;
        }
    }
    send(&web, t, &f, None).await
}

/// Counts the download and streams the blob's file in bounded pieces.
async fn send(web: &Web, t: T, f: &SharedFile, range: Option<&str>) -> Result<Response, WebError> {
    let now = web.now();
    let span = match range.map(|r| byte_range(r, f.size)) {
        None => None,
        Some(Some(span)) => Some(span),
        Some(None) => {
            // RFC 9110 §15.5.17: the range cannot be served.
            let cr = HeaderValue::from_str(&format!("bytes */{}", f.size))
                .unwrap_or_else(|_| HeaderValue::from_static("bytes */0"));
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, cr)],
            )
                .into_response());
        }
    };
    // A download resumed past its first byte is the same download: only
    // one that starts at the beginning is counted. An expired file is
    // refused either way.
    let counted = span.is_none_or(|(a, _)| a == 0);
    if counted && !web.store().shared_file_downloaded(f.id, now).await? {
        return render(StatusCode::GONE, &page(t, f, now, None));
    }
    if !counted && f.expires_at <= now {
        return render(StatusCode::GONE, &page(t, f, now, None));
    }
    let blob = f.blob_id.as_deref().ok_or(WebError::NotFound)?;
    // Streamed in byte ranges of the blob, whatever holds it (files or
    // the database): memory stays at one piece per download.
    // 64 KiB, as the socket takes it (several pieces for most files).
    const PIECE: u64 = 64 * 1024;
    let (first, last) = span.unwrap_or((0, f.size - 1));
    let left = (last - first + 1).max(0) as u64;
    let state = (
        web.store().clone(),
        blob.to_string(),
        first.max(0) as u64,
        left,
    );
    let stream = futures_util::stream::unfold(state, |(store, blob, at, left)| async move {
        if left == 0 {
            return None;
        }
        match store.read_blob_range(&blob, at, PIECE.min(left)).await {
            Ok(buf) if buf.is_empty() => None,
            Ok(buf) => {
                let n = buf.len() as u64;
                Some((
                    Ok::<_, std::io::Error>(buf),
                    (store, blob, at + n, left - n),
                ))
            }
            Err(e) => Some((Err(std::io::Error::other(e)), (store, blob, at, 0))),
        }
    });
    let mut res = (headers_of(f), Body::from_stream(stream)).into_response();
    if let Some((a, b)) = span {
        *res.status_mut() = StatusCode::PARTIAL_CONTENT;
        let h = res.headers_mut();
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(b - a + 1));
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {a}-{b}/{}", f.size)) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(res)
}

/// One `bytes=` range of RFC 9110 §14.1.2 (`a-b`, `a-` or `-n`) within a
/// file of `size` bytes, as first and last offsets; `None` when it cannot
/// be served. Several ranges are not served (a download manager asks for
/// one).
fn byte_range(v: &str, size: i64) -> Option<(i64, i64)> {
    let spec = v.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (first, last) = if a.is_empty() {
        let n: i64 = b.parse().ok()?;
        (size.saturating_sub(n).max(0), size - 1)
    } else {
        let first: i64 = a.parse().ok()?;
        let last = if b.is_empty() {
            size - 1
        } else {
            b.parse::<i64>().ok()?.min(size - 1)
        };
        (first, last)
    };
    (first <= last && first < size).then_some((first, last))
}

/// The download's headers: an attachment, never sniffed, sandboxed.
fn headers_of(f: &SharedFile) -> [(header::HeaderName, HeaderValue); 6] {
    let cd = HeaderValue::from_str(&crate::mail::read::content_disposition(&f.name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let ct = HeaderValue::from_str(&f.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    [
        (header::CONTENT_TYPE, ct),
        (header::CONTENT_DISPOSITION, cd),
        (header::CONTENT_LENGTH, HeaderValue::from(f.size)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(FILE_CSP),
        ),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
    ]
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn byte_ranges_known_answers() {
        assert_eq!(byte_range("bytes=0-99", 1000), Some((0, 99)));
        assert_eq!(byte_range("bytes=500-", 1000), Some((500, 999)));
        assert_eq!(byte_range("bytes=-100", 1000), Some((900, 999)));
        assert_eq!(byte_range("bytes=-5000", 1000), Some((0, 999)));
        assert_eq!(byte_range("bytes=900-5000", 1000), Some((900, 999)));
        for bad in [
            "bytes=1000-",
            "bytes=5-1",
            "bytes=0-1,5-9",
            "items=0-1",
            "bytes=x-",
            "bytes=-0",
            "bytes=-",
        ] {
            assert_eq!(byte_range(bad, 1000), None, "{bad}");
        }
        assert_eq!(byte_range("bytes=0-", 0), None);
    }
}
