//! The HTML pages: the lists ([`page`]), an item's explanation ([`item_page`]), the admin
//! view ([`admin_page`]) and errors ([`error_page`]). Arabic, right-to-left, system fonts,
//! no JavaScript (dates are made relative here, see `dates`).
//!
//! Every value from a feed or a request goes through [`escape`] before it is written; item
//! bodies are not shown here (only titles, sources and summaries), so no fetched markup
//! reaches the page. Every link starts with the path of `base_url` (the renderers' `base`),
//! so the pages work behind a sub-path; names that mix scripts sit in `<bdi>`.

use chrono::{DateTime, Utc};

use crate::model::StoredItem;
use crate::publish::dates::{RESULTS, arabic_digits, count, relative};

pub use crate::text::{escape_html as escape, escape_html_into as escape_into};

/// An escaping writer: HTML (or XML) made of markup, which can only be a string literal
/// (`&'static str`), and values, which are always escaped. A string from a feed, the
/// database or a request has no `'static` lifetime, so it cannot be written as markup:
/// forgetting to escape does not compile. The one exception is named for what it is,
/// [`Html::sanitized`], for bodies cleaned by ammonia when they were stored.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

impl Html {
    /// An empty document with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Html {
        Html {
            out: String::with_capacity(n),
        }
    }

    /// Markup, written as is.
    pub fn markup(&mut self, m: &'static str) -> &mut Html {
        self.out.push_str(m);
        self
    }

    /// A value, escaped for element content and quoted attribute values.
    pub fn text(&mut self, t: &str) -> &mut Html {
        escape_into(&mut self.out, t);
        self
    }

    /// A number.
    pub fn num(&mut self, n: i64) -> &mut Html {
        self.out.push_str(&n.to_string());
        self
    }

    /// A link target from a feed, for a quoted `href`: escaped, and only when it is an
    /// `http(s)` or `mailto` URL (items are stored with such links only; this also holds
    /// for rows written by older versions). Anything else becomes `#`.
    pub fn href(&mut self, url: &str) -> &mut Html {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("http" | "https" | "mailto") => self.text(url),
            _ => self.markup("#"),
        }
    }

    /// HTML that was sanitized when it was stored (`clean::html`: ammonia with an allow
    /// list of elements, attributes and URL schemes), written as is.
    pub fn sanitized(&mut self, html: &str) -> &mut Html {
        self.out.push_str(html);
        self
    }

    /// The document.
    pub fn finish(self) -> String {
        self.out
    }
}

/// A topic as listed on the page.
#[derive(Debug, Clone)]
pub struct TopicLink {
    /// Slug.
    pub slug: String,
    /// Arabic name.
    pub name: String,
    /// Items tagged.
    pub count: i64,
}

/// A source as listed on the page. Its fetch errors are not here: they are for admins
/// ([`AdminPage`]), not readers.
#[derive(Debug, Clone)]
pub struct SourceLink {
    /// Slug.
    pub id: String,
    /// Name.
    pub name: String,
    /// Items stored.
    pub count: i64,
}

/// Which list a page shows; it decides the page's own path, its feeds and its search form.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum View<'a> {
    /// Every item: `/`, feeds `/feeds/all.*`.
    Home,
    /// One topic: `/topics/{slug}`, feeds `/feeds/{slug}.*`.
    Topic(&'a str),
    /// One source: `/sources/{id}`, feeds `/sources/{id}.*`.
    Source(&'a str),
}

/// Everything a list page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// The path of `base_url` ("" or "/marsad"): every link on the page starts with it.
    pub base: &'a str,
    /// Heading.
    pub heading: String,
    /// Which list this is.
    pub view: View<'a>,
    /// The search as typed, if any.
    pub query: Option<&'a str>,
    /// Items the search found in all (not only on this page), when searching.
    pub found: Option<i64>,
    /// Topics.
    pub topics: &'a [TopicLink],
    /// Sources.
    pub sources: &'a [SourceLink],
    /// This page's items (each story once), newest first.
    pub items: &'a [StoredItem],
    /// Query string (without `?`) of the next, older page, when there is one.
    pub older: Option<String>,
    /// Whether this is a later page (so a link back to the newest is shown).
    pub paged: bool,
    /// Query string (without `?`) of this page without its paging cursor: the newest page
    /// of the same list.
    pub newest_query: Option<String>,
    /// Query string (without `?`) the feed links keep: the search and filters of this page.
    pub feed_query: Option<String>,
    /// The time relative dates are counted from.
    pub now: DateTime<Utc>,
}

