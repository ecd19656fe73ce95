//! The service under faults: a database locked by another connection, a full disk, a
//! read-only database, slowloris clients, clients that never read, more connections than
//! the limit. Timeouts are configured short here; no test sleeps to wait for a timeout,
//! it waits for what the timeout causes (a closed socket, a counter).

use crate::common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use marsad::server::AppState;
use marsad::store::{Fault, Store};
use sqlx::Connection as _;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A feed server whose `/f{n}` answers `first` items on its first hit and `later` items
/// after (the first `first` of them the same).
async fn growing_feeds(sources: usize, first: usize, later: usize) -> FeedServer {
    let paths: Vec<String> = (0..sources).map(|n| format!("/f{n}")).collect();
    let routes: Vec<(&str, Handler)> = paths
        .iter()
        .enumerate()
        .map(|(n, p)| {
            let h: Handler = Arc::new(move |_, hit| {
                let count = if hit == 1 { first } else { later };
                axum::response::Response::builder()
                    .header("content-type", "application/rss+xml")
                    .body(axum::body::Body::from(numbered_feed(n, count)))
                    .unwrap()
            });
            (p.as_str(), h)
        })
        .collect();
    FeedServer::start(routes).await
}

/// A marsad over `sources` feeds of `server`, with `busy_timeout`.
fn app(server: &FeedServer, sources: usize, busy_timeout: Duration) -> AppBuilder {
    let mut app = spawn_app();
    for n in 0..sources {
        app = app.source(&format!("s{n}"), server.url(&format!("/f{n}")));
    }
    app.config(move |c| c.storage.busy_timeout = busy_timeout)
}

/// [`app`] with its store open.
async fn env(server: &FeedServer, sources: usize, busy_timeout: Duration) -> TestApp {
    app(server, sources, busy_timeout).open().await
}

/// One request on a new connection (`Connection: close`); the whole answer as text.
async fn raw_get(addr: SocketAddr, path: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: marsad.test\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

/// Status line and body of an answer read by [`raw_get`].
fn status_and_body(answer: &str) -> (&str, &str) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap(), body)
}

/// A second connection to the database file, as another process would have.
async fn other_connection(store_path: &std::path::Path) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!("sqlite://{}", store_path.display()))
        .await
        .unwrap()
}

async fn count(store: &Store) -> i64 {
    store.counts().await.unwrap().0
}

const LOCKED: &str = "database error: error returned from database: (code: 5) database is locked";

#[tokio::test]
async fn readers_never_block_the_writer_and_a_held_write_lock_fails_a_write_after_the_busy_timeout()
{
    let server = growing_feeds(1, 30, 30).await;
    let env = env(&server, 1, Duration::from_millis(200)).await;
    let db = env
        .config
        .storage
        .database
        .sqlite_path()
        .unwrap()
        .to_path_buf();
    let ingest = marsad::pipeline::process(
        &numbered_feed(0, 30),
        None,
        None,
        Some("http://news.test/"),
        "ar",
        None,
        &marsad::tag::Matcher::compile(&env.config.topics),
    )
    .unwrap();
    let (first, second) = ingest.items.split_at(20);

    // A reader in the middle of a read transaction: the writer commits anyway, and the
    // reader keeps its snapshot.
    let mut reader = other_connection(&db).await;
    sqlx::query("BEGIN").execute(&mut reader).await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(&mut reader)
        .await
        .unwrap();
    assert_eq!(before, 0);
    let report = env
        .store
        .save_items("s0", first, chrono::Utc::now(), &mut ())
        .await
        .unwrap();
    assert_eq!((report.new, report.updated), (20, 0));
    let snapshot: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM items")
        .fetch_one(&mut reader)
        .await
        .unwrap();
    assert_eq!(snapshot, 0);
    sqlx::query("COMMIT").execute(&mut reader).await.unwrap();
    assert_eq!(count(&env.store).await, 20);

    // Another connection holds the write lock: the write waits the busy timeout (200 ms
    // here) on each of its three attempts, then fails with SQLITE_BUSY, which is remembered.
    let mut locker = other_connection(&db).await;
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut locker)
        .await
        .unwrap();
    let err = env
        .store
        .save_items("s0", second, chrono::Utc::now(), &mut ())
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), LOCKED);
    assert_eq!(env.store.write_retries(), 2);
    let failures = env.store.write_failures();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0, "save items");
    assert_eq!(
        (failures[0].1.error.as_str(), failures[0].1.failures),
        (LOCKED, 1)
    );
    // Reads go on while the lock is held.
    assert_eq!(count(&env.store).await, 20);
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();

    let report = env
        .store
        .save_items("s0", second, chrono::Utc::now(), &mut ())
        .await
        .unwrap();
    assert_eq!((report.new, report.updated), (10, 0));
    assert_eq!(count(&env.store).await, 30);
    assert_eq!(env.store.write_failures(), vec![]);
}

