//! The `items` and `item_topics` tables: saving fetched items, story grouping, queries.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite};

use super::{Store, StoreError};
use crate::model::{AlsoReported, CleanEntry, StoredItem, TopicTag};
use crate::story::fingerprint::{SAME_STORY_MAX_DISTANCE, distance, from_parts, to_parts};

/// How far apart (seconds) two items may be and still be grouped as one story by
/// fingerprint. Wire copies appear within hours; three days covers late republishing.
const STORY_WINDOW_SECS: i64 = 3 * 86400;

/// Fingerprints of recent items, for story grouping.
///
/// Grouping compares a new item with every item of another source within
/// [`STORY_WINDOW_SECS`]: no banding scheme finds all pairs within 28 of 128 bits faster than
/// a scan. The index is bucketed by day so that inserting is a push (a single sorted `Vec`
/// moved half the index on every insert: quadratic over a first fetch of 100,000 items) and
/// a lookup scans only the window's days. Each bucket keeps its fingerprints apart from the
/// rest and sources as small integers, so the scan is popcounts over contiguous memory
/// with no string comparisons.
#[derive(Debug, Default)]
pub(super) struct StoryIndex {
    days: HashMap<i64, DayBucket>,
    sources: HashMap<std::sync::Arc<str>, u32>,
}

/// One day's entries of [`StoryIndex`], as parallel columns.
#[derive(Debug, Default)]
struct DayBucket {
    fingerprints: Vec<u128>,
    sort_ts: Vec<i64>,
    stories: Vec<i64>,
    sources: Vec<u32>,
}

const DAY_SECS: i64 = 86_400;

/// How far back the index is loaded; older items still group by guid or canonical URL.
const STORY_INDEX_DAYS: i64 = 14;

impl StoryIndex {
    fn insert(&mut self, (ts, fp, story, source): (i64, u128, i64, std::sync::Arc<str>)) {
        let next = self.sources.len() as u32;
        let source = *self.sources.entry(source).or_insert(next);
        let day = self.days.entry(ts.div_euclid(DAY_SECS)).or_default();
        day.fingerprints.push(fp);
        day.sort_ts.push(ts);
        day.stories.push(story);
        day.sources.push(source);
    }

    /// The story of the nearest fingerprint from another source within the window (ties:
    /// the oldest story id).
    fn nearest(&self, source_id: &str, fp: u128, sort_ts: i64) -> Option<i64> {
        let own = self.sources.get(source_id).copied().unwrap_or(u32::MAX);
        let (lo, hi) = (sort_ts - STORY_WINDOW_SECS, sort_ts + STORY_WINDOW_SECS);
        (lo.div_euclid(DAY_SECS)..=hi.div_euclid(DAY_SECS))
            .filter_map(|day| self.days.get(&day))
            .filter_map(|b| b.nearest(own, fp, lo..=hi))
            .min()
            .map(|(_, story)| story)
    }
}

impl DayBucket {
    /// (distance, story) of the nearest entry not from `own` with `sort_ts` in `window`.
    ///
    /// This scan is the hot loop of story grouping (a first fetch of 100,000 items makes
    /// about a billion comparisons). x86-64's baseline has no POPCNT instruction, so
    /// `count_ones` compiles to a dozen shifts and masks; where the CPU has POPCNT (every
    /// x86-64 server of the last fifteen years), the same loop is compiled with it.
    fn nearest(&self, own: u32, fp: u128, window: RangeInclusive<i64>) -> Option<(u32, i64)> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            #[target_feature(enable = "popcnt")]
            fn with_popcnt(
                b: &DayBucket,
                own: u32,
                fp: u128,
                window: RangeInclusive<i64>,
            ) -> Option<(u32, i64)> {
                b.scan(own, fp, window)
            }
            // SAFETY: the CPU has POPCNT, checked just above.
            return unsafe { with_popcnt(self, own, fp, window) };
        }
        self.scan(own, fp, window)
    }

    #[inline(always)]
    fn scan(&self, own: u32, fp: u128, window: RangeInclusive<i64>) -> Option<(u32, i64)> {
        let mut best: Option<(u32, i64)> = None;
        for (i, &other) in self.fingerprints.iter().enumerate() {
            let d = distance(other, fp);
            if d <= SAME_STORY_MAX_DISTANCE
                && self.sources[i] != own
                && window.contains(&self.sort_ts[i])
            {
                let candidate = (d, self.stories[i]);
                best = Some(best.map_or(candidate, |b| b.min(candidate)));
            }
        }
        best
    }
}

