//! Story grouping and the write turn for the refreshes of one ingest: the nearest-story
//! index ([`crate::story::StoryIndex`]) loaded from the store, handed to each save, and
//! kept in step with what the saves store; and the queue of saves waiting for their turn,
//! written together (group commit).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use tracing::warn;

use crate::model::NewItem;
use crate::store::{FeedItems, SaveReport, Store, StoreError, StoryGrouping, StoryMember};
use crate::story::StoryIndex;
use crate::story::index::STORY_INDEX_DAYS;

/// How long a loaded index is used before it is loaded again: it only grows while in use,
/// and reloading drops what has aged out of the [`STORY_INDEX_DAYS`] it starts with.
const RELOAD_AFTER_SECS: i64 = 86_400;

/// At most this many items are saved in one shared transaction: enough that a first pass
/// over many feeds commits a few dozen times rather than once per feed, few enough that
/// the write lock is never held for long.
const GROUP_COMMIT_ITEMS: usize = 2_000;

/// The story index of one store and the saves waiting to be written, shared by every
/// refresh of an ingest; cheap to clone.
#[derive(Clone, Default)]
pub struct Stories(Arc<Shared>);

#[derive(Default)]
struct Shared {
    /// The index. Its lock is the write turn: held across the awaits of a save, it keeps
    /// saves (and their story choices) in order, each seeing the ones before.
    turn: tokio::sync::Mutex<Option<Loaded>>,
    /// Saves waiting for the turn, oldest first.
    queue: Mutex<VecDeque<Queued>>,
}

/// A save waiting for the turn, and where its report goes.
struct Queued {
    job: Arc<Job>,
    reply: oneshot::Sender<Result<SaveReport, StoreError>>,
}

/// One feed's items to save.
struct Job {
    source_id: String,
    items: Vec<NewItem>,
    now: DateTime<Utc>,
}

/// An index with what it was loaded at.
struct Loaded {
    index: StoryIndex,
    /// [`Store::rewrites`] when it was loaded: items removed or moved since make it stale.
    rewrites: u64,
    /// When it was loaded (unix seconds).
    at: i64,
}

impl Stories {
    /// Saves one feed's items ([`Store::save_items`]), grouping new items into stories by
    /// fingerprint with the index, which is loaded first when missing or stale.
    ///
    /// Saves that arrive while another is being written wait in a queue; whichever of them
    /// gets the turn first writes all that are waiting in one transaction
    /// ([`Store::save_feeds`]). The one writer is the part of ingest that runs on one
    /// core, and a transaction per feed made it the bottleneck of a first pass. If a shared
    /// transaction fails, each of its feeds is saved alone, so one feed's failure is its own.
    pub async fn save(
        &self,
        store: &Store,
        source_id: &str,
        items: impl Into<Vec<NewItem>>,
        now: DateTime<Utc>,
    ) -> Result<SaveReport, StoreError> {
        use tokio::sync::oneshot::error::TryRecvError;
        let job = Arc::new(Job {
            source_id: source_id.to_string(),
            items: items.into(),
            now,
        });
        let (reply, mut answer) = oneshot::channel();
        self.0.queue.lock().expect("queue lock").push_back(Queued {
            job: job.clone(),
            reply,
        });
        let mut turn = self.0.turn.lock().await;
        loop {
            match answer.try_recv() {
                Ok(report) => return report,
                // The save that took this job was cancelled before it answered.
                Err(TryRecvError::Closed) => return save_alone(store, &mut turn, &job).await,
                Err(TryRecvError::Empty) => {}
            }
            let batch = self.next_batch();
            write_batch(store, &mut turn, batch).await;
        }
    }

    /// Takes waiting saves, oldest first, up to [`GROUP_COMMIT_ITEMS`] items (at least one).
    fn next_batch(&self) -> Vec<Queued> {
        let mut queue = self.0.queue.lock().expect("queue lock");
        let mut batch: Vec<Queued> = Vec::new();
        let mut size = 0;
        while let Some(q) = queue.front() {
            if !batch.is_empty() && size + q.job.items.len() > GROUP_COMMIT_ITEMS {
                break;
            }
            size += q.job.items.len();
            batch.extend(queue.pop_front());
        }
        batch
    }
}

/// Writes a batch (the caller holds the turn) and answers each of its saves.
async fn write_batch(store: &Store, turn: &mut Option<Loaded>, batch: Vec<Queued>) {
    if batch.len() > 1 {
        let newest = batch.iter().map(|q| q.job.now).max().expect("not empty");
        if load(store, turn, newest).await.is_ok() {
            // Taken out while in use: a batch that fails (or is cancelled) may have told it
            // of items that were rolled back, and leaves none behind to be loaded afresh.
            let mut loaded = turn.take().expect("loaded above");
            let feeds: Vec<FeedItems<'_>> = batch
                .iter()
                .map(|q| FeedItems {
                    source_id: &q.job.source_id,
                    items: &q.job.items,
                    now: q.job.now,
                })
                .collect();
            match store.save_feeds(&feeds, &mut loaded.index).await {
                Ok(reports) => {
                    *turn = Some(loaded);
                    for (q, report) in batch.into_iter().zip(reports) {
                        // A closed channel: that refresh was cancelled; its items are saved.
                        let _ = q.reply.send(Ok(report));
                    }
                    return;
                }
                Err(e) => {
                    warn!(feeds = batch.len(), error = %e, "saving feeds together failed; saving each alone");
                }
            }
        }
    }
    for q in batch {
        let _ = q.reply.send(save_alone(store, turn, &q.job).await);
    }
}

