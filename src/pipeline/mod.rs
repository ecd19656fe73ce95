//! The one recipe for a source: fetch → parse → clean → tag → store, then record the
//! outcome.
//!
//! [`Ingest::refresh`] reads top to bottom: a conditional request, the unchanged-body
//! skip, parse/clean/tag on the blocking pool, the retention cut, full-text pages, one
//! transaction of items. Each way it can end is a [`FetchOutcome`], and `Ingest::record`
//! is the one place that turns it into the source's stored state, the next due time, the
//! log line and the metrics. A bad source is data, never raised: one bad source never
//! stops the others. The article-page step of `full_text` sources is in `full_text`.

mod full_text;
mod ingest;
mod stories;
pub mod websub;

use std::time::Duration;

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;
use tracing::{info, warn};

use crate::clean::{self, Context};
use crate::config::SourceSpec;
use crate::fetch::{Fetched, Fetcher, Validators, schedule};
use crate::model::ParsedFeed;
pub use crate::model::{FeedMeta, NewItem, Processed};
use crate::parse::{self, ParseError};
use crate::store::{FetchRecord, SaveReport, SourceState};
use crate::tag::Matcher;

pub use full_text::{Page, inspect_page};
pub use ingest::Ingest;
use ingest::cpu_slots;
pub use stories::Stories;
pub use websub::{Advertised, Hubs};

/// Parse → clean → tag, without storing (used by the pipeline and by `marsad inspect`).
pub fn process(
    body: &[u8],
    content_type: Option<&str>,
    encoding: Option<&'static Encoding>,
    base: Option<&str>,
    default_language: &str,
    place: Option<&str>,
    matcher: &Matcher,
) -> Result<Processed, ParseError> {
    let parsed: ParsedFeed =
        parse::parse_with_language(body, content_type, encoding, base, Some(default_language))?;
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
                crate::tag::lead(&entry.text),
                place,
            );
            let search_terms = search_terms(&entry);
            NewItem {
                entry,
                tags,
                search_terms,
            }
        })
        .collect();
    Ok(Processed {
        feed: FeedMeta {
            title: parsed.title.as_deref().map(clean::html::plain_text),
            link: parsed.link,
            language: parsed.language,
            format: parsed.format,
            ttl: parsed.ttl,
            websub: parsed.hub.map(|hub| {
                // Relative links are read against the feed's own URL.
                let absolute = |u: &str| {
                    base.and_then(|b| url::Url::parse(b).ok())
                        .and_then(|b| b.join(u).ok())
                        .map_or_else(|| u.to_string(), String::from)
                };
                let topic = parsed
                    .self_url
                    .as_deref()
                    .map_or_else(|| base.unwrap_or("").to_string(), absolute);
                (absolute(&hub), topic)
            }),
        },
        items,
        warnings: parsed.warnings,
    })
}

/// Why a URL was not taken as a feed by [`check_feed`].
#[derive(Debug)]
pub enum NotAFeed {
    /// No answer, or an error status.
    Fetch(crate::fetch::FetchError),
    /// An answer that is not a feed, and the feeds it links to if it is a web page.
    Parse {
        /// Why it is not a feed.
        error: ParseError,
        /// The feeds the page announces (`<link rel="alternate">`).
        links: Vec<parse::discover::FeedLink>,
    },
}

impl std::fmt::Display for NotAFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotAFeed::Fetch(e) => write!(f, "{e}"),
            NotAFeed::Parse { error, links } if links.is_empty() => match error {
                ParseError::HtmlPage => write!(f, "{error}, and it links to no feed"),
                _ => write!(f, "{error}"),
            },
            NotAFeed::Parse { error, links } => {
                let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
                write!(f, "{error}; it links to {}", urls.join(", "))
            }
        }
    }
}

