//! The push outbox: rows written with the items they announce, read in order by the
//! webhook dispatcher and the live stream, and the dispatcher's per-endpoint cursors.

use sqlx::{QueryBuilder, Sqlite};

use super::{SqliteStore, StoreError};
use crate::store::types::{EarlierItem, OutboxRow};

impl SqliteStore {
    /// Outbox rows after `after_seq`, oldest first, at most `limit`; rows whose item is gone
    /// are gone too. [`crate::store::Store::outbox_after`] makes them events.
    pub async fn outbox_rows_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT seq, item_id, created_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Outbox rows of items after `after_item` (a live stream's `Last-Event-ID`), oldest
    /// first, at most `limit`.
    pub async fn outbox_rows_after_item(
        &self,
        after_item: i64,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT seq, item_id, created_at FROM outbox WHERE item_id > ? ORDER BY seq LIMIT ?",
        )
        .bind(after_item)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// The items of `story_id` stored before `item_id`, with their topics.
    pub async fn earlier_items(
        &self,
        story_id: i64,
        item_id: i64,
    ) -> Result<Vec<EarlierItem>, StoreError> {
        let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
            "SELECT j.id, j.source_id, t.topic FROM items j LEFT JOIN item_topics t ON t.item_id = j.id
             WHERE j.story_id = ? AND j.id < ? ORDER BY j.id, t.topic",
        )
        .bind(story_id)
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<(i64, EarlierItem)> = Vec::new();
        for (id, source_id, topic) in rows {
            if out.last().is_none_or(|(last, _)| *last != id) {
                out.push((
                    id,
                    EarlierItem {
                        source_id,
                        topics: Vec::new(),
                    },
                ));
            }
            if let (Some(t), Some((_, e))) = (topic, out.last_mut()) {
                e.topics.push(t);
            }
        }
        Ok(out.into_iter().map(|(_, e)| e).collect())
    }

    /// The newest outbox position (0 when nothing was ever written).
    pub async fn outbox_head(&self) -> Result<i64, StoreError> {
        // sqlite_sequence keeps the highest seq ever given, even when the rows are gone.
        Ok(
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
                .fetch_optional(&self.pool)
                .await?
                .unwrap_or(0),
        )
    }

    /// Where an endpoint's deliveries have got, if it was ever started.
    pub async fn outbox_cursor(&self, endpoint: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT seq FROM outbox_cursors WHERE endpoint = ?")
                .bind(endpoint)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Records that an endpoint is done with every row up to `seq`.
    pub async fn set_outbox_cursor(&self, endpoint: &str, seq: i64) -> Result<(), StoreError> {
        self.common
            .retrying(
                "outbox cursor",
                |_| true,
                || async {
                    sqlx::query(
                        "INSERT INTO outbox_cursors (endpoint, seq) VALUES (?, ?)
                     ON CONFLICT(endpoint) DO UPDATE SET seq = excluded.seq",
                    )
                    .bind(endpoint)
                    .bind(seq)
                    .execute(&self.writer)
                    .await?;
                    Ok(())
                },
            )
            .await
    }

    /// Deletes outbox rows stored before `before` (unix seconds) that every endpoint in
    /// `endpoints` is done with; returns how many went.
    pub async fn prune_outbox(&self, before: i64, endpoints: &[String]) -> Result<u64, StoreError> {
        let mut b: QueryBuilder<Sqlite> =
            QueryBuilder::new("DELETE FROM outbox WHERE created_at < ");
        b.push_bind(before);
        for e in endpoints {
            b.push(" AND seq <= COALESCE((SELECT seq FROM outbox_cursors WHERE endpoint = ")
                .push_bind(e.clone())
                .push("), 0)");
        }
        Ok(b.build().execute(&self.writer).await?.rows_affected())
    }
}

/// Writes the outbox rows of items stored in `tx` (one per item, in id order).
pub(super) async fn record_new_items(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    ids: &[i64],
    now: i64,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(400) {
        let mut b: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO outbox (item_id, created_at) ");
        b.push_values(chunk, |mut r, id| {
            r.push_bind(*id).push_bind(now);
        });
        b.build().execute(&mut **tx).await?;
    }
    Ok(())
}
