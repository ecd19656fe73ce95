//! The axum layer: routes, query validation, HTTP caching headers.
//!
//! Handlers read from the store and hand items to `publish`; they never render XML or speak
//! SQL themselves. The server takes its listener and a shutdown future, so tests run the
//! real server on `127.0.0.1:0`.

mod cache;
mod conn;
mod error;
mod pages;

use std::future::Future;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;

pub use conn::{Connections, MAX_HEAD_BYTES, WriteTimeout};
pub use error::ServerError;

use cache::{Cached, FeedCache};

use crate::config::{Config, TopicSpec};
use crate::publish::{self, FeedInfo, Outline};
use crate::store::{ItemQuery, Store};

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// Database.
    pub store: Store,
    /// The config in force; replaced as a whole on reload. A `std` lock: never held across
    /// an `.await`.
    pub config: Arc<RwLock<Arc<Config>>>,
    /// A config problem to show admins (last failed reload), if any.
    pub notice: Arc<RwLock<Option<String>>>,
    /// Rendered feeds.
    pub cache: FeedCache,
    /// Open connections.
    pub connections: Arc<Connections>,
    /// The tagger of the config in force, for the item pages' explanations.
    matcher: Arc<pages::MatcherCache>,
}

impl AppState {
    /// State for a store and config.
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            store,
            config: Arc::new(RwLock::new(Arc::new(config))),
            notice: Arc::new(RwLock::new(None)),
            cache: FeedCache::default(),
            connections: Arc::default(),
            matcher: Arc::default(),
        }
    }

    fn config(&self) -> Arc<Config> {
        self.config.read().expect("config lock poisoned").clone()
    }
}

/// The router with every route.
pub fn router(state: AppState) -> Router {
    let base: Arc<str> = pages::base_path(&state.config().server.base_url).into();
    let routes = Router::new()
        .route("/", get(pages::index))
        .route("/topics/{slug}", get(pages::topic))
        .route("/feeds/{file}", get(topic_feed))
        .route("/sources/{file}", get(pages::source))
        .route("/items/{id}", get(pages::item))
        .route("/admin", get(pages::admin))
        .route("/opml", get(topics_opml))
        .route("/sources.opml", get(sources_opml))
        .route("/healthz", get(|| async { "ok\n" }))
        .route(
            "/metrics",
            get(|| async {
                (
                    [(
                        header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    crate::metrics::encode(),
                )
            }),
        )
        .route("/readyz", get(readyz))
        .route("/api/sources", get(api_sources))
        .route("/api/status", get(api_status))
        .route("/api/items", get(api_items))
        .route("/api/items/{id}", get(api_item))
        .route("/api/topics", get(api_topics))
        .fallback(|| async { ServerError::NotFound("not found".into()) })
        .route_layer(axum::middleware::from_fn(count_requests))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state);
    if base.is_empty() {
        return routes;
    }
    // Outside the routes' router, so the path is rewritten before it is routed.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::from_fn_with_state(
            base,
            pages::strip_base,
        ))
}

/// `Content-Security-Policy` of every response. The page has no script, no image and no
/// frame: a script that got past escaping would not run, and the page cannot be framed.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Headers that make browsers take responses as what they say they are.
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    response
}

/// Counts requests by route pattern and status for `/metrics`.
async fn count_requests(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    crate::metrics::metrics()
        .http_requests
        .get_or_create(&crate::metrics::HttpLabels {
            route,
            status: response.status().as_u16().to_string(),
        })
        .inc();
    response
}

/// Serves until `shutdown` completes, within the connection limits and timeouts of
/// `[server]` (see `conn.rs`; read when the server starts).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let s = &state.config().server;
    let limits = conn::Limits {
        header_timeout: s.header_timeout,
        write_timeout: s.write_timeout,
        max_connections: s.max_connections,
    };
    let connections = state.connections.clone();
    conn::run(listener, router(state), limits, connections, shutdown).await
}

