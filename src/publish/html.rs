//! The HTML page: Arabic, right-to-left, system fonts, no JavaScript.
//!
//! Every value from a feed or a request goes through [`escape`] before it is written; item
//! bodies are not shown here (only titles, sources and summaries), so no fetched markup
//! reaches the page.

use crate::model::StoredItem;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s);
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

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

/// A source as listed on the page.
#[derive(Debug, Clone)]
pub struct SourceLink {
    /// Slug.
    pub id: String,
    /// Name.
    pub name: String,
    /// Items stored.
    pub count: i64,
    /// Last error, if the last fetch failed.
    pub error: Option<String>,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Page<'a> {
    /// Heading.
    pub heading: String,
    /// Topic slug when this is a topic page.
    pub topic: Option<&'a str>,
    /// The search query, if any.
    pub query: Option<&'a str>,
    /// Topics.
    pub topics: &'a [TopicLink],
    /// Sources.
    pub sources: &'a [SourceLink],
    /// Latest items (each story once).
    pub items: &'a [StoredItem],
    /// A config problem to show the admin.
    pub notice: Option<&'a str>,
}

const STYLE: &str = "body{font-family:system-ui,'Noto Naskh Arabic','Noto Sans Arabic','Geeza Pro',Tahoma,sans-serif;max-width:60rem;margin:auto;padding:1rem;line-height:1.7;color:#1b1b1b;background:#fdfdfb}\
a{color:#0b5394}header{border-bottom:2px solid #ddd;margin-bottom:1rem}nav a{margin-inline-end:.8rem}\
.item{border-bottom:1px solid #eee;padding:.6rem 0}.item h3{margin:.2rem 0;font-size:1.1rem}.meta{color:#666;font-size:.85rem}\
.tag{background:#eef3f8;border-radius:.3rem;padding:0 .4rem;margin-inline-end:.3rem;font-size:.8rem}\
.notice{background:#fff4e5;border:1px solid #f0b46a;padding:.6rem}form{margin:1rem 0}input[type=search]{width:70%;padding:.4rem}\
.cols{display:flex;gap:2rem;flex-wrap:wrap}.cols section{flex:1 1 15rem}";

/// Renders the page.
pub fn page(p: &Page<'_>) -> String {
    let mut h = Html::with_capacity(16 * 1024);
    h.markup("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.markup("<title>")
        .text(&p.heading)
        .markup(" — مرصد</title>\n");
    // The feeds of this page: /feeds/all or /feeds/<topic>.
    let feed_base = |h: &mut Html| {
        match p.topic {
            Some(t) => h.markup("/feeds/").text(t),
            None => h.markup("/feeds/all"),
        };
    };
    h.markup("<link rel=\"alternate\" type=\"application/atom+xml\" title=\"")
        .text(&p.heading)
        .markup("\" href=\"");
    feed_base(&mut h);
    h.markup(".atom\">\n");
    h.markup("<style>")
        .markup(STYLE)
        .markup("</style>\n</head>\n<body>\n<header>\n<h1>")
        .text(&p.heading)
        .markup("</h1>\n");
    h.markup("<nav><a href=\"/\">الرئيسية</a>");
    for t in p.topics {
        h.markup("<a href=\"/topics/")
            .text(&t.slug)
            .markup("\">")
            .text(&t.name)
            .markup(" (")
            .num(t.count)
            .markup(")</a>");
    }
    h.markup("</nav>\n");
    h.markup("<p>الخلاصات: <a href=\"");
    feed_base(&mut h);
    h.markup(".atom\">Atom</a> · <a href=\"");
    feed_base(&mut h);
    h.markup(".rss\">RSS</a> · <a href=\"");
    feed_base(&mut h);
    h.markup(".json\">JSON</a> · <a href=\"/opml\">OPML</a></p>\n");
    h.markup("</header>\n");
    if let Some(n) = p.notice {
        h.markup("<p class=\"notice\" dir=\"ltr\">")
            .text(n)
            .markup("</p>\n");
    }
    h.markup("<form action=\"");
    match p.topic {
        Some(t) => h.markup("/topics/").text(t),
        None => h.markup("/"),
    };
    h.markup("\" method=\"get\" role=\"search\"><input type=\"search\" name=\"q\" value=\"")
        .text(p.query.unwrap_or(""))
        .markup("\" placeholder=\"ابحث في الأخبار…\" aria-label=\"بحث\"> <button type=\"submit\">بحث</button></form>\n");
    h.markup("<main>\n<h2>آخر الأخبار</h2>\n");
    if p.items.is_empty() {
        h.markup("<p>لا توجد أخبار بعد.</p>\n");
    }
    for it in p.items {
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
        h.markup("<div class=\"meta\"><a href=\"/sources/")
            .text(&it.source_id)
            .markup(".atom\">")
            .text(&it.source_name)
            .markup("</a> · <time dir=\"ltr\" datetime=\"")
            .text(&crate::publish::rfc3339(it.date()))
            .markup("\">")
            .text(&it.date().format("%Y-%m-%d %H:%M UTC").to_string())
            .markup("</time>");
        for t in &it.topics {
            // The topic's Arabic name where the config still has it; its slug otherwise.
            let name = p
                .topics
                .iter()
                .find(|x| x.slug == t.slug)
                .map_or(t.slug.as_str(), |x| x.name.as_str());
            h.markup(" <a class=\"tag\" href=\"/topics/")
                .text(&t.slug)
                .markup("\">")
                .text(name)
                .markup("</a>");
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
                        .markup("\">")
                        .text(&a.source_name)
                        .markup("</a>"),
                    None => h.text(&a.source_name),
                };
            }
            h.markup("</p>\n");
        }
        h.markup("</article>\n");
    }
    h.markup("</main>\n<div class=\"cols\">\n<section><h2>المواضيع</h2><ul>\n");
    for t in p.topics {
        h.markup("<li><a href=\"/topics/")
            .text(&t.slug)
            .markup("\">")
            .text(&t.name)
            .markup("</a> (")
            .num(t.count)
            .markup(") — <a href=\"/feeds/")
            .text(&t.slug)
            .markup(".atom\">Atom</a> · <a href=\"/feeds/")
            .text(&t.slug)
            .markup(".rss\">RSS</a> · <a href=\"/feeds/")
            .text(&t.slug)
            .markup(".json\">JSON</a></li>\n");
    }
    h.markup("</ul></section>\n<section><h2>المصادر</h2><ul>\n");
    for s in p.sources {
        h.markup("<li><a href=\"/sources/")
            .text(&s.id)
            .markup(".atom\">")
            .text(&s.name)
            .markup("</a> (")
            .num(s.count)
            .markup(")");
        if let Some(e) = &s.error {
            h.markup(" <span class=\"meta\" dir=\"ltr\">⚠ ")
                .text(e)
                .markup("</span>");
        }
        h.markup("</li>\n");
    }
    h.markup(
        "</ul><p><a href=\"/sources.opml\">OPML</a></p></section>\n</div>\n</body>\n</html>\n",
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

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
