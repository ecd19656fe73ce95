//! Tagging cost: a 5 KB Arabic item against 50 topics × 100 terms (one automaton), and
//! against the shipped topics. `cargo bench --bench tag`.

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

fn bench(c: &mut Criterion) {
    let raw = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seed-article.clean.txt"
    ))
    .unwrap();
    let title = "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه";
    let shipped = marsad::config::load_embedded().unwrap().topics;
    let synthetic = Matcher::compile(&synthetic_topics());
    let real = Matcher::compile(&shipped);
    let mut g = c.benchmark_group("tag_5kb_item");
    g.throughput(Throughput::Elements(1));
    g.bench_function("normalize_only", |b| {
        b.iter(|| marsad::clean::arabic::normalize_words(std::hint::black_box(&raw)))
    });
    g.bench_function("50_topics_x_100_terms", |b| {
        b.iter(|| synthetic.tag(title, std::hint::black_box(&raw)))
    });
    g.bench_function("shipped_topics", |b| {
        b.iter(|| real.tag(title, std::hint::black_box(&raw)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
