//! The untrusted paths of SECURITY.md, end to end through the real server: hostile feed
//! content rendered on the page and in every feed format, reflected query values, header
//! injection, path traversal, oversized and abusive queries, methods other than GET.

use crate::common;

use crate::checks;

use std::net::SocketAddr;

use common::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An item whose title, link, author and body are each an XSS attempt, and one whose link
/// tries to break out of an attribute.
const HOSTILE_FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>مصدر &lt;b&gt;معاد&lt;/b&gt;</title><link>http://evil.test/</link>
<item><guid>x1</guid>
<title>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; "q" &amp;amp; 'a' ليبيا</title>
<link>javascript:alert(3)</link>
<author>&lt;img src=x onerror=alert(9)&gt;كاتب</author>
<description><![CDATA[<p onclick="alert(4)">ليبيا طرابلس بنغازي مصراتة</p><script>alert(5)</script><img src="javascript:alert(6)"><a href="javascript:alert(7)">رابط</a> <a href="jav&#x61;script:alert(8)">آخر</a><iframe src="http://evil.test/"></iframe><svg onload="alert(10)"></svg><form action="http://evil.test/"><input name="x"></form><a href="http://ok.test/" onmouseover="alert(12)">سليم</a>]]></description></item>
<item><guid>x2</guid>
<title>خبر ليبيا الثاني</title>
<link>http://news.test/a?b="&gt;&lt;script&gt;alert(11)&lt;/script&gt;</link>
<description>نص عن ليبيا وطرابلس</description></item>
<item><guid>x3</guid>
<title>خبر ليبيا الثالث</title>
<link>  JaVaScRiPt:alert(13)</link>
<description>نص ثالث عن ليبيا وطرابلس</description></item>
</channel></rss>"#;

/// A server over a store holding the hostile feed; its address, and the app and server to
/// keep alive.
async fn hostile_server() -> (TestApp, SocketAddr, Server) {
    let feeds = FeedServer::start(vec![(
        "/evil",
        serve_bytes(HOSTILE_FEED.as_bytes().to_vec(), "application/rss+xml"),
    )])
    .await;
    let env = spawn_app().source("evil", feeds.url("/evil")).open().await;
    let (outcomes, _) = env.fetch(true).await;
    assert!(outcomes[0].ok, "{:?}", outcomes[0].error);
    assert_eq!(outcomes[0].report.new, 3);
    let site = env.serve().await;
    (env, site.addr, site)
}

