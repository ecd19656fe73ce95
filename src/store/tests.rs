use chrono::{DateTime, Utc};

use std::sync::Mutex;

use super::*;
use crate::model::{CleanEntry, Field, TagMatch, TopicTag};

/// Story grouping for these tests: the same fingerprint from another source is the same
/// story (the real index, `story::StoryIndex`, is tested in its module). Records what the
/// store asks and tells it.
#[derive(Default)]
struct Grouping {
    members: Vec<StoryMember>,
    asked: Mutex<Vec<(String, u128, i64)>>,
}

impl StoryGrouping for Grouping {
    fn nearest(&self, source_id: &str, fingerprint: u128, sort_ts: i64) -> Option<i64> {
        self.asked
            .lock()
            .unwrap()
            .push((source_id.to_string(), fingerprint, sort_ts));
        self.members
            .iter()
            .filter(|m| m.source_id != source_id && m.fingerprint == fingerprint)
            .map(|m| m.story_id)
            .min()
    }

    fn saved(&mut self, member: StoryMember) {
        self.members.push(member);
    }
}

impl Grouping {
    fn asked(&self) -> Vec<(String, u128, i64)> {
        std::mem::take(&mut *self.asked.lock().unwrap())
    }
}

/// An item whose search terms are its text's words (the store indexes what it is given).
fn new_item(entry: CleanEntry, tags: Vec<TopicTag>) -> NewItem {
    let search_terms = format!("{} {}", entry.title, entry.text);
    NewItem {
        entry,
        tags,
        search_terms,
    }
}

/// A stand-in fingerprint: equal texts give equal ones, and never 0.
fn fp(text: &str) -> u128 {
    crate::model::stable_hash128(text.as_bytes()) | 1
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn entry(guid: &str, title: &str, text: &str, url: &str) -> CleanEntry {
    CleanEntry {
        url: Some(format!("https://{url}")),
        canonical_url: Some(url.into()),
        published: Some(t("2026-11-29T08:00:00Z")),
        summary: text.into(),
        content_html: format!("<p>{text}</p>"),
        fingerprint: fp(text),
        ..CleanEntry::for_test(guid, title, text)
    }
}

fn tag(slug: &str) -> TopicTag {
    TopicTag {
        slug: slug.into(),
        score: 3.0,
        matches: vec![TagMatch {
            term: "ليبيا".into(),
            found: "ليبيا".into(),
            field: Field::Title,
            position: 0,
            points: 3.0,
            suppressed: None,
        }],
    }
}

/// A configured source `id` at `http://{id}/f`.
fn row(id: &str, name: &str) -> SourceRow {
    SourceRow {
        id: id.into(),
        name: name.into(),
        url: format!("http://{id}/f"),
    }
}

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("sub/m.db")).await.unwrap();
    s.sync_sources(&[row("a", "أ"), row("b", "ب")])
        .await
        .unwrap();
    (dir, s)
}

const TEXT1: &str = "واصلت قوات حكومة الوفاق الوطني الليبية الضغط على قوات اللواء المتقاعد خليفة حفتر جنوبي طرابلس فأجبرتها على التراجع في حين دعا حفتر لإسقاط اتفاق الصخيرات";
const TEXT2: &str = "أعلنت المؤسسة الوطنية للنفط استئناف الإنتاج في حقل الشرارة جنوب غرب البلاد بعد توقف دام أسبوعين بسبب احتجاجات محلية طالبت بتحسين الخدمات";

#[tokio::test]
async fn saving_the_same_items_twice_adds_nothing_and_changes_update() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    let items = vec![new_item(
        entry("1", "خبر", TEXT1, "a/1"),
        vec![tag("libya")],
    )];
    assert_eq!(
        s.save_items("a", &items, now, &mut g).await.unwrap(),
        SaveReport {
            seen: 1,
            new: 1,
            updated: 0
        }
    );
    assert_eq!(
        s.save_items("a", &items, now, &mut g).await.unwrap(),
        SaveReport {
            seen: 1,
            new: 0,
            updated: 0
        }
    );
    let mut changed = items.clone();
    changed[0].entry.title = "خبر معدل".into();
    changed[0].tags = vec![];
    assert_eq!(
        s.save_items("a", &changed, now, &mut g).await.unwrap(),
        SaveReport {
            seen: 1,
            new: 0,
            updated: 1
        }
    );
    let all = s.items(&ItemQuery::default()).await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].title, "خبر معدل");
    assert!(all[0].topics.is_empty());
    assert_eq!(all[0].fetched_at, now);
}

