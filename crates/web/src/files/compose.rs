//! R6 meets R21 in the compose form: a message the gate refuses for its
//! size is not a dead end. Its attachments are put in the large-file
//! service at once, kept an hour ([`OFFER_SECS`]), and the page offers to
//! send the message with links to them instead (`action=send_links`):
//! then each file gets the default life and its link goes into the body.
//! A browser cannot put chosen files back into a form, and a draft over
//! the limit cannot be filed either; holding them as large files is what
//! keeps them.

use crate::i18n::T;
use crate::mail::outgoing::{Draft, Upload};
use crate::session::Session;
use crate::{Web, WebError};
use vesontio_store::NewSharedFile;

/// How long the offered files wait for the person's answer; the jobs
/// delete them after that if the offer was not taken.
pub const OFFER_SECS: i64 = 3600;

/// Puts `files` in the service for the offer; their ids (`1,2`) for the
/// form, or `None` when the service is off or cannot take them all (too
/// big, over its quota, R7): the gate's refusal is then all there is.
pub async fn offer(
    web: &Web,
    t: &T,
    s: &Session,
    files: &[Upload],
) -> Result<Option<String>, WebError> {
    let cfg = &web.config().large_files;
    if !cfg.enabled || files.is_empty() {
        return Ok(None);
    }
    let total: u64 = files.iter().map(|f| f.data.len() as u64).sum();
    for f in files {
        if crate::files::refusal(web, t, s.account.id, &f.name, f.data.len() as u64)
            .await?
            .is_some()
        {
            return Ok(None);
        }
    }
    let used = web.store().shared_files_used(s.account.id).await?;
    if used.saturating_add(total as i64) > cfg.quota as i64 {
        return Ok(None);
    }
    let store = web.store();
    let now = web.now();
    let mut ids = Vec::new();
    for f in files {
        let new = NewSharedFile {
            token: crate::files::new_token(),
            account_id: s.account.id,
            name: f.name.clone(),
            content_type: f.content_type.clone(),
            size: f.data.len() as i64,
            expires_at: now + OFFER_SECS,
            password_hash: None,
            now,
        };
        let Ok(row) = store.shared_file_create(&new, cfg.quota as i64).await? else {
            return Ok(None);
        };
        let mut at = 0;
        for piece in f.data.chunks(crate::files::MAX_CHUNK) {
            store.shared_upload_write(row.id, at, piece, now).await?;
            at += piece.len() as i64;
        }
        store.shared_upload_finish(row.id).await?;
        ids.push(row.id.to_string());
    }
    Ok(Some(ids.join(",")))
}

/// The offer taken: each offered file (the person's own) gets the default
/// life, and the body gets a paragraph with the links. False when none of
/// the ids is one of the person's files any more.
pub async fn take(web: &Web, t: &T, s: &Session, f: &mut Draft) -> Result<bool, WebError> {
    let cfg = &web.config().large_files;
    let store = web.store();
    let expires = web.now() + cfg.default_expiry_secs;
    let mut lines = Vec::new();
    for id in f
        .links
        .split(',')
        .filter_map(|i| i.trim().parse::<i64>().ok())
    {
        let Some(file) = store.shared_file(id).await? else {
            continue;
        };
        if file.account_id != s.account.id || !file.complete() {
            continue;
        }
        store
            .shared_file_set_expiry(id, s.account.id, expires)
            .await?;
        lines.push(format!(
            "- {} ({}) : {}",
            file.name,
            crate::text::size(file.size, t),
            crate::files::link(web, &file.token)
        ));
    }
    if lines.is_empty() {
        return Ok(false);
    }
    let intro = t.fmt("files.links_intro", &crate::text::long_date(expires, t));
    let body = f.body.trim_end();
    f.body = format!("{body}\n\n{intro}\n{}\n", lines.join("\n"));
    f.links.clear();
    Ok(true)
}
