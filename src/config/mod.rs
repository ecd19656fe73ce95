//! Loads and validates `marsad.toml`, `sources.toml` and `topics.toml`.
//!
//! This is the only module that reads TOML. Raw file structs use `deny_unknown_fields` and
//! `toml::Spanned` so that every error, syntax or semantic, is reported as
//! `file:line:col: message`. Validation collects every error it can find instead of stopping
//! at the first, so `marsad check` shows an admin all of them at once.
//!
//! What comes out ([`Config`]) is typed and already checked: durations are parsed, cron
//! expressions compiled, URLs parsed, ids unique. Other modules never see raw TOML.

mod crontab;
mod duration;
pub mod edit;
mod raw;

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

pub use crontab::{parse_cron, parse_cron_at};
pub use duration::{format_duration, parse_duration};

/// The shipped default config, embedded so `marsad serve` works from any directory.
pub const EMBEDDED_MAIN: &str = include_str!("../../config/marsad.toml");
/// The shipped default source list.
pub const EMBEDDED_SOURCES: &str = include_str!("../../config/sources.toml");
/// The shipped default topic rules.
pub const EMBEDDED_TOPICS: &str = include_str!("../../config/topics.toml");

/// One problem in a config file, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters (right on Arabic lines too).
    pub col: usize,
    /// What is wrong, and a hint where one helps.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.col,
            self.message
        )
    }
}

/// Every problem found while loading the config; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

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
    /// SQLite file, resolved against the config file's folder.
    pub database: PathBuf,
    /// Items older than this many days are pruned (0 keeps everything).
    pub retention_days: u32,
    /// At most this many items per source (0: no cap); the only copy of a story inside
    /// the retention window is kept even past the cap.
    pub max_items_per_source: u32,
    /// How long a write waits for another connection's write lock before it fails with
    /// "database is locked" (and is retried; see `store`).
    pub busy_timeout: Duration,
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
    /// On a cron expression (see [`parse_cron`]: crontab lines, 6-7 fields, `@hourly`…).
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
            window: raw::DEFAULT_WINDOW,
            sense: Vec::new(),
            other_sense: Vec::new(),
            not_in: Vec::new(),
            not_after: Vec::new(),
        }
    }
}

/// Where config text comes from: disk, or texts already in memory (the copies embedded in
/// the binary, or the strings given to [`load_from_strs`]).
enum Origin<'a> {
    Disk(&'a Path),
    Text {
        main: &'a str,
        sources: &'a str,
        topics: &'a str,
    },
}

/// Loads and validates the config rooted at `path` (`marsad.toml`).
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    load_from(Origin::Disk(path))
}

/// Loads the default config embedded in the binary; the database path is resolved against
/// `./config`, as if the files were there.
pub fn load_embedded() -> Result<Config, ConfigErrors> {
    load_from_strs(EMBEDDED_MAIN, EMBEDDED_SOURCES, EMBEDDED_TOPICS)
}

/// Validates config texts held in memory exactly as [`load_embedded`] validates the shipped
/// ones: `marsad.toml`'s `sources_file`/`topics_file` only name the files in error positions.
/// Used by the fuzz target `config`, which needs no files on disk.
pub fn load_from_strs(main: &str, sources: &str, topics: &str) -> Result<Config, ConfigErrors> {
    load_from(Origin::Text {
        main,
        sources,
        topics,
    })
}

/// Which of the three files a read is for (chooses the in-memory text).
#[derive(Clone, Copy)]
enum Which {
    Main,
    Sources,
    Topics,
}

fn read(origin: &Origin<'_>, path: &Path, which: Which) -> Result<String, ConfigError> {
    match origin {
        Origin::Text {
            main,
            sources,
            topics,
        } => Ok(match which {
            Which::Main => main,
            Which::Sources => sources,
            Which::Topics => topics,
        }
        .to_string()),
        Origin::Disk(_) => std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: 1,
            col: 1,
            message: format!("cannot read file: {e}"),
        }),
    }
}

