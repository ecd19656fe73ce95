//! Several `marsad serve` processes on one PostgreSQL database (issue 24): each source is
//! fetched once whichever instance claims it, `per_host` holds over all of them, and a
//! source claimed by an instance killed mid-fetch is fetched by another once its lease
//! lapses.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::response::IntoResponse;

use crate::common::pg::PgServer;
use crate::common::{numbered_feed, spawn_app};

/// A loopback farm of feeds `/f/{n}` that answer after `delay`, counting requests per feed
/// and the most requests in flight at once; `/f/slow` hangs while `hang` is set.
#[derive(Clone, Default)]
struct Farm {
    hits: Arc<Mutex<BTreeMap<String, usize>>>,
    active: Arc<AtomicUsize>,
    most: Arc<AtomicUsize>,
    hang: Arc<AtomicBool>,
    delay: Duration,
    /// Items per feed (3 unless changed).
    items: Arc<AtomicUsize>,
}

async fn feed(State(farm): State<Farm>, Path(n): Path<String>) -> impl IntoResponse {
    *farm.hits.lock().unwrap().entry(n.clone()).or_default() += 1;
    let now = farm.active.fetch_add(1, Ordering::SeqCst) + 1;
    farm.most.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(farm.delay).await;
    while n == "slow" && farm.hang.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    farm.active.fetch_sub(1, Ordering::SeqCst);
    let number = n.parse().unwrap_or(999);
    (
        [("content-type", "application/rss+xml")],
        numbered_feed(number, farm.items.load(Ordering::SeqCst)),
    )
}

