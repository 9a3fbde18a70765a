//! The frame of every page (`templates/base.html`): language, title,
//! header with the person's name, navigation, quota gauge (R16, on every
//! page) and logout, and the one place responses are rendered.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::Web;
use crate::error::WebError;
use crate::i18n::{Lang, T};
use crate::session::Session;

/// What a logged-in page shows in its header.
pub struct UserBar {
    pub address: String,
    pub name: String,
    pub csrf: String,
    /// Only the password change is reachable (R26 first login).
    pub limited: bool,
    pub quota_percent: i64,
    pub quota_text: String,
    /// R16: at or over the warning threshold.
    pub quota_warn: bool,
    /// R21: the large-file service is offered (its link in the nav).
    pub files: bool,
}

pub struct Chrome {
    pub t: T,
    pub title: String,
    pub css: String,
    pub logo: String,
    pub user: Option<UserBar>,
    /// A status message (`role="status"`, announced by screen readers).
    pub notice: Option<String>,
    /// Which navigation entry is the current page.
    pub current: &'static str,
}

impl Chrome {
    pub fn anonymous(t: T, title_key: &str) -> Chrome {
        Chrome {
            t,
            title: t.get(title_key).to_string(),
            css: crate::assets::url("style.css"),
            logo: crate::assets::url("logo.svg"),
            user: None,
            notice: None,
            current: "",
        }
    }

    pub async fn user(
        web: &Web,
        t: T,
        s: &Session,
        title: String,
        current: &'static str,
    ) -> Result<Chrome, WebError> {
        let q = crate::mail::quota(web, s.account.id).await?;
        let percent = if q.limit > 0 {
            (q.used.saturating_mul(100) / q.limit).clamp(0, 100)
        } else {
            0
        };
        let quota_text = t
            .get("quota.gauge")
            .replace("{used}", &crate::text::size(q.used, &t))
            .replace("{limit}", &crate::text::size(q.limit, &t))
            .replace("{pct}", &percent.to_string());
        Ok(Chrome {
            user: Some(UserBar {
                address: s.account.address.clone(),
                name: if s.account.display_name.is_empty() {
                    s.account.address.clone()
                } else {
                    s.account.display_name.clone()
                },
                csrf: s.csrf.clone(),
                limited: s.row.must_change_password || s.account.must_change_password,
                quota_percent: percent,
                quota_text,
                quota_warn: percent >= i64::from(web.config().quota_warning_percent),
                files: web.config().large_files.enabled,
            }),
            current,
            ..Chrome::anonymous(t, "app.name")
        }
        .titled(title))
    }

    pub fn titled(mut self, title: String) -> Chrome {
        self.title = title;
        self
    }
}

/// Renders a page as `text/html` with `status`.
pub fn render(status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
    let body = page.render()?;
    Ok((
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        body,
    )
        .into_response())
}

/// A JSON answer (the scripts' endpoints). Caching and the other security
/// headers come from `security::headers`, as for every page.
pub fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The request asks for JSON (`Accept: application/json`): the scripts'
/// requests, never a browser's own form submission.
pub fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: Chrome,
    message: &'static str,
    message_en: &'static str,
}

/// An error page, in French with the English text under it (an error
/// response has no request at hand to choose the language from).
pub fn error_page(status: StatusCode, key: &str) -> Response {
    let t = T::new(Lang::Fr);
    let page = ErrorPage {
        c: Chrome::anonymous(t, "error.title"),
        message: t.get(key),
        message_en: T::new(Lang::En).get(key),
    };
    match render(status, &page) {
        Ok(r) => r,
        Err(_) => status.into_response(),
    }
}

pub async fn not_found() -> Response {
    error_page(StatusCode::NOT_FOUND, "error.not_found")
}