#[tokio::test]
async fn topic_source_and_time_filters_select_items() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    s.save_items(
        "a",
        &[new_item(
            entry("1", "ليبيا", TEXT1, "a/1"),
            vec![tag("libya")],
        )],
        now,
        &mut g,
    )
    .await
    .unwrap();
    s.save_items(
        "b",
        &[new_item(entry("2", "نفط", TEXT2, "b/2"), vec![tag("oil")])],
        now,
        &mut g,
    )
    .await
    .unwrap();
    let q = |f: fn(&mut ItemQuery)| {
        let mut q = ItemQuery::default();
        f(&mut q);
        q
    };
    let ids = |v: Vec<crate::model::StoredItem>| v.into_iter().map(|i| i.guid).collect::<Vec<_>>();
    assert_eq!(
        ids(s
            .items(&q(|q| q.topics = vec!["libya".into()]))
            .await
            .unwrap()),
        vec!["1"]
    );
    assert_eq!(
        ids(s
            .items(&q(|q| q.topics = vec!["libya".into(), "oil".into()]))
            .await
            .unwrap())
        .len(),
        2
    );
    assert_eq!(
        ids(s
            .items(&q(|q| q.all_topics = vec!["libya".into(), "oil".into()]))
            .await
            .unwrap())
        .len(),
        0
    );
    assert_eq!(
        ids(s.items(&q(|q| q.sources = vec!["b".into()])).await.unwrap()),
        vec!["2"]
    );
    assert_eq!(
        ids(s
            .items(&q(|q| q.since = Some(t("2026-11-29T08:30:00Z").timestamp())))
            .await
            .unwrap())
        .len(),
        0
    );
    let counts = s.topic_counts().await.unwrap();
    assert_eq!((counts["libya"], counts["oil"]), (1, 1));
}

#[tokio::test]
async fn the_same_story_from_two_sources_is_shown_once_with_the_other_listed() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    let first = entry("a-1", "قوات الوفاق تتقدم", TEXT1, "a/1");
    let mut copy = entry(
        "b-9",
        "تقدم جديد لقوات الوفاق جنوب طرابلس",
        &format!("{TEXT1} وقالت مصادر إن المعارك مستمرة"),
        "b/9",
    );
    copy.published = Some(t("2026-11-29T08:30:00Z"));
    // A near copy: the grouping finds it the same story (by fingerprint, in the real one).
    copy.fingerprint = first.fingerprint;
    let other = entry("b-10", "النفط", TEXT2, "b/10");
    let (first_fp, other_fp) = (first.fingerprint, other.fingerprint);
    s.save_items("a", &[new_item(first, vec![])], now, &mut g)
        .await
        .unwrap();
    let batch = [new_item(copy, vec![]), new_item(other, vec![])];
    s.save_items("b", &batch, now, &mut g).await.unwrap();
    let at = |s: &str| t(s).timestamp();
    assert_eq!(
        g.asked(),
        [
            ("a".into(), first_fp, at("2026-11-29T08:00:00Z")),
            ("b".into(), first_fp, at("2026-11-29T08:30:00Z")),
            ("b".into(), other_fp, at("2026-11-29T08:00:00Z")),
        ]
    );
    let member = |id, source: &str, fingerprint, ts: &str, story_id| StoryMember {
        id,
        source_id: source.into(),
        sort_ts: at(ts),
        fingerprint,
        story_id,
    };
    assert_eq!(
        g.members,
        [
            member(1, "a", first_fp, "2026-11-29T08:00:00Z", 1),
            member(2, "b", first_fp, "2026-11-29T08:30:00Z", 1),
            member(3, "b", other_fp, "2026-11-29T08:00:00Z", 3),
        ]
    );

    let deduped = s.items(&ItemQuery::default()).await.unwrap();
    let guids: Vec<&str> = deduped.iter().map(|i| i.guid.as_str()).collect();
    assert_eq!(guids, vec!["b-10", "a-1"]);
    assert_eq!(deduped[1].also.len(), 1);
    assert_eq!(deduped[1].also[0].source_id, "b");
    assert!(deduped[0].also.is_empty());
    let all = s
        .items(&ItemQuery {
            dedup: false,
            ..ItemQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 3);

    // Stored items, and items of another source matched by guid or canonical URL, are not
    // asked about or added again.
    let mut wire = entry("c-1", "خبر", TEXT2, "b/10");
    wire.fingerprint = first_fp;
    let unknown = row("c", "ج");
    s.sync_sources(&[row("a", "أ"), row("b", "ب"), unknown])
        .await
        .unwrap();
    s.save_items("b", &batch, now, &mut g).await.unwrap();
    s.save_items("c", &[new_item(wire, vec![])], now, &mut g)
        .await
        .unwrap();
    assert_eq!(g.asked(), []);
    assert_eq!(g.members.len(), 4);
    assert_eq!(
        g.members[3].story_id, 3,
        "the story of the same canonical URL"
    );
}

