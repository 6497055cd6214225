//! Errors of the store.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is not `sqlite://…` or `postgres://…`.
    #[error("unsupported database URL {url:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl {
        /// The URL given (credentials removed).
        url: String,
    },
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// Directory.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The database could not be reached or a statement failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A statement on the SQLite writer's own connection failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A migration failed.
    #[error("migration {version} ({description}) failed: {source}")]
    Migration {
        /// Migration number.
        version: i64,
        /// Its description.
        description: &'static str,
        /// Cause.
        source: sqlx::Error,
    },
    /// The case was changed by someone else since it was read.
    #[error("case {id} was changed concurrently (expected version {expected})")]
    VersionConflict {
        /// Case id.
        id: i64,
        /// Version the caller had.
        expected: i64,
    },
    /// The case does not exist.
    #[error("case {0} not found")]
    CaseNotFound(i64),
    /// No penalty file with this id.
    #[error("penalty file {0} not found")]
    FileNotFound(i64),
    /// A stored document could not be decoded (schema drift or corruption).
    #[error("stored {what} {id} cannot be decoded: {source}")]
    Corrupt {
        /// Table.
        what: &'static str,
        /// Row id.
        id: String,
        /// Cause.
        source: serde_json::Error,
    },
    /// A stored value is out of its range.
    #[error("stored {what} is invalid: {message}")]
    BadValue {
        /// What.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The batch this write was gathered into could not be written (nothing of it was).
    #[error("the write was not made: its transaction failed ({0})")]
    BatchFailed(String),
    /// The writing task is gone (the store is shutting down).
    #[error("the store's writer has stopped")]
    WriterStopped,
    /// A value could not be encoded.
    #[error("cannot encode {what}: {source}")]
    Encode {
        /// What.
        what: &'static str,
        /// Cause.
        source: serde_json::Error,
    },
}
