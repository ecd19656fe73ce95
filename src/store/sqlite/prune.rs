//! Retention: removing items past the age limit or past a source's cap, with their tags,
//! search terms and page records.

use sqlx::{QueryBuilder, Sqlite};

use super::{SqliteStore, StoreError};

impl SqliteStore {
    /// Removes items older than `cutoff` (unix seconds), and items past the newest
    /// `max_per_source` of their source unless they are the only copy of their story (those
    /// stay until they leave the window). `0` disables either rule. Returns (by age, by cap).
    pub async fn prune(
        &self,
        cutoff: Option<i64>,
        max_per_source: u32,
    ) -> Result<(u64, u64), StoreError> {
        let mut tx = self.write().await?;
        let doomed_by_age: Vec<i64> = match cutoff {
            Some(c) => {
                sqlx::query_scalar("SELECT id FROM items WHERE sort_ts < ?")
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
                   FROM items i WHERE i.sort_ts >= ?
                 ) r
                 WHERE r.n > ? AND EXISTS (SELECT 1 FROM items j WHERE j.story_id = r.story_id AND j.id != r.id)",
            )
            .bind(cutoff.unwrap_or(i64::MIN))
            .bind(i64::from(max_per_source))
            .fetch_all(&mut *tx)
            .await?
        } else {
            Vec::new()
        };
        // (table, its item id column); page records go by the `items_delete_pages` trigger.
        const TABLES: [(&str, &str); 3] = [
            ("item_topics", "item_id"),
            ("items_fts", "rowid"),
            ("items", "id"),
        ];
        for chunk in doomed_by_age.chunks(500).chain(doomed_by_cap.chunks(500)) {
            for (table, col) in TABLES {
                let mut b: QueryBuilder<Sqlite> =
                    QueryBuilder::new(format!("DELETE FROM {table} WHERE {col} IN ("));
                let mut sep = b.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                b.push(")");
                b.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        if !doomed_by_age.is_empty() || !doomed_by_cap.is_empty() {
            self.common.changed();
            self.common.rewritten();
        }
        Ok((doomed_by_age.len() as u64, doomed_by_cap.len() as u64))
    }
}