impl Farm {
    async fn start(delay: Duration) -> (Farm, String) {
        let farm = Farm {
            delay,
            items: Arc::new(AtomicUsize::new(3)),
            ..Farm::default()
        };
        let app = axum::Router::new()
            .route("/f/{n}", axum::routing::get(feed))
            .with_state(farm.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (farm, base)
    }

    fn hits(&self) -> BTreeMap<String, usize> {
        self.hits.lock().unwrap().clone()
    }
}

/// Kills the process when dropped, so a failing test leaves no instance behind.
struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(files: &crate::common::AppFiles) -> Instance {
    Instance(
        files
            .command(&["serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// Waits until an instance has migrated database `db` (its last table exists).
async fn migrated(server: &PgServer, db: &str) {
    wait_for(
        server,
        db,
        "SELECT count(*) FROM pg_tables WHERE tablename = 'host_slots'",
        Duration::from_secs(30),
        |n| n == 1,
    )
    .await;
}

/// Polls `sql` (one number) until `done` says so, or panics after `limit`.
async fn wait_for(
    server: &PgServer,
    db: &str,
    sql: &str,
    limit: Duration,
    done: impl Fn(i64) -> bool,
) -> i64 {
    let start = Instant::now();
    loop {
        let out = server.psql(db, sql);
        if let Ok(n) = out.trim().parse::<i64>()
            && done(n)
        {
            return n;
        }
        assert!(
            start.elapsed() < limit,
            "waited {limit:?} for {sql}: last {out:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn three_instances_fetch_each_source_once_and_keep_per_host_over_all_of_them() {
    let server = PgServer::start();
    server.create_database("three");
    // 30 sources on one host, one at a time, 300 ms each: the last fetch waits about 9 s,
    // longer than the 6 s lease of the claims taken at start-up. A claim that lapses while
    // its fetch waits must not let another instance fetch the source as well.
    let (farm, base) = Farm::start(Duration::from_millis(300)).await;
    let sources: Vec<(String, String)> = (0..30)
        .map(|n| (format!("s{n}"), format!("{base}/f/{n}")))
        .collect();
    let sources: Vec<(&str, String)> = sources
        .iter()
        .map(|(i, u)| (i.as_str(), u.clone()))
        .collect();
    let files = spawn_app()
        .sources(&sources)
        .database(&server.url("three"))
        .fetch_toml("concurrency = 8\nper_host = 1\nlease = \"6s\"")
        .files();
    let instances: Vec<Instance> = (0..3).map(|_| serve(&files)).collect();
    migrated(&server, "three").await;

    wait_for(
        &server,
        "three",
        "SELECT count(*) FROM sources WHERE last_success IS NOT NULL",
        Duration::from_secs(60),
        |n| n == 30,
    )
    .await;
    // Time for a second fetch by a slower instance, if claims let one through.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hits = farm.hits();
    assert_eq!(hits.len(), 30, "{hits:?}");
    let twice: Vec<_> = hits.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "fetched more than once: {twice:?}");
    let most = farm.most.load(Ordering::SeqCst);
    assert_eq!(most, 1, "requests at once to one host with per_host = 1");
    assert_eq!(
        server
            .psql(
                "three",
                "SELECT count(*), count(DISTINCT (source_id, guid)) FROM items"
            )
            .trim(),
        "90|90"
    );
    // Every instance took part (the claims spread the work).
    let owners = server.psql(
        "three",
        "SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL",
    );
    assert_eq!(owners.trim(), "0", "claims are given up after each fetch");
    drop(instances);
}

#[tokio::test]
async fn a_source_claimed_by_an_instance_killed_mid_fetch_is_fetched_by_another_after_the_lease() {
    let server = PgServer::start();
    server.create_database("kill");
    let (farm, base) = Farm::start(Duration::from_millis(10)).await;
    farm.hang.store(true, Ordering::SeqCst);
    let files = spawn_app()
        .source("slow", format!("{base}/f/slow"))
        .source("s1", format!("{base}/f/1"))
        .database(&server.url("kill"))
        .fetch_toml("lease = \"8s\"")
        .files();

    let mut first = serve(&files);
    migrated(&server, "kill").await;
    wait_for(
        &server,
        "kill",
        "SELECT count(*) FROM sources WHERE id = 'slow' AND lease_owner IS NOT NULL",
        Duration::from_secs(30),
        |n| n == 1,
    )
    .await;
    let until: i64 = server
        .psql("kill", "SELECT lease_until FROM sources WHERE id = 'slow'")
        .trim()
        .parse()
        .unwrap();
    while !farm.hits().contains_key("slow") {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The other source is done and released; only `slow` is in flight.
    wait_for(
        &server,
        "kill",
        "SELECT count(*) FROM sources WHERE id = 's1' AND last_success IS NOT NULL AND lease_owner IS NULL",
        Duration::from_secs(30),
        |n| n == 1,
    )
    .await;
    first.0.kill().unwrap(); // SIGKILL: no release, no rollback message
    first.0.wait().unwrap();
    farm.hang.store(false, Ordering::SeqCst);
    let _second = serve(&files);

    let fetched_at = wait_for(
        &server,
        "kill",
        "SELECT COALESCE(MAX(last_success), 0) FROM sources WHERE id = 'slow'",
        Duration::from_secs(30),
        |n| n > 0,
    )
    .await;
    assert!(
        fetched_at >= until,
        "fetched at {fetched_at}, before the dead instance's lease lapsed at {until}"
    );
    assert!(
        fetched_at <= until + 3,
        "fetched at {fetched_at}, long after the lease lapsed at {until}"
    );
    assert_eq!(
        farm.hits().get("slow"),
        Some(&2),
        "the killed fetch and the one after the lease"
    );
    assert_eq!(
        farm.hits().get("1"),
        Some(&1),
        "the other source was fetched once"
    );
    assert_eq!(
        server
            .psql(
                "kill",
                "SELECT count(*) FROM items WHERE source_id = 'slow'"
            )
            .trim(),
        "3"
    );
}

#[tokio::test]
async fn a_write_by_one_instance_changes_the_feed_another_instance_serves() {
    let server = PgServer::start();
    server.create_database("cache");
    let (farm, base) = Farm::start(Duration::ZERO).await;
    let files = spawn_app()
        .source("s1", format!("{base}/f/1"))
        .database(&server.url("cache"))
        .files();
    let service = files.service().await;
    wait_for(
        &server,
        "cache",
        "SELECT count(*) FROM items",
        Duration::from_secs(30),
        |n| n == 3,
    )
    .await;
    let feed = format!("{}/feeds/libya.atom", service.base);
    let c = crate::common::client();
    let first = c.get(&feed).send().await.unwrap();
    assert_eq!(first.status(), 200);
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let again = c
        .get(&feed)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Another instance (`marsad fetch`, a process of its own) stores a fourth item.
    farm.items.store(4, Ordering::SeqCst);
    let out = files.run(&["fetch", "--force"]).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        server.psql("cache", "SELECT count(*) FROM items").trim(),
        "4"
    );
    // The serving instance learns of it without fetching anything itself.
    let start = Instant::now();
    loop {
        let r = c
            .get(&feed)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
            assert_eq!(r.text().await.unwrap().matches("<entry>").count(), 4);
            break;
        }
        assert_eq!(r.status(), 304);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "still 304 two seconds after another instance wrote"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    service.stop().await;
}

#[tokio::test]
async fn migrate_store_copies_a_sqlite_database_into_postgresql_with_its_ids_and_search() {
    let server = PgServer::start();
    server.create_database("moved");
    let url = server.url("moved");
    let (_farm, base) = Farm::start(Duration::ZERO).await;
    let sqlite = spawn_app()
        .source("s1", format!("{base}/f/1"))
        .source("s2", format!("{base}/f/2"))
        .files();
    assert_eq!(sqlite.run(&["fetch"]).await.code, 0);
    let before = sqlite.run(&["stats"]).await.stdout;

    let out = sqlite.run(&["migrate-store", "--to", &url]).await;
    assert_eq!(out.code, 0, "{out:?}");
    let db = sqlite.dir.join("data/marsad.db");
    assert_eq!(
        out.stdout,
        format!(
            "copied {} into {url}:\n  sources   2\n  items     6 (search index written for 6)\n  tags      6\n  pages     0\n  facts     {}\nnext: set [storage] database = \"{url}\" in every instance's marsad.toml and start them\n",
            db.display(),
            server.psql("moved", "SELECT count(*) FROM meta").trim()
        )
    );
    assert_eq!(
        server
            .psql("moved", "SELECT count(*) FROM item_search")
            .trim(),
        "6"
    );
    // A second copy into the same database is refused; nothing changes.
    let again = sqlite.run(&["migrate-store", "--to", &url]).await;
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr.trim(),
        "the target database is not empty (6 items, 2 sources): migrate-store copies into a new, empty database"
    );
    // A missing SQLite file is not created and copied empty.
    let missing = sqlite
        .run(&["migrate-store", "--from", "/nonexistent/m.db", "--to", &url])
        .await;
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr.trim(),
        "--from: no database file at /nonexistent/m.db"
    );

    // The same files pointed at PostgreSQL: the same items under the same ids.
    let postgres = spawn_app()
        .over(&sqlite)
        .source("s1", format!("{base}/f/1"))
        .source("s2", format!("{base}/f/2"))
        .database(&url)
        .files();
    let after = postgres.run(&["stats"]).await.stdout;
    let counts = |s: &str| s.lines().take(3).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(counts(&after), counts(&before));
    let service = postgres.service().await;
    let c = crate::common::client();
    let item: serde_json::Value = c
        .get(format!("{}/api/items/4", service.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    let guid_of_4 = server.psql("moved", "SELECT guid FROM items WHERE id = 4");
    assert_eq!(item["guid"].as_str(), Some(guid_of_4.trim()), "{item}");
    let found: serde_json::Value = c
        .get(format!("{}/api/items?q=مصراتة&dedup=false", service.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap();
    assert_eq!(found.as_array().map(Vec::len), Some(6), "{found}");
    // New items get ids after the copied ones.
    assert_eq!(
        server
            .psql(
                "moved",
                "SELECT nextval(pg_get_serial_sequence('items', 'id'))"
            )
            .trim(),
        "7"
    );
    service.stop().await;
}

#[tokio::test]
async fn two_instances_deliver_each_webhook_once_and_the_other_takes_over_when_one_dies() {
    let server = PgServer::start();
    server.create_database("hooks");
    let (farm, base) = Farm::start(Duration::ZERO).await;
    let ids: Arc<Mutex<Vec<String>>> = Arc::default();
    let got = ids.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let got = got.clone();
            async move {
                got.lock()
                    .unwrap()
                    .push(headers["webhook-id"].to_str().unwrap().to_string());
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let files = spawn_app()
        .source("s1", format!("{base}/f/1"))
        .database(&server.url("hooks"))
        .main_toml(&format!(
            "[[webhooks]]\nname = \"desk\"\nurl = \"{hook}\"\nsecret = \"whsec_xQm5GSvnuZ7rJ8k1pKMhYdNe9wq3LcT0aXfB2Wg4RVo=\"\n"
        ))
        .files();
    let delivered = |n: usize| {
        let ids = ids.clone();
        async move {
            let start = Instant::now();
            while ids.lock().unwrap().len() < n {
                assert!(
                    start.elapsed() < Duration::from_secs(30),
                    "{:?}",
                    ids.lock().unwrap()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            // Anything sent twice would come right after.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let got = ids.lock().unwrap().clone();
            let mut distinct = got.clone();
            distinct.sort();
            distinct.dedup();
            assert_eq!(distinct.len(), got.len(), "an item sent twice: {got:?}");
            got.len()
        }
    };
    // The first instance delivers the first fetch's three items; the second, started
    // after, waits for the delivery lock.
    let first = serve(&files);
    assert_eq!(delivered(3).await, 3);
    let _second = serve(&files);
    wait_for(
        &server,
        "hooks",
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
        Duration::from_secs(30),
        |n| n >= 1,
    )
    .await;
    let fetch_one_more = |n: usize| {
        farm.items.store(n, Ordering::SeqCst);
        files.run(&["fetch", "--force"])
    };
    let out = fetch_one_more(4).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(delivered(4).await, 4, "two instances, each item once");
    // The delivering instance dies; the other takes over.
    drop(first);
    let out = fetch_one_more(5).await;
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(delivered(5).await, 5);
}