/// Most values in the list parameters of one query (`topic`, `all_topics`, `source`):
/// each becomes a bound SQL parameter, twice with `dedup`.
const MAX_LIST_VALUES: usize = 50;
/// Most words in a search (`q`).
const MAX_SEARCH_WORDS: usize = 16;

/// Feed formats.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn from_ext(ext: &str) -> Option<Format> {
        match ext {
            "rss" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

fn split_file(file: &str) -> Result<(&str, Format), ServerError> {
    let (name, ext) = file.rsplit_once('.').ok_or_else(|| {
        ServerError::NotFound(format!("no such feed: {file} (use .rss, .atom or .json)"))
    })?;
    let format = Format::from_ext(ext).ok_or_else(|| {
        ServerError::NotFound(format!(
            "no such feed format: .{ext} (use .rss, .atom or .json)"
        ))
    })?;
    Ok((name, format))
}

/// Query parameters of feeds, validated. Public for the fuzz target `feed_query`.
pub fn parse_query(
    raw: Option<&str>,
    cfg: &Config,
) -> Result<(ItemQuery, Vec<(String, String)>), ServerError> {
    let mut q = ItemQuery::default();
    let mut kept = Vec::new();
    let pairs: Vec<(String, String)> = raw
        .map(|r| {
            url::form_urlencoded::parse(r.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let known_topic = |t: &str| cfg.topics.iter().any(|x| x.slug == t);
    let too_many = |q: &ItemQuery| {
        (q.topics.len() + q.all_topics.len() + q.sources.len() > MAX_LIST_VALUES).then(|| {
            ServerError::BadRequest(format!(
                "at most {MAX_LIST_VALUES} topics and sources in one query"
            ))
        })
    };
    for (k, v) in pairs {
        match k.as_str() {
            "topic" | "all_topics" => {
                for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    if !known_topic(t) {
                        return Err(ServerError::BadRequest(format!("unknown topic {t:?}")));
                    }
                    if k == "topic" {
                        q.topics.push(t.to_string());
                    } else {
                        q.all_topics.push(t.to_string());
                    }
                    if let Some(e) = too_many(&q) {
                        return Err(e);
                    }
                }
            }
            "source" => {
                for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if !cfg.sources.iter().any(|x| x.id == s) {
                        return Err(ServerError::BadRequest(format!("unknown source {s:?}")));
                    }
                    q.sources.push(s.to_string());
                    if let Some(e) = too_many(&q) {
                        return Err(e);
                    }
                }
            }
            "limit" => {
                q.limit = match v.parse::<u32>() {
                    Ok(n) if (1..=500).contains(&n) => n,
                    _ => {
                        return Err(ServerError::BadRequest(format!(
                            "limit must be a number from 1 to 500, got {v:?}"
                        )));
                    }
                };
            }
            "since" => q.since = Some(parse_since(&v)?),
            "dedup" => {
                q.dedup = match v.as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => {
                        return Err(ServerError::BadRequest(format!(
                            "dedup must be true or false, got {v:?}"
                        )));
                    }
                }
            }
            "q" => {
                q.search = crate::text::arabic::search_query(&v);
                if q.search.is_empty() && !v.trim().is_empty() {
                    return Err(ServerError::BadRequest(format!(
                        "q has no words to search for: {v:?}"
                    )));
                }
                if q.search.len() > MAX_SEARCH_WORDS {
                    return Err(ServerError::BadRequest(format!(
                        "q has {} words; at most {MAX_SEARCH_WORDS}",
                        q.search.len()
                    )));
                }
            }
            "before" => {
                let parsed = v
                    .split_once('.')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                q.before =
                    Some(parsed.ok_or_else(|| {
                        ServerError::BadRequest(format!("bad paging cursor {v:?}"))
                    })?);
                continue;
            }
            // Tracking tags link sharers append; refusing them would break shared links.
            _ if k.starts_with("utm_") => continue,
            _ => return Err(unknown_parameter(&k)),
        }
        kept.push((k, v));
    }
    Ok((q, kept))
}

/// The parameters [`parse_query`] knows.
const QUERY_PARAMETERS: [&str; 8] = [
    "topic",
    "all_topics",
    "source",
    "since",
    "before",
    "limit",
    "dedup",
    "q",
];

/// A misspelt parameter (`lmit=5`) ignored would answer with the defaults as if obeyed.
fn unknown_parameter(name: &str) -> ServerError {
    let closest = QUERY_PARAMETERS
        .iter()
        .map(|p| (crate::config::edit_distance(name, p), *p))
        .min()
        .filter(|(d, _)| name.len() > 2 && *d <= 1.max(name.len() / 3));
    ServerError::BadRequest(match closest {
        Some((_, p)) => format!("unknown parameter {name:?}; did you mean {p:?}?"),
        None => format!(
            "unknown parameter {name:?} (known: {})",
            QUERY_PARAMETERS.join(", ")
        ),
    })
}

/// `since`: RFC 3339, or a duration back from now ("24h", "7d").
fn parse_since(v: &str) -> Result<i64, ServerError> {
    if let Ok(d) = DateTime::parse_from_rfc3339(v) {
        return Ok(d.timestamp());
    }
    match crate::config::parse_duration(v) {
        // A duration past i64::MAX seconds wrapped negative and overflowed the subtraction
        // (a panic with overflow checks); any such duration means "from the beginning".
        Ok(d) => Ok(Utc::now()
            .timestamp()
            .saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))),
        Err(_) => Err(ServerError::BadRequest(format!(
            "since must be an RFC 3339 time (2026-11-29T08:00:00Z) or a duration (24h, 7d), got {v:?}"
        ))),
    }
}

