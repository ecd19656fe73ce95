//! The only module that speaks SQL: SQLite through sqlx, schema in `migrations/`. It
//! depends on [`crate::model`] alone: what it stores is computed before it is handed in
//! (fingerprints, search terms), and what it returns is plain data.
//!
//! # The surface
//!
//! Every public method callers use, by job. Inputs and outputs are model types, the plain
//! data of [`types`] and std/chrono values; no sqlx type and no SQLite notion crosses it
//! (errors are [`StoreError`], whose engine part is opaque).
//!
//! | job | methods |
//! |---|---|
//! | open, close | [`Store::open`], [`Store::open_with`] (SQLite file; busy timeout), [`Store::close`] |
//! | health | [`Store::ping`], [`Store::integrity_check`], [`Store::write_failures`], [`Store::write_retries`] |
//! | change counters | [`Store::generation`] (items or tags changed: feed caches), [`Store::rewrites`] (items removed or moved: the story index) |
//! | sources | [`Store::sync_sources`], [`Store::sources`], [`Store::source`], [`Store::source_name`], [`Store::record_fetch`] |
//! | saving items | [`Store::save_items`] (one feed's [`NewItem`]s, one transaction, with a [`StoryGrouping`]), [`Store::story_members`] |
//! | reading items | [`Store::items`], [`Store::count_items`] ([`ItemQuery`]), [`Store::item`], [`Store::topic_counts`], [`Store::counts`] |
//! | tags | [`Store::item_texts`], [`Store::replace_tags`], [`Store::items_with_topic_flag`] |
//! | retention | [`Store::prune`] |
//! | article pages | [`Store::page_states`], [`Store::page_record`], [`Store::save_pages`] |
//! | facts about the data | [`Store::meta`], [`Store::set_meta`] |
//! | maintenance (data other modules compute) | [`Store::items_missing_search`], [`Store::add_search_terms`], [`Store::set_fingerprints`] |
//! | tests only | [`Store::simulate_fault`] (hidden) |
//!
//! # Files
//!
//! Backend-neutral: [`types`] (the data above), `error.rs`, `codec.rs` (how values become
//! stored keys: content hashes, fingerprint halves). `health.rs`: the retry loop of
//! fetch-path writes and the ledger of failing writes (neutral), SQLite's consistency check
//! and simulated faults. SQLite, one job each: this file (the handle), `open.rs`, `save.rs` (saving
//! fetched items), `query.rs` (reading them), `tags.rs`, `prune.rs`, `maintenance.rs`
//! (rows for the app's start-up maintenance; re-keying content hashes), `sources.rs`,
//! `pages.rs`.
//!
//! # A second backend (PostgreSQL), as intended
//!
//! An enum, not a trait object: the backends are known when compiling, every method is
//! async (async trait methods are not object-safe without boxing each future), and a
//! `Store` must stay a cheap `Clone`:
//!
//! ```text
//! #[derive(Clone, Debug)]
//! pub enum Store {
//!     Sqlite(sqlite::SqliteStore),      // today's code, moved under store/sqlite/
//!     Postgres(postgres::PgStore),      // store/postgres/, migrations/postgres/
//! }
//!
//! impl Store {
//!     /// `[storage] database`: a path or `sqlite:…` opens SQLite, `postgres://…` PostgreSQL.
//!     pub async fn open_url(database: &str, busy_timeout: Duration) -> Result<Store, StoreError>;
//!     pub async fn items(&self, q: &ItemQuery) -> Result<Vec<StoredItem>, StoreError> {
//!         match self {
//!             Store::Sqlite(s) => s.items(q).await,
//!             Store::Postgres(p) => p.items(q).await,
//!         }
//!     }
//!     // … one such arm pair per method of the table above
//! }
//! ```
//!
//! Both backends share `types`, `error`, `codec` and `health` (each classifies its own
//! "locked, try again" errors for the retry loop). The store's tests run against both.
//!
//! # SQLite
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

mod codec;
mod error;
mod health;
mod maintenance;
mod open;
mod pages;
mod prune;
mod query;
mod save;
mod sources;
mod tags;
pub mod types;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::sqlite::SqlitePool;

pub use crate::model::NewItem;
pub use error::{EngineError, StoreError};
pub use types::{
    Fault, FetchRecord, ItemQuery, PageRecord, PageState, SaveReport, SourceRow, SourceState,
    StoryGrouping, StoryMember, WriteFailure,
};

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    /// Read-only connections (`query_only`).
    pool: SqlitePool,
    /// The one connection that writes.
    writer: SqlitePool,
    /// Failing kinds of write (`"save items"`, `"record fetch"`, ...), until one succeeds.
    failures: Arc<Mutex<BTreeMap<&'static str, WriteFailure>>>,
    /// The simulated fault in force ([`Fault`] as a number), re-applied on reconnect.
    fault: Arc<AtomicU8>,
    /// `max_page_count` before a simulated disk-full fault.
    max_pages: Arc<AtomicU64>,
    /// Writes tried again because the database was locked.
    retries: Arc<AtomicU64>,
    /// Bumped after every committed change to items or tags, so caches of rendered feeds
    /// know when they are stale.
    generation: Arc<AtomicU64>,
    /// Bumped after items were removed or moved to another source, so in-memory views of
    /// stored items (the story index) know when to reload.
    rewrites: Arc<AtomicU64>,
}

impl Store {
    /// Starts a write transaction. `BEGIN IMMEDIATE` takes the write lock up front: a
    /// deferred transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT
    /// when another connection wrote in between, and no busy timeout can save it.
    async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Changes when items or tags change (in this process).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Changes when stored items are removed (pruning) or move to another source (a retired
    /// source's id given to another feed), in this process: in-memory views of stored
    /// items, such as the story index, are stale then.
    pub fn rewrites(&self) -> u64 {
        self.rewrites.load(Ordering::Acquire)
    }

    fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    fn rewritten(&self) {
        self.rewrites.fetch_add(1, Ordering::AcqRel);
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

    /// Closes the pools (the writer last: closing it checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

#[cfg(test)]
mod tests;
