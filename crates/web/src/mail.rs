//! Everything the webmail reads or changes of mail, in one module: for now
//! straight from the store's views (`list_messages`, `contents`), later
//! through the mail-access layer, which should then be a change of this
//! file only. Every function takes the session's account and refuses ids
//! that are not its own (an id in a URL is never trusted).

pub mod actions;
pub mod autosave;
pub mod complete;
pub mod compose;
pub mod drafts;
pub mod empty;
pub mod list;
pub mod manage;
pub mod multipart;
pub mod outgoing;
pub mod preview;
pub mod read;
pub mod reply;
pub mod report;
pub mod rich;
pub mod search;
pub mod source;
pub mod thread;
pub mod warnings;

use vesontio_store::{Cursor, FlagOp, Mailbox, MessageMeta, Page, QuotaUsage, SortBy, StoreError};
use vesontio_types::{AccountId, MailboxId, Uid};

use crate::Web;
use crate::error::WebError;

/// RFC 6154 special-use attributes in the order the folder tree shows
/// them, with their catalogue key. INBOX comes first (RFC 9051 §5.1).
const SPECIAL: &[(&str, &str)] = &[
    ("\\Sent", "folder.sent"),
    ("\\Drafts", "folder.drafts"),
    ("\\Archive", "folder.archive"),
    ("\\Junk", "folder.junk"),
    ("\\Trash", "folder.trash"),
];

/// A folder of the tree.
pub struct Folder {
    pub mailbox: Mailbox,
    /// Catalogue key of a special folder's name, or `None` for the
    /// person's own folders (shown with their own name).
    pub key: Option<&'static str>,
    /// Sort rank: INBOX 0, special folders 1.., others after.
    pub rank: usize,
}

pub async fn folders(web: &Web, account: AccountId) -> Result<Vec<Folder>, WebError> {
    let mut out: Vec<Folder> = web
        .store()
        .mailboxes(account)
        .await?
        .into_iter()
        .map(|m| {
            let (key, rank) = if m.name.eq_ignore_ascii_case("INBOX") {
                (Some("folder.inbox"), 0)
            } else if let Some(i) = m.special_use.as_deref().and_then(|s| {
                SPECIAL
                    .iter()
                    .position(|(su, _)| s.split_whitespace().any(|w| w.eq_ignore_ascii_case(su)))
            }) {
                (Some(SPECIAL[i].1), i + 1)
            } else {
                (None, SPECIAL.len() + 1)
            };
            Folder {
                mailbox: m,
                key,
                rank,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.rank, &a.mailbox.name).cmp(&(b.rank, &b.mailbox.name)));
    Ok(out)
}

/// The account's mailbox `id`, or NotFound if it is someone else's.
pub async fn own_mailbox(web: &Web, account: AccountId, id: i64) -> Result<Mailbox, WebError> {
    match web.store().mailbox(MailboxId(id)).await? {
        Some(m) if m.account_id == account => Ok(m),
        _ => Err(WebError::NotFound),
    }
}

pub async fn inbox(web: &Web, account: AccountId) -> Result<Mailbox, WebError> {
    web.store()
        .mailbox_by_name(account, "INBOX")
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn page(
    web: &Web,
    mailbox: &Mailbox,
    sort: SortBy,
    descending: bool,
    after: Option<&Cursor>,
    limit: usize,
) -> Result<Page, WebError> {
    Ok(web
        .store()
        .list_messages(mailbox.id, sort, descending, after, limit)
        .await?)
}

/// A message of an owned mailbox and its bytes. The body is read whole:
/// its size is bounded by the charter's message size limit (R6).
pub async fn message(
    web: &Web,
    mailbox: &Mailbox,
    uid: Uid,
) -> Result<(MessageMeta, Vec<u8>), WebError> {
    let store = web.store();
    let meta = store
        .message_by_uid(mailbox.id, uid)
        .await?
        .ok_or(WebError::NotFound)?;
    let raw = match store.read_blob_sized(&meta.blob_id, meta.size).await {
        Ok(r) => r,
        Err(StoreError::NotFound(_)) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    };
    Ok((meta, raw))
}

pub async fn set_seen(web: &Web, mailbox: &Mailbox, uid: Uid, seen: bool) -> Result<(), WebError> {
    let op = if seen { FlagOp::Add } else { FlagOp::Remove };
    web.store()
        .store_flags(mailbox.id, &[uid], op, &["\\Seen".to_string()], None)
        .await?;
    Ok(())
}

/// R13: reading received mail, by any protocol, is activity (the access
/// layer's rule, as for IMAP and POP3).
pub async fn mark_reading(web: &Web, account: AccountId) -> Result<(), WebError> {
    vesontio_access::consequences::messages_read(web.store(), account, web.now()).await;
    Ok(())
}

/// The notice of a finished action (`?ok=` after a redirect).
pub fn action_notice(t: &crate::i18n::T, ok: Option<&str>) -> Option<String> {
    let key = match ok? {
        "marked" => "actions.marked",
        "trashed" => "actions.trashed",
        "deleted" => "actions.deleted",
        "moved" => "actions.moved",
        "emptied" => "empty.done",
        "none" => "actions.none",
        "reported" => "report.done",
        "reported_kept" => "report.done_kept",
        "images_always" => "read.images_always_done",
        "images_never" => "read.images_never_done",
        _ => return None,
    };
    Some(t.get(key).to_string())
}

/// The folders a message may be moved to from `current`, named.
pub async fn move_targets(
    web: &Web,
    t: &crate::i18n::T,
    account: AccountId,
    current: MailboxId,
) -> Result<Vec<(i64, String)>, WebError> {
    Ok(folders(web, account)
        .await?
        .iter()
        .filter(|f| f.mailbox.id != current)
        .map(|f| (f.mailbox.id.0, list::folder_name(t, f)))
        .collect())
}

pub async fn quota(web: &Web, account: AccountId) -> Result<QuotaUsage, WebError> {
    Ok(web.store().quota_usage(account).await?)
}
