//! Opening a maildrop: the INBOX of the account, numbered in UID order,
//! with RFC 1939 sizes and UIDL values.

use std::collections::HashMap;
use std::sync::Mutex;

use vesontio_pop3_proto::{Maildrop, MessageInfo, octet_size};
use vesontio_store::{Store, StoreError};
use vesontio_types::{MailboxId, Uid};

/// One message of an open maildrop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) uid: Uid,
    pub(crate) blob_id: String,
    /// RFC 1939 §11 size: the CRLF-normalised octet count.
    pub(crate) size: u64,
}

/// The maildrop of a session, fixed at login (RFC 1939 §5: message numbers
/// do not change during a session).
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    pub(crate) inbox: MailboxId,
    pub(crate) entries: Vec<Entry>,
    pub(crate) info: Maildrop,
}

/// RFC 1939 §7 UIDL: "unique-id ... the server should never reuse an
/// unique-id in a given maildrop, for as long as the entity using the
/// unique-id exists". UIDVALIDITY changes when the mailbox is recreated, so
/// `uidvalidity.uid` is never reused and is stable across sessions.
pub(crate) fn uidl(uidvalidity: u32, uid: Uid) -> String {
    format!("{uidvalidity}.{uid}")
}

/// Octet sizes already computed, by blob id. Blobs are content-addressed,
/// so an id's size never changes and the cache needs no invalidation; it is
/// emptied when it grows past `SIZE_CACHE_MAX` entries.
#[derive(Debug, Default)]
pub(crate) struct SizeCache(Mutex<HashMap<String, u64>>);

const SIZE_CACHE_MAX: usize = 100_000;

impl SizeCache {
    fn get(&self, id: &str) -> Option<u64> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .copied()
    }

    fn put(&self, id: &str, size: u64) {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= SIZE_CACHE_MAX {
            m.clear();
        }
        m.insert(id.to_string(), size);
    }
}

/// Why a maildrop could not be opened.
#[derive(Debug, thiserror::Error)]
pub(crate) enum OpenError {
    #[error("the account has no INBOX")]
    NoInbox,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Lists the INBOX of `account`. The stored size counts the raw bytes; POP3
/// announces the normalised size, so each blob is measured once (then
/// cached).
pub(crate) async fn open(
    store: &Store,
    sizes: &SizeCache,
    account: vesontio_types::AccountId,
) -> Result<Opened, OpenError> {
    let inbox = store
        .mailbox_by_name(account, "INBOX")
        .await?
        .ok_or(OpenError::NoInbox)?;
    let metas = store.messages(inbox.id).await?;
    let mut entries = Vec::with_capacity(metas.len());
    let mut info = Vec::with_capacity(metas.len());
    for m in metas {
        // Stored at delivery since schema v2; rows from before are measured
        // once per process.
        let cached = m
            .crlf_size
            .map(|s| s.max(0) as u64)
            .or_else(|| sizes.get(&m.blob_id));
        let size = match cached {
            Some(s) => s,
            None => match store.read_blob(&m.blob_id).await {
                Ok(raw) => {
                    let s = octet_size(&raw);
                    sizes.put(&m.blob_id, s);
                    s
                }
                // Removed meanwhile by another session (IMAP EXPUNGE): keep
                // the number, RETR will say it is gone.
                Err(e) => {
                    tracing::warn!(uid = m.uid, error = %e, "blob unreadable while opening maildrop");
                    m.size.max(0) as u64
                }
            },
        };
        info.push(MessageInfo {
            size,
            uidl: uidl(inbox.uidvalidity, m.uid),
        });
        entries.push(Entry {
            uid: m.uid,
            blob_id: m.blob_id,
            size,
        });
    }
    Ok(Opened {
        inbox: inbox.id,
        entries,
        info: Maildrop { messages: info },
    })
}
