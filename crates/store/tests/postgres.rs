//! The store conformance suite on PostgreSQL: the server at
//! `VESONTIO_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`),
//! each case in its own schema, dropped afterwards is not needed: names are
//! unique per run. With `CI` set an unreachable server fails the test;
//! otherwise the case says it was skipped.

use vesontio_store::{BlobBackend, Store, StoreConfig};

/// A fresh schema on the test server, named after `case`.
fn config(case: &str) -> StoreConfig {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    StoreConfig::Postgres {
        url: url(),
        schema: format!("t_{case}_{}_{}", std::process::id(), nanos % 1_000_000_000),
        blob_dir: tempfile::tempdir().expect("tempdir").keep(),
    }
}

fn url() -> String {
    std::env::var("VESONTIO_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn postgres(case: &str) -> Option<Store> {
    open(case, BlobBackend::Files).await
}

/// The same store with its blobs in PostgreSQL (`store.blobs =
/// "database"`).
async fn postgres_db(case: &str) -> Option<Store> {
    open(case, BlobBackend::Database).await
}

async fn open(case: &str, blobs: BlobBackend) -> Option<Store> {
    let url = url();
    match Store::open_with_blobs(config(case), blobs).await {
        Ok(s) => Some(s),
        Err(e)
            if std::env::var_os("CI").is_none()
                && std::env::var_os("VESONTIO_REQUIRE_POSTGRES").is_none() =>
        {
            eprintln!("SKIPPED: PostgreSQL store conformance case {case}: cannot reach {url}: {e}");
            None
        }
        Err(e) => panic!("PostgreSQL required (CI) but unreachable at {url}: {e}"),
    }
}

vesontio_store::conformance_tests!(postgres);

mod database_blobs {
    vesontio_store::blob_backend_tests!(super::postgres_db);
}

/// Small bodies in PostgreSQL, large ones as files (`store.blobs =
/// "mixed"`); the bound is low so that the suite uses both sides.
async fn postgres_mixed(case: &str) -> Option<Store> {
    open(case, BlobBackend::Mixed { database_max: 1024 }).await
}

mod mixed_blobs {
    vesontio_store::blob_backend_tests!(super::postgres_mixed);
}

/// The next change announced for `mailbox`, if one comes within `ms`.
async fn next_change(
    rx: &mut tokio::sync::broadcast::Receiver<vesontio_store::Change>,
    mailbox: vesontio_types::MailboxId,
    ms: u64,
) -> Option<vesontio_store::Change> {
    let wait = async {
        loop {
            let c = rx.recv().await.expect("channel");
            if c.mailbox_id == mailbox {
                return c;
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_millis(ms), wait)
        .await
        .ok()
}

/// Two nodes on one schema: a delivery on one wakes a subscriber on the
/// other (LISTEN/NOTIFY), as IMAP IDLE needs in a cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_cross_nodes() {
    let Some(a) = postgres("changes_cross_nodes").await else {
        return;
    };
    // The same schema, opened a second time: another node.
    let url = url();
    let schema = a.schema_name().expect("postgres schema").to_string();
    let b = Store::open(StoreConfig::Postgres {
        url,
        schema,
        blob_dir: a.spool().root().to_path_buf(),
    })
    .await
    .expect("second node");
    let mut rx = b.subscribe();
    let acc = vesontio_store::conformance::person(&a, "idle@ac-demo.fr", 1 << 20).await;
    let inbox = vesontio_store::conformance::inbox(&a, acc.id).await;
    a.append(
        inbox.id,
        vesontio_store::conformance::msg(&a, "Subject: x\r\n\r\nx\r\n").await,
    )
    .await
    .expect("append");
    let change = next_change(&mut rx, inbox.id, 5000)
        .await
        .expect("the other node hears the change within 5 s");
    assert_eq!(change.account_id, acc.id);
}

/// A schema written by the release before the mail model opens in this
/// one with every message, flag and count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_from_v4() {
    // Reachability as for every case (skipped outside CI when absent).
    let Some(probe) = postgres("upgrade_probe").await else {
        return;
    };
    probe.close().await;
    vesontio_store::conformance::upgrade_from_v4(config("upgrade")).await;
}

/// The index written by the release before schema v25 is rebuilt, with
/// every text found all along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_search_v25() {
    let Some(probe) = postgres("upgrade_v25_probe").await else {
        return;
    };
    probe.close().await;
    vesontio_store::conformance::upgrade_search_v25(config("upgrade_v25")).await;
}

/// NOTIFY is sent inside the committing transaction: a MULTIAPPEND
/// refused whole (RFC 3502: nothing written) announces nothing to any
/// node, and the change of the next commit carries its sequence number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rolled_back_writes_announce_nothing() {
    let Some(a) = postgres("rolled_back_notify").await else {
        return;
    };
    let mut rx = a.subscribe();
    let acc = vesontio_store::conformance::person(&a, "rb@ac-demo.fr", 4096).await;
    let inbox = vesontio_store::conformance::inbox(&a, acc.id).await;
    let small = vesontio_store::conformance::msg(&a, "Subject: x\r\n\r\nx\r\n").await;
    let big = vesontio_store::conformance::msg(
        &a,
        &format!("Subject: y\r\n\r\n{}\r\n", "y".repeat(8192)),
    )
    .await;
    a.append_all(inbox.id, vec![small.clone(), big])
        .await
        .expect_err("over quota: refused whole");
    let heard = next_change(&mut rx, inbox.id, 800).await;
    assert!(heard.is_none(), "a rolled-back write announced {heard:?}");
    a.append(inbox.id, small).await.expect("append");
    let change = next_change(&mut rx, inbox.id, 5000)
        .await
        .expect("the commit is heard");
    let (_, now) = a.account_changes(acc.id, 0, 1000).await.expect("log");
    assert_eq!(
        change.seq, now,
        "the notification carries the committed sequence"
    );
}

/// A blob left at refcount 0 by the release before mark and sweep is due
/// at once after the upgrade.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v22_rows_left_at_zero_are_due() {
    let Some(probe) = postgres("v22_probe").await else {
        return;
    };
    probe.close().await;
    vesontio_store::conformance::v22_rows_left_at_zero_are_due(config("v22")).await;
}

/// Two nodes with nothing on disk in common (`store.blobs = "database"`):
/// a message delivered on one reads whole on the other, and a range of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_blobs_shared_by_nodes() {
    let Some(a) = postgres_db("database_blobs_shared_by_nodes").await else {
        return;
    };
    let schema = a.schema_name().expect("postgres schema").to_string();
    let b = Store::open_with_blobs(
        StoreConfig::Postgres {
            url: url(),
            schema,
            blob_dir: tempfile::tempdir().expect("tempdir").keep(),
        },
        BlobBackend::Database,
    )
    .await
    .expect("second node");
    assert_ne!(a.spool().root(), b.spool().root());
    let acc = vesontio_store::conformance::person(&a, "node@ac-demo.fr", 1 << 20).await;
    let inbox = vesontio_store::conformance::inbox(&a, acc.id).await;
    let body = "Subject: across\r\n\r\nwritten on a, read on b\r\n";
    let r = a
        .append(inbox.id, vesontio_store::conformance::msg(&a, body).await)
        .await
        .expect("append");
    let m = b
        .message_by_uid(inbox.id, r.uid)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(
        b.read_blob(&m.blob_id).await.expect("blob"),
        body.as_bytes()
    );
    assert_eq!(
        b.read_blob_range(&m.blob_id, 19, 7).await.expect("range"),
        b"written"
    );
}
