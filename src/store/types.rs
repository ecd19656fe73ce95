//! The plain data that crosses the store's boundary, beside the model's types: what callers
//! hand in and get back, the same for every backend. No SQL and no engine types here.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// What saving a feed's items did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveReport {
    /// Items in the batch.
    pub seen: u32,
    /// Items stored for the first time.
    pub new: u32,
    /// Items whose content changed and were updated.
    pub updated: u32,
}

/// Filters for listing items (feeds, API, page).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemQuery {
    /// Any of these topics (empty: no topic filter).
    pub topics: Vec<String>,
    /// All of these topics.
    pub all_topics: Vec<String>,
    /// Any of these sources (empty: all).
    pub sources: Vec<String>,
    /// Only items at or after this time (unix seconds).
    pub since: Option<i64>,
    /// Paging cursor: only items strictly before (sort_ts, id).
    pub before: Option<(i64, i64)>,
    /// At most this many items.
    pub limit: u32,
    /// Show each story once (its earliest item).
    pub dedup: bool,
    /// Full-text search: every one of these light stems (from
    /// `text::arabic::search_query`) must occur in the item.
    pub search: Vec<String>,
}

impl Default for ItemQuery {
    fn default() -> Self {
        ItemQuery {
            topics: Vec::new(),
            all_topics: Vec::new(),
            sources: Vec::new(),
            since: None,
            before: None,
            limit: 50,
            dedup: true,
            search: Vec::new(),
        }
    }
}

/// A stored item as story grouping sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoryMember {
    /// The item's id.
    pub id: i64,
    /// Its source.
    pub source_id: String,
    /// Its sort time (unix seconds).
    pub sort_ts: i64,
    /// Its story fingerprint (never 0: items without one are not members).
    pub fingerprint: u128,
    /// Its story.
    pub story_id: i64,
}

/// Finds the story a new item joins by its fingerprint (`story::StoryIndex` behind it).
///
/// [`super::Store::save_items`] matches a new item with stored ones by guid and
/// canonical URL itself, and asks this only about new items that neither matched; it tells
/// it of every new item with a fingerprint once the save has committed.
pub trait StoryGrouping: Send + Sync {
    /// The story of the nearest item of another source than `source_id` that counts as the
    /// same story, if any.
    fn nearest(&self, source_id: &str, fingerprint: u128, sort_ts: i64) -> Option<i64>;
    /// A new item was stored as a member of a story (by this process, or by another
    /// instance when the store catches up, see [`StoryGrouping::seen_up_to`]).
    fn saved(&mut self, member: StoryMember);
    /// The highest item id this grouping was told of, when it follows a database that other
    /// instances write too: a save first tells it of the members stored after that id, so
    /// its choice sees every instance's items. `None` (the default): it needs no catching up.
    fn seen_up_to(&self) -> Option<i64> {
        None
    }
}

/// No grouping by fingerprint: each new item not matched by guid or canonical URL starts
/// a story of its own.
impl StoryGrouping for () {
    fn nearest(&self, _: &str, _: u128, _: i64) -> Option<i64> {
        None
    }
    fn saved(&mut self, _: StoryMember) {}
}

/// A source as configured (what `sync_sources` writes).
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Feed URL.
    pub url: String,
}

/// A source with its fetch state, as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceState {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Feed URL.
    pub url: String,
    /// No longer in the config; its items stay until retention removes them.
    pub retired: bool,
    /// Last fetch attempt.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Last successful fetch (including 304).
    pub last_success: Option<DateTime<Utc>>,
    /// HTTP status of the last answer.
    pub http_status: Option<u16>,
    /// Error of the last attempt, if it failed.
    pub error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// When the source may be fetched next.
    pub next_due: Option<DateTime<Utc>>,
    /// Validator for conditional GET.
    pub etag: Option<String>,
    /// Validator for conditional GET.
    pub last_modified: Option<String>,
    /// Hash of the last body, to skip parsing an unchanged body.
    pub body_hash: Option<String>,
    /// Items in the last fetched feed.
    pub items_seen: Option<u32>,
    /// Items new in the last fetch.
    pub items_new: Option<u32>,
    /// Items of the last fetch left out as older than `retention_days`.
    pub items_too_old: Option<u32>,
    /// Where a permanent redirect (301/308) points; the config is not rewritten.
    pub permanent_redirect: Option<String>,
    /// The feed's own title.
    pub feed_title: Option<String>,
    /// The feed's site link.
    pub feed_link: Option<String>,
    /// Parser warnings of the last fetch.
    pub warnings: Option<String>,
    /// Items stored from this source.
    pub item_count: i64,
}

