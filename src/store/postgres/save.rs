//! Saving one fetched feed's items: new ones inserted with their story, changed ones
//! updated and re-tagged, unchanged ones left alone; all in one transaction, serialized
//! with every other instance's saves by `SAVE_LOCK`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::{Postgres, QueryBuilder, Transaction};

use super::codec::{Visible, content_hash, to_parts};
use super::tags::insert_tag_rows;
use super::{
    Change, NewItem, PgStore, SAVE_LOCK, SaveReport, StoreError, StoryGrouping, StoryMember,
    advisory_lock, notify,
};
use crate::model::{CleanEntry, TopicTag};

/// A new item's row: (id, sort_ts, story_id, item, content hash).
type NewRow<'a> = (i64, i64, i64, &'a NewItem, String);

/// New items per `INSERT`: 21 values each, 10,500 in all, well under PostgreSQL's limit
/// of 65,535 bound values per statement.
const INSERT_CHUNK: usize = 500;

impl PgStore {
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
        // Each try first tells `stories` of what other instances stored (committed rows,
        // so right even when the try fails), which needs it mutably inside the retry loop.
        let grouping = tokio::sync::Mutex::new(stories);
        let (report, members) = self
            .common
            .retrying(
                "save items",
                |(r, _): &(SaveReport, _)| r.new + r.updated > 0,
                || self.save_items_once(source_id, items, now, &grouping),
            )
            .await?;
        let stories = grouping.into_inner();
        for m in members {
            stories.saved(m);
        }
        Ok(report)
    }

    async fn save_items_once<G: StoryGrouping>(
        &self,
        source_id: &str,
        items: &[NewItem],
        now: DateTime<Utc>,
        grouping: &tokio::sync::Mutex<&mut G>,
    ) -> Result<(SaveReport, Vec<StoryMember>), StoreError> {
        let mut report = SaveReport {
            seen: items.len() as u32,
            ..SaveReport::default()
        };
        let mut members = Vec::new();
        let mut tx = self.write().await?;
        // Every read below sees the saves committed before this one (READ COMMITTED takes
        // a new snapshot per statement), and none can commit until this one ends: the
        // same article saved by two instances at once lands in one story, once.
        advisory_lock(&mut tx, SAVE_LOCK).await?;
        let mut stories = grouping.lock().await;
        if let Some(seen) = stories.seen_up_to() {
            for m in members_after(&mut tx, seen).await? {
                stories.saved(m);
            }
        }
        let mut known = known_items(&mut tx, source_id, items).await?;
        let same = same_articles(&mut tx, source_id, items).await?;
        // A new story's id is its first item's id, needed before the row is written: ids
        // are taken from the identity's sequence up front, one per new guid.
        let new_guids: HashSet<&str> = items
            .iter()
            .map(|it| it.entry.guid.as_str())
            .filter(|g| !known.contains_key(*g))
            .collect();
        let ids = reserve_ids(&mut tx, new_guids.len()).await?;
        // Stored items have smaller ids than any reserved here (saves are serialized).
        let first_new = ids.first().copied().unwrap_or(i64::MAX);
        let mut ids = ids.into_iter();
        let mut new_rows: Vec<NewRow<'_>> = Vec::new();
        for item in items {
            let e = &item.entry;
            let hash = content_hash(&Visible::of(e));
            match known.get(&e.guid) {
                Some((_, h)) if *h == hash => {}
                // The same guid twice in one batch, changed in between (parsing drops
                // repeated guids, so only a caller of the store's own can send this): the
                // row is not written yet, so the later version replaces it.
                Some(&(id, _)) if id >= first_new => {
                    let row = new_rows.iter_mut().find(|r| r.0 == id).expect("a new row");
                    (row.3, row.4) = (item, hash.clone());
                    report.updated += 1;
                    known.insert(e.guid.clone(), (id, hash));
                }
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
                    let id = ids.next().expect("an id reserved for each new guid");
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
        insert_tag_rows(&mut tx, &new_tags).await?;
        let wrote = report.new + report.updated > 0;
        if wrote {
            notify(&mut tx, Change::Changed).await?;
        }
        tx.commit().await?;
        if wrote {
            self.common.changed();
        }
        Ok((report, members))
    }
}

/// `n` ids from the identity's sequence, ascending. Not given back when the transaction
/// rolls back (sequences never are), which leaves gaps in ids and nothing else.
async fn reserve_ids(tx: &mut Transaction<'_, Postgres>, n: usize) -> Result<Vec<i64>, StoreError> {
    if n == 0 {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar(
        "SELECT nextval(pg_get_serial_sequence('items', 'id')) FROM generate_series(1, $1)",
    )
    .bind(n as i64)
    .fetch_all(&mut **tx)
    .await?)
}

/// The stored items of this batch's guids in its source: guid → (id, content hash).
async fn known_items(
    tx: &mut Transaction<'_, Postgres>,
    source_id: &str,
    items: &[NewItem],
) -> Result<HashMap<String, (i64, String)>, StoreError> {
    let guids: Vec<&str> = items.iter().map(|it| it.entry.guid.as_str()).collect();
    let rows: Vec<(String, i64, String)> = sqlx::query_as(
        "SELECT guid, id, content_hash FROM items WHERE source_id = $1 AND guid = ANY($2)",
    )
    .bind(source_id)
    .bind(&guids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|(g, id, h)| (g, (id, h))).collect())
}