/// Sends `request` bytes as they are on a new connection and reads the whole answer.
async fn raw(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET target` (sent as is, no normalization) with `Connection: close`.
async fn get(addr: SocketAddr, target: &str) -> Answer {
    Answer::parse(
        &raw(
            addr,
            format!("GET {target} HTTP/1.1\r\nHost: marsad.test\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await,
    )
}

#[derive(Debug)]
struct Answer {
    status: u16,
    /// Header names (lowercase) and values, in order.
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn parse(text: &str) -> Answer {
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text, ""));
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap()[9..12].parse().unwrap();
        let headers = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.to_ascii_lowercase(), v.trim().to_string())
            })
            .collect();
        Answer {
            status,
            headers,
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn header_names(&self) -> Vec<&str> {
        self.headers.iter().map(|(k, _)| k.as_str()).collect()
    }
}

/// Nothing in `text` that a browser would run or load: no script element, no event
/// handler attribute, no `javascript:` URL, no embedded frame, image, SVG or form.
fn assert_inert(what: &str, text: &str) {
    let lower = text.to_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "onclick",
        "onerror",
        "onload",
        "onmouseover",
        "<iframe",
        "<svg",
        "<form action=\"http://evil",
        "<img",
    ] {
        assert!(!lower.contains(bad), "{what} contains {bad:?}:\n{text}");
    }
}

const TITLE: &str = "<script>alert(1)</script> \"q\" & 'a' ليبيا";
const TITLE_ESCAPED: &str =
    "&lt;script&gt;alert(1)&lt;/script&gt; &quot;q&quot; &amp; &#39;a&#39; ليبيا";

#[tokio::test]
async fn hostile_titles_links_and_bodies_are_inert_on_the_page_and_in_every_feed() {
    let (env, addr, _stop) = hostile_server().await;
    let items = env
        .store
        .items(&marsad::store::ItemQuery::default())
        .await
        .unwrap();
    let x1 = items.iter().find(|i| i.guid == "x1").unwrap();
    // Stored: the title as text (markup characters and all), the body sanitized, the
    // javascript: link dropped.
    assert_eq!(x1.title, TITLE);
    assert_eq!(x1.url, None);
    assert_eq!(x1.content_html, "<p>ليبيا طرابلس بنغازي مصراتة</p>");
    let x2 = items.iter().find(|i| i.guid == "x2").unwrap();
    assert_eq!(
        x2.url.as_deref(),
        Some("http://news.test/a?b=%22%3E%3Cscript%3Ealert(11)%3C/script%3E")
    );
    let x3 = items.iter().find(|i| i.guid == "x3").unwrap();
    assert_eq!(x3.url, None);

    // The page: every value escaped, nothing active.
    for path in ["/", "/topics/libya", "/?q=ليبيا"] {
        let page = get(
            addr,
            &path.replace("ليبيا", "%D9%84%D9%8A%D8%A8%D9%8A%D8%A7"),
        )
        .await;
        assert_eq!(page.status, 200, "{path}");
        assert_inert(path, &page.body);
        assert!(
            page.body.contains(&format!("<h3>{TITLE_ESCAPED}</h3>")),
            "{path}: {}",
            page.body
        );
        assert!(page.body.contains(
            "<h3><a href=\"http://news.test/a?b=%22%3E%3Cscript%3Ealert(11)%3C/script%3E\">خبر ليبيا الثاني</a></h3>"
        ));
        assert_eq!(
            page.header("content-security-policy"),
            Some(marsad::server::CONTENT_SECURITY_POLICY)
        );
    }

    // Atom and RSS: the markup is XML-escaped text, and parses back to the same title.
    for (path, kind) in [("/feeds/libya.atom", "atom"), ("/feeds/libya.rss", "rss")] {
        let feed = get(addr, path).await;
        assert_eq!(feed.status, 200);
        assert!(!feed.body.contains("<script"), "{}", feed.body);
        assert!(!feed.body.to_lowercase().contains("javascript:"));
        let parsed = feed_rs::parser::parse(feed.body.as_bytes()).unwrap();
        let titles: Vec<String> = parsed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        assert!(titles.contains(&TITLE.to_string()), "{kind}: {titles:?}");
        for e in &parsed.entries {
            let html = e
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .or_else(|| e.summary.as_ref().map(|s| s.content.clone()))
                .unwrap_or_default();
            assert_inert(kind, &html);
        }
    }

    // JSON Feed and the API: JSON-escaped, and the HTML inside is the sanitized body.
    let json = get(addr, "/feeds/libya.json").await;
    assert_eq!(
        json.header("content-type"),
        Some("application/feed+json; charset=utf-8")
    );
    let v: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let first = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == TITLE)
        .unwrap();
    assert_eq!(first.get("url"), None);
    assert_inert("json content_html", first["content_html"].as_str().unwrap());
    let api = get(addr, "/api/items").await;
    assert_eq!(api.header("content-type"), Some("application/json"));
    assert!(!api.body.to_lowercase().contains("javascript:"));
}

#[tokio::test]
async fn values_from_the_request_are_escaped_where_they_are_shown() {
    let (_env, addr, _stop) = hostile_server().await;
    // The search box shows the query back.
    let page = get(
        addr,
        "/?q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E%20%D9%84%D9%8A%D8%A8%D9%8A%D8%A7",
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("name=\"q\" value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; ليبيا\""),
        "{}",
        page.body
    );
    assert_inert("search page", &page.body);
    // A page's error is an Arabic page that quotes the request escaped.
    let nf = get(addr, "/topics/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(nf.status, 404);
    assert!(
        nf.body
            .contains("<code>no such topic: &lt;script&gt;alert(1)&lt;/script&gt;</code>"),
        "{}",
        nf.body
    );
    assert_inert("404 page", &nf.body);
    assert_eq!(nf.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(nf.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        nf.header("content-security-policy"),
        Some(marsad::server::CONTENT_SECURITY_POLICY)
    );
    // Feeds' errors quote the request as plain text that browsers must not sniff.
    let nf = get(addr, "/feeds/%3Cscript%3Ealert(1)%3C%2Fscript%3E.atom").await;
    assert_eq!(nf.status, 404);
    assert_eq!(nf.body, "no such topic: <script>alert(1)</script>\n");
    assert_eq!(nf.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(nf.header("x-content-type-options"), Some("nosniff"));
    let bad = get(addr, "/feeds/all.atom?limit=%3Cb%3E").await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        bad.body,
        "limit must be a number from 1 to 500, got \"<b>\"\n"
    );
    assert_eq!(bad.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn cr_lf_in_paths_and_queries_never_reaches_a_response_header() {
    let (_env, addr, _stop) = hostile_server().await;
    let expected_404 = [
        "content-type",
        "x-content-type-options",
        "content-security-policy",
        "referrer-policy",
        "content-length",
        "connection",
        "date",
    ];
    // Encoded CR LF: decoded into the error text of the body, never into a header.
    for target in [
        "/feeds/x%0d%0aSet-Cookie:%20pwned=1.atom",
        "/sources/x%0D%0ASet-Cookie:%20pwned=1.rss",
        "/topics/%0d%0aSet-Cookie:%20pwned=1",
        "/api/items/%0d%0aSet-Cookie:%20pwned=1",
    ] {
        let a = get(addr, target).await;
        assert_eq!(a.status, 404, "{target}");
        assert_eq!(a.header_names(), expected_404, "{target}");
        assert!(
            a.body.contains("\r\nSet-Cookie: pwned=1"),
            "{target}: {:?}",
            a.body
        );
    }
    let a = get(addr, "/feeds/all.atom?topic=a%0d%0aSet-Cookie:%20pwned=1").await;
    assert_eq!(a.status, 400);
    assert_eq!(a.header("set-cookie"), None);
    assert_eq!(a.body, "unknown topic \"a\\r\\nSet-Cookie: pwned=1\"\n");
    // Feeds echo kept query values only inside XML, percent-encoded.
    let a = get(addr, "/feeds/all.atom?since=%0d%0a1h").await;
    assert_eq!(a.status, 200, "{:?}", a.body);
    assert!(
        a.body.contains(
            "<link href=\"http://marsad.test/feeds/all.atom?since=%0D%0A1h\" rel=\"self\""
        ),
        "{}",
        a.body
    );
    assert_eq!(a.header("set-cookie"), None);
    // Raw CR or LF inside the request line or a header value: refused by the HTTP parser.
    for request in [
        &b"GET /feeds/all.atom\rSet-Cookie: x HTTP/1.1\r\nHost: marsad.test\r\n\r\n"[..],
        &b"GET /feeds/all.atom HTTP/1.1\r\nHost: marsad.test\r\nIf-None-Match: \"a\"\rSet-Cookie: x\r\n\r\n"[..],
    ] {
        let a = Answer::parse(&raw(addr, request).await);
        assert_eq!(a.status, 400, "{:?}", String::from_utf8_lossy(request));
        assert_eq!(a.header("set-cookie"), None);
    }
}

#[tokio::test]
async fn path_traversal_finds_nothing_because_no_route_reads_files() {
    let (_env, addr, _stop) = hostile_server().await;
    for (target, body) in [
        ("/feeds/../../etc/passwd", "not found\n"),
        (
            "/feeds/..%2f..%2fetc%2fpasswd",
            "no such feed format: ./etc/passwd (use .rss, .atom or .json)\n",
        ),
        (
            "/feeds/%2e%2e%2f%2e%2e%2fetc%2fpasswd.atom",
            "no such topic: ../../etc/passwd\n",
        ),
        (
            "/feeds/..%252f..%252fetc%252fpasswd.atom",
            "no such topic: ..%2f..%2fetc%2fpasswd\n",
        ),
        (
            "/sources/..%2F..%2Fetc%2Fpasswd.atom",
            "no such source: ../../etc/passwd\n",
        ),
        ("/api/items/..%2f1", "no such item: ../1\n"),
        ("/%2e%2e/%2e%2e/etc/passwd", "not found\n"),
        ("/..\\..\\etc\\passwd", "not found\n"),
        ("/config/marsad.toml", "not found\n"),
        ("/data/marsad.db", "not found\n"),
    ] {
        let a = get(addr, target).await;
        assert_eq!((a.status, a.body.as_str()), (404, body), "{target}");
    }
    let a = get(addr, "/topics/..%2f..%2fCargo.toml").await;
    assert_eq!(a.status, 404);
    assert!(
        a.body
            .contains("<code>no such topic: ../../Cargo.toml</code>"),
        "{}",
        a.body
    );
}

#[tokio::test]
async fn oversized_and_abusive_requests_are_refused_cheaply() {
    let (_env, addr, _stop) = hostile_server().await;
    // A request line past 64 KiB, a header section past 64 KiB, 101 headers: 431, before
    // any routing.
    let long_uri = format!("/feeds/all.atom?x={}", "a".repeat(70_000));
    assert_eq!(get(addr, &long_uri).await.status, 431);
    let big_header = format!(
        "GET / HTTP/1.1\r\nHost: marsad.test\r\nX-Big: {}\r\n\r\n",
        "b".repeat(70_000)
    );
    assert_eq!(
        Answer::parse(&raw(addr, big_header.as_bytes()).await).status,
        431
    );
    let many: String = (0..101).map(|i| format!("X-H{i}: v\r\n")).collect();
    let many = format!("GET / HTTP/1.1\r\nHost: marsad.test\r\n{many}\r\n");
    assert_eq!(Answer::parse(&raw(addr, many.as_bytes()).await).status, 431);

    // Queries that would cost the database much are refused.
    let topics = vec!["libya"; 51].join(",");
    let a = get(addr, &format!("/feeds/all.atom?topic={topics}")).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (400, "at most 50 topics and sources in one query\n")
    );
    let sources = vec!["evil"; 51].join(",");
    let a = get(addr, &format!("/api/items?source={sources}")).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (400, "at most 50 topics and sources in one query\n")
    );
    let words = vec!["%D9%84%D9%8A%D8%A8%D9%8A%D8%A7"; 17].join("+");
    let a = get(addr, &format!("/?q={words}")).await;
    assert_eq!(a.status, 400);
    assert!(
        a.body
            .contains("<p>البحث أطول مما يُقبل: ١٧ كلمة والحد ١٦ كلمة. احذف بعض الكلمات.</p>"),
        "{}",
        a.body
    );
    let a = get(addr, &format!("/feeds/all.atom?q={words}")).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (400, "q has 17 words; at most 16\n")
    );
    let a = get(addr, "/feeds/all.json?limit=501").await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (400, "limit must be a number from 1 to 500, got \"501\"\n")
    );
    // Extreme values are answered, not a crash.
    let a = get(addr, "/feeds/all.json?since=9300000000000000000s").await;
    assert_eq!(a.status, 200);
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 3);
    let a = get(
        addr,
        "/feeds/all.json?before=9223372036854775807.-9223372036854775808",
    )
    .await;
    assert_eq!(a.status, 200);
    // Unknown parameters are refused, naming the first; tracking tags (1,000 of them) are
    // ignored and do not make new cache entries: the feed's self link is the plain one.
    let a = get(addr, "/feeds/all.atom?limit=5&x=1").await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (
            400,
            "unknown parameter \"x\" (known: topic, all_topics, source, since, before, limit, dedup, q)\n"
        )
    );
    let junk: String = (0..1000).map(|i| format!("&utm_{i}={i}")).collect();
    let a = get(addr, &format!("/feeds/all.atom?utm_x=1{junk}")).await;
    assert_eq!(a.status, 200);
    assert!(
        a.body
            .contains("<link href=\"http://marsad.test/feeds/all.atom\" rel=\"self\"")
    );
}

#[tokio::test]
async fn there_is_no_admin_api_every_route_is_read_only() {
    let (_env, addr, _stop) = hostile_server().await;
    for (method, target) in [
        ("POST", "/api/sources"),
        ("PUT", "/api/items/1"),
        ("DELETE", "/api/items/1"),
        ("PATCH", "/api/topics"),
        ("POST", "/"),
        ("POST", "/feeds/all.atom"),
    ] {
        let a = Answer::parse(
            &raw(
                addr,
                format!("{method} {target} HTTP/1.1\r\nHost: marsad.test\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}")
                    .as_bytes(),
            )
            .await,
        );
        assert_eq!(a.status, 405, "{method} {target}");
    }
    for target in ["/admin", "/api/admin", "/api/reload", "/api/fetch"] {
        assert_eq!(get(addr, target).await.status, 404, "{target}");
    }
}

/// Characters that combine with, or under NFKC become, a markup character next to them:
/// combining overlays (`>` + U+0338 is `≯`, `=` + U+0338 is `≠`), Arabic marks that NFC
/// reorders before them, compatibility forms of `<` and `&`, and bidi and zero-width
/// controls that tidying removes (which brings what surrounds them together).
const MARKS: &[&str] = &[
    "&#x338;",
    "&#x20D2;",
    "&#x20E5;",
    "&#x654;&#x338;",
    "&#x651;&#x338;",
    "&#x200B;&#x338;",
    "&#x202E;&#x338;",
    "&#xFEFF;&#x338;",
    "&#x34F;&#x338;",
    "&#xFE64;",
    "&#xFF1C;",
    "&#xFE60;",
    "&#x2066;",
    "&#xFEDF;&#xFEF4;",
];

/// Element shapes that ammonia lets through, each followed by what a mark could turn into
/// attributes.
const SHAPES: &[&str] = &[
    "<img src=\"https://e.test/a.png\">{m} onerror=alert(1) x",
    "<img src=\"https://e.test/a.png\" alt=\"{m}\" width=\"9\">",
    "<a href=\"https://e.test/\">{m} onmouseover=alert(1) x</a>",
    "<a href=\"https://e.test/\">{m} autofocus onfocus=alert(1) x</a>",
    "<figure class=\"wp-block-image\"><img loading=\"lazy\" src=\"/a.jpg\">{m} onerror=alert(1)<figcaption>{m} onfocus=alert(1)</figcaption></figure>",
    "<div class=\"entry-content\"><p><figcaption>{m} autofocus tabindex=1 onfocus=alert(1) x</figcaption> نص</p></div>",
    "<blockquote cite=\"https://e.test/\">{m} onclick=alert(1)</blockquote>",
    "<b>{m}<i>{m} onclick=alert(1)</i></b>",
    "<span dir=\"rtl\">{m}=\"x\" onclick=alert(1)</span>",
    "<table><tr><td>{m} onclick=alert(1)</td></tr></table>",
    "<ul><li>{m}<li><details>{m} ontoggle=alert(1)</details></ul>",
    "{m}script{m}alert(1){m}/script{m}",
];

/// A feed with every shape and mark, one item each, escaped as RSS descriptions are.
fn combining_mark_feed() -> String {
    let mut items = String::new();
    for (s, shape) in SHAPES.iter().enumerate() {
        for (m, mark) in MARKS.iter().enumerate() {
            let body = format!(
                "<p>وصل الوفد إلى طرابلس {} ثم غادر.</p>",
                shape.replace("{m}", mark)
            );
            let escaped = body
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            items.push_str(&format!(
                "<item><guid>v{s}-{m}</guid><title>خبر ليبيا {s} {m}</title>\
                 <link>http://news.test/{s}/{m}</link><description>{escaped}</description></item>\n"
            ));
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>حروف مركبة</title><link>http://news.test/</link>\n{items}</channel></rss>"
    )
}

#[tokio::test]
async fn no_combining_mark_vector_reopens_markup_in_any_output() {
    let feed = combining_mark_feed();
    let count = SHAPES.len() * MARKS.len();
    let feeds = FeedServer::start(vec![(
        "/marks",
        serve_bytes(feed.into_bytes(), "application/rss+xml"),
    )])
    .await;
    let env = spawn_app()
        .source("marks", feeds.url("/marks"))
        .open()
        .await;
    let (outcomes, _) = env.fetch(true).await;
    assert!(outcomes[0].ok, "{:?}", outcomes[0].error);
    let stored = env
        .store
        .items(&marsad::store::ItemQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    // Some vectors are one story told twice; every one is stored.
    assert_eq!(stored.len(), count);
    for it in &stored {
        checks::assert_safe(&it.content_html);
        assert!(!it.content_html.contains("≯"), "{}", it.content_html);
    }

    let site = env.serve().await;
    let addr = site.addr;
    let mut seen = 0;
    for path in [
        "/sources/marks.atom?limit=500&dedup=false",
        "/sources/marks.rss?limit=500&dedup=false",
    ] {
        let answer = get(addr, path).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        let parsed = feed_rs::parser::parse(answer.body.as_bytes()).unwrap();
        assert_eq!(parsed.entries.len(), count, "{path}");
        for e in &parsed.entries {
            let html = e
                .content
                .as_ref()
                .and_then(|c| c.body.clone())
                .or_else(|| e.summary.as_ref().map(|s| s.content.clone()))
                .unwrap_or_default();
            checks::assert_safe(&html);
            seen += 1;
        }
    }
    for path in [
        "/sources/marks.json?limit=500&dedup=false",
        "/api/items?source=marks&limit=500&dedup=false",
    ] {
        let answer = get(addr, path).await;
        assert_eq!(answer.status, 200, "{path}");
        let v: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
        // The JSON Feed holds its items in `items`; the API answers with the list itself.
        let items = v
            .get("items")
            .unwrap_or(&v)
            .as_array()
            .expect("a list of items");
        assert_eq!(items.len(), count, "{path}");
        for it in items {
            checks::assert_safe(it["content_html"].as_str().unwrap());
            seen += 1;
        }
    }
    assert_eq!(seen, 4 * count);
    // The page shows titles and summaries as text: no element gains a handler.
    let page = get(addr, "/?limit=100").await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("onerror=alert(1)"),
        "the vectors are on the page"
    );
    for (element, attributes) in checks::structure(&page.body) {
        for (name, _) in attributes {
            assert!(!name.starts_with("on"), "{name} on <{element}> on the page");
        }
    }
}
