//! `marsad serve`: the scheduler and the HTTP server until SIGTERM or Ctrl-C.

use anyhow::Context as _;
use marsad::config::Config;

/// Binds `[server] listen` and serves until a shutdown signal.
pub async fn run(cfg: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(cfg.server.listen)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
    marsad::app::serve(cfg, listener, shutdown_signal()).await
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed here, before the caller tells
/// systemd it is ready: installed at the future's first poll (inside the spawned server
/// task), a SIGTERM sent right after READY=1 could still meet the default action and kill
/// the process without a graceful stop.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (mut term, mut int) = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let term = async {
                match term.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            let int = async {
                match int.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = term => {},
                _ = int => {},
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
    }
}
