//! The store conformance suite: every case runs unchanged on each backend
//! (see `tests/sqlite.rs` and `tests/postgres.rs`, which instantiate it with
//! [`conformance_tests!`]). A case takes a fresh, empty store.

#![allow(clippy::unwrap_used)]

mod accounts;
mod blobs;
mod filtering;
mod find;
mod index;
mod leases;
mod messages;
mod model;
mod queue_audit;
mod shared_files;
mod thread_uids;
mod upgrade;
mod websessions;

pub use accounts::*;
pub use blobs::*;
pub use filtering::*;
pub use find::*;
pub use index::*;
pub use leases::*;
pub use messages::*;
pub use model::*;
pub use queue_audit::*;
pub use shared_files::*;
pub use thread_uids::*;
pub use upgrade::*;
pub use websessions::*;

use vesontio_types::{AccountId, AccountKind};

use crate::*;

pub const NOW: i64 = 1_780_000_000;

pub async fn person(s: &Store, addr: &str, quota: i64) -> Account {
    s.create_account(NewAccount {
        address: addr.into(),
        kind: AccountKind::Person,
        display_name: addr.split('@').next().unwrap_or("").into(),
        password_hash: Some("$argon2id$fake".into()),
        must_change_password: false,
        manager: None,
        quota_bytes: quota,
        created_at: NOW,
    })
    .await
    .unwrap()
}

pub async fn inbox(s: &Store, a: AccountId) -> Mailbox {
    s.mailbox_by_name(a, "INBOX").await.unwrap().unwrap()
}

pub async fn msg(s: &Store, body: &str) -> NewMessage {
    let (blob, data) = s.put_blob(body.as_bytes().to_vec()).await.unwrap();
    NewMessage {
        blob,
        data: Some(data),
        internal_date: NOW,
        flags: vec![],
        private: false,
        parsed: None,
    }
}

/// Whether a blob's bytes are stored.
pub async fn has_blob(s: &Store, id: &str) -> bool {
    s.blobs().exists(id).await.unwrap()
}

/// Checks that a blob just released by its last reference is marked,
/// not yet gone: a sweep now keeps it (the grace period), one after the
/// grace removes its bytes and row.
pub async fn released_then_swept(s: &Store, id: &str) {
    assert!(has_blob(s, id).await, "kept during the grace period");
    assert!(
        s.unreferenced_blobs()
            .await
            .unwrap()
            .contains(&id.to_string())
    );
    s.sweep_blobs(crate::now()).await.unwrap();
    assert!(has_blob(s, id).await, "a sweep within the grace keeps it");
    sweep_after_grace(s).await;
    assert!(!has_blob(s, id).await, "swept after the grace period");
    assert!(
        !s.unreferenced_blobs()
            .await
            .unwrap()
            .contains(&id.to_string())
    );
}

/// The sweep as if the grace period had passed since now, for releases
/// and puts alike: only while no delivery is under way.
pub async fn sweep_after_grace(s: &Store) -> usize {
    s.sweep_blobs(crate::now() + SWEEP_GRACE_SECS + 1)
        .await
        .unwrap()
}

/// The blob cases, and the store cases that read, share and release
/// blobs: run on every blob backend (with [`conformance_tests!`] for the
/// default one).
#[macro_export]
macro_rules! blob_conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@cases $factory;
            blob_put_get_range_delete, blob_adopt_takes_a_file,
            sweep_keeps_a_blob_reused_by_a_delivery,
            sweep_between_a_put_and_its_commit_keeps_the_bytes,
            sweeps_racing_deliveries_lose_nothing,
            copy_parses_a_content_without_model_outside,
            orphan_bytes_swept_after_the_grace);
    };
}

/// The store cases whose blobs matter, for a second blob backend.
#[macro_export]
macro_rules! blob_backend_tests {
    ($factory:path) => {
        $crate::blob_conformance_tests!($factory);
        $crate::conformance_tests!(@cases $factory;
            blobs_shared_and_reclaimed, queue_lifecycle,
            login_failures_rate_vacation_quarantine,
            r21_shared_files_upload_quota_and_download,
            r21_shared_files_blobs_purge_and_account_deletion);
    };
}

/// Every case, for the backend-instantiating macro.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:path) => {
        $crate::conformance_tests!(@cases $factory;
            accounts_crud, memberships_and_lists, uid_and_modseq_are_monotonic, flags_and_unchanged_since,
            quota_and_expunge, expunge_reads_deleted_in_any_case, concurrent_writers, rollback_on_error, blobs_shared_and_reclaimed, mailbox_tree,
            shared_seen_per_user, queue_lifecycle, audit_chain, audit_concurrent_appends, audit_retention_keeps_chain,
            login_failures_rate_vacation_quarantine, ids_threads_and_models, counts_kept_under_concurrency,
            keyset_pages, account_change_log, account_pages_and_last_login,
            session_leases_count_expire_and_renew, named_leases_one_holder_at_a_time,
            web_sessions_lifecycle, web_signature_per_account, web_image_senders_per_account,
            find_messages_across_folders, search_pending_then_indexed, thread_lists, change_log_pruning,
            spam_models_read_modify_write,
            dispositions_held_folders_and_training, security_alerts_lifecycle,
            r21_shared_files_upload_quota_and_download,
            r21_shared_files_blobs_purge_and_account_deletion,
            mailbox_index_matches_rows, mailbox_index_cache_follows_writes, shared_unseen_kept,
            thread_uids_of_one_folder);
        $crate::blob_conformance_tests!($factory);
    };
    (@cases $factory:path; $($case:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                if let Some(store) = $factory(stringify!($case)).await {
                    $crate::conformance::$case(store).await;
                }
            }
        )*
    };
}
