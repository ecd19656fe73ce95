//! marsad as a WebSub subscriber: when a source's feed advertises a hub, marsad subscribes
//! to the feed there, with a secret of its own, and takes what the hub pushes as a fetch of
//! the source. The source is then polled only every `[push] fallback_interval`, in case a
//! push is lost.
//!
//! The callback is `<base_url>/websub/callback/<token>`, one unguessable token per
//! subscription: the hub confirms a subscription there (answered only for a subscription
//! marsad asked for), and POSTs content there, which is taken only with a valid
//! `X-Hub-Signature` made with the subscription's secret.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use tracing::{info, warn};

use super::guard::Guard;
use super::webhook::transport_error;
use crate::config::Config;
use crate::pipeline::{Advertised, Hubs};
use crate::store::{SourceSubscription, Store, StoreError};

/// How often the subscriptions are looked over (renewals, retries, removed sources).
const TICK: Duration = Duration::from_secs(30);
/// A request that stays unverified (or a renewal that does not go through) is made again
/// after this, then after twice as long each time, up to [`MAX_PAUSE`].
const PENDING_FOR: i64 = 600;
/// The longest pause between two requests to a hub for one source.
const MAX_PAUSE: i64 = 86400;
/// A lease is renewed when less than this share of it (or a day) is left.
const RENEW_AT: f64 = 0.1;

/// Runs until aborted: subscribes to what the sources advertise, renews leases, gives up
/// subscriptions of sources no longer configured, and keeps `hubs`' set of pushed sources
/// in line with the store.
pub async fn run(store: Store, config: Arc<RwLock<Arc<Config>>>, hubs: Hubs) {
    // With several instances on one database, one of them asks the hubs (the others take
    // over when it stops); every instance answers callbacks, which any may receive.
    let _asker = loop {
        if let Err(e) = refresh_pushed(&store, &hubs).await {
            warn!(error = %e, "websub subscriber: cannot read its subscriptions");
        }
        if let Err(e) = hand_over(&store, &hubs).await {
            warn!(error = %e, "websub subscriber: cannot record what the feeds advertise");
        }
        match store.try_exclusive("websub subscriber").await {
            Ok(Some(guard)) => break guard,
            // Another instance asks; this one keeps its pushed set current.
            Ok(None) => {}
            Err(e) => warn!(error = %e, "websub subscriber: cannot take its lock; retrying"),
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = hubs.changed() => {}
        }
    };
    // Requests made and not yet answered by a verification: when, and how many in a row.
    let mut asked: HashMap<String, (i64, u32)> = HashMap::new();
    loop {
        let cfg = config.read().expect("config lock").clone();
        if let Err(e) = look_over(&store, &cfg, &hubs, &mut asked).await {
            warn!(error = %e, "websub subscriber: cannot read its subscriptions");
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = hubs.changed() => {}
        }
    }
}

async fn look_over(
    store: &Store,
    cfg: &Config,
    hubs: &Hubs,
    asked: &mut HashMap<String, (i64, u32)>,
) -> Result<(), StoreError> {
    let now = Utc::now().timestamp();
    let rows: HashMap<String, SourceSubscription> = store
        .source_subscriptions()
        .await?
        .into_iter()
        .map(|r| (r.source_id.clone(), r))
        .collect();
    refresh_pushed(store, hubs).await?;
    let base = cfg.server.base_url.trim_end_matches('/');
    let guard = Guard::new(cfg.push.allow_private_callbacks);
    let advertised = hubs.advertised();
    for source in &cfg.sources {
        let row = rows.get(&source.id);
        // What the feed advertises, as this process last saw it; a source this process has
        // not fetched (since it started, or another instance fetched it) keeps its row.
        let seen: Option<Advertised> = match advertised.get(&source.id) {
            Some(a) => a.clone(),
            None => row
                .filter(|r| r.state != "unsubscribing")
                .map(|r| Advertised {
                    hub: r.hub.clone(),
                    topic: r.topic.clone(),
                }),
        };
        let wanted = seen
            .as_ref()
            .filter(|_| cfg.push.subscribe && source.enabled)
            .filter(|a| reachable(base, &a.hub));
        match (wanted, row) {
            (None, None) => {}
            (None, Some(row)) => {
                if row.state != "unsubscribing" {
                    unsubscribe(store, cfg, guard, row.clone()).await;
                }
            }
            (Some(a), row) => {
                let same = row.filter(|r| r.hub == a.hub && r.topic == a.topic);
                let wanted = match same {
                    // A new hub or topic is asked for at once.
                    None => {
                        asked.remove(&source.id);
                        true
                    }
                    Some(r) => match r.state.as_str() {
                        "active" => r.expires_at.is_none_or(|e| {
                            let left = e - now;
                            let lease = (e - r.updated_at).max(1);
                            left < ((lease as f64 * RENEW_AT) as i64).min(86400)
                        }),
                        // Asked and not verified yet, refused, or being given up.
                        _ => true,
                    },
                };
                if !wanted {
                    asked.remove(&source.id);
                    continue;
                }
                let tries = asked.get(&source.id).map_or(0, |(at, n)| {
                    if now - at >= retry_pause(*n) {
                        *n
                    } else {
                        u32::MAX
                    }
                });
                if tries != u32::MAX {
                    asked.insert(source.id.clone(), (now, tries + 1));
                    subscribe(store, cfg, guard, &source.id, a, same.cloned()).await;
                }
            }
        }
    }
    // Subscriptions of sources that left the config.
    for row in rows.values() {
        if !cfg.sources.iter().any(|s| s.id == row.source_id) && row.state != "unsubscribing" {
            unsubscribe(store, cfg, guard, row.clone()).await;
        }
    }
    Ok(())
}

