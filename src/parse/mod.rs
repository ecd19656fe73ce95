//! Bytes → [`ParsedFeed`]: charset decided here, feed-rs inside, a repair pass and a
//! dialect normalization before it and a lenient salvage after it, for the malformed and
//! old-fashioned feeds real sites send.
//!
//! Charset order: per-source override, then BOM, then the HTTP `Content-Type` charset, then
//! the XML declaration, then UTF-8 when the bytes are valid UTF-8 (or mostly: see
//! `charset`), else a guess by chardetng from the bytes, hinted by the declared
//! language, the URL's country domain and the source's language. The text is converted to
//! UTF-8 with encoding_rs and the XML declaration's `encoding` is removed (by the repair
//! pass), because feed-rs would otherwise decode the already-converted text a second time
//! and garble it silently.
//!
//! Then, for XML, four steps, each recording a warning when it had work to do:
//! 1. [`repair`] (always; a well-formed feed passes unchanged): text before the XML, a
//!    DOCTYPE and its entities, bare `&`, HTML entities, stray `<`, control characters;
//! 2. `dialect` (always; a feed in a form feed-rs reads passes unchanged): RSS versions
//!    and namespaces feed-rs does not know, Atom 0.3, base64 and MIME-typed Atom text,
//!    empty text elements, links and authors given in other forms;
//! 3. feed-rs, strict;
//! 4. when feed-rs still rejects the document: `salvage`, which keeps every complete
//!    item (a truncated body, an unclosed `<item>`, one entry feed-rs refuses). A JSON
//!    Feed skips steps 1–2 and gets its own salvage (item by item).
//!
//! After feed-rs, items without a link are kept (see `keep_linkless`), and a feed that
//! gives no item says why in a warning. Last, `bound` caps what one feed can make marsad
//! store and process: items per feed, title length, body size; and drops repeated guids.
//! Memory stays a small multiple of the body, which the fetcher caps (`max_body_bytes`).
//!
//! DTD entities are never expanded and nothing is read or fetched for a DOCTYPE: the
//! repair pass removes it, and feed-rs (quick-xml) does not expand entities anyway.

mod charset;
mod dialect;
pub mod discover;
mod repair;
mod salvage;

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use encoding_rs::Encoding;
use feed_rs::model::{Entry, Feed, FeedType};

use crate::model::{ParsedEntry, ParsedFeed};
pub use charset::{Hints, decode, decode_page};
pub use repair::repair;

/// At most this many items are kept from one feed (the first ones: feeds list newest
/// first). Real feeds carry tens to a few hundred; beyond this a feed is broken or
/// hostile, and cleaning, tagging and storing them all would hold a CPU slot for long.
pub const MAX_ITEMS: usize = 5_000;
/// Titles (and author names) longer than this many characters are cut.
pub const MAX_TITLE_CHARS: usize = 2_000;
/// An item's content or summary larger than this many bytes is cut (at a character
/// boundary; the HTML cleaner closes what the cut leaves open). A real article is rarely
/// over 200 KB; the HTML cleaner's memory grows with its input.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Why a body could not be read as a feed.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// The body is empty.
    #[error("empty body")]
    Empty,
    /// The body looks like an HTML page, not a feed.
    #[error("this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element)")]
    HtmlPage,
    /// feed-rs rejected it even after the repair pass, and no item could be salvaged.
    #[error("not a valid feed: {0}")]
    Invalid(String),
}

/// Sentinel id given to entries without guid: feed-rs would make up a random one. Such an
/// entry gets its link or a content key (`keep_linkless`) instead.
const NO_ID: &str = "\u{0}marsad-no-id";

/// Parses a feed body. `content_type` is the HTTP header value, `override_encoding` the
/// source's configured charset, `base` the URL the body came from (for relative links).
pub fn parse(
    body: &[u8],
    content_type: Option<&str>,
    override_encoding: Option<&'static Encoding>,
    base: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    parse_with_language(body, content_type, override_encoding, base, None)
}

