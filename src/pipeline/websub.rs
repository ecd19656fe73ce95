//! What the pipeline and marsad's WebSub subscriber (`push::subscriber`) share: the hubs
//! the sources' feeds advertise (written by each refresh), and which sources a hub pushes
//! to (written by the subscriber), which are then polled only every
//! `[push] fallback_interval`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::Notify;

/// A hub a source's feed advertises, and the topic to subscribe to there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advertised {
    /// The hub's URL.
    pub hub: String,
    /// The feed's `self` URL.
    pub topic: String,
}

/// Shared WebSub state of the sources; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Hubs(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    advertised: Mutex<HashMap<String, Option<Advertised>>>,
    pushed: RwLock<HashSet<String>>,
    changed: Notify,
}

impl Hubs {
    /// Records what source `id`'s feed advertises now (`None`: no hub).
    pub fn advertise(&self, id: &str, hub: Option<Advertised>) {
        let mut map = self.0.advertised.lock().expect("hubs lock");
        let changed = map.insert(id.to_string(), hub.clone()) != Some(hub);
        drop(map);
        if changed {
            self.0.changed.notify_one();
        }
    }

    /// What each source this process fetched advertised at its latest parsed fetch
    /// (`None`: no hub); sources this process has not fetched are absent.
    pub fn advertised(&self) -> HashMap<String, Option<Advertised>> {
        self.0.advertised.lock().expect("hubs lock").clone()
    }

    /// Resolves when an advertisement changed.
    pub async fn changed(&self) {
        self.0.changed.notified().await;
    }

    /// Sets the sources a hub pushes to.
    pub fn set_pushed(&self, ids: HashSet<String>) {
        *self.0.pushed.write().expect("hubs lock") = ids;
    }

    /// Whether a hub pushes source `id`'s feed.
    pub fn is_pushed(&self, id: &str) -> bool {
        self.0.pushed.read().expect("hubs lock").contains(id)
    }
}
