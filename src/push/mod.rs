//! Push: new items announced to newsrooms as they are stored, not at their next poll.
//!
//! Everything starts from the store's outbox: [`crate::store::Store::save_items`] writes
//! one row per new item in the items' own transaction, so an item is announced if and only
//! if it was stored, whatever crashes after the commit. From there:
//!
//! - **webhooks** (`webhook`): one task per `[[webhooks]]` endpoint walks the outbox in
//!   order from its cursor (kept in the store), POSTs each item its filters admit, signed
//!   as Standard Webhooks asks, retries with backoff until `[push] retry_for` has passed
//!   since the item was stored, and only then moves its cursor on: a `kill -9` at any
//!   moment means the delivery in flight is made again after the restart, with the same
//!   `webhook-id` (at-least-once, in order per endpoint);
//! - **the live stream** (`GET /events`, in `server`): the [`Hub`]'s tail reads new rows
//!   as they are committed and broadcasts them, rendered once, to every open stream; a
//!   stream that falls `[push] stream_buffer` events behind is ended, and its client
//!   resumes from the store with `Last-Event-ID`.
//!
//! "Once per story" (webhooks always; streams unless `dedup=false`) means: an item is
//! announced to a subscriber only when no item of its story stored before it passes the
//! subscriber's filters, so a Libya desk hears of a story from its first Libya item even
//! when the story's first item was tagged otherwise.

mod guard;
pub mod subscriber;
mod webhook;
pub mod websub;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tokio::sync::{broadcast, watch};
use tracing::warn;

use crate::config::{Config, WebhookSpec};
use crate::store::{EarlierItem, OutboxEvent, Store};

pub use guard::{Guard, is_public};
pub use webhook::{sign, webhook_id};

/// A new item ready to send: what filters need, and its JSON rendered once for everyone.
#[derive(Debug)]
pub struct Announcement {
    /// Outbox position.
    pub seq: i64,
    /// When the item was stored.
    pub created_at: DateTime<Utc>,
    /// The item's id (a stream event's `id:`).
    pub item_id: i64,
    /// Its source.
    pub source_id: String,
    /// Its topics.
    pub topics: Vec<String>,
    /// Items of its story stored before it.
    pub earlier: Vec<EarlierItem>,
    /// The item as `GET /api/items/{id}` renders it.
    pub json: Arc<str>,
}

impl Announcement {
    /// Renders an outbox row.
    pub fn of(e: &OutboxEvent) -> Announcement {
        Announcement {
            seq: e.seq,
            created_at: e.created_at,
            item_id: e.item.id,
            source_id: e.item.source_id.clone(),
            topics: e.item.topics.iter().map(|t| t.slug.clone()).collect(),
            earlier: e.earlier.clone(),
            json: crate::publish::item_json(&e.item).into(),
        }
    }
}

/// Which items a subscriber wants: the feed filters' meaning (`topic` any-of, `all_topics`
/// all-of, `source` any-of; empty lists do not filter).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Any of these topics.
    pub topics: Vec<String>,
    /// All of these topics.
    pub all_topics: Vec<String>,
    /// Any of these sources.
    pub sources: Vec<String>,
    /// Each story once (see the module's notes).
    pub dedup: bool,
}

impl Filter {
    fn matches<T: AsRef<str>>(&self, source_id: &str, topics: &[T]) -> bool {
        let has = |t: &String| topics.iter().any(|x| x.as_ref() == t);
        (self.topics.is_empty() || self.topics.iter().any(has))
            && self.all_topics.iter().all(has)
            && (self.sources.is_empty() || self.sources.iter().any(|s| s == source_id))
    }

    fn admits_parts<T: AsRef<str>>(
        &self,
        source_id: &str,
        topics: &[T],
        earlier: &[EarlierItem],
    ) -> bool {
        self.matches(source_id, topics)
            && !(self.dedup
                && earlier
                    .iter()
                    .any(|e| self.matches(&e.source_id, &e.topics)))
    }

