//! The walking skeleton end to end: a loopback feed server serving the seed article and a
//! Lebanese Tripoli story, the real pipeline into a temp SQLite file, the real HTTP server.

use crate::common;

use common::*;

const SEED_TITLE: &str = "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه";

fn golden_html() -> String {
    std::fs::read_to_string(fixture("seed-article.clean.html"))
        .unwrap()
        .trim_end()
        .to_string()
}

async fn get(c: &reqwest::Client, url: &str) -> (u16, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn parse(body: &str) -> feed_rs::model::Feed {
    feed_rs::parser::parse(body.as_bytes()).unwrap()
}

#[tokio::test]
async fn the_seed_article_reaches_the_libya_feed_once_and_clean() {
    let feed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let server = FeedServer::start(vec![(
        "/feed.xml",
        serve_bytes(feed, "application/rss+xml"),
    )])
    .await;
    let env = spawn_app()
        .source("news", server.url("/feed.xml"))
        .open()
        .await;
    let (outcomes, skipped) = env.fetch(false).await;
    assert!(skipped.is_empty());
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].ok, "{:?}", outcomes[0].error);
    assert_eq!((outcomes[0].report.seen, outcomes[0].report.new), (2, 2));

    let site = env.serve().await;
    let base = site.base.clone();
    let c = client();

    // The Libya feed: exactly the seed item, cleaned.
    let (status, body) = get(&c, &format!("{base}/feeds/libya.atom")).await;
    assert_eq!(status, 200);
    let libya = parse(&body);
    assert_eq!(libya.entries.len(), 1, "{body}");
    let e = &libya.entries[0];
    assert_eq!(e.title.as_ref().unwrap().content, SEED_TITLE);
    assert_eq!(e.links[0].href, "https://news.example/libya/haftar-skhirat");
    let content = e.content.as_ref().unwrap().body.clone().unwrap();
    assert_eq!(
        content,
        format!(
            "<div dir=\"rtl\" lang=\"ar\">{}<p><small>مواقع</small></p></div>",
            golden_html()
        )
    );
    assert!(e.categories.iter().any(|c| c.term == "libya"));
    assert!(body.contains("xml:lang=\"ar\""));

    // The Lebanese Tripoli story is not Libya, but is Lebanon.
    let (_, body) = get(&c, &format!("{base}/feeds/lebanon.atom")).await;
    let lebanon = parse(&body);
    assert_eq!(lebanon.entries.len(), 1);
    assert_eq!(
        lebanon.entries[0].title.as_ref().unwrap().content,
        "طرابلس اللبنانية تستضيف مهرجانا للفنون الشعبية"
    );

    // The source feed holds both, newest first, in every format.
    let (status, body) = get(&c, &format!("{base}/sources/news.rss")).await;
    assert_eq!(status, 200);
    let titles: Vec<String> = parse(&body)
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles,
        vec![
            SEED_TITLE.to_string(),
            "طرابلس اللبنانية تستضيف مهرجانا للفنون الشعبية".into()
        ]
    );
    let (_, body) = get(&c, &format!("{base}/sources/news.json")).await;
    assert_eq!(parse(&body).entries.len(), 2);
    let (_, body) = get(&c, &format!("{base}/feeds/all.atom")).await;
    assert_eq!(parse(&body).entries.len(), 2);

    // A second fetch adds nothing.
    let (outcomes, _) = env.fetch(false).await;
    assert!(outcomes[0].ok);
    assert_eq!(outcomes[0].report.new, 0);
    assert!(outcomes[0].unchanged, "the same body is not parsed again");
    let (_, body) = get(&c, &format!("{base}/sources/news.atom")).await;
    assert_eq!(parse(&body).entries.len(), 2);
    let (_, body) = get(&c, &format!("{base}/feeds/libya.atom")).await;
    assert_eq!(parse(&body).entries.len(), 1);
    assert_eq!(server.hits("/feed.xml"), 2);

    // Full-text search normalizes the query like the text: ليبيا finds the seed article
    // (which says الليبية, ليبيا, الليبي), طرابلس finds both.
    let (_, body) = get(
        &c,
        &format!("{base}/feeds/all.atom?q=%D9%84%D9%8A%D8%A8%D9%8A%D8%A7"),
    )
    .await;
    let found: Vec<String> = parse(&body)
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(found, vec![SEED_TITLE.to_string()]);
    let (_, body) = get(
        &c,
        &format!("{base}/feeds/all.atom?q=%D8%B7%D8%B1%D8%A7%D8%A8%D9%84%D8%B3"),
    )
    .await;
    assert_eq!(parse(&body).entries.len(), 2);

    // Paging: limit=1 gives a rel="next" link whose cursor leads to the second item.
    let (_, body) = get(&c, &format!("{base}/sources/news.atom?limit=1")).await;
    let page1 = parse(&body);
    assert_eq!(page1.entries.len(), 1);
    let next = page1
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("next"))
        .expect("rel=next")
        .href
        .clone();
    assert!(
        next.starts_with("http://marsad.test/sources/news.atom?limit=1&before="),
        "{next}"
    );
    let (_, body) = get(&c, &next.replace("http://marsad.test", &base)).await;
    let page2 = parse(&body);
    assert_eq!(page2.entries.len(), 1);
    assert_ne!(page2.entries[0].id, page1.entries[0].id);
    assert_eq!(
        page2.entries[0].title.as_ref().unwrap().content,
        "طرابلس اللبنانية تستضيف مهرجانا للفنون الشعبية"
    );

    // Bad parameters get a 400 with a message.
    assert_eq!(
        get(&c, &format!("{base}/feeds/all.atom?limit=0")).await,
        (
            400,
            "limit must be a number from 1 to 500, got \"0\"\n".to_string()
        )
    );
    assert_eq!(
        get(&c, &format!("{base}/feeds/all.atom?topic=nope")).await,
        (400, "unknown topic \"nope\"\n".to_string())
    );
    assert_eq!(
        get(&c, &format!("{base}/feeds/all.rss?since=yesterday"))
            .await
            .0,
        400
    );
    assert_eq!(
        get(&c, &format!("{base}/feeds/all.rss?dedup=maybe"))
            .await
            .0,
        400
    );

    // Conditional requests get a 304.
    let r = c
        .get(format!("{base}/feeds/libya.atom"))
        .send()
        .await
        .unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_string();
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .starts_with("public, max-age=")
    );
    let r = c
        .get(format!("{base}/feeds/libya.atom"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
    assert_eq!(r.bytes().await.unwrap().len(), 0);

    // The page and the health check.
    let (status, page) = get(&c, &format!("{base}/")).await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert!(page.contains(SEED_TITLE));
    assert!(page.contains("href=\"/feeds/libya.atom\""));
    assert_eq!(
        get(&c, &format!("{base}/healthz")).await,
        (200, "ok\n".to_string())
    );
}

#[tokio::test]
async fn unknown_topics_sources_and_extensions_are_404() {
    let app = spawn_app().open().await;
    let site = app.serve().await;
    let base = site.base.clone();
    let c = client();
    assert_eq!(
        get(&c, &format!("{base}/feeds/nope.atom")).await,
        (404, "no such topic: nope\n".into())
    );
    assert_eq!(
        get(&c, &format!("{base}/sources/nope.rss")).await,
        (404, "no such source: nope\n".into())
    );
    assert_eq!(get(&c, &format!("{base}/feeds/libya.xml")).await.0, 404);
    assert_eq!(get(&c, &format!("{base}/feeds/libya")).await.0, 404);
    assert_eq!(get(&c, &format!("{base}/nowhere")).await.0, 404);
    let (status, body) = get(&c, &format!("{base}/feeds/libya.atom")).await;
    assert_eq!(status, 200);
    assert_eq!(parse(&body).entries.len(), 0);
}

#[tokio::test]
async fn one_failing_source_does_not_stop_the_others() {
    let feed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let server = FeedServer::start(vec![
        ("/good.xml", serve_bytes(feed, "application/rss+xml")),
        (
            "/html",
            serve_bytes(
                b"<!DOCTYPE html><html><body>hi</body></html>".to_vec(),
                "text/html",
            ),
        ),
    ])
    .await;
    let env = spawn_app()
        .sources(&[
            ("bad-html", server.url("/html")),
            ("missing", server.url("/missing.xml")),
            ("good", server.url("/good.xml")),
            ("refused", "http://127.0.0.1:9/feed.xml".to_string()),
        ])
        .open()
        .await;
    let (outcomes, _) = env.fetch(false).await;
    let summary: Vec<(String, bool, Option<u16>)> = outcomes
        .iter()
        .map(|o| (o.source_id.clone(), o.ok, o.status))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("bad-html".into(), false, Some(200)),
            ("good".into(), true, Some(200)),
            ("missing".into(), false, Some(404)),
            ("refused".into(), false, None),
        ]
    );
    assert_eq!(
        outcomes[0].error.as_deref(),
        Some("this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element)")
    );
    assert_eq!(outcomes[1].report.new, 2);
    let states = env.store.sources().await.unwrap();
    let missing = states.iter().find(|s| s.id == "missing").unwrap();
    assert_eq!(missing.consecutive_failures, 1);
    assert_eq!(missing.error.as_deref(), Some("HTTP 404"));
    assert_eq!(missing.http_status, Some(404));
    assert!(missing.next_due.is_some());
}
