//! The SQLite backend: the default, one file beside the service.
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
//! the fetch path's writes ([`super::Store::save_items`], [`super::Store::record_fetch`]) are then tried
//! twice more. A write that still fails, or fails for good (disk full, read-only file), is
//! returned to the caller and remembered in [`super::Store::write_failures`] until the same kind
//! of write succeeds again; `/readyz` and `/api/status` report it.

mod leases;
mod maintenance;
mod open;
mod outbox;
mod pages;
mod prune;
mod query;
mod save;
mod sources;
mod tags;
mod websub;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use sqlx::sqlite::SqlitePool;

pub use super::Fault;
use super::health::Common;
use super::{
    FetchRecord, ItemQuery, NewItem, PageRecord, PageState, SaveReport, SourceRow, SourceState,
    StoreError, StoryGrouping, StoryMember, codec,
};

/// A SQLite database; cheap to clone.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    /// Read-only connections (`query_only`).
    pool: SqlitePool,
    /// The one connection that writes.
    pub(in crate::store) writer: SqlitePool,
    /// The simulated fault in force ([`Fault`] as a number), re-applied on reconnect.
    fault: Arc<AtomicU8>,
    /// `max_page_count` before a simulated disk-full fault.
    max_pages: Arc<AtomicU64>,
    /// Write retries, failures and change counters.
    pub(super) common: Arc<Common>,
}

impl SqliteStore {
    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front: a
    /// deferred transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT
    /// when another connection wrote in between, and no busy timeout can save it.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// The read-only connections, for copying out (`postgres::import`).
    pub(in crate::store) fn reader(&self) -> &SqlitePool {
        &self.pool
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
        self.common.retrying("meta", |_| true, || async {
            sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    /// Closes the pools (the writer last: closing it checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
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

    /// SQLite's own consistency check (`PRAGMA integrity_check`); `Ok(())` when it says "ok".
    ///
    /// Run on the writer connection: FTS5's part of the check reads the index structure a
    /// connection cached earlier without refreshing it (queries do refresh it), so on a
    /// reader that last touched the search index before a batch of writes it reported
    /// "fts5: corruption found reading blob …" for a sound database (tests/it/crash.rs caught
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
}

/// Sets the pragmas of a simulated fault (`f`, a [`Fault`] as a number) on a connection:
/// `max_page_count` lowered to the current size makes a write that needs a new page fail
/// with SQLITE_FULL ("database or disk is full"), the error a full disk gives;
/// `query_only` makes every write fail with SQLITE_READONLY, the error of a read-only file.
pub(super) async fn apply_fault(
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
