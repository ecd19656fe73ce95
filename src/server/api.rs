//! The JSON API (`/api/…`) and the health and readiness answers.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::error::ServerError;
use super::pages;
use super::query::parse_query;
use super::state::AppState;

/// 200 when the database answers and the fetch path's writes work; 503 otherwise, with
/// the reason. Feeds are served from what is stored either way.
pub(super) async fn readyz(State(st): State<AppState>) -> Response {
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
pub(super) async fn status(
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
    // Subscribers of our feeds (callback hosts only: a callback's path may be a secret),
    // and the sources a hub pushes to.
    let now = chrono::Utc::now().timestamp();
    let websub = match (
        st.store.websub_subscriptions().await,
        st.store.source_subscriptions().await,
    ) {
        (Ok(subs), Ok(ours)) => serde_json::json!({
            "subscriptions": subs
                .iter()
                .filter(|s| s.expires_at >= now)
                .map(|s| serde_json::json!({"topic": s.topic, "host": s.host, "expires_at": s.expires_at}))
                .collect::<Vec<_>>(),
            "sources": ours
                .iter()
                .map(|s| serde_json::json!({"source": s.source_id, "hub": s.hub, "state": s.state, "expires_at": s.expires_at}))
                .collect::<Vec<_>>(),
        }),
        _ => serde_json::Value::Null,
    };
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
        "push": {
            "streams_open": st.push.streams_open(),
            "max_streams": cfg.push.max_streams,
            "webhooks": st.push.endpoints(),
            "websub": websub,
        },
    }))
    .into_response()
}

/// With `admin_token` set, the fetch errors and parser warnings are left out unless the
/// request carries the token: they are admin messages (see `/admin`).
pub(super) async fn sources(
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

pub(super) async fn items(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ServerError> {
    let cfg = st.config();
    let (q, _) = parse_query(raw.as_deref(), &cfg)?;
    Ok(axum::Json(st.store.items(&q).await?).into_response())
}

pub(super) async fn item(
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
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        crate::publish::item_json(&item),
    )
        .into_response())
}

pub(super) async fn topics(State(st): State<AppState>) -> Result<Response, ServerError> {
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