#[tokio::test]
async fn a_write_lock_held_past_the_busy_timeout_is_retried_and_a_fetch_that_still_fails_is_rescheduled_with_its_error()
 {
    let server = growing_feeds(1, 30, 50).await;
    // 500 ms: after the first failure, the test has the 0.1 s pause and the second
    // attempt's 0.5 s wait to see it and release the lock; every write held through all
    // three attempts costs 3 × 0.5 s + the pauses.
    let env = Arc::new(env(&server, 1, Duration::from_millis(500)).await);
    let db = env
        .config
        .storage
        .database
        .sqlite_path()
        .unwrap()
        .to_path_buf();
    // As `serve` does at start-up: stored items tagged with the current rules (a write of
    // its own, done before the lock is taken).
    let matcher = std::sync::Arc::new(marsad::tag::Matcher::compile(&env.config.topics));
    marsad::app::retag_if_changed(&env.store, &env.config, matcher)
        .await
        .unwrap();
    let mut locker = other_connection(&db).await;

    // 1. The lock is released after the first attempt failed: a retry stores everything.
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut locker)
        .await
        .unwrap();
    let fetch = {
        let env = env.clone();
        tokio::spawn(async move { env.fetch(true).await })
    };
    eventually("a retried write", || async {
        env.store.write_retries() >= 1
    })
    .await;
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    let (outcomes, _) = fetch.await.unwrap();
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].ok, "{:?}", outcomes[0].error);
    assert_eq!(outcomes[0].report.new, 30);
    assert_eq!(count(&env.store).await, 30);
    assert_eq!(env.store.write_failures(), vec![]);

    // 2. The lock is held through every attempt to save: the fetch fails, the error is
    // recorded on the source (the record is written once the lock is gone), it is due
    // again later, and nothing is lost: the next fetch stores the 20 new items.
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut locker)
        .await
        .unwrap();
    let started = chrono::Utc::now();
    let fetch = {
        let env = env.clone();
        tokio::spawn(async move { env.fetch(true).await })
    };
    eventually("the save to fail for good", || async {
        env.store
            .write_failures()
            .iter()
            .any(|(kind, _)| *kind == "save items")
    })
    .await;
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
    let (outcomes, _) = fetch.await.unwrap();
    let o = &outcomes[0];
    let error = format!("could not store items: {LOCKED}");
    assert!(!o.ok);
    assert_eq!(o.error.as_deref(), Some(error.as_str()));
    let next_due = o.next_due.unwrap();
    assert!(
        next_due >= started + chrono::Duration::minutes(1),
        "{next_due}"
    );
    let state = env.store.source("s0").await.unwrap().unwrap();
    assert_eq!(state.error.as_deref(), Some(error.as_str()));
    assert_eq!(state.consecutive_failures, 1);
    assert_eq!(
        state.next_due.map(|d| d.timestamp()),
        Some(next_due.timestamp())
    );
    assert_eq!(state.item_count, 30);
    let failures = env.store.write_failures();
    assert_eq!(
        failures.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        ["save items"]
    );

    let (outcomes, _) = env.fetch(true).await;
    assert!(outcomes[0].ok, "{:?}", outcomes[0].error);
    assert_eq!(outcomes[0].report.new, 20);
    assert_eq!(count(&env.store).await, 50);
    let state = env.store.source("s0").await.unwrap().unwrap();
    assert_eq!((state.error, state.consecutive_failures), (None, 0));
    assert_eq!(env.store.write_failures(), vec![]);
    env.store.integrity_check().await.unwrap();
}

