//! Message bodies and large files: content-addressed blobs, named by
//! their SHA-256, behind one async trait ([`BlobStore`]) with two
//! backends, chosen by `store.blobs`: files under the data directory
//! ([`files::FileBlobs`]), a table of the metadata database
//! ([`db::DbBlobs`], schema v22: one place to back up and replicate when
//! nodes share PostgreSQL), or both ([`mixed::Mixed`], the default: small
//! bodies in the table, whose puts share one commit, large ones as files).
//!
//! Invariants
//! - A blob is durable before `put` returns, so a metadata row committed
//!   afterwards never names missing bytes, whatever crash happens in
//!   between; no blob I/O happens inside a metadata transaction.
//! - Reference counting lives in the metadata (`blobs` table, see
//!   `expunge.rs`); a backend only knows bytes and when each was last put.
//! - Reclaim is mark and sweep: a blob whose last reference goes is
//!   marked with the time (`blobs.zero_since`); the sweep deletes rows
//!   still at refcount 0 and marked more than [`SWEEP_GRACE_SECS`] ago,
//!   then their bytes with [`BlobStore::delete`], which keeps bytes put
//!   within the same grace: a delivery puts its blob before it commits
//!   the row that names it, so whichever of the sweep's row delete and
//!   the delivery's commit comes first, the delivery's bytes stay.

pub(crate) mod db;
pub mod files;
pub(crate) mod mixed;

use sha2::{Digest, Sha256};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{Result, StoreError};

pub use files::FileBlobs;

/// A future a backend returns (the trait is used as `dyn BlobStore`).
pub type BlobFuture<'a, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T>> + Send + 'a>>;

/// How long a blob at refcount 0 is kept before the sweep removes it,
/// and how recently put bytes must be to survive a sweep. An hour: far
/// longer than any delivery takes from its `put` to its commit (the group
/// commit waits milliseconds, a held delivery holds a queue reference),
/// and short enough that expunged mail leaves the disk the same day (its
/// quota is freed at once, R17). Marks and put times come from the clock
/// of the node that wrote them: nodes sharing a database must agree on
/// the time within far less than this (NTP does).
pub const SWEEP_GRACE_SECS: i64 = 3600;

/// The identity of a stored body: its SHA-256 in lower-case hex, and its size.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobRef {
    pub id: String,
    pub size: i64,
}

/// Where blob bytes live. Ids are checked by every method (64 hex
/// digits); a missing blob read is [`StoreError::BlobCorrupt`].
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Stores `data` durably under its SHA-256 unless it is there, and
    /// records it as put now either way (see [`BlobStore::delete`]).
    fn put(&self, data: Arc<Vec<u8>>) -> BlobFuture<'_, BlobRef>;

    /// Takes the complete file `src`, whose SHA-256 is `id`, as that blob
    /// (a large-file upload, R21), durably, put now; `src` is gone
    /// afterwards either way.
    fn adopt<'a>(&'a self, id: &'a str, src: &'a Path) -> BlobFuture<'a, ()>;

    /// The whole blob.
    fn get<'a>(&'a self, id: &'a str) -> BlobFuture<'a, Vec<u8>>;

    /// At most `len` bytes from offset `start` (fewer at the end; none
    /// past it).
    fn get_range<'a>(&'a self, id: &'a str, start: u64, len: u64) -> BlobFuture<'a, Vec<u8>>;

    fn exists<'a>(&'a self, id: &'a str) -> BlobFuture<'a, bool>;

    /// Removes the blob unless it was put at or after `put_before` (Unix
    /// seconds); true when it is gone. Atomic against [`BlobStore::put`]:
    /// a put either comes first and keeps the blob, or finds it gone and
    /// writes it again.
    fn delete<'a>(&'a self, id: &'a str, put_before: i64) -> BlobFuture<'a, bool>;

    /// Every blob id present (tests, orphan checks).
    fn list(&self) -> BlobFuture<'_, Vec<String>>;
}

/// The SHA-256 of `data` in lower-case hex: a blob's id.
pub fn id_of(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// The SHA-256 of a file, read in bounded pieces (a large file is never
/// held in memory). Blocking.
pub fn id_of_file(path: &Path) -> Result<String> {
    use std::io::Read;
    let mut f = fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// A blob id is 64 hex digits: anything else never reaches a path or a
/// query.
pub(crate) fn check_id(id: &str) -> Result<()> {
    if id.len() != 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StoreError::Invalid(format!("bad blob id {id:?}")));
    }
    Ok(())
}

/// The local working directory beside the blobs, whatever their backend:
/// files being received (`tmp`, emptied at start) and partial large-file
/// uploads (`uploads`, kept across restarts so an upload resumes, R21).
#[derive(Debug)]
pub struct Spool {
    root: PathBuf,
    counter: AtomicU64,
}

/// The directory of partial uploads under the spool.
const UPLOADS: &str = "uploads";

impl Spool {
    /// Creates the directories and empties `tmp`: what is left there was
    /// being written when the process stopped, and is referenced by
    /// nothing (a rename into place is what makes a blob exist). Blocking.
    pub fn open(root: &Path) -> Result<Spool> {
        fs::create_dir_all(root.join("tmp"))?;
        fs::create_dir_all(root.join(UPLOADS))?;
        if let Ok(entries) = fs::read_dir(root.join("tmp")) {
            for e in entries.flatten() {
                let _ = fs::remove_file(e.path());
            }
        }
        Ok(Spool {
            root: root.to_path_buf(),
            counter: AtomicU64::new(0),
        })
    }

    /// The directory (the file backend keeps its blobs under it).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A fresh name in the temporary directory, for a file received whole
    /// before it has a row (emptied at start, so never left behind).
    pub fn temp_path(&self) -> PathBuf {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        self.root
            .join("tmp")
            .join(format!("{}-{n}-in", std::process::id()))
    }

    /// The partial file of large-file upload `n` (R21).
    pub fn upload_path(&self, n: i64) -> PathBuf {
        self.root.join(UPLOADS).join(n.to_string())
    }
}

/// Seconds since the epoch of a file time.
pub(crate) fn unix_secs(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
