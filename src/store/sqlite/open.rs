//! Opening the SQLite file: checks that it can be written, the two pools (one writer,
//! read-only readers), migrations, and the store's own re-keying of stored values.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::{Fault, SqliteStore, StoreError, apply_fault};

/// How long a write waits for another connection's lock when the caller names no limit:
/// the default of `[storage] busy_timeout` (the store does not read the config).
const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

impl SqliteStore {
    /// Opens (creating if missing) the database file and applies migrations, with the
    /// default busy timeout.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, DEFAULT_BUSY_TIMEOUT).await
    }

    /// Opens (creating if missing) the database file and applies migrations; a write waits
    /// at most `busy_timeout` for another connection's lock.
    pub async fn open_with(path: &Path, busy_timeout: Duration) -> Result<SqliteStore, StoreError> {
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
        let fault = Arc::new(AtomicU8::new(Fault::None as u8));
        let max_pages = Arc::new(AtomicU64::new(0));
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
        let store = SqliteStore {
            pool,
            writer,
            fault,
            max_pages,
            common: Default::default(),
        };
        store.rekey_content_hashes().await?;
        watch_other_writers(store.pool.clone(), store.common.clone());
        Ok(store)
    }
}

/// How often the file is checked for other processes' commits.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// Bumps the change counter when another process (`marsad fetch`, `marsad retag`, a
/// second `serve`) commits to the file, so feed caches and the live stream do not go on
/// serving what this process last wrote. `PRAGMA data_version` changes on one connection
/// when any other connection committed; this process's own writer counts as another, so
/// its commits are counted a second time, which only makes a cache entry stale once more.
/// Runs until the pool is closed.
fn watch_other_writers(pool: sqlx::SqlitePool, common: Arc<super::Common>) {
    tokio::spawn(async move {
        let Ok(mut conn) = pool.acquire().await.map(sqlx::pool::PoolConnection::detach) else {
            return;
        };
        let mut seen: Option<i64> = None;
        while !pool.is_closed() {
            match sqlx::query_scalar::<_, i64>("PRAGMA data_version")
                .fetch_one(&mut conn)
                .await
            {
                Ok(v) => {
                    if seen.is_some_and(|s| s != v) {
                        common.changed();
                    }
                    seen = Some(v);
                }
                Err(_) => return,
            }
            tokio::time::sleep(WATCH_EVERY).await;
        }
    });
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
