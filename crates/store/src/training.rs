//! Training events of the filter pipeline (issue 15 item 3, R24): a person
//! moving a message into the Junk folder, or out of it to another folder
//! than the Trash, or setting the `$Junk` / `$NotJunk` keywords, says
//! "this is spam" or "this is not". Each such act is a row of
//! `training_events` (v9), read in `id` order by the filters of every
//! node ([`Store::training_since`]), so a classifier whose model lives in
//! the store learns each act once whatever the node it happened on.
//!
//! The doors call [`Store::train_on_move`] after a COPY/MOVE and
//! [`Store::train_on_flags`] after a STORE; the store decides from the
//! folders' special use (RFC 6154 `\Junk`, `\Trash`) or their names.

use crate::sql;
use vesontio_types::{MailboxId, Uid, UnixTime};

use crate::Store;
use crate::error::Result;
use crate::model::FlagOp;

/// What the person said about the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TrainingKind {
    Spam,
    Ham,
}

impl TrainingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TrainingKind::Spam => "spam",
            TrainingKind::Ham => "ham",
        }
    }

    fn parse(s: &str) -> Self {
        if s == "spam" {
            TrainingKind::Spam
        } else {
            TrainingKind::Ham
        }
    }
}

/// One training event: the message (its copy after the act) and what it
/// was said to be.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrainingEvent {
    pub id: i64,
    pub created_at: UnixTime,
    pub account_id: i64,
    pub mailbox_id: i64,
    pub uid: Uid,
    /// The content, to read with [`Store::read_blob`] (gone once every
    /// copy is expunged: a filter reads it soon or skips the event).
    pub blob_id: String,
    pub kind: TrainingKind,
    /// `"move"`, `"copy"` or `"keyword"`.
    pub source: String,
}

/// The role of a folder for training: Junk, Trash, or another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Junk,
    Trash,
    Other,
}

impl Store {
    async fn role_of(&self, mailbox: MailboxId) -> Result<Role> {
        let row: Option<(String, Option<String>)> =
            sql::query_as("SELECT name, special_use FROM mailboxes WHERE id = $1")
                .bind(mailbox.0)
                .fetch_optional(self.r())
                .await?;
        let Some((name, special)) = row else {
            return Ok(Role::Other);
        };
        let special = special.unwrap_or_default().to_ascii_lowercase();
        let name = name.to_ascii_lowercase();
        Ok(if special.contains("\\junk") || name == "junk" {
            Role::Junk
        } else if special.contains("\\trash") || name == "trash" {
            Role::Trash
        } else {
            Role::Other
        })
    }

    /// After a COPY or MOVE from `src` to `dst` of the (source, destination)
    /// uid pairs in `map`: into Junk is spam; out of Junk (a move, to
    /// anything but the Trash, which says nothing about the content) is
    /// ham. Returns the number of events written.
    pub async fn train_on_move(
        &self,
        src: MailboxId,
        dst: MailboxId,
        map: &[(Uid, Uid)],
        moved: bool,
        now: UnixTime,
    ) -> Result<usize> {
        if map.is_empty() {
            return Ok(0);
        }
        let (from, to) = (self.role_of(src).await?, self.role_of(dst).await?);
        let kind = match (from, to) {
            (Role::Junk, Role::Junk) => return Ok(0),
            (_, Role::Junk) => TrainingKind::Spam,
            (Role::Junk, Role::Other) if moved => TrainingKind::Ham,
            _ => return Ok(0),
        };
        let uids: Vec<Uid> = map.iter().map(|m| m.1).collect();
        let source = if moved { "move" } else { "copy" };
        self.record_training(dst, &uids, kind, source, now).await
    }

    /// After a STORE of `flags` with `op` on `uids`: `$Junk` added is spam,
    /// `$NotJunk` added is ham (the keywords of RFC 5788's registry that
    /// mail clients set for their "junk" button).
    pub async fn train_on_flags(
        &self,
        mailbox: MailboxId,
        uids: &[Uid],
        op: FlagOp,
        flags: &[String],
        now: UnixTime,
    ) -> Result<usize> {
        if op == FlagOp::Remove || uids.is_empty() {
            return Ok(0);
        }
        let has = |k: &str| flags.iter().any(|f| f.eq_ignore_ascii_case(k));
        let kind = if has("$Junk") {
            TrainingKind::Spam
        } else if has("$NotJunk") {
            TrainingKind::Ham
        } else {
            return Ok(0);
        };
        self.record_training(mailbox, uids, kind, "keyword", now)
            .await
    }

    /// Writes one event per existing message of `uids` in `mailbox`.
    pub async fn record_training(
        &self,
        mailbox: MailboxId,
        uids: &[Uid],
        kind: TrainingKind,
        source: &str,
        now: UnixTime,
    ) -> Result<usize> {
        let mut tx = self.begin_fast().await?;
        let mut n = 0;
        for uid in uids {
            let res = sql::query(
                "INSERT INTO training_events (created_at, account_id, mailbox_id, uid, blob_id, kind, source) \
                 SELECT $1, mb.account_id, m.mailbox_id, m.uid, m.blob_id, $2, $3 \
                 FROM messages m JOIN mailboxes mb ON mb.id = m.mailbox_id \
                 WHERE m.mailbox_id = $4 AND m.uid = $5",
            )
            .bind(now)
            .bind(kind.as_str())
            .bind(source)
            .bind(mailbox.0)
            .bind(*uid as i64)
            .execute(&mut *tx)
            .await?;
            n += res.rows_affected() as usize;
        }
        tx.commit().await?;
        Ok(n)
    }

    /// The last event the filters named `name` were given (0: none), so
    /// that whichever node dispatches next goes on from there.
    pub async fn training_cursor(&self, name: &str) -> Result<i64> {
        let row: Option<(i64,)> =
            sql::query_as("SELECT last_id FROM training_cursor WHERE name = $1")
                .bind(name)
                .fetch_optional(self.r())
                .await?;
        Ok(row.map_or(0, |r| r.0))
    }

    pub async fn set_training_cursor(&self, name: &str, last_id: i64) -> Result<()> {
        sql::query(
            "INSERT INTO training_cursor (name, last_id) VALUES ($1, $2) \
             ON CONFLICT (name) DO UPDATE SET last_id = excluded.last_id",
        )
        .bind(name)
        .bind(last_id)
        .execute(self.w())
        .await?;
        Ok(())
    }

    /// Events after `after` (an event id; 0 for all), oldest first, at
    /// most `limit`.
    pub async fn training_since(&self, after: i64, limit: i64) -> Result<Vec<TrainingEvent>> {
        let rows = sql::query(
            "SELECT id, created_at, account_id, mailbox_id, uid, blob_id, kind, source \
             FROM training_events WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.r())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = r.try_get("kind")?;
                Ok(TrainingEvent {
                    id: r.try_get("id")?,
                    created_at: r.try_get("created_at")?,
                    account_id: r.try_get("account_id")?,
                    mailbox_id: r.try_get("mailbox_id")?,
                    uid: r.try_get::<i64, _>("uid")? as Uid,
                    blob_id: r.try_get("blob_id")?,
                    kind: TrainingKind::parse(&kind),
                    source: r.try_get("source")?,
                })
            })
            .collect()
    }
}
