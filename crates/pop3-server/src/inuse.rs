//! RFC 1939 §8: "the POP3 server acquires an exclusive-access lock on the
//! maildrop". Here the lock is an in-process registry keyed by account.
//!
//! A cluster of nodes sharing one PostgreSQL store would need the lock in
//! the database instead (a lease row with an expiry, renewed while the
//! session lives), since two nodes do not see each other's registry.
//! IMAP sessions do not take this lock: they keep working alongside POP3.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard};

use vesontio_types::AccountId;

/// The accounts with an open POP3 session in this process.
#[derive(Debug, Clone, Default)]
pub(crate) struct InUse(Arc<Mutex<HashSet<AccountId>>>);

impl InUse {
    /// Takes the lock, or `None` if another session holds it. The lock is
    /// released when the guard drops (QUIT, a dropped connection, a panic).
    pub(crate) fn try_lock(&self, account: AccountId) -> Option<InUseGuard> {
        if lock(&self.0).insert(account) {
            Some(InUseGuard {
                set: self.0.clone(),
                account,
            })
        } else {
            None
        }
    }

    #[cfg(test)]
    pub(crate) fn is_locked(&self, account: AccountId) -> bool {
        lock(&self.0).contains(&account)
    }
}

/// Holds one account's maildrop lock.
#[derive(Debug)]
pub(crate) struct InUseGuard {
    set: Arc<Mutex<HashSet<AccountId>>>,
    account: AccountId,
}

impl Drop for InUseGuard {
    fn drop(&mut self) {
        lock(&self.set).remove(&self.account);
    }
}

/// A panic while holding this mutex cannot leave the set inconsistent (one
/// insert or remove), so a poisoned lock is used as is.
fn lock(m: &Mutex<HashSet<AccountId>>) -> MutexGuard<'_, HashSet<AccountId>> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
