//! Story grouping for the refreshes of one ingest: the nearest-story index
//! ([`crate::story::StoryIndex`]) loaded from the store, handed to each save, and kept in
//! step with what the saves store.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::model::NewItem;
use crate::store::{SaveReport, Store, StoreError, StoryGrouping, StoryMember};
use crate::story::StoryIndex;
use crate::story::index::STORY_INDEX_DAYS;

/// How long a loaded index is used before it is loaded again: it only grows while in use,
/// and reloading drops what has aged out of the [`STORY_INDEX_DAYS`] it starts with.
const RELOAD_AFTER_SECS: i64 = 86_400;

/// The story index of one store, shared by every refresh of an ingest; cheap to clone.
///
/// A Tokio mutex: it is held across the awaits of one save, which keeps saves (and their
/// story choices) in order: a save sees the items of every save before it.
#[derive(Clone, Default)]
pub struct Stories(Arc<tokio::sync::Mutex<Option<Loaded>>>);

/// An index with what it was loaded at.
struct Loaded {
    index: StoryIndex,
    /// The highest item id the index was told of.
    seen: i64,
    /// Whether other instances write the same database (the index then catches up on
    /// their items at each save).
    shared: bool,
    /// [`Store::rewrites`] when it was loaded: items removed or moved since make it stale.
    rewrites: u64,
    /// When it was loaded (unix seconds).
    at: i64,
}

impl Stories {
    /// Saves one feed's items ([`Store::save_items`]), grouping new items into stories by
    /// fingerprint with the index, which is loaded first when missing or stale.
    pub async fn save(
        &self,
        store: &Store,
        source_id: &str,
        items: &[NewItem],
        now: DateTime<Utc>,
    ) -> Result<SaveReport, StoreError> {
        let mut guard = self.0.lock().await;
        let rewrites = store.rewrites();
        let stale = guard
            .as_ref()
            .is_none_or(|l| l.rewrites != rewrites || now.timestamp() - l.at >= RELOAD_AFTER_SECS);
        if stale {
            let since = now.timestamp() - STORY_INDEX_DAYS * 86_400;
            let mut loaded = Loaded {
                index: StoryIndex::default(),
                seen: 0,
                shared: store.shared(),
                rewrites,
                at: now.timestamp(),
            };
            for m in store.story_members(since).await? {
                loaded.saved(m);
            }
            *guard = Some(loaded);
        }
        let loaded = guard.as_mut().expect("loaded above");
        store.save_items(source_id, items, now, loaded).await
    }
}

impl StoryGrouping for Loaded {
    fn nearest(&self, source_id: &str, fingerprint: u128, sort_ts: i64) -> Option<i64> {
        self.index.nearest(source_id, fingerprint, sort_ts)
    }

    fn saved(&mut self, m: StoryMember) {
        self.seen = self.seen.max(m.id);
        self.index
            .insert(m.sort_ts, m.fingerprint, m.story_id, &m.source_id);
    }

    fn seen_up_to(&self) -> Option<i64> {
        self.shared.then_some(self.seen)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::model::CleanEntry;
    use crate::store::{ItemQuery, SourceRow};
    use crate::story::fingerprint::simhash;

    const TEXT: &str = "واصلت قوات حكومة الوفاق الوطني الليبية الضغط على قوات اللواء المتقاعد خليفة حفتر جنوبي طرابلس فأجبرتها على التراجع في حين دعا حفتر لإسقاط اتفاق الصخيرات";

    fn item(guid: &str, text: &str, published: DateTime<Utc>) -> NewItem {
        NewItem {
            entry: CleanEntry {
                published: Some(published),
                fingerprint: simhash(text),
                ..CleanEntry::for_test(guid, guid, text)
            },
            tags: Vec::new(),
            search_terms: String::new(),
        }
    }

    async fn stories_of(store: &Store) -> Vec<(String, i64)> {
        let q = ItemQuery {
            dedup: false,
            ..ItemQuery::default()
        };
        let mut s: Vec<(String, i64)> = store
            .items(&q)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.guid, i.story_id))
            .collect();
        s.sort();
        s
    }

    /// A new store with sources a, b and c.
    async fn store_with_three_sources() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("m.db")).await.unwrap();
        let rows: Vec<SourceRow> = ["a", "b", "c"]
            .iter()
            .map(|id| SourceRow {
                id: id.to_string(),
                name: id.to_string(),
                url: format!("http://{id}/f"),
            })
            .collect();
        store.sync_sources(&rows).await.unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn copies_from_other_sources_join_the_story_until_its_items_are_pruned() {
        let (_dir, store) = store_with_three_sources().await;
        let now = DateTime::parse_from_rfc3339("2026-11-29T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let copy = format!("{TEXT} وقالت مصادر إن المعارك مستمرة");
        let stories = Stories::default();
        let day_ago = now - Duration::days(1);
        stories
            .save(&store, "a", &[item("a-1", TEXT, day_ago)], now)
            .await
            .unwrap();
        stories
            .save(&store, "b", &[item("b-1", &copy, day_ago)], now)
            .await
            .unwrap();
        // The same source's own copy is never grouped with it by fingerprint.
        stories
            .save(&store, "a", &[item("a-2", &copy, day_ago)], now)
            .await
            .unwrap();
        let other = "أعلنت المؤسسة الوطنية للنفط استئناف الإنتاج في حقل الشرارة جنوب غرب البلاد";
        stories
            .save(&store, "b", &[item("b-2", other, now)], now)
            .await
            .unwrap();
        assert_eq!(
            stories_of(&store).await,
            [
                ("a-1".into(), 1),
                ("a-2".into(), 1),
                ("b-1".into(), 1),
                ("b-2".into(), 4)
            ],
            "b-1 joins a-1's story by fingerprint; a-2 joins b-1's"
        );

        // Every member of the story pruned: the next copy starts a story of its own.
        assert_eq!(
            store
                .prune(Some((now - Duration::hours(1)).timestamp()), 0)
                .await
                .unwrap(),
            (3, 0)
        );
        stories
            .save(&store, "c", &[item("c-1", &copy, now)], now)
            .await
            .unwrap();
        assert_eq!(
            stories_of(&store).await,
            [("b-2".into(), 4), ("c-1".into(), 5)]
        );
    }

    #[tokio::test]
    async fn an_index_in_use_for_a_day_is_loaded_again_without_what_aged_out() {
        let (_dir, store) = store_with_three_sources().await;
        let now = DateTime::parse_from_rfc3339("2026-11-29T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let old = now - Duration::days(20);
        let copy = format!("{TEXT} وقالت مصادر إن المعارك مستمرة");
        let stories = Stories::default();
        stories
            .save(&store, "a", &[item("a-1", TEXT, old)], now)
            .await
            .unwrap();
        // Added to the index in use, though older than what a load takes in.
        stories
            .save(&store, "b", &[item("b-1", &copy, old)], now)
            .await
            .unwrap();
        // A day later the index is loaded again, from the last STORY_INDEX_DAYS only.
        stories
            .save(
                &store,
                "c",
                &[item("c-1", &copy, old)],
                now + Duration::days(1),
            )
            .await
            .unwrap();
        assert_eq!(
            stories_of(&store).await,
            [("a-1".into(), 1), ("b-1".into(), 1), ("c-1".into(), 3)]
        );
    }
}
