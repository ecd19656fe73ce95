//! Composition root: opens the store, compiles the rules, runs the scheduler and the server,
//! and shuts both down together. `anyhow` lives here and in `main`, not in the stages.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{info, warn};

use crate::config::{Config, Database, SourceSpec};
use crate::fetch::{Fetcher, schedule};
use crate::pipeline::{Ingest, Outcome};
use crate::server::{self, AppState};
use crate::store::Claim;
use crate::store::{SourceRow, Store};
use crate::tag::Matcher;

pub mod maintenance;
mod rules;

pub use rules::rules_hash;

/// Opens the database, brings stored rows up to date ([`maintenance::run`]) and makes its
/// `sources` table match the config. With several instances on one database, one at a
/// time does this ([`Store::exclusive`]); every step finds nothing left to do when another
/// instance did it first, and every instance is expected to run the same config.
pub async fn open_store(config: &Config) -> anyhow::Result<Store> {
    let store = connect(&config.storage).await?;
    let _exclusive = store.exclusive("start-up maintenance").await?;
    maintenance::run(&store)
        .await
        .with_context(|| format!("cannot open database {}", config.storage.database))?;
    store.sync_sources(&source_rows(config)).await?;
    Ok(store)
}

/// Opens the database `[storage]` names (SQLite or PostgreSQL) and applies its migrations,
/// without touching its rows.
pub async fn connect(storage: &crate::config::StorageSettings) -> anyhow::Result<Store> {
    let opened = match &storage.database {
        Database::Sqlite(path) => Store::open_with(path, storage.busy_timeout).await,
        Database::Postgres(url) => Store::open_url(url, storage.busy_timeout).await,
    };
    opened.with_context(|| format!("cannot open database {}", storage.database))
}

/// The `sources` rows a config asks for.
fn source_rows(config: &Config) -> Vec<SourceRow> {
    config
        .sources
        .iter()
        .map(|s| SourceRow {
            id: s.id.clone(),
            name: s.name.clone(),
            url: s.url.to_string(),
        })
        .collect()
}

/// Each source's `place`, by source id: items are tagged with their source's.
pub fn source_places(config: &Config) -> HashMap<String, String> {
    config
        .sources
        .iter()
        .filter_map(|s| Some((s.id.clone(), s.place.clone()?)))
        .collect()
}

/// Applies `[storage] retention_days` and `max_items_per_source`; returns (by age, by cap).
pub async fn prune(store: &Store, config: &Config) -> anyhow::Result<(u64, u64)> {
    let s = &config.storage;
    let _exclusive = store.exclusive("retention").await?;
    let cutoff = (s.retention_days > 0)
        .then(|| Utc::now().timestamp() - i64::from(s.retention_days) * 86400);
    let (age, cap) = store.prune(cutoff, s.max_items_per_source).await?;
    if age + cap > 0 {
        info!(by_age = age, by_cap = cap, "pruned items");
    }
    Ok((age, cap))
}

