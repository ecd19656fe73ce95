//! Reading the three files and `marsad.toml`'s settings: text → raw structs (toml, with
//! spans) → [`Config`], collecting every error found rather than stopping at the first.
//! The sources and topics files are checked in `validate`.

use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::duration::parse_duration;
use super::error::{ConfigError, ConfigErrors, did_you_mean, error_at};
use super::raw;
use super::types::{
    Config, Database, FetchSettings, MIN_ADMIN_TOKEN_CHARS, ServerSettings, StorageSettings,
};
use super::validate::{validate_sources, validate_topics};

/// The shipped default config, embedded so `marsad serve` works from any directory.
pub const EMBEDDED_MAIN: &str = include_str!("../../config/marsad.toml");
/// The shipped default source list.
pub const EMBEDDED_SOURCES: &str = include_str!("../../config/sources.toml");
/// The shipped default topic rules.
pub const EMBEDDED_TOPICS: &str = include_str!("../../config/topics.toml");

/// Where config text comes from: disk, or texts already in memory (the copies embedded in
/// the binary, or the strings given to [`load_from_strs`]).
enum Origin<'a> {
    Disk(&'a Path),
    Text {
        main: &'a str,
        sources: &'a str,
        topics: &'a str,
    },
}

/// Loads and validates the config rooted at `path` (`marsad.toml`).
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    load_from(Origin::Disk(path))
}

/// Loads the default config embedded in the binary; the database path is resolved against
/// `./config`, as if the files were there.
pub fn load_embedded() -> Result<Config, ConfigErrors> {
    load_from_strs(EMBEDDED_MAIN, EMBEDDED_SOURCES, EMBEDDED_TOPICS)
}

/// Validates config texts held in memory exactly as [`load_embedded`] validates the shipped
/// ones: `marsad.toml`'s `sources_file`/`topics_file` only name the files in error positions.
/// Used by the fuzz target `config`, which needs no files on disk.
pub fn load_from_strs(main: &str, sources: &str, topics: &str) -> Result<Config, ConfigErrors> {
    load_from(Origin::Text {
        main,
        sources,
        topics,
    })
}

/// Which of the three files a read is for (chooses the in-memory text).
#[derive(Clone, Copy)]
enum Which {
    Main,
    Sources,
    Topics,
}

fn read(origin: &Origin<'_>, path: &Path, which: Which) -> Result<String, ConfigError> {
    match origin {
        Origin::Text {
            main,
            sources,
            topics,
        } => Ok(match which {
            Which::Main => main,
            Which::Sources => sources,
            Which::Topics => topics,
        }
        .to_string()),
        Origin::Disk(_) => std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_path_buf(),
            line: 1,
            col: 1,
            message: format!("cannot read file: {e}"),
        }),
    }
}

