//! The HTML pages as served: a real marsad on 127.0.0.1 with a real SQLite file, fed by a
//! loopback feed server, with `base_url` under the sub-path `/marsad/`. The browser check
//! (tests/browser/) looks at the same pages in Chromium; these tests pin the HTML.

use crate::common;

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};
use common::{FeedServer, Handler, Server, TestApp, client, fixture, serve_bytes, spawn_app};

const TOKEN: &str = "a-long-enough-admin-token";
const PULSE: &str = "نبض شرقي RSS";

/// An RSS feed dated from `now`: items 5 minutes, 3 hours and 2 days old, one undated and
/// one dated a year ahead, all about Libya.
fn pulse_feed(now: DateTime<Utc>) -> Vec<u8> {
    let items: [(&str, &str, Option<DateTime<Utc>>); 5] = [
        (
            "p1",
            "اشتباكات جديدة في طرابلس الليبية",
            Some(now - Duration::minutes(5)),
        ),
        (
            "p2",
            "حكومة ليبيا تعلن خطة للكهرباء",
            Some(now - Duration::hours(3)),
        ),
        (
            "p3",
            "وفد ليبي يزور تونس لبحث الحدود",
            Some(now - Duration::days(2)),
        ),
        ("p4", "خبر بلا تاريخ عن بنغازي الليبية", None),
        (
            "p5",
            "خبر بتاريخ في المستقبل عن مصراتة الليبية",
            Some(now + Duration::days(365)),
        ),
    ];
    let mut s = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{PULSE}</title><link>http://pulse.test/</link><description>x</description>"
    );
    for (guid, title, date) in items {
        let date = date
            .map(|d| format!("<pubDate>{}</pubDate>", d.to_rfc2822()))
            .unwrap_or_default();
        s.push_str(&format!(
            "<item><guid>{guid}</guid><title>{title}</title><link>http://pulse.test/{guid}</link>{date}<description>نص الخبر عن ليبيا وطرابلس وبنغازي.</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

struct Site {
    _feeds: FeedServer,
    _app: TestApp,
    _server: Server,
    config: marsad::config::Config,
    store: marsad::store::Store,
    notice: Arc<RwLock<Option<String>>>,
    /// `http://127.0.0.1:PORT`.
    origin: String,
}

/// Three sources (one failing), fetched once, served with `base_url` under `/marsad/`.
async fn site(admin_token: Option<&str>) -> Site {
    let now = Utc::now();
    let feeds = FeedServer::start(vec![
        (
            "/pulse.xml",
            serve_bytes(pulse_feed(now), "application/rss+xml") as Handler,
        ),
        (
            "/news.xml",
            serve_bytes(
                std::fs::read(fixture("seed-feed.xml")).unwrap(),
                "application/rss+xml",
            ),
        ),
    ])
    .await;
    let mut app = spawn_app()
        .sources_toml(format!(
            "[[sources]]\nid = \"news\"\nname = \"موقع أخبار تجريبي\"\nurl = \"{}\"\n\n[[sources]]\nid = \"pulse\"\nname = \"{PULSE}\"\nurl = \"{}\"\n\n[[sources]]\nid = \"broken\"\nname = \"مصدر معطل\"\nurl = \"{}\"\n",
            feeds.url("/news.xml"),
            feeds.url("/pulse.xml"),
            feeds.url("/missing.xml"),
        ))
        .base_url("https://example.org/marsad/");
    if let Some(t) = admin_token {
        app = app.server_toml(&format!("admin_token = \"{t}\""));
    }
    let app = app.open().await;
    app.fetch(true).await;
    let server = app.serve().await;
    Site {
        _feeds: feeds,
        config: app.config.clone(),
        store: app.store.clone(),
        notice: server.state.notice.clone(),
        origin: server.base.clone(),
        _app: app,
        _server: server,
    }
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Site {
    async fn get_with(&self, path: &str, auth: Option<&str>) -> Answer {
        let mut req = client().get(format!("{}{path}", self.origin));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        Answer {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.text().await.unwrap(),
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.get_with(path, None).await
    }

    /// A page that must answer 200 with HTML.
    async fn page(&self, path: &str) -> String {
        let a = self.get(path).await;
        assert_eq!(a.status, 200, "{path}: {}", a.body);
        assert_eq!(
            a.headers["content-type"], "text/html; charset=utf-8",
            "{path}"
        );
        a.body
    }

    async fn item_id(&self, guid: &str) -> i64 {
        self.store
            .items(&marsad::store::ItemQuery::default())
            .await
            .unwrap()
            .iter()
            .find(|i| i.guid == guid)
            .unwrap_or_else(|| panic!("no item {guid}"))
            .id
    }
}

/// The values of every `href`, `src` and `action` attribute, unescaped.
fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in [" href=\"", " src=\"", " action=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attr) {
            rest = &rest[i + attr.len()..];
            let end = rest.find('"').unwrap();
            out.push(rest[..end].replace("&amp;", "&"));
            rest = &rest[end..];
        }
    }
    out
}

/// The item titles of a list page, in order.
fn titles(html: &str) -> Vec<String> {
    html.split("<article ")
        .skip(1)
        .map(|a| {
            let h = &a[a.find("<h3>").unwrap() + 4..a.find("</h3>").unwrap()];
            match h.strip_prefix("<a href=\"") {
                Some(l) => l[l.find("\">").unwrap() + 2..l.len() - 4].to_string(),
                None => h.to_string(),
            }
        })
        .collect()
}

#[tokio::test]
async fn every_link_on_every_page_is_under_the_base_path_and_answers() {
    let s = site(Some(TOKEN)).await;
    let item = s.item_id("p2").await;
    let pages = [
        "/marsad/".to_string(),
        "/marsad/topics/libya".to_string(),
        "/marsad/sources/pulse".to_string(),
        "/marsad/?q=%D9%84%D9%8A%D8%A8%D9%8A%D8%A7".to_string(),
        "/marsad/?limit=2".to_string(),
        format!("/marsad/items/{item}"),
    ];
    let mut checked = std::collections::HashSet::new();
    for page in &pages {
        let html = s.page(page).await;
        let found = links(&html);
        assert!(found.len() > 15, "{page}: {found:?}");
        for l in found {
            if l.starts_with("http://pulse.test/") || l.starts_with("https://news.example/") {
                continue; // the articles themselves
            }
            if l.starts_with('#') {
                assert_eq!(l, "#main", "{page}");
                continue;
            }
            assert!(l.starts_with("/marsad/"), "{page}: {l}");
            let target = l.split('#').next().unwrap().to_string();
            if checked.insert(target.clone()) {
                let a = s.get(&target).await;
                assert_eq!(a.status, 200, "{page} links {target}: {}", a.body);
            }
        }
    }
    // The admin view's links too.
    let admin = s
        .get_with("/marsad/admin", Some(&format!("Bearer {TOKEN}")))
        .await;
    for l in links(&admin.body).iter().filter(|l| *l != "#main") {
        assert!(l.starts_with("/marsad/"), "admin: {l}");
        assert_eq!(s.get(l).await.status, 200, "admin links {l}");
    }
    // A proxy that strips the prefix reaches the same routes; the links keep it.
    let stripped = s.page("/topics/libya").await;
    assert!(stripped.contains("<form action=\"/marsad/topics/libya\""));
    assert_eq!(s.get("/marsad").await.status, 200);
    assert_eq!(s.get("/marsadx/").await.status, 404);
}

#[tokio::test]
async fn mixed_script_names_are_isolated_and_chips_wrap_whole() {
    let s = site(None).await;
    let home = s.page("/marsad/").await;
    assert!(home.contains(
        "<li><a href=\"/marsad/sources/pulse\"><bdi>نبض شرقي RSS</bdi></a> (٥) — <a href=\"/marsad/sources/pulse.atom\">Atom</a></li>"
    ), "{home}");
    assert!(home.contains("<a href=\"/marsad/sources/pulse\"><bdi>نبض شرقي RSS</bdi></a> · <time"));
    // The chip bar wraps, a chip does not.
    assert!(home.contains(".chips{display:flex;flex-wrap:wrap;"));
    assert!(home.contains(".chips a{white-space:nowrap;"));
    assert!(home.contains("<nav class=\"chips\" aria-label=\"المواضيع\"><a href=\"/marsad/\" aria-current=\"page\">الرئيسية</a><a href=\"/marsad/topics/libya\"><bdi>ليبيا</bdi> (٦)</a>"), "{home}");
}

#[tokio::test]
async fn search_results_say_what_was_searched_and_how_many_were_found() {
    let s = site(None).await;
    let one = s
        .page("/marsad/?q=%D8%A7%D9%84%D9%83%D9%87%D8%B1%D8%A8%D8%A7%D8%A1")
        .await;
    assert!(one.contains("<h2>البحث عن «<bdi>الكهرباء</bdi>»</h2>\n<p role=\"status\">النتائج: نتيجة واحدة.</p>\n"), "{one}");
    assert_eq!(titles(&one), ["حكومة ليبيا تعلن خطة للكهرباء"]);
    assert!(one.contains("<title>مرصد — متابعة الأخبار العربية — بحث: الكهرباء — مرصد</title>"));
    // The feed links keep the search.
    let q = "q=%D8%A7%D9%84%D9%83%D9%87%D8%B1%D8%A8%D8%A7%D8%A1";
    for ext in ["atom", "rss", "json"] {
        assert!(
            one.contains(&format!("href=\"/marsad/feeds/all.{ext}?{q}\"")),
            "{ext}"
        );
    }
    // More results than a page shows: the count is of all of them.
    let five = s
        .page("/marsad/?q=%D8%A8%D9%86%D8%BA%D8%A7%D8%B2%D9%8A&limit=2")
        .await;
    assert!(
        five.contains("<p role=\"status\">النتائج: ٥ نتائج.</p>"),
        "{five}"
    );
    assert_eq!(titles(&five).len(), 2);
    // Nothing found: said so, not "no news yet".
    let none = s.page("/marsad/?q=%D8%B2%D8%B1%D8%A7%D9%81%D8%A9").await;
    assert!(none.contains("<p role=\"status\">لا نتائج لهذا البحث. جرّب كلمات أقل أو أعمّ.</p>"));
    assert!(!none.contains("لا توجد أخبار بعد"));
    assert!(titles(&none).is_empty());
    // A search feed names the search in its title.
    let feed = s.get(&format!("/marsad/feeds/libya.atom?{q}")).await;
    assert_eq!(feed.status, 200);
    let parsed = feed_rs::parser::parse(feed.body.as_bytes()).unwrap();
    assert_eq!(parsed.title.unwrap().content, "مرصد: ليبيا — بحث: الكهرباء");
    assert_eq!(parsed.entries.len(), 1);
    let feed = s.get(&format!("/sources/pulse.rss?{q}")).await;
    let parsed = feed_rs::parser::parse(feed.body.as_bytes()).unwrap();
    assert_eq!(
        parsed.title.unwrap().content,
        format!("مرصد: {PULSE} — بحث: الكهرباء")
    );
}

#[tokio::test]
async fn a_bad_request_is_an_arabic_error_page() {
    let s = site(None).await;
    let a = s.get("/marsad/?q=%21%21").await;
    assert_eq!(a.status, 400);
    assert_eq!(a.headers["content-type"], "text/html; charset=utf-8");
    assert!(
        a.body
            .starts_with("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">")
    );
    assert!(a.body.contains("<h1>بحث غير صالح</h1>"));
    assert!(
        a.body
            .contains("<p>ليس في «!!» كلمات يُبحث عنها: اكتب كلمة من حرفين أو أكثر.</p>"),
        "{}",
        a.body
    );
    let a = s.get("/marsad/?limit=many").await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains("<h1>طلب غير صالح</h1>"));
    assert!(
        a.body
            .contains("<code>limit must be a number from 1 to 500, got &quot;many&quot;</code>"),
        "{}",
        a.body
    );
    for missing in [
        "/marsad/topics/nope",
        "/marsad/sources/nope",
        "/marsad/items/999999",
        "/marsad/items/x",
    ] {
        let a = s.get(missing).await;
        assert_eq!(a.status, 404, "{missing}");
        assert!(a.body.contains("<h1>الصفحة غير موجودة</h1>"), "{missing}");
        assert!(
            a.body.contains("<a href=\"/marsad/\">الرئيسية</a>"),
            "{missing}"
        );
    }
    // Feeds keep plain-text errors for their readers.
    let a = s.get("/marsad/sources/nope.atom").await;
    assert_eq!((a.status, a.body.as_str()), (404, "no such source: nope\n"));
}

#[tokio::test]
async fn fetch_and_config_errors_reach_only_the_admin_view() {
    let s = site(Some(TOKEN)).await;
    *s.notice.write().unwrap() = Some("/etc/marsad/topics.toml:3:1: bad rule".into());
    for page in [
        "/marsad/",
        "/marsad/topics/libya",
        "/marsad/sources/broken",
        "/marsad/?q=x1",
    ] {
        let a = s.get(page).await;
        assert!(!a.body.contains("HTTP 404"), "{page}");
        assert!(!a.body.contains("topics.toml"), "{page}");
        assert!(!a.body.contains("class=\"notice\""), "{page}");
    }
    for auth in [
        None,
        Some("Bearer wrong-token-of-some-length".to_string()),
        Some(TOKEN.to_string()),
    ] {
        let a = s.get_with("/marsad/admin", auth.as_deref()).await;
        assert_eq!(a.status, 401, "{auth:?}");
        assert_eq!(a.headers["www-authenticate"], "Bearer realm=\"marsad\"");
        assert!(!a.body.contains("HTTP 404"));
        assert_eq!(s.get_with("/api/status", auth.as_deref()).await.status, 401);
    }
    let bearer = format!("Bearer {TOKEN}");
    let a = s.get_with("/marsad/admin", Some(&bearer)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["cache-control"], "no-store");
    assert!(a.body.contains("<pre class=\"notice\" dir=\"ltr\" lang=\"en\">/etc/marsad/topics.toml:3:1: bad rule</pre>"), "{}", a.body);
    assert!(a.body.contains("<tr><td><a href=\"/marsad/sources/broken\"><bdi>مصدر معطل</bdi></a></td><td>لم ينجح بعد</td><td>١</td><td dir=\"ltr\" lang=\"en\">HTTP 404</td></tr>"), "{}", a.body);
    let a = s.get(&format!("/marsad/admin?token={TOKEN}")).await;
    assert_eq!(a.status, 200);
    // The scheme's name is case-insensitive (RFC 9110).
    let a = s
        .get_with("/marsad/admin", Some(&format!("bearer {TOKEN}")))
        .await;
    assert_eq!(a.status, 200);
    let status = s.get_with("/api/status", Some(&bearer)).await;
    assert_eq!(status.status, 200);
    let v: serde_json::Value = serde_json::from_str(&status.body).unwrap();
    assert_eq!(
        v["config"]["error"],
        "/etc/marsad/topics.toml:3:1: bad rule"
    );
    assert_eq!(v["sources_failing"].as_array().unwrap().len(), 1);
    assert_eq!(v["sources_failing"][0]["id"], "broken");
    assert_eq!(v["sources_failing"][0]["error"], "HTTP 404");

    // The sources' API leaves the errors out without the token.
    let broken = |body: &str| {
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == "broken")
            .unwrap()["error"]
            .clone()
    };
    assert_eq!(
        broken(&s.get("/api/sources").await.body),
        serde_json::Value::Null
    );
    assert_eq!(
        broken(&s.get_with("/api/sources", Some(&bearer)).await.body),
        "HTTP 404"
    );

    // Without a token in the config there is no admin view; /api/status stays open.
    let open = site(None).await;
    assert_eq!(
        open.get(&format!("/marsad/admin?token={TOKEN}"))
            .await
            .status,
        404
    );
    assert_eq!(open.get("/api/status").await.status, 200);
    assert_eq!(broken(&open.get("/api/sources").await.body), "HTTP 404");
}

#[tokio::test]
async fn the_older_link_pages_through_every_item_once() {
    let s = site(None).await;
    let all = titles(&s.page("/marsad/").await);
    assert_eq!(all.len(), 7);
    let mut seen = Vec::new();
    let mut next = Some("/marsad/?limit=2".to_string());
    let mut pages = 0;
    while let Some(path) = next {
        let html = s.page(&path).await;
        pages += 1;
        if pages > 1 {
            assert!(
                html.contains("<a href=\"/marsad/?limit=2\">→ الأحدث</a>"),
                "{html}"
            );
        }
        seen.extend(titles(&html));
        next = html
            .split("<a rel=\"next\" href=\"")
            .nth(1)
            .map(|r| r[..r.find('"').unwrap()].replace("&amp;", "&"));
    }
    assert_eq!(pages, 4);
    assert_eq!(seen, all);
    // A page caps limit at 100 (feeds allow 500).
    let capped = s.page("/marsad/?limit=500").await;
    assert_eq!(titles(&capped).len(), 7);
}

#[tokio::test]
async fn dates_are_relative_in_arabic_with_the_exact_time_and_future_dates_are_not_shown() {
    let s = site(None).await;
    let items = s
        .store
        .items(&marsad::store::ItemQuery::default())
        .await
        .unwrap();
    let by = |g: &str| items.iter().find(|i| i.guid == g).unwrap();
    let iso = |d: DateTime<Utc>| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let html = s.page("/marsad/sources/pulse").await;
    let p2 = iso(by("p2").published.unwrap());
    assert!(
        html.contains(&format!(
            "<time datetime=\"{p2}\" title=\"{p2}\">قبل ٣ ساعات</time>"
        )),
        "{html}"
    );
    let p1 = iso(by("p1").published.unwrap());
    assert!(html.contains(&format!(
        "<time datetime=\"{p1}\" title=\"{p1}\">قبل ٥ دقائق</time>"
    )));
    let p3 = iso(by("p3").published.unwrap());
    assert!(html.contains(&format!(
        "<time datetime=\"{p3}\" title=\"{p3}\">قبل يومين</time>"
    )));
    // Future-dated and undated: shown and placed at the fetch.
    for g in ["p4", "p5"] {
        let fetched = iso(by(g).fetched_at);
        assert!(
            html.contains(&format!(
                "<time datetime=\"{fetched}\" title=\"{fetched}\">الآن</time>"
            )),
            "{g}"
        );
    }
    let future = iso(by("p5").published.unwrap());
    assert!(!html.contains(&future), "the future date is not shown");
    // Old items: their date in Arabic.
    let home = s.page("/marsad/").await;
    assert!(
        home.contains("title=\"2020-04-29T10:00:00Z\">٢٩ أبريل ٢٠٢٠</time>"),
        "{home}"
    );
}

#[tokio::test]
async fn each_topic_chip_links_to_its_explanation_in_arabic() {
    let s = site(None).await;
    let id = s.item_id("p2").await;
    let home = s.page("/marsad/").await;
    assert!(home.contains(&format!(
        "<a class=\"tag\" href=\"/marsad/items/{id}#why-libya\" title=\"لماذا هذا الموضوع؟\"><bdi>ليبيا</bdi></a>"
    )), "{home}");
    let page = s.page(&format!("/marsad/items/{id}")).await;
    assert!(page.contains("<section id=\"why-libya\">\n<h2><a href=\"/marsad/topics/libya\"><bdi>ليبيا</bdi></a>: موسوم</h2>"), "{page}");
    // A composite topic (defined by others' tags) has no threshold of its own.
    assert!(page.contains("<section id=\"why-libya-oil\">\n<h2><a href=\"/marsad/topics/libya-oil\"><bdi>النفط الليبي</bdi></a>: غير موسوم</h2>\n<p>موضوع مركّب: يُقرَّر من وسوم مواضيع أخرى، وهذه مطابقاتها.</p>"), "{page}");
    // The same evaluation `marsad explain` prints: every match, in the page's words.
    let item = s.store.item(id).await.unwrap().unwrap();
    let evals =
        marsad::tag::Matcher::compile(&s.config.topics).evaluate(&item.title, &item.text, None);
    let libya = evals.iter().find(|e| e.slug == "libya").unwrap();
    assert!(libya.tagged && !libya.matches.is_empty());
    let section = &page[page.find("<section id=\"why-libya\">").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    let min = s
        .config
        .topics
        .iter()
        .find(|t| t.slug == "libya")
        .unwrap()
        .min_score;
    assert!(libya.score.fract() == 0.0 && min.fract() == 0.0);
    let scores = format!(
        "<p>النقاط: {}، والحد الأدنى للوسم: {}.</p>",
        arabic(libya.score as i64),
        arabic(min as i64)
    );
    assert!(section.contains(&scores), "{scores}\n{section}");
    let rows = section.matches("<tr><td>").count();
    assert_eq!(rows, libya.matches.len(), "{section}");
    for m in &libya.matches {
        let field = match m.field {
            marsad::model::Field::Title => "العنوان",
            marsad::model::Field::Text => "النص",
        };
        let row = format!(
            "<tr><td><bdi>{}</bdi></td><td><bdi>{}</bdi></td><td>{field}، الكلمة {}</td>",
            m.term,
            m.found,
            arabic(m.position as i64 + 1)
        );
        assert!(section.contains(&row), "{row}\n{section}");
    }
}

fn arabic(n: i64) -> String {
    marsad::publish::dates::arabic_digits(n)
}

#[tokio::test]
async fn source_and_topic_pages_list_their_own_items_and_mark_the_current_topic() {
    let s = site(None).await;
    let html = s.page("/marsad/sources/pulse").await;
    assert!(html.contains(&format!("<h1>مرصد: {PULSE}</h1>")));
    assert!(
        html.contains("<form action=\"/marsad/sources/pulse\" method=\"get\" role=\"search\">")
    );
    assert!(html.contains("<a href=\"/marsad/sources/pulse.atom\">Atom</a> · <a href=\"/marsad/sources/pulse.rss\">RSS</a>"));
    assert_eq!(
        titles(&html),
        [
            "خبر بتاريخ في المستقبل عن مصراتة الليبية",
            "خبر بلا تاريخ عن بنغازي الليبية",
            "اشتباكات جديدة في طرابلس الليبية",
            "حكومة ليبيا تعلن خطة للكهرباء",
            "وفد ليبي يزور تونس لبحث الحدود",
        ]
    );
    let feed = s.get("/marsad/sources/pulse.atom").await;
    assert_eq!(
        feed.headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let topic = s.page("/marsad/topics/tunisia").await;
    assert!(
        topic.contains(
            "<a href=\"/marsad/topics/tunisia\" aria-current=\"page\"><bdi>تونس</bdi> (١)</a>"
        ),
        "{topic}"
    );
    assert_eq!(topic.matches("aria-current=\"page\"").count(), 1);
    assert_eq!(titles(&topic), ["وفد ليبي يزور تونس لبحث الحدود"]);
}