/// Outline and focus ring, the skip link (off-screen until focused), chips that wrap whole
/// on narrow screens, and `bdi`-friendly inline layout. No external resource: the CSP
/// allows none.
const STYLE: &str = "body{font-family:system-ui,'Noto Naskh Arabic','Noto Sans Arabic','Geeza Pro',Tahoma,sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.7;color:#1b1b1b;background:#fdfdfb}\
a{color:#0b5394}header{border-bottom:2px solid #ddd;margin-bottom:1rem}\
:focus-visible{outline:3px solid #b35c00;outline-offset:2px}\
.skip{position:absolute;inset-inline-start:1rem;top:-10rem;background:#fff;padding:.4rem .8rem;border:2px solid #0b5394;z-index:1}.skip:focus{top:.5rem}\
.chips{display:flex;flex-wrap:wrap;gap:.4rem;padding:0;margin:.5rem 0}\
.chips a{white-space:nowrap;background:#eef3f8;border-radius:1rem;padding:.1rem .7rem;text-decoration:none}\
.chips a[aria-current]{background:#0b5394;color:#fff}\
.item{border-bottom:1px solid #eee;padding:.6rem 0;overflow-wrap:anywhere}.item h3{margin:.2rem 0;font-size:1.1rem}.meta{color:#555;font-size:.85rem}\
.tag{display:inline-block;white-space:nowrap;background:#eef3f8;border-radius:.3rem;padding:0 .4rem;margin-inline-end:.3rem;font-size:.8rem}\
.notice{background:#fff4e5;border:1px solid #f0b46a;padding:.6rem}form{margin:1rem 0}input[type=search]{width:70%;max-width:30rem;padding:.4rem}\
.pages{display:flex;justify-content:space-between;margin:1rem 0}\
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #eee;padding:.2rem .4rem;text-align:start;vertical-align:top}\
.cols{display:flex;gap:2rem;flex-wrap:wrap}.cols section{flex:1 1 15rem}";