/// Saves one job in its own transaction (retried while the database is locked).
async fn save_alone(
    store: &Store,
    turn: &mut Option<Loaded>,
    job: &Job,
) -> Result<SaveReport, StoreError> {
    let index = load(store, turn, job.now).await?;
    store
        .save_items(&job.source_id, &job.items, job.now, index)
        .await
}

/// The index, loaded first when missing or stale.
async fn load<'t>(
    store: &Store,
    turn: &'t mut Option<Loaded>,
    now: DateTime<Utc>,
) -> Result<&'t mut StoryIndex, StoreError> {
    let rewrites = store.rewrites();
    let stale = turn
        .as_ref()
        .is_none_or(|l| l.rewrites != rewrites || now.timestamp() - l.at >= RELOAD_AFTER_SECS);
    if stale {
        let since = now.timestamp() - STORY_INDEX_DAYS * 86_400;
        let mut index = StoryIndex::default();
        for m in store.story_members(since).await? {
            index.insert(m.sort_ts, m.fingerprint, m.story_id, &m.source_id);
        }
        *turn = Some(Loaded {
            index,
            rewrites,
            at: now.timestamp(),
        });
    }
    Ok(&mut turn.as_mut().expect("loaded above").index)
}

impl StoryGrouping for StoryIndex {
    fn nearest(&self, source_id: &str, fingerprint: u128, sort_ts: i64) -> Option<i64> {
        StoryIndex::nearest(self, source_id, fingerprint, sort_ts)
    }

    fn saved(&mut self, m: StoryMember) {
        self.insert(m.sort_ts, m.fingerprint, m.story_id, &m.source_id);
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
                guid: guid.into(),
                url: None,
                canonical_url: None,
                title: guid.into(),
                author: None,
                published: Some(published),
                updated: None,
                summary: String::new(),
                content_html: String::new(),
                text: text.into(),
                language: "ar".into(),
                dir: "rtl",
                source_credit: None,
                fingerprint: simhash(text),
                norm_title: String::new(),
                norm_text: String::new(),
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

    #[tokio::test]
    async fn copies_from_other_sources_join_the_story_until_its_items_are_pruned() {
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

    /// Saves that queue while another is written are written together; a later feed of
    /// the shared transaction groups with an earlier one's story, and a feed that fails
    /// (here: an unknown source, a foreign-key error) fails alone while the others of its
    /// transaction are saved.
    #[tokio::test]
    async fn waiting_saves_are_written_together_and_a_failing_feed_fails_alone() {
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
        let now = DateTime::parse_from_rfc3339("2026-11-29T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let hour_ago = now - Duration::hours(1);
        let other = "أعلنت المؤسسة الوطنية للنفط استئناف الإنتاج في حقل الشرارة جنوب غرب البلاد بعد توقف دام أسبوعين بسبب احتجاجات محلية";
        let copy = format!("{TEXT} وقالت مصادر إن المعارك مستمرة");
        let stories = Stories::default();
        // Polled in order: the first save takes the turn alone; the next two wait behind
        // it and are written by one of them in one transaction.
        let (first, original, near_copy) = tokio::join!(
            stories.save(&store, "a", [item("a-1", other, hour_ago)], now),
            stories.save(&store, "b", [item("b-1", TEXT, hour_ago)], now),
            stories.save(&store, "c", [item("c-1", &copy, hour_ago)], now),
        );
        let new = |r: Result<SaveReport, StoreError>| r.unwrap().new;
        assert_eq!((new(first), new(original), new(near_copy)), (1, 1, 1));
        assert_eq!(store.save_commits(), 2, "three saves, two transactions");
        let by_guid = stories_of(&store).await;
        assert_eq!(by_guid[1].0, "b-1");
        assert_eq!(
            by_guid[2],
            ("c-1".to_string(), by_guid[1].1),
            "grouped inside one transaction"
        );
        assert_ne!(by_guid[0].1, by_guid[1].1);

        let (good, bad, also_good) = tokio::join!(
            stories.save(&store, "a", [item("a-2", TEXT, now)], now),
            stories.save(&store, "nobody", [item("n-1", other, now)], now),
            stories.save(&store, "b", [item("b-2", other, now)], now),
        );
        assert_eq!(good.unwrap().new, 1);
        let err = bad.unwrap_err().to_string();
        assert!(err.contains("FOREIGN KEY"), "{err}");
        assert_eq!(also_good.unwrap().new, 1);
        // a-2 alone, the failed pair rolled back, then b-2 alone.
        assert_eq!(store.save_commits(), 4);
        assert_eq!(stories_of(&store).await.len(), 5);
    }
}
