//! WebSub (issue 23), end to end on loopback: marsad as a hub for its own feeds (a
//! subscriber written here subscribes, confirms, and checks each delivery's signature with
//! its own HMAC code), and marsad as a subscriber of a source's hub (a hub written here
//! verifies marsad's intent and pushes signed content).

use crate::common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::RawQuery;
use axum::http::{HeaderMap, StatusCode};
use common::*;
use hmac::{KeyInit, Mac};
use tokio::net::TcpListener;

const EGYPT_2: (&str, &str, &str) = (
    "e2",
    "وزير المالية المصري يعرض موازنة العام الجديد على مجلس النواب",
    "عرض وزير المالية المصري موازنة العام المالي الجديد على مجلس النواب في القاهرة اليوم.",
);

fn feed(items: &[(&str, &str, &str)], links: &[(&str, &str)]) -> Vec<u8> {
    news_feed(items, links)
}

/// `sha256=` and the hex HMAC-SHA256 of `body`, as a WebSub party computes it.
fn hub_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// What a subscriber's callback was sent.
#[derive(Debug, Clone)]
enum Call {
    /// A verification `GET`'s query.
    Verify(HashMap<String, String>),
    /// A delivery: its body, whether its signature holds, its `Link` header, when.
    Content {
        body: String,
        signed: bool,
        link: String,
        content_type: String,
        at: Instant,
    },
}

/// A WebSub subscriber on loopback: echoes the challenge (unless `refuse`), and records
/// everything sent to `/cb`.
struct Subscriber {
    url: String,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Subscriber {
    async fn start(secret: &'static str, refuse: bool) -> Subscriber {
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let (c1, c2) = (calls.clone(), calls.clone());
        let router = Router::new().route(
            "/cb",
            axum::routing::get(move |RawQuery(q): RawQuery| {
                let calls = c1.clone();
                async move {
                    let q: HashMap<String, String> =
                        url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
                            .into_owned()
                            .collect();
                    let challenge = q.get("hub.challenge").cloned().unwrap_or_default();
                    calls.lock().unwrap().push(Call::Verify(q));
                    if refuse {
                        (StatusCode::NOT_FOUND, String::new())
                    } else {
                        (StatusCode::OK, challenge)
                    }
                }
            })
            .post(move |headers: HeaderMap, body: axum::body::Bytes| {
                let calls = c2.clone();
                async move {
                    let h = |n: &str| {
                        headers
                            .get(n)
                            .map(|v| v.to_str().unwrap().to_string())
                            .unwrap_or_default()
                    };
                    calls.lock().unwrap().push(Call::Content {
                        signed: h("x-hub-signature") == hub_signature(secret, &body),
                        body: String::from_utf8(body.to_vec()).unwrap(),
                        link: h("link"),
                        content_type: h("content-type"),
                        at: Instant::now(),
                    });
                    StatusCode::NO_CONTENT
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/cb", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Subscriber { url, calls }
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    fn verifications(&self) -> Vec<HashMap<String, String>> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Verify(q) => Some(q),
                Call::Content { .. } => None,
            })
            .collect()
    }

    fn deliveries(&self) -> Vec<(String, bool, String, String, Instant)> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Content {
                    body,
                    signed,
                    link,
                    content_type,
                    at,
                } => Some((body, signed, link, content_type, at)),
                Call::Verify(_) => None,
            })
            .collect()
    }
}

