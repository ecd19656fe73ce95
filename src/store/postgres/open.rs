//! Connecting to PostgreSQL, applying its migrations, and the store's own re-keying of
//! stored values.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::AtomicU8;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use super::{Fault, PgStore};
use crate::store::StoreError;

/// Connections per instance: the HTTP server's reads and a few concurrent saves.
const MAX_CONNECTIONS: u32 = 10;

impl PgStore {
    /// Connects to `url` (`postgres://user@host/db`) and applies `migrations/postgres/`
    /// (sqlx takes an advisory lock for that, so instances started together migrate once).
    /// A statement that waits for a lock gives up after `lock_timeout` (the counterpart of
    /// SQLite's busy timeout) and is retried like SQLite's "locked".
    pub async fn open(url: &str, lock_timeout: Duration) -> Result<PgStore, StoreError> {
        let opts = PgConnectOptions::from_str(url)?
            .application_name("marsad")
            .options([("lock_timeout", format!("{}ms", lock_timeout.as_millis()))]);
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(lock_timeout.saturating_mul(4).max(Duration::from_secs(30)))
            .connect_with(opts)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        let store = PgStore {
            pool,
            fault: Arc::new(AtomicU8::new(Fault::None as u8)),
            common: Default::default(),
        };
        super::listen::spawn(store.pool.clone(), store.common.clone());
        store.rekey_content_hashes().await?;
        Ok(store)
    }
}
