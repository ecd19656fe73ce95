//! Plain data types shared by the stages. No I/O and no logic beyond small helpers.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A stable 64-bit hash (SipHash-1-3 with fixed keys). Not `std`'s hasher, because its
/// values are stored (body hashes, rule hashes) and sent (ETags): they must not change between
/// builds or Rust versions, which `std` does not promise; SipHash's output is fixed by its
/// specification. Fast on long input (whole feed bodies), unlike a byte-at-a-time hash.
pub fn stable_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = siphasher::sip::SipHasher13::new_with_keys(0, 0);
    h.write(bytes);
    h.finish()
}

/// A stable 128-bit hash (SipHash-1-3, 128-bit output, fixed keys): content hashes and
/// derived guids, where 64 bits would leave collisions plausible over years of items.
pub fn stable_hash128(bytes: &[u8]) -> u128 {
    use siphasher::sip128::Hasher128;
    use std::hash::Hasher;
    let mut h = siphasher::sip128::SipHasher13::new_with_keys(0, 0);
    h.write(bytes);
    h.finish128().as_u128()
}

/// A feed as the parser understood it, before cleaning.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    /// Feed title, raw (may hold entities or markup).
    pub title: Option<String>,
    /// The site's home page, if the feed names one.
    pub link: Option<String>,
    /// Feed language (`<language>`, `xml:lang`, JSON Feed `language`).
    pub language: Option<String>,
    /// "rss0", "rss1", "rss2", "atom" or "json".
    pub format: String,
    /// RSS `<ttl>` in minutes.
    pub ttl: Option<u32>,
    /// The WebSub hub the feed advertises (`rel="hub"`; JSON Feed `hubs`).
    pub hub: Option<String>,
    /// The feed's own URL (`rel="self"`; JSON Feed `feed_url`): the WebSub topic.
    pub self_url: Option<String>,
    /// Entries in document order.
    pub entries: Vec<ParsedEntry>,
    /// Things the parser had to repair or guess (charset, malformed XML).
    pub warnings: Vec<String>,
}

/// One entry as the parser found it: raw strings, nothing cleaned yet.
#[derive(Debug, Clone, Default)]
pub struct ParsedEntry {
    /// The feed's own id (RSS guid, Atom id); `None` when the feed gives none.
    pub guid: Option<String>,
    /// The article link.
    pub link: Option<String>,
    /// Raw title.
    pub title: Option<String>,
    /// Author name.
    pub author: Option<String>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Last update date.
    pub updated: Option<DateTime<Utc>>,
    /// Raw summary / description (HTML or text).
    pub summary: Option<String>,
    /// Raw full content (`content:encoded`, Atom content), HTML.
    pub content: Option<String>,
    /// Item language when the feed states it.
    pub language: Option<String>,
    /// `xml:base` or equivalent base URL for relative links.
    pub base: Option<String>,
    /// RSS `<source>`: the title of the feed the item was taken from.
    pub source: Option<String>,
}

/// An entry after cleaning: what readers are shown, plus the keys used for matching.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CleanEntry {
    /// Stable key: the feed's guid, else the canonical link, else a hash of title and date.
    pub guid: String,
    /// Article link with tracking parameters removed.
    pub url: Option<String>,
    /// Link used for de-duplication (also without fragment).
    pub canonical_url: Option<String>,
    /// Title: entities decoded, tags removed, whitespace collapsed.
    pub title: String,
    /// Author name, cleaned.
    pub author: Option<String>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Last update date.
    pub updated: Option<DateTime<Utc>>,
    /// Plain-text summary, at most about 300 characters, cut at a word boundary.
    pub summary: String,
    /// Sanitized HTML body without boilerplate.
    pub content_html: String,
    /// Plain text of the body, paragraphs separated by blank lines.
    pub text: String,
    /// Language of the item ("ar", "en", …).
    pub language: String,
    /// "rtl" or "ltr", detected from the text.
    pub dir: &'static str,
    /// A trailing credit line ("مواقع", "وكالات") kept apart from the body.
    pub source_credit: Option<String>,
    /// 128-bit SimHash of the normalized text, for story de-duplication.
    pub fingerprint: u128,
    /// The title in matching form (`text::arabic::normalize_words`): computed once here and
    /// shared by the fingerprint, the tagger and the search index. Not shown or stored.
    #[serde(skip)]
    pub norm_title: String,
    /// The text in matching form, like `norm_title`.
    #[serde(skip)]
    pub norm_text: String,
}

