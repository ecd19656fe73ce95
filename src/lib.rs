//! marsad (مرصد, "observatory") watches Arabic news feeds, cleans every item, tags it by
//! topic with Arabic-aware rules, stores it in SQLite and republishes filtered feeds.
//!
//! # Layout
//!
//! Data flows one way; each stage has its own output type and does not call the next:
//!
//! ```text
//! config ─▶ fetch ─▶ parse ─▶ clean ─▶ tag ─▶ store ─▶ publish ─▶ server / push
//! ```
//!
//! - [`config`]: TOML → typed, validated config; errors as `file:line:col: message`.
//! - [`fetch`]: HTTP requests with limits, conditional GET; schedules as pure functions.
//! - [`parse`]: bytes → [`model::ParsedFeed`] (charset detection, repair and dialect passes,
//!   feed-rs, salvage); the feeds a web page links to (`parse::discover`).
//! - [`text`]: Arabic and display text (normalization, stems, direction, summary, URL
//!   canonical form): a leaf that every stage may use.
//! - [`clean`]: HTML only: one sanitizer path (ammonia), boilerplate removal, article
//!   extraction.
//! - [`story`]: story fingerprints and the nearest-story index; pure.
//! - [`tag`]: topic rules → one compiled matcher; pure, no I/O.
//! - [`store`]: the only module that speaks SQL (SQLite via sqlx, `migrations/`); depends on
//!   [`model`] only.
//! - [`publish`]: pure renderers for RSS, Atom, JSON Feed, OPML and the HTML page.
//! - [`server`]: the axum layer; errors become HTTP statuses in one place; the feed cache.
//! - [`push`]: new items pushed out from the store's outbox: signed webhooks, the live
//!   stream's hub (`GET /events`, served by [`server`]).
//! - [`metrics`]: the Prometheus registry behind `GET /metrics`.
//! - [`pipeline`]: the one recipe that composes fetch → parse → clean → tag → store.
//! - [`app`]: composition root for `serve`: store and its start-up maintenance, scheduler,
//!   server, reload, retention, shutdown.
//! - [`model`]: plain data types shared by the stages.

pub mod app;
pub mod clean;
pub mod config;
pub mod fetch;
pub mod metrics;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod publish;
pub mod push;
pub mod server;
pub mod store;
pub mod story;
pub mod tag;
pub mod text;