/// Fetches `url` once and parses it as a feed: how `sources add` and `sources import-opml`
/// check a URL before writing it. A web page's feed links come back in the error.
pub async fn check_feed(fetcher: &Fetcher, url: &url::Url) -> Result<ParsedFeed, NotAFeed> {
    let fetched = fetcher
        .fetch(url, &Validators::default())
        .await
        .map_err(NotAFeed::Fetch)?;
    let content_type = fetched.content_type.as_deref();
    parse::parse(
        &fetched.body,
        content_type,
        None,
        Some(fetched.final_url.as_str()),
    )
    .map_err(|error| NotAFeed::Parse {
        links: parse::discover::feed_links(&fetched.body, content_type, None, &fetched.final_url),
        error,
    })
}

/// How one fetch of a source ended, with what recording it needs.
#[derive(Debug)]
pub enum FetchOutcome {
    /// 304, or the same body as last time (and not `--force`): nothing parsed.
    NotModified {
        /// HTTP status (200 or 304).
        status: u16,
        /// The answer's validators.
        validators: Validators,
        /// Target of a permanent redirect on the way.
        moved_to: Option<url::Url>,
        /// The server's freshness hint (`Cache-Control`, `Expires`).
        fresh_for: Option<Duration>,
    },
    /// The body was parsed and its items stored.
    Stored(Box<Stored>),
    /// Nothing stored: the request, the parse, the page states or the store failed.
    Failed {
        /// HTTP status, when an answer came.
        status: Option<u16>,
        /// What went wrong.
        error: String,
        /// The server's `Retry-After`.
        retry_after: Option<Duration>,
    },
}

/// A body stored: [`FetchOutcome::Stored`]'s data.
#[derive(Debug)]
pub struct Stored {
    /// HTTP status.
    pub status: u16,
    /// The answer's validators.
    pub validators: Validators,
    /// Target of a permanent redirect on the way.
    pub moved_to: Option<url::Url>,
    /// The longer of the server's freshness hint and the feed's `<ttl>`.
    pub fresh_for: Option<Duration>,
    /// Key of the body (with the retention), to skip it unchanged next time.
    pub body_hash: String,
    /// Items seen/new/updated (`seen` counts the feed's items, too old ones included).
    pub report: SaveReport,
    /// Items left out as older than `retention_days`.
    pub too_old: u32,
    /// The feed's title and link.
    pub feed: FeedMeta,
    /// Parser warnings (repairs, charset guesses, a cut body).
    pub warnings: Vec<String>,
}

/// Why a fetched body gave no items to store.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Not a feed, or a feed the parser cannot read.
    #[error(transparent)]
    Parse(ParseError),
    /// A body cut at the size limit in which not one whole item survived.
    #[error("{}, and they hold no feed item: {source}", cut_warning(*.limit))]
    CutNoItem {
        /// `max_body_bytes`.
        limit: u64,
        /// Why the cut body did not parse.
        #[source]
        source: ParseError,
    },
    /// The parse, clean and tag job panicked.
    #[error("processing panicked: {0}")]
    Panicked(tokio::task::JoinError),
}

/// The warning kept with the items of a body cut at `max_body_bytes`.
fn cut_warning(limit: u64) -> String {
    format!("body larger than the limit of {limit} bytes: only the first {limit} bytes were read")
}

/// What one refresh did, for logs and `marsad fetch`'s summary: a [`FetchOutcome`] as
/// recorded, flattened.
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
    /// Items seen/new/updated (`seen` counts the feed's items, too old ones included).
    pub report: SaveReport,
    /// Items left out because they are older than `retention_days` (pruning would delete
    /// them right after storing them).
    pub too_old: u32,
    /// When it is due next.
    pub next_due: Option<DateTime<Utc>>,
}

impl Ingest {
    /// Refreshes one source now and records the outcome on it (and in the metrics).
    pub async fn refresh(&self, source: &SourceSpec) -> Outcome {
        let started = std::time::Instant::now();
        let now = Utc::now();
        let state = self.store.source(&source.id).await.ok().flatten();
        let outcome = self.fetch_and_store(source, state.as_ref(), now).await;
        let failures = state.as_ref().map_or(0, |s| s.consecutive_failures);
        let summary = self.record(source, now, failures, outcome).await;
        crate::metrics::metrics()
            .fetch_seconds
            .observe(started.elapsed().as_secs_f64());
        summary
    }

