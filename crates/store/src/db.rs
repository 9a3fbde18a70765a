//! Where statements run: an sqlx pool (PostgreSQL) or connections run on
//! the caller's thread ([`lite::Lite`], SQLite). Both are sqlx executors
//! for the `Any` database, so every query of this crate is written once.

use crate::lite::{self, Lite};
use futures_util::stream::BoxStream;
use sqlx::{Any, AnyPool, Either, Execute, Executor};
use sqlx_core::any::{AnyQueryResult, AnyRow, AnyTypeInfo};
use std::sync::Arc;

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A set of connections: the writer or the readers.
#[derive(Clone, Debug)]
pub(crate) enum Db {
    Pool(AnyPool),
    Lite(Arc<Lite>),
}

/// How a write transaction's COMMIT reaches the disk (SQLite's `PRAGMA
/// synchronous`, set with its BEGIN). PostgreSQL commits are always
/// durable (`synchronous_commit = on`), so it ignores this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Durability {
    /// Fsynced before the commit returns (docs/design.md: a `250` after DATA
    /// means the message is on disk): deliveries, APPEND, the queue,
    /// quarantine, the audit log.
    Full,
    /// In WAL mode, survives a crash of the process but not of the
    /// machine: flags and expunges, the hot paths.
    Normal,
    /// Whichever mode the writer was left in: never less safe than
    /// `Normal`.
    AsLeft,
}

impl Db {
    /// A write transaction in the writer's current mode.
    pub(crate) async fn begin(&self) -> sqlx::Result<Tx> {
        self.begin_sync(Durability::AsLeft).await
    }

    pub(crate) async fn begin_sync(&self, sync: Durability) -> sqlx::Result<Tx> {
        Ok(Tx(match self {
            Db::Pool(p) => TxConn::Pool(p.begin().await?),
            Db::Lite(l) => {
                let mut g = l.acquire().await?;
                g.begin(sync)?;
                TxConn::Lite(g)
            }
        }))
    }

    pub(crate) async fn close(&self) {
        match self {
            Db::Pool(p) => p.close().await,
            Db::Lite(l) => l.close(),
        }
    }
}

/// An open transaction; rolled back when dropped uncommitted. `&mut *tx`
/// is an executor, as with sqlx's `Transaction`.
#[derive(Debug)]
pub(crate) struct Tx(TxConn);

#[derive(Debug)]
pub(crate) enum TxConn {
    Pool(sqlx::Transaction<'static, Any>),
    Lite(lite::Guard),
}

impl Tx {
    pub(crate) async fn commit(self) -> sqlx::Result<()> {
        match self.0 {
            TxConn::Pool(t) => t.commit().await,
            TxConn::Lite(g) => g.commit(),
        }
    }

    pub(crate) async fn rollback(self) -> sqlx::Result<()> {
        match self.0 {
            TxConn::Pool(t) => t.rollback().await,
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
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, sqlx::Result<Either<AnyQueryResult, AnyRow>>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Db::Pool(p) => p.fetch_many(query),
            Db::Lite(l) => l.fetch_many(query),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, sqlx::Result<Option<AnyRow>>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            Db::Pool(p) => p.fetch_optional(query),
            Db::Lite(l) => l.fetch_optional(query),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, sqlx::Result<sqlx::any::AnyStatement>>
    where
        'c: 'e,
    {
        match self {
            Db::Pool(p) => p.prepare_with(sql, parameters),
            Db::Lite(_) => lite::no_prepare(),
        }
    }
}

impl<'c> Executor<'c> for &'c mut TxConn {
    type Database = Any;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, sqlx::Result<Either<AnyQueryResult, AnyRow>>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            TxConn::Pool(t) => (&mut **t).fetch_many(query),
            TxConn::Lite(g) => g.fetch_many(query),
        }
    }

    fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, sqlx::Result<Option<AnyRow>>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Any>,
    {
        match self {
            TxConn::Pool(t) => (&mut **t).fetch_optional(query),
            TxConn::Lite(g) => g.fetch_optional(query),
        }
    }

    fn prepare_with<'e>(
        self,
        sql: sqlx::SqlStr,
        parameters: &'e [AnyTypeInfo],
    ) -> BoxFuture<'e, sqlx::Result<sqlx::any::AnyStatement>>
    where
        'c: 'e,
    {
        match self {
            TxConn::Pool(t) => (&mut **t).prepare_with(sql, parameters),
            TxConn::Lite(g) => g.prepare_with(sql, parameters),
        }
    }
}
