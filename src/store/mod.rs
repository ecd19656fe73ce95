//! The only module that speaks SQL: SQLite through sqlx, schema in `migrations/`.
//!
//! Opened in WAL mode with foreign keys on. Two pools over the same file: one connection
//! for every write (writes are serialized by SQLite anyway, so in-process writers queue in
//! the pool instead of sleeping in SQLite's busy handler), and read-only connections
//! (`PRAGMA query_only`) for everything else, so readers (the HTTP server) never wait for a
//! pool slot that a write holds, and never block the writer. Each fetched feed is saved in
//! one transaction: a crash leaves either the whole batch or none of it.
//!
//! Another process holding the write lock (a `marsad fetch` next to `marsad serve`, a
//! backup, an admin's `sqlite3` shell) makes a write wait at most `[storage] busy_timeout`;
//! the fetch path's writes ([`Store::save_items`], [`Store::record_fetch`]) are then tried
//! twice more. A write that still fails, or fails for good (disk full, read-only file), is
//! returned to the caller and remembered in [`Store::write_failures`] until the same kind
//! of write succeeds again; `/readyz` and `/api/status` report it.

mod items;
mod pages;
mod sources;

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use items::{ItemQuery, NewItem, SaveReport};
pub use pages::{PageRecord, PageState};
pub use sources::{FetchRecord, SourceRow, SourceState};

/// How often a fetch-path write is tried when the database is locked (SQLITE_BUSY after
/// the busy timeout), and the pause before each retry.
const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(500)];

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
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any SQLite error.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// Stored JSON could not be read back.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// A write that failed and has not succeeded since.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WriteFailure {
    /// The error of the latest failure.
    pub error: String,
    /// The first failure since the last success.
    pub since: DateTime<Utc>,
    /// Failures since the last success (each after its retries).
    pub failures: u64,
}