/// The pause after the `n`-th request in a row that did not lead to a verified
/// subscription: doubling from [`PENDING_FOR`] up to [`MAX_PAUSE`].
fn retry_pause(n: u32) -> i64 {
    PENDING_FOR
        .saturating_mul(1i64 << n.saturating_sub(1).min(20))
        .min(MAX_PAUSE)
}

/// Records the hubs this process saw advertised that the store does not hold yet, as
/// subscriptions to ask for: the instance that asks the hubs has not fetched these
/// sources itself.
async fn hand_over(store: &Store, hubs: &Hubs) -> Result<(), StoreError> {
    let rows = store.source_subscriptions().await?;
    for (id, a) in hubs.advertised() {
        let Some(a) = a else { continue };
        if rows
            .iter()
            .any(|r| r.source_id == id && r.hub == a.hub && r.topic == a.topic)
        {
            continue;
        }
        store
            .set_source_subscription(&SourceSubscription {
                source_id: id,
                hub: a.hub,
                topic: a.topic,
                token: super::random_token(),
                secret: super::random_token(),
                state: "pending".into(),
                expires_at: None,
                updated_at: Utc::now().timestamp(),
            })
            .await?;
    }
    Ok(())
}

/// Whether a hub can call `base` back: a hub elsewhere cannot reach a loopback address,
/// so marsad on its default `base_url` does not ask hubs on the internet for callbacks they
/// could never make.
fn reachable(base: &str, hub: &str) -> bool {
    let host_of = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    };
    let loopback = |h: &str| {
        h == "localhost"
            || h.trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    };
    match (host_of(base), host_of(hub)) {
        (Some(b), Some(h)) => !loopback(&b) || loopback(&h),
        _ => false,
    }
}

/// Sets the pushed sources: those with an active, unexpired subscription.
pub async fn refresh_pushed(store: &Store, hubs: &Hubs) -> Result<(), StoreError> {
    let now = Utc::now().timestamp();
    let pushed: HashSet<String> = store
        .source_subscriptions()
        .await?
        .into_iter()
        .filter(|r| r.state == "active" && r.expires_at.is_some_and(|e| e > now))
        .map(|r| r.source_id)
        .collect();
    hubs.set_pushed(pushed);
    Ok(())
}

/// Asks the hub for a subscription (or its renewal, keeping the callback and secret).
async fn subscribe(
    store: &Store,
    cfg: &Config,
    guard: Guard,
    source_id: &str,
    a: &Advertised,
    current: Option<SourceSubscription>,
) {
    let now = Utc::now().timestamp();
    let row = match current {
        Some(r) => SourceSubscription {
            state: if r.state == "active" {
                r.state.clone()
            } else {
                "pending".into()
            },
            updated_at: now,
            ..r
        },
        None => SourceSubscription {
            source_id: source_id.to_string(),
            hub: a.hub.clone(),
            topic: a.topic.clone(),
            token: super::random_token(),
            secret: super::random_token(),
            state: "pending".into(),
            expires_at: None,
            updated_at: now,
        },
    };
    // Stored before the request: the hub may verify before it answers.
    if let Err(e) = store.set_source_subscription(&row).await {
        warn!(source_id, error = %e, "websub subscriber: cannot store a subscription");
        return;
    }
    let lease = cfg.push.websub_lease.as_secs().to_string();
    let callback = callback_url(cfg, &row.token);
    let form = [
        ("hub.mode", "subscribe"),
        ("hub.topic", row.topic.as_str()),
        ("hub.callback", callback.as_str()),
        ("hub.secret", row.secret.as_str()),
        ("hub.lease_seconds", lease.as_str()),
    ];
    match ask(cfg, guard, &row.hub, &form).await {
        Ok(()) => {
            info!(source_id, hub = %row.hub, topic = %row.topic, "websub: subscription requested")
        }
        Err(why) => {
            warn!(source_id, hub = %row.hub, reason = %why, "websub: the hub refused a subscription; the source is polled as usual");
        }
    }
}

