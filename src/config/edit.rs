//! Editing `sources.toml` from the command line with `toml_edit`, which keeps the admin's
//! comments, order and layout. Every edit is validated like a hand edit before it is
//! written, and written atomically (temp file, fsync, rename), so a crash never leaves a
//! half-written file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

use super::error::ConfigError;

/// Why `sources.toml` cannot be edited as asked. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is not TOML.
    #[error("{}:{line}:{col}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column, in characters.
        col: usize,
        /// toml_edit's message.
        message: String,
    },
    /// `sources` is there but is not `[[sources]]` tables.
    #[error("`sources` is not an array of tables")]
    NotTables,
    /// A source with this id exists.
    #[error("a source with id {0:?} already exists")]
    DuplicateId(String),
    /// A source polls this URL already.
    #[error("{0} is already a source")]
    DuplicateUrl(String),
    /// No source has this id.
    #[error("no source with id {0:?}")]
    NoSuchId(String),
    /// The edited text does not read back as a sources file.
    #[error("{0}")]
    Toml(#[source] toml::de::Error),
    /// The edited file would not pass validation (as a hand edit would not).
    #[error("{0}")]
    Invalid(ConfigError),
    /// The file cannot be written.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Why a file is not read as OPML.
#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    /// Another XML document (an RSS feed, a web page given by mistake).
    #[error("not an OPML file: its root element is <{0}>, not <opml>")]
    NotOpml(String),
    /// No element at all.
    #[error("not an OPML file: it has no root element")]
    NoRoot,
    /// An attribute value that cannot be unescaped.
    #[error("bad attribute at byte {at}: {source}")]
    Attribute {
        /// Where the reader was.
        at: u64,
        /// The cause.
        #[source]
        source: quick_xml::Error,
    },
    /// Not well-formed XML.
    #[error("not valid OPML at byte {at}: {source}")]
    Xml {
        /// Where the reader was.
        at: u64,
        /// The cause.
        #[source]
        source: quick_xml::Error,
    },
}

/// A source to add.
#[derive(Debug, Clone)]
pub struct NewSource {
    /// Slug.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Feed URL.
    pub url: String,
    /// Optional interval ("15m").
    pub interval: Option<String>,
    /// Language, when known and not the default "ar".
    pub language: Option<String>,
    /// Where the source reports from (`place`).
    pub place: Option<String>,
}

/// `sources.toml`, open for editing.
pub struct SourcesEditor {
    path: PathBuf,
    doc: DocumentMut,
}

