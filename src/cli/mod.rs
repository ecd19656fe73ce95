//! The command bodies of the `marsad` binary, one file per command family. Each command
//! returns a typed result that `main` prints ([`Report`]): its `Display` is the command's
//! stdout, [`Report::notes`] its lines for stderr. A command that declines (bad input,
//! nothing changed) returns a [`Refusal`] inside its `anyhow::Error`, which `main` prints
//! with its own exit code; any other error is printed as `error: …`.
//!
//! What is not a result stays here: progress bars and the feed-choice prompt talk to the
//! terminal while the command runs.

pub mod check;
pub mod fetch;
pub mod inspect;
pub mod items;
pub mod migrate;
pub mod opml;
pub mod serve;
pub mod sources;
pub mod topics;

use std::fmt;
use std::io::IsTerminal;
use std::path::Path;

use marsad::config::{self, Config, ConfigErrors};

/// A command's result, as `main` prints it.
pub trait Report: fmt::Display {
    /// Lines for stderr that go with the result (outlines skipped on import); none by
    /// default.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A command that declined to do what was asked: its message goes to stderr, and the
/// process exits with its code. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What was already done and said on stdout before the refusal (the feed a page
    /// linked to), empty when nothing.
    pub stdout: String,
    /// The message for stderr (one line, without its newline); empty when the user was
    /// already told (a cancelled prompt).
    pub message: String,
    /// The exit code: 1, or 2 for a bad flag value.
    pub code: u8,
}

impl Refusal {
    /// A refusal with exit code 1.
    pub fn new(message: impl Into<String>) -> Refusal {
        Refusal {
            stdout: String::new(),
            message: message.into(),
            code: 1,
        }
    }

    /// A bad flag value: exit code 2, as clap gives for a bad argument.
    pub fn usage(message: impl Into<String>) -> Refusal {
        Refusal {
            code: 2,
            ..Refusal::new(message)
        }
    }

    /// Nothing more to say (the user cancelled a prompt): exit code 1, no message.
    pub fn cancelled() -> Refusal {
        Refusal::new("")
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Refusal {}

/// Loads the config: the given path, else `config/marsad.toml`, else the embedded copy.
pub fn load_config(path: Option<&Path>) -> Result<Config, ConfigErrors> {
    match path {
        Some(p) => config::load(p),
        None if Path::new("config/marsad.toml").exists() => {
            config::load(Path::new("config/marsad.toml"))
        }
        None => config::load_embedded(),
    }
}

/// The error and its causes joined with ": ", leaving out a cause whose text is already
/// there: sqlx's database error repeats SQLite's message in its own text and again as its
/// source.
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Logs to stdout or stderr, as text or JSON lines, filtered by `RUST_LOG`.
pub fn init_tracing(json: bool, to_stdout: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    // Colours only on a terminal: under systemd the journal gets plain lines.
    let (writer, tty) = if to_stdout {
        (
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stdout),
            std::io::stdout().is_terminal(),
        )
    } else {
        (
            tracing_subscriber::fmt::writer::BoxMakeWriter::new(std::io::stderr),
            std::io::stderr().is_terminal(),
        )
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(tty)
        .with_writer(writer);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// A progress bar on stderr when it is a terminal; scripts and CI get the summary alone.
fn progress_bar(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(total);
    b.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b
}

/// `value` or "-", as the tables print a missing value.
fn or_dash(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".into(), |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let e = anyhow::Error::new(std::io::Error::other("disk is full"))
            .context("cannot write db: disk is full")
            .context("saving items");
        assert_eq!(
            error_chain(&e),
            "saving items: cannot write db: disk is full"
        );
    }

    #[test]
    fn a_refusal_survives_the_trip_through_anyhow_with_its_code() {
        let e: anyhow::Error = Refusal::usage("--id \"A\": must be a slug").into();
        let r = e.downcast_ref::<Refusal>().expect("a refusal");
        assert_eq!(
            (r.code, r.to_string().as_str()),
            (2, "--id \"A\": must be a slug")
        );
        assert_eq!(
            (Refusal::cancelled().code, Refusal::cancelled().message),
            (1, String::new())
        );
    }
}
