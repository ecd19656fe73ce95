//! marsad's integration tests: one test binary, one module per subject.
//!
//! One binary rather than one per file because each integration-test binary links the whole
//! crate and its dependencies again: after an edit to `src/`, nineteen links cost more than
//! every test together takes to run. A test's path names its old file (`hostile::…` was
//! `tests/hostile.rs`); run one subject with `cargo test --test it hostile::`.
//!
//! Every test that starts marsad (its HTTP server, the whole service or the binary) goes
//! through the harness in [`common`]: `spawn_app()`. Fixtures stay in `tests/fixtures/`.

mod common;

// The fuzz targets' invariant checks, shared so a saved fuzz input is judged here exactly as
// the fuzzer judged it.
#[path = "../../fuzz/src/checks.rs"]
#[allow(
    dead_code,
    reason = "the fuzz checks are shared with the fuzz crate; the tests use a subset"
)]
mod checks;

mod clean_corpus;
mod clean_props;
mod cli;
mod crash;
mod dedup;
mod faults;
mod feed_cache;
mod fetcher;
mod first_use;
mod foundation;
mod full_text;
mod fuzz_regressions;
mod hostile;
mod instances;
mod page;
mod pg_leases;
mod pg_schema;
mod push;
mod reload;
mod security;
mod sources_cli;
mod topics_eval;
mod websub;
