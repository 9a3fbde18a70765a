//! R23: absence-message settings per account and the memory of who was
//! answered in which period (once per sender per period).

use crate::sql;
use vesontio_types::AccountId;

use crate::Store;
use crate::error::Result;
use crate::model::*;

impl Store {
    pub async fn set_vacation(&self, account: AccountId, v: &Vacation) -> Result<()> {
        let mut tx = self.begin_durable().await?;
        sql::query(
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
        sql::query("DELETE FROM vacation_replies WHERE account_id = $1")
            .bind(account.0)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn vacation(&self, account: AccountId) -> Result<Option<Vacation>> {
        let row = sql::query(
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
        let r = sql::query("INSERT INTO vacation_replies (account_id, sender, period) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(account.0)
            .bind(sender.to_lowercase())
            .bind(period)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
