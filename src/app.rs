//! Composition root: opens the store, compiles the rules, runs the scheduler and the server,
//! and shuts both down together. `anyhow` lives here and in `main`, not in the stages.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::Utc;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::config::{Config, SourceSpec, TopicSpec};
use crate::fetch::{Fetcher, schedule};
use crate::pipeline::{Ingest, Outcome};
use crate::server::{self, AppState};
use crate::store::{SourceRow, Store};
use crate::tag::Matcher;

/// Opens the database and makes its `sources` table match the config.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = Store::open(&config.storage.database)
        .await
        .with_context(|| format!("cannot open database {}", config.storage.database.display()))?;
    let rows: Vec<SourceRow> = config
        .sources
        .iter()
        .map(|s| SourceRow {
            id: s.id.clone(),
            name: s.name.clone(),
            url: s.url.to_string(),
        })
        .collect();
    store.sync_sources(&rows).await?;
    Ok(store)
}

/// A stable hash of the topic rules; stored so a change triggers re-tagging.
pub fn rules_hash(topics: &[TopicSpec]) -> String {
    let text = format!("{topics:?}");
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{h:016x}-{}", text.len())
}

/// Re-tags every stored item with `matcher`, in batches of 500 (each batch one
/// transaction). Returns the number of items re-tagged.
pub async fn retag_all(store: &Store, matcher: Arc<Matcher>, hash: &str) -> anyhow::Result<u64> {
    let mut after = 0;
    let mut total = 0u64;
    loop {
        let batch = store.item_texts(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        let m = matcher.clone();
        let tags = tokio::task::spawn_blocking(move || {
            batch
                .into_iter()
                .map(|(id, title, text)| (id, m.tag(&title, &text)))
                .collect::<Vec<_>>()
        })
        .await?;
        total += tags.len() as u64;
        store.replace_tags(&tags).await?;
    }
    store.set_meta("rules_hash", hash).await?;
    Ok(total)
}

/// Re-tags stored items when the rules differ from those they were tagged with.
pub async fn retag_if_changed(
    store: &Store,
    config: &Config,
    matcher: Arc<Matcher>,
) -> anyhow::Result<()> {
    let hash = rules_hash(&config.topics);
    if store.meta("rules_hash").await?.as_deref() != Some(hash.as_str()) {
        let n = retag_all(store, matcher, &hash).await?;
        info!(items = n, "topic rules changed: stored items re-tagged");
    }
    Ok(())
}

/// Limits fetches: a global number at once, and a number per host.
#[derive(Clone)]
struct Limits {
    global: Arc<Semaphore>,
    per_host: Arc<std::sync::Mutex<HashMap<String, Arc<Semaphore>>>>,
    per_host_n: usize,
}

impl Limits {
    fn new(global: usize, per_host: usize) -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(global)),
            per_host: Arc::default(),
            per_host_n: per_host,
        }
    }

    async fn run(&self, ingest: &Ingest, source: &SourceSpec) -> Outcome {
        let host = source.url.host_str().unwrap_or("").to_string();
        // A std mutex: held only to look up the semaphore, never across an await.
        let host_sem = self
            .per_host
            .lock()
            .expect("limits lock")
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host_n)))
            .clone();
        let _h = host_sem.acquire().await.expect("never closed");
        let _g = self.global.acquire().await.expect("never closed");
        ingest.refresh(source).await
    }
}

