//! Small tables behind charter rules: quarantine (R8, R9), sending rate
//! (R5), absence replies (R23). Login failures are in `logins.rs`.

use sqlx::Row;
use vesontio_types::{AccountId, UnixTime};

use crate::Store;
use crate::error::Result;
use crate::model::*;

impl Store {
    // ---- quarantine ----

    pub async fn quarantine_add(&self, q: NewQuarantine) -> Result<i64> {
        let mut tx = self.begin_durable().await?;
        self.link_blob(&mut tx, &q.blob, None).await?;
        let row = sqlx::query(
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
        let rows = sqlx::query(
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
        let mut tx = self.w().begin().await?;
        let blob: Option<(String,)> =
            sqlx::query_as("SELECT blob_id FROM quarantine WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query("DELETE FROM quarantine WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let found = blob.is_some();
        let unlink =
            crate::expunge::release_blobs(&mut tx, self.dialect(), blob.into_iter().map(|b| b.0))
                .await?;
        tx.commit().await?;
        self.unlink_blobs(unlink).await;
        Ok(found)
    }

    // ---- R5 sending rate ----

    pub async fn record_sent(&self, sender: &str, at: UnixTime, recipients: i64) -> Result<()> {
        sqlx::query("INSERT INTO send_rate (sender, at, n) VALUES ($1, $2, $3)")
            .bind(sender.to_lowercase())
            .bind(at)
            .bind(recipients)
            .execute(self.w())
            .await?;
        Ok(())
    }

    /// Recipients sent by `sender` in `(now - window, now]`.
    pub async fn sent_since(&self, sender: &str, since: UnixTime) -> Result<i64> {
        let row: (i64,) = sqlx::query_as("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM send_rate WHERE sender = $1 AND at > $2")
            .bind(sender.to_lowercase())
            .bind(since)
            .fetch_one(self.r())
            .await?;
        Ok(row.0)
    }

    pub async fn prune_sent(&self, before: UnixTime) -> Result<u64> {
        let r = sqlx::query("DELETE FROM send_rate WHERE at <= $1")
            .bind(before)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected())
    }

    // ---- R23 absence message ----

    pub async fn set_vacation(&self, account: AccountId, v: &Vacation) -> Result<()> {
        let mut tx = self.w().begin().await?;
        sqlx::query(
            "INSERT INTO vacation (account_id, active, start_at, end_at, subject, body) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (account_id) DO UPDATE SET active = excluded.active, start_at = excluded.start_at, \
             end_at = excluded.end_at, subject = excluded.subject, body = excluded.body",
        )
        .bind(account.0)
        .bind(v.active as i64)
        .bind(v.start_at)
        .bind(v.end_at)
        .bind(&v.subject)
        .bind(&v.body)
        .execute(&mut *tx)
        .await?;
        // A new period: everyone gets one reply again.
        sqlx::query("DELETE FROM vacation_replies WHERE account_id = $1")
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn vacation(&self, account: AccountId) -> Result<Option<Vacation>> {
        let row = sqlx::query(
            "SELECT active, start_at, end_at, subject, body FROM vacation WHERE account_id = $1",
        )
        .bind(account.0)
        .fetch_optional(self.r())
        .await?;
        row.map(|r| {
            Ok(Vacation {
                active: r.try_get::<i64, _>(0)? != 0,
                start_at: r.try_get(1)?,
                end_at: r.try_get(2)?,
                subject: r.try_get(3)?,
                body: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// R23: records that `sender` got the absence reply for `period`.
    /// Returns false if they already had it (so no second reply).
    pub async fn vacation_mark_replied(
        &self,
        account: AccountId,
        sender: &str,
        period: &str,
    ) -> Result<bool> {
        let r = sqlx::query("INSERT INTO vacation_replies (account_id, sender, period) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(account.0)
            .bind(sender.to_lowercase())
            .bind(period)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
