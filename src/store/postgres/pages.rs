//! The `item_pages` table: provenance of the bodies of `full_text` sources' items, and
//! what fetching each item's page at most once per item version needs.

use std::collections::HashMap;

use sqlx::{Postgres, QueryBuilder, Row};

use super::{PageRecord, PageState, PgStore, StoreError};

/// Page records per `INSERT`: 10 values each, well under PostgreSQL's 65,535.
const INSERT_CHUNK: usize = 1000;

impl PgStore {
    /// The page states of these items of a source, by guid.
    pub async fn page_states(
        &self,
        source_id: &str,
        guids: &[&str],
    ) -> Result<HashMap<String, PageState>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.guid, p.feed_hash, p.page_url, p.etag, p.last_modified, p.body_from,
                    p.rule, p.reason, p.fetched_at,
                    CASE WHEN p.body_from = 'page' THEN i.content_html END AS page_html
             FROM item_pages p LEFT JOIN items i ON i.source_id = p.source_id AND i.guid = p.guid
             WHERE p.source_id = $1 AND p.guid = ANY($2)",
        )
        .bind(source_id)
        .bind(guids)
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::new();
        for row in rows {
            let state = row_to_page_state(&row)?;
            out.insert(state.record.guid.clone(), state);
        }
        Ok(out)
    }

    /// The page record of one item (provenance, for `inspect`, the API and tests).
    pub async fn page_record(
        &self,
        source_id: &str,
        guid: &str,
    ) -> Result<Option<PageRecord>, StoreError> {
        Ok(self
            .page_states(source_id, &[guid])
            .await?
            .remove(guid)
            .map(|s| s.record))
    }

    /// Saves page records (after their items were saved), retried while the database is
    /// locked. A failure loses nothing but the memory of the fetch: the page is fetched
    /// again next time.
    pub async fn save_pages(
        &self,
        source_id: &str,
        records: &[PageRecord],
    ) -> Result<(), StoreError> {
        self.common
            .retrying(
                "save pages",
                |_| true,
                || self.save_pages_once(source_id, records),
            )
            .await
    }

    async fn save_pages_once(
        &self,
        source_id: &str,
        records: &[PageRecord],
    ) -> Result<(), StoreError> {
        // One row per guid, the last given (an upsert may not touch a row twice in one
        // statement; SQLite's INSERT OR REPLACE keeps the last).
        let mut last: HashMap<&str, &PageRecord> = HashMap::new();
        for r in records {
            last.insert(&r.guid, r);
        }
        let unique: Vec<&PageRecord> = records
            .iter()
            .filter(|r| std::ptr::eq(last[r.guid.as_str()], *r))
            .collect();
        let mut tx = self.write().await?;
        for chunk in unique.chunks(INSERT_CHUNK) {
            let mut b: QueryBuilder<Postgres> = QueryBuilder::new(
                "INSERT INTO item_pages (source_id, guid, feed_hash, page_url, etag,
                   last_modified, body_from, rule, reason, fetched_at) ",
            );
            b.push_values(chunk, |mut row, r| {
                row.push_bind(source_id)
                    .push_bind(&r.guid)
                    .push_bind(&r.feed_hash)
                    .push_bind(&r.page_url)
                    .push_bind(&r.etag)
                    .push_bind(&r.last_modified)
                    .push_bind(&r.body_from)
                    .push_bind(&r.rule)
                    .push_bind(&r.reason)
                    .push_bind(r.fetched_at);
            });
            b.push(
                " ON CONFLICT (source_id, guid) DO UPDATE SET feed_hash = excluded.feed_hash,
                   page_url = excluded.page_url, etag = excluded.etag,
                   last_modified = excluded.last_modified, body_from = excluded.body_from,
                   rule = excluded.rule, reason = excluded.reason, fetched_at = excluded.fetched_at",
            );
            b.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

fn row_to_page_state(r: &sqlx::postgres::PgRow) -> Result<PageState, StoreError> {
    Ok(PageState {
        record: PageRecord {
            guid: r.try_get("guid")?,
            feed_hash: r.try_get("feed_hash")?,
            page_url: r.try_get("page_url")?,
            etag: r.try_get("etag")?,
            last_modified: r.try_get("last_modified")?,
            body_from: r.try_get("body_from")?,
            rule: r.try_get("rule")?,
            reason: r.try_get("reason")?,
            fetched_at: r.try_get("fetched_at")?,
        },
        page_html: r.try_get("page_html")?,
    })
}