/// Re-tags every stored item with `matcher`, in batches of 500 (each batch one
/// transaction). Returns the number of items re-tagged.
pub async fn retag_all(
    store: &Store,
    config: &Config,
    matcher: Arc<Matcher>,
    hash: &str,
) -> anyhow::Result<u64> {
    let places = Arc::new(source_places(config));
    let mut after = 0;
    let mut total = 0u64;
    loop {
        let batch = store.item_texts(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        let (m, places) = (matcher.clone(), places.clone());
        let tags = tokio::task::spawn_blocking(move || {
            batch
                .into_iter()
                .map(|(id, source, title, text)| {
                    let place = places.get(&source).map(String::as_str);
                    (id, m.tag(&title, &text, place))
                })
                .collect::<Vec<_>>()
        })
        .await?;
        total += tags.len() as u64;
        store.replace_tags(&tags).await?;
    }
    store.set_meta("rules_hash", hash).await?;
    Ok(total)
}

/// Re-tags stored items when the rules differ from those they were tagged with. With
/// several instances, one re-tags while the others wait, then find the rules' hash stored.
pub async fn retag_if_changed(
    store: &Store,
    config: &Config,
    matcher: Arc<Matcher>,
) -> anyhow::Result<()> {
    let hash = rules_hash(&config.topics, &config.sources);
    if store.meta("rules_hash").await?.as_deref() == Some(hash.as_str()) {
        return Ok(());
    }
    let _exclusive = store.exclusive("re-tagging").await?;
    if store.meta("rules_hash").await?.as_deref() != Some(hash.as_str()) {
        let n = retag_all(store, config, matcher, &hash).await?;
        info!(items = n, "topic rules changed: stored items re-tagged");
    }
    Ok(())
}

/// Compiles the rules, re-tags stored items if the rules changed since they were tagged,
/// and builds what a refresh needs.
async fn prepare_ingest(config: &Config, store: &Store) -> anyhow::Result<Ingest> {
    let matcher = Arc::new(Matcher::compile(&config.topics));
    retag_if_changed(store, config, matcher.clone()).await?;
    Ok(Ingest {
        store: store.clone(),
        fetcher: Fetcher::new(&config.fetch)?,
        matcher,
        settings: config.fetch.clone(),
        retention_days: config.storage.retention_days,
        force: false,
        pages: crate::fetch::HostLimits::new(config.fetch.page_concurrency, config.fetch.per_host),
        stories: crate::pipeline::Stories::default(),
        hubs: crate::pipeline::Hubs::default(),
        fallback_interval: config.push.fallback_interval,
    })
}

/// Limits fetches: a global number at once, and a number per host; in a database several
/// instances share, also `per_host` over all of them ([`Shared`]).
#[derive(Clone)]
struct Limits {
    global: Arc<Semaphore>,
    per_host: Arc<std::sync::Mutex<HashMap<String, Arc<Semaphore>>>>,
    per_host_n: usize,
    shared: Option<Shared>,
}

impl Limits {
    fn new(global: usize, per_host: usize) -> Limits {
        Limits {
            global: Arc::new(Semaphore::new(global)),
            per_host: Arc::default(),
            per_host_n: per_host,
            shared: None,
        }
    }

    /// Limits that also claim a host slot in the shared database when there is one.
    fn for_store(config: &Config, store: &Store) -> Limits {
        Limits {
            shared: Shared::of(store, config),
            ..Limits::new(config.fetch.concurrency, config.fetch.per_host)
        }
    }

    async fn run(&self, ingest: &Ingest, source: &SourceSpec) -> Outcome {
        self.within(&source.url, ingest.refresh(source)).await
    }

    /// Refreshes a source claimed by this instance once its fetch can start, if the claim
    /// still holds then: a claim may lapse while the fetch waits for its host (behind the
    /// sources claimed with it at start-up, or a dead instance's slots), and another
    /// instance may have fetched the source meanwhile. `Err` is when to look again.
    async fn run_claimed(
        &self,
        ingest: &Ingest,
        source: &SourceSpec,
        shared: &Shared,
    ) -> Result<Outcome, DateTime<Utc>> {
        self.within(&source.url, async {
            shared.renew(source).await?;
            Ok(ingest.refresh(source).await)
        })
        .await
    }

    /// Runs `work` (a request to `url`) once a slot of its host (in this process, then
    /// over all instances) and a global one are free.
    async fn within<T>(&self, url: &url::Url, work: impl Future<Output = T>) -> T {
        let host = url.host_str().unwrap_or("").to_string();
        // A std mutex: held only to look up the semaphore, never across an await.
        let host_sem = self
            .per_host
            .lock()
            .expect("limits lock")
            .entry(host.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host_n)))
            .clone();
        let _h = host_sem.acquire().await.expect("never closed");
        let Some(shared) = &self.shared else {
            let _g = self.global.acquire().await.expect("never closed");
            return work.await;
        };
        // The host slot is claimed last, when the fetch can start, so its lease (about the
        // fetch timeout) runs while the host is talked to; and no global permit is held
        // while another instance has the host, so this instance's other hosts go on.
        let mut pause = std::time::Duration::from_millis(50);
        let (_g, _slot) = loop {
            let g = self.global.acquire().await.expect("never closed");
            if let Some(slot) = shared.host_slot(&host, self.per_host_n).await {
                break (g, slot);
            }
            drop(g);
            // Spread so instances waiting for the same host do not ask in lockstep.
            let jitter = std::time::Duration::from_millis(fastrand::u64(..50));
            tokio::time::sleep(pause + jitter).await;
            pause = (pause * 2).min(std::time::Duration::from_millis(500));
        };
        work.await
    }
}

