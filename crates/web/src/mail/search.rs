//! Search (issue 10): sender, recipient, subject, body or anywhere, a date
//! range, "has an attachment", in one folder or all of them, through the
//! store's search (`Store::find_messages`: trigram-narrowed, checked
//! exactly, bounded work per request). A plain GET form: the URL of a
//! search can be bookmarked and works without JavaScript. Results are
//! paged newest first with the store's cursor.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use vesontio_store::{FindCursor, MessageQuery};
use vesontio_types::MailboxId;

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
    // "All folders" is the person's own; a functional mailbox's folder is
    // searched when chosen (in the functional mailbox's messages).
    let account = target.as_ref().map_or(s.account.id, |t| t.owner());
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
        let found = web
            .store()
            .find_messages(account, &query, after, PAGE_SIZE)
            .await?;
        let now = web.now();
        // R2: a member's own `\Seen` in a functional mailbox's folder.
        let seen = match &target {
            Some(tg) => vesontio_access::seen::seen_set(web.store(), tg, s.account.id).await?,
            None => None,
        };
        for it in &found.items {
            let mut row = Row::of(it, &t, now);
            if let Some(set) = &seen {
                row.seen = set.contains(&it.meta.uid);
            }
            let name = all
                .iter()
                .find(|x| x.mailbox.id == it.meta.mailbox_id)
                .map(|x| folder_name(&t, x))
                .unwrap_or_default();
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