/// The document up to `<body>`: language, direction, title, the feed of the page (if any).
/// `feed`: the title and URL of the page's Atom feed.
fn open(h: &mut Html, title: &str, feed: Option<(&str, &str)>) {
    h.markup("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.markup("<title>").text(title).markup(" — مرصد</title>\n");
    if let Some((feed_title, href)) = feed {
        h.markup("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"")
            .text(feed_title)
            .markup("\" href=\"");
        h.text(href).markup("\">\n");
    }
    h.markup("<style>").markup(STYLE).markup(
        "</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">تخطَّ إلى المحتوى</a>\n",
    );
}

/// The header: heading and the topic chips, the current one marked.
fn header(
    h: &mut Html,
    base: &str,
    heading: &str,
    topics: &[TopicLink],
    current: Option<View<'_>>,
) {
    h.markup("<header>\n<h1>")
        .text(heading)
        .markup("</h1>\n<nav class=\"chips\" aria-label=\"المواضيع\"><a href=\"")
        .text(base)
        .markup("/\"");
    if current == Some(View::Home) {
        h.markup(" aria-current=\"page\"");
    }
    h.markup(">الرئيسية</a>");
    for t in topics {
        h.markup("<a href=\"")
            .text(base)
            .markup("/topics/")
            .text(&t.slug)
            .markup("\"");
        if current == Some(View::Topic(&t.slug)) {
            h.markup(" aria-current=\"page\"");
        }
        h.markup("><bdi>")
            .text(&t.name)
            .markup("</bdi> (")
            .text(&arabic_digits(t.count))
            .markup(")</a>");
    }
    h.markup("</nav>\n");
}

/// `<time>` with the exact instant in `datetime` and `title`, and how long ago as its text.
fn time(h: &mut Html, t: DateTime<Utc>, now: DateTime<Utc>) {
    let exact = crate::publish::rfc3339(t);
    h.markup("<time datetime=\"")
        .text(&exact)
        .markup("\" title=\"")
        .text(&exact)
        .markup("\">")
        .text(&relative(t, now))
        .markup("</time>");
}

/// The date an item is placed at, and shown with: its publication date, except that a
/// date in the future counts as the time the item was fetched, and an undated item as the
/// time it was first seen (the store's `sort_ts`).
pub fn placed_at(item: &StoredItem) -> DateTime<Utc> {
    DateTime::from_timestamp(item.sort_ts, 0).unwrap_or(item.fetched_at)
}

/// Renders a list page (home, topic, source; with or without a search).
pub fn page(p: &Page<'_>) -> String {
    let base = p.base;
    let mut h = Html::with_capacity(16 * 1024);
    // This page's path and its feeds' path (without the extension).
    let self_path = |h: &mut Html| {
        match p.view {
            View::Home => h.text(base).markup("/"),
            View::Topic(t) => h.text(base).markup("/topics/").text(t),
            View::Source(s) => h.text(base).markup("/sources/").text(s),
        };
    };
    let feed = |ext: &str| {
        let path = match p.view {
            View::Home => format!("{base}/feeds/all{ext}"),
            View::Topic(t) => format!("{base}/feeds/{t}{ext}"),
            View::Source(s) => format!("{base}/sources/{s}{ext}"),
        };
        match &p.feed_query {
            Some(qs) => format!("{path}?{qs}"),
            None => path,
        }
    };
    let title = match p.query {
        Some(q) => format!("{} — بحث: {q}", p.heading),
        None => p.heading.clone(),
    };
    open(&mut h, &title, Some((&title, &feed(".atom"))));
    header(&mut h, base, &p.heading, p.topics, Some(p.view));
    h.markup("<p>الخلاصات: <a href=\"")
        .text(&feed(".atom"))
        .markup("\">Atom</a> · <a href=\"")
        .text(&feed(".rss"))
        .markup("\">RSS</a> · <a href=\"")
        .text(&feed(".json"))
        .markup("\">JSON</a> · <a href=\"")
        .text(base)
        .markup("/opml\">OPML</a></p>\n</header>\n");
    h.markup("<form action=\"");
    self_path(&mut h);
    h.markup("\" method=\"get\" role=\"search\"><input type=\"search\" name=\"q\" value=\"")
        .text(p.query.unwrap_or(""))
        .markup("\" placeholder=\"ابحث في الأخبار…\" aria-label=\"بحث\"> <button type=\"submit\">بحث</button></form>\n");
    h.markup("<main id=\"main\" tabindex=\"-1\">\n");
    match (p.query, p.found) {
        (Some(q), Some(found)) => {
            h.markup("<h2>البحث عن «<bdi>")
                .text(q)
                .markup("</bdi>»</h2>\n<p role=\"status\">");
            if found == 0 {
                h.markup("لا نتائج لهذا البحث. جرّب كلمات أقل أو أعمّ.");
            } else {
                h.markup("النتائج: ")
                    .text(&count(found, &RESULTS))
                    .markup(".");
            }
            h.markup("</p>\n");
        }
        _ => {
            h.markup("<h2>آخر الأخبار</h2>\n");
            if p.items.is_empty() {
                h.markup(if p.paged {
                    "<p>لا أخبار أقدم.</p>\n"
                } else {
                    "<p>لا توجد أخبار بعد.</p>\n"
                });
            }
        }
    }
    for it in p.items {
        item(&mut h, base, it, p.topics, p.now);
    }
    if p.paged || p.older.is_some() {
        h.markup("<nav class=\"pages\" aria-label=\"الصفحات\">");
        if p.paged {
            h.markup("<a href=\"");
            self_path(&mut h);
            if let Some(qs) = &p.newest_query {
                h.markup("?").text(qs);
            }
            h.markup("\">→ الأحدث</a>");
        } else {
            h.markup("<span></span>");
        }
        if let Some(older) = &p.older {
            h.markup("<a rel=\"next\" href=\"");
            self_path(&mut h);
            h.markup("?").text(older).markup("\">أقدم ←</a>");
        }
        h.markup("</nav>\n");
    }
    h.markup("</main>\n<div class=\"cols\">\n<section><h2>المواضيع</h2><ul>\n");
    for t in p.topics {
        h.markup("<li><a href=\"")
            .text(base)
            .markup("/topics/")
            .text(&t.slug)
            .markup("\"><bdi>")
            .text(&t.name)
            .markup("</bdi></a> (")
            .text(&arabic_digits(t.count))
            .markup(") — ");
        for (i, ext) in [".atom", ".rss", ".json"].into_iter().enumerate() {
            if i > 0 {
                h.markup(" · ");
            }
            h.markup("<a href=\"")
                .text(base)
                .markup("/feeds/")
                .text(&t.slug)
                .markup(ext)
                .markup("\">")
                .markup(["Atom", "RSS", "JSON"][i])
                .markup("</a>");
        }
        h.markup("</li>\n");
    }
    h.markup("</ul></section>\n<section><h2>المصادر</h2><ul>\n");
    for s in p.sources {
        h.markup("<li><a href=\"")
            .text(base)
            .markup("/sources/")
            .text(&s.id)
            .markup("\"><bdi>")
            .text(&s.name)
            .markup("</bdi></a> (")
            .text(&arabic_digits(s.count))
            .markup(") — <a href=\"")
            .text(base)
            .markup("/sources/")
            .text(&s.id)
            .markup(".atom\">Atom</a></li>\n");
    }
    h.markup("</ul><p><a href=\"")
        .text(base)
        .markup("/sources.opml\">OPML</a></p></section>\n</div>\n</body>\n</html>\n");
    h.finish()
}

/// One item of a list: title, source, date, topic chips (each linking to why the item
/// has it), summary, the other sources of its story.
fn item(h: &mut Html, base: &str, it: &StoredItem, topics: &[TopicLink], now: DateTime<Utc>) {
    h.markup("<article class=\"item\" dir=\"")
        .text(&it.dir)
        .markup("\" lang=\"")
        .text(&it.language)
        .markup("\">\n");
    let title = crate::publish::item_title(it);
    match &it.url {
        Some(u) => h
            .markup("<h3><a href=\"")
            .href(u)
            .markup("\">")
            .text(&title)
            .markup("</a></h3>\n"),
        None => h.markup("<h3>").text(&title).markup("</h3>\n"),
    };
    h.markup("<div class=\"meta\"><a href=\"")
        .text(base)
        .markup("/sources/")
        .text(&it.source_id)
        .markup("\"><bdi>")
        .text(&it.source_name)
        .markup("</bdi></a> · ");
    time(h, placed_at(it), now);
    for t in &it.topics {
        h.markup(" <a class=\"tag\" href=\"")
            .text(base)
            .markup("/items/")
            .num(it.id)
            .markup("#why-")
            .text(&t.slug)
            .markup("\" title=\"لماذا هذا الموضوع؟\"><bdi>")
            .text(topic_name(topics, &t.slug))
            .markup("</bdi></a>");
    }
    h.markup("</div>\n");
    if !it.summary.is_empty() {
        h.markup("<p>").text(&it.summary).markup("</p>\n");
    }
    if !it.also.is_empty() {
        h.markup("<p class=\"meta\">نشرته أيضًا: ");
        for (i, a) in it.also.iter().enumerate() {
            if i > 0 {
                h.markup("، ");
            }
            match &a.url {
                Some(u) => h
                    .markup("<a href=\"")
                    .href(u)
                    .markup("\"><bdi>")
                    .text(&a.source_name)
                    .markup("</bdi></a>"),
                None => h.markup("<bdi>").text(&a.source_name).markup("</bdi>"),
            };
        }
        h.markup("</p>\n");
    }
    h.markup("</article>\n");
}

/// The topic's Arabic name where the config still has it; its slug otherwise.
fn topic_name<'a>(topics: &'a [TopicLink], slug: &'a str) -> &'a str {
    topics
        .iter()
        .find(|x| x.slug == slug)
        .map_or(slug, |x| x.name.as_str())
}

/// Why an item has (or lacks) one topic: the tagger's evaluation, as `marsad explain`
/// prints it.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// Topic slug.
    pub slug: String,
    /// Whether the item has the topic.
    pub tagged: bool,
    /// Score reached.
    pub score: f64,
    /// Score the topic needs; `None` for a composite topic, which is decided from other
    /// topics' tags (its matches are theirs).
    pub min_score: Option<f64>,
    /// The exclude term that vetoed the topic, if any.
    pub vetoed_by: Option<String>,
    /// Matches, counted and suppressed.
    pub matches: Vec<crate::model::TagMatch>,
}

/// An item with the explanation of its topics (`/items/{id}`).
#[derive(Debug, Clone)]
pub struct ItemPage<'a> {
    /// Path of `base_url`.
    pub base: &'a str,
    /// The item.
    pub item: &'a StoredItem,
    /// Topics (names, chips).
    pub topics: &'a [TopicLink],
    /// One per topic with a match or a tag, in config order.
    pub explanations: &'a [Explanation],
    /// The time relative dates are counted from.
    pub now: DateTime<Utc>,
}