    /// Whether `a` is sent to this subscriber.
    pub fn admits(&self, a: &Announcement) -> bool {
        self.admits_parts(&a.source_id, &a.topics, &a.earlier)
    }

    /// Whether the item of outbox row `e` is sent to this subscriber: [`Filter::admits`]
    /// before the item is rendered, so rows a subscriber skips cost no rendering.
    pub fn admits_event(&self, e: &OutboxEvent) -> bool {
        let topics: Vec<&str> = e.item.topics.iter().map(|t| t.slug.as_str()).collect();
        self.admits_parts(&e.item.source_id, &topics, &e.earlier)
    }

    /// A webhook endpoint's filter: always once per story.
    pub fn of_webhook(spec: &WebhookSpec) -> Filter {
        Filter {
            topics: spec.topics.clone(),
            all_topics: Vec::new(),
            sources: spec.sources.clone(),
            dedup: true,
        }
    }
}

/// How a webhook endpoint is doing, for `/api/status`.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct EndpointStatus {
    /// Configured name.
    pub name: String,
    /// Scheme and host of its URL: its path and query may hold the endpoint's secret.
    pub url: String,
    /// Items delivered since the start.
    pub delivered: u64,
    /// Failed attempts since the start.
    pub failed_attempts: u64,
    /// Items given up on after `[push] retry_for`, since the start.
    pub gave_up: u64,
    /// Failed attempts in a row of the current delivery (0: healthy).
    pub consecutive_failures: u32,
    /// The latest failure's reason, while failing.
    pub last_error: Option<String>,
    /// The first failure of the current run of failures.
    pub failing_since: Option<String>,
    /// The latest successful delivery.
    pub last_success: Option<String>,
    /// Outbox rows not yet gone through (delivered, skipped by the filters or given up on).
    pub behind: i64,
}

/// What the live streams and the status page share with the push tasks.
pub struct Hub {
    events: broadcast::Sender<Arc<Announcement>>,
    streams: AtomicUsize,
    closing: watch::Sender<bool>,
    endpoints: Mutex<BTreeMap<String, EndpointStatus>>,
    /// Told when this process stored or removed a WebSub subscription, so its deliveries
    /// start at once.
    pub(crate) websub_changed: tokio::sync::Notify,
    /// Where content the sources' hubs push goes (to be stored as a fetch); set by
    /// `marsad serve`.
    inbox: Mutex<Option<tokio::sync::mpsc::Sender<Pushed>>>,
    /// The hubs the sources advertise and the sources they push to (shared with the
    /// pipeline).
    pub hubs: crate::pipeline::Hubs,
}

/// Content a source's WebSub hub pushed, with a valid signature.
#[derive(Debug)]
pub struct Pushed {
    /// The source.
    pub source_id: String,
    /// The body, as a fetch of the feed would have it.
    pub body: Vec<u8>,
    /// Its `Content-Type`.
    pub content_type: Option<String>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("streams", &self.streams.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// A live stream's place under `[push] max_streams`; freed when dropped.
#[derive(Debug)]
pub struct StreamSlot(Arc<Hub>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::AcqRel);
        crate::metrics::metrics().streams_open.dec();
    }
}

impl Hub {
    /// A hub whose streams may fall `buffer` events behind.
    pub fn new(buffer: usize) -> Hub {
        Hub {
            events: broadcast::channel(buffer.max(1)).0,
            streams: AtomicUsize::new(0),
            closing: watch::channel(false).0,
            endpoints: Mutex::default(),
            websub_changed: tokio::sync::Notify::new(),
            inbox: Mutex::default(),
            hubs: crate::pipeline::Hubs::default(),
        }
    }

    /// A place for one more live stream, unless `max` are open.
    pub fn open_stream(self: &Arc<Hub>, max: usize) -> Option<StreamSlot> {
        self.streams
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()?;
        crate::metrics::metrics().streams_open.inc();
        Some(StreamSlot(self.clone()))
    }

    /// Sends pushed content to `tx` from now on.
    pub fn set_inbox(&self, tx: tokio::sync::mpsc::Sender<Pushed>) {
        *self.inbox.lock().expect("inbox lock") = Some(tx);
    }

