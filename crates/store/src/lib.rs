//! Storage of vesontio: domains, accounts, memberships, mailboxes, messages,
//! the outbound queue, the audit log (R11), quarantine (R8, R9) and the small
//! tables the charter's limits need (login failures, sending rate, absence
//! replies).
//!
//! One implementation, two dialects: every query is written once and runs
//! through this crate's own executor (`sql`) on SQLite (embedded default,
//! WAL, one writer connection; rusqlite) or PostgreSQL (scale-out;
//! tokio-postgres). Message bodies are
//! content-addressed blobs behind an async trait ([`blob::BlobStore`]:
//! files, or a table of the database), reference-counted in the `blobs`
//! table and reclaimed by mark and sweep.
//!
//! Invariants
//! - A blob is durable before any row referencing it commits, and no blob
//!   I/O happens inside a metadata transaction.
//! - `accounts.bytes_used` changes only in the transaction that adds or
//!   removes the message rows it counts, with a conditional update, so quota
//!   stays exact under concurrent delivery and expunge.
//! - UIDs and MODSEQs of a mailbox only grow (RFC 9051 §2.3.1.1, RFC 7162 §3.1).
//! - This crate knows nothing about protocols.

/// A query text built at run time from constants of this crate (column
/// lists, table names, dialect keywords), never from input: every value goes
/// through a bind parameter.
macro_rules! q {
    ($($t:tt)*) => { $crate::sql::Safe(format!($($t)*)) };
}

mod accounts;
mod alerts;
mod audit;
mod batch;
pub mod blob;
pub mod conformance;
mod copy;
mod db;
mod error;
mod expunge;
mod find;
mod flagcols;
mod flags;
mod group;
mod index;
mod index_cache;
mod indexer;
mod ingest;
mod leases;
mod logins;
mod mailboxes;
mod messages;
mod model;
mod notify;
mod quarantine;
mod queue;
mod schema;
mod send_rate;
mod shared_files;
mod spam_models;
mod sql;
mod textsearch;
mod thread_uids;
mod training;
mod upgrade;
mod vacation;
mod views;
mod websessions;
mod writes;

pub use alerts::{Alert, AlertKind, NewAlert};
#[doc(hidden)]
pub use batch::debug_scripts_per_statement;
pub use blob::{BlobRef, BlobStore, FileBlobs, SWEEP_GRACE_SECS, Spool};
pub use error::{Result, StoreError};
pub use find::{FindCursor, Found, MessageQuery, SCAN_LIMIT, ThreadPage, ThreadRow};
pub use index::{DELETED_BIT, MailboxIndex, SEEN_BIT, bits_of, flags_of, is_system_flag};
pub use ingest::{ChangeKind, Parsed};
pub use leases::SessionKind;
pub use logins::{KNOWN_CLIENTS_KEPT_SECS, LOGIN_FAILURES_KEPT_SECS};
pub use messages::crlf_size;
pub use messages::{ExpungeMode, FlagsUpdate};
pub use model::*;
pub use shared_files::{NewSharedFile, SharedFile, UploadWrite};
pub use spam_models::{SpamChange, SpamJournal};
pub use sql::SqlError;
pub use textsearch::{Known, TermField, TermHits, indexable};
pub use training::{TrainingEvent, TrainingKind};
pub use views::{Cursor, ListItem, Page, SortBy};
pub use websessions::WebSession;
pub use writes::{CopyOutcome, CopyWrite, HeldWrite, MessageWrite, WriteOutcome};

use db::{Db, Tx};
use sql::Executor;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::broadcast;
use vesontio_types::{AccountId, MailboxId};

/// SQLite reader connections. Statements run on the task that asks (see
/// `lite`), so more readers than runtime threads would rarely be used.
const READERS: usize = 4;

/// PostgreSQL connections per process (the writer and readers share them).
const PG_CONNECTIONS: usize = 16;

