//! Drafts and the compose form's files. A draft is an ordinary message in
//! the account's Drafts folder (`\Draft`, visible over IMAP), filed
//! through the gate (`Origin::DraftSave`: R6, R7, header checks). The
//! form names the draft it came from as `mailbox/uid`; that id is only
//! accepted for the account's own Drafts folder.
//!
//! Files: a browser cannot put a chosen file back into a form, so files
//! live in the draft. "Attach" saves the draft with the new files, the
//! page lists them with their size and a "remove" button; sending takes
//! them from the draft. Nothing uploaded is lost to a refusal.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mail_parser::{MessageParser, MimeHeaders};
use vesontio_delivery::{FileError, Filing, Origin, Refused};
use vesontio_store::{ExpungeMode, Mailbox as StoreMailbox};
use vesontio_types::Uid;

use crate::i18n::T;
use crate::mail::compose::special;
use crate::mail::multipart;
use crate::mail::outgoing::{self, Outgoing};
use crate::mail::outgoing::{Draft, Upload};
use crate::session::{Authed, Session};
use crate::{Web, WebError};

/// Files on one message (each counted in R6's size anyway).
pub const MAX_ATTACHMENTS: usize = 50;

/// The account's Drafts folder and the uid of `r` (`mailbox/uid`) when it
/// names a message there.
pub async fn own(web: &Web, s: &Session, r: &str) -> Result<Option<(StoreMailbox, Uid)>, WebError> {
    let Some((m, u)) = r.split_once('/') else {
        return Ok(None);
    };
    let (Ok(m), Ok(u)) = (m.parse::<i64>(), u.parse::<Uid>()) else {
        return Ok(None);
    };
    let Some(drafts) = special(web, s.account.id, "\\Drafts").await? else {
        return Ok(None);
    };
    Ok((drafts.id.0 == m).then_some((drafts, u)))
}

pub async fn delete(web: &Web, s: &Session, r: &str) -> Result<(), WebError> {
    if let Some((m, uid)) = own(web, s, r).await? {
        web.store()
            .expunge(m.id, Some(&[uid]), ExpungeMode::Any)
            .await?;
        vesontio_access::consequences::room_freed(web.store(), web.now()).await;
    }
    Ok(())
}

