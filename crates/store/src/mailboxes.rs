//! Mailboxes (IMAP folders) of an account. Hierarchy is carried by the name,
//! with `/` as the delimiter (RFC 9051 §5.1).

use crate::sql;
use crate::sql::Row;
use vesontio_types::{AccountId, MailboxId};

use crate::Store;
use crate::error::{Result, StoreError};
use crate::ingest::{ChangeKind, next_seq, record_changes};
use crate::model::*;

const COLS: &str =
    "id, account_id, name, special_use, uidnext, highestmodseq, total, unseen, bytes";

fn from_row(r: &Row) -> Result<Mailbox> {
    let id: i64 = r.try_get("id")?;
    Ok(Mailbox {
        id: MailboxId(id),
        account_id: AccountId(r.try_get("account_id")?),
        name: r.try_get("name")?,
        special_use: r.try_get("special_use")?,
        uidvalidity: uidvalidity_of(id),
        uidnext: r.try_get::<i64, _>("uidnext")? as u32,
        highestmodseq: r.try_get::<i64, _>("highestmodseq")? as u64,
        total: r.try_get::<i64, _>("total")?.max(0) as u32,
        unseen: r.try_get::<i64, _>("unseen")?.max(0) as u32,
        bytes: r.try_get("bytes")?,
    })
}

/// UIDVALIDITY is the mailbox's row id: ids are never reused, so a mailbox
/// deleted and re-created gets a new UIDVALIDITY (RFC 9051 §2.3.1.1), and a
/// renamed one keeps its own.
pub(crate) fn uidvalidity_of(id: i64) -> u32 {
    (id as u32).max(1)
}

/// RFC 9051 §5.1: INBOX is case-insensitive.
fn canonical(name: &str) -> String {
    if name.eq_ignore_ascii_case("INBOX") {
        return "INBOX".to_string();
    }
    // `get` rather than slicing: byte 6 may fall inside a UTF-8 character.
    match (name.get(..6), name.get(6..)) {
        (Some(head), Some(rest)) if !rest.is_empty() && head.eq_ignore_ascii_case("INBOX/") => {
            format!("INBOX/{rest}")
        }
        _ => name.to_string(),
    }
}

impl Store {
    pub async fn create_mailbox(
        &self,
        account: AccountId,
        name: &str,
        special_use: Option<&str>,
    ) -> Result<Mailbox> {
        let name = canonical(name);
        if name.is_empty() || name.starts_with('/') || name.ends_with('/') || name.contains("//") {
            return Err(StoreError::Invalid(format!("bad mailbox name {name:?}")));
        }
        let mut tx = self.begin_durable().await?;
        let seq = next_seq(&mut tx, account.0).await?;
        let res = sql::query(q!(
            "INSERT INTO mailboxes (account_id, name, special_use) VALUES ($1, $2, $3) RETURNING {COLS}"
        ))
        .bind(account.0)
        .bind(&name)
        .bind(special_use.map(str::to_string))
        .fetch_one(&mut *tx)
        .await;
        let mb = match res {
            Ok(row) => from_row(&row)?,
            Err(e) if e.is_unique_violation() => {
                return Err(StoreError::AlreadyExists(name));
            }
            Err(e) => return Err(e.into()),
        };
        record_changes(
            &mut tx,
            account.0,
            seq,
            &[(ChangeKind::Mailbox, 0, mb.id.0)],
            crate::now(),
        )
        .await?;
        tx.commit().await?;
        Ok(mb)
    }