/// Which SQL engine is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A value for [`Store::debug_execute_with`].
#[doc(hidden)]
pub enum DebugVal<'a> {
    Int(i64),
    Text(&'a str),
}

/// Where blob bytes are kept (`store.blobs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BlobBackend {
    /// Files under the data directory (`blob/files.rs`).
    #[default]
    Files,
    /// The `blob_data` table of the metadata database (`blob/db.rs`).
    Database,
    /// Bodies up to `database_max` bytes in the table, the rest as files
    /// (`blob/mixed.rs`).
    Mixed { database_max: u64 },
}

impl BlobBackend {
    /// What a server runs with when its configuration says nothing
    /// (`store.blobs = "mixed"`, `store.database_blob_max = "64KB"`), for
    /// tests and benchmarks that go through the deployed blob path.
    pub const DEPLOYED: BlobBackend = BlobBackend::Mixed {
        database_max: 64 << 10,
    };
}

/// Where the store lives.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// `dir/vesontio.db` plus `dir/blobs/`.
    Sqlite { dir: PathBuf },
    /// Metadata in `schema` of the database at `url`; blobs in `blob_dir`.
    Postgres {
        url: String,
        schema: String,
        blob_dir: PathBuf,
    },
}

/// A change to a mailbox, broadcast after commit so IMAP IDLE sessions and
/// held deliveries can react.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub account_id: AccountId,
    pub mailbox_id: MailboxId,
    /// The mailbox's HIGHESTMODSEQ once this change committed (0 when not
    /// known): a session whose view is already at or past it has nothing
    /// to read.
    pub modseq: vesontio_types::ModSeq,
    /// The account's change sequence number after this change (0 when not
    /// known; see [`Store::account_changes`]).
    pub seq: i64,
}

/// Handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    dialect: Dialect,
    /// SQLite: a single connection, so writers queue in the pool instead of
    /// failing with SQLITE_BUSY. PostgreSQL: the same pool as `read`.
    /// Reads go to `read`: in WAL mode each statement of a reader sees
    /// every transaction committed before it began, so reads never wait
    /// behind the writer and still see the caller's own commits.
    write: Db,
    read: Db,
    blobs: Arc<dyn BlobStore>,
    /// Files being received and partial uploads, beside the blobs.
    spool: Spool,
    changes: broadcast::Sender<Change>,
    audit_tx: audit::AuditWriter,
    /// PostgreSQL: the NOTIFY channel of this schema.
    notify_channel: Option<String>,
    /// PostgreSQL: the schema.
    pg_schema: Option<String>,
    /// Dropped with the store: ends the LISTEN task.
    _listener_stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// Group commit of deliveries and APPENDs (started on first use,
    /// inside the runtime).
    committer:
        std::sync::OnceLock<group::Group<writes::MessageWrite, Result<writes::WriteOutcome>>>,
    /// Moves search texts into the full-text index off the delivery path.
    indexer: Arc<indexer::Indexer>,
    /// Mailbox indexes shared by the sessions (`index_cache.rs`).
    index_cache: index_cache::IndexCache,
    /// Quota-held deliveries may be waiting (see `wake_held`); true at start.
    may_hold: std::sync::atomic::AtomicBool,
    /// R13: when this process last marked each account as read.
    read_marks: std::sync::Mutex<std::collections::HashMap<i64, i64>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dialect", &self.inner.dialect)
            .finish()
    }
}

impl Store {
    /// Opens (creating if needed) the store and applies pending migrations.
    pub async fn open(config: StoreConfig) -> Result<Store> {
        Self::open_at(config, None, BlobBackend::Files).await
    }

    /// [`Store::open`] with the blobs where `blobs` says.
    pub async fn open_with_blobs(config: StoreConfig, blobs: BlobBackend) -> Result<Store> {
        Self::open_at(config, None, blobs).await
    }

