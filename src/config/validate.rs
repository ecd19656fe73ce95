//! Checks of `sources.toml` and `topics.toml` beyond their syntax: ids and URLs unique,
//! schedules and selectors that compile, topic references that resolve without a cycle.
//! Each problem is reported at its position and validation goes on, so one run shows them
//! all.

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use super::crontab::parse_cron;
use super::duration::{DurationError, parse_duration};
use super::error::{ConfigError, error_at};
use super::raw;
use super::types::{MIN_INTERVAL, Schedule, SourceSpec, TopicSpec};

pub(super) fn validate_sources(
    path: &Path,
    text: &str,
    file: raw::SourcesFile,
    default_interval: Duration,
    errors: &mut Vec<ConfigError>,
) -> Vec<SourceSpec> {
    let mut seen = HashSet::new();
    let mut urls = std::collections::HashMap::new();
    let mut out = Vec::new();
    for s in file.sources {
        let mut ok = true;
        let mut err = |span: Range<usize>, message: String| {
            errors.push(error_at(path, text, span.start, message));
        };
        let id = s.id.get_ref().clone();
        if let Err(e) = check_source_id(&id) {
            err(s.id.span(), format!("id {id:?} {e}"));
            ok = false;
        } else if !seen.insert(id.clone()) {
            err(s.id.span(), format!("duplicate source id {id:?}"));
            ok = false;
        }
        let url = match url::Url::parse(s.url.get_ref()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                // Two sources polling one feed store every item twice; compared as
                // `sources add` compares (without scheme, `www.`, trailing slash, tracking).
                match urls.entry(crate::text::url::canonical(&u)) {
                    std::collections::hash_map::Entry::Occupied(first) => err(
                        s.url.span(),
                        format!(
                            "url {:?} is already polled by source {:?}",
                            s.url.get_ref(),
                            first.get()
                        ),
                    ),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(id.clone());
                    }
                }
                Some(u)
            }
            Ok(u) => {
                err(
                    s.url.span(),
                    format!(
                        "url scheme {:?} is not supported (use http or https)",
                        u.scheme()
                    ),
                );
                None
            }
            Err(e) => {
                err(s.url.span(), format!("url {:?}: {e}", s.url.get_ref()));
                None
            }
        };
        let schedule = match (&s.interval, &s.cron) {
            (Some(i), Some(_)) => {
                err(i.span(), "give either interval or cron, not both".into());
                None
            }
            (Some(i), None) => match parse_duration(i.get_ref()) {
                Ok(d) if d >= MIN_INTERVAL => Some(Schedule::Every(d)),
                Ok(_) => {
                    err(i.span(), "interval must be at least 1m".into());
                    None
                }
                Err(e) => {
                    err(i.span(), format!("interval: {e}"));
                    None
                }
            },
            (None, Some(c)) => match parse_cron(c.get_ref()) {
                Ok(c) => Some(Schedule::Cron(Box::new(c))),
                Err(e) => {
                    err(c.span(), format!("cron: {e}"));
                    None
                }
            },
            (None, None) => Some(Schedule::Every(default_interval)),
        };
        let encoding = match &s.encoding {
            None => None,
            Some(label) => match encoding_rs::Encoding::for_label(label.get_ref().as_bytes()) {
                Some(e) => Some(e),
                None => {
                    err(
                        label.span(),
                        format!(
                            "unknown encoding {:?} (e.g. \"windows-1256\", \"iso-8859-6\", \"utf-8\")",
                            label.get_ref()
                        ),
                    );
                    ok = false;
                    None
                }
            },
        };
        let place = match &s.place {
            Some(p) if p.get_ref().trim().is_empty() => {
                err(
                    p.span(),
                    "place: empty (write a country or city, e.g. \"لبنان\")".into(),
                );
                ok = false;
                None
            }
            Some(p) => Some(p.get_ref().trim().to_string()),
            None => None,
        };
        // Selectors are compiled here, once: a typo is reported by `marsad check` with its
        // position, never discovered at the first article.
        let mut selector =
            |css: &toml::Spanned<String>, what: &str| match crate::clean::article::Selector::parse(
                css.get_ref(),
            ) {
                Ok(s) => Some(s),
                Err(e) => {
                    errors.push(error_at(
                        path,
                        text,
                        css.span().start,
                        format!("{what}: {e}"),
                    ));
                    None
                }
            };
        let content = s
            .content_selector
            .as_ref()
            .and_then(|c| selector(c, "content_selector"));
        let remove: Vec<_> = s
            .remove_selectors
            .iter()
            .filter_map(|c| selector(c, "remove_selectors"))
            .collect();
        if s.content_selector.is_some() && content.is_none()
            || remove.len() < s.remove_selectors.len()
        {
            ok = false;
        }
        if let (true, Some(url), Some(schedule)) = (ok, url, schedule) {
            out.push(SourceSpec {
                id,
                name: s.name,
                url,
                schedule,
                enabled: s.enabled,
                language: s.language,
                encoding,
                full_text: s.full_text,
                article: crate::clean::article::Rules { content, remove },
                place,
            });
        }
    }
    out
}

