//! The `marsad` binary: exit codes, config errors, `inspect --json`, `fetch`.

use crate::common;

use std::process::{Command, Output};

use common::*;

fn marsad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_marsad"))
        .args(args)
        .env("RUST_LOG", "error")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

#[test]
fn check_accepts_the_shipped_config() {
    let o = marsad(&[
        "--config",
        concat!(env!("CARGO_MANIFEST_DIR"), "/config/marsad.toml"),
        "check",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("ok: "));
}

#[test]
fn config_errors_print_file_line_col_and_exit_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path(), &[("a", "http://127.0.0.1:1/f".into())], "");
    let sources = dir.path().join("sources.toml");
    let text = std::fs::read_to_string(&sources)
        .unwrap()
        .replace("interval = \"10m\"", "intervl = \"10m\"");
    std::fs::write(&sources, text).unwrap();
    let o = marsad(&["--config", main.to_str().unwrap(), "check"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "{}:5:1: unknown field `intervl`, expected one of `id`, `name`, `url`, `interval`, `cron`, `enabled`, `language`, `encoding`, `full_text`, `content_selector`, `remove_selectors`; did you mean `interval`?\n",
            sources.display()
        )
    );
    // Every command refuses to start on a bad config.
    assert_eq!(
        marsad(&["--config", main.to_str().unwrap(), "fetch"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn inspect_json_prints_the_documented_shape() {
    let o = marsad(&[
        "inspect",
        fixture("seed-feed.xml").to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(
        doc["feed"],
        serde_json::json!({"title": "موقع أخبار تجريبي", "link": "https://news.example/", "language": "ar", "format": "rss2"})
    );
    assert_eq!(doc["warnings"], serde_json::json!([]));
    let e = &doc["entries"][0];
    let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        vec![
            "author",
            "content_html",
            "dir",
            "fingerprint",
            "guid",
            "language",
            "published",
            "source_credit",
            "summary",
            "text",
            "title",
            "topics",
            "updated",
            "url"
        ]
    );
    assert_eq!(e["guid"], "news-example-1001");
    assert_eq!(e["url"], "https://news.example/libya/haftar-skhirat");
    assert_eq!(e["author"], serde_json::Value::Null);
    assert_eq!(e["updated"], serde_json::Value::Null);
    assert_eq!(e["published"], "2020-04-29T10:00:00Z");
    assert_eq!(e["source_credit"], "مواقع");
    assert_eq!(
        e["text"],
        std::fs::read_to_string(fixture("seed-article.clean.txt"))
            .unwrap()
            .trim_end()
    );
    assert_eq!(e["topics"][0]["slug"], "libya");
    let first = &e["topics"][0]["matches"][0];
    assert_eq!(
        (
            first["term"].as_str(),
            first["field"].as_str(),
            first["position"].as_u64()
        ),
        (Some("حفتر"), Some("title"), Some(1))
    );
    assert_eq!(doc["entries"][1]["topics"][0]["slug"], "lebanon");
    assert_eq!(doc["entries"][1]["topics"].as_array().unwrap().len(), 1);
}

#[test]
fn inspect_reports_a_non_feed_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("page.html");
    std::fs::write(&p, "<!DOCTYPE html><html><body>x</body></html>").unwrap();
    let o = marsad(&["inspect", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).ends_with(
            "this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element)\n"
        )
    );
}

#[tokio::test]
async fn fetch_exits_zero_when_sources_fail_and_lists_them() {
    let feed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let server = FeedServer::start(vec![("/ok", serve_bytes(feed, "application/rss+xml"))]).await;
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(
        dir.path(),
        &[("good", server.url("/ok")), ("gone", server.url("/gone"))],
        "",
    );
    let main_s = main.to_str().unwrap().to_string();
    let o = tokio::task::spawn_blocking(move || marsad(&["--config", &main_s, "fetch"]))
        .await
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "failed  gone: HTTP 404\nfetched 2 sources: 1 ok, 1 failed, 0 skipped; 2 items seen, 2 new\n"
    );
    let main_s = main.to_str().unwrap().to_string();
    let o = tokio::task::spawn_blocking(move || {
        marsad(&["--config", &main_s, "sources", "list", "--json"])
    })
    .await
    .unwrap();
    let list: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(list[0]["id"], "gone");
    assert_eq!(list[0]["consecutive_failures"], 1);
    assert_eq!(list[1]["id"], "good");
    assert_eq!(list[1]["item_count"], 2);
    let main_s = main.to_str().unwrap().to_string();
    let o = tokio::task::spawn_blocking(move || marsad(&["--config", &main_s, "stats"]))
        .await
        .unwrap();
    let out = stdout(&o);
    assert!(
        out.starts_with("items     2\nstories   2\nsources   2 (0 retired)\ndatabase  "),
        "{out}"
    );
    assert!(out.trim_end().ends_with(" MB)"), "{out}");
}

#[test]
fn fetch_fails_when_the_database_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path(), &[], "");
    // The database folder is a file: nothing can be created there.
    std::fs::write(dir.path().join("data"), "not a folder").unwrap();
    let o = marsad(&["--config", main.to_str().unwrap(), "fetch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("error: cannot open database"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test]
async fn topics_test_shows_what_an_edited_rule_would_change_and_explain_shows_why() {
    let feed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let server = FeedServer::start(vec![("/ok", serve_bytes(feed, "application/rss+xml"))]).await;
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path(), &[("news", server.url("/ok"))], "");
    let m = main.to_str().unwrap().to_string();
    let run = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            marsad(&args.iter().map(String::as_str).collect::<Vec<_>>())
        })
    };
    let o = run(vec!["--config".into(), m.clone(), "fetch".into()])
        .await
        .unwrap();
    assert!(o.status.success());

    let o = run(vec![
        "--config".into(),
        m.clone(),
        "explain".into(),
        "1".into(),
    ])
    .await
    .unwrap();
    let out = stdout(&o);
    assert!(out.starts_with("#1 [news] الانقلابي حفتر"), "{out}");
    assert!(
        out.contains("\nlibya: score 59 (min 2) → TAGGED\n"),
        "{out}"
    );
    // The text's own spelling, then the matching form, then the rule's term.
    assert!(
        out.contains("  6 pts  title word 1    حفتر [حفتر] ← term حفتر\n"),
        "{out}"
    );
    assert!(
        out.contains("  4 pts  lead  word 2    حكومة الوفاق [حكومه الوفاق] ← term حكومة الوفاق\n"),
        "{out}"
    );

    // check warns on a stop word written as a term (two stored items are too few to judge
    // shares; `tag::tests::stop_words_and_short_terms_are_warned_about` covers those).
    let topics = dir.path().join("topics.toml");
    let shipped = std::fs::read_to_string(&topics).unwrap();
    std::fs::write(
        &topics,
        shipped.replacen("  \"Sudan\", ", "  \"من\", \"Sudan\", ", 1),
    )
    .unwrap();
    let o = run(vec!["--config".into(), m.clone(), "check".into()])
        .await
        .unwrap();
    assert!(o.status.success());
    assert_eq!(
        stdout(&o).lines().skip(1).collect::<Vec<_>>(),
        ["warning: topic sudan: term \"من\" is a stop word: it occurs in nearly every item"]
    );
    std::fs::write(&topics, shipped).unwrap();

    // The admin raises libya's threshold: the dry run says the seed item would lose its tag.
    let text = std::fs::read_to_string(&topics).unwrap();
    let libya_at = text.find("slug = \"libya\"").unwrap();
    let min_at = libya_at + text[libya_at..].find("min_score = 2.0").unwrap();
    let edited = format!(
        "{}min_score = 1000.0{}",
        &text[..min_at],
        &text[min_at + "min_score = 2.0".len()..]
    );
    std::fs::write(&topics, edited).unwrap();
    let o = run(vec![
        "--config".into(),
        m,
        "topics".into(),
        "test".into(),
        "libya".into(),
        "--since".into(),
        "3650d".into(),
    ])
    .await
    .unwrap();
    assert_eq!(
        stdout(&o),
        "- #1 الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه\nlibya: 2 items since 3650d checked; 0 would be added, 1 removed, 0 stay tagged\n"
    );
}

#[test]
fn serve_tells_systemd_when_it_is_ready_and_when_it_stops() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path(), &[], "");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_marsad"))
        .args(["--config", main.to_str().unwrap(), "serve"])
        .env("NOTIFY_SOCKET", &socket_path)
        .env("RUST_LOG", "error")
        .spawn()
        .unwrap();
    let mut buf = [0u8; 256];
    let n = socket.recv(&mut buf).expect("READY=1 within 20 s");
    assert_eq!(&buf[..n], b"READY=1\n");
    // SIGTERM: a graceful stop.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let n = socket.recv(&mut buf).expect("STOPPING=1");
    assert_eq!(&buf[..n], b"STOPPING=1\n");
    assert!(child.wait().unwrap().success());
}
