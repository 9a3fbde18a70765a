//! Mailbox indexes (`index.rs`: UIDs and flag bits) kept for every
//! session of the process, keyed by the mailbox's HIGHESTMODSEQ. Every
//! write that changes a mailbox's UIDs, flags or keywords raises it in
//! the same transaction (APPEND and delivery, COPY and MOVE, STORE,
//! EXPUNGE), so an entry read with modseq M is the mailbox's state for as
//! long as its modseq stays M, on every node of a cluster too: a SELECT
//! of an unchanged 20,000-message mailbox reads one row instead of 20,000.
//! The entry and its modseq come from one statement (one snapshot).
//!
//! Bounded by the UIDs it holds (`limits.mailbox_index_cache`, five bytes
//! each and their keywords); past the bound the least recently used
//! mailboxes go.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use vesontio_types::{MailboxId, ModSeq};

use crate::index::MailboxIndex;

/// The default bound, in UIDs (about 10 MB).
pub const DEFAULT_UIDS: usize = 2_000_000;

#[derive(Debug)]
pub(crate) struct IndexCache {
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<MailboxId, Entry>,
    /// UIDs held, all entries together.
    total: usize,
    limit: usize,
    clock: u64,
}

#[derive(Debug)]
struct Entry {
    modseq: ModSeq,
    index: Arc<MailboxIndex>,
    used: u64,
}

impl Default for IndexCache {
    fn default() -> Self {
        IndexCache {
            inner: Mutex::new(Entries {
                limit: DEFAULT_UIDS,
                ..Default::default()
            }),
        }
    }
}

impl IndexCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves consistent data (every
        // change is one insert or remove): keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_limit(&self, uids: usize) {
        let mut e = self.entries();
        e.limit = uids;
        e.evict();
    }

    /// The index of `mailbox` at `modseq`, if kept.
    pub(crate) fn get(&self, mailbox: MailboxId, modseq: ModSeq) -> Option<Arc<MailboxIndex>> {
        let mut e = self.entries();
        e.clock += 1;
        let now = e.clock;
        let entry = e.map.get_mut(&mailbox)?;
        if entry.modseq != modseq {
            return None;
        }
        entry.used = now;
        Some(entry.index.clone())
    }

    pub(crate) fn put(&self, mailbox: MailboxId, modseq: ModSeq, index: Arc<MailboxIndex>) {
        let mut e = self.entries();
        if index.uids.len() > e.limit {
            return;
        }
        e.clock += 1;
        let used = e.clock;
        let size = index.uids.len();
        if let Some(old) = e.map.insert(
            mailbox,
            Entry {
                modseq,
                index,
                used,
            },
        ) {
            e.total -= old.index.uids.len();
        }
        e.total += size;
        e.evict();
    }

    #[cfg(test)]
    fn held(&self) -> (usize, usize) {
        let e = self.entries();
        (e.map.len(), e.total)
    }
}

impl Entries {
    fn evict(&mut self) {
        while self.total > self.limit {
            let Some((&oldest, _)) = self.map.iter().min_by_key(|(_, v)| v.used) else {
                return;
            };
            if let Some(gone) = self.map.remove(&oldest) {
                self.total -= gone.index.uids.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(n: u32) -> Arc<MailboxIndex> {
        Arc::new(MailboxIndex {
            uids: (1..=n).collect(),
            bits: vec![0; n as usize],
            keywords: Vec::new(),
        })
    }

    #[test]
    fn an_entry_serves_its_modseq_only() {
        let c = IndexCache::default();
        c.put(MailboxId(1), 7, index(3));
        assert_eq!(c.get(MailboxId(1), 7).map(|i| i.uids.len()), Some(3));
        assert!(c.get(MailboxId(1), 8).is_none(), "a newer modseq misses");
        assert!(c.get(MailboxId(2), 7).is_none());
        c.put(MailboxId(1), 8, index(4));
        assert_eq!(c.held(), (1, 4), "replaced, not added");
    }

    #[test]
    fn the_least_recently_used_go_past_the_bound() {
        let c = IndexCache::default();
        c.set_limit(10);
        c.put(MailboxId(1), 1, index(4));
        c.put(MailboxId(2), 1, index(4));
        assert!(c.get(MailboxId(1), 1).is_some());
        c.put(MailboxId(3), 1, index(4));
        assert!(c.get(MailboxId(2), 1).is_none(), "the oldest use went");
        assert!(c.get(MailboxId(1), 1).is_some() && c.get(MailboxId(3), 1).is_some());
        assert_eq!(c.held(), (2, 8));
        c.put(MailboxId(4), 1, index(11));
        assert!(
            c.get(MailboxId(4), 1).is_none(),
            "larger than the bound: not kept"
        );
        c.set_limit(0);
        assert_eq!(c.held(), (0, 0));
    }
}
