//! The `sources` table: configured sources and their fetch state.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{FetchRecord, SourceRow, SourceState, SqliteStore, StoreError};

fn ts(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|s| DateTime::from_timestamp(s, 0))
}

impl SqliteStore {
    /// Makes the `sources` table match the config: inserts new ones, updates names and URLs,
    /// marks sources no longer configured as retired (their items stay).
    ///
    /// A retired source's id given to another feed (another URL) would show the old feed's
    /// items under the new one: the retired source and its items move to a new id first
    /// (`{id}~retired`, then `{id}~retired-2`, …), so the new source starts clean and the old
    /// items stay apart until retention removes them. The same URL back under its id is the
    /// same source, and keeps its items.
    pub async fn sync_sources(&self, sources: &[SourceRow]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        let retired: Vec<(String, String)> =
            sqlx::query_as("SELECT id, url FROM sources WHERE retired = 1")
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
                let taken: Option<i64> = sqlx::query_scalar("SELECT 1 FROM sources WHERE id = ?")
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
                 SELECT ?, name, url, 1, last_attempt, last_success, feed_title, feed_link FROM sources WHERE id = ?",
            )
            .bind(&new_id)
            .bind(&s.id)
            .execute(&mut *tx)
            .await?;
            let moved = sqlx::query("UPDATE items SET source_id = ? WHERE source_id = ?")
                .bind(&new_id)
                .bind(&s.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            sqlx::query("DELETE FROM sources WHERE id = ?")
                .bind(&s.id)
                .execute(&mut *tx)
                .await?;
            tracing::warn!(
                source_id = %s.id, url = %s.url, old_url = %old_url, retired_as = %new_id, items = moved,
                "the id of a removed source now names another feed: the new source starts clean, the old one's items stay under the retired id"
            );
            archived = true;
        }
        sqlx::query("UPDATE sources SET retired = 1")
            .execute(&mut *tx)
            .await?;
        for s in sources {
            // A changed URL invalidates the validators and body hash of the old one.
            sqlx::query(
                "INSERT INTO sources (id, name, url, retired) VALUES (?, ?, ?, 0)
                 ON CONFLICT(id) DO UPDATE SET name = excluded.name, retired = 0,
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
        let rows = sqlx::query(
            "SELECT s.*, (SELECT COUNT(*) FROM items i WHERE i.source_id = s.id) AS item_count
             FROM sources s ORDER BY s.retired, s.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row_to_state).collect()
    }

    /// One source's state.
    pub async fn source(&self, id: &str) -> Result<Option<SourceState>, StoreError> {
        let row = sqlx::query(
            "SELECT s.*, (SELECT COUNT(*) FROM items i WHERE i.source_id = s.id) AS item_count
             FROM sources s WHERE s.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_to_state).transpose()
    }

    /// A source's display name, without the state and item count of [`SqliteStore::source`]:
    /// the source feed route asks for it on every request.
    pub async fn source_name(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT name FROM sources WHERE id = ?")
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
        sqlx::query(
            "UPDATE sources SET
               last_attempt = ?,
               last_success = CASE WHEN ? THEN ? ELSE last_success END,
               http_status = ?,
               error = ?,
               consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures + 1 END,
               next_due = ?,
               etag = COALESCE(?, etag),
               last_modified = COALESCE(?, last_modified),
               body_hash = COALESCE(?, body_hash),
               items_seen = COALESCE(?, items_seen),
               items_new = COALESCE(?, items_new),
               items_too_old = COALESCE(?, items_too_old),
               permanent_redirect = ?,
               feed_title = COALESCE(?, feed_title),
               feed_link = COALESCE(?, feed_link),
               warnings = ?
             WHERE id = ?",
        )
        .bind(r.attempted.timestamp())
        .bind(r.success)
        .bind(r.attempted.timestamp())
        .bind(r.http_status.map(i64::from))
        .bind(&r.error)
        .bind(r.success)
        .bind(r.next_due.timestamp())
        .bind(&r.etag)
        .bind(&r.last_modified)
        .bind(&r.body_hash)
        .bind(r.items_seen.map(i64::from))
        .bind(r.items_new.map(i64::from))
        .bind(r.items_too_old.map(i64::from))
        .bind(&r.permanent_redirect)
        .bind(&r.feed_title)
        .bind(&r.feed_link)
        .bind(&r.warnings)
        .bind(id)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

fn row_to_state(r: &sqlx::sqlite::SqliteRow) -> Result<SourceState, StoreError> {
    Ok(SourceState {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        retired: r.try_get::<i64, _>("retired")? != 0,
        last_attempt: ts(r.try_get("last_attempt")?),
        last_success: ts(r.try_get("last_success")?),
        http_status: r
            .try_get::<Option<i64>, _>("http_status")?
            .map(|s| s as u16),
        error: r.try_get("error")?,
        consecutive_failures: r.try_get::<i64, _>("consecutive_failures")? as u32,
        next_due: ts(r.try_get("next_due")?),
        etag: r.try_get("etag")?,
        last_modified: r.try_get("last_modified")?,
        body_hash: r.try_get("body_hash")?,
        items_seen: r.try_get::<Option<i64>, _>("items_seen")?.map(|v| v as u32),
        items_new: r.try_get::<Option<i64>, _>("items_new")?.map(|v| v as u32),
        items_too_old: r
            .try_get::<Option<i64>, _>("items_too_old")?
            .map(|v| v as u32),
        permanent_redirect: r.try_get("permanent_redirect")?,
        feed_title: r.try_get("feed_title")?,
        feed_link: r.try_get("feed_link")?,
        warnings: r.try_get("warnings")?,
        item_count: r.try_get("item_count")?,
    })
}
