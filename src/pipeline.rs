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
use crate::model::{CleanEntry, ParsedFeed, TopicTag};
use crate::parse::{self, ParseError};
use crate::store::{FetchRecord, NewItem, PageRecord, SaveReport, Store};
use crate::tag::Matcher;
use crate::{story, text};

mod stories;
pub use stories::Stories;

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
                crate::tag::lead_words(&entry.text),
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
    /// Items seen/new/updated (`seen` counts the feed's items, too old ones included).
    pub report: SaveReport,
    /// Items left out because they are older than `retention_days` (pruning would delete
    /// them right after storing them).
    pub too_old: u32,
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
    /// `[storage] retention_days` (0 keeps everything): older items are not stored.
    pub retention_days: u32,
    /// `marsad fetch --force`: send no validators and parse an unchanged body again, so a
    /// feed is reconsidered after a change that the server's 304 or the body hash cannot
    /// see (a longer retention, new rules).
    pub force: bool,
    /// Limits for article pages (`full_text` sources), apart from the feeds' own.
    pub pages: crate::fetch::HostLimits,
    /// Story grouping of the items saved.
    pub stories: Stories,
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
        let validators = match (self.force, &state) {
            (false, Some(s)) => Validators {
                etag: s.etag.clone(),
                last_modified: s.last_modified.clone(),
            },
            _ => Validators::default(),
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
        // The retention is part of the key: which of a body's items are kept depends on it,
        // so after a change the same body is parsed again.
        let body_hash = format!(
            "{:016x}-{}-r{}",
            crate::model::stable_hash(&fetched.body),
            fetched.body.len(),
            self.retention_days
        );
        let unchanged = fetched.not_modified
            || (!self.force
                && state.as_ref().and_then(|s| s.body_hash.as_deref()) == Some(&body_hash));
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
        let mut processed = processed;
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
                Err(e) => {
                    // Saving the feed's bodies now could overwrite stored articles: fail
                    // the refresh instead (nothing is recorded, so it is all done again).
                    let rec = fail(
                        &mut outcome,
                        Some(fetched.status),
                        format!("could not read article page states: {e}"),
                        None,
                    );
                    self.record(&source.id, &rec).await;
                    return outcome;
                }
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
        let report = match self
            .stories
            .save(&self.store, &source.id, &processed.items, now)
            .await
        {
            Ok(mut r) => {
                r.seen += unchanged_items + too_old;
                if !pages.is_empty()
                    && let Err(e) = self.store.save_pages(&source.id, &pages).await
                {
                    warn!(source_id = %source.id, error = %e, "could not store article page states; the pages will be fetched again");
                }
                r
            }
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
        info!(source_id = %source.id, seen = report.seen, new = report.new, updated = report.updated, too_old, retention_days = self.retention_days, next_due = %next, "fetched");
        outcome.ok = true;
        outcome.status = Some(fetched.status);
        outcome.report = report;
        outcome.too_old = too_old;
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
            items_too_old: Some(too_old),
            permanent_redirect: fetched.moved_to.map(|u| u.to_string()),
            feed_title: processed.feed.title,
            feed_link: processed.feed.link,
            warnings: (!processed.warnings.is_empty()).then(|| processed.warnings.join("; ")),
        };
        self.record(&source.id, &rec).await;
        outcome
    }

    /// Full text for a `full_text` source's items: fetch each item's page (once per item
    /// version), take the article out, clean it like feed content, and re-tag the item
    /// with it. Items whose feed version already had its page handled are taken out of
    /// `items` (their stored body, from the page or not, stays; their count is returned).
    /// Returns the page records to store once the items are saved; fails only when the
    /// stored page states cannot be read.
    async fn full_text(
        &self,
        source: &SourceSpec,
        items: &mut Vec<NewItem>,
        now: DateTime<Utc>,
    ) -> Result<(Vec<PageRecord>, u32), crate::store::StoreError> {
        let guids: Vec<&str> = items.iter().map(|i| i.entry.guid.as_str()).collect();
        let states = self.store.page_states(&source.id, &guids).await?;
        let before = items.len();
        let hashes: Vec<String> = items.iter().map(|i| feed_hash(&i.entry)).collect();
        let keep: Vec<bool> = hashes
            .iter()
            .zip(items.iter())
            .map(|(h, i)| {
                states
                    .get(&i.entry.guid)
                    .is_none_or(|s| &s.record.feed_hash != h)
            })
            .collect();
        let mut keep = keep.into_iter();
        let mut hashes_kept = Vec::new();
        let mut idx = 0;
        items.retain(|_| {
            let k = keep.next().unwrap_or(true);
            if k {
                hashes_kept.push(hashes[idx].clone());
            }
            idx += 1;
            k
        });
        let unchanged = (before - items.len()) as u32;

        // Per page: fetch, then extract, clean and tag on the blocking pool. A page's permit
        // is held until its body is dropped, so at most `page_concurrency` bodies (each at
        // most `max_body_bytes`) are in memory at once, however many items a feed has.
        let (encoding, rules) = (source.encoding, Arc::new(source.article.clone()));
        let max_body = self.settings.max_body_bytes;
        type Done = (Option<(CleanEntry, Vec<TopicTag>)>, Page);
        let mut done: Vec<Done> = items
            .iter()
            .map(|_| (None, Page::skipped("the item has no web link")))
            .collect();
        let mut set = tokio::task::JoinSet::new();
        for (i, item) in items.iter().enumerate() {
            let Some(url) = item
                .entry
                .url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok())
            else {
                continue;
            };
            let state = states.get(&item.entry.guid);
            // Validators only when the stored body came from this very page: a 304 then
            // means that body is still the article.
            let (validators, stored) = match state {
                Some(s)
                    if s.page_html.is_some()
                        && s.record.page_url.as_deref() == Some(url.as_str()) =>
                {
                    (
                        Validators {
                            etag: s.record.etag.clone(),
                            last_modified: s.record.last_modified.clone(),
                        },
                        s.page_html.clone(),
                    )
                }
                _ => (Validators::default(), None),
            };
            done[i] = (None, Page::skipped("the page's task failed"));
            let (fetcher, limits, matcher, rules, entry) = (
                self.fetcher.clone(),
                self.pages.clone(),
                self.matcher.clone(),
                rules.clone(),
                item.entry.clone(),
            );
            set.spawn(async move {
                let _permit = limits.acquire(&url).await;
                let result = fetcher.fetch_page(&url, &validators).await;
                let page = PageFetch {
                    url,
                    result,
                    stored,
                };
                let cpu = cpu_slots().acquire().await.expect("never closed");
                let job = tokio::task::spawn_blocking(move || {
                    let p = article_for(&entry, page, encoding, &rules, max_body);
                    let tags = p.entry.as_ref().map(|e| {
                        matcher.tag_normalized(
                            &e.norm_title,
                            &e.norm_text,
                            crate::tag::lead_words(&e.text),
                        )
                    });
                    (p.entry.clone().zip(tags), p)
                })
                .await;
                drop(cpu);
                (i, job)
            });
        }
        while let Some(r) = set.join_next().await {
            match r {
                Ok((i, Ok(d))) => done[i] = d,
                Ok((i, Err(e))) => {
                    warn!(source_id = %source.id, error = %e, "article extraction panicked; the feed's body is kept");
                    done[i] = (None, Page::skipped("article extraction panicked"));
                }
                Err(e) => warn!(source_id = %source.id, error = %e, "article page task failed"),
            }
        }
        let mut records = Vec::with_capacity(done.len());
        for ((item, hash), (replacement, page)) in items.iter_mut().zip(hashes_kept).zip(done) {
            if let Some((entry, tags)) = replacement {
                item.search_terms = search_terms(&entry);
                item.entry = entry;
                item.tags = tags;
            } else if let Some(reason) = &page.reason {
                info!(source_id = %source.id, guid = %item.entry.guid, reason = %reason, "article page not used; the feed's body is kept");
            }
            records.push(PageRecord {
                guid: item.entry.guid.clone(),
                feed_hash: hash,
                page_url: page.url,
                etag: page.validators.etag,
                last_modified: page.validators.last_modified,
                body_from: if page.entry.is_some() { "page" } else { "feed" }.into(),
                rule: page.rule,
                reason: page.reason,
                fetched_at: now.timestamp(),
            });
        }
        Ok((records, unchanged))
    }

    async fn record(&self, id: &str, rec: &FetchRecord) {
        if let Err(e) = self.store.record_fetch(id, rec).await {
            warn!(source_id = %id, error = %e, "could not record fetch state");
        }
    }
}

