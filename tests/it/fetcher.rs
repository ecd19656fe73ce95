//! The fetcher against loopback servers started by each test: conditional GET, server hints,
//! backoff and recovery, limits, redirects and charsets.

use crate::common;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use common::*;

fn rss(title: &str, items: &[(&str, &str)]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>{title}</title><link>https://site.example/</link>"
    );
    for (guid, t) in items {
        s.push_str(&format!("<item><guid>{guid}</guid><title>{t}</title><link>https://site.example/{guid}</link><description>&lt;p&gt;{t} في ليبيا اليوم&lt;/p&gt;</description></item>"));
    }
    s.push_str("</channel></rss>");
    s
}

fn respond(status: u16, headers: &[(&str, &str)], body: impl Into<axum::body::Body>) -> Response {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.into()).unwrap()
}

#[tokio::test]
async fn an_etag_makes_the_second_fetch_a_304_that_parses_nothing() {
    let seen_inm = Arc::new(std::sync::Mutex::new(Vec::new()));
    let s = seen_inm.clone();
    let body = rss("T", &[("1", "خبر")]);
    let handler: Handler = Arc::new(move |h: &HeaderMap, _| {
        let inm = h
            .get("if-none-match")
            .map(|v| v.to_str().unwrap().to_string());
        s.lock().unwrap().push(inm.clone());
        if inm.as_deref() == Some("\"v1\"") {
            respond(304, &[("etag", "\"v1\"")], "")
        } else {
            respond(
                200,
                &[("etag", "\"v1\""), ("content-type", "application/rss+xml")],
                body.clone(),
            )
        }
    });
    let server = FeedServer::start(vec![("/f", handler)]).await;
    let e = spawn_app().source("s", server.url("/f")).open().await;
    let (o, _) = e.fetch(false).await;
    assert_eq!(
        (o[0].ok, o[0].status, o[0].report.new),
        (true, Some(200), 1)
    );
    let (o, _) = e.fetch(false).await;
    assert_eq!(
        (o[0].ok, o[0].status, o[0].unchanged, o[0].report.seen),
        (true, Some(304), true, 0)
    );
    assert_eq!(
        *seen_inm.lock().unwrap(),
        vec![None, Some("\"v1\"".to_string())]
    );
    let st = e.store.source("s").await.unwrap().unwrap();
    assert_eq!(
        (st.etag.as_deref(), st.http_status, st.items_new),
        (Some("\"v1\""), Some(304), Some(0))
    );
}

#[tokio::test]
async fn last_modified_is_sent_back_as_if_modified_since() {
    const LM: &str = "Sun, 29 Nov 2026 08:00:00 GMT";
    let body = rss("T", &[("1", "خبر")]);
    let handler: Handler = Arc::new(move |h: &HeaderMap, _| {
        if h.get("if-modified-since").is_some_and(|v| v == LM) {
            respond(304, &[], "")
        } else {
            respond(200, &[("last-modified", LM)], body.clone())
        }
    });
    let server = FeedServer::start(vec![("/f", handler)]).await;
    let e = spawn_app().source("s", server.url("/f")).open().await;
    assert_eq!(e.fetch(false).await.0[0].status, Some(200));
    assert_eq!(e.fetch(false).await.0[0].status, Some(304));
}

#[tokio::test]
async fn a_429_with_retry_after_is_honoured_until_forced() {
    let handler: Handler = Arc::new(|_, _| respond(429, &[("retry-after", "7200")], "slow down"));
    let server = FeedServer::start(vec![("/f", handler)]).await;
    let e = spawn_app().source("s", server.url("/f")).open().await;
    let before = Utc::now();
    let (o, _) = e.fetch(false).await;
    assert_eq!(
        (o[0].ok, o[0].status, o[0].error.as_deref()),
        (false, Some(429), Some("HTTP 429"))
    );
    let wait = (o[0].next_due.unwrap() - before).num_seconds();
    assert!((7190..=7210).contains(&wait), "next try in {wait}s");
    let (o, skipped) = e.fetch(false).await;
    assert!(o.is_empty());
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].starts_with("s: not retried before "),
        "{}",
        skipped[0]
    );
    assert_eq!(server.hits("/f"), 1);
    let (o, _) = e.fetch(true).await;
    assert_eq!(o.len(), 1);
    assert_eq!(server.hits("/f"), 2);
    assert_eq!(
        e.store
            .source("s")
            .await
            .unwrap()
            .unwrap()
            .consecutive_failures,
        2
    );
}

