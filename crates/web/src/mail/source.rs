//! The message's source and its printable version.
//!
//! - Source: the stored bytes as they arrived, `text/plain` (or
//!   `message/rfc822` as a download), `nosniff`, inline, under a CSP
//!   `sandbox` with nothing allowed: whatever the bytes say, the browser
//!   shows text and runs nothing.
//! - Print: one document without the webmail's chrome (no navigation,
//!   folders or buttons): the headers, then the text or the sanitised
//!   HTML (`html.rs`, cid: images inline, remote images as on the reading
//!   page), served under the message frame's own policy (no script, no
//!   fetch, sandboxed), so the sender's HTML is as contained here as in
//!   the frame. The browser's Print command prints it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use vesontio_types::Uid;

use crate::i18n::T;
use crate::mail::{self, read};
use crate::session::Authed;
use crate::{Web, WebError};

/// The source view's policy: a sandbox with nothing in it.
pub const SOURCE_CSP: &str = "default-src 'none'; sandbox; frame-ancestors 'none'";

#[derive(Deserialize, Default)]
pub struct SourceQuery {
    download: Option<String>,
}

pub async fn source(
    State(web): State<Web>,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Query(q): Query<SourceQuery>,
) -> Result<Response, WebError> {
    let m = mail::open(&web, &s.account, mailbox, "r").await?.mailbox;
    let (_, raw) = mail::message(&web, &m, uid).await?;
    // RFC 2046 §5.2.1 for the download; text the browser shows otherwise
    // (8-bit parts in another charset show as replacement characters).
    let (ctype, disposition) = if q.download.is_some() {
        ("message/rfc822", "attachment; filename=\"message.eml\"")
    } else {
        (
            "text/plain; charset=utf-8",
            "inline; filename=\"message.txt\"",
        )
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(disposition),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(SOURCE_CSP),
            ),
        ],
        raw,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "mail/print.html")]
struct PrintPage {
    t: T,
    subject: String,
    from: String,
    to: String,
    cc: String,
    date: String,
    private: bool,
    text: Option<String>,
    html: Option<String>,
    attachments: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct PrintQuery {
    images: Option<String>,
}

pub async fn print(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Query(q): Query<PrintQuery>,
) -> Result<Response, WebError> {
    let m = mail::open(&web, &s.account, mailbox, "r").await?.mailbox;
    let (meta, raw) = mail::message(&web, &m, uid).await?;
    let model = read::model_of(&web, &meta.blob_id, &raw).await?;
    let sender = read::trusted_sender(&web, &model, &raw);
    let images =
        q.images.is_some() || read::images_always(&web, s.account.id, sender.as_deref()).await?;
    let (b, html) =
        tokio::task::spawn_blocking(move || (read::bodies(&raw), read::frame_html(&raw, images)))
            .await
            .map_err(|_| WebError::NotFound)?;
    let subject = match model.subject.trim() {
        "" => t.get("list.no_subject").to_string(),
        s => s.to_string(),
    };
    let attachments = b
        .as_ref()
        .map(|b| read::attachment_names(b, &t))
        .unwrap_or_default();
    let page = PrintPage {
        t,
        subject,
        from: read::addresses(&model.envelope.from),
        to: read::addresses(&model.envelope.to),
        cc: read::addresses(&model.envelope.cc),
        date: crate::text::long_date(model.sent_at.unwrap_or(meta.internal_date), &t),
        private: meta.private,
        text: if html.is_some() {
            None
        } else {
            b.and_then(|b| b.text)
        },
        html,
        attachments,
    };
    let csp =
        HeaderValue::from_str(&crate::html::frame_csp(images)).map_err(|_| WebError::BadRequest)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        page.render()?,
    )
        .into_response())
}
