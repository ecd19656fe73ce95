//! The only module that speaks SQL: SQLite (the default) or PostgreSQL (a database several
//! instances share) through sqlx, schemas in `migrations/` and `migrations/postgres/`. It
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
//! | open, close | [`Store::open_url`] (either backend, by the `[storage] database` setting), [`Store::open`], [`Store::open_with`] (SQLite file; busy timeout), [`Store::close`] |
//! | health | [`Store::ping`], [`Store::integrity_check`], [`Store::write_failures`], [`Store::write_retries`] |
//! | change counters | [`Store::generation`] (items or tags changed: feed caches), [`Store::rewrites`] (items removed or moved: the story index) |
//! | sources | [`Store::sync_sources`], [`Store::sources`], [`Store::source`], [`Store::source_name`], [`Store::record_fetch`] |
//! | saving items | [`Store::save_items`] (one feed's [`NewItem`]s, one transaction, with a [`StoryGrouping`]), [`Store::story_members`] |
//! | reading items | [`Store::items`], [`Store::count_items`] ([`ItemQuery`]), [`Store::item`], [`Store::topic_counts`], [`Store::counts`] |
//! | tags | [`Store::item_texts`], [`Store::replace_tags`], [`Store::items_with_topic_flag`] |
//! | retention | [`Store::prune`] |
//! | article pages | [`Store::page_states`], [`Store::page_record`], [`Store::save_pages`] |
//! | facts about the data | [`Store::meta`], [`Store::set_meta`] |
//! | push outbox (written by `save_items`) | [`Store::outbox_after`], [`Store::outbox_after_item`], [`Store::outbox_head`], [`Store::outbox_cursor`], [`Store::set_outbox_cursor`], [`Store::prune_outbox`] |
//! | shared fetch work (PostgreSQL; SQLite grants every claim) | [`Store::shared`], [`Store::claim_source`], [`Store::release_source`], [`Store::claim_host_slot`], [`Store::release_host_slot`], [`Store::exclusive`] |
//! | moving to PostgreSQL | [`Store::copy_into`] (`migrate-store`) |
//! | maintenance (data other modules compute) | [`Store::items_missing_search`], [`Store::add_search_terms`], [`Store::set_fingerprints`] |
//! | tests only | [`Store::simulate_fault`] (hidden) |
//!
//! # Files
//!
//! Backend-neutral: [`types`] (the data above), `error.rs`, `codec.rs` (how values become
//! stored keys: content hashes, fingerprint halves), `health.rs` (the retry loop of
//! fetch-path writes, the ledger of failing writes, the change counters). Each backend is
//! a folder with one file per job: `sqlite/` (open, save, query, tags, prune, maintenance,
//! sources, pages, outbox, leases) and `postgres/` (the same jobs, for a database several
//! instances share, plus `listen.rs`, other instances' changes, and `import.rs`, the copy
//! from SQLite).
//!
//! # Backends
//!
//! An enum, not a trait object: the backends are known when compiling, every method is
//! async (async trait methods are not object-safe without boxing each future), and a
//! `Store` must stay a cheap `Clone`. Each method of the table above is one `match` over
//! the backends (`delegate!`), so each backend implements the same surface with the
//! same signatures, and the store's tests run against each.

mod codec;
mod error;
mod health;
pub mod postgres;
pub mod sqlite;
#[cfg(test)]
mod tests;
pub mod types;

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use crate::model::NewItem;
use crate::model::{StoredItem, TopicTag};
pub use error::{EngineError, StoreError};
pub use postgres::{Copied, PgExclusive, PgStore};
pub use sqlite::SqliteStore;
pub use types::Claim;
pub use types::{
    EarlierItem, Fault, FetchRecord, HubSubscription, ItemQuery, OutboxEvent, PageRecord,
    PageState, SaveReport, SourceRow, SourceState, SourceSubscription, StoryGrouping, StoryMember,
    WriteFailure,
};

/// A handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub enum Store {
    /// A SQLite file (the default).
    Sqlite(SqliteStore),
    /// A PostgreSQL database, shared by any number of instances.
    Postgres(PgStore),
}

