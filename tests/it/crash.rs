//! The database survives `kill -9` mid-ingest: each feed is saved in one transaction, so a
//! source has all of a fetch's items or none, SQLite's check passes, and the next fetch
//! completes the work.

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::*;

const FEEDS: usize = 40;
const ITEMS: usize = 50;

#[tokio::test]
async fn a_kill_9_mid_ingest_leaves_a_consistent_database_and_the_next_fetch_completes() {
    let paths: Vec<String> = (0..FEEDS).map(|n| format!("/f{n}")).collect();
    let routes: Vec<(&str, Handler)> = paths
        .iter()
        .enumerate()
        .map(|(n, p)| {
            (
                p.as_str(),
                serve_bytes(numbered_feed(n, ITEMS), "application/rss+xml"),
            )
        })
        .collect();
    let server = FeedServer::start(routes).await;
    let sources: Vec<(String, String)> = (0..FEEDS)
        .map(|n| (format!("s{n}"), server.url(&format!("/f{n}"))))
        .collect();
    let sources_ref: Vec<(&str, String)> = sources
        .iter()
        .map(|(i, u)| (i.as_str(), u.clone()))
        .collect();
    let app = spawn_app()
        .sources(&sources_ref)
        .fetch_toml("concurrency = 2\nper_host = 2")
        .files();

    let mut child = app
        .command(&["fetch"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill as soon as some items are committed, while most feeds are still to come. A
    // read-only connection watches (WAL readers never block the writer).
    let db = app.dir.join("data/marsad.db");
    let started = std::time::Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if started.elapsed() > Duration::from_secs(30) {
            break;
        }
        let Ok(opts) =
            format!("sqlite://{}", db.display()).parse::<sqlx::sqlite::SqliteConnectOptions>()
        else {
            continue;
        };
        let Ok(mut conn) = <sqlx::sqlite::SqliteConnection as sqlx::Connection>::connect_with(
            &opts.read_only(true),
        )
        .await
        else {
            continue;
        };
        let n: Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM items")
            .fetch_one(&mut conn)
            .await;
        let _ = sqlx::Connection::close(conn).await;
        if n.is_ok_and(|n| n > 0) {
            break;
        }
    }
    Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed mid-ingest");

    let store = marsad::store::Store::open(&db).await.unwrap();
    store.integrity_check().await.unwrap();
    let states = store.sources().await.unwrap();
    let partial: Vec<(String, i64)> = states
        .iter()
        .filter(|s| s.item_count != 0 && s.item_count != ITEMS as i64)
        .map(|s| (s.id.clone(), s.item_count))
        .collect();
    assert!(
        partial.is_empty(),
        "every source has all its items or none: {partial:?}"
    );
    let stored: i64 = states.iter().map(|s| s.item_count).sum();
    assert!(
        stored > 0 && stored < (FEEDS * ITEMS) as i64,
        "the kill came mid-ingest ({stored} items)"
    );
    println!("{stored} items stored before the kill");
    store.close().await;

    // The next fetch, as a restart would run it.
    let app = app.open().await;
    let store = &app.store;
    let (outcomes, _) = app.fetch(false).await;
    assert!(outcomes.iter().all(|o| o.ok));
    let total: i64 = store
        .sources()
        .await
        .unwrap()
        .iter()
        .map(|s| s.item_count)
        .sum();
    assert_eq!(total, (FEEDS * ITEMS) as i64);
    store.integrity_check().await.unwrap();
    // The search index holds every item too (it is written in the items' transaction).
    let found = store
        .items(&marsad::store::ItemQuery {
            search: marsad::text::arabic::search_query("ليبيا"),
            dedup: false,
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(found.len(), FEEDS * ITEMS);
}
