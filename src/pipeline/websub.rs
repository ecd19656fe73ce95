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

/// The hub and topic that `Link` headers name (`<url>; rel="hub"`, `<url>; rel="self"`,
/// RFC 8288), resolved against `base`; `None` without a hub. Without a `self` link the
/// topic is `base`, the URL the feed came from.
pub fn from_link_headers(values: &[String], base: &url::Url) -> Option<(String, String)> {
    let mut hub = None;
    let mut topic = None;
    for value in values {
        let mut rest = value.as_str();
        // Each link is `<target>` followed by `;`-separated parameters, links separated by
        // commas; a target may itself hold commas, so targets are read between brackets.
        while let Some(start) = rest.find('<') {
            let Some(len) = rest[start..].find('>') else {
                break;
            };
            let target = &rest[start + 1..start + len];
            let after = &rest[start + len + 1..];
            let params_end = after.find('<').unwrap_or(after.len());
            // The comma before the next link is not part of these parameters.
            let params = after[..params_end].trim_end().trim_end_matches(',');
            let rels: Vec<String> = params
                .split(';')
                .filter_map(|p| {
                    let (k, v) = p.split_once('=')?;
                    (k.trim().eq_ignore_ascii_case("rel"))
                        .then(|| v.trim().trim_matches('"').to_ascii_lowercase())
                })
                .flat_map(|v| v.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .collect();
            if let Ok(url) = base.join(target.trim()) {
                if rels.iter().any(|r| r == "hub") && hub.is_none() {
                    hub = Some(url.to_string());
                }
                if rels.iter().any(|r| r == "self") && topic.is_none() {
                    topic = Some(url.to_string());
                }
            }
            rest = &after[params_end..];
        }
    }
    Some((hub?, topic.unwrap_or_else(|| base.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_name_the_hub_and_the_topic() {
        let base = url::Url::parse("https://site.test/feed?x=1").unwrap();
        let of = |v: &[&str]| {
            from_link_headers(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &base)
        };
        assert_eq!(
            of(&[r#"<https://hub.test/>; rel="hub", <https://site.test/feed>; rel="self""#]),
            Some(("https://hub.test/".into(), "https://site.test/feed".into()))
        );
        // Separate headers, relative targets, a relation list, commas inside a target.
        assert_eq!(
            of(&[r#"</a,b>; rel="self""#, r#"</hub>; rel="alternate hub""#]),
            Some((
                "https://site.test/hub".into(),
                "https://site.test/a,b".into()
            ))
        );
        // No self link: the topic is the URL the feed came from.
        assert_eq!(
            of(&["<https://hub.test/>;rel=hub"]),
            Some((
                "https://hub.test/".into(),
                "https://site.test/feed?x=1".into()
            ))
        );
        assert_eq!(of(&[r#"<https://site.test/feed>; rel="self""#]), None);
        assert_eq!(of(&[]), None);
        assert_eq!(of(&["garbage <unclosed"]), None);
    }
}
