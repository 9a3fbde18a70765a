//! The folder tree and the message list: 50 a page, keyset-paged (the
//! next page starts after the last row's sort key, so mail arriving
//! meanwhile shifts nothing), sorted by date, sender, subject or size.
//!
//! By default the list shows conversations (`Store::list_threads`: one
//! row per thread, its newest message in the folder, the folder's count
//! and unread count), newest activity first; `?view=list` shows the
//! messages one by one. Conversations are ordered by date only, so a sort
//! by sender, subject or size shows the plain list.
//!
//! The switch between the two views (`?set_view=`) is remembered for the
//! person in a cookie of their own (`__Host-vesontio-view-<account>`, so
//! someone else on the same computer keeps their own choice); the
//! `view` of a sort form or a page link applies to that page only.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Redirect, Response};
use serde::Deserialize;
use vesontio_store::{Cursor, FindCursor, ListItem, Mailbox, SortBy, ThreadRow};

use crate::i18n::T;
use crate::mail::{self, Folder};
use crate::page::{Chrome, render};
use crate::session::Authed;
use crate::{Web, WebError};

pub const PAGE_SIZE: usize = 50;

pub struct FolderLink {
    /// The mailbox id: live updates and drops onto the tree find it.
    pub id: i64,
    pub href: String,
    pub name: String,
    pub unseen: u32,
    pub unseen_label: String,
    pub current: bool,
    /// The first folder of a functional mailbox (R2) starts its group
    /// under a heading: the mailbox's name and address.
    pub heading: Option<(String, String)>,
    /// The heading's id (`shared-<account>`), naming its list.
    pub heading_id: String,
}

pub struct Row {
    /// The selection checkbox's name: `m<uid>` for a message, `t<thread>`
    /// for a conversation (the actions take all its messages here).
    pub select: String,
    /// Messages of the row's conversation in this folder (1 for a message).
    pub count: i64,
    /// The row's message (a conversation's newest here): what reply,
    /// reply all and forward start from.
    pub mailbox: i64,
    pub uid: u32,
    pub href: String,
    pub from: String,
    pub subject: String,
    pub preview: String,
    pub date: String,
    pub size: String,
    pub seen: bool,
    pub attachment: bool,
    pub private: bool,
    pub flagged: bool,
}

impl Row {
    /// A list row of a message (the folder list's and the search's).
    pub fn of(it: &ListItem, t: &T, now: i64) -> Row {
        let model = &it.model;
        let date = model.sent_at.unwrap_or(it.meta.internal_date);
        let has = |f: &str| it.meta.flags.iter().any(|x| x.eq_ignore_ascii_case(f));
        Row {
            select: format!("m{}", it.meta.uid),
            count: 1,
            mailbox: it.meta.mailbox_id.0,
            uid: it.meta.uid,
            href: format!("/mail/{}/{}", it.meta.mailbox_id.0, it.meta.uid),
            from: match model.from_display() {
                f if f.is_empty() => t.get("list.no_sender").to_string(),
                f => f,
            },
            subject: match model.subject.trim() {
                "" => t.get("list.no_subject").to_string(),
                s => s.to_string(),
            },
            preview: model.preview.chars().take(140).collect(),
            date: crate::text::short_date(date, now, t.lang),
            size: crate::text::size(it.meta.size, t),
            seen: has("\\Seen"),
            attachment: model.has_attachment,
            private: it.meta.private,
            flagged: has("\\Flagged"),
        }
    }

    /// A conversation's row: its newest message here, unread if any of
    /// its messages here is, opening the conversation page when it holds
    /// more than one message (thread 0 is "not threaded yet": a message).
    pub fn of_thread(th: &ThreadRow, t: &T, now: i64) -> Row {
        let mut r = Row::of(&th.latest, t, now);
        if th.thread_id != 0 && th.count > 1 {
            r.count = th.count;
            r.seen = th.unseen == 0;
            r.select = format!("t{}", th.thread_id);
            r.href = format!(
                "/mail/{}/thread/{}",
                th.latest.meta.mailbox_id.0, th.thread_id
            );
        }
        r
    }
}

/// The message actions the person's rights on a folder allow (RFC 4314),
/// so a page offers only those (the handlers check them anyway).
pub struct Can {
    /// `s`: mark read or unread.
    pub seen: bool,
    /// `w`: flag or unflag.
    pub flags: bool,
    /// `t` and `e`: delete, move out.
    pub delete: bool,
}

impl Can {
    pub fn of(t: &vesontio_access::Target) -> Can {
        Can {
            seen: t.may('s'),
            flags: t.may('w'),
            delete: t.may('t') && t.may('e'),
        }
    }
}

