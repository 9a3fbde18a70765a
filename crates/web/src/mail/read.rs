//! Reading a message: headers from the stored model, the text body, the
//! HTML body sanitised into its own sandboxed frame (`html.rs`), the
//! attachments as downloads. Opening marks it read.
//!
//! Bodies and attachments are read with mail-parser inside
//! `catch_unwind` (hostile input can trip its debug assertions): a
//! message that cannot be parsed shows its headers and a note, never a
//! 500. The work is bounded by the message size limit (R6) and the
//! attachment list by [`MAX_ATTACHMENTS`].

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mail_parser::{MessageParser, MimeHeaders};
use serde::Deserialize;
use vesontio_message::mime::Model;
use vesontio_types::Uid;

use crate::i18n::T;
use crate::mail::{self, list::folder_links};
use crate::page::{Chrome, render};
use crate::session::Authed;
use crate::{Web, WebError};

/// Attachments listed on the page; a 5,000-part message lists the first
/// ones and says how many more there are.
pub const MAX_ATTACHMENTS: usize = 200;

pub struct Attachment {
    pub href: String,
    /// The inline preview page, for images, PDF and text.
    pub preview: Option<String>,
    /// A thumbnail for images.
    pub thumb: Option<String>,
    pub name: String,
    pub kind: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "mail/read.html")]
struct ReadPage {
    c: Chrome,
    folders: Vec<crate::mail::list::FolderLink>,
    back: String,
    subject: String,
    from: String,
    to: String,
    cc: String,
    date: String,
    private: bool,
    text: Option<String>,
    frame: Option<String>,
    images_shown: bool,
    images_href: String,
    /// The sender whose images may be always shown (none for a message
    /// the filters warned about, R25: its From may be forged).
    images_sender: Option<String>,
    /// Shown because the person asked for this sender's images.
    auto_images: bool,
    images_sender_url: String,
    source_url: String,
    print_url: String,
    blocked_images: usize,
    /// The switch between the HTML body and its plain-text alternative
    /// (RFC 2046 §5.1.4), when the message has both: link and label key.
    alternative: Option<(String, &'static str)>,
    attachments: Vec<Attachment>,
    more_attachments: usize,
    actions_url: String,
    uid: Uid,
    flagged: bool,
    /// What the rights on the folder allow (RFC 4314).
    can: crate::mail::list::Can,
    targets: Vec<(i64, String)>,
    /// `mailbox=…&uid=…` of this message for the reply and forward links.
    compose_query: String,
    /// In Drafts: the message is a draft, reopened into the form.
    is_draft: bool,
    forward_attached: String,
    report_spam: String,
    /// R25: the filters' warnings, as the catalogue's sentences.
    warnings: Vec<String>,
    /// The sender's domain when it is none of ours.
    external: Option<String>,
    /// The conversation page, when the thread has other messages.
    conversation: Option<(String, usize)>,
    csrf: String,
    unparsable: bool,
}

#[derive(Deserialize, Default)]
pub struct ReadQuery {
    images: Option<String>,
    ok: Option<String>,
    /// Show the plain-text alternative of an HTML message instead.
    text: Option<String>,
}

/// What a page shows of a body, computed without holding the parse.
pub(crate) struct Bodies {
    pub(crate) text: Option<String>,
    pub(crate) html: Option<String>,
    attachments: Vec<(String, String, usize)>,
    attachment_count: usize,
}

pub(crate) fn bodies(raw: &[u8]) -> Option<Bodies> {
    std::panic::catch_unwind(|| {
        let msg = MessageParser::default().parse(raw)?;
        let html = msg
            .html_part(0)
            .filter(|p| p.is_text_html())
            .and_then(|p| p.text_contents())
            .map(str::to_string);
        // The text alternative if there is one; from the HTML otherwise.
        let text = msg.body_text(0).map(|t| t.into_owned());
        let attachments = msg
            .attachments()
            .take(MAX_ATTACHMENTS)
            .map(|p| {
                let kind = p
                    .content_type()
                    .map(|c| match c.subtype() {
                        Some(s) => format!("{}/{s}", c.ctype()),
                        None => c.ctype().to_string(),
                    })
                    .unwrap_or_else(|| "application/octet-stream".into());
                (p.attachment_name().unwrap_or("").to_string(), kind, p.len())
            })
            .collect();
        Some(Bodies {
            text,
            html,
            attachments,
            attachment_count: msg.attachment_count(),
        })
    })
    .ok()
    .flatten()
}

/// The HTML body sanitised for the frame, its `cid:` images (RFC 2392)
/// put in as bounded `data:` URIs (`html::inline_images`).
pub(crate) fn frame_html(raw: &[u8], images: bool) -> Option<String> {
    std::panic::catch_unwind(|| {
        let msg = MessageParser::default().parse(raw)?;
        let html = msg
            .html_part(0)
            .filter(|p| p.is_text_html())
            .and_then(|p| p.text_contents())?;
        let inline = if html.contains("cid:") || html.contains("CID:") {
            crate::html::inline_images(&msg)
        } else {
            Default::default()
        };
        Some(crate::html::sanitise_with(html, images, std::sync::Arc::new(inline)).html)
    })
    .ok()
    .flatten()
}

/// The attachments' names as the page lists them.
pub(crate) fn attachment_names(b: &Bodies, t: &T) -> Vec<String> {
    b.attachments
        .iter()
        .enumerate()
        .map(|(i, (name, _, _))| {
            if name.is_empty() {
                t.fmt("read.unnamed", &(i + 1))
            } else {
                name.clone()
            }
        })
        .collect()
}

/// The From address whose images the person may choose to always see:
/// none when the filters warned about the message (R25: a look-alike or
/// impersonation could borrow a trusted sender's address), nor when our
/// own MX found its DMARC failing (the topmost `Authentication-Results`,
/// RFC 8601, is the one the gate prepends, named by our host).
pub(crate) fn trusted_sender(web: &Web, model: &Model, raw: &[u8]) -> Option<String> {
    let from = model.envelope.from.first()?.email()?.to_lowercase();
    let warned = !crate::mail::warnings::reasons(raw).is_empty();
    (!warned && !dmarc_failed(raw, &web.delivery().config().hostname)).then_some(from)
}

/// Whether the first `Authentication-Results` field of the header is
/// ours (`authserv-id` our host name) and says `dmarc=fail`. A field of
/// someone else's, or none (inbound checks off), says nothing; a forged
/// one naming us can only make us refuse.
fn dmarc_failed(raw: &[u8], authserv: &str) -> bool {
    let head = &raw[..raw.len().min(64 * 1024)];
    let end = memchr::memmem::find(head, b"\r\n\r\n").unwrap_or(head.len());
    let text = String::from_utf8_lossy(&head[..end]);
    // Unfold (RFC 5322 §2.2.3), then the first field of that name.
    let unfolded = text.replace("\r\n ", " ").replace("\r\n\t", " ");
    let Some(value) = unfolded.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("authentication-results")
            .then_some(value)
    }) else {
        return false;
    };
    let value = value.trim().to_ascii_lowercase();
    let ours = value
        .strip_prefix(&authserv.to_ascii_lowercase())
        .is_some_and(|rest| rest.starts_with(';') || rest.starts_with(' '));
    ours && value.contains("dmarc=fail")
}