#[tokio::test]
async fn a_canonical_url_shared_by_two_sources_is_one_story_whatever_the_text() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    s.save_items(
        "a",
        &[new_item(entry("x", "أ", TEXT1, "wire/1"), vec![])],
        now,
        &mut g,
    )
    .await
    .unwrap();
    s.save_items(
        "b",
        &[new_item(entry("y", "ب", TEXT2, "wire/1"), vec![])],
        now,
        &mut g,
    )
    .await
    .unwrap();
    let items = s
        .items(&ItemQuery {
            dedup: false,
            ..ItemQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(items[0].story_id, items[1].story_id);
}

#[tokio::test]
async fn fetch_state_is_recorded_and_retired_sources_are_marked() {
    let (_d, s) = store().await;
    let now = t("2026-11-29T09:00:00Z");
    let rec = FetchRecord {
        attempted: now,
        success: false,
        http_status: Some(500),
        error: Some("HTTP 500".into()),
        next_due: now + chrono::Duration::minutes(30),
        ..FetchRecord::default()
    };
    s.record_fetch("a", &rec).await.unwrap();
    s.record_fetch("a", &rec).await.unwrap();
    let a = s.source("a").await.unwrap().unwrap();
    assert_eq!(
        (a.consecutive_failures, a.http_status, a.error.as_deref()),
        (2, Some(500), Some("HTTP 500"))
    );
    s.record_fetch(
        "a",
        &FetchRecord {
            success: true,
            http_status: Some(200),
            etag: Some("\"e\"".into()),
            error: None,
            ..rec.clone()
        },
    )
    .await
    .unwrap();
    let a = s.source("a").await.unwrap().unwrap();
    assert_eq!(
        (
            a.consecutive_failures,
            a.error,
            a.etag.as_deref(),
            a.last_success
        ),
        (0, None, Some("\"e\""), Some(now))
    );
    s.sync_sources(&[SourceRow {
        id: "a".into(),
        name: "أ".into(),
        url: "http://a/moved".into(),
    }])
    .await
    .unwrap();
    let all = s.sources().await.unwrap();
    assert_eq!(
        all.iter()
            .map(|s| (s.id.as_str(), s.retired))
            .collect::<Vec<_>>(),
        vec![("a", false), ("b", true)]
    );
    assert_eq!(all[0].etag, None, "a new URL drops the old validators");
    assert_eq!(
        s.rewrites(),
        0,
        "a retired source keeps its items where they are"
    );

    // The retired id given to another feed: the old source moves to `b~retired`, which
    // views of stored items by source must see.
    let source = |id: &str, url: &str| SourceRow {
        id: id.into(),
        name: id.into(),
        url: url.into(),
    };
    s.sync_sources(&[source("a", "http://a/moved"), source("b", "http://b/other")])
        .await
        .unwrap();
    let ids: Vec<(String, bool)> = s
        .sources()
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.retired))
        .collect();
    assert_eq!(
        ids,
        [
            ("a".to_string(), false),
            ("b".to_string(), false),
            ("b~retired".to_string(), true)
        ]
    );
    assert_eq!(s.rewrites(), 1);
}