/// This instance's part in fetch work shared through the database: who it is, and how long
/// its claims hold.
#[derive(Clone)]
struct Shared {
    store: Store,
    /// This instance: host name, process id and start time.
    owner: Arc<str>,
    lease: chrono::Duration,
    /// How long a host slot is held if this instance dies: a fetch talks to its host for
    /// at most the fetch timeout, so a slot is not leased for the source lease.
    slot_lease: chrono::Duration,
}

impl Shared {
    fn of(store: &Store, config: &Config) -> Option<Shared> {
        store.shared().then(|| Shared {
            store: store.clone(),
            owner: instance_name().into(),
            lease: chrono::Duration::from_std(config.fetch.lease)
                .unwrap_or(chrono::Duration::minutes(5)),
            slot_lease: chrono::Duration::from_std(
                (config.fetch.timeout + std::time::Duration::from_secs(10)).min(config.fetch.lease),
            )
            .unwrap_or(chrono::Duration::minutes(1)),
        })
    }

    /// Claims source `id` if it is due (held until the guard is dropped); else says when
    /// to look again.
    async fn claim(&self, source: &SourceSpec) -> Result<Release, DateTime<Utc>> {
        self.renew(source).await?;
        Ok(Release {
            shared: self.clone(),
            held: Held::Source(source.id.clone()),
        })
    }

    /// Claims source `id` again (a claim of this instance's is renewed for a new lease) if
    /// it is still due and nobody else holds it; else says when to look again.
    async fn renew(&self, source: &SourceSpec) -> Result<(), DateTime<Utc>> {
        let now = Utc::now();
        match self
            .store
            .claim_source(&source.id, &self.owner, now, now + self.lease)
            .await
        {
            Ok(Claim::Claimed) => Ok(()),
            Ok(Claim::NotDue(at)) => Err(at),
            // Another instance is fetching it: it will record the next due time when done
            // (looked at one interval on), or die and let its lease lapse.
            Ok(Claim::Held(until)) => Err(until.min(schedule::next_regular(&source.schedule, now))),
            Err(e) => {
                warn!(source_id = %source.id, error = %e, "cannot claim source; trying again shortly");
                Err(now + chrono::Duration::seconds(5))
            }
        }
    }

    /// One of `host`'s `limit` slots over all instances, held until the guard is dropped;
    /// `None` when all are taken (or the database cannot say: the caller waits and asks
    /// again).
    async fn host_slot(&self, host: &str, limit: usize) -> Option<Release> {
        let now = Utc::now();
        match self
            .store
            .claim_host_slot(host, limit as u32, &self.owner, now, now + self.slot_lease)
            .await
        {
            Ok(slot) => slot.map(|slot| Release {
                shared: self.clone(),
                held: Held::Slot(host.to_string(), slot),
            }),
            Err(e) => {
                warn!(host, error = %e, "cannot claim a host slot; trying again");
                None
            }
        }
    }
}

/// A claim this instance holds, given up when dropped: after the fetch, and also when the
/// fetch is dropped half-way (a config reload), so nothing waits for the lease to lapse.
struct Release {
    shared: Shared,
    held: Held,
}

enum Held {
    Source(String),
    Slot(String, u32),
}

impl Drop for Release {
    fn drop(&mut self) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return; // shutting down: the lease lapses
        };
        let shared = self.shared.clone();
        let held = std::mem::replace(&mut self.held, Held::Slot(String::new(), 0));
        rt.spawn(async move {
            let owner = &shared.owner;
            let (what, result) = match &held {
                Held::Source(id) => (id.clone(), shared.store.release_source(id, owner).await),
                Held::Slot(host, slot) => (
                    format!("{host} slot {slot}"),
                    shared.store.release_host_slot(host, *slot, owner).await,
                ),
            };
            if let Err(e) = result {
                warn!(claim = %what, error = %e, "cannot give up a claim; its lease will lapse");
            }
        });
    }
}

