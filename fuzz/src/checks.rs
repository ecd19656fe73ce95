//! The invariants the fuzz targets check, one function per target.
//!
//! Shared with the integration tests (`tests/it/main.rs` includes it with `#[path]`), so a
//! saved crash input is replayed through exactly the checks that found it. Only crates the main
//! crate already depends on are used here, so the stable test build needs nothing new.
//! Every function panics (with the reason) when an invariant does not hold.

use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use marsad::config::Config;
use marsad::model::{ParsedEntry, StoredItem};
use marsad::publish::FeedInfo;
use marsad::tag::Matcher;

/// The shipped config, loaded once.
fn shipped_config() -> &'static Config {
    static C: OnceLock<Config> = OnceLock::new();
    C.get_or_init(|| marsad::config::load_embedded().expect("embedded config is valid"))
}

/// The matcher compiled from the shipped topics, once.
fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::compile(&shipped_config().topics))
}

fn fixed_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()
}

// ---------------------------------------------------------------------------------------
// ingest

/// Bytes → parse → clean → tag (the pipeline's `process`) → Atom, RSS and JSON Feed. The
/// rendered XML must be well-formed and the JSON valid.
pub fn ingest(data: &[u8]) {
    let Ok(processed) = marsad::pipeline::process(
        data,
        None,
        None,
        Some("https://feed.example/rss"),
        "ar",
        None,
        matcher(),
    ) else {
        return;
    };
    let now = fixed_time();
    let items: Vec<StoredItem> = processed
        .items
        .into_iter()
        .enumerate()
        .map(|(i, it)| {
            let e = it.entry;
            StoredItem {
                id: i as i64 + 1,
                source_id: "fuzz".into(),
                source_name: processed.feed.title.clone().unwrap_or_default(),
                source_url: "https://feed.example/rss".into(),
                guid: e.guid,
                url: e.url,
                title: e.title,
                author: e.author,
                published: e.published,
                updated: e.updated,
                fetched_at: now,
                sort_ts: e.published.unwrap_or(now).min(now).timestamp(),
                summary: e.summary,
                content_html: e.content_html,
                text: e.text,
                language: e.language,
                dir: e.dir.to_string(),
                source_credit: e.source_credit,
                story_id: i as i64 + 1,
                topics: it.tags,
                also: Vec::new(),
            }
        })
        .collect();
    let info = FeedInfo {
        id: "source:fuzz".into(),
        title: processed.feed.title.clone().unwrap_or_default(),
        description: "fuzz".into(),
        self_url: "http://127.0.0.1:8080/sources/fuzz.atom?limit=50".into(),
        html_url: "http://127.0.0.1:8080/".into(),
        next_url: Some("http://127.0.0.1:8080/sources/fuzz.atom?before=1.2&x=<&>".into()),
        hub_url: Some("http://127.0.0.1:8080/websub?x=<&>".into()),
        updated: now,
        base_url: "http://127.0.0.1:8080".into(),
    };
    let atom = marsad::publish::atom(&info, &items);
    let roots = well_formed_xml(&atom, "atom");
    assert_eq!(roots, "feed", "atom root element");
    let rss = marsad::publish::rss(&info, &items);
    let roots = well_formed_xml(&rss, "rss");
    assert_eq!(roots, "rss", "rss root element");
    let json = marsad::publish::json(&info, &items);
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON Feed is valid JSON");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(items.len()));
    // What marsad publishes, a reader (feed-rs here) reads back, item for item.
    for (name, doc) in [("atom", &atom), ("rss", &rss)] {
        let back = feed_rs::parser::parse(doc.as_bytes())
            .unwrap_or_else(|e| panic!("{name} output is not a readable feed: {e}\n{doc}"));
        assert_eq!(back.entries.len(), items.len(), "{name} entries read back");
    }
}

