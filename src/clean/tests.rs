use super::*;
use crate::model::ParsedEntry;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn seed_entry() -> ParsedEntry {
    let seed = fixture("seed-article.txt");
    ParsedEntry {
        guid: Some("g1".into()),
        link: Some("https://news.example/a?utm_source=rss&id=7#top".into()),
        title: Some(seed.lines().next().unwrap().to_string()),
        summary: Some(seed),
        ..ParsedEntry::default()
    }
}

#[test]
fn the_seed_article_is_cleaned_exactly() {
    let e = clean_entry(
        &seed_entry(),
        &Context {
            base: None,
            language: "ar".into(),
        },
    );
    assert_eq!(
        e.content_html,
        fixture("seed-article.clean.html").trim_end()
    );
    assert_eq!(e.text, fixture("seed-article.clean.txt").trim_end());
    assert_eq!(
        e.title,
        "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه"
    );
    assert_eq!(e.source_credit.as_deref(), Some("مواقع"));
    assert_eq!(e.url.as_deref(), Some("https://news.example/a?id=7#top"));
    assert_eq!(e.canonical_url.as_deref(), Some("news.example/a?id=7"));
    assert_eq!(e.dir, "rtl");
    assert_eq!(e.content_html.matches("<p>").count(), 9);
    assert!(e.summary.chars().count() <= SUMMARY_CHARS + 1);
    assert!(e.summary.ends_with('…'));
    assert!(text::collapse_whitespace(&e.text).starts_with(e.summary.trim_end_matches('…')));
}

#[test]
fn cleaning_the_cleaned_seed_changes_nothing() {
    let ctx = Context {
        base: None,
        language: "ar".into(),
    };
    let once = clean_entry(&seed_entry(), &ctx);
    let again = clean_entry(
        &ParsedEntry {
            guid: Some(once.guid.clone()),
            link: once.url.clone(),
            title: Some(once.title.clone()),
            content: Some(once.content_html.clone()),
            ..ParsedEntry::default()
        },
        &ctx,
    );
    assert_eq!(again.content_html, once.content_html);
    assert_eq!(again.text, once.text);
    assert_eq!(again.title, once.title);
    assert_eq!(
        again.source_credit, None,
        "the credit is taken once, not again"
    );
    assert_eq!(again.fingerprint, once.fingerprint);
}

#[test]
fn titles_are_decoded_stripped_and_collapsed_but_not_otherwise_changed() {
    assert_eq!(
        html::plain_text("  ليبيا &amp; تونس&nbsp;&rsquo;<b>اليوم</b>\n"),
        "ليبيا & تونس ’اليوم"
    );
    assert_eq!(html::plain_text("a &lt; b <script>x()</script>"), "a < b");
}

#[test]
fn entries_without_guid_or_link_get_a_stable_key() {
    let e = ParsedEntry {
        title: Some("خبر بلا رابط".into()),
        ..ParsedEntry::default()
    };
    let ctx = Context::default();
    let a = clean_entry(&e, &ctx);
    let b = clean_entry(&e, &ctx);
    assert_eq!(a.guid, b.guid);
    assert!(a.guid.starts_with("marsad:"));
    let linked = ParsedEntry {
        link: Some("https://x.example/n/1?utm_campaign=z".into()),
        ..e
    };
    assert_eq!(clean_entry(&linked, &ctx).guid, "x.example/n/1");
}