pub(super) fn validate_topics(
    path: &Path,
    text: &str,
    file: raw::TopicsFile,
    errors: &mut Vec<ConfigError>,
) -> Vec<TopicSpec> {
    let mut seen = HashSet::new();
    let slugs: HashSet<String> = file
        .topics
        .iter()
        .map(|t| t.slug.get_ref().clone())
        .collect();
    let mut out = Vec::new();
    for t in file.topics {
        let mut err = |span: Range<usize>, message: String| {
            errors.push(error_at(path, text, span.start, message));
        };
        let slug = t.slug.get_ref().clone();
        if !is_slug(&slug) {
            err(
                t.slug.span(),
                format!("slug {slug:?} must be lowercase a-z, 0-9 and '-'"),
            );
        } else if slug == "all" {
            err(
                t.slug.span(),
                "slug \"all\" is reserved for the feed of every item".into(),
            );
        } else if !seen.insert(slug.clone()) {
            err(t.slug.span(), format!("duplicate topic slug {slug:?}"));
        }
        let composite = !(t.all_of.is_empty() && t.any_of.is_empty() && t.none_of.is_empty());
        if t.terms.is_empty() && !composite {
            err(
                t.slug.span(),
                format!(
                    "topic {slug:?} has no terms and no all_of/any_of/none_of: it can never match"
                ),
            );
        }
        for r in t.all_of.iter().chain(&t.any_of).chain(&t.none_of) {
            if !slugs.contains(r.get_ref()) {
                err(r.span(), format!("unknown topic {:?}", r.get_ref()));
            } else if r.get_ref() == &slug {
                err(r.span(), "a topic cannot refer to itself".into());
            }
        }
        let mut terms = Vec::new();
        for term in t.terms {
            let span = term.span();
            let spec = term.into_inner();
            let words = std::iter::once(&spec.term)
                .chain(&spec.unless_near)
                .chain(&spec.only_near)
                .chain(&spec.sense)
                .chain(&spec.other_sense)
                .chain(&spec.not_in)
                .chain(&spec.not_after);
            let mut good = true;
            for w in words {
                if !w.chars().any(char::is_alphanumeric) {
                    err(span.clone(), format!("term {w:?} has no letters or digits"));
                    good = false;
                }
            }
            if spec.weight <= 0.0 || !spec.weight.is_finite() {
                err(
                    span.clone(),
                    format!("weight must be a positive number, got {}", spec.weight),
                );
                good = false;
            }
            if !spec.unless_near.is_empty() && !spec.only_near.is_empty() {
                err(
                    span.clone(),
                    "a term takes unless_near or only_near, not both".into(),
                );
                good = false;
            }
            let term_words = crate::text::arabic::normalize_words(&spec.term)
                .split(' ')
                .count();
            for phrase in &spec.not_in {
                let words = crate::text::arabic::normalize_words(phrase);
                if words.split(' ').count() <= term_words {
                    err(
                        span.clone(),
                        format!(
                            "not_in phrase {phrase:?} must have more words than the term {:?} (use not_after for a word before it)",
                            spec.term
                        ),
                    );
                    good = false;
                }
            }
            if spec.window == 0 {
                err(span.clone(), "window must be at least 1 word".into());
                good = false;
            }
            if good {
                terms.push(spec);
            }
        }
        for x in &t.exclude {
            if !x.chars().any(char::is_alphanumeric) {
                err(
                    t.slug.span(),
                    format!("exclude term {x:?} has no letters or digits"),
                );
            }
        }
        if !t.min_score.is_finite() || t.min_score <= 0.0 {
            err(
                t.slug.span(),
                format!("min_score must be positive, got {}", t.min_score),
            );
        }
        out.push(TopicSpec {
            slug,
            name: t.name,
            description: t.description,
            min_score: t.min_score,
            terms,
            exclude: t.exclude,
            all_of: t.all_of.into_iter().map(|s| s.into_inner()).collect(),
            any_of: t.any_of.into_iter().map(|s| s.into_inner()).collect(),
            none_of: t.none_of.into_iter().map(|s| s.into_inner()).collect(),
        });
    }
    check_cycles(&out, path, errors);
    out
}

/// Composite topics may refer to composites; a cycle would never settle, so refuse it.
fn check_cycles(topics: &[TopicSpec], path: &Path, errors: &mut Vec<ConfigError>) {
    fn visit<'a>(
        slug: &'a str,
        topics: &'a [TopicSpec],
        stack: &mut Vec<&'a str>,
    ) -> Option<String> {
        if stack.contains(&slug) {
            stack.push(slug);
            return Some(stack.join(" → "));
        }
        let t = topics.iter().find(|t| t.slug == slug)?;
        stack.push(slug);
        for r in t.all_of.iter().chain(&t.any_of).chain(&t.none_of) {
            if let Some(c) = visit(r, topics, stack) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    for t in topics.iter().filter(|t| t.is_composite()) {
        if let Some(cycle) = visit(&t.slug, topics, &mut Vec::new()) {
            errors.push(ConfigError {
                file: path.to_path_buf(),
                line: 1,
                col: 1,
                message: format!("composite topics form a cycle: {cycle}"),
            });
            return;
        }
    }
}

/// A source id that is not a slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a slug: lowercase a-z, 0-9 and '-', not starting with '-'")]
pub struct SourceIdError;

/// Checks a source id as `sources.toml` requires it (for `sources add --id`).
pub fn check_source_id(id: &str) -> Result<(), SourceIdError> {
    if is_slug(id) {
        Ok(())
    } else {
        Err(SourceIdError)
    }
}

/// Why a source's `interval` is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IntervalError {
    /// Not a duration.
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// Shorter than [`MIN_INTERVAL`].
    #[error("interval must be at least 1m")]
    TooShort,
}

/// Checks a source's `interval` as `sources.toml` requires it (for `sources add --interval`).
pub fn check_interval(text: &str) -> Result<Duration, IntervalError> {
    match parse_duration(text)? {
        d if d >= MIN_INTERVAL => Ok(d),
        _ => Err(IntervalError::TooShort),
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
