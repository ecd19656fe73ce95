//! Retention: removing items past the age limit or past a source's cap, with their tags,
//! search terms and page records.

use super::{Change, PRUNE_LOCK, PgStore, StoreError, advisory_lock, notify};

impl PgStore {
    /// Removes items older than `cutoff` (unix seconds), and items past the newest
    /// `max_per_source` of their source unless they are the only copy of their story (those
    /// stay until they leave the window). `0` disables either rule. Returns (by age, by cap).
    ///
    /// Runs of several instances are serialized by `PRUNE_LOCK`, and the counts are the
    /// rows this run deleted: a second instance pruning just after the first finds nothing
    /// left to do and says so.
    pub async fn prune(
        &self,
        cutoff: Option<i64>,
        max_per_source: u32,
    ) -> Result<(u64, u64), StoreError> {
        let mut tx = self.write().await?;
        advisory_lock(&mut tx, PRUNE_LOCK).await?;
        let doomed_by_age: Vec<i64> = match cutoff {
            Some(c) => {
                sqlx::query_scalar("SELECT id FROM items WHERE sort_ts < $1")
                    .bind(c)
                    .fetch_all(&mut *tx)
                    .await?
            }
            None => Vec::new(),
        };
        let doomed_by_cap: Vec<i64> = if max_per_source > 0 {
            sqlx::query_scalar(
                "SELECT id FROM (
                   SELECT i.id, i.story_id, ROW_NUMBER() OVER (PARTITION BY i.source_id ORDER BY i.sort_ts DESC, i.id DESC) AS n
                   FROM items i WHERE i.sort_ts >= $1
                 ) r
                 WHERE r.n > $2 AND EXISTS (SELECT 1 FROM items j WHERE j.story_id = r.story_id AND j.id <> r.id)",
            )
            .bind(cutoff.unwrap_or(i64::MIN))
            .bind(i64::from(max_per_source))
            .fetch_all(&mut *tx)
            .await?
        } else {
            Vec::new()
        };
        // Tags and search terms go by their foreign keys' ON DELETE CASCADE, page records
        // by the `items_delete_pages` trigger. Both lists are chosen before either is
        // deleted, as in SQLite: deleting by age first would change which items are the
        // only copy of their story.
        let mut counts = [0u64; 2];
        for (n, ids) in [&doomed_by_age, &doomed_by_cap].into_iter().enumerate() {
            if !ids.is_empty() {
                counts[n] = sqlx::query("DELETE FROM items WHERE id = ANY($1)")
                    .bind(ids)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
            }
        }
        let removed = counts != [0, 0];
        if removed {
            notify(&mut tx, Change::Changed).await?;
            notify(&mut tx, Change::Rewritten).await?;
        }
        tx.commit().await?;
        if removed {
            self.common.changed();
            self.common.rewritten();
        }
        Ok((counts[0], counts[1]))
    }
}