/// [`parse`], with the source's configured language: a hint for guessing the charset of a
/// body that declares none.
pub fn parse_with_language(
    body: &[u8],
    content_type: Option<&str>,
    override_encoding: Option<&'static Encoding>,
    base: Option<&str>,
    language: Option<&str>,
) -> Result<ParsedFeed, ParseError> {
    let mut warnings = Vec::new();
    let hints = charset::Hints {
        url: base,
        language,
    };
    let decoded = charset::decode_with_hints(body, content_type, override_encoding, hints);
    if let Some(w) = decoded.warning {
        warnings.push(w);
    }
    let text = decoded.text;
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Err(ParseError::Empty);
    }
    let lower: String = trimmed.chars().take(200).collect::<String>().to_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") {
        return Err(ParseError::HtmlPage);
    }
    let json = trimmed.starts_with('{');
    let mut notes = dialect::Notes::default();
    let text: std::borrow::Cow<'_, str> = if json {
        text
    } else {
        let (fixed, fixes) = repair(&text);
        drop(text);
        warnings.extend(fixes.warning());
        let (normalized, n) = dialect::normalize(&fixed, base);
        notes = n;
        warnings.extend(notes.warnings());
        let rewritten = match normalized {
            std::borrow::Cow::Owned(s) => Some(s),
            std::borrow::Cow::Borrowed(_) => None,
        };
        rewritten.unwrap_or(fixed).into()
    };
    // A feed with more items than the cap is cut before feed-rs builds them all.
    let (declared_items, cut) = if json {
        salvage::json_first_items(&text, MAX_ITEMS).unwrap_or((0, None))
    } else {
        let n = salvage::count_items(&text);
        (
            n,
            (n > MAX_ITEMS).then(|| salvage::first_items(&text, MAX_ITEMS)),
        )
    };
    let text: std::borrow::Cow<'_, str> = match cut {
        Some(cut) => cut.into(),
        None => text,
    };
    let parse_strict = |t: &str| {
        feed_rs::parser::Builder::new()
            .base_uri(base)
            .id_generator(|_, _, _| NO_ID.to_string())
            .sanitize_content(false)
            .build()
            .parse(t.as_bytes())
    };
    let (feed, total) = match parse_strict(&text) {
        Ok(f) => {
            let n = f.entries.len();
            (f, n)
        }
        Err(first) => {
            let lenient = |t: &str| parse_strict(t).ok();
            let salvaged = if json {
                salvage::salvage_json(&text, &lenient, MAX_ITEMS)
            } else {
                salvage::salvage_xml(&text, &lenient, MAX_ITEMS)
            };
            match salvaged {
                Some((feed, report)) if report.kept > 0 => {
                    warnings.push(report.warning(&first.to_string()));
                    (feed, report.total)
                }
                _ => return Err(ParseError::Invalid(first.to_string())),
            }
        }
    };
    let mut parsed = convert(feed, &text, warnings, &notes);
    if parsed.entries.is_empty() {
        let n = salvage::count_items(&text);
        parsed.warnings.push(if n == 0 {
            "the feed lists no items".to_string()
        } else {
            format!("{n} item element(s) in the document, none could be read")
        });
    }
    drop(text);
    bound(&mut parsed, total.max(declared_items));
    Ok(parsed)
}

/// Applies the per-feed caps ([`MAX_ITEMS`], [`MAX_TITLE_CHARS`], [`MAX_BODY_BYTES`]) and
/// drops items whose guid an earlier item of the feed already has (the first is the one
/// the feed lists as current; storing both would make the later overwrite it). `total` is
/// how many items the document held. One warning per kind of cut, with counts.
fn bound(feed: &mut ParsedFeed, total: usize) {
    if total > MAX_ITEMS {
        feed.entries.truncate(MAX_ITEMS);
        feed.warnings.push(format!(
            "the feed has {total} items: only the first {MAX_ITEMS} were read"
        ));
    }
    let mut seen = HashSet::new();
    let before = feed.entries.len();
    feed.entries
        .retain(|e| e.guid.as_ref().is_none_or(|g| seen.insert(g.clone())));
    let repeated = before - feed.entries.len();
    if repeated > 0 {
        feed.warnings.push(format!(
            "{repeated} item(s) repeating the guid of an earlier item dropped"
        ));
    }
    let (mut titles, mut bodies) = (0, 0);
    for e in &mut feed.entries {
        for t in [&mut e.title, &mut e.author].into_iter().flatten() {
            if let Some((cut, _)) = t.char_indices().nth(MAX_TITLE_CHARS) {
                t.truncate(cut);
                titles += 1;
            }
        }
        for b in [&mut e.content, &mut e.summary].into_iter().flatten() {
            if b.len() > MAX_BODY_BYTES {
                let cut = b.floor_char_boundary(MAX_BODY_BYTES);
                b.truncate(cut);
                b.shrink_to_fit();
                bodies += 1;
            }
        }
    }
    if titles > 0 {
        feed.warnings.push(format!(
            "{titles} title(s) or author name(s) longer than {MAX_TITLE_CHARS} characters cut"
        ));
    }
    if bodies > 0 {
        feed.warnings.push(format!(
            "{bodies} item content(s) or summary(ies) larger than {MAX_BODY_BYTES} bytes cut"
        ));
    }
}

