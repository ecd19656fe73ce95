//! The validated configuration: what the other modules see. Every value here has been
//! checked by `load` and `validate`; none is raw TOML.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The whole validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Path of `marsad.toml` (or `<embedded>`).
    pub main_path: PathBuf,
    /// Path of the sources file.
    pub sources_path: PathBuf,
    /// Path of the topics file.
    pub topics_path: PathBuf,
    /// HTTP server settings.
    pub server: ServerSettings,
    /// Database settings.
    pub storage: StorageSettings,
    /// Fetcher settings.
    pub fetch: FetchSettings,
    /// Sources, in file order.
    pub sources: Vec<SourceSpec>,
    /// Topics, in file order.
    pub topics: Vec<TopicSpec>,
    /// Webhook endpoints (`[[webhooks]]`), in file order.
    pub webhooks: Vec<super::WebhookSpec>,
    /// `[push]`: live stream and delivery limits.
    pub push: super::PushSettings,
}

impl Config {
    /// The `place` of the source with this id, if it has one.
    pub fn source_place(&self, source_id: &str) -> Option<&str> {
        self.sources
            .iter()
            .find(|s| s.id == source_id)
            .and_then(|s| s.place.as_deref())
    }
}

/// `[server]`.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Absolute URL prefix for links in published feeds, without trailing slash.
    pub base_url: String,
    /// A client must send a request's whole header within this time, counted from the
    /// connection's start or from the end of the previous response (so it also bounds idle
    /// keep-alive connections). Slowloris clients are closed by it.
    pub header_timeout: Duration,
    /// A response write that makes no progress for this long closes the connection (a
    /// client that never reads).
    pub write_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog until one ends.
    pub max_connections: usize,
    /// The secret that opens `/admin` and `/api/status` (fetch and config errors, which name
    /// file paths). `None`, the default, keeps `/admin` closed.
    pub admin_token: Option<String>,
}

/// Shortest `admin_token` accepted.
pub const MIN_ADMIN_TOKEN_CHARS: usize = 16;

impl ServerSettings {
    /// Default `header_timeout`.
    pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default `write_timeout`.
    pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
    /// Default `max_connections`.
    pub const MAX_CONNECTIONS: usize = 1024;
}

/// `[storage]`.
#[derive(Debug, Clone)]
pub struct StorageSettings {
    /// Where items are stored.
    pub database: Database,
    /// Items older than this many days are pruned (0 keeps everything).
    pub retention_days: u32,
    /// At most this many items per source (0: no cap); the only copy of a story inside
    /// the retention window is kept even past the cap.
    pub max_items_per_source: u32,
    /// How long a write waits for another connection's write lock before it fails with
    /// "database is locked" (and is retried; see `store`).
    pub busy_timeout: Duration,
}

/// `[storage] database`: a SQLite file (a path, or `sqlite:` and a path) or a PostgreSQL
/// database (`postgres://` or `postgresql://` URL) that several instances may share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file, resolved against the config file's folder.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Database {
    /// Reads a `database` value; a relative SQLite path is resolved against `dir`.
    pub fn parse(value: &str, dir: &Path) -> Result<Database, String> {
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            let url = url::Url::parse(value).map_err(|e| format!("not a PostgreSQL URL: {e}"))?;
            if url.host_str().is_none_or(str::is_empty)
                && !url.query_pairs().any(|(k, _)| k == "host")
            {
                return Err("a PostgreSQL URL needs a host (postgres://user@host/database)".into());
            }
            return Ok(Database::Postgres(value.to_string()));
        }
        let path = value
            .strip_prefix("sqlite://")
            .or_else(|| value.strip_prefix("sqlite:"))
            .unwrap_or(value);
        if path.is_empty() {
            return Err("empty: a SQLite file path or a postgres:// URL".into());
        }
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(format!(
                "unknown scheme {scheme}://: a SQLite file path, sqlite:path or a postgres:// URL"
            ));
        }
        Ok(Database::Sqlite(dir.join(path)))
    }

    /// The SQLite file, if that is the backend.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(p) => Some(p),
            Database::Postgres(_) => None,
        }
    }
}

/// The path, or the URL without its password (logs and errors show it).
impl std::fmt::Display for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "{}", p.display()),
            Database::Postgres(u) => match url::Url::parse(u) {
                Ok(mut url) if url.password().is_some() => {
                    let _ = url.set_password(Some("***"));
                    write!(f, "{url}")
                }
                _ => f.write_str(u),
            },
        }
    }
}

impl StorageSettings {
    /// Default `busy_timeout`.
    pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
}