    /// Hands pushed content over to be stored; false when nothing takes it now (no
    /// scheduler, or too much waiting), so the hub is told to try again later.
    pub fn take_pushed(&self, p: Pushed) -> bool {
        let tx = self.inbox.lock().expect("inbox lock").clone();
        tx.is_some_and(|tx| tx.try_send(p).is_ok())
    }

    /// Live streams open.
    pub fn streams_open(&self) -> usize {
        self.streams.load(Ordering::Acquire)
    }

    /// New items from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Announcement>> {
        self.events.subscribe()
    }

    /// Sends `a` to every open stream.
    pub fn publish(&self, a: Arc<Announcement>) {
        // No receiver (no stream open) is not an error.
        let _ = self.events.send(a);
    }

    /// Resolves once the server is shutting down: streams end then, so the graceful
    /// shutdown does not wait for clients that never hang up.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Ends every live stream.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Every configured endpoint's state.
    pub fn endpoints(&self) -> Vec<EndpointStatus> {
        self.endpoints
            .lock()
            .expect("endpoints lock")
            .values()
            .cloned()
            .collect()
    }

    fn update(&self, name: &str, f: impl FnOnce(&mut EndpointStatus)) {
        if let Some(s) = self.endpoints.lock().expect("endpoints lock").get_mut(name) {
            f(s);
        }
    }
}

/// Gives every configured endpoint never seen before its place in the outbox (its end), so
/// the items of the first fetches after `marsad serve` starts are delivered to it: run
/// before the scheduler starts.
pub async fn prepare(store: &Store, config: &Config) -> Result<(), crate::store::StoreError> {
    for w in &config.webhooks {
        webhook::cursor(store, &w.name).await?;
    }
    Ok(())
}

