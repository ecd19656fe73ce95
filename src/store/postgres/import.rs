//! Copying a SQLite database into an empty PostgreSQL one (`marsad migrate-store`): every
//! row with its id, so story ids, item URLs (`/api/items/{id}`) and subscribers' cursors
//! stay valid. The search index is not copied (SQLite's is contentless: its terms cannot
//! be read back); the app's start-up maintenance writes it from the copied items.

use sqlx::{FromRow, Postgres, QueryBuilder};

use super::PgStore;
use crate::store::{SqliteStore, StoreError};

/// Rows per INSERT: under PostgreSQL's 65,535 bound values with 21 columns.
const BATCH: i64 = 500;

/// What a copy wrote, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Copied {
    /// Sources (retired ones included).
    pub sources: u64,
    /// Items.
    pub items: u64,
    /// Topic tags.
    pub tags: u64,
    /// Article page records.
    pub pages: u64,
    /// `meta` facts.
    pub meta: u64,
}

#[derive(FromRow)]
struct SourceRow {
    id: String,
    name: String,
    url: String,
    retired: bool,
    last_attempt: Option<i64>,
    last_success: Option<i64>,
    http_status: Option<i32>,
    error: Option<String>,
    consecutive_failures: i32,
    next_due: Option<i64>,
    etag: Option<String>,
    last_modified: Option<String>,
    body_hash: Option<String>,
    items_seen: Option<i32>,
    items_new: Option<i32>,
    items_too_old: Option<i32>,
    permanent_redirect: Option<String>,
    feed_title: Option<String>,
    feed_link: Option<String>,
    warnings: Option<String>,
}

#[derive(FromRow)]
struct ItemRow {
    id: i64,
    source_id: String,
    guid: String,
    url: Option<String>,
    canonical_url: Option<String>,
    title: String,
    author: Option<String>,
    published: Option<i64>,
    updated: Option<i64>,
    fetched_at: i64,
    sort_ts: i64,
    summary: String,
    content_html: String,
    text: String,
    language: String,
    dir: String,
    source_credit: Option<String>,
    fingerprint: i64,
    fingerprint_hi: i64,
    story_id: i64,
    content_hash: String,
}

#[derive(FromRow)]
struct TagRow {
    item_id: i64,
    topic: String,
    score: f64,
    matches: String,
}

#[derive(FromRow)]
struct PageRow {
    source_id: String,
    guid: String,
    feed_hash: String,
    page_url: Option<String>,
    etag: Option<String>,
    last_modified: Option<String>,
    body_from: String,
    rule: Option<String>,
    reason: Option<String>,
    fetched_at: i64,
}

const SOURCE_COLUMNS: &str = "id, name, url, retired, last_attempt, last_success, http_status, error, \
     consecutive_failures, next_due, etag, last_modified, body_hash, items_seen, items_new, \
     items_too_old, permanent_redirect, feed_title, feed_link, warnings";
const ITEM_COLUMNS: &str = "id, source_id, guid, url, canonical_url, title, author, published, \
     updated, fetched_at, sort_ts, summary, content_html, text, language, dir, source_credit, \
     fingerprint, fingerprint_hi, story_id, content_hash";
const PAGE_COLUMNS: &str = "source_id, guid, feed_hash, page_url, etag, last_modified, body_from, \
     rule, reason, fetched_at";