/// `[fetch]`.
#[derive(Debug, Clone)]
pub struct FetchSettings {
    /// Default polling interval.
    pub interval: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// TCP/TLS connect timeout.
    pub connect_timeout: Duration,
    /// Maximum body size after decompression.
    pub max_body_bytes: u64,
    /// Fetches running at once, over all hosts.
    pub concurrency: usize,
    /// Fetches running at once against one host.
    pub per_host: usize,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// Longest wait after repeated failures.
    pub max_backoff: Duration,
    /// Upper bound for server hints (`Cache-Control`, `<ttl>`, `Retry-After`).
    pub max_interval: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Article pages (`full_text` sources) fetched at once, over all hosts; apart from
    /// `concurrency` so that pages never hold up feeds. Per host, `per_host` applies.
    pub page_concurrency: usize,
    /// How long a claim on a due source (and on one of its host's `per_host` slots) holds
    /// in a database several instances share: a source claimed by an instance that died
    /// is fetched by another one after at most this long. Longer than `timeout`.
    pub lease: Duration,
}

impl Default for FetchSettings {
    fn default() -> Self {
        FetchSettings {
            interval: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            concurrency: 16,
            per_host: 2,
            max_redirects: 5,
            max_backoff: Duration::from_secs(6 * 3600),
            max_interval: Duration::from_secs(24 * 3600),
            user_agent: default_user_agent(),
            page_concurrency: 4,
            lease: Duration::from_secs(5 * 60),
        }
    }
}

/// The default `User-Agent`: names the software and where to learn about it.
pub fn default_user_agent() -> String {
    format!(
        "marsad/{} (+https://github.com/marsad-news/marsad; Arabic news monitor)",
        env!("CARGO_PKG_VERSION")
    )
}

/// When a source is polled.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// Every so often.
    Every(Duration),
    /// On a cron expression (see [`parse_cron`](crate::config::parse_cron): crontab lines, 6-7 fields, `@hourly`…).
    Cron(Box<cron::Schedule>),
}

/// One `[[sources]]` entry.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    /// Unique slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Feed URL.
    pub url: url::Url,
    /// Polling schedule (own, or the global default interval).
    pub schedule: Schedule,
    /// Whether the source is polled.
    pub enabled: bool,
    /// Default language of its items.
    pub language: String,
    /// Charset override for sites that lie about theirs (feed and article pages).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// Fetch each item's page and publish the article from it (`full_text = true`).
    pub full_text: bool,
    /// Where the article is on its page (`content_selector`, `remove_selectors`).
    pub article: crate::clean::article::Rules,
    /// Where the source reports from (`place = "لبنان"`): its items' ambiguous place names
    /// with no cue either way take this place's reading.
    pub place: Option<String>,
}

/// One `[[topics]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicSpec {
    /// Unique slug (used in URLs).
    pub slug: String,
    /// Arabic display name.
    pub name: String,
    /// One-line description.
    pub description: Option<String>,
    /// Score needed to tag.
    pub min_score: f64,
    /// Weighted terms.
    pub terms: Vec<TermSpec>,
    /// Terms that veto the topic anywhere in the item.
    pub exclude: Vec<String>,
    /// Composite: every listed topic must be tagged.
    pub all_of: Vec<String>,
    /// Composite: at least one listed topic must be tagged.
    pub any_of: Vec<String>,
    /// Composite: none of the listed topics may be tagged.
    pub none_of: Vec<String>,
}

impl TopicSpec {
    /// A composite topic is defined by other topics, not by terms.
    pub fn is_composite(&self) -> bool {
        !(self.all_of.is_empty() && self.any_of.is_empty() && self.none_of.is_empty())
    }
}

/// A term's nearness window, in words, when it gives none.
pub(super) const DEFAULT_WINDOW: usize = 8;

/// One term of a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct TermSpec {
    /// The word or phrase, as written.
    pub term: String,
    /// Points per match before the field weight.
    pub weight: f64,
    /// No proclitics or suffixes allowed.
    pub exact: bool,
    /// The match does not count when one of these is within `window` words.
    pub unless_near: Vec<String>,
    /// The match counts only when one of these is within `window` words.
    pub only_near: Vec<String>,
    /// Nearness window in words.
    pub window: usize,
    /// Cues of the topic's reading of an ambiguous name, counted over the whole item.
    pub sense: Vec<String>,
    /// Cues of the name's other reading, counted over the whole item: when they outnumber
    /// the topic's evidence, no mention of the term counts in that item.
    pub other_sense: Vec<String>,
    /// Longer phrases the term does not match inside (`سودان` in `جنوب السودان`).
    pub not_in: Vec<String>,
    /// Words right after which the term does not match (`السوداني` after `شياع`).
    pub not_after: Vec<String>,
}

impl TermSpec {
    /// A plain term with default settings.
    pub fn plain(term: &str) -> TermSpec {
        TermSpec {
            term: term.to_string(),
            weight: 1.0,
            exact: false,
            unless_near: Vec::new(),
            only_near: Vec::new(),
            window: DEFAULT_WINDOW,
            sense: Vec::new(),
            other_sense: Vec::new(),
            not_in: Vec::new(),
            not_after: Vec::new(),
        }
    }
}

/// The shortest polling interval (and the floor of cron schedules).
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);
