//! Feed discovery: the feeds a web page announces with `<link rel="alternate" type="…">`
//! (the convention browsers and feed readers follow), for `marsad sources add` given a
//! site's address instead of its feed's.
//!
//! The page is read with lol_html, an HTML tokenizer (already used by `clean`), rather than
//! searched as text: attributes in any order or quoting, comments and scripts that merely
//! contain `<link` are all handled as a browser would.

use dom_query::Document;
use encoding_rs::Encoding;
use url::Url;

/// One feed a page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// The feed's absolute URL.
    pub url: Url,
    /// "RSS", "Atom" or "JSON Feed".
    pub kind: &'static str,
    /// The link's `title`, character references decoded by the HTML parser.
    pub title: Option<String>,
}

/// The kind of feed a `type` announces. `application/json` is left out: WordPress marks its
/// REST API documents `rel="alternate" type="application/json"`, and they are not feeds.
fn kind(mime: &str) -> Option<&'static str> {
    match mime.trim().to_ascii_lowercase().as_str() {
        "application/rss+xml" | "application/rdf+xml" => Some("RSS"),
        "application/atom+xml" => Some("Atom"),
        "application/feed+json" => Some("JSON Feed"),
        _ => None,
    }
}

/// The feeds `body` (a page fetched from `page`) links to, in page order, each URL once.
/// Relative links are resolved against the page's `<base href>` or its own URL; links that
/// do not resolve to http(s) are left out.
pub fn feed_links(
    body: &[u8],
    content_type: Option<&str>,
    encoding: Option<&'static Encoding>,
    page: &Url,
) -> Vec<FeedLink> {
    let text = super::charset::decode(body, content_type, encoding).text;
    let doc = Document::from(text.as_ref());
    let base = doc
        .select("base[href]")
        .nodes()
        .first()
        .and_then(|b| b.attr("href"));
    let mut found: Vec<(String, &'static str, Option<String>)> = Vec::new();
    for link in doc.select("link[rel][href][type]").nodes() {
        let rel = link.attr_or("rel", "");
        let alternate = rel
            .split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case("alternate"));
        let kind = kind(&link.attr_or("type", ""));
        if let (true, Some(kind), Some(href)) = (alternate, kind, link.attr("href")) {
            let title = link
                .attr("title")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty());
            found.push((href.to_string(), kind, title));
        }
    }
    let base = base
        .and_then(|b| page.join(b.trim()).ok())
        .unwrap_or_else(|| page.clone());
    let mut out: Vec<FeedLink> = Vec::new();
    for (href, kind, title) in found {
        let Ok(url) = base.join(href.trim()) else {
            continue;
        };
        if matches!(url.scheme(), "http" | "https") && !out.iter().any(|l| l.url == url) {
            out.push(FeedLink { url, kind, title });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(html: &str, page: &str) -> Vec<(String, &'static str, Option<String>)> {
        feed_links(
            html.as_bytes(),
            Some("text/html"),
            None,
            &Url::parse(page).unwrap(),
        )
        .into_iter()
        .map(|l| (l.url.to_string(), l.kind, l.title))
        .collect()
    }

    #[test]
    fn a_wordpress_head_gives_its_feeds_and_not_its_rest_api() {
        // The <head> links a WordPress 6 site prints (abridged), Arabic titles included.
        let html = r#"<!DOCTYPE html><html dir="rtl" lang="ar"><head>
<meta charset="UTF-8">
<link rel='dns-prefetch' href='//fonts.googleapis.com' />
<link rel="alternate" type="application/rss+xml" title="بوابة الوسط &raquo; الخلاصة" href="https://alwasat.ly/feed" />
<link rel="alternate" type="application/rss+xml" title="بوابة الوسط &raquo; خلاصة التعليقات" href="https://alwasat.ly/comments/feed?a=1&amp;b=2" />
<link rel="https://api.w.org/" href="https://alwasat.ly/wp-json/" />
<link rel="alternate" title="JSON" type="application/json" href="https://alwasat.ly/wp-json/wp/v2/pages/2" />
<link rel="alternate" type="application/json+oembed" href="https://alwasat.ly/wp-json/oembed/1.0/embed?url=x" />
<!-- <link rel="alternate" type="application/rss+xml" href="/commented-out"> -->
<script>document.write('<link rel="alternate" type="application/rss+xml" href="/scripted">')</script>
</head><body></body></html>"#;
        assert_eq!(
            links(html, "https://alwasat.ly/"),
            vec![
                (
                    "https://alwasat.ly/feed".to_string(),
                    "RSS",
                    Some("بوابة الوسط » الخلاصة".to_string())
                ),
                (
                    "https://alwasat.ly/comments/feed?a=1&b=2".to_string(),
                    "RSS",
                    Some("بوابة الوسط » خلاصة التعليقات".to_string())
                ),
            ]
        );
    }

    #[test]
    fn relative_links_resolve_against_base_or_the_page() {
        let html = r#"<html><head><LINK REL="Alternate feed" TYPE="Application/Atom+XML" HREF="atom.xml"><link rel=alternate type=application/feed+json href=/feed.json><link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"><link rel="alternate" type="application/atom+xml" href="atom.xml"></head></html>"#;
        assert_eq!(
            links(html, "http://site.test/news/index.html"),
            vec![
                ("http://site.test/news/atom.xml".to_string(), "Atom", None),
                ("http://site.test/feed.json".to_string(), "JSON Feed", None),
            ]
        );
        let with_base = r#"<head><base href="https://cdn.test/x/"><link rel="alternate" type="application/rss+xml" href="rss"></head>"#;
        assert_eq!(
            links(with_base, "http://site.test/"),
            vec![("https://cdn.test/x/rss".to_string(), "RSS", None)]
        );
        assert_eq!(links("<p>no head at all</p>", "http://site.test/"), vec![]);
    }
}
