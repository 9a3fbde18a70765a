//! The clock-driven rules of the charter, run periodically by `vesontio
//! serve` and testable with any clock (`run_once(now)`):
//!
//! - R12: a departed person is warned `departure_warning_before` ahead of
//!   deletion, then deleted `departed_deletion_after` after leaving — never
//!   with less than the full warning period (`policy::departed_action`).
//! - R13: a functional mailbox nobody has read for
//!   `functional_inactivity_deletion` is deleted.
//! - R14: a person who redirects outside, keeps copies and has not read
//!   their mailbox for `forward_no_copy_after` stops keeping copies, and is
//!   told.
//! - R11: audit entries older than the retention are purged.
//! - Blobs whose last reference went away more than the store's grace
//!   period ago are swept (mark and sweep, `store/src/blob/mod.rs`), and
//!   once a day bytes that no row names (a put whose delivery never
//!   committed).
//! - Login failures a week old and client addresses unused for 90 days are
//!   forgotten (R26 lockout model, `store::logins`).
//! - Webmail sessions past their idle or absolute expiry are deleted (the
//!   web refuses them anyway; this keeps the table small).
//! - R21: large files past their expiry and uploads abandoned for
//!   `large_files.abandoned_upload` are deleted with their blobs.
//!
//! Quota holds (R17) and the outbound queue have their own workers in
//! `delivery`.
//!
//! Several processes may share one store: `spawn` runs a pass only while
//! holding the store lease [`JOBS_LEASE`] (one runner at a time, expiring,
//! so a killed runner does not stop the jobs), and each action that must
//! happen once (a warning, a notice, a deletion) first takes a claim in the
//! store named after the account and the rule, kept a day: a second
//! process, or a pass that outlived its lease, finds it taken and skips.
//!
//! Invariants
//! - Every action is recorded in the audit log (category `lifecycle`).
//! - A rule that fails for one account is logged and the others go on.
//! - A notice, warning or deletion is done at most once per claim; a crash
//!   between the claim and the account update may lose it for a day (the
//!   claim lapses, the next pass does it).

use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;
use vesontio_delivery::Delivery;
use vesontio_policy::{
    DepartedAction, departed_action, forward_no_copy_due, functional_inactive, texts,
};
use vesontio_store::{Account, AccountUpdate, Store};
use vesontio_types::{AccountKind, AccountStatus, Address, UnixTime};

/// The store lease a pass runs under.
pub const JOBS_LEASE: &str = "jobs";
/// How long the pass lease lasts unrenewed; renewed between accounts.
const PASS_LEASE_SECS: i64 = 600;
/// How long a claim on one action is kept: far longer than a pass, so
/// that no other process repeats the action while the account row still
/// shows the old state.
const CLAIM_SECS: i64 = 86_400;

/// Durations from the `[lifecycle]` and `[audit]` sections, in seconds.
#[derive(Debug, Clone)]
pub struct JobsConfig {
    pub departed_deletion_after: i64,
    pub departure_warning_before: i64,
    pub functional_inactivity_deletion: i64,
    pub forward_no_copy_after: i64,
    pub audit_retention: i64,
    /// Account change-log entries older than this are pruned
    /// (`[store] change_log_retention`, in seconds).
    pub change_log_retention: i64,
    /// Webmail sessions idle this long, or opened this long ago, are
    /// deleted (`[web] session_idle`, `session_absolute`, in seconds); the
    /// web checks both on every request, the jobs only clear the rows.
    pub web_session_idle: i64,
    pub web_session_absolute: i64,
    /// Quarantined messages older than this are deleted (R9,
    /// `antivirus.quarantine_expiry`, in seconds).
    pub quarantine_expiry: i64,
    /// R21: large-file uploads with no new data for this long are given
    /// up (`large_files.abandoned_upload`, in seconds); expired files go
    /// at their expiry.
    pub large_file_abandoned: i64,
    /// How often `spawn` runs the rules.
    pub interval: Duration,
}

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub departure_warnings: u32,
    pub departed_deleted: u32,
    pub functional_deleted: u32,
    pub forward_copies_stopped: u32,
    pub audit_purged: u64,
    pub blobs_reclaimed: usize,
    /// Blob bytes no row named, removed by the daily orphan sweep.
    pub orphan_blobs_removed: usize,
    /// Old login failures and known client addresses forgotten.
    pub logins_pruned: u64,
    /// Expired webmail sessions deleted.
    pub web_sessions_pruned: u64,
    /// Expired quarantine entries deleted (R9).
    pub quarantine_purged: usize,
    /// Account change-log entries older than the retention forgotten.
    pub changes_pruned: u64,
    /// R21: expired large files and abandoned uploads deleted.
    pub large_files_purged: u64,
    /// Actions skipped because another runner had claimed them.
    pub claimed_elsewhere: u32,
    pub errors: u32,
}

