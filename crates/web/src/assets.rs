//! The webmail's static files, embedded in the binary and served under a
//! name carrying the hash of their content (`style.3f2a…css`), so they can
//! be cached for a year and a new release is fetched at once.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::WebError;

struct Asset {
    /// The name templates ask for.
    name: &'static str,
    /// The name it is served under (hash included).
    served: String,
    body: &'static [u8],
    content_type: &'static str,
}

const FILES: &[(&str, &[u8], &str)] = &[
    (
        "style.css",
        include_bytes!("../assets/style.css"),
        "text/css; charset=utf-8",
    ),
    (
        "strength.js",
        include_bytes!("../assets/strength.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "autosave.js",
        include_bytes!("../assets/autosave.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "upload.js",
        include_bytes!("../assets/upload.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "rich.js",
        include_bytes!("../assets/rich.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "complete.js",
        include_bytes!("../assets/complete.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "live.js",
        include_bytes!("../assets/live.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "keys.js",
        include_bytes!("../assets/keys.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "drag.js",
        include_bytes!("../assets/drag.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "files.js",
        include_bytes!("../assets/files.js"),
        "text/javascript; charset=utf-8",
    ),
    (
        "files.css",
        include_bytes!("../assets/files.css"),
        "text/css; charset=utf-8",
    ),
    (
        "logo.svg",
        include_bytes!("../assets/logo.svg"),
        "image/svg+xml",
    ),
];

static ASSETS: LazyLock<Vec<Asset>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|(name, body, content_type)| {
            let hash = hex::encode(&Sha256::digest(body)[..6]);
            let served = match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{name}.{hash}"),
            };
            Asset {
                name,
                served,
                body,
                content_type,
            }
        })
        .collect()
});

/// The URL of an embedded asset, e.g. `/assets/style.3f2a9c01d4e5.css`.
pub fn url(name: &str) -> String {
    ASSETS
        .iter()
        .find(|a| a.name == name)
        .map(|a| format!("/assets/{}", a.served))
        .unwrap_or_default()
}

pub async fn serve(Path(name): Path<String>) -> Result<Response, WebError> {
    let a = ASSETS
        .iter()
        .find(|a| a.served == name)
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(a.content_type),
            ),
            // The name changes with the content: cache it for good.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        a.body,
    )
        .into_response())
}
