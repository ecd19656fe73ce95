//! Hot reload: a running server, a bad edit (kept serving, error with line:col), a good edit
//! (new source fetched without restart), a topic edit (stored items re-tagged).

use crate::common;

use common::*;

async fn json(c: &reqwest::Client, url: String) -> serde_json::Value {
    serde_json::from_slice(&c.get(url).send().await.unwrap().bytes().await.unwrap()).unwrap()
}

#[tokio::test]
async fn edits_are_validated_then_applied_without_a_restart() {
    let seed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let other = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>B</title><item><guid>b1</guid><title>السودان: محادثات جديدة في جدة</title><description>جولة جديدة من المحادثات بين طرفي النزاع في السودان</description></item></channel></rss>"#.as_bytes().to_vec();
    let server = FeedServer::start(vec![
        ("/a", serve_bytes(seed, "application/rss+xml")),
        ("/b", serve_bytes(other, "application/rss+xml")),
    ])
    .await;
    let app = spawn_app().source("a", server.url("/a")).open().await;
    // Source a is fetched before the service starts, so it is not due again for a while.
    app.fetch(false).await;
    let (app, service) = app.into_service().await;
    let base = service.base.clone();
    let c = client();
    let status = json(&c, format!("{base}/api/status")).await;
    assert_eq!(status["config"]["ok"], true);

    // A bad edit: the error is reported with its position, the old config keeps running.
    let sources = app.dir.join("sources.toml");
    let good = std::fs::read_to_string(&sources).unwrap();
    std::fs::write(
        &sources,
        format!(
            "{good}[[sources]]\nid = \"b\"\nname = \"ب\"\nurl = \"{}\"\nenabld = true\n",
            server.url("/b")
        ),
    )
    .unwrap();
    eventually("bad edit reported", || async {
        json(&c, format!("{base}/api/status")).await["config"]["ok"] == false
    })
    .await;
    let status = json(&c, format!("{base}/api/status")).await;
    let error = status["config"]["error"].as_str().unwrap().to_string();
    assert_eq!(
        error,
        format!(
            "{}:11:1: unknown field `enabld`, expected one of `id`, `name`, `url`, `interval`, `cron`, `enabled`, `language`, `encoding`, `full_text`, `content_selector`, `remove_selectors`, `place`; did you mean `enabled`?",
            sources.display()
        )
    );
    let r = c
        .get(format!("{base}/feeds/libya.atom"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = c
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The error names files: readers do not see it (admins do, on /api/status above and
    // on /admin when a token is set).
    assert!(page.contains("<h2>آخر الأخبار</h2>"), "{page}");
    assert!(!page.contains("did you mean"), "{page}");
    assert!(!page.contains("sources.toml"), "{page}");
    assert_eq!(
        c.get(format!("{base}/sources/b.atom"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // The fix: source b is scheduled at once and fetched, a is untouched.
    std::fs::write(
        &sources,
        format!(
            "{good}[[sources]]\nid = \"b\"\nname = \"ب\"\nurl = \"{}\"\nenabled = true\n",
            server.url("/b")
        ),
    )
    .unwrap();
    eventually("new source fetched", || async {
        let list = json(&c, format!("{base}/api/sources")).await;
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "b" && s["item_count"] == 1)
    })
    .await;
    assert_eq!(
        json(&c, format!("{base}/api/status")).await["config"]["ok"],
        true
    );
    assert_eq!(server.hits("/a"), 1, "a was not due again");

    // A topic edit re-tags what is stored.
    let topics = app.dir.join("topics.toml");
    let mut t = std::fs::read_to_string(&topics).unwrap();
    t.push_str("\n[[topics]]\nslug = \"haftar\"\nname = \"حفتر\"\nterms = [{ term = \"حفتر\", weight = 2 }]\n");
    std::fs::write(&topics, t).unwrap();
    eventually("stored items re-tagged", || async {
        let item = json(&c, format!("{base}/api/items/1")).await;
        item["topics"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["slug"] == "haftar"))
    })
    .await;

    // Removing a source retires it; its items stay.
    std::fs::write(&sources, &good).unwrap();
    eventually("source retired", || async {
        let list = json(&c, format!("{base}/api/sources")).await;
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "b" && s["retired"] == true && s["item_count"] == 1)
    })
    .await;

    service.stop().await;
}
