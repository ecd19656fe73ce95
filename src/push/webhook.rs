//! Webhook deliveries: one task per endpoint walks the outbox in order, POSTs what its
//! filters admit as Standard Webhooks (<https://www.standardwebhooks.com/>) asks, and
//! moves its cursor on only once an item is delivered or given up on.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::sync::watch;
use tracing::{info, warn};

use super::{Announcement, Filter, Hub};
use crate::config::{PushSettings, WebhookSpec};
use crate::metrics::{DeliveryLabels, EndpointLabels, metrics};
use crate::store::{Store, StoreError};

/// The first retry's pause; each next one doubles, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between two attempts.
const MAX_PAUSE: Duration = Duration::from_secs(30 * 60);
/// Outbox rows read at once.
const BATCH: u32 = 100;

/// The `webhook-id` of outbox row `seq`: the same on every attempt and after a restart.
/// `epoch` is drawn once per database, so a database started afresh does not send ids a
/// receiver has already seen (and would drop as duplicates).
pub fn webhook_id(epoch: &str, seq: i64) -> String {
    format!("msg_{epoch}_{seq}")
}

/// `webhook-signature`'s value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`.
pub fn sign(secret: &[u8], id: &str, timestamp: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

/// The database's delivery-id prefix, drawn and stored on first use.
pub(super) async fn epoch(store: &Store) -> Result<String, StoreError> {
    if let Some(e) = store.meta("push_epoch").await? {
        return Ok(e);
    }
    let e = format!("{:016x}", fastrand::u64(..));
    store.set_meta("push_epoch", &e).await?;
    Ok(e)
}

/// Where an endpoint's deliveries start: its stored cursor, or for an endpoint never seen
/// before, the outbox's end (an endpoint gets the items stored after it was configured).
pub(super) async fn cursor(store: &Store, name: &str) -> Result<i64, StoreError> {
    if let Some(c) = store.outbox_cursor(name).await? {
        return Ok(c);
    }
    let head = store.outbox_head().await?;
    store.set_outbox_cursor(name, head).await?;
    Ok(head)
}

/// The pause before attempt `n + 1` after `n` failures: doubling from [`FIRST_PAUSE`] up
/// to [`MAX_PAUSE`], then drawn between half and all of that, so endpoints that fail
/// together do not all retry in the same second.
pub(super) fn pause(failures: u32) -> Duration {
    let full = FIRST_PAUSE
        .saturating_mul(1u32 << failures.saturating_sub(1).min(20))
        .min(MAX_PAUSE);
    full.mul_f64(0.5 + fastrand::f64() / 2.0)
}

/// Delivers the endpoint's items in outbox order, forever (until aborted).
pub(super) async fn deliver_all(
    store: Store,
    spec: WebhookSpec,
    settings: PushSettings,
    epoch: String,
    hub: Arc<Hub>,
    mut head: watch::Receiver<i64>,
) {
    let labels = EndpointLabels {
        endpoint: spec.name.clone(),
    };
    let client = match client(&settings) {
        Ok(c) => c,
        Err(e) => {
            warn!(endpoint = %spec.name, error = %e, "webhook client cannot be built");
            return;
        }
    };
    let mut at = loop {
        match cursor(&store, &spec.name).await {
            Ok(c) => break c,
            Err(e) => {
                warn!(endpoint = %spec.name, error = %e, "webhook: cannot read its cursor");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    let filter = Filter::of_webhook(&spec);
    loop {
        let behind = (*head.borrow() - at).max(0);
        metrics().webhook_behind.get_or_create(&labels).set(behind);
        hub.update(&spec.name, |s| s.behind = behind);
        let events = match store.outbox_after(at, BATCH).await {
            Ok(e) => e,
            Err(e) => {
                warn!(endpoint = %spec.name, error = %e, "webhook: cannot read the outbox");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        if events.is_empty() {
            // The tail says when rows come; the timeout covers a tail that is behind.
            let _ = tokio::time::timeout(Duration::from_secs(5), head.changed()).await;
            continue;
        }
        for e in &events {
            at = e.seq;
            if filter.admits_event(e) {
                let a = Announcement::of(e);
                deliver(&client, &spec, &settings, &epoch, &hub, &labels, &a).await;
                save_cursor(&store, &spec.name, at).await;
            }
        }
        save_cursor(&store, &spec.name, at).await;
    }
}

/// Records the endpoint's cursor; a failure is logged and the item may be sent again
/// after a restart (at-least-once).
async fn save_cursor(store: &Store, name: &str, at: i64) {
    if let Err(e) = store.set_outbox_cursor(name, at).await {
        warn!(endpoint = %name, error = %e, "webhook: cannot record its progress");
    }
}

fn client(settings: &PushSettings) -> reqwest::Result<reqwest::Client> {
    // See `fetch::Fetcher::new`: rustls needs its crypto provider before a client is built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .user_agent(crate::config::default_user_agent())
        .timeout(settings.webhook_timeout)
        .connect_timeout(settings.webhook_timeout)
        // An admin configured this URL; where it redirects, nobody did.
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// Sends one item until the endpoint answers 2xx, or `retry_for` has passed since the item
/// was stored.
async fn deliver(
    client: &reqwest::Client,
    spec: &WebhookSpec,
    settings: &PushSettings,
    epoch: &str,
    hub: &Hub,
    labels: &EndpointLabels,
    a: &Announcement,
) {
    let id = webhook_id(epoch, a.seq);
    let deadline = a.created_at
        + chrono::Duration::from_std(settings.retry_for).unwrap_or(chrono::TimeDelta::MAX);
    let count = |outcome: &str| {
        metrics()
            .webhook_deliveries
            .get_or_create(&DeliveryLabels {
                endpoint: spec.name.clone(),
                outcome: outcome.into(),
            })
            .inc();
    };
    let mut failures: u32 = 0;
    loop {
        let timestamp = Utc::now().timestamp();
        let sent = client
            .post(spec.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                sign(&spec.secret, &id, timestamp, &a.json),
            )
            .body(a.json.to_string())
            .send()
            .await;
        let error = match sent {
            Ok(r) if r.status().is_success() => None,
            Ok(r) if r.status().is_redirection() => Some(format!(
                "HTTP {} (redirects are not followed; configure the final URL)",
                r.status()
            )),
            Ok(r) => Some(format!("HTTP {}", r.status())),
            Err(e) => Some(transport_error(&e)),
        };
        let now = Utc::now();
        let Some(error) = error else {
            count("ok");
            metrics().webhook_failing.get_or_create(labels).set(0);
            hub.update(&spec.name, |s| {
                s.delivered += 1;
                s.consecutive_failures = 0;
                s.last_error = None;
                s.failing_since = None;
                s.last_success = Some(crate::publish::rfc3339(now));
            });
            return;
        };
        failures += 1;
        count("error");
        metrics()
            .webhook_failing
            .get_or_create(labels)
            .set(i64::from(failures));
        hub.update(&spec.name, |s| {
            s.failed_attempts += 1;
            s.consecutive_failures = failures;
            s.last_error = Some(error.clone());
            s.failing_since
                .get_or_insert_with(|| crate::publish::rfc3339(now));
        });
        let wait = pause(failures);
        if now + chrono::Duration::from_std(wait).unwrap_or_default() > deadline {
            count("gave_up");
            hub.update(&spec.name, |s| s.gave_up += 1);
            warn!(endpoint = %spec.name, webhook_id = %id, item = a.item_id, attempts = failures, error = %error,
                "webhook: giving up on an item after [push] retry_for");
            return;
        }
        info!(endpoint = %spec.name, webhook_id = %id, attempt = failures, error = %error, retry_in = ?wait, "webhook delivery failed; will retry");
        tokio::time::sleep(wait).await;
    }
}

/// A transport error with its causes: reqwest's own message is often only "error sending
/// request".
pub(super) fn transport_error(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries
    /// (standard-webhooks/libraries, `javascript/src/index.test.ts`): its secret, id,
    /// timestamp and payload give this signature.
    #[test]
    fn signatures_match_the_standard_webhooks_reference_example() {
        let secret = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        assert_eq!(
            sign(
                &secret,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                r#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn retry_pauses_double_with_jitter_up_to_half_an_hour() {
        for (failures, full) in [(1, 1), (2, 2), (3, 4), (6, 32), (12, 1800), (60, 1800)] {
            for _ in 0..20 {
                let p = pause(failures).as_secs_f64();
                let full = full as f64;
                assert!(
                    p >= full / 2.0 && p <= full,
                    "after {failures} failures: {p}s"
                );
            }
        }
    }
}
