#![allow(clippy::unwrap_used)]
//! Every rule with a fixed clock, on a real SQLite store.

use super::*;
use vesontio_delivery::DeliveryConfig;
use vesontio_store::{NewAccount, StoreConfig};

const DAY: i64 = 86_400;
const T0: i64 = 1_780_000_000;

struct Env {
    _dir: tempfile::TempDir,
    store: Store,
    jobs: Jobs,
}

async fn setup() -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreConfig::Sqlite {
        dir: dir.path().to_path_buf(),
    })
    .await
    .unwrap();
    store.add_domain("ac-demo.fr").await.unwrap();
    let dcfg = DeliveryConfig {
        hostname: "mx.ac-demo.fr".into(),
        local_domains: vec!["ac-demo.fr".into()],
        postmaster: Address::parse("postmaster@ac-demo.fr").unwrap(),
        allowed_outside_senders: Vec::new(),
        message_size_limit: 10 << 20,
        forbidden_extensions: vec!["exe".into()],
        scan: vesontio_delivery::ScanRules::CHARTER,
        large_file_url: "https://fichiers.ac-demo.fr".into(),
        recipients_per_message: 50,
        recipients_per_hour: 200,
        quota_warning_percent: 90,
        full_mailbox_hold_secs: 5 * DAY,
        retry_intervals_secs: vec![900],
        queue_expiry_secs: 5 * DAY,
        static_routes: vec![],
        spam_threshold: 5.0,
    };
    let delivery = Delivery::new(dcfg, store.clone());
    let cfg = JobsConfig {
        departed_deletion_after: 365 * DAY,
        departure_warning_before: 60 * DAY,
        functional_inactivity_deletion: 180 * DAY,
        forward_no_copy_after: 120 * DAY,
        audit_retention: 365 * DAY,
        change_log_retention: 30 * DAY,
        web_session_idle: 1800,
        web_session_absolute: 12 * 3600,
        quarantine_expiry: 30 * DAY,
        large_file_abandoned: DAY,
        interval: Duration::from_secs(3600),
    };
    Env {
        _dir: dir,
        jobs: Jobs::new(cfg, store.clone(), delivery),
        store,
    }
}

async fn account(e: &Env, address: &str, kind: AccountKind) -> Account {
    e.store
        .create_account(NewAccount {
            address: address.into(),
            kind,
            display_name: String::new(),
            password_hash: None,
            must_change_password: false,
            manager: None,
            quota_bytes: 1 << 30,
            created_at: T0,
        })
        .await
        .unwrap()
}

async fn inbox_subjects(e: &Env, a: &Account) -> Vec<String> {
    let inbox = e
        .store
        .mailbox_by_name(a.id, "INBOX")
        .await
        .unwrap()
        .unwrap();
    let mut out = Vec::new();
    for m in e.store.messages(inbox.id).await.unwrap() {
        let raw = String::from_utf8(e.store.read_blob(&m.blob_id).await.unwrap()).unwrap();
        let subject = raw
            .lines()
            .find(|l| l.starts_with("Subject:"))
            .unwrap_or("")
            .to_string();
        out.push(subject);
    }
    out
}