async fn status(base: &str) -> serde_json::Value {
    let text = client()
        .get(format!("{base}/api/status"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The hub's subscriptions as `/api/status` lists them.
async fn subscriptions(base: &str) -> Vec<serde_json::Value> {
    status(base).await["push"]["websub"]["subscriptions"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn post_hub(base: &str, pairs: &[(&str, &str)]) -> (u16, String) {
    let r = client()
        .post(format!("{base}/websub"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(pairs))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The titles of a feed document's items, in order.
fn titles(doc: &str) -> Vec<String> {
    feed_rs::parser::parse(doc.as_bytes())
        .unwrap()
        .entries
        .into_iter()
        .map(|e| e.title.unwrap().content)
        .collect()
}

#[tokio::test]
async fn a_websub_subscriber_gets_the_libya_feed_signed_within_2s_of_the_fetch() {
    let stage = Arc::new(AtomicUsize::new(0));
    let server = FeedServer::start(vec![(
        "/a",
        staged(
            vec![
                feed(&[EGYPT], &[]),
                feed(&[EGYPT, LIBYA], &[]),
                feed(&[EGYPT, LIBYA, EGYPT_2], &[]),
                feed(&[EGYPT, LIBYA, EGYPT_2, LIBYA_2], &[]),
            ],
            stage.clone(),
        ),
    )])
    .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = spawn_app()
        .source("a", server.url("/a"))
        .base_url(&base)
        .main_toml("[push]\nallow_private_callbacks = true")
        .files();
    let service = files.service_on(listener).await;
    eventually("the first fetch", || async { server.hits("/a") > 0 }).await;

    // Every format of a topic or source feed names the hub and itself; a filtered feed is
    // no topic and names no hub.
    let topic = format!("{base}/feeds/libya.atom");
    let get = |url: String| async move {
        client()
            .get(url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    for path in [
        "/feeds/libya.atom",
        "/feeds/libya.rss",
        "/sources/a.atom",
        "/feeds/all.json",
    ] {
        let doc = get(format!("{base}{path}")).await;
        let f = feed_rs::parser::parse(doc.as_bytes()).unwrap();
        let rels: Vec<(String, String)> = f
            .links
            .iter()
            .filter(|l| matches!(l.rel.as_deref(), Some("hub" | "self")))
            .map(|l| (l.rel.clone().unwrap(), l.href.clone()))
            .collect();
        if path.ends_with(".json") {
            // feed-rs reads no JSON Feed `hubs`: read them as JSON.
            let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
            assert_eq!(
                v["hubs"],
                serde_json::json!([{"type": "WebSub", "url": format!("{base}/websub")}])
            );
            assert_eq!(v["feed_url"], format!("{base}{path}"));
        } else {
            assert_eq!(
                rels,
                [
                    ("self".to_string(), format!("{base}{path}")),
                    ("hub".to_string(), format!("{base}/websub"))
                ],
                "{path}"
            );
        }
    }
    // The hub and the topic are also announced in `Link` headers (WebSub discovery).
    let link = |url: String| async move {
        let r = client().get(url).send().await.unwrap();
        r.headers()
            .get_all("link")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        link(format!("{base}/sources/a.rss")).await,
        [format!(
            "<{base}/websub>; rel=\"hub\", <{base}/sources/a.rss>; rel=\"self\""
        )]
    );
    assert!(
        link(format!("{base}/feeds/libya.atom?limit=5"))
            .await
            .is_empty()
    );
    assert!(
        !get(format!("{base}/feeds/libya.atom?q=طرابلس"))
            .await
            .contains("rel=\"hub\"")
    );

    let sub = Subscriber::start("s3cret-desk", false).await;
    let (code, text) = post_hub(
        &base,
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", &topic),
            ("hub.callback", &sub.url),
            ("hub.secret", "s3cret-desk"),
            ("hub.lease_seconds", "3600"),
        ],
    )
    .await;
    assert_eq!(code, 202, "{text}");
    eventually("the subscription to be verified and stored", || async {
        subscriptions(&base).await.len() == 1
    })
    .await;
    let v = sub.verifications();
    assert_eq!(v.len(), 1);
    assert_eq!(v[0]["hub.mode"], "subscribe");
    assert_eq!(v[0]["hub.topic"], topic);
    assert_eq!(v[0]["hub.lease_seconds"], "3600");
    assert_eq!(v[0]["hub.challenge"].len(), 32);
    let st = status(&base).await;
    let held = &st["push"]["websub"]["subscriptions"][0];
    assert_eq!(held["topic"], topic);
    assert_eq!(
        held["host"],
        sub.url
            .trim_start_matches("http://")
            .trim_end_matches("/cb")
    );
    let expires = held["expires_at"].as_i64().unwrap() - chrono::Utc::now().timestamp();
    assert!((3590..=3600).contains(&expires), "{expires}");

    // A Libya item, stored by another process: the feed comes signed within 2 s.
    stage.store(1, Ordering::SeqCst);
    let out = files.run(&["fetch"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fetched = Instant::now();
    eventually("the delivery", || async { !sub.deliveries().is_empty() }).await;
    let (body, signed, link, content_type, at) = sub.deliveries()[0].clone();
    let latency = at - fetched;
    println!("websub: the feed came {latency:?} after the fetch");
    assert!(latency < Duration::from_secs(2), "{latency:?}");
    assert!(signed, "X-Hub-Signature holds");
    assert_eq!(
        link,
        format!("<{base}/websub>; rel=\"hub\", <{topic}>; rel=\"self\"")
    );
    assert_eq!(content_type, "application/atom+xml; charset=utf-8");
    assert_eq!(titles(&body), [LIBYA.1]);
    // What GET on the topic returns (once this process has seen the other's commit).
    eventually("the topic to serve the delivered document", || async {
        get(topic.clone()).await == body
    })
    .await;

    // A new Egypt item does not change the Libya feed: nothing is sent.
    stage.store(2, Ordering::SeqCst);
    let out = files.run(&["fetch"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sub.deliveries().len(), 1);

    // Unsubscribed (confirmed by the subscriber), the next Libya item is not sent.
    let (code, _) = post_hub(
        &base,
        &[
            ("hub.mode", "unsubscribe"),
            ("hub.topic", &topic),
            ("hub.callback", &sub.url),
        ],
    )
    .await;
    assert_eq!(code, 202);
    eventually("the unsubscription", || async {
        subscriptions(&base).await.is_empty()
    })
    .await;
    let v = sub.verifications();
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["hub.mode"], "unsubscribe");
    assert!(!v[1].contains_key("hub.lease_seconds"));
    stage.store(3, Ordering::SeqCst);
    let out = files.run(&["fetch"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sub.deliveries().len(), 1);
    service.stop().await;
}

#[tokio::test]
async fn a_websub_delivery_missed_while_the_service_was_down_is_made_after_the_restart() {
    let stage = Arc::new(AtomicUsize::new(0));
    let server = FeedServer::start(vec![(
        "/a",
        staged(
            vec![feed(&[EGYPT], &[]), feed(&[EGYPT, LIBYA], &[])],
            stage.clone(),
        ),
    )])
    .await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let files = spawn_app()
        .source("a", server.url("/a"))
        .base_url(&base)
        .main_toml("[push]\nallow_private_callbacks = true")
        .files();
    let service = files.service_on(listener).await;
    // Subscribed after the first fetch stored e1: only later items are sent.
    eventually("the first fetch's item", || async {
        client()
            .get(format!("{base}/api/items"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("\"e1\"")
    })
    .await;
    let sub = Subscriber::start("k", false).await;
    let topic = format!("{base}/sources/a.rss");
    let (code, text) = post_hub(
        &base,
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", &topic),
            ("hub.callback", &sub.url),
            ("hub.secret", "k"),
        ],
    )
    .await;
    assert_eq!(code, 202, "{text}");
    eventually("the subscription", || async {
        subscriptions(&base).await.len() == 1
    })
    .await;
    // No lease asked: the hub grants its longest, 10 days.
    assert_eq!(sub.verifications()[0]["hub.lease_seconds"], "864000");
    service.stop().await;

    // Stored while no hub runs: the outbox keeps it for the subscription.
    stage.store(1, Ordering::SeqCst);
    let out = files.run(&["fetch"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(sub.deliveries().is_empty());
    let service = files
        .service_on(TcpListener::bind(addr).await.unwrap())
        .await;
    eventually("the delivery after the restart", || async {
        !sub.deliveries().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let d = sub.deliveries();
    assert_eq!(d.len(), 1, "delivered once");
    assert!(d[0].1, "signed");
    assert_eq!(d[0].3, "application/rss+xml; charset=utf-8");
    assert_eq!(titles(&d[0].0), [LIBYA.1, EGYPT.1]);
    service.stop().await;
}

#[tokio::test]
async fn the_hub_refuses_foreign_topics_private_callbacks_and_hosts_over_their_cap() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = spawn_app().base_url(&base).files();
    let service = files.service_on(listener).await;
    let sub = Subscriber::start("x", false).await;
    let topic = format!("{base}/feeds/libya.atom");
    // Not one of our feeds.
    let (code, text) = post_hub(
        &base,
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", "http://elsewhere.test/feed"),
            ("hub.callback", &sub.url),
        ],
    )
    .await;
    assert_eq!(
        (code, text),
        (
            400,
            format!(
                "hub.topic \"http://elsewhere.test/feed\" is not a feed of this hub: use {base}/feeds/<topic>.atom (or .rss, .json), {base}/feeds/all.atom or {base}/sources/<source>.atom, without a query\n"
            )
        )
    );
    // Loopback callbacks, by address or by name, are refused by default; nothing is sent.
    let port = sub
        .url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/cb")
        .to_string();
    for (callback, why) in [
        (
            sub.url.clone(),
            "127.0.0.1 is a private, loopback or link-local address",
        ),
        (
            format!("http://localhost:{port}/cb"),
            "localhost resolves only to private, loopback or link-local addresses",
        ),
        (
            "http://[::1]:9/cb".to_string(),
            "::1 is a private, loopback or link-local address",
        ),
        (
            "http://169.254.169.254/latest/meta-data".to_string(),
            "169.254.169.254 is a private, loopback or link-local address",
        ),
    ] {
        let (code, text) = post_hub(
            &base,
            &[
                ("hub.mode", "subscribe"),
                ("hub.topic", &topic),
                ("hub.callback", &callback),
            ],
        )
        .await;
        assert_eq!(
            (code, text),
            (403, format!("hub.callback refused: {why}\n")),
            "{callback}"
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sub.calls().is_empty());
    service.stop().await;

    // Allowed by the admin, with a cap of two per callback host.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = spawn_app()
        .base_url(&base)
        .main_toml("[push]\nallow_private_callbacks = true\nmax_subscriptions_per_host = 2")
        .files();
    let service = files.service_on(listener).await;
    for slug in ["libya", "egypt"] {
        let (code, _) = post_hub(
            &base,
            &[
                ("hub.mode", "subscribe"),
                ("hub.topic", &format!("{base}/feeds/{slug}.atom")),
                ("hub.callback", &sub.url),
            ],
        )
        .await;
        assert_eq!(code, 202);
    }
    eventually("two subscriptions", || async {
        subscriptions(&base).await.len() == 2
    })
    .await;
    let host = sub
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/cb")
        .to_string();
    let (code, text) = post_hub(
        &base,
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", &format!("{base}/feeds/sudan.atom")),
            ("hub.callback", &sub.url),
        ],
    )
    .await;
    assert_eq!(
        (code, text),
        (
            403,
            format!(
                "{host} already holds 2 subscriptions, the most this hub allows one callback host\n"
            )
        )
    );
    // A renewal of a subscription held is not a new one.
    let (code, _) = post_hub(
        &base,
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", &format!("{base}/feeds/libya.atom")),
            ("hub.callback", &sub.url),
        ],
    )
    .await;
    assert_eq!(code, 202);
    // A callback that does not echo the challenge is not subscribed.
    let refusing = Subscriber::start("x", true).await;
    let (code, _) = post_hub(
        &base,
        &[
            ("hub.mode", "subscribe"),
            ("hub.topic", &format!("{base}/feeds/sudan.atom")),
            ("hub.callback", &refusing.url),
        ],
    )
    .await;
    assert_eq!(code, 202);
    eventually("the verification request", || async {
        !refusing.verifications().is_empty()
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let topics: Vec<String> = subscriptions(&base)
        .await
        .iter()
        .map(|s| s["topic"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        topics,
        [
            format!("{base}/feeds/libya.atom"),
            format!("{base}/feeds/egypt.atom")
        ]
    );
    service.stop().await;
}

/// What a source's hub (written here) was asked, and the callbacks' answers.
#[derive(Default)]
struct HubLog {
    requests: Vec<HashMap<String, String>>,
    /// (mode, whether the callback echoed the challenge).
    verified: Vec<(String, bool)>,
}

#[tokio::test]
async fn marsad_subscribes_to_a_sources_hub_and_stores_what_it_pushes_within_2s() {
    // The source's server is also its hub.
    let hub_server = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", hub_server.local_addr().unwrap());
    let feed_url = format!("{origin}/feed");
    let hub_url = format!("{origin}/hub");
    let log: Arc<Mutex<HubLog>> = Arc::default();
    // The polled feed names its hub in `Link` headers only (the pushes below carry them in
    // the document): both discovery paths are taken.
    let first = feed(&[EGYPT], &[]);
    let links = format!("<{hub_url}>; rel=\"hub\", <{feed_url}>; rel=\"self\"");
    let feed_hits = counter();
    let router = {
        let (log, hits) = (log.clone(), feed_hits.clone());
        Router::new()
            .route(
                "/feed",
                axum::routing::get(move || {
                    bump(&hits);
                    let (body, links) = (first.clone(), links.clone());
                    async move {
                        (
                            [
                                ("content-type", "application/rss+xml".to_string()),
                                ("link", links),
                            ],
                            body,
                        )
                    }
                }),
            )
            .route(
                "/hub",
                axum::routing::post(move |body: String| {
                    let log = log.clone();
                    async move {
                        let q: HashMap<String, String> =
                            url::form_urlencoded::parse(body.as_bytes())
                                .into_owned()
                                .collect();
                        log.lock().unwrap().requests.push(q.clone());
                        // Verify intent after answering, as hubs do.
                        tokio::spawn(async move {
                            let challenge = "c-0123456789";
                            let mut url = url::Url::parse(&q["hub.callback"]).unwrap();
                            url.query_pairs_mut()
                                .append_pair("hub.mode", &q["hub.mode"])
                                .append_pair("hub.topic", &q["hub.topic"])
                                .append_pair("hub.challenge", challenge)
                                .append_pair("hub.lease_seconds", "7200");
                            let r = client().get(url).send().await.unwrap();
                            let ok = r.status() == 200 && r.text().await.unwrap() == challenge;
                            log.lock()
                                .unwrap()
                                .verified
                                .push((q["hub.mode"].clone(), ok));
                        });
                        StatusCode::ACCEPTED
                    }
                }),
            )
    };
    tokio::spawn(async move { axum::serve(hub_server, router).await.unwrap() });

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let files = spawn_app()
        .source("a", &feed_url)
        .base_url(&base)
        .main_toml("[push]\nallow_private_callbacks = true\nfallback_interval = \"2h\"")
        .files();
    let service = files.service_on(listener).await;
    eventually("marsad's subscription to be verified", || async {
        log.lock().unwrap().verified.len() == 1
    })
    .await;
    let request = log.lock().unwrap().requests[0].clone();
    assert_eq!(request["hub.mode"], "subscribe");
    assert_eq!(request["hub.topic"], feed_url);
    assert_eq!(request["hub.lease_seconds"], "864000");
    let secret = request["hub.secret"].clone();
    assert_eq!(secret.len(), 32);
    let callback = request["hub.callback"].clone();
    let token = callback
        .strip_prefix(&format!("{base}/websub/callback/"))
        .unwrap_or_else(|| panic!("{callback}"))
        .to_string();
    assert_eq!(token.len(), 32);
    assert_eq!(log.lock().unwrap().verified[0], ("subscribe".into(), true));
    let st = status(&base).await;
    assert_eq!(st["push"]["websub"]["sources"][0]["source"], "a");
    assert_eq!(st["push"]["websub"]["sources"][0]["state"], "active");

    // Verification requests marsad did not ask for are not confirmed.
    for query in [
        form(&[
            ("hub.mode", "subscribe"),
            ("hub.topic", "http://other.test/feed"),
            ("hub.challenge", "x"),
        ]),
        form(&[
            ("hub.mode", "unsubscribe"),
            ("hub.topic", &feed_url),
            ("hub.challenge", "x"),
        ]),
    ] {
        let r = client()
            .get(format!("{callback}?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{query}");
    }
    let r = client()
        .get(format!(
            "{base}/websub/callback/nosuchtoken?hub.mode=subscribe&hub.challenge=x"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    // A push without the right signature is acknowledged and dropped; a signed one is
    // stored as a fetch, within 2 s.
    let push = |body: Vec<u8>, signature: Option<String>, url: String| async move {
        let mut req = client()
            .post(url)
            .header("content-type", "application/rss+xml")
            .body(body);
        if let Some(s) = signature {
            req = req.header("x-hub-signature", s);
        }
        req.send().await.unwrap().status().as_u16()
    };
    let forged = feed(&[EGYPT, EGYPT_2], &[("hub", &hub_url), ("self", &feed_url)]);
    assert_eq!(push(forged.clone(), None, callback.clone()).await, 202);
    assert_eq!(
        push(
            forged.clone(),
            Some(hub_signature("guessed", &forged)),
            callback.clone()
        )
        .await,
        202
    );
    assert_eq!(
        push(
            forged.clone(),
            Some(hub_signature(&secret, &forged)),
            format!("{base}/websub/callback/nosuchtoken")
        )
        .await,
        410
    );
    let genuine = feed(&[EGYPT, LIBYA], &[("hub", &hub_url), ("self", &feed_url)]);
    let sent = Instant::now();
    assert_eq!(
        push(
            genuine.clone(),
            Some(hub_signature(&secret, &genuine)),
            callback.clone()
        )
        .await,
        202
    );
    let stored = || async {
        let items: serde_json::Value = serde_json::from_str(
            &client()
                .get(format!("{base}/api/items?dedup=false&limit=50"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        )
        .unwrap();
        let mut guids: Vec<String> = items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["guid"].as_str().unwrap().to_string())
            .collect();
        guids.sort();
        guids
    };
    eventually("the pushed item", || async {
        stored().await.contains(&"l1".to_string())
    })
    .await;
    let latency = sent.elapsed();
    println!("websub subscriber: the pushed item was stored {latency:?} after the push");
    assert!(latency < Duration::from_secs(2), "{latency:?}");
    assert_eq!(stored().await, ["e1", "l1"], "the forged e2 was dropped");
    // Pushed sources are polled every fallback_interval (2 h), not every interval.
    let sources: serde_json::Value = serde_json::from_str(
        &client()
            .get(format!("{base}/api/sources"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let next_due =
        chrono::DateTime::parse_from_rfc3339(sources[0]["next_due"].as_str().unwrap()).unwrap();
    let wait = next_due.timestamp() - chrono::Utc::now().timestamp();
    assert!((7000..=7200).contains(&wait), "next poll in {wait}s");
    assert_eq!(
        feed_hits.load(Ordering::SeqCst),
        1,
        "polled once, at the start"
    );
    service.stop().await;
}
