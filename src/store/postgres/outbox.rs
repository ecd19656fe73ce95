//! The push outbox in PostgreSQL: the same rows and cursors as SQLite's. Rows are written
//! by `save_items` under `SAVE_LOCK`, so outbox positions are taken and committed in the
//! same order across instances: a reader never sees a later position before an earlier one
//! commits, and a cursor never skips a row.

use super::PgStore;
use crate::store::StoreError;
use crate::store::types::{EarlierItem, OutboxRow};

impl PgStore {
    /// Outbox rows after `after_seq`, oldest first, at most `limit`; rows whose item is gone
    /// are gone too. [`crate::store::Store::outbox_after`] makes them events.
    pub async fn outbox_rows_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT seq, item_id, created_at FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
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
            "SELECT seq, item_id, created_at FROM outbox WHERE item_id > $1 ORDER BY seq LIMIT $2",
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
        let rows: Vec<(String, Vec<String>)> = sqlx::query_as(
            "SELECT j.source_id, COALESCE(array_agg(t.topic ORDER BY t.topic)
                                           FILTER (WHERE t.topic IS NOT NULL), '{}')
             FROM items j LEFT JOIN item_topics t ON t.item_id = j.id
             WHERE j.story_id = $1 AND j.id < $2 GROUP BY j.id, j.source_id ORDER BY j.id",
        )
        .bind(story_id)
        .bind(item_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(source_id, topics)| EarlierItem { source_id, topics })
            .collect())
    }

    /// The newest outbox position ever given (0 when none was): the sequence's last value,
    /// which stays when rows are pruned.
    pub async fn outbox_head(&self) -> Result<i64, StoreError> {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT pg_sequence_last_value(pg_get_serial_sequence('outbox', 'seq')::regclass)",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(last.unwrap_or(0))
    }

    /// Where an endpoint's deliveries have got, if it was ever started.
    pub async fn outbox_cursor(&self, endpoint: &str) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT seq FROM outbox_cursors WHERE endpoint = $1")
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
                        "INSERT INTO outbox_cursors (endpoint, seq) VALUES ($1, $2)
                     ON CONFLICT (endpoint) DO UPDATE SET seq = excluded.seq",
                    )
                    .bind(endpoint)
                    .bind(seq)
                    .execute(&self.pool)
                    .await?;
                    Ok(())
                },
            )
            .await
    }

    /// Deletes outbox rows stored before `before` (unix seconds) that every endpoint in
    /// `endpoints` is done with; returns how many went.
    pub async fn prune_outbox(&self, before: i64, endpoints: &[String]) -> Result<u64, StoreError> {
        // An endpoint without a cursor has done nothing: 0 keeps every row for it.
        Ok(sqlx::query(
            "DELETE FROM outbox WHERE created_at < $1
               AND seq <= COALESCE((SELECT MIN(COALESCE(c.seq, 0))
                                      FROM UNNEST($2::text[]) AS e(name)
                                      LEFT JOIN outbox_cursors c ON c.endpoint = e.name),
                                   seq)",
        )
        .bind(before)
        .bind(endpoints)
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}

/// Writes the outbox rows of items stored in `tx` (one per item, in id order); the caller
/// holds `SAVE_LOCK`.
pub(super) async fn record_new_items(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ids: &[i64],
    now: i64,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO outbox (item_id, created_at) SELECT id, $2 FROM UNNEST($1::bigint[]) AS u(id) ORDER BY id",
    )
    .bind(ids)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
