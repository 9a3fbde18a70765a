//! Change notifications (issue 14 item 4): what IMAP IDLE, the webmail's
//! live updates and held deliveries wake on. On PostgreSQL a change is a
//! `NOTIFY` sent inside the transaction that commits it, so the server
//! delivers it at COMMIT and never for a transaction rolled back, to every
//! node (this one included, through its LISTEN task: see `lib.rs`). On
//! SQLite, one process owns the file: the change is sent in-process once
//! the commit returned.

use crate::db::Tx;
use crate::error::Result;
use crate::sql;
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
            sql::query("SELECT pg_notify($1, $2)")
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
            sql::query_as("SELECT account_id, highestmodseq FROM mailboxes WHERE id = $1")
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

/// A `account:mailbox:modseq:seq` payload as a [`Change`] (the last two
/// may be missing: 0, as from a node of an earlier release).
pub(crate) fn parse_payload(payload: &str) -> Option<Change> {
    let mut parts = payload.split(':').map(str::parse::<i64>);
    let (Some(Ok(a)), Some(Ok(m))) = (parts.next(), parts.next()) else {
        return None;
    };
    let modseq = parts.next().and_then(|r| r.ok()).unwrap_or(0) as u64;
    let seq = parts.next().and_then(|r| r.ok()).unwrap_or(0);
    Some(Change {
        account_id: vesontio_types::AccountId(a),
        mailbox_id: vesontio_types::MailboxId(m),
        modseq,
        seq,
    })
}

/// A connection of its own that `LISTEN`s on `channel`: its client (the
/// connection lasts as long as it is kept) and the payloads it hears,
/// until the connection ends (then the receiver yields `None`).
pub(crate) async fn listen(
    url: &str,
    channel: &str,
) -> Result<(
    tokio_postgres::Client,
    tokio::sync::mpsc::UnboundedReceiver<String>,
)> {
    use futures_util::StreamExt;
    let (client, mut connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(crate::sql::pg::to_sql_error)?;
    let (heard, rx) = tokio::sync::mpsc::unbounded_channel();
    // Polling the connection carries the LISTEN below, then the
    // notifications.
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(m) = messages.next().await {
            match m {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if heard.send(n.payload().to_string()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "LISTEN connection ended");
                    return;
                }
            }
        }
    });
    client
        .batch_execute(&format!("LISTEN \"{channel}\""))
        .await
        .map_err(crate::sql::pg::to_sql_error)?;
    Ok((client, rx))
}