/// A simulated storage fault, for tests of the service under faults (see `tests/faults.rs`).
/// Applied to the writer connection only, so reads keep working, as they do on a full disk
/// or a read-only file.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No fault.
    None = 0,
    /// `PRAGMA max_page_count` lowered to the current size: a write that needs a new page
    /// fails with SQLITE_FULL ("database or disk is full"), the error a full disk gives.
    DiskFull = 1,
    /// `PRAGMA query_only`: every write fails with SQLITE_READONLY, the error a read-only
    /// file or mount gives.
    ReadOnly = 2,
}

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// Read-only connections (`query_only`).
    pool: SqlitePool,
    /// The one connection that writes.
    writer: SqlitePool,
    /// Failing kinds of write (`"save items"`, `"record fetch"`, ...), until one succeeds.
    failures: std::sync::Arc<Mutex<BTreeMap<&'static str, WriteFailure>>>,
    /// The simulated fault in force ([`Fault`] as a number), re-applied on reconnect.
    fault: std::sync::Arc<AtomicU8>,
    /// `max_page_count` before a simulated disk-full fault.
    max_pages: std::sync::Arc<AtomicU64>,
    /// Writes tried again because the database was locked.
    retries: std::sync::Arc<AtomicU64>,
    /// Recent fingerprints for story grouping, loaded on first save. Grouping compares a new
    /// item with every item of the last days; doing that in memory is a popcount per item,
    /// where a query would decode thousands of rows per insert. A Tokio mutex: it is held
    /// across the awaits of one save, which also keeps saves (and their story choices)
    /// in order.
    stories: std::sync::Arc<tokio::sync::Mutex<Option<items::StoryIndex>>>,
    /// Bumped after every committed change to items or tags, so caches of rendered feeds
    /// know when they are stale.
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Store {
    /// Opens (creating if missing) the database file and applies migrations, with the
    /// default busy timeout.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, crate::config::StorageSettings::BUSY_TIMEOUT).await
    }

    /// Opens (creating if missing) the database file and applies migrations; a write waits
    /// at most `busy_timeout` for another connection's lock.
    pub async fn open_with(path: &Path, busy_timeout: Duration) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Folder {
                path: dir.display().to_string(),
                source,
            })?;
        }
        check_writable(path)?;
        let opts = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(busy_timeout);
        let fault = std::sync::Arc::new(AtomicU8::new(Fault::None as u8));
        let max_pages = std::sync::Arc::new(AtomicU64::new(0));
        let writer = {
            let (fault, max_pages) = (fault.clone(), max_pages.clone());
            SqlitePoolOptions::new()
                .max_connections(1)
                // Writers queue here while another process holds the lock: the wait is
                // bounded by the busy timeout of the one ahead, then retried.
                .acquire_timeout(busy_timeout.saturating_mul(4).max(Duration::from_secs(30)))
                // A write that failed with SQLITE_FULL (and others) is rolled back by SQLite
                // itself; sqlx's own ROLLBACK then fails and the connection stays "in a
                // transaction" for sqlx, refusing every later BEGIN. Such a connection is
                // replaced, so one failed write cannot wedge the writer.
                .before_acquire(|conn, _| {
                    Box::pin(async move {
                        use sqlx::Connection as _;
                        if conn.is_in_transaction() {
                            conn.ping().await?; // lets a rollback queued on drop run first
                            if conn.is_in_transaction() {
                                tracing::warn!(
                                    "writer connection left in a failed transaction; reconnecting"
                                );
                                return Ok(false);
                            }
                        }
                        Ok(true)
                    })
                })
                .after_connect(move |conn, _| {
                    let (fault, max_pages) = (fault.clone(), max_pages.clone());
                    Box::pin(async move {
                        let f = fault.load(Ordering::Acquire);
                        if f != Fault::None as u8 {
                            apply_fault(conn, f, max_pages.load(Ordering::Acquire)).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(opts.clone())
                .await?
        };
        sqlx::migrate!("./migrations").run(&writer).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts.pragma("query_only", "ON"))
            .await?;
        let store = Store {
            pool,
            writer,
            failures: Default::default(),
            fault,
            max_pages,
            retries: Default::default(),
            stories: Default::default(),
            generation: Default::default(),
        };
        store.backfill_search().await?;
        store.refingerprint().await?;
        Ok(store)
    }

    /// Runs a fetch-path write: tried again after [`RETRY_PAUSES`] while the database is
    /// locked, and remembered in [`Store::write_failures`] when it fails for good. A success
    /// clears the failure of its kind only when `wrote` says it changed something (a
    /// transaction that wrote nothing proves nothing about a full disk).
    async fn retrying<T, F, Fut>(
        &self,
        kind: &'static str,
        wrote: impl Fn(&T) -> bool,
        mut op: F,
    ) -> Result<T, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let mut pauses = RETRY_PAUSES.iter();
        loop {
            match op().await {
                Ok(v) => {
                    if wrote(&v) {
                        self.failures.lock().expect("failures lock").remove(kind);
                    }
                    return Ok(v);
                }
                Err(e) => match pauses.next() {
                    Some(pause) if e.is_locked() => {
                        self.retries.fetch_add(1, Ordering::AcqRel);
                        tracing::warn!(write = kind, error = %e, retry_in = ?pause, "database locked; retrying");
                        tokio::time::sleep(*pause).await;
                    }
                    _ => {
                        let now = Utc::now();
                        let mut map = self.failures.lock().expect("failures lock");
                        let f = map.entry(kind).or_insert(WriteFailure {
                            error: String::new(),
                            since: now,
                            failures: 0,
                        });
                        f.error = e.to_string();
                        f.failures += 1;
                        return Err(e);
                    }
                },
            }
        }
    }

    /// Writes tried again because the database was locked, since the store was opened.
    pub fn write_retries(&self) -> u64 {
        self.retries.load(Ordering::Acquire)
    }

    /// Kinds of write that failed and have not succeeded since, with their latest error.
    pub fn write_failures(&self) -> Vec<(&'static str, WriteFailure)> {
        let map = self.failures.lock().expect("failures lock");
        map.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    /// Simulates (or, with [`Fault::None`], removes) a storage fault on the writer.
    #[doc(hidden)]
    pub async fn simulate_fault(&self, fault: Fault) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        if self.max_pages.load(Ordering::Acquire) == 0 {
            let n: i64 = sqlx::query_scalar("PRAGMA max_page_count")
                .fetch_one(&mut *conn)
                .await?;
            self.max_pages.store(n as u64, Ordering::Release);
        }
        self.fault.store(fault as u8, Ordering::Release);
        apply_fault(
            &mut conn,
            fault as u8,
            self.max_pages.load(Ordering::Acquire),
        )
        .await?;
        Ok(())
    }

    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front: a
    /// deferred transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT
    /// when another connection wrote in between, and no busy timeout can save it.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// SQLite's own consistency check (`PRAGMA integrity_check`); `Ok(())` when it says "ok".
    ///
    /// Run on the writer connection: FTS5's part of the check reads the index structure a
    /// connection cached earlier without refreshing it (queries do refresh it), so on a
    /// reader that last touched the search index before a batch of writes it reported
    /// "fts5: corruption found reading blob …" for a sound database (tests/crash.rs caught
    /// it about one run in three).
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.writer)
            .await?;
        if rows == ["ok"] {
            Ok(())
        } else {
            Err(StoreError::Corrupt(rows.join("; ")))
        }
    }

    /// Changes when items or tags change (in this process).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Reads a `meta` value.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Writes a `meta` value.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.retrying("meta", |_| true, || async {
            sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    /// Saves one feed's items in one transaction (see `items.rs`), retried while the
    /// database is locked; a failure is remembered until a save stores something again.
    pub async fn save_items(
        &self,
        source_id: &str,
        items: &[NewItem],
        now: DateTime<Utc>,
    ) -> Result<SaveReport, StoreError> {
        self.retrying(
            "save items",
            |r: &SaveReport| r.new + r.updated > 0,
            || self.save_items_once(source_id, items, now),
        )
        .await
    }

    /// Records a fetch outcome on the source, retried while the database is locked; a
    /// failure is remembered until a record succeeds again.
    pub async fn record_fetch(&self, id: &str, r: &FetchRecord) -> Result<(), StoreError> {
        self.retrying("record fetch", |_| true, || self.record_fetch_once(id, r))
            .await
    }

    /// Closes the pools (the writer last: closing it checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