    /// The recipe: request → unchanged? → parse, clean, tag → retention → article pages →
    /// store.
    async fn fetch_and_store(
        &self,
        source: &SourceSpec,
        state: Option<&SourceState>,
        now: DateTime<Utc>,
    ) -> FetchOutcome {
        let validators = match (self.force, state) {
            (false, Some(s)) => Validators {
                etag: s.etag.clone(),
                last_modified: s.last_modified.clone(),
            },
            _ => Validators::default(),
        };
        let fetched = match self.fetcher.fetch(&source.url, &validators).await {
            Ok(f) => f,
            Err(e) => {
                return FetchOutcome::Failed {
                    status: e.status(),
                    error: e.to_string(),
                    retry_after: e.retry_after(),
                };
            }
        };
        if let Some(to) = &fetched.moved_to {
            warn!(source_id = %source.id, url = %source.url, moved_to = %to, "feed moved permanently; update sources.toml");
        }
        self.store_body(source, state, fetched, now).await
    }

    /// Stores what a source's WebSub hub pushed, as the body of a fetch of the source: the
    /// same parse, clean, tag and store, recorded on the source like a fetch (its
    /// validators kept, so the next poll stays conditional).
    pub async fn refresh_pushed(
        &self,
        source: &SourceSpec,
        mut body: Vec<u8>,
        content_type: Option<String>,
    ) -> Outcome {
        let now = Utc::now();
        let state = self.store.source(&source.id).await.ok().flatten();
        let limit = usize::try_from(self.settings.max_body_bytes).unwrap_or(usize::MAX);
        let truncated = body.len() > limit;
        body.truncate(limit);
        let fetched = Fetched {
            final_url: source.url.clone(),
            status: 200,
            not_modified: false,
            content_type,
            links: Vec::new(),
            validators: Validators {
                etag: state.as_ref().and_then(|s| s.etag.clone()),
                last_modified: state.as_ref().and_then(|s| s.last_modified.clone()),
            },
            body,
            truncated,
            fresh_for: None,
            moved_to: None,
        };
        let outcome = self.store_body(source, state.as_ref(), fetched, now).await;
        let failures = state.as_ref().map_or(0, |s| s.consecutive_failures);
        self.record(source, now, failures, outcome).await
    }

