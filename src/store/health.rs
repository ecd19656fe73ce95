//! What every backend keeps beside its connections: fetch-path writes retried while the
//! database is locked, the ledger of failing writes (`/readyz`, `/api/status`), and the
//! change counters that caches and the story index watch.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::Utc;

use super::{StoreError, WriteFailure};

/// How often a fetch-path write is tried when the database is locked (SQLITE_BUSY after
/// the busy timeout), and the pause before each retry.
const RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(500)];

/// The backend-neutral state of a store handle, shared by its clones.
#[derive(Debug, Default)]
pub(super) struct Common {
    /// Failing kinds of write (`"save items"`, `"record fetch"`, ...), until one succeeds.
    failures: Mutex<BTreeMap<&'static str, WriteFailure>>,
    /// Writes tried again because the database was locked.
    retries: AtomicU64,
    /// Bumped after every committed change to items or tags, so caches of rendered feeds
    /// know when they are stale.
    generation: AtomicU64,
    /// Bumped after items were removed or moved to another source, so in-memory views of
    /// stored items (the story index) know when to reload.
    rewrites: AtomicU64,
}

impl Common {
    /// Runs a fetch-path write: tried again after [`RETRY_PAUSES`] while the database is
    /// locked, and remembered in [`super::Store::write_failures`] when it fails for good. A success
    /// clears the failure of its kind only when `wrote` says it changed something (a
    /// transaction that wrote nothing proves nothing about a full disk).
    pub(super) async fn retrying<T, F, Fut>(
        &self,
        kind: &'static str,
        wrote: impl Fn(&T) -> bool,
        mut op: F,
    ) -> Result<T, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let mut pauses = RETRY_PAUSES.iter();
        loop {
            match op().await {
                Ok(v) => {
                    if wrote(&v) {
                        self.failures.lock().expect("failures lock").remove(kind);
                    }
                    return Ok(v);
                }
                Err(e) => match pauses.next() {
                    Some(pause) if e.is_locked() => {
                        self.retries.fetch_add(1, Ordering::AcqRel);
                        tracing::warn!(write = kind, error = %e, retry_in = ?pause, "database locked; retrying");
                        tokio::time::sleep(*pause).await;
                    }
                    _ => {
                        let now = Utc::now();
                        let mut map = self.failures.lock().expect("failures lock");
                        let f = map.entry(kind).or_insert(WriteFailure {
                            error: String::new(),
                            since: now,
                            failures: 0,
                        });
                        f.error = e.to_string();
                        f.failures += 1;
                        return Err(e);
                    }
                },
            }
        }
    }

    /// Writes tried again because the database was locked, since the store was opened.
    pub(super) fn write_retries(&self) -> u64 {
        self.retries.load(Ordering::Acquire)
    }

    /// Kinds of write that failed and have not succeeded since, with their latest error.
    pub(super) fn write_failures(&self) -> Vec<(&'static str, WriteFailure)> {
        let map = self.failures.lock().expect("failures lock");
        map.iter().map(|(k, v)| (*k, v.clone())).collect()
    }

    /// See [`super::Store::generation`].
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// See [`super::Store::rewrites`].
    pub(super) fn rewrites(&self) -> u64 {
        self.rewrites.load(Ordering::Acquire)
    }

    /// Items or tags changed.
    pub(super) fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Items were removed or moved.
    pub(super) fn rewritten(&self) {
        self.rewrites.fetch_add(1, Ordering::AcqRel);
    }
}
