//! The mixed backend (`store.blobs = "mixed"`, the default): bodies up to
//! a size in the database table, larger bodies and large files (R21) as
//! files. A 10 KB message put as a file costs a file creation and two
//! fsyncs (the file and its directory) of its own; as a row it shares one
//! commit with every put running beside it (`db.rs`). Measured on the
//! 2-core machine, SMTP end to end with 20 sessions: 0.98 ms of server
//! CPU per message against 1.5–1.9 ms with files (benches/README.md).
//!
//! Invariants
//! - `put` sends a content to one side, chosen by its size alone: the
//!   same content always goes to the same side while the bound stays.
//! - Reads look in the table first, then in the files: a data directory
//!   written with `"files"` or `"database"`, or under another bound,
//!   reads whole. `delete` and `exists` look at both sides, so a content
//!   stored on both (the bound changed between two puts) is gone only
//!   when both copies are.

use std::path::Path;
use std::sync::Arc;

use super::db::DbBlobs;
use super::{BlobFuture, BlobRef, BlobStore, FileBlobs};
use crate::error::StoreError;

/// Small bodies in the database, the rest as files.
#[derive(Debug)]
pub(crate) struct Mixed {
    table: DbBlobs,
    files: FileBlobs,
    /// The largest body put in the table.
    table_max: u64,
}

impl Mixed {
    pub(crate) fn new(table: DbBlobs, files: FileBlobs, table_max: u64) -> Mixed {
        Mixed {
            table,
            files,
            table_max,
        }
    }
}

/// The table's answer, or the files' when the blob is not in the table.
async fn table_then_files<'a, T>(
    table: BlobFuture<'a, T>,
    files: impl FnOnce() -> BlobFuture<'a, T>,
) -> crate::Result<T> {
    match table.await {
        Err(StoreError::BlobCorrupt(_)) => files().await,
        r => r,
    }
}

impl BlobStore for Mixed {
    fn put(&self, data: Arc<Vec<u8>>) -> BlobFuture<'_, BlobRef> {
        if data.len() as u64 <= self.table_max {
            self.table.put(data)
        } else {
            self.files.put(data)
        }
    }

    fn adopt<'a>(&'a self, id: &'a str, src: &'a Path) -> BlobFuture<'a, ()> {
        self.files.adopt(id, src)
    }

    fn get<'a>(&'a self, id: &'a str) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(table_then_files(self.table.get(id), || self.files.get(id)))
    }

    fn get_range<'a>(&'a self, id: &'a str, start: u64, len: u64) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(table_then_files(
            self.table.get_range(id, start, len),
            move || self.files.get_range(id, start, len),
        ))
    }

    fn exists<'a>(&'a self, id: &'a str) -> BlobFuture<'a, bool> {
        Box::pin(async move { Ok(self.table.exists(id).await? || self.files.exists(id).await?) })
    }

    fn delete<'a>(&'a self, id: &'a str, put_before: i64) -> BlobFuture<'a, bool> {
        Box::pin(async move {
            let table = self.table.delete(id, put_before).await?;
            let files = self.files.delete(id, put_before).await?;
            Ok(table && files)
        })
    }

    fn list(&self) -> BlobFuture<'_, Vec<String>> {
        Box::pin(async move {
            let mut all = self.table.list().await?;
            all.extend(self.files.list().await?);
            all.sort_unstable();
            all.dedup();
            Ok(all)
        })
    }
}
