//! Webmail sessions (migration v8), shared by every node through the
//! store. The web crate makes the random id and hashes it; this module
//! only ever sees the SHA-256 hex of the id (`id_hash`), so neither the
//! database nor its backups hold a usable session.

use crate::sql;
use vesontio_types::{AccountId, UnixTime};

use crate::Store;
use crate::error::Result;

/// One session row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub id_hash: String,
    pub account_id: AccountId,
    pub created_at: UnixTime,
    pub last_seen_at: UnixTime,
    /// R26: opened with an initial password; only the password change
    /// page is reachable until it is cleared.
    pub must_change_password: bool,
    /// The client address it was opened from (`types::client_key`), for
    /// the person's list of sessions.
    pub client: String,
}

impl Store {
    pub async fn web_session_create(&self, s: &WebSession) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        sql::query(
            "INSERT INTO web_sessions (id_hash, account_id, created_at, last_seen_at, \
             must_change_password, client) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id_hash)
        .bind(s.account_id.0)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(i64::from(s.must_change_password))
        .bind(&s.client)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn web_session(&self, id_hash: &str) -> Result<Option<WebSession>> {
        let row = sql::query(
            "SELECT id_hash, account_id, created_at, last_seen_at, must_change_password, client \
             FROM web_sessions WHERE id_hash = $1",
        )
        .bind(id_hash)
        .fetch_optional(self.r())
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(WebSession {
            id_hash: r.try_get(0)?,
            account_id: AccountId(r.try_get(1)?),
            created_at: r.try_get(2)?,
            last_seen_at: r.try_get(3)?,
            must_change_password: r.try_get::<i64, _>(4)? != 0,
            client: r.try_get(5)?,
        }))
    }

    /// Moves the idle deadline on. Callers do it at most once a minute per
    /// session, so reading pages costs no write most of the time.
    pub async fn web_session_touch(&self, id_hash: &str, now: UnixTime) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        sql::query("UPDATE web_sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(now)
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The password was changed in this session: it may go everywhere now.
    pub async fn web_session_password_changed(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        sql::query("UPDATE web_sessions SET must_change_password = 0 WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Logout. True if the session existed.
    pub async fn web_session_delete(&self, id_hash: &str) -> Result<bool> {
        let mut tx = self.begin_fast().await?;
        let n = sql::query("DELETE FROM web_sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n > 0)
    }

    /// Logout everywhere (and after a password change): every session of
    /// `account` but `keep`. Returns how many were closed.
    pub async fn web_sessions_delete_account(
        &self,
        account: AccountId,
        keep: Option<&str>,
    ) -> Result<u64> {
        let mut tx = self.begin_fast().await?;
        let n = sql::query("DELETE FROM web_sessions WHERE account_id = $1 AND id_hash <> $2")
            .bind(account.0)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Removes sessions idle since before `idle_before` or opened before
    /// `created_before` (run by the jobs, and harmless at any time).
    pub async fn web_sessions_prune(
        &self,
        idle_before: UnixTime,
        created_before: UnixTime,
    ) -> Result<u64> {
        let mut tx = self.begin_fast().await?;
        let n = sql::query("DELETE FROM web_sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// The webmail signature of an account (migration v11); empty if none.
    pub async fn web_signature(&self, account: AccountId) -> Result<String> {
        let row: Option<(String,)> =
            sql::query_as("SELECT signature FROM web_prefs WHERE account_id = $1")
                .bind(account.0)
                .fetch_optional(self.r())
                .await?;
        Ok(row.map(|r| r.0).unwrap_or_default())
    }

    pub async fn set_web_signature(&self, account: AccountId, signature: &str) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        sql::query(
            "INSERT INTO web_prefs (account_id, signature) VALUES ($1, $2) \
             ON CONFLICT (account_id) DO UPDATE SET signature = excluded.signature",
        )
        .bind(account.0)
        .bind(signature)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether `account` asked to always see the remote images of mail
    /// from `sender` (migration v18; compared lowercase).
    pub async fn web_images_allowed(&self, account: AccountId, sender: &str) -> Result<bool> {
        let row: Option<(i64,)> =
            sql::query_as("SELECT 1 FROM web_image_senders WHERE account_id = $1 AND sender = $2")
                .bind(account.0)
                .bind(sender.to_lowercase())
                .fetch_optional(self.r())
                .await?;
        Ok(row.is_some())
    }

    /// Sets or clears "always show images" of `sender` for `account`.
    pub async fn set_web_images_allowed(
        &self,
        account: AccountId,
        sender: &str,
        allowed: bool,
        now: UnixTime,
    ) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        if allowed {
            sql::query(
                "INSERT INTO web_image_senders (account_id, sender, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (account_id, sender) DO NOTHING",
            )
            .bind(account.0)
            .bind(sender.to_lowercase())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        } else {
            sql::query("DELETE FROM web_image_senders WHERE account_id = $1 AND sender = $2")
                .bind(account.0)
                .bind(sender.to_lowercase())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The senders whose images `account` always sees, in order.
    pub async fn web_image_senders(&self, account: AccountId) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = sql::query_as(
            "SELECT sender FROM web_image_senders WHERE account_id = $1 ORDER BY sender",
        )
        .bind(account.0)
        .fetch_all(self.r())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
