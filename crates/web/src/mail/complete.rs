//! Address completion for To/Cc/Bcc (issue 10): `GET /api/addresses?q=`
//! answers the directory's people, functional mailboxes (R2) and the lists
//! the person may post to (R3), as JSON for `assets/complete.js`. The form
//! works without it: completion only helps typing.
//!
//! Bounded work: the query is cut at [`QUERY_MAX`] characters, at least
//! [`QUERY_MIN`] are needed, and one page of [`FETCH`] accounts is read
//! (the store's keyset search, by address or display name), of which at
//! most [`SHOWN`] are answered. Departed accounts (R12) are left out: mail
//! to them gets an absence notice, not a reader.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use vesontio_policy::may_post_to_list;
use vesontio_types::{AccountKind, AccountStatus, Address};

use crate::session::Authed;
use crate::{Web, WebError};

pub const QUERY_MIN: usize = 2;
pub const QUERY_MAX: usize = 64;
/// Accounts read from the store per request.
const FETCH: u32 = 40;
/// Suggestions answered.
pub const SHOWN: usize = 8;

#[derive(Deserialize, Default)]
pub struct CompleteQuery {
    q: Option<String>,
}

/// One suggestion, named after JMAP's `EmailAddress` (RFC 8621 §4.1.2.3)
/// with the directory's kind.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Suggestion {
    pub email: String,
    pub name: String,
    /// `person`, `functional` or `list`.
    pub kind: &'static str,
}

#[derive(Serialize)]
struct Answer {
    query: String,
    list: Vec<Suggestion>,
}

pub async fn addresses(
    State(web): State<Web>,
    Authed(s): Authed,
    Query(q): Query<CompleteQuery>,
) -> Result<Response, WebError> {
    let query: String =
        q.q.unwrap_or_default()
            .trim()
            .chars()
            .take(QUERY_MAX)
            .collect();
    let list = if query.chars().count() < QUERY_MIN {
        Vec::new()
    } else {
        suggestions(&web, &s.account.address, &query).await?
    };
    Ok(crate::page::json(StatusCode::OK, &Answer { query, list }))
}

/// What `query` completes to for the person at `me`: matches on the
/// address or the display name, people and functional mailboxes first,
/// then the lists `me` may post to.
pub async fn suggestions(web: &Web, me: &str, query: &str) -> Result<Vec<Suggestion>, WebError> {
    let accounts = web
        .store()
        .search_accounts(Some(query), None, None, FETCH)
        .await?;
    let poster = Address::parse(me).ok();
    let mut out = Vec::new();
    let mut lists = Vec::new();
    for a in accounts {
        if a.status == AccountStatus::Departed || a.address.eq_ignore_ascii_case(me) {
            continue;
        }
        let kind = match a.kind {
            AccountKind::Person => "person",
            AccountKind::Functional => "functional",
            AccountKind::List => {
                // R3: only the lists this person may write to.
                let senders: Vec<Address> = web
                    .store()
                    .list_senders(a.id)
                    .await?
                    .iter()
                    .filter_map(|s| Address::parse(s).ok())
                    .collect();
                if may_post_to_list(&senders, poster.as_ref()) {
                    lists.push(Suggestion {
                        email: a.address,
                        name: a.display_name,
                        kind: "list",
                    });
                }
                continue;
            }
        };
        out.push(Suggestion {
            email: a.address,
            name: a.display_name,
            kind,
        });
    }
    out.extend(lists);
    out.truncate(SHOWN);
    Ok(out)
}
