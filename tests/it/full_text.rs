//! Full text for summary-only feeds: loopback feeds whose items link to article pages in
//! real layouts (a WordPress theme, a news site with a sidebar and "اقرأ أيضا" boxes in the
//! body, a windows-1256 page without a charset, an article split across nested divs, a 404,
//! a page over the body cap). Each item's stored text is compared with a golden file in
//! tests/fixtures/full_text/ (`UPDATE_GOLDEN=1` rewrites them; review the diff).

use crate::common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use common::{FeedServer, Handler, TestApp, serve_bytes, spawn_app};
use marsad::store::{ItemQuery, Store};

fn fixture(name: &str) -> PathBuf {
    common::fixture(&format!("full_text/{name}"))
}

fn page(name: &str, content_type: &'static str) -> Handler {
    let body = std::fs::read(fixture(name)).unwrap();
    serve_bytes(body, content_type)
}

/// A page with an ETag, answering 304 to a request that sends it back.
fn page_with_etag(name: &str) -> Handler {
    let body = std::fs::read(fixture(name)).unwrap();
    Arc::new(move |h: &HeaderMap, _| {
        if h.get("if-none-match").and_then(|v| v.to_str().ok()) == Some("\"v1\"") {
            return Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .body(axum::body::Body::empty())
                .unwrap();
        }
        Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .header("etag", "\"v1\"")
            .body(axum::body::Body::from(body.clone()))
            .unwrap()
    })
}

fn not_found() -> Handler {
    Arc::new(|_, _| {
        Response::builder()
            .status(StatusCode::NOT_FOUND)
            .body(axum::body::Body::from("<h1>الصفحة غير موجودة</h1>"))
            .unwrap()
    })
}

/// A well-formed article page of about 100 KB (the test's cap is 60,000 bytes).
fn big_page() -> Handler {
    let mut s =
        String::from("<html><head><meta charset=utf-8></head><body><article><h1>تقرير طويل</h1>");
    for i in 0..1000 {
        s.push_str(&format!(
            "<p>الفقرة رقم {i} من تقرير طويل جدا عن الموازنة العامة والضرائب.</p>"
        ));
    }
    s.push_str("</article></body></html>");
    serve_bytes(s.into_bytes(), "text/html; charset=utf-8")
}

