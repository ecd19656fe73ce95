//! What a feed of this instance is: the items it holds, its URL, its heading, and its
//! document. The server renders feeds from here for readers, and the WebSub hub for its
//! subscribers, so a subscriber is sent exactly what `GET` on its topic URL returns.

use chrono::{DateTime, Utc};

use super::FeedInfo;
use crate::config::Config;
use crate::model::StoredItem;

/// Feed formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RSS 2.0.
    Rss,
    /// Atom 1.0.
    Atom,
    /// JSON Feed 1.1.
    Json,
}

impl Format {
    /// The format a file extension names.
    pub fn from_ext(ext: &str) -> Option<Format> {
        match ext {
            "rss" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// Its file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
        }
    }

    /// Its `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }

    /// `items` as a document of this format.
    pub fn render(self, info: &FeedInfo, items: &[StoredItem]) -> String {
        match self {
            Format::Rss => super::rss(info, items),
            Format::Atom => super::atom(info, items),
            Format::Json => super::json(info, items),
        }
    }
}

/// Which items a feed holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOf {
    /// Every item (`/feeds/all.*`).
    All,
    /// A topic's items (`/feeds/<slug>.*`).
    Topic(String),
    /// A source's items (`/sources/<id>.*`).
    Source(String),
}

impl FeedOf {
    /// The feed's path (after the base URL) in `format`.
    pub fn path(&self, format: Format) -> String {
        match self {
            FeedOf::All => format!("/feeds/all.{}", format.ext()),
            FeedOf::Topic(slug) => format!("/feeds/{slug}.{}", format.ext()),
            FeedOf::Source(id) => format!("/sources/{id}.{}", format.ext()),
        }
    }

    /// Its stable id (Atom ids are made from it).
    pub fn id(&self) -> String {
        match self {
            FeedOf::All | FeedOf::Topic(_) => {
                format!("topic:{}", self.slug())
            }
            FeedOf::Source(id) => format!("source:{id}"),
        }
    }

    fn slug(&self) -> &str {
        match self {
            FeedOf::All => "all",
            FeedOf::Topic(s) | FeedOf::Source(s) => s,
        }
    }

    /// Its title and description; `source_name` is the stored name of a source feed's
    /// source. `None` for a topic the config does not have.
    pub fn heading(&self, cfg: &Config, source_name: &str) -> Option<(String, String)> {
        Some(match self {
            FeedOf::All => (
                "مرصد: كل الأخبار".to_string(),
                "كل الأخبار من كل المصادر".to_string(),
            ),
            FeedOf::Topic(slug) => {
                let t = cfg.topics.iter().find(|t| &t.slug == slug)?;
                (
                    format!("مرصد: {}", t.name),
                    t.description
                        .clone()
                        .unwrap_or_else(|| format!("أخبار {}", t.name)),
                )
            }
            FeedOf::Source(_) => (
                format!("مرصد: {source_name}"),
                format!("أخبار {source_name} بعد التنظيف"),
            ),
        })
    }

    /// The feed a URL of this instance names: `<base_url>/feeds/<slug>.<ext>` for `all` or
    /// a configured topic, `<base_url>/sources/<id>.<ext>` for a configured source; no
    /// query (a filtered feed is not a WebSub topic).
    pub fn of_url(cfg: &Config, url: &str) -> Option<(FeedOf, Format)> {
        let rest = url.strip_prefix(cfg.server.base_url.trim_end_matches('/'))?;
        let (dir, file) = rest.strip_prefix('/')?.split_once('/')?;
        let (name, ext) = file.rsplit_once('.')?;
        let format = Format::from_ext(ext)?;
        let of = match dir {
            "feeds" if name == "all" => FeedOf::All,
            "feeds" if cfg.topics.iter().any(|t| t.slug == name) => FeedOf::Topic(name.into()),
            "sources" if cfg.sources.iter().any(|s| s.id == name) => FeedOf::Source(name.into()),
            _ => return None,
        };
        Some((of, format))
    }
}

/// The newest change among `items` (the feed's `updated`).
pub fn newest_change(items: &[StoredItem]) -> DateTime<Utc> {
    items
        .iter()
        .map(|i| i.fetched_at.max(i.updated.unwrap_or(i.fetched_at)))
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}
