//! What a request asks for, validated: the feed query parameters (a bad or unknown one is
//! a 400 that says why), a feed file name's format, a topic slug.

use chrono::{DateTime, Utc};

use super::error::ServerError;
use crate::config::{Config, TopicSpec};
use crate::store::ItemQuery;

/// Most values in the list parameters of one query (`topic`, `all_topics`, `source`):
/// each becomes a bound SQL parameter, twice with `dedup`.
const MAX_LIST_VALUES: usize = 50;
/// Most words in a search (`q`).
pub(super) const MAX_SEARCH_WORDS: usize = 16;

pub(super) use crate::publish::Format;

pub(super) fn split_file(file: &str) -> Result<(&str, Format), ServerError> {
    let (name, ext) = file.rsplit_once('.').ok_or_else(|| {
        ServerError::NotFound(format!("no such feed: {file} (use .rss, .atom or .json)"))
    })?;
    let format = Format::from_ext(ext).ok_or_else(|| {
        ServerError::NotFound(format!(
            "no such feed format: .{ext} (use .rss, .atom or .json)"
        ))
    })?;
    Ok((name, format))
}

/// Query parameters of feeds, validated. Public for the fuzz target `feed_query`.
pub fn parse_query(
    raw: Option<&str>,
    cfg: &Config,
) -> Result<(ItemQuery, Vec<(String, String)>), ServerError> {
    let mut q = ItemQuery::default();
    let mut kept = Vec::new();
    let pairs: Vec<(String, String)> = raw
        .map(|r| {
            url::form_urlencoded::parse(r.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let known_topic = |t: &str| cfg.topics.iter().any(|x| x.slug == t);
    let too_many = |q: &ItemQuery| {
        (q.topics.len() + q.all_topics.len() + q.sources.len() > MAX_LIST_VALUES).then(|| {
            ServerError::BadRequest(format!(
                "at most {MAX_LIST_VALUES} topics and sources in one query"
            ))
        })
    };
    for (k, v) in pairs {
        match k.as_str() {
            "topic" | "all_topics" => {
                for t in v.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    if !known_topic(t) {
                        return Err(ServerError::BadRequest(format!("unknown topic {t:?}")));
                    }
                    if k == "topic" {
                        q.topics.push(t.to_string());
                    } else {
                        q.all_topics.push(t.to_string());
                    }
                    if let Some(e) = too_many(&q) {
                        return Err(e);
                    }
                }
            }
            "source" => {
                for s in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    if !cfg.sources.iter().any(|x| x.id == s) {
                        return Err(ServerError::BadRequest(format!("unknown source {s:?}")));
                    }
                    q.sources.push(s.to_string());
                    if let Some(e) = too_many(&q) {
                        return Err(e);
                    }
                }
            }
            "limit" => {
                q.limit = match v.parse::<u32>() {
                    Ok(n) if (1..=500).contains(&n) => n,
                    _ => {
                        return Err(ServerError::BadRequest(format!(
                            "limit must be a number from 1 to 500, got {v:?}"
                        )));
                    }
                };
            }
            "since" => q.since = Some(parse_since(&v)?),
            "dedup" => {
                q.dedup = match v.as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => {
                        return Err(ServerError::BadRequest(format!(
                            "dedup must be true or false, got {v:?}"
                        )));
                    }
                }
            }
            "q" => {
                q.search = crate::text::arabic::search_query(&v);
                if q.search.is_empty() && !v.trim().is_empty() {
                    return Err(ServerError::BadRequest(format!(
                        "q has no words to search for: {v:?}"
                    )));
                }
                if q.search.len() > MAX_SEARCH_WORDS {
                    return Err(ServerError::BadRequest(format!(
                        "q has {} words; at most {MAX_SEARCH_WORDS}",
                        q.search.len()
                    )));
                }
            }
            "before" => {
                let parsed = v
                    .split_once('.')
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)));
                q.before =
                    Some(parsed.ok_or_else(|| {
                        ServerError::BadRequest(format!("bad paging cursor {v:?}"))
                    })?);
                continue;
            }
            // Tracking tags link sharers append; refusing them would break shared links.
            _ if k.starts_with("utm_") => continue,
            _ => return Err(unknown_parameter(&k)),
        }
        kept.push((k, v));
    }
    Ok((q, kept))
}

/// The parameters [`parse_query`] knows.
const QUERY_PARAMETERS: [&str; 8] = [
    "topic",
    "all_topics",
    "source",
    "since",
    "before",
    "limit",
    "dedup",
    "q",
];

/// A misspelt parameter (`lmit=5`) ignored would answer with the defaults as if obeyed.
fn unknown_parameter(name: &str) -> ServerError {
    let closest = QUERY_PARAMETERS
        .iter()
        .map(|p| (crate::config::edit_distance(name, p), *p))
        .min()
        .filter(|(d, _)| name.len() > 2 && *d <= 1.max(name.len() / 3));
    ServerError::BadRequest(match closest {
        Some((_, p)) => format!("unknown parameter {name:?}; did you mean {p:?}?"),
        None => format!(
            "unknown parameter {name:?} (known: {})",
            QUERY_PARAMETERS.join(", ")
        ),
    })
}

/// `since`: RFC 3339, or a duration back from now ("24h", "7d").
fn parse_since(v: &str) -> Result<i64, ServerError> {
    if let Ok(d) = DateTime::parse_from_rfc3339(v) {
        return Ok(d.timestamp());
    }
    match crate::config::parse_duration(v) {
        // A duration past i64::MAX seconds wrapped negative and overflowed the subtraction
        // (a panic with overflow checks); any such duration means "from the beginning".
        Ok(d) => Ok(Utc::now()
            .timestamp()
            .saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))),
        Err(_) => Err(ServerError::BadRequest(format!(
            "since must be an RFC 3339 time (2026-11-29T08:00:00Z) or a duration (24h, 7d), got {v:?}"
        ))),
    }
}

/// The topic a path names.
pub(super) fn find_topic<'a>(cfg: &'a Config, slug: &str) -> Result<&'a TopicSpec, ServerError> {
    cfg.topics
        .iter()
        .find(|t| t.slug == slug)
        .ok_or_else(|| ServerError::NotFound(format!("no such topic: {slug}")))
}
