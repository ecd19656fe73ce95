//! `[[webhooks]]` and `[push]` of `marsad.toml`: the endpoints marsad POSTs new items to,
//! and the limits of the live stream (`GET /events`) and of deliveries.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use toml::Spanned;

use super::duration::parse_duration;
use super::error::{ConfigError, error_at};
use super::types::{SourceSpec, TopicSpec};

/// One `[[webhooks]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWebhook {
    pub name: Option<Spanned<String>>,
    pub url: Spanned<String>,
    pub secret: Spanned<String>,
    #[serde(default)]
    pub topics: Vec<Spanned<String>>,
    #[serde(default)]
    pub sources: Vec<Spanned<String>>,
}

/// `[push]` as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPush {
    pub max_streams: Option<Spanned<usize>>,
    pub stream_buffer: Option<Spanned<usize>>,
    pub resume_limit: Option<Spanned<u32>>,
    pub retry_for: Option<Spanned<String>>,
    pub webhook_timeout: Option<Spanned<String>>,
    pub allow_private_callbacks: Option<bool>,
    pub max_subscriptions_per_host: Option<Spanned<usize>>,
    pub websub_lease: Option<Spanned<String>>,
    pub subscribe: Option<bool>,
    pub fallback_interval: Option<Spanned<String>>,
}

/// One webhook endpoint, validated.
#[derive(Clone, PartialEq)]
pub struct WebhookSpec {
    /// Its name: `name`, else the URL's host. It keys the endpoint's place in the
    /// outbox and labels its metrics, so renaming it starts the endpoint afresh.
    pub name: String,
    /// Where items are POSTed (redirects are not followed).
    pub url: url::Url,
    /// The signing key: the bytes of the base64 after `whsec_`.
    pub secret: Vec<u8>,
    /// Any of these topics (empty: every item).
    pub topics: Vec<String>,
    /// Any of these sources (empty: every source).
    pub sources: Vec<String>,
}

/// The secret stays out of logs and debug output.
impl std::fmt::Debug for WebhookSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookSpec")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
            .field("secret", &"whsec_…")
            .field("topics", &self.topics)
            .field("sources", &self.sources)
            .finish()
    }
}

/// `[push]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct PushSettings {
    /// Live streams (`GET /events`) open at once; more are refused with 503. Each holds a
    /// connection, so `[server] max_connections` must leave room for them.
    pub max_streams: usize,
    /// Events a stream's client may fall behind by before its stream is ended (it then
    /// reconnects with `Last-Event-ID` and resumes from the store).
    pub stream_buffer: usize,
    /// Most events a reconnecting stream is sent from the store.
    pub resume_limit: u32,
    /// How long a webhook delivery is retried, counted from when the item was stored.
    pub retry_for: Duration,
    /// Whole-request timeout of one delivery attempt (webhooks and WebSub alike).
    pub webhook_timeout: Duration,
    /// Whether WebSub callbacks may be private, loopback or link-local addresses. Callbacks
    /// come from strangers: by default the hub refuses to make requests into the network it
    /// runs in.
    pub allow_private_callbacks: bool,
    /// WebSub subscriptions one callback host may hold at once.
    pub max_subscriptions_per_host: usize,
    /// The longest WebSub lease the hub grants, and the one it grants when none is asked.
    pub websub_lease: Duration,
    /// Whether marsad subscribes to the WebSub hubs its sources' feeds advertise.
    pub subscribe: bool,
    /// How often a source a hub pushes to is still polled, in case a push is lost (capped
    /// at `[fetch] max_interval`, never shorter than the source's own interval).
    pub fallback_interval: Duration,
}

impl Default for PushSettings {
    fn default() -> Self {
        PushSettings {
            max_streams: 1000,
            stream_buffer: 256,
            resume_limit: 500,
            retry_for: Duration::from_secs(48 * 3600),
            webhook_timeout: Duration::from_secs(10),
            allow_private_callbacks: false,
            max_subscriptions_per_host: 20,
            websub_lease: Duration::from_secs(10 * 86400),
            subscribe: true,
            fallback_interval: Duration::from_secs(6 * 3600),
        }
    }
}

/// The shortest WebSub lease the hub grants: shorter ones are raised to it, so a
/// subscriber cannot make the hub verify intent every few seconds.
pub const MIN_LEASE: Duration = Duration::from_secs(300);

/// Standard Webhooks: secrets are 24 to 64 random bytes, base64 after `whsec_`.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;

