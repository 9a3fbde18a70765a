//! The database backend: blobs as rows of `blob_data` (schema v22) in the
//! metadata database, so a cluster of nodes sharing PostgreSQL needs no
//! shared file system and one backup holds everything. PostgreSQL stores
//! the column uncompressed out of line (`STORAGE EXTERNAL`), which lets
//! `substring` read only the pages a byte range needs; SQLite's `substr`
//! reads the row.
//!
//! Invariants
//! - `put` commits its row in a transaction of its own, fsynced
//!   (`Durability::Full` on SQLite; PostgreSQL commits are durable):
//!   durable before the metadata row that names it commits, and never
//!   inside a metadata transaction. Concurrent puts share that
//!   transaction (a group commit, `group.rs`): twenty sessions delivering
//!   at once cost one fsync, not twenty.
//! - `put_at` is when the blob was last put; [`BlobStore::delete`]
//!   deletes only a row put before its bound, in one statement, so it is
//!   atomic against a concurrent `put` (the row lock orders them).
//! - PostgreSQL's `bytea` holds at most 1 GB: larger files (R21) need the
//!   file backend.

use crate::sql;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use super::{BlobFuture, BlobRef, BlobStore, check_id, id_of};
use crate::db::{Db, Durability};
use crate::error::{Result, StoreError};
use crate::group::Group;
use crate::{Dialect, now};

/// Most blobs written in one transaction.
const MAX_BATCH: usize = 256;

/// One blob to write: its id and bytes.
type Put = (String, Arc<Vec<u8>>);

/// Blobs in the metadata database.
pub(crate) struct DbBlobs {
    write: Db,
    read: Db,
    dialect: Dialect,
    /// The group commit of puts, started on the first one (it needs the
    /// runtime).
    puts: OnceLock<Group<Put, ()>>,
}

impl std::fmt::Debug for DbBlobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbBlobs")
            .field("dialect", &self.dialect)
            .finish_non_exhaustive()
    }
}

impl DbBlobs {
    pub(crate) fn new(write: Db, read: Db, dialect: Dialect) -> DbBlobs {
        DbBlobs {
            write,
            read,
            dialect,
            puts: OnceLock::new(),
        }
    }

    async fn store(&self, id: &str, data: Arc<Vec<u8>>) -> Result<()> {
        check_id(id)?;
        self.puts
            .get_or_init(|| Group::start(self.write.clone(), MAX_BATCH, store_batch))
            .run(vec![(id.to_string(), data)])
            .await
            .map_err(StoreError::Commit)?;
        Ok(())
    }
}

/// Writes a batch of puts in one durable transaction.
async fn store_batch(write: Db, puts: Vec<Put>) -> Result<Vec<()>> {
    let at = now();
    let mut tx = write.begin_sync(Durability::Full).await?;
    for (id, data) in &puts {
        // Content already stored is only marked as put now: its bytes
        // are not sent again.
        let n = sql::query("UPDATE blob_data SET put_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 0 {
            sql::query(
                "INSERT INTO blob_data (id, data, put_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (id) DO UPDATE SET put_at = excluded.put_at",
            )
            .bind(id.as_str())
            .bind(data.clone())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(vec![(); puts.len()])
}

impl BlobStore for DbBlobs {
    fn put(&self, data: Arc<Vec<u8>>) -> BlobFuture<'_, BlobRef> {
        Box::pin(async move {
            let id = id_of(&data);
            let size = data.len() as i64;
            self.store(&id, data).await?;
            Ok(BlobRef { id, size })
        })
    }

    fn adopt<'a>(&'a self, id: &'a str, src: &'a Path) -> BlobFuture<'a, ()> {
        Box::pin(async move {
            let data = tokio::fs::read(src).await?;
            self.store(id, Arc::new(data)).await?;
            let _ = tokio::fs::remove_file(src).await;
            Ok(())
        })
    }

    fn get<'a>(&'a self, id: &'a str) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(async move {
            check_id(id)?;
            let row: Option<(Vec<u8>,)> = sql::query_as("SELECT data FROM blob_data WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
            row.map(|r| r.0)
                .ok_or_else(|| StoreError::BlobCorrupt(id.to_string()))
        })
    }

    fn get_range<'a>(&'a self, id: &'a str, start: u64, len: u64) -> BlobFuture<'a, Vec<u8>> {
        Box::pin(async move {
            check_id(id)?;
            // Both count from 1; an offset past the end gives no bytes.
            // PostgreSQL's `substring` takes 32-bit integers (a `bytea` is
            // at most 1 GB).
            let sql = match self.dialect {
                Dialect::Postgres => {
                    "SELECT substring(data FROM CAST($2 AS INTEGER) FOR CAST($3 AS INTEGER)) \
                     FROM blob_data WHERE id = $1"
                }
                Dialect::Sqlite => "SELECT substr(data, $2, $3) FROM blob_data WHERE id = $1",
            };
            let from = start.min(i32::MAX as u64 - 1) as i64 + 1;
            let len = len.min(i32::MAX as u64) as i64;
            let row: Option<(Option<Vec<u8>>,)> = sql::query_as(sql)
                .bind(id)
                .bind(from)
                .bind(len)
                .fetch_optional(&self.read)
                .await?;
            match row {
                Some((d,)) => Ok(d.unwrap_or_default()),
                None => Err(StoreError::BlobCorrupt(id.to_string())),
            }
        })
    }

    fn exists<'a>(&'a self, id: &'a str) -> BlobFuture<'a, bool> {
        Box::pin(async move {
            check_id(id)?;
            let row: Option<(i64,)> = sql::query_as("SELECT 1 FROM blob_data WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.read)
                .await?;
            Ok(row.is_some())
        })
    }

    fn delete<'a>(&'a self, id: &'a str, put_before: i64) -> BlobFuture<'a, bool> {
        Box::pin(async move {
            check_id(id)?;
            sql::query("DELETE FROM blob_data WHERE id = $1 AND put_at < $2")
                .bind(id)
                .bind(put_before)
                .execute(&self.write)
                .await?;
            let row: Option<(i64,)> = sql::query_as("SELECT 1 FROM blob_data WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.write)
                .await?;
            Ok(row.is_none())
        })
    }

    fn list(&self) -> BlobFuture<'_, Vec<String>> {
        Box::pin(async move {
            let rows: Vec<(String,)> = sql::query_as("SELECT id FROM blob_data")
                .fetch_all(&self.read)
                .await?;
            Ok(rows.into_iter().map(|r| r.0).collect())
        })
    }
}
