//! The spam classifier's models (R24), stored so that every node of a
//! cluster scores with the same one: one per domain and a shared base
//! (domain `""`). The store keeps bytes; the `spam` crate knows their
//! format. Learning is a read-modify-write under the row's lock (PostgreSQL
//! `FOR UPDATE`; SQLite has one writer), so two nodes learning at once
//! never lose each other's update.

use crate::sql;
use crate::Store;
use crate::error::Result;

impl Store {
    /// The stored model of `domain` (`""`: the shared base).
    pub async fn spam_model(&self, domain: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> =
            sql::query_as("SELECT data FROM spam_models WHERE domain = $1")
                .bind(domain)
                .fetch_optional(self.r())
                .await?;
        Ok(row.map(|r| r.0).filter(|d| !d.is_empty()))
    }

    /// Changes `domain`'s model: `change` gets the stored bytes (if any)
    /// and returns the new ones, all in one transaction.
    pub async fn update_spam_model<F>(&self, domain: &str, now: i64, change: F) -> Result<()>
    where
        F: FnOnce(Option<Vec<u8>>) -> Vec<u8>,
    {
        let lock = match self.dialect() {
            crate::Dialect::Postgres => " FOR UPDATE",
            crate::Dialect::Sqlite => "",
        };
        let mut tx = self.begin_durable().await?;
        // A row to lock even for a domain's first model (empty bytes mean
        // none yet), so two first learners also queue on it.
        sql::query(
            "INSERT INTO spam_models (domain, data, updated_at) VALUES ($1, $2, 0) \
             ON CONFLICT (domain) DO NOTHING",
        )
        .bind(domain)
        .bind(Vec::<u8>::new())
        .execute(&mut *tx)
        .await?;
        let row: Option<(Vec<u8>,)> =
            sql::query_as(q!("SELECT data FROM spam_models WHERE domain = $1{lock}"))
                .bind(domain)
                .fetch_optional(&mut *tx)
                .await?;
        let data = change(row.map(|r| r.0).filter(|d| !d.is_empty()));
        sql::query(
            "INSERT INTO spam_models (domain, data, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (domain) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at",
        )
        .bind(domain)
        .bind(data)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
