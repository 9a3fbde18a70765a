//! Change notifications (issue 14 item 4): what IMAP IDLE, the webmail's
//! live updates and held deliveries wake on. On PostgreSQL a change is a
//! `NOTIFY` sent inside the transaction that commits it, so the server
//! delivers it at COMMIT and never for a transaction rolled back, to every
//! node (this one included, through its LISTEN task: see `lib.rs`). On
//! SQLite, one process owns the file: the change is sent in-process once
//! the commit returned.

use crate::db::Tx;
use crate::error::Result;
use crate::{Change, Store};

impl Store {
    /// Queues `changes` in `tx` (PostgreSQL); returns what [`Store::published`]
    /// must send after the commit (SQLite). One change per mailbox, its
    /// latest.
    pub(crate) async fn announce(&self, tx: &mut Tx, changes: Vec<Change>) -> Result<Vec<Change>> {
        let mut changes = changes;
        changes.sort_by_key(|c| {
            (
                c.mailbox_id.0,
                std::cmp::Reverse(c.modseq),
                std::cmp::Reverse(c.seq),
            )
        });
        changes.dedup_by_key(|c| c.mailbox_id);
        let Some(channel) = &self.inner.notify_channel else {
            return Ok(changes);
        };
        for c in &changes {
            let payload = format!(
                "{}:{}:{}:{}",
                c.account_id.0, c.mailbox_id.0, c.modseq, c.seq
            );
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&mut **tx)
                .await?;
        }
        Ok(Vec::new())
    }

    /// Sends, after their commit, the changes [`Store::announce`] left for
    /// this process (SQLite).
    pub(crate) fn published(&self, changes: Vec<Change>) {
        for c in changes {
            let _ = self.inner.changes.send(c);
        }
    }

    /// The change a write made to `mailbox`, read inside its transaction.
    pub(crate) async fn mailbox_change(
        &self,
        tx: &mut Tx,
        mailbox: vesontio_types::MailboxId,
        seq: i64,
    ) -> Result<Option<Change>> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("SELECT account_id, highestmodseq FROM mailboxes WHERE id = $1")
                .bind(mailbox.0)
                .fetch_optional(&mut **tx)
                .await?;
        Ok(row.map(|(a, m)| Change {
            account_id: vesontio_types::AccountId(a),
            mailbox_id: mailbox,
            modseq: m as vesontio_types::ModSeq,
            seq,
        }))
    }
}