fn load_from(origin: Origin<'_>) -> Result<Config, ConfigErrors> {
    let (main_path, dir) = match origin {
        Origin::Disk(p) => (
            p.to_path_buf(),
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
        ),
        Origin::Text { .. } => (
            PathBuf::from("<embedded>/marsad.toml"),
            PathBuf::from("config"),
        ),
    };
    let main_text = read(&origin, &main_path, Which::Main).map_err(|e| ConfigErrors(vec![e]))?;
    let main: raw::Main = parse_toml(&main_path, &main_text).map_err(|e| ConfigErrors(vec![e]))?;

    let mut errors = Vec::new();
    let mut at = |file: &Path, text: &str, span: Range<usize>, message: String| {
        errors.push(error_at(file, text, span.start, message));
    };

    let listen = match SocketAddr::from_str(main.server.listen.get_ref()) {
        Ok(a) => Some(a),
        Err(e) => {
            at(
                &main_path,
                &main_text,
                main.server.listen.span(),
                format!("listen: {e} (expected e.g. \"127.0.0.1:8080\")"),
            );
            None
        }
    };
    let base_url = main
        .server
        .base_url
        .get_ref()
        .trim_end_matches('/')
        .to_string();
    if let Err(e) = url::Url::parse(&base_url) {
        at(
            &main_path,
            &main_text,
            main.server.base_url.span(),
            format!("base_url: {e}"),
        );
    }
    // A short token is guessable; an empty one would open the admin view to everyone.
    let admin_token = main
        .server
        .admin_token
        .as_ref()
        .map(|t| t.get_ref().clone());
    if let (Some(t), Some(spanned)) = (&admin_token, &main.server.admin_token)
        && t.chars().count() < MIN_ADMIN_TOKEN_CHARS
    {
        at(
            &main_path,
            &main_text,
            spanned.span(),
            format!("admin_token: at least {MIN_ADMIN_TOKEN_CHARS} characters"),
        );
    }
    let mut header_timeout = ServerSettings::HEADER_TIMEOUT;
    let mut write_timeout = ServerSettings::WRITE_TIMEOUT;
    let mut busy_timeout = StorageSettings::BUSY_TIMEOUT;
    for (slot, value, name) in [
        (
            &mut header_timeout,
            &main.server.header_timeout,
            "header_timeout",
        ),
        (
            &mut write_timeout,
            &main.server.write_timeout,
            "write_timeout",
        ),
        (
            &mut busy_timeout,
            &main.storage.busy_timeout,
            "busy_timeout",
        ),
    ] {
        if let Some(v) = value {
            // parse_duration refuses 0 itself.
            match parse_duration(v.get_ref()) {
                Ok(d) => *slot = d,
                Err(e) => at(&main_path, &main_text, v.span(), format!("{name}: {e}")),
            }
        }
    }
    let mut max_connections = ServerSettings::MAX_CONNECTIONS;
    if let Some(n) = &main.server.max_connections {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "max_connections must be at least 1".into(),
            );
        }
        max_connections = (*n.get_ref()).max(1);
    }
    let mut fetch = FetchSettings::default();
    let f = &main.fetch;
    for (slot, value, name) in [
        (&mut fetch.interval, &f.interval, "interval"),
        (&mut fetch.timeout, &f.timeout, "timeout"),
        (
            &mut fetch.connect_timeout,
            &f.connect_timeout,
            "connect_timeout",
        ),
        (&mut fetch.max_backoff, &f.max_backoff, "max_backoff"),
        (&mut fetch.max_interval, &f.max_interval, "max_interval"),
    ] {
        if let Some(v) = value {
            match parse_duration(v.get_ref()) {
                Ok(d) => *slot = d,
                Err(e) => at(&main_path, &main_text, v.span(), format!("{name}: {e}")),
            }
        }
    }
    if let Some(n) = f.max_body_bytes {
        fetch.max_body_bytes = n;
    }
    if let Some(n) = &f.concurrency {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "concurrency must be at least 1".into(),
            );
        }
        fetch.concurrency = (*n.get_ref()).max(1);
    }
    if let Some(n) = &f.per_host {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "per_host must be at least 1".into(),
            );
        }
        fetch.per_host = (*n.get_ref()).max(1);
    }
    if let Some(n) = f.max_redirects {
        fetch.max_redirects = n;
    }
    if let Some(ua) = &f.user_agent {
        fetch.user_agent = ua.clone();
    }
    if let Some(n) = &f.page_concurrency {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "page_concurrency must be at least 1".into(),
            );
        }
        fetch.page_concurrency = (*n.get_ref()).max(1);
    }

    let sources_path = dir.join(main.sources_file.get_ref());
    let topics_path = dir.join(main.topics_file.get_ref());
    let database = dir.join(&main.storage.database);

    let sources = match read(&origin, &sources_path, Which::Sources)
        .and_then(|t| parse_toml::<raw::SourcesFile>(&sources_path, &t).map(|f| (t, f)))
    {
        Ok((text, file)) => {
            validate_sources(&sources_path, &text, file, fetch.interval, &mut errors)
        }
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    let topics = match read(&origin, &topics_path, Which::Topics)
        .and_then(|t| parse_toml::<raw::TopicsFile>(&topics_path, &t).map(|f| (t, f)))
    {
        Ok((text, file)) => validate_topics(&topics_path, &text, file, &mut errors),
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };

    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    Ok(Config {
        main_path,
        sources_path,
        topics_path,
        server: ServerSettings {
            listen: listen.expect("checked above"),
            base_url,
            header_timeout,
            write_timeout,
            max_connections,
            admin_token,
        },
        storage: StorageSettings {
            database,
            retention_days: main.storage.retention_days,
            max_items_per_source: main.storage.max_items_per_source,
            busy_timeout,
        },
        fetch,
        sources,
        topics,
    })
}

