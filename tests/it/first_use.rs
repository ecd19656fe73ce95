//! What a new admin and a reader hit first (issue 21, "Wrong or lost"): the start-up
//! schedule, lost and mixed items, imports and `sources add`, query checks, feed discovery.
//! Every test runs the real binary or the real service against feed servers on 127.0.0.1.

use crate::common;

use std::process::Command;
use std::time::Duration;

use common::*;

/// (exit code, stdout, stderr) of a run of the binary on a blocking thread.
async fn run(app: &AppFiles, args: &[&str]) -> (i32, String, String) {
    let o = app.run(args).await;
    (o.code, o.stdout, o.stderr)
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
    let app = spawn_app().source(&id, server.url("/f")).files();
    let started = std::time::Instant::now();
    let service = app.service().await;
    while server.hits("/f") == 0 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.hits("/f"), 1, "not fetched within 20 s of the start");
    service.stop().await;
}

// ---- 7. `sources add` checks its arguments before writing, and names the flag ----

#[tokio::test]
async fn sources_add_names_the_flag_of_a_bad_value_and_fetches_nothing() {
    let server = FeedServer::start(vec![("/f", serve_bytes(seed(), "application/rss+xml"))]).await;
    let app = spawn_app().files();
    let sources = app.dir.join("sources.toml");
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
        (vec!["--place", " "], "--place \" \": empty\n"),
        (
            vec!["--id", "Bad Id"],
            "--id \"Bad Id\": must be a slug: lowercase a-z, 0-9 and '-', not starting with '-'\n",
        ),
    ] {
        let mut all = vec!["sources", "add", url.as_str()];
        all.extend(args);
        let (code, stdout, stderr) = run(&app, &all).await;
        assert_eq!(
            (code, stdout.as_str(), stderr.as_str()),
            (2, "", message),
            "{all:?}"
        );
    }
    for (url, message) in [
        (
            "ftp://example.com/f.xml",
            "URL \"ftp://example.com/f.xml\": url scheme \"ftp\" is not supported (use http or https)\n",
        ),
        (
            "example.com/feed",
            "URL \"example.com/feed\": relative URL without a base\n",
        ),
    ] {
        let (code, stdout, stderr) = run(&app, &["sources", "add", url]).await;
        assert_eq!((code, stdout.as_str(), stderr.as_str()), (2, "", message));
    }
    assert_eq!(server.hits("/f"), 0);
    assert_eq!(std::fs::read_to_string(&sources).unwrap(), before);
}

// ---- 8. Duplicate URLs, unknown sources and parameters ----

#[tokio::test]
async fn check_refuses_two_sources_polling_the_same_url() {
    let app = spawn_app()
        .sources(&[
            ("a", "https://www.example.com/feed/".into()),
            ("b", "https://example.com/feed".into()),
        ])
        .files();
    let (code, stdout, stderr) = run(&app, &["check"]).await;
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "{}:10:7: url \"https://example.com/feed\" is already polled by source \"a\"\n",
            app.dir.join("sources.toml").display()
        )
    );
}

#[tokio::test]
async fn feed_and_api_queries_refuse_unknown_parameters_and_sources() {
    let app = spawn_app().source("a", "http://127.0.0.1:9/f").open().await;
    let site = app.serve().await;
    let base = site.base.clone();
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

// ---- 3. A removed source's id, reused for another feed, starts clean ----

/// marsad started again over the data of `files` with `sources`: a restart after an edit
/// of sources.toml (`sources remove`, `sources add`).
async fn open_with(
    files: &AppFiles,
    sources: &[(&str, String)],
) -> (marsad::config::Config, marsad::store::Store) {
    let app = spawn_app().sources(sources).over(files).open().await;
    (app.config.clone(), app.store.clone())
}

async fn guids_of(store: &marsad::store::Store, source: &str) -> Vec<String> {
    let q = marsad::store::ItemQuery {
        sources: vec![source.to_string()],
        dedup: false,
        limit: 500,
        ..Default::default()
    };
    let mut g: Vec<String> = store
        .items(&q)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.guid)
        .collect();
    g.sort();
    g
}

