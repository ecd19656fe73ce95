//! Prometheus metrics: one process-wide registry, served as text on `GET /metrics`.
//!
//! A global rather than a value passed through every stage: the counters are write-only
//! observations that never change behaviour, and threading a handle through pure stages
//! (parse, clean, tag) would couple them to the server.

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of a fetch.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FetchLabels {
    /// Source slug.
    pub source: String,
    /// "ok", "not_modified" or "error".
    pub outcome: String,
}

/// Labels of a topic counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TopicLabels {
    /// Topic slug.
    pub topic: String,
}

/// Labels of an HTTP request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    /// Route pattern ("/feeds/{file}"), not the raw path, to keep cardinality bounded.
    pub route: String,
    /// Status code.
    pub status: String,
}

/// Labels of a webhook endpoint.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// The endpoint's configured name.
    pub endpoint: String,
}

/// Labels of a webhook delivery attempt.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    /// The endpoint's configured name.
    pub endpoint: String,
    /// "ok" (delivered), "error" (a failed attempt, retried) or "gave_up" (retried for
    /// `[push] retry_for` without success).
    pub outcome: String,
}

/// Every metric marsad exports.
pub struct Metrics {
    registry: Registry,
    /// Fetches by source and outcome.
    pub fetches: Family<FetchLabels, Counter>,
    /// Items stored for the first time.
    pub items_stored: Counter,
    /// Topic tags on items processed by fetches (seen, new or not), per topic.
    pub tags: Family<TopicLabels, Counter>,
    /// HTTP requests by route and status.
    pub http_requests: Family<HttpLabels, Counter>,
    /// Seconds per source refresh (fetch + parse + clean + tag + store).
    pub fetch_seconds: Histogram,
    /// Seconds per feed render (cache misses only).
    pub render_seconds: Histogram,
    /// Webhook delivery attempts by endpoint and outcome.
    pub webhook_deliveries: Family<DeliveryLabels, Counter>,
    /// Failed attempts in a row of an endpoint's current delivery (0: healthy).
    pub webhook_failing: Family<EndpointLabels, Gauge>,
    /// Outbox rows an endpoint has yet to go through (delivered, skipped or given up on).
    pub webhook_behind: Family<EndpointLabels, Gauge>,
    /// Live streams (`GET /events`) open.
    pub streams_open: Gauge,
    /// Feeds delivered to WebSub subscribers.
    pub websub_deliveries: Counter,
    /// Failed attempts to deliver a feed to a WebSub subscriber.
    pub websub_failures: Counter,
    /// Content pushed to marsad by its sources' WebSub hubs, by outcome.
    pub websub_pushes: Family<OutcomeLabels, Counter>,
}

/// Labels of a count by outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    /// What happened.
    pub outcome: String,
}

/// The process-wide metrics.
pub fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(|| {
        let mut registry = Registry::with_prefix("marsad");
        let fetches = Family::<FetchLabels, Counter>::default();
        let items_stored = Counter::default();
        let tags = Family::<TopicLabels, Counter>::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        let fetch_seconds = Histogram::new(exponential_buckets(0.005, 2.0, 14));
        let render_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 14));
        registry.register("fetches", "Source refreshes by outcome", fetches.clone());
        registry.register(
            "items_stored",
            "Items stored for the first time",
            items_stored.clone(),
        );
        registry.register(
            "tags",
            "Topic tags on items processed by fetches",
            tags.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            http_requests.clone(),
        );
        registry.register(
            "fetch_seconds",
            "Duration of a source refresh",
            fetch_seconds.clone(),
        );
        registry.register(
            "render_seconds",
            "Duration of a feed render (cache miss)",
            render_seconds.clone(),
        );
        let webhook_deliveries = Family::<DeliveryLabels, Counter>::default();
        let webhook_failing = Family::<EndpointLabels, Gauge>::default();
        let webhook_behind = Family::<EndpointLabels, Gauge>::default();
        let streams_open = Gauge::default();
        registry.register(
            "webhook_deliveries",
            "Webhook delivery attempts by endpoint and outcome",
            webhook_deliveries.clone(),
        );
        registry.register(
            "webhook_failing",
            "Failed attempts in a row of the endpoint's current delivery",
            webhook_failing.clone(),
        );
        registry.register(
            "webhook_behind",
            "Outbox rows the endpoint has yet to go through",
            webhook_behind.clone(),
        );
        registry.register(
            "streams_open",
            "Live event streams open",
            streams_open.clone(),
        );
        let websub_deliveries = Counter::default();
        let websub_failures = Counter::default();
        let websub_pushes = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "websub_deliveries",
            "Feeds delivered to WebSub subscribers",
            websub_deliveries.clone(),
        );
        registry.register(
            "websub_failures",
            "Failed attempts to deliver a feed to a WebSub subscriber",
            websub_failures.clone(),
        );
        registry.register(
            "websub_pushes",
            "Content pushed by sources' WebSub hubs, by outcome",
            websub_pushes.clone(),
        );
        Metrics {
            registry,
            websub_deliveries,
            websub_failures,
            websub_pushes,
            webhook_deliveries,
            webhook_failing,
            webhook_behind,
            streams_open,
            fetches,
            items_stored,
            tags,
            http_requests,
            fetch_seconds,
            render_seconds,
        }
    })
}

/// The OpenMetrics text of every metric.
pub fn encode() -> String {
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &metrics().registry)
        .expect("writing to a String cannot fail");
    out
}
