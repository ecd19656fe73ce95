//! The `item_topics` table: tags with their evidence, written with their items or
//! replaced when the rules change, and read back onto listed items.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Row, Sqlite};

use super::{SqliteStore, StoreError};
use crate::model::{StoredItem, TopicTag};

impl SqliteStore {
    /// Items in id order after `after_id`, for re-tagging in batches: (id, source id,
    /// title, text).
    pub async fn item_texts(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source_id, title, text FROM items WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after_id)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Items at or after `since` with whether they carry `topic` now: (id, source id,
    /// title, text, tagged), newest first. For dry runs of a topic's rules.
    pub async fn items_with_topic_flag(
        &self,
        topic: &str,
        since: i64,
    ) -> Result<Vec<(i64, String, String, String, bool)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT i.id, i.source_id, i.title, i.text,
                    EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = i.id AND t.topic = ?) AS tagged
             FROM items i WHERE i.sort_ts >= ? ORDER BY i.sort_ts DESC, i.id DESC",
        )
        .bind(topic)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the tags of many items in one transaction.
    pub async fn replace_tags(&self, tags: &[(i64, Vec<TopicTag>)]) -> Result<(), StoreError> {
        let mut tx = self.write().await?;
        for (id, t) in tags {
            sqlx::query("DELETE FROM item_topics WHERE item_id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            insert_tag_rows(&mut tx, &[(*id, t)]).await?;
        }
        tx.commit().await?;
        self.common.changed();
        Ok(())
    }

    /// Fills each item's `topics`, highest score first.
    pub(super) async fn attach_tags(&self, items: &mut [StoredItem]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT item_id, topic, score, matches FROM item_topics WHERE item_id IN (",
        );
        let mut sep = b.separated(", ");
        for it in items.iter() {
            sep.push_bind(it.id);
        }
        b.push(") ORDER BY score DESC, topic");
        let rows = b.build().fetch_all(&self.pool).await?;
        let mut by_id: HashMap<i64, Vec<TopicTag>> = HashMap::new();
        for r in rows {
            let matches: String = r.try_get("matches")?;
            by_id
                .entry(r.try_get("item_id")?)
                .or_default()
                .push(TopicTag {
                    slug: r.try_get("topic")?,
                    score: r.try_get("score")?,
                    matches: serde_json::from_str(&matches)?,
                });
        }
        for it in items.iter_mut() {
            it.topics = by_id.remove(&it.id).unwrap_or_default();
        }
        Ok(())
    }
}

/// Tag rows of several items (which have none yet) in one statement; the evidence is
/// stored as JSON.
pub(super) async fn insert_tag_rows(
    tx: &mut sqlx::Transaction<'_, Sqlite>,
    items: &[(i64, &[TopicTag])],
) -> Result<(), StoreError> {
    let mut rows = Vec::new();
    for &(item_id, tags) in items {
        for t in tags {
            rows.push((
                item_id,
                t.slug.as_str(),
                t.score,
                serde_json::to_string(&t.matches)?,
            ));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let mut b: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT INTO item_topics (item_id, topic, score, matches) ");
    b.push_values(rows, |mut r, (item_id, slug, score, matches)| {
        r.push_bind(item_id)
            .push_bind(slug)
            .push_bind(score)
            .push_bind(matches);
    });
    b.build().execute(&mut **tx).await?;
    Ok(())
}