/// 128 random bits from the operating system, as 32 hex digits: WebSub challenges,
/// callback tokens and secrets, which strangers must not guess (`fastrand`, used for
/// jitter, is not meant for that).
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How often the outbox is read when nothing in this process said it changed (another
/// process, `marsad fetch`, may write it).
const TAIL_POLL: Duration = Duration::from_secs(1);
/// How often this process's own saves are looked for.
const TAIL_TICK: Duration = Duration::from_millis(50);
/// Outbox rows read at once.
const BATCH: u32 = 100;

/// Runs the push side of `marsad serve` until aborted: the tail that feeds the live
/// streams, one delivery task per webhook endpoint (restarted when a reload changes
/// `[[webhooks]]`) and per WebSub subscription, and the outbox's pruning.
pub async fn run(store: Store, config: Arc<RwLock<Arc<Config>>>, hub: Arc<Hub>) {
    let current = || config.read().expect("config lock").clone();
    let epoch = match webhook::epoch(&store).await {
        Ok(e) => e,
        Err(e) => {
            warn!(error = %e, "push: cannot read the outbox; webhooks and live streams are off");
            return;
        }
    };
    let head = store.outbox_head().await.unwrap_or(0);
    let (head_tx, head_rx) = watch::channel(head);
    let _tail = Task(tokio::spawn(tail(
        store.clone(),
        hub.clone(),
        head,
        head_tx,
    )));
    // Every instance feeds its own live streams; with several instances on one database,
    // one of them delivers webhooks and WebSub (the others wait on its lock, and the next
    // takes over when it stops or dies), so an endpoint is not sent each item once per
    // instance.
    let _deliverer = loop {
        match store.exclusive("push deliveries").await {
            Ok(guard) => break guard,
            Err(e) => {
                warn!(error = %e, "push: cannot take the delivery lock; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    let mut workers: HashMap<String, (WebhookSpec, Task)> = HashMap::new();
    let mut websub = websub::Deliveries::new();
    let mut websub_cursors = websub.sync(&store, &config, &head_rx).await;
    let mut websub_synced = tokio::time::Instant::now();
    let mut seen: Option<Arc<Config>> = None;
    let mut last_prune = tokio::time::Instant::now() - Duration::from_secs(3600);
    loop {
        let cfg = current();
        if !seen.as_ref().is_some_and(|s| Arc::ptr_eq(s, &cfg)) {
            // Endpoints that changed or went are stopped (a delivery in flight is made again
            // by their next task, with the same id); new and changed ones start, and so does
            // every endpoint when `[push]` changed (its timeout and retry window).
            let same_push = seen.as_ref().is_none_or(|s| s.push == cfg.push);
            workers.retain(|name, (spec, task)| {
                let keep =
                    same_push && cfg.webhooks.iter().any(|w| w == spec) && !task.0.is_finished();
                if !keep {
                    hub.endpoints.lock().expect("endpoints lock").remove(name);
                }
                keep
            });
            for spec in &cfg.webhooks {
                if workers.contains_key(&spec.name) {
                    continue;
                }
                hub.endpoints.lock().expect("endpoints lock").insert(
                    spec.name.clone(),
                    EndpointStatus {
                        name: spec.name.clone(),
                        url: format!(
                            "{}://{}/…",
                            spec.url.scheme(),
                            spec.url.host_str().unwrap_or("")
                        ),
                        ..EndpointStatus::default()
                    },
                );
                let task = Task(tokio::spawn(webhook::deliver_all(
                    store.clone(),
                    spec.clone(),
                    cfg.push.clone(),
                    epoch.clone(),
                    hub.clone(),
                    head_rx.clone(),
                )));
                workers.insert(spec.name.clone(), (spec.clone(), task));
            }
            seen = Some(cfg.clone());
        }
        if last_prune.elapsed() >= Duration::from_secs(3600) {
            last_prune = tokio::time::Instant::now();
            let keep = cfg.push.retry_for + Duration::from_secs(3600);
            let before = Utc::now().timestamp() - keep.as_secs() as i64;
            let names: Vec<String> = cfg
                .webhooks
                .iter()
                .map(|w| w.name.clone())
                .chain(websub_cursors.iter().cloned())
                .collect();
            if let Err(e) = store.prune_outbox(before, &names).await {
                warn!(error = %e, "push: pruning the outbox failed");
            }
        }
        let changed = tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(1)) => false,
            _ = hub.websub_changed.notified() => true,
        };
        // Another instance may have changed the subscriptions, and leases end.
        if changed || websub_synced.elapsed() >= WEBSUB_SYNC {
            websub_cursors = websub.sync(&store, &config, &head_rx).await;
            websub_synced = tokio::time::Instant::now();
        }
    }
}

/// How often the WebSub subscriptions are read again when this process changed none.
const WEBSUB_SYNC: Duration = Duration::from_secs(10);

/// A task that ends with its owner: when [`run`] is aborted (the service stops) or an
/// endpoint is removed, its tasks stop too.
struct Task(tokio::task::JoinHandle<()>);

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Reads new outbox rows as they come and broadcasts them to the live streams; tells the
/// webhook tasks how far the outbox goes.
async fn tail(store: Store, hub: Arc<Hub>, mut last: i64, head: watch::Sender<i64>) {
    let mut generation = store.generation();
    let mut polled = tokio::time::Instant::now();
    loop {
        tokio::time::sleep(TAIL_TICK).await;
        let g = store.generation();
        if g == generation && polled.elapsed() < TAIL_POLL {
            continue;
        }
        generation = g;
        polled = tokio::time::Instant::now();
        loop {
            let events = match store.outbox_after(last, BATCH).await {
                Ok(e) => e,
                Err(e) => {
                    warn!(error = %e, "push: cannot read the outbox");
                    break;
                }
            };
            let Some(newest) = events.last().map(|e| e.seq) else {
                break;
            };
            // Rendered only when a stream is open to read it.
            if hub.events.receiver_count() > 0 {
                for e in &events {
                    hub.publish(Arc::new(Announcement::of(e)));
                }
            }
            last = newest;
            head.send_replace(last);
            if events.len() < BATCH as usize {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ann(source: &str, topics: &[&str], earlier: &[(&str, &[&str])]) -> Announcement {
        let v = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Announcement {
            seq: 1,
            created_at: DateTime::default(),
            item_id: 1,
            source_id: source.into(),
            topics: v(topics),
            earlier: earlier
                .iter()
                .map(|(s, t)| EarlierItem {
                    source_id: s.to_string(),
                    topics: v(t),
                })
                .collect(),
            json: "{}".into(),
        }
    }

    #[test]
    fn filters_mean_what_the_feed_filters_mean_and_dedup_sends_a_story_once() {
        let libya = Filter {
            topics: vec!["libya".into()],
            dedup: true,
            ..Filter::default()
        };
        let everything = Filter::default();
        // A story's first item.
        assert!(libya.admits(&ann("a", &["libya", "oil"], &[])));
        assert!(!libya.admits(&ann("a", &["egypt"], &[])));
        assert!(everything.admits(&ann("a", &[], &[])));
        // A second item of a story the desk has heard of.
        let second = ann("b", &["libya"], &[("a", &["libya"])]);
        assert!(!libya.admits(&second));
        assert!(
            Filter {
                dedup: false,
                ..libya.clone()
            }
            .admits(&second)
        );
        // The story's first item was not Libya's: this is the first the desk hears of it.
        assert!(libya.admits(&ann("b", &["libya"], &[("a", &["egypt"])])));
        let both = Filter {
            all_topics: vec!["libya".into(), "oil".into()],
            sources: vec!["a".into(), "c".into()],
            ..Filter::default()
        };
        assert!(both.admits(&ann("c", &["oil", "libya"], &[])));
        assert!(!both.admits(&ann("c", &["oil"], &[])));
        assert!(!both.admits(&ann("b", &["oil", "libya"], &[])));

        // An outbox row is judged as its announcement would be, before it is rendered.
        let event = |source: &str, topics: &[&str], earlier: &[(&str, &[&str])]| {
            let a = ann(source, topics, earlier);
            OutboxEvent {
                seq: 1,
                created_at: DateTime::default(),
                item: crate::model::StoredItem {
                    id: 1,
                    source_id: a.source_id.clone(),
                    source_name: String::new(),
                    source_url: String::new(),
                    guid: "g".into(),
                    url: None,
                    title: String::new(),
                    author: None,
                    published: None,
                    updated: None,
                    fetched_at: DateTime::default(),
                    sort_ts: 0,
                    summary: String::new(),
                    content_html: String::new(),
                    text: String::new(),
                    language: "ar".into(),
                    dir: "rtl".into(),
                    source_credit: None,
                    story_id: 1,
                    topics: a
                        .topics
                        .iter()
                        .map(|t| crate::model::TopicTag {
                            slug: t.clone(),
                            score: 1.0,
                            matches: Vec::new(),
                        })
                        .collect(),
                    also: Vec::new(),
                },
                earlier: a.earlier.clone(),
            }
        };
        for (source, topics, earlier) in [
            ("a", &["libya", "oil"][..], &[][..]),
            ("a", &["egypt"][..], &[][..]),
            ("b", &["libya"][..], &[("a", &["libya"][..])][..]),
            ("b", &["libya"][..], &[("a", &["egypt"][..])][..]),
            ("c", &["oil", "libya"][..], &[][..]),
        ] {
            let (e, a) = (event(source, topics, earlier), ann(source, topics, earlier));
            for f in [&libya, &everything, &both] {
                assert_eq!(
                    f.admits_event(&e),
                    f.admits(&a),
                    "{source} {topics:?} {earlier:?}"
                );
            }
        }
    }

    #[test]
    fn streams_are_capped_and_a_closed_stream_frees_its_place() {
        let hub = Arc::new(Hub::new(4));
        let a = hub.open_stream(2).unwrap();
        let _b = hub.open_stream(2).unwrap();
        assert!(hub.open_stream(2).is_none());
        assert_eq!(hub.streams_open(), 2);
        drop(a);
        assert!(hub.open_stream(2).is_some());
    }
}
