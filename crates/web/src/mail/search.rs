//! Search (issue 10): sender, recipient, subject, body or anywhere, a date
//! range, "has an attachment", in one folder or all of them, through the
//! store's search (`Store::find_messages`: trigram-narrowed, checked
//! exactly, bounded work per request). A plain GET form: the URL of a
//! search can be bookmarked and works without JavaScript. Results are
//! paged newest first with the store's cursor.
//!
//! "All folders" is the person's own and those of the functional
//! mailboxes (R2) they may read (`r`, RFC 4314), each result labelled
//! with its folder and mailbox. The store searches one account at a time,
//! so [`across`] asks each and merges the pages: the cursor (internal
//! date, row id) orders every account's rows alike.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

use vesontio_store::{FindCursor, Found, ListItem, MessageQuery, Store};
use vesontio_types::{AccountId, MailboxId};

use crate::i18n::T;
use crate::mail::list::{FolderLink, PAGE_SIZE, Row, folder_links, folder_name, full_name};
use crate::page::{Chrome, render};
use crate::session::Authed;
use crate::{Web, WebError};

/// The longest text a search term may be: longer input is cut (bounded
/// work; nobody types a 200-character search).
const TERM_MAX: usize = 200;

#[derive(Deserialize, Default)]
pub struct SearchForm {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    subject: Option<String>,
    body: Option<String>,
    since: Option<String>,
    until: Option<String>,
    attachment: Option<String>,
    /// A folder id, or empty for every folder.
    folder: Option<String>,
    after: Option<String>,
}

pub struct FolderChoice {
    pub id: i64,
    pub name: String,
    pub selected: bool,
}

/// A result: the list's row and the folder it is in.
pub struct Hit {
    pub row: Row,
    pub folder: String,
}

#[derive(Template)]
#[template(path = "mail/search.html")]
struct SearchPage {
    c: Chrome,
    folders: Vec<FolderLink>,
    choices: Vec<FolderChoice>,
    f: Echo,
    /// Whether anything was asked (an empty form shows no result list).
    asked: bool,
    hits: Vec<Hit>,
    error: Option<String>,
    next: Option<String>,
    first: Option<String>,
}

/// The form's values as typed, to show them again.
#[derive(Default)]
struct Echo {
    q: String,
    from: String,
    to: String,
    subject: String,
    body: String,
    since: String,
    until: String,
    attachment: bool,
}

fn term(v: &Option<String>) -> String {
    v.as_deref()
        .unwrap_or("")
        .trim()
        .chars()
        .take(TERM_MAX)
        .collect()
}

