//! Reading items: the filtered, paged lists of feeds, pages and the API (each story once
//! when asked), single items, and counts.

use std::collections::HashMap;

use chrono::DateTime;
use sqlx::{Postgres, QueryBuilder, Row};

use super::{ItemQuery, PgStore, StoreError};
use crate::model::{AlsoReported, StoredItem};

const SELECT_ITEMS: &str = "SELECT i.*, s.name AS source_name, s.url AS source_url FROM items i JOIN sources s ON s.id = i.source_id";

impl PgStore {
    /// Items matching a query, newest first.
    pub async fn items(&self, q: &ItemQuery) -> Result<Vec<StoredItem>, StoreError> {
        let mut b: QueryBuilder<Postgres> = QueryBuilder::new(SELECT_ITEMS);
        b.push(" WHERE TRUE");
        push_filters(&mut b, q, "i");
        if let Some((ts, id)) = q.before {
            b.push(" AND (i.sort_ts, i.id) < (")
                .push_bind(ts)
                .push(", ")
                .push_bind(id)
                .push(")");
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
        let mut b: QueryBuilder<Postgres> =
            QueryBuilder::new("SELECT COUNT(*) FROM items i WHERE TRUE");
        push_filters(&mut b, q, "i");
        push_dedup(&mut b, q);
        Ok(b.build_query_scalar().fetch_one(&self.pool).await?)
    }

    /// One item by id, with tags and the other sources of its story.
    pub async fn item(&self, id: i64) -> Result<Option<StoredItem>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_ITEMS} WHERE i.id = $1"
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

    /// Counts for `marsad stats`: (items, stories, sources, retired sources).
    pub async fn counts(&self) -> Result<(i64, i64, i64, i64), StoreError> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(DISTINCT story_id) FROM items),
                    (SELECT COUNT(*) FROM sources WHERE NOT retired),
                    (SELECT COUNT(*) FROM sources WHERE retired)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Fills each item's `also`: the other items of its story, oldest first.
    async fn attach_also(&self, items: &mut [StoredItem]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let stories: Vec<i64> = items.iter().map(|it| it.story_id).collect();
        let rows = sqlx::query(
            "SELECT i.id, i.story_id, i.source_id, s.name, i.url, i.title
             FROM items i JOIN sources s ON s.id = i.source_id
             WHERE i.story_id = ANY($1) ORDER BY i.sort_ts, i.id",
        )
        .bind(&stories)
        .fetch_all(&self.pool)
        .await?;
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

/// With `dedup`: only the earliest item of its story among those the same filters select.
fn push_dedup(b: &mut QueryBuilder<Postgres>, q: &ItemQuery) {
    if q.dedup {
        b.push(" AND NOT EXISTS (SELECT 1 FROM items j WHERE j.story_id = i.story_id AND (j.sort_ts, j.id) < (i.sort_ts, i.id)");
        push_filters(b, q, "j");
        b.push(")");
    }
}

/// The query's filters on the items of `alias`. Lists are bound as one array each.
fn push_filters(b: &mut QueryBuilder<Postgres>, q: &ItemQuery, alias: &str) {
    if !q.topics.is_empty() {
        b.push(format!(
            " AND EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = {alias}.id AND t.topic = ANY("
        ));
        b.push_bind(q.topics.clone()).push("))");
    }
    for t in &q.all_topics {
        b.push(format!(
            " AND EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = {alias}.id AND t.topic = "
        ));
        b.push_bind(t.clone()).push(")");
    }
    if !q.sources.is_empty() {
        b.push(format!(" AND {alias}.source_id = ANY("));
        b.push_bind(q.sources.clone()).push(")");
    }
    if let Some(since) = q.since {
        b.push(format!(" AND {alias}.sort_ts >= ")).push_bind(since);
    }
    if !q.search.is_empty() {
        // Every stem must occur: `plainto_tsquery` joins the words of its text with `&`
        // and reads no query syntax, so a stem is never taken for an operator. The
        // 'simple' configuration is the one the terms were indexed with (see the schema).
        b.push(format!(
            " AND {alias}.id IN (SELECT item_id FROM item_search WHERE terms @@ plainto_tsquery('simple', "
        ));
        b.push_bind(q.search.join(" ")).push("))");
    }
}

fn row_to_item(r: &sqlx::postgres::PgRow) -> Result<StoredItem, StoreError> {
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
