//! `marsad inspect`: parse → clean → tag one feed (file or URL) without storing it;
//! with `--full-text`, also each item's page.

use std::fmt;

use anyhow::Context as _;
use marsad::clean::article::Selector;
use marsad::config::Config;
use marsad::model::{Processed, TopicTag};
use marsad::pipeline::{self, Page};
use marsad::publish::rfc3339;
use marsad::tag::Matcher;
use serde_json::json;

use super::{Refusal, Report, or_dash};

/// `--full-text` and the rules to try instead of the source's.
#[derive(Debug, Default)]
pub struct FullText {
    /// `--selector`: a `content_selector` to try.
    pub selector: Option<String>,
    /// `--remove`: `remove_selectors` entries to add.
    pub remove: Vec<String>,
}

/// A feed as marsad would store it.
#[derive(Debug)]
pub struct Inspection {
    /// Print one JSON document instead of text.
    pub json: bool,
    /// The feed, cleaned and tagged.
    pub processed: Processed,
    /// With `--full-text`, one per item: its page, and the topics with the page's text.
    pub pages: Vec<Option<(Page, Vec<TopicTag>)>>,
}

impl Report for Inspection {}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.json {
            let doc = self.to_json();
            let text = serde_json::to_string_pretty(&doc).map_err(|_| fmt::Error)?;
            return writeln!(f, "{text}");
        }
        let p = &self.processed;
        writeln!(
            f,
            "{} ({}, {} entries)",
            p.feed.title.as_deref().unwrap_or("(untitled feed)"),
            p.feed.format,
            p.items.len()
        )?;
        for w in &p.warnings {
            writeln!(f, "warning: {w}")?;
        }
        for (it, page) in p.items.iter().zip(&self.pages) {
            writeln!(
                f,
                "\n• {}\n  {}\n  topics: {}",
                it.entry.title,
                it.entry.url.as_deref().unwrap_or("-"),
                topic_list(&it.tags)
            )?;
            match page {
                None => {}
                Some((
                    Page {
                        entry: Some(e),
                        rule,
                        url,
                        ..
                    },
                    tags,
                )) => writeln!(
                    f,
                    "  body from the page {} by {}\n  topics with it: {}\n  ---\n{}\n  ---",
                    or_dash(url.as_deref()),
                    or_dash(rule.as_deref()),
                    topic_list(tags),
                    e.text
                )?,
                Some((p, _)) => {
                    writeln!(f, "  body from the feed: {}", or_dash(p.reason.as_deref()))?
                }
            }
        }
        Ok(())
    }
}

/// "libya (3), economy (2)", or "-" for none.
fn topic_list(tags: &[TopicTag]) -> String {
    if tags.is_empty() {
        return "-".into();
    }
    let tags: Vec<String> = tags
        .iter()
        .map(|t| format!("{} ({})", t.slug, t.score))
        .collect();
    tags.join(", ")
}

impl Inspection {
    /// `{"feed": {...}, "entries": [...], "warnings": [...]}`.
    fn to_json(&self) -> serde_json::Value {
        let p = &self.processed;
        let entries: Vec<_> = p
            .items
            .iter()
            .zip(&self.pages)
            .map(|(it, page)| {
                let e = &it.entry;
                let mut entry = json!({
                    "guid": e.guid,
                    "url": e.url,
                    "title": e.title,
                    "author": e.author,
                    "published": e.published.map(rfc3339),
                    "updated": e.updated.map(rfc3339),
                    "summary": e.summary,
                    "content_html": e.content_html,
                    "text": e.text,
                    "language": e.language,
                    "dir": e.dir,
                    "source_credit": e.source_credit,
                    "fingerprint": format!("{:032x}", e.fingerprint),
                    "topics": it.tags,
                });
                // Only with --full-text, so the documented shape stays as it was without.
                if let Some((p, _)) = page {
                    entry["full_text"] = json!({
                        "body_from": if p.entry.is_some() { "page" } else { "feed" },
                        "page_url": p.url,
                        "rule": p.rule,
                        "reason": p.reason,
                        "text": p.entry.as_ref().map(|e| &e.text),
                        "content_html": p.entry.as_ref().map(|e| &e.content_html),
                    });
                }
                entry
            })
            .collect();
        json!({
            "feed": {
                "title": p.feed.title,
                "link": p.feed.link,
                "language": p.feed.language,
                "format": p.feed.format,
            },
            "entries": entries,
            "warnings": p.warnings,
        })
    }
}

/// Reads `target` (a file, or an http(s) URL fetched once) and processes it as the pipeline
/// would; with `full_text`, fetches each item's page, one at a time.
pub async fn run(
    cfg: &Config,
    target: &str,
    json: bool,
    full_text: Option<FullText>,
) -> anyhow::Result<Inspection> {
    let (body, content_type, base) =
        if target.starts_with("http://") || target.starts_with("https://") {
            let url = url::Url::parse(target).context("bad URL")?;
            let f = marsad::fetch::Fetcher::new(&cfg.fetch)?
                .fetch(&url, &Default::default())
                .await
                .with_context(|| format!("cannot fetch {target}"))?;
            (f.body, f.content_type, Some(f.final_url.to_string()))
        } else {
            let body = std::fs::read(target).with_context(|| format!("cannot read {target}"))?;
            (body, None, None)
        };
    let matcher = Matcher::compile(&cfg.topics);
    // A configured feed is read as the pipeline reads it: its charset, language and place.
    let source = cfg.sources.iter().find(|s| s.url.as_str() == target);
    let place = source.and_then(|s| s.place.as_deref());
    let processed = pipeline::process(
        &body,
        content_type.as_deref(),
        source.and_then(|s| s.encoding),
        base.as_deref(),
        source.map_or("ar", |s| s.language.as_str()),
        place,
        &matcher,
    )
    .map_err(|e| Refusal::new(format!("{target}: {e}")))?;
    let mut pages: Vec<_> = processed.items.iter().map(|_| None).collect();
    if let Some(try_rules) = full_text {
        let mut rules = source.map(|s| s.article.clone()).unwrap_or_default();
        if let Some(css) = try_rules.selector {
            rules.content =
                Some(Selector::parse(&css).map_err(|e| anyhow::anyhow!("--selector: {e}"))?);
        }
        for css in try_rules.remove {
            rules
                .remove
                .push(Selector::parse(&css).map_err(|e| anyhow::anyhow!("--remove: {e}"))?);
        }
        let fetcher = marsad::fetch::Fetcher::new(&cfg.fetch)?;
        // One page at a time: an admin trying rules, not a crawl.
        for (slot, it) in pages.iter_mut().zip(&processed.items) {
            let page = pipeline::inspect_page(
                &fetcher,
                &it.entry,
                source.and_then(|s| s.encoding),
                &rules,
                cfg.fetch.max_body_bytes,
            )
            .await;
            let tags = page.entry.as_ref().map_or_else(Vec::new, |e| {
                matcher.tag_normalized(
                    &e.norm_title,
                    &e.norm_text,
                    marsad::tag::lead(&e.text),
                    place,
                )
            });
            *slot = Some((page, tags));
        }
    }
    Ok(Inspection {
        json,
        processed,
        pages,
    })
}
