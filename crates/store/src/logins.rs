//! Login failures and known client addresses (R26, CNIL), shared by every
//! protocol and every node. The rules that read them are the directory's;
//! here are three small tables (migration v6):
//! - `auth_pair_failures`: consecutive failures of one login from one
//!   client address, and the address's distinct failing logins;
//! - `auth_account_failures`: failures of one login from anywhere;
//! - `auth_known_clients`: the addresses a login succeeded from.
//!
//! Logins are the text the client typed, lower case (also for accounts that
//! do not exist, so that the answer never tells which ones do); client
//! addresses are [`vesontio_types::client_key`] strings.

use crate::sql;
use vesontio_types::UnixTime;

use crate::Store;
use crate::batch::Script;
use crate::error::Result;
use crate::model::{FailureState, LoginState};

/// Failures are forgotten a week after the last one (`logins_prune`, run
/// hourly by the jobs): far beyond any delay or lock they can cause.
pub const LOGIN_FAILURES_KEPT_SECS: i64 = 7 * 86_400;

/// A client address stays known for 90 days after its last successful
/// login: a holiday does not make the owner's home a stranger.
pub const KNOWN_CLIENTS_KEPT_SECS: i64 = 90 * 86_400;

fn failure(failures: Option<i64>, last: Option<i64>) -> Option<FailureState> {
    match (failures, last) {
        (Some(failures), Some(last_failure_at)) => Some(FailureState {
            failures,
            last_failure_at,
        }),
        _ => None,
    }
}

impl Store {
    /// Everything a login attempt of `login` from `client` is judged on,
    /// in one statement; the address's failing logins are counted from
    /// `since`.
    pub async fn login_state(
        &self,
        login: &str,
        client: &str,
        since: UnixTime,
    ) -> Result<LoginState> {
        let row = sql::query(
            "SELECT \
             (SELECT failures FROM auth_pair_failures WHERE login = $1 AND client = $2), \
             (SELECT last_failure_at FROM auth_pair_failures WHERE login = $1 AND client = $2), \
             (SELECT failures FROM auth_account_failures WHERE login = $1), \
             (SELECT last_failure_at FROM auth_account_failures WHERE login = $1), \
             (SELECT last_success_at FROM auth_known_clients WHERE login = $1 AND client = $2), \
             (SELECT COUNT(*) FROM auth_pair_failures WHERE client = $2 AND last_failure_at >= $3), \
             (SELECT MAX(last_failure_at) FROM auth_pair_failures WHERE client = $2 AND last_failure_at >= $3)",
        )
        .bind(login)
        .bind(client)
        .bind(since)
        .fetch_one(self.r())
        .await?;
        Ok(LoginState {
            pair: failure(row.try_get(0)?, row.try_get(1)?),
            account: failure(row.try_get(2)?, row.try_get(3)?),
            known_at: row.try_get(4)?,
            address_logins: row.try_get::<Option<i64>, _>(5)?.unwrap_or(0),
            address_last_failure: row.try_get(6)?,
        })
    }

    /// When `login` last logged in successfully, as far as the known-client
    /// table tells: a routine login refreshes it once a day at most
    /// (`lockout::KNOWN_REFRESH_SECS` in the directory), so this is
    /// accurate to a day, and forgotten after [`KNOWN_CLIENTS_KEPT_SECS`].
    pub async fn last_login_at(&self, login: &str) -> Result<Option<UnixTime>> {
        let row: (Option<i64>,) =
            sql::query_as("SELECT MAX(last_success_at) FROM auth_known_clients WHERE login = $1")
                .bind(login.to_lowercase())
                .fetch_one(self.r())
                .await?;
        Ok(row.0)
    }

    /// Records a failed login. The account's count starts again at 1 when
    /// its last failure is older than `account_since`.
    pub async fn login_failed(
        &self,
        login: &str,
        client: &str,
        now: UnixTime,
        account_since: UnixTime,
    ) -> Result<()> {
        let mut tx = self.begin_fast().await?;
        let mut sc = Script::default();
        let (l, c, n, since) = (
            sc.text(login),
            sc.text(client),
            sc.int(now),
            sc.int(account_since),
        );
        sc.push(format!(
            "INSERT INTO auth_pair_failures (login, client, failures, last_failure_at) \
             VALUES ({l}, {c}, 1, {n}) ON CONFLICT (login, client) DO UPDATE \
             SET failures = auth_pair_failures.failures + 1, last_failure_at = {n}"
        ));
        sc.push(format!(
            "INSERT INTO auth_account_failures (login, failures, last_failure_at) \
             VALUES ({l}, 1, {n}) ON CONFLICT (login) DO UPDATE \
             SET failures = CASE WHEN auth_account_failures.last_failure_at < {since} THEN 1 \
             ELSE auth_account_failures.failures + 1 END, last_failure_at = {n}"
        ));
        sc.run(&mut tx, self.dialect()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a successful login: the pair's failures are cleared (when
    /// `clear_pair`) and, when `remember`, `client` becomes (again) a known
    /// address of `login`. Nothing is written when neither is asked, so a
    /// routine login costs no write.
    pub async fn login_succeeded(
        &self,
        login: &str,
        client: &str,
        now: UnixTime,
        clear_pair: bool,
        remember: bool,
    ) -> Result<()> {
        if !clear_pair && !remember {
            return Ok(());
        }
        let mut tx = self.begin_fast().await?;
        let mut sc = Script::default();
        let (l, c, n) = (sc.text(login), sc.text(client), sc.int(now));
        if clear_pair {
            sc.push(format!(
                "DELETE FROM auth_pair_failures WHERE login = {l} AND client = {c}"
            ));
        }
        if remember {
            sc.push(format!(
                "INSERT INTO auth_known_clients (login, client, last_success_at) \
                 VALUES ({l}, {c}, {n}) ON CONFLICT (login, client) DO UPDATE \
                 SET last_success_at = {n}"
            ));
        }
        sc.run(&mut tx, self.dialect()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets failures older than `failures_before` and known addresses
    /// not used since `known_before`; returns the rows removed.
    pub async fn logins_prune(
        &self,
        failures_before: UnixTime,
        known_before: UnixTime,
    ) -> Result<u64> {
        let mut n = 0;
        for (sql, t) in [
            (
                "DELETE FROM auth_pair_failures WHERE last_failure_at < $1",
                failures_before,
            ),
            (
                "DELETE FROM auth_account_failures WHERE last_failure_at < $1",
                failures_before,
            ),
            (
                "DELETE FROM auth_known_clients WHERE last_success_at < $1",
                known_before,
            ),
        ] {
            n += sql::query(sql)
                .bind(t)
                .execute(self.w())
                .await?
                .rows_affected();
        }
        Ok(n)
    }
}
