//! The WebSub hub (<https://www.w3.org/TR/websub/>): strangers subscribe to our topic and
//! source feeds at `POST /websub`, confirm their intent when the hub calls their callback
//! back, and are then sent the updated feed whenever an item it holds is stored.
//!
//! Deliveries go through the outbox like webhooks: each subscription keeps a cursor
//! (`websub:<id>`) and moves it only once the feed was delivered (or given up on after
//! `[push] retry_for`), so a crash means the feed is sent again, never not at all. Several
//! new items of one feed found together are sent as one document, as WebSub intends: the
//! subscriber is sent what `GET` on its topic returns at that moment.
//!
//! Callbacks are URLs strangers chose: every request to them goes through a [`Guard`].

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::sync::watch;
use tracing::{info, warn};

use super::guard::Guard;
use super::webhook::{cursor, pause, transport_error};
use super::{BATCH, Filter, Hub, Task};
use crate::config::{Config, MIN_LEASE, PushSettings};
use crate::publish::{FeedInfo, FeedOf, Format};
use crate::store::{HubSubscription, ItemQuery, Store};

/// `hub.secret`'s most bytes (the specification's bound).
const MAX_SECRET_BYTES: usize = 199;
/// The most of a verification answer read: the challenge is 32 characters.
const MAX_CHALLENGE_ANSWER: usize = 1024;

/// What `POST /websub` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `hub.mode=subscribe` (also a renewal).
    Subscribe,
    /// `hub.mode=unsubscribe`.
    Unsubscribe,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Subscribe => "subscribe",
            Mode::Unsubscribe => "unsubscribe",
        }
    }
}

/// A checked subscription request.
#[derive(Debug, Clone)]
pub struct Request {
    /// Subscribe or unsubscribe.
    pub mode: Mode,
    /// One of our feed URLs.
    pub topic: String,
    /// Where the feed will be POSTed.
    pub callback: url::Url,
    /// The lease granted: what was asked, within [`MIN_LEASE`] and `[push] websub_lease`.
    pub lease: Duration,
    /// `hub.secret`, if given.
    pub secret: Option<String>,
}

/// Why a request was refused: the status and the reason the subscriber is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 400 for a malformed request, 403 for one the hub will not serve.
    pub status: u16,
    /// The reason, in the response body.
    pub reason: String,
}

fn bad(reason: impl Into<String>) -> Refusal {
    Refusal {
        status: 400,
        reason: reason.into(),
    }
}

