//! `spawn_app()`: the one way a test starts marsad.
//!
//! Every test gets its own temp dir holding `marsad.toml`, `sources.toml`, `topics.toml` and
//! the SQLite file (`data/marsad.db`), and its servers on `127.0.0.1:0`. The builder sets
//! what differs between tests; then one of three ways to run marsad:
//!
//! - [`AppBuilder::files`]: only the files, for tests of the binary ([`AppFiles::cli`],
//!   [`AppFiles::run`], [`AppFiles::command`]) and of the whole service
//!   ([`AppFiles::service`]: `app::serve` with its scheduler and config reload);
//! - [`AppBuilder::open`]: the files, the loaded [`Config`] and an open [`Store`], for tests
//!   that fetch ([`TestApp::fetch`]) or write the store themselves;
//! - [`TestApp::serve`]: the HTTP server over that store and config (no scheduler), so the
//!   server sees what the test writes, as `serve` shares one store between scheduler and
//!   server. Its [`Server`] gives the base URL and the state (connection counters, notice).
//!
//! A restart over the same data with another config is `spawn_app()…over(&earlier)`. Tests
//! that run the binary under another program (`setpriv`, `script`) name it by [`MARSAD`].
//!
//! ```ignore
//! let app = spawn_app().source("news", feeds.url("/f")).open().await;
//! app.fetch(false).await;
//! let site = app.serve().await;
//! client().get(format!("{}/feeds/all.atom", site.base)).send().await;
//! ```

use std::net::SocketAddr;
use std::ops::Deref;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::Arc;

use marsad::config::Config;
use marsad::server::AppState;
use marsad::store::Store;
use tokio::net::TcpListener;

use super::{eventually, shipped_topics};

/// The marsad binary cargo built for these tests.
pub const MARSAD: &str = env!("CARGO_BIN_EXE_marsad");

/// The marsad binary with `args` (no `--config`), logging errors only.
pub fn marsad_command<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Command {
    let mut c = Command::new(MARSAD);
    c.args(args).env("RUST_LOG", "error");
    c
}

/// A change to a loaded config; see [`AppBuilder::config`].
type Tweak = Box<dyn FnOnce(&mut Config) + Send>;

/// Starts describing a marsad for one test: no sources, the shipped topics, the defaults of
/// [`AppBuilder`]'s methods.
pub fn spawn_app() -> AppBuilder {
    AppBuilder::default()
}

/// What a test's marsad is made of; see [`spawn_app`].
#[derive(Default)]
#[must_use = "a builder does nothing until files() or open()"]
pub struct AppBuilder {
    sources: Vec<(String, String)>,
    sources_toml: Option<String>,
    topics_toml: Option<String>,
    base_url: Option<String>,
    server_toml: String,
    over: Option<AppFiles>,
    fetch_toml: String,
    database: Option<String>,
    main_toml: String,
    tweaks: Vec<Tweak>,
}

impl AppBuilder {
    /// A source polled every 10 minutes, named "مصدر {id}".
    pub fn source(mut self, id: &str, url: impl Into<String>) -> Self {
        self.sources.push((id.to_string(), url.into()));
        self
    }

    /// Several sources as (id, url); see [`AppBuilder::source`].
    pub fn sources(mut self, sources: &[(&str, String)]) -> Self {
        for (id, url) in sources {
            self = self.source(id, url.clone());
        }
        self
    }

    /// The whole `sources.toml`, for sources with options of their own (replaces
    /// [`AppBuilder::source`]s).
    pub fn sources_toml(mut self, text: impl Into<String>) -> Self {
        self.sources_toml = Some(text.into());
        self
    }

    /// The whole `topics.toml` (the shipped `config/topics.toml` by default).
    pub fn topics_toml(mut self, text: impl Into<String>) -> Self {
        self.topics_toml = Some(text.into());
        self
    }

