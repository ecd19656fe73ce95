//! The PostgreSQL backend: one database shared by any number of `marsad serve` instances.
//!
//! Same surface and same stored values as the SQLite backend (times in unix seconds,
//! fingerprints in two signed halves, search over the same light stems), schema in
//! `migrations/postgres/`. What several writers change:
//!
//! - Item ids come from the table's identity sequence, not `MAX(id) + 1`.
//! - Saves take a transaction-level advisory lock (`SAVE_LOCK`) before they choose
//!   stories: the choice reads items other saves write, so saves are serialized across
//!   instances as SQLite's one writer serializes them in one process, and ids are handed
//!   out in commit order (the story index catches up on other instances' items by id).
//!   Within an instance saves take turns before they take a connection, so saves waiting
//!   for that lock never hold every connection the HTTP server's reads need.
//! - Retention and source syncing each take their own advisory lock (`PRUNE_LOCK`,
//!   `SYNC_LOCK`): two instances pruning at once would otherwise both count the same
//!   rows, and two syncing at once could both move a retired source's items.
//! - Re-tagging, search terms, fingerprints and content-hash re-keying are idempotent
//!   steps (upserts of values every instance computes alike), so instances running them at
//!   once converge on the same rows.
//! - Changes are announced with `NOTIFY` on `CHANGES_CHANNEL` in the writing
//!   transaction; every instance listens and bumps its change counters, so feed caches
//!   (ETag, 304) and story indexes are invalidated by any instance's writes.
//!
//! Search terms are indexed as `strip(to_tsvector('simple', terms))`: the configuration
//! the schema describes, without positions, since a search asks for every stem in any
//! order (as FTS5 is asked in SQLite) and never for a phrase.
//!
//! Lists of values are bound as one array (`= ANY($1)`, `UNNEST($1, $2)`) rather than one
//! placeholder per value, so no statement nears PostgreSQL's 65,535 bound values; the
//! wide item insert is the one multi-row `VALUES` list, chunked.

mod import;
mod leases;
mod listen;
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
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use sqlx::postgres::PgPool;
use sqlx::{Postgres, Transaction};

pub use import::Copied;
pub use leases::PgExclusive;

use super::health::Common;
use super::{
    Fault, FetchRecord, ItemQuery, NewItem, PageRecord, PageState, SaveReport, SourceRow,
    SourceState, StoreError, StoryGrouping, StoryMember, codec,
};

/// The advisory lock key (`pg_advisory_xact_lock`) that serializes saves of items.
pub(super) const SAVE_LOCK: i64 = 0x6d61_7273_6164_0001;

/// The advisory lock key that serializes retention runs.
const PRUNE_LOCK: i64 = 0x6d61_7273_6164_0002;

/// The advisory lock key that serializes writes of the configured sources.
const SYNC_LOCK: i64 = 0x6d61_7273_6164_0003;

/// The `LISTEN`/`NOTIFY` channel of changes: payload `changed` (items or tags) or
/// `rewritten` (items removed or moved).
pub(super) const CHANGES_CHANNEL: &str = "marsad_changes";

/// A change announced on `CHANGES_CHANNEL`.
#[derive(Debug, Clone, Copy)]
enum Change {
    /// Items or tags changed ([`Common::changed`]).
    Changed,
    /// Items were removed or moved ([`Common::rewritten`]).
    Rewritten,
}

/// A PostgreSQL database; cheap to clone.
#[derive(Clone, Debug)]
pub struct PgStore {
    /// Connections for reads and writes (PostgreSQL has no single-writer limit).
    pub(super) pool: PgPool,
    /// One save at a time in this instance. Saves wait for each other on `SAVE_LOCK`
    /// anyway, and each one waiting there holds a connection: with more fetches saving at
    /// once than the pool has connections, the reads of the HTTP server would find none.
    /// Queued here, the waiting saves hold nothing.
    save_turn: Arc<tokio::sync::Mutex<()>>,
    /// How long a save waits for its turn before it fails as "locked" (and is retried):
    /// the pool's acquire timeout, which bounded the same wait when it was on a connection.
    turn_timeout: Duration,
    /// The simulated fault in force ([`Fault`] as a number).
    fault: Arc<AtomicU8>,
    /// Write retries, failures and change counters.
    pub(super) common: Arc<Common>,
    /// This handle's mark on the changes it announces: its own listener skips them (it
    /// bumped its counters when it wrote), so the counters move once per change.
    token: Arc<str>,
}

