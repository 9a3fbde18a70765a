//! Session leases held for this process's POP3 and IMAP sessions.
//!
//! One [`SessionLeases`] per server: it names this process in the store
//! (`holder`, a fresh UUID per keeper, so a restarted process never renews
//! a dead one's rows) and renews all its leases in one statement every
//! third of the ttl, only while it holds any. A process that dies stops
//! renewing, and its sessions stop counting after [`LEASE_TTL`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

use vesontio_store::{SessionKind, Store, StoreError};
use vesontio_types::AccountId;

/// How long a session lease lasts without renewal: how long the sessions of
/// a killed process keep their accounts busy.
pub const LEASE_TTL: Duration = Duration::from_secs(60);

/// Takes and renews the session leases of one server.
#[derive(Clone)]
pub struct SessionLeases {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    holder: String,
    ttl: Duration,
    /// Leases taken and not yet released: the renewer sleeps while zero.
    live: AtomicUsize,
    renewer: OnceLock<()>,
}

impl std::fmt::Debug for SessionLeases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLeases")
            .field("holder", &self.inner.holder)
            .finish()
    }
}

impl SessionLeases {
    pub fn new(store: Store) -> Self {
        Self::with_ttl(store, LEASE_TTL)
    }

    /// A keeper with another ttl (tests of lapsing; at least 3 s so that
    /// the renewal period is a whole second).
    pub fn with_ttl(store: Store, ttl: Duration) -> Self {
        SessionLeases {
            inner: Arc::new(Inner {
                store,
                holder: uuid::Uuid::now_v7().simple().to_string(),
                ttl: ttl.max(Duration::from_secs(3)),
                live: AtomicUsize::new(0),
                renewer: OnceLock::new(),
            }),
        }
    }

    /// Takes a lease of `kind` for `account`, or `None` when `max` are
    /// already held by the sessions of every process.
    pub async fn take(
        &self,
        account: AccountId,
        kind: SessionKind,
        max: u32,
    ) -> Result<Option<SessionLease>, StoreError> {
        let i = &self.inner;
        let now = vesontio_store::now();
        let ttl = i.ttl.as_secs() as i64;
        let Some(id) = i
            .store
            .session_lease_take(account, kind, &i.holder, max, now, ttl)
            .await?
        else {
            return Ok(None);
        };
        i.live.fetch_add(1, Ordering::Relaxed);
        i.renewer
            .get_or_init(|| spawn_renewer(Arc::downgrade(&self.inner)));
        Ok(Some(SessionLease {
            inner: Some(self.inner.clone()),
            id,
        }))
    }
}

/// Renews every third of the ttl while the keeper lives.
fn spawn_renewer(weak: Weak<Inner>) {
    tokio::spawn(async move {
        loop {
            let period = match weak.upgrade() {
                Some(i) => i.ttl / 3,
                None => return,
            };
            tokio::time::sleep(period).await;
            let Some(i) = weak.upgrade() else { return };
            if i.live.load(Ordering::Relaxed) == 0 {
                continue;
            }
            let now = vesontio_store::now();
            let until = now + i.ttl.as_secs() as i64;
            if let Err(e) = i.store.session_leases_renew(&i.holder, now, until).await {
                // The sessions go on; if the store stays away past the ttl
                // their slots may be granted elsewhere.
                tracing::warn!(error = %e, "cannot renew session leases");
            }
        }
    });
}

/// One session's lease. [`SessionLease::release`] frees it at once; a
/// lease dropped without it (a panic, an aborted task) is released by a
/// spawned task, or lapses after the ttl if the runtime is gone.
pub struct SessionLease {
    inner: Option<Arc<Inner>>,
    id: i64,
}

impl std::fmt::Debug for SessionLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionLease")
            .field("id", &self.id)
            .finish()
    }
}

impl SessionLease {
    /// Frees the slot, awaited so that the next login sees it free.
    pub async fn release(mut self) {
        if let Some(i) = self.inner.take() {
            release(&i, self.id).await;
        }
    }
}

async fn release(i: &Inner, id: i64) {
    i.live.fetch_sub(1, Ordering::Relaxed);
    if let Err(e) = i.store.session_lease_release(id).await {
        tracing::warn!(error = %e, "cannot release a session lease; it lapses by itself");
    }
}

impl Drop for SessionLease {
    fn drop(&mut self) {
        let Some(i) = self.inner.take() else { return };
        let id = self.id;
        match tokio::runtime::Handle::try_current() {
            Ok(h) => {
                h.spawn(async move { release(&i, id).await });
            }
            Err(_) => {
                i.live.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}
