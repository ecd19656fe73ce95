//! Pure renderers: stored items → RSS 2.0, Atom 1.0, JSON Feed 1.1, OPML and the HTML page.
//!
//! No I/O and no database: the server passes items and a [`FeedInfo`]. Every string that
//! reaches XML passes [`xml_safe`], so no character invalid in XML 1.0 is ever written.

pub mod dates;
mod feeds;
pub mod html;
pub mod opml;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::model::StoredItem;

pub use feeds::{FeedOf, Format, newest_change};
pub use opml::{Outline, opml};

/// What a feed is, beyond its items.
#[derive(Debug, Clone)]
pub struct FeedInfo {
    /// Stable feed id (e.g. `topic:libya`), used in Atom ids.
    pub id: String,
    /// Title.
    pub title: String,
    /// One-line description.
    pub description: String,
    /// Absolute URL of this feed document, query included (`rel="self"`).
    pub self_url: String,
    /// Absolute URL of the human page for this feed.
    pub html_url: String,
    /// Absolute URL of the next page (RFC 5005), when there is one.
    pub next_url: Option<String>,
    /// The WebSub hub that pushes this feed (`rel="hub"`), when it can be subscribed to.
    pub hub_url: Option<String>,
    /// Newest change.
    pub updated: DateTime<Utc>,
    /// Base URL of the marsad instance.
    pub base_url: String,
}