/// A score as Arabic readers write decimals: "٤٫٥", "٣".
fn score(x: f64) -> String {
    let s = format!("{}", (x * 100.0).round() / 100.0);
    s.chars()
        .map(|c| match c {
            '.' => '٫',
            c => c
                .to_digit(10)
                .and_then(|d| char::from_u32(0x0660 + d))
                .unwrap_or(c),
        })
        .collect()
}

/// The item page: the item, then for each topic why it was or was not tagged.
pub fn item_page(p: &ItemPage<'_>) -> String {
    let it = p.item;
    let base = p.base;
    let title = crate::publish::item_title(it);
    let mut h = Html::with_capacity(8 * 1024);
    open(&mut h, &title, None);
    header(
        &mut h,
        base,
        "لماذا وُسم هذا الخبر بمواضيعه؟",
        p.topics,
        None,
    );
    h.markup("</header>\n<main id=\"main\" tabindex=\"-1\">\n");
    item(&mut h, base, it, p.topics, p.now);
    if p.explanations.is_empty() {
        h.markup("<p>لم تطابق قواعد أي موضوع شيئًا في هذا الخبر.</p>\n");
    }
    for e in p.explanations {
        h.markup("<section id=\"why-")
            .text(&e.slug)
            .markup("\">\n<h2><a href=\"")
            .text(base)
            .markup("/topics/")
            .text(&e.slug)
            .markup("\"><bdi>")
            .text(topic_name(p.topics, &e.slug))
            .markup("</bdi></a>: ");
        match (&e.vetoed_by, e.tagged) {
            (Some(_), _) => h.markup("غير موسوم (استبعدته كلمة)"),
            (None, true) => h.markup("موسوم"),
            (None, false) => h.markup("غير موسوم"),
        };
        match e.min_score {
            Some(min) => h
                .markup("</h2>\n<p>النقاط: ")
                .text(&score(e.score))
                .markup("، والحد الأدنى للوسم: ")
                .text(&score(min)),
            None => h.markup("</h2>\n<p>موضوع مركّب: يُقرَّر من وسوم مواضيع أخرى، وهذه مطابقاتها"),
        };
        if let Some(v) = &e.vetoed_by {
            h.markup("؛ كلمة الاستبعاد «<bdi>")
                .text(v)
                .markup("</bdi>» موجودة في الخبر");
        }
        h.markup(".</p>\n");
        if !e.matches.is_empty() {
            h.markup("<table>\n<thead><tr><th scope=\"col\">الكلمة في القاعدة</th><th scope=\"col\">ما وُجد</th><th scope=\"col\">الموضع</th><th scope=\"col\">النقاط</th></tr></thead>\n<tbody>\n");
            for m in &e.matches {
                h.markup("<tr><td><bdi>")
                    .text(&m.term)
                    .markup("</bdi></td><td><bdi>")
                    .text(&m.found)
                    .markup("</bdi></td><td>")
                    .markup(match m.field {
                        crate::model::Field::Title => "العنوان",
                        crate::model::Field::Text => "النص",
                    })
                    .markup("، الكلمة ")
                    .text(&arabic_digits(m.position as i64 + 1))
                    .markup("</td><td>")
                    .text(&score(m.points));
                if let Some(s) = &m.suppressed {
                    h.markup(" (لم تُحسب: ")
                        .text(&suppressed_reason(s))
                        .markup(")");
                }
                h.markup("</td></tr>\n");
            }
            h.markup("</tbody>\n</table>\n");
        }
        h.markup("</section>\n");
    }
    h.markup("</main>\n</body>\n</html>\n");
    h.finish()
}

