//! Fuzz targets for marsad; the invariants live in [`checks`] (shared with
//! `tests/fuzz_regressions.rs`).

pub mod checks;