    /// A store migrated only up to schema `version`, with no upgrade pass:
    /// for the test that upgrades a data directory of an earlier release.
    #[doc(hidden)]
    pub async fn open_at_schema(config: StoreConfig, version: i64) -> Result<Store> {
        Self::open_at(config, Some(version), BlobBackend::Files).await
    }

    async fn open_at(
        config: StoreConfig,
        max_version: Option<i64>,
        backend: BlobBackend,
    ) -> Result<Store> {
        let (dialect, write, read, blob_dir) = match &config {
            StoreConfig::Sqlite { dir } => {
                std::fs::create_dir_all(dir)?;
                // synchronous=NORMAL by default: in WAL mode a commit
                // survives a crash of the process, not of the machine.
                // Writes that a client is told are safe set FULL in their
                // BEGIN: see `db::Durability`.
                const INIT: &str = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                     PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
                let path = dir.join("vesontio.db");
                let (write, read) = tokio::task::spawn_blocking(move || {
                    // The writer first: it creates the file and sets WAL.
                    // Its log is copied into the file by a thread of its
                    // own (`Lite::spawn_checkpointer`).
                    let write = sql::lite::Lite::open(
                        &path,
                        1,
                        &format!(
                            "{INIT} PRAGMA wal_autocheckpoint={};",
                            sql::lite::WRITER_AUTOCHECKPOINT
                        ),
                    )?;
                    write.spawn_checkpointer(&path)?;
                    // Readers keep up to 16 MB of pages each (SQLite's
                    // default is 2): a search of a 20,000-message mailbox
                    // touches more than that, then reads it back from the
                    // files at every page (28 % of a TEXT search's time).
                    let read = sql::lite::Lite::open(
                        &path,
                        READERS,
                        &format!("{INIT} PRAGMA cache_size=-16384;"),
                    )?;
                    Ok::<_, SqlError>((write, read))
                })
                .await
                .map_err(|e| StoreError::Invalid(e.to_string()))??;
                let (write, read) = (Db::Lite(write), Db::Lite(read));
                (Dialect::Sqlite, write, read, dir.join("blobs"))
            }
            StoreConfig::Postgres {
                url,
                schema,
                blob_dir,
            } => {
                if !schema
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    || schema.is_empty()
                {
                    return Err(StoreError::Invalid(format!("bad schema name {schema:?}")));
                }
                // The search path may name a schema not created yet.
                let pool = sql::pg::Pg::open(url, schema, PG_CONNECTIONS).await?;
                (&Db::Pg(pool.clone()))
                    .execute(q!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                    .await?;
                (
                    Dialect::Postgres,
                    Db::Pg(pool.clone()),
                    Db::Pg(pool),
                    blob_dir.clone(),
                )
            }
        };
        let (changes, _) = broadcast::channel(1024);
        // PostgreSQL: changes travel between nodes by LISTEN/NOTIFY, one
        // channel per schema; every node, this one included, hears them.
        let (notify_channel, listener_stop) = match &config {
            StoreConfig::Postgres { url, schema, .. } => {
                let channel = notify_channel_of(schema);
                let stop = spawn_listener(url.clone(), channel.clone(), changes.clone()).await?;
                (Some(channel), Some(stop))
            }
            StoreConfig::Sqlite { .. } => (None, None),
        };
        // The file backend first: it puts back what an interrupted sweep
        // had moved into `tmp`, which the spool then empties.
        let (files, spool) = tokio::task::spawn_blocking(move || {
            let files = match backend {
                BlobBackend::Files | BlobBackend::Mixed { .. } => Some(FileBlobs::open(&blob_dir)?),
                BlobBackend::Database => None,
            };
            Ok::<_, StoreError>((files, Spool::open(&blob_dir)?))
        })
        .await
        .map_err(|e| StoreError::Invalid(e.to_string()))??;
        let table = || blob::db::DbBlobs::new(write.clone(), read.clone(), dialect);
        let blobs: Arc<dyn BlobStore> = match (backend, files) {
            (BlobBackend::Mixed { database_max }, Some(f)) => {
                Arc::new(blob::mixed::Mixed::new(table(), f, database_max))
            }
            (_, Some(f)) => Arc::new(f),
            (_, None) => Arc::new(table()),
        };
        let audit_tx = audit::start_writer(write.clone());
        let store = Store {
            inner: Arc::new(Inner {
                dialect,
                write,
                read,
                blobs,
                spool,
                changes,
                audit_tx,
                notify_channel,
                pg_schema: match &config {
                    StoreConfig::Postgres { schema, .. } => Some(schema.clone()),
                    StoreConfig::Sqlite { .. } => None,
                },
                _listener_stop: listener_stop,
                committer: std::sync::OnceLock::new(),
                indexer: Default::default(),
                index_cache: Default::default(),
                read_marks: Default::default(),
                may_hold: std::sync::atomic::AtomicBool::new(true),
            }),
        };
        store.migrate(max_version.unwrap_or(i64::MAX)).await?;
        if max_version.is_none() {
            store.upgrade_v5().await?;
            indexer::start(Arc::downgrade(&store.inner));
        }
        Ok(store)
    }

    async fn migrate(&self, max_version: i64) -> Result<()> {
        let w = &self.inner.write;
        w.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY)")
            .await?;
        for (version, sql) in schema::MIGRATIONS.iter().filter(|m| m.0 <= max_version) {
            let mut tx = w.begin_sync(db::Durability::Full).await?;
            if self.inner.dialect == Dialect::Postgres {
                // Nodes starting together migrate one after the other.
                sql::query("SELECT pg_advisory_xact_lock(7365736)")
                    .execute(&mut *tx)
                    .await?;
            }
            let done: Option<(i64,)> =
                sql::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&mut *tx)
                    .await?;
            if done.is_some() {
                continue;
            }
            for stmt in schema::render(sql, self.inner.dialect).split(';') {
                if !stmt.trim().is_empty() {
                    (&mut *tx).execute(sql::Safe(stmt.to_string())).await?;
                }
            }
            sql::query("INSERT INTO schema_migrations (version) VALUES ($1)")
                .bind(*version)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    /// The PostgreSQL schema, if this store is on PostgreSQL.
    pub fn schema_name(&self) -> Option<&str> {
        self.inner.pg_schema.as_deref()
    }

    /// The blob backend. Never call it inside a transaction.
    pub fn blobs(&self) -> &dyn BlobStore {
        &*self.inner.blobs
    }

    /// The local directory of files being received and partial uploads.
    pub fn spool(&self) -> &Spool {
        &self.inner.spool
    }

    /// Mailbox changes committed by any session of this process.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.inner.changes.subscribe()
    }

