//! `marsad sources list|add|remove|enable|disable`: the sources and their fetch state, and
//! edits of `sources.toml` (which keep its comments; see `config::edit`).

use std::fmt;
use std::io::IsTerminal;

use anyhow::Context as _;
use marsad::config::edit::{NewSource, SourcesEditor, slug_for};
use marsad::config::{self, Config};
use marsad::parse::discover::FeedLink;
use marsad::pipeline::{NotAFeed, check_feed};
use marsad::publish::rfc3339;
use marsad::store::SourceState;

use super::{Refusal, Report, or_dash};

/// The sources with their fetch state.
#[derive(Debug)]
pub struct SourceList {
    /// Print JSON instead of a table.
    pub json: bool,
    /// Every source the database knows, retired ones included.
    pub sources: Vec<SourceState>,
}

impl Report for SourceList {}

impl fmt::Display for SourceList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.json {
            let text = serde_json::to_string_pretty(&self.sources).map_err(|_| fmt::Error)?;
            return writeln!(f, "{text}");
        }
        writeln!(
            f,
            "{:<20} {:>6} {:>5} {:>4} {:<20} {:<20} error",
            "id", "items", "http", "fail", "last success", "next due"
        )?;
        for s in &self.sources {
            writeln!(
                f,
                "{:<20} {:>6} {:>5} {:>4} {:<20} {:<20} {}{}",
                s.id,
                s.item_count,
                or_dash(s.http_status),
                s.consecutive_failures,
                or_dash(s.last_success.map(rfc3339)),
                or_dash(s.next_due.map(rfc3339)),
                if s.retired { "[retired] " } else { "" },
                s.error.as_deref().unwrap_or_default()
            )?;
        }
        Ok(())
    }
}

/// Lists the sources from the database (after syncing it with the config).
pub async fn list(cfg: &Config, json: bool) -> anyhow::Result<SourceList> {
    let store = marsad::app::open_store(cfg).await?;
    Ok(SourceList {
        json,
        sources: store.sources().await?,
    })
}

/// An edit of `sources.toml`, saved.
#[derive(Debug)]
pub enum SourceEdit {
    /// A source appended.
    Added {
        /// The source as written.
        source: NewSource,
        /// Entries in its feed when it was checked.
        entries: usize,
        /// The web page given instead of the feed, when the feed was found through it.
        page: Option<String>,
        /// The place its entries suggest, when it was added without one.
        hint: Option<Box<marsad::tag::PlaceHint>>,
    },
    /// A source removed (its items stay until retention removes them).
    Removed(String),
    /// A source enabled.
    Enabled(String),
    /// A source disabled.
    Disabled(String),
}

impl Report for SourceEdit {}

impl fmt::Display for SourceEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceEdit::Added {
                source,
                entries,
                page,
                hint,
            } => {
                if let Some(page) = page {
                    writeln!(f, "{}", linked_feed(page, &source.url))?;
                }
                write!(
                    f,
                    "added {} ({}, {entries} entries, language {}",
                    source.id,
                    source.name,
                    source.language.as_deref().unwrap_or("ar")
                )?;
                match &source.place {
                    Some(place) => writeln!(f, ", place {place})")?,
                    None => writeln!(f, ")")?,
                }
                if let Some(h) = hint {
                    writeln!(
                        f,
                        "hint: {} of its {} entries about a country are about {} alone; if it \
                         is a national outlet, add place = \"{}\" to its entry in sources.toml \
                         so that its home news (a minister, prices in the local currency) counts \
                         for {}",
                        h.items, h.of, h.place, h.place, h.topic
                    )?;
                }
                Ok(())
            }
            SourceEdit::Removed(id) => writeln!(f, "removed {id}"),
            SourceEdit::Enabled(id) => writeln!(f, "enabled {id}"),
            SourceEdit::Disabled(id) => writeln!(f, "disabled {id}"),
        }
    }
}