/// This instance's name in leases: host name, process id and start time (one per process,
/// so a config reload keeps its claims and a restarted process is a new owner).
fn instance_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        format!(
            "{host}:{}:{}",
            std::process::id(),
            Utc::now().timestamp_nanos_opt().unwrap_or_default()
        )
    })
}

/// Checks each URL as a feed ([`crate::pipeline::check_feed`]) within `[fetch]`'s concurrency and
/// per-host limits, calling `progress` after each. Returns, in order, why each one is not a
/// feed (`None`: it is one).
pub async fn check_feeds(
    config: &Config,
    urls: Vec<url::Url>,
    progress: impl Fn(&url::Url) + Send + Sync + 'static,
) -> anyhow::Result<Vec<Option<String>>> {
    let fetcher = Fetcher::new(&config.fetch)?;
    let limits = Limits::new(config.fetch.concurrency, config.fetch.per_host);
    let progress = Arc::new(progress);
    let mut set = JoinSet::new();
    for (i, url) in urls.iter().cloned().enumerate() {
        let (fetcher, limits, progress) = (fetcher.clone(), limits.clone(), progress.clone());
        set.spawn(async move {
            let checked = limits
                .within(&url, crate::pipeline::check_feed(&fetcher, &url))
                .await;
            progress(&url);
            (i, checked.err().map(|e| e.to_string()))
        });
    }
    let mut out = vec![None; urls.len()];
    while let Some(r) = set.join_next().await {
        let (i, why) = r?;
        out[i] = why;
    }
    Ok(out)
}

