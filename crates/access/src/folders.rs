//! The folders a logged-in person may open, and what they may do there
//! (RFC 4314 rights). Every door names them the same way: the account's
//! own folders as in the store, with `/` as the delimiter (IMAP's personal
//! namespace, RFC 2342), then the functional mailboxes (R2) the person is
//! a member of under `Shared/<address>/…`, with the member's rights from
//! the store. A member reads a functional mailbox with a `\Seen` of their
//! own (`Target::shared`).
//!
//! Invariants
//! - A functional mailbox is visible only to members holding `l`; a name
//!   under `Shared/` that no such membership explains resolves to nothing,
//!   so a door cannot tell a hidden mailbox from a missing one.

use vesontio_store::Mailbox;
use vesontio_store::{Account, Store, StoreError};

/// RFC 2342 shared namespace prefix.
pub const SHARED_PREFIX: &str = "Shared/";
/// Hierarchy delimiter (RFC 9051 §5.1.1).
pub const DELIM: char = '/';
/// RFC 4314 rights of an account on its own folders.
pub const OWNER_RIGHTS: &str = "lrswipkxtea";

/// A mailbox the session may open.
#[derive(Debug, Clone)]
pub struct Target {
    /// The name as the client writes it.
    pub name: String,
    pub mailbox: Mailbox,
    /// RFC 4314 rights of the session's account.
    pub rights: String,
    /// A functional mailbox's folder, read by members (per-user `\Seen`).
    pub shared: bool,
}

impl Target {
    pub fn may(&self, right: char) -> bool {
        self.rights.contains(right)
    }
}

/// Functional mailboxes `account` is a member of and may see (`l`), with
/// its rights.
pub async fn groups(
    store: &Store,
    account: &Account,
) -> Result<Vec<(Account, String)>, StoreError> {
    Ok(store
        .groups_of(account.id)
        .await?
        .into_iter()
        .filter(|(_, rights)| rights.contains('l'))
        .collect())
}

/// Finds the mailbox a client name designates, if it exists and is visible.
pub async fn resolve(
    store: &Store,
    account: &Account,
    name: &str,
) -> Result<Option<Target>, StoreError> {
    if let Some(rest) = strip_shared(name) {
        let Some((addr, folder)) = rest.split_once(DELIM) else {
            return Ok(None);
        };
        for (group, rights) in groups(store, account).await? {
            if group.address.eq_ignore_ascii_case(addr) {
                let mb = store.mailbox_by_name(group.id, folder).await?;
                return Ok(mb.map(|mailbox| Target {
                    name: format!("{SHARED_PREFIX}{}/{}", group.address, mailbox.name),
                    mailbox,
                    rights,
                    shared: true,
                }));
            }
        }
        return Ok(None);
    }
    let mb = store.mailbox_by_name(account.id, name).await?;
    Ok(mb.map(|mailbox| Target {
        name: mailbox.name.clone(),
        mailbox,
        rights: OWNER_RIGHTS.into(),
        shared: false,
    }))
}

/// The mailbox `id` names, when `account` owns it or is a member holding
/// `l` of the functional mailbox owning it (a door addressing folders by
/// id, such as the webmail, cannot tell a hidden mailbox from a missing
/// one either).
pub async fn by_id(
    store: &Store,
    account: &Account,
    id: vesontio_types::MailboxId,
) -> Result<Option<Target>, StoreError> {
    let Some(mailbox) = store.mailbox(id).await? else {
        return Ok(None);
    };
    if mailbox.account_id == account.id {
        return Ok(Some(Target {
            name: mailbox.name.clone(),
            mailbox,
            rights: OWNER_RIGHTS.into(),
            shared: false,
        }));
    }
    for (group, rights) in groups(store, account).await? {
        if group.id == mailbox.account_id {
            return Ok(Some(Target {
                name: format!("{SHARED_PREFIX}{}/{}", group.address, mailbox.name),
                mailbox,
                rights,
                shared: true,
            }));
        }
    }
    Ok(None)
}

/// `Shared/...` without its prefix (the prefix is case-sensitive except
/// that clients often send it as listed, so compare exactly).
pub fn strip_shared(name: &str) -> Option<&str> {
    name.strip_prefix(SHARED_PREFIX)
}

/// Every mailbox visible to `account`: its own, then the shared ones.
pub async fn all(store: &Store, account: &Account) -> Result<Vec<Target>, StoreError> {
    let mut out: Vec<Target> = store
        .mailboxes(account.id)
        .await?
        .into_iter()
        .map(|mailbox| Target {
            name: mailbox.name.clone(),
            mailbox,
            rights: OWNER_RIGHTS.into(),
            shared: false,
        })
        .collect();
    for (group, rights) in groups(store, account).await? {
        for mailbox in store.mailboxes(group.id).await? {
            out.push(Target {
                name: format!("{SHARED_PREFIX}{}/{}", group.address, mailbox.name),
                mailbox,
                rights: rights.clone(),
                shared: true,
            });
        }
    }
    Ok(out)
}

impl Target {
    /// The account owning the folder (the functional mailbox for a shared
    /// one): whose quota, last read time (R13) and change log it touches.
    pub fn owner(&self) -> vesontio_types::AccountId {
        self.mailbox.account_id
    }

    /// An INBOX: opening it is reading received mail, which R13 counts
    /// for its owner (a functional mailbox read by its members is alive).
    pub fn is_inbox(&self) -> bool {
        self.mailbox.name == "INBOX"
    }
}
