//! R5: the recipients each sender sent to, by time, shared by every node
//! so that the hourly limit holds across a cluster.

use crate::sql;
use vesontio_types::UnixTime;

use crate::Store;
use crate::error::Result;

impl Store {
    pub async fn record_sent(&self, sender: &str, at: UnixTime, recipients: i64) -> Result<()> {
        sql::query("INSERT INTO send_rate (sender, at, n) VALUES ($1, $2, $3)")
            .bind(sender.to_lowercase())
            .bind(at)
            .bind(recipients)
            .execute(self.w())
            .await?;
        Ok(())
    }

    /// Recipients sent by `sender` in `(now - window, now]`.
    pub async fn sent_since(&self, sender: &str, since: UnixTime) -> Result<i64> {
        let row: (i64,) = sql::query_as("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM send_rate WHERE sender = $1 AND at > $2")
            .bind(sender.to_lowercase())
            .bind(since)
            .fetch_one(self.r())
            .await?;
        Ok(row.0)
    }

    pub async fn prune_sent(&self, before: UnixTime) -> Result<u64> {
        let r = sql::query("DELETE FROM send_rate WHERE at <= $1")
            .bind(before)
            .execute(self.w())
            .await?;
        Ok(r.rows_affected())
    }
}
