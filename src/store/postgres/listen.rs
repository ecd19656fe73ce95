//! Changes written by other instances: every instance listens on [`CHANGES_CHANNEL`] and
//! bumps its change counters for each notification, so its feed caches (ETag, 304) and
//! story index see every instance's writes, not only its own.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};

use super::CHANGES_CHANNEL;
use crate::store::health::Common;

/// Listens until the pool is closed, skipping the changes marked with `token` (this
/// handle's own). A lost connection may have lost notifications, so both counters are
/// bumped when it is back: caches are rebuilt once too often rather than served stale.
pub(super) fn spawn(pool: PgPool, common: Arc<Common>, token: Arc<str>) {
    tokio::spawn(async move {
        let mut first = true;
        while !pool.is_closed() {
            let mut listener = match PgListener::connect_with(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(CHANGES_CHANNEL).await {
                tracing::warn!(error = %e, "cannot listen for other instances' changes; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            if !first {
                common.changed();
                common.rewritten();
            }
            first = false;
            loop {
                match listener.try_recv().await {
                    Ok(Some(n)) => match n.payload().split_once(' ') {
                        Some((_, from)) if from == &*token => {}
                        Some(("rewritten", _)) => common.rewritten(),
                        _ => common.changed(),
                    },
                    // The connection was lost; the next call reconnects, and what was
                    // announced meanwhile is lost.
                    Ok(None) => {
                        common.changed();
                        common.rewritten();
                    }
                    Err(_) => break,
                }
                if pool.is_closed() {
                    return;
                }
            }
        }
    });
}
