//! Inline previews of attachments (issue 10): images, PDF and text, each
//! on a page of its own, with the file still downloadable as opaque
//! bytes (`read::part`).
//!
//! What decides a preview is the declared type *and* the bytes: an image
//! is served with its own type only if its first bytes are a PNG, JPEG,
//! GIF or WebP (`html::image_type`; never SVG), a PDF only if it starts
//! with `%PDF-`; text of any `text/*` type is decoded by mail-parser and
//! served as `text/plain; charset=utf-8`, so an HTML attachment shows as
//! its source. Every response is `nosniff` and `inline`; images and
//! text under a CSP sandbox with nothing else allowed. A PDF cannot be
//! sandboxed (browsers refuse to show PDFs in a sandbox): its policy
//! allows no script, no fetch, and framing by our pages only.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mail_parser::{MessageParser, MimeHeaders};
use vesontio_types::Uid;

use crate::i18n::T;
use crate::mail::{self, list::folder_links};
use crate::page::{Chrome, render};
use crate::session::Authed;
use crate::{Web, WebError};

/// Text previews stop after this many characters (the download has it all).
pub const MAX_TEXT_PREVIEW: usize = 200_000;

const IMAGE_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; \
     sandbox; frame-ancestors 'self'";
const TEXT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox; \
     frame-ancestors 'self'";
const PDF_CSP: &str = "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; \
     img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Image,
    Pdf,
    Text,
}

/// The preview a declared type may get (the bytes are checked when
/// served).
pub fn kind_of(declared: &str) -> Option<Kind> {
    let d = declared.to_ascii_lowercase();
    match d.as_str() {
        "image/png" | "image/jpeg" | "image/jpg" | "image/pjpeg" | "image/gif" | "image/webp" => {
            Some(Kind::Image)
        }
        "application/pdf" => Some(Kind::Pdf),
        _ if d.starts_with("text/") => Some(Kind::Text),
        _ => None,
    }
}

pub fn previewable(declared: &str) -> bool {
    kind_of(declared).is_some()
}

/// What a preview serves: the kind, the type sent, the bytes, the name.
struct Found {
    kind: Kind,
    ctype: &'static str,
    bytes: Vec<u8>,
    name: String,
}

/// Attachment `part` of `raw`, if it can be previewed.
fn find(raw: &[u8], part: u32) -> Option<Found> {
    std::panic::catch_unwind(|| {
        let msg = MessageParser::default().parse(raw)?;
        let p = msg.attachment(part)?;
        let declared = p
            .content_type()
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_default();
        let name = p.attachment_name().unwrap_or("").to_string();
        let (kind, ctype, bytes) = match kind_of(&declared)? {
            Kind::Image => {
                let t = crate::html::image_type(p.contents())?;
                (Kind::Image, t, p.contents().to_vec())
            }
            Kind::Pdf if p.contents().starts_with(b"%PDF-") => {
                (Kind::Pdf, "application/pdf", p.contents().to_vec())
            }
            Kind::Pdf => return None,
            Kind::Text => {
                let text = match p.text_contents() {
                    Some(t) => t.to_string(),
                    None => String::from_utf8_lossy(p.contents()).into_owned(),
                };
                (Kind::Text, "text/plain; charset=utf-8", text.into_bytes())
            }
        };
        Some(Found {
            kind,
            ctype,
            bytes,
            name,
        })
    })
    .ok()
    .flatten()
}

async fn found(
    web: &Web,
    account: &vesontio_store::Account,
    mailbox: i64,
    uid: Uid,
    part: u32,
) -> Result<Found, WebError> {
    let m = mail::open(web, account, mailbox, "r").await?.mailbox;
    let (_, raw) = mail::message(web, &m, uid).await?;
    tokio::task::spawn_blocking(move || find(&raw, part))
        .await
        .ok()
        .flatten()
        .ok_or(WebError::NotFound)
}

/// The attachment itself, inline, for `<img>`, the PDF frame, or a tab.
pub async fn view(
    State(web): State<Web>,
    Authed(s): Authed,
    Path((mailbox, uid, part)): Path<(i64, Uid, u32)>,
) -> Result<Response, WebError> {
    let f = found(&web, &s.account, mailbox, uid, part).await?;
    let csp = match f.kind {
        Kind::Image => IMAGE_CSP,
        Kind::Pdf => PDF_CSP,
        Kind::Text => TEXT_CSP,
    };
    let cd = HeaderValue::from_str(&crate::mail::read::disposition("inline", &f.name))
        .unwrap_or_else(|_| HeaderValue::from_static("inline"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(f.ctype)),
            (header::CONTENT_DISPOSITION, cd),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(csp),
            ),
            (
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            ),
        ],
        f.bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "mail/preview.html")]
struct PreviewPage {
    c: Chrome,
    folders: Vec<crate::mail::list::FolderLink>,
    back: String,
    name: String,
    download: String,
    view: String,
    kind: &'static str,
    text: String,
    truncated: bool,
    max_text: usize,
}

/// A page showing the attachment: the image, the text (escaped, at most
/// [`MAX_TEXT_PREVIEW`] characters) or the PDF in a frame.
pub async fn page(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path((mailbox, uid, part)): Path<(i64, Uid, u32)>,
) -> Result<Response, WebError> {
    let f = found(&web, &s.account, mailbox, uid, part).await?;
    let name = if f.name.is_empty() {
        t.fmt("read.unnamed", &(part + 1))
    } else {
        f.name.clone()
    };
    let (text, truncated) = match f.kind {
        Kind::Text => {
            let all = String::from_utf8_lossy(&f.bytes);
            let cut: String = all.chars().take(MAX_TEXT_PREVIEW).collect();
            let truncated = cut.len() < all.len();
            (cut, truncated)
        }
        _ => (String::new(), false),
    };
    let base = format!("/mail/{mailbox}/{uid}");
    let m = mail::open(&web, &s.account, mailbox, "r").await?.mailbox;
    let (folders, _) = folder_links(&web, &t, &s.account, m.id.0).await?;
    let c = Chrome::user(&web, t, &s, name.clone(), "mail").await?;
    render(
        StatusCode::OK,
        &PreviewPage {
            c,
            folders,
            back: base.clone(),
            name,
            download: format!("{base}/part/{part}"),
            view: format!("{base}/view/{part}"),
            kind: match f.kind {
                Kind::Image => "image",
                Kind::Pdf => "pdf",
                Kind::Text => "text",
            },
            text,
            truncated,
            max_text: MAX_TEXT_PREVIEW,
        },
    )
}
