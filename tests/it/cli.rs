//! The `marsad` binary: exit codes, config errors, `inspect --json`, `fetch`.

use crate::common;

use std::process::Command;

use common::*;

/// The binary with `args` and no config of a test's own.
fn marsad(args: &[&str]) -> CliOutput {
    marsad_command(args).output().unwrap().into()
}

#[test]
fn check_accepts_the_shipped_config() {
    let o = marsad(&[
        "--config",
        concat!(env!("CARGO_MANIFEST_DIR"), "/config/marsad.toml"),
        "check",
    ]);
    assert!(o.code == 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("ok: "));
}

#[test]
fn config_errors_print_file_line_col_and_exit_non_zero() {
    let app = spawn_app().source("a", "http://127.0.0.1:1/f").files();
    let sources = app.dir.join("sources.toml");
    let text = std::fs::read_to_string(&sources)
        .unwrap()
        .replace("interval = \"10m\"", "intervl = \"10m\"");
    std::fs::write(&sources, text).unwrap();
    let o = app.cli(&["check"]);
    assert_eq!(o.code, 1);
    assert_eq!(
        o.stderr,
        format!(
            "{}:5:1: unknown field `intervl`, expected one of `id`, `name`, `url`, `interval`, `cron`, `enabled`, `language`, `encoding`, `full_text`, `content_selector`, `remove_selectors`, `place`; did you mean `interval`?\n",
            sources.display()
        )
    );
    // Every command refuses to start on a bad config.
    assert_eq!(app.cli(&["fetch"]).code, 1);
}

#[test]
fn inspect_json_prints_the_documented_shape() {
    let o = marsad(&[
        "inspect",
        fixture("seed-feed.xml").to_str().unwrap(),
        "--json",
    ]);
    assert!(o.code == 0, "{}", o.stderr);
    let doc: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
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
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.ends_with(
            "this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element)\n"
        )
    );
}

#[tokio::test]
async fn fetch_exits_zero_when_sources_fail_and_lists_them() {
    let feed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let server = FeedServer::start(vec![("/ok", serve_bytes(feed, "application/rss+xml"))]).await;
    let app = spawn_app()
        .sources(&[("good", server.url("/ok")), ("gone", server.url("/gone"))])
        .files();
    let o = app.run(&["fetch"]).await;
    assert!(o.code == 0, "{}", o.stderr);
    assert_eq!(
        o.stdout,
        "failed  gone: HTTP 404\nfetched 2 sources: 1 ok, 1 failed, 0 skipped; 2 items seen, 2 new\n"
    );
    let o = app.run(&["sources", "list", "--json"]).await;
    let list: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(list[0]["id"], "gone");
    assert_eq!(list[0]["consecutive_failures"], 1);
    assert_eq!(list[1]["id"], "good");
    assert_eq!(list[1]["item_count"], 2);
    let o = app.run(&["stats"]).await;
    let out = o.stdout;
    assert!(
        out.starts_with("items     2\nstories   2\nsources   2 (0 retired)\ndatabase  "),
        "{out}"
    );
    assert!(out.trim_end().ends_with(" MB)"), "{out}");
}

#[test]
fn fetch_fails_when_the_database_cannot_be_written() {
    let app = spawn_app().files();
    // The database folder is a file: nothing can be created there.
    std::fs::write(app.dir.join("data"), "not a folder").unwrap();
    let o = app.cli(&["fetch"]);
    assert_eq!(o.code, 1);
    assert!(
        o.stderr.starts_with("error: cannot open database"),
        "{}",
        o.stderr
    );
}

