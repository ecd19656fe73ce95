//! The push outbox, on each backend: one row per new item written with it, cursors per
//! endpoint, pruning that waits for every endpoint.

use super::{Backend, Db, store};

on_each_backend!(
    each_new_item_gets_one_outbox_row_with_its_story_so_far,
    cursors_are_kept_per_endpoint_and_pruning_waits_for_every_endpoint,
    pruned_items_take_their_outbox_rows,
);

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

/// A store of backend `b` with sources a and b.
async fn store_ab(b: Backend) -> (Db, Store) {
    let (db, s) = store(b).await;
    let row = |id: &str| SourceRow {
        id: id.into(),
        name: id.into(),
        url: format!("http://{id}/f"),
    };
    s.sync_sources(&[row("a"), row("b")]).await.unwrap();
    (db, s)
}

async fn each_new_item_gets_one_outbox_row_with_its_story_so_far(b: Backend) {
    let (_d, s) = store_ab(b).await;
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

async fn cursors_are_kept_per_endpoint_and_pruning_waits_for_every_endpoint(b: Backend) {
    let (_d, s) = store_ab(b).await;
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

async fn pruned_items_take_their_outbox_rows(b: Backend) {
    let (_d, s) = store_ab(b).await;
    s.save_items("a", &[item("a1", &[])], now(), &mut ())
        .await
        .unwrap();
    s.prune(Some(now().timestamp() + 10), 0).await.unwrap();
    assert!(s.outbox_after(0, 10).await.unwrap().is_empty());
}
