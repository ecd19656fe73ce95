//! The axum layer: routes, query validation, HTTP caching headers.
//!
//! Handlers read from the store and hand items to `publish`; they never render XML or speak
//! SQL themselves. The server takes its listener and a shutdown future, so tests run the
//! real server on `127.0.0.1:0`.
//!
//! This file holds the state, the router and the layers every response passes; the routes
//! are in one file per family: `feeds` (RSS, Atom, JSON Feed, OPML), `pages` (HTML),
//! `api` (JSON, health, readiness), `events` (the live stream), `websub` (the WebSub hub
//! and subscriber callback). `query` parses what a request asks for, `error` turns
//! errors into statuses, `cache` keeps rendered feeds, `conn` serves connections.

mod api;
mod cache;
mod conn;
mod error;
mod events;
mod feeds;
mod pages;
mod query;
mod state;
mod websub;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;

pub use conn::{Connections, MAX_HEAD_BYTES, WriteTimeout};
pub use error::ServerError;
pub use query::parse_query;
pub use state::AppState;

/// The router with every route.
pub fn router(state: AppState) -> Router {
    let base: Arc<str> = pages::base_path(&state.config().server.base_url).into();
    let routes = Router::new()
        .route("/", get(pages::index))
        .route("/topics/{slug}", get(pages::topic))
        .route("/feeds/{file}", get(feeds::topic_feed))
        .route("/sources/{file}", get(pages::source))
        .route("/items/{id}", get(pages::item))
        .route("/admin", get(pages::admin))
        .route("/opml", get(feeds::topics_opml))
        .route("/sources.opml", get(feeds::sources_opml))
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
        .route("/readyz", get(api::readyz))
        .route("/api/sources", get(api::sources))
        .route("/api/status", get(api::status))
        .route("/api/items", get(api::items))
        .route("/api/items/{id}", get(api::item))
        .route("/api/topics", get(api::topics))
        .route("/events", get(events::events))
        .route(
            "/websub",
            axum::routing::post(websub::hub)
                .layer(axum::extract::DefaultBodyLimit::max(WEBSUB_FORM_BYTES)),
        )
        .route(
            "/websub/callback/{token}",
            get(websub::verify).post(websub::content),
        )
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

/// The largest `POST /websub` form: four URLs and a secret.
const WEBSUB_FORM_BYTES: usize = 16 * 1024;

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
    // Live streams never end by themselves: they are closed first, so the graceful
    // shutdown's wait for requests in flight ends.
    let push = state.push.clone();
    let shutdown = async move {
        shutdown.await;
        push.close();
    };
    conn::run(listener, router(state), limits, connections, shutdown).await
}
