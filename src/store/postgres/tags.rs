//! The `item_topics` table: tags with their evidence, written with their items or
//! replaced when the rules change, and read back onto listed items.

use std::collections::HashMap;

use sqlx::{Postgres, Row, Transaction};

use super::{Change, PgStore, StoreError, notify};
use crate::model::{StoredItem, TopicTag};

impl PgStore {
    /// Items in id order after `after_id`, for re-tagging in batches: (id, source id,
    /// title, text).
    pub async fn item_texts(
        &self,
        after_id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, source_id, title, text FROM items WHERE id > $1 ORDER BY id LIMIT $2",
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
                    EXISTS (SELECT 1 FROM item_topics t WHERE t.item_id = i.id AND t.topic = $1) AS tagged
             FROM items i WHERE i.sort_ts >= $2 ORDER BY i.sort_ts DESC, i.id DESC",
        )
        .bind(topic)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Replaces the tags of many items in one transaction.
    ///
    /// Instances that re-tag at once (each after the same rules change) compute the same
    /// tags: the rows are upserted, so the one that commits second rewrites the same
    /// values instead of failing on the first one's rows.
    pub async fn replace_tags(&self, tags: &[(i64, Vec<TopicTag>)]) -> Result<(), StoreError> {
        // An item listed twice gets its last tags, as when each is replaced in turn.
        let last: HashMap<i64, usize> = tags
            .iter()
            .enumerate()
            .map(|(n, (id, _))| (*id, n))
            .collect();
        let rows: Vec<(i64, &[TopicTag])> = tags
            .iter()
            .enumerate()
            .filter(|(n, (id, _))| last[id] == *n)
            .map(|(_, (id, t))| (*id, &t[..]))
            .collect();
        let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
        let mut tx = self.write().await?;
        sqlx::query("DELETE FROM item_topics WHERE item_id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        insert_tag_rows(&mut tx, &rows).await?;
        notify(&mut tx, Change::Changed, &self.token).await?;
        tx.commit().await?;
        self.common.changed();
        Ok(())
    }

    /// Fills each item's `topics`, highest score first.
    pub(super) async fn attach_tags(&self, items: &mut [StoredItem]) -> Result<(), StoreError> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = items.iter().map(|it| it.id).collect();
        // Slugs in byte order, as SQLite compares text (a database's own collation may
        // order them otherwise).
        let rows = sqlx::query(
            "SELECT item_id, topic, score, matches FROM item_topics WHERE item_id = ANY($1)
             ORDER BY score DESC, topic COLLATE \"C\"",
        )
        .bind(&ids)
        .fetch_all(&self.pool)
        .await?;
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

/// Tag rows of several items in one statement (the rows bound as four arrays, so any
/// number fits); the evidence is stored as JSON. A row already there is overwritten: see
/// [`PgStore::replace_tags`].
pub(super) async fn insert_tag_rows(
    tx: &mut Transaction<'_, Postgres>,
    items: &[(i64, &[TopicTag])],
) -> Result<(), StoreError> {
    let (mut ids, mut slugs, mut scores, mut matches) = (vec![], vec![], vec![], vec![]);
    for &(item_id, tags) in items {
        for t in tags {
            ids.push(item_id);
            slugs.push(t.slug.as_str());
            scores.push(t.score);
            matches.push(serde_json::to_string(&t.matches)?);
        }
    }
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO item_topics (item_id, topic, score, matches)
         SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::DOUBLE PRECISION[], $4::TEXT[])
         ON CONFLICT (item_id, topic) DO UPDATE SET score = excluded.score, matches = excluded.matches",
    )
    .bind(&ids)
    .bind(&slugs)
    .bind(&scores)
    .bind(&matches)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