/// Removes characters that XML 1.0 does not allow (C0 controls except tab, newline and
/// carriage return; U+FFFE; U+FFFF).
pub fn xml_safe(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// The item's HTML as published: wrapped with its direction and language, and the other
/// sources of the same story listed after it. Written with the escaping writer: the body
/// is the sanitized HTML stored at ingest, every other value is escaped.
pub fn item_html(item: &StoredItem) -> String {
    let mut h = html::Html::with_capacity(item.content_html.len() + 256);
    h.markup("<div dir=\"")
        .text(&item.dir)
        .markup("\" lang=\"")
        .text(&item.language)
        .markup("\">")
        .sanitized(&item.content_html);
    if let Some(credit) = &item.source_credit {
        h.markup("<p><small>").text(credit).markup("</small></p>");
    }
    if !item.also.is_empty() {
        h.markup("<p>نشرته أيضًا:</p><ul>");
        for a in &item.also {
            h.markup("<li>");
            if let Some(u) = &a.url {
                h.markup("<a href=\"")
                    .href(u)
                    .markup("\">")
                    .text(&a.source_name)
                    .markup("</a>");
            } else {
                h.text(&a.source_name);
            }
            h.markup(": ").text(&a.title).markup("</li>");
        }
        h.markup("</ul>");
    }
    h.markup("</div>");
    xml_safe(&h.finish())
}

/// The title shown for an item; items without one get the start of their summary.
pub fn item_title(item: &StoredItem) -> String {
    if item.title.is_empty() {
        crate::text::summarize(&item.text, 80)
    } else {
        item.title.clone()
    }
}

/// Stable item id for Atom and JSON Feed: never changes when content is edited.
pub fn item_id(base_url: &str, item: &StoredItem) -> String {
    format!("{base_url}/items/{}", item.id)
}

/// RSS 2.0 with the `rss` crate.
pub fn rss(info: &FeedInfo, items: &[StoredItem]) -> String {
    use rss::extension::atom::{AtomExtension, Link};
    use rss::extension::dublincore::DublinCoreExtension;
    let mut links = vec![Link {
        href: xml_safe(&info.self_url),
        rel: "self".into(),
        mime_type: Some("application/rss+xml".into()),
        ..Link::default()
    }];
    if let Some(next) = &info.next_url {
        links.push(Link {
            href: xml_safe(next),
            rel: "next".into(),
            mime_type: Some("application/rss+xml".into()),
            ..Link::default()
        });
    }
    if let Some(hub) = &info.hub_url {
        links.push(Link {
            href: xml_safe(hub),
            rel: "hub".into(),
            ..Link::default()
        });
    }
    let rss_items: Vec<rss::Item> = items
        .iter()
        .map(|it| rss::Item {
            title: Some(xml_safe(&item_title(it))),
            link: it.url.as_deref().map(xml_safe),
            description: Some(item_html(it)),
            guid: Some(rss::Guid {
                value: xml_safe(&item_id(&info.base_url, it)),
                permalink: false,
            }),
            pub_date: Some(it.date().to_rfc2822()),
            source: Some(rss::Source {
                url: xml_safe(&it.source_url),
                title: Some(xml_safe(&it.source_name)),
            }),
            categories: it
                .topics
                .iter()
                .map(|t| rss::Category {
                    name: t.slug.clone(),
                    domain: Some(format!("{}/topics", info.base_url)),
                })
                .collect(),
            // RSS has no per-item language: dc:language carries it (and dc:creator the
            // author, since <author> must be an e-mail address).
            dublin_core_ext: Some(DublinCoreExtension {
                creators: it.author.iter().map(|a| xml_safe(a)).collect(),
                languages: vec![xml_safe(&it.language)],
                ..DublinCoreExtension::default()
            }),
            ..rss::Item::default()
        })
        .collect();
    let channel = rss::Channel {
        title: xml_safe(&info.title),
        link: xml_safe(&info.html_url),
        description: xml_safe(&info.description),
        language: Some("ar".into()),
        last_build_date: Some(info.updated.to_rfc2822()),
        generator: Some(format!("marsad {}", env!("CARGO_PKG_VERSION"))),
        ttl: Some("15".into()),
        atom_ext: Some(AtomExtension { links }),
        items: rss_items,
        namespaces: BTreeMap::from([(
            "dc".to_string(),
            rss::extension::dublincore::NAMESPACE.to_string(),
        )]),
        ..rss::Channel::default()
    };
    channel.to_string()
}

/// Atom 1.0 with `atom_syndication`; content as `type="html"`.
pub fn atom(info: &FeedInfo, items: &[StoredItem]) -> String {
    use atom_syndication::{Category, Content, Entry, Feed, Link, Person, Source, Text};
    let fixed = |d: DateTime<Utc>| d.fixed_offset();
    let mut links = vec![
        Link {
            href: xml_safe(&info.self_url),
            rel: "self".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        },
        Link {
            href: xml_safe(&info.html_url),
            rel: "alternate".into(),
            mime_type: Some("text/html".into()),
            ..Link::default()
        },
    ];
    if let Some(next) = &info.next_url {
        links.push(Link {
            href: xml_safe(next),
            rel: "next".into(),
            mime_type: Some("application/atom+xml".into()),
            ..Link::default()
        });
    }
    if let Some(hub) = &info.hub_url {
        links.push(Link {
            href: xml_safe(hub),
            rel: "hub".into(),
            ..Link::default()
        });
    }
    let entries = items
        .iter()
        .map(|it| Entry {
            title: Text::plain(xml_safe(&item_title(it))),
            id: xml_safe(&item_id(&info.base_url, it)),
            updated: fixed(it.updated.unwrap_or(it.date()).max(it.date())),
            published: Some(fixed(it.date())),
            authors: vec![Person {
                name: xml_safe(it.author.as_deref().unwrap_or(&it.source_name)),
                ..Person::default()
            }],
            links: it
                .url
                .iter()
                .map(|u| Link {
                    href: xml_safe(u),
                    rel: "alternate".into(),
                    mime_type: Some("text/html".into()),
                    ..Link::default()
                })
                .collect(),
            categories: it
                .topics
                .iter()
                .map(|t| Category {
                    term: t.slug.clone(),
                    scheme: Some(format!("{}/topics", info.base_url)),
                    label: None,
                })
                .collect(),
            source: Some(Source {
                title: Text::plain(xml_safe(&it.source_name)),
                id: xml_safe(&it.source_url),
                updated: fixed(it.fetched_at),
                links: vec![Link {
                    href: xml_safe(&it.source_url),
                    rel: "self".into(),
                    ..Link::default()
                }],
                ..Source::default()
            }),
            summary: (!it.summary.is_empty()).then(|| Text::plain(xml_safe(&it.summary))),
            content: Some(Content {
                lang: Some(it.language.clone()),
                value: Some(item_html(it)),
                content_type: Some("html".into()),
                ..Content::default()
            }),
            ..Entry::default()
        })
        .collect();
    let feed = Feed {
        title: Text::plain(xml_safe(&info.title)),
        subtitle: Some(Text::plain(xml_safe(&info.description))),
        id: xml_safe(&format!("{}/{}", info.base_url, info.id)),
        updated: fixed(info.updated),
        links,
        lang: Some("ar".into()),
        generator: Some(atom_syndication::Generator {
            value: "marsad".into(),
            uri: None,
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        entries,
        ..Feed::default()
    };
    feed.to_string()
}

#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    language: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hubs: Vec<JsonHub<'a>>,
    items: Vec<JsonItem>,
}

/// JSON Feed's `hubs` entry.
#[derive(Serialize)]
struct JsonHub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonItem {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: String,
    content_html: String,
    summary: String,
    date_published: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    authors: Vec<JsonAuthor>,
    tags: Vec<String>,
    language: String,
    #[serde(rename = "_marsad")]
    marsad: JsonExt,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

#[derive(Serialize)]
struct JsonExt {
    source: String,
    source_name: String,
    source_url: String,
    dir: String,
    story_id: i64,
}

/// JSON Feed 1.1 with serde.
pub fn json(info: &FeedInfo, items: &[StoredItem]) -> String {
    let feed = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &info.title,
        home_page_url: &info.html_url,
        feed_url: &info.self_url,
        description: &info.description,
        language: "ar",
        next_url: info.next_url.as_deref(),
        hubs: info
            .hub_url
            .iter()
            .map(|url| JsonHub {
                kind: "WebSub",
                url,
            })
            .collect(),
        items: items
            .iter()
            .map(|it| JsonItem {
                id: item_id(&info.base_url, it),
                url: it.url.clone(),
                title: item_title(it),
                content_html: item_html(it),
                summary: it.summary.clone(),
                date_published: rfc3339(it.date()),
                date_modified: it.updated.map(rfc3339),
                authors: it
                    .author
                    .iter()
                    .map(|a| JsonAuthor { name: a.clone() })
                    .collect(),
                tags: it.topics.iter().map(|t| t.slug.clone()).collect(),
                language: it.language.clone(),
                marsad: JsonExt {
                    source: it.source_id.clone(),
                    source_name: it.source_name.clone(),
                    source_url: it.source_url.clone(),
                    dir: it.dir.clone(),
                    story_id: it.story_id,
                },
            })
            .collect(),
    };
    serde_json::to_string_pretty(&feed).expect("plain data serializes")
}

/// RFC 3339 in UTC with a `Z`, seconds precision.
pub fn rfc3339(d: DateTime<Utc>) -> String {
    d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// An item as JSON: the body of `GET /api/items/{id}`, of a webhook delivery and of a live
/// stream's event, so a receiver parses one shape.
pub fn item_json(item: &StoredItem) -> String {
    serde_json::to_string(item).expect("an item always serializes")
}

#[cfg(test)]
mod tests;