pub struct SortOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "mail/list.html")]
struct ListPage {
    c: Chrome,
    folders: Vec<FolderLink>,
    folder_name: String,
    mailbox_id: i64,
    total: u32,
    rows: Vec<Row>,
    sorts: Vec<SortOption>,
    ascending: bool,
    next: Option<String>,
    first: Option<String>,
    csrf: String,
    targets: Vec<(i64, String)>,
    can: Can,
    /// `threads` or `list`, carried by the sort form.
    view: &'static str,
    threads: bool,
    /// The link to the other view.
    switch_href: String,
    /// Trash and Junk with messages: the link to empty them and its text.
    empty_link: Option<(String, &'static str)>,
    /// The change state the page was rendered at (live updates start
    /// from it; `changes::LiveState`).
    state: String,
    /// The page's modules (live updates, shortcuts, drag and drop).
    scripts: Vec<String>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    sort: Option<String>,
    order: Option<String>,
    after: Option<String>,
    ok: Option<String>,
    /// `list` for messages one by one; conversations otherwise.
    view: Option<String>,
    /// The view switch: `list` or `threads`, remembered for the person.
    set_view: Option<String>,
}

/// The cookie remembering `account`'s choice of view.
fn view_cookie(account: vesontio_types::AccountId) -> String {
    format!("__Host-vesontio-view-{}", account.0)
}

/// Which view the person asked for: this page's, else the switch's (to
/// remember), else the remembered one; `None` for the default.
fn asked_view<'a>(q: &'a ListQuery, headers: &'a HeaderMap, cookie: &str) -> Option<&'a str> {
    let valid = |v: &&str| matches!(*v, "list" | "threads");
    q.view
        .as_deref()
        .filter(valid)
        .or(q.set_view.as_deref().filter(valid))
        .or(crate::i18n::cookie(headers, cookie).filter(valid))
}

pub async fn home() -> Redirect {
    Redirect::to("/mail")
}

pub fn folder_name(t: &T, f: &Folder) -> String {
    match f.key {
        Some(k) => t.get(k).to_string(),
        None => f.mailbox.name.clone(),
    }
}

/// The name with its functional mailbox (R2) before it, where the tree's
/// heading is not there to say it (titles, the move menu).
pub fn full_name(t: &T, f: &Folder) -> String {
    match &f.group {
        Some(g) => format!("{} ({}) / {}", g.name, g.address, folder_name(t, f)),
        None => folder_name(t, f),
    }
}

pub async fn folder_links(
    web: &Web,
    t: &T,
    account: &vesontio_store::Account,
    current: i64,
) -> Result<(Vec<FolderLink>, Vec<Folder>), WebError> {
    let folders = mail::folders(web, account).await?;
    let mut last_group = None;
    let links = folders
        .iter()
        .map(|f| {
            let group = f.group.as_ref().map(|g| g.id);
            let heading = match (&f.group, group != last_group) {
                (Some(g), true) => Some((g.name.clone(), g.address.clone())),
                _ => None,
            };
            last_group = group;
            FolderLink {
                id: f.mailbox.id.0,
                href: format!("/mail/{}", f.mailbox.id.0),
                name: folder_name(t, f),
                unseen: f.unseen,
                unseen_label: t.fmt("list.unread_count", &f.unseen),
                current: f.mailbox.id.0 == current,
                heading,
                heading_id: group.map(|g| format!("shared-{}", g.0)).unwrap_or_default(),
            }
        })
        .collect();
    Ok((links, folders))
}

pub async fn inbox(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let m = mail::inbox(&web, s.account.id).await?;
    let target = mail::open(&web, &s.account, m.id.0, "r").await?;
    render_list(&web, t, &s, target, q, &headers).await
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let target = mail::open(&web, &s.account, id, "r").await?;
    render_list(&web, t, &s, target, q, &headers).await
}

fn sort_of(s: Option<&str>) -> (SortBy, &'static str) {
    match s {
        Some("from") => (SortBy::From, "from"),
        Some("subject") => (SortBy::Subject, "subject"),
        Some("size") => (SortBy::Size, "size"),
        _ => (SortBy::Received, "date"),
    }
}

/// R2: a functional mailbox's conversations as the member sees them, read
/// or not by their own `\Seen` (the store's counts are the stored flag's):
/// one query for the page's threads' UIDs, one for the member's seen set.
async fn member_seen(
    web: &Web,
    target: &vesontio_access::Target,
    reader: vesontio_types::AccountId,
    threads: &[ThreadRow],
    rows: &mut [Row],
) -> Result<(), WebError> {
    let Some(seen) = vesontio_access::seen::seen_set(web.store(), target, reader).await? else {
        return Ok(());
    };
    let grouped: Vec<i64> = threads
        .iter()
        .zip(rows.iter())
        .filter(|(_, r)| r.count > 1)
        .map(|(th, _)| th.thread_id)
        .collect();
    let uids = web.store().thread_uids(target.mailbox.id, &grouped).await?;
    for (th, r) in threads.iter().zip(rows.iter_mut()) {
        r.seen = if r.count > 1 {
            uids.iter()
                .filter(|(tid, _)| *tid == th.thread_id)
                .all(|(_, u)| seen.contains(u))
        } else {
            seen.contains(&r.uid)
        };
    }
    Ok(())
}

async fn render_list(
    web: &Web,
    t: T,
    s: &crate::session::Session,
    target: vesontio_access::Target,
    q: ListQuery,
    headers: &HeaderMap,
) -> Result<Response, WebError> {
    let m: Mailbox = target.mailbox.clone();
    // Read before the rows: a change after this is announced, even one
    // the rows already show (a refresh too many, never one too few).
    let state = crate::changes::state(web, &s.account).await?;
    let (sort, sort_key) = sort_of(q.sort.as_deref());
    // Dates newest first by default; names and subjects A to Z.
    let ascending = match q.order.as_deref() {
        Some("asc") => true,
        Some("desc") => false,
        _ => matches!(sort, SortBy::From | SortBy::Subject),
    };
    let cookie = view_cookie(s.account.id);
    let mut threads =
        asked_view(&q, headers, &cookie) != Some("list") && sort_key == "date" && !ascending;
    let thread_after = q.after.as_deref().and_then(FindCursor::decode);
    let thread_page = match threads {
        true => Some(
            web.store()
                .list_threads(m.id, thread_after, PAGE_SIZE)
                .await?,
        ),
        false => None,
    };
    // Thread 0 is "not threaded yet" (rows the upgrade pass has not
    // reached): grouped, they would hide each other, so such a folder is
    // shown as the plain list until they are threaded.
    if let Some(p) = &thread_page
        && p.threads.iter().any(|th| th.thread_id == 0 && th.count > 1)
    {
        threads = false;
    }
    let view = if threads { "threads" } else { "list" };
    let order = if ascending { "asc" } else { "desc" };
    let base = format!("/mail/{}?sort={sort_key}&order={order}&view={view}", m.id.0);
    let now = web.now();
    let (rows, next, first) = match thread_page {
        Some(page) if threads => {
            let mut rows = page
                .threads
                .iter()
                .map(|th| Row::of_thread(th, &t, now))
                .collect::<Vec<_>>();
            member_seen(web, &target, s.account.id, &page.threads, &mut rows).await?;
            let next = page.next.map(|c| format!("{base}&after={}", c.encode()));
            (rows, next, thread_after.is_some().then(|| base.clone()))
        }
        _ => {
            let after = q.after.as_deref().and_then(Cursor::decode);
            let page = mail::page(web, &m, sort, !ascending, after.as_ref(), PAGE_SIZE).await?;
            let mut rows: Vec<Row> = page.items.iter().map(|it| Row::of(it, &t, now)).collect();
            // R2: a member sees their own `\Seen`, not the stored flag.
            if let Some(seen) =
                vesontio_access::seen::seen_set(web.store(), &target, s.account.id).await?
            {
                for r in &mut rows {
                    r.seen = seen.contains(&r.uid);
                }
            }
            let next = page
                .next
                .as_ref()
                .map(|c| format!("{base}&after={}", c.encode()));
            (rows, next, after.is_some().then(|| base.clone()))
        }
    };
    let switch_href = if threads {
        format!("/mail/{}?set_view=list", m.id.0)
    } else {
        format!("/mail/{}?set_view=threads", m.id.0)
    };
    let (folders, all) = folder_links(web, &t, &s.account, m.id.0).await?;
    let folder_name = all
        .iter()
        .find(|f| f.mailbox.id == m.id)
        .map(|f| full_name(&t, f))
        .unwrap_or_else(|| m.name.clone());
    let mut c = Chrome::user(web, t, s, folder_name.clone(), "mail").await?;
    c.notice = match q.ok.as_deref() {
        Some("password") => Some(t.get("password.changed").to_string()),
        Some("sent") => Some(t.get("compose.sent").to_string()),
        Some("sent_nocopy") => Some(t.get("compose.sent_nocopy").to_string()),
        other => mail::action_notice(&t, other),
    };
    let can = Can::of(&target);
    let targets = match can.delete {
        true => mail::move_targets(web, &t, &s.account, m.id).await?,
        false => Vec::new(),
    };
    let empty_link = match mail::empty::kind(&m) {
        Some(k) if m.total > 0 && target.may('t') && target.may('e') => {
            Some((format!("/mail/{}/empty", m.id.0), t.get(k.button)))
        }
        _ => None,
    };
    let sorts = [
        ("date", "sort.date"),
        ("from", "sort.from"),
        ("subject", "sort.subject"),
        ("size", "sort.size"),
    ]
    .into_iter()
    .map(|(value, key)| SortOption {
        value,
        label: t.get(key),
        selected: value == sort_key,
    })
    .collect();
    let mut r = render(
        StatusCode::OK,
        &ListPage {
            c,
            folders,
            folder_name,
            mailbox_id: m.id.0,
            total: m.total,
            rows,
            sorts,
            ascending,
            next,
            first,
            csrf: s.csrf.clone(),
            targets,
            can,
            view,
            threads,
            switch_href,
            empty_link,
            state,
            scripts: ["live.js", "keys.js", "drag.js"]
                .iter()
                .map(|n| crate::assets::url(n))
                .collect(),
        },
    )?;
    if let Some(v) = q
        .set_view
        .as_deref()
        .filter(|v| matches!(*v, "list" | "threads"))
    {
        let mut c = crate::session::set_cookie(&cookie, v);
        if let Ok(long) = format!("{}; Max-Age=31536000", c.to_str().unwrap_or_default()).parse() {
            c = long;
        }
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(r)
}
