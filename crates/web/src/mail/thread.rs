//! A conversation: every message of one thread of the account, oldest
//! first, whatever its folder (the person's replies in Sent included), as
//! the store threads them (`Store::thread_messages`: RFC 5256-style
//! references and base subject, decided at delivery). Each message shows
//! its sender, date, folder and text, with a link to its own reading page
//! (HTML frame, attachments, actions) and a reply link. Opening the
//! conversation marks its messages read, as opening a message does.
//!
//! Bounded work: at most [`MAX_SHOWN`] messages (the newest; the page says
//! how many older ones it leaves out), each text cut at [`TEXT_MAX`]
//! characters, each body parsed inside `catch_unwind` like the reading
//! page's.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use vesontio_types::MailboxId;

use crate::i18n::T;
use crate::mail::list::{FolderLink, folder_links, folder_name};
use crate::page::{Chrome, render};
use crate::session::Authed;
use crate::{Web, WebError};

/// Messages of one conversation shown on its page.
pub const MAX_SHOWN: usize = 50;
/// Characters of one message's text shown in the conversation.
pub const TEXT_MAX: usize = 20_000;

pub struct Entry {
    pub href: String,
    pub reply: String,
    pub from: String,
    pub to: String,
    pub date: String,
    pub folder: String,
    pub text: String,
    /// The text was cut at [`TEXT_MAX`].
    pub cut: bool,
    pub unread: bool,
    pub private: bool,
    pub attachment: bool,
    pub unparsable: bool,
}

#[derive(Template)]
#[template(path = "mail/thread.html")]
struct ThreadPage {
    c: Chrome,
    folders: Vec<FolderLink>,
    back: String,
    subject: String,
    count: usize,
    older: usize,
    entries: Vec<Entry>,
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path((mailbox, thread)): Path<(i64, i64)>,
) -> Result<Response, WebError> {
    let target = crate::mail::open(&web, &s.account, mailbox, "r").await?;
    let m = target.mailbox.clone();
    // Thread 0 means "not threaded yet"; it is no conversation.
    if thread == 0 {
        return Err(WebError::NotFound);
    }
    // The conversation is the folder's owner's (a functional mailbox's
    // for its folders, R2): shown from the folders the person may read.
    let (folders, all) = folder_links(&web, &t, &s.account, m.id.0).await?;
    let readable: HashMap<MailboxId, &crate::mail::Folder> = all
        .iter()
        .filter(|f| f.mailbox.account_id == target.owner() && f.may('r'))
        .map(|f| (f.mailbox.id, f))
        .collect();
    let items: Vec<_> = web
        .store()
        .thread_messages(target.owner(), thread)
        .await?
        .into_iter()
        .filter(|it| readable.contains_key(&it.meta.mailbox_id))
        .collect();
    if items.is_empty() {
        return Err(WebError::NotFound);
    }
    let count = items.len();
    let older = count.saturating_sub(MAX_SHOWN);
    let names: HashMap<MailboxId, String> = all
        .iter()
        .map(|f| (f.mailbox.id, folder_name(&t, f)))
        .collect();
    let subject = match items[0].model.subject.trim() {
        "" => t.get("list.no_subject").to_string(),
        s => s.to_string(),
    };
    let mut entries = Vec::with_capacity(count - older);
    let mut unseen: HashMap<MailboxId, Vec<u32>> = HashMap::new();
    // R2: a member's own `\Seen` in a functional mailbox's folders.
    let mut seen_sets = HashMap::new();
    for f in readable.values().filter(|f| f.group.is_some()) {
        let set =
            vesontio_access::seen::seen_set(web.store(), &crate::mail::target(f), s.account.id)
                .await?
                .unwrap_or_default();
        seen_sets.insert(f.mailbox.id, set);
    }
    for it in &items[older..] {
        let meta = &it.meta;
        let raw = match web.store().read_blob_sized(&meta.blob_id, meta.size).await {
            Ok(r) => r,
            Err(vesontio_store::StoreError::NotFound(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let text = tokio::task::spawn_blocking(move || {
            crate::mail::read::bodies(&raw).map(|b| b.text.unwrap_or_default())
        })
        .await
        .ok()
        .flatten();
        let unparsable = text.is_none();
        let text = text.unwrap_or_default();
        let cut = text.chars().count() > TEXT_MAX;
        let text: String = text.chars().take(TEXT_MAX).collect();
        let seen = match seen_sets.get(&meta.mailbox_id) {
            Some(set) => set.contains(&meta.uid),
            None => meta.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen")),
        };
        if !seen {
            unseen.entry(meta.mailbox_id).or_default().push(meta.uid);
        }
        let from = it.model.from_display();
        entries.push(Entry {
            href: format!("/mail/{}/{}", meta.mailbox_id.0, meta.uid),
            reply: format!(
                "/compose?mode=reply&mailbox={}&uid={}",
                meta.mailbox_id.0, meta.uid
            ),
            from: if from.is_empty() {
                t.get("list.no_sender").to_string()
            } else {
                from
            },
            to: it
                .model
                .envelope
                .to
                .iter()
                .filter_map(|a| a.email())
                .collect::<Vec<_>>()
                .join(", "),
            date: crate::text::long_date(it.model.sent_at.unwrap_or(meta.internal_date), &t),
            folder: names.get(&meta.mailbox_id).cloned().unwrap_or_default(),
            text,
            cut,
            unread: !seen,
            private: meta.private,
            attachment: it.model.has_attachment,
            unparsable,
        });
    }
    let mut marked = false;
    for (mb, uids) in &unseen {
        // Marked seen where the person may (RFC 4314 `s`).
        if let Some(f) = readable.get(mb).filter(|f| f.may('s')) {
            crate::mail::set_seen(&web, &crate::mail::target(f), s.account.id, uids, true).await?;
            marked = true;
        }
    }
    if marked {
        crate::mail::mark_reading(&web, target.owner()).await?;
    }
    let c = Chrome::user(&web, t, &s, subject.clone(), "mail").await?;
    render(
        StatusCode::OK,
        &ThreadPage {
            c,
            folders,
            back: format!("/mail/{}", m.id.0),
            subject,
            count,
            older,
            entries,
        },
    )
}
