//! The large-file service's files (R21, migration v20): rows, resumable
//! uploads, their own quota, downloads and the purge.
//!
//! A file's row exists from the start of its upload. The bytes arrive in
//! pieces into `blobs/uploads/<id>` (never in memory whole: the web writes
//! bounded chunks); `received` counts them. When it reaches `size` the file
//! is hashed and becomes an ordinary content-addressed blob with one
//! reference in `blobs`, so the reclaim of messages' blobs never takes a
//! file that a link still serves, and a file equal to an attachment shares
//! its blob.
//!
//! Invariants
//! - The quota (`large_files.quota`, separate from the mailbox's R15 quota)
//!   counts every row's declared `size`, uploads in progress included: a
//!   file is reserved whole at creation, so concurrent uploads cannot
//!   together exceed it (the account row lock orders them on PostgreSQL;
//!   SQLite has one writer).
//! - `received` only moves forward from the offset the client was told,
//!   with a conditional update; the partial file may be shorter than
//!   `received` after a machine crash (no fsync per chunk), so the offset a
//!   client resumes from is the smaller of the two.
//! - A row leaves with its blob reference in the same transaction; the
//!   file goes after the commit if it was the last reference.
//! - The link token is kept as is: the owner's list shows the link again,
//!   and the link is meant to be mailed (it sits in mailboxes anyway). A
//!   file that must stay private gets a password, kept as an argon2id hash.

use crate::sql;
use vesontio_types::{AccountId, UnixTime};

use crate::error::{Result, StoreError};
use crate::{Dialect, Store};

/// One file of the large-file service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedFile {
    pub id: i64,
    /// The download link's secret (`/f/<token>`).
    pub token: String,
    pub account_id: AccountId,
    pub name: String,
    pub content_type: String,
    /// The whole file's size, declared at the start of the upload.
    pub size: i64,
    /// Bytes received so far (equal to `size` once complete).
    pub received: i64,
    /// The blob once the upload is complete.
    pub blob_id: Option<String>,
    pub created_at: UnixTime,
    /// Last upload activity (for the purge of abandoned uploads).
    pub updated_at: UnixTime,
    pub expires_at: UnixTime,
    /// argon2id PHC string when the link needs a password.
    pub password_hash: Option<String>,
    pub downloads: i64,
}

impl SharedFile {
    pub fn complete(&self) -> bool {
        self.blob_id.is_some()
    }
}

/// What [`Store::shared_file_create`] needs.
#[derive(Debug, Clone)]
pub struct NewSharedFile {
    pub token: String,
    pub account_id: AccountId,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub expires_at: UnixTime,
    pub password_hash: Option<String>,
    pub now: UnixTime,
}

/// The outcome of writing one piece of an upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadWrite {
    /// Written; the bytes received so far.
    Written(i64),
    /// The piece did not start where the upload stands (a lost response,
    /// a second tab): nothing written; the offset to resume from.
    Offset(i64),
}

const COLS: &str = "id, token, account_id, name, content_type, size, received, blob_id, \
                    created_at, updated_at, expires_at, password_hash, downloads";

/// Rows the purge removes per statement.
const PURGE_BATCH: i64 = 500;

fn from_row(r: &sql::Row) -> Result<SharedFile> {
    Ok(SharedFile {
        id: r.try_get(0)?,
        token: r.try_get(1)?,
        account_id: AccountId(r.try_get(2)?),
        name: r.try_get(3)?,
        content_type: r.try_get(4)?,
        size: r.try_get(5)?,
        received: r.try_get(6)?,
        blob_id: r.try_get(7)?,
        created_at: r.try_get(8)?,
        updated_at: r.try_get(9)?,
        expires_at: r.try_get(10)?,
        password_hash: r.try_get(11)?,
        downloads: r.try_get(12)?,
    })
}