/// Whether the person asked to always see `sender`'s images (v18).
pub(crate) async fn images_always(
    web: &Web,
    account: vesontio_types::AccountId,
    sender: Option<&str>,
) -> Result<bool, WebError> {
    Ok(match sender {
        Some(a) => web.store().web_images_allowed(account, a).await?,
        None => false,
    })
}

#[derive(Deserialize)]
pub struct ImagesSenderForm {
    #[serde(default)]
    csrf: String,
    /// `always` or `never`.
    #[serde(default)]
    action: String,
}

/// "Always show images for this sender", or its undoing, from the
/// reading page; back to the message, which then shows them (or not).
pub async fn images_sender(
    State(web): State<Web>,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Form(f): Form<ImagesSenderForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let m = mail::open(&web, &s.account, mailbox, "r").await?.mailbox;
    let (meta, raw) = mail::message(&web, &m, uid).await?;
    let model = model_of(&web, &meta.blob_id, &raw).await?;
    let sender = trusted_sender(&web, &model, &raw).ok_or(WebError::BadRequest)?;
    let allowed = match f.action.as_str() {
        "always" => true,
        "never" => false,
        _ => return Err(WebError::BadRequest),
    };
    web.store()
        .set_web_images_allowed(s.account.id, &sender, allowed, web.now())
        .await?;
    let ok = if allowed {
        "images_always"
    } else {
        "images_never"
    };
    Ok(Redirect::to(&format!("/mail/{mailbox}/{uid}?ok={ok}")).into_response())
}

