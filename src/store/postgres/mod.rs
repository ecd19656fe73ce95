//! The PostgreSQL backend: one database shared by any number of `marsad serve` instances.
//!
//! Same surface and same stored values as the SQLite backend (times in unix seconds,
//! fingerprints in two signed halves, search over the same light stems), schema in
//! `migrations/postgres/`. What several writers change:
//!
//! - Item ids come from the table's identity sequence, not `MAX(id) + 1`.
//! - Saves take a transaction-level advisory lock ([`SAVE_LOCK`]) before they choose
//!   stories: the choice reads items other saves write, so saves are serialized across
//!   instances as SQLite's one writer serializes them in one process, and ids are handed
//!   out in commit order (the story index catches up on other instances' items by id).
//! - Changes are announced with `NOTIFY` on [`CHANGES_CHANNEL`] in the writing
//!   transaction; every instance listens and bumps its change counters, so feed caches
//!   (ETag, 304) and story indexes are invalidated by any instance's writes.

mod import;
mod leases;
mod listen;
mod open;

use std::sync::Arc;

use sqlx::postgres::PgPool;

pub use import::Copied;
pub use leases::PgExclusive;

use super::StoreError;
use super::health::Common;

/// The advisory lock key (`pg_advisory_xact_lock`) that serializes saves of items.
#[expect(dead_code, reason = "taken by the saves being ported")]
pub(super) const SAVE_LOCK: i64 = 0x6d61_7273_6164_0001;

/// The `LISTEN`/`NOTIFY` channel of changes: payload `changed` (items or tags) or
/// `rewritten` (items removed or moved).
pub(super) const CHANGES_CHANNEL: &str = "marsad_changes";

/// A PostgreSQL database; cheap to clone.
#[derive(Clone, Debug)]
pub struct PgStore {
    /// Connections for reads and writes (PostgreSQL has no single-writer limit).
    pub(super) pool: PgPool,
    /// Write retries, failures and change counters.
    pub(super) common: Arc<Common>,
}

impl PgStore {
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
                    sqlx::query(
                        "INSERT INTO meta (key, value) VALUES ($1, $2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    )
                    .bind(key)
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                },
            )
            .await
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