/// Fetches every enabled source once. Sources in backoff or not yet due after a
/// `Retry-After` are skipped (and listed) unless `force`, which also ignores validators
/// and the unchanged-body skip (see [`Ingest::force`]).
pub async fn fetch_all(
    config: &Config,
    store: &Store,
    force: bool,
    progress: impl Fn(&Outcome) + Send + Sync + 'static,
) -> anyhow::Result<(Vec<Outcome>, Vec<String>)> {
    let ingest = Ingest {
        force,
        ..prepare_ingest(config, store).await?
    };
    // `marsad fetch` fetches what it is asked to now, due or not, but keeps to `per_host`
    // over every instance sharing the database.
    let limits = Limits::for_store(config, store);
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
///
/// The config files are watched (and SIGHUP reloads too). A reload validates everything
/// first: a bad edit is logged as `file:line:col: message`, shown on `/api/status` and the
/// page, and the running config stays in force; a good one re-syncs sources, re-tags stored
/// items when the rules changed, and restarts the per-source tasks, which resume from the
/// fetch state stored for each source.
pub async fn serve(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    crate::push::prepare(&store, &config).await?;
    let hubs = crate::pipeline::Hubs::default();
    // Sources a hub pushes to are polled at the fallback interval from the first fetch on.
    if let Err(e) = crate::push::subscriber::refresh_pushed(&store, &hubs).await {
        warn!(error = %e, "cannot read the WebSub subscriptions; every source is polled as usual");
    }
    let mut scheduler = Scheduler::start(&config, &store, true, &hubs).await?;
    info!(listen = %listener.local_addr()?, sources = config.sources.len(), topics = config.topics.len(), "marsad serving");
    let main_path = config.main_path.clone();
    let watched = [
        config.main_path.clone(),
        config.sources_path.clone(),
        config.topics_path.clone(),
    ];
    let mut state = AppState::new(store.clone(), config);
    Arc::get_mut(&mut state.push)
        .expect("no other handle to the push hub yet")
        .hubs = hubs.clone();
    // Content the sources' hubs push is stored as fetches, a few at once.
    let (inbox_tx, mut inbox) = tokio::sync::mpsc::channel::<crate::push::Pushed>(64);
    state.push.set_inbox(inbox_tx);
    let subscriber = tokio::spawn(crate::push::subscriber::run(
        store.clone(),
        state.config.clone(),
        hubs.clone(),
    ));
    let (reload_tx, mut reload_rx) = tokio::sync::mpsc::channel::<&'static str>(16);
    let _watcher = if main_path.exists() {
        watch_files(&watched, reload_tx.clone())
    } else {
        None // the embedded default config has no files to watch
    };
    spawn_sighup(reload_tx);
    let push = tokio::spawn(crate::push::run(
        store.clone(),
        state.config.clone(),
        state.push.clone(),
    ));
    let mut server = tokio::spawn(server::serve(listener, state.clone(), shutdown));
    notify_systemd();
    // Retention runs at start and then daily; a failure is logged and tried again the next day.
    let pruner = {
        let (store, state) = (store.clone(), state.clone());
        tokio::spawn(async move {
            let mut daily = tokio::time::interval(std::time::Duration::from_secs(86400));
            loop {
                daily.tick().await;
                let config = state.config.read().expect("config lock").clone();
                if let Err(e) = prune(&store, &config).await {
                    warn!(error = %e, "pruning failed");
                }
            }
        })
    };
    let result = loop {
        tokio::select! {
            r = &mut server => break r,
            Some(pushed) = inbox.recv() => {
                let config = state.config.read().expect("config lock").clone();
                match config.sources.iter().find(|s| s.id == pushed.source_id && s.enabled) {
                    Some(source) => {
                        let (ingest, source) = (scheduler.ingest.clone(), source.clone());
                        tokio::spawn(async move {
                            ingest.refresh_pushed(&source, pushed.body, pushed.content_type).await;
                        });
                    }
                    None => info!(source_id = %pushed.source_id, "websub: content pushed for a source no longer fetched; dropped"),
                }
            }
            Some(why) = reload_rx.recv() => {
                // Editors write in several steps: wait for the burst to end.
                tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                while reload_rx.try_recv().is_ok() {}
                reload(&main_path, &state, &store, &mut scheduler, why).await;
            }
        }
    };
    let _ = sd_notify::notify(&[sd_notify::NotifyState::Stopping]);
    pruner.abort();
    push.abort();
    subscriber.abort();
    scheduler.stop().await;
    store.close().await;
    result
        .context("HTTP server task failed")?
        .context("HTTP server failed")
}

/// Tells systemd (`Type=notify`) that marsad listens, and pings its watchdog at half the
/// `WatchdogSec` period. Both are no-ops when not run by systemd.
fn notify_systemd() {
    if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Ready]) {
        warn!(error = %e, "could not notify systemd");
    }
    if let Some(period) = sd_notify::watchdog_enabled() {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period / 2);
            loop {
                tick.tick().await;
                let _ = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]);
            }
        });
    }
}

async fn reload(
    main_path: &std::path::Path,
    state: &AppState,
    store: &Store,
    scheduler: &mut Scheduler,
    why: &str,
) {
    match crate::config::load(main_path) {
        Err(errors) => {
            for e in &errors.0 {
                tracing::error!(
                    trigger = why,
                    "config reload refused, the running config stays in force: {e}"
                );
            }
            *state.notice.write().expect("notice lock") = Some(errors.to_string());
        }
        Ok(new) => {
            if let Err(e) = store.sync_sources(&source_rows(&new)).await {
                tracing::error!(error = %e, "config reload: cannot update sources; the running config stays in force");
                *state.notice.write().expect("notice lock") =
                    Some(format!("database error while reloading: {e}"));
                return;
            }
            scheduler.stop().await;
            let hubs = scheduler.ingest.hubs.clone();
            match Scheduler::start(&new, store, false, &hubs).await {
                Ok(s) => *scheduler = s,
                Err(e) => tracing::error!(error = %e, "config reload: scheduler did not restart"),
            }
            info!(
                trigger = why,
                sources = new.sources.len(),
                topics = new.topics.len(),
                "config reloaded"
            );
            *state.config.write().expect("config lock") = Arc::new(new);
            state.cache.clear();
            *state.notice.write().expect("notice lock") = None;
        }
    }
}