impl StoreError {
    /// SQLITE_BUSY or SQLITE_LOCKED (the busy timeout ran out), or no writer connection
    /// free in time: worth trying again soon.
    fn is_locked(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::PoolTimedOut) => true,
            StoreError::Sql(sqlx::Error::Database(e)) => e
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .is_some_and(|c| matches!(c & 0xff, 5 | 6)),
            _ => false,
        }
    }
}

/// Checks that the database file (when it exists) and its folder are writable: SQLite
/// writes the file and creates `-wal` and `-shm` files beside it.
fn check_writable(path: &Path) -> Result<(), StoreError> {
    fn why(e: &std::io::Error) -> String {
        match e.kind() {
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            std::io::ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
            _ => e.to_string(),
        }
    }
    if path.exists()
        && let Err(e) = std::fs::OpenOptions::new().write(true).open(path)
    {
        return Err(StoreError::NotWritable {
            what: "the file is not writable by this user".into(),
            why: why(&e),
            hint: "",
        });
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = dir.join(format!(".marsad-write-test-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::NotWritable {
            what: format!("the folder {} is not writable by this user", dir.display()),
            why: why(&e),
            hint: "; marsad creates the database and its -wal and -shm files there",
        }),
    }
}

/// Sets the pragmas of a simulated fault (`f`, a [`Fault`] as a number) on a connection.
async fn apply_fault(
    conn: &mut sqlx::SqliteConnection,
    f: u8,
    max_pages: u64,
) -> Result<(), sqlx::Error> {
    let (query_only, pages) = match f {
        1 => ("OFF", 1), // below the current size: SQLite keeps it at the current size
        2 => ("ON", max_pages),
        _ => ("OFF", max_pages),
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA query_only = {query_only}"
    )))
    .execute(&mut *conn)
    .await?;
    if pages > 0 {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA max_page_count = {pages}"
        )))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