impl SourcesEditor {
    /// Reads and parses the file (an error says `file:line:col: message`).
    pub fn open(path: &Path) -> Result<SourcesEditor, EditError> {
        let text = std::fs::read_to_string(path).map_err(|source| EditError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
            let (line, col) = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    (
                        before.matches('\n').count() + 1,
                        before.rsplit('\n').next().unwrap_or("").chars().count() + 1,
                    )
                })
                .unwrap_or((1, 1));
            EditError::Syntax {
                path: path.to_path_buf(),
                line,
                col,
                message: e.message().to_string(),
            }
        })?;
        Ok(SourcesEditor {
            path: path.to_path_buf(),
            doc,
        })
    }

    fn sources(&self) -> impl Iterator<Item = &Table> {
        self.doc
            .get("sources")
            .and_then(Item::as_array_of_tables)
            .into_iter()
            .flat_map(|a| a.iter())
    }

    /// Ids in file order.
    pub fn ids(&self) -> Vec<String> {
        self.sources()
            .filter_map(|t| t.get("id").and_then(Item::as_str).map(str::to_string))
            .collect()
    }

    /// True when a source already polls this URL (compared without scheme, `www.`,
    /// trailing slash and tracking parameters).
    pub fn has_url(&self, url: &str) -> bool {
        let key = |u: &str| {
            url::Url::parse(u)
                .map(|u| crate::text::url::canonical(&u))
                .unwrap_or_else(|_| u.to_string())
        };
        let wanted = key(url);
        self.sources()
            .filter_map(|t| t.get("url").and_then(Item::as_str))
            .any(|u| key(u) == wanted)
    }

    /// Appends a source; refuses a duplicate id or URL.
    pub fn add(&mut self, s: &NewSource) -> Result<(), EditError> {
        if self.ids().iter().any(|i| i == &s.id) {
            return Err(EditError::DuplicateId(s.id.clone()));
        }
        if self.has_url(&s.url) {
            return Err(EditError::DuplicateUrl(s.url.clone()));
        }
        let mut t = Table::new();
        t.insert("id", value(s.id.as_str()));
        t.insert("name", value(s.name.as_str()));
        t.insert("url", value(s.url.as_str()));
        if let Some(i) = &s.interval {
            t.insert("interval", value(i.as_str()));
        }
        if let Some(l) = s.language.as_ref().filter(|l| l.as_str() != "ar") {
            t.insert("language", value(l.as_str()));
        }
        if let Some(p) = &s.place {
            t.insert("place", value(p.as_str()));
        }
        match self.doc.get_mut("sources") {
            Some(item) => item
                .as_array_of_tables_mut()
                .ok_or(EditError::NotTables)?
                .push(t),
            None => {
                let mut a = ArrayOfTables::new();
                a.push(t);
                self.doc.insert("sources", Item::ArrayOfTables(a));
            }
        }
        Ok(())
    }

    fn position(&self, id: &str) -> Result<usize, EditError> {
        self.sources()
            .position(|t| t.get("id").and_then(Item::as_str) == Some(id))
            .ok_or_else(|| EditError::NoSuchId(id.to_string()))
    }

    /// Removes a source (its stored items stay; the running service retires it).
    pub fn remove(&mut self, id: &str) -> Result<(), EditError> {
        let at = self.position(id)?;
        self.doc["sources"]
            .as_array_of_tables_mut()
            .expect("found above")
            .remove(at);
        Ok(())
    }

    /// Sets `enabled`; `enabled = true` is the default, so enabling removes the key.
    pub fn set_enabled(&mut self, id: &str, enabled: bool) -> Result<(), EditError> {
        let at = self.position(id)?;
        let t = self.doc["sources"]
            .as_array_of_tables_mut()
            .expect("found above")
            .get_mut(at)
            .expect("position is in range");
        if enabled {
            t.remove("enabled");
        } else {
            t.insert("enabled", value(false));
        }
        Ok(())
    }

    /// The file as it would be written.
    pub fn render(&self) -> String {
        self.doc.to_string()
    }

    /// Validates the new text like a hand edit, then writes it atomically.
    pub fn save(&self) -> Result<(), EditError> {
        let text = self.render();
        let file: super::raw::SourcesFile = toml::from_str(&text).map_err(EditError::Toml)?;
        let mut errors = Vec::new();
        super::validate::validate_sources(
            &self.path,
            &text,
            file,
            std::time::Duration::from_secs(900),
            &mut errors,
        );
        if let Some(e) = errors.into_iter().next() {
            return Err(EditError::Invalid(e));
        }
        write_atomically(&self.path, &text).map_err(|source| EditError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

/// Writes to a temp file beside `path`, fsyncs it, renames it over `path`, fsyncs the folder.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config"),
        std::process::id()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A feed listed in an OPML file.
#[derive(Debug, Clone, PartialEq)]
pub struct OpmlFeed {
    /// `title` or `text`.
    pub title: String,
    /// `xmlUrl`.
    pub xml_url: String,
}

/// Every outline with an `xmlUrl`, at any depth (folders are flattened), as written: the
/// caller checks each URL. A document whose root element is not `<opml>` (an RSS feed or
/// a web page given by mistake) is refused rather than read as an OPML without outlines.
pub fn parse_opml(text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut out = Vec::new();
    let mut root_seen = false;
    loop {
        let event = reader.read_event();
        if let Ok(Event::Start(e) | Event::Empty(e)) = &event
            && !root_seen
        {
            root_seen = true;
            let name = e.local_name().as_ref().to_string();
            if !name.eq_ignore_ascii_case("opml") {
                return Err(OpmlError::NotOpml(name));
            }
        }
        match event {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.local_name().as_ref() == "outline" => {
                let mut title = None;
                let mut text_attr = None;
                let mut xml_url = None;
                for a in e.attributes().flatten() {
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|source| OpmlError::Attribute {
                            at: reader.buffer_position(),
                            source,
                        })?
                        .into_owned();
                    match a.key.local_name().as_ref() {
                        "title" => title = Some(v),
                        "text" => text_attr = Some(v),
                        "xmlUrl" | "xmlurl" => xml_url = Some(v),
                        _ => {}
                    }
                }
                if let Some(u) = xml_url.filter(|u| !u.trim().is_empty()) {
                    out.push(OpmlFeed {
                        title: title.or(text_attr).unwrap_or_else(|| u.clone()),
                        xml_url: u.trim().to_string(),
                    });
                }
            }
            Ok(Event::Eof) if !root_seen => {
                return Err(OpmlError::NoRoot);
            }
            Ok(Event::Eof) => return Ok(out),
            Ok(_) => {}
            Err(e) => {
                return Err(OpmlError::Xml {
                    at: reader.buffer_position(),
                    source: e,
                });
            }
        }
    }
}

/// A slug for a new source from its URL's host ("www.alwasat.ly" → "alwasat-ly"), made
/// unique against `taken` with a number.
pub fn slug_for(url: &str, taken: &[String]) -> String {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let base: String = host
        .trim_start_matches("www.")
        .trim_start_matches("feeds.")
        .trim_start_matches("rss.")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    let base = if base.is_empty() {
        "source".to_string()
    } else {
        base
    };
    let mut candidate = base.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{base}-{n}");
        n += 1;
    }
    candidate
}
