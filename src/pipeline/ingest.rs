//! What the steps of a refresh share: the store, the HTTP client, the compiled rules and
//! the settings ([`Ingest`]), and the slots that bound CPU work on the blocking pool.

use std::sync::Arc;

use crate::config::FetchSettings;
use crate::fetch::Fetcher;
use crate::store::Store;
use crate::tag::Matcher;

/// Everything a refresh needs.
#[derive(Clone)]
pub struct Ingest {
    /// Database.
    pub store: Store,
    /// HTTP client.
    pub fetcher: Fetcher,
    /// Compiled topics.
    pub matcher: Arc<Matcher>,
    /// Fetch settings (backoff caps).
    pub settings: FetchSettings,
    /// `[storage] retention_days` (0 keeps everything): older items are not stored.
    pub retention_days: u32,
    /// `marsad fetch --force`: send no validators and parse an unchanged body again, so a
    /// feed is reconsidered after a change that the server's 304 or the body hash cannot
    /// see (a longer retention, new rules).
    pub force: bool,
    /// Limits for article pages (`full_text` sources), apart from the feeds' own.
    pub pages: crate::fetch::HostLimits,
    /// Story grouping of the items saved.
    pub stories: super::Stories,
    /// The WebSub hubs the sources advertise, and the sources they push to.
    pub hubs: super::Hubs,
    /// `[push] fallback_interval`: how often a source a hub pushes to is still polled.
    pub fallback_interval: std::time::Duration,
}

/// The blocking pool's CPU jobs at once: one per core.
pub(super) fn cpu_slots() -> &'static tokio::sync::Semaphore {
    static S: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}
