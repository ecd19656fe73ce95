//! The tagging benchmark's input, shared by `benches/tag.rs` (criterion) and
//! `examples/tag_timing.rs` (a quick min-of-batches timing).

use marsad::config::{TermSpec, TopicSpec};

/// The title tagged with the item.
pub const TITLE: &str = "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه";

/// 50 topics × 100 distinct 4–6 letter Arabic-looking terms, the same on every run.
pub fn synthetic_topics() -> Vec<TopicSpec> {
    let letters: Vec<char> = "بتثجحخدذرزسشصضطظعغفقكلمنهوي".chars().collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..50)
        .map(|t| TopicSpec {
            slug: format!("t{t}"),
            name: format!("موضوع {t}"),
            description: None,
            min_score: 2.0,
            terms: (0..100)
                .map(|_| {
                    let len = 4 + (next() % 3) as usize;
                    let w: String = (0..len)
                        .map(|_| letters[(next() % letters.len() as u64) as usize])
                        .collect();
                    TermSpec::plain(&w)
                })
                .collect(),
            exclude: Vec::new(),
            all_of: Vec::new(),
            any_of: Vec::new(),
            none_of: Vec::new(),
        })
        .collect()
}

/// A 5.4 KB item: the seed article's cleaned text and two other Libya stories of the
/// fixtures, as one body (the "5 KB item").
pub fn item_text() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    [
        "seed-article.clean.txt",
        "dedup/libya-oil-same-day.txt",
        "dedup/libya-politics-same-day.txt",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(format!("{dir}/{f}")).unwrap())
    .collect::<Vec<_>>()
    .join("\n\n")
}

/// Baseline: one plain Aho-Corasick DFA over the same terms, normalized: the floor of the
/// automaton the tagger used before its word index (src/tag/index.rs).
pub fn plain_scan(topics: &[TopicSpec]) -> aho_corasick::AhoCorasick {
    aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(terms(topics))
        .unwrap()
}

/// The topics' terms, normalized.
pub fn terms(topics: &[TopicSpec]) -> Vec<String> {
    topics
        .iter()
        .flat_map(|t| {
            t.terms
                .iter()
                .map(|x| marsad::text::arabic::normalize_words(&x.term))
        })
        .collect()
}