fn validate_sources(
    path: &Path,
    text: &str,
    file: raw::SourcesFile,
    default_interval: Duration,
    errors: &mut Vec<ConfigError>,
) -> Vec<SourceSpec> {
    let mut seen = HashSet::new();
    let mut urls = std::collections::HashMap::new();
    let mut out = Vec::new();
    for s in file.sources {
        let mut ok = true;
        let mut err = |span: Range<usize>, message: String| {
            errors.push(error_at(path, text, span.start, message));
        };
        let id = s.id.get_ref().clone();
        if let Err(e) = check_source_id(&id) {
            err(s.id.span(), format!("id {id:?} {e}"));
            ok = false;
        } else if !seen.insert(id.clone()) {
            err(s.id.span(), format!("duplicate source id {id:?}"));
            ok = false;
        }
        let url = match url::Url::parse(s.url.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                // Two sources polling one feed store every item twice; compared as
                // `sources add` compares (without scheme, `www.`, trailing slash, tracking).
                match urls.entry(crate::text::url::canonical(&u)) {
                    std::collections::hash_map::Entry::Occupied(first) => err(
                        s.url.span(),
                        format!(
                            "url {:?} is already polled by source {:?}",
                            s.url.get_ref(),
                            first.get()
                        ),
                    ),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(id.clone());
                    }
                }
                Some(u)
            }
            Ok(u) => {
                err(
                    s.url.span(),
                    format!(
                        "url scheme {:?} is not supported (use http or https)",
                        u.scheme()
                    ),
                );
                None
            }
            Err(e) => {
                err(s.url.span(), format!("url {:?}: {e}", s.url.get_ref()));
                None
            }
        };
        let schedule = match (&s.interval, &s.cron) {
            (Some(i), Some(_)) => {
                err(i.span(), "give either interval or cron, not both".into());
                None
            }
            (Some(i), None) => match parse_duration(i.get_ref()) {
                Ok(d) if d >= MIN_INTERVAL => Some(Schedule::Every(d)),
                Ok(_) => {
                    err(i.span(), "interval must be at least 1m".into());
                    None
                }
                Err(e) => {
                    err(i.span(), format!("interval: {e}"));
                    None
                }
            },
            (None, Some(c)) => match parse_cron(c.get_ref()) {
                Ok(c) => Some(Schedule::Cron(Box::new(c))),
                Err(e) => {
                    err(c.span(), format!("cron: {e}"));
                    None
                }
            },
            (None, None) => Some(Schedule::Every(default_interval)),
        };
        let encoding = match &s.encoding {
            None => None,
            Some(label) => match encoding_rs::Encoding::for_label(label.get_ref().as_bytes()) {
                Some(e) => Some(e),
                None => {
                    err(
                        label.span(),
                        format!(
                            "unknown encoding {:?} (e.g. \"windows-1256\", \"iso-8859-6\", \"utf-8\")",
                            label.get_ref()
                        ),
                    );
                    ok = false;
                    None
                }
            },
        };
        // Selectors are compiled here, once: a typo is reported by `marsad check` with its
        // position, never discovered at the first article.
        let mut selector =
            |css: &toml::Spanned<String>, what: &str| match crate::clean::article::Selector::parse(
                css.get_ref(),
            ) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.push(error_at(
                        path,
                        text,
                        css.span().start,
                        format!("{what}: {e}"),
                    ));
                    None
                }
            };
        let content = s
            .content_selector
            .as_ref()
            .and_then(|c| selector(c, "content_selector"));
        let remove: Vec<_> = s
            .remove_selectors
            .iter()
            .filter_map(|c| selector(c, "remove_selectors"))
            .collect();
        if s.content_selector.is_some() && content.is_none()
            || remove.len() < s.remove_selectors.len()
        {
            ok = false;
        }
        if let (true, Some(url), Some(schedule)) = (ok, url, schedule) {
            out.push(SourceSpec {
                id,
                name: s.name,
                url,
                schedule,
                enabled: s.enabled,
                language: s.language,
                encoding,
                full_text: s.full_text,
                article: crate::clean::article::Rules { content, remove },
            });
        }
    }
    out
}

