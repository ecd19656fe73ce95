//! The one recipe: fetch → parse → clean → tag → store, for one source.
//!
//! Failures are recorded on the source's state (and logged once per attempt), never raised:
//! one bad source never stops the others. Parsing, cleaning and tagging are CPU work and
//! run on the blocking pool so the async runtime keeps serving HTTP meanwhile.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;
use tracing::{info, warn};

use crate::clean::{self, Context};
use crate::config::{FetchSettings, SourceSpec};
use crate::fetch::{Fetcher, Validators, schedule};
use crate::model::ParsedFeed;
use crate::parse::{self, ParseError};
use crate::store::{FetchRecord, NewItem, SaveReport, Store};
use crate::tag::Matcher;

/// The feed-level facts of a processed body.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    /// Feed title (cleaned).
    pub title: Option<String>,
    /// Site link.
    pub link: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Format name.
    pub format: String,
    /// RSS `<ttl>`.
    pub ttl: Option<u32>,
}

/// A body turned into items ready to store.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Feed facts.
    pub feed: FeedMeta,
    /// Cleaned and tagged items, in feed order.
    pub items: Vec<NewItem>,
    /// Warnings (charset guesses, repairs).
    pub warnings: Vec<String>,
}

/// Parse → clean → tag, without storing (used by the pipeline and by `marsad inspect`).
pub fn process(
    body: &[u8],
    content_type: Option<&str>,
    encoding: Option<&'static Encoding>,
    base: Option<&str>,
    default_language: &str,
    matcher: &Matcher,
) -> Result<Processed, ParseError> {
    let parsed: ParsedFeed = parse::parse(body, content_type, encoding, base)?;
    let base_url = parsed
        .link
        .as_deref()
        .and_then(|l| url::Url::parse(l).ok())
        .or_else(|| base.and_then(|b| url::Url::parse(b).ok()));
    let language = parsed
        .language
        .clone()
        .unwrap_or_else(|| default_language.to_string());
    let ctx = Context {
        base: base_url,
        language: language.clone(),
    };
    let items = parsed
        .entries
        .iter()
        .map(|e| {
            let entry = clean::clean_entry(e, &ctx);
            let tags = matcher.tag_normalized(
                &entry.norm_title,
                &entry.norm_text,
                crate::tag::lead_words(&entry.text),
            );
            NewItem { entry, tags }
        })
        .collect();
    Ok(Processed {
        feed: FeedMeta {
            title: parsed.title.as_deref().map(clean::html::plain_text),
            link: parsed.link,
            language: parsed.language,
            format: parsed.format,
            ttl: parsed.ttl,
        },
        items,
        warnings: parsed.warnings,
    })
}

/// What one refresh did, for logs and `marsad fetch`'s summary.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Source slug.
    pub source_id: String,
    /// Whether it succeeded.
    pub ok: bool,
    /// HTTP status, when an answer came.
    pub status: Option<u16>,
    /// The error, when it failed.
    pub error: Option<String>,
    /// 304, or unchanged body: nothing parsed.
    pub unchanged: bool,
    /// Items seen/new/updated.
    pub report: SaveReport,
    /// When it is due next.
    pub next_due: Option<DateTime<Utc>>,
}

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
}

impl Ingest {
    /// Refreshes one source now and records the outcome on it (and in the metrics).
    pub async fn refresh(&self, source: &SourceSpec) -> Outcome {
        let started = std::time::Instant::now();
        let outcome = self.refresh_inner(source).await;
        let m = crate::metrics::metrics();
        m.fetch_seconds.observe(started.elapsed().as_secs_f64());
        let label = match (outcome.ok, outcome.unchanged) {
            (false, _) => "error",
            (true, true) => "not_modified",
            (true, false) => "ok",
        };
        m.fetches
            .get_or_create(&crate::metrics::FetchLabels {
                source: source.id.clone(),
                outcome: label.into(),
            })
            .inc();
        m.items_stored.inc_by(u64::from(outcome.report.new));
        outcome
    }

