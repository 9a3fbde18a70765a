//! The upgrade pass of schema v5: rows written by an earlier release get
//! their model, email and thread ids, flag columns and sort keys from
//! their blobs, then every mailbox's counts are computed once. Runs at
//! open, before anything else uses the store; resumable (rows still to do
//! have `email_id IS NULL`, and the counts step is marked done only at the
//! end), with a progress line in the log.

use crate::Store;
use crate::error::Result;
use crate::flagcols::FlagCols;
use crate::ingest::Parsed;
use crate::messages::split_flags;
use crate::sql;

/// Rows upgraded per transaction.
const BATCH: i64 = 200;

impl Store {
    pub(crate) async fn upgrade_v5(&self) -> Result<()> {
        let (done,): (i64,) =
            sql::query_as("SELECT done FROM upgrade_state WHERE name = 'v5_model'")
                .fetch_one(self.w())
                .await?;
        if done != 0 {
            return Ok(());
        }
        let (total,): (i64,) =
            sql::query_as("SELECT COUNT(*) FROM messages WHERE email_id IS NULL")
                .fetch_one(self.w())
                .await?;
        if total > 0 {
            tracing::info!(
                messages = total,
                "upgrading the store to the mail model (schema v5)"
            );
        }
        let mut n = 0i64;
        loop {
            let rows = sql::query(
                "SELECT m.id, m.blob_id, m.size, m.internal_date, m.flags, b.account_id \
                 FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id \
                 WHERE m.email_id IS NULL ORDER BY m.id LIMIT $1",
            )
            .bind(BATCH)
            .fetch_all(self.w().heavy())
            .await?;
            if rows.is_empty() {
                break;
            }
            // Blobs are read and parsed before the transaction, the parse
            // off the runtime's threads.
            let mut work = Vec::with_capacity(rows.len());
            for r in &rows {
                let blob_id: String = r.try_get(1)?;
                let size: i64 = r.try_get(2)?;
                let raw = match self.read_blob_sized(&blob_id, size).await {
                    Ok(raw) => raw,
                    Err(e) => {
                        tracing::warn!(blob = %blob_id, error = %e, "blob unreadable; its message gets an empty model");
                        Vec::new()
                    }
                };
                let parsed = tokio::task::spawn_blocking(move || Parsed::of(&raw))
                    .await
                    .unwrap_or_else(|_| Parsed::of(b""));
                let flags: String = r.try_get(4)?;
                work.push((
                    r.try_get::<i64, _>(0)?,
                    blob_id,
                    r.try_get::<i64, _>(3)?,
                    FlagCols::of(&split_flags(&flags)),
                    r.try_get::<i64, _>(5)?,
                    parsed,
                ));
            }
            let mut tx = self.begin_durable().await?;
            for (id, blob_id, date, fc, account, parsed) in &work {
                let content = crate::ingest::content_id(&mut tx, blob_id, parsed).await?;
                let (email, thread) =
                    crate::ingest::email_of(&mut tx, *account, blob_id, parsed, *date).await?;
                let s = fc.system;
                sql::query(
                    "UPDATE messages SET email_id = $1, thread_id = $2, seen = $3, answered = $4, \
                     flagged = $5, deleted = $6, draft = $7, keywords = $8, flags = '', \
                     sent_at = $9, from_key = $10, subject_key = $11, has_attachment = $12, \
                     content_id = $14 WHERE id = $13",
                )
                .bind(email)
                .bind(thread)
                .bind(s[0] as i64)
                .bind(s[1] as i64)
                .bind(s[2] as i64)
                .bind(s[3] as i64)
                .bind(s[4] as i64)
                .bind(&fc.keywords)
                .bind(parsed.model.sent_at.unwrap_or(*date))
                .bind(&parsed.from_key)
                .bind(&parsed.subject_key)
                .bind(parsed.model.has_attachment as i64)
                .bind(*id)
                .bind(content)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            n += work.len() as i64;
            tracing::info!("upgrade: {n}/{total} messages");
        }
        let mut tx = self.begin_durable().await?;
        sql::query(
            "UPDATE mailboxes SET \
             total = (SELECT COUNT(*) FROM messages m WHERE m.mailbox_id = mailboxes.id), \
             unseen = (SELECT COUNT(*) FROM messages m WHERE m.mailbox_id = mailboxes.id AND m.seen = 0), \
             deleted = (SELECT COUNT(*) FROM messages m WHERE m.mailbox_id = mailboxes.id AND m.deleted = 1), \
             bytes = (SELECT CAST(COALESCE(SUM(m.size), 0) AS BIGINT) FROM messages m WHERE m.mailbox_id = mailboxes.id)",
        )
        .execute(&mut *tx)
        .await?;
        sql::query("UPDATE upgrade_state SET done = 1 WHERE name = 'v5_model'")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        if total > 0 {
            tracing::info!(messages = n, "upgrade to schema v5 done");
        }
        Ok(())
    }
}
