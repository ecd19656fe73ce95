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
    // as old CMSes write them, or with the block comments of WordPress's editor around each
    // paragraph (`<!-- wp:paragraph -->`), it takes the byte-scan pre-pass and skips ammonia
    // (`clean::plain_markup`). With a `<font face="…">` in each paragraph, an element
    // ammonia removes (keeping its text), it goes through ammonia: the path of any markup
    // ammonia must change beyond dropping attributes.
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
    use marsad::clean::{arabic, blocks, fingerprint, html, plain_markup, text};
    let title = raw.lines().next().unwrap();
    let safe = text::tidy(&html::pre_pass_and_sanitize(&raw, None));
    let body = blocks::split(&safe, title).body;
    // What ammonia costs on this article's markup alone: the HTML part before the plain-text
    // copy (what clean_entry gives ammonia), pre-passed, with every text run between two
    // tags cut to one letter. Next to part_pre_pass_and_ammonia_tail_aside, it shows how
    // much of ammonia's time is per element rather than per character of text.
    let head_end = raw.rfind("</p>").unwrap() + "</p>".len();
    let head = html::pre_pass(&raw[..head_end], None);
    let mut markup_only = String::new();
    for (k, piece) in head.split('<').enumerate() {
        if k > 0 {
            markup_only.push('<');
        }
        match piece.find('>') {
            Some(gt) if !piece[gt + 1..].trim().is_empty() => {
                markup_only.push_str(&piece[..=gt]);
                markup_only.push('x');
            }
            _ if k == 0 && !piece.trim().is_empty() => markup_only.push('x'),
            _ => markup_only.push_str(piece),
        }
    }
    let parts: [(&str, &dyn Fn() -> usize); 13] = [
        ("part_lol_html_pre_pass_whole_input_unused", &|| {
            html::rewrite_with_lol_html(std::hint::black_box(&raw), None).len()
        }),
        ("part_pre_pass_whole_input", &|| {
            html::pre_pass(std::hint::black_box(&raw), None).len()
        }),
        ("part_pre_pass_and_ammonia_tail_aside", &|| {
            html::pre_pass_and_sanitize(std::hint::black_box(&raw), None).len()
        }),
        ("part_ammonia_head_unused", &|| {
            html::ammonia_sanitize(std::hint::black_box(&head)).len()
        }),
        ("part_ammonia_head_markup_only_unused", &|| {
            html::ammonia_sanitize(std::hint::black_box(&markup_only)).len()
        }),
        ("part_plain_markup_head", &|| {
            plain_markup::sanitize(std::hint::black_box(&head)).map_or(0, |s| s.len())
        }),
        ("part_tidy", &|| {
            text::tidy(std::hint::black_box(&safe)).len()
        }),
        ("part_blocks_and_body", &|| {
            blocks::split(std::hint::black_box(&safe), title)
                .body
                .html
                .len()
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