impl PgStore {
    /// Starts a write transaction. Under [`Fault::ReadOnly`] it is declared `READ ONLY`, so
    /// its first write fails with PostgreSQL's own error (25006) while reads go on, as
    /// they do on a read-only SQLite file.
    async fn write(&self) -> Result<Transaction<'static, Postgres>, StoreError> {
        let mut tx = self.pool.begin().await?;
        if self.fault.load(Ordering::Acquire) == Fault::ReadOnly as u8 {
            sqlx::query("SET TRANSACTION READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    /// True when the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Reads a `meta` value.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Writes a `meta` value.
    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.common
            .retrying(
                "meta",
                |_| true,
                || async {
                    let mut tx = self.write().await?;
                    sqlx::query(
                        "INSERT INTO meta (key, value) VALUES ($1, $2)
                         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(key)
                    .bind(value)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                },
            )
            .await
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Simulates (or, with [`Fault::None`], removes) a storage fault on this handle's
    /// writes. [`Fault::ReadOnly`] makes every write transaction `READ ONLY`;
    /// [`Fault::DiskFull`] has no counterpart (PostgreSQL has no per-database size limit
    /// a session could lower, and filling the server's disk would take every other test's
    /// database with it), so it is refused with [`StoreError::Unsupported`].
    #[doc(hidden)]
    pub async fn simulate_fault(&self, fault: Fault) -> Result<(), StoreError> {
        if fault == Fault::DiskFull {
            return Err(StoreError::Unsupported(
                "a simulated full disk (PostgreSQL has no per-database size limit to lower)".into(),
            ));
        }
        self.fault.store(fault as u8, Ordering::Release);
        Ok(())
    }

    /// A consistency check within reach of an ordinary role. PostgreSQL has no counterpart
    /// of `PRAGMA integrity_check` (`amcheck` is an extension a superuser installs, and
    /// the engine already refuses to return a page that fails its checksum), so this
    /// reads each of the store's tables once (`SELECT 1 … LIMIT 1`: fails when a table is
    /// missing or unreadable) and looks for items that break the one invariant of the
    /// store the schema cannot state: an item's story is itself or an earlier item
    /// (`1 <= story_id <= id`). One scan of `items`, so it may run on a live database.
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        for table in [
            "sources",
            "items",
            "item_search",
            "item_topics",
            "item_pages",
            "meta",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT 1 FROM {table} LIMIT 1"
            )))
            .fetch_optional(&self.pool)
            .await?;
        }
        let faults: Vec<String> = sqlx::query_scalar(
            "SELECT 'item ' || id || ' has story ' || story_id FROM items
             WHERE story_id < 1 OR story_id > id ORDER BY id LIMIT 20",
        )
        .fetch_all(&self.pool)
        .await?;
        if faults.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Corrupt(faults.join("; ")))
        }
    }
}

/// Announces a change to every instance (their `LISTEN` on `CHANGES_CHANNEL`); delivered
/// when, and only if, the transaction commits.
async fn notify(
    tx: &mut Transaction<'_, Postgres>,
    change: Change,
    token: &str,
) -> Result<(), StoreError> {
    let payload = match change {
        Change::Changed => format!("changed {token}"),
        Change::Rewritten => format!("rewritten {token}"),
    };
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANGES_CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes a transaction-level advisory lock, released when the transaction ends. A wait
/// longer than the connection's `lock_timeout` fails with 55P03, which the fetch path
/// retries like SQLite's "locked".
async fn advisory_lock(tx: &mut Transaction<'_, Postgres>, key: i64) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