#[tokio::test]
async fn a_500_backs_off_and_the_next_success_recovers() {
    let body = rss("T", &[("1", "خبر"), ("2", "خبر آخر")]);
    let handler: Handler = Arc::new(move |_, n| {
        if n == 1 {
            respond(500, &[], "boom")
        } else {
            respond(200, &[], body.clone())
        }
    });
    let server = FeedServer::start(vec![("/f", handler)]).await;
    let e = spawn_app().source("s", server.url("/f")).open().await;
    let (o, _) = e.fetch(false).await;
    assert_eq!((o[0].ok, o[0].status), (false, Some(500)));
    let st = e.store.source("s").await.unwrap().unwrap();
    assert_eq!(
        (st.consecutive_failures, st.error.as_deref()),
        (1, Some("HTTP 500"))
    );
    let wait = (st.next_due.unwrap() - st.last_attempt.unwrap()).num_minutes();
    assert_eq!(wait, 10, "first failure waits one interval");
    let (o, _) = e.fetch(true).await;
    assert_eq!((o[0].ok, o[0].report.new), (true, 2));
    let st = e.store.source("s").await.unwrap().unwrap();
    assert_eq!((st.consecutive_failures, st.error), (0, None));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (sock, _) = listener.accept().await.unwrap();
            held.push(sock); // accept, never answer
        }
    });
    let e = spawn_app()
        .source("s", format!("http://{addr}/f"))
        .open()
        .await;
    let mut config = e.config.clone();
    config.fetch.timeout = Duration::from_millis(300);
    let started = std::time::Instant::now();
    let (o, _) = marsad::app::fetch_all(&config, &e.store, false, |_| {})
        .await
        .unwrap();
    assert_eq!(o[0].error.as_deref(), Some("timed out after 300ms"));
    assert!(started.elapsed() < Duration::from_secs(5));
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

#[tokio::test]
async fn bodies_over_the_limit_are_cut_plain_or_gzip_bombed() {
    let big = format!(
        "<rss version=\"2.0\"><channel><title>{}</title></channel></rss>",
        "ل".repeat(50_000)
    );
    let bomb = gzip(&vec![b' '; 50 * 1024 * 1024]);
    assert!(
        bomb.len() < 100 * 1024,
        "the bomb is small on the wire: {}",
        bomb.len()
    );
    let bomb_handler: Handler = Arc::new(move |_, _| {
        respond(
            200,
            &[
                ("content-encoding", "gzip"),
                ("content-type", "application/rss+xml"),
            ],
            bomb.clone(),
        )
    });
    let ok_gzip = gzip(rss("T", &[("1", "خبر")]).as_bytes());
    let ok_handler: Handler =
        Arc::new(move |_, _| respond(200, &[("content-encoding", "gzip")], ok_gzip.clone()));
    let server = FeedServer::start(vec![
        ("/big", serve_bytes(big.into_bytes(), "application/rss+xml")),
        ("/bomb", bomb_handler),
        ("/gz", ok_handler),
    ])
    .await;
    let e = spawn_app()
        .sources(&[
            ("big", server.url("/big")),
            ("bomb", server.url("/bomb")),
            ("gz", server.url("/gz")),
        ])
        .fetch_toml("max_body_bytes = 65536")
        .open()
        .await;
    let (o, _) = e.fetch(false).await;
    // Only the first 64 KiB are read (of the bomb's 50 MiB too): here they hold no item.
    assert_eq!(
        o[0].error.as_deref(),
        Some(
            "body larger than the limit of 65536 bytes: only the first 65536 bytes were read, \
             and they hold no feed item: not a valid feed: unable to parse XML: Parser error: \
             syntax error: tag not closed: `>` not found before end of input"
        )
    );
    assert_eq!(
        o[1].error.as_deref(),
        Some(
            "body larger than the limit of 65536 bytes: only the first 65536 bytes were read, \
             and they hold no feed item: empty body"
        )
    );
    assert_eq!(
        (o[2].ok, o[2].report.new),
        (true, 1),
        "a small gzip body is decompressed and read"
    );
}