fn validate_topics(
    path: &Path,
    text: &str,
    file: raw::TopicsFile,
    errors: &mut Vec<ConfigError>,
) -> Vec<TopicSpec> {
    let mut seen = HashSet::new();
    let slugs: HashSet<String> = file
        .topics
        .iter()
        .map(|t| t.slug.get_ref().clone())
        .collect();
    let mut out = Vec::new();
    for t in file.topics {
        let mut err = |span: Range<usize>, message: String| {
            errors.push(error_at(path, text, span.start, message));
        };
        let slug = t.slug.get_ref().clone();
        if !is_slug(&slug) {
            err(
                t.slug.span(),
                format!("slug {slug:?} must be lowercase a-z, 0-9 and '-'"),
            );
        } else if slug == "all" {
            err(
                t.slug.span(),
                "slug \"all\" is reserved for the feed of every item".into(),
            );
        } else if !seen.insert(slug.clone()) {
            err(t.slug.span(), format!("duplicate topic slug {slug:?}"));
        }
        let composite = !(t.all_of.is_empty() && t.any_of.is_empty() && t.none_of.is_empty());
        if t.terms.is_empty() && !composite {
            err(
                t.slug.span(),
                format!(
                    "topic {slug:?} has no terms and no all_of/any_of/none_of: it can never match"
                ),
            );
        }
        for r in t.all_of.iter().chain(&t.any_of).chain(&t.none_of) {
            if !slugs.contains(r.get_ref()) {
                err(r.span(), format!("unknown topic {:?}", r.get_ref()));
            } else if r.get_ref() == &slug {
                err(r.span(), "a topic cannot refer to itself".into());
            }
        }
        let mut terms = Vec::new();
        for term in t.terms {
            let span = term.span();
            let spec = term.into_inner();
            let words = std::iter::once(&spec.term)
                .chain(&spec.unless_near)
                .chain(&spec.only_near)
                .chain(&spec.sense)
                .chain(&spec.other_sense)
                .chain(&spec.not_in)
                .chain(&spec.not_after);
            let mut good = true;
            for w in words {
                if !w.chars().any(char::is_alphanumeric) {
                    err(span.clone(), format!("term {w:?} has no letters or digits"));
                    good = false;
                }
            }
            if spec.weight <= 0.0 || !spec.weight.is_finite() {
                err(
                    span.clone(),
                    format!("weight must be a positive number, got {}", spec.weight),
                );
                good = false;
            }
            if !spec.unless_near.is_empty() && !spec.only_near.is_empty() {
                err(
                    span.clone(),
                    "a term takes unless_near or only_near, not both".into(),
                );
                good = false;
            }
            let term_words = crate::text::arabic::normalize_words(&spec.term)
                .split(' ')
                .count();
            for phrase in &spec.not_in {
                let words = crate::text::arabic::normalize_words(phrase);
                if words.split(' ').count() <= term_words {
                    err(
                        span.clone(),
                        format!(
                            "not_in phrase {phrase:?} must have more words than the term {:?} (use not_after for a word before it)",
                            spec.term
                        ),
                    );
                    good = false;
                }
            }
            if spec.window == 0 {
                err(span.clone(), "window must be at least 1 word".into());
                good = false;
            }
            if good {
                terms.push(spec);
            }
        }
        for x in &t.exclude {
            if !x.chars().any(char::is_alphanumeric) {
                err(
                    t.slug.span(),
                    format!("exclude term {x:?} has no letters or digits"),
                );
            }
        }
        if !t.min_score.is_finite() || t.min_score <= 0.0 {
            err(
                t.slug.span(),
                format!("min_score must be positive, got {}", t.min_score),
            );
        }
        out.push(TopicSpec {
            slug,
            name: t.name,
            description: t.description,
            min_score: t.min_score,
            terms,
            exclude: t.exclude,
            all_of: t.all_of.into_iter().map(|s| s.into_inner()).collect(),
            any_of: t.any_of.into_iter().map(|s| s.into_inner()).collect(),
            none_of: t.none_of.into_iter().map(|s| s.into_inner()).collect(),
        });
    }
    check_cycles(&out, path, errors);
    out
}

