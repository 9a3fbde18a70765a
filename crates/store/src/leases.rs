//! Leases: the state that must hold across every process sharing one store
//! (issue 15, migration v7). An in-memory registry is enough for one
//! process; two `vesontio serve` nodes on one PostgreSQL would each grant
//! what the other already granted.
//!
//! - Session leases (`session_leases`): one row per open POP3 maildrop
//!   (RFC 1939 §8, the exclusive-access lock) or IMAP session (the
//!   per-account session limit). A row carries its process's `holder` and
//!   an expiry that process renews in one statement for all its rows
//!   ([`Store::session_leases_renew`]), so the sessions of a killed process
//!   lapse by themselves instead of locking the account forever.
//! - Named leases (`leases`): one runner at a time for a job
//!   ([`Store::lease_take`]: taken when free or lapsed, renewed by its own
//!   holder), also used as one-off claims ("the departure warning of
//!   account 42") that make a job's actions happen once whichever process
//!   runs it.
//!
//! Times are Unix seconds given by the caller, so that tests drive the
//! clock; expired rows are ignored at once and deleted by
//! [`Store::leases_prune`] (run hourly by the jobs).

use crate::sql;
use vesontio_types::{AccountId, UnixTime};

use crate::error::Result;
use crate::{Dialect, Store};

/// What a session lease is for: each kind is counted apart (a POP3 session
/// does not use up an IMAP slot, nor the reverse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionKind {
    /// An open POP3 maildrop; at most one per account.
    Pop3,
    /// An authenticated IMAP session.
    Imap,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Pop3 => "pop3",
            SessionKind::Imap => "imap",
        }
    }
}

impl Store {
    /// Takes a session lease of `kind` for `account` until `now + ttl`,
    /// unless `max` unexpired ones are already held (by any process).
    /// Returns the lease id, or `None` when the account is at its limit.
    pub async fn session_lease_take(
        &self,
        account: AccountId,
        kind: SessionKind,
        holder: &str,
        max: u32,
        now: UnixTime,
        ttl: i64,
    ) -> Result<Option<i64>> {
        let mut tx = self.begin_fast().await?;
        if self.dialect() == Dialect::Postgres {
            // Two nodes counting at once under READ COMMITTED would both see
            // room; the account row's lock makes them take turns (lock
            // order: account first, as everywhere). SQLite has one writer.
            sql::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(account.0)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let row: Option<(i64,)> = sql::query_as(
            "INSERT INTO session_leases (account_id, kind, holder, expires_at) \
             SELECT $1, $2, $3, $4 WHERE (SELECT COUNT(*) FROM session_leases \
             WHERE account_id = $1 AND kind = $2 AND expires_at > $5) < $6 RETURNING id",
        )
        .bind(account.0)
        .bind(kind.as_str())
        .bind(holder)
        .bind(now + ttl)
        .bind(now)
        .bind(i64::from(max))
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.map(|r| r.0))
    }

    /// Extends every unexpired session lease of `holder` to `until`, in
    /// one statement whatever the number of sessions. Returns how many. A
    /// lease that lapsed (its process stalled past the ttl) stays lapsed:
    /// another process may have granted its slot since.
    pub async fn session_leases_renew(
        &self,
        holder: &str,
        now: UnixTime,
        until: UnixTime,
    ) -> Result<u64> {
        let r = sql::query(
            "UPDATE session_leases SET expires_at = $1 WHERE holder = $2 AND expires_at > $3",
        )
        .bind(until)
        .bind(holder)
        .bind(now)
        .execute(self.w())
        .await?;
        Ok(r.rows_affected())
    }

    /// Ends one session lease (QUIT, logout, closed connection).
    pub async fn session_lease_release(&self, id: i64) -> Result<()> {
        sql::query("DELETE FROM session_leases WHERE id = $1")
            .bind(id)
            .execute(self.w())
            .await?;
        Ok(())
    }

    /// Unexpired session leases of `kind` held for `account`, by any
    /// process.
    pub async fn session_leases_live(
        &self,
        account: AccountId,
        kind: SessionKind,
        now: UnixTime,
    ) -> Result<u32> {
        let (n,): (i64,) = sql::query_as(
            "SELECT COUNT(*) FROM session_leases WHERE account_id = $1 AND kind = $2 AND expires_at > $3",
        )
        .bind(account.0)
        .bind(kind.as_str())
        .bind(now)
        .fetch_one(self.r())
        .await?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Takes the named lease for `holder` until `now + ttl` when it is
    /// free, lapsed, or already `holder`'s (then it is renewed). Returns
    /// whether `holder` holds it now. One statement: concurrent takers on
    /// PostgreSQL queue on the row and see each other's result, so exactly
    /// one wins.
    pub async fn lease_take(
        &self,
        name: &str,
        holder: &str,
        now: UnixTime,
        ttl: i64,
    ) -> Result<bool> {
        let r = sql::query(
            "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
             WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder",
        )
        .bind(name)
        .bind(holder)
        .bind(now + ttl)
        .bind(now)
        .execute(self.w())
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives the named lease up, if `holder` still holds it.
    pub async fn lease_release(&self, name: &str, holder: &str) -> Result<()> {
        sql::query("DELETE FROM leases WHERE name = $1 AND holder = $2")
            .bind(name)
            .bind(holder)
            .execute(self.w())
            .await?;
        Ok(())
    }

    /// Deletes every lease, named or session, that expired before `now`.
    pub async fn leases_prune(&self, now: UnixTime) -> Result<u64> {
        let mut tx = self.begin_fast().await?;
        let a = sql::query("DELETE FROM session_leases WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let b = sql::query("DELETE FROM leases WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(a.rows_affected() + b.rows_affected())
    }
}