impl PgStore {
    /// Copies every row of `from` into this database, which must hold no items and no
    /// sources, in one transaction: a failed copy leaves it empty. `progress` is called
    /// with the items copied so far.
    pub async fn import_sqlite(
        &self,
        from: &SqliteStore,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<Copied, StoreError> {
        let src = from.reader();
        let mut tx = self.pool.begin().await?;
        let (items, sources): (i64, i64) =
            sqlx::query_as("SELECT (SELECT COUNT(*) FROM items), (SELECT COUNT(*) FROM sources)")
                .fetch_one(&mut *tx)
                .await?;
        if items + sources > 0 {
            return Err(StoreError::NotEmpty { items, sources });
        }
        let mut copied = Copied::default();

        let rows: Vec<SourceRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SOURCE_COLUMNS} FROM sources ORDER BY id"
        )))
        .fetch_all(src)
        .await?;
        for chunk in rows.chunks(BATCH as usize) {
            let mut b: QueryBuilder<Postgres> =
                QueryBuilder::new(format!("INSERT INTO sources ({SOURCE_COLUMNS}) "));
            b.push_values(chunk, |mut r, s| {
                r.push_bind(&s.id)
                    .push_bind(&s.name)
                    .push_bind(&s.url)
                    .push_bind(s.retired)
                    .push_bind(s.last_attempt)
                    .push_bind(s.last_success)
                    .push_bind(s.http_status)
                    .push_bind(&s.error)
                    .push_bind(s.consecutive_failures)
                    .push_bind(s.next_due)
                    .push_bind(&s.etag)
                    .push_bind(&s.last_modified)
                    .push_bind(&s.body_hash)
                    .push_bind(s.items_seen)
                    .push_bind(s.items_new)
                    .push_bind(s.items_too_old)
                    .push_bind(&s.permanent_redirect)
                    .push_bind(&s.feed_title)
                    .push_bind(&s.feed_link)
                    .push_bind(&s.warnings);
            });
            b.build().execute(&mut *tx).await?;
        }
        copied.sources = rows.len() as u64;

        // Items and their tags in id order, a batch at a time: a large database is never
        // held in memory whole.
        let mut after = 0i64;
        loop {
            let rows: Vec<ItemRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {ITEM_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?"
            )))
            .bind(after)
            .bind(BATCH)
            .fetch_all(src)
            .await?;
            let Some(last) = rows.last() else { break };
            let last_id = last.id;
            let mut b: QueryBuilder<Postgres> =
                QueryBuilder::new(format!("INSERT INTO items ({ITEM_COLUMNS}) "));
            b.push_values(&rows, |mut r, i| {
                r.push_bind(i.id)
                    .push_bind(&i.source_id)
                    .push_bind(&i.guid)
                    .push_bind(&i.url)
                    .push_bind(&i.canonical_url)
                    .push_bind(&i.title)
                    .push_bind(&i.author)
                    .push_bind(i.published)
                    .push_bind(i.updated)
                    .push_bind(i.fetched_at)
                    .push_bind(i.sort_ts)
                    .push_bind(&i.summary)
                    .push_bind(&i.content_html)
                    .push_bind(&i.text)
                    .push_bind(&i.language)
                    .push_bind(&i.dir)
                    .push_bind(&i.source_credit)
                    .push_bind(i.fingerprint)
                    .push_bind(i.fingerprint_hi)
                    .push_bind(i.story_id)
                    .push_bind(&i.content_hash);
            });
            b.build().execute(&mut *tx).await?;
            let tags: Vec<TagRow> = sqlx::query_as(
                "SELECT item_id, topic, score, matches FROM item_topics
                 WHERE item_id > ? AND item_id <= ? ORDER BY item_id, topic",
            )
            .bind(after)
            .bind(last_id)
            .fetch_all(src)
            .await?;
            for chunk in tags.chunks(BATCH as usize) {
                let mut b: QueryBuilder<Postgres> =
                    QueryBuilder::new("INSERT INTO item_topics (item_id, topic, score, matches) ");
                b.push_values(chunk, |mut r, t| {
                    r.push_bind(t.item_id)
                        .push_bind(&t.topic)
                        .push_bind(t.score)
                        .push_bind(&t.matches);
                });
                b.build().execute(&mut *tx).await?;
            }
            copied.items += rows.len() as u64;
            copied.tags += tags.len() as u64;
            after = last_id;
            progress(copied.items);
        }
        // New items get ids after the copied ones.
        sqlx::query(
            "SELECT setval(pg_get_serial_sequence('items', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL)
             FROM items",
        )
        .execute(&mut *tx)
        .await?;

        let pages: Vec<PageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {PAGE_COLUMNS} FROM item_pages ORDER BY source_id, guid"
        )))
        .fetch_all(src)
        .await?;
        for chunk in pages.chunks(BATCH as usize) {
            let mut b: QueryBuilder<Postgres> =
                QueryBuilder::new(format!("INSERT INTO item_pages ({PAGE_COLUMNS}) "));
            b.push_values(chunk, |mut r, p| {
                r.push_bind(&p.source_id)
                    .push_bind(&p.guid)
                    .push_bind(&p.feed_hash)
                    .push_bind(&p.page_url)
                    .push_bind(&p.etag)
                    .push_bind(&p.last_modified)
                    .push_bind(&p.body_from)
                    .push_bind(&p.rule)
                    .push_bind(&p.reason)
                    .push_bind(p.fetched_at);
            });
            b.build().execute(&mut *tx).await?;
        }
        copied.pages = pages.len() as u64;

        // Facts about the data (the rules' hash the tags came from, stored encodings) go
        // with it, replacing what opening the empty database wrote.
        let meta: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM meta")
            .fetch_all(src)
            .await?;
        for (key, value) in &meta {
            sqlx::query(
                "INSERT INTO meta (key, value) VALUES ($1, $2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        copied.meta = meta.len() as u64;
        sqlx::query("SELECT pg_notify($1, 'rewritten')")
            .bind(super::CHANGES_CHANNEL)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.common.changed();
        self.common.rewritten();
        Ok(copied)
    }
}