/// Composite topics may refer to composites; a cycle would never settle, so refuse it.
fn check_cycles(topics: &[TopicSpec], path: &Path, errors: &mut Vec<ConfigError>) {
    fn visit<'a>(
        slug: &'a str,
        topics: &'a [TopicSpec],
        stack: &mut Vec<&'a str>,
    ) -> Option<String> {
        if stack.contains(&slug) {
            stack.push(slug);
            return Some(stack.join(" → "));
        }
        let t = topics.iter().find(|t| t.slug == slug)?;
        stack.push(slug);
        for r in t.all_of.iter().chain(&t.any_of).chain(&t.none_of) {
            if let Some(c) = visit(r, topics, stack) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    for t in topics.iter().filter(|t| t.is_composite()) {
        if let Some(cycle) = visit(&t.slug, topics, &mut Vec::new()) {
            errors.push(ConfigError {
                file: path.to_path_buf(),
                line: 1,
                col: 1,
                message: format!("composite topics form a cycle: {cycle}"),
            });
            return;
        }
    }
}

/// The shortest polling interval (and the floor of cron schedules).
pub const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// Checks a source id as `sources.toml` requires it (for `sources add --id`).
pub fn check_source_id(id: &str) -> Result<(), String> {
    if is_slug(id) {
        Ok(())
    } else {
        Err("must be a slug: lowercase a-z, 0-9 and '-', not starting with '-'".into())
    }
}

/// Checks a source's `interval` as `sources.toml` requires it (for `sources add --interval`).
pub fn check_interval(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d >= MIN_INTERVAL => Ok(d),
        _ => Err("interval must be at least 1m".into()),
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn parse_toml<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let mut message = e.message().trim().to_string();
        if let Some(hint) = did_you_mean(&message) {
            message.push_str(&hint);
        }
        error_at(file, text, offset, message)
    })
}

fn error_at(file: &Path, text: &str, offset: usize, message: String) -> ConfigError {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    ConfigError {
        file: file.to_path_buf(),
        line,
        col,
        message,
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// toml says "unknown field `intervl`, expected one of `id`, `interval`, …"; add the closest
/// name so an admin sees the fix, not a list.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let candidates: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let best = candidates
        .iter()
        .map(|c| (edit_distance(unknown, c), *c))
        .min()?;
    (best.0 <= 2.max(unknown.len() / 3)).then(|| format!("; did you mean `{}`?", best.1))
}

/// Levenshtein distance; the candidate lists are a dozen short keys, so the plain
/// O(n·m) version is all this needs.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests;
