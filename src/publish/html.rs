//! The HTML page: Arabic, right-to-left, system fonts, no JavaScript.
//!
//! Every value from a feed or a request goes through [`escape`] before it is written; item
//! bodies are not shown here (only titles, sources and summaries), so no fetched markup
//! reaches the page.

use crate::model::StoredItem;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
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
    out
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
    let mut h = String::with_capacity(16 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"ar\" dir=\"rtl\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{} — مرصد</title>\n", escape(&p.heading)));
    let feed_base = match p.topic {
        Some(t) => format!("/feeds/{}", escape(t)),
        None => "/feeds/all".to_string(),
    };
    h.push_str(&format!(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{}\" href=\"{feed_base}.atom\">\n",
        escape(&p.heading)
    ));
    h.push_str(&format!(
        "<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        escape(&p.heading)
    ));
    h.push_str("<nav><a href=\"/\">الرئيسية</a>");
    for t in p.topics {
        h.push_str(&format!(
            "<a href=\"/topics/{s}\">{n} ({c})</a>",
            s = escape(&t.slug),
            n = escape(&t.name),
            c = t.count
        ));
    }
    h.push_str("</nav>\n");
    h.push_str(&format!(
        "<p>الخلاصات: <a href=\"{feed_base}.atom\">Atom</a> · <a href=\"{feed_base}.rss\">RSS</a> · <a href=\"{feed_base}.json\">JSON</a> · <a href=\"/opml\">OPML</a></p>\n"
    ));
    h.push_str("</header>\n");
    if let Some(n) = p.notice {
        h.push_str(&format!(
            "<p class=\"notice\" dir=\"ltr\">{}</p>\n",
            escape(n)
        ));
    }
    let action = match p.topic {
        Some(t) => format!("/topics/{}", escape(t)),
        None => "/".into(),
    };
    h.push_str(&format!(
        "<form action=\"{action}\" method=\"get\" role=\"search\"><input type=\"search\" name=\"q\" value=\"{}\" placeholder=\"ابحث في الأخبار…\" aria-label=\"بحث\"> <button type=\"submit\">بحث</button></form>\n",
        escape(p.query.unwrap_or(""))
    ));
    h.push_str("<main>\n<h2>آخر الأخبار</h2>\n");
    if p.items.is_empty() {
        h.push_str("<p>لا توجد أخبار بعد.</p>\n");
    }
    for it in p.items {
        h.push_str(&format!(
            "<article class=\"item\" dir=\"{}\" lang=\"{}\">\n",
            escape(&it.dir),
            escape(&it.language)
        ));
        let title = escape(&crate::publish::item_title(it));
        match &it.url {
            Some(u) => h.push_str(&format!("<h3><a href=\"{}\">{title}</a></h3>\n", escape(u))),
            None => h.push_str(&format!("<h3>{title}</h3>\n")),
        }
        h.push_str(&format!(
            "<div class=\"meta\"><a href=\"/sources/{}.atom\">{}</a> · <time dir=\"ltr\" datetime=\"{d}\">{shown}</time>",
            escape(&it.source_id),
            escape(&it.source_name),
            d = crate::publish::rfc3339(it.date()),
            shown = it.date().format("%Y-%m-%d %H:%M UTC")
        ));
        for t in &it.topics {
            // The topic's Arabic name where the config still has it; its slug otherwise.
            let name = p
                .topics
                .iter()
                .find(|x| x.slug == t.slug)
                .map_or(t.slug.as_str(), |x| x.name.as_str());
            h.push_str(&format!(
                " <a class=\"tag\" href=\"/topics/{s}\">{n}</a>",
                s = escape(&t.slug),
                n = escape(name)
            ));
        }
        h.push_str("</div>\n");
        if !it.summary.is_empty() {
            h.push_str(&format!("<p>{}</p>\n", escape(&it.summary)));
        }
        if !it.also.is_empty() {
            h.push_str("<p class=\"meta\">نشرته أيضًا: ");
            let links: Vec<String> = it
                .also
                .iter()
                .map(|a| match &a.url {
                    Some(u) => format!("<a href=\"{}\">{}</a>", escape(u), escape(&a.source_name)),
                    None => escape(&a.source_name),
                })
                .collect();
            h.push_str(&links.join("، "));
            h.push_str("</p>\n");
        }
        h.push_str("</article>\n");
    }
    h.push_str("</main>\n<div class=\"cols\">\n<section><h2>المواضيع</h2><ul>\n");
    for t in p.topics {
        h.push_str(&format!(
            "<li><a href=\"/topics/{s}\">{n}</a> ({c}) — <a href=\"/feeds/{s}.atom\">Atom</a> · <a href=\"/feeds/{s}.rss\">RSS</a> · <a href=\"/feeds/{s}.json\">JSON</a></li>\n",
            s = escape(&t.slug),
            n = escape(&t.name),
            c = t.count
        ));
    }
    h.push_str("</ul></section>\n<section><h2>المصادر</h2><ul>\n");
    for s in p.sources {
        h.push_str(&format!(
            "<li><a href=\"/sources/{id}.atom\">{n}</a> ({c})",
            id = escape(&s.id),
            n = escape(&s.name),
            c = s.count
        ));
        if let Some(e) = &s.error {
            h.push_str(&format!(
                " <span class=\"meta\" dir=\"ltr\">⚠ {}</span>",
                escape(e)
            ));
        }
        h.push_str("</li>\n");
    }
    h.push_str(
        "</ul><p><a href=\"/sources.opml\">OPML</a></p></section>\n</div>\n</body>\n</html>\n",
    );
    h
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
}
