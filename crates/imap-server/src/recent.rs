//! The `\Recent` flag of IMAP4rev1 (RFC 3501 §2.3.2): a message is recent
//! in the first session that has the mailbox selected after it arrived.
//! IMAP4rev2 dropped it (RFC 9051 Appendix E.1), but IMAP4rev1 clients and
//! test suites (Dovecot's imaptest) still read `* n RECENT`, `\Recent` and
//! SEARCH RECENT/NEW/OLD.
//!
//! The boundary "first UID no session has claimed yet" lives in this
//! process's memory, per mailbox. RFC 3501 §2.3.2: "If it is not possible
//! to determine whether or not this session is the first session to be
//! notified about a message, then that message SHOULD be considered
//! recent" — so after a restart, or on another node of a cluster, a
//! message may be recent in more than one session; never in none.
//!
//! Invariant: a boundary only grows; a session that claims a range keeps
//! it for as long as the mailbox stays selected.

use std::collections::HashMap;
use std::sync::Mutex;

use vesontio_types::{MailboxId, Uid};

/// Per-mailbox claim boundaries of this process.
#[derive(Debug, Default)]
pub(crate) struct RecentMap(Mutex<HashMap<MailboxId, Uid>>);

impl RecentMap {
    /// The first UID not yet claimed by a session (1 when this process has
    /// not seen the mailbox selected: everything counts as recent).
    pub(crate) fn peek(&self, mailbox: MailboxId) -> Uid {
        let m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.get(&mailbox).copied().unwrap_or(1)
    }

    /// Claims every unclaimed UID below `next` for the caller (a read-write
    /// selection); returns the first UID claimed (`next` or more: nothing).
    pub(crate) fn claim(&self, mailbox: MailboxId, next: Uid) -> Uid {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let b = m.entry(mailbox).or_insert(1);
        let start = *b;
        *b = (*b).max(next);
        start
    }
}

/// The UIDs recent in one session, as inclusive ranges in ascending order
/// (claims only grow, so ranges are appended).
#[derive(Debug, Default, Clone)]
pub(crate) struct RecentSet(Vec<(Uid, Uid)>);

impl RecentSet {
    /// Adds `[from, to]` (nothing when empty); `from` is above every range held.
    pub(crate) fn add(&mut self, from: Uid, to: Uid) {
        if from > to {
            return;
        }
        match self.0.last_mut() {
            Some(last) if last.1.saturating_add(1) >= from => last.1 = last.1.max(to),
            _ => self.0.push((from, to)),
        }
    }

    pub(crate) fn contains(&self, uid: Uid) -> bool {
        let i = self.0.partition_point(|r| r.1 < uid);
        self.0.get(i).is_some_and(|r| r.0 <= uid)
    }
}