fn convert(feed: Feed, text: &str, warnings: Vec<String>, notes: &dialect::Notes) -> ParsedFeed {
    let format = match feed.feed_type {
        FeedType::Atom => "atom",
        FeedType::JSON => "json",
        FeedType::RSS0 => "rss0",
        FeedType::RSS1 if notes.rss090 => "rss0",
        FeedType::RSS1 => "rss1",
        FeedType::RSS2 => "rss2",
    }
    .to_string();
    // feed-rs keeps only Atom's feed-level xml:lang; read RSS <language> / dc:language here.
    let language = feed
        .language
        .clone()
        .or_else(|| first_element_text(text, &["language", "dc:language"]))
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty());
    let link = preferred_link(&feed.links);
    let rel = |want: &str| {
        feed.links
            .iter()
            .find(|l| l.rel.as_deref() == Some(want))
            .map(|l| l.href.trim().to_string())
            .filter(|h| !h.is_empty())
    };
    // feed-rs reads Atom's and RSS's `atom:link`s, not JSON Feed's `hubs`.
    let (hub, self_url) = match feed.feed_type {
        FeedType::JSON => json_hub(text),
        _ => (rel("hub"), rel("self")),
    };
    let mut entries: Vec<ParsedEntry> = feed.entries.into_iter().map(convert_entry).collect();
    // The extras are per item in document order; when the salvage dropped items the two
    // lists no longer match, and the extras are left out rather than given to wrong items.
    if entries.len() == notes.items.len() {
        for (e, x) in entries.iter_mut().zip(&notes.items) {
            if e.base.is_none() {
                e.base.clone_from(&x.base);
            }
            e.source.clone_from(&x.source);
        }
    }
    // feed-rs reads no channel-level dc:title (RSS 1.0 modules, some RSS 2.0 feeds).
    let title = feed
        .title
        .map(|t| t.content)
        .or_else(|| element_text(text, "dc:title"));
    let mut parsed = ParsedFeed {
        title,
        link,
        language,
        format,
        ttl: feed.ttl,
        hub,
        self_url,
        entries,
        warnings,
    };
    keep_linkless(&mut parsed);
    parsed
}

/// A JSON Feed's first WebSub hub and its `feed_url`.
fn json_hub(text: &str) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct Hub {
        #[serde(rename = "type")]
        kind: String,
        url: String,
    }
    #[derive(serde::Deserialize)]
    struct Top {
        #[serde(default)]
        hubs: Vec<Hub>,
        feed_url: Option<String>,
    }
    match serde_json::from_str::<Top>(text) {
        Ok(t) => (
            t.hubs
                .into_iter()
                .find(|h| h.kind.eq_ignore_ascii_case("websub"))
                .map(|h| h.url),
            t.feed_url,
        ),
        Err(_) => (None, None),
    }
}

/// The `alternate` link (Atom's default relation), else the first one: a `self`, `related`
/// or `enclosure` link is not the article.
fn preferred_link(links: &[feed_rs::model::Link]) -> Option<String> {
    links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(links.iter().find(|l| {
            !matches!(
                l.rel.as_deref(),
                Some("self" | "enclosure" | "replies" | "edit" | "hub")
            )
        }))
        .or(links.first())
        .map(|l| l.href.clone())
}

