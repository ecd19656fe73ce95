//! `marsad fetch`: every enabled source once, then a summary.

use std::fmt;

use marsad::config::Config;
use marsad::pipeline::Outcome;

use super::{Report, progress_bar};

/// What one pass over the sources did.
#[derive(Debug)]
pub struct FetchReport {
    /// One per source fetched, by source id.
    pub outcomes: Vec<Outcome>,
    /// Sources left alone (in backoff), each with why.
    pub skipped: Vec<String>,
    /// `[storage] retention_days`, named when items were too old to keep.
    pub retention_days: u32,
}

impl Report for FetchReport {}

impl fmt::Display for FetchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (mut new, mut seen, mut too_old) = (0, 0, 0);
        for o in &self.outcomes {
            new += o.report.new;
            seen += o.report.seen;
            too_old += o.too_old;
        }
        for s in &self.skipped {
            writeln!(f, "skipped {s}")?;
        }
        let failed: Vec<_> = self.outcomes.iter().filter(|o| !o.ok).collect();
        for o in &failed {
            writeln!(
                f,
                "failed  {}: {}",
                o.source_id,
                o.error.as_deref().unwrap_or("unknown error")
            )?;
        }
        let too_old = if too_old > 0 {
            format!(
                ", {too_old} too old to keep (retention_days = {})",
                self.retention_days
            )
        } else {
            String::new()
        };
        writeln!(
            f,
            "fetched {} sources: {} ok, {} failed, {} skipped; {} items seen, {} new{too_old}",
            self.outcomes.len() + self.skipped.len(),
            self.outcomes.len() - failed.len(),
            failed.len(),
            self.skipped.len(),
            seen,
            new
        )
    }
}

/// Fetches every enabled source once (all of them with `force`), with a progress bar on a
/// terminal.
pub async fn run(cfg: &Config, force: bool) -> anyhow::Result<FetchReport> {
    let store = marsad::app::open_store(cfg).await?;
    let total = cfg.sources.iter().filter(|s| s.enabled).count() as u64;
    let bar = progress_bar(total);
    let b = bar.clone();
    let (outcomes, skipped) = marsad::app::fetch_all(cfg, &store, force, move |o| {
        b.set_message(o.source_id.clone());
        b.inc(1);
    })
    .await?;
    bar.finish_and_clear();
    store.close().await;
    Ok(FetchReport {
        outcomes,
        skipped,
        retention_days: cfg.storage.retention_days,
    })
}
