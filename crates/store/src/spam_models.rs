//! The spam classifier's models (R24), stored so that every node of a
//! cluster scores with the same one: one per domain and a shared base
//! (domain `""`). The store keeps bytes; the `spam` crate knows their
//! format.
//!
//! A model is a snapshot (`spam_models.data`, several MB once it has
//! learned a corpus) and a journal of what was learned since
//! (`spam_changes`, v23): one row per learned message, its tokens, a few
//! KB. Learning appends to the journal; every node reads the snapshot
//! once and then only the journal rows after the last one it applied, and
//! replays them in `id` order, so all nodes hold the same model. Now and
//! then a learner folds the journal into the snapshot (`fold_spam_model`)
//! and deletes the folded rows, so the journal stays small; the snapshot
//! says which row it includes (`seq`), and a node that finds the snapshot
//! ahead of it reads it again (`spam_snapshot`).
//!
//! Appends and folds take the model row's lock (PostgreSQL `FOR UPDATE`;
//! SQLite has one writer), so a domain's rows are committed in `id` order
//! (a reader that has row n never misses a smaller one committed later)
//! and a fold never loses a row appended meanwhile.

use crate::Store;
use crate::db::Tx;
use crate::error::Result;
use crate::sql;

/// One learned message in a model's journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpamChange {
    /// Position in the journal (the order of replay).
    pub id: i64,
    /// The message's identity for the model (its hash, as `i64`).
    pub message: i64,
    pub spam: bool,
    /// Its tokens, as the `spam` crate encodes them.
    pub tokens: Vec<u8>,
}

/// The size of a model after an append, for the learner to decide when
/// to fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpamJournal {
    /// The last row appended.
    pub last: i64,
    /// Rows in the journal and their token bytes.
    pub rows: i64,
    pub bytes: i64,
    /// The snapshot's bytes.
    pub snapshot: i64,
}

type ChangeRow = (i64, i64, i64, Vec<u8>);

fn change((id, message, spam, tokens): ChangeRow) -> SpamChange {
    SpamChange {
        id,
        message,
        spam: spam != 0,
        tokens,
    }
}

impl Store {
    /// The stored snapshot of `domain`'s model (`""`: the shared base),
    /// without the journal.
    pub async fn spam_model(&self, domain: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.spam_snapshot(domain).await?.map(|(d, _)| d))
    }

    /// The snapshot and the last journal row it includes.
    pub async fn spam_snapshot(&self, domain: &str) -> Result<Option<(Vec<u8>, i64)>> {
        let row: Option<(Vec<u8>, i64)> =
            sql::query_as("SELECT data, seq FROM spam_models WHERE domain = $1")
                .bind(domain)
                .fetch_optional(self.r())
                .await?;
        Ok(row.filter(|(d, _)| !d.is_empty()))
    }

    /// The last journal row the snapshot includes (0: none).
    pub async fn spam_snapshot_seq(&self, domain: &str) -> Result<i64> {
        let row: Option<(i64,)> = sql::query_as("SELECT seq FROM spam_models WHERE domain = $1")
            .bind(domain)
            .fetch_optional(self.r())
            .await?;
        Ok(row.map_or(0, |r| r.0))
    }

    /// The journal rows of `domain` after `after`, in order.
    pub async fn spam_changes(&self, domain: &str, after: i64) -> Result<Vec<SpamChange>> {
        let rows: Vec<ChangeRow> = sql::query_as(
            "SELECT id, message, spam, tokens FROM spam_changes \
             WHERE domain = $1 AND id > $2 ORDER BY id",
        )
        .bind(domain)
        .bind(after)
        .fetch_all(self.r())
        .await?;
        Ok(rows.into_iter().map(change).collect())
    }

    /// Appends learned messages (`(message, spam, tokens)`) to `domain`'s
    /// journal, in one transaction.
    pub async fn append_spam_changes(
        &self,
        domain: &str,
        changes: &[(i64, bool, Vec<u8>)],
        now: i64,
    ) -> Result<SpamJournal> {
        let mut tx = self.begin_durable().await?;
        lock_model(&mut tx, self.dialect(), domain).await?;
        let mut last = 0;
        for (message, spam, tokens) in changes {
            let (id,): (i64,) = sql::query_as(
                "INSERT INTO spam_changes (domain, message, spam, tokens, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(domain)
            .bind(*message)
            .bind(i64::from(*spam))
            .bind(tokens.as_slice())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            last = id;
        }
        let (rows, bytes): (i64, i64) = sql::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(LENGTH(tokens)), 0) AS BIGINT) \
             FROM spam_changes WHERE domain = $1",
        )
        .bind(domain)
        .fetch_one(&mut *tx)
        .await?;
        let (snapshot,): (i64,) =
            sql::query_as("SELECT CAST(LENGTH(data) AS BIGINT) FROM spam_models WHERE domain = $1")
                .bind(domain)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(SpamJournal {
            last,
            rows,
            bytes,
            snapshot,
        })
    }

    /// Folds `domain`'s journal into its snapshot: `fold` gets the stored
    /// snapshot (if any) and the journal rows in order and returns the new
    /// snapshot, written with the last row's position; the rows are then
    /// deleted, all in one transaction. Returns the rows folded.
    pub async fn fold_spam_model<F>(&self, domain: &str, now: i64, fold: F) -> Result<usize>
    where
        F: FnOnce(Option<Vec<u8>>, &[SpamChange]) -> Vec<u8>,
    {
        let mut tx = self.begin_durable().await?;
        let seq = lock_model(&mut tx, self.dialect(), domain).await?;
        let rows: Vec<ChangeRow> = sql::query_as(
            "SELECT id, message, spam, tokens FROM spam_changes \
             WHERE domain = $1 AND id > $2 ORDER BY id",
        )
        .bind(domain)
        .bind(seq)
        .fetch_all(&mut *tx)
        .await?;
        let changes: Vec<SpamChange> = rows.into_iter().map(change).collect();
        let Some(last) = changes.last().map(|c| c.id) else {
            return Ok(0);
        };
        let (data,): (Vec<u8>,) = sql::query_as("SELECT data FROM spam_models WHERE domain = $1")
            .bind(domain)
            .fetch_one(&mut *tx)
            .await?;
        let data = fold((!data.is_empty()).then_some(data), &changes);
        sql::query("UPDATE spam_models SET data = $2, seq = $3, updated_at = $4 WHERE domain = $1")
            .bind(domain)
            .bind(data)
            .bind(last)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sql::query("DELETE FROM spam_changes WHERE domain = $1 AND id <= $2")
            .bind(domain)
            .bind(last)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(changes.len())
    }
}

/// Locks `domain`'s model row, creating it (empty bytes: no snapshot yet)
/// so that even a domain's first learners queue on it; returns the
/// snapshot's position (not its bytes: an append has no use for them).
async fn lock_model(tx: &mut Tx, dialect: crate::Dialect, domain: &str) -> Result<i64> {
    let lock = match dialect {
        crate::Dialect::Postgres => " FOR UPDATE",
        crate::Dialect::Sqlite => "",
    };
    sql::query(
        "INSERT INTO spam_models (domain, data, updated_at) VALUES ($1, $2, 0) \
         ON CONFLICT (domain) DO NOTHING",
    )
    .bind(domain)
    .bind(Vec::<u8>::new())
    .execute(&mut **tx)
    .await?;
    let (seq,): (i64,) = sql::query_as(q!("SELECT seq FROM spam_models WHERE domain = $1{lock}"))
        .bind(domain)
        .fetch_one(&mut **tx)
        .await?;
    Ok(seq)
}
