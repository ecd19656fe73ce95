//! The article-page step of a `full_text` source: each item's page fetched at most once
//! per item version, the article taken out, cleaned like feed content and tagged, and
//! kept as the item's body when it holds more text than the feed gave. Also the same steps
//! one page at a time for `marsad inspect --full-text`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;
use tracing::{info, warn};

use super::ingest::{Ingest, cpu_slots};
use crate::clean;
use crate::config::SourceSpec;
use crate::fetch::{Fetcher, Validators};
use crate::model::{CleanEntry, NewItem, TopicTag};
use crate::store::PageRecord;
use crate::{story, text};

impl Ingest {
    /// Full text for a `full_text` source's items: fetch each item's page (once per item
    /// version), take the article out, clean it like feed content, and re-tag the item
    /// with it. Items whose feed version already had its page handled are taken out of
    /// `items` (their stored body, from the page or not, stays; their count is returned).
    /// Returns the page records to store once the items are saved; fails only when the
    /// stored page states cannot be read.
    pub(super) async fn full_text(
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
            let (fetcher, limits, matcher, rules, entry, place) = (
                self.fetcher.clone(),
                self.pages.clone(),
                self.matcher.clone(),
                rules.clone(),
                item.entry.clone(),
                source.place.clone(),
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
                            crate::tag::lead(&e.text),
                            place.as_deref(),
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
                item.search_terms = super::search_terms(&entry);
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
            out.reason = Some(e.to_string());
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