impl Store {
    /// Starts a file: reserves its whole size against the account's
    /// large-file `quota`. The inner error is the refusal
    /// ([`StoreError::OverQuota`] with what is used and the limit).
    pub async fn shared_file_create(
        &self,
        f: &NewSharedFile,
        quota: i64,
    ) -> Result<Result<SharedFile>> {
        if f.size < 0 {
            return Err(StoreError::Invalid("negative file size".into()));
        }
        let mut tx = self.begin_fast().await?;
        if self.dialect() == Dialect::Postgres {
            // Lock order: the account first, as everywhere.
            sql::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(f.account_id.0)
                .fetch_optional(&mut *tx)
                .await?;
        }
        let used = used_in(&mut tx, f.account_id).await?;
        if used.saturating_add(f.size) > quota {
            return Ok(Err(StoreError::OverQuota {
                used,
                needed: f.size,
                limit: quota,
            }));
        }
        let row = sql::query(q!(
            "INSERT INTO shared_files (token, account_id, name, content_type, size, created_at, \
             updated_at, expires_at, password_hash) VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8) \
             RETURNING {COLS}"
        ))
        .bind(&f.token)
        .bind(f.account_id.0)
        .bind(&f.name)
        .bind(&f.content_type)
        .bind(f.size)
        .bind(f.now)
        .bind(f.expires_at)
        .bind(f.password_hash.as_deref())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if e.is_unique_violation() {
                StoreError::AlreadyExists("shared file token".into())
            } else {
                e.into()
            }
        })?;
        let file = from_row(&row)?;
        tx.commit().await?;
        Ok(Ok(file))
    }

    /// Bytes of the account's large-file quota in use (uploads in progress
    /// count whole).
    pub async fn shared_files_used(&self, account: AccountId) -> Result<i64> {
        let row: (i64,) = sql::query_as(
            "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM shared_files WHERE account_id = $1",
        )
        .bind(account.0)
        .fetch_one(self.r())
        .await?;
        Ok(row.0)
    }

    /// The account's files, newest first.
    pub async fn shared_files(&self, account: AccountId) -> Result<Vec<SharedFile>> {
        let rows = sql::query(q!(
            "SELECT {COLS} FROM shared_files WHERE account_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(account.0)
        .fetch_all(self.r())
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn shared_file(&self, id: i64) -> Result<Option<SharedFile>> {
        let row = sql::query(q!("SELECT {COLS} FROM shared_files WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.r())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn shared_file_by_token(&self, token: &str) -> Result<Option<SharedFile>> {
        let row = sql::query(q!("SELECT {COLS} FROM shared_files WHERE token = $1"))
            .bind(token)
            .fetch_optional(self.r())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Where an upload resumes: the bytes both counted and on disk.
    pub async fn shared_upload_offset(&self, f: &SharedFile) -> Result<i64> {
        if f.complete() {
            return Ok(f.size);
        }
        let path = self.spool().upload_path(f.id);
        let on_disk = match tokio::fs::metadata(&path).await {
            Ok(m) => i64::try_from(m.len()).unwrap_or(i64::MAX),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e.into()),
        };
        Ok(f.received.min(on_disk))
    }

    /// Writes `data` at `offset` of upload `id`. The caller has checked
    /// the owner; the piece must start where the upload stands and not go
    /// past the declared size.
    pub async fn shared_upload_write(
        &self,
        id: i64,
        offset: i64,
        data: &[u8],
        now: UnixTime,
    ) -> Result<UploadWrite> {
        let f = self
            .shared_file(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("shared file {id}")))?;
        if f.complete() {
            return Ok(UploadWrite::Offset(f.size));
        }
        let at = self.shared_upload_offset(&f).await?;
        if offset != at {
            return Ok(UploadWrite::Offset(at));
        }
        let end = offset.saturating_add(data.len() as i64);
        if end > f.size {
            return Err(StoreError::Invalid(format!(
                "{end} bytes exceed the declared size {}",
                f.size
            )));
        }
        if data.is_empty() {
            return Ok(UploadWrite::Written(at));
        }
        let path = self.spool().upload_path(id);
        let data = data.to_vec();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            use std::io::{Seek, SeekFrom, Write};
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)?;
            file.seek(SeekFrom::Start(offset as u64))?;
            file.write_all(&data)?;
            file.set_len(end as u64)
        })
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))??;
        let mut tx = self.begin_fast().await?;
        let n = sql::query(
            "UPDATE shared_files SET received = $1, updated_at = $2 \
             WHERE id = $3 AND received = $4 AND blob_id IS NULL",
        )
        .bind(end)
        .bind(now)
        .bind(id)
        .bind(f.received)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if n == 0 {
            // Another writer moved it meanwhile: tell where it stands.
            let f = self
                .shared_file(id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("shared file {id}")))?;
            return Ok(UploadWrite::Offset(self.shared_upload_offset(&f).await?));
        }
        Ok(UploadWrite::Written(end))
    }

    /// Takes a file received whole elsewhere (the web's plain form streams
    /// into [`crate::Spool::temp_path`]) as the data of upload `id`,
    /// which must have received nothing yet and declare the file's size.
    pub async fn shared_upload_adopt(
        &self,
        id: i64,
        src: &std::path::Path,
        now: UnixTime,
    ) -> Result<()> {
        let f = self
            .shared_file(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("shared file {id}")))?;
        let len = i64::try_from(tokio::fs::metadata(src).await?.len()).unwrap_or(i64::MAX);
        if f.complete() || f.received != 0 || len != f.size {
            return Err(StoreError::Invalid(format!(
                "upload {id} cannot take a file of {len} bytes"
            )));
        }
        tokio::fs::rename(src, self.spool().upload_path(id)).await?;
        let mut tx = self.begin_fast().await?;
        sql::query(
            "UPDATE shared_files SET received = size, updated_at = $1              WHERE id = $2 AND blob_id IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the expiry of an owner's file (the compose page's offer
    /// keeps files an hour, then gives them the chosen life when sent as
    /// links). False when `account` has no file `id`.
    pub async fn shared_file_set_expiry(
        &self,
        id: i64,
        account: AccountId,
        expires_at: UnixTime,
    ) -> Result<bool> {
        let mut tx = self.begin_fast().await?;
        let n =
            sql::query("UPDATE shared_files SET expires_at = $1 WHERE id = $2 AND account_id = $3")
                .bind(expires_at)
                .bind(id)
                .bind(account.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Turns a fully received upload into a blob and returns the complete
    /// file. Hashing reads the file in bounded pieces and the blob is put
    /// (moved into place, durably) before the transaction that references
    /// it, as deliveries do: a concurrent sweep of the same content keeps
    /// bytes put within its grace (`blob/mod.rs`).
    pub async fn shared_upload_finish(&self, id: i64) -> Result<SharedFile> {
        let f = self
            .shared_file(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("shared file {id}")))?;
        if f.complete() {
            return Ok(f);
        }
        if self.shared_upload_offset(&f).await? != f.size {
            return Err(StoreError::Invalid(format!(
                "upload {id} has {} of {} bytes",
                f.received, f.size
            )));
        }
        let path = self.spool().upload_path(id);
        if f.size == 0 {
            // An empty file has no partial file yet.
            tokio::fs::write(&path, b"").await?;
        }
        let p = path.clone();
        let blob = tokio::task::spawn_blocking(move || crate::blob::id_of_file(&p))
            .await
            .map_err(|e| StoreError::Invalid(e.to_string()))??;
        // A second finish of the same upload (a retried request) finds the
        // partial file gone: the first one's put holds the bytes.
        if tokio::fs::try_exists(&path).await? {
            self.blobs().adopt(&blob, &path).await?;
        }
        let mut tx = self.begin_durable().await?;
        let n = sql::query(
            "UPDATE shared_files SET blob_id = $1 WHERE id = $2 AND blob_id IS NULL AND received = size",
        )
        .bind(&blob)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound(format!("upload {id} in progress")));
        }
        sql::query(
            "INSERT INTO blobs (id, size, refcount) VALUES ($1, $2, 1) \
             ON CONFLICT (id) DO UPDATE SET refcount = blobs.refcount + 1, zero_since = NULL",
        )
        .bind(&blob)
        .bind(f.size)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.shared_file(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("shared file {id}")))
    }

    /// Counts one download of a complete file not expired at `now`; false
    /// when it is not (the caller shows "expired" or "not found").
    pub async fn shared_file_downloaded(&self, id: i64, now: UnixTime) -> Result<bool> {
        let mut tx = self.begin_fast().await?;
        let n = sql::query(
            "UPDATE shared_files SET downloads = downloads + 1 \
             WHERE id = $1 AND blob_id IS NOT NULL AND expires_at > $2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The owner deletes a file (complete or not). False when `account`
    /// has no file `id`.
    pub async fn shared_file_delete(&self, id: i64, account: AccountId) -> Result<bool> {
        let gone = self
            .shared_files_remove(
                "DELETE FROM shared_files WHERE id = $1 AND account_id = $2 RETURNING id, blob_id",
                &[id, account.0],
            )
            .await?;
        Ok(gone == 1)
    }

    /// The jobs' purge: files expired at `now` and uploads left unfinished
    /// since before `stale_before`, with their blobs and partial files.
    /// Returns how many files went.
    pub async fn shared_files_purge(&self, now: UnixTime, stale_before: UnixTime) -> Result<u64> {
        let mut total = 0;
        loop {
            let n = self
                .shared_files_remove(
                    "DELETE FROM shared_files WHERE id IN (SELECT id FROM shared_files \
                     WHERE expires_at <= $1 OR (blob_id IS NULL AND updated_at < $2) \
                     ORDER BY id LIMIT $3) RETURNING id, blob_id",
                    &[now, stale_before, PURGE_BATCH],
                )
                .await?;
            total += n;
            if n < PURGE_BATCH as u64 {
                return Ok(total);
            }
        }
    }

    /// Runs a `DELETE … RETURNING id, blob_id` on `shared_files`, drops the
    /// blob references in the same transaction, then removes the files.
    async fn shared_files_remove(&self, sql: &'static str, vals: &[i64]) -> Result<u64> {
        let mut tx = self.begin_durable().await?;
        let mut q = sql::query(sql);
        for v in vals {
            q = q.bind(*v);
        }
        let rows = q.fetch_all(&mut *tx).await?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut blobs = Vec::new();
        for r in &rows {
            ids.push(r.try_get::<i64, _>(0)?);
            if let Some(b) = r.try_get::<Option<String>, _>(1)? {
                blobs.push(b);
            }
        }
        crate::expunge::release_blobs(&mut tx, self.dialect(), blobs.into_iter()).await?;
        tx.commit().await?;
        self.remove_partial_uploads(&ids).await;
        Ok(ids.len() as u64)
    }

    /// Removes the partial files of uploads whose rows are gone.
    pub(crate) async fn remove_partial_uploads(&self, ids: &[i64]) {
        for id in ids {
            match tokio::fs::remove_file(self.spool().upload_path(*id)).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => tracing::warn!(error = %e, upload = id, "partial upload not removed"),
            }
        }
    }
}

/// The account's reserved bytes, inside a transaction.
async fn used_in(tx: &mut crate::db::Tx, account: AccountId) -> Result<i64> {
    let row: (i64,) = sql::query_as(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM shared_files WHERE account_id = $1",
    )
    .bind(account.0)
    .fetch_one(&mut **tx)
    .await?;
    Ok(row.0)
}