/// An RSS feed of (guid, title, path, summary) items, summaries only.
fn feed(server_base: &str, items: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>موجز</title><link>http://site.test/</link>",
    );
    for (guid, title, path, summary) in items {
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>{server_base}{path}</link><description>{summary}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

const NEWS_ITEMS: &[(&str, &str, &str, &str)] = &[
    (
        "water",
        "وزير الخارجية يبدأ جولة إقليمية",
        "/news/water",
        "بدأ وزير الخارجية جولة لبحث أزمة المياه.",
    ),
    (
        "ports",
        "الموانئ تستعيد نشاطها",
        "/ar/ports",
        "تقرير جديد عن حركة السفن.",
    ),
    (
        "gone",
        "خبر حذف من الموقع",
        "/news/gone",
        "ملخص خبر لم تعد صفحته موجودة.",
    ),
    (
        "huge",
        "تقرير الموازنة الكامل",
        "/news/huge",
        "ملخص تقرير الموازنة.",
    ),
];

const WP_SUMMARY: &str = "افتتح معرض الكتاب في صفاقس.";

struct Setup {
    app: TestApp,
    server: FeedServer,
    /// The `news` feed's body, to change between passes.
    news_feed: Arc<std::sync::Mutex<Option<String>>>,
}

/// Four sources: `wp` (content_selector), `news` (readability, remove selectors), `plain`
/// (the same feed as `news`, without full_text) and `legacy` (a windows-1256 table layout
/// where readability takes the sidebar in too, so a content_selector, as an admin would
/// write after `inspect --full-text`). The `wp` feed changes its item's
/// summary from its second request on.
async fn setup() -> Setup {
    let feed_body: Arc<std::sync::Mutex<Option<String>>> = Arc::default();
    let fb = feed_body.clone();
    let news_feed: Handler = Arc::new(move |_, _| {
        let body = fb.lock().unwrap().clone().unwrap();
        Response::builder()
            .header("content-type", "application/rss+xml")
            .body(axum::body::Body::from(body.into_bytes()))
            .unwrap()
    });
    let base: Arc<std::sync::Mutex<String>> = Arc::default();
    let b = base.clone();
    let wp_feed: Handler = Arc::new(move |_, n| {
        let base = b.lock().unwrap().clone();
        let summary = if n == 1 {
            WP_SUMMARY.to_string()
        } else {
            format!("{WP_SUMMARY} (محدث)")
        };
        let body = feed(
            &base,
            &[(
                "fair",
                "افتتاح معرض الكتاب",
                "/2026/12/03/book-fair/",
                &summary,
            )],
        );
        Response::builder()
            .header("content-type", "application/rss+xml")
            .body(axum::body::Body::from(body))
            .unwrap()
    });
    let b = base.clone();
    let legacy_feed: Handler = Arc::new(move |_, _| {
        let base = b.lock().unwrap().clone();
        let body = feed(
            &base,
            &[(
                "budget",
                "البلدية تقر الميزانية",
                "/local/77",
                "أقر مجلس البلدية الميزانية.",
            )],
        );
        Response::builder()
            .header("content-type", "application/rss+xml")
            .body(axum::body::Body::from(body))
            .unwrap()
    });
    let server = FeedServer::start(vec![
        // The same feed twice: two sources may not poll one URL.
        ("/news.xml", news_feed.clone()),
        ("/news-plain.xml", news_feed),
        ("/legacy.xml", legacy_feed),
        ("/wp.xml", wp_feed),
        ("/2026/12/03/book-fair/", page_with_etag("wordpress.html")),
        (
            "/news/water",
            page("sidebar.html", "text/html; charset=utf-8"),
        ),
        ("/ar/ports", page("nested.html", "text/html")),
        // windows-1256 bytes, no charset in the header or the page.
        ("/local/77", page("cp1256.html", "text/html")),
        ("/news/gone", not_found()),
        ("/news/huge", big_page()),
    ])
    .await;
    *base.lock().unwrap() = server.url("");
    *feed_body.lock().unwrap() =
        Some(String::from_utf8(feed(&server.url(""), NEWS_ITEMS)).unwrap());
    let sources = format!(
        r#"[[sources]]
id = "wp"
name = "مدونة"
url = "{}"
full_text = true
content_selector = ".entry-content"

[[sources]]
id = "news"
name = "أخبار"
url = "{}"
full_text = true
remove_selectors = [".ad-container", ".article-tags"]

[[sources]]
id = "plain"
name = "أخبار بلا صفحات"
url = "{}"

[[sources]]
id = "legacy"
name = "جريدة قديمة"
url = "{}"
full_text = true
content_selector = ".story-body"
"#,
        server.url("/wp.xml"),
        server.url("/news.xml"),
        server.url("/news-plain.xml"),
        server.url("/legacy.xml"),
    );
    let app = spawn_app()
        .fetch_toml("max_body_bytes = 60000")
        .sources_toml(sources)
        .open()
        .await;
    Setup {
        app,
        server,
        news_feed: feed_body,
    }
}

async fn items_of(store: &Store, source: &str) -> HashMap<String, marsad::model::StoredItem> {
    store
        .items(&ItemQuery {
            sources: vec![source.into()],
            dedup: false,
            limit: 100,
            ..ItemQuery::default()
        })
        .await
        .unwrap()
        .into_iter()
        .map(|i| (i.guid.clone(), i))
        .collect()
}

/// Compares `text` with the golden file `name` (rewritten under `UPDATE_GOLDEN=1`).
fn golden(name: &str, text: &str) {
    let path = fixture(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, format!("{text}\n")).unwrap();
    }
    let want = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, want.strip_suffix('\n').unwrap(), "golden file {name}");
}

