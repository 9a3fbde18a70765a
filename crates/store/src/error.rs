use thiserror::Error;

/// Everything a store operation can fail with. Callers match on the
/// variants; they never compare error strings.
#[derive(Debug, Error)]
pub enum StoreError {
    /// R15/R17: the account has not enough room for this write.
    #[error("over quota: {used} + {needed} bytes exceeds the limit of {limit} bytes")]
    OverQuota { used: i64, needed: i64, limit: i64 },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    /// RFC 7162 §3.1.3: UNCHANGEDSINCE failed for some messages.
    #[error("modified since")]
    Modified,
    /// A shared (group) commit failed as a whole: nothing of it was written.
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("database error: {0}")]
    Database(#[from] crate::sql::SqlError),
    #[error("blob store error: {0}")]
    Io(#[from] std::io::Error),
    /// A blob the metadata points at is missing or damaged: a bug or disk failure.
    #[error("blob {0} is missing or corrupt")]
    BlobCorrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