async fn topic_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let (slug, format) = split_file(&file)?;
    let cfg = st.config();
    let (mut q, kept) = parse_query(raw.as_deref(), &cfg)?;
    let (title, description) = if slug == "all" {
        (
            "مرصد: كل الأخبار".to_string(),
            "كل الأخبار من كل المصادر".to_string(),
        )
    } else {
        let t = find_topic(&cfg, slug)?;
        q.topics.push(t.slug.clone());
        (
            format!("مرصد: {}", t.name),
            t.description
                .clone()
                .unwrap_or_else(|| format!("أخبار {}", t.name)),
        )
    };
    let path = format!("/feeds/{file}");
    let title = pages::search_title(title, &kept);
    render_feed(
        &st,
        &cfg,
        &format!("topic:{slug}"),
        title,
        description,
        &path,
        q,
        kept,
        format,
        &headers,
    )
    .await
}

async fn source_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let (id, format) = split_file(&file)?;
    let cfg = st.config();
    let name = st
        .store
        .source_name(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no such source: {id}")))?;
    let (mut q, kept) = parse_query(raw.as_deref(), &cfg)?;
    q.sources = vec![id.to_string()];
    // A source's own feed shows all its items: de-duplication is across sources.
    q.dedup = false;
    let path = format!("/sources/{file}");
    let title = pages::search_title(format!("مرصد: {name}"), &kept);
    render_feed(
        &st,
        &cfg,
        &format!("source:{id}"),
        title,
        format!("أخبار {name} بعد التنظيف"),
        &path,
        q,
        kept,
        format,
        &headers,
    )
    .await
}