    /// The recipe after the request: unchanged? → parse, clean, tag → retention → article
    /// pages → store.
    async fn store_body(
        &self,
        source: &SourceSpec,
        state: Option<&SourceState>,
        mut fetched: Fetched,
        now: DateTime<Utc>,
    ) -> FetchOutcome {
        let status = fetched.status;
        let failed = |error: String| FetchOutcome::Failed {
            status: Some(status),
            error,
            retry_after: None,
        };
        // The retention is part of the key: which of a body's items are kept depends on it,
        // so after a change the same body is parsed again.
        let body_hash = format!(
            "{:016x}-{}-r{}",
            crate::model::stable_hash(&fetched.body),
            fetched.body.len(),
            self.retention_days
        );
        let unchanged = fetched.not_modified
            || (!self.force && state.and_then(|s| s.body_hash.as_deref()) == Some(&body_hash));
        if unchanged {
            return FetchOutcome::NotModified {
                status,
                validators: fetched.validators,
                moved_to: fetched.moved_to,
                fresh_for: fetched.fresh_for,
            };
        }

        let mut processed = match self.process_off_thread(source, &mut fetched).await {
            Ok(p) => p,
            Err(error) => return failed(error.to_string()),
        };
        // WebSub: a hub named in the response's `Link` headers takes precedence over the
        // one in the document.
        if let Some(found) = websub::from_link_headers(&fetched.links, &fetched.final_url) {
            processed.feed.websub = Some(found);
        }
        // Items past the retention are left out before their pages are fetched.
        let (items, too_old) = within_retention(
            std::mem::take(&mut processed.items),
            self.retention_days,
            now,
        );
        processed.items = items;
        let (pages, unchanged_items) = if source.full_text {
            match self.full_text(source, &mut processed.items, now).await {
                Ok(r) => r,
                // Saving the feed's bodies now could overwrite stored articles: fail the
                // refresh instead (nothing is recorded, so it is all done again).
                Err(e) => return failed(format!("could not read article page states: {e}")),
            }
        } else {
            (Vec::new(), 0)
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
        let mut report = match self
            .stories
            .save(&self.store, &source.id, &processed.items, now)
            .await
        {
            Ok(r) => r,
            // Not saved: the validators and body hash are not recorded either, so the next
            // attempt fetches and stores the same items again.
            Err(e) => return failed(format!("could not store items: {e}")),
        };
        report.seen += unchanged_items + too_old;
        if !pages.is_empty()
            && let Err(e) = self.store.save_pages(&source.id, &pages).await
        {
            warn!(source_id = %source.id, error = %e, "could not store article page states; the pages will be fetched again");
        }
        let ttl = processed
            .feed
            .ttl
            .map(|m| Duration::from_secs(u64::from(m) * 60));
        FetchOutcome::Stored(Box::new(Stored {
            status,
            validators: fetched.validators,
            moved_to: fetched.moved_to,
            fresh_for: match (fetched.fresh_for, ttl) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            body_hash,
            report,
            too_old,
            feed: processed.feed,
            warnings: processed.warnings,
        }))
    }

    /// Parse, clean and tag a body on the blocking pool, one job per core: more would only
    /// add context switches and memory while many fetches are in flight. A body cut at
    /// `max_body_bytes` keeps its complete items, with a warning. Takes the body out of
    /// `fetched`.
    async fn process_off_thread(
        &self,
        source: &SourceSpec,
        fetched: &mut Fetched,
    ) -> Result<Processed, ProcessError> {
        let cpu = cpu_slots().acquire().await.expect("never closed");
        let matcher = self.matcher.clone();
        let base = fetched.final_url.to_string();
        let content_type = fetched.content_type.clone();
        let encoding = source.encoding;
        let language = source.language.clone();
        let place = source.place.clone();
        let body = std::mem::take(&mut fetched.body);
        let cut = fetched.truncated.then_some(self.settings.max_body_bytes);
        let processed = tokio::task::spawn_blocking(move || {
            process(
                &body,
                content_type.as_deref(),
                encoding,
                Some(&base),
                &language,
                place.as_deref(),
                &matcher,
            )
        })
        .await;
        drop(cpu);
        match processed {
            Ok(Ok(mut p)) => {
                p.warnings.extend(cut.map(cut_warning));
                Ok(p)
            }
            Ok(Err(source)) => Err(match cut {
                Some(limit) => ProcessError::CutNoItem { limit, source },
                None => ProcessError::Parse(source),
            }),
            Err(e) => Err(ProcessError::Panicked(e)),
        }
    }

    /// Records how a fetch ended: the one place that turns a [`FetchOutcome`] into the
    /// source's stored state and next due time, its log line and its metrics.
    async fn record(
        &self,
        source: &SourceSpec,
        now: DateTime<Utc>,
        failures: u32,
        outcome: FetchOutcome,
    ) -> Outcome {
        let mut summary = Outcome {
            source_id: source.id.clone(),
            ok: true,
            ..Outcome::default()
        };
        let (label, record) = match outcome {
            FetchOutcome::Failed {
                status,
                error,
                retry_after,
            } => {
                let next = schedule::after_failure(
                    &source.schedule,
                    now,
                    failures + 1,
                    retry_after,
                    &self.settings,
                );
                warn!(source_id = %source.id, url = %source.url, status = ?status, error = %error, next_due = %next, "fetch failed");
                summary.ok = false;
                summary.status = status;
                summary.error = Some(error.clone());
                summary.next_due = Some(next);
                let record = FetchRecord {
                    attempted: now,
                    success: false,
                    http_status: status,
                    error: Some(error),
                    next_due: next,
                    ..FetchRecord::default()
                };
                ("error", record)
            }
            FetchOutcome::NotModified {
                status,
                validators,
                moved_to,
                fresh_for,
            } => {
                let next = schedule::after_success(
                    &source.schedule,
                    now,
                    self.hint(source, fresh_for),
                    &self.settings,
                );
                summary.unchanged = true;
                summary.status = Some(status);
                summary.next_due = Some(next);
                let record = FetchRecord {
                    attempted: now,
                    success: true,
                    http_status: Some(status),
                    next_due: next,
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                    items_new: Some(0),
                    permanent_redirect: moved_to.map(|u| u.to_string()),
                    ..FetchRecord::default()
                };
                ("not_modified", record)
            }
            FetchOutcome::Stored(s) => {
                let Stored {
                    status,
                    validators,
                    moved_to,
                    fresh_for,
                    body_hash,
                    report,
                    too_old,
                    feed,
                    warnings,
                } = *s;
                self.hubs.advertise(
                    &source.id,
                    feed.websub
                        .clone()
                        .map(|(hub, topic)| websub::Advertised { hub, topic }),
                );
                let next = schedule::after_success(
                    &source.schedule,
                    now,
                    self.hint(source, fresh_for),
                    &self.settings,
                );
                info!(source_id = %source.id, seen = report.seen, new = report.new, updated = report.updated, too_old, retention_days = self.retention_days, next_due = %next, "fetched");
                summary.status = Some(status);
                summary.report = report;
                summary.too_old = too_old;
                summary.next_due = Some(next);
                let record = FetchRecord {
                    attempted: now,
                    success: true,
                    http_status: Some(status),
                    error: None,
                    next_due: next,
                    etag: validators.etag,
                    last_modified: validators.last_modified,
                    body_hash: Some(body_hash),
                    items_seen: Some(report.seen),
                    items_new: Some(report.new),
                    items_too_old: Some(too_old),
                    permanent_redirect: moved_to.map(|u| u.to_string()),
                    feed_title: feed.title,
                    feed_link: feed.link,
                    warnings: (!warnings.is_empty()).then(|| warnings.join("; ")),
                };
                ("ok", record)
            }
        };
        if let Err(e) = self.store.record_fetch(&source.id, &record).await {
            warn!(source_id = %source.id, error = %e, "could not record fetch state");
        }
        let m = crate::metrics::metrics();
        m.fetches
            .get_or_create(&crate::metrics::FetchLabels {
                source: source.id.clone(),
                outcome: label.into(),
            })
            .inc();
        m.items_stored.inc_by(u64::from(summary.report.new));
        summary
    }
}

impl Ingest {
    /// The server's freshness hint, or for a source a WebSub hub pushes to, at least
    /// `[push] fallback_interval`: polling is then only a safety net for lost pushes.
    fn hint(&self, source: &SourceSpec, fresh_for: Option<Duration>) -> Option<Duration> {
        if self.hubs.is_pushed(&source.id) {
            Some(fresh_for.map_or(self.fallback_interval, |f| f.max(self.fallback_interval)))
        } else {
            fresh_for
        }
    }
}

/// Leaves out items older than `retention_days` (0 keeps all) and counts them: stored, they
/// would be deleted by the next prune and, the feed unchanged, never come back. "Older" is
/// judged on the date the store sorts and prunes by (publication, clamped to `now`; no
/// date counts as `now`).
fn within_retention(
    items: Vec<NewItem>,
    retention_days: u32,
    now: DateTime<Utc>,
) -> (Vec<NewItem>, u32) {
    if retention_days == 0 {
        return (items, 0);
    }
    let cutoff = now - chrono::Duration::days(i64::from(retention_days));
    let before = items.len();
    let kept: Vec<_> = items
        .into_iter()
        .filter(|i| i.entry.published.map_or(now, |p| p.min(now)) >= cutoff)
        .collect();
    let too_old = (before - kept.len()) as u32;
    (kept, too_old)
}

/// An entry's full-text search terms, from the matching form cleaning computed.
fn search_terms(e: &crate::model::CleanEntry) -> String {
    crate::text::arabic::search_terms_of_words(&crate::text::arabic::join_words(
        &e.norm_title,
        &e.norm_text,
    ))
}
