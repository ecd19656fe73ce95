//! The `sources` table: configured sources and their fetch state.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::{Store, StoreError};

/// A source as configured (what `sync_sources` writes).
#[derive(Debug, Clone)]
pub struct SourceRow {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Feed URL.
    pub url: String,
}

/// A source with its fetch state, as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceState {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Feed URL.
    pub url: String,
    /// No longer in the config; its items stay until retention removes them.
    pub retired: bool,
    /// Last fetch attempt.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Last successful fetch (including 304).
    pub last_success: Option<DateTime<Utc>>,
    /// HTTP status of the last answer.
    pub http_status: Option<u16>,
    /// Error of the last attempt, if it failed.
    pub error: Option<String>,
    /// Failures since the last success.
    pub consecutive_failures: u32,
    /// When the source may be fetched next.
    pub next_due: Option<DateTime<Utc>>,
    /// Validator for conditional GET.
    pub etag: Option<String>,
    /// Validator for conditional GET.
    pub last_modified: Option<String>,
    /// Hash of the last body, to skip parsing an unchanged body.
    pub body_hash: Option<String>,
    /// Items in the last fetched feed.
    pub items_seen: Option<u32>,
    /// Items new in the last fetch.
    pub items_new: Option<u32>,
    /// Items of the last fetch left out as older than `retention_days`.
    pub items_too_old: Option<u32>,
    /// Where a permanent redirect (301/308) points; the config is not rewritten.
    pub permanent_redirect: Option<String>,
    /// The feed's own title.
    pub feed_title: Option<String>,
    /// The feed's site link.
    pub feed_link: Option<String>,
    /// Parser warnings of the last fetch.
    pub warnings: Option<String>,
    /// Items stored from this source.
    pub item_count: i64,
}

/// The outcome of one fetch, to record on the source.
#[derive(Debug, Clone, Default)]
pub struct FetchRecord {
    /// When it was attempted.
    pub attempted: DateTime<Utc>,
    /// Whether it succeeded (200 parsed, or 304).
    pub success: bool,
    /// HTTP status, when an answer came.
    pub http_status: Option<u16>,
    /// Error message when it failed.
    pub error: Option<String>,
    /// When to fetch next.
    pub next_due: DateTime<Utc>,
    /// New validators (kept when `None`).
    pub etag: Option<String>,
    /// New validators (kept when `None`).
    pub last_modified: Option<String>,
    /// New body hash (kept when `None`).
    pub body_hash: Option<String>,
    /// Items in the feed.
    pub items_seen: Option<u32>,
    /// Items new.
    pub items_new: Option<u32>,
    /// Items left out as older than `retention_days`.
    pub items_too_old: Option<u32>,
    /// Permanent redirect target seen in this fetch.
    pub permanent_redirect: Option<String>,
    /// Feed title.
    pub feed_title: Option<String>,
    /// Feed link.
    pub feed_link: Option<String>,
    /// Parser warnings, joined.
    pub warnings: Option<String>,
}

fn ts(v: Option<i64>) -> Option<DateTime<Utc>> {
    v.and_then(|s| DateTime::from_timestamp(s, 0))
}

impl Store {
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
            self.changed();
            // The story index holds sources by id: reload it with the moved items.
            *self.stories.lock().await = None;
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

    /// A source's display name, without the state and item count of [`Store::source`]:
    /// the source feed route asks for it on every request.
    pub async fn source_name(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT name FROM sources WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Records a fetch outcome on the source (once; see `Store::record_fetch`).
    pub(super) async fn record_fetch_once(
        &self,
        id: &str,
        r: &FetchRecord,
    ) -> Result<(), StoreError> {
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
