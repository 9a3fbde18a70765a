//! The audit log (R11): append-only, each entry chaining the SHA-256 of the
//! previous one, so that any change, insertion or removal inside the chain
//! is detected by [`Store::audit_verify`]. Retention purges cut the chain
//! at its start only; the first remaining entry's `prev_hash` is the anchor.

use crate::sql;
use sha2::{Digest, Sha256};
use vesontio_types::UnixTime;

use crate::Store;
use crate::db::{Db, Durability};

use crate::error::{Result, StoreError};
use crate::model::AuditEntry;

/// Where verification found the chain broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: String,
}

fn entry_hash(prev: &str, seq: i64, at: UnixTime, category: &str, data: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    h.update((category.len() as u64).to_be_bytes());
    h.update(category.as_bytes());
    h.update(data.as_bytes());
    hex::encode(h.finalize())
}

impl Store {
    /// Appends an event. `data` is a JSON object of the event's fields; it
    /// must never contain message content. Returns once the entry is
    /// committed. Concurrent appends share one transaction (group commit),
    /// so the log does not cost one fsync per event.
    pub async fn audit_append(
        &self,
        at: UnixTime,
        category: &str,
        data: &serde_json::Value,
    ) -> Result<i64> {
        self.audit_append_many(vec![(at, category.to_string(), data.clone())])
            .await
    }

    /// R11: one login attempt, the same record for every protocol
    /// (`protocol` is `imap`, `pop3`…); `reason` is `None` on success.
    pub async fn audit_login(
        &self,
        at: UnixTime,
        protocol: &str,
        account: &str,
        ip: std::net::IpAddr,
        mechanism: &str,
        reason: Option<&str>,
    ) -> Result<i64> {
        let data = serde_json::json!({
            "protocol": protocol,
            "account": account,
            "ip": ip.to_string(),
            "mechanism": mechanism,
            "success": reason.is_none(),
            "reason": reason,
        });
        self.audit_append(at, "connection", &data).await
    }

    /// Appends several events in order, in one message to the writer (a
    /// session that ends writes its trail at once). Returns the sequence
    /// number of the first; the others follow it.
    pub async fn audit_append_many(
        &self,
        entries: Vec<(UnixTime, String, serde_json::Value)>,
    ) -> Result<i64> {
        if entries.is_empty() {
            return Err(StoreError::Invalid("no audit entries".into()));
        }
        let entries = entries
            .into_iter()
            .map(|(at, category, data)| (at, category, data.to_string()))
            .collect();
        let seqs = self
            .inner
            .audit_tx
            .run(entries)
            .await
            .map_err(|e| StoreError::Invalid(format!("audit append failed: {e}")))?;
        Ok(seqs[0])
    }

    /// Entries with `from <= at < to`, in order.
    pub async fn audit_entries(&self, from: UnixTime, to: UnixTime) -> Result<Vec<AuditEntry>> {
        let rows = sql::query("SELECT seq, at, category, data, prev_hash, hash FROM audit WHERE at >= $1 AND at < $2 ORDER BY seq")
            .bind(from)
            .bind(to)
            .fetch_all(self.r())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    seq: r.try_get(0)?,
                    at: r.try_get(1)?,
                    category: r.try_get(2)?,
                    data: r.try_get(3)?,
                    prev_hash: r.try_get(4)?,
                    hash: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Checks the whole chain. Returns the number of entries checked, or
    /// where it is broken.
    pub async fn audit_verify(&self) -> Result<std::result::Result<u64, AuditBreak>> {
        let rows =
            sql::query("SELECT seq, at, category, data, prev_hash, hash FROM audit ORDER BY seq")
                .fetch_all(self.w())
                .await?;
        let head: (i64, String) = sql::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(self.w())
            .await?;
        let mut prev: Option<(i64, String)> = None;
        let mut n = 0u64;
        for r in &rows {
            let seq: i64 = r.try_get(0)?;
            let at: i64 = r.try_get(1)?;
            let category: String = r.try_get(2)?;
            let data: String = r.try_get(3)?;
            let prev_hash: String = r.try_get(4)?;
            let hash: String = r.try_get(5)?;
            if let Some((pseq, phash)) = &prev {
                if seq != pseq + 1 {
                    return Ok(Err(AuditBreak {
                        seq,
                        reason: format!("entry {} is missing", pseq + 1),
                    }));
                }
                if &prev_hash != phash {
                    return Ok(Err(AuditBreak {
                        seq,
                        reason: "previous-hash link does not match".into(),
                    }));
                }
            }
            if entry_hash(&prev_hash, seq, at, &category, &data) != hash {
                return Ok(Err(AuditBreak {
                    seq,
                    reason: "content does not match its hash".into(),
                }));
            }
            prev = Some((seq, hash));
            n += 1;
        }
        match prev {
            Some((seq, hash)) if seq != head.0 || hash != head.1 => Ok(Err(AuditBreak {
                seq: head.0,
                reason: "entries at the end of the log are missing".into(),
            })),
            None if head.0 != 0 && n == 0 => Ok(Ok(0)),
            _ => Ok(Ok(n)),
        }
    }

    /// R11 retention: removes entries older than `before`.
    pub async fn audit_purge_before(&self, before: UnixTime) -> Result<u64> {
        // Cut at the first entry that is recent enough, so the remaining
        // chain stays contiguous even if clocks of several nodes disagree.
        let r = sql::query(
            "DELETE FROM audit WHERE seq < COALESCE((SELECT MIN(seq) FROM audit WHERE at >= $1), \
             (SELECT seq + 1 FROM audit_head WHERE id = 1))",
        )
        .bind(before)
        .execute(self.w())
        .await?;
        Ok(r.rows_affected())
    }
}

/// One event waiting for the audit writer: (time, category, JSON data).
type AuditItem = (UnixTime, String, String);

/// The audit writer's batching task: one output (the entry's sequence
/// number) per entry.
pub(crate) type AuditWriter = crate::group::Group<AuditItem, i64>;

/// Most entries written in one transaction.
const MAX_AUDIT_BATCH: usize = 256;

/// The audit writer: takes every waiting entry, chains and writes them in
/// one transaction, answers each caller after the commit (the store's one
/// group-commit loop, `group.rs`).
pub(crate) fn start_writer(pool: Db) -> AuditWriter {
    crate::group::Group::start(pool, MAX_AUDIT_BATCH, |pool: Db, entries| async move {
        let n = entries.len() as i64;
        let first = write_batch(&pool, &entries).await?;
        Ok((first..first + n).collect())
    })
}

async fn write_batch(pool: &Db, entries: &[AuditItem]) -> Result<i64> {
    // The trail is committed durably (fsync), like the deliveries it records.
    write_entries(pool.begin_sync(Durability::Full).await?, entries).await
}

async fn write_entries(mut tx: crate::db::Tx, entries: &[AuditItem]) -> Result<i64> {
    // The head row is the chain's lock: concurrent writers (several nodes on
    // PostgreSQL) queue on it, so the chain never forks.
    let row = sql::query("UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(entries.len() as i64)
        .fetch_one(&mut *tx)
        .await?;
    let last: i64 = row.try_get(0)?;
    let mut prev: String = row.try_get(1)?;
    let first = last - entries.len() as i64 + 1;
    for (i, (at, category, data)) in entries.iter().enumerate() {
        let seq = first + i as i64;
        let hash = entry_hash(&prev, seq, *at, category, data);
        sql::query("INSERT INTO audit (seq, at, category, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(seq)
            .bind(*at)
            .bind(category)
            .bind(data)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut *tx)
            .await?;
        prev = hash;
    }
    sql::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(first)
}