#[derive(Clone)]
pub struct Jobs {
    cfg: JobsConfig,
    store: Store,
    delivery: Delivery,
    /// Names this runner in the store's leases and claims.
    holder: String,
    /// When this runner last swept orphan blob bytes (it reads every blob
    /// id: once a day is enough for what only takes space).
    orphans_swept_at: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Jobs {
    pub fn new(cfg: JobsConfig, store: Store, delivery: Delivery) -> Self {
        let holder = format!("jobs-{}", uuid::Uuid::now_v7().simple());
        Jobs {
            cfg,
            store,
            delivery,
            holder,
            orphans_swept_at: Default::default(),
        }
    }

    /// Runs one pass if this runner gets the pass lease; `None` when
    /// another process holds it (its pass does the work).
    pub async fn run_leased(&self, now: UnixTime) -> Option<Report> {
        match self
            .store
            .lease_take(JOBS_LEASE, &self.holder, now, PASS_LEASE_SECS)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("lifecycle pass skipped: another process runs it");
                return None;
            }
            Err(e) => {
                tracing::error!(error = %e, "lifecycle: cannot take the pass lease");
                return None;
            }
        }
        let r = self.run_once(now).await;
        if let Err(e) = self.store.lease_release(JOBS_LEASE, &self.holder).await {
            tracing::warn!(error = %e, "lifecycle: cannot release the pass lease");
        }
        Some(r)
    }

    /// Takes the claim on one action (`rule` for `a`); false when another
    /// runner holds it.
    async fn claim(
        &self,
        rule: &str,
        a: &Account,
        now: UnixTime,
        r: &mut Report,
    ) -> Result<bool, String> {
        let name = format!("claim:{rule}:{}", a.id.0);
        let ok = self
            .store
            .lease_take(&name, &self.holder, now, CLAIM_SECS)
            .await
            .map_err(|e| e.to_string())?;
        if !ok {
            r.claimed_elsewhere += 1;
        }
        Ok(ok)
    }

    /// Keeps the pass lease while a long pass goes on (one write every few
    /// minutes, not one per account).
    async fn keep_lease(&self, now: UnixTime, last: &mut Instant) {
        if last.elapsed() < Duration::from_secs((PASS_LEASE_SECS / 3) as u64) {
            return;
        }
        *last = Instant::now();
        if let Err(e) = self
            .store
            .lease_take(JOBS_LEASE, &self.holder, now, PASS_LEASE_SECS)
            .await
        {
            tracing::warn!(error = %e, "lifecycle: cannot renew the pass lease");
        }
    }

    /// Runs every rule once at `now`.
    pub async fn run_once(&self, now: UnixTime) -> Report {
        let mut r = Report::default();
        match self.store.list_accounts(None).await {
            Ok(accounts) => {
                let mut renewed = Instant::now();
                for a in accounts {
                    self.keep_lease(now, &mut renewed).await;
                    if let Err(e) = self.account_rules(&a, now, &mut r).await {
                        r.errors += 1;
                        tracing::error!(account = %a.address, error = %e, "lifecycle rule failed");
                    }
                }
            }
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "lifecycle: cannot list accounts");
            }
        }
        match self
            .store
            .audit_purge_before(now - self.cfg.audit_retention)
            .await
        {
            Ok(n) => r.audit_purged = n,
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "audit retention purge failed");
            }
        }
        let prune = self.store.logins_prune(
            now - vesontio_store::LOGIN_FAILURES_KEPT_SECS,
            now - vesontio_store::KNOWN_CLIENTS_KEPT_SECS,
        );
        match prune.await {
            Ok(n) => r.logins_pruned = n,
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "login failures prune failed");
            }
        }
        let web = self.store.web_sessions_prune(
            now - self.cfg.web_session_idle,
            now - self.cfg.web_session_absolute,
        );
        match web.await {
            Ok(n) => r.web_sessions_pruned = n,
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "web sessions prune failed");
            }
        }
        // R9: the quarantine's expiry; audited by the admin library.
        let purge =
            vesontio_admin::quarantine::purge_expired(&self.store, now, self.cfg.quarantine_expiry);
        match purge.await {
            Ok(n) => r.quarantine_purged = n,
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "quarantine purge failed");
            }
        }
        match self
            .store
            .prune_changes(now - self.cfg.change_log_retention)
            .await
        {
            Ok(n) => r.changes_pruned = n,
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "change log prune failed");
            }
        }
        // R21: before the blob reclaim below, which then finds nothing
        // left over (the purge frees its blobs itself).
        let files = self
            .store
            .shared_files_purge(now, now - self.cfg.large_file_abandoned);
        match files.await {
            Ok(n) => r.large_files_purged = n,
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "large files purge failed");
            }
        }
        if let Err(e) = self.store.leases_prune(now).await {
            r.errors += 1;
            tracing::error!(error = %e, "lease prune failed");
        }
        // Blobs released more than the grace period ago (mark and sweep,
        // `store/src/blob/mod.rs`).
        match self.store.sweep_blobs(now).await {
            Ok(n) => r.blobs_reclaimed = n,
            Err(e) => {
                r.errors += 1;
                tracing::error!(error = %e, "blob sweep failed");
            }
        }
        use std::sync::atomic::Ordering;
        if now - self.orphans_swept_at.load(Ordering::Relaxed) >= 86_400 {
            match self.store.sweep_orphan_blobs(now).await {
                Ok(n) => {
                    r.orphan_blobs_removed = n;
                    self.orphans_swept_at.store(now, Ordering::Relaxed);
                }
                Err(e) => {
                    r.errors += 1;
                    tracing::error!(error = %e, "orphan blob sweep failed");
                }
            }
        }
        if r != Report::default() {
            tracing::info!(?r, "lifecycle pass");
        }
        r
    }

    async fn account_rules(
        &self,
        a: &Account,
        now: UnixTime,
        r: &mut Report,
    ) -> Result<(), String> {
        let c = &self.cfg;
        match (a.kind, a.status, a.departure_at) {
            // R12
            (AccountKind::Person, AccountStatus::Departed, Some(left)) => {
                match departed_action(
                    left,
                    a.departure_warned_at,
                    now,
                    c.departed_deletion_after,
                    c.departure_warning_before,
                ) {
                    DepartedAction::Warn => {
                        // Keyed by the departure date: a new departure
                        // gets a new warning.
                        if !self.claim(&format!("r12-warn-{left}"), a, now, r).await? {
                            return Ok(());
                        }
                        let delete_at = left
                            .saturating_add(c.departed_deletion_after)
                            .max(now + c.departure_warning_before);
                        let notice = texts::departure_warning_notice(delete_at);
                        self.notify(a, &notice, now).await?;
                        self.update(
                            a,
                            AccountUpdate {
                                departure_warned_at: Some(Some(now)),
                                ..Default::default()
                            },
                        )
                        .await?;
                        self.audit(now, "departure_warning", a, delete_at).await;
                        r.departure_warnings += 1;
                    }
                    DepartedAction::Delete => {
                        if !self.claim("r12-delete", a, now, r).await? {
                            return Ok(());
                        }
                        self.store
                            .delete_account(a.id)
                            .await
                            .map_err(|e| e.to_string())?;
                        self.audit(now, "departed_deleted", a, now).await;
                        r.departed_deleted += 1;
                    }
                    DepartedAction::Nothing => {}
                }
            }
            // R13
            (AccountKind::Functional, _, _) => {
                if functional_inactive(
                    a.last_read_at,
                    a.created_at,
                    now,
                    c.functional_inactivity_deletion,
                ) {
                    if !self.claim("r13-delete", a, now, r).await? {
                        return Ok(());
                    }
                    self.store
                        .delete_account(a.id)
                        .await
                        .map_err(|e| e.to_string())?;
                    self.audit(now, "functional_inactive_deleted", a, now).await;
                    r.functional_deleted += 1;
                }
            }
            _ => {}
        }
        // R14
        if a.kind == AccountKind::Person {
            if let Some(to) = &a.forward_to {
                let outside = match Address::parse(to) {
                    Ok(addr) => !self.delivery.is_local_domain(addr.domain()).await,
                    Err(_) => false,
                };
                let since = a.forward_since.unwrap_or(a.created_at);
                if forward_no_copy_due(
                    outside,
                    a.forward_keep_copy,
                    a.last_read_at,
                    since,
                    now,
                    c.forward_no_copy_after,
                ) {
                    if !self.claim(&format!("r14-{since}"), a, now, r).await? {
                        return Ok(());
                    }
                    // Told first, while copies are still kept: the notice
                    // lands in the mailbox and goes to the redirection too.
                    let notice = texts::forward_no_copy_notice(to);
                    self.notify(a, &notice, now).await?;
                    self.update(
                        a,
                        AccountUpdate {
                            forward_keep_copy: Some(false),
                            ..Default::default()
                        },
                    )
                    .await?;
                    self.audit(now, "forward_copy_stopped", a, now).await;
                    r.forward_copies_stopped += 1;
                }
            }
        }
        Ok(())
    }

    async fn notify(
        &self,
        a: &Account,
        notice: &texts::Notice,
        now: UnixTime,
    ) -> Result<(), String> {
        let to = Address::parse(&a.address).map_err(|e| e.to_string())?;
        self.delivery
            .send_notice(&to, notice, now)
            .await
            .map_err(|e| format!("{} {} {}", e.code, e.enhanced, e.text))
    }

    async fn update(&self, a: &Account, u: AccountUpdate) -> Result<(), String> {
        self.store
            .update_account(a.id, u)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    async fn audit(&self, now: UnixTime, action: &str, a: &Account, at: UnixTime) {
        let data = serde_json::json!({"action": action, "account": a.address, "kind": a.kind.as_str(), "at": at});
        if let Err(e) = self.store.audit_append(now, "lifecycle", &data).await {
            tracing::error!(error = %e, "lifecycle audit failed");
        }
    }

    /// Runs the rules every `interval` until `shutdown`.
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                self.run_leased(vesontio_store::now()).await;
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(self.cfg.interval) => {}
                }
            }
        })
    }
}

#[cfg(test)]
mod tests;