/// An item to save (a pipeline stage type, defined in `model`).
pub use crate::model::NewItem;

/// What saving a feed's items did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveReport {
    /// Items in the batch.
    pub seen: u32,
    /// Items stored for the first time.
    pub new: u32,
    /// Items whose content changed and were updated.
    pub updated: u32,
}

/// Filters for listing items (feeds, API, page).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemQuery {
    /// Any of these topics (empty: no topic filter).
    pub topics: Vec<String>,
    /// All of these topics.
    pub all_topics: Vec<String>,
    /// Any of these sources (empty: all).
    pub sources: Vec<String>,
    /// Only items at or after this time (unix seconds).
    pub since: Option<i64>,
    /// Paging cursor: only items strictly before (sort_ts, id).
    pub before: Option<(i64, i64)>,
    /// At most this many items.
    pub limit: u32,
    /// Show each story once (its earliest item).
    pub dedup: bool,
    /// Full-text search: every one of these light stems (from
    /// `text::arabic::search_query`) must occur in the item.
    pub search: Vec<String>,
}

impl Default for ItemQuery {
    fn default() -> Self {
        ItemQuery {
            topics: Vec::new(),
            all_topics: Vec::new(),
            sources: Vec::new(),
            since: None,
            before: None,
            limit: 50,
            dedup: true,
            search: Vec::new(),
        }
    }
}

fn content_hash(e: &CleanEntry) -> String {
    // The fields a reader sees; a change in any of them is an update. An exact hash: a
    // locality-sensitive one (SimHash, as here before) gives near-identical texts the same
    // value, so a one-word correction could go unnoticed.
    let key = format!(
        "{}\u{1}{}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{:?}",
        e.title, e.content_html, e.summary, e.url, e.author, e.updated
    );
    format!("{:032x}", crate::model::stable_hash128(key.as_bytes()))
}