fn load_from(origin: Origin<'_>) -> Result<Config, ConfigErrors> {
    let (main_path, dir) = match origin {
        Origin::Disk(p) => (
            p.to_path_buf(),
            p.parent()
                .filter(|d| !d.as_os_str().is_empty())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
        ),
        Origin::Text { .. } => (
            PathBuf::from("<embedded>/marsad.toml"),
            PathBuf::from("config"),
        ),
    };
    let main_text = read(&origin, &main_path, Which::Main).map_err(|e| ConfigErrors(vec![e]))?;
    let main: raw::Main = parse_toml(&main_path, &main_text).map_err(|e| ConfigErrors(vec![e]))?;

    let mut errors = Vec::new();
    let mut at = |file: &Path, text: &str, span: Range<usize>, message: String| {
        errors.push(error_at(file, text, span.start, message));
    };

    let listen = match SocketAddr::from_str(main.server.listen.get_ref()) {
        Ok(a) => Some(a),
        Err(e) => {
            at(
                &main_path,
                &main_text,
                main.server.listen.span(),
                format!("listen: {e} (expected e.g. \"127.0.0.1:8080\")"),
            );
            None
        }
    };
    let base_url = main
        .server
        .base_url
        .get_ref()
        .trim_end_matches('/')
        .to_string();
    if let Err(e) = url::Url::parse(&base_url) {
        at(
            &main_path,
            &main_text,
            main.server.base_url.span(),
            format!("base_url: {e}"),
        );
    }
    // A short token is guessable; an empty one would open the admin view to everyone.
    let admin_token = main
        .server
        .admin_token
        .as_ref()
        .map(|t| t.get_ref().clone());
    if let (Some(t), Some(spanned)) = (&admin_token, &main.server.admin_token)
        && t.chars().count() < MIN_ADMIN_TOKEN_CHARS
    {
        at(
            &main_path,
            &main_text,
            spanned.span(),
            format!("admin_token: at least {MIN_ADMIN_TOKEN_CHARS} characters"),
        );
    }
    let mut header_timeout = ServerSettings::HEADER_TIMEOUT;
    let mut write_timeout = ServerSettings::WRITE_TIMEOUT;
    let mut busy_timeout = StorageSettings::BUSY_TIMEOUT;
    for (slot, value, name) in [
        (
            &mut header_timeout,
            &main.server.header_timeout,
            "header_timeout",
        ),
        (
            &mut write_timeout,
            &main.server.write_timeout,
            "write_timeout",
        ),
        (
            &mut busy_timeout,
            &main.storage.busy_timeout,
            "busy_timeout",
        ),
    ] {
        if let Some(v) = value {
            // parse_duration refuses 0 itself.
            match parse_duration(v.get_ref()) {
                Ok(d) => *slot = d,
                Err(e) => at(&main_path, &main_text, v.span(), format!("{name}: {e}")),
            }
        }
    }
    let mut max_connections = ServerSettings::MAX_CONNECTIONS;
    if let Some(n) = &main.server.max_connections {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "max_connections must be at least 1".into(),
            );
        }
        max_connections = (*n.get_ref()).max(1);
    }
    let mut fetch = FetchSettings::default();
    let f = &main.fetch;
    for (slot, value, name) in [
        (&mut fetch.interval, &f.interval, "interval"),
        (&mut fetch.timeout, &f.timeout, "timeout"),
        (
            &mut fetch.connect_timeout,
            &f.connect_timeout,
            "connect_timeout",
        ),
        (&mut fetch.max_backoff, &f.max_backoff, "max_backoff"),
        (&mut fetch.max_interval, &f.max_interval, "max_interval"),
        (&mut fetch.lease, &f.lease, "lease"),
    ] {
        if let Some(v) = value {
            match parse_duration(v.get_ref()) {
                Ok(d) => *slot = d,
                Err(e) => at(&main_path, &main_text, v.span(), format!("{name}: {e}")),
            }
        }
    }
    if let Some(v) = &f.lease
        && fetch.lease <= fetch.timeout
    {
        at(
            &main_path,
            &main_text,
            v.span(),
            format!(
                "lease: must be longer than the fetch timeout ({}), or a slow fetch's claim expires while it runs",
                crate::config::format_duration(fetch.timeout)
            ),
        );
    }
    if let Some(n) = f.max_body_bytes {
        fetch.max_body_bytes = n;
    }
    if let Some(n) = &f.concurrency {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "concurrency must be at least 1".into(),
            );
        }
        fetch.concurrency = (*n.get_ref()).max(1);
    }
    if let Some(n) = &f.per_host {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "per_host must be at least 1".into(),
            );
        }
        fetch.per_host = (*n.get_ref()).max(1);
    }
    if let Some(n) = f.max_redirects {
        fetch.max_redirects = n;
    }
    if let Some(ua) = &f.user_agent {
        fetch.user_agent = ua.clone();
    }
    if let Some(n) = &f.page_concurrency {
        if *n.get_ref() == 0 {
            at(
                &main_path,
                &main_text,
                n.span(),
                "page_concurrency must be at least 1".into(),
            );
        }
        fetch.page_concurrency = (*n.get_ref()).max(1);
    }

    let sources_path = dir.join(main.sources_file.get_ref());
    let topics_path = dir.join(main.topics_file.get_ref());
    let database = match Database::parse(main.storage.database.get_ref(), &dir) {
        Ok(d) => Some(d),
        Err(e) => {
            at(
                &main_path,
                &main_text,
                main.storage.database.span(),
                format!("database: {e}"),
            );
            None
        }
    };

    let sources = match read(&origin, &sources_path, Which::Sources)
        .and_then(|t| parse_toml::<raw::SourcesFile>(&sources_path, &t).map(|f| (t, f)))
    {
        Ok((text, file)) => {
            validate_sources(&sources_path, &text, file, fetch.interval, &mut errors)
        }
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };
    let topics = match read(&origin, &topics_path, Which::Topics)
        .and_then(|t| parse_toml::<raw::TopicsFile>(&topics_path, &t).map(|f| (t, f)))
    {
        Ok((text, file)) => validate_topics(&topics_path, &text, file, &mut errors),
        Err(e) => {
            errors.push(e);
            Vec::new()
        }
    };

    let (webhooks, push) = super::push::validate(
        &main_path,
        &main_text,
        main.webhooks,
        &main.push,
        &topics,
        &sources,
        &mut errors,
    );

    if !errors.is_empty() {
        return Err(ConfigErrors(errors));
    }
    Ok(Config {
        main_path,
        sources_path,
        topics_path,
        server: ServerSettings {
            listen: listen.expect("checked above"),
            base_url,
            header_timeout,
            write_timeout,
            max_connections,
            admin_token,
        },
        storage: StorageSettings {
            database: database.expect("checked above"),
            retention_days: main.storage.retention_days,
            max_items_per_source: main.storage.max_items_per_source,
            busy_timeout,
        },
        fetch,
        sources,
        topics,
        webhooks,
        push,
    })
}

pub(super) fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let mut message = e.message().trim().to_string();
        if let Some(hint) = did_you_mean(&message) {
            message.push_str(&hint);
        }
        error_at(file, text, offset, message)
    })
}
