//! `marsad check`: the config is valid (loading it checked everything); warn about terms
//! that look too broad.

use std::fmt;
use std::path::PathBuf;

use marsad::config::Config;
use marsad::tag::{Matcher, TermWarning};

use super::Report;

/// A valid config and the warnings about its topic terms.
#[derive(Debug)]
pub struct CheckReport {
    /// The main config file.
    pub main_path: PathBuf,
    /// Sources configured.
    pub sources: usize,
    /// Topics configured.
    pub topics: usize,
    /// Stop-word, short or over-broad terms, the rules' own first, then those that match a
    /// large share of the stored items.
    pub warnings: Vec<TermWarning>,
    /// Sources whose `place` settles no reading: (source id, place).
    pub idle_places: Vec<(String, String)>,
}

impl Report for CheckReport {}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "ok: {} ({} sources, {} topics)",
            self.main_path.display(),
            self.sources,
            self.topics
        )?;
        for w in &self.warnings {
            writeln!(
                f,
                "warning: topic {}: term {:?} {}",
                w.topic, w.term, w.reason
            )?;
        }
        for (id, place) in &self.idle_places {
            writeln!(
                f,
                "warning: source {id}: place {place:?} is no cue of any term with two readings: it changes no tag"
            )?;
        }
        Ok(())
    }
}

/// Checks the loaded config's rules, and against the stored items when there is a database.
pub async fn run(cfg: &Config) -> anyhow::Result<CheckReport> {
    let mut warnings = marsad::tag::term_warnings(&cfg.topics);
    if cfg
        .storage
        .database
        .sqlite_path()
        .is_none_or(std::path::Path::exists)
    {
        warnings.extend(term_share_warnings(cfg).await?);
    }
    let matcher = Matcher::compile(&cfg.topics);
    let idle_places = cfg
        .sources
        .iter()
        .filter_map(|s| Some((s.id.clone(), s.place.clone()?)))
        .filter(|(_, place)| matcher.place_readings(place) == 0)
        .collect();
    Ok(CheckReport {
        main_path: cfg.main_path.clone(),
        sources: cfg.sources.len(),
        topics: cfg.topics.len(),
        warnings,
        idle_places,
    })
}

/// Terms that match a large share of the items already stored (read in batches, as
/// `retag` does); the database is opened without syncing sources, so `check` changes nothing.
async fn term_share_warnings(cfg: &Config) -> anyhow::Result<Vec<TermWarning>> {
    let store = marsad::app::connect(&cfg.storage).await?;
    let matcher = Matcher::compile(&cfg.topics);
    let (mut after, mut total) = (0, 0);
    let mut counts: Vec<Vec<usize>> = cfg.topics.iter().map(|t| vec![0; t.terms.len()]).collect();
    loop {
        let batch = store.item_texts(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.0;
        total += batch.len();
        let found =
            matcher.term_item_counts(batch.iter().map(|(_, _, t, x)| (t.as_str(), x.as_str())));
        for (c, f) in counts.iter_mut().flatten().zip(found.iter().flatten()) {
            *c += f;
        }
    }
    store.close().await;
    Ok(marsad::tag::share_warnings(&cfg.topics, &counts, total))
}