/// The tagger's reason a match did not count, in Arabic. The tagger gives it as an English
/// sentence ("context word within 8 words"); the two forms it writes are translated, and
/// anything else is shown as written.
fn suppressed_reason(s: &str) -> String {
    let words = |rest: &str| rest.strip_suffix(" words")?.parse::<i64>().ok();
    if let Some(n) = s.strip_prefix("no context word within ").and_then(words) {
        format!("لا كلمة سياق في حدود {}", count(n, &WORDS))
    } else if let Some(n) = s.strip_prefix("context word within ").and_then(words) {
        format!("كلمة سياق في حدود {}", count(n, &WORDS))
    } else {
        s.to_string()
    }
}

/// Words, after "في حدود".
const WORDS: crate::publish::dates::Noun = crate::publish::dates::Noun {
    one: "كلمة",
    two: "كلمتين",
    few: "كلمات",
    many: "كلمة",
    other: "كلمة",
};

/// A source's fetch state as the admin view lists it.
#[derive(Debug, Clone)]
pub struct AdminSource {
    /// Slug.
    pub id: String,
    /// Name.
    pub name: String,
    /// Last error, if the last fetch failed.
    pub error: Option<String>,
    /// Failures in a row.
    pub consecutive_failures: i64,
    /// Last successful fetch.
    pub last_success: Option<DateTime<Utc>>,
}

