//! Rendered feeds are served from memory, gzip and brotli made once, and never stale after
//! new items.

use crate::common;

use std::io::Read as _;
use std::sync::Arc;

use axum::response::Response;
use common::*;

fn rss(items: usize) -> String {
    let mut s = String::from("<rss version=\"2.0\"><channel><title>T</title>");
    for i in 0..items {
        s.push_str(&format!("<item><guid>g{i}</guid><title>ليبيا: خبر رقم {i}</title><pubDate>Sun, 29 Nov 2026 0{i}:00:00 GMT</pubDate></item>"));
    }
    s + "</channel></rss>"
}

#[tokio::test]
async fn a_new_item_invalidates_the_cached_feed_and_gzip_matches_the_plain_body() {
    let handler: Handler =
        Arc::new(|_, n| Response::new(axum::body::Body::from(rss(if n == 1 { 1 } else { 2 }))));
    let server = FeedServer::start(vec![("/f", handler)]).await;
    let env = spawn_app().source("s", server.url("/f")).open().await;
    env.fetch(false).await;
    // The server shares the store handle, as in `serve`, so it sees its writes.
    let site = env.serve().await;
    let base = site.base.clone();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let c = reqwest::Client::builder()
        .no_proxy()
        .no_gzip()
        .build()
        .unwrap();
    let url = format!("{base}/feeds/libya.atom");

    let plain = c.get(&url).send().await.unwrap();
    assert_eq!(plain.headers()["vary"], "Accept-Encoding");
    let plain_etag = plain.headers()["etag"].to_str().unwrap().to_string();
    let plain = plain.text().await.unwrap();
    assert_eq!(
        feed_rs::parser::parse(plain.as_bytes())
            .unwrap()
            .entries
            .len(),
        1
    );

    let gz = c
        .get(&url)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_etag = gz.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(
        gz_etag, plain_etag,
        "each representation has its own validator"
    );
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..])
        .read_to_string(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain);
    let r = c
        .get(&url)
        .header("accept-encoding", "gzip")
        .header("if-none-match", &gz_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    // A second fetch stores a new item: the next request renders again.
    let (o, _) = env.fetch(false).await;
    assert_eq!(o[0].report.new, 1);
    let again = c.get(&url).send().await.unwrap();
    assert_ne!(again.headers()["etag"].to_str().unwrap(), plain_etag);
    let again = again.text().await.unwrap();
    assert_eq!(
        feed_rs::parser::parse(again.as_bytes())
            .unwrap()
            .entries
            .len(),
        2
    );
    let r = c
        .get(&url)
        .header("if-none-match", &plain_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the old validator no longer matches");
}

#[tokio::test]
async fn a_fetch_by_another_process_makes_the_cached_feed_stale_within_2s() {
    let handler: Handler =
        Arc::new(|_, n| Response::new(axum::body::Body::from(rss(if n == 1 { 1 } else { 2 }))));
    let server = FeedServer::start(vec![("/f", handler)]).await;
    // The service fetches once at start, then not for 10 minutes.
    let files = spawn_app().source("s", server.url("/f")).files();
    let service = files.service().await;
    eventually("the service's first fetch", || async {
        server.hits("/f") == 1
    })
    .await;
    let url = format!("{}/feeds/all.atom", service.base);
    let get = || async {
        let r = client().get(&url).send().await.unwrap();
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        (etag, r.text().await.unwrap())
    };
    // Cached once the first fetch is in.
    eventually("the first item", || async {
        get().await.1.contains("خبر رقم 0")
    })
    .await;
    let (etag, _) = get().await;
    // `marsad fetch` beside `marsad serve`, as an admin runs it.
    let out = files.run(&["fetch"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fetched = std::time::Instant::now();
    eventually("the second item", || async {
        get().await.1.contains("خبر رقم 1")
    })
    .await;
    let stale_for = fetched.elapsed();
    println!("feed cache: the other process's item was served {stale_for:?} after its fetch");
    assert!(
        stale_for < std::time::Duration::from_secs(2),
        "{stale_for:?}"
    );
    assert_ne!(get().await.0, etag);
    service.stop().await;
}