/// XML 1.0 `Char`.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// Reads `doc` with quick-xml to the end: tags balanced and matching, one root element,
/// every reference defined, no character outside XML 1.0. Returns the root's name.
fn well_formed_xml(doc: &str, what: &str) -> String {
    use quick_xml::events::Event;
    if let Some(c) = doc.chars().find(|&c| !xml_char(c)) {
        panic!("{what}: character {c:?} not allowed in XML 1.0\n{doc}");
    }
    let mut reader = quick_xml::Reader::from_str(doc);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut root: Option<String> = None;
    let fail = |e: &dyn std::fmt::Display| -> ! { panic!("{what}: not well-formed: {e}\n{doc}") };
    let open = |name: &str, depth: usize, root: &mut Option<String>| {
        if depth == 0 {
            if root.is_some() {
                panic!("{what}: second root element\n{doc}");
            }
            *root = Some(name.to_string());
        }
    };
    loop {
        match reader.read_event() {
            Err(e) => fail(&e),
            Ok(Event::Eof) => break,
            Ok(Event::Start(e)) => {
                check_attributes(&e, what, doc);
                open(e.name().into_inner(), depth, &mut root);
                depth += 1;
            }
            Ok(Event::Empty(e)) => {
                check_attributes(&e, what, doc);
                open(e.name().into_inner(), depth, &mut root);
            }
            Ok(Event::End(_)) => {
                depth = depth
                    .checked_sub(1)
                    .unwrap_or_else(|| fail(&"end tag without start"));
            }
            Ok(Event::Text(t)) => {
                if depth == 0 && !t.xml10_content().trim().is_empty() {
                    fail(&"text outside the root element");
                }
            }
            Ok(Event::GeneralRef(r)) => {
                if depth == 0 {
                    fail(&"reference outside the root element");
                }
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if xml_char(c) => {}
                        other => fail(&format!("bad character reference: {other:?}")),
                    }
                } else {
                    let name = r.xml10_content();
                    if !matches!(&*name, "amp" | "lt" | "gt" | "quot" | "apos") {
                        fail(&format!("undefined entity &{name};"));
                    }
                }
            }
            Ok(Event::CData(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_)) => {}
            Ok(Event::DocType(_)) => fail(&"unexpected DOCTYPE"),
        }
    }
    if depth != 0 {
        fail(&format!("{depth} element(s) left open at the end"));
    }
    root.unwrap_or_else(|| fail(&"no root element"))
}