/// The admin view: what readers are not shown.
#[derive(Debug, Clone)]
pub struct AdminPage<'a> {
    /// Path of `base_url`.
    pub base: &'a str,
    /// The last failed config reload, if any (`file:line:col: message`).
    pub config_error: Option<&'a str>,
    /// Database writes that keep failing: (what, error).
    pub write_errors: &'a [(String, String)],
    /// Every source in force.
    pub sources: &'a [AdminSource],
    /// The time relative dates are counted from.
    pub now: DateTime<Utc>,
}

/// Renders the admin view.
pub fn admin_page(p: &AdminPage<'_>) -> String {
    let mut h = Html::with_capacity(8 * 1024);
    open(&mut h, "الإدارة", None);
    h.markup("<header>\n<h1>مرصد: الإدارة</h1>\n<nav class=\"chips\" aria-label=\"الموقع\"><a href=\"")
        .text(p.base)
        .markup("/\">الرئيسية</a></nav>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n<h2>الإعدادات</h2>\n");
    match p.config_error {
        Some(e) => h
            .markup("<p>فشلت آخر إعادة تحميل للإعدادات؛ ما زالت الإعدادات السابقة سارية:</p>\n<pre class=\"notice\" dir=\"ltr\" lang=\"en\">")
            .text(e)
            .markup("</pre>\n"),
        None => h.markup("<p>الإعدادات سليمة.</p>\n"),
    };
    h.markup("<h2>قاعدة البيانات</h2>\n");
    if p.write_errors.is_empty() {
        h.markup("<p>الكتابة تعمل.</p>\n");
    }
    for (what, e) in p.write_errors {
        h.markup("<p class=\"notice\" dir=\"ltr\" lang=\"en\">")
            .text(what)
            .markup(": ")
            .text(e)
            .markup("</p>\n");
    }
    h.markup("<h2>المصادر</h2>\n<table>\n<thead><tr><th scope=\"col\">المصدر</th><th scope=\"col\">آخر جلب ناجح</th><th scope=\"col\">إخفاقات متتالية</th><th scope=\"col\">آخر خطأ</th></tr></thead>\n<tbody>\n");
    for s in p.sources {
        h.markup("<tr><td><a href=\"")
            .text(p.base)
            .markup("/sources/")
            .text(&s.id)
            .markup("\"><bdi>")
            .text(&s.name)
            .markup("</bdi></a></td><td>");
        match s.last_success {
            Some(t) => time(&mut h, t, p.now),
            None => {
                h.markup("لم ينجح بعد");
            }
        }
        h.markup("</td><td>")
            .text(&arabic_digits(s.consecutive_failures))
            .markup("</td><td dir=\"ltr\" lang=\"en\">")
            .text(s.error.as_deref().unwrap_or(""))
            .markup("</td></tr>\n");
    }
    h.markup("</tbody>\n</table>\n</main>\n</body>\n</html>\n");
    h.finish()
}

