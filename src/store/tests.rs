//! The store's tests. Those that hold for any backend run on each (`…::sqlite` and
//! `…::postgres`, by [`on_each_backend!`]); a few look at one backend's own machinery.
//!
//! The PostgreSQL runs share one server per test binary, started by the first test that
//! needs it (2 to 3 s) and stopped when the binary exits; each test gets a database of
//! its own. The server is the integration tests' harness (`tests/it/common/pg.rs`),
//! included rather than copied.

use chrono::{DateTime, Utc};

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::model::{CleanEntry, Field, TagMatch, TopicTag};

#[path = "../../tests/it/common/pg.rs"]
#[allow(
    dead_code,
    reason = "the integration tests' PostgreSQL harness; these tests use part of it"
)]
mod pg_server;

use pg_server::PgServer;

/// Defines, for each named `async fn(Backend)`, a module of that name with one test per
/// backend.
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name(super::Backend::Sqlite).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name(super::Backend::Postgres).await
                }
            }
        )*
    };
}

mod outbox;
mod websub;

on_each_backend!(
    saving_the_same_items_twice_adds_nothing_and_changes_update,
    topic_source_and_time_filters_select_items,
    the_same_story_from_two_sources_is_shown_once_with_the_other_listed,
    a_canonical_url_shared_by_two_sources_is_one_story_whatever_the_text,
    fetch_state_is_recorded_and_retired_sources_are_marked,
    prune_drops_old_items_and_extra_copies_but_keeps_only_copies,
    content_hashes_of_the_old_encoding_are_rekeyed_at_open_so_unchanged_items_stay_unchanged,
    undated_and_future_dated_items_are_placed_when_first_seen_and_stay_there,
    count_items_counts_what_a_query_selects_beyond_its_page,
    a_save_that_fails_tells_the_grouping_nothing_and_changes_nothing,
    page_records_are_replaced_per_item_and_carry_the_page_body,
    retagging_replaces_tags_and_search_terms_and_fingerprints_are_written_back,
    the_consistency_check_passes_on_a_sound_database,
    pages_by_cursor_show_each_story_once_and_search_wants_every_stem,
    a_feed_of_thousands_of_items_is_saved_and_read_in_one_call,
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// The test server, started on first use; stopped once the test binary has ended
/// (statics are never dropped; the server watches for that).
static PG_SERVER: Mutex<Option<PgServer>> = Mutex::new(None);

/// Databases created on [`PG_SERVER`] so far (their names are `t1`, `t2`, …).
static PG_DATABASES: AtomicUsize = AtomicUsize::new(0);

/// A new, empty database on the test server: its URL.
fn pg_database() -> String {
    let mut server = PG_SERVER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if server.is_none() {
        *server = Some(PgServer::start());
    }
    let server = server.as_ref().expect("started");
    let name = format!("t{}", PG_DATABASES.fetch_add(1, Ordering::AcqRel) + 1);
    server.create_database(&name);
    server.url(&name)
}

/// A test's database: where it is, and what keeps it (the SQLite file's folder).
struct Db {
    /// What [`Store::open_url`] is given.
    url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    fn new(backend: Backend) -> Db {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("sub/m.db");
                Db {
                    url: format!("sqlite:{}", path.display()),
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => Db {
                url: pg_database(),
                _dir: None,
            },
        }
    }

    /// Opens (another handle on) the database.
    async fn open(&self) -> Store {
        Store::open_url(&self.url, Duration::from_secs(10))
            .await
            .unwrap()
    }
}

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

/// A new database of `backend` with sources `a` and `b`.
async fn store(backend: Backend) -> (Db, Store) {
    let db = Db::new(backend);
    let s = db.open().await;
    s.sync_sources(&[row("a", "أ"), row("b", "ب")])
        .await
        .unwrap();
    (db, s)
}

const TEXT1: &str = "واصلت قوات حكومة الوفاق الوطني الليبية الضغط على قوات اللواء المتقاعد خليفة حفتر جنوبي طرابلس فأجبرتها على التراجع في حين دعا حفتر لإسقاط اتفاق الصخيرات";
const TEXT2: &str = "أعلنت المؤسسة الوطنية للنفط استئناف الإنتاج في حقل الشرارة جنوب غرب البلاد بعد توقف دام أسبوعين بسبب احتجاجات محلية طالبت بتحسين الخدمات";

async fn saving_the_same_items_twice_adds_nothing_and_changes_update(b: Backend) {
    let (_d, s) = store(b).await;
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

async fn topic_source_and_time_filters_select_items(b: Backend) {
    let (_d, s) = store(b).await;
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

async fn the_same_story_from_two_sources_is_shown_once_with_the_other_listed(b: Backend) {
    let (_d, s) = store(b).await;
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

async fn a_canonical_url_shared_by_two_sources_is_one_story_whatever_the_text(b: Backend) {
    let (_d, s) = store(b).await;
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

async fn fetch_state_is_recorded_and_retired_sources_are_marked(b: Backend) {
    let (_d, s) = store(b).await;
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

async fn prune_drops_old_items_and_extra_copies_but_keeps_only_copies(b: Backend) {
    let (_d, s) = store(b).await;
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

/// Gives `items` their content hashes of version 1 and forgets the version, as a database
/// written before version 2 holds them (raw SQL: the store itself never writes these).
async fn downgrade_content_hashes(s: &Store, items: &[NewItem]) {
    match s {
        Store::Sqlite(sqlite) => {
            for it in items {
                sqlx::query("UPDATE items SET content_hash = ? WHERE guid = ?")
                    .bind(content_hash_v1(&it.entry))
                    .bind(&it.entry.guid)
                    .execute(&sqlite.writer)
                    .await
                    .unwrap();
            }
            sqlx::query("DELETE FROM meta WHERE key = ?")
                .bind(codec::CONTENT_HASH_VERSION_KEY)
                .execute(&sqlite.writer)
                .await
                .unwrap();
        }
        Store::Postgres(pg) => {
            for it in items {
                sqlx::query("UPDATE items SET content_hash = $1 WHERE guid = $2")
                    .bind(content_hash_v1(&it.entry))
                    .bind(&it.entry.guid)
                    .execute(&pg.pool)
                    .await
                    .unwrap();
            }
            sqlx::query("DELETE FROM meta WHERE key = $1")
                .bind(codec::CONTENT_HASH_VERSION_KEY)
                .execute(&pg.pool)
                .await
                .unwrap();
        }
    }
}

async fn content_hashes_of_the_old_encoding_are_rekeyed_at_open_so_unchanged_items_stay_unchanged(
    b: Backend,
) {
    let (db, s) = store(b).await;
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
    let unchanged = SaveReport {
        seen: 2,
        new: 0,
        updated: 0,
    };

    downgrade_content_hashes(&s, &items).await;
    s.close().await;
    let s = db.open().await;
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
    downgrade_content_hashes(&s, &items).await;
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

async fn undated_and_future_dated_items_are_placed_when_first_seen_and_stay_there(b: Backend) {
    let (_d, s) = store(b).await;
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

async fn count_items_counts_what_a_query_selects_beyond_its_page(b: Backend) {
    let (_d, s) = store(b).await;
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

async fn a_save_that_fails_tells_the_grouping_nothing_and_changes_nothing(b: Backend) {
    let (_d, s) = store(b).await;
    let mut g = Grouping::default();
    let now = t("2026-11-29T09:00:00Z");
    let items = [new_item(
        entry("1", "خبر", TEXT1, "a/1"),
        vec![tag("libya")],
    )];
    s.simulate_fault(Fault::ReadOnly).await.unwrap();
    let generation = s.generation();
    let err = s.save_items("a", &items, now, &mut g).await.unwrap_err();
    // Each engine's own error for a write it may not make.
    match b {
        Backend::Sqlite => assert_eq!(
            err.to_string(),
            "database error: error returned from database: (code: 8) attempt to write a readonly database"
        ),
        // PostgreSQL's message ends with " at line N" of its own source, which changes
        // between server versions.
        Backend::Postgres => assert!(
            err.to_string().starts_with(
                "database error: error returned from database: cannot execute nextval() in a read-only transaction"
            ),
            "{err}"
        ),
    }
    assert!(g.members.is_empty());
    assert_eq!(s.generation(), generation);
    assert_eq!(s.write_failures()[0].0, "save items");
    s.simulate_fault(Fault::None).await.unwrap();
    assert_eq!(s.save_items("a", &items, now, &mut g).await.unwrap().new, 1);
    assert_eq!(g.members.len(), 1);
    assert!(s.write_failures().is_empty());
}

/// Runs raw SQL on either backend (`sqlite` or `postgres`, as each dialect spells it), for
/// states the store itself never writes.
async fn raw(s: &Store, sqlite: &str, postgres: &str) {
    match s {
        Store::Sqlite(db) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite.to_string()))
                .execute(&db.writer)
                .await
                .unwrap();
        }
        Store::Postgres(db) => {
            sqlx::raw_sql(sqlx::AssertSqlSafe(postgres.to_string()))
                .execute(&db.pool)
                .await
                .unwrap();
        }
    }
}

async fn page_records_are_replaced_per_item_and_carry_the_page_body(b: Backend) {
    let (_d, s) = store(b).await;
    let now = t("2026-11-29T09:00:00Z");
    let mut old = entry("1", "خبر", TEXT1, "a/1");
    old.published = Some(t("2026-01-01T00:00:00Z"));
    s.save_items("a", &[new_item(old, vec![])], now, &mut ())
        .await
        .unwrap();
    let record = |guid: &str, body_from: &str| PageRecord {
        guid: guid.into(),
        feed_hash: format!("h-{guid}"),
        page_url: Some(format!("https://a.test/{guid}")),
        etag: Some("\"e\"".into()),
        last_modified: None,
        body_from: body_from.into(),
        rule: (body_from == "page").then(|| "readability".into()),
        reason: (body_from == "feed").then(|| "too short".into()),
        fetched_at: 1_764_400_000,
    };
    // The second record of guid 1 replaces the first (the last given wins).
    s.save_pages(
        "a",
        &[
            record("1", "feed"),
            record("2", "feed"),
            record("1", "page"),
        ],
    )
    .await
    .unwrap();
    let states = s.page_states("a", &["1", "2", "3"]).await.unwrap();
    let mut guids: Vec<&String> = states.keys().collect();
    guids.sort();
    assert_eq!(guids, ["1", "2"]);
    assert_eq!(states["1"].record, record("1", "page"));
    assert_eq!(
        states["1"].page_html.as_deref(),
        Some(&*format!("<p>{TEXT1}</p>")),
        "a body from the page is the stored item's"
    );
    assert_eq!(states["2"].page_html, None, "no item stored for guid 2");
    assert!(s.page_states("b", &["1"]).await.unwrap().is_empty());

    s.save_pages("a", &[record("1", "feed")]).await.unwrap();
    assert_eq!(
        s.page_record("a", "1").await.unwrap(),
        Some(record("1", "feed"))
    );
    assert_eq!(
        s.page_states("a", &["1"]).await.unwrap()["1"].page_html,
        None
    );
    // A pruned item takes its page record along; a record without an item stays.
    assert_eq!(
        s.prune(Some(t("2026-06-01T00:00:00Z").timestamp()), 0)
            .await
            .unwrap(),
        (1, 0)
    );
    assert_eq!(s.page_record("a", "1").await.unwrap(), None);
    assert_eq!(
        s.page_record("a", "2").await.unwrap(),
        Some(record("2", "feed"))
    );
}

async fn retagging_replaces_tags_and_search_terms_and_fingerprints_are_written_back(b: Backend) {
    let (_d, s) = store(b).await;
    let now = t("2026-11-29T09:00:00Z");
    let items = [
        new_item(entry("1", "ليبيا", TEXT1, "a/1"), vec![tag("libya")]),
        new_item(entry("2", "نفط", TEXT2, "a/2"), vec![tag("libya")]),
    ];
    s.save_items("a", &items, now, &mut ()).await.unwrap();
    let texts = s.item_texts(0, 10).await.unwrap();
    let ids: Vec<i64> = texts.iter().map(|(id, ..)| *id).collect();
    assert_eq!(
        texts,
        [
            (ids[0], "a".into(), "ليبيا".to_string(), TEXT1.to_string()),
            (ids[1], "a".into(), "نفط".to_string(), TEXT2.to_string()),
        ]
    );
    assert!(ids[0] < ids[1]);
    assert_eq!(s.item_texts(ids[0], 10).await.unwrap().len(), 1);
    assert_eq!(s.item_texts(0, 1).await.unwrap().len(), 1);

    // Re-tagging: one item moves to another topic, the other loses its tag; an item
    // listed twice gets the tags listed last.
    let generation = s.generation();
    s.replace_tags(&[
        (ids[0], vec![tag("libya")]),
        (ids[1], vec![]),
        (ids[0], vec![tag("oil"), tag("politics")]),
    ])
    .await
    .unwrap();
    assert!(s.generation() > generation);
    let counts = s.topic_counts().await.unwrap();
    assert_eq!(
        counts,
        HashMap::from([("oil".to_string(), 1), ("politics".to_string(), 1)])
    );
    let item = s.item(ids[0]).await.unwrap().unwrap();
    let slugs: Vec<&str> = item.topics.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["oil", "politics"], "equal scores, by slug");
    assert_eq!(item.topics[0].matches, tag("oil").matches);
    let flagged: Vec<(i64, bool)> = s
        .items_with_topic_flag("oil", 0)
        .await
        .unwrap()
        .into_iter()
        .map(|(id, _, _, _, tagged)| (id, tagged))
        .collect();
    assert_eq!(flagged, [(ids[1], false), (ids[0], true)]);

    // Search terms: written with the items; one lost is found missing and added back.
    assert!(s.items_missing_search(10).await.unwrap().is_empty());
    raw(
        &s,
        &format!("DELETE FROM items_fts WHERE rowid = {}", ids[1]),
        &format!("DELETE FROM item_search WHERE item_id = {}", ids[1]),
    )
    .await;
    let oil = ItemQuery {
        search: vec!["الشرارة".into()],
        dedup: false,
        ..ItemQuery::default()
    };
    assert!(s.items(&oil).await.unwrap().is_empty());
    let missing = s.items_missing_search(10).await.unwrap();
    assert_eq!(missing, [(ids[1], "نفط".to_string(), TEXT2.to_string())]);
    s.add_search_terms(&[(ids[1], "نفط حقل الشرارة".into())])
        .await
        .unwrap();
    assert!(s.items_missing_search(10).await.unwrap().is_empty());
    let found: Vec<i64> = s
        .items(&oil)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(found, [ids[1]]);

    // Fingerprints of another version are written back; story views are stale then.
    let rewrites = s.rewrites();
    let new_fp = u128::MAX - 7;
    s.set_fingerprints(&[(ids[0], new_fp)]).await.unwrap();
    assert_eq!(s.rewrites(), rewrites + 1);
    let members = s.story_members(0).await.unwrap();
    assert_eq!(
        members
            .iter()
            .map(|m| (m.story_id, m.fingerprint))
            .collect::<Vec<_>>(),
        [(ids[0], new_fp), (ids[1], fp(TEXT2))]
    );
}

async fn the_consistency_check_passes_on_a_sound_database(b: Backend) {
    let (_d, s) = store(b).await;
    let now = t("2026-11-29T09:00:00Z");
    s.save_items(
        "a",
        &[new_item(
            entry("1", "خبر", TEXT1, "a/1"),
            vec![tag("libya")],
        )],
        now,
        &mut (),
    )
    .await
    .unwrap();
    s.integrity_check().await.unwrap();
    assert!(s.ping().await);
}

#[tokio::test]
async fn postgres_finds_items_outside_any_story_in_its_consistency_check() {
    let (_d, s) = store(Backend::Postgres).await;
    let now = t("2026-11-29T09:00:00Z");
    let items = [
        new_item(entry("1", "خبر", TEXT1, "a/1"), vec![]),
        new_item(entry("2", "نفط", TEXT2, "a/2"), vec![]),
    ];
    s.save_items("a", &items, now, &mut ()).await.unwrap();
    raw(&s, "", "UPDATE items SET story_id = 0 WHERE guid = '1'").await;
    raw(&s, "", "UPDATE items SET story_id = 99 WHERE guid = '2'").await;
    let err = s.integrity_check().await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "stored data is corrupt: item 1 has story 0; item 2 has story 99"
    );
}

#[tokio::test]
async fn postgres_cannot_simulate_a_full_disk_and_says_so() {
    let (_d, s) = store(Backend::Postgres).await;
    let err = s.simulate_fault(Fault::DiskFull).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "not supported: a simulated full disk (PostgreSQL has no per-database size limit to lower)"
    );
    // Nothing is in force: writes go on.
    s.set_meta("k", "v").await.unwrap();
    assert_eq!(s.meta("k").await.unwrap().as_deref(), Some("v"));
}

#[tokio::test]
async fn a_database_setting_opens_the_backend_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let timeout = Duration::from_secs(1);
    for setting in [
        dir.path().join("plain.db").display().to_string(),
        format!("sqlite:{}", dir.path().join("prefixed.db").display()),
        format!("sqlite://{}", dir.path().join("url.db").display()),
    ] {
        let s = Store::open_url(&setting, timeout).await.unwrap();
        assert!(matches!(s, Store::Sqlite(_)), "{setting}");
        s.close().await;
    }
    for name in ["plain.db", "prefixed.db", "url.db"] {
        assert!(dir.path().join(name).is_file(), "{name}");
    }
    let err = Store::open_url("mysql://localhost/marsad", timeout)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "not supported: the database mysql://…: use a postgres:// URL, sqlite:PATH or a file path"
    );
    let url = pg_database();
    let s = Store::open_url(&url, timeout).await.unwrap();
    assert!(matches!(s, Store::Postgres(_)));
    s.close().await;
    let s = Store::open_url(&url.replacen("postgres://", "postgresql://", 1), timeout)
        .await
        .unwrap();
    assert!(matches!(s, Store::Postgres(_)));
    s.close().await;
}

/// Two instances (two handles with their own connections, as two `marsad serve` on one
/// database) save the same articles at the same time, each from both sources.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_postgres_instances_saving_the_same_article_at_once_store_it_once_in_one_story() {
    let db = Db::new(Backend::Postgres);
    let (one, two) = (db.open().await, db.open().await);
    let sources = [row("a", "أ"), row("b", "ب")];
    let (r1, r2) = tokio::join!(one.sync_sources(&sources), two.sync_sources(&sources));
    r1.unwrap();
    r2.unwrap();
    let now = t("2026-11-29T09:00:00Z");
    const ROUNDS: usize = 20;
    // Copy `n` of source `src`: its own guid, the article's canonical URL.
    let copy = |src: &str, n: usize| {
        let mut e = entry(&format!("{src}-{n}"), "خبر", TEXT1, &format!("wire/{n}"));
        e.fingerprint = 0;
        vec![new_item(e, vec![tag("libya")])]
    };
    let mut new = HashMap::<&str, u32>::new();
    for n in 0..ROUNDS {
        let (a, b) = (copy("a", n), copy("b", n));
        // In opposite orders, so each instance's first save races the other's.
        let save = |s: &Store,
                    first: (&'static str, Vec<NewItem>),
                    second: (&'static str, Vec<NewItem>)| {
            let s = s.clone();
            async move {
                let x = s.save_items(first.0, &first.1, now, &mut ()).await.unwrap();
                let y = s
                    .save_items(second.0, &second.1, now, &mut ())
                    .await
                    .unwrap();
                [(first.0, x), (second.0, y)]
            }
        };
        let (x, y) = tokio::join!(
            tokio::spawn(save(&one, ("a", a.clone()), ("b", b.clone()))),
            tokio::spawn(save(&two, ("b", b), ("a", a))),
        );
        for (src, report) in x.unwrap().into_iter().chain(y.unwrap()) {
            assert_eq!(report.seen, 1);
            assert_eq!(report.updated, 0);
            *new.entry(src).or_default() += report.new;
        }
    }
    assert_eq!(
        new,
        HashMap::from([("a", ROUNDS as u32), ("b", ROUNDS as u32)]),
        "each copy is new for exactly one of the instances"
    );
    let all = one
        .items(&ItemQuery {
            dedup: false,
            limit: 1000,
            ..ItemQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 2 * ROUNDS);
    let mut stories: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for it in &all {
        let n = it.guid.split_once('-').unwrap().1.to_string();
        stories.entry(n).or_default().push((it.id, it.story_id));
    }
    assert_eq!(stories.len(), ROUNDS);
    for (n, mut members) in stories {
        members.sort();
        assert_eq!(members.len(), 2, "article {n}");
        let first = members[0].0;
        assert_eq!(
            members,
            [(first, first), (members[1].0, first)],
            "article {n}: one story, its first item's id"
        );
    }
    assert_eq!(
        two.counts().await.unwrap(),
        (2 * ROUNDS as i64, ROUNDS as i64, 2, 0)
    );
    assert_eq!(
        two.topic_counts().await.unwrap()["libya"],
        2 * ROUNDS as i64
    );
    let deduped = two
        .items(&ItemQuery {
            limit: 1000,
            ..ItemQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(deduped.len(), ROUNDS);
    assert!(deduped.iter().all(|i| i.also.len() == 1));
    one.integrity_check().await.unwrap();
}

/// A change moves the counters of the instance that wrote it once (its listener skips its
/// own announcements) and those of every other instance once, within moments.
#[tokio::test]
async fn postgres_change_counters_move_once_per_change_in_every_instance() {
    let (db, one) = store(Backend::Postgres).await;
    let two = db.open().await;
    // Both listeners are up once an announcement of a third handle reaches both.
    let three = db.open().await;
    three.set_fingerprints(&[]).await.unwrap();
    let settled = |s: &Store, r0: u64| {
        let s = s.clone();
        async move {
            for _ in 0..100 {
                if s.rewrites() > r0 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("no announcement arrived");
        }
    };
    settled(&one, 0).await;
    settled(&two, 0).await;
    let (g1, g2) = (one.generation(), two.generation());
    let mut e = entry("1", "خبر", TEXT1, "a/1");
    e.published = Some(t("2026-11-29T08:00:00Z"));
    one.save_items(
        "a",
        &[new_item(e, vec![tag("libya")])],
        t("2026-11-29T09:00:00Z"),
        &mut (),
    )
    .await
    .unwrap();
    assert_eq!(one.generation(), g1 + 1);
    for _ in 0..100 {
        if two.generation() > g2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((one.generation(), two.generation()), (g1 + 1, g2 + 1));
}

/// Every write that bumps the change counters announces it on the channel other instances
/// listen to, once committed.
#[tokio::test]
async fn postgres_announces_changes_to_other_instances() {
    use sqlx::postgres::PgListener;
    let (db, s) = store(Backend::Postgres).await;
    let mut listener = PgListener::connect(&db.url).await.unwrap();
    listener.listen(postgres::CHANGES_CHANNEL).await.unwrap();
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), listener.recv())
            .await
            .expect("a notification")
            .unwrap()
            .payload()
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    let now = t("2026-11-29T09:00:00Z");
    let mut e = entry("1", "خبر", TEXT1, "a/1");
    e.published = Some(t("2026-01-01T00:00:00Z"));
    let items = [new_item(e, vec![tag("libya")])];
    s.save_items("a", &items, now, &mut ()).await.unwrap();
    assert_eq!(next().await, "changed");
    // Nothing new: nothing announced (the next announcement is the re-tagging's).
    s.save_items("a", &items, now, &mut ()).await.unwrap();
    let id = s.item_texts(0, 1).await.unwrap()[0].0;
    s.replace_tags(&[(id, vec![])]).await.unwrap();
    assert_eq!(next().await, "changed");
    s.set_fingerprints(&[(id, 5)]).await.unwrap();
    assert_eq!(next().await, "rewritten");
    s.prune(Some(t("2026-06-01T00:00:00Z").timestamp()), 0)
        .await
        .unwrap();
    assert_eq!(
        (next().await, next().await),
        ("changed".into(), "rewritten".into())
    );
    // A failed write announces nothing.
    s.simulate_fault(Fault::ReadOnly).await.unwrap();
    s.save_items("a", &items, now, &mut ()).await.unwrap_err();
    s.simulate_fault(Fault::None).await.unwrap();
    s.sync_sources(&[row("a", "أ")]).await.unwrap();
    s.sync_sources(&[
        row("a", "أ"),
        SourceRow {
            url: "http://b/new".into(),
            ..row("b", "ب")
        },
    ])
    .await
    .unwrap();
    assert_eq!(
        (next().await, next().await),
        ("changed".into(), "rewritten".into())
    );
}

async fn pages_by_cursor_show_each_story_once_and_search_wants_every_stem(b: Backend) {
    let (_d, s) = store(b).await;
    let now = t("2026-11-29T09:00:00Z");
    // Five stories at minutes 0..5 from `a`; story 2 also from `b`, a minute later, and
    // stories 3 and 4 at the same time (the cursor then goes by id).
    let at = |src: &str, n: i64, minute: i64| {
        let mut e = entry(&format!("{src}{n}"), "خبر", TEXT1, &format!("wire/{n}"));
        e.published = Some(t("2026-11-29T08:00:00Z") + chrono::Duration::minutes(minute));
        e.fingerprint = 0;
        new_item(e, vec![tag(if n % 2 == 0 { "libya" } else { "oil" })])
    };
    let a: Vec<NewItem> = [(0, 0), (1, 1), (2, 2), (3, 3), (4, 3)]
        .into_iter()
        .map(|(n, m)| at("a", n, m))
        .collect();
    s.save_items("a", &a, now, &mut ()).await.unwrap();
    s.save_items("b", &[at("b", 2, 4)], now, &mut ())
        .await
        .unwrap();

    // Two at a time, newest first, each story once (its earliest item, `b2` left out).
    let mut q = ItemQuery {
        limit: 2,
        ..ItemQuery::default()
    };
    let mut pages = Vec::new();
    loop {
        let page = s.items(&q).await.unwrap();
        let Some(last) = page.last() else { break };
        q.before = Some((last.sort_ts, last.id));
        pages.push(
            page.iter()
                .map(|i| (i.guid.clone(), i.also.len()))
                .collect::<Vec<_>>(),
        );
    }
    let g = |guid: &str, also: usize| (guid.to_string(), also);
    assert_eq!(
        pages,
        [
            vec![g("a4", 0), g("a3", 0)],
            vec![g("a2", 1), g("a1", 0)],
            vec![g("a0", 0)]
        ]
    );
    // With a filter, a story's earliest item among those it selects: `b2` for source b.
    let only_b = ItemQuery {
        sources: vec!["b".into()],
        ..ItemQuery::default()
    };
    let b_items = s.items(&only_b).await.unwrap();
    assert_eq!(
        b_items
            .iter()
            .map(|i| (i.guid.as_str(), i.also[0].source_id.as_str()))
            .collect::<Vec<_>>(),
        [("b2", "a")]
    );
    let libya = ItemQuery {
        topics: vec!["libya".into()],
        all_topics: vec!["libya".into()],
        since: Some(t("2026-11-29T08:01:00Z").timestamp()),
        dedup: false,
        ..ItemQuery::default()
    };
    let guids: Vec<String> = s
        .items(&libya)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.guid)
        .collect();
    assert_eq!(guids, ["b2", "a4", "a2"]);
    assert_eq!(s.count_items(&libya).await.unwrap(), 3);

    // Every stem must occur, in any order.
    let search = |stems: &[&str]| ItemQuery {
        search: stems.iter().map(|s| s.to_string()).collect(),
        dedup: true,
        ..ItemQuery::default()
    };
    assert_eq!(
        s.count_items(&search(&["طرابلس", "حفتر"])).await.unwrap(),
        5
    );
    assert_eq!(
        s.count_items(&search(&["حفتر", "الشرارة"])).await.unwrap(),
        0
    );
    assert_eq!(
        s.count_items(&search(&["خبر", "الصخيرات"])).await.unwrap(),
        5
    );
}

async fn a_feed_of_thousands_of_items_is_saved_and_read_in_one_call(b: Backend) {
    // More rows than one statement could bind one value at a time: 3,300 items of 21
    // values each are 69,300, past PostgreSQL's 65,535 (and SQLite's 32,766).
    const N: usize = 3300;
    let (_d, s) = store(b).await;
    let now = t("2026-11-29T09:00:00Z");
    let items: Vec<NewItem> = (0..N)
        .map(|n| {
            let mut e = entry(&format!("g{n}"), "خبر", TEXT2, &format!("a/{n}"));
            e.fingerprint = 0;
            new_item(e, vec![tag("oil"), tag("libya")])
        })
        .collect();
    let report = s.save_items("a", &items, now, &mut ()).await.unwrap();
    assert_eq!(
        report,
        SaveReport {
            seen: N as u32,
            new: N as u32,
            updated: 0
        }
    );
    let again = s.save_items("a", &items, now, &mut ()).await.unwrap();
    assert_eq!(
        again,
        SaveReport {
            seen: N as u32,
            new: 0,
            updated: 0
        }
    );
    // The same articles from `b`: each joins its story by canonical URL.
    let copies: Vec<NewItem> = items
        .iter()
        .map(|it| {
            let mut c = it.clone();
            c.entry.guid = format!("b-{}", c.entry.guid);
            c
        })
        .collect();
    s.save_items("b", &copies, now, &mut ()).await.unwrap();
    assert_eq!(s.counts().await.unwrap(), (2 * N as i64, N as i64, 2, 0));
    assert_eq!(s.topic_counts().await.unwrap()["oil"], 2 * N as i64);

    let records: Vec<PageRecord> = items
        .iter()
        .map(|it| PageRecord {
            guid: it.entry.guid.clone(),
            feed_hash: "h".into(),
            page_url: None,
            etag: None,
            last_modified: None,
            body_from: "page".into(),
            rule: None,
            reason: None,
            fetched_at: 1,
        })
        .collect();
    s.save_pages("a", &records).await.unwrap();
    let guids: Vec<&str> = items.iter().map(|it| it.entry.guid.as_str()).collect();
    let states = s.page_states("a", &guids).await.unwrap();
    assert_eq!(states.len(), N);
    assert!(
        states
            .values()
            .all(|p| p.page_html.as_deref() == Some(&*format!("<p>{TEXT2}</p>")))
    );
    assert_eq!(s.prune(None, 1).await.unwrap(), (0, 2 * N as u64 - 2));
}

/// Saves held up by another instance's save wait in this one without taking every
/// connection: the HTTP server's reads go on meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_saves_waiting_for_another_instance_leave_connections_for_reads() {
    use sqlx::Connection as _;
    let (db, s) = store(Backend::Postgres).await;
    // Another instance in the middle of a save: it holds the save lock.
    let mut other = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let mut other_save = other.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(postgres::SAVE_LOCK)
        .execute(&mut *other_save)
        .await
        .unwrap();
    let now = t("2026-11-29T09:00:00Z");
    // As many as the default `[fetch] concurrency`, more than the pool's connections.
    let saves: Vec<_> = (0..16)
        .map(|n| {
            let s = s.clone();
            let item = new_item(
                entry(&n.to_string(), "خبر", TEXT1, &format!("a/{n}")),
                vec![],
            );
            tokio::spawn(async move { s.save_items("a", &[item], now, &mut ()).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let read = tokio::time::timeout(Duration::from_secs(5), s.items(&ItemQuery::default()))
        .await
        .expect("a read while saves wait");
    assert!(read.unwrap().is_empty(), "no save went past the lock");
    other_save.commit().await.unwrap();
    for save in saves {
        assert_eq!(save.await.unwrap().unwrap().new, 1);
    }
    assert_eq!(s.counts().await.unwrap().0, 16);
}