/// Gives up a subscription: asks the hub to unsubscribe (it confirms at the callback,
/// where the row is then removed), or removes the row at once when the hub cannot be told.
async fn unsubscribe(store: &Store, cfg: &Config, guard: Guard, row: SourceSubscription) {
    let callback = callback_url(cfg, &row.token);
    let form = [
        ("hub.mode", "unsubscribe"),
        ("hub.topic", row.topic.as_str()),
        ("hub.callback", callback.as_str()),
    ];
    let asked = SourceSubscription {
        state: "unsubscribing".into(),
        updated_at: Utc::now().timestamp(),
        ..row.clone()
    };
    let result = match store.set_source_subscription(&asked).await {
        Ok(()) => ask(cfg, guard, &row.hub, &form).await,
        Err(e) => Err(e.to_string()),
    };
    if let Err(why) = result {
        info!(source_id = %row.source_id, hub = %row.hub, reason = %why, "websub: could not unsubscribe; forgetting the subscription");
        let _ = store.remove_source_subscription(&row.source_id).await;
    }
}

fn callback_url(cfg: &Config, token: &str) -> String {
    format!(
        "{}/websub/callback/{token}",
        cfg.server.base_url.trim_end_matches('/')
    )
}

/// POSTs a form to the hub; `Ok` on 2xx.
async fn ask(cfg: &Config, guard: Guard, hub: &str, form: &[(&str, &str)]) -> Result<(), String> {
    let url = url::Url::parse(hub).map_err(|e| format!("hub URL {hub:?}: {e}"))?;
    guard.check(&url).await?;
    let client = guard
        .client(cfg.push.webhook_timeout)
        .map_err(|e| e.to_string())?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let r = client
        .post(url)
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .map_err(|e| transport_error(&e))?;
    if r.status().is_success() {
        Ok(())
    } else {
        let status = r.status();
        let body = r.text().await.unwrap_or_default();
        Err(format!(
            "HTTP {status}: {}",
            body.chars().take(200).collect::<String>()
        ))
    }
}

/// The answer to a verification request at a callback.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    /// 200 with this body (the challenge).
    Confirm(String),
    /// 200, nothing to echo (`hub.mode=denied` taken note of).
    Noted,
    /// 404: marsad did not ask for this.
    Unknown,
}

/// Answers a hub's `GET` at the callback of `token`.
pub async fn verify(
    store: &Store,
    hubs: &Hubs,
    token: &str,
    query: &HashMap<String, String>,
) -> Result<Verification, StoreError> {
    let Some(row) = by_token(store, token).await? else {
        return Ok(Verification::Unknown);
    };
    let get = |k: &str| query.get(k).map(String::as_str);
    let now = Utc::now().timestamp();
    if get("hub.topic") != Some(row.topic.as_str()) {
        return Ok(Verification::Unknown);
    }
    let answer = match (get("hub.mode"), get("hub.challenge")) {
        (Some("subscribe"), Some(challenge))
            if matches!(row.state.as_str(), "pending" | "active") =>
        {
            let lease: i64 = get("hub.lease_seconds")
                .and_then(|l| l.parse().ok())
                .unwrap_or(86400);
            store
                .set_source_subscription(&SourceSubscription {
                    state: "active".into(),
                    expires_at: Some(now + lease),
                    updated_at: now,
                    ..row.clone()
                })
                .await?;
            info!(source_id = %row.source_id, hub = %row.hub, lease_seconds = lease, "websub: subscription verified; the source is now pushed");
            Verification::Confirm(challenge.to_string())
        }
        (Some("unsubscribe"), Some(challenge)) if row.state == "unsubscribing" => {
            store.remove_source_subscription(&row.source_id).await?;
            info!(source_id = %row.source_id, hub = %row.hub, "websub: unsubscribed");
            Verification::Confirm(challenge.to_string())
        }
        (Some("denied"), _) => {
            store
                .set_source_subscription(&SourceSubscription {
                    state: "denied".into(),
                    expires_at: None,
                    updated_at: now,
                    ..row.clone()
                })
                .await?;
            warn!(source_id = %row.source_id, hub = %row.hub, reason = get("hub.reason").unwrap_or(""), "websub: the hub denied the subscription; the source is polled as usual");
            Verification::Noted
        }
        _ => Verification::Unknown,
    };
    refresh_pushed(store, hubs).await?;
    Ok(answer)
}