/// Two sources × 30 items stored, then `fault`: a fetch of 30 new items per source fails
/// with `error`, the server keeps serving the 60 items and says what is wrong on `/readyz`
/// and `/api/status`; after the fault is gone, the next fetch stores the 60 new items.
async fn storage_fault_is_reported_and_survived(fault: Fault, error: &str) {
    let server = growing_feeds(2, 30, 60).await;
    let env = env(&server, 2, Duration::from_millis(200)).await;
    let (outcomes, _) = env.fetch(true).await;
    assert!(outcomes.iter().all(|o| o.ok && o.report.new == 30));
    assert_eq!(count(&env.store).await, 60);

    let site = env.serve().await;
    let addr = site.addr;
    assert_eq!(
        raw_get(addr, "/readyz").await.lines().next(),
        Some("HTTP/1.1 200 OK")
    );

    env.store.simulate_fault(fault).await.unwrap();
    let (outcomes, _) = env.fetch(true).await;
    let store_error = format!("could not store items: {error}");
    for o in &outcomes {
        assert!(!o.ok);
        assert_eq!(o.error.as_deref(), Some(store_error.as_str()));
        assert!(o.next_due.is_some());
    }
    assert_eq!(count(&env.store).await, 60);

    // Still serving what it has.
    let feed = raw_get(addr, "/feeds/all.json?limit=500&dedup=false").await;
    let (status, body) = status_and_body(&feed);
    assert_eq!(status, "HTTP/1.1 200 OK");
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 60);
    assert_eq!(
        status_and_body(&raw_get(addr, "/").await).0,
        "HTTP/1.1 200 OK"
    );

    // Not ready, and why.
    let ready = raw_get(addr, "/readyz").await;
    let (status, body) = status_and_body(&ready);
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines[0], "database writes failing; serving stored items");
    let save_line = lines
        .iter()
        .find(|l| l.starts_with("save items: "))
        .unwrap();
    assert!(
        save_line.starts_with(&format!("save items: {error} (since ")),
        "{save_line}"
    );
    assert!(save_line.ends_with(", 2 failure(s))"), "{save_line}");
    let status_json: serde_json::Value =
        serde_json::from_str(status_and_body(&raw_get(addr, "/api/status").await).1).unwrap();
    assert_eq!(status_json["database"]["reachable"], true);
    assert_eq!(status_json["database"]["writable"], false);
    let errors = status_json["database"]["write_errors"].as_array().unwrap();
    let save = errors.iter().find(|e| e["write"] == "save items").unwrap();
    assert_eq!(save["error"], error);
    assert_eq!(save["failures"], 2);

    // The fault goes away: the next fetch stores the new items and the service is ready.
    env.store.simulate_fault(Fault::None).await.unwrap();
    let (outcomes, _) = env.fetch(true).await;
    for o in &outcomes {
        assert!(o.ok, "{:?}", o.error);
        assert_eq!(o.report.new, 30);
    }
    assert_eq!(count(&env.store).await, 120);
    for n in 0..2 {
        let state = env.store.source(&format!("s{n}")).await.unwrap().unwrap();
        assert_eq!((state.item_count, state.error), (60, None));
    }
    assert_eq!(
        status_and_body(&raw_get(addr, "/readyz").await),
        ("HTTP/1.1 200 OK", "ready\n")
    );
    let status_json: serde_json::Value =
        serde_json::from_str(status_and_body(&raw_get(addr, "/api/status").await).1).unwrap();
    assert_eq!(status_json["database"]["writable"], true);
    assert_eq!(
        status_json["database"]["write_errors"],
        serde_json::json!([])
    );
    env.store.integrity_check().await.unwrap();
}

#[tokio::test]
async fn a_full_disk_is_reported_the_stored_items_are_served_and_ingest_resumes() {
    storage_fault_is_reported_and_survived(
        Fault::DiskFull,
        "database error: error returned from database: (code: 13) database or disk is full",
    )
    .await;
}

#[tokio::test]
async fn a_read_only_database_is_reported_the_stored_items_are_served_and_ingest_resumes() {
    storage_fault_is_reported_and_survived(
        Fault::ReadOnly,
        "database error: error returned from database: (code: 8) attempt to write a readonly database",
    )
    .await;
}

/// A server over an empty store with the given connection limits.
async fn limited_server(
    header_timeout: Duration,
    write_timeout: Duration,
    max_connections: usize,
) -> (TestApp, AppState, SocketAddr, Server) {
    let server = growing_feeds(1, 1, 1).await;
    let env = app(&server, 1, Duration::from_secs(1))
        .config(move |c| {
            c.server.header_timeout = header_timeout;
            c.server.write_timeout = write_timeout;
            c.server.max_connections = max_connections;
        })
        .open()
        .await;
    let site = env.serve().await;
    (env, site.state.clone(), site.addr, site)
}

