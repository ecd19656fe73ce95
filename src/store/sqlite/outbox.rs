//! The push outbox: rows written with the items they announce, read in order by the
//! webhook dispatcher and the live stream, and the dispatcher's per-endpoint cursors.

use chrono::DateTime;
use sqlx::{QueryBuilder, Sqlite};

use super::{SqliteStore, StoreError};
use crate::store::types::{EarlierItem, OutboxEvent};

impl SqliteStore {
    /// Outbox rows after `after_seq`, oldest first, at most `limit`; rows whose item is gone
    /// are gone too.
    pub async fn outbox_after(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT seq, item_id, created_at FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        self.outbox_events(rows).await
    }

    /// Outbox rows of items after `after_item` (a live stream's `Last-Event-ID`), oldest
    /// first, at most `limit`.
    pub async fn outbox_after_item(
        &self,
        after_item: i64,
        limit: u32,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT seq, item_id, created_at FROM outbox WHERE item_id > ? ORDER BY seq LIMIT ?",
        )
        .bind(after_item)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        self.outbox_events(rows).await
    }

    async fn outbox_events(
        &self,
        rows: Vec<(i64, i64, i64)>,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let mut out = Vec::with_capacity(rows.len());
        for (seq, item_id, created) in rows {
            // Pruned between the two reads: nothing to announce.
            let Some(item) = self.item(item_id).await? else {
                continue;
            };
            let earlier = self.earlier_items(item.story_id, item.id).await?;
            out.push(OutboxEvent {
                seq,
                created_at: DateTime::from_timestamp(created, 0).unwrap_or_default(),
                item,
                earlier,
            });
        }
        Ok(out)
    }

    /// The items of `story_id` stored before `item_id`, with their topics.
    async fn earlier_items(
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

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use crate::model::{CleanEntry, TopicTag};
    use crate::store::{EarlierItem, NewItem, SourceRow, Store, StoryGrouping, StoryMember};

    /// Every new item with fingerprint 7 joins the first such story.
    #[derive(Default)]
    struct SameStory(Vec<StoryMember>);
    impl StoryGrouping for SameStory {
        fn nearest(&self, source_id: &str, fingerprint: u128, _: i64) -> Option<i64> {
            self.0
                .iter()
                .find(|m| m.source_id != source_id && m.fingerprint == fingerprint)
                .map(|m| m.story_id)
        }
        fn saved(&mut self, m: StoryMember) {
            self.0.push(m);
        }
    }

    fn item(guid: &str, topics: &[&str]) -> NewItem {
        NewItem {
            entry: CleanEntry {
                fingerprint: 7,
                ..CleanEntry::for_test(guid, &format!("عنوان {guid}"), "نص")
            },
            tags: topics
                .iter()
                .map(|t| TopicTag {
                    slug: t.to_string(),
                    score: 3.0,
                    matches: Vec::new(),
                })
                .collect(),
            search_terms: "نص".into(),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_790_000_000, 0).unwrap()
    }

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("m.db")).await.unwrap();
        let row = |id: &str| SourceRow {
            id: id.into(),
            name: id.into(),
            url: format!("http://{id}/f"),
        };
        s.sync_sources(&[row("a"), row("b")]).await.unwrap();
        (dir, s)
    }

    #[tokio::test]
    async fn each_new_item_gets_one_outbox_row_with_its_story_so_far() {
        let (_d, s) = store().await;
        let mut stories = SameStory::default();
        assert_eq!(s.outbox_head().await.unwrap(), 0);
        s.save_items("a", &[item("a1", &["libya"])], now(), &mut stories)
            .await
            .unwrap();
        s.save_items("b", &[item("b1", &["libya", "oil"])], now(), &mut stories)
            .await
            .unwrap();
        // Saved again unchanged, and changed: neither is new, neither is announced.
        s.save_items("a", &[item("a1", &["libya"])], now(), &mut stories)
            .await
            .unwrap();
        let mut changed = item("a1", &["libya"]);
        changed.entry.title = "عنوان آخر".into();
        s.save_items("a", &[changed], now(), &mut stories)
            .await
            .unwrap();

        let events = s.outbox_after(0, 10).await.unwrap();
        let got: Vec<(i64, i64, i64, Vec<EarlierItem>)> = events
            .iter()
            .map(|e| (e.seq, e.item.id, e.item.story_id, e.earlier.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, 1, 1, vec![]),
                (
                    2,
                    2,
                    1,
                    vec![EarlierItem {
                        source_id: "a".into(),
                        topics: vec!["libya".into()],
                    }]
                ),
            ]
        );
        assert_eq!(events[0].created_at, now());
        assert_eq!(events[1].item.topics.len(), 2);
        assert_eq!(s.outbox_head().await.unwrap(), 2);
        assert_eq!(s.outbox_after(1, 10).await.unwrap()[0].seq, 2);
        assert_eq!(s.outbox_after_item(1, 10).await.unwrap()[0].item.id, 2);
        assert!(s.outbox_after(0, 0).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn cursors_are_kept_per_endpoint_and_pruning_waits_for_every_endpoint() {
        let (_d, s) = store().await;
        let mut stories = SameStory::default();
        s.save_items(
            "a",
            &[item("a1", &[]), item("a2", &[])],
            now(),
            &mut stories,
        )
        .await
        .unwrap();
        assert_eq!(s.outbox_cursor("desk").await.unwrap(), None);
        s.set_outbox_cursor("desk", 1).await.unwrap();
        s.set_outbox_cursor("wire", 2).await.unwrap();
        assert_eq!(s.outbox_cursor("desk").await.unwrap(), Some(1));
        let later = now().timestamp() + 1;
        let names = ["desk".to_string(), "wire".to_string()];
        assert_eq!(s.prune_outbox(now().timestamp(), &names).await.unwrap(), 0);
        assert_eq!(s.prune_outbox(later, &names).await.unwrap(), 1);
        s.set_outbox_cursor("desk", 2).await.unwrap();
        assert_eq!(s.prune_outbox(later, &names).await.unwrap(), 1);
        assert!(s.outbox_after(0, 10).await.unwrap().is_empty());
        // The head does not move back when the rows go: positions are never reused.
        assert_eq!(s.outbox_head().await.unwrap(), 2);
        s.save_items("a", &[item("a3", &[])], now(), &mut stories)
            .await
            .unwrap();
        assert_eq!(s.outbox_after(2, 10).await.unwrap()[0].seq, 3);
    }

    #[tokio::test]
    async fn pruned_items_take_their_outbox_rows() {
        let (_d, s) = store().await;
        s.save_items("a", &[item("a1", &[])], now(), &mut ())
            .await
            .unwrap();
        s.prune(Some(now().timestamp() + 10), 0).await.unwrap();
        assert!(s.outbox_after(0, 10).await.unwrap().is_empty());
    }
}