#[tokio::test]
async fn summary_only_items_get_their_articles_once() {
    let s = setup().await;
    let (outcomes, _) = s.app.fetch(true).await;
    assert!(outcomes.iter().all(|o| o.ok), "{outcomes:?}");

    let news = items_of(&s.app.store, "news").await;
    let wp = items_of(&s.app.store, "wp").await;
    golden("wordpress.txt", &wp["fair"].text);
    golden("sidebar.txt", &news["water"].text);
    golden("nested.txt", &news["ports"].text);
    let legacy = items_of(&s.app.store, "legacy").await;
    golden("cp1256.txt", &legacy["budget"].text);
    // The feed's summary stays the summary; the article is the content.
    assert_eq!(wp["fair"].summary, WP_SUMMARY);
    assert_eq!(
        news["water"].summary,
        "بدأ وزير الخارجية جولة لبحث أزمة المياه."
    );

    // Provenance and rules.
    let rec = |src: &'static str, guid: &'static str| {
        let store = s.app.store.clone();
        async move { store.page_record(src, guid).await.unwrap().unwrap() }
    };
    let r = rec("wp", "fair").await;
    assert_eq!(
        (r.body_from.as_str(), r.rule.as_deref(), r.reason.as_deref()),
        ("page", Some("content_selector \".entry-content\""), None)
    );
    assert_eq!(r.etag.as_deref(), Some("\"v1\""));
    let r = rec("legacy", "budget").await;
    assert_eq!(
        (r.body_from.as_str(), r.rule.as_deref(), r.reason.as_deref()),
        ("page", Some("content_selector \".story-body\""), None)
    );
    for guid in ["water", "ports"] {
        let r = rec("news", guid).await;
        assert_eq!(
            (r.body_from.as_str(), r.rule.as_deref(), r.reason.as_deref()),
            ("page", Some("readability"), None),
            "{guid}"
        );
    }
    // Failures keep the feed's summary as the body, with the reason.
    assert_eq!(news["gone"].text, "ملخص خبر لم تعد صفحته موجودة.");
    let r = rec("news", "gone").await;
    assert_eq!(
        (r.body_from.as_str(), r.reason.as_deref()),
        ("feed", Some("page fetch failed: HTTP 404"))
    );
    assert_eq!(news["huge"].text, "ملخص تقرير الموازنة.");
    let r = rec("news", "huge").await;
    assert_eq!(
        (r.body_from.as_str(), r.reason.as_deref()),
        ("feed", Some("page larger than the limit of 60000 bytes"))
    );
    // Without full_text, nothing is fetched for `plain` and its bodies are the summaries.
    let plain = items_of(&s.app.store, "plain").await;
    assert_eq!(
        plain["water"].text,
        "بدأ وزير الخارجية جولة لبحث أزمة المياه."
    );
    assert_eq!(
        s.app.store.page_record("plain", "water").await.unwrap(),
        None
    );

    // The Libya mention is only in the page's body (طرابلس, الليبي, ليبيا).
    let slugs = |i: &marsad::model::StoredItem| -> Vec<String> {
        i.topics.iter().map(|t| t.slug.clone()).collect()
    };
    assert!(
        slugs(&news["water"]).contains(&"libya".to_string()),
        "{:?}",
        slugs(&news["water"])
    );
    assert!(
        !slugs(&plain["water"]).contains(&"libya".to_string()),
        "{:?}",
        slugs(&plain["water"])
    );
    // Search finds it by the page's words too.
    let found = s
        .app
        .store
        .items(&ItemQuery {
            sources: vec!["news".into(), "plain".into()],
            search: marsad::text::arabic::search_query("التحلية"),
            dedup: false,
            ..ItemQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(
        found
            .iter()
            .map(|i| (i.source_id.as_str(), i.guid.as_str()))
            .collect::<Vec<_>>(),
        vec![("news", "water")]
    );

    for path in [
        "/2026/12/03/book-fair/",
        "/news/water",
        "/ar/ports",
        "/local/77",
        "/news/gone",
        "/news/huge",
    ] {
        assert_eq!(s.server.hits(path), 1, "{path}");
    }

    // Second pass: the news feed gains an item (its other items are unchanged, so their
    // pages are not asked for again); the wp item's summary changed, so its page is asked
    // for again, conditionally, and the 304 keeps the article.
    let mut more = NEWS_ITEMS.to_vec();
    more.push(("new", "خبر جديد", "/news/gone", "ملخص خبر جديد."));
    *s.news_feed.lock().unwrap() = Some(String::from_utf8(feed(&s.server.url(""), &more)).unwrap());
    s.app.fetch(true).await;
    assert_eq!(s.server.hits("/wp.xml"), 2);
    assert_eq!(s.server.hits("/2026/12/03/book-fair/"), 2);
    let wp = items_of(&s.app.store, "wp").await;
    golden("wordpress.txt", &wp["fair"].text);
    assert_eq!(wp["fair"].summary, format!("{WP_SUMMARY} (محدث)"));
    let r = rec("wp", "fair").await;
    assert_eq!(
        (r.body_from.as_str(), r.rule.as_deref()),
        ("page", Some("unchanged page (304)"))
    );
    for path in ["/news/water", "/ar/ports", "/local/77", "/news/huge"] {
        assert_eq!(s.server.hits(path), 1, "{path}");
    }
    // Only the new item's page was fetched.
    assert_eq!(s.server.hits("/news/gone"), 2);
    let news = items_of(&s.app.store, "news").await;
    assert_eq!(news.len(), 5);
    golden("sidebar.txt", &news["water"].text);
}

/// `marsad inspect FEED --full-text`: per item, the extracted text and the rule that found
/// it, with the configured source's rules, or with a selector given to try.
#[tokio::test]
async fn inspect_shows_the_article_and_its_rule() {
    let s = setup().await;
    let run = |args: Vec<String>| {
        let mut inspect = s.app.command(&args);
        inspect.env("NO_PROXY", "127.0.0.1");
        tokio::task::spawn_blocking(move || {
            let o = inspect.output().unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
        })
    };
    let feed = s.server.url("/news.xml");
    let doc = run(vec![
        "inspect".into(),
        feed.clone(),
        "--json".into(),
        "--full-text".into(),
    ])
    .await
    .unwrap();
    let by_guid = |doc: &serde_json::Value, guid: &str| {
        doc["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["guid"] == guid)
            .unwrap()["full_text"]
            .clone()
    };
    let water = by_guid(&doc, "water");
    assert_eq!(water["body_from"], "page");
    assert_eq!(water["rule"], "readability");
    let want = std::fs::read_to_string(fixture("sidebar.txt")).unwrap();
    assert_eq!(water["text"].as_str().unwrap(), want.trim_end());
    let gone = by_guid(&doc, "gone");
    assert_eq!(gone["body_from"], "feed");
    assert_eq!(gone["reason"], "page fetch failed: HTTP 404");

    // Trying a selector: the body alone, without the date line and caption readability kept.
    let doc = run(vec![
        "inspect".into(),
        feed,
        "--json".into(),
        "--full-text".into(),
        "--selector".into(),
        ".wysiwyg--all-content".into(),
    ])
    .await
    .unwrap();
    let water = by_guid(&doc, "water");
    assert_eq!(water["rule"], "content_selector \".wysiwyg--all-content\"");
    let text = water["text"].as_str().unwrap();
    assert!(
        text.starts_with("بدأ وزير الخارجية اليوم جولة إقليمية"),
        "{text}"
    );
    assert!(
        !text.contains("3/12/2026") && !text.contains("اقرأ"),
        "{text}"
    );
    assert!(text.ends_with("لسد حاجات السكان المتزايدة."), "{text}");
    let ports = by_guid(&doc, "ports");
    assert_eq!(ports["body_from"], "feed");
    assert_eq!(
        ports["reason"],
        "content_selector \".wysiwyg--all-content\" matched nothing"
    );
}

/// Story grouping sees the article: two outlets' items with different one-line summaries
/// link to the same article text; with full text they are one story, without it two.
#[tokio::test]
async fn the_same_article_from_two_outlets_is_one_story() {
    let item = |guid: &str, path: &str, summary: &str, base: &str| {
        feed(base, &[(guid, "الموانئ تستعيد نشاطها", path, summary)])
    };
    let base: Arc<std::sync::Mutex<String>> = Arc::default();
    let feed_handler = |guid: &'static str, path: &'static str, summary: &'static str| {
        let b = base.clone();
        let h: Handler = Arc::new(move |_, _| {
            let body = item(guid, path, summary, &b.lock().unwrap());
            Response::builder()
                .header("content-type", "application/rss+xml")
                .body(axum::body::Body::from(body))
                .unwrap()
        });
        h
    };
    let server = FeedServer::start(vec![
        (
            "/x.xml",
            feed_handler("x1", "/x/1", "تقرير جديد عن حركة السفن."),
        ),
        (
            "/y.xml",
            feed_handler("y1", "/y/1", "الهيئة تتوقع نموا في العام المقبل."),
        ),
        ("/x/1", page("nested.html", "text/html")),
        ("/y/1", page("nested.html", "text/html")),
    ])
    .await;
    *base.lock().unwrap() = server.url("");
    for full_text in [true, false] {
        let sources: String = ["x", "y"]
            .iter()
            .map(|id| {
                format!(
                    "[[sources]]\nid = \"{id}\"\nname = \"{id}\"\nurl = \"{}\"\nfull_text = {full_text}\n\n",
                    server.url(&format!("/{id}.xml"))
                )
            })
            .collect();
        let app = spawn_app().sources_toml(sources).open().await;
        app.fetch(true).await;
        let (x, y) = (
            items_of(&app.store, "x").await,
            items_of(&app.store, "y").await,
        );
        assert_eq!(
            x["x1"].story_id == y["y1"].story_id,
            full_text,
            "full_text = {full_text}"
        );
    }
}
