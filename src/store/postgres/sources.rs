//! The `sources` table: configured sources and their fetch state.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{
    Change, FetchRecord, PgStore, SYNC_LOCK, SourceRow, SourceState, StoreError, advisory_lock,
    notify,
};

fn ts(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|s| DateTime::from_timestamp(s, 0))
}

/// Sources with their item counts, configured ones first, by id in byte order (as SQLite
/// orders text; the database's collation may differ).
const SELECT_SOURCES: &str =
    "SELECT s.*, (SELECT COUNT(*) FROM items i WHERE i.source_id = s.id) AS item_count
     FROM sources s";

impl PgStore {
    /// Makes the `sources` table match the config: inserts new ones, updates names and URLs,
    /// marks sources no longer configured as retired (their items stay).
    ///
    /// A retired source's id given to another feed (another URL) would show the old feed's
    /// items under the new one: the retired source and its items move to a new id first
    /// (`{id}~retired`, then `{id}~retired-2`, …), so the new source starts clean and the old
    /// items stay apart until retention removes them. The same URL back under its id is the
    /// same source, and keeps its items.
    ///
    /// Instances starting together each sync: `SYNC_LOCK` makes the second wait for the
    /// first and then find nothing to move.
    pub async fn sync_sources(&self, sources: &[SourceRow]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        advisory_lock(&mut tx, SYNC_LOCK).await?;
        let retired: Vec<(String, String)> =
            sqlx::query_as("SELECT id, url FROM sources WHERE retired")
                .fetch_all(&mut *tx)
                .await?;
        let mut archived = false;
        for s in sources {
            let Some((_, old_url)) = retired
                .iter()
                .find(|(id, url)| *id == s.id && *url != s.url)
            else {
                continue;
            };
            let mut n = 1;
            let new_id = loop {
                let candidate = match n {
                    1 => format!("{}~retired", s.id),
                    _ => format!("{}~retired-{n}", s.id),
                };
                let taken: Option<i32> = sqlx::query_scalar("SELECT 1 FROM sources WHERE id = $1")
                    .bind(&candidate)
                    .fetch_optional(&mut *tx)
                    .await?;
                if taken.is_none() {
                    break candidate;
                }
                n += 1;
            };
            sqlx::query(
                "INSERT INTO sources (id, name, url, retired, last_attempt, last_success, feed_title, feed_link)
                 SELECT $1, name, url, TRUE, last_attempt, last_success, feed_title, feed_link FROM sources WHERE id = $2",
            )
            .bind(&new_id)
            .bind(&s.id)
            .execute(&mut *tx)
            .await?;
            let moved = sqlx::query("UPDATE items SET source_id = $1 WHERE source_id = $2")
                .bind(&new_id)
                .bind(&s.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM sources WHERE id = $1")
                .bind(&s.id)
                .execute(&mut *tx)
                .await?;
            tracing::warn!(
                source_id = %s.id, url = %s.url, old_url = %old_url, retired_as = %new_id, items = moved,
                "the id of a removed source now names another feed: the new source starts clean, the old one's items stay under the retired id"
            );
            archived = true;
        }
        // Configured sources are left out here rather than retired and brought back by
        // the upsert below: each instance syncs at every start and reload, and every row
        // an update touches is a new row version for PostgreSQL.
        let configured: Vec<&str> = sources.iter().map(|s| s.id.as_str()).collect();
        sqlx::query("UPDATE sources SET retired = TRUE WHERE NOT retired AND id <> ALL($1)")
            .bind(&configured)
            .execute(&mut *tx)
            .await?;
        for s in sources {
            // A changed URL invalidates the validators and body hash of the old one.
            sqlx::query(
                "INSERT INTO sources (id, name, url, retired) VALUES ($1, $2, $3, FALSE)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, retired = FALSE,
                   etag = CASE WHEN sources.url = excluded.url THEN sources.etag END,
                   last_modified = CASE WHEN sources.url = excluded.url THEN sources.last_modified END,
                   body_hash = CASE WHEN sources.url = excluded.url THEN sources.body_hash END,
                   url = excluded.url",
            )
            .bind(&s.id)
            .bind(&s.name)
            .bind(&s.url)
            .execute(&mut *tx)
            .await?;
        }
        if archived {
            notify(&mut tx, Change::Changed).await?;
            notify(&mut tx, Change::Rewritten).await?;
        }
        tx.commit().await?;
        if archived {
            self.common.changed();
            // Views that hold items by source (the story index) must see the move.
            self.common.rewritten();
        }
        Ok(())
    }

    /// Every source with its state, configured ones first, by id.
    pub async fn sources(&self) -> Result<Vec<SourceState>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_SOURCES} ORDER BY s.retired, s.id COLLATE \"C\""
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_to_state).collect()
    }

    /// One source's state.
    pub async fn source(&self, id: &str) -> Result<Option<SourceState>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{SELECT_SOURCES} WHERE s.id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_to_state).transpose()
    }

    /// A source's display name, without the state and item count of [`PgStore::source`]:
    /// the source feed route asks for it on every request.
    pub async fn source_name(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT name FROM sources WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Records a fetch outcome on the source, retried while the database is locked; a
    /// failure is remembered until a record succeeds again.
    pub async fn record_fetch(&self, id: &str, r: &FetchRecord) -> Result<(), StoreError> {
        self.common
            .retrying("record fetch", |_| true, || self.record_fetch_once(id, r))
            .await
    }

    async fn record_fetch_once(&self, id: &str, r: &FetchRecord) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        sqlx::query(
            "UPDATE sources SET
               last_attempt = $1,
               last_success = CASE WHEN $2 THEN $1 ELSE last_success END,
               http_status = $3,
               error = $4,
               consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures + 1 END,
               next_due = $5,
               etag = COALESCE($6, etag),
               last_modified = COALESCE($7, last_modified),
               body_hash = COALESCE($8, body_hash),
               items_seen = COALESCE($9, items_seen),
               items_new = COALESCE($10, items_new),
               items_too_old = COALESCE($11, items_too_old),
               permanent_redirect = $12,
               feed_title = COALESCE($13, feed_title),
               feed_link = COALESCE($14, feed_link),
               warnings = $15
             WHERE id = $16",
        )
        .bind(r.attempted.timestamp())
        .bind(r.success)
        .bind(r.http_status.map(i32::from))
        .bind(&r.error)
        .bind(r.next_due.timestamp())
        .bind(&r.etag)
        .bind(&r.last_modified)
        .bind(&r.body_hash)
        .bind(r.items_seen.map(count))
        .bind(r.items_new.map(count))
        .bind(r.items_too_old.map(count))
        .bind(&r.permanent_redirect)
        .bind(&r.feed_title)
        .bind(&r.feed_link)
        .bind(&r.warnings)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A count for an `INTEGER` column (32 bits), saturated: a feed with two billion items is
/// not a feed.
fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// A 32-bit column read back as the unsigned count it holds.
fn unsigned(v: Option<i32>) -> Option<u32> {
    v.map(|v| v.max(0) as u32)
}

fn row_to_state(r: &sqlx::postgres::PgRow) -> Result<SourceState, StoreError> {
    Ok(SourceState {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        retired: r.try_get("retired")?,
        last_attempt: ts(r.try_get("last_attempt")?),
        last_success: ts(r.try_get("last_success")?),
        http_status: r
            .try_get::<Option<i32>, _>("http_status")?
            .map(|s| s as u16),
        error: r.try_get("error")?,
        consecutive_failures: r.try_get::<i32, _>("consecutive_failures")?.max(0) as u32,
        next_due: ts(r.try_get("next_due")?),
        etag: r.try_get("etag")?,
        last_modified: r.try_get("last_modified")?,
        body_hash: r.try_get("body_hash")?,
        items_seen: unsigned(r.try_get("items_seen")?),
        items_new: unsigned(r.try_get("items_new")?),
        items_too_old: unsigned(r.try_get("items_too_old")?),
        permanent_redirect: r.try_get("permanent_redirect")?,
        feed_title: r.try_get("feed_title")?,
        feed_link: r.try_get("feed_link")?,
        warnings: r.try_get("warnings")?,
        item_count: r.try_get("item_count")?,
    })
}
