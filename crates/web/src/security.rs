//! Headers every response carries, and the HTTP → HTTPS redirect.

use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::WebConfig;

/// The pages' policy: scripts and styles only from our own origin (no
/// inline script or handler anywhere), images ours or `data:`, the only
/// frame is our own message body, nobody may frame us.
pub const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-src 'self'; frame-ancestors 'none'";

/// Sets the security headers a handler did not set itself (the message
/// body frame sets its own CSP and framing rule; assets their caching).
pub async fn headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    let defaults: [(HeaderName, &str); 8] = [
        (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        // RFC 6797 §6.1; browsers ignore it over plain HTTP (§8.1).
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
        // Pages show mail or a session's state: never stored anywhere.
        (header::CACHE_CONTROL, "no-store"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ),
    ];
    for (name, value) in defaults {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    res
}

/// 308 to the same path and query over HTTPS on the configured host.
pub fn redirect_to_https(config: &WebConfig, uri: &Uri) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let host = match config.https_port {
        443 => config.hostname.clone(),
        p => format!("{}:{p}", config.hostname),
    };
    let location = format!("https://{host}{path}");
    match HeaderValue::from_str(&location) {
        Ok(v) => (StatusCode::PERMANENT_REDIRECT, [(header::LOCATION, v)]).into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// Constant-time comparison of two tokens (CSRF), so timing tells
/// nothing about how much of a guess was right.
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
