//! Golden files for HTML cleaning (Miniflux style): each `tests/fixtures/clean/NAME.html` is
//! cleaned with base URL `https://site.example/news/1` and compared with `NAME.html-result`.
//! A leading `<!-- title: … -->` comment gives the item title. `MARSAD_BLESS=1 cargo test
//! --test it clean_corpus::` rewrites the results (review the diff before committing).
//!
//! Every case also checks the invariants: no script, handler or `javascript:` survives,
//! and cleaning the output again changes nothing.

use crate::common;

use marsad::clean::clean_body;

fn render(body: &marsad::clean::html::Body) -> String {
    format!(
        "html:\n{}\n\ntext:\n{}\n\ncredit: {}\n",
        body.html,
        body.text,
        body.credit.as_deref().unwrap_or("-")
    )
}

#[test]
fn hostile_and_noisy_html_is_cleaned_exactly() {
    let dir = common::fixture("clean");
    let base = url::Url::parse("https://site.example/news/1").unwrap();
    let bless = std::env::var("MARSAD_BLESS").is_ok();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "corpus has {} cases", names.len());
    let mut failures = Vec::new();
    for path in names {
        let raw = std::fs::read_to_string(&path).unwrap();
        let title = raw
            .strip_prefix("<!-- title: ")
            .and_then(|r| r.split_once(" -->"))
            .map(|(t, _)| t.to_string())
            .unwrap_or_default();
        let body = clean_body(&raw, &title, Some(&base));
        let got = render(&body);
        let expected_path = path.with_extension("html-result");
        if bless {
            std::fs::write(&expected_path, &got).unwrap();
        } else {
            let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
            if got != want {
                failures.push(format!(
                    "{}:\n--- want\n{want}\n--- got\n{got}",
                    path.display()
                ));
            }
        }
        let lower = body.html.to_lowercase();
        for bad in [
            "<script",
            "javascript:",
            "vbscript:",
            "data:",
            " on",
            "<style",
            "<iframe",
            "<form",
            "style=",
        ] {
            let hit = if bad == " on" {
                lower.match_indices(" on").any(|(i, _)| {
                    lower[i + 3..]
                        .split(['=', ' ', '>'])
                        .next()
                        .is_some_and(|n| {
                            n.chars().all(|c| c.is_ascii_alphabetic())
                                && lower[i + 3 + n.len()..].starts_with('=')
                        })
                })
            } else {
                lower.contains(bad)
            };
            assert!(!hit, "{}: {bad:?} survived: {}", path.display(), body.html);
        }
        let again = clean_body(&body.html, &title, Some(&base));
        assert_eq!(
            again.html,
            body.html,
            "{}: cleaning is not idempotent",
            path.display()
        );
        assert_eq!(
            again.text,
            body.text,
            "{}: cleaning is not idempotent",
            path.display()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