/// Fetches every enabled source once. Sources in backoff or not yet due after a
/// `Retry-After` are skipped (and listed) unless `force`.
pub async fn fetch_all(
    config: &Config,
    store: &Store,
    force: bool,
    progress: impl Fn(&Outcome) + Send + Sync + 'static,
) -> anyhow::Result<(Vec<Outcome>, Vec<String>)> {
    let matcher = Arc::new(Matcher::compile(&config.topics));
    retag_if_changed(store, config, matcher.clone()).await?;
    let ingest = Ingest {
        store: store.clone(),
        fetcher: Fetcher::new(&config.fetch)?,
        matcher,
        settings: config.fetch.clone(),
    };
    let limits = Limits::new(config.fetch.concurrency, config.fetch.per_host);
    let states: HashMap<String, crate::store::SourceState> = store
        .sources()
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let now = Utc::now();
    let mut skipped = Vec::new();
    let mut set = JoinSet::new();
    let progress = Arc::new(progress);
    for s in config.sources.iter().filter(|s| s.enabled) {
        if let Some(st) = states.get(&s.id).filter(|st| {
            !force && st.consecutive_failures > 0 && st.next_due.is_some_and(|d| d > now)
        }) {
            skipped.push(format!(
                "{}: not retried before {} after {} failure(s) (use --force)",
                s.id,
                st.next_due.map(|d| d.to_rfc3339()).unwrap_or_default(),
                st.consecutive_failures
            ));
            continue;
        }
        let (ingest, limits, source, progress) =
            (ingest.clone(), limits.clone(), s.clone(), progress.clone());
        set.spawn(async move {
            let o = limits.run(&ingest, &source).await;
            progress(&o);
            o
        });
    }
    let mut outcomes = Vec::new();
    while let Some(r) = set.join_next().await {
        outcomes.push(r?);
    }
    outcomes.sort_by(|a, b| a.source_id.cmp(&b.source_id));
    Ok((outcomes, skipped))
}

/// Runs `marsad serve`: scheduler + HTTP server until `shutdown` completes.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let matcher = Arc::new(Matcher::compile(&config.topics));
    retag_if_changed(&store, &config, matcher.clone()).await?;
    let ingest = Ingest {
        store: store.clone(),
        fetcher: Fetcher::new(&config.fetch)?,
        matcher,
        settings: config.fetch.clone(),
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let scheduler = tokio::spawn(run_scheduler(
        ingest,
        config.sources.clone(),
        Limits::new(config.fetch.concurrency, config.fetch.per_host),
        stop_rx,
    ));
    info!(listen = %listener.local_addr()?, sources = config.sources.len(), topics = config.topics.len(), "marsad serving");
    let state = AppState::new(store.clone(), config);
    let result = server::serve(listener, state, shutdown).await;
    let _ = stop_tx.send(true);
    let _ = scheduler.await;
    store.close().await;
    result.context("HTTP server failed")
}

/// One task per enabled source: wait until due, fetch within the limits, repeat.
async fn run_scheduler(
    ingest: Ingest,
    sources: Vec<SourceSpec>,
    limits: Limits,
    stop: watch::Receiver<bool>,
) {
    let states: HashMap<String, crate::store::SourceState> = match ingest.store.sources().await {
        Ok(s) => s.into_iter().map(|s| (s.id.clone(), s)).collect(),
        Err(e) => {
            warn!(error = %e, "cannot read source states; fetching everything now");
            HashMap::new()
        }
    };
    let mut set = JoinSet::new();
    for source in sources.into_iter().filter(|s| s.enabled) {
        let (ingest, limits, mut stop) = (ingest.clone(), limits.clone(), stop.clone());
        let first_due = states.get(&source.id).and_then(|s| s.next_due);
        set.spawn(async move {
            let jitter = schedule::jitter(&source.id, &source.schedule);
            let mut due = match first_due {
                Some(d) if d > Utc::now() => d,
                _ => Utc::now() + chrono::Duration::from_std(jitter).unwrap_or_default(),
            };
            loop {
                let wait = (due - Utc::now()).to_std().unwrap_or_default();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                let outcome = tokio::select! {
                    o = limits.run(&ingest, &source) => o,
                    _ = stop.changed() => return,
                };
                due = outcome
                    .next_due
                    .unwrap_or_else(|| schedule::next_regular(&source.schedule, Utc::now()));
            }
        });
    }
    while set.join_next().await.is_some() {}
}