#[cfg(test)]
impl CleanEntry {
    /// An undated Arabic entry with only a guid, a title and a text, for tests to extend
    /// with `..`.
    pub(crate) fn for_test(guid: &str, title: &str, text: &str) -> CleanEntry {
        CleanEntry {
            guid: guid.into(),
            url: None,
            canonical_url: None,
            title: title.into(),
            author: None,
            published: None,
            updated: None,
            summary: String::new(),
            content_html: String::new(),
            text: text.into(),
            language: "ar".into(),
            dir: "rtl",
            source_credit: None,
            fingerprint: 0,
            norm_title: String::new(),
            norm_text: String::new(),
        }
    }
}

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
    /// The WebSub hub the feed advertises, and the topic to subscribe to (its `self`
    /// URL), when it advertises one.
    pub websub: Option<(String, String)>,
}

/// An item to save: the cleaned entry, its tags, and its search terms.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// The cleaned entry.
    pub entry: CleanEntry,
    /// Its topic tags.
    pub tags: Vec<TopicTag>,
    /// Its full-text search terms (`text::arabic::search_terms` of title and text: light
    /// stems, one space apart), which the store indexes as given.
    pub search_terms: String,
}

/// A body parsed, cleaned and tagged: the pipeline's output before storing.
#[derive(Debug, Clone)]
pub struct Processed {
    /// Feed facts.
    pub feed: FeedMeta,
    /// Cleaned and tagged items, in feed order.
    pub items: Vec<NewItem>,
    /// Warnings (charset guesses, repairs).
    pub warnings: Vec<String>,
}

/// Which part of an item a match was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    /// The title.
    Title,
    /// The body text.
    Text,
}

/// One term occurrence that contributed to a topic's score.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TagMatch {
    /// The rule term, as the admin wrote it.
    pub term: String,
    /// What was actually found in the text (normalized form of the word or phrase).
    pub found: String,
    /// Field the match is in.
    pub field: Field,
    /// Word position inside the field (0-based).
    pub position: usize,
    /// Points it added (term weight × field weight); 0 when it was suppressed.
    pub points: f64,
    /// Why the match did not count, when it did not (context rule).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub suppressed: Option<String>,
}

/// A topic assigned to an item, with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct TopicTag {
    /// Topic slug.
    pub slug: String,
    /// Sum of the points of the matches.
    pub score: f64,
    /// The matches that produced the score (and those suppressed by context rules).
    pub matches: Vec<TagMatch>,
}

/// An item as stored, with its source and tags, ready to publish.
#[derive(Debug, Clone, Serialize)]
pub struct StoredItem {
    /// Database id.
    pub id: i64,
    /// Source slug.
    pub source_id: String,
    /// Source display name.
    pub source_name: String,
    /// Source feed URL.
    pub source_url: String,
    /// Stable key inside the source.
    pub guid: String,
    /// Article link.
    pub url: Option<String>,
    /// Cleaned title.
    pub title: String,
    /// Author.
    pub author: Option<String>,
    /// Publication date as given by the feed.
    pub published: Option<DateTime<Utc>>,
    /// Update date as given by the feed.
    pub updated: Option<DateTime<Utc>>,
    /// When marsad first stored the item.
    pub fetched_at: DateTime<Utc>,
    /// Sort key (unix seconds): publication date clamped to the fetch time.
    pub sort_ts: i64,
    /// Plain-text summary.
    pub summary: String,
    /// Sanitized HTML body.
    pub content_html: String,
    /// Plain text body.
    pub text: String,
    /// Language.
    pub language: String,
    /// "rtl" or "ltr".
    pub dir: String,
    /// Trailing credit line.
    pub source_credit: Option<String>,
    /// Story group id.
    pub story_id: i64,
    /// Topics with scores and evidence.
    pub topics: Vec<TopicTag>,
    /// Other items of the same story (other sources), filled when de-duplicating.
    pub also: Vec<AlsoReported>,
}

impl StoredItem {
    /// The date shown to readers: publication date, else first seen.
    pub fn date(&self) -> DateTime<Utc> {
        self.published.unwrap_or(self.fetched_at)
    }
}

/// Another source that carried the same story.
#[derive(Debug, Clone, Serialize)]
pub struct AlsoReported {
    /// Item id.
    pub item_id: i64,
    /// Source slug.
    pub source_id: String,
    /// Source display name.
    pub source_name: String,
    /// Link to that source's article.
    pub url: Option<String>,
    /// That source's title.
    pub title: String,
}
