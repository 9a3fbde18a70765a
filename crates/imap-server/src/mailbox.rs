//! Mailbox names as the client sees them, and the store rows behind them.
//!
//! The personal namespace (RFC 2342) is the account's own folders, named
//! as in the store with `/` as the delimiter. Functional mailboxes (R2)
//! the account is a member of appear under `Shared/<address>/...`, with
//! the member's RFC 4314 rights from the store.

use vesontio_store::{Account, Mailbox, Store, StoreError};
use vesontio_types::AccountId;

/// RFC 2342 shared namespace prefix.
pub(crate) const SHARED_PREFIX: &str = "Shared/";
/// Hierarchy delimiter (RFC 9051 §5.1.1).
pub(crate) const DELIM: char = '/';
/// RFC 4314 rights of an account on its own folders.
pub(crate) const OWNER_RIGHTS: &str = "lrswipkxtea";

/// A mailbox the session may open.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The name as the client writes it.
    pub(crate) name: String,
    pub(crate) mailbox: Mailbox,
    /// RFC 4314 rights of the session's account.
    pub(crate) rights: String,
    /// A functional mailbox's folder, read by members (per-user `\Seen`).
    pub(crate) shared: bool,
}

impl Target {
    pub(crate) fn may(&self, right: char) -> bool {
        self.rights.contains(right)
    }
}

/// Functional mailboxes `account` is a member of, with its rights.
async fn groups(store: &Store, account: &Account) -> Result<Vec<(Account, String)>, StoreError> {
    Ok(store
        .groups_of(account.id)
        .await?
        .into_iter()
        .filter(|(_, rights)| rights.contains('l'))
        .collect())
}

/// Finds the mailbox a client name designates, if it exists and is visible.
pub(crate) async fn resolve(
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

/// `Shared/...` without its prefix (the prefix is case-sensitive except
/// that clients often send it as listed, so compare exactly).
pub(crate) fn strip_shared(name: &str) -> Option<&str> {
    name.strip_prefix(SHARED_PREFIX)
}

/// Every mailbox visible to `account`: its own, then the shared ones.
pub(crate) async fn all(store: &Store, account: &Account) -> Result<Vec<Target>, StoreError> {
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

/// The account owning a target (the group for shared folders).
pub(crate) fn owner(t: &Target) -> AccountId {
    t.mailbox.account_id
}

/// RFC 9051 §6.3.9 LIST pattern match: `*` matches anything, `%` anything
/// but the delimiter. INBOX is matched case-insensitively (§5.1).
pub(crate) fn pattern_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[char], n: &[char]) -> bool {
        match p.first() {
            None => n.is_empty(),
            Some('*') => (0..=n.len()).any(|i| go(&p[1..], &n[i..])),
            Some('%') => {
                for i in 0..=n.len() {
                    if go(&p[1..], &n[i..]) {
                        return true;
                    }
                    if n.get(i) == Some(&DELIM) {
                        return false;
                    }
                }
                false
            }
            Some(c) => n.first() == Some(c) && go(&p[1..], &n[1..]),
        }
    }
    let canon = |s: &str| -> String {
        if let (Some(head), Some(rest)) = (s.get(..5), s.get(5..))
            && head.eq_ignore_ascii_case("INBOX")
            && (rest.is_empty() || rest.starts_with(DELIM))
        {
            return format!("INBOX{rest}");
        }
        s.to_string()
    };
    // Bound the backtracking: names and patterns are short in practice.
    let p: Vec<char> = canon(pattern).chars().take(256).collect();
    let n: Vec<char> = canon(name).chars().take(1024).collect();
    if p.iter().filter(|c| matches!(c, '*' | '%')).count() > 8 {
        return false;
    }
    go(&p, &n)
}
