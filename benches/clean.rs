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
    // Six shapes of the same article. The seed's markup is plain paragraphs; with a `dir`
    // on every paragraph and a tracked link in each, as a WordPress theme writes it (a
    // wrapper div, classes and styles, a figure with an image), with its tags in upper case
    // as old CMSes write them, with the block comments of WordPress's editor around each
    // paragraph (`<!-- wp:paragraph -->`), or with a `<font face="…">` in each paragraph,
    // an element ammonia removes (keeping its text).
    let shapes = [
        ("clean_5kb_article", raw.clone()),
        ("clean_5kb_article_with_links", with_links(&raw)),
        ("clean_5kb_article_wordpress", as_wordpress(&raw)),
        (
            "clean_5kb_article_upper_case_tags",
            raw.replace("<p>", "<P>").replace("</p>", "</P>"),
        ),
        (
            "clean_5kb_article_editor_comments",
            raw.replace("<p>", "<!-- wp:paragraph -->\n<p>")
                .replace("</p>", "</p>\n<!-- /wp:paragraph -->"),
        ),
        (
            "clean_5kb_article_font_tags",
            raw.replace("<p>", "<p><font face=\"Arial\">")
                .replace("</p>", "</font></p>"),
        ),
    ];
    for (name, body) in &shapes {
        let entry = &ParsedEntry {
            summary: Some(body.clone()),
            ..entry.clone()
        };
        let raw = body;
        let mut g = c.benchmark_group(*name);
        g.throughput(Throughput::Bytes(raw.len() as u64));
        g.bench_function("ammonia_only", |b| {
            b.iter(|| ammonia::clean(std::hint::black_box(raw)))
        });
        g.bench_function("marsad_clean", |b| {
            b.iter(|| clean_entry(std::hint::black_box(entry), &ctx))
        });
        g.finish();
    }
    let mut g = c.benchmark_group("clean_5kb_article");
    // The parts, to see where the time goes: what `clean_entry` does, in order.
    use marsad::clean::{blocks, html};
    use marsad::story::fingerprint;
    use marsad::text::{self, arabic};
    let title = raw.lines().next().unwrap();
    let prepared = html::prepare(&raw, None);
    let safe = html::sanitize(&prepared);
    let body = blocks::split(&safe, title);
    let parts: [(&str, &dyn Fn() -> usize); 9] = [
        ("part_prepare", &|| {
            html::prepare(std::hint::black_box(&raw), None).len()
        }),
        ("part_sanitize", &|| {
            html::sanitize(std::hint::black_box(&prepared)).len()
        }),
        ("part_blocks", &|| {
            blocks::split(std::hint::black_box(&safe), title).html.len()
        }),
        ("part_sanitize_blocks", &|| {
            html::sanitize(std::hint::black_box(&body.html)).len()
        }),
        ("part_title", &|| {
            html::plain_text(std::hint::black_box(title)).len()
        }),
        ("part_normalize_body_text_unused", &|| {
            arabic::normalize_words(std::hint::black_box(&body.text)).len()
        }),
        ("part_direction", &|| {
            arabic::direction_of(std::hint::black_box(&[title, &body.text])).len()
        }),
        ("part_summary", &|| {
            text::summarize_paragraphs(
                std::hint::black_box(&body.text),
                marsad::clean::SUMMARY_CHARS,
            )
            .len()
        }),
        ("part_simhash_of_normalized_body", &|| {
            fingerprint::simhash_normalized(std::hint::black_box(&body.norm_text)) as usize
        }),
    ];
    for (name, f) in parts {
        g.bench_function(name, |b| b.iter(f));
    }
    g.finish();
}

/// The article with `dir="rtl"` on every paragraph and its first word linked, with a
/// tracking parameter for the pre-pass to drop.
fn with_links(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() * 2);
    for (k, line) in raw.split_inclusive('\n').enumerate() {
        match line
            .strip_prefix("<p>")
            .and_then(|rest| rest.split_once(' '))
        {
            Some((word, rest)) => out.push_str(&format!(
                "<p dir=\"rtl\"><a href=\"/topic/{k}?utm_source=rss\">{word}</a> {rest}"
            )),
            None => out.push_str(line),
        }
    }
    out
}

/// The article as a WordPress theme writes it: paragraphs in a wrapper div, with a class
/// and a style each, and a figure with an image and a caption after the second one.
fn as_wordpress(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() * 2);
    let mut paragraphs = 0;
    for line in raw.split_inclusive('\n') {
        let Some(rest) = line.strip_prefix("<p>") else {
            if paragraphs == 9 {
                out.push_str("</div>\n");
                paragraphs += 1;
            }
            out.push_str(line);
            continue;
        };
        if paragraphs == 0 {
            out.push_str("<div class=\"entry-content\">\n");
        }
        out.push_str("<p class=\"has-text-align-right\" style=\"font-size:18px\">");
        out.push_str(rest);
        paragraphs += 1;
        if paragraphs == 2 {
            out.push_str(
                "<figure class=\"wp-block-image size-large\"><img loading=\"lazy\" \
                 src=\"/wp-content/uploads/2020/05/libya.jpg\" alt=\"قوات حكومة الوفاق\" \
                 width=\"800\" height=\"450\"><figcaption>قوات حكومة الوفاق الوطني\
                 </figcaption></figure>\n",
            );
        }
    }
    out
}

criterion_group!(benches, bench);
criterion_main!(benches);