/// Reads until the server closes the connection; what came, and whether it ended.
async fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_slowloris_client_is_closed_after_the_header_timeout_and_so_is_an_idle_keep_alive() {
    let (_env, _state, addr, _stop) =
        limited_server(Duration::from_millis(300), Duration::from_secs(5), 64).await;

    // A header sent a byte every 20 ms would take 5 s; the server closes the connection
    // after 300 ms without answering.
    let header = format!(
        "GET /healthz HTTP/1.1\r\nHost: marsad.test\r\nUser-Agent: {}\r\n\r\n",
        "s".repeat(200)
    );
    let s = TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = s.into_split();
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        let _ = rd.read_to_end(&mut got).await;
        got
    });
    let mut sent = 0;
    for b in header.as_bytes() {
        if reader.is_finished() || wr.write_all(&[*b]).await.is_err() {
            break;
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let got = reader.await.unwrap();
    assert_eq!(String::from_utf8_lossy(&got), "");
    assert!(sent < header.len(), "the whole header went through");

    // Meanwhile and after, normal requests are served.
    assert_eq!(
        status_and_body(&raw_get(addr, "/healthz").await),
        ("HTTP/1.1 200 OK", "ok\n")
    );

    // A keep-alive connection that stays idle after its answer is closed too.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: marsad.test\r\n\r\n")
        .await
        .unwrap();
    let got = String::from_utf8(read_until_closed(&mut s).await).unwrap();
    assert!(got.starts_with("HTTP/1.1 200 OK\r\n"), "{got}");
    assert!(got.ends_with("\r\n\r\nok\n"), "{got}");
}

#[tokio::test]
async fn a_client_that_never_reads_does_not_hold_up_others_and_is_dropped_after_the_write_timeout()
{
    let (env, state, addr, _stop) =
        limited_server(Duration::from_secs(5), Duration::from_millis(300), 64).await;
    // 100 items of ~1.5 KB: the JSON feed is about 300 KB.
    let text = "ليبيا طرابلس بنغازي ".repeat(40);
    let mut xml =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>ك</title>");
    for i in 0..100 {
        xml.push_str(&format!(
            "<item><guid>big-{i}</guid><title>خبر {i}</title><description>{text} {i}</description></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    let processed = marsad::pipeline::process(
        xml.as_bytes(),
        None,
        None,
        None,
        "ar",
        None,
        &marsad::tag::Matcher::compile(&env.config.topics),
    )
    .unwrap();
    env.store
        .save_items("s0", &processed.items, chrono::Utc::now(), &mut ())
        .await
        .unwrap();
    let path = "/feeds/all.json?limit=100&dedup=false";
    let reference = raw_get(addr, path).await;
    let body_len = status_and_body(&reference).1.len();
    assert!(body_len > 200_000, "{body_len}");

    // 200 pipelined requests (60 MB of answers) on a socket with a tiny receive buffer,
    // and then nothing read.
    const ASKED: usize = 200;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut stuck = socket.connect(addr).await.unwrap();
    let requests = format!("GET {path} HTTP/1.1\r\nHost: marsad.test\r\n\r\n").repeat(ASKED);
    stuck.write_all(requests.as_bytes()).await.unwrap();

    // Others are served in full meanwhile.
    let reference = status_and_body(&reference).1.to_string();
    for _ in 0..3 {
        let again = raw_get(addr, path).await;
        assert_eq!(
            status_and_body(&again),
            ("HTTP/1.1 200 OK", reference.as_str())
        );
        assert_eq!(
            status_and_body(&raw_get(addr, "/healthz").await),
            ("HTTP/1.1 200 OK", "ok\n")
        );
    }
    // The stuck connection is dropped by the server: no connection is left open...
    eventually("the stuck connection to be dropped", || async {
        state.connections.open() == 0
    })
    .await;
    // ...and its client got only part of what it asked for.
    let got = read_until_closed(&mut stuck).await;
    let answers = String::from_utf8_lossy(&got)
        .matches("HTTP/1.1 200 OK")
        .count();
    assert!(answers < ASKED, "{answers} answers");
}

#[tokio::test]
async fn connections_over_the_limit_wait_for_a_slot_and_a_normal_request_is_still_served() {
    let (_env, state, addr, _stop) =
        limited_server(Duration::from_millis(300), Duration::from_secs(5), 4).await;
    // Twice the limit of clients that connect and send nothing.
    let mut silent = Vec::new();
    for _ in 0..8 {
        silent.push(TcpStream::connect(addr).await.unwrap());
    }
    // A normal request after them: served once the silent ones are timed out, four at a
    // time, ahead of it.
    assert_eq!(
        status_and_body(&raw_get(addr, "/healthz").await),
        ("HTTP/1.1 200 OK", "ok\n")
    );
    // Every silent client was closed without a byte, and never more than the limit were
    // open at once (nine would have been without it).
    for s in &mut silent {
        assert_eq!(read_until_closed(s).await, b"");
    }
    assert_eq!(state.connections.peak(), 4);
    eventually("all connections closed", || async {
        state.connections.open() == 0
    })
    .await;
}