/// Watches the folders of the config files (editors replace files by renaming, which a
/// watch on the file itself would miss) and sends on `tx` when one of them changes.
fn watch_files(
    files: &[std::path::PathBuf],
    tx: tokio::sync::mpsc::Sender<&'static str>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let names: Vec<std::path::PathBuf> = files
        .iter()
        .map(|f| std::path::absolute(f).unwrap_or(f.clone()))
        .collect();
    let wanted = names.clone();
    let mut watcher =
        match notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
            if let Ok(ev) = res {
                let relevant = !matches!(ev.kind, notify::EventKind::Access(_))
                    && ev.paths.iter().any(|p| wanted.iter().any(|w| w == p));
                if relevant {
                    let _ = tx.try_send("file change");
                }
            }
        }) {
            Ok(w) => w,
            Err(e) => {
                warn!(error = %e, "cannot watch config files; reload with SIGHUP");
                return None;
            }
        };
    let mut dirs: Vec<std::path::PathBuf> = names
        .iter()
        .filter_map(|n| n.parent().map(|p| p.to_path_buf()))
        .collect();
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        if let Err(e) = watcher.watch(&d, notify::RecursiveMode::NonRecursive) {
            warn!(dir = %d.display(), error = %e, "cannot watch config folder; reload with SIGHUP");
        }
    }
    Some(watcher)
}

fn spawn_sighup(tx: tokio::sync::mpsc::Sender<&'static str>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            let _ = tx.send("SIGHUP").await;
        }
    });
    #[cfg(not(unix))]
    drop(tx);
}

/// The per-source fetch tasks of one config generation.
struct Scheduler {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    /// What the tasks refresh with; pushed content is stored with it too.
    ingest: Ingest,
}

impl Scheduler {
    /// Compiles the rules, re-tags stored items if they changed, and starts one task per
    /// enabled source, first due as [`schedule::first_due`] says (`spread` at start-up).
    async fn start(
        config: &Config,
        store: &Store,
        spread: bool,
        hubs: &crate::pipeline::Hubs,
    ) -> anyhow::Result<Scheduler> {
        let ingest = Ingest {
            hubs: hubs.clone(),
            ..prepare_ingest(config, store).await?
        };
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(run_scheduler(
            ingest.clone(),
            config.sources.clone(),
            Limits::for_store(config, store),
            stop_rx,
            spread,
        ));
        Ok(Scheduler { stop, task, ingest })
    }

    /// Stops every task and waits for them; a fetch in flight is dropped (its transaction
    /// rolls back) and done again by the next generation.
    async fn stop(&mut self) {
        let _ = self.stop.send(true);
        let _ = (&mut self.task).await;
    }
}

/// One task per enabled source: wait until due, fetch within the limits, repeat.
async fn run_scheduler(
    ingest: Ingest,
    sources: Vec<SourceSpec>,
    limits: Limits,
    stop: watch::Receiver<bool>,
    spread: bool,
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
        let state = states.get(&source.id);
        let (next_due, fetched_before) = (
            state.and_then(|s| s.next_due),
            state.is_some_and(|s| s.last_attempt.is_some()),
        );
        set.spawn(async move {
            let mut due = schedule::first_due(
                &source.id,
                &source.schedule,
                next_due,
                fetched_before,
                spread,
                Utc::now(),
            );
            loop {
                let wait = (due - Utc::now()).to_std().unwrap_or_default();
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return,
                }
                let _claim = match &limits.shared {
                    Some(shared) => match shared.claim(&source).await {
                        Ok(claim) => Some(claim),
                        Err(later) => {
                            due = later;
                            continue;
                        }
                    },
                    None => None,
                };
                let run = async {
                    match &limits.shared {
                        Some(shared) => limits.run_claimed(&ingest, &source, shared).await,
                        None => Ok(limits.run(&ingest, &source).await),
                    }
                };
                let outcome = tokio::select! {
                    o = run => o,
                    _ = stop.changed() => return,
                };
                let outcome = match outcome {
                    Ok(o) => o,
                    Err(later) => {
                        due = later;
                        continue;
                    }
                };
                due = outcome
                    .next_due
                    .unwrap_or_else(|| schedule::next_regular(&source.schedule, Utc::now()));
            }
        });
    }
    while set.join_next().await.is_some() {}
}
