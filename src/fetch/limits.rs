//! How many requests run at once: a number over all hosts and a number per host.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use url::Url;

/// Semaphores for a kind of request (article pages): one global, one per host, created on
/// first use. Cheap to clone; clones share the semaphores.
#[derive(Clone, Debug)]
pub struct HostLimits {
    global: Arc<Semaphore>,
    hosts: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
    per_host: usize,
}

/// Held while a request runs.
#[derive(Debug)]
pub struct Permit {
    _host: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

impl HostLimits {
    /// `global` requests at once, at most `per_host` of them to one host.
    pub fn new(global: usize, per_host: usize) -> HostLimits {
        HostLimits {
            global: Arc::new(Semaphore::new(global.max(1))),
            hosts: Arc::default(),
            per_host: per_host.max(1),
        }
    }

    /// Waits for a slot for `url`'s host, then for a global one (in that order, so a busy
    /// host does not hold global slots that other hosts could use).
    pub async fn acquire(&self, url: &Url) -> Permit {
        let host = url.host_str().unwrap_or("").to_string();
        // A std mutex: held only to look up the semaphore, never across an await.
        let sem = self
            .hosts
            .lock()
            .expect("limits lock")
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone();
        let _host = sem.acquire_owned().await.expect("never closed");
        let _global = self
            .global
            .clone()
            .acquire_owned()
            .await
            .expect("never closed");
        Permit { _host, _global }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    async fn waits(l: &HostLimits, url: &str) -> bool {
        let url = Url::parse(url).unwrap();
        tokio::time::timeout(Duration::from_millis(50), l.acquire(&url))
            .await
            .is_err()
    }

    #[tokio::test]
    async fn a_host_gets_per_host_slots_and_all_hosts_the_global_ones() {
        let l = HostLimits::new(2, 1);
        let a = l.acquire(&Url::parse("http://a.test/1").unwrap()).await;
        assert!(
            waits(&l, "http://a.test/2").await,
            "second page of a host waits"
        );
        let b = l.acquire(&Url::parse("http://b.test/1").unwrap()).await;
        assert!(waits(&l, "http://c.test/1").await, "global limit reached");
        drop(a);
        assert!(!waits(&l, "http://a.test/2").await, "a slot came back");
        drop(b);
    }
}