impl Store {
    /// Saves one feed's items in one transaction. Items are unique per (source, guid);
    /// an unchanged item is left alone, a changed one updated (and re-tagged).
    pub(super) async fn save_items_once(
        &self,
        source_id: &str,
        items: &[NewItem],
        now: DateTime<Utc>,
    ) -> Result<SaveReport, StoreError> {
        let mut report = SaveReport {
            seen: items.len() as u32,
            ..SaveReport::default()
        };
        let mut index_guard = self.stories.lock().await;
        if index_guard.is_none() {
            *index_guard = Some(self.load_story_index(now).await?);
        }
        let index = index_guard.as_mut().expect("loaded above");
        let source: std::sync::Arc<str> = source_id.into();
        let mut added = Vec::new();
        let mut tx = self.write().await?;
        // One query for what this batch already has, instead of one per item.
        let mut known: HashMap<String, (i64, String)> = HashMap::new();
        for chunk in items.chunks(500) {
            let mut b: QueryBuilder<Sqlite> =
                QueryBuilder::new("SELECT guid, id, content_hash FROM items WHERE source_id = ");
            b.push_bind(source_id.to_string()).push(" AND guid IN (");
            let mut sep = b.separated(", ");
            for it in chunk {
                sep.push_bind(it.entry.guid.clone());
            }
            b.push(")");
            let rows: Vec<(String, i64, String)> = b.build_query_as().fetch_all(&mut *tx).await?;
            known.extend(rows.into_iter().map(|(g, id, h)| (g, (id, h))));
        }
        // The write lock is held (BEGIN IMMEDIATE), so ids can be assigned here; a new
        // story's id is its first item's id, known before the insert.
        let mut next_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM items")
            .fetch_one(&mut *tx)
            .await?;
        // New items are written with a few multi-row statements at the end rather than
        // four statements each: every statement is a round trip to sqlx's SQLite thread,
        // and those round trips were most of the store's share of a fetch pass.
        let same = same_articles(&mut tx, source_id, items).await?;
        let mut new_rows: Vec<(i64, i64, i64, &CleanEntry, String)> = Vec::new();
        let mut new_tags: Vec<(i64, &[TopicTag])> = Vec::new();
        for item in items {
            let e = &item.entry;
            let hash = content_hash(e);
            let existing = known.get(&e.guid).cloned();
            let id = match existing {
                Some((_, h)) if h == hash => continue,
                Some((id, _)) => {
                    sqlx::query(
                        "UPDATE items SET url = ?, canonical_url = ?, title = ?, author = ?, published = ?,
                           updated = ?, summary = ?, content_html = ?, text = ?, language = ?, dir = ?,
                           source_credit = ?, fingerprint = ?, fingerprint_hi = ?, content_hash = ? WHERE id = ?",
                    )
                    .bind(&e.url)
                    .bind(&e.canonical_url)
                    .bind(&e.title)
                    .bind(&e.author)
                    .bind(e.published.map(|d| d.timestamp()))
                    .bind(e.updated.map(|d| d.timestamp()))
                    .bind(&e.summary)
                    .bind(&e.content_html)
                    .bind(&e.text)
                    .bind(&e.language)
                    .bind(e.dir)
                    .bind(&e.source_credit)
                    .bind(to_parts(e.fingerprint).0)
                    .bind(to_parts(e.fingerprint).1)
                    .bind(&hash)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    report.updated += 1;
                    sqlx::query("DELETE FROM item_topics WHERE item_id = ?")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM items_fts WHERE rowid = ?")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    index_search(&mut tx, id, e).await?;
                    known.insert(e.guid.clone(), (id, hash));
                    id
                }
                None => {
                    let sort_ts = e.published.map_or(now, |p| p.min(now)).timestamp();
                    let by_key = std::iter::once(format!("g {}", e.guid))
                        .chain(e.canonical_url.as_ref().map(|c| format!("c {c}")))
                        .filter_map(|k| same.get(&k).copied())
                        .min()
                        .map(|(_, story)| story);
                    let story = match by_key {
                        Some(s) => Some(s),
                        // Items of this batch share its source, so they never group with
                        // each other by fingerprint: the index (other sources) is enough.
                        None if e.fingerprint != 0 => {
                            index.nearest(source_id, e.fingerprint, sort_ts)
                        }
                        None => None,
                    };
                    let id = next_id;
                    next_id += 1;
                    new_rows.push((id, sort_ts, story.unwrap_or(id), e, hash.clone()));
                    known.insert(e.guid.clone(), (id, hash));
                    if e.fingerprint != 0 {
                        added.push((sort_ts, e.fingerprint, story.unwrap_or(id)));
                    }
                    report.new += 1;
                    new_tags.push((id, &item.tags));
                    continue;
                }
            };
            insert_tags(&mut tx, id, &item.tags).await?;
        }
        insert_new_items(&mut tx, source_id, now.timestamp(), &new_rows).await?;
        for chunk in new_tags.chunks(100) {
            insert_tag_rows(&mut tx, chunk).await?;
        }
        tx.commit().await?;
        if report.new + report.updated > 0 {
            self.changed();
        }
        // Only committed items enter the index. (It is dropped and reloaded after each
        // prune, so a long-running process holds about STORY_INDEX_DAYS of fingerprints.)
        for (ts, fp, story) in added {
            index.insert((ts, fp, story, source.clone()));
        }
        Ok(report)
    }