#[tokio::test]
async fn reusing_a_removed_sources_id_for_another_feed_starts_it_clean() {
    let server = FeedServer::start(vec![
        (
            "/one",
            serve_bytes(numbered_feed(1, 3), "application/rss+xml"),
        ),
        (
            "/two",
            serve_bytes(numbered_feed(2, 2), "application/rss+xml"),
        ),
    ])
    .await;
    let files = spawn_app().files();
    let (config, store) = open_with(&files, &[("a", server.url("/one"))]).await;
    marsad::app::fetch_all(&config, &store, false, |_| {})
        .await
        .unwrap();
    store.close().await;
    // `sources remove a`, then later `a` again for another feed.
    let (_, store) = open_with(&files, &[]).await;
    store.close().await;
    let (config, store) = open_with(&files, &[("a", server.url("/two"))]).await;
    let (outcomes, _) = marsad::app::fetch_all(&config, &store, false, |_| {})
        .await
        .unwrap();
    assert_eq!(outcomes[0].report.new, 2);
    assert_eq!(guids_of(&store, "a").await, vec!["f2-0", "f2-1"]);
    // The old feed's items are kept, apart, under the retired source they came from.
    let states = store.sources().await.unwrap();
    let old: Vec<(&str, &str, bool, i64)> = states
        .iter()
        .map(|s| (s.id.as_str(), s.url.as_str(), s.retired, s.item_count))
        .collect();
    assert_eq!(
        old,
        vec![
            ("a", server.url("/two").as_str(), false, 2),
            ("a~retired", server.url("/one").as_str(), true, 3),
        ]
    );
    assert_eq!(
        guids_of(&store, "a~retired").await,
        vec!["f1-0", "f1-1", "f1-2"]
    );
    store.close().await;

    // The same feed back under its old id is the same source: its items stay its own.
    let (_, store) = open_with(&files, &[]).await;
    store.close().await;
    let (_, store) = open_with(&files, &[("a", server.url("/two"))]).await;
    assert_eq!(guids_of(&store, "a").await, vec!["f2-0", "f2-1"]);
    assert_eq!(store.sources().await.unwrap().len(), 2);
    store.close().await;

    // A third feed under the same id: the second one's items go to the next free id.
    let (_, store) = open_with(&files, &[]).await;
    store.close().await;
    let (_, store) = open_with(&files, &[("a", server.url("/one"))]).await;
    assert_eq!(guids_of(&store, "a").await, Vec::<String>::new());
    assert_eq!(
        guids_of(&store, "a~retired").await,
        vec!["f1-0", "f1-1", "f1-2"]
    );
    assert_eq!(guids_of(&store, "a~retired-2").await, vec!["f2-0", "f2-1"]);
}

// ---- 4. Items past the retention are not stored; a forced fetch reconsiders them ----