#[allow(clippy::too_many_arguments)] // one call site per feed family; a struct would only rename them
async fn render_feed(
    st: &AppState,
    cfg: &Config,
    id: &str,
    title: String,
    description: String,
    path: &str,
    q: ItemQuery,
    kept: Vec<(String, String)>,
    format: Format,
    headers: &HeaderMap,
) -> Result<Response, ServerError> {
    let base = &cfg.server.base_url;
    let with_query = |extra: Option<String>| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            ser.append_pair(k, v);
        }
        if let Some(c) = &extra {
            ser.append_pair("before", c);
        }
        let qs = ser.finish();
        if qs.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{qs}")
        }
    };
    let self_url = with_query(q.before.map(|(a, b)| format!("{a}.{b}")));
    // Read before the query: a write during rendering leaves this entry already stale.
    let generation = st.store.generation();
    if let Some(hit) = st.cache.get(&self_url, generation) {
        return Ok(hit.respond(headers));
    }
    // A miss waits for a render slot, then looks again: a render that finished meanwhile
    // (most often of this very feed, when a commit made it stale for every client) serves it.
    let _permit = st.cache.render_permit().await;
    let generation = st.store.generation();
    if let Some(hit) = st.cache.get(&self_url, generation) {
        return Ok(hit.respond(headers));
    }
    let started = std::time::Instant::now();
    let items = st.store.items(&q).await?;
    let next_url = (items.len() as u32 == q.limit)
        .then(|| {
            items
                .last()
                .map(|l| with_query(Some(format!("{}.{}", l.sort_ts, l.id))))
        })
        .flatten();
    let updated = items
        .iter()
        .map(|i| i.fetched_at.max(i.updated.unwrap_or(i.fetched_at)))
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let info = FeedInfo {
        id: id.to_string(),
        title,
        description,
        self_url: self_url.clone(),
        html_url: format!("{base}/"),
        next_url,
        updated,
        base_url: base.clone(),
    };
    let body = match format {
        Format::Rss => publish::rss(&info, &items),
        Format::Atom => publish::atom(&info, &items),
        Format::Json => publish::json(&info, &items),
    };
    // Readers may poll as often as a third of the polling interval, within 1–15 minutes.
    let max_age = (cfg.fetch.interval.as_secs() / 3).clamp(60, 900);
    crate::metrics::metrics()
        .render_seconds
        .observe(started.elapsed().as_secs_f64());
    let rendered = Arc::new(Cached::new(
        generation,
        body,
        format.content_type(),
        updated,
        max_age,
    ));
    st.cache.put(self_url, rendered.clone());
    Ok(rendered.respond(headers))
}

fn find_topic<'a>(cfg: &'a Config, slug: &str) -> Result<&'a TopicSpec, ServerError> {
    cfg.topics
        .iter()
        .find(|t| t.slug == slug)
        .ok_or_else(|| ServerError::NotFound(format!("no such topic: {slug}")))
}

async fn topics_opml(State(st): State<AppState>) -> Response {
    let cfg = st.config();
    let base = &cfg.server.base_url;
    let outlines: Vec<Outline> = std::iter::once(Outline {
        title: "مرصد: كل الأخبار".into(),
        xml_url: format!("{base}/feeds/all.atom"),
        html_url: format!("{base}/"),
    })
    .chain(cfg.topics.iter().map(|t| Outline {
        title: format!("مرصد: {}", t.name),
        xml_url: format!("{base}/feeds/{}.atom", t.slug),
        html_url: format!("{base}/topics/{}", t.slug),
    }))
    .collect();
    opml_response(publish::opml("مرصد: المواضيع", &outlines))
}

async fn sources_opml(State(st): State<AppState>) -> Response {
    let cfg = st.config();
    let outlines: Vec<Outline> = cfg
        .sources
        .iter()
        .map(|s| Outline {
            title: s.name.clone(),
            xml_url: s.url.to_string(),
            html_url: s.url.origin().ascii_serialization(),
        })
        .collect();
    opml_response(publish::opml("مرصد: المصادر", &outlines))
}

fn opml_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response()
}