/// A day typed as `AAAA-MM-JJ` (what `<input type="date">` sends) or
/// `JJ/MM/AAAA` (what a French reader types without one), as the Unix time
/// of its start in Paris; `Err` names the field for the message.
fn day(v: &str) -> Result<Option<i64>, ()> {
    if v.is_empty() {
        return Ok(None);
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%d/%m/%Y"))
        .map_err(|_| ())?;
    let midnight = d.and_hms_opt(0, 0, 0).ok_or(())?.and_utc().timestamp();
    // Paris is one or two hours ahead of UTC: the local midnight is that
    // much earlier (text.rs knows which).
    let offset = crate::text::paris(midnight).and_utc().timestamp() - midnight;
    Ok(Some(midnight - offset))
}

pub async fn show(
    State(web): State<Web>,
    t: T,
    Authed(s): Authed,
    Query(form): Query<SearchForm>,
) -> Result<Response, WebError> {
    let (folders, all) = folder_links(&web, &t, &s.account, 0).await?;
    let folder: Option<i64> = form
        .folder
        .as_deref()
        .filter(|f| !f.is_empty())
        .and_then(|f| f.parse().ok());
    // An id in a URL is never trusted: the person's own folders and the
    // functional mailboxes' they may read (R2); any other is not found.
    let target = match folder {
        Some(id) => Some(crate::mail::open(&web, &s.account, id, "r").await?),
        None => None,
    };
    // One folder is searched in its owner's messages (a functional
    // mailbox's for its folders); "all folders" in the person's own and
    // every functional mailbox they may read.
    let scopes: Vec<AccountId> = match &target {
        Some(t) => vec![t.owner()],
        None => {
            let mut v = vec![s.account.id];
            v.extend(crate::changes::followed(&web, &s.account).await?);
            v
        }
    };
    let f = Echo {
        q: term(&form.q),
        from: term(&form.from),
        to: term(&form.to),
        subject: term(&form.subject),
        body: term(&form.body),
        since: term(&form.since),
        until: term(&form.until),
        attachment: form.attachment.is_some(),
    };
    let choices = all
        .iter()
        .filter(|x| x.may('r'))
        .map(|x| FolderChoice {
            id: x.mailbox.id.0,
            name: full_name(&t, x),
            selected: Some(x.mailbox.id.0) == folder,
        })
        .collect();
    let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
    let mut error = None;
    let since = day(&f.since).unwrap_or_else(|_| {
        error = Some(t.get("search.bad_date").to_string());
        None
    });
    let until = day(&f.until).unwrap_or_else(|_| {
        error = Some(t.get("search.bad_date").to_string());
        None
    });
    let query = MessageQuery {
        mailboxes: folder.map(MailboxId).into_iter().collect(),
        from: some(&f.from),
        to: some(&f.to),
        subject: some(&f.subject),
        body: some(&f.body),
        text: some(&f.q),
        since,
        // "Until" includes the whole day.
        before: until.map(|u| u + 86_400),
        has_attachment: f.attachment.then_some(true),
    };
    let asked = [
        &f.q, &f.from, &f.to, &f.subject, &f.body, &f.since, &f.until,
    ]
    .iter()
    .any(|v| !v.is_empty())
        || f.attachment;
    let after = form.after.as_deref().and_then(FindCursor::decode);
    let (mut hits, mut next) = (Vec::new(), None);
    if asked && error.is_none() {
        let found = across(web.store(), &scopes, &query, after, PAGE_SIZE).await?;
        let now = web.now();
        // R2: a member's own `\Seen` in a functional mailbox's folder,
        // read once per folder of the page.
        let mut seen = HashMap::new();
        for it in &found.items {
            let mut row = Row::of(it, &t, now);
            let Some(x) = all.iter().find(|x| x.mailbox.id == it.meta.mailbox_id) else {
                // A folder created since the tree was read: unnamed here.
                hits.push(Hit {
                    row,
                    folder: String::new(),
                });
                continue;
            };
            if x.group.is_some() {
                if let Entry::Vacant(slot) = seen.entry(x.mailbox.id) {
                    let tg = crate::mail::target(x);
                    let set =
                        vesontio_access::seen::seen_set(web.store(), &tg, s.account.id).await?;
                    slot.insert(set.unwrap_or_default());
                }
                row.seen = seen[&x.mailbox.id].contains(&it.meta.uid);
            }
            // Outside its folder's tree, a shared folder says whose it is.
            let name = match target {
                Some(_) => folder_name(&t, x),
                None => full_name(&t, x),
            };
            hits.push(Hit { row, folder: name });
        }
        next = found.next.map(|c| c.encode());
    }
    let base = search_url(&f, folder);
    let first = after.is_some().then(|| base.clone());
    let next = next.map(|c| format!("{base}&after={c}"));
    let c = Chrome::user(&web, t, &s, t.get("search.title").to_string(), "search").await?;
    render(
        StatusCode::OK,
        &SearchPage {
            c,
            folders,
            choices,
            f,
            asked,
            hits,
            error,
            next,
            first,
        },
    )
}

/// Where a page of results ends, as an ordered key: newest first by
/// internal date, then row id, the same for every account's rows (the
/// store's cursor, read through its stable text form).
fn key(c: &FindCursor) -> (i64, i64) {
    let s = c.encode();
    let (a, b) = s.split_once('.').unwrap_or(("0", "0"));
    (a.parse().unwrap_or(0), b.parse().unwrap_or(0))
}

fn key_of(it: &ListItem) -> (i64, i64) {
    (it.meta.internal_date, it.meta.id)
}

/// One page of `q`'s results over several accounts' folders (`q`'s
/// folders, or all of each account's), newest first, at most `limit`,
/// after `after`. Each account's search stops at its own cursor, below
/// which it has not looked (a full page, or its work budget spent): only
/// rows above the highest of those cursors are known in every account, so
/// the page ends there at the latest, and continues from there.
pub async fn across(
    store: &Store,
    accounts: &[AccountId],
    q: &MessageQuery,
    after: Option<FindCursor>,
    limit: usize,
) -> Result<Found, WebError> {
    if let [one] = accounts {
        return Ok(store.find_messages(*one, q, after, limit).await?);
    }
    let mut items = Vec::new();
    let mut frontier: Option<FindCursor> = None;
    for a in accounts {
        let f = store.find_messages(*a, q, after, limit).await?;
        items.extend(f.items);
        if let Some(n) = f.next
            && frontier.is_none_or(|fr| key(&n) > key(&fr))
        {
            frontier = Some(n);
        }
    }
    Ok(merge(items, frontier, limit))
}

/// [`across`]'s merge of the accounts' pages (`frontier`: the highest of
/// their cursors).
fn merge(mut items: Vec<ListItem>, frontier: Option<FindCursor>, limit: usize) -> Found {
    if let Some(fr) = frontier {
        items.retain(|it| key_of(it) >= key(&fr));
    }
    items.sort_by_key(|it| std::cmp::Reverse(key_of(it)));
    let next = if items.len() > limit {
        items.truncate(limit);
        items
            .last()
            .and_then(|it| FindCursor::decode(&format!("{}.{}", it.meta.internal_date, it.meta.id)))
    } else {
        frontier
    };
    Found { items, next }
}

/// The URL of this search (for its pages).
fn search_url(f: &Echo, folder: Option<i64>) -> String {
    let enc = |v: &str| url_encode(v);
    let mut u = format!(
        "/search?q={}&from={}&to={}&subject={}&body={}&since={}&until={}&folder={}",
        enc(&f.q),
        enc(&f.from),
        enc(&f.to),
        enc(&f.subject),
        enc(&f.body),
        enc(&f.since),
        enc(&f.until),
        folder.map(|i| i.to_string()).unwrap_or_default()
    );
    if f.attachment {
        u.push_str("&attachment=1");
    }
    u
}

/// RFC 3986 §2.1 percent-encoding of everything but the unreserved set.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vesontio_store::MessageMeta;

    fn item(at: i64, id: i64) -> ListItem {
        ListItem {
            meta: MessageMeta {
                id,
                mailbox_id: MailboxId(1),
                uid: id as u32,
                blob_id: String::new(),
                size: 0,
                internal_date: at,
                flags: Vec::new(),
                modseq: 0,
                private: false,
                crlf_size: None,
                email_id: id,
                thread_id: 0,
                content_id: 0,
            },
            model: Default::default(),
        }
    }

    fn cursor(at: i64, id: i64) -> Option<FindCursor> {
        FindCursor::decode(&format!("{at}.{id}"))
    }

    fn keys(f: &Found) -> Vec<(i64, i64)> {
        f.items.iter().map(key_of).collect()
    }

    #[test]
    fn merged_pages_stop_where_an_account_stopped_looking() {
        // Two accounts' pages, neither cut: all of it, newest first.
        let f = merge(vec![item(10, 1), item(30, 3), item(20, 2)], None, 50);
        assert_eq!(keys(&f), vec![(30, 3), (20, 2), (10, 1)]);
        assert!(f.next.is_none());
        // One account spent its budget at (20, 7): its rows below are not
        // known, so the other's (10, 1) waits for the next page, which
        // starts there.
        let f = merge(
            vec![item(10, 1), item(30, 3), item(25, 8)],
            cursor(20, 7),
            50,
        );
        assert_eq!(keys(&f), vec![(30, 3), (25, 8)]);
        assert_eq!(f.next, cursor(20, 7));
        // A full page: cut at the limit, continued after its last row.
        let f = merge(vec![item(10, 1), item(30, 3), item(20, 2)], None, 2);
        assert_eq!(keys(&f), vec![(30, 3), (20, 2)]);
        assert_eq!(f.next, cursor(20, 2));
        // Same date: the row id decides, as in the store.
        let f = merge(vec![item(5, 1), item(5, 9)], None, 1);
        assert_eq!(keys(&f), vec![(5, 9)]);
        assert_eq!(f.next.map(|c| key(&c)), Some((5, 9)));
    }

    #[test]
    fn days_start_at_paris_midnight() {
        // 1 December 2026: winter time, UTC+1, so 23:00 UTC the day before.
        assert_eq!(day("2026-12-01"), Ok(Some(1_796_079_600)));
        assert_eq!(day("01/12/2026"), Ok(Some(1_796_079_600)));
        // 1 July 2026: summer time, UTC+2.
        assert_eq!(day("2026-07-01"), Ok(Some(1_782_856_800)));
        assert_eq!(day(""), Ok(None));
        assert_eq!(day("hier"), Err(()));
        assert_eq!(day("2026-02-30"), Err(()));
    }

    #[test]
    fn search_urls_keep_every_field_encoded() {
        let f = Echo {
            q: "café & co".into(),
            attachment: true,
            ..Default::default()
        };
        let u = search_url(&f, Some(7));
        assert!(u.starts_with("/search?q=caf%C3%A9%20%26%20co&"), "{u}");
        assert!(u.ends_with("&folder=7&attachment=1"), "{u}");
    }
}