fn dated_feed(days_ago: &[i64]) -> Vec<u8> {
    let mut s =
        String::from("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>");
    for d in days_ago {
        let when = chrono::Utc::now() - chrono::Duration::days(*d);
        s.push_str(&format!(
            "<item><guid>d{d}</guid><title>خبر عمره {d} يوما</title><link>http://news.test/{d}</link><pubDate>{}</pubDate><description>نص</description></item>",
            when.to_rfc2822()
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

fn with_retention(dir: &std::path::Path, days: u32) -> marsad::config::Config {
    let main = dir.join("marsad.toml");
    let text = std::fs::read_to_string(&main).unwrap();
    let text = regex_free_replace(&text, "retention_days = ", &days.to_string());
    std::fs::write(&main, text).unwrap();
    marsad::config::load(&main).unwrap()
}

/// Replaces the number after `key` on its line.
fn regex_free_replace(text: &str, key: &str, value: &str) -> String {
    text.lines()
        .map(|l| {
            if l.starts_with(key) {
                format!("{key}{value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn items_past_the_retention_are_not_stored_and_a_forced_fetch_reconsiders_them() {
    let body = dated_feed(&[1, 100]);
    let conditional = counter();
    let c2 = conditional.clone();
    let handler: Handler = std::sync::Arc::new(move |headers: &axum::http::HeaderMap, _| {
        if headers.get("if-none-match").is_some_and(|v| v == "\"v1\"") {
            bump(&c2);
            return axum::response::Response::builder()
                .status(304)
                .body(axum::body::Body::empty())
                .unwrap();
        }
        axum::response::Response::builder()
            .header("content-type", "application/rss+xml")
            .header("etag", "\"v1\"")
            .body(axum::body::Body::from(body.clone()))
            .unwrap()
    });
    let server = FeedServer::start(vec![("/f", handler)]).await;
    let files = spawn_app().files();
    let (_, store) = open_with(&files, &[("a", server.url("/f"))]).await;
    let config = with_retention(&files.dir, 30);
    let (o, _) = marsad::app::fetch_all(&config, &store, false, |_| {})
        .await
        .unwrap();
    assert_eq!((o[0].report.seen, o[0].report.new, o[0].too_old), (2, 1, 1));
    assert_eq!(guids_of(&store, "a").await, vec!["d1"]);
    let state = store.source("a").await.unwrap().unwrap();
    assert_eq!((state.items_new, state.items_too_old), (Some(1), Some(1)));
    // What `serve` does right after: the start-up prune finds nothing to delete.
    assert_eq!(marsad::app::prune(&store, &config).await.unwrap(), (0, 0));

    // Retention raised: a plain fetch gets 304, a forced one asks without validators.
    let config = with_retention(&files.dir, 365);
    let (o, _) = marsad::app::fetch_all(&config, &store, false, |_| {})
        .await
        .unwrap();
    assert!(o[0].unchanged);
    assert_eq!(conditional.load(std::sync::atomic::Ordering::SeqCst), 1);
    let (o, _) = marsad::app::fetch_all(&config, &store, true, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (o[0].unchanged, o[0].report.new, o[0].too_old),
        (false, 1, 0)
    );
    assert_eq!(conditional.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(guids_of(&store, "a").await, vec!["d1", "d100"]);
    // And a forced fetch of an unchanged body parses it again (nothing new now).
    let (o, _) = marsad::app::fetch_all(&config, &store, true, |_| {})
        .await
        .unwrap();
    assert_eq!(
        (o[0].unchanged, o[0].report.seen, o[0].report.new),
        (false, 2, 0)
    );
}

#[tokio::test]
async fn the_fetch_summary_and_the_api_count_items_too_old_to_keep() {
    let server = FeedServer::start(vec![(
        "/f",
        serve_bytes(dated_feed(&[2, 200, 300]), "application/rss+xml"),
    )])
    .await;
    let app = spawn_app().source("a", server.url("/f")).files();
    with_retention(&app.dir, 90);
    let (code, stdout, _) = run(&app, &["fetch"]).await;
    assert_eq!(
        (code, stdout.as_str()),
        (
            0,
            "fetched 1 sources: 1 ok, 0 failed, 0 skipped; 3 items seen, 1 new, 2 too old to keep (retention_days = 90)\n"
        )
    );
    let app = app.open().await;
    let site = app.serve().await;
    let base = site.base.clone();
    let body = client()
        .get(format!("{base}/api/sources"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let sources: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(sources[0]["items_too_old"], 2);
    assert_eq!(sources[0]["items_new"], 1);
}

// ---- 6. OPML import: bad outlines skipped one line each, URLs checked, non-OPML refused ----

const PAGE_WITHOUT_FEED: &str =
    "<!DOCTYPE html><html><head><title>صفحة</title></head><body><p>لا خلاصة هنا</p></body></html>";

#[tokio::test]
async fn opml_import_skips_bad_outlines_and_checks_every_url() {
    let server = FeedServer::start(vec![
        ("/feed.xml", serve_bytes(seed(), "application/rss+xml")),
        (
            "/page.html",
            serve_bytes(PAGE_WITHOUT_FEED.into(), "text/html; charset=utf-8"),
        ),
    ])
    .await;
    let app = spawn_app().files();
    let sources = app.dir.join("sources.toml");
    let opml = app.dir.join("feeds.opml");
    let (feed, page, gone) = (
        server.url("/feed.xml"),
        server.url("/page.html"),
        server.url("/gone"),
    );
    std::fs::write(
        &opml,
        format!(
            r#"<?xml version="1.0"?>
<opml version="2.0"><head><title>x</title></head><body>
  <outline text="good" xmlUrl="{feed}"/>
  <outline text="evil" xmlUrl="javascript:alert(1)"/>
  <outline text="page" xmlUrl="{page}"/>
  <outline text="gone" xmlUrl="{gone}"/>
  <outline text="ftp" xmlUrl="ftp://example.com/f.xml"/>
  <outline text="words" xmlUrl="not a url"/>
</body></opml>"#
        ),
    )
    .unwrap();
    let (code, stdout, stderr) =
        run(&app, &["sources", "import-opml", opml.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stderr}");
    let mut lines: Vec<&str> = stderr.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            "skipped \"evil\" (javascript:alert(1)): url scheme \"javascript\" is not supported (use http or https)".to_string(),
            "skipped \"ftp\" (ftp://example.com/f.xml): url scheme \"ftp\" is not supported (use http or https)".to_string(),
            format!("skipped \"gone\" ({gone}): HTTP 404"),
            format!("skipped \"page\" ({page}): this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element), and it links to no feed"),
            "skipped \"words\" (not a url): relative URL without a base".to_string(),
        ]
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
    );
    assert_eq!(
        stdout,
        "imported 1 sources (127-0-0-1), skipped 0 already present, 5 refused\n"
    );
    let text = std::fs::read_to_string(&sources).unwrap();
    assert!(
        text.contains(&feed) && !text.contains(&page) && !text.contains("javascript"),
        "{text}"
    );
    assert_eq!(run(&app, &["check"]).await.0, 0);

    // --no-check takes the page and the 404 unchecked; bad URLs are still refused.
    let (code, stdout, stderr) = run(
        &app,
        &[
            "sources",
            "import-opml",
            "--no-check",
            opml.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    assert_eq!(
        stdout,
        "imported 2 sources (127-0-0-1-2, 127-0-0-1-3), skipped 1 already present, 3 refused\n"
    );
}

#[tokio::test]
async fn a_file_that_is_not_opml_is_refused() {
    let app = spawn_app().files();
    let before = std::fs::read_to_string(app.dir.join("sources.toml")).unwrap();
    let rss = fixture("seed-feed.xml");
    let (code, stdout, stderr) =
        run(&app, &["sources", "import-opml", rss.to_str().unwrap()]).await;
    assert_eq!(
        (code, stdout.as_str(), stderr),
        (
            1,
            "",
            format!(
                "error: {}: not an OPML file: its root element is <rss>, not <opml>\n",
                rss.display()
            )
        )
    );
    let html = app.dir.join("page.opml");
    std::fs::write(&html, PAGE_WITHOUT_FEED).unwrap();
    let (code, _, stderr) = run(&app, &["sources", "import-opml", html.to_str().unwrap()]).await;
    assert_eq!(
        (code, stderr),
        (
            1,
            format!(
                "error: {}: not an OPML file: its root element is <html>, not <opml>\n",
                html.display()
            )
        )
    );
    assert_eq!(
        std::fs::read_to_string(app.dir.join("sources.toml")).unwrap(),
        before
    );
}

// ---- 9. Feed discovery ----

fn page_linking(links: &[(&str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<!DOCTYPE html><html lang=\"ar\"><head><meta charset=\"utf-8\"><title>الموقع</title><link rel=\"stylesheet\" href=\"/s.css\"><link rel=\"alternate\" hreflang=\"en\" href=\"/en/\">",
    );
    for (kind, title, href) in links {
        s.push_str(&format!(
            "<link rel=\"alternate\" type=\"{kind}\" title=\"{title}\" href=\"{href}\">"
        ));
    }
    s.push_str("</head><body><p>مرحبا</p></body></html>");
    s.into_bytes()
}

#[tokio::test]
async fn sources_add_on_a_page_adds_the_feed_it_links_to() {
    let server = FeedServer::start(vec![
        (
            "/site/",
            serve_bytes(
                page_linking(&[("application/rss+xml", "الأخبار", "../feed.xml")]),
                "text/html",
            ),
        ),
        ("/feed.xml", serve_bytes(seed(), "application/rss+xml")),
    ])
    .await;
    let app = spawn_app().files();
    let (code, stdout, stderr) = run(&app, &["sources", "add", &server.url("/site/")]).await;
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        format!(
            "{} is a web page; adding the feed it links to: {}\nadded 127-0-0-1 (موقع أخبار تجريبي, 2 entries, language ar)\n",
            server.url("/site/"),
            server.url("/feed.xml")
        )
    );
    let text = std::fs::read_to_string(app.dir.join("sources.toml")).unwrap();
    assert!(
        text.contains(&format!("url = \"{}\"", server.url("/feed.xml"))),
        "{text}"
    );
}

#[tokio::test]
async fn sources_add_on_a_page_with_several_feeds_lists_them_and_asks_for_one() {
    let server = FeedServer::start(vec![(
        "/",
        serve_bytes(
            page_linking(&[
                ("application/rss+xml", "الأخبار", "/feed.xml"),
                (
                    "application/atom+xml",
                    "الوسط &raquo; التعليقات",
                    "/comments.atom",
                ),
                (
                    "application/feed+json",
                    "JSON",
                    "http://other.test/feed.json",
                ),
                ("application/json", "wp-json", "/wp-json/wp/v2/pages/2"),
            ]),
            "text/html; charset=utf-8",
        ),
    )])
    .await;
    let app = spawn_app().files();
    let before = std::fs::read_to_string(app.dir.join("sources.toml")).unwrap();
    // stdin is not a terminal here: no prompt, the list and a hint instead.
    let (code, stdout, stderr) = run(&app, &["sources", "add", &server.url("/")]).await;
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "{} is a web page that links to 3 feeds:\n  {}  (RSS: الأخبار)\n  {}  (Atom: الوسط » التعليقات)\n  http://other.test/feed.json  (JSON Feed: JSON)\nrun `marsad sources add URL` with the one you want\n",
            server.url("/"),
            server.url("/feed.xml"),
            server.url("/comments.atom"),
        )
    );
    assert_eq!(
        std::fs::read_to_string(app.dir.join("sources.toml")).unwrap(),
        before
    );
}

#[tokio::test]
async fn sources_add_on_a_page_without_feeds_says_so() {
    let server = FeedServer::start(vec![(
        "/p",
        serve_bytes(PAGE_WITHOUT_FEED.into(), "text/html"),
    )])
    .await;
    let app = spawn_app().files();
    let (code, stdout, stderr) = run(&app, &["sources", "add", &server.url("/p")]).await;
    assert_eq!(
        (code, stdout.as_str(), stderr),
        (
            1,
            "",
            format!(
                "error: {} is not a feed: this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element), and it links to no feed\n",
                server.url("/p")
            )
        )
    );
}
// ---- 8. A read-only data folder is named, with the permission ----

#[tokio::test]
async fn a_read_only_data_folder_is_named_with_the_permission() {
    use std::os::unix::fs::PermissionsExt as _;
    // Root ignores file modes: run the binary as `nobody` (setpriv), as a service user would.
    let app = spawn_app().files();
    std::fs::set_permissions(&app.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = app.dir.join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let as_nobody = |args: &[&str]| {
        let o = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(MARSAD)
            .arg("--config")
            .arg(&app.main)
            .args(args)
            .env("RUST_LOG", "error")
            .output()
            .expect("setpriv");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8(o.stderr).unwrap(),
        )
    };
    let db = data.join("marsad.db");
    assert_eq!(
        as_nobody(&["serve"]),
        (
            1,
            format!(
                "error: cannot open database {}: the folder {} is not writable by this user (permission denied); marsad creates the database and its -wal and -shm files there\n",
                db.display(),
                data.display()
            )
        )
    );
    // A database file the user may read but not write.
    assert_eq!(run(&app, &["stats"]).await.0, 0);
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(
        as_nobody(&["stats"]),
        (
            1,
            format!(
                "error: cannot open database {}: the file is not writable by this user (permission denied)\n",
                db.display()
            )
        )
    );
}

#[tokio::test]
async fn sources_add_on_a_terminal_asks_which_feed_to_add() {
    let server = FeedServer::start(vec![
        (
            "/",
            serve_bytes(
                page_linking(&[
                    ("application/atom+xml", "التعليقات", "/comments.atom"),
                    ("application/rss+xml", "الأخبار", "/feed.xml"),
                ]),
                "text/html",
            ),
        ),
        ("/feed.xml", serve_bytes(seed(), "application/rss+xml")),
    ])
    .await;
    let app = spawn_app().files();
    // `script` runs the command on a pseudo-terminal and passes our stdin to it: an answer
    // that is out of range is asked again, then "2" picks the RSS feed.
    let command = format!(
        "{MARSAD} --config {} sources add {}",
        app.main.display(),
        server.url("/")
    );
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let mut child = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("RUST_LOG", "error")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script");
        child.stdin.take().unwrap().write_all(b"7\n2\n").unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "  1. {}  (Atom: التعليقات)\n  2. {}  (RSS: الأخبار)\n",
            server.url("/comments.atom"),
            server.url("/feed.xml")
        )),
        "{text}"
    );
    assert_eq!(
        text.matches("add which one? [1-2, Enter to cancel]")
            .count(),
        2,
        "{text}"
    );
    let sources = std::fs::read_to_string(app.dir.join("sources.toml")).unwrap();
    assert!(
        sources.contains(&format!("url = \"{}\"", server.url("/feed.xml"))),
        "{sources}"
    );
    assert_eq!(server.hits("/comments.atom"), 0);
}