fn check_attributes(e: &quick_xml::events::BytesStart<'_>, what: &str, doc: &str) {
    for a in e.attributes() {
        let a = a.unwrap_or_else(|err| panic!("{what}: bad attribute: {err}\n{doc}"));
        if let Err(err) = quick_xml::escape::unescape(&a.value) {
            panic!("{what}: bad attribute value: {err}\n{doc}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// clean_html

const TITLES: [&str; 3] = ["", "ليبيا", "قوات حفتر"];

/// Arbitrary HTML → `clean_body` and `clean_entry`: nothing executable survives, and
/// cleaning the cleaned HTML again (with the same title) changes neither html nor text —
/// the statement of `tests/it/clean_props.rs`.
pub fn clean_html(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let title = TITLES[data.len() % TITLES.len()];
    let base = url::Url::parse("https://site.example/news/1").unwrap();
    let once = marsad::clean::clean_body(&raw, title, Some(&base));
    assert_safe(&once.html);
    let twice = marsad::clean::clean_body(&once.html, title, Some(&base));
    assert_eq!(
        twice.html, once.html,
        "cleaning is not idempotent (html); title {title:?}"
    );
    assert_eq!(
        twice.text, once.text,
        "cleaning is not idempotent (text); title {title:?}"
    );
    assert!(
        !once.text.contains(['\u{202b}', '\u{200b}']),
        "bidi or zero-width control left in the text: {:?}",
        once.text
    );

    // The whole entry: the first line is also the (raw) title, so title cleaning and the
    // title-copy removal see hostile input too.
    let first_line = raw.lines().next().unwrap_or_default();
    let entry = ParsedEntry {
        title: Some(first_line.to_string()),
        link: Some("/news/1?utm_source=x".into()),
        content: Some(raw.to_string()),
        ..ParsedEntry::default()
    };
    let ctx = marsad::clean::Context {
        base: Some(base.clone()),
        language: "ar".into(),
    };
    let cleaned = marsad::clean::clean_entry(&entry, &ctx);
    assert_safe(&cleaned.content_html);
    let again = marsad::clean::clean_body(&cleaned.content_html, &cleaned.title, Some(&base));
    assert_eq!(
        again.html, cleaned.content_html,
        "clean_entry is not idempotent (html); title {:?}",
        cleaned.title
    );
    assert_eq!(
        again.text, cleaned.text,
        "clean_entry is not idempotent (text); title {:?}",
        cleaned.title
    );
}

/// The oracle for published HTML, independent of the cleaning code: parsed as a browser
/// parses it (html5ever), it holds no script, style, frame or foreign element, no `on…`
/// handler or `style` attribute, and URL attributes only with http(s) or mailto; and a
/// consumer that normalizes the document (NFC or NFKC, as the body's own text was) builds
/// the same elements and attributes from it.
pub fn assert_safe(html: &str) {
    use unicode_normalization::UnicodeNormalization;
    let tree = structure(html);
    for (name, attrs) in &tree {
        assert!(
            !matches!(
                name.as_str(),
                "script"
                    | "style"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "svg"
                    | "math"
                    | "form"
                    | "input"
                    | "textarea"
                    | "button"
                    | "select"
                    | "template"
                    | "base"
                    | "meta"
                    | "link"
                    | "noscript"
            ),
            "<{name}> survived in {html}"
        );
        for (attr, value) in attrs {
            assert!(
                !attr.starts_with("on") && attr != "style" && attr != "srcdoc",
                "attribute {attr} on <{name}> survived in {html}"
            );
            if matches!(
                attr.as_str(),
                "href" | "src" | "cite" | "action" | "formaction" | "poster"
            ) {
                let scheme: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .take_while(|c| *c != ':')
                    .collect::<String>()
                    .to_lowercase();
                assert!(
                    matches!(scheme.as_str(), "http" | "https" | "mailto"),
                    "{attr}={value:?} on <{name}> in {html}"
                );
            }
        }
    }
    for (form, normalized) in [
        ("NFC", html.nfc().collect::<String>()),
        ("NFKC", html.nfkc().collect::<String>()),
    ] {
        let again = structure(&normalized);
        let shape = |t: &[(String, Vec<(String, String)>)]| -> Vec<(String, Vec<String>)> {
            t.iter()
                .map(|(n, a)| (n.clone(), a.iter().map(|(k, _)| k.clone()).collect()))
                .collect()
        };
        assert_eq!(
            shape(&again),
            shape(&tree),
            "{form} of the published HTML builds other markup: {html:?}"
        );
    }
}

/// Every element of an HTML fragment, in document order, with its attributes, as
/// html5ever builds them.
pub fn structure(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let doc = dom_query::Document::fragment(html);
    doc.html_root()
        .descendants()
        .into_iter()
        .filter_map(|n| {
            let e = n.element_ref()?;
            Some((
                e.name.local.to_string(),
                e.attrs
                    .iter()
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect(),
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// config

/// Arbitrary text as `marsad.toml`, `sources.toml` and `topics.toml` (in that order,
/// separated by NUL bytes; a missing part is the shipped file) → the validator. It never
/// panics; every error names one of the three files with a line and column inside that
/// file's text; a valid config compiles into a matcher.
pub fn config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let main = parts.next().unwrap_or(marsad::config::EMBEDDED_MAIN);
    let sources = parts.next().unwrap_or(marsad::config::EMBEDDED_SOURCES);
    let topics = parts.next().unwrap_or(marsad::config::EMBEDDED_TOPICS);
    match marsad::config::load_from_strs(main, sources, topics) {
        Ok(cfg) => {
            // A config that validates is one `serve` would run with.
            let m = Matcher::compile(&cfg.topics);
            let _ = m.tag("ليبيا طرابلس", "قوات حفتر في طرابلس", None);
        }
        Err(errors) => {
            assert!(!errors.0.is_empty(), "ConfigErrors is never empty");
            let shown = errors.to_string();
            for e in &errors.0 {
                assert!(e.line >= 1 && e.col >= 1, "position is 1-based: {e}");
                assert!(!e.message.trim().is_empty(), "empty message: {e}");
                // marsad.toml's errors point into its text; the other two files are named
                // by marsad.toml (any path, possibly both the same), so an error there must
                // point into the sources or the topics text.
                let inside = if e.file.to_string_lossy() == "<embedded>/marsad.toml" {
                    position_in(main, e.line, e.col)
                } else {
                    position_in(sources, e.line, e.col) || position_in(topics, e.line, e.col)
                };
                assert!(inside, "position outside the file's text: {e}");
                let prefix = format!("{}:{}:{}: ", e.file.display(), e.line, e.col);
                assert!(
                    shown.contains(&prefix),
                    "error shown without file:line:col: {shown}"
                );
            }
        }
    }
}

/// Whether 1-based `line:col` (column in characters) is a position in `text`, the end of
/// a line included.
fn position_in(text: &str, line: usize, col: usize) -> bool {
    text.split('\n')
        .nth(line - 1)
        .is_some_and(|l| col <= l.chars().count() + 1)
}

// ---------------------------------------------------------------------------------------
// feed_query

/// Arbitrary query string → the feed filter parser: either a 400 (`BadRequest`) or a
/// filter that respects every bound the handlers rely on.
pub fn feed_query(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let cfg = shipped_config();
    match marsad::server::parse_query(Some(&raw), cfg) {
        Ok((q, kept)) => {
            assert!(
                (1..=500).contains(&q.limit),
                "limit {} out of range",
                q.limit
            );
            for t in q.topics.iter().chain(&q.all_topics) {
                assert!(
                    cfg.topics.iter().any(|x| &x.slug == t),
                    "unknown topic {t:?} let through"
                );
            }
            for s in &q.sources {
                assert!(!s.is_empty() && s.trim() == s, "source {s:?} not trimmed");
            }
            for (k, _) in &kept {
                assert!(
                    matches!(
                        k.as_str(),
                        "topic" | "all_topics" | "source" | "limit" | "since" | "dedup" | "q"
                    ),
                    "kept parameter {k:?} is not a filter"
                );
            }
            for w in &q.search {
                assert!(!w.is_empty(), "empty search word");
            }
        }
        Err(marsad::server::ServerError::BadRequest(m)) => {
            assert!(!m.is_empty(), "400 without a message");
        }
        Err(other) => panic!("query parsing must fail with 400, got {other:?}"),
    }
}
