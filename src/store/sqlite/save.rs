//! Saving one fetched feed's items: new ones inserted with their story, changed ones
//! updated and re-tagged, unchanged ones left alone; all in one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite};

use super::codec::{Visible, content_hash, to_parts};
use super::tags::insert_tag_rows;
use super::{NewItem, SaveReport, SqliteStore, StoreError, StoryGrouping, StoryMember};
use crate::model::{CleanEntry, TopicTag};

/// A new item's row: (id, sort_ts, story_id, item, content hash).
type NewRow<'a> = (i64, i64, i64, &'a NewItem, String);

impl SqliteStore {
    /// Saves one feed's items in one transaction, retried while the database is locked; a
    /// failure is remembered until a save stores something again.
    ///
    /// Items are unique per (source, guid): an unchanged item is left alone, a changed one
    /// updated (and re-tagged). A new item joins the story of the earliest item of another
    /// source with the same guid or canonical URL, else the one `stories` finds by its
    /// fingerprint, else starts its own (the story id is its first item's id); `stories`
    /// is told of each new item once the transaction has committed. Callers that save
    /// concurrently share one `stories` behind a lock, so each save sees the ones before.
    pub async fn save_items(
        &self,
        source_id: &str,
        items: &[NewItem],
        now: DateTime<Utc>,
        stories: &mut impl StoryGrouping,
    ) -> Result<SaveReport, StoreError> {
        let grouping: &dyn StoryGrouping = &*stories;
        let (report, members) = self
            .common
            .retrying(
                "save items",
                |(r, _): &(SaveReport, _)| r.new + r.updated > 0,
                || self.save_items_once(source_id, items, now, grouping),
            )
            .await?;
        for m in members {
            stories.saved(m);
        }
        Ok(report)
    }

    async fn save_items_once(
        &self,
        source_id: &str,
        items: &[NewItem],
        now: DateTime<Utc>,
        stories: &dyn StoryGrouping,
    ) -> Result<(SaveReport, Vec<StoryMember>), StoreError> {
        let mut report = SaveReport {
            seen: items.len() as u32,
            ..SaveReport::default()
        };
        let mut members = Vec::new();
        let mut tx = self.write().await?;
        let mut known = known_items(&mut tx, source_id, items).await?;
        // The write lock is held (BEGIN IMMEDIATE), so ids can be assigned here; a new
        // story's id is its first item's id, known before the insert.
        let mut next_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM items")
            .fetch_one(&mut *tx)
            .await?;
        // New items are written with a few multi-row statements at the end rather than
        // four statements each: every statement is a round trip to sqlx's SQLite thread,
        // and those round trips were most of the store's share of a fetch pass.
        let same = same_articles(&mut tx, source_id, items).await?;
        let mut new_rows: Vec<NewRow<'_>> = Vec::new();
        for item in items {
            let e = &item.entry;
            let hash = content_hash(&Visible::of(e));
            match known.get(&e.guid) {
                Some((_, h)) if *h == hash => {}
                Some(&(id, _)) => {
                    update_item(&mut tx, id, item, &hash).await?;
                    insert_tag_rows(&mut tx, &[(id, &item.tags)]).await?;
                    report.updated += 1;
                    known.insert(e.guid.clone(), (id, hash));
                }
                None => {
                    let sort_ts = e.published.map_or(now, |p| p.min(now)).timestamp();
                    let by_key = std::iter::once(Key::Guid(e.guid.clone()))
                        .chain(e.canonical_url.clone().map(Key::Url))
                        .filter_map(|k| same.get(&k).copied())
                        .min()
                        .map(|(_, story)| story);
                    let story = match by_key {
                        Some(s) => Some(s),
                        // Items of this batch share its source, so they never group with
                        // each other by fingerprint: stored items of other sources are
                        // enough.
                        None if e.fingerprint != 0 => {
                            stories.nearest(source_id, e.fingerprint, sort_ts)
                        }
                        None => None,
                    };
                    let id = next_id;
                    next_id += 1;
                    let story = story.unwrap_or(id);
                    new_rows.push((id, sort_ts, story, item, hash.clone()));
                    known.insert(e.guid.clone(), (id, hash));
                    if e.fingerprint != 0 {
                        members.push(StoryMember {
                            id,
                            source_id: source_id.to_string(),
                            sort_ts,
                            fingerprint: e.fingerprint,
                            story_id: story,
                        });
                    }
                    report.new += 1;
                }
            }
        }
        insert_new_items(&mut tx, source_id, now.timestamp(), &new_rows).await?;
        let new_tags: Vec<(i64, &[TopicTag])> = new_rows
            .iter()
            .map(|(id, _, _, item, _)| (*id, &item.tags[..]))
            .collect();
        for chunk in new_tags.chunks(100) {
            insert_tag_rows(&mut tx, chunk).await?;
        }
        tx.commit().await?;
        if report.new + report.updated > 0 {
            self.common.changed();
        }
        Ok((report, members))
    }
}

