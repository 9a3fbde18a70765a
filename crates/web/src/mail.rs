//! Everything the webmail reads or changes of mail, in one module: the
//! store's views (`list_messages`, `contents`) for the rows, the
//! mail-access layer for which folders a person sees and may change. A
//! mailbox id in a URL is never trusted: [`open`] resolves it to the
//! account's own folder or a folder of a functional mailbox (R2) the
//! person is a member of with `l`, and checks the RFC 4314 right the
//! handler needs (404 when the folder is not visible, 403 with a sentence
//! when a right is missing).

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

use vesontio_access::Target;
use vesontio_access::seen;
use vesontio_store::{
    Account, Cursor, FlagOp, Mailbox, MessageMeta, Page, QuotaUsage, SortBy, StoreError,
};
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
#[derive(Clone)]
pub struct Folder {
    pub mailbox: Mailbox,
    /// Catalogue key of a special folder's name, or `None` for the
    /// person's own folders (shown with their own name).
    pub key: Option<&'static str>,
    /// Sort rank: INBOX 0, special folders 1.., others after.
    pub rank: usize,
    /// The functional mailbox (R2) the folder is of, `None` for the
    /// person's own.
    pub group: Option<Group>,
    /// RFC 4314 rights of the person on the folder.
    pub rights: String,
    /// Unseen messages as the person sees them (their own `\Seen` in a
    /// functional mailbox).
    pub unseen: u32,
}

/// A functional mailbox the person is a member of, as its heading shows it.
#[derive(Clone)]
pub struct Group {
    pub id: AccountId,
    pub address: String,
    pub name: String,
}

impl Folder {
    pub fn may(&self, right: char) -> bool {
        self.rights.contains(right)
    }
}

/// The person's own folders (special ones first), then the folders of
/// each functional mailbox they may see, grouped by mailbox (R2).
pub async fn folders(web: &Web, account: &Account) -> Result<Vec<Folder>, WebError> {
    let store = web.store();
    let mut out = ranked(
        store.mailboxes(account.id).await?,
        None,
        vesontio_access::folders::OWNER_RIGHTS,
    );
    for f in &mut out {
        f.unseen = f.mailbox.unseen;
    }
    let mut groups = vesontio_access::folders::groups(store, account).await?;
    groups.sort_by(|a, b| a.0.address.cmp(&b.0.address));
    for (g, rights) in groups {
        let group = Group {
            id: g.id,
            address: g.address.clone(),
            name: g.display_name.clone(),
        };
        let mut fs = ranked(store.mailboxes(g.id).await?, Some(group), &rights);
        for f in &mut fs {
            let t = target(f);
            f.unseen = seen::unseen(store, &t, account.id).await?;
        }
        out.extend(fs);
    }
    Ok(out)
}

/// The access layer's view of a folder of the tree.
pub fn target(f: &Folder) -> Target {
    Target {
        // The access layer's naming, as every door writes it.
        name: match &f.group {
            Some(g) => format!(
                "{}{}/{}",
                vesontio_access::folders::SHARED_PREFIX,
                g.address,
                f.mailbox.name
            ),
            None => f.mailbox.name.clone(),
        },
        mailbox: f.mailbox.clone(),
        rights: f.rights.clone(),
        shared: f.group.is_some(),
    }
}

fn ranked(mailboxes: Vec<Mailbox>, group: Option<Group>, rights: &str) -> Vec<Folder> {
    let mut out: Vec<Folder> = mailboxes
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
                group: group.clone(),
                rights: rights.to_string(),
                unseen: 0,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.rank, &a.mailbox.name).cmp(&(b.rank, &b.mailbox.name)));
    out
}

/// The mailbox `id` as `account` may open it, holding every right of
/// `needs` (RFC 4314: `r` read, `s` change `\Seen`, `w` other flags, `i`
/// insert, `t`+`e` delete and expunge, `x` delete the folder, `k` create
/// in it). `NotFound` when it is neither the account's nor a functional
/// mailbox's it is a member of with `l`, so a hidden folder and a missing
/// one look the same; `Forbidden` with the sentence of the first missing
/// right otherwise.
pub async fn open(web: &Web, account: &Account, id: i64, needs: &str) -> Result<Target, WebError> {
    let t = vesontio_access::folders::by_id(web.store(), account, MailboxId(id))
        .await?
        .ok_or(WebError::NotFound)?;
    check(&t, needs)?;
    Ok(t)
}

/// `Forbidden` with the sentence of the first right of `needs` that `t`
/// lacks.
pub fn check(t: &Target, needs: &str) -> Result<(), WebError> {
    match needs.chars().find(|&r| !t.may(r)) {
        None => Ok(()),
        Some(r) => Err(WebError::Forbidden(right_key(r))),
    }
}

/// The catalogue key of the sentence saying right `r` is missing.
fn right_key(r: char) -> &'static str {
    match r {
        'r' => "rights.read",
        's' => "rights.seen",
        'w' => "rights.flags",
        'i' => "rights.insert",
        't' | 'e' => "rights.delete",
        'x' => "rights.delete_folder",
        'k' => "rights.create",
        _ => "rights.other",
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

/// Marks `uids` of `t` seen (or not) for `reader`: in a functional
/// mailbox their own `\Seen` (R2: other members and the stored flag are
/// untouched), the stored flag in an own folder.
pub async fn set_seen(
    web: &Web,
    t: &Target,
    reader: AccountId,
    uids: &[Uid],
    on: bool,
) -> Result<(), WebError> {
    if seen::mark(web.store(), t, reader, uids, on).await? {
        return Ok(());
    }
    let op = if on { FlagOp::Add } else { FlagOp::Remove };
    web.store()
        .store_flags(t.mailbox.id, uids, op, &["\\Seen".to_string()], None)
        .await?;
    Ok(())
}

/// Whether `reader` has seen message `meta` of `t` (see [`set_seen`]).
pub async fn is_seen(
    web: &Web,
    t: &Target,
    reader: AccountId,
    meta: &MessageMeta,
) -> Result<bool, WebError> {
    Ok(match seen::seen_set(web.store(), t, reader).await? {
        Some(set) => set.contains(&meta.uid),
        None => meta.flags.iter().any(|f| f.eq_ignore_ascii_case("\\Seen")),
    })
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

/// The folders a message may be moved to from `current` (those the
/// person may insert into, RFC 4314 `i`), named.
pub async fn move_targets(
    web: &Web,
    t: &crate::i18n::T,
    account: &Account,
    current: MailboxId,
) -> Result<Vec<(i64, String)>, WebError> {
    Ok(folders(web, account)
        .await?
        .iter()
        .filter(|f| f.mailbox.id != current && f.may('i'))
        .map(|f| (f.mailbox.id.0, list::full_name(t, f)))
        .collect())
}

pub async fn quota(web: &Web, account: AccountId) -> Result<QuotaUsage, WebError> {
    Ok(web.store().quota_usage(account).await?)
}
