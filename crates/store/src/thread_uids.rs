//! The UIDs of some conversations' messages in one folder. A folder's
//! conversation list (`Store::list_threads`) counts unseen messages by
//! the stored `\Seen`; a functional mailbox's member (R2) has a `\Seen` of
//! their own, so a door showing such a folder as conversations counts
//! each thread's unseen from these UIDs and the member's seen set.
//!
//! Invariants
//! - One query for a whole page of threads (at most [`MAX_THREADS`]),
//!   through the thread index on (thread, folder).

use crate::sql;
use vesontio_types::{MailboxId, Uid};

use crate::Store;
use crate::error::Result;

/// Threads one call looks up at most (a page of a conversation list).
pub const MAX_THREADS: usize = 200;

impl Store {
    /// `(thread, uid)` of every message of `threads` in `mailbox`, by
    /// thread then UID; threads past [`MAX_THREADS`] are not looked up.
    pub async fn thread_uids(
        &self,
        mailbox: MailboxId,
        threads: &[i64],
    ) -> Result<Vec<(i64, Uid)>> {
        let threads = &threads[..threads.len().min(MAX_THREADS)];
        if threads.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..threads.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT thread_id, uid FROM messages WHERE mailbox_id = $1 AND thread_id IN ({}) \
             ORDER BY thread_id, uid",
            marks.join(", ")
        );
        let mut q = sql::query_as::<(i64, i64)>(sql::Safe(sql)).bind(mailbox.0);
        for t in threads {
            q = q.bind(*t);
        }
        let rows = q.fetch_all(self.r()).await?;
        Ok(rows.into_iter().map(|(t, u)| (t, u as Uid)).collect())
    }
}