/// Leaves out items older than `retention_days` (0 keeps all) and counts them: stored, they
/// would be deleted by the next prune and, the feed unchanged, never come back. "Older" is
/// judged on the date the store sorts and prunes by (publication, clamped to `now`; no
/// date counts as `now`).
fn within_retention(
    items: Vec<crate::store::NewItem>,
    retention_days: u32,
    now: DateTime<Utc>,
) -> (Vec<crate::store::NewItem>, u32) {
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
fn search_terms(e: &CleanEntry) -> String {
    text::arabic::search_terms_of_words(&text::arabic::join_words(&e.norm_title, &e.norm_text))
}

/// Hash of an item as its feed gave it (after cleaning): its page is fetched again only
/// when this changes.
fn feed_hash(e: &CleanEntry) -> String {
    // Written out field by field: a stored key must not depend on `Debug` output.
    let key = format!(
        "{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}",
        e.title,
        e.content_html,
        e.summary,
        e.url.as_deref().unwrap_or(""),
        e.updated
            .map_or(String::new(), |d| d.timestamp().to_string())
    );
    format!("{:032x}", crate::model::stable_hash128(key.as_bytes()))
}

/// One item's page as fetched.
struct PageFetch {
    url: url::Url,
    result: Result<crate::fetch::Fetched, crate::fetch::FetchError>,
    /// The stored body from this page, for a 304 answer.
    stored: Option<String>,
}

/// What became of one item's page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The item with the article as its body; `None` when the feed's body stays.
    pub entry: Option<CleanEntry>,
    /// The page's final URL, when it was fetched.
    pub url: Option<String>,
    /// The page's validators.
    pub validators: Validators,
    /// The rule that found the article.
    pub rule: Option<String>,
    /// Why the page was not used.
    pub reason: Option<String>,
}

