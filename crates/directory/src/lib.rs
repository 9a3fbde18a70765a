//! The directory: who may log in, with which password, and what their
//! address is.
//!
//! - R1 address rules: `first.last@domain`, lower case, accents folded,
//!   homonyms numbered ([`address`]).
//! - R26 passwords: argon2id hashes, the CNIL strength rule (délibération
//!   2022-100), change with old/new/confirmation, forced change at first
//!   login ([`password`]).
//! - Failed logins limited per (account, client address), per account and
//!   per address, so that nobody can lock another person out
//!   ([`lockout`]); shared by every protocol because the counters live in
//!   the store ([`Directory::authenticate`]).
//!
//! Invariants
//! - A password never leaves a [`Secret`]; nothing here logs one.
//! - An unknown account and a wrong password take the same time and give
//!   the same answer, so logins cannot be used to find addresses.

pub mod address;
mod cache;
pub mod lockout;
pub mod password;

use std::net::IpAddr;
use vesontio_store::{Account, AccountUpdate, Store, StoreError};
use vesontio_types::{AccountKind, AccountStatus, Secret, UnixTime};

/// Limits on failed logins (config `[auth]`); the model is in [`lockout`].
#[derive(Debug, Clone)]
pub struct AuthLimits {
    /// Consecutive failures of one login from one address after which that
    /// pair is refused for `max_delay`.
    pub max_failures: u32,
    /// Delay after the third consecutive failure; doubles with each further one.
    pub base_delay_secs: i64,
    /// The pair's lock, the longest pair delay, and how long an account's
    /// and an address's failures are remembered.
    pub max_delay_secs: i64,
    /// Longest delay the failures of a login from every address impose on
    /// addresses it never succeeded from (never a lock).
    pub account_max_delay_secs: i64,
    /// Distinct logins failing from one address within `max_delay` after
    /// which it is refused for logins it is not known for.
    pub max_accounts_per_address: u32,
    /// How long a successful login is remembered so that the same password
    /// is not checked with argon2id again (zero: never).
    pub cache_ttl_secs: u64,
}

/// Why a login was refused. Protocols map these to their own replies; all
/// but `MustChangePassword` and `Locked` read "authentication failed" to the
/// client, whatever the real cause.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("authentication failed")]
    Invalid,
    /// Too many failures (see [`lockout::Hold`] for which counter).
    #[error("too many failed attempts; retry in {retry_after} seconds")]
    Locked { retry_after: i64 },
    /// R26: the password was set by an administrator.
    #[error("the password must be changed before first use")]
    MustChangePassword(Box<Account>),
    #[error("account disabled")]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("the current password is wrong")]
    WrongCurrent,
    #[error("the new password and its confirmation differ")]
    Mismatch,
    #[error("the new password must differ from the current one")]
    Unchanged,
    #[error("{0}")]
    Weak(#[from] password::Weakness),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Clone)]
pub struct Directory {
    store: Store,
    limits: AuthLimits,
    cache: std::sync::Arc<cache::AuthCache>,
    /// argon2id needs 19 MiB per verification: at most this many run at
    /// once, so a burst of logins (or of wrong passwords) costs bounded
    /// memory and queues instead.
    hashing: std::sync::Arc<tokio::sync::Semaphore>,
}

impl Directory {
    pub fn new(store: Store, limits: AuthLimits) -> Self {
        let cache = std::sync::Arc::new(cache::AuthCache::new(std::time::Duration::from_secs(
            limits.cache_ttl_secs,
        )));
        let permits = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .max(2);
        let hashing = std::sync::Arc::new(tokio::sync::Semaphore::new(permits));
        Directory {
            store,
            limits,
            cache,
            hashing,
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Checks a login. `login` is the address (case-insensitive); `client`
    /// the peer's address. Failures are counted and attempts held as
    /// [`lockout`] describes.
    pub async fn authenticate(
        &self,
        login: &str,
        pass: &Secret<String>,
        client: IpAddr,
        now: UnixTime,
    ) -> Result<Account, AuthError> {
        let login = login.trim().to_lowercase();
        let client = vesontio_types::client_key(client).to_string();
        let window = self.limits.max_delay_secs;
        let st = self
            .store
            .login_state(&login, &client, now - window)
            .await?;
        if let Some(hold) = self.limits.hold(&st, now) {
            tracing::info!(?hold, client = %client, "login held");
            return Err(AuthError::Locked {
                retry_after: hold.retry_after(),
            });
        }
        let account = self.store.account_by_address(&login).await?;
        let hash = account.as_ref().and_then(|a| a.password_hash.clone());
        let cached = match (&account, &hash) {
            (Some(a), Some(h)) => self.cache.check(&a.address, h, pass),
            _ => false,
        };
        let ok = cached || {
            let _permit = self
                .hashing
                .acquire()
                .await
                .map_err(|_| StoreError::Invalid("shutting down".into()))?;
            password::verify_blocking(pass.clone(), hash.clone()).await
        };
        if ok && !cached {
            if let (Some(a), Some(h)) = (&account, &hash) {
                self.cache.remember(&a.address, h, pass);
            }
        }
        let account = match (ok, account) {
            (true, Some(a)) if a.kind != AccountKind::List => a,
            _ => {
                self.store
                    .login_failed(&login, &client, now, now - window)
                    .await?;
                return Err(AuthError::Invalid);
            }
        };
        let remember = st
            .known_at
            .is_none_or(|t| now - t >= lockout::KNOWN_REFRESH_SECS);
        self.store
            .login_succeeded(&login, &client, now, st.pair.is_some(), remember)
            .await?;
        if account.status == AccountStatus::Disabled {
            return Err(AuthError::Disabled);
        }
        if account.must_change_password {
            return Err(AuthError::MustChangePassword(Box::new(account)));
        }
        Ok(account)
    }

    /// Sets a password chosen by an administrator (an initial password unless
    /// `must_change` is false). Checked for strength like any other.
    pub async fn set_password(
        &self,
        account: &Account,
        new: &Secret<String>,
        must_change: bool,
    ) -> Result<Account, PasswordChangeError> {
        password::check_strength(new.expose(), &account.address, &account.display_name)?;
        let hash = password::hash_blocking(new.clone())
            .await
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(self
            .store
            .update_account(
                account.id,
                AccountUpdate {
                    password_hash: Some(hash),
                    must_change_password: Some(must_change),
                    ..Default::default()
                },
            )
            .await?)
    }

    /// R26: the owner changes their password with the current one, the new
    /// one and its confirmation. Clears the forced-change flag.
    pub async fn change_password(
        &self,
        account: &Account,
        current: &Secret<String>,
        new: &Secret<String>,
        confirm: &Secret<String>,
    ) -> Result<Account, PasswordChangeError> {
        if !password::verify_blocking(current.clone(), account.password_hash.clone()).await {
            return Err(PasswordChangeError::WrongCurrent);
        }
        if new.expose() != confirm.expose() {
            return Err(PasswordChangeError::Mismatch);
        }
        if new.expose() == current.expose() {
            return Err(PasswordChangeError::Unchanged);
        }
        self.set_password(account, new, false).await
    }
}

#[cfg(test)]
mod tests;
