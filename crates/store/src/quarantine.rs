//! The quarantine (R8 security alerts, R9 antivirus): held messages with
//! their blob reference, listed for administrators without the subjects
//! of private messages (R4), released or deleted.

use crate::Store;
use crate::error::Result;
use crate::model::*;
use crate::sql;

impl Store {
    pub async fn quarantine_add(&self, q: NewQuarantine) -> Result<i64> {
        let mut tx = self.begin_durable().await?;
        self.link_blob(&mut tx, &q.blob).await?;
        let row = sql::query(
            "INSERT INTO quarantine (created_at, blob_id, sender, recipients, reason, rule, private, subject) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(q.created_at)
        .bind(&q.blob.id)
        .bind(&q.sender)
        .bind(q.recipients.join(","))
        .bind(&q.reason)
        .bind(q.rule.clone())
        .bind(q.private as i64)
        // R4: a private message's subject is never stored where admins look.
        .bind(if q.private { None } else { q.subject.clone() })
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.try_get(0)?)
    }

    pub async fn quarantine_list(&self) -> Result<Vec<QuarantineEntry>> {
        let rows = sql::query(
            "SELECT id, created_at, blob_id, sender, recipients, reason, rule, private, subject, status FROM quarantine ORDER BY id",
        )
        .fetch_all(self.r())
        .await?;
        rows.iter()
            .map(|r| {
                let rcpts: String = r.try_get("recipients")?;
                Ok(QuarantineEntry {
                    id: r.try_get("id")?,
                    created_at: r.try_get("created_at")?,
                    blob_id: r.try_get("blob_id")?,
                    sender: r.try_get("sender")?,
                    recipients: rcpts
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    reason: r.try_get("reason")?,
                    rule: r.try_get("rule")?,
                    private: r.try_get::<i64, _>("private")? != 0,
                    subject: r.try_get("subject")?,
                    status: r.try_get("status")?,
                })
            })
            .collect()
    }

    /// Removes a quarantine entry (after release or deletion) and its blob reference.
    pub async fn quarantine_remove(&self, id: i64) -> Result<bool> {
        let mut tx = self.begin_durable().await?;
        let blob: Option<(String,)> = sql::query_as("SELECT blob_id FROM quarantine WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        sql::query("DELETE FROM quarantine WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let found = blob.is_some();
        crate::expunge::release_blobs(&mut tx, self.dialect(), blob.into_iter().map(|b| b.0))
            .await?;
        tx.commit().await?;
        Ok(found)
    }
}
