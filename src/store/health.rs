//! Fetch-path writes under load and faults: retries while the database is locked, the
//! ledger of failing writes (`/readyz`, `/api/status`), the engine's consistency check, and
//! simulated faults for tests.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use chrono::Utc;

use super::{Fault, Store, StoreError, WriteFailure};

/// How often a fetch-path write is tried when the database is locked (SQLITE_BUSY after
/// the busy timeout), and the pause before each retry.
const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(500)];

impl Store {
    /// Runs a fetch-path write: tried again after [`RETRY_PAUSES`] while the database is
    /// locked, and remembered in [`Store::write_failures`] when it fails for good. A success
    /// clears the failure of its kind only when `wrote` says it changed something (a
    /// transaction that wrote nothing proves nothing about a full disk).
    pub(super) async fn retrying<T, F, Fut>(
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
