//! Cleaning cost next to ammonia alone, on the seed article (≈5.6 KB of Arabic HTML + text).
//!
//! `cargo bench --bench clean`; the ratio `marsad_clean / ammonia_only` is what
//! bench/README.md reports.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use marsad::clean::{Context, clean_entry};
use marsad::model::ParsedEntry;

fn seed() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/seed-article.txt"
    ))
    .unwrap()
}

fn bench(c: &mut Criterion) {
    let raw = seed();
    let entry = ParsedEntry {
        guid: Some("g".into()),
        link: Some("https://news.example/a?utm_source=x".into()),
        title: Some(raw.lines().next().unwrap().to_string()),
        summary: Some(raw.clone()),
        ..ParsedEntry::default()
    };
    let ctx = Context {
        base: None,
        language: "ar".into(),
    };
    let mut g = c.benchmark_group("clean_5kb_article");
    g.throughput(Throughput::Bytes(raw.len() as u64));
    g.bench_function("ammonia_only", |b| {
        b.iter(|| ammonia::clean(std::hint::black_box(&raw)))
    });
    g.bench_function("marsad_clean", |b| {
        b.iter(|| clean_entry(std::hint::black_box(&entry), &ctx))
    });
    // The parts, to see where the time goes.
    use marsad::clean::{arabic, fingerprint, html, text};
    let pre = html::pre_pass(&raw, None);
    let safe = html::sanitize(&pre);
    let title = raw.lines().next().unwrap();
    let parts: [(&str, &dyn Fn() -> usize); 6] = [
        ("part_lol_html_pre_pass", &|| {
            html::pre_pass(std::hint::black_box(&raw), None).len()
        }),
        ("part_ammonia_sanitize", &|| {
            html::sanitize(std::hint::black_box(&pre)).len()
        }),
        ("part_tidy", &|| {
            text::tidy(std::hint::black_box(&safe)).len()
        }),
        ("part_blocks_and_body", &|| {
            html::body(html::blocks(std::hint::black_box(&safe)), title)
                .html
                .len()
        }),
        ("part_normalize_words", &|| {
            arabic::normalize_words(std::hint::black_box(&raw)).len()
        }),
        ("part_simhash", &|| {
            fingerprint::simhash(std::hint::black_box(&raw)) as usize
        }),
    ];
    for (name, f) in parts {
        g.bench_function(name, |b| b.iter(f));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
