//! Emptying Trash and Junk (issue 10): a button on those folders' list
//! leads to a confirmation page (a plain form, no JavaScript needed, with
//! the session's CSRF token), whose POST deletes the folder's messages for
//! good through the same door as every deletion of the webmail: the
//! store's expunge, then the access layer's consequences (R17: room freed,
//! deliveries held for quota are retried at once).
//!
//! What is deleted is what the person saw: the confirmation page carries
//! the folder's UIDNEXT (RFC 9051 §2.3.1.1), and only messages below it go.
//! Junk mail arriving between the page and the click stays, to be looked
//! at before it is thrown away.
//!
//! Only the account's own Trash and Junk (RFC 6154 `\Trash`, `\Junk`) can
//! be emptied this way; any other folder, or another account's, is a 404.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use vesontio_access::consequences;
use vesontio_store::{ExpungeMode, Mailbox};
use vesontio_types::Uid;

use crate::i18n::T;
use crate::mail::list::{FolderLink, folder_links};
use crate::mail::{self};
use crate::page::{Chrome, render};
use crate::session::Authed;
use crate::{Web, WebError};

/// Messages expunged per transaction: a Junk folder of 50,000 messages is
/// emptied in steps, none holding the writer long.
const CHUNK: usize = 1000;

/// Which of the two folders `m` is, if either: the catalogue keys of its
/// button, its confirmation heading and its explanation.
pub struct Kind {
    pub button: &'static str,
    pub heading: &'static str,
}

pub fn kind(m: &Mailbox) -> Option<Kind> {
    let uses = m.special_use.as_deref().unwrap_or("");
    let has = |attr: &str| {
        uses.split_whitespace()
            .any(|w| w.eq_ignore_ascii_case(attr))
    };
    if has("\\Trash") {
        Some(Kind {
            button: "empty.trash_button",
            heading: "empty.trash_heading",
        })
    } else if has("\\Junk") {
        Some(Kind {
            button: "empty.junk_button",
            heading: "empty.junk_heading",
        })
    } else {
        None
    }
}

#[derive(Template)]
#[template(path = "mail/empty.html")]
struct ConfirmPage {
    c: Chrome,
    folders: Vec<FolderLink>,
    heading: String,
    total: u32,
    action: String,
    back: String,
    below: Uid,
    csrf: String,
}

/// A Trash or Junk `id` the person may empty (its own, or a functional
/// mailbox's with RFC 4314 `t` and `e`), or NotFound.
async fn emptiable(
    web: &Web,
    s: &crate::session::Session,
    id: i64,
) -> Result<(Mailbox, Kind), WebError> {
    let m = mail::open(web, &s.account, id, "rte").await?.mailbox;
    match kind(&m) {
        Some(k) => Ok((m, k)),
        None => Err(WebError::NotFound),
    }
}

pub async fn confirm(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let (m, k) = emptiable(&web, &s, id).await?;
    let (folders, _) = folder_links(&web, &t, &s.account, id).await?;
    let heading = t.get(k.heading).to_string();
    let c = Chrome::user(&web, t, &s, heading.clone(), "mail").await?;
    render(
        StatusCode::OK,
        &ConfirmPage {
            c,
            folders,
            heading,
            total: m.total,
            action: format!("/mail/{id}/empty"),
            back: format!("/mail/{id}"),
            below: m.uidnext,
            csrf: s.csrf.clone(),
        },
    )
}

#[derive(Deserialize)]
pub struct EmptyForm {
    csrf: String,
    /// The folder's UIDNEXT when the confirmation was shown.
    below: Option<String>,
}

pub async fn empty(
    State(web): State<Web>,
    Authed(s): Authed,
    Path(id): Path<i64>,
    Form(f): Form<EmptyForm>,
) -> Result<Response, WebError> {
    s.check_csrf(&f.csrf)?;
    let below: Uid = f
        .below
        .as_deref()
        .and_then(|b| b.parse().ok())
        .ok_or(WebError::BadRequest)?;
    let (m, _) = emptiable(&web, &s, id).await?;
    let store = web.store();
    let uids: Vec<Uid> = store
        .messages(m.id)
        .await?
        .iter()
        .map(|x| x.uid)
        .filter(|&u| u < below)
        .collect();
    let mut gone = 0usize;
    for chunk in uids.chunks(CHUNK) {
        gone += store
            .expunge(m.id, Some(chunk), ExpungeMode::Any)
            .await?
            .len();
    }
    if gone > 0 {
        // R17: the room is free now; held deliveries need not wait.
        consequences::room_freed(store, web.now()).await;
    }
    tracing::info!(
        account = s.account.id.0,
        mailbox = m.id.0,
        gone,
        "folder emptied"
    );
    Ok(Redirect::to(&format!("/mail/{id}?ok=emptied")).into_response())
}