/// Items without a link are kept, as feedparser and readers keep them: the item's id is
/// its link when it is a web URL (RSS 2.0 `guid` is a permalink by default, an Atom `id` is
/// often the entry's URL); else it is published without a link, keyed by its guid (as any
/// RSS item may be, without a warning) or, when it has none, by a hash of its content (title, date, summary, body), which is stable
/// across fetches where feed-rs would give a random id. An item with nothing at all (no
/// title, body, link or id) is dropped. One warning per kind, with counts.
fn keep_linkless(feed: &mut ParsedFeed) {
    let (mut from_id, mut by_content) = (0, 0);
    let before = feed.entries.len();
    feed.entries.retain_mut(|e| {
        if e.link.as_deref().is_some_and(|l| !l.trim().is_empty()) {
            return true;
        }
        e.link = None;
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        if let Some(g) = e.guid.as_deref() {
            // An item keyed by its own guid is an ordinary RSS item (every element of an
            // item is optional): no warning.
            if dialect::is_web_url(g.trim()) {
                e.link = Some(g.trim().to_string());
                from_id += 1;
            }
            return true;
        }
        if blank(&e.title) && blank(&e.summary) && blank(&e.content) {
            return false;
        }
        let key = [&e.title, &e.summary, &e.content]
            .iter()
            .map(|s| s.as_deref().unwrap_or(""))
            .chain([e
                .published
                .map(|d| d.timestamp().to_string())
                .unwrap_or_default()
                .as_str()])
            .collect::<Vec<_>>()
            .join("\n");
        e.guid = Some(format!(
            "marsad:content:{:032x}",
            crate::model::stable_hash128(key.as_bytes())
        ));
        by_content += 1;
        true
    });
    let empty = before - feed.entries.len();
    for (n, what) in [
        (from_id, "item(s) without link use their id as link"),
        (by_content, "item(s) without link kept, keyed by content"),
        (empty, "empty item(s) (no title, body, link or id) dropped"),
    ] {
        if n > 0 {
            feed.warnings.push(format!("{n} {what}"));
        }
    }
}

/// A person's name as feeds write it: `Name`, `Name (email)`, `email (Name)` (RSS 2.0
/// `author`), `Name <email>`; the email when there is no name.
fn person_name(p: &feed_rs::model::Person) -> Option<String> {
    let strip = |s: &str| {
        s.trim()
            .trim_start_matches(['(', '<', '['])
            .trim_end_matches([')', '>', ']'])
            .trim()
            .to_string()
    };
    p.name
        .as_deref()
        .map(strip)
        .filter(|n| !n.is_empty() && !n.contains('@'))
        .or_else(|| p.email.as_deref().map(strip).filter(|e| !e.is_empty()))
}

fn convert_entry(mut e: Entry) -> ParsedEntry {
    e.links.retain(|l| l.href != dialect::NO_LINK);
    let guid = Some(e.id).filter(|id| id != NO_ID && !id.trim().is_empty());
    let link = preferred_link(&e.links);
    let author = e.authors.iter().find_map(person_name);
    let content = e.content.and_then(|c| c.body);
    let summary = e.summary.map(|s| s.content);
    let published: Option<DateTime<Utc>> = e.published.or(e.updated);
    // feed-rs copies RSS pubDate into `updated` too; an update time equal to the
    // publication time is no information, and marsad never invents values.
    let updated = e.updated.filter(|u| Some(*u) != published);
    ParsedEntry {
        guid,
        link,
        title: e.title.map(|t| t.content),
        author,
        published,
        updated,
        summary,
        content,
        language: e.language,
        base: e.base,
        source: None,
    }
}

/// Text of the first `<name>…</name>` before the first item, entities and CDATA decoded
/// (a feed-level element feed-rs drops).
fn element_text(text: &str, name: &str) -> Option<String> {
    let head = &text[..text.find("<item").unwrap_or(text.len())];
    let open = format!("<{name}>");
    let start = head.find(&open)? + open.len();
    let end = start + head[start..].find(&format!("</{name}>"))?;
    let raw = head[start..end].trim();
    let v = match raw
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
    {
        Some(cdata) => cdata.to_string(),
        None => quick_xml::escape::unescape(raw).ok()?.into_owned(),
    };
    Some(v).filter(|v| !v.trim().is_empty())
}

/// Text of the first `<name>…</name>` in the document, for the few fields feed-rs drops.
fn first_element_text(text: &str, names: &[&str]) -> Option<String> {
    for name in names {
        let open = format!("<{name}>");
        if let Some(start) = text.find(&open) {
            let rest = &text[start + open.len()..];
            if let Some(end) = rest.find("</") {
                let v = rest[..end].trim();
                if !v.is_empty() && v.len() < 40 {
                    return Some(v.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests;
