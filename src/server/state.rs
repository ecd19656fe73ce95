//! What every handler shares: the store, the config in force (replaced whole on reload),
//! the feed cache, the open connections, and the tagger of the config in force.

use std::sync::{Arc, RwLock};

use super::cache::FeedCache;
use super::conn::Connections;
use crate::config::Config;
use crate::store::Store;

/// Shared state of the handlers.
#[derive(Clone)]
pub struct AppState {
    /// Database.
    pub store: Store,
    /// The config in force; replaced as a whole on reload. A `std` lock: never held across
    /// an `.await`.
    pub config: Arc<RwLock<Arc<Config>>>,
    /// A config problem to show admins (last failed reload), if any.
    pub notice: Arc<RwLock<Option<String>>>,
    /// Rendered feeds.
    pub cache: FeedCache,
    /// Open connections.
    pub connections: Arc<Connections>,
    /// The tagger of the config in force, for the item pages' explanations.
    pub(super) matcher: Arc<MatcherCache>,
    /// New items for the live streams, and the webhook endpoints' state.
    pub push: Arc<crate::push::Hub>,
}

impl AppState {
    /// State for a store and config.
    pub fn new(store: Store, config: Config) -> AppState {
        let push = Arc::new(crate::push::Hub::new(config.push.stream_buffer));
        AppState {
            push,
            store,
            config: Arc::new(RwLock::new(Arc::new(config))),
            notice: Arc::new(RwLock::new(None)),
            cache: FeedCache::default(),
            connections: Arc::default(),
            matcher: Arc::default(),
        }
    }

    pub(super) fn config(&self) -> Arc<Config> {
        self.config.read().expect("config lock poisoned").clone()
    }
}

/// The compiled topic rules of one config, kept until the config is replaced: compiling
/// the shipped rules takes milliseconds, too much to repeat for every item page.
#[derive(Default)]
pub struct MatcherCache(std::sync::Mutex<Option<(Arc<Config>, Arc<crate::tag::Matcher>)>>);

impl MatcherCache {
    /// The matcher of `cfg`, compiled on first use. The cache holds `cfg` itself, so a
    /// pointer comparison cannot mistake a new config for a freed one. A `std` lock: no
    /// `.await` while it is held.
    pub(super) fn get(&self, cfg: &Arc<Config>) -> Arc<crate::tag::Matcher> {
        let mut slot = self.0.lock().expect("matcher cache poisoned");
        match &*slot {
            Some((c, m)) if Arc::ptr_eq(c, cfg) => m.clone(),
            _ => {
                let m = Arc::new(crate::tag::Matcher::compile(&cfg.topics));
                *slot = Some((cfg.clone(), m.clone()));
                m
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matcher_is_compiled_once_per_config() {
        let cache = MatcherCache::default();
        let a = Arc::new(crate::config::load_embedded().unwrap());
        let first = cache.get(&a);
        assert!(Arc::ptr_eq(&first, &cache.get(&a)));
        // A reload makes a new config, even with the same rules.
        let b = Arc::new((*a).clone());
        let second = cache.get(&b);
        assert!(!Arc::ptr_eq(&first, &second));
        assert!(Arc::ptr_eq(&second, &cache.get(&b)));
    }
}