fn linked_feed(page: &str, feed: &str) -> String {
    format!("{page} is a web page; adding the feed it links to: {feed}")
}

/// Opens `sources.toml` for editing; the embedded default config has no file to edit.
pub(super) fn open_editor(cfg: &Config) -> anyhow::Result<SourcesEditor> {
    if cfg.main_path.starts_with("<embedded>") {
        return Err(Refusal::new(
            "the embedded default config cannot be edited; pass --config PATH",
        )
        .into());
    }
    Ok(SourcesEditor::open(&cfg.sources_path)?)
}

/// An edit refused, naming the file (nothing is written).
pub(super) fn refused(cfg: &Config, why: impl fmt::Display) -> anyhow::Error {
    Refusal::new(format!("{}: {why}", cfg.sources_path.display())).into()
}

/// Removes source `id` from the file.
pub fn remove(cfg: &Config, id: String) -> anyhow::Result<SourceEdit> {
    let mut ed = open_editor(cfg)?;
    ed.remove(&id).map_err(|e| refused(cfg, e))?;
    ed.save()?;
    Ok(SourceEdit::Removed(id))
}

/// Enables or disables source `id`.
pub fn set_enabled(cfg: &Config, id: String, enabled: bool) -> anyhow::Result<SourceEdit> {
    let mut ed = open_editor(cfg)?;
    ed.set_enabled(&id, enabled).map_err(|e| refused(cfg, e))?;
    ed.save()?;
    Ok(if enabled {
        SourceEdit::Enabled(id)
    } else {
        SourceEdit::Disabled(id)
    })
}

