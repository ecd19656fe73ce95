//! What a new admin and a reader hit first (issue 21, "Wrong or lost"): the start-up
//! schedule, lost and mixed items, imports and `sources add`, query checks, feed discovery.
//! Every test runs the real binary or the real service against feed servers on 127.0.0.1.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::*;

fn marsad(main: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marsad"))
        .arg("--config")
        .arg(main)
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .unwrap()
}

/// (exit code, stdout, stderr) of a run of the binary on a blocking thread.
async fn run(main: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let main = main.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = marsad(&main, &args);
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8(o.stdout).unwrap(),
            String::from_utf8(o.stderr).unwrap(),
        )
    })
    .await
    .unwrap()
}

fn seed() -> Vec<u8> {
    std::fs::read(fixture("seed-feed.xml")).unwrap()
}

// ---- 5. A fresh start fetches never-fetched sources at once ----

#[tokio::test]
async fn a_fresh_start_fetches_a_never_fetched_source_at_once() {
    let server = FeedServer::start(vec![("/f", serve_bytes(seed(), "application/rss+xml"))]).await;
    // An id whose start-up jitter is long, so a start that applied it would not fetch in time.
    let every = marsad::config::Schedule::Every(Duration::from_secs(600));
    let id = (0..100)
        .map(|i| format!("s{i}"))
        .find(|id| marsad::fetch::schedule::jitter(id, &every) > Duration::from_secs(120))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path(), &[(&id, server.url("/f"))], "");
    let config = marsad::config::load(&main).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let service = tokio::spawn(marsad::app::serve(config, listener, async {
        let _ = stop_rx.await;
    }));
    let started = std::time::Instant::now();
    while server.hits("/f") == 0 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.hits("/f"), 1, "not fetched within 20 s of the start");
    let _ = stop_tx.send(());
    service.await.unwrap().unwrap();
}

// ---- 7. `sources add` checks its arguments before writing, and names the flag ----

#[tokio::test]
async fn sources_add_names_the_flag_of_a_bad_value_and_fetches_nothing() {
    let server = FeedServer::start(vec![("/f", serve_bytes(seed(), "application/rss+xml"))]).await;
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path(), &[], "");
    let sources = dir.path().join("sources.toml");
    let before = std::fs::read_to_string(&sources).unwrap();
    let url = server.url("/f");
    for (args, message) in [
        (
            vec!["--interval", "30s"],
            "--interval \"30s\": interval must be at least 1m\n",
        ),
        (
            vec!["--interval", "soon"],
            "--interval \"soon\": missing number before 's' in duration \"soon\"\n",
        ),
        (
            vec!["--id", "Bad Id"],
            "--id \"Bad Id\": must be a slug: lowercase a-z, 0-9 and '-', not starting with '-'\n",
        ),
    ] {
        let mut all = vec!["sources", "add", url.as_str()];
        all.extend(args);
        let (code, stdout, stderr) = run(&main, &all).await;
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (2, "", message),
            "{all:?}"
        );
    }
    assert_eq!(server.hits("/f"), 0);
    assert_eq!(std::fs::read_to_string(&sources).unwrap(), before);
}

// ---- 8. Duplicate URLs, unknown sources and parameters ----

#[tokio::test]
async fn check_refuses_two_sources_polling_the_same_url() {
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(
        dir.path(),
        &[
            ("a", "https://www.example.com/feed/".into()),
            ("b", "https://example.com/feed".into()),
        ],
        "",
    );
    let (code, stdout, stderr) = run(&main, &["check"]).await;
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "{}:10:7: url \"https://example.com/feed\" is already polled by source \"a\"\n",
            dir.path().join("sources.toml").display()
        )
    );
}

#[tokio::test]
async fn feed_and_api_queries_refuse_unknown_parameters_and_sources() {
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path(), &[("a", "http://127.0.0.1:9/f".into())], "");
    let config = marsad::config::load(&main).unwrap();
    let (base, _stop) = start_marsad(config).await;
    let c = client();
    for (path, status, body) in [
        (
            "/feeds/all.atom?lmit=5",
            400,
            "unknown parameter \"lmit\"; did you mean \"limit\"?\n",
        ),
        (
            "/api/items?lmit=5",
            400,
            "unknown parameter \"lmit\"; did you mean \"limit\"?\n",
        ),
        (
            "/api/items?q=%D9%84%D9%8A%D8%A8%D9%8A%D8%A7&sort=new",
            400,
            "unknown parameter \"sort\" (known: topic, all_topics, source, since, before, limit, dedup, q)\n",
        ),
        (
            "/sources/a.rss?fomat=rss",
            400,
            "unknown parameter \"fomat\" (known: topic, all_topics, source, since, before, limit, dedup, q)\n",
        ),
        (
            "/feeds/all.rss?source=nope",
            400,
            "unknown source \"nope\"\n",
        ),
        ("/api/items?source=a,nope", 400, "unknown source \"nope\"\n"),
        (
            "/feeds/libya.json?topic=nope",
            400,
            "unknown topic \"nope\"\n",
        ),
    ] {
        let r = c.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(
            (r.status().as_u16(), r.text().await.unwrap().as_str()),
            (status, body),
            "{path}"
        );
    }
    // Known parameters and the tracking tags link sharers add are fine.
    for path in [
        "/feeds/all.atom?source=a&limit=5&utm_source=newsletter",
        "/api/items?source=a&q=%D9%84%D9%8A%D8%A8%D9%8A%D8%A7&dedup=false",
    ] {
        let r = c.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
}
