//! The `item_pages` table: provenance of the bodies of `full_text` sources' items, and
//! what fetching each item's page at most once per item version needs.

use std::collections::HashMap;

use serde::Serialize;
use sqlx::{QueryBuilder, Sqlite};

use super::{Store, StoreError};

/// Where an item's body came from, and the page state kept for it.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct PageRecord {
    /// The item's guid.
    pub guid: String,
    /// Hash of the item as the feed gave it: the page is fetched again only when it changes.
    pub feed_hash: String,
    /// The page fetched (after redirects), when there was one.
    pub page_url: Option<String>,
    /// The page's `ETag`.
    pub etag: Option<String>,
    /// The page's `Last-Modified`.
    pub last_modified: Option<String>,
    /// "page" or "feed".
    pub body_from: String,
    /// The extraction rule that produced the body (`content_selector "…"`, `readability`).
    pub rule: Option<String>,
    /// Why the page was not used, when `body_from` is "feed".
    pub reason: Option<String>,
    /// When the page was fetched or given up on (unix seconds).
    pub fetched_at: i64,
}

/// A stored page record with the item's current body when that came from the page (to
/// reuse on a 304 answer).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PageState {
    /// The record.
    #[sqlx(flatten)]
    pub record: PageRecord,
    /// The item's stored `content_html`, when its body came from the page.
    pub page_html: Option<String>,
}

impl Store {
    /// The page states of these items of a source, by guid.
    pub async fn page_states(
        &self,
        source_id: &str,
        guids: &[&str],
    ) -> Result<HashMap<String, PageState>, StoreError> {
        let mut out = HashMap::new();
        for chunk in guids.chunks(500) {
            let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT p.guid, p.feed_hash, p.page_url, p.etag, p.last_modified, p.body_from,
                        p.rule, p.reason, p.fetched_at,
                        CASE WHEN p.body_from = 'page' THEN i.content_html END AS page_html
                 FROM item_pages p LEFT JOIN items i ON i.source_id = p.source_id AND i.guid = p.guid
                 WHERE p.source_id = ",
            );
            b.push_bind(source_id.to_string()).push(" AND p.guid IN (");
            let mut sep = b.separated(", ");
            for g in chunk {
                sep.push_bind(g.to_string());
            }
            b.push(")");
            let rows: Vec<PageState> = b.build_query_as().fetch_all(&self.pool).await?;
            out.extend(rows.into_iter().map(|r| (r.record.guid.clone(), r)));
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
        self.retrying(
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
        let mut tx = self.write().await?;
        for chunk in records.chunks(100) {
            let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT OR REPLACE INTO item_pages (source_id, guid, feed_hash, page_url, etag,
                   last_modified, body_from, rule, reason, fetched_at) ",
            );
            b.push_values(chunk, |mut row, r| {
                row.push_bind(source_id.to_string())
                    .push_bind(r.guid.clone())
                    .push_bind(r.feed_hash.clone())
                    .push_bind(r.page_url.clone())
                    .push_bind(r.etag.clone())
                    .push_bind(r.last_modified.clone())
                    .push_bind(r.body_from.clone())
                    .push_bind(r.rule.clone())
                    .push_bind(r.reason.clone())
                    .push_bind(r.fetched_at);
            });
            b.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