/// 200 when the database answers and the fetch path's writes work; 503 otherwise, with
/// the reason. Feeds are served from what is stored either way.
async fn readyz(State(st): State<AppState>) -> Response {
    if !st.store.ping().await {
        return (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response();
    }
    let failures = st.store.write_failures();
    if failures.is_empty() {
        return (StatusCode::OK, "ready\n").into_response();
    }
    let mut body = String::from("database writes failing; serving stored items\n");
    for (kind, f) in failures {
        body.push_str(&format!(
            "{kind}: {} (since {}, {} failure(s))\n",
            f.error,
            crate::publish::rfc3339(f.since),
            f.failures
        ));
    }
    (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
}

/// Open to all unless `admin_token` is set: then only with the token, because it names
/// the config's files and the sources' errors.
async fn api_status(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let cfg = st.config();
    let access = pages::admin_access(&cfg, raw.as_deref(), &headers);
    if let Some(refused) = pages::admin_refusal(&cfg, access.or(Some(true))) {
        return refused;
    }
    let error = st.notice.read().expect("notice lock").clone();
    // `null` when the database cannot say.
    let failing: Option<Vec<serde_json::Value>> = st.store.sources().await.ok().map(|sources| {
        sources
            .into_iter()
            .filter(|s| !s.retired && s.error.is_some())
            .map(|s| {
                serde_json::json!({
                    "id": s.id,
                    "error": s.error,
                    "consecutive_failures": s.consecutive_failures,
                    "last_success": s.last_success.map(crate::publish::rfc3339),
                })
            })
            .collect()
    });
    let failures = st.store.write_failures();
    axum::Json(serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "config": {
            "main": cfg.main_path.display().to_string(),
            "sources_file": cfg.sources_path.display().to_string(),
            "topics_file": cfg.topics_path.display().to_string(),
            "sources": cfg.sources.len(),
            "topics": cfg.topics.len(),
            "ok": error.is_none(),
            "error": error,
        },
        "database": {
            "reachable": st.store.ping().await,
            "writable": failures.is_empty(),
            "write_retries": st.store.write_retries(),
            "write_errors": failures
                .into_iter()
                .map(|(kind, f)| serde_json::json!({
                    "write": kind,
                    "error": f.error,
                    "since": crate::publish::rfc3339(f.since),
                    "failures": f.failures,
                }))
                .collect::<Vec<_>>(),
        },
        "sources_failing": failing,
        "http": {
            "open_connections": st.connections.open(),
            "max_connections": cfg.server.max_connections,
        },
    }))
    .into_response()
}

/// With `admin_token` set, the fetch errors and parser warnings are left out unless the
/// request carries the token: they are admin messages (see `/admin`).
async fn api_sources(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let cfg = st.config();
    let mut sources = st.store.sources().await?;
    if pages::admin_access(&cfg, raw.as_deref(), &headers) == Some(false) {
        for s in &mut sources {
            s.error = None;
            s.warnings = None;
        }
    }
    Ok(axum::Json(sources).into_response())
}

async fn api_items(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ServerError> {
    let cfg = st.config();
    let (q, _) = parse_query(raw.as_deref(), &cfg)?;
    Ok(axum::Json(st.store.items(&q).await?).into_response())
}

async fn api_item(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ServerError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ServerError::NotFound(format!("no such item: {id}")))?;
    let item = st
        .store
        .item(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no such item: {id}")))?;
    Ok(axum::Json(item).into_response())
}

async fn api_topics(State(st): State<AppState>) -> Result<Response, ServerError> {
    let cfg = st.config();
    let counts = st.store.topic_counts().await?;
    let topics: Vec<serde_json::Value> = cfg
        .topics
        .iter()
        .map(|t| {
            serde_json::json!({
                "slug": t.slug,
                "name": t.name,
                "description": t.description,
                "items": counts.get(&t.slug).copied().unwrap_or(0),
                "feeds": {
                    "atom": format!("{}/feeds/{}.atom", cfg.server.base_url, t.slug),
                    "rss": format!("{}/feeds/{}.rss", cfg.server.base_url, t.slug),
                    "json": format!("{}/feeds/{}.json", cfg.server.base_url, t.slug),
                }
            })
        })
        .collect();
    Ok(axum::Json(topics).into_response())
}
