//! Where statements run: connections to PostgreSQL ([`sql::pg::Pg`]) or
//! to SQLite run on the caller's task ([`sql::lite::Lite`]). Both are
//! [`Executor`]s of this crate's own SQL layer ([`crate::sql`]), so every
//! query is written once.

use crate::sql::{self, BoxFuture, Executor, Output, Stmt, lite, pg};
use std::sync::Arc;

/// A set of connections: the writer or the readers.
#[derive(Clone, Debug)]
pub(crate) enum Db {
    Pg(Arc<pg::Pg>),
    Lite(Arc<lite::Lite>),
}

/// How a write transaction's COMMIT reaches the disk (SQLite's `PRAGMA
/// synchronous`, set with its BEGIN). Every write transaction states one.
/// PostgreSQL commits are always durable (`synchronous_commit = on`), so it
/// ignores this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Fsynced before the commit returns (docs/design.md: a `250` after DATA
    /// means the message is on disk): deliveries, APPEND, the queue,
    /// quarantine, the audit log, accounts, mailboxes, settings.
    Full,
    /// In WAL mode, survives a crash of the process but not of the
    /// machine: flags and expunges, the hot paths, and what can be
    /// recomputed (the search index, training events, leases).
    Normal,
}

impl Db {
    pub(crate) async fn begin_sync(&self, sync: Durability) -> sql::Result<Tx> {
        Ok(Tx(match self {
            Db::Pg(p) => {
                let mut g = p.acquire().await?;
                g.begin().await?;
                TxConn::Pg(g)
            }
            Db::Lite(l) => {
                let mut g = l.acquire().await?;
                g.begin(sync)?;
                TxConn::Lite(g)
            }
        }))
    }

    /// This set, for a statement that reads much (a full scan, a search,
    /// the upgrade pass): on SQLite it runs with the runtime told that the
    /// thread blocks, so the thread's other tasks move elsewhere meanwhile.
    pub(crate) fn heavy(&self) -> Heavy<'_> {
        Heavy(self)
    }

    pub(crate) async fn close(&self) {
        match self {
            Db::Pg(p) => p.close(),
            Db::Lite(l) => l.close(),
        }
    }
}

/// An open transaction; rolled back when dropped uncommitted. `&mut *tx`
/// is an executor.
#[derive(Debug)]
pub(crate) struct Tx(TxConn);

#[derive(Debug)]
pub(crate) enum TxConn {
    Pg(pg::Guard),
    Lite(lite::Guard),
}

impl Tx {
    pub(crate) async fn commit(self) -> sql::Result<()> {
        match self.0 {
            TxConn::Pg(g) => g.commit().await,
            TxConn::Lite(g) => g.commit(),
        }
    }

    pub(crate) async fn rollback(self) -> sql::Result<()> {
        match self.0 {
            TxConn::Pg(g) => g.rollback().await,
            TxConn::Lite(g) => g.rollback(),
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = TxConn;
    fn deref(&self) -> &TxConn {
        &self.0
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut TxConn {
        &mut self.0
    }
}

impl<'c> Executor<'c> for &'c Db {
    fn run(self, stmt: Stmt, limit: Option<usize>) -> BoxFuture<'c, sql::Result<Output>> {
        match self {
            Db::Pg(p) => Box::pin(p.run(stmt, limit)),
            Db::Lite(l) => Box::pin(l.run(stmt, limit)),
        }
    }
}

impl<'c> Executor<'c> for &'c mut TxConn {
    fn run(self, stmt: Stmt, limit: Option<usize>) -> BoxFuture<'c, sql::Result<Output>> {
        match self {
            TxConn::Pg(g) => g.run(stmt, limit),
            TxConn::Lite(g) => g.run(stmt, limit),
        }
    }
}

/// See [`Db::heavy`].
#[derive(Clone, Copy)]
pub(crate) struct Heavy<'a>(&'a Db);

impl<'c> Executor<'c> for Heavy<'c> {
    fn run(self, stmt: Stmt, limit: Option<usize>) -> BoxFuture<'c, sql::Result<Output>> {
        match self.0 {
            Db::Pg(p) => Box::pin(p.run(stmt, limit)),
            Db::Lite(l) => Box::pin(l.run_heavy(stmt, limit)),
        }
    }
}
