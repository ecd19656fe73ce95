//! The stored items: `marsad explain`, `retag`, `prune` and `stats`.

use std::fmt;
use std::sync::Arc;

use marsad::config::Config;
use marsad::tag::Matcher;

use super::{Refusal, Report};

/// Why an item has (or lacks) each topic.
#[derive(Debug)]
pub struct Explanation {
    /// Item id.
    pub id: i64,
    /// Its source.
    pub source_id: String,
    /// Its title.
    pub title: String,
    /// The matcher's account, one line a match, ending in a newline.
    pub explanation: String,
}

impl Report for Explanation {}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "#{} [{}] {}", self.id, self.source_id, self.title)?;
        f.write_str(&self.explanation)
    }
}

/// Explains item `id` with the rules as the files are now.
pub async fn explain(cfg: &Config, id: i64) -> anyhow::Result<Explanation> {
    let store = marsad::app::open_store(cfg).await?;
    let Some(item) = store.item(id).await? else {
        return Err(Refusal::new(format!("no item {id}")).into());
    };
    let matcher = Matcher::compile(&cfg.topics);
    Ok(Explanation {
        explanation: matcher.explain(&item.title, &item.text, cfg.source_place(&item.source_id)),
        id: item.id,
        source_id: item.source_id,
        title: item.title,
    })
}

/// Items re-tagged.
#[derive(Debug)]
pub struct Retagged(pub u64);

impl Report for Retagged {}

impl fmt::Display for Retagged {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "re-tagged {} items", self.0)
    }
}

/// Re-tags every stored item with the current rules.
pub async fn retag(cfg: &Config) -> anyhow::Result<Retagged> {
    let store = marsad::app::open_store(cfg).await?;
    let matcher = Arc::new(Matcher::compile(&cfg.topics));
    let hash = marsad::app::rules_hash(&cfg.topics, &cfg.sources);
    Ok(Retagged(
        marsad::app::retag_all(&store, cfg, matcher, &hash).await?,
    ))
}

/// Items removed by the retention rules.
#[derive(Debug)]
pub struct Pruned {
    /// Past `retention_days`.
    pub by_age: u64,
    /// Over `max_items_per_source`.
    pub by_cap: u64,
    /// `[storage] retention_days`.
    pub retention_days: u32,
    /// `[storage] max_items_per_source`.
    pub max_items_per_source: u32,
}

impl Report for Pruned {}

impl fmt::Display for Pruned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "pruned {} items: {} older than {} days, {} over {} per source",
            self.by_age + self.by_cap,
            self.by_age,
            self.retention_days,
            self.by_cap,
            self.max_items_per_source
        )
    }
}

/// Applies the retention rules now.
pub async fn prune(cfg: &Config) -> anyhow::Result<Pruned> {
    let store = marsad::app::open_store(cfg).await?;
    let (by_age, by_cap) = marsad::app::prune(&store, cfg).await?;
    Ok(Pruned {
        by_age,
        by_cap,
        retention_days: cfg.storage.retention_days,
        max_items_per_source: cfg.storage.max_items_per_source,
    })
}

/// What the database holds.
#[derive(Debug)]
pub struct Stats {
    /// Items stored.
    pub items: i64,
    /// Stories they form.
    pub stories: i64,
    /// Sources in the config (not retired).
    pub sources: i64,
    /// Retired sources.
    pub retired: i64,
    /// The database (file path, or URL without its password).
    pub database: String,
    /// Bytes of a SQLite file and its WAL and shared-memory files.
    pub bytes: Option<u64>,
}

impl Report for Stats {}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "items     {}\nstories   {}\nsources   {} ({} retired)\ndatabase  {}",
            self.items, self.stories, self.sources, self.retired, self.database,
        )?;
        match self.bytes {
            Some(b) => writeln!(f, " ({:.1} MB)", b as f64 / 1e6),
            None => writeln!(f),
        }
    }
}

/// Counts the stored items, stories and sources, and measures the database files.
pub async fn stats(cfg: &Config) -> anyhow::Result<Stats> {
    let store = marsad::app::open_store(cfg).await?;
    let (items, stories, sources, retired) = store.counts().await?;
    store.close().await;
    let bytes = cfg.storage.database.sqlite_path().map(|db| {
        ["", "-wal", "-shm"]
            .iter()
            .filter_map(|s| std::fs::metadata(format!("{}{s}", db.display())).ok())
            .map(|m| m.len())
            .sum()
    });
    Ok(Stats {
        items,
        stories,
        sources,
        retired,
        database: cfg.storage.database.to_string(),
        bytes,
    })
}