pub(crate) fn addresses(list: &[vesontio_message::mime::Address]) -> String {
    list.iter()
        .filter_map(|a| {
            let email = a.email()?;
            Some(match a.name.as_deref().map(str::trim) {
                Some(n) if !n.is_empty() => format!("{n} <{email}>"),
                _ => email,
            })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The domain of the message's `From:` when it is not one of the
/// installation's (the "external sender" marker). A message without a
/// readable From is not marked: there is no domain to name.
async fn external_domain(web: &Web, model: &Model) -> Result<Option<String>, WebError> {
    let Some(email) = model.envelope.from.first().and_then(|a| a.email()) else {
        return Ok(None);
    };
    let Some((_, domain)) = email.rsplit_once('@') else {
        return Ok(None);
    };
    let domain = domain.trim().to_ascii_lowercase();
    if domain.is_empty() || web.store().is_local_domain(&domain).await? {
        return Ok(None);
    }
    Ok(Some(domain))
}

pub(crate) async fn model_of(web: &Web, blob: &str, raw: &[u8]) -> Result<Model, WebError> {
    let mut stored = web.store().contents(&[blob.to_string()]).await?;
    Ok(match stored.remove(blob) {
        Some(c) => c.model,
        None => Model::of(raw),
    })
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Query(q): Query<ReadQuery>,
) -> Result<Response, WebError> {
    let target = mail::open(&web, &s.account, mailbox, "r").await?;
    let m = target.mailbox.clone();
    let (meta, raw) = mail::message(&web, &m, uid).await?;
    let model = model_of(&web, &meta.blob_id, &raw).await?;
    // Opening marks the message seen when the person may (RFC 4314 `s`);
    // in a functional mailbox for them only (R2).
    if target.may('s') && !mail::is_seen(&web, &target, s.account.id, &meta).await? {
        mail::set_seen(&web, &target, s.account.id, &[uid], true).await?;
    }
    // R13: the folder's owner's mail is being read.
    mail::mark_reading(&web, target.owner()).await?;
    let warnings: Vec<String> = crate::mail::warnings::reasons(&raw)
        .iter()
        .map(|r| r.text(&t))
        .collect();
    let images_sender = trusted_sender(&web, &model, &raw);
    let auto_images = images_always(&web, s.account.id, images_sender.as_deref()).await?;
    let images = q.images.is_some() || auto_images;
    let external = external_domain(&web, &model).await?;
    let b = tokio::task::spawn_blocking(move || bodies(&raw))
        .await
        .ok()
        .flatten();
    let unparsable = b.is_none();
    let b = b.unwrap_or(Bodies {
        text: None,
        html: None,
        attachments: vec![],
        attachment_count: 0,
    });
    let base = format!("/mail/{mailbox}/{uid}");
    // Both versions: the person may read the text one instead.
    let both = b.html.is_some() && b.text.as_deref().is_some_and(|t| !t.trim().is_empty());
    let as_text = both && q.text.is_some();
    let alternative = both.then(|| {
        if as_text {
            (base.clone(), "read.show_html")
        } else {
            (format!("{base}?text=1"), "read.show_text")
        }
    });
    let blocked_images = match &b.html {
        Some(h) if !images && !as_text => crate::html::sanitise(h, false).blocked_images,
        _ => 0,
    };
    let frame = b.html.as_ref().filter(|_| !as_text).map(|_| {
        if images {
            format!("{base}/body?images=1")
        } else {
            format!("{base}/body")
        }
    });
    let subject = match model.subject.trim() {
        "" => t.get("list.no_subject").to_string(),
        s => s.to_string(),
    };
    let attachments = b
        .attachments
        .iter()
        .enumerate()
        .map(|(i, (name, kind, size))| Attachment {
            href: format!("{base}/part/{i}"),
            preview: crate::mail::preview::previewable(kind).then(|| format!("{base}/preview/{i}")),
            thumb: (crate::mail::preview::kind_of(kind) == Some(crate::mail::preview::Kind::Image))
                .then(|| format!("{base}/view/{i}")),
            name: if name.is_empty() {
                t.fmt("read.unnamed", &(i + 1))
            } else {
                name.clone()
            },
            kind: kind.clone(),
            size: crate::text::size(*size as i64, &t),
        })
        .collect();
    let (folders, _) = folder_links(&web, &t, &s.account, m.id.0).await?;
    let mut c = Chrome::user(&web, t, &s, subject.clone(), "mail").await?;
    c.notice = mail::action_notice(&t, q.ok.as_deref());
    let can = crate::mail::list::Can::of(&target);
    let targets = match can.delete {
        true => mail::move_targets(&web, &t, &s.account, m.id).await?,
        false => Vec::new(),
    };
    let is_draft = m.special_use.as_deref().is_some_and(|u| {
        u.split_whitespace()
            .any(|w| w.eq_ignore_ascii_case("\\Drafts"))
    });
    let flagged = meta
        .flags
        .iter()
        .any(|f| f.eq_ignore_ascii_case("\\Flagged"));
    let conversation = match meta.thread_id {
        0 => None,
        th => match web.store().thread_messages(target.owner(), th).await?.len() {
            n if n > 1 => Some((format!("/mail/{mailbox}/thread/{th}"), n)),
            _ => None,
        },
    };
    render(
        StatusCode::OK,
        &ReadPage {
            c,
            folders,
            back: format!("/mail/{mailbox}"),
            subject,
            from: addresses(&model.envelope.from),
            to: addresses(&model.envelope.to),
            cc: addresses(&model.envelope.cc),
            date: crate::text::long_date(model.sent_at.unwrap_or(meta.internal_date), &t),
            private: meta.private,
            // With an HTML body the frame shows it; the text is the
            // fallback for messages without one.
            text: if b.html.is_some() && !as_text {
                None
            } else {
                b.text
            },
            frame,
            images_shown: images,
            images_href: format!("{base}?images=1"),
            images_sender,
            auto_images,
            images_sender_url: format!("{base}/images-sender"),
            source_url: format!("{base}/source"),
            print_url: format!("{base}/print"),
            blocked_images,
            alternative,
            more_attachments: b.attachment_count.saturating_sub(MAX_ATTACHMENTS),
            attachments,
            actions_url: format!("/mail/{mailbox}/actions"),
            uid,
            flagged,
            targets,
            can,
            compose_query: format!("mailbox={mailbox}&uid={uid}"),
            is_draft,
            forward_attached: format!("{base}/forward-attached"),
            report_spam: format!("{base}/report-spam"),
            warnings,
            external,
            conversation,
            csrf: s.csrf.clone(),
            unparsable,
        },
    )
}

#[derive(Template)]
#[template(path = "mail/frame.html")]
struct Frame {
    html: String,
}

/// The sanitised HTML body, for the sandboxed iframe only: its own CSP
/// (no script, no remote fetch unless images were asked for), framable by
/// our own pages only.
pub async fn body(
    State(web): State<Web>,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Query(q): Query<ReadQuery>,
) -> Result<Response, WebError> {
    let m = mail::open(&web, &s.account, mailbox, "r").await?.mailbox;
    let (meta, raw) = mail::message(&web, &m, uid).await?;
    let model = model_of(&web, &meta.blob_id, &raw).await?;
    let sender = trusted_sender(&web, &model, &raw);
    let images = q.images.is_some() || images_always(&web, s.account.id, sender.as_deref()).await?;
    let html = tokio::task::spawn_blocking(move || frame_html(&raw, images))
        .await
        .ok()
        .flatten()
        .ok_or(WebError::NotFound)?;
    let body = Frame { html }.render()?;
    let csp =
        HeaderValue::from_str(&crate::html::frame_csp(images)).map_err(|_| WebError::BadRequest)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, csp),
            (
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            ),
        ],
        body,
    )
        .into_response())
}

