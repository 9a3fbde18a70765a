//! `[store]`: which database holds the metadata and where message bodies
//! go. Its own file so that the section's types, defaults and reading sit
//! together (the cross-section checks, such as `large_files.max_size`
//! against `store.blobs = "database"`, stay in `parse.rs`).
//!
//! ```toml
//! [store]
//! backend = "sqlite"
//! blobs = "mixed"
//! database_blob_max = "64KB"
//! ```

use serde::Serialize;

use crate::reader::{Section, expected, string};
use crate::units::{ByteSize, HumanDuration};

/// Which database holds the metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoreBackend {
    /// Embedded SQLite file under `server.data_dir`: one machine.
    Sqlite,
    /// A PostgreSQL (or compatible) server: several identical nodes [R27].
    Postgres,
}

/// Where message bodies and large files are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlobBackend {
    /// One file per content under `server.data_dir/blobs`.
    Files,
    /// A table of the metadata database: nodes sharing PostgreSQL need no
    /// shared file system, and one backup holds everything. PostgreSQL
    /// holds at most 1 GB per content, so `large_files.max_size` must stay
    /// below that.
    Database,
    /// Bodies up to `store.database_blob_max` in the database table, larger
    /// bodies and large files as files (the default): most mail costs one
    /// shared commit instead of a file and two fsyncs each, and big
    /// attachments stay out of the database. Reads find a body in either
    /// place, so a data directory written with `"files"` or `"database"`
    /// opens as it is.
    Mixed,
}

/// `[store]`: where mail and accounts are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Storage {
    /// `"sqlite"` (embedded, the default) or `"postgres"`.
    pub backend: StoreBackend,
    /// Connection URL, e.g. `"postgres://vesontio@db.example.org/mail"`.
    /// Required when `backend = "postgres"`. Default empty.
    pub postgres_url: String,
    /// PostgreSQL schema holding vesontio's tables. Default `"vesontio"`.
    pub postgres_schema: String,
    /// Where message bodies and large files go: `"mixed"` (the default:
    /// small bodies in the database, the rest as files), `"files"` (under
    /// `server.data_dir/blobs`) or `"database"` (a table of the database
    /// above). Changing it does not move what is stored; `"mixed"` reads
    /// what either of the others wrote.
    pub blobs: BlobBackend,
    /// With `blobs = "mixed"`: the largest body kept in the database.
    /// Default 64 KB (below it SQLite reads and writes a body faster than
    /// a file; most mail without attachments is smaller).
    pub database_blob_max: ByteSize,
    /// How long the account change log (what webmail live updates and a
    /// later JMAP `/changes` read) keeps its entries; a client that was
    /// away longer reloads its lists in full. Default 30 days.
    pub change_log_retention: HumanDuration,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            backend: StoreBackend::Sqlite,
            postgres_url: String::new(),
            postgres_schema: "vesontio".into(),
            blobs: BlobBackend::Mixed,
            database_blob_max: ByteSize(64 << 10),
            change_log_retention: HumanDuration::from_days(30),
        }
    }
}

pub(crate) fn read_store(mut s: Section<'_, '_>) -> Storage {
    let d = Storage::default();
    let store = Storage {
        backend: s.choice(
            "backend",
            d.backend,
            &[
                ("sqlite", StoreBackend::Sqlite),
                ("postgres", StoreBackend::Postgres),
            ],
        ),
        postgres_url: s.get("postgres_url", d.postgres_url, |v| {
            let url = string(v)?;
            if url.is_empty() || url.starts_with("postgres://") || url.starts_with("postgresql://")
            {
                Ok(url)
            } else {
                Err(expected(
                    "a URL such as \"postgres://user@host:5432/database\"",
                    v,
                ))
            }
        }),
        postgres_schema: s.get("postgres_schema", d.postgres_schema, |v| {
            let name = string(v)?;
            let ok = name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if ok {
                Ok(name)
            } else {
                Err(expected(
                    "a schema name of lower-case letters, digits and '_'",
                    v,
                ))
            }
        }),
        blobs: s.choice(
            "blobs",
            d.blobs,
            &[
                ("mixed", BlobBackend::Mixed),
                ("files", BlobBackend::Files),
                ("database", BlobBackend::Database),
            ],
        ),
        database_blob_max: s.size("database_blob_max", d.database_blob_max, 0),
        change_log_retention: s.duration("change_log_retention", d.change_log_retention),
    };
    // "mixed" keeps small bodies as single rows: a large one is a file's job.
    const MIXED_MAX: u64 = 16 << 20;
    if store.database_blob_max.0 > MIXED_MAX {
        s.error(
            "database_blob_max",
            format!(
                "must be at most \"16MB\" (larger bodies are kept as files), found {}",
                store.database_blob_max
            ),
        );
    }
    s.finish();
    store
}