/// Reads a `POST /websub` form (`application/x-www-form-urlencoded`).
pub fn parse_request(cfg: &Config, form: &[u8]) -> Result<Request, Refusal> {
    let mut fields: HashMap<String, String> = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(form) {
        if fields.insert(k.to_string(), v.to_string()).is_some() {
            return Err(bad(format!("{k} is given twice")));
        }
    }
    let field = |name: &str| {
        fields
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let mode = match field("hub.mode") {
        Some("subscribe") => Mode::Subscribe,
        Some("unsubscribe") => Mode::Unsubscribe,
        Some(other) => {
            return Err(bad(format!(
                "hub.mode must be subscribe or unsubscribe, not {other:?}"
            )));
        }
        None => return Err(bad("hub.mode is missing")),
    };
    let topic = field("hub.topic").ok_or_else(|| bad("hub.topic is missing"))?;
    if FeedOf::of_url(cfg, topic).is_none() {
        let base = cfg.server.base_url.trim_end_matches('/');
        return Err(bad(format!(
            "hub.topic {topic:?} is not a feed of this hub: use {base}/feeds/<topic>.atom (or .rss, .json), {base}/feeds/all.atom or {base}/sources/<source>.atom, without a query"
        )));
    }
    let callback = field("hub.callback").ok_or_else(|| bad("hub.callback is missing"))?;
    let callback = url::Url::parse(callback)
        .map_err(|e| bad(format!("hub.callback {callback:?} is not a URL: {e}")))?;
    if !matches!(callback.scheme(), "http" | "https") || callback.host().is_none() {
        return Err(bad("hub.callback must be an http or https URL with a host"));
    }
    if callback.fragment().is_some() {
        return Err(bad("hub.callback must not have a fragment"));
    }
    let max = cfg.push.websub_lease;
    let lease = match field("hub.lease_seconds") {
        None => max,
        Some(s) => {
            let secs: u64 = s.parse().map_err(|_| {
                bad(format!(
                    "hub.lease_seconds must be a whole number of seconds, not {s:?}"
                ))
            })?;
            Duration::from_secs(secs).clamp(MIN_LEASE, max.max(MIN_LEASE))
        }
    };
    let secret = field("hub.secret").map(str::to_string);
    if secret.as_ref().is_some_and(|s| s.len() > MAX_SECRET_BYTES) {
        return Err(bad(format!(
            "hub.secret must be shorter than {} bytes",
            MAX_SECRET_BYTES + 1
        )));
    }
    Ok(Request {
        mode,
        topic: topic.to_string(),
        callback,
        lease,
        secret,
    })
}

/// Accepts a checked request: refuses a callback the guard does not allow and a host over
/// its cap, then verifies the subscriber's intent in the background (the answer to the
/// request is `202 Accepted` before the verification is made, as WebSub says).
pub async fn accept(
    store: &Store,
    cfg: &Config,
    hub: &Arc<Hub>,
    req: Request,
) -> Result<(), Refusal> {
    let guard = Guard::new(cfg.push.allow_private_callbacks);
    guard.check(&req.callback).await.map_err(|why| Refusal {
        status: 403,
        reason: format!("hub.callback refused: {why}"),
    })?;
    let host = callback_host(&req.callback);
    if req.mode == Mode::Subscribe {
        let now = Utc::now().timestamp();
        let held = store
            .websub_subscriptions()
            .await
            .map_err(|e| Refusal {
                status: 503,
                reason: format!("the hub cannot read its subscriptions: {e}"),
            })?
            .into_iter()
            .filter(|s| {
                s.host == host
                    && s.expires_at >= now
                    && !(s.topic == req.topic && s.callback == req.callback.as_str())
            })
            .count();
        let cap = cfg.push.max_subscriptions_per_host;
        if held >= cap {
            return Err(Refusal {
                status: 403,
                reason: format!(
                    "{host} already holds {held} subscriptions, the most this hub allows one callback host"
                ),
            });
        }
    }
    let (store, hub) = (store.clone(), hub.clone());
    let timeout = cfg.push.webhook_timeout;
    tokio::spawn(async move {
        verify(&store, &hub, guard, timeout, req).await;
    });
    Ok(())
}

/// The host the per-host cap counts (with its port: two services on one address are two
/// subscribers).
fn callback_host(callback: &url::Url) -> String {
    match callback.port() {
        Some(p) => format!("{}:{p}", callback.host_str().unwrap_or("")),
        None => callback.host_str().unwrap_or("").to_string(),
    }
}

/// Asks the callback to confirm (`GET` with `hub.challenge`) and, when it echoes the
/// challenge, stores (or removes) the subscription.
async fn verify(store: &Store, hub: &Hub, guard: Guard, timeout: Duration, req: Request) {
    let challenge = super::random_token();
    let mut url = req.callback.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("hub.mode", req.mode.as_str())
            .append_pair("hub.topic", &req.topic)
            .append_pair("hub.challenge", &challenge);
        if req.mode == Mode::Subscribe {
            q.append_pair("hub.lease_seconds", &req.lease.as_secs().to_string());
        }
    }
    let confirmed = match confirm(guard, timeout, url, &challenge).await {
        Ok(()) => true,
        Err(why) => {
            info!(callback = %req.callback, topic = %req.topic, mode = req.mode.as_str(), reason = %why, "websub: intent not verified");
            false
        }
    };
    if !confirmed {
        return;
    }
    let now = Utc::now().timestamp();
    if req.mode == Mode::Unsubscribe {
        match store
            .websub_unsubscribe(&req.topic, req.callback.as_str())
            .await
        {
            Ok(_) => {
                info!(callback = %req.callback, topic = %req.topic, "websub: unsubscribed");
                hub.websub_changed.notify_one();
            }
            Err(e) => warn!(error = %e, "websub: cannot remove a subscription"),
        }
        return;
    }
    // Deliveries start with the items stored from now on (a renewal keeps its place).
    let stored = store
        .websub_subscribe(&HubSubscription {
            id: 0,
            topic: req.topic.clone(),
            callback: req.callback.to_string(),
            host: callback_host(&req.callback),
            secret: req.secret.clone(),
            expires_at: now + req.lease.as_secs() as i64,
            created_at: now,
        })
        .await;
    match stored {
        Ok(_) => {
            info!(callback = %req.callback, topic = %req.topic, lease_seconds = req.lease.as_secs(), "websub: subscribed");
            hub.websub_changed.notify_one();
        }
        Err(e) => warn!(error = %e, "websub: cannot store a verified subscription"),
    }
}

