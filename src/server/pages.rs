//! The HTML pages: the lists (home, topic, source, search), an item with why it has its
//! topics, the admin view, and errors as Arabic pages.
//!
//! Every link a page writes starts with the path of `base_url`, and the server answers both
//! with and without that path ([`strip_base`]), so marsad works behind a proxy that passes
//! `/marsad/…` on as is and behind one that strips it.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use subtle::ConstantTimeEq;

use super::error::ServerError;
use super::query::{MAX_SEARCH_WORDS, find_topic, parse_query};
use super::state::AppState;
use crate::config::Config;
use crate::publish::html;

/// Most items on one page; `limit` above it is lowered to it (feeds allow more).
pub const PAGE_LIMIT: u32 = 100;

/// The path of `base_url` without its trailing slash: "" for `https://example.org` or
/// `https://example.org/`, "/marsad" for `https://example.org/marsad/`.
pub fn base_path(base_url: &str) -> String {
    url::Url::parse(base_url)
        .map(|u| u.path().trim_end_matches('/').to_string())
        .unwrap_or_default()
}

/// Takes the path of `base_url` off a request's path before routing, so `/marsad/topics/x`
/// is `/topics/x`. Requests without it are routed as they are (a proxy that strips it).
pub async fn strip_base(
    State(base): State<Arc<str>>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let uri = req.uri();
    let rest = uri.path().strip_prefix(&*base);
    if let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('/')) {
        let path = if rest.is_empty() { "/" } else { rest };
        let pq = match uri.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        if let Ok(pq) = pq.parse::<axum::http::uri::PathAndQuery>() {
            let mut parts = uri.clone().into_parts();
            parts.path_and_query = Some(pq);
            if let Ok(new) = axum::http::Uri::from_parts(parts) {
                *req.uri_mut() = new;
            }
        }
    }
    next.run(req).await
}

/// Why a page could not be shown.
enum Failure {
    /// What a feed or the API would answer too.
    Server(ServerError),
    /// A search that cannot be run, explained in Arabic for the reader.
    Search(String),
}

impl From<ServerError> for Failure {
    fn from(e: ServerError) -> Failure {
        Failure::Server(e)
    }
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Failure {
        Failure::Server(e.into())
    }
}

/// A page handler's error, shown as an Arabic page.
pub struct PageError {
    base: String,
    error: Failure,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, heading, explanation) = match &self.error {
            Failure::Search(m) => (StatusCode::BAD_REQUEST, "بحث غير صالح", m.as_str()),
            Failure::Server(ServerError::NotFound(_)) => (
                StatusCode::NOT_FOUND,
                "الصفحة غير موجودة",
                "لا توجد صفحة بهذا العنوان: ربما أُزيل الموضوع أو المصدر أو الخبر، أو في الرابط خطأ.",
            ),
            Failure::Server(ServerError::BadRequest(_)) => (
                StatusCode::BAD_REQUEST,
                "طلب غير صالح",
                "لم نفهم أحد معاملات هذا الرابط. ارجع إلى الصفحة الرئيسية وحاول من جديد.",
            ),
            Failure::Server(ServerError::Store(e)) => {
                tracing::error!(error = %e, "page failed on the database");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "الخدمة غير متاحة مؤقتًا",
                    "تعذّرت قراءة الأخبار الآن. حاول بعد قليل.",
                )
            }
        };
        // The database's message can name files: it is logged above, not shown.
        let detail = match &self.error {
            Failure::Server(ServerError::Store(_)) => "database error".to_string(),
            Failure::Server(e) => e.to_string(),
            Failure::Search(_) => String::new(),
        };
        let body = html::error_page(&self.base, heading, explanation, &detail);
        (status, [(header::CONTENT_TYPE, HTML)], body).into_response()
    }
}

const HTML: &str = "text/html; charset=utf-8";

fn page_error(cfg: &Config) -> impl Fn(Failure) -> PageError + '_ {
    |error| PageError {
        base: base_path(&cfg.server.base_url),
        error,
    }
}

/// The search as typed, checked first so that a search with nothing to look for, or too
/// much, is explained in Arabic (`parse_query` would refuse it in English).
fn search_text(raw: Option<&str>) -> Result<Option<String>, Failure> {
    let Some(v) = raw.and_then(|r| {
        url::form_urlencoded::parse(r.as_bytes())
            .find(|(k, _)| k == "q")
            .map(|(_, v)| v.into_owned())
    }) else {
        return Ok(None);
    };
    let words = crate::text::arabic::search_query(&v);
    if words.is_empty() && !v.trim().is_empty() {
        return Err(Failure::Search(format!(
            "ليس في «{v}» كلمات يُبحث عنها: اكتب كلمة من حرفين أو أكثر."
        )));
    }
    if words.len() > MAX_SEARCH_WORDS {
        return Err(Failure::Search(format!(
            "البحث أطول مما يُقبل: {} والحد {}. احذف بعض الكلمات.",
            html_count(words.len()),
            html_count(MAX_SEARCH_WORDS)
        )));
    }
    Ok((!v.trim().is_empty()).then_some(v))
}

