//! Tagging cost: a 5 KB Arabic item against 50 topics × 100 terms (one word index), and
//! against the shipped topics, next to a plain Aho-Corasick scan of the same terms.
//! `cargo bench --bench tag`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use marsad::config::{TermSpec, TopicSpec};
use marsad::tag::Matcher;

fn synthetic_topics() -> Vec<TopicSpec> {
    // Deterministic Arabic-looking terms: 50 topics × 100 distinct 4–6 letter words.
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
fn item_text() -> String {
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

fn bench(c: &mut Criterion) {
    use marsad::clean::arabic::normalize_words;
    let raw = item_text();
    assert!((5_000..6_000).contains(&raw.len()), "{} bytes", raw.len());
    let title = "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه";
    let (norm_title, norm_text) = (normalize_words(title), normalize_words(&raw));
    let shipped = marsad::config::load_embedded().unwrap().topics;
    let synthetic_topics = synthetic_topics();
    let synthetic = Matcher::compile(&synthetic_topics);
    let real = Matcher::compile(&shipped);
    // Baseline: one plain Aho-Corasick pass of the same 5,000 synthetic terms over the
    // normalized text, counting hits: the floor of the automaton the tagger used before its
    // word index (src/tag/index.rs), with no affix checks or scoring at all.
    let terms: Vec<String> = synthetic_topics
        .iter()
        .flat_map(|t| t.terms.iter().map(|x| normalize_words(&x.term)))
        .collect();
    let plain = aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .build(&terms)
        .unwrap();
    let plain_nfa = aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(&terms)
        .unwrap();
    let mut g = c.benchmark_group("tag_5kb_item");
    g.bench_function("plain_ac_scan_contiguous_nfa", |b| {
        b.iter(|| {
            plain_nfa
                .find_overlapping_iter(std::hint::black_box(&norm_text))
                .count()
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("baseline_plain_ac_scan", |b| {
        b.iter(|| {
            plain
                .find_overlapping_iter(std::hint::black_box(&norm_text))
                .count()
        })
    });
    g.bench_function("normalize_only", |b| {
        b.iter(|| normalize_words(std::hint::black_box(&raw)))
    });
    g.bench_function("50x100_tag_normalized", |b| {
        b.iter(|| synthetic.tag_normalized(&norm_title, std::hint::black_box(&norm_text)))
    });
    g.bench_function("50x100_tag_with_normalize", |b| {
        b.iter(|| synthetic.tag(title, std::hint::black_box(&raw)))
    });
    g.bench_function("shipped_tag_normalized", |b| {
        b.iter(|| real.tag_normalized(&norm_title, std::hint::black_box(&norm_text)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