    /// Removes items older than `cutoff` (unix seconds), and items past the newest
    /// `max_per_source` of their source unless they are the only copy of their story (those
    /// stay until they leave the window). `0` disables either rule. Returns (by age, by cap).
    pub async fn prune(
        &self,
        cutoff: Option<i64>,
        max_per_source: u32,
    ) -> Result<(u64, u64), StoreError> {
        let mut tx = self.write().await?;
        let doomed_by_age: Vec<i64> = match cutoff {
            Some(c) => {
                sqlx::query_scalar("SELECT id FROM items WHERE sort_ts < ?")
                    .bind(c)
                    .fetch_all(&mut *tx)
                    .await?
            }
            None => Vec::new(),
        };
        let doomed_by_cap: Vec<i64> = if max_per_source > 0 {
            sqlx::query_scalar(
                "SELECT id FROM (
                   SELECT i.id, i.story_id, ROW_NUMBER() OVER (PARTITION BY i.source_id ORDER BY i.sort_ts DESC, i.id DESC) AS n
                   FROM items i WHERE i.sort_ts >= ?
                 ) r
                 WHERE r.n > ? AND EXISTS (SELECT 1 FROM items j WHERE j.story_id = r.story_id AND j.id != r.id)",
            )
            .bind(cutoff.unwrap_or(i64::MIN))
            .bind(i64::from(max_per_source))
            .fetch_all(&mut *tx)
            .await?
        } else {
            Vec::new()
        };
        for chunk in doomed_by_age.chunks(500).chain(doomed_by_cap.chunks(500)) {
            for table in ["item_topics", "items_fts", "items"] {
                let col = if table == "item_topics" {
                    "item_id"
                } else if table == "items_fts" {
                    "rowid"
                } else {
                    "id"
                };
                let mut b: QueryBuilder<Sqlite> =
                    QueryBuilder::new(format!("DELETE FROM {table} WHERE {col} IN ("));
                let mut sep = b.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                b.push(")");
                b.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        if !doomed_by_age.is_empty() || !doomed_by_cap.is_empty() {
            self.changed();
        }
        // Pruned items leave the story index at the next load.
        *self.stories.lock().await = None;
        Ok((doomed_by_age.len() as u64, doomed_by_cap.len() as u64))
    }

    /// Counts for `marsad stats`: (items, stories, sources, retired sources).
    pub async fn counts(&self) -> Result<(i64, i64, i64, i64), StoreError> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(DISTINCT story_id) FROM items),
                    (SELECT COUNT(*) FROM sources WHERE retired = 0), (SELECT COUNT(*) FROM sources WHERE retired = 1)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Indexes items stored before the search index existed (or by an older version).
    pub(super) async fn backfill_search(&self) -> Result<u64, StoreError> {
        let mut done = 0u64;
        loop {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, title, text FROM items WHERE id > COALESCE((SELECT MAX(rowid) FROM items_fts), 0) ORDER BY id LIMIT 500",
            )
            .fetch_all(&self.pool)
            .await?;
            if rows.is_empty() {
                return Ok(done);
            }
            let mut tx = self.write().await?;
            for (id, title, text) in &rows {
                sqlx::query("INSERT INTO items_fts (rowid, terms) VALUES (?, ?)")
                    .bind(id)
                    .bind(crate::text::arabic::search_terms(&format!(
                        "{title}\n{text}"
                    )))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            done += rows.len() as u64;
        }
    }