    async fn refresh_inner(&self, source: &SourceSpec) -> Outcome {
        let now = Utc::now();
        let state = self.store.source(&source.id).await.ok().flatten();
        let failures = state.as_ref().map_or(0, |s| s.consecutive_failures);
        let validators = Validators {
            etag: state.as_ref().and_then(|s| s.etag.clone()),
            last_modified: state.as_ref().and_then(|s| s.last_modified.clone()),
        };
        let mut outcome = Outcome {
            source_id: source.id.clone(),
            ..Outcome::default()
        };
        let fail = |outcome: &mut Outcome,
                    status: Option<u16>,
                    error: String,
                    retry_after: Option<Duration>| {
            let next = schedule::after_failure(
                &source.schedule,
                now,
                failures + 1,
                retry_after,
                &self.settings,
            );
            warn!(source_id = %source.id, url = %source.url, status = ?status, error = %error, next_due = %next, "fetch failed");
            outcome.ok = false;
            outcome.status = status;
            outcome.error = Some(error.clone());
            outcome.next_due = Some(next);
            FetchRecord {
                attempted: now,
                success: false,
                http_status: status,
                error: Some(error),
                next_due: next,
                ..FetchRecord::default()
            }
        };

        let fetched = match self.fetcher.fetch(&source.url, &validators).await {
            Ok(f) => f,
            Err(e) => {
                let rec = fail(&mut outcome, e.status(), e.to_string(), e.retry_after());
                self.record(&source.id, &rec).await;
                return outcome;
            }
        };
        if let Some(to) = &fetched.moved_to {
            warn!(source_id = %source.id, url = %source.url, moved_to = %to, "feed moved permanently; update sources.toml");
        }
        let body_hash = format!(
            "{:016x}-{}",
            crate::model::stable_hash(&fetched.body),
            fetched.body.len()
        );
        let unchanged = fetched.not_modified
            || state.as_ref().and_then(|s| s.body_hash.as_deref()) == Some(&body_hash);
        if unchanged {
            let next =
                schedule::after_success(&source.schedule, now, fetched.fresh_for, &self.settings);
            outcome.ok = true;
            outcome.unchanged = true;
            outcome.status = Some(fetched.status);
            outcome.next_due = Some(next);
            let rec = FetchRecord {
                attempted: now,
                success: true,
                http_status: Some(fetched.status),
                next_due: next,
                etag: fetched.validators.etag.clone(),
                last_modified: fetched.validators.last_modified.clone(),
                items_new: Some(0),
                permanent_redirect: fetched.moved_to.as_ref().map(|u| u.to_string()),
                ..FetchRecord::default()
            };
            self.record(&source.id, &rec).await;
            return outcome;
        }

        // CPU work runs on the blocking pool, one job per core: more would only add
        // context switches and memory while 32 fetches are in flight.
        let cpu = cpu_slots().acquire().await.expect("never closed");
        let matcher = self.matcher.clone();
        let base = fetched.final_url.to_string();
        let content_type = fetched.content_type.clone();
        let encoding = source.encoding;
        let language = source.language.clone();
        let body = fetched.body;
        let cut = fetched.truncated.then(|| {
            format!(
                "body larger than the limit of {} bytes: only the first {0} bytes were read",
                self.settings.max_body_bytes
            )
        });
        let processed = tokio::task::spawn_blocking(move || {
            process(
                &body,
                content_type.as_deref(),
                encoding,
                Some(&base),
                &language,
                &matcher,
            )
        })
        .await;
        drop(cpu);
        let processed = match processed {
            Ok(Ok(mut p)) => {
                p.warnings.extend(cut);
                p
            }
            Ok(Err(e)) => {
                let error = match cut {
                    Some(cut) => format!("{cut}, and they hold no feed item: {e}"),
                    None => e.to_string(),
                };
                let rec = fail(&mut outcome, Some(fetched.status), error, None);
                self.record(&source.id, &rec).await;
                return outcome;
            }
            Err(e) => {
                let rec = fail(
                    &mut outcome,
                    Some(fetched.status),
                    format!("processing panicked: {e}"),
                    None,
                );
                self.record(&source.id, &rec).await;
                return outcome;
            }
        };
        for tag in processed.items.iter().flat_map(|i| &i.tags) {
            crate::metrics::metrics()
                .tags
                .get_or_create(&crate::metrics::TopicLabels {
                    topic: tag.slug.clone(),
                })
                .inc();
        }
        for w in &processed.warnings {
            warn!(source_id = %source.id, url = %source.url, warning = %w, "feed needed repair");
        }
        let report = match self
            .store
            .save_items(&source.id, &processed.items, now)
            .await
        {
            Ok(r) => r,
            Err(e) => {
                // Not saved: the validators and body hash are not recorded either, so the
                // next attempt fetches and stores the same items again.
                let rec = fail(
                    &mut outcome,
                    Some(fetched.status),
                    format!("could not store items: {e}"),
                    None,
                );
                self.record(&source.id, &rec).await;
                return outcome;
            }
        };
        let ttl = processed
            .feed
            .ttl
            .map(|m| Duration::from_secs(u64::from(m) * 60));
        let hint = match (fetched.fresh_for, ttl) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let next = schedule::after_success(&source.schedule, now, hint, &self.settings);
        info!(source_id = %source.id, seen = report.seen, new = report.new, updated = report.updated, next_due = %next, "fetched");
        outcome.ok = true;
        outcome.status = Some(fetched.status);
        outcome.report = report;
        outcome.next_due = Some(next);
        let rec = FetchRecord {
            attempted: now,
            success: true,
            http_status: Some(fetched.status),
            error: None,
            next_due: next,
            etag: fetched.validators.etag,
            last_modified: fetched.validators.last_modified,
            body_hash: Some(body_hash),
            items_seen: Some(report.seen),
            items_new: Some(report.new),
            permanent_redirect: fetched.moved_to.map(|u| u.to_string()),
            feed_title: processed.feed.title,
            feed_link: processed.feed.link,
            warnings: (!processed.warnings.is_empty()).then(|| processed.warnings.join("; ")),
        };
        self.record(&source.id, &rec).await;
        outcome
    }

    async fn record(&self, id: &str, rec: &FetchRecord) {
        if let Err(e) = self.store.record_fetch(id, rec).await {
            warn!(source_id = %id, error = %e, "could not record fetch state");
        }
    }
}

fn cpu_slots() -> &'static tokio::sync::Semaphore {
    static S: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}
