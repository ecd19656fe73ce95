//! The files as written: serde structs with `deny_unknown_fields` and spans for positions.

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::types::{DEFAULT_WINDOW, TermSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Main {
    #[serde(default = "default_sources_file")]
    pub sources_file: Spanned<String>,
    #[serde(default = "default_topics_file")]
    pub topics_file: Spanned<String>,
    #[serde(default)]
    pub server: Server,
    #[serde(default)]
    pub storage: Storage,
    #[serde(default)]
    pub fetch: Fetch,
    #[serde(default)]
    pub webhooks: Vec<super::push::RawWebhook>,
    #[serde(default)]
    pub push: super::push::RawPush,
}

fn default_sources_file() -> Spanned<String> {
    Spanned::new(0..0, "sources.toml".into())
}
fn default_topics_file() -> Spanned<String> {
    Spanned::new(0..0, "topics.toml".into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Server {
    pub listen: Spanned<String>,
    pub base_url: Spanned<String>,
    #[serde(default)]
    pub header_timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub write_timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub max_connections: Option<Spanned<usize>>,
    #[serde(default)]
    pub admin_token: Option<Spanned<String>>,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            listen: Spanned::new(0..0, "127.0.0.1:8080".into()),
            base_url: Spanned::new(0..0, "http://127.0.0.1:8080".into()),
            header_timeout: None,
            write_timeout: None,
            max_connections: None,
            admin_token: None,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Storage {
    pub database: Spanned<String>,
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    #[serde(default = "default_max_items")]
    pub max_items_per_source: u32,
    #[serde(default)]
    pub busy_timeout: Option<Spanned<String>>,
}

fn default_retention_days() -> u32 {
    90
}
fn default_max_items() -> u32 {
    5000
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            database: Spanned::new(0..0, "../data/marsad.db".into()),
            retention_days: default_retention_days(),
            max_items_per_source: default_max_items(),
            busy_timeout: None,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct Fetch {
    pub interval: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub max_backoff: Option<Spanned<String>>,
    pub max_interval: Option<Spanned<String>>,
    pub max_body_bytes: Option<u64>,
    pub concurrency: Option<Spanned<usize>>,
    pub per_host: Option<Spanned<usize>>,
    pub max_redirects: Option<usize>,
    pub user_agent: Option<String>,
    pub page_concurrency: Option<Spanned<usize>>,
    pub lease: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SourcesFile {
    #[serde(default)]
    pub sources: Vec<Source>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Source {
    pub id: Spanned<String>,
    pub name: String,
    pub url: Spanned<String>,
    pub interval: Option<Spanned<String>>,
    pub cron: Option<Spanned<String>>,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "arabic")]
    pub language: String,
    pub encoding: Option<Spanned<String>>,
    #[serde(default)]
    pub full_text: bool,
    pub content_selector: Option<Spanned<String>>,
    #[serde(default)]
    pub remove_selectors: Vec<Spanned<String>>,
    pub place: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}
fn arabic() -> String {
    "ar".into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TopicsFile {
    #[serde(default)]
    pub topics: Vec<Topic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Topic {
    pub slug: Spanned<String>,
    pub name: String,
    pub description: Option<String>,
    #[serde(default = "default_min_score")]
    pub min_score: f64,
    #[serde(default)]
    pub terms: Vec<Spanned<TermSpec>>,
    #[serde(default)]
    pub exclude: Vec<String>,
    #[serde(default)]
    pub all_of: Vec<Spanned<String>>,
    #[serde(default)]
    pub any_of: Vec<Spanned<String>>,
    #[serde(default)]
    pub none_of: Vec<Spanned<String>>,
}

fn default_min_score() -> f64 {
    2.0
}

/// A term is either a plain string or a table with options. A hand-written visitor (instead
/// of `#[serde(untagged)]`) keeps toml's precise message for a mistyped key inside the table.
impl<'de> Deserialize<'de> for TermSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TermSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a term string or a table { term = \"…\", weight, exact, unless_near, only_near, window, sense, other_sense, not_in, not_after }")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TermSpec, E> {
                Ok(TermSpec::plain(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TermSpec, A::Error> {
                let t = TermTable::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(TermSpec {
                    term: t.term,
                    weight: t.weight,
                    exact: t.exact,
                    unless_near: t.unless_near,
                    only_near: t.only_near,
                    window: t.window,
                    sense: t.sense,
                    other_sense: t.other_sense,
                    not_in: t.not_in,
                    not_after: t.not_after,
                })
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermTable {
    term: String,
    #[serde(default = "one")]
    weight: f64,
    #[serde(default)]
    exact: bool,
    #[serde(default)]
    unless_near: Vec<String>,
    #[serde(default)]
    only_near: Vec<String>,
    #[serde(default = "window")]
    window: usize,
    #[serde(default)]
    sense: Vec<String>,
    #[serde(default)]
    other_sense: Vec<String>,
    #[serde(default)]
    not_in: Vec<String>,
    #[serde(default)]
    not_after: Vec<String>,
}

fn one() -> f64 {
    1.0
}
fn window() -> usize {
    DEFAULT_WINDOW
}