    pub(crate) fn w(&self) -> &Db {
        &self.inner.write
    }

    pub(crate) fn r(&self) -> &Db {
        &self.inner.read
    }

    /// Writes a body durably and returns its reference. Nothing points at
    /// it until a message or queue row does: put it before the
    /// transaction that inserts that row (see `blob/mod.rs`).
    pub async fn put_blob(&self, data: Vec<u8>) -> Result<(BlobRef, Arc<Vec<u8>>)> {
        let data = Arc::new(data);
        let r = self.inner.blobs.put(data.clone()).await?;
        Ok((r, data))
    }

    /// Reads a body.
    pub async fn read_blob(&self, id: &str) -> Result<Vec<u8>> {
        self.inner.blobs.get(id).await
    }

    /// Reads a body whose size the caller knows (the file backend reads
    /// small ones on the calling task, large ones on the blocking pool).
    pub async fn read_blob_sized(&self, id: &str, _size: i64) -> Result<Vec<u8>> {
        self.inner.blobs.get(id).await
    }

    /// At most `len` bytes of a body from offset `start`, for readers
    /// that stream it (large files, R21) or need one part.
    pub async fn read_blob_range(&self, id: &str, start: u64, len: u64) -> Result<Vec<u8>> {
        self.inner.blobs.get_range(id, start, len).await
    }

