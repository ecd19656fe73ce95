//! Loads and validates `marsad.toml`, `sources.toml` and `topics.toml`.
//!
//! This is the only module that reads TOML. Raw file structs use `deny_unknown_fields` and
//! `toml::Spanned` so that every error, syntax or semantic, is reported as
//! `file:line:col: message`. Validation collects every error it can find instead of stopping
//! at the first, so `marsad check` shows an admin all of them at once.
//!
//! What comes out ([`Config`]) is typed and already checked: durations are parsed, cron
//! expressions compiled, URLs parsed, ids unique. Other modules never see raw TOML.
//!
//! - `types`: the validated [`Config`] and its parts;
//! - `load`: the files read, `marsad.toml`'s settings checked;
//! - `validate`: the sources' and topics' checks; `push`: `[[webhooks]]` and `[push]`;
//! - `error`: positions, messages and hints of what is wrong;
//! - `raw`: the files as written; `duration`, `crontab`: the value grammars;
//! - [`edit`]: `sources.toml` rewritten by the `sources` commands.

mod crontab;
mod duration;
pub mod edit;
mod error;
mod load;
mod push;
mod raw;
mod types;
mod validate;

pub use crontab::{CronError, WeekdayError, parse_cron, parse_cron_at};
pub use duration::{DurationError, format_duration, parse_duration};
pub(crate) use error::edit_distance;
pub use error::{ConfigError, ConfigErrors};
pub use load::{
    EMBEDDED_MAIN, EMBEDDED_SOURCES, EMBEDDED_TOPICS, load, load_embedded, load_from_strs,
};
pub use push::{MIN_LEASE, PushSettings, WebhookSpec};
pub use types::*;
pub use validate::{IntervalError, SourceIdError, check_interval, check_source_id};

#[cfg(test)]
mod tests;