impl Page {
    fn skipped(reason: &str) -> Page {
        Page {
            reason: Some(reason.into()),
            ..Page::default()
        }
    }
}

/// One item's page fetched, extracted and cleaned, without storing (`marsad inspect
/// --full-text`): the same steps as a refresh, one page at a time.
pub async fn inspect_page(
    fetcher: &Fetcher,
    entry: &CleanEntry,
    encoding: Option<&'static Encoding>,
    rules: &crate::clean::article::Rules,
    max_body: u64,
) -> Page {
    let Some(url) = entry.url.as_deref().and_then(|u| url::Url::parse(u).ok()) else {
        return Page::skipped("the item has no web link");
    };
    let result = fetcher.fetch_page(&url, &Validators::default()).await;
    article_for(
        entry,
        PageFetch {
            url,
            result,
            stored: None,
        },
        encoding,
        rules,
        max_body,
    )
}

fn article_for(
    entry: &CleanEntry,
    page: PageFetch,
    encoding: Option<&'static Encoding>,
    rules: &crate::clean::article::Rules,
    max_body: u64,
) -> Page {
    let mut out = Page {
        url: Some(page.url.to_string()),
        ..Page::default()
    };
    let fetched = match page.result {
        Ok(f) => f,
        Err(e) => {
            out.reason = Some(format!("page fetch failed: {e}"));
            return out;
        }
    };
    out.url = Some(fetched.final_url.to_string());
    out.validators = fetched.validators.clone();
    if fetched.not_modified {
        let Some(stored) = page.stored else {
            out.reason = Some("page answered 304 but no body from it is stored".into());
            return out;
        };
        out.rule = Some("unchanged page (304)".into());
        return with_article(entry, &stored, &fetched.final_url, out);
    }
    if fetched.truncated {
        // A cut page may hold a cut article, published as if whole: the summary is safer.
        out.reason = Some(format!("page larger than the limit of {max_body} bytes"));
        return out;
    }
    let hints = crate::parse::Hints {
        url: Some(fetched.final_url.as_str()),
        language: None,
    };
    let html = crate::parse::decode_page(
        &fetched.body,
        fetched.content_type.as_deref(),
        encoding,
        hints,
    );
    match crate::clean::article::extract(&html.text, Some(&fetched.final_url), rules) {
        Ok(x) => {
            out.rule = Some(x.rule);
            with_article(entry, &x.html, &fetched.final_url, out)
        }
        Err(e) => {
            out.reason = Some(e);
            out
        }
    }
}

/// Cleans `html` (the article) exactly as feed content is cleaned and, when it holds more
/// text than the feed gave, makes it the item's body. The summary stays the feed's.
fn with_article(entry: &CleanEntry, html: &str, base: &url::Url, mut out: Page) -> Page {
    let body = clean::clean_body(html, &entry.title, Some(base));
    let (page_chars, feed_chars) = (body.text.chars().count(), entry.text.chars().count());
    if page_chars < feed_chars || page_chars == 0 {
        out.reason = Some(format!(
            "the page's text ({page_chars} characters, by {}) is shorter than the feed's ({feed_chars})",
            out.rule.as_deref().unwrap_or("?")
        ));
        return out;
    }
    let mut e = entry.clone();
    e.dir = text::arabic::direction_of(&[&e.title, &body.text]);
    e.fingerprint = story::fingerprint::of_item(&body.text, &e.norm_title, &body.norm_text);
    e.content_html = body.html;
    e.text = body.text;
    e.norm_text = body.norm_text;
    e.source_credit = body.credit.or(e.source_credit);
    out.entry = Some(e);
    out
}

fn cpu_slots() -> &'static tokio::sync::Semaphore {
    static S: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    S.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    })
}