/// The verification request: 2xx and a body that is the challenge.
async fn confirm(
    guard: Guard,
    timeout: Duration,
    url: url::Url,
    challenge: &str,
) -> Result<(), String> {
    let client = guard.client(timeout).map_err(|e| e.to_string())?;
    let mut r = client
        .get(url)
        .send()
        .await
        .map_err(|e| transport_error(&e))?;
    if !r.status().is_success() {
        return Err(format!("the callback answered HTTP {}", r.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = r.chunk().await.map_err(|e| transport_error(&e))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_CHALLENGE_ANSWER {
            return Err("the callback's answer is not the challenge".into());
        }
    }
    if String::from_utf8_lossy(&body).trim() == challenge {
        Ok(())
    } else {
        Err("the callback's answer is not the challenge".into())
    }
}

/// A subscription's outbox cursor.
pub(super) fn cursor_name(id: i64) -> String {
    format!("websub:{id}")
}

/// `X-Hub-Signature`'s value: `sha256=` and the hex HMAC-SHA256 of the body.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// The delivery tasks of the stored subscriptions: started for new ones, restarted for
/// renewed ones whose secret changed, stopped for removed or expired ones. Called by
/// `push::run` when this process changed a subscription and every few seconds (another
/// instance may have).
pub(super) struct Deliveries {
    tasks: HashMap<i64, (HubSubscription, Task)>,
}

impl Deliveries {
    pub(super) fn new() -> Deliveries {
        Deliveries {
            tasks: HashMap::new(),
        }
    }

    /// Brings the tasks in line with the store; returns the cursors in use (the outbox
    /// keeps their rows).
    pub(super) async fn sync(
        &mut self,
        store: &Store,
        config: &Arc<RwLock<Arc<Config>>>,
        head: &watch::Receiver<i64>,
    ) -> Vec<String> {
        let now = Utc::now().timestamp();
        let mut subs = match store.websub_subscriptions().await {
            Ok(s) => s,
            Err(e) => {
                warn!(error = %e, "websub: cannot read the subscriptions");
                return self.tasks.keys().map(|id| cursor_name(*id)).collect();
            }
        };
        // Written only when a lease has ended: this runs every few seconds.
        if subs.iter().any(|s| s.expires_at < now) {
            if let Err(e) = store.websub_expire(now).await {
                warn!(error = %e, "websub: cannot remove expired subscriptions");
            }
            subs.retain(|s| s.expires_at >= now);
        }
        self.tasks.retain(|id, (old, task)| {
            subs.iter()
                .any(|s| s.id == *id && s.secret == old.secret && s.callback == old.callback)
                && !task.0.is_finished()
        });
        for s in subs {
            if let Some((old, _)) = self.tasks.get_mut(&s.id) {
                old.expires_at = s.expires_at;
                continue;
            }
            let task = Task(tokio::spawn(deliver_all(
                store.clone(),
                config.clone(),
                s.clone(),
                head.clone(),
            )));
            self.tasks.insert(s.id, (s, task));
        }
        self.tasks.keys().map(|id| cursor_name(*id)).collect()
    }
}

/// The filter a feed's items pass: what makes a stored item change the feed.
fn filter_of(of: &FeedOf) -> Filter {
    match of {
        FeedOf::All => Filter {
            dedup: true,
            ..Filter::default()
        },
        FeedOf::Topic(slug) => Filter {
            topics: vec![slug.clone()],
            dedup: true,
            ..Filter::default()
        },
        FeedOf::Source(id) => Filter {
            sources: vec![id.clone()],
            dedup: false,
            ..Filter::default()
        },
    }
}

/// Sends the subscription its feed each time items it holds are stored, in outbox order,
/// until aborted.
async fn deliver_all(
    store: Store,
    config: Arc<RwLock<Arc<Config>>>,
    sub: HubSubscription,
    mut head: watch::Receiver<i64>,
) {
    let name = cursor_name(sub.id);
    let mut at = loop {
        match cursor(&store, &name).await {
            Ok(c) => break c,
            Err(e) => {
                warn!(subscription = sub.id, error = %e, "websub: cannot read its cursor");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    loop {
        let events = match store.outbox_after(at, BATCH).await {
            Ok(e) => e,
            Err(e) => {
                warn!(subscription = sub.id, error = %e, "websub: cannot read the outbox");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        let Some(last) = events.last().map(|e| e.seq) else {
            let _ = tokio::time::timeout(Duration::from_secs(5), head.changed()).await;
            continue;
        };
        let cfg = config.read().expect("config lock").clone();
        let Some((of, format)) = FeedOf::of_url(&cfg, &sub.topic) else {
            // The topic or source left the config: its feed is gone (404), so is the
            // subscription.
            info!(subscription = sub.id, topic = %sub.topic, "websub: the topic's feed is gone; removing the subscription");
            let _ = store.websub_unsubscribe(&sub.topic, &sub.callback).await;
            return;
        };
        let filter = filter_of(&of);
        let first = events.iter().find(|e| filter.admits_event(e));
        if let Some(first) = first {
            let deadline = first.created_at
                + chrono::Duration::from_std(cfg.push.retry_for).unwrap_or(chrono::TimeDelta::MAX);
            match deliver(&store, &cfg, &sub, &of, format, deadline).await {
                Delivered::Yes | Delivered::GaveUp => {}
                Delivered::Gone => {
                    let _ = store.websub_unsubscribe(&sub.topic, &sub.callback).await;
                    return;
                }
            }
        }
        at = last;
        if let Err(e) = store.set_outbox_cursor(&name, at).await {
            warn!(subscription = sub.id, error = %e, "websub: cannot record its progress");
        }
    }
}

enum Delivered {
    Yes,
    GaveUp,
    /// The subscriber answered 410 Gone: it wants no more.
    Gone,
}

/// POSTs the feed as it is now until the callback answers 2xx, the subscriber says it is
/// gone, or `deadline` passes.
async fn deliver(
    store: &Store,
    cfg: &Config,
    sub: &HubSubscription,
    of: &FeedOf,
    format: Format,
    deadline: chrono::DateTime<Utc>,
) -> Delivered {
    let settings: &PushSettings = &cfg.push;
    let client = match Guard::new(settings.allow_private_callbacks).client(settings.webhook_timeout)
    {
        Ok(c) => c,
        Err(e) => {
            warn!(error = %e, "websub: no HTTP client");
            return Delivered::GaveUp;
        }
    };
    let base = cfg.server.base_url.trim_end_matches('/');
    let hub_url = format!("{base}/websub");
    let mut failures = 0u32;
    loop {
        // Rendered for each attempt: a retry sends the feed as it is then.
        let error = match render(store, cfg, of, format, &sub.topic, &hub_url).await {
            Err(e) => format!("cannot render the feed: {e}"),
            Ok(body) => {
                let mut req = client
                    .post(&sub.callback)
                    .header(reqwest::header::CONTENT_TYPE, format.content_type())
                    .header(
                        reqwest::header::LINK,
                        format!("<{hub_url}>; rel=\"hub\", <{}>; rel=\"self\"", sub.topic),
                    );
                if let Some(secret) = &sub.secret {
                    req = req.header(
                        "X-Hub-Signature",
                        signature(secret.as_bytes(), body.as_bytes()),
                    );
                }
                match req.body(body).send().await {
                    Ok(r) if r.status().is_success() => {
                        crate::metrics::metrics().websub_deliveries.inc();
                        return Delivered::Yes;
                    }
                    Ok(r) if r.status() == reqwest::StatusCode::GONE => {
                        info!(subscription = sub.id, callback = %sub.callback, "websub: the subscriber answered 410 Gone; removing it");
                        return Delivered::Gone;
                    }
                    Ok(r) => format!("HTTP {}", r.status()),
                    Err(e) => transport_error(&e),
                }
            }
        };
        failures += 1;
        crate::metrics::metrics().websub_failures.inc();
        let wait = pause(failures);
        if Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default() > deadline {
            warn!(subscription = sub.id, callback = %sub.callback, attempts = failures, error = %error, "websub: giving up on a delivery after [push] retry_for");
            return Delivered::GaveUp;
        }
        info!(subscription = sub.id, callback = %sub.callback, attempt = failures, error = %error, retry_in = ?wait, "websub delivery failed; will retry");
        tokio::time::sleep(wait).await;
    }
}

/// The feed document `GET` on `topic` returns now.
async fn render(
    store: &Store,
    cfg: &Config,
    of: &FeedOf,
    format: Format,
    topic: &str,
    hub_url: &str,
) -> Result<String, crate::store::StoreError> {
    let mut q = ItemQuery::default();
    let source_name = match of {
        FeedOf::All => String::new(),
        FeedOf::Topic(slug) => {
            q.topics.push(slug.clone());
            String::new()
        }
        FeedOf::Source(id) => {
            q.sources.push(id.clone());
            q.dedup = false;
            store.source_name(id).await?.unwrap_or_else(|| id.clone())
        }
    };
    let (title, description) = of
        .heading(cfg, &source_name)
        .unwrap_or_else(|| (topic.to_string(), String::new()));
    let items = store.items(&q).await?;
    let base = cfg.server.base_url.trim_end_matches('/').to_string();
    let next_url = (items.len() as u32 == q.limit)
        .then(|| {
            items
                .last()
                .map(|l| format!("{topic}?before={}.{}", l.sort_ts, l.id))
        })
        .flatten();
    let info = FeedInfo {
        id: of.id(),
        title,
        description,
        self_url: topic.to_string(),
        html_url: format!("{base}/"),
        next_url,
        hub_url: Some(hub_url.to_string()),
        updated: crate::publish::newest_change(&items),
        base_url: base,
    };
    Ok(format.render(&info, &items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_the_hex_hmac_sha256_of_the_body() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn requests_name_one_of_our_feeds_and_a_callback() {
        let cfg = crate::config::load_embedded().unwrap();
        let base = cfg.server.base_url.trim_end_matches('/').to_string();
        let form = |pairs: &[(&str, &str)]| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                s.append_pair(k, v);
            }
            s.finish().into_bytes()
        };
        let topic = format!("{base}/feeds/libya.atom");
        let ok = parse_request(
            &cfg,
            &form(&[
                ("hub.mode", "subscribe"),
                ("hub.topic", &topic),
                ("hub.callback", "https://reader.example/cb?x=1"),
                ("hub.lease_seconds", "60"),
                ("hub.secret", "s3cret"),
            ]),
        )
        .unwrap();
        assert_eq!(ok.mode, Mode::Subscribe);
        assert_eq!(ok.topic, topic);
        assert_eq!(ok.callback.as_str(), "https://reader.example/cb?x=1");
        assert_eq!(ok.lease, MIN_LEASE, "a short lease is raised");
        assert_eq!(ok.secret.as_deref(), Some("s3cret"));
        let long = parse_request(
            &cfg,
            &form(&[
                ("hub.mode", "unsubscribe"),
                ("hub.topic", &format!("{base}/sources/aljazeera.rss")),
                ("hub.callback", "http://reader.example/cb"),
                ("hub.lease_seconds", "999999999"),
            ]),
        )
        .unwrap();
        assert_eq!(long.mode, Mode::Unsubscribe);
        assert_eq!(long.lease, cfg.push.websub_lease, "a long lease is cut");
        let refused = |pairs: &[(&str, &str)]| parse_request(&cfg, &form(pairs)).unwrap_err();
        let cb = ("hub.callback", "http://reader.example/cb");
        let sub = ("hub.mode", "subscribe");
        assert_eq!(
            refused(&[
                sub,
                ("hub.topic", "http://elsewhere.example/feeds/libya.atom"),
                cb
            ])
            .reason,
            format!(
                "hub.topic \"http://elsewhere.example/feeds/libya.atom\" is not a feed of this hub: use {base}/feeds/<topic>.atom (or .rss, .json), {base}/feeds/all.atom or {base}/sources/<source>.atom, without a query"
            )
        );
        for topic in [
            format!("{base}/feeds/nowhere.atom"),
            format!("{base}/feeds/libya.atom?q=x"),
            format!("{base}/feeds/libya.html"),
            format!("{base}/sources/nosuchsource.rss"),
            format!("{base}/topics/libya"),
        ] {
            assert_eq!(
                refused(&[sub, ("hub.topic", &topic), cb]).status,
                400,
                "{topic}"
            );
        }
        assert_eq!(
            refused(&[("hub.mode", "publish"), ("hub.topic", &topic), cb]).reason,
            "hub.mode must be subscribe or unsubscribe, not \"publish\""
        );
        assert_eq!(
            refused(&[sub, ("hub.topic", &topic)]).reason,
            "hub.callback is missing"
        );
        assert_eq!(
            refused(&[sub, ("hub.topic", &topic), ("hub.callback", "ftp://x/")]).reason,
            "hub.callback must be an http or https URL with a host"
        );
        assert_eq!(
            refused(&[
                sub,
                ("hub.topic", &topic),
                cb,
                ("hub.lease_seconds", "soon")
            ])
            .reason,
            "hub.lease_seconds must be a whole number of seconds, not \"soon\""
        );
        let long_secret = "x".repeat(200);
        assert_eq!(
            refused(&[sub, ("hub.topic", &topic), cb, ("hub.secret", &long_secret)]).reason,
            "hub.secret must be shorter than 200 bytes"
        );
        assert_eq!(
            refused(&[sub, sub, ("hub.topic", &topic), cb]).reason,
            "hub.mode is given twice"
        );
    }
}
