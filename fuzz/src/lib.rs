//! Fuzz targets for marsad; the invariants live in [`checks`] (shared with
//! `tests/it/fuzz_regressions.rs`).

pub mod checks;