    /// Every mailbox of an account, ordered by name.
    pub async fn mailboxes(&self, account: AccountId) -> Result<Vec<Mailbox>> {
        let rows = sql::query(q!(
            "SELECT {COLS} FROM mailboxes WHERE account_id = $1 ORDER BY name"
        ))
        .bind(account.0)
        .fetch_all(self.r())
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn mailbox_by_name(&self, account: AccountId, name: &str) -> Result<Option<Mailbox>> {
        let row = sql::query(q!(
            "SELECT {COLS} FROM mailboxes WHERE account_id = $1 AND name = $2"
        ))
        .bind(account.0)
        .bind(canonical(name))
        .fetch_optional(self.r())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn mailbox(&self, id: MailboxId) -> Result<Option<Mailbox>> {
        let row = sql::query(q!("SELECT {COLS} FROM mailboxes WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.r())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Renames a mailbox and its children (RFC 9051 §6.3.6). Renaming INBOX
    /// is a protocol-level operation (move its messages) left to the caller.
    pub async fn rename_mailbox(&self, id: MailboxId, new_name: &str) -> Result<()> {
        let new_name = canonical(new_name);
        let mut tx = self.begin_durable().await?;
        let row = sql::query("SELECT account_id, name FROM mailboxes WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("mailbox {}", id.0)))?;
        let account: i64 = row.try_get(0)?;
        let old: String = row.try_get(1)?;
        let seq = next_seq(&mut tx, account).await?;
        let mut log = vec![(ChangeKind::Mailbox, 0, id.0)];
        let taken: Option<(i64,)> =
            sql::query_as("SELECT id FROM mailboxes WHERE account_id = $1 AND name = $2")
                .bind(account)
                .bind(&new_name)
                .fetch_optional(&mut *tx)
                .await?;
        if taken.is_some() {
            return Err(StoreError::AlreadyExists(new_name));
        }
        let children: Vec<(i64, String)> =
            sql::query_as("SELECT id, name FROM mailboxes WHERE account_id = $1")
                .bind(account)
                .fetch_all(&mut *tx)
                .await?;
        sql::query("UPDATE mailboxes SET name = $1 WHERE id = $2")
            .bind(&new_name)
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        let prefix = format!("{old}/");
        let mut moved = vec![(old.clone(), new_name.clone())];
        for (cid, cname) in children {
            if let Some(rest) = cname.strip_prefix(&prefix) {
                let to = format!("{new_name}/{rest}");
                sql::query("UPDATE mailboxes SET name = $1 WHERE id = $2")
                    .bind(&to)
                    .bind(cid)
                    .execute(&mut *tx)
                    .await?;
                moved.push((cname, to));
                log.push((ChangeKind::Mailbox, 0, cid));
            }
        }
        record_changes(&mut tx, account, seq, &log, crate::now()).await?;
        // Subscriptions follow the renamed folders, as users expect (a
        // subscription to a name that is taken already stays as it is).
        for (from, to) in moved {
            sql::query(
                "UPDATE subscriptions SET name = $1 WHERE account_id = $2 AND name = $3 \
                 AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE account_id = $2 AND name = $1)",
            )
            .bind(to)
            .bind(account)
            .bind(from)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a mailbox with its messages, freeing their quota at once.
    pub async fn delete_mailbox(&self, id: MailboxId) -> Result<()> {
        let mut tx = self.begin_durable().await?;
        let row = sql::query("SELECT account_id FROM mailboxes WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("mailbox {}", id.0)))?;
        let account: i64 = row.try_get(0)?;
        let seq = next_seq(&mut tx, account).await?;
        let msgs: Vec<(String, i64, Option<i64>)> =
            sql::query_as("SELECT blob_id, size, email_id FROM messages WHERE mailbox_id = $1")
                .bind(id.0)
                .fetch_all(&mut *tx)
                .await?;
        let mut log: Vec<(ChangeKind, i64, i64)> = msgs
            .iter()
            .map(|m| (ChangeKind::Destroyed, m.2.unwrap_or(0), id.0))
            .collect();
        log.push((ChangeKind::Mailbox, 0, id.0));
        record_changes(&mut tx, account, seq, &log, crate::now()).await?;
        let freed: i64 = msgs.iter().map(|m| m.1).sum();
        sql::query("DELETE FROM mailboxes WHERE id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await?;
        sql::query("UPDATE accounts SET bytes_used = bytes_used - $1 WHERE id = $2")
            .bind(freed)
            .bind(account)
            .execute(&mut *tx)
            .await?;
        crate::expunge::release_blobs(&mut tx, self.dialect(), msgs.into_iter().map(|m| m.0))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The names `account` is subscribed to, sorted; some may name no
    /// mailbox (RFC 9051 §6.3.7).
    pub async fn subscriptions(&self, account: AccountId) -> Result<Vec<String>> {
        let rows: Vec<(String,)> =
            sql::query_as("SELECT name FROM subscriptions WHERE account_id = $1 ORDER BY name")
                .bind(account.0)
                .fetch_all(self.r())
                .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Adds or removes a subscription by name; either is idempotent.
    pub async fn set_subscribed(&self, account: AccountId, name: &str, on: bool) -> Result<()> {
        let name = canonical(name);
        let sql = if on {
            "INSERT INTO subscriptions (account_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING"
        } else {
            "DELETE FROM subscriptions WHERE account_id = $1 AND name = $2"
        };
        sql::query(sql)
            .bind(account.0)
            .bind(name)
            .execute(self.w())
            .await?;
        Ok(())
    }
}
