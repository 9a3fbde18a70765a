//! The store conformance suite on SQLite (embedded default).

use vesontio_store::{BlobBackend, ExpungeMode, FlagOp, Store, StoreConfig};

async fn sqlite(_case: &str) -> Option<Store> {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    Some(
        Store::open(StoreConfig::Sqlite { dir })
            .await
            .expect("open sqlite store"),
    )
}

vesontio_store::conformance_tests!(sqlite);

/// The same store with its blobs in the database (`store.blobs =
/// "database"`).
async fn sqlite_db(_case: &str) -> Option<Store> {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    Some(
        Store::open_with_blobs(StoreConfig::Sqlite { dir }, BlobBackend::Database)
            .await
            .expect("open sqlite store"),
    )
}

mod database_blobs {
    vesontio_store::blob_backend_tests!(super::sqlite_db);
}

/// Deliveries and APPENDs commit with `synchronous=FULL` (fsynced: a 250
/// after DATA means on disk); flag changes and expunges with NORMAL. The
/// mode is set in the BEGIN of each transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_commits_are_full_and_flag_changes_normal() {
    let s = sqlite("durable").await.expect("store");
    let a = vesontio_store::conformance::person(&s, "a@ac-demo.fr", 1 << 20).await;
    let mb = vesontio_store::conformance::inbox(&s, a.id).await;
    // Creating the account and its folders is durable too.
    assert_eq!(s.debug_writer_synchronous().await.expect("pragma"), 2);
    let m = vesontio_store::conformance::msg(&s, "Subject: x\r\n\r\nbody\r\n").await;
    let r = s.append(mb.id, m).await.expect("append");
    assert_eq!(
        s.debug_writer_synchronous().await.expect("pragma"),
        2,
        "delivery fsynced"
    );
    s.store_flags(mb.id, &[r.uid], FlagOp::Add, &["\\Deleted".into()], None)
        .await
        .expect("store");
    assert_eq!(s.debug_writer_synchronous().await.expect("pragma"), 1);
    let gone = s
        .expunge(mb.id, None, ExpungeMode::FlaggedDeleted)
        .await
        .expect("expunge");
    assert_eq!(gone, vec![r.uid]);
}

/// A data directory of the release before the mail model opens in this
/// one with every message, flag and count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_from_v4() {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    vesontio_store::conformance::upgrade_from_v4(StoreConfig::Sqlite { dir }).await;
}

/// The index written by the release before schema v25 is rebuilt, with
/// every text found all along.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_search_v25() {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    vesontio_store::conformance::upgrade_search_v25(StoreConfig::Sqlite { dir }).await;
}

/// A blob left at refcount 0 by the release before mark and sweep is due
/// at once after the upgrade.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v22_rows_left_at_zero_are_due() {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    vesontio_store::conformance::v22_rows_left_at_zero_are_due(StoreConfig::Sqlite { dir }).await;
}

/// A file a sweep had renamed away when the process died is put back at
/// start (at worst an unreferenced file is kept), and other leftovers in
/// `tmp` are removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_sweep_is_undone_at_start() {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let s = Store::open(StoreConfig::Sqlite { dir: dir.clone() })
        .await
        .expect("open");
    let (blob, _) = s.put_blob(b"swept halfway".to_vec()).await.expect("put");
    s.close().await;
    drop(s);
    let files = vesontio_store::FileBlobs::open(&dir.join("blobs")).expect("files");
    let path = files.path(&blob.id).expect("path");
    let tmp = dir.join("blobs").join("tmp");
    std::fs::rename(&path, tmp.join(format!("sweep-{}-1-2", blob.id))).expect("rename");
    std::fs::write(tmp.join("123-4-in"), b"half received").expect("leftover");
    let s = Store::open(StoreConfig::Sqlite { dir: dir.clone() })
        .await
        .expect("reopen");
    assert_eq!(s.read_blob(&blob.id).await.expect("back"), b"swept halfway");
    assert_eq!(std::fs::read_dir(&tmp).expect("tmp").count(), 0);
}
