//! What can go wrong with the database, as one typed error for every backend.

/// What can go wrong with the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database folder could not be created.
    #[error("cannot create database folder {path}: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The database file or its folder cannot be written by this process. Checked before
    /// SQLite opens the file: for either, SQLite says only "(code: 14) unable to open
    /// database file".
    #[error("{what} ({why}){hint}")]
    NotWritable {
        /// "the folder X is not writable by this user", "the file is not writable …".
        what: String,
        /// The system's reason, in words ("permission denied").
        why: String,
        /// What marsad needs there.
        hint: &'static str,
    },
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migrate(#[source] EngineError),
    /// The database engine refused or failed a statement, or could not be reached.
    #[error("database error: {0}")]
    Database(#[source] EngineError),
    /// Stored data could not be read back, or a value could not be encoded for storage.
    #[error("stored data is corrupt: {0}")]
    Encoding(#[from] serde_json::Error),
    /// A copy (`migrate-store`) was asked to write into a database that holds data.
    #[error(
        "the target database is not empty ({items} items, {sources} sources): migrate-store copies into a new, empty database"
    )]
    NotEmpty {
        /// Items it holds.
        items: i64,
        /// Sources it holds.
        sources: i64,
    },
    /// The engine's own consistency check found faults (its report, joined).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Asked of a backend that cannot do it (a database URL of an unknown kind, a fault
    /// PostgreSQL cannot simulate); what was asked, in words.
    #[error("not supported: {0}")]
    Unsupported(String),
}

/// An error of the database engine. Opaque: callers read its message (and `source()`);
/// only the store looks inside, to tell a lock to wait for from a failure.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct EngineError(Engine);

#[derive(Debug, thiserror::Error)]
enum Engine {
    #[error(transparent)]
    Sql(sqlx::Error),
    #[error(transparent)]
    Migrate(sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        StoreError::Database(EngineError(Engine::Sql(e)))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(e: sqlx::migrate::MigrateError) -> StoreError {
        StoreError::Migrate(EngineError(Engine::Migrate(e)))
    }
}

impl StoreError {
    /// Worth trying again soon: no connection free in time; SQLite's SQLITE_BUSY or
    /// SQLITE_LOCKED (the busy timeout ran out); PostgreSQL's lock timeout (55P03), a
    /// serialization failure (40001) or a deadlock (40P01), which roll back only this
    /// transaction.
    pub(super) fn is_locked(&self) -> bool {
        match self {
            StoreError::Database(EngineError(Engine::Sql(sqlx::Error::PoolTimedOut))) => true,
            StoreError::Database(EngineError(Engine::Sql(sqlx::Error::Database(e)))) => {
                if e.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                    .is_some()
                {
                    e.code()
                        .is_some_and(|c| matches!(&*c, "55P03" | "40001" | "40P01"))
                } else {
                    e.code()
                        .and_then(|c| c.parse::<i32>().ok())
                        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
                }
            }
            _ => false,
        }
    }
}