#[tokio::test]
async fn prune_drops_old_items_and_extra_copies_but_keeps_only_copies() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    let at = |guid: &str, url: &str, text: &str, date: &str| {
        let mut e = entry(guid, guid, text, url);
        e.published = Some(t(date));
        new_item(e, vec![tag("libya")])
    };
    let a = vec![
        at("a-new", "a/1", TEXT1, "2026-11-28T09:00:00Z"),
        at("a-shared", "wire/7", TEXT2, "2026-11-27T09:00:00Z"),
        at(
            "a-old",
            "a/3",
            "خبر قديم جدا عن الانتخابات البلدية في المدينة",
            "2026-01-01T09:00:00Z",
        ),
    ];
    let b = vec![
        at("b-shared", "wire/7", TEXT2, "2026-11-28T10:00:00Z"),
        at(
            "b-only",
            "b/2",
            "خبر لا ينشره أحد غير هذا المصدر عن الطقس والأمطار",
            "2026-11-20T09:00:00Z",
        ),
    ];
    s.save_items("a", &a, now, &mut g).await.unwrap();
    s.save_items("b", &b, now, &mut g).await.unwrap();
    let election = ItemQuery {
        search: vec!["الانتخابات".into()],
        dedup: false,
        ..ItemQuery::default()
    };
    assert_eq!(s.items(&election).await.unwrap().len(), 1);
    let rewrites = s.rewrites();
    let cutoff = t("2026-08-31T00:00:00Z").timestamp();
    assert_eq!(s.prune(Some(cutoff), 1).await.unwrap(), (1, 1));
    assert_eq!(
        s.rewrites(),
        rewrites + 1,
        "views of stored items are stale"
    );
    let left: Vec<String> = s
        .items(&ItemQuery {
            dedup: false,
            ..ItemQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.guid)
        .collect();
    assert_eq!(left, vec!["b-shared", "a-new", "b-only"]);
    assert_eq!(
        s.topic_counts().await.unwrap()["libya"],
        3,
        "tags go with their items"
    );
    assert_eq!(s.counts().await.unwrap(), (3, 3, 2, 0));
    assert!(
        s.items(&election).await.unwrap().is_empty(),
        "pruned items leave the search index"
    );
    assert_eq!(s.prune(Some(cutoff), 1).await.unwrap(), (0, 0));
    assert_eq!(s.rewrites(), rewrites + 1, "nothing removed, nothing stale");
}

/// The content hash as version 1 computed it, from `Debug` output: what databases
/// written before version 2 hold.
fn content_hash_v1(e: &CleanEntry) -> String {
    let key = format!(
        "{}\u{1}{}\u{1}{}\u{1}{:?}\u{1}{:?}\u{1}{:?}",
        e.title, e.content_html, e.summary, e.url, e.author, e.updated
    );
    format!("{:032x}", crate::model::stable_hash128(key.as_bytes()))
}

#[tokio::test]
async fn content_hashes_of_the_old_encoding_are_rekeyed_at_open_so_unchanged_items_stay_unchanged()
{
    let (dir, s) = store().await;
    let mut g = Grouping::default();
    assert_eq!(
        s.meta(codec::CONTENT_HASH_VERSION_KEY).await.unwrap(),
        Some(codec::CONTENT_HASH_VERSION.to_string()),
        "a new database is written with the current encoding"
    );
    let now = t("2026-11-29T09:00:00Z");
    let mut e = entry("1", "خبر", TEXT1, "a/1");
    e.author = Some("مراسل \"الوكالة\"".into());
    e.updated = Some(t("2026-11-29T08:30:00Z"));
    let items = vec![
        new_item(e, vec![tag("libya")]),
        new_item(entry("2", "نفط", TEXT2, "a/2"), vec![]),
    ];
    s.save_items("a", &items, now, &mut g).await.unwrap();
    // As a database of version 1 holds them.
    let downgrade = |s: &Store| {
        let Store::Sqlite(sqlite) = s;
        let (writer, items) = (sqlite.writer.clone(), items.clone());
        async move {
            for it in &items {
                sqlx::query("UPDATE items SET content_hash = ? WHERE guid = ?")
                    .bind(content_hash_v1(&it.entry))
                    .bind(&it.entry.guid)
                    .execute(&writer)
                    .await
                    .unwrap();
            }
            sqlx::query("DELETE FROM meta WHERE key = ?")
                .bind(codec::CONTENT_HASH_VERSION_KEY)
                .execute(&writer)
                .await
                .unwrap();
        }
    };
    let path = dir.path().join("sub/m.db");
    let unchanged = SaveReport {
        seen: 2,
        new: 0,
        updated: 0,
    };

    downgrade(&s).await;
    s.close().await;
    let s = Store::open(&path).await.unwrap();
    assert_eq!(
        s.meta(codec::CONTENT_HASH_VERSION_KEY).await.unwrap(),
        Some(codec::CONTENT_HASH_VERSION.to_string())
    );
    assert_eq!(
        s.save_items("a", &items, now, &mut g).await.unwrap(),
        unchanged
    );
    let generation = s.generation();

    // Without the re-keying, the same feed would update (and re-tag) every item.
    downgrade(&s).await;
    s.set_meta(codec::CONTENT_HASH_VERSION_KEY, codec::CONTENT_HASH_VERSION)
        .await
        .unwrap();
    assert_eq!(
        s.save_items("a", &items, now, &mut g).await.unwrap(),
        SaveReport {
            updated: 2,
            ..unchanged
        }
    );
    assert!(s.generation() > generation);
}

