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

// ---- Text normalization never reopens markup (SECURITY.md, "normalizing after sanitizing") ----

/// An entry whose body is `body` (as a feed's description carries it, references decoded
/// by the feed parser already).
fn body_entry(body: &str) -> CleanEntry {
    let entry = ParsedEntry {
        title: Some("عنوان".into()),
        link: Some("https://e.example/n/1".into()),
        content: Some(body.into()),
        ..ParsedEntry::default()
    };
    clean_entry(&entry, &Context::default())
}

#[test]
fn a_combining_solidus_after_an_image_stays_text_and_loses_its_mark() {
    let e = body_entry(
        "<p>وصل الوفد إلى طرابلس <img src=\"https://e.example/a.png\">&#x338; onerror=alert(1) x ثم غادر.</p>",
    );
    assert_eq!(
        e.content_html,
        "<p>وصل الوفد إلى طرابلس <img src=\"https://e.example/a.png\"> onerror=alert(1) x ثم غادر.</p>"
    );
    assert_eq!(e.text, "وصل الوفد إلى طرابلس onerror=alert(1) x ثم غادر.");
}

#[test]
fn an_arabic_mark_before_the_solidus_does_not_help_it_reach_the_tag() {
    let e = body_entry(
        "<p>نص <a href=\"https://e.example/\">&#x654;&#x338; onmouseover=alert(1) x</a> بعد</p>",
    );
    assert_eq!(
        e.content_html,
        "<p>نص <a href=\"https://e.example/\" rel=\"noopener noreferrer nofollow\"> \
         onmouseover=alert(1) x</a> بعد</p>"
    );
}

#[test]
fn a_figcaption_vector_that_beat_both_rounds_is_plain_text() {
    let e = body_entry(
        "<div class=\"entry-content\"><p><figcaption>&#x200B;&#x338; autofocus tabindex=1 \
         onfocus=alert(1) x</figcaption> نص</p></div>",
    );
    assert_eq!(
        e.content_html,
        "<p>autofocus tabindex=1 onfocus=alert(1) x</p>"
    );
    // The short last line is taken for the source's credit, as "مواقع" would be.
    assert_eq!(e.source_credit.as_deref(), Some("نص"));
    assert_eq!(html::verify(&e.content_html), Ok(()));
}

#[test]
fn compatibility_forms_of_markup_characters_are_published_escaped() {
    let e = body_entry("<p>نص ＜img src=x onerror=alert(1)＞ و﹠lt;</p>");
    assert_eq!(
        e.content_html,
        "<p>نص &lt;img src=x onerror=alert(1)＞ و&amp;lt;</p>"
    );
}

#[test]
fn cite_keeps_only_web_addresses() {
    let e = body_entry(
        "<blockquote cite=\"javascript:alert(1)\">أ</blockquote><q cite=\"vbscript:x\">ب</q>\
         <blockquote cite=\"https://e.example/s\">ج</blockquote>",
    );
    assert_eq!(
        e.content_html,
        "<blockquote>أ</blockquote>\n<p><q>ب</q></p>\n\
         <blockquote cite=\"https://e.example/s\">ج</blockquote>"
    );
}

#[test]
fn verify_refuses_what_the_sanitizer_would_not_publish() {
    use html::Unsafe;
    assert_eq!(html::verify("<p dir=\"rtl\">نص <b>غامق</b></p>"), Ok(()));
    assert_eq!(
        html::verify("<img src=\"https://e.example/a.png\"≯ onerror=alert(1) x>"),
        Err(Unsafe::Attribute {
            element: "img".into(),
            attribute: "≯".into()
        })
    );
    assert_eq!(
        html::verify("<p style=\"x\">a</p>"),
        Err(Unsafe::Attribute {
            element: "p".into(),
            attribute: "style".into()
        })
    );
    assert_eq!(
        html::verify("<a href=\"javascript:alert(1)\">a</a>"),
        Err(Unsafe::Url("javascript:alert(1)".into()))
    );
    assert_eq!(
        html::verify("<script>x</script>"),
        Err(Unsafe::Element("script".into()))
    );
    assert_eq!(html::verify("<!-- c -->"), Err(Unsafe::Other));
}

#[test]
fn the_fold_list_holds_every_character_whose_compatibility_form_is_markup() {
    use unicode_normalization::UnicodeNormalization;
    let found: Vec<char> = (0x80..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| c.to_string().nfkc().any(|d| matches!(d, '<' | '&')))
        .collect();
    assert_eq!(found, ['\u{FE60}', '\u{FE64}', '\u{FF06}', '\u{FF1C}']);
    for c in found {
        let e = body_entry(&format!("<p>a{c}b</p>"));
        assert!(!e.content_html.contains(c), "{c:?} in {}", e.content_html);
    }
}

#[test]
fn titles_lose_combining_marks_that_have_no_letter() {
    assert_eq!(
        html::plain_text("\u{338} ليبيا \u{654}اليوم"),
        "ليبيا اليوم"
    );
    assert_eq!(html::plain_text("&#x338;<b>عنوان</b>"), "عنوان");
    // A mark on its letter stays (and NFC composes what it can).
    assert_eq!(html::plain_text("ا\u{654}"), "أ");
}

#[test]
fn markup_that_made_the_old_pre_pass_give_up_is_still_untracked_and_resolved() {
    let base = ::url::Url::parse("https://e.example/news/1").unwrap();
    let body = clean_body(
        "<select><style></style></select><p>نص <a href=\"/r?utm_source=x&amp;id=2\">رابط</a>\
         <img src=\"/p.gif\" width=\"1\" height=\"1\"><img src=\"/photo.jpg\" alt=\"صورة\"></p>",
        "",
        Some(&base),
    );
    assert_eq!(
        body.html,
        "<p>نص <a href=\"https://e.example/r?id=2\" rel=\"noopener noreferrer nofollow\">رابط</a>\
         <img src=\"https://e.example/photo.jpg\" alt=\"صورة\"></p>"
    );
}

#[test]
fn nested_list_items_and_table_whitespace_settle_in_one_cleaning() {
    for raw in [
        "<ul><li><details>s<li>t</details></ul>",
        "<table> <tr><td>x</td></tr> </table>",
    ] {
        let once = clean_body(raw, "", None);
        let twice = clean_body(&once.html, "", None);
        assert_eq!(twice.html, once.html, "{raw}");
        assert_eq!(twice.text, once.text, "{raw}");
    }
}
