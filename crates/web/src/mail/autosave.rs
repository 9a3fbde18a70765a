//! Drafts saved while the person writes (issue 10): `assets/autosave.js`
//! posts the compose form with `action=autosave` some seconds after the
//! last change, and this answers JSON instead of a page: the new draft's
//! `mailbox/uid` (the form points at it, so the next save replaces it and
//! sending deletes it) and a sentence to announce. The draft goes through
//! the same gate as the "save" button (`Origin::DraftSave`: R6, R7, R9),
//! so it is visible over IMAP at once; files already attached stay in it,
//! and a file chosen but not yet attached waits for the person's button.
//! A form that cannot be saved yet (an address half typed) is answered
//! `saved: false` without a word: the person is still typing.

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use crate::i18n::T;
use crate::mail::drafts;
use crate::mail::outgoing::Draft;
use crate::session::Session;
use crate::{Web, WebError};

/// The `action` value of the automatic save.
pub const ACTION: &str = "autosave";

#[derive(Serialize, Default)]
struct Answer {
    saved: bool,
    /// `mailbox/uid` of the draft now in Drafts.
    #[serde(skip_serializing_if = "Option::is_none")]
    draft: Option<String>,
    /// What to announce (`role="status"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<String>,
    /// The gate's refusal, in the person's language.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn json(a: &Answer) -> Result<Response, WebError> {
    Ok(crate::page::json(StatusCode::OK, a))
}

/// The form could not be read as a message yet: nothing saved, nothing said.
pub fn not_yet() -> Result<Response, WebError> {
    json(&Answer::default())
}

/// Files `raw` in Drafts in place of the form's draft.
pub async fn save(
    web: &Web,
    t: &T,
    s: &Session,
    f: &Draft,
    raw: Vec<u8>,
    now: i64,
) -> Result<Response, WebError> {
    match drafts::file(web, s, raw, now).await? {
        Ok(new) => {
            drafts::delete(web, s, &f.draft).await?;
            json(&Answer {
                saved: true,
                draft: Some(new),
                notice: Some(t.fmt(
                    "compose.draft_autosaved",
                    &crate::text::paris(now).format("%H:%M"),
                )),
                error: None,
            })
        }
        Err(r) => json(&Answer {
            saved: false,
            error: Some(crate::mail::compose::refusal_text(t, &r)),
            ..Default::default()
        }),
    }
}