/// A job held by this instance ([`Store::exclusive`]) until dropped.
#[derive(Debug)]
pub struct Exclusive(#[expect(dead_code, reason = "held for its drop")] Option<PgExclusive>);

/// Defines each listed async method of [`Store`] as the same method of the backend in use.
macro_rules! delegate {
    ($( $(#[$doc:meta])* async fn $name:ident(&self $(, $arg:ident : $ty:ty)* $(,)?) -> $ret:ty; )*) => {
        $(
            $(#[$doc])*
            pub async fn $name(&self $(, $arg: $ty)*) -> $ret {
                match self {
                    Store::Sqlite(s) => s.$name($($arg),*).await,
                    Store::Postgres(s) => s.$name($($arg),*).await,
                }
            }
        )*
    };
}

impl Store {
    /// Opens the database `database` names and applies its migrations: a `postgres://` or
    /// `postgresql://` URL is a PostgreSQL database (which must exist); `sqlite:PATH`,
    /// `sqlite://PATH` or a plain path is a SQLite file (created if missing). A write waits
    /// at most `busy_timeout` for another connection's lock (PostgreSQL's `lock_timeout`).
    /// Any other `scheme://` is refused, rather than taken for a relative file path.
    pub async fn open_url(database: &str, busy_timeout: Duration) -> Result<Store, StoreError> {
        if database.starts_with("postgres://") || database.starts_with("postgresql://") {
            return Ok(Store::Postgres(
                PgStore::open(database, busy_timeout).await?,
            ));
        }
        let path = match database.strip_prefix("sqlite:") {
            Some(rest) => rest.strip_prefix("//").unwrap_or(rest),
            None => {
                if let Some((scheme, _)) = database.split_once("://")
                    && !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                {
                    return Err(StoreError::Unsupported(format!(
                        "the database {scheme}://…: use a postgres:// URL, sqlite:PATH or a file path"
                    )));
                }
                database
            }
        };
        Ok(Store::Sqlite(
            SqliteStore::open_with(Path::new(path), busy_timeout).await?,
        ))
    }

    /// Opens (creating if missing) a SQLite database file and applies migrations, with the
    /// default busy timeout.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(SqliteStore::open(path).await?))
    }

    /// Opens (creating if missing) a SQLite database file and applies migrations; a write
    /// waits at most `busy_timeout` for another connection's lock.
    pub async fn open_with(path: &Path, busy_timeout: Duration) -> Result<Store, StoreError> {
        Ok(Store::Sqlite(
            SqliteStore::open_with(path, busy_timeout).await?,
        ))
    }

    fn common(&self) -> &health::Common {
        match self {
            Store::Sqlite(s) => &s.common,
            Store::Postgres(s) => &s.common,
        }
    }

    /// Changes when items or tags change.
    pub fn generation(&self) -> u64 {
        self.common().generation()
    }

    /// Changes when stored items are removed (pruning) or move to another source (a retired
    /// source's id given to another feed): in-memory views of stored items, such as the
    /// story index, are stale then.
    pub fn rewrites(&self) -> u64 {
        self.common().rewrites()
    }

    /// Writes tried again because the database was locked, since the store was opened.
    pub fn write_retries(&self) -> u64 {
        self.common().write_retries()
    }

    /// Kinds of write that failed and have not succeeded since, with their latest error.
    pub fn write_failures(&self) -> Vec<(&'static str, WriteFailure)> {
        self.common().write_failures()
    }

    /// Saves one feed's items in one transaction, retried while the database is locked; a
    /// failure is remembered until a save stores something again.
    ///
    /// Items are unique per (source, guid): an unchanged item is left alone, a changed one
    /// updated (and re-tagged). A new item joins the story of the earliest item of another
    /// source with the same guid or canonical URL, else the one `stories` finds by its
    /// fingerprint, else starts its own (the story id is its first item's id); `stories`
    /// is told of each new item once the transaction has committed. Callers that save
    /// concurrently share one `stories` behind a lock, so each save sees the ones before.
    pub async fn save_items(
        &self,
        source_id: &str,
        items: &[NewItem],
        now: DateTime<Utc>,
        stories: &mut impl StoryGrouping,
    ) -> Result<SaveReport, StoreError> {
        match self {
            Store::Sqlite(s) => s.save_items(source_id, items, now, stories).await,
            Store::Postgres(s) => s.save_items(source_id, items, now, stories).await,
        }
    }

    /// Copies every row of `self` into `target`, which must be empty, in one transaction;
    /// `progress` is told the items copied so far. SQLite into PostgreSQL only: the way a
    /// deployment outgrows one machine.
    pub async fn copy_into(
        &self,
        target: &Store,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Copied, StoreError> {
        match (self, target) {
            (Store::Sqlite(from), Store::Postgres(to)) => to.import_sqlite(from, progress).await,
            _ => Err(StoreError::Unsupported(
                "copying other than a SQLite database into a PostgreSQL one".into(),
            )),
        }
    }

    /// Outbox events after position `after_seq`, oldest first, at most `limit`; rows whose
    /// item is gone are gone too.
    pub async fn outbox_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows = match self {
            Store::Sqlite(s) => s.outbox_rows_after(after_seq, limit).await?,
            Store::Postgres(p) => p.outbox_rows_after(after_seq, limit).await?,
        };
        self.outbox_events(rows).await
    }

    /// Outbox events of items after `after_item` (a live stream's `Last-Event-ID`), oldest
    /// first, at most `limit`.
    pub async fn outbox_after_item(
        &self,
        after_item: i64,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows = match self {
            Store::Sqlite(s) => s.outbox_rows_after_item(after_item, limit).await?,
            Store::Postgres(p) => p.outbox_rows_after_item(after_item, limit).await?,
        };
        self.outbox_events(rows).await
    }

    /// Each outbox row with its item as it reads now and the items of its story stored
    /// before it.
    async fn outbox_events(
        &self,
        rows: Vec<types::OutboxRow>,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let mut out = Vec::with_capacity(rows.len());
        for (seq, item_id, created) in rows {
            // Pruned between the two reads: nothing to announce.
            let Some(item) = self.item(item_id).await? else {
                continue;
            };
            let earlier = match self {
                Store::Sqlite(s) => s.earlier_items(item.story_id, item.id).await?,
                Store::Postgres(p) => p.earlier_items(item.story_id, item.id).await?,
            };
            out.push(OutboxEvent {
                seq,
                created_at: DateTime::from_timestamp(created, 0).unwrap_or_default(),
                item,
                earlier,
            });
        }
        Ok(out)
    }

    /// Whether several instances may share this database (PostgreSQL): the scheduler then
    /// claims each due source and a slot of its host before fetching.
    pub fn shared(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// Waits until no other instance runs `job` (re-tagging, retention, start-up
    /// maintenance), then holds it until the guard is dropped. Jobs are idempotent; the
    /// guard saves instances started together from doing the same work at once.
    pub async fn exclusive(&self, job: &str) -> Result<Exclusive, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(Exclusive(None)),
            Store::Postgres(p) => Ok(Exclusive(Some(p.exclusive(job).await?))),
        }
    }

    /// [`Store::exclusive`] without waiting: `None` while another instance runs `job`.
    pub async fn try_exclusive(&self, job: &str) -> Result<Option<Exclusive>, StoreError> {
        match self {
            Store::Sqlite(_) => Ok(Some(Exclusive(None))),
            Store::Postgres(p) => Ok(p.try_exclusive(job).await?.map(|g| Exclusive(Some(g)))),
        }
    }

    delegate! {
        /// Claims source `id` for `owner` until `until` if it is due at `now` and no other
        /// instance holds it.
        async fn claim_source(&self, id: &str, owner: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<Claim, StoreError>;
        /// Gives up `owner`'s claim on source `id`.
        async fn release_source(&self, id: &str, owner: &str) -> Result<(), StoreError>;
        /// Claims one of `host`'s `limit` fetch slots over all instances; `None` when all
        /// are held.
        async fn claim_host_slot(&self, host: &str, limit: u32, owner: &str, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<Option<u32>, StoreError>;
        /// Gives up `owner`'s claim on a host slot.
        async fn release_host_slot(&self, host: &str, slot: u32, owner: &str) -> Result<(), StoreError>;

        /// True when the database answers.
        async fn ping(&self) -> bool;
        /// Closes the connections.
        async fn close(&self) -> ();
        /// Reads a `meta` value.
        async fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
        /// Writes a `meta` value.
        async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError>;
        /// The engine's own consistency check; `Ok(())` when it finds nothing.
        async fn integrity_check(&self) -> Result<(), StoreError>;
        /// Simulates (or, with [`Fault::None`], removes) a storage fault on the writer.
        #[doc(hidden)]
        async fn simulate_fault(&self, fault: Fault) -> Result<(), StoreError>;

        /// Writes the configured sources: new ones added, changed names and URLs updated,
        /// sources no longer configured marked retired (their items stay).
        async fn sync_sources(&self, sources: &[SourceRow]) -> Result<(), StoreError>;
        /// Every stored source with its fetch state.
        async fn sources(&self) -> Result<Vec<SourceState>, StoreError>;
        /// One source's fetch state.
        async fn source(&self, id: &str) -> Result<Option<SourceState>, StoreError>;
        /// A source's display name.
        async fn source_name(&self, id: &str) -> Result<Option<String>, StoreError>;
        /// Records the outcome of a fetch (retried while the database is locked).
        async fn record_fetch(&self, id: &str, r: &FetchRecord) -> Result<(), StoreError>;

        /// Items with a fingerprint sorted at or after `since` (unix seconds), oldest
        /// first: what a story index is loaded from.
        async fn story_members(&self, since: i64) -> Result<Vec<StoryMember>, StoreError>;
        /// Items a query selects, newest first.
        async fn items(&self, q: &ItemQuery) -> Result<Vec<StoredItem>, StoreError>;
        /// How many items a query selects, beyond its page.
        async fn count_items(&self, q: &ItemQuery) -> Result<i64, StoreError>;
        /// One item by id.
        async fn item(&self, id: i64) -> Result<Option<StoredItem>, StoreError>;
        /// Items per topic.
        async fn topic_counts(&self) -> Result<HashMap<String, i64>, StoreError>;
        /// (sources, items, stories, tagged items).
        async fn counts(&self) -> Result<(i64, i64, i64, i64), StoreError>;

        /// Items after `after_id` in id order with their (source id, title, text), for
        /// re-tagging.
        async fn item_texts(&self, after_id: i64, limit: u32) -> Result<Vec<(i64, String, String, String)>, StoreError>;
        /// Items sorted since `since` with (source id, title, text) and whether they carry
        /// `topic`.
        async fn items_with_topic_flag(&self, topic: &str, since: i64) -> Result<Vec<(i64, String, String, String, bool)>, StoreError>;
        /// Replaces the tags of the given items, in one transaction.
        async fn replace_tags(&self, tags: &[(i64, Vec<TopicTag>)]) -> Result<(), StoreError>;

        /// Deletes items sorted before `cutoff` and all but the newest `max_per_source` of
        /// each source (0: no cap); returns (by age, by cap).
        async fn prune(&self, cutoff: Option<i64>, max_per_source: u32) -> Result<(u64, u64), StoreError>;

        /// What is known of the article pages of these items of a source.
        async fn page_states(&self, source_id: &str, guids: &[&str]) -> Result<HashMap<String, PageState>, StoreError>;
        /// One item's article page record.
        async fn page_record(&self, source_id: &str, guid: &str) -> Result<Option<PageRecord>, StoreError>;
        /// Writes article page records.
        async fn save_pages(&self, source_id: &str, records: &[PageRecord]) -> Result<(), StoreError>;

        /// Items the search index lacks, oldest id first: (id, title, text).
        async fn items_missing_search(&self, limit: u32) -> Result<Vec<(i64, String, String)>, StoreError>;
        /// Adds items' search terms to the index, in one transaction.
        async fn add_search_terms(&self, terms: &[(i64, String)]) -> Result<(), StoreError>;
        /// Replaces stored fingerprints (id, fingerprint), in one transaction.
        async fn set_fingerprints(&self, fingerprints: &[(i64, u128)]) -> Result<(), StoreError>;

        /// The newest outbox position ever written (0: none).
        async fn outbox_head(&self) -> Result<i64, StoreError>;
        /// Where a webhook endpoint's deliveries have got, if it was ever started.
        async fn outbox_cursor(&self, endpoint: &str) -> Result<Option<i64>, StoreError>;
        /// Records that an endpoint is done with every outbox row up to `seq`.
        async fn set_outbox_cursor(&self, endpoint: &str, seq: i64) -> Result<(), StoreError>;
        /// Deletes outbox rows stored before `before` that every named endpoint is done with.
        async fn prune_outbox(&self, before: i64, endpoints: &[String]) -> Result<u64, StoreError>;

        /// Stores a confirmed WebSub subscription, or renews the one of the same topic and
        /// callback; returns its id.
        async fn websub_subscribe(&self, s: &HubSubscription) -> Result<i64, StoreError>;
        /// Removes a WebSub subscription and its cursor; returns its id if there was one.
        async fn websub_unsubscribe(&self, topic: &str, callback: &str) -> Result<Option<i64>, StoreError>;
        /// Every WebSub subscription, expired ones included, by id.
        async fn websub_subscriptions(&self) -> Result<Vec<HubSubscription>, StoreError>;
        /// Removes WebSub subscriptions whose lease ended before `now` (unix seconds).
        async fn websub_expire(&self, now: i64) -> Result<u64, StoreError>;
        /// marsad's subscriptions to its sources' WebSub hubs.
        async fn source_subscriptions(&self) -> Result<Vec<SourceSubscription>, StoreError>;
        /// Writes a source's WebSub subscription.
        async fn set_source_subscription(&self, s: &SourceSubscription) -> Result<(), StoreError>;
        /// Forgets a source's WebSub subscription.
        async fn remove_source_subscription(&self, source_id: &str) -> Result<(), StoreError>;
    }
}
