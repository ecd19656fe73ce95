//! `marsad topics test`: a topic's rules, as the files are now, against the stored items.

use std::fmt;

use marsad::config::{self, Config};
use marsad::tag::Matcher;

use super::{Refusal, Report};

/// An item whose tag would change.
#[derive(Debug)]
pub struct Change {
    /// Item id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// The new score when the tag would be added; `None` when it would be removed.
    pub score: Option<f64>,
}

/// What the rules would change for one topic.
#[derive(Debug)]
pub struct TopicTest {
    /// Topic slug.
    pub topic: String,
    /// The window, as given (`7d`).
    pub since: String,
    /// Items in the window.
    pub checked: usize,
    /// Items that would gain the tag.
    pub added: Vec<Change>,
    /// Items that would lose it.
    pub removed: Vec<Change>,
    /// Items that keep it.
    pub kept: usize,
}

impl Report for TopicTest {}

impl fmt::Display for TopicTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.added {
            writeln!(
                f,
                "+ #{} ({}) {}",
                c.id,
                c.score.unwrap_or_default(),
                c.title
            )?;
        }
        for c in &self.removed {
            writeln!(f, "- #{} {}", c.id, c.title)?;
        }
        writeln!(
            f,
            "{}: {} items since {} checked; {} would be added, {} removed, {} stay tagged",
            self.topic,
            self.checked,
            self.since,
            self.added.len(),
            self.removed.len(),
            self.kept
        )
    }
}

/// Tags the items of the last `since` with the current rules and compares with their tags.
pub async fn test(cfg: &Config, topic: &str, since: &str) -> anyhow::Result<TopicTest> {
    if !cfg.topics.iter().any(|t| t.slug == topic) {
        let file = cfg.topics_path.display();
        return Err(Refusal::new(format!("no topic {topic:?} in {file}")).into());
    }
    let window = config::parse_duration(since).map_err(|e| anyhow::anyhow!("--since: {e}"))?;
    let from = chrono::Utc::now().timestamp() - window.as_secs() as i64;
    let store = marsad::app::open_store(cfg).await?;
    let matcher = Matcher::compile(&cfg.topics);
    let items = store.items_with_topic_flag(topic, from).await?;
    let mut report = TopicTest {
        topic: topic.to_string(),
        since: since.to_string(),
        checked: items.len(),
        added: Vec::new(),
        removed: Vec::new(),
        kept: 0,
    };
    for (id, source, title, text, was) in items {
        let now = matcher
            .tag(&title, &text, cfg.source_place(&source))
            .into_iter()
            .find(|t| t.slug == topic);
        match (was, now) {
            (false, Some(t)) => report.added.push(Change {
                id,
                title,
                score: Some(t.score),
            }),
            (true, None) => report.removed.push(Change {
                id,
                title,
                score: None,
            }),
            (true, Some(_)) => report.kept += 1,
            (false, None) => {}
        }
    }
    Ok(report)
}