    /// `[server] base_url` (`http://marsad.test` by default).
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_string());
        self
    }

    /// More lines for `[server]` (`admin_token = "…"`).
    pub fn server_toml(mut self, lines: &str) -> Self {
        self.server_toml.push_str(lines);
        self.server_toml.push('\n');
        self
    }

    /// More lines for `[fetch]` (`max_body_bytes = 65536`). Written to the file, so the
    /// binary and the service see them too.
    pub fn fetch_toml(mut self, lines: &str) -> Self {
        self.fetch_toml.push_str(lines);
        self.fetch_toml.push('\n');
        self
    }

    /// `[storage] database` (`data/marsad.db`, SQLite, by default): a PostgreSQL URL.
    pub fn database(mut self, database: &str) -> Self {
        self.database = Some(database.to_string());
        self
    }

    /// More tables at the end of `marsad.toml` (`[[webhooks]]`, `[push]`).
    pub fn main_toml(mut self, text: &str) -> Self {
        self.main_toml.push_str(text);
        self.main_toml.push('\n');
        self
    }

    /// Writes over the files of `earlier` instead of into a new temp dir, keeping its
    /// database: marsad restarted with another config.
    pub fn over(mut self, earlier: &AppFiles) -> Self {
        self.over = Some(earlier.clone());
        self
    }

    /// A change to the loaded [`Config`] for settings the files cannot express in a test
    /// (a busy timeout of 200 ms, server timeouts under a second). Applies to
    /// [`AppBuilder::open`] only: the binary and the service read the files.
    pub fn config(mut self, tweak: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// Writes the config files (into a new temp dir unless [`AppBuilder::over`]); opens
    /// nothing.
    pub fn files(self) -> AppFiles {
        self.write().0
    }

    /// Writes the config files, loads them and opens the store (as `marsad` does at start,
    /// syncing the configured sources into it).
    pub async fn open(self) -> TestApp {
        let (files, tweaks) = self.write();
        files.open_with(tweaks).await
    }

    fn write(self) -> (AppFiles, Vec<Tweak>) {
        let files = self.over.unwrap_or_else(|| {
            let temp = tempfile::tempdir().unwrap();
            AppFiles {
                dir: temp.path().to_path_buf(),
                main: temp.path().join("marsad.toml"),
                _temp: Arc::new(temp),
            }
        });
        let dir = &files.dir;
        let sources = self.sources_toml.unwrap_or_else(|| {
            self.sources
                .iter()
                .map(|(id, url)| {
                    format!(
                        "[[sources]]\nid = \"{id}\"\nname = \"مصدر {id}\"\nurl = \"{url}\"\ninterval = \"10m\"\n\n"
                    )
                })
                .collect()
        });
        std::fs::write(dir.join("sources.toml"), sources).unwrap();
        let topics = self.topics_toml.unwrap_or_else(shipped_topics);
        std::fs::write(dir.join("topics.toml"), topics).unwrap();
        let base_url = self.base_url.as_deref().unwrap_or("http://marsad.test");
        std::fs::write(
            &files.main,
            format!(
                "sources_file = \"sources.toml\"\ntopics_file = \"topics.toml\"\n[server]\nlisten = \"127.0.0.1:0\"\nbase_url = \"{base_url}\"\n{}[storage]\ndatabase = \"{}\"\nretention_days = 0\n[fetch]\ninterval = \"10m\"\ntimeout = \"5s\"\nconnect_timeout = \"2s\"\n{}{}",
                self.server_toml,
                self.database.as_deref().unwrap_or("data/marsad.db"),
                self.fetch_toml,
                self.main_toml
            ),
        )
        .unwrap();
        (files, self.tweaks)
    }
}

/// A test's config files in their temp dir (removed when the last app over it is dropped).
#[derive(Clone)]
pub struct AppFiles {
    /// The temp dir: the config files and `data/`.
    pub dir: PathBuf,
    /// `marsad.toml`, the path given to `--config`.
    pub main: PathBuf,
    _temp: Arc<tempfile::TempDir>,
}

/// What a run of the binary printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliOutput {
    /// The exit code (-1 if killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for CliOutput {
    fn from(o: Output) -> CliOutput {
        CliOutput {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8(o.stdout).unwrap(),
            stderr: String::from_utf8(o.stderr).unwrap(),
        }
    }
}

impl AppFiles {
    /// Loads the files and opens the store, as `marsad` does at start (syncing the
    /// configured sources into it).
    pub async fn open(&self) -> TestApp {
        self.clone().open_with(Vec::new()).await
    }