/// `sources add URL`: checks the flags, fetches the URL once (or the feed a web page links
/// to), and appends the source.
pub async fn add(
    cfg: &Config,
    url: String,
    id: Option<String>,
    name: Option<String>,
    interval: Option<String>,
    place: Option<String>,
) -> anyhow::Result<SourceEdit> {
    let mut ed = open_editor(cfg)?;
    // Checked before anything is fetched or written, naming the flag: an error found when
    // the edited file is validated would cite a line not yet written.
    let url_check = match url::Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        Ok(u) => Err(format!(
            "url scheme {:?} is not supported (use http or https)",
            u.scheme()
        )),
        Err(e) => Err(e.to_string()),
    };
    let checks = [
        ("URL", Some(url.as_str()), url_check),
        (
            "--id",
            id.as_deref(),
            id.as_deref().map_or(Ok(()), |i| {
                config::check_source_id(i).map_err(|e| e.to_string())
            }),
        ),
        (
            "--interval",
            interval.as_deref(),
            interval.as_deref().map_or(Ok(()), |i| {
                config::check_interval(i)
                    .map(drop)
                    .map_err(|e| e.to_string())
            }),
        ),
        (
            "--place",
            place.as_deref(),
            match place.as_deref() {
                Some(p) if p.trim().is_empty() => Err("empty".to_string()),
                _ => Ok(()),
            },
        ),
    ];
    for (flag, value, check) in checks {
        if let Err(e) = check {
            let value = value.unwrap_or_default();
            return Err(Refusal::usage(format!("{flag} {value:?}: {e}")).into());
        }
    }
    if ed.has_url(&url) {
        return Err(refused(cfg, format!("{url} is already a source")));
    }
    let parsed = url::Url::parse(&url).context("bad URL")?;
    let fetcher = marsad::fetch::Fetcher::new(&cfg.fetch)?;
    let (url, parsed, feed, page) = match check_feed(&fetcher, &parsed).await {
        Ok(feed) => (url, parsed, feed, None),
        Err(NotAFeed::Fetch(e)) => anyhow::bail!("cannot fetch {url}: {e}"),
        Err(NotAFeed::Parse { links, .. }) if !links.is_empty() => {
            let chosen = match links.as_slice() {
                [one] => one.clone(),
                _ => choose_feed(&url, &links)?.ok_or_else(Refusal::cancelled)?,
            };
            // Said on stdout even when the feed is then refused, as it was decided.
            let stdout = format!("{}\n", linked_feed(&url, chosen.url.as_str()));
            let refusal = |message: String| Refusal {
                stdout: stdout.clone(),
                ..Refusal::new(message)
            };
            let feed = match check_feed(&fetcher, &chosen.url).await {
                Ok(feed) => feed,
                Err(e) => {
                    let why = format!("error: {} (linked from {url}): {e}", chosen.url);
                    return Err(refusal(why).into());
                }
            };
            if ed.has_url(chosen.url.as_str()) {
                let file = cfg.sources_path.display();
                let why = format!("{file}: {} is already a source", chosen.url);
                return Err(refusal(why).into());
            }
            (chosen.url.to_string(), chosen.url, feed, Some(url))
        }
        Err(e) => anyhow::bail!("{url} is not a feed: {e}"),
    };
    let title = feed
        .title
        .as_deref()
        .map(marsad::clean::html::plain_text)
        .filter(|t| !t.is_empty());
    // Tagged as the service would tag them, without a place: a national outlet's entries
    // are mostly about its country, which is the hint to give it one.
    let hint = if place.is_none() {
        let texts: Vec<(String, String)> = feed
            .entries
            .iter()
            .map(|e| {
                let text = e.content.as_deref().or(e.summary.as_deref()).unwrap_or("");
                (
                    marsad::clean::html::plain_text(e.title.as_deref().unwrap_or("")),
                    marsad::clean::html::plain_text(text),
                )
            })
            .collect();
        marsad::tag::Matcher::compile(&cfg.topics)
            .suggest_place(texts.iter().map(|(t, x)| (t.as_str(), x.as_str())))
            .map(Box::new)
    } else {
        None
    };
    let source = NewSource {
        id: id.unwrap_or_else(|| slug_for(&url, &ed.ids())),
        name: name
            .or(title)
            .unwrap_or_else(|| parsed.host_str().unwrap_or("source").to_string()),
        url,
        interval,
        language: feed.language.clone(),
        place: place.map(|p| p.trim().to_string()),
    };
    ed.add(&source).map_err(|e| refused(cfg, e))?;
    ed.save()?;
    Ok(SourceEdit::Added {
        source,
        entries: feed.entries.len(),
        page,
        hint,
    })
}

/// Asks which of a page's feeds to add: a numbered prompt on a terminal; otherwise the
/// list and a hint on stderr, and `None` (a script cannot answer, and guessing could add
/// the comments feed).
fn choose_feed(page: &str, links: &[FeedLink]) -> anyhow::Result<Option<FeedLink>> {
    let describe = |l: &FeedLink| match &l.title {
        Some(t) => format!("{}: {}", l.kind, marsad::clean::html::plain_text(t)),
        None => l.kind.to_string(),
    };
    eprintln!("{page} is a web page that links to {} feeds:", links.len());
    let interactive = std::io::stdin().is_terminal();
    for (i, l) in links.iter().enumerate() {
        let number = if interactive {
            format!("{}. ", i + 1)
        } else {
            String::new()
        };
        eprintln!("  {number}{}  ({})", l.url, describe(l));
    }
    if !interactive {
        eprintln!("run `marsad sources add URL` with the one you want");
        return Ok(None);
    }
    // A blocking read on the runtime's thread: nothing else runs while the admin answers.
    loop {
        eprint!("add which one? [1-{}, Enter to cancel] ", links.len());
        let mut line = String::new();
        if std::io::stdin().read_line(&mut line)? == 0 || line.trim().is_empty() {
            return Ok(None);
        }
        if let Ok(n) = line.trim().parse::<usize>()
            && (1..=links.len()).contains(&n)
        {
            return Ok(Some(links[n - 1].clone()));
        }
    }
}