/// Rewrites a changed item in place (same id, same story) with its new search terms,
/// dropping its tags for the caller to write anew.
async fn update_item(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
    item: &NewItem,
    hash: &str,
) -> Result<(), StoreError> {
    let e = &item.entry;
    let (fp_lo, fp_hi) = to_parts(e.fingerprint);
    sqlx::query(
        "UPDATE items SET url = $1, canonical_url = $2, title = $3, author = $4, published = $5,
           updated = $6, summary = $7, content_html = $8, text = $9, language = $10, dir = $11,
           source_credit = $12, fingerprint = $13, fingerprint_hi = $14, content_hash = $15
         WHERE id = $16",
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
    sqlx::query("DELETE FROM item_topics WHERE item_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO item_search (item_id, terms) VALUES ($1, strip(to_tsvector('simple', $2)))
         ON CONFLICT (item_id) DO UPDATE SET terms = excluded.terms",
    )
    .bind(id)
    .bind(&item.search_terms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Inserts new items ([`INSERT_CHUNK`] rows per statement) and their search terms (one
/// statement per chunk, the terms bound as two arrays).
async fn insert_new_items(
    tx: &mut Transaction<'_, Postgres>,
    source_id: &str,
    fetched_at: i64,
    rows: &[NewRow<'_>],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut b: QueryBuilder<Postgres> = QueryBuilder::new(
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
        let ids: Vec<i64> = chunk.iter().map(|(id, ..)| *id).collect();
        let terms: Vec<&str> = chunk
            .iter()
            .map(|(_, _, _, item, _)| item.search_terms.as_str())
            .collect();
        sqlx::query(
            "INSERT INTO item_search (item_id, terms)
             SELECT id, strip(to_tsvector('simple', t)) FROM UNNEST($1::BIGINT[], $2::TEXT[]) AS u(id, t)",
        )
        .bind(&ids)
        .bind(&terms)
        .execute(&mut **tx)
        .await?;
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
/// earliest such item.
async fn same_articles(
    tx: &mut Transaction<'_, Postgres>,
    source_id: &str,
    items: &[NewItem],
) -> Result<HashMap<Key, (i64, i64)>, StoreError> {
    let guids: Vec<&str> = items.iter().map(|it| it.entry.guid.as_str()).collect();
    let urls: Vec<&str> = items
        .iter()
        .filter_map(|it| it.entry.canonical_url.as_deref())
        .collect();
    let rows: Vec<(String, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT guid, canonical_url, sort_ts, story_id FROM items
         WHERE source_id <> $1 AND (guid = ANY($2) OR canonical_url = ANY($3))",
    )
    .bind(source_id)
    .bind(&guids)
    .bind(&urls)
    .fetch_all(&mut **tx)
    .await?;
    let mut out: HashMap<Key, (i64, i64)> = HashMap::new();
    for (guid, canonical, ts, story) in rows {
        for key in std::iter::once(Key::Guid(guid)).chain(canonical.map(Key::Url)) {
            let slot = out.entry(key).or_insert((ts, story));
            *slot = (*slot).min((ts, story));
        }
    }
    Ok(out)
}

/// Story members stored after item `id` (by any instance), in id order: under
/// `SAVE_LOCK`, ids are taken and committed in lock order, so these are exactly the
/// members a grouping that has seen up to `id` has not been told of.
async fn members_after(
    tx: &mut Transaction<'_, Postgres>,
    id: i64,
) -> Result<Vec<StoryMember>, StoreError> {
    let rows: Vec<(i64, i64, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT id, sort_ts, fingerprint, fingerprint_hi, story_id, source_id FROM items
         WHERE id > $1 AND (fingerprint <> 0 OR fingerprint_hi <> 0) ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, sort_ts, lo, hi, story_id, source_id)| StoryMember {
            id,
            source_id,
            sort_ts,
            fingerprint: super::codec::from_parts(lo, hi),
            story_id,
        })
        .collect())
}