/// Checks `[[webhooks]]` and `[push]`; topics and sources are checked against the
/// validated files (skipped when a file did not load, so its errors are not repeated).
pub(super) fn validate(
    path: &Path,
    text: &str,
    hooks: Vec<RawWebhook>,
    push: &RawPush,
    topics: &[TopicSpec],
    sources: &[SourceSpec],
    errors: &mut Vec<ConfigError>,
) -> (Vec<WebhookSpec>, PushSettings) {
    let mut err = |span: std::ops::Range<usize>, message: String| {
        errors.push(error_at(path, text, span.start, message));
    };
    let mut settings = PushSettings::default();
    for (slot, value, name) in [
        (&mut settings.max_streams, &push.max_streams, "max_streams"),
        (
            &mut settings.stream_buffer,
            &push.stream_buffer,
            "stream_buffer",
        ),
    ] {
        if let Some(v) = value {
            if *v.get_ref() == 0 {
                err(v.span(), format!("{name} must be at least 1"));
            }
            *slot = (*v.get_ref()).max(1);
        }
    }
    if let Some(v) = &push.resume_limit {
        settings.resume_limit = *v.get_ref();
    }
    if let Some(v) = &push.max_subscriptions_per_host {
        if *v.get_ref() == 0 {
            err(
                v.span(),
                "max_subscriptions_per_host must be at least 1".into(),
            );
        }
        settings.max_subscriptions_per_host = *v.get_ref();
    }
    settings.allow_private_callbacks = push.allow_private_callbacks.unwrap_or(false);
    settings.subscribe = push.subscribe.unwrap_or(true);
    for (slot, value, name) in [
        (&mut settings.retry_for, &push.retry_for, "retry_for"),
        (
            &mut settings.webhook_timeout,
            &push.webhook_timeout,
            "webhook_timeout",
        ),
        (
            &mut settings.websub_lease,
            &push.websub_lease,
            "websub_lease",
        ),
        (
            &mut settings.fallback_interval,
            &push.fallback_interval,
            "fallback_interval",
        ),
    ] {
        if let Some(v) = value {
            match parse_duration(v.get_ref()) {
                Ok(d) => *slot = d,
                Err(e) => err(v.span(), format!("{name}: {e}")),
            }
        }
    }
    if let Some(v) = &push.websub_lease
        && settings.websub_lease < MIN_LEASE
    {
        err(
            v.span(),
            format!(
                "websub_lease must be at least {} minutes",
                MIN_LEASE.as_secs() / 60
            ),
        );
    }

    let mut names = HashSet::new();
    let mut out = Vec::new();
    for h in hooks {
        let mut ok = true;
        let url = match url::Url::parse(h.url.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            Ok(u) => {
                err(
                    h.url.span(),
                    format!(
                        "webhook url {:?}: use an http or https URL with a host",
                        u.as_str()
                    ),
                );
                None
            }
            Err(e) => {
                err(
                    h.url.span(),
                    format!("webhook url {:?}: {e}", h.url.get_ref()),
                );
                None
            }
        };
        let secret = match h.secret.get_ref().strip_prefix("whsec_") {
            None => {
                err(
                    h.secret.span(),
                    "secret must start with \"whsec_\" followed by base64 (a Standard Webhooks secret, e.g. from `echo whsec_$(openssl rand -base64 32)`)".into(),
                );
                None
            }
            Some(b64) => match base64::engine::general_purpose::STANDARD.decode(b64) {
                Err(e) => {
                    err(
                        h.secret.span(),
                        format!("secret: the part after \"whsec_\" is not base64: {e}"),
                    );
                    None
                }
                Ok(key) if !SECRET_BYTES.contains(&key.len()) => {
                    err(
                        h.secret.span(),
                        format!(
                            "secret: {} bytes after base64 decoding; use {} to {} random bytes (`echo whsec_$(openssl rand -base64 32)`)",
                            key.len(),
                            SECRET_BYTES.start(),
                            SECRET_BYTES.end()
                        ),
                    );
                    None
                }
                Ok(key) => Some(key),
            },
        };
        if !topics.is_empty() {
            for t in &h.topics {
                if !topics.iter().any(|x| &x.slug == t.get_ref()) {
                    err(t.span(), format!("unknown topic {:?}", t.get_ref()));
                    ok = false;
                }
            }
        }
        if !sources.is_empty() {
            for s in &h.sources {
                if !sources.iter().any(|x| &x.id == s.get_ref()) {
                    err(s.span(), format!("unknown source {:?}", s.get_ref()));
                    ok = false;
                }
            }
        }
        let (Some(url), Some(secret)) = (url, secret) else {
            continue;
        };
        let (name, name_span) = match &h.name {
            Some(n) => (n.get_ref().trim().to_string(), n.span()),
            // The host only: the name is shown on `/metrics`, and some services put the
            // endpoint's secret in the URL's path.
            None => (url.host_str().unwrap_or("").to_string(), h.url.span()),
        };
        if name.is_empty() || name.len() > 200 {
            err(name_span, "webhook name must be 1 to 200 characters".into());
            ok = false;
        } else if !names.insert(name.clone()) {
            err(
                name_span,
                format!(
                    "a second webhook named {name:?}: give each endpoint its own `name` (it keys the endpoint's deliveries)"
                ),
            );
            ok = false;
        }
        if ok {
            out.push(WebhookSpec {
                name,
                url,
                secret,
                topics: h.topics.into_iter().map(Spanned::into_inner).collect(),
                sources: h.sources.into_iter().map(Spanned::into_inner).collect(),
            });
        }
    }
    (out, settings)
}