    async fn open_with(self, tweaks: Vec<Tweak>) -> TestApp {
        let mut config = self.load();
        for tweak in tweaks {
            tweak(&mut config);
        }
        let store = marsad::app::open_store(&config).await.unwrap();
        TestApp {
            files: self,
            config,
            store,
        }
    }

    /// The files loaded as `marsad` loads them.
    pub fn load(&self) -> Config {
        marsad::config::load(&self.main).unwrap()
    }

    /// The binary with `--config marsad.toml` and `args`, logging errors only; for tests
    /// that spawn it, kill it or give it an environment.
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut c = Command::new(MARSAD);
        c.arg("--config")
            .arg(&self.main)
            .args(args)
            .env("RUST_LOG", "error");
        c
    }

    /// Runs the binary with `args` to its end (blocking: from async code use
    /// [`AppFiles::run`]).
    pub fn cli(&self, args: &[&str]) -> CliOutput {
        self.command(args).output().unwrap().into()
    }

    /// Runs the binary with `args` on a blocking thread, so servers of the test running on
    /// this runtime keep answering it.
    pub async fn run(&self, args: &[&str]) -> CliOutput {
        let mut c = self.command(args);
        tokio::task::spawn_blocking(move || CliOutput::from(c.output().unwrap()))
            .await
            .unwrap()
    }

    /// The whole service (`marsad serve` in this process: store, scheduler, config reload,
    /// HTTP) on 127.0.0.1:0, once it answers `/healthz`.
    pub async fn service(&self) -> Service {
        self.service_on(TcpListener::bind("127.0.0.1:0").await.unwrap())
            .await
    }

    /// [`AppFiles::service`] on a listener the test bound, so `base_url` can name it (as
    /// WebSub topics and callbacks must).
    pub async fn service_on(&self, listener: TcpListener) -> Service {
        let config = self.load();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(marsad::app::serve(config, listener, async {
            let _ = stopped.await;
        }));
        let c = super::client();
        eventually("the service to answer", || async {
            c.get(format!("{base}/healthz")).send().await.is_ok()
        })
        .await;
        Service {
            base,
            stop: Some(stop),
            task,
        }
    }
}

/// A test's marsad with its config loaded and its store open; see [`spawn_app`].
pub struct TestApp {
    files: AppFiles,
    /// The loaded config, with the builder's [`AppBuilder::config`] changes.
    pub config: Config,
    /// The open store.
    pub store: Store,
}

impl Deref for TestApp {
    type Target = AppFiles;
    fn deref(&self) -> &AppFiles {
        &self.files
    }
}

impl TestApp {
    /// One `marsad fetch` pass (`--force` when `force`): outcomes, and skipped sources.
    pub async fn fetch(&self, force: bool) -> (Vec<marsad::pipeline::Outcome>, Vec<String>) {
        marsad::app::fetch_all(&self.config, &self.store, force, |_| {})
            .await
            .unwrap()
    }

    /// The HTTP server (no scheduler) over this store and config, on 127.0.0.1:0.
    pub async fn serve(&self) -> Server {
        Server::start(AppState::new(self.store.clone(), self.config.clone())).await
    }

    /// Closes the store and runs the whole service on the same files (see
    /// [`AppFiles::service`]); the service keeps the temp dir.
    pub async fn into_service(self) -> (AppFiles, Service) {
        self.store.close().await;
        let service = self.files.service().await;
        (self.files, service)
    }
}

/// marsad's HTTP server on 127.0.0.1; it stops when dropped.
pub struct Server {
    /// `http://127.0.0.1:port`.
    pub base: String,
    pub addr: SocketAddr,
    /// The server's state, shared with its handlers (counters, notice, cache).
    pub state: AppState,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Server {
    async fn start(state: AppState) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = state.clone();
        tokio::spawn(async move {
            marsad::server::serve(listener, serving, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Server {
            base: format!("http://{addr}"),
            addr,
            state,
            _stop: stop,
        }
    }
}

/// The whole service started by [`AppFiles::service`].
pub struct Service {
    /// `http://127.0.0.1:port`.
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Service {
    /// Asks for a graceful stop and waits for it; panics if the service failed.
    pub async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        (&mut self.task).await.unwrap().unwrap();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}