/// The files of the draft `r` (none if it is not one of the account's).
pub async fn attachments(web: &Web, s: &Session, r: &str) -> Result<Vec<Upload>, WebError> {
    let Some((m, uid)) = own(web, s, r).await? else {
        return Ok(Vec::new());
    };
    let raw = match crate::mail::message(web, &m, uid).await {
        Ok((_, raw)) => raw,
        // Deleted meanwhile (another tab sent it): no files.
        Err(WebError::NotFound) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(|| {
            let Some(msg) = MessageParser::default().parse(&raw) else {
                return Vec::new();
            };
            msg.attachments()
                .take(MAX_ATTACHMENTS)
                .map(|p| {
                    let ct = p.content_type().map(|c| match c.subtype() {
                        Some(st) => format!("{}/{st}", c.ctype()),
                        None => c.ctype().to_string(),
                    });
                    Upload::new(
                        p.attachment_name().unwrap_or(""),
                        ct.as_deref(),
                        p.contents().to_vec(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
    })
    .await
    .unwrap_or_default())
}

/// Files `raw` as a new draft; its `mailbox/uid`, or the gate's refusal.
pub async fn file(
    web: &Web,
    s: &Session,
    raw: Vec<u8>,
    now: i64,
) -> Result<Result<String, Refused>, WebError> {
    let Some(drafts) = special(web, s.account.id, "\\Drafts").await? else {
        return Err(WebError::NotFound);
    };
    let origin = Origin::DraftSave {
        account: Box::new(s.account.clone()),
        mailbox: drafts.id,
    };
    let filing = Filing {
        raw,
        flags: vec!["\\Draft".into(), "\\Seen".into()],
        internal_date: Some(now),
    };
    match web.delivery().file(&origin, vec![filing], now).await {
        Ok(a) => Ok(Ok(a
            .first()
            .map(|a| format!("{}/{}", drafts.id.0, a.uid))
            .unwrap_or_default())),
        Err(FileError::Refused(r)) => Ok(Err(r)),
        Err(FileError::Store(e)) => Err(e.into()),
    }
}

/// The compose form from either encoding: `application/x-www-form-urlencoded`
/// (no file) or `multipart/form-data` (RFC 7578) with its files.
pub fn read_form(headers: &HeaderMap, body: &[u8]) -> Result<(Draft, Vec<Upload>), WebError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(boundary) = multipart::boundary(ct) else {
        let f = serde_urlencoded::from_bytes::<Draft>(body).map_err(|_| WebError::BadRequest)?;
        return Ok((f, Vec::new()));
    };
    let parts = multipart::parse(body, &boundary).ok_or(WebError::BadRequest)?;
    let mut f = Draft::default();
    let mut files = Vec::new();
    for p in parts {
        if p.filename.is_some() {
            let name = p.filename.unwrap_or_default();
            if !name.is_empty() && !p.data.is_empty() && files.len() < MAX_ATTACHMENTS {
                files.push(Upload::new(&name, p.content_type.as_deref(), p.data));
            }
            continue;
        }
        let v = String::from_utf8_lossy(&p.data).into_owned();
        let slot = match p.name.as_str() {
            "csrf" => &mut f.csrf,
            "from" => &mut f.from,
            "to" => &mut f.to,
            "cc" => &mut f.cc,
            "bcc" => &mut f.bcc,
            "subject" => &mut f.subject,
            "body" => &mut f.body,
            "in_reply_to" => &mut f.in_reply_to,
            "references" => &mut f.references,
            "draft" => &mut f.draft,
            "action" => &mut f.action,
            "remove" => &mut f.remove,
            "html" => &mut f.html,
            "links" => &mut f.links,
            _ => continue,
        };
        *slot = v;
    }
    Ok((f, files))
}

#[derive(serde::Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// "Forward as attachment" from the reading page: a new draft with the
/// message attached whole (message/rfc822, RFC 2046 §5.2.1), opened in
/// the compose form. A POST (it files a draft), with the CSRF token.
pub async fn forward_attached(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path((mailbox, uid)): Path<(i64, Uid)>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let m = crate::mail::open(&web, &s.account, mailbox, "r")
        .await?
        .mailbox;
    let (meta, raw) = crate::mail::message(&web, &m, uid).await?;
    let model = crate::mail::read::model_of(&web, &meta.blob_id, &raw).await?;
    let senders = crate::mail::compose::senders(&web, &s).await?;
    let Some(from) = senders.first() else {
        return Err(WebError::BadRequest);
    };
    let subject = crate::mail::reply::prefixed(t.get("compose.fwd_prefix"), &model.subject);
    let stem: String = match model.subject.trim() {
        "" => t.get("compose.forwarded_file").to_string(),
        s => s.replace(['/', '\\'], "-"),
    };
    let eml = Upload {
        name: outgoing::clean(&format!(
            "{}.eml",
            stem.chars().take(80).collect::<String>()
        )),
        content_type: "message/rfc822".into(),
        data: raw,
    };
    let signature = web.store().web_signature(s.account.id).await?;
    let body = if signature.trim().is_empty() {
        String::new()
    } else {
        format!("\n\n-- \n{signature}\n")
    };
    let now = web.now();
    let message_id = outgoing::new_message_id(&web.config().hostname);
    let refs: Vec<String> = model.message_id.iter().cloned().collect();
    let o = Outgoing {
        from,
        to: &[],
        cc: &[],
        bcc: &[],
        subject: &subject,
        body: &body,
        html: None,
        in_reply_to: None,
        references: &refs,
        message_id: &message_id,
        date: now,
        attachments: std::slice::from_ref(&eml),
    };
    match file(&web, &s, outgoing::build(&o, true), now).await? {
        Ok(r) => {
            let (mb, u) = r.split_once('/').unwrap_or_default();
            Ok(Redirect::to(&format!("/compose?mode=draft&mailbox={mb}&uid={u}")).into_response())
        }
        Err(r) => {
            let status = StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
            let f = Draft {
                subject,
                ..Draft::default()
            };
            let msg = crate::mail::compose::refusal_text(&t, &r);
            crate::mail::compose::page(&web, t, &s, status, f, &[], Some(msg), None).await
        }
    }
}