fn html_count(n: usize) -> String {
    const WORDS: crate::publish::dates::Noun = crate::publish::dates::Noun {
        one: "كلمة واحدة",
        two: "كلمتان",
        few: "كلمات",
        many: "كلمة",
        other: "كلمة",
    };
    crate::publish::dates::count(i64::try_from(n).unwrap_or(i64::MAX), &WORDS)
}

/// `/`.
pub async fn index(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let cfg = st.config();
    list(&st, &cfg, Owned::Home, raw.as_deref())
        .await
        .map_err(page_error(&cfg))
}

/// `/topics/{slug}`.
pub async fn topic(
    State(st): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let cfg = st.config();
    list(&st, &cfg, Owned::Topic(slug), raw.as_deref())
        .await
        .map_err(page_error(&cfg))
}

/// `/sources/{id}` (the page) and `/sources/{id}.{fmt}` (its feeds): ids are slugs, which
/// have no dot.
pub async fn source(
    state: State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    if file.contains('.') {
        // Feed readers get the feeds' plain-text errors.
        return Ok(
            super::feeds::source_feed(state, Path(file), RawQuery(raw), headers)
                .await
                .into_response(),
        );
    }
    let cfg = state.config();
    list(&state, &cfg, Owned::Source(file), raw.as_deref())
        .await
        .map_err(page_error(&cfg))
}

enum Owned {
    Home,
    Topic(String),
    Source(String),
}

async fn list(
    st: &AppState,
    cfg: &Config,
    view: Owned,
    raw: Option<&str>,
) -> Result<Response, Failure> {
    let base = base_path(&cfg.server.base_url);
    let query = search_text(raw)?;
    let (mut q, kept) = parse_query(raw, cfg)?;
    let heading = match &view {
        Owned::Home => "مرصد — متابعة الأخبار العربية".to_string(),
        Owned::Topic(slug) => {
            let name = &find_topic(cfg, slug)?.name;
            q.topics.push(slug.clone());
            format!("مرصد: {name}")
        }
        Owned::Source(id) => {
            let name = st
                .store
                .source_name(id)
                .await?
                .ok_or_else(|| ServerError::NotFound(format!("no such source: {id}")))?;
            q.sources = vec![id.clone()];
            // As the source's feed: de-duplication is across sources.
            q.dedup = false;
            format!("مرصد: {name}")
        }
    };
    q.limit = q.limit.min(PAGE_LIMIT);
    let items = st.store.items(&q).await?;
    let found = match query {
        Some(_) => Some(st.store.count_items(&q).await?),
        None => None,
    };
    let serialize = |pairs: &mut dyn Iterator<Item = (&str, &str)>| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            ser.append_pair(k, v);
        }
        Some(ser.finish()).filter(|s| !s.is_empty())
    };
    let older = (items.len() == q.limit as usize)
        .then(|| items.last())
        .flatten()
        .and_then(|last| {
            let cursor = format!("{}.{}", last.sort_ts, last.id);
            serialize(
                &mut kept
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .chain(std::iter::once(("before", cursor.as_str()))),
            )
        });
    let newest_query = serialize(&mut kept.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    // Feeds keep the search and filters, not the page's size.
    let feed_query = serialize(
        &mut kept
            .iter()
            .filter(|(k, _)| k != "limit")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let counts = st.store.topic_counts().await?;
    let topics = topic_links(cfg, &counts);
    let sources: Vec<html::SourceLink> = st
        .store
        .sources()
        .await?
        .into_iter()
        .filter(|s| !s.retired)
        .map(|s| html::SourceLink {
            id: s.id,
            name: s.name,
            count: s.item_count,
        })
        .collect();
    let body = html::page(&html::Page {
        base: &base,
        heading,
        view: match &view {
            Owned::Home => html::View::Home,
            Owned::Topic(t) => html::View::Topic(t),
            Owned::Source(s) => html::View::Source(s),
        },
        query: query.as_deref(),
        found,
        topics: &topics,
        sources: &sources,
        items: &items,
        older,
        paged: q.before.is_some(),
        newest_query,
        feed_query,
        now: Utc::now(),
    });
    Ok(([(header::CONTENT_TYPE, HTML)], body).into_response())
}

fn topic_links(
    cfg: &Config,
    counts: &std::collections::HashMap<String, i64>,
) -> Vec<html::TopicLink> {
    cfg.topics
        .iter()
        .map(|t| html::TopicLink {
            slug: t.slug.clone(),
            name: t.name.clone(),
            count: counts.get(&t.slug).copied().unwrap_or(0),
        })
        .collect()
}

/// `/items/{id}`: the item and why it has its topics, from the rules in force (what
/// `marsad explain` prints).
pub async fn item(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let cfg = st.config();
    item_page(&st, &cfg, &id).await.map_err(page_error(&cfg))
}

async fn item_page(st: &AppState, cfg: &Arc<Config>, id: &str) -> Result<Response, Failure> {
    let not_found = || ServerError::NotFound(format!("no such item: {id}"));
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let item = st.store.item(id).await?.ok_or_else(not_found)?;
    let matcher = st.matcher.get(cfg);
    let explanations: Vec<html::Explanation> = matcher
        .evaluate(&item.title, &item.text, cfg.source_place(&item.source_id))
        .into_iter()
        .filter(|e| e.tagged || !e.matches.is_empty())
        .map(|e| html::Explanation {
            min_score: cfg
                .topics
                .iter()
                .find(|t| t.slug == e.slug)
                .filter(|t| !t.is_composite())
                .map(|t| t.min_score),
            slug: e.slug,
            tagged: e.tagged,
            score: e.score,
            vetoed_by: e.vetoed_by,
            matches: e.matches,
        })
        .collect();
    let counts = st.store.topic_counts().await?;
    let topics = topic_links(cfg, &counts);
    let base = base_path(&cfg.server.base_url);
    let body = html::item_page(&html::ItemPage {
        base: &base,
        item: &item,
        topics: &topics,
        explanations: &explanations,
        now: Utc::now(),
    });
    Ok(([(header::CONTENT_TYPE, HTML)], body).into_response())
}

/// Whether a request carries the admin token (`Authorization: Bearer …` or `?token=…`).
/// `None` when no token is configured: there is no admin access at all.
pub fn admin_access(cfg: &Config, raw: Option<&str>, headers: &HeaderMap) -> Option<bool> {
    let expected = cfg.server.admin_token.as_deref()?;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_string());
    let given = bearer.or_else(|| {
        url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
    });
    // Constant time in the token's content, so a timing attack cannot find it a byte at
    // a time (`subtle` compares slices of different lengths as unequal at once, which
    // tells only the length).
    Some(given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(expected.as_bytes()))))
}