/// RFC 6266 §4.3 / RFC 8187: an ASCII fallback and the UTF-8 name.
pub(crate) fn content_disposition(name: &str) -> String {
    disposition("attachment", name)
}

/// `kind` is `attachment` or `inline` (RFC 6266 §4.2).
pub(crate) fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut enc = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
            enc.push(b as char);
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    let ascii = if ascii.trim().is_empty() {
        "attachment".to_string()
    } else {
        ascii
    };
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{enc}")
}

/// An attachment, always as a download of opaque bytes: the browser
/// never renders mail content from our origin.
pub async fn part(
    State(web): State<Web>,
    Authed(s): Authed,
    Path((mailbox, uid, part)): Path<(i64, Uid, u32)>,
) -> Result<Response, WebError> {
    let m = mail::open(&web, &s.account, mailbox, "r").await?.mailbox;
    let (_, raw) = mail::message(&web, &m, uid).await?;
    let found = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(|| {
            let msg = MessageParser::default().parse(&raw)?;
            let p = msg.attachment(part)?;
            Some((
                p.attachment_name().unwrap_or("attachment").to_string(),
                p.contents().to_vec(),
            ))
        })
        .ok()
        .flatten()
    })
    .await
    .ok()
    .flatten()
    .ok_or(WebError::NotFound)?;
    let (name, bytes) = found;
    let cd = HeaderValue::from_str(&content_disposition(&name))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CONTENT_DISPOSITION, cd),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn mark_unread(
    State(web): State<Web>,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let target = mail::open(&web, &s.account, mailbox, "s").await?;
    mail::message(&web, &target.mailbox, uid).await?;
    mail::set_seen(&web, &target, s.account.id, &[uid], false).await?;
    Ok(Redirect::to(&format!("/mail/{mailbox}")).into_response())
}
