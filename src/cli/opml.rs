//! `marsad sources export-opml` and `import-opml`.

use std::fmt;
use std::path::Path;

use anyhow::Context as _;
use marsad::config::Config;
use marsad::config::edit::{NewSource, OpmlFeed, parse_opml, slug_for};

use super::sources::open_editor;
use super::{Report, progress_bar};

/// The sources as an OPML document.
#[derive(Debug)]
pub struct Exported(pub String);

impl Report for Exported {}

impl fmt::Display for Exported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The configured sources as OPML (what the server's `/sources.opml` serves, under
/// another title).
pub fn export(cfg: &Config) -> Exported {
    Exported(marsad::publish::opml::feeds(
        "marsad sources",
        cfg.sources.iter().map(|s| (s.name.as_str(), &s.url)),
    ))
}

/// What an import added and left out.
#[derive(Debug)]
pub struct Imported {
    /// Ids of the sources added, in file order.
    pub added: Vec<String>,
    /// Outlines already present (or twice in the file).
    pub skipped: usize,
    /// Outlines refused, with why: not http(s), no answer, not a feed.
    pub refused: Vec<(OpmlFeed, String)>,
}

impl Report for Imported {
    fn notes(&self) -> Vec<String> {
        self.refused
            .iter()
            .map(|(f, why)| format!("skipped {:?} ({}): {why}", f.title, f.xml_url))
            .collect()
    }
}

impl fmt::Display for Imported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let refused = match self.refused.len() {
            0 => String::new(),
            n => format!(", {n} refused"),
        };
        writeln!(
            f,
            "imported {} sources ({}), skipped {} already present{refused}",
            self.added.len(),
            self.added.join(", "),
            self.skipped
        )
    }
}

/// Adds every feed of an OPML file that is not a source yet. Each URL is checked as a feed
/// (in parallel, within `[fetch]`'s limits) unless `no_check`; one bad outline is skipped
/// with a line of its own and never stops the others.
pub async fn import(cfg: &Config, file: &Path, no_check: bool) -> anyhow::Result<Imported> {
    let mut ed = open_editor(cfg)?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let feeds = parse_opml(&text).with_context(|| file.display().to_string())?;
    let (mut refused, mut candidates, mut skipped) = (Vec::new(), Vec::new(), 0usize);
    for f in feeds {
        match url::Url::parse(&f.xml_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                if ed.has_url(&f.xml_url) {
                    skipped += 1;
                } else {
                    candidates.push((f, u));
                }
            }
            Ok(u) => refused.push((
                f,
                format!(
                    "url scheme {:?} is not supported (use http or https)",
                    u.scheme()
                ),
            )),
            Err(e) => refused.push((f, e.to_string())),
        }
    }
    let checks = if no_check {
        vec![None; candidates.len()]
    } else {
        let urls: Vec<url::Url> = candidates.iter().map(|(_, u)| u.clone()).collect();
        let bar = progress_bar(urls.len() as u64);
        let b = bar.clone();
        let checks = marsad::app::check_feeds(cfg, urls, move |u| {
            b.set_message(u.to_string());
            b.inc(1);
        })
        .await?;
        bar.finish_and_clear();
        checks
    };
    let mut added = Vec::new();
    for ((f, _), check) in candidates.into_iter().zip(checks) {
        if let Some(why) = check {
            refused.push((f, why));
            continue;
        }
        let new = NewSource {
            id: slug_for(&f.xml_url, &ed.ids()),
            name: f.title,
            url: f.xml_url,
            interval: None,
            language: None,
            place: None,
        };
        match ed.add(&new) {
            Ok(()) => added.push(new.id),
            Err(_) => skipped += 1, // the same URL twice in the file
        }
    }
    ed.save()?;
    Ok(Imported {
        added,
        skipped,
        refused,
    })
}