#[tokio::test]
async fn topics_test_shows_what_an_edited_rule_would_change_and_explain_shows_why() {
    let feed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let server = FeedServer::start(vec![("/ok", serve_bytes(feed, "application/rss+xml"))]).await;
    let app = spawn_app().source("news", server.url("/ok")).files();
    let o = app.run(&["fetch"]).await;
    assert!(o.code == 0);

    let o = app.run(&["explain", "1"]).await;
    let out = o.stdout;
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
    let topics = app.dir.join("topics.toml");
    let shipped = std::fs::read_to_string(&topics).unwrap();
    std::fs::write(
        &topics,
        shipped.replacen("  \"Sudan\", ", "  \"من\", \"Sudan\", ", 1),
    )
    .unwrap();
    let o = app.run(&["check"]).await;
    assert!(o.code == 0);
    assert_eq!(
        o.stdout.lines().skip(1).collect::<Vec<_>>(),
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
    let o = app
        .run(&["topics", "test", "libya", "--since", "3650d"])
        .await;
    assert_eq!(
        o.stdout,
        "- #1 الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه\nlibya: 2 items since 3650d checked; 0 would be added, 1 removed, 0 stay tagged\n"
    );
}

#[test]
fn serve_tells_systemd_when_it_is_ready_and_when_it_stops() {
    use std::os::unix::net::UnixDatagram;
    let app = spawn_app().files();
    let socket_path = app.dir.join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let mut child = app
        .command(&["serve"])
        .env("NOTIFY_SOCKET", &socket_path)
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

#[tokio::test]
async fn a_source_place_decides_tripoli_in_explain_topics_test_and_retag() {
    // A Lebanese municipality story that names no country: Tripoli with no cue either way.
    let feed = r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>أخبار الشمال</title>
<item><guid>t1</guid><title>بلدية طرابلس تناقش مشاريع النظافة</title><description>اجتمع المجلس البلدي أمس لبحث المشاريع المتعثرة.</description></item>
</channel></rss>"#;
    let server = FeedServer::start(vec![(
        "/f",
        serve_bytes(feed.as_bytes().to_vec(), "application/rss+xml"),
    )])
    .await;
    let app = spawn_app().source("north", server.url("/f")).files();
    assert_eq!(app.run(&["fetch"]).await.code, 0);
    let verdicts = |out: &str| -> Vec<String> {
        out.lines()
            .filter(|l| l.starts_with("source place") || l.contains(" → "))
            .map(str::to_string)
            .collect()
    };
    // Without a place, the name is Libya's by default.
    let o = app.run(&["explain", "1"]).await;
    assert_eq!(
        verdicts(&o.stdout),
        [
            "libya: score 3 (min 2) → TAGGED",
            "lebanon: score 0 (min 2) → not tagged",
            "libya-oil: all_of [libya ✓, oil ✗] → not tagged",
            "libya-migration: all_of [libya ✓, migration ✗] → not tagged",
        ]
    );

    // The admin says where the source reports from: every reading of the stored item
    // follows, before and after re-tagging.
    let sources = app.dir.join("sources.toml");
    let text = std::fs::read_to_string(&sources).unwrap();
    // A place no rule reads is warned about by check; this one is read.
    std::fs::write(&sources, format!("{text}place = \"لبنانن\"\n")).unwrap();
    let o = app.run(&["check"]).await;
    assert_eq!(
        (o.code, o.stdout.lines().skip(1).collect::<Vec<_>>()),
        (
            0,
            vec![
                "warning: source north: place \"لبنانن\" is no cue of any term with two readings: it changes no tag"
            ]
        )
    );
    std::fs::write(&sources, format!("{text}place = \"لبنان\"\n")).unwrap();
    let o = app.run(&["check"]).await;
    assert_eq!((o.code, o.stdout.lines().count()), (0, 1), "{}", o.stdout);
    let o = app.run(&["explain", "1"]).await;
    assert_eq!(
        verdicts(&o.stdout),
        [
            "source place: لبنان",
            "libya: score 0 (min 2) → not tagged",
            // طرابلس read as Lebanon's (3), and its municipal council is home news (2).
            "lebanon: score 5 (min 2) → TAGGED",
        ]
    );
    let test = |topic: &'static str| {
        let app = &app;
        async move {
            app.run(&["topics", "test", topic, "--since", "3650d"])
                .await
                .stdout
        }
    };
    assert_eq!(
        test("lebanon").await,
        "+ #1 (5) بلدية طرابلس تناقش مشاريع النظافة\nlebanon: 1 items since 3650d checked; 1 would be added, 0 removed, 0 stay tagged\n"
    );
    let o = app.run(&["retag"]).await;
    assert_eq!(o.stdout, "re-tagged 1 items\n");
    assert_eq!(
        test("lebanon").await,
        "lebanon: 1 items since 3650d checked; 0 would be added, 0 removed, 1 stay tagged\n"
    );
    assert_eq!(
        test("libya").await,
        "libya: 1 items since 3650d checked; 0 would be added, 0 removed, 0 stay tagged\n"
    );

    // A source placed from the start: ingest tags with the place.
    let placed = spawn_app()
        .sources_toml(format!(
            "[[sources]]\nid = \"north\"\nname = \"الشمال\"\nurl = \"{}\"\nplace = \"لبنان\"\n",
            server.url("/f")
        ))
        .files();
    assert_eq!(placed.run(&["fetch"]).await.code, 0);
    assert_eq!(
        placed
            .run(&["topics", "test", "lebanon", "--since", "3650d"])
            .await
            .stdout,
        "lebanon: 1 items since 3650d checked; 0 would be added, 0 removed, 1 stay tagged\n"
    );
}
