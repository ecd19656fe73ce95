//! OPML 2.0: the one writer, for the topic feeds and the sources, used by the server
//! (`/opml`, `/sources.opml`) and by `marsad sources export-opml`.

use super::html::Html;
use super::xml_safe;

/// One outline of an OPML document.
#[derive(Debug, Clone)]
pub struct Outline {
    /// Title.
    pub title: String,
    /// Feed URL.
    pub xml_url: String,
    /// Page URL.
    pub html_url: String,
}

/// OPML 2.0 listing feeds (XML escaping is HTML's for these five characters).
pub fn opml(title: &str, outlines: &[Outline]) -> String {
    let mut x = Html::with_capacity(256 + outlines.len() * 160);
    x.markup("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>")
        .text(&xml_safe(title))
        .markup("</title></head>\n<body>\n");
    for o in outlines {
        let t = xml_safe(&o.title);
        x.markup("<outline type=\"rss\" text=\"")
            .text(&t)
            .markup("\" title=\"")
            .text(&t)
            .markup("\" xmlUrl=\"")
            .text(&xml_safe(&o.xml_url))
            .markup("\" htmlUrl=\"")
            .text(&xml_safe(&o.html_url))
            .markup("\"/>\n");
    }
    x.markup("</body>\n</opml>\n");
    x.finish()
}

impl Outline {
    /// A feed's outline, its page the feed's site (scheme, host and port).
    pub fn for_feed(title: &str, url: &url::Url) -> Outline {
        Outline {
            title: title.to_string(),
            xml_url: url.to_string(),
            html_url: url.origin().ascii_serialization(),
        }
    }
}

/// OPML of feeds given as (title, URL): the sources list.
pub fn feeds<'a>(title: &str, feeds: impl IntoIterator<Item = (&'a str, &'a url::Url)>) -> String {
    let outlines: Vec<Outline> = feeds
        .into_iter()
        .map(|(name, url)| Outline::for_feed(name, url))
        .collect();
    opml(title, &outlines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_outline_links_the_feeds_site_and_escapes_both() {
        let url = url::Url::parse("http://127.0.0.1:8080/f?a=1&b=2").unwrap();
        assert_eq!(
            feeds("S", [("A & B", &url)]),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>S</title></head>\n<body>\n<outline type=\"rss\" text=\"A &amp; B\" title=\"A &amp; B\" xmlUrl=\"http://127.0.0.1:8080/f?a=1&amp;b=2\" htmlUrl=\"http://127.0.0.1:8080\"/>\n</body>\n</opml>\n"
        );
    }
}