#[tokio::test]
async fn r12_departed_person_is_warned_then_deleted() {
    let e = setup().await;
    let a = account(&e, "jean.dupont@ac-demo.fr", AccountKind::Person).await;
    e.store
        .update_account(
            a.id,
            AccountUpdate {
                status: Some(AccountStatus::Departed),
                departure_at: Some(Some(T0)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        e.jobs.run_once(T0 + 300 * DAY).await,
        Report::default(),
        "nothing before the warning date"
    );
    let r = e.jobs.run_once(T0 + 306 * DAY).await;
    assert_eq!(r.departure_warnings, 1);
    let warned = e.store.account(a.id).await.unwrap().unwrap();
    assert_eq!(warned.departure_warned_at, Some(T0 + 306 * DAY));
    let subjects = inbox_subjects(&e, &warned).await;
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    // Warned once only.
    assert_eq!(e.jobs.run_once(T0 + 320 * DAY).await.departure_warnings, 0);
    assert_eq!(inbox_subjects(&e, &warned).await.len(), 1);
    // Deleted one year after leaving (the warning was more than 2 months before).
    assert_eq!(
        e.jobs.run_once(T0 + 365 * DAY - 1).await.departed_deleted,
        0
    );
    assert_eq!(e.jobs.run_once(T0 + 366 * DAY).await.departed_deleted, 1);
    assert!(e.store.account(a.id).await.unwrap().is_none());
    let trail = e.store.audit_entries(0, i64::MAX).await.unwrap();
    assert!(
        trail
            .iter()
            .any(|t| t.category == "lifecycle" && t.data.contains("departed_deleted"))
    );
}

#[tokio::test]
async fn r12_a_late_warning_still_gives_the_full_period() {
    let e = setup().await;
    let a = account(&e, "paul.martin@ac-demo.fr", AccountKind::Person).await;
    e.store
        .update_account(
            a.id,
            AccountUpdate {
                status: Some(AccountStatus::Departed),
                departure_at: Some(Some(T0)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // The departure was recorded late: first pass after the deletion date.
    assert_eq!(e.jobs.run_once(T0 + 400 * DAY).await.departure_warnings, 1);
    assert_eq!(
        e.jobs.run_once(T0 + 459 * DAY).await.departed_deleted,
        0,
        "60 days after the warning, not before"
    );
    assert_eq!(e.jobs.run_once(T0 + 460 * DAY).await.departed_deleted, 1);
}

#[tokio::test]
async fn r13_inactive_functional_mailbox_is_deleted() {
    let e = setup().await;
    let read = account(&e, "examens@ac-demo.fr", AccountKind::Functional).await;
    let unread = account(&e, "archives@ac-demo.fr", AccountKind::Functional).await;
    let person = account(&e, "marie.curie@ac-demo.fr", AccountKind::Person).await;
    e.store
        .touch_last_read(read.id, T0 + 100 * DAY)
        .await
        .unwrap();
    assert_eq!(e.jobs.run_once(T0 + 179 * DAY).await.functional_deleted, 0);
    assert_eq!(e.jobs.run_once(T0 + 180 * DAY).await.functional_deleted, 1);
    assert!(
        e.store.account(unread.id).await.unwrap().is_none(),
        "never read for 6 months"
    );
    assert!(
        e.store.account(read.id).await.unwrap().is_some(),
        "read 80 days ago"
    );
    assert_eq!(e.jobs.run_once(T0 + 281 * DAY).await.functional_deleted, 1);
    assert!(
        e.store.account(person.id).await.unwrap().is_some(),
        "persons are never deleted for inactivity"
    );
}

#[tokio::test]
async fn r14_forwarding_stops_keeping_copies_after_four_months_unread() {
    let e = setup().await;
    let out = account(&e, "jean.dupont@ac-demo.fr", AccountKind::Person).await;
    let internal = account(&e, "paul.martin@ac-demo.fr", AccountKind::Person).await;
    let fwd = |to: &str| AccountUpdate {
        forward_to: Some(Some(to.into())),
        forward_keep_copy: Some(true),
        forward_since: Some(Some(T0)),
        ..Default::default()
    };
    e.store
        .update_account(out.id, fwd("jean@example.org"))
        .await
        .unwrap();
    e.store
        .update_account(internal.id, fwd("marie.curie@ac-demo.fr"))
        .await
        .unwrap();
    assert_eq!(
        e.jobs.run_once(T0 + 119 * DAY).await.forward_copies_stopped,
        0
    );
    let r = e.jobs.run_once(T0 + 120 * DAY).await;
    assert_eq!(r.forward_copies_stopped, 1, "only the redirection outside");
    let a = e.store.account(out.id).await.unwrap().unwrap();
    assert!(!a.forward_keep_copy);
    assert_eq!(inbox_subjects(&e, &a).await.len(), 1, "the user is told");
    assert!(
        e.store
            .account(internal.id)
            .await
            .unwrap()
            .unwrap()
            .forward_keep_copy
    );
    assert_eq!(
        e.jobs.run_once(T0 + 200 * DAY).await.forward_copies_stopped,
        0,
        "once"
    );
}

#[tokio::test]
async fn r11_audit_retention() {
    let e = setup().await;
    e.store
        .audit_append(T0, "connection", &serde_json::json!({"n": 1}))
        .await
        .unwrap();
    e.store
        .audit_append(T0 + 200 * DAY, "connection", &serde_json::json!({"n": 2}))
        .await
        .unwrap();
    let r = e.jobs.run_once(T0 + 366 * DAY).await;
    assert_eq!(r.audit_purged, 1);
    let left = e.store.audit_entries(0, i64::MAX).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(e.store.audit_verify().await.unwrap(), Ok(1));
}

/// The account change log keeps `[store] change_log_retention` of
/// entries; older ones go, and the account says from where its log is
/// incomplete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_log_pruned_after_its_retention() {
    let e = setup().await;
    let a = account(&e, "log@ac-demo.fr", AccountKind::Person).await;
    e.store.create_mailbox(a.id, "Projets", None).await.unwrap();
    let (log, current) = e.store.account_changes(a.id, 0, 100).await.unwrap();
    assert!(!log.is_empty());
    let written = log.iter().map(|c| c.at).max().unwrap();
    // Within the retention: kept.
    let r = e.jobs.run_once(written + 29 * DAY).await;
    assert_eq!(r.changes_pruned, 0);
    assert_eq!(e.store.changes_horizon(a.id).await.unwrap(), 0);
    // Past it: forgotten, and the horizon moves to the last one forgotten.
    let r = e.jobs.run_once(written + 31 * DAY).await;
    assert_eq!(r.changes_pruned as usize, log.len());
    assert!(
        e.store
            .account_changes(a.id, 0, 100)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    assert_eq!(e.store.changes_horizon(a.id).await.unwrap(), current);
}

/// Two runners on one store (two processes) doing the same pass at the
/// same moment: every warning goes out once, every deletion happens once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runners_at_once_act_once() {
    let e = setup().await;
    let other = Jobs::new(e.jobs.cfg.clone(), e.store.clone(), e.jobs.delivery.clone());
    let mut accounts = Vec::new();
    for i in 0..30 {
        let a = account(&e, &format!("p{i}.depart@ac-demo.fr"), AccountKind::Person).await;
        e.store
            .update_account(
                a.id,
                AccountUpdate {
                    status: Some(AccountStatus::Departed),
                    departure_at: Some(Some(T0)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        accounts.push(a);
    }
    for i in 0..10 {
        account(
            &e,
            &format!("service{i}@ac-demo.fr"),
            AccountKind::Functional,
        )
        .await;
    }
    let now = T0 + 306 * DAY;
    let (r1, r2) = tokio::join!(e.jobs.run_once(now), other.run_once(now));
    assert_eq!(
        r1.departure_warnings + r2.departure_warnings,
        30,
        "{r1:?} {r2:?}"
    );
    assert_eq!(
        r1.functional_deleted + r2.functional_deleted,
        10,
        "{r1:?} {r2:?}"
    );
    assert_eq!(r1.errors + r2.errors, 0, "{r1:?} {r2:?}");
    for a in &accounts {
        assert_eq!(
            inbox_subjects(&e, a).await.len(),
            1,
            "{} warned once",
            a.address
        );
    }
    let trail = e.store.audit_entries(0, i64::MAX).await.unwrap();
    let warnings = trail
        .iter()
        .filter(|t| t.data.contains("\"departure_warning\""))
        .count();
    assert_eq!(warnings, 30, "one audit entry per warning");
    // Deletion a year on: once, whichever runner does it.
    let later = T0 + 366 * DAY;
    let (r1, r2) = tokio::join!(e.jobs.run_once(later), other.run_once(later));
    assert_eq!(
        r1.departed_deleted + r2.departed_deleted,
        30,
        "{r1:?} {r2:?}"
    );
    assert_eq!(
        r1.errors + r2.errors,
        0,
        "no runner fails on a vanished account"
    );
}

/// The pass lease: one runner at a time, free again once the pass ends.
#[tokio::test]
async fn one_pass_at_a_time() {
    let e = setup().await;
    let other = Jobs::new(e.jobs.cfg.clone(), e.store.clone(), e.jobs.delivery.clone());
    assert!(
        e.store
            .lease_take(JOBS_LEASE, "elsewhere", T0, 600)
            .await
            .unwrap()
    );
    assert!(
        e.jobs.run_leased(T0 + 1).await.is_none(),
        "held by another process"
    );
    assert!(other.run_leased(T0 + 1).await.is_none());
    // A runner that died: its lease lapses.
    assert!(e.jobs.run_leased(T0 + 600).await.is_some());
    assert!(
        other.run_leased(T0 + 601).await.is_some(),
        "released after the pass"
    );
}

#[tokio::test]
async fn expired_web_sessions_are_deleted() {
    let e = setup().await;
    let a = account(&e, "marie.curie@ac-demo.fr", AccountKind::Person).await;
    let session = |id: &str, created: i64, seen: i64| vesontio_store::WebSession {
        id_hash: id.into(),
        account_id: a.id,
        created_at: created,
        last_seen_at: seen,
        must_change_password: false,
        client: String::new(),
    };
    let now = T0 + 10 * DAY;
    // Idle 31 minutes; opened 13 hours ago but used a minute ago; fresh.
    for s in [
        session("idle", now - 3600, now - 31 * 60),
        session("old", now - 13 * 3600, now - 60),
        session("live", now - 3600, now - 60),
    ] {
        e.store.web_session_create(&s).await.unwrap();
    }
    assert_eq!(e.jobs.run_once(now).await.web_sessions_pruned, 2);
    assert!(e.store.web_session("idle").await.unwrap().is_none());
    assert!(e.store.web_session("old").await.unwrap().is_none());
    assert!(e.store.web_session("live").await.unwrap().is_some());
}

/// R9: quarantined messages go after `antivirus.quarantine_expiry` (30 days
/// here), their blob with them, and the purge is audited.
#[tokio::test]
async fn r9_expired_quarantine_is_purged() {
    let e = setup().await;
    let mut ids = Vec::new();
    for (at, body) in [
        (T0, b"old".as_slice()),
        (T0 + 20 * DAY, b"young".as_slice()),
    ] {
        let (blob, _) = e.store.put_blob(body.to_vec()).await.unwrap();
        ids.push(
            e.store
                .quarantine_add(vesontio_store::NewQuarantine {
                    created_at: at,
                    blob,
                    sender: "a@example.org".into(),
                    recipients: vec!["b@ac-demo.fr".into()],
                    reason: "virus".into(),
                    rule: Some("Eicar-Test-Signature".into()),
                    private: false,
                    subject: None,
                })
                .await
                .unwrap(),
        );
    }
    let r = e.jobs.run_once(T0 + 31 * DAY).await;
    assert_eq!(r.quarantine_purged, 1);
    assert_eq!(r.errors, 0);
    let left: Vec<i64> = e
        .store
        .quarantine_list()
        .await
        .unwrap()
        .iter()
        .map(|q| q.id)
        .collect();
    assert_eq!(left, vec![ids[1]]);
    let audit = e.store.audit_entries(0, i64::MAX).await.unwrap();
    assert!(audit.iter().any(|a| a.data.contains("quarantine_purge")));
    assert_eq!(e.jobs.run_once(T0 + 32 * DAY).await.quarantine_purged, 0);
}

/// R21: the hourly pass deletes large files at their expiry and uploads
/// abandoned for `large_file_abandoned`, freeing their blobs; a file still
/// valid and an upload still going are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r21_expired_large_files_and_abandoned_uploads_are_purged() {
    let e = setup().await;
    let a = account(&e, "jeanne.martin@ac-demo.fr", AccountKind::Person).await;
    let file = |token: &str, size: i64, expires: i64, now: i64| vesontio_store::NewSharedFile {
        token: token.into(),
        account_id: a.id,
        name: "cours.mp4".into(),
        content_type: "video/mp4".into(),
        size,
        expires_at: expires,
        password_hash: None,
        now,
    };
    let s = &e.store;
    let expiring = s
        .shared_file_create(&file("t1", 4, T0 + DAY, T0), 1 << 30)
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(expiring.id, 0, b"abcd", T0)
        .await
        .unwrap();
    let expiring = s.shared_upload_finish(expiring.id).await.unwrap();
    let blob = expiring.blob_id.clone().unwrap();
    let valid = s
        .shared_file_create(&file("t2", 2, T0 + 7 * DAY, T0), 1 << 30)
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(valid.id, 0, b"ok", T0).await.unwrap();
    let valid = s.shared_upload_finish(valid.id).await.unwrap();
    let abandoned = s
        .shared_file_create(&file("t3", 10, T0 + 7 * DAY, T0), 1 << 30)
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(abandoned.id, 0, b"half", T0)
        .await
        .unwrap();
    let going = s
        .shared_file_create(&file("t4", 10, T0 + 7 * DAY, T0), 1 << 30)
        .await
        .unwrap()
        .unwrap();
    s.shared_upload_write(going.id, 0, b"half", T0 + DAY)
        .await
        .unwrap();

    let r = e.jobs.run_once(T0 + DAY + 60).await;
    assert_eq!((r.large_files_purged, r.errors), (2, 0), "{r:?}");
    assert!(s.shared_file(expiring.id).await.unwrap().is_none());
    assert!(
        s.unreferenced_blobs().await.unwrap().contains(&blob),
        "the expired file's blob is released"
    );
    assert!(s.blobs().exists(&blob).await.unwrap(), "kept for the grace");
    assert!(s.shared_file(abandoned.id).await.unwrap().is_none());
    assert!(!s.spool().upload_path(abandoned.id).exists());
    assert_eq!(
        s.read_blob(valid.blob_id.as_deref().unwrap())
            .await
            .unwrap(),
        b"ok"
    );
    assert!(s.spool().upload_path(going.id).exists(), "still going");
    assert_eq!(s.shared_files_used(a.id).await.unwrap(), 12);
    // The next pass finds nothing more until the next expiry.
    assert_eq!(e.jobs.run_once(T0 + DAY + 120).await.large_files_purged, 0);
    assert!(s.blobs().exists(&blob).await.unwrap());
    // Marks are dated by the real clock: a pass once the grace is over
    // sweeps the released blob.
    // Bytes a delivery put and never committed: only the daily orphan
    // sweep finds them, once the grace is over.
    let (orphan, _) = s.put_blob(b"never referenced".to_vec()).await.unwrap();
    let later = vesontio_store::now() + vesontio_store::SWEEP_GRACE_SECS + 1;
    let r = e.jobs.run_once(later).await;
    assert!(r.blobs_reclaimed >= 1, "{r:?}");
    assert_eq!(r.orphan_blobs_removed, 1, "{r:?}");
    assert!(!s.blobs().exists(&blob).await.unwrap(), "swept");
    assert!(!s.blobs().exists(&orphan.id).await.unwrap(), "orphan swept");
    let (second, _) = s.put_blob(b"also never referenced".to_vec()).await.unwrap();
    let again = e.jobs.run_once(later + 3600).await;
    assert_eq!(again.orphan_blobs_removed, 0, "once a day");
    assert!(s.blobs().exists(&second.id).await.unwrap());
    let next_day = e.jobs.run_once(later + 86_400).await;
    assert_eq!(next_day.orphan_blobs_removed, 1, "{next_day:?}");
}