/// The refusal of an admin resource: 404 when admin access is off, 401 without the token.
pub fn admin_refusal(cfg: &Config, access: Option<bool>) -> Option<Response> {
    let base = base_path(&cfg.server.base_url);
    match access {
        Some(true) => None,
        None => Some(
            PageError {
                base,
                error: Failure::Server(ServerError::NotFound("not found".into())),
            }
            .into_response(),
        ),
        Some(false) => {
            let body = html::error_page(
                &base,
                "الدخول مطلوب",
                "هذه الصفحة للمشرفين: أرسل رمز الإدارة في ترويسة Authorization أو في المعامل token.",
                "admin token required",
            );
            Some(
                (
                    StatusCode::UNAUTHORIZED,
                    [
                        (header::CONTENT_TYPE, HTML),
                        (header::WWW_AUTHENTICATE, "Bearer realm=\"marsad\""),
                    ],
                    body,
                )
                    .into_response(),
            )
        }
    }
}

/// `/admin`: the config error and the sources' fetch errors, which readers are not shown.
pub async fn admin(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let cfg = st.config();
    if let Some(refused) = admin_refusal(&cfg, admin_access(&cfg, raw.as_deref(), &headers)) {
        return Ok(refused);
    }
    let sources: Vec<html::AdminSource> = st
        .store
        .sources()
        .await
        .map_err(|e| page_error(&cfg)(e.into()))?
        .into_iter()
        .filter(|s| !s.retired)
        .map(|s| html::AdminSource {
            id: s.id,
            name: s.name,
            error: s.error,
            consecutive_failures: i64::from(s.consecutive_failures),
            last_success: s.last_success,
        })
        .collect();
    let write_errors: Vec<(String, String)> = st
        .store
        .write_failures()
        .into_iter()
        .map(|(kind, f)| (kind.to_string(), f.error))
        .collect();
    let notice = st.notice.read().expect("notice lock").clone();
    let base = base_path(&cfg.server.base_url);
    let body = html::admin_page(&html::AdminPage {
        base: &base,
        config_error: notice.as_deref(),
        write_errors: &write_errors,
        sources: &sources,
        now: Utc::now(),
    });
    let mut response = ([(header::CONTENT_TYPE, HTML)], body).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_path_is_the_path_of_base_url_without_its_slash() {
        assert_eq!(base_path("https://example.org"), "");
        assert_eq!(base_path("https://example.org/"), "");
        assert_eq!(base_path("https://example.org/marsad/"), "/marsad");
        assert_eq!(base_path("https://example.org/a/b"), "/a/b");
        assert_eq!(
            base_path("http://127.0.0.1:8080/مرصد"),
            "/%D9%85%D8%B1%D8%B5%D8%AF"
        );
    }
}
