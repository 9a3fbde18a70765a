//! The store conformance suite on SQLite (embedded default).

use vesontio_store::{BlobBackend, ExpungeMode, FlagOp, Store, StoreConfig};

async fn sqlite_at(dir: &std::path::Path) -> Store {
    Store::open(StoreConfig::Sqlite {
        dir: dir.to_path_buf(),
    })
    .await
    .expect("open sqlite store")
}

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

/// Small bodies in the table, the rest as files (`store.blobs =
/// "mixed"`, the default of the configuration). The bound is low so that
/// the suite's large bodies go to the files and its small ones to the table.
async fn sqlite_mixed(_case: &str) -> Option<Store> {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    Some(
        Store::open_with_blobs(StoreConfig::Sqlite { dir }, MIXED)
            .await
            .expect("open sqlite store"),
    )
}

const MIXED: BlobBackend = BlobBackend::Mixed { database_max: 1024 };

mod mixed_blobs {
    vesontio_store::blob_backend_tests!(super::sqlite_mixed);
}

/// A data directory written with `store.blobs = "files"` opens with
/// "mixed" and reads whole; new small bodies go to the table and large
/// ones to files; a content stored on both sides (the bound moved between
/// two puts) is deleted from both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_blobs_read_files_and_put_by_size() {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let config = || StoreConfig::Sqlite { dir: dir.clone() };
    let small = b"Subject: small\r\n\r\nbody\r\n".to_vec();
    let large = vec![b'x'; 5000];
    let s = Store::open(config()).await.expect("open");
    let (old_small, _) = s.put_blob(small.clone()).await.expect("put");
    let (old_large, _) = s.put_blob(large.clone()).await.expect("put");
    s.close().await;
    drop(s);
    let files = vesontio_store::FileBlobs::open(&dir.join("blobs")).expect("files");
    let is_file = |id: &str| files.path(id).expect("path").exists();
    assert!(is_file(&old_small.id) && is_file(&old_large.id));

    let s = Store::open_with_blobs(config(), MIXED)
        .await
        .expect("reopen");
    assert_eq!(s.read_blob(&old_small.id).await.expect("small"), small);
    assert_eq!(s.read_blob(&old_large.id).await.expect("large"), large);
    assert_eq!(
        s.read_blob_range(&old_large.id, 4990, 100)
            .await
            .expect("range"),
        vec![b'x'; 10]
    );
    let (new_small, _) = s
        .put_blob(b"another small one".to_vec())
        .await
        .expect("put");
    let (new_large, _) = s.put_blob(vec![b'y'; 2000]).await.expect("put");
    assert!(!is_file(&new_small.id), "a small body is a row, not a file");
    assert!(is_file(&new_large.id), "a large body is a file");
    assert_eq!(
        s.read_blob(&new_small.id).await.expect("read"),
        b"another small one"
    );
    assert!(s.blobs().exists(&new_small.id).await.expect("exists"));

    // The small content of the files era put again: now a row as well.
    s.put_blob(small.clone()).await.expect("put again");
    assert!(is_file(&old_small.id), "the file stays until deleted");
    let mut list = s.blobs().list().await.expect("list");
    list.sort();
    let mut want = vec![
        old_small.id.clone(),
        old_large.id.clone(),
        new_small.id.clone(),
        new_large.id.clone(),
    ];
    want.sort();
    assert_eq!(list, want, "each content once");
    let later = vesontio_store::now() + 10;
    assert!(
        s.blobs()
            .delete(&old_small.id, later)
            .await
            .expect("delete")
    );
    assert!(!is_file(&old_small.id), "the file copy is gone");
    assert!(!s.blobs().exists(&old_small.id).await.expect("exists"));
    assert!(
        s.read_blob(&old_small.id).await.is_err(),
        "and the row copy"
    );
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

/// The write-ahead log is copied into the database by the checkpoint
/// thread, not left to the writer's COMMITs: after writes of some 4 MB
/// (below the writer's own bound, 16,384 pages; SQLite's usual bound of
/// 1,000 would leave the frames since its last checkpoint), every frame of
/// the log is soon backfilled. (The log restarts from its first frame
/// once all of it was copied, so the count is of the frames since then.)
/// Read from the WAL index
/// (`vesontio.db-shm`): `mxFrame` at byte 16 of its header, `nBackfill`
/// at byte 96 (sqlite.org/walformat.html, native byte order).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_is_checkpointed_in_the_background() {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let s = sqlite_at(&dir).await;
    let a = vesontio_store::conformance::person(&s, "a@ac-demo.fr", 1 << 30).await;
    let mb = vesontio_store::conformance::inbox(&s, a.id).await;
    let body = "x".repeat(8000);
    for i in 0..400 {
        let m = vesontio_store::conformance::msg(&s, &format!("Subject: {i}\r\n\r\n{i}{body}\r\n"))
            .await;
        s.append(mb.id, m).await.expect("append");
    }
    let shm = dir.join("vesontio.db-shm");
    let word = |b: &[u8], at: usize| u32::from_ne_bytes(b[at..at + 4].try_into().expect("4 bytes"));
    let mut last = (0, 0);
    for _ in 0..50 {
        let b = std::fs::read(&shm).expect("wal index");
        last = (word(&b, 16), word(&b, 96));
        if last.0 > 0 && last.1 == last.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (frames, backfilled) = last;
    assert!(frames > 0, "the last writes are in the log");
    assert_eq!(backfilled, frames, "every frame copied into the database");
}