    /// A write transaction whose commit is on disk before it returns
    /// ([`db::Durability::Full`]).
    pub(crate) async fn begin_durable(&self) -> Result<Tx> {
        Ok(self.w().begin_sync(db::Durability::Full).await?)
    }

    /// A write transaction whose commit need not wait for the disk
    /// ([`db::Durability::Normal`]), for the hot paths.
    pub(crate) async fn begin_fast(&self) -> Result<Tx> {
        Ok(self.w().begin_sync(db::Durability::Normal).await?)
    }

    /// Runs one raw statement. For tests that must damage the database on
    /// purpose (audit tampering); never called by the platform.
    #[doc(hidden)]
    pub async fn debug_execute(&self, sql: &'static str) -> Result<u64> {
        Ok(sql::query(sql).execute(self.w()).await?.rows_affected())
    }

    /// Runs one raw statement with text and integer values bound in order
    /// (tests that write rows of an earlier schema); never called by the
    /// platform.
    #[doc(hidden)]
    pub async fn debug_execute_with(&self, sql: &str, vals: &[DebugVal<'_>]) -> Result<u64> {
        let mut q = sql::query(sql::Safe(sql.to_string()));
        for v in vals {
            q = match v {
                DebugVal::Int(i) => q.bind(*i),
                DebugVal::Text(t) => q.bind(t.to_string()),
            };
        }
        Ok(q.execute(self.w()).await?.rows_affected())
    }

    /// The SQLite writer's `PRAGMA synchronous` (2 = FULL, 1 = NORMAL),
    /// for the test that durable transactions fsync; never called by the
    /// platform.
    #[doc(hidden)]
    pub async fn debug_writer_synchronous(&self) -> Result<i64> {
        let row: (i64,) = sql::query_as("PRAGMA synchronous")
            .fetch_one(self.w())
            .await?;
        Ok(row.0)
    }

    pub async fn close(&self) {
        // The indexer's pending rows wait for the next open.
        self.pause_indexing(true);
        self.inner.write.close().await;
        self.inner.read.close().await;
    }
}

/// The NOTIFY channel of a schema: `vesontio_<schema>`, or, past
/// PostgreSQL's 63-byte identifier limit (where NOTIFY fails), the same
/// prefix with a digest of the schema name, the same on every node.
fn notify_channel_of(schema: &str) -> String {
    let channel = format!("vesontio_{schema}");
    if channel.len() <= 63 {
        return channel;
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(schema.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("vesontio_{}_{hex}", &schema[..24])
}

/// Listens on `channel` and republishes each `account:mailbox` payload on
/// `changes` until the returned sender is dropped. Listening has begun
/// when this returns; after a lost connection it connects and listens
/// again (changes sent meanwhile are missed: IMAP sessions also poll).
async fn spawn_listener(
    url: String,
    channel: String,
    changes: broadcast::Sender<Change>,
) -> Result<tokio::sync::oneshot::Sender<()>> {
    // The client is kept: dropping it would close the connection.
    let (mut _client, mut heard) = notify::listen(&url, &channel).await?;
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = &mut stopped => return,
                n = heard.recv() => match n {
                    Some(payload) => {
                        if let Some(c) = notify::parse_payload(&payload) {
                            let _ = changes.send(c);
                        }
                    }
                    None => {
                        tracing::warn!("LISTEN connection lost; reconnecting");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        match notify::listen(&url, &channel).await {
                            Ok((c, h)) => (_client, heard) = (c, h),
                            Err(e) => tracing::warn!(error = %e, "LISTEN failed"),
                        }
                    }
                },
            }
        }
    });
    Ok(stop)
}

/// Current time in seconds, for callers that do not inject a clock.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