    /// Recomputes the stored fingerprints when they were made by another version of the
    /// fingerprint function ([`crate::story::fingerprint::VERSION`], recorded in `meta`;
    /// a database without the record has version 1), so that new items are compared with
    /// fingerprints of the same kind. From each item's stored title and text, which is what
    /// cleaning fingerprinted. Each batch commits by itself; the version is recorded after
    /// the last, so an interrupted run starts again at the next open. Returns the items done.
    pub(super) async fn refingerprint(&self) -> Result<u64, StoreError> {
        use crate::{story::fingerprint, text::arabic::normalize_words};
        const KEY: &str = "fingerprint_version";
        let version = fingerprint::VERSION.to_string();
        if self.meta(KEY).await?.as_deref() == Some(version.as_str()) {
            return Ok(0);
        }
        let (mut done, mut after) = (0u64, i64::MIN);
        loop {
            let rows: Vec<(i64, String, String)> = sqlx::query_as(
                "SELECT id, title, text FROM items WHERE id > ? ORDER BY id LIMIT 500",
            )
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
            let Some(&(last, ..)) = rows.last() else {
                break;
            };
            let mut tx = self.write().await?;
            for (id, title, text) in &rows {
                let fp =
                    fingerprint::of_item(text, &normalize_words(title), &normalize_words(text));
                sqlx::query("UPDATE items SET fingerprint = ?, fingerprint_hi = ? WHERE id = ?")
                    .bind(to_parts(fp).0)
                    .bind(to_parts(fp).1)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            done += rows.len() as u64;
            after = last;
        }
        self.set_meta(KEY, &version).await?;
        if done > 0 {
            tracing::info!(
                items = done,
                version = fingerprint::VERSION,
                "recomputed story fingerprints"
            );
        }
        Ok(done)
    }

    async fn load_story_index(&self, now: DateTime<Utc>) -> Result<StoryIndex, StoreError> {
        let rows: Vec<(i64, i64, i64, i64, String)> = sqlx::query_as(
            "SELECT sort_ts, fingerprint, fingerprint_hi, story_id, source_id FROM items
             WHERE sort_ts >= ? AND (fingerprint != 0 OR fingerprint_hi != 0) ORDER BY sort_ts",
        )
        .bind(now.timestamp() - STORY_INDEX_DAYS * 86400)
        .fetch_all(&self.pool)
        .await?;
        let mut index = StoryIndex::default();
        for (ts, lo, hi, story, src) in rows {
            index.insert((ts, from_parts(lo, hi), story, src.into()));
        }
        Ok(index)
    }

    /// Items matching a query, newest first.
    pub async fn items(&self, q: &ItemQuery) -> Result<Vec<StoredItem>, StoreError> {
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(SELECT_ITEMS);
        b.push(" WHERE 1=1");
        push_filters(&mut b, q, "i");
        if let Some((ts, id)) = q.before {
            b.push(" AND (i.sort_ts < ").push_bind(ts);
            b.push(" OR (i.sort_ts = ")
                .push_bind(ts)
                .push(" AND i.id < ")
                .push_bind(id)
                .push("))");
        }
        push_dedup(&mut b, q);
        b.push(" ORDER BY i.sort_ts DESC, i.id DESC LIMIT ")
            .push_bind(i64::from(q.limit));
        let rows = b.build().fetch_all(&self.pool).await?;
        let mut items: Vec<StoredItem> = rows.iter().map(row_to_item).collect::<Result<_, _>>()?;
        self.attach_tags(&mut items).await?;
        if q.dedup {
            self.attach_also(&mut items).await?;
        }
        Ok(items)
    }

    /// How many items a query selects in all: its filters and `dedup`, without its paging
    /// cursor and limit (the page says how many a search found, not how many it shows).
    pub async fn count_items(&self, q: &ItemQuery) -> Result<i64, StoreError> {
        let mut b: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT COUNT(*) FROM items i WHERE 1=1");
        push_filters(&mut b, q, "i");
        push_dedup(&mut b, q);
        Ok(b.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// One item by id, with tags and the other sources of its story.
    pub async fn item(&self, id: i64) -> Result<Option<StoredItem>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_ITEMS} WHERE i.id = ?"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut items = vec![row_to_item(&row)?];
        self.attach_tags(&mut items).await?;
        self.attach_also(&mut items).await?;
        Ok(items.pop())
    }

    /// Number of items per topic.
    pub async fn topic_counts(&self) -> Result<HashMap<String, i64>, StoreError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT topic, COUNT(*) FROM item_topics GROUP BY topic")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// Time of the newest change to any item (for feed `updated` and HTTP validators).
    pub async fn last_change(&self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT MAX(fetched_at) FROM items")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Items in id order after `after_id`, for re-tagging in batches: (id, title, text).
    pub async fn item_texts(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, String)>, StoreError> {
        Ok(
            sqlx::query_as("SELECT id, title, text FROM items WHERE id > ? ORDER BY id LIMIT ?")
                .bind(after_id)
                .bind(i64::from(limit))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// Items at or after `since` with whether they carry `topic` now: (id, title, text,
    /// tagged), newest first. For dry runs of a topic's rules.
    pub async fn items_with_topic_flag(
        &self,
        topic: &str,
        since: i64,
    ) -> Result<Vec<(i64, String, String, bool)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT i.id, i.title, i.text,
                    EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = i.id AND t.topic = ?) AS tagged
             FROM items i WHERE i.sort_ts >= ? ORDER BY i.sort_ts DESC, i.id DESC",
        )
        .bind(topic)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the tags of many items in one transaction.
    pub async fn replace_tags(&self, tags: &[(i64, Vec<TopicTag>)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for (id, t) in tags {
            write_tags(&mut tx, *id, t).await?;
        }
        tx.commit().await?;
        self.changed();
        Ok(())
    }

    async fn attach_tags(&self, items: &mut [StoredItem]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT item_id, topic, score, matches FROM item_topics WHERE item_id IN (",
        );
        let mut sep = b.separated(", ");
        for it in items.iter() {
            sep.push_bind(it.id);
        }
        b.push(") ORDER BY score DESC, topic");
        let rows = b.build().fetch_all(&self.pool).await?;
        let mut by_id: HashMap<i64, Vec<TopicTag>> = HashMap::new();
        for r in rows {
            let matches: String = r.try_get("matches")?;
            by_id
                .entry(r.try_get("item_id")?)
                .or_default()
                .push(TopicTag {
                    slug: r.try_get("topic")?,
                    score: r.try_get("score")?,
                    matches: serde_json::from_str(&matches)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                });
        }
        for it in items.iter_mut() {
            it.topics = by_id.remove(&it.id).unwrap_or_default();
        }
        Ok(())
    }

    async fn attach_also(&self, items: &mut [StoredItem]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT i.id, i.story_id, i.source_id, s.name, i.url, i.title FROM items i JOIN sources s ON s.id = i.source_id WHERE i.story_id IN (",
        );
        let mut sep = b.separated(", ");
        for it in items.iter() {
            sep.push_bind(it.story_id);
        }
        b.push(") ORDER BY i.sort_ts, i.id");
        let rows = b.build().fetch_all(&self.pool).await?;
        for it in items.iter_mut() {
            it.also = rows
                .iter()
                .filter(|r| {
                    r.get::<i64, _>("story_id") == it.story_id && r.get::<i64, _>("id") != it.id
                })
                .map(|r| AlsoReported {
                    item_id: r.get("id"),
                    source_id: r.get("source_id"),
                    source_name: r.get("name"),
                    url: r.get("url"),
                    title: r.get("title"),
                })
                .collect();
        }
        Ok(())
    }
}

const SELECT_ITEMS: &str = "SELECT i.*, s.name AS source_name, s.url AS source_url FROM items i JOIN sources s ON s.id = i.source_id";

/// With `dedup`: only the earliest item of its story among those the same filters select.
fn push_dedup(b: &mut QueryBuilder<Sqlite>, q: &ItemQuery) {
    if q.dedup {
        b.push(" AND NOT EXISTS (SELECT 1 FROM items j WHERE j.story_id = i.story_id AND (j.sort_ts < i.sort_ts OR (j.sort_ts = i.sort_ts AND j.id < i.id))");
        push_filters(b, q, "j");
        b.push(")");
    }
}

fn push_filters(b: &mut QueryBuilder<Sqlite>, q: &ItemQuery, alias: &str) {
    if !q.topics.is_empty() {
        b.push(format!(
            " AND EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = {alias}.id AND t.topic IN ("
        ));
        let mut sep = b.separated(", ");
        for t in &q.topics {
            sep.push_bind(t.clone());
        }
        b.push("))");
    }
    for t in &q.all_topics {
        b.push(format!(
            " AND EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = {alias}.id AND t.topic = "
        ));
        b.push_bind(t.clone()).push(")");
    }
    if !q.sources.is_empty() {
        b.push(format!(" AND {alias}.source_id IN ("));
        let mut sep = b.separated(", ");
        for s in &q.sources {
            sep.push_bind(s.clone());
        }
        b.push(")");
    }
    if let Some(since) = q.since {
        b.push(format!(" AND {alias}.sort_ts >= ")).push_bind(since);
    }
    if !q.search.is_empty() {
        // Stems hold only letters and digits (normalize_words), so quoting is enough.
        let expr = q
            .search
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" ");
        b.push(format!(
            " AND {alias}.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH "
        ));
        b.push_bind(expr).push(")");
    }
}

/// Adds an item's search terms to the full-text index.
async fn index_search(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    item_id: i64,
    e: &CleanEntry,
) -> Result<(), StoreError> {
    let terms = search_terms_of(e);
    sqlx::query("INSERT INTO items_fts (rowid, terms) VALUES (?, ?)")
        .bind(item_id)
        .bind(terms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Inserts an item's tags in one statement (the item has none yet).
async fn insert_tags(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    item_id: i64,
    tags: &[TopicTag],
) -> Result<(), StoreError> {
    insert_tag_rows(tx, &[(item_id, tags)]).await
}

/// Tag rows of several items in one statement.
async fn insert_tag_rows(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    items: &[(i64, &[TopicTag])],
) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    for &(item_id, tags) in items {
        for t in tags {
            let matches = serde_json::to_string(&t.matches)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            rows.push((item_id, t.slug.clone(), t.score, matches));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut b: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT INTO item_topics (item_id, topic, score, matches) ");
    b.push_values(rows, |mut r, (item_id, slug, score, matches)| {
        r.push_bind(item_id)
            .push_bind(slug)
            .push_bind(score)
            .push_bind(matches);
    });
    b.build().execute(&mut **tx).await?;
    Ok(())
}

/// Inserts new items (id, sort_ts, story_id, entry, content hash) and their search terms,
/// 40 rows per statement (21 values each, well under SQLite's limit of bound values).
async fn insert_new_items(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    source_id: &str,
    fetched_at: i64,
    rows: &[(i64, i64, i64, &CleanEntry, String)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(40) {
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO items (id, source_id, guid, url, canonical_url, title, author, published,
               updated, fetched_at, sort_ts, summary, content_html, text, language, dir,
               source_credit, fingerprint, fingerprint_hi, story_id, content_hash) ",
        );
        b.push_values(chunk, |mut r, (id, sort_ts, story, e, hash)| {
            r.push_bind(*id)
                .push_bind(source_id)
                .push_bind(&e.guid)
                .push_bind(&e.url)
                .push_bind(&e.canonical_url)
                .push_bind(&e.title)
                .push_bind(&e.author)
                .push_bind(e.published.map(|d| d.timestamp()))
                .push_bind(e.updated.map(|d| d.timestamp()))
                .push_bind(fetched_at)
                .push_bind(*sort_ts)
                .push_bind(&e.summary)
                .push_bind(&e.content_html)
                .push_bind(&e.text)
                .push_bind(&e.language)
                .push_bind(e.dir)
                .push_bind(&e.source_credit)
                .push_bind(to_parts(e.fingerprint).0)
                .push_bind(to_parts(e.fingerprint).1)
                .push_bind(*story)
                .push_bind(hash);
        });
        b.build().execute(&mut **tx).await?;
        let mut b: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO items_fts (rowid, terms) ");
        b.push_values(chunk, |mut r, (id, _, _, e, _)| {
            r.push_bind(*id).push_bind(search_terms_of(e));
        });
        b.build().execute(&mut **tx).await?;
    }
    Ok(())
}

async fn write_tags(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    item_id: i64,
    tags: &[TopicTag],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM item_topics WHERE item_id = ?")
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    for t in tags {
        sqlx::query("INSERT INTO item_topics (item_id, topic, score, matches) VALUES (?, ?, ?, ?)")
            .bind(item_id)
            .bind(&t.slug)
            .bind(t.score)
            .bind(
                serde_json::to_string(&t.matches)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            )
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The story of the same article in another source: same guid or canonical URL.
/// Stories that items of this batch already belong to in other sources, by guid or
/// canonical URL: "g GUID" or "c URL" → (sort_ts, story_id) of the earliest such item. One query per 200
/// items instead of one per item.
async fn same_articles(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    source_id: &str,
    items: &[NewItem],
) -> Result<HashMap<String, (i64, i64)>, StoreError> {
    let mut out: HashMap<String, (i64, i64)> = HashMap::new();
    for chunk in items.chunks(200) {
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT guid, canonical_url, sort_ts, story_id FROM items WHERE source_id != ",
        );
        b.push_bind(source_id).push(" AND (guid IN (");
        let mut sep = b.separated(", ");
        for it in chunk {
            sep.push_bind(&it.entry.guid);
        }
        b.push(") OR canonical_url IN (");
        let mut sep = b.separated(", ");
        sep.push_bind(""); // never a canonical URL; keeps the list non-empty
        for url in chunk
            .iter()
            .filter_map(|it| it.entry.canonical_url.as_ref())
        {
            sep.push_bind(url);
        }
        b.push("))");
        let rows: Vec<(String, Option<String>, i64, i64)> =
            b.build_query_as().fetch_all(&mut **tx).await?;
        for (guid, canonical, ts, story) in rows {
            // Guids match guids and URLs match URLs, as in the query.
            let keys =
                std::iter::once(format!("g {guid}")).chain(canonical.map(|c| format!("c {c}")));
            for key in keys {
                let slot = out.entry(key).or_insert((ts, story));
                *slot = (*slot).min((ts, story));
            }
        }
    }
    Ok(out)
}

/// An entry's full-text search terms. Cleaning computed the matching form once; an entry
/// built elsewhere may lack it.
fn search_terms_of(e: &CleanEntry) -> String {
    if e.norm_title.is_empty() && e.norm_text.is_empty() {
        crate::text::arabic::search_terms(&format!("{}\n{}", e.title, e.text))
    } else {
        crate::text::arabic::search_terms_of_words(&crate::text::arabic::join_words(
            &e.norm_title,
            &e.norm_text,
        ))
    }
}

fn row_to_item(r: &sqlx::sqlite::SqliteRow) -> Result<StoredItem, StoreError> {
    let ts = |v: Option<i64>| v.and_then(|s| DateTime::from_timestamp(s, 0));
    Ok(StoredItem {
        id: r.try_get("id")?,
        source_id: r.try_get("source_id")?,
        source_name: r.try_get("source_name")?,
        source_url: r.try_get("source_url")?,
        guid: r.try_get("guid")?,
        url: r.try_get("url")?,
        title: r.try_get("title")?,
        author: r.try_get("author")?,
        published: ts(r.try_get("published")?),
        updated: ts(r.try_get("updated")?),
        fetched_at: ts(Some(r.try_get("fetched_at")?)).unwrap_or_default(),
        sort_ts: r.try_get("sort_ts")?,
        summary: r.try_get("summary")?,
        content_html: r.try_get("content_html")?,
        text: r.try_get("text")?,
        language: r.try_get("language")?,
        dir: r.try_get("dir")?,
        source_credit: r.try_get("source_credit")?,
        story_id: r.try_get("story_id")?,
        topics: Vec::new(),
        also: Vec::new(),
    })
}

#[cfg(test)]
mod story_index_tests {
    use super::*;

    #[test]
    fn nearest_is_the_closest_story_of_another_source_inside_the_window() {
        let mut index = StoryIndex::default();
        let fp: u128 = 0xffff_0000_ffff_0000_1234_5678_9abc_def0;
        let t0 = 1_700_000_000;
        let flip = |bits: u32| fp ^ ((1u128 << bits) - 1);
        index.insert((t0, flip(20), 1, "a".into()));
        index.insert((t0 + 3_600, flip(10), 2, "b".into()));
        index.insert((t0 - 60, flip(10), 3, "own".into())); // same source: never
        index.insert((t0 + STORY_WINDOW_SECS + 1, flip(1), 4, "c".into())); // outside
        index.insert((t0 - 86_400, flip(29), 5, "d".into())); // too far apart
        assert_eq!(index.nearest("own", fp, t0), Some(2));
        // Ties go to the oldest story id; the window's edge is inside.
        index.insert((t0 - STORY_WINDOW_SECS, flip(10), 0, "e".into()));
        assert_eq!(index.nearest("own", fp, t0), Some(0));
        assert_eq!(index.nearest("own", fp, t0 + 10 * 86_400), None);
        assert_eq!(index.nearest("b", flip(10), t0 + 3_600), Some(3));
    }
}