/// An error as a page: an Arabic heading and explanation, and the technical message as the
/// server wrote it (English, left-to-right) for a report.
pub fn error_page(base: &str, heading: &'static str, explanation: &str, detail: &str) -> String {
    let mut h = Html::with_capacity(2048);
    open(&mut h, heading, None);
    h.markup("<header>\n<h1>")
        .markup(heading)
        .markup("</h1>\n<nav class=\"chips\" aria-label=\"الموقع\"><a href=\"")
        .text(base)
        .markup("/\">الرئيسية</a></nav>\n</header>\n<main id=\"main\" tabindex=\"-1\">\n<p>")
        .text(explanation)
        .markup("</p>\n<p class=\"meta\" dir=\"ltr\" lang=\"en\"><code>")
        .text(detail)
        .markup("</code></p>\n</main>\n</body>\n</html>\n");
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_taggers_reasons_are_translated_and_unknown_ones_kept() {
        assert_eq!(
            suppressed_reason("context word within 8 words"),
            "كلمة سياق في حدود ٨ كلمات"
        );
        assert_eq!(
            suppressed_reason("no context word within 12 words"),
            "لا كلمة سياق في حدود ١٢ كلمة"
        );
        assert_eq!(
            suppressed_reason("no context word within 1 words"),
            "لا كلمة سياق في حدود كلمة"
        );
        assert_eq!(suppressed_reason("vetoed"), "vetoed");
    }

    #[test]
    fn scores_are_written_with_arabic_digits_and_decimal_separator() {
        assert_eq!(score(3.0), "٣");
        assert_eq!(score(4.5), "٤٫٥");
        assert_eq!(score(0.333), "٠٫٣٣");
    }

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>\"x\" & 'y'"),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;"
        );
    }

    #[test]
    fn the_writer_escapes_values_and_keeps_only_web_links() {
        let mut h = Html::default();
        h.markup("<a href=\"")
            .href("javascript:alert(1)")
            .markup("\">")
            .text("<b>")
            .markup("</a><a href=\"")
            .href("https://x.test/?a=1&b=\"2\"")
            .markup("\">")
            .num(-3)
            .markup("</a>")
            .href(" JavaScript:x")
            .href("MAILTO:a@b.test")
            .href("data:text/html,x")
            .sanitized("<p>ok</p>");
        assert_eq!(
            h.finish(),
            "<a href=\"#\">&lt;b&gt;</a><a href=\"https://x.test/?a=1&amp;b=&quot;2&quot;\">-3</a>#MAILTO:a@b.test#<p>ok</p>"
        );
    }
}
