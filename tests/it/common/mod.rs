//! Shared test helpers: the `spawn_app` harness that starts marsad ([`app`]), a loopback
//! feed server, fixtures.

mod app;
pub mod pg;

pub use app::*;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::http::HeaderMap;
use axum::response::Response;
use tokio::net::TcpListener;

/// A handler for the fake feed server: gets the request headers and the hit count so far.
pub type Handler = Arc<dyn Fn(&HeaderMap, usize) -> Response + Send + Sync>;

/// A feed server on 127.0.0.1 with one handler per path; counts requests per path.
pub struct FeedServer {
    pub addr: SocketAddr,
    pub hits: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl FeedServer {
    pub async fn start(routes: Vec<(&str, Handler)>) -> FeedServer {
        let hits: Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>> = Arc::default();
        let mut router = Router::new();
        for (path, handler) in routes {
            let hits = hits.clone();
            let p = path.to_string();
            router = router.route(
                path,
                axum::routing::get(move |headers: HeaderMap| {
                    let n = {
                        let mut h = hits.lock().unwrap();
                        let e = h.entry(p.clone()).or_insert(0);
                        *e += 1;
                        *e
                    };
                    let r = handler(&headers, n);
                    async move { r }
                }),
            );
        }
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        FeedServer { addr, hits }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

/// An RSS feed of source `n` with items `0..count`: guids `f{n}-{i}`, a link each, Libya
/// words in every title and body (so every item gets the `libya` tag).
pub fn numbered_feed(n: usize, count: usize) -> Vec<u8> {
    let mut s =
        format!("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>مصدر {n}</title>");
    for i in 0..count {
        s.push_str(&format!(
            "<item><guid>f{n}-{i}</guid><title>خبر {i} من المصدر {n} عن ليبيا</title><link>http://news.test/{n}/{i}</link><description>&lt;p&gt;نص الخبر رقم {i} في المصدر {n}: تطورات في طرابلس وبنغازي ومصراتة اليوم.&lt;/p&gt;</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

/// Waits (in steps of 10 ms, at most 30 s) until `check` holds; panics with `what` if it
/// never does. For state another task or process changes (a reload, a server coming up).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..3000 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// A handler that always answers `body` with `content_type`.
pub fn serve_bytes(body: Vec<u8>, content_type: &'static str) -> Handler {
    Arc::new(move |_, _| {
        Response::builder()
            .header("content-type", content_type)
            .body(axum::body::Body::from(body.clone()))
            .unwrap()
    })
}

/// Path of a fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The shipped topics file.
pub fn shipped_topics() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/topics.toml"))
        .unwrap()
}

/// A plain HTTP client for the tests.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// Counts calls; handy in handlers.
pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

/// Adds one to `c`; returns the new count.
pub fn bump(c: &AtomicUsize) -> usize {
    c.fetch_add(1, Ordering::SeqCst) + 1
}

/// Real-sounding news items (guid, title, text) for push tests: two Libya stories and two
/// Egypt ones.
pub const LIBYA: (&str, &str, &str) = (
    "l1",
    "حكومة الوحدة الوطنية الليبية تعلن خطة لإعادة الإعمار في طرابلس",
    "أعلنت حكومة الوحدة الوطنية في ليبيا اليوم خطة لإعادة إعمار الأحياء المتضررة في طرابلس وبنغازي خلال عامين.",
);
/// See [`LIBYA`].
pub const LIBYA_2: (&str, &str, &str) = (
    "l2",
    "المؤسسة الوطنية للنفط في ليبيا تستأنف الإنتاج في حقل الشرارة",
    "استأنفت المؤسسة الوطنية للنفط في ليبيا الإنتاج في حقل الشرارة جنوب غرب البلاد بعد توقف دام أسبوعين.",
);
/// See [`LIBYA`].
pub const EGYPT: (&str, &str, &str) = (
    "e1",
    "الرئيس المصري يفتتح محطة جديدة لتوليد الكهرباء في أسوان",
    "افتتح الرئيس المصري عبد الفتاح السيسي اليوم محطة جديدة لتوليد الكهرباء في أسوان جنوب مصر بقدرة ألف ميغاواط.",
);

/// An RSS feed of (guid, title, text) items with the channel's `atom:link`s (rel, href);
/// an item's link is `http://news.test/{guid}`, so two feeds carrying one guid carry the
/// same article (one story).
pub fn news_feed(items: &[(&str, &str, &str)], links: &[(&str, &str)]) -> Vec<u8> {
    let mut s = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>مصدر</title>",
    );
    for (rel, href) in links {
        s.push_str(&format!("<atom:link rel=\"{rel}\" href=\"{href}\"/>"));
    }
    for (guid, title, text) in items {
        s.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title><link>http://news.test/{guid}</link><description>{text}</description></item>"
        ));
    }
    s.push_str("</channel></rss>");
    s.into_bytes()
}

/// A feed that serves `stages[n]` once `stage` is `n`.
pub fn staged(stages: Vec<Vec<u8>>, stage: Arc<AtomicUsize>) -> Handler {
    Arc::new(move |_, _| {
        let body = stages[stage.load(Ordering::SeqCst).min(stages.len() - 1)].clone();
        axum::response::Response::builder()
            .header("content-type", "application/rss+xml")
            .body(axum::body::Body::from(body))
            .unwrap()
    })
}
