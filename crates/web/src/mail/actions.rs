//! Actions on messages, from the reading page or on the list's selection
//! (plain forms, no JavaScript needed): mark read or unread, flag or
//! unflag, delete (moved to Trash; deleted for good from Trash), move to
//! another folder. One handler for both screens: the form names the
//! messages as `m<uid>=on` fields (or whole conversations as
//! `t<thread>=on`: their messages in this folder), the action, the target
//! folder and where to go back to.
//!
//! Every id is checked against the session's account: the source folder,
//! the target folder (its own, or a functional mailbox's it is a member
//! of, R2), and the UIDs only ever address the source folder. Each action
//! needs its RFC 4314 rights: `s` for read/unread (a member's own `\Seen`
//! in a functional mailbox), `w` for flags, `t` and `e` to delete or move
//! out, `i` on the target folder.

use std::collections::HashMap;
use vesontio_access::consequences;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use vesontio_store::{ExpungeMode, FlagOp};
use vesontio_types::Uid;

use crate::mail;
use crate::session::Authed;
use crate::{Web, WebError};

/// A selection names at most one page of the list (and a little more).
const MAX_SELECTED: usize = 200;

pub async fn apply(
    State(web): State<Web>,
    Authed(s): Authed,
    Path(mailbox): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, WebError> {
    s.check_csrf(f.get("csrf").map(String::as_str).unwrap_or(""))?;
    let src = mail::open(&web, &s.account, mailbox, "r").await?;
    let m = src.mailbox.clone();
    let mut uids: Vec<Uid> = f
        .keys()
        .filter_map(|k| k.strip_prefix('m')?.parse::<Uid>().ok())
        .take(MAX_SELECTED)
        .collect();
    // A conversation of the list stands for its messages in this folder
    // (the thread is looked up in the folder's owner; other folders
    // untouched).
    let threads: Vec<i64> = f
        .keys()
        .filter_map(|k| k.strip_prefix('t')?.parse::<i64>().ok())
        .filter(|&t| t != 0)
        .take(MAX_SELECTED)
        .collect();
    for t in threads {
        for it in web.store().thread_messages(src.owner(), t).await? {
            if it.meta.mailbox_id == m.id && uids.len() < MAX_SELECTED * 4 {
                uids.push(it.meta.uid);
            }
        }
    }
    uids.sort_unstable();
    uids.dedup();
    let action = f.get("action").map(String::as_str).unwrap_or("");
    // Back to the message after a flag change on the reading page,
    // to the folder otherwise (the message left it).
    let from_read = f.get("from").map(String::as_str) == Some("read");
    let list = format!("/mail/{mailbox}");
    if uids.is_empty() {
        return Ok(Redirect::to(&format!("{list}?ok=none")).into_response());
    }
    let store = web.store();
    let flag = |name: &str| vec![name.to_string()];
    let (ok, stays) = match action {
        "read" | "unread" => {
            mail::check(&src, "s")?;
            mail::set_seen(&web, &src, s.account.id, &uids, action == "read").await?;
            ("marked", action == "read")
        }
        "flag" | "unflag" => {
            mail::check(&src, "w")?;
            let op = if action == "flag" {
                FlagOp::Add
            } else {
                FlagOp::Remove
            };
            store
                .store_flags(m.id, &uids, op, &flag("\\Flagged"), None)
                .await?;
            ("marked", true)
        }
        "delete" => {
            mail::check(&src, "te")?;
            // The folder owner's Trash: a functional mailbox's own (R2).
            let trash = crate::mail::compose::special(&web, src.owner(), "\\Trash").await?;
            match trash {
                Some(t) if t.id != m.id => {
                    let map = store.move_messages(m.id, &uids, t.id).await?;
                    consequences::filed(store, m.id, t.id, &map, true, web.now()).await;
                    ("trashed", false)
                }
                // In Trash itself (or without one): deleted for good.
                _ => {
                    store.expunge(m.id, Some(&uids), ExpungeMode::Any).await?;
                    consequences::room_freed(store, web.now()).await;
                    ("deleted", false)
                }
            }
        }
        "move" => {
            let target = f
                .get("target")
                .and_then(|t| t.parse::<i64>().ok())
                .ok_or(WebError::BadRequest)?;
            mail::check(&src, "te")?;
            let t = mail::open(&web, &s.account, target, "i").await?.mailbox;
            if t.id != m.id {
                let map = store.move_messages(m.id, &uids, t.id).await?;
                // R24: into or out of Junk teaches the filters.
                consequences::filed(store, m.id, t.id, &map, true, web.now()).await;
            }
            ("moved", false)
        }
        _ => return Err(WebError::BadRequest),
    };
    let to = match (from_read && stays, uids.as_slice()) {
        (true, [one]) => format!("/mail/{mailbox}/{one}?ok={ok}"),
        _ => format!("{list}?ok={ok}"),
    };
    Ok(Redirect::to(&to).into_response())
}