/// The outcome of one fetch, to record on the source.
#[derive(Debug, Clone, Default)]
pub struct FetchRecord {
    /// When it was attempted.
    pub attempted: DateTime<Utc>,
    /// Whether it succeeded (200 parsed, or 304).
    pub success: bool,
    /// HTTP status, when an answer came.
    pub http_status: Option<u16>,
    /// Error message when it failed.
    pub error: Option<String>,
    /// When to fetch next.
    pub next_due: DateTime<Utc>,
    /// New validators (kept when `None`).
    pub etag: Option<String>,
    /// New validators (kept when `None`).
    pub last_modified: Option<String>,
    /// New body hash (kept when `None`).
    pub body_hash: Option<String>,
    /// Items in the feed.
    pub items_seen: Option<u32>,
    /// Items new.
    pub items_new: Option<u32>,
    /// Items left out as older than `retention_days`.
    pub items_too_old: Option<u32>,
    /// Permanent redirect target seen in this fetch.
    pub permanent_redirect: Option<String>,
    /// Feed title.
    pub feed_title: Option<String>,
    /// Feed link.
    pub feed_link: Option<String>,
    /// Parser warnings, joined.
    pub warnings: Option<String>,
}

/// Where an item's body came from, and the page state kept for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageRecord {
    /// The item's guid.
    pub guid: String,
    /// Hash of the item as the feed gave it: the page is fetched again only when it changes.
    pub feed_hash: String,
    /// The page fetched (after redirects), when there was one.
    pub page_url: Option<String>,
    /// The page's `ETag`.
    pub etag: Option<String>,
    /// The page's `Last-Modified`.
    pub last_modified: Option<String>,
    /// "page" or "feed".
    pub body_from: String,
    /// The extraction rule that produced the body (`content_selector "…"`, `readability`).
    pub rule: Option<String>,
    /// Why the page was not used, when `body_from` is "feed".
    pub reason: Option<String>,
    /// When the page was fetched or given up on (unix seconds).
    pub fetched_at: i64,
}

/// A stored page record with the item's current body when that came from the page (to
/// reuse on a 304 answer).
#[derive(Debug, Clone)]
pub struct PageState {
    /// The record.
    pub record: PageRecord,
    /// The item's stored `content_html`, when its body came from the page.
    pub page_html: Option<String>,
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

/// A simulated storage fault, for tests of the service under faults (see `tests/it/faults.rs`).
/// Applied to the writer only, so reads keep working, as they do on a full disk or a
/// read-only file.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No fault.
    None = 0,
    /// Writes that need more room fail with the error a full disk gives.
    DiskFull = 1,
    /// Every write fails with the error a read-only file or mount gives.
    ReadOnly = 2,
}

/// What claiming a due source ([`super::Store::claim_source`]) found, in a database that
/// several instances share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This instance holds the source until it releases it or the lease lapses.
    Claimed,
    /// Another instance fetched it since: it is due next at this time.
    NotDue(DateTime<Utc>),
    /// Another instance holds it until this time.
    Held(DateTime<Utc>),
}

/// One row of the push outbox as a backend stores it: (position, item id, stored at in
/// unix seconds).
pub(super) type OutboxRow = (i64, i64, i64);

/// One row of the push outbox: a new item to announce, as it reads now.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    /// Position in the outbox; never reused.
    pub seq: i64,
    /// When the item was stored (the retry window of its deliveries counts from here).
    pub created_at: DateTime<Utc>,
    /// The item with its tags and the other items of its story.
    pub item: crate::model::StoredItem,
    /// The items of its story stored before it: what decides whether a subscriber that sees
    /// each story once has already been told of this one.
    pub earlier: Vec<EarlierItem>,
}

/// An item of a story stored before the one announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierItem {
    /// Its source.
    pub source_id: String,
    /// Its topics.
    pub topics: Vec<String>,
}

/// Someone subscribed to one of our feeds through the WebSub hub (`POST /websub`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HubSubscription {
    /// Its id (0 before it is stored); its outbox cursor is `websub:<id>`.
    pub id: i64,
    /// The feed URL subscribed to (`hub.topic`).
    pub topic: String,
    /// Where the feed is POSTed (`hub.callback`).
    pub callback: String,
    /// The callback's host, for the per-host cap.
    pub host: String,
    /// `hub.secret`, when given: deliveries are signed with it.
    pub secret: Option<String>,
    /// When the lease ends (unix seconds).
    pub expires_at: i64,
    /// When it was first confirmed (unix seconds).
    pub created_at: i64,
}

/// marsad's own subscription to the WebSub hub a source's feed advertises.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SourceSubscription {
    /// The source.
    pub source_id: String,
    /// The hub's URL.
    pub hub: String,
    /// The topic subscribed to (the feed's `rel="self"` URL).
    pub topic: String,
    /// The callback's last path segment: unguessable, so a stranger cannot confirm a
    /// subscription marsad did not ask for.
    pub token: String,
    /// The `hub.secret` sent: pushes must be signed with it.
    pub secret: String,
    /// `pending`, `active`, `denied` or `unsubscribing`.
    pub state: String,
    /// When the lease the hub granted ends (unix seconds), once verified.
    pub expires_at: Option<i64>,
    /// When the row last changed (unix seconds).
    pub updated_at: i64,
}