/// What to do with content a hub POSTed to the callback of `token`.
#[derive(Debug, PartialEq, Eq)]
pub enum Content {
    /// Signed with the subscription's secret: store it as a fetch of this source.
    Take(String),
    /// Not signed, or signed with another key: acknowledged (as WebSub asks, so a forger
    /// learns nothing) and dropped.
    Forged,
    /// No such subscription: 410 Gone, so the hub stops.
    Unknown,
}

/// Checks content a hub POSTed to the callback of `token` against its `X-Hub-Signature`.
pub async fn receive(
    store: &Store,
    token: &str,
    signature: Option<&str>,
    body: &[u8],
) -> Result<Content, StoreError> {
    let Some(row) = by_token(store, token).await? else {
        return Ok(Content::Unknown);
    };
    Ok(if signed(row.secret.as_bytes(), signature, body) {
        Content::Take(row.source_id)
    } else {
        Content::Forged
    })
}

async fn by_token(store: &Store, token: &str) -> Result<Option<SourceSubscription>, StoreError> {
    Ok(store
        .source_subscriptions()
        .await?
        .into_iter()
        .find(|r| r.token == token))
}

/// Whether `signature` (`method=hex`) is the HMAC of `body` with `secret`, for the methods
/// WebSub allows (sha1, sha256, sha384, sha512). The comparison takes constant time.
pub fn signed(secret: &[u8], signature: Option<&str>, body: &[u8]) -> bool {
    let Some((method, hex)) = signature.and_then(|s| s.trim().split_once('=')) else {
        return false;
    };
    let Some(expected) = from_hex(hex) else {
        return false;
    };
    fn check<M: Mac + KeyInit>(secret: &[u8], body: &[u8], expected: &[u8]) -> bool {
        let mut mac =
            <M as KeyInit>::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(body);
        mac.verify_slice(expected).is_ok()
    }
    match method.to_ascii_lowercase().as_str() {
        "sha1" => check::<Hmac<sha1::Sha1>>(secret, body, &expected),
        "sha256" => check::<Hmac<sha2::Sha256>>(secret, body, &expected),
        "sha384" => check::<Hmac<sha2::Sha384>>(secret, body, &expected),
        "sha512" => check::<Hmac<sha2::Sha512>>(secret, body, &expected),
        _ => false,
    }
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_of_every_method_websub_allows_are_checked() {
        // RFC 2202 and RFC 4231, test case 2 ("Jefe").
        let (key, body) = (
            b"Jefe".as_slice(),
            b"what do ya want for nothing?".as_slice(),
        );
        for good in [
            "sha1=effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "sha384=af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
            "sha512=164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            "SHA256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843",
        ] {
            assert!(signed(key, Some(good), body), "{good}");
        }
        for bad in [
            None,
            Some(""),
            Some("sha256"),
            Some("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3844"),
            Some("sha256=5bdcc1"),
            Some("sha256=zz"),
            Some("md5=750c783e6ab0b503eaa86e310a5db738"),
        ] {
            assert!(!signed(key, bad, body), "{bad:?}");
        }
        assert!(!signed(
            b"other",
            Some("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            body
        ));
    }

    #[test]
    fn a_hub_that_does_not_verify_is_asked_ever_less_often() {
        let pauses: Vec<i64> = (1..=10).map(retry_pause).collect();
        assert_eq!(
            pauses,
            [
                600, 1200, 2400, 4800, 9600, 19200, 38400, 76800, 86400, 86400
            ]
        );
    }

    #[test]
    fn a_loopback_base_url_subscribes_only_at_loopback_hubs() {
        assert!(reachable("http://127.0.0.1:8080", "http://127.0.0.1:9/hub"));
        assert!(reachable("http://localhost:8080", "http://[::1]:9/hub"));
        assert!(!reachable(
            "http://127.0.0.1:8080",
            "https://pubsubhubbub.appspot.com/"
        ));
        assert!(reachable(
            "https://marsad.example",
            "https://pubsubhubbub.appspot.com/"
        ));
        assert!(!reachable("https://marsad.example", "not a url"));
    }
}