#[tokio::test]
async fn undated_and_future_dated_items_are_placed_when_first_seen_and_stay_there() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let first = t("2026-11-29T09:00:00Z");
    let item = |guid: &str, published: Option<&str>, text: &str| {
        let mut e = entry(guid, guid, text, &format!("a/{guid}"));
        e.published = published.map(t);
        // Distinct texts keep the items apart as stories.
        e.fingerprint = 0;
        new_item(e, vec![tag("libya")])
    };
    let batch = vec![
        item("undated", None, "أ"),
        item("future", Some("2027-11-29T09:00:00Z"), "ب"),
        item("past", Some("2026-11-29T08:00:00Z"), "ج"),
    ];
    s.save_items("a", &batch, first, &mut g).await.unwrap();
    // Two hours later the same feed comes back with a newer item: the undated and the
    // future-dated items keep their place below it instead of rising to the top again.
    let later = t("2026-11-29T11:00:00Z");
    let mut again = batch.clone();
    again.push(item("newer", Some("2026-11-29T10:30:00Z"), "د"));
    s.save_items("a", &again, later, &mut g).await.unwrap();
    let placed: Vec<(String, i64)> = s
        .items(&ItemQuery::default())
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.guid.clone(), i.sort_ts))
        .collect();
    let at = |s: &str| t(s).timestamp();
    assert_eq!(
        placed,
        vec![
            ("newer".to_string(), at("2026-11-29T10:30:00Z")),
            ("future".to_string(), first.timestamp()),
            ("undated".to_string(), first.timestamp()),
            ("past".to_string(), at("2026-11-29T08:00:00Z")),
        ]
    );
}

#[tokio::test]
async fn count_items_counts_what_a_query_selects_beyond_its_page() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    let items: Vec<NewItem> = (0..5)
        .map(|i| {
            let mut e = entry(&i.to_string(), "ليبيا", TEXT1, &format!("a/{i}"));
            e.published = Some(now - chrono::Duration::minutes(i));
            new_item(e, vec![tag("libya")])
        })
        .collect();
    s.save_items("a", &items, now, &mut g).await.unwrap();
    // The same story again from the other source: one more item, not one more story.
    s.save_items(
        "b",
        &[new_item(
            entry("x", "ليبيا", TEXT1, "b/x"),
            vec![tag("libya")],
        )],
        now,
        &mut g,
    )
    .await
    .unwrap();
    let mut q = ItemQuery {
        limit: 2,
        search: vec!["حفتر".into()],
        ..ItemQuery::default()
    };
    assert_eq!(s.items(&q).await.unwrap().len(), 2);
    q.dedup = false;
    assert_eq!(s.count_items(&q).await.unwrap(), 6);
    q.dedup = true;
    assert_eq!(s.count_items(&q).await.unwrap(), 5);
    q.search = vec!["زرافة".into()];
    assert_eq!(s.count_items(&q).await.unwrap(), 0);
}

#[tokio::test]
async fn a_save_that_fails_tells_the_grouping_nothing_and_changes_nothing() {
    let (_d, s) = store().await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    let items = [new_item(
        entry("1", "خبر", TEXT1, "a/1"),
        vec![tag("libya")],
    )];
    s.simulate_fault(Fault::ReadOnly).await.unwrap();
    let generation = s.generation();
    let err = s.save_items("a", &items, now, &mut g).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "database error: error returned from database: (code: 8) attempt to write a readonly database"
    );
    assert!(g.members.is_empty());
    assert_eq!(s.generation(), generation);
    assert_eq!(s.write_failures()[0].0, "save items");
    s.simulate_fault(Fault::None).await.unwrap();
    assert_eq!(s.save_items("a", &items, now, &mut g).await.unwrap().new, 1);
    assert_eq!(g.members.len(), 1);
    assert!(s.write_failures().is_empty());
}