#[tokio::test]
async fn redirect_loops_fail_and_permanent_moves_are_recorded() {
    let to = |loc: &'static str, status: u16| -> Handler {
        Arc::new(move |_, _| respond(status, &[("location", loc)], ""))
    };
    let server = FeedServer::start(vec![
        ("/a", to("/b", 302)),
        ("/b", to("/a", 302)),
        ("/old", to("/new", 301)),
        (
            "/new",
            serve_bytes(
                rss("T", &[("1", "خبر")]).into_bytes(),
                "application/rss+xml",
            ),
        ),
        ("/chain1", to("/chain2", 302)),
        ("/chain2", to("/chain3", 302)),
        ("/chain3", to("/chain4", 302)),
        ("/chain4", to("/chain5", 302)),
        ("/chain5", to("/chain6", 302)),
        ("/chain6", to("/chain7", 302)),
        ("/chain7", to("/new", 302)),
    ])
    .await;
    let e = spawn_app()
        .sources(&[
            ("loop", server.url("/a")),
            ("moved", server.url("/old")),
            ("long", server.url("/chain1")),
        ])
        .open()
        .await;
    let (o, _) = e.fetch(false).await;
    assert_eq!(
        o[0].error.as_deref(),
        Some("redirect loop or more than 5 redirects")
    );
    assert_eq!(
        o[1].error.as_deref(),
        Some("redirect loop or more than 5 redirects")
    );
    assert!(o[2].ok);
    let moved = e.store.source("moved").await.unwrap().unwrap();
    assert_eq!(moved.permanent_redirect, Some(server.url("/new")));
    assert_eq!(moved.url, server.url("/old"), "the configured URL is kept");
}

#[tokio::test]
async fn windows_1256_feeds_become_correct_utf8_with_or_without_a_header_charset() {
    let xml = "<?xml version=\"1.0\" encoding=\"windows-1256\"?><rss version=\"2.0\"><channel><title>بوابة الوسط</title><item><guid>1</guid><title>بنغازي تستعد للانتخابات البلدية</title></item></channel></rss>";
    let bytes = encoding_rs::WINDOWS_1256.encode(xml).0.into_owned();
    let no_decl = encoding_rs::WINDOWS_1256
        .encode(&xml.replace(" encoding=\"windows-1256\"", ""))
        .0
        .into_owned();
    let server = FeedServer::start(vec![
        (
            "/header",
            serve_bytes(bytes.clone(), "application/rss+xml; charset=windows-1256"),
        ),
        ("/decl", serve_bytes(bytes, "application/rss+xml")),
        ("/bare", serve_bytes(no_decl, "text/xml")),
    ])
    .await;
    let e = spawn_app()
        .sources(&[
            ("a", server.url("/header")),
            ("b", server.url("/decl")),
            ("c", server.url("/bare")),
        ])
        .open()
        .await;
    let (o, _) = e.fetch(false).await;
    assert!(o.iter().all(|o| o.ok && o.report.new == 1), "{o:?}");
    let items = e
        .store
        .items(&marsad::store::ItemQuery {
            dedup: false,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items
            .iter()
            .all(|i| i.title == "بنغازي تستعد للانتخابات البلدية")
    );
    let c = e.store.source("c").await.unwrap().unwrap();
    assert_eq!(
        c.warnings.as_deref(),
        Some("no charset given and not valid UTF-8: guessed windows-1256 from the bytes")
    );
    assert_eq!(c.feed_title.as_deref(), Some("بوابة الوسط"));
}

#[tokio::test]
async fn invalid_utf8_bytes_are_replaced_counted_and_the_items_kept() {
    let mut body = rss("T", &[("1", "خبر أول"), ("2", "خبر ثان")]).into_bytes();
    let at = body.windows(4).position(|w| w == b"<tit").unwrap() + 7;
    body.splice(at..at, [0xff, 0xfe]);
    let server = FeedServer::start(vec![(
        "/f",
        serve_bytes(body, "application/rss+xml; charset=utf-8"),
    )])
    .await;
    let e = spawn_app().source("s", server.url("/f")).open().await;
    let (o, _) = e.fetch(false).await;
    assert_eq!((o[0].ok, o[0].report.new), (true, 2));
    let st = e.store.source("s").await.unwrap().unwrap();
    assert_eq!(
        st.warnings.as_deref(),
        Some("2 byte sequence(s) invalid in UTF-8 were replaced")
    );
}

#[tokio::test]
async fn the_user_agent_names_marsad() {
    let ua = Arc::new(std::sync::Mutex::new(String::new()));
    let u = ua.clone();
    let handler: Handler = Arc::new(move |h: &HeaderMap, _| {
        *u.lock().unwrap() = h.get("user-agent").unwrap().to_str().unwrap().to_string();
        respond(200, &[], rss("T", &[]))
    });
    let server = FeedServer::start(vec![("/f", handler)]).await;
    let e = spawn_app().source("s", server.url("/f")).open().await;
    e.fetch(false).await;
    assert!(
        ua.lock().unwrap().starts_with("marsad/0.1.0 (+https://"),
        "{}",
        ua.lock().unwrap()
    );
}
