//! Replays fuzz inputs on stable Rust: every file in `tests/fixtures/fuzz-regressions/<target>/`
//! (minimized crashes, see `fuzz/README.md`) and the seed corpus `fuzz/seeds/<target>/`
//! goes through the same invariant checks as the fuzz target (`fuzz/src/checks.rs`).

#[path = "../fuzz/src/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

/// Inputs whose bug is known and not fixed yet (owned by work in progress elsewhere):
/// `(target/file, why)`. They are skipped by the replay and each has an ignored test below.
const OPEN: &[(&str, &str)] = &[(
    "clean_html/href-numeric-ref-without-semicolon",
    "clean: pre-pass and ammonia disagree on `&#9` without `;` in href (not idempotent)",
)];

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Runs `check` on every regression input and seed of `target`; returns how many ran.
fn replay(target: &str, check: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut inputs = files(&root.join("tests/fixtures/fuzz-regressions").join(target));
    inputs.extend(files(&root.join("fuzz/seeds").join(target)));
    let mut ran = 0;
    for path in inputs {
        let name = format!("{target}/{}", path.file_name().unwrap().to_string_lossy());
        if OPEN.iter().any(|(open, _)| *open == name) {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{} fails: {msg}", path.display());
        }
        ran += 1;
    }
    ran
}

#[test]
fn ingest_inputs_render_well_formed_feeds() {
    assert!(replay("ingest", checks::ingest) >= 7);
}

#[test]
fn clean_html_inputs_are_safe_and_idempotent() {
    assert!(replay("clean_html", checks::clean_html) >= 41);
}

#[test]
fn config_inputs_fail_with_positions_or_validate() {
    assert!(replay("config", checks::config) >= 5);
}

#[test]
fn feed_query_inputs_are_a_filter_or_a_400() {
    assert!(replay("feed_query", checks::feed_query) >= 6);
}

/// Replays one input listed in [`OPEN`].
fn replay_open(name: &str, check: fn(&[u8])) {
    assert!(
        OPEN.iter().any(|(open, _)| *open == name),
        "{name} not in OPEN"
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-regressions")
        .join(name);
    check(&std::fs::read(path).unwrap());
}

/// `<a href=&#9>ه`: `clean::html::decode_attribute` only decodes references ending in
/// `;`, so the pre-pass resolves `&#9` as a relative path and writes it back unescaped
/// (`https://site.example/news/&#9`); ammonia's parser (html5ever) then decodes `&#9`
/// without `;` as a tab and keeps it. Cleaning that output again strips the tab (the
/// pre-pass drops tabs from URLs), so the second result differs from the first.
#[test]
#[ignore = "open bug in src/clean (being rewritten elsewhere): href with &#9 without ';' is not idempotent"]
fn clean_html_href_numeric_ref_without_semicolon() {
    replay_open(
        "clean_html/href-numeric-ref-without-semicolon",
        checks::clean_html,
    );
}