/// The stored items of this batch's guids in its source: guid → (id, content hash). One
/// query per 500 items instead of one per item.
async fn known_items(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    source_id: &str,
    items: &[NewItem],
) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let mut known = HashMap::new();
    for chunk in items.chunks(500) {
        let mut b: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT guid, id, content_hash FROM items WHERE source_id = ");
        b.push_bind(source_id.to_string()).push(" AND guid IN (");
        let mut sep = b.separated(", ");
        for it in chunk {
            sep.push_bind(it.entry.guid.clone());
        }
        b.push(")");
        let rows: Vec<(String, i64, String)> = b.build_query_as().fetch_all(&mut **tx).await?;
        known.extend(rows.into_iter().map(|(g, id, h)| (g, (id, h))));
    }
    Ok(known)
}

/// Rewrites a changed item in place (same id, same story), dropping its tags and search
/// terms for the caller to write anew.
async fn update_item(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    id: i64,
    item: &NewItem,
    hash: &str,
) -> Result<(), StoreError> {
    let e = &item.entry;
    let (fp_lo, fp_hi) = to_parts(e.fingerprint);
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
    .bind(fp_lo)
    .bind(fp_hi)
    .bind(hash)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM item_topics WHERE item_id = ?")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM items_fts WHERE rowid = ?")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO items_fts (rowid, terms) VALUES (?, ?)")
        .bind(id)
        .bind(&item.search_terms)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Inserts new items and their search terms, 40 rows per statement (21 values each, well
/// under SQLite's limit of bound values).
async fn insert_new_items(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    source_id: &str,
    fetched_at: i64,
    rows: &[NewRow<'_>],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(40) {
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO items (id, source_id, guid, url, canonical_url, title, author, published,
               updated, fetched_at, sort_ts, summary, content_html, text, language, dir,
               source_credit, fingerprint, fingerprint_hi, story_id, content_hash) ",
        );
        b.push_values(chunk, |mut r, (id, sort_ts, story, item, hash)| {
            let e: &CleanEntry = &item.entry;
            let (fp_lo, fp_hi) = to_parts(e.fingerprint);
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
                .push_bind(fp_lo)
                .push_bind(fp_hi)
                .push_bind(*story)
                .push_bind(hash);
        });
        b.build().execute(&mut **tx).await?;
        let mut b: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO items_fts (rowid, terms) ");
        b.push_values(chunk, |mut r, (id, _, _, item, _)| {
            r.push_bind(*id).push_bind(&item.search_terms);
        });
        b.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// What an item of another source can share with a new one to be the same article.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Guid(String),
    Url(String),
}

/// Stories that items of this batch already belong to in other sources, by guid or
/// canonical URL (guids match guids, URLs match URLs): key → (sort_ts, story_id) of the
/// earliest such item. One query per 200 items instead of one per item.
async fn same_articles(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    source_id: &str,
    items: &[NewItem],
) -> Result<HashMap<Key, (i64, i64)>, StoreError> {
    let mut out: HashMap<Key, (i64, i64)> = HashMap::new();
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
            for key in std::iter::once(Key::Guid(guid)).chain(canonical.map(Key::Url)) {
                let slot = out.entry(key).or_insert((ts, story));
                *slot = (*slot).min((ts, story));
            }
        }
    }
    Ok(out)
}
