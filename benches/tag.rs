//! Tagging cost: a 5 KB Arabic item against 50 topics × 100 terms (one word index), and
//! against the shipped topics, next to a plain Aho-Corasick scan of the same terms.
//! `cargo bench --bench tag`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use marsad::tag::{Lead, Matcher};

/// A 40-word lead and no dateline, as the benchmark item has.
const LEAD: Lead = Lead {
    words: 40,
    dateline: 0,
};

#[path = "common/tag_input.rs"]
mod tag_input;
use tag_input::{TITLE as title, item_text, plain_scan, synthetic_topics, terms};

fn bench(c: &mut Criterion) {
    use marsad::text::arabic::normalize_words;
    let raw = item_text();
    assert!((5_000..6_000).contains(&raw.len()), "{} bytes", raw.len());
    let (norm_title, norm_text) = (normalize_words(title), normalize_words(&raw));
    let shipped = marsad::config::load_embedded().unwrap().topics;
    let synthetic_topics = synthetic_topics();
    let synthetic = Matcher::compile(&synthetic_topics);
    let real = Matcher::compile(&shipped);
    // Baseline: one plain Aho-Corasick pass of the same 5,000 synthetic terms over the
    // normalized text, counting hits, with no affix checks or scoring at all.
    let plain = plain_scan(&synthetic_topics);
    let plain_nfa = aho_corasick::AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(terms(&synthetic_topics))
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
        b.iter(|| {
            synthetic.tag_normalized(&norm_title, std::hint::black_box(&norm_text), LEAD, None)
        })
    });
    g.bench_function("50x100_tag_with_normalize", |b| {
        b.iter(|| synthetic.tag(title, std::hint::black_box(&raw), None))
    });
    g.bench_function("shipped_tag_normalized", |b| {
        b.iter(|| real.tag_normalized(&norm_title, std::hint::black_box(&norm_text), LEAD, None))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
