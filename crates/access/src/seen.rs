//! R2: each member of a functional mailbox has their own `\Seen`, for
//! every door (IMAP, the webmail): which messages they have seen, marking
//! them, and their unseen count from the store's kept counts, so a folder
//! list never reads the messages. Own folders use the stored flag and the
//! mailbox's kept counts.

use std::collections::HashSet;

use vesontio_store::{MailboxCounts, Store, StoreError};
use vesontio_types::{AccountId, Uid};

use crate::Target;

/// The messages `reader` has seen in `t`, when `t` is a functional
/// mailbox's folder (`None`: the stored `\Seen` applies).
pub async fn seen_set(
    store: &Store,
    t: &Target,
    reader: AccountId,
) -> Result<Option<HashSet<Uid>>, StoreError> {
    if !t.shared {
        return Ok(None);
    }
    Ok(Some(
        store
            .shared_seen(t.mailbox.id, reader)
            .await?
            .into_iter()
            .collect(),
    ))
}

/// Marks (or unmarks) `uids` seen by `reader` in a functional mailbox's
/// folder; `false` when `t` is an own folder, whose `\Seen` is a stored
/// flag the caller sets with the others.
pub async fn mark(
    store: &Store,
    t: &Target,
    reader: AccountId,
    uids: &[Uid],
    seen: bool,
) -> Result<bool, StoreError> {
    if !t.shared {
        return Ok(false);
    }
    store
        .set_shared_seen(t.mailbox.id, reader, uids, seen)
        .await?;
    Ok(true)
}

/// The counts of `t` as `reader` sees them (RFC 9051 STATUS, a folder
/// list): kept by the store, the unseen one the member's own in a
/// functional mailbox. `from` is as [`Store::counts_from`]'s.
pub async fn counts_from(
    store: &Store,
    t: &Target,
    reader: AccountId,
    from: Uid,
) -> Result<MailboxCounts, StoreError> {
    let mut counts = store.counts_from(t.mailbox.id, from).await?;
    if t.shared {
        counts.unseen = store.shared_unseen(t.mailbox.id, reader).await?;
    }
    Ok(counts)
}

/// The unseen count of `t` for `reader` (see [`counts_from`]).
pub async fn unseen(store: &Store, t: &Target, reader: AccountId) -> Result<u32, StoreError> {
    if t.shared {
        return store.shared_unseen(t.mailbox.id, reader).await;
    }
    Ok(store.counts(t.mailbox.id).await?.unseen)
}
