//! Shared test helpers: a loopback feed server, a config in a temp dir, the real marsad server
//! on port 0.
#![allow(dead_code)] // each test binary uses a different subset of these helpers

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

/// A handler that always answers `body` with `content_type`.
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

/// Writes marsad.toml, sources.toml and topics.toml into `dir`; returns the main path.
/// `sources` is a list of (id, url).
pub fn write_config(dir: &Path, sources: &[(&str, String)], fetch_extra: &str) -> PathBuf {
    let mut s = String::new();
    for (id, url) in sources {
        s.push_str(&format!(
            "[[sources]]\nid = \"{id}\"\nname = \"مصدر {id}\"\nurl = \"{url}\"\ninterval = \"10m\"\n\n"
        ));
    }
    std::fs::write(dir.join("sources.toml"), s).unwrap();
    std::fs::write(dir.join("topics.toml"), shipped_topics()).unwrap();
    let main = dir.join("marsad.toml");
    std::fs::write(
        &main,
        format!(
            "sources_file = \"sources.toml\"\ntopics_file = \"topics.toml\"\n[server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"http://marsad.test\"\n[storage]\ndatabase = \"data/marsad.db\"\nretention_days = 0\n[fetch]\ninterval = \"10m\"\ntimeout = \"5s\"\nconnect_timeout = \"2s\"\n{fetch_extra}\n"
        ),
    )
    .unwrap();
    main
}

/// The real marsad HTTP server on 127.0.0.1:0 (no scheduler); returns its base URL and a
/// shutdown sender.
pub async fn start_marsad(
    config: marsad::config::Config,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let store = marsad::app::open_store(&config).await.unwrap();
    serve_store(store, config).await
}

/// The real marsad HTTP server on 127.0.0.1:0 over a store the test also writes to (as
/// `serve` shares one store between scheduler and server, so its cache sees the writes).
pub async fn serve_store(
    store: marsad::store::Store,
    config: marsad::config::Config,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (addr, tx) = serve_state(marsad::server::AppState::new(store, config)).await;
    (format!("http://{addr}"), tx)
}

/// The real marsad HTTP server on 127.0.0.1:0 for `state`; it stops when the sender is
/// dropped or sent to.
pub async fn serve_state(
    state: marsad::server::AppState,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        marsad::server::serve(listener, state, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx)
}

/// The marsad binary with `--config main` and `args`, logging errors only.
pub fn marsad_cli(main: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_marsad"))
        .arg("--config")
        .arg(main)
        .args(args)
        .env("RUST_LOG", "error")
        .output()
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

pub fn bump(c: &AtomicUsize) -> usize {
    c.fetch_add(1, Ordering::SeqCst) + 1
}

/// A config in a temp dir (see [`write_config`]) with its store open: the setup most
/// ingest tests share.
pub struct TestEnv {
    /// Keeps the temp dir alive.
    pub dir: tempfile::TempDir,
    pub config: marsad::config::Config,
    pub store: marsad::store::Store,
}

impl TestEnv {
    pub async fn new(sources: &[(&str, String)], fetch_extra: &str) -> TestEnv {
        let dir = tempfile::tempdir().unwrap();
        let main = write_config(dir.path(), sources, fetch_extra);
        let config = marsad::config::load(&main).unwrap();
        let store = marsad::app::open_store(&config).await.unwrap();
        TestEnv { dir, config, store }
    }

    /// One `marsad fetch` pass: outcomes (by source id) and skipped sources.
    pub async fn fetch(&self, force: bool) -> (Vec<marsad::pipeline::Outcome>, Vec<String>) {
        marsad::app::fetch_all(&self.config, &self.store, force, |_| {})
            .await
            .unwrap()
    }
}
