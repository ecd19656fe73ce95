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

// ---- The fast paths agree with the reference implementation (`super::reference`) ----

const PIECES: &[&str] = &[
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<div class=\"phcv x\">",
    "<div class=\"phcv phcv-clearfix\"> </div>",
    "<p class=\"social\">نص</p>",
    "<span id=\"google_ads_1\">x</span>",
    "<div class=\"Advert\">ad</div>",
    "<div class='related'>r</div>",
    "<div class=related>r</div>",
    "<div class=\"a\" class=\"advert\">d</div>",
    "<br class=\"share-x\">",
    "<p title=\"a>b\">",
    "<p title=\" x\">",
    "<p data-x=y dir=\"rtl\">",
    "<DIV>",
    "</DIV>",
    "<P>",
    "</P>",
    "<BR>",
    "<IMG src=\"/a.jpg\">",
    "<Img src=\"https://pixel.wp.com/x.gif\">",
    "<SCRIPT>x</script>",
    "<A href=\"/x\">",
    "</A>",
    "<Div class=\"phcv\">x</DIV>",
    "<SPAN id=\"google_ads_1\">x</span>",
    "</div >",
    "<p/>",
    "<p lang=\"ar\" hidden>",
    "<span dir=\"ltr\">",
    "</span>",
    "<b>",
    "</b>",
    "<i>",
    "</i>",
    "<br>",
    "<hr>",
    "<ul><li>",
    "</li></ul>",
    "<li>",
    "<h2>",
    "</h2>",
    "<h1>",
    "</h1>",
    "<pre>",
    "</pre>",
    "<table><tr><td>",
    "</td></tr></table>",
    "<blockquote>",
    "</blockquote>",
    "<figure>",
    "</figure>",
    "<ol>",
    "</ol>",
    "</li>",
    "<ul>",
    "</ul>",
    "<figcaption>",
    "</figcaption>",
    "<script>alert(1)</script>",
    "<script async src=\"https://platform.twitter.com/widgets.js\" charset=\"utf-8\"></script>",
    "<iframe src=\"https://www.youtube.com/embed/x?feature=oembed&amp;a=1\" allowfullscreen></iframe>",
    "<script>a</SCRIPT>",
    "<script>if (a</b) x()</script>",
    "<script><!--</script>-->",
    "<script>x</script >",
    "<script/>",
    "</script>",
    "<iframe>",
    "</iframe>",
    "<noembed>x</noembed>",
    "<style class=\"share-x\">p{}</style>",
    "<script>",
    "<img src=\"/a.jpg\" onerror=\"x()\">",
    "<img src=\"x\" width=\"1\" height=\"1\">",
    "<img src=\"https://e.example/p.jpg\" alt=\"a\">",
    "<img src=\"/a.jpg\"/>",
    "<img loading=\"lazy\" src=\"/a.jpg?x=1&amp;utm_source=2\" alt=\"x\" />",
    "<img src='/a.jpg'>",
    "<img  src=\"/a.jpg\">",
    "<img src=\"/a.jpg\" >",
    "<img src=\"https://pixel.wp.com/g.gif\">",
    "<img src=\"/a.jpg\" width=\"1\">",
    "<img src=\"/a.jpg\" height=0>",
    "<img src=\"/a.jpg\" class=\"wp-image-1 share-x\">",
    "<img alt=\"no src\">",
    "<img alt/>",
    "<img src=\"\">",
    "<img src=\"/a.jpg\" src=\"/b.jpg\">",
    "<img src=\"javascript:x\"/>",
    "<img src=\"/a.jpg\" width=\"800\" height=\"450\" />",
    "<img src=\"/a&#x2e;jpg\" alt=\"a&amp;b\">",
    "<div class=\"phcv\"/>",
    "<p/ >",
    "<a href=\"javascript:alert(1)\">",
    "<a href=\"/rel?utm_source=a&amp;id=2\">",
    "<a href=\"https://x.example/\">",
    "<a href=\"jav&#x61;script:x\">",
    "<a href=\"https://x.example/?q=1&b=2&utm_medium=z\">",
    "<a href=\"mailto:desk@x.example\">",
    "<a href=\"x<y\">",
    "<a href=\"\">",
    "<a href=\"https://x.example/\" >",
    "<a href=\"/a b?fbclid=1\"/>",
    "</a>",
    "<iframe src=\"https://e\">fallback</iframe>",
    "<style>p{}</style>",
    "<textarea>",
    "<form><input></form>",
    "<!-- c -->",
    "<!-- wp:paragraph -->",
    "<!-->",
    "<!--->",
    "-->",
    "--!>",
    "<!-- <p> <!-- -->",
    "<!DOCTYPE html>",
    "<!--",
    "<p title=\"x",
    "&nbsp;",
    "&amp;",
    "&lt;",
    "&gt;",
    "&quot;",
    "&not",
    "&#1604;",
    "in;",
    "\u{a0}",
    "\u{2003}",
    "\u{85}",
    "\n",
    "\n\n",
    "\r\n",
    "\0",
    " ",
    ".",
    "،",
    "<",
    ">",
    "\u{E000}",
    "\u{200c}",
    "\u{0654}",
    "\u{0300}",
    "ليبيا",
    "طرابلس الغرب",
    "قوات حفتر",
    "لِيبِيَا",
    "ليـــبيا",
    "\u{202b}نص\u{202c}",
    "\u{200b}",
    "\u{FEDF}\u{FEF4}\u{FE91}\u{FEF4}\u{FE8E}",
    "Tripoli",
    "UN Mission",
    "مواقع",
    "اقرأ المزيد",
    "<svg onload=\"x()\"><script>y()</script></svg>",
    "<p style=\"color:red\" onclick=\"z()\">",
];

/// Lines of plain text for tails (a body repeated as text, a credit, blank and `&nbsp;`
/// lines).
const LINES: &[&str] = &[
    "واصلت قوات حكومة الوفاق الوطني الليبية الضغط على قوات اللواء المتقاعد خليفة حفتر",
    "ونقلت مصادر محلية، أن قوات حكومة الوفاق الوطني تقدمت في محوري الطويشة والرملة",
    "ليبيا",
    "قوات حفتر",
    "مواقع",
    "",
    " ",
    "\u{a0}",
    ".",
    "Tripoli UN Mission",
    "\u{0654}همزة",
    "\u{200c}x",
];

fn html_input() -> impl Strategy<Value = String> {
    let head = prop::collection::vec(0..PIECES.len(), 0..40)
        .prop_map(|ix| ix.into_iter().map(|i| PIECES[i]).collect::<String>());
    let tail = prop::collection::vec(0..LINES.len(), 0..30).prop_map(|ix| {
        ix.into_iter()
            .map(|i| LINES[i])
            .collect::<Vec<_>>()
            .join("\n")
    });
    (head, tail, any::<bool>()).prop_map(|(head, tail, nl)| {
        let sep = if nl { "\n" } else { "" };
        format!("{head}{sep}{tail}")
    })
}

fn fixture_inputs() -> Vec<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    let mut out = vec![fixture("seed-article.txt")];
    for dir in ["clean", "hostile", "dedup", "fuzz-regressions/clean_html"] {
        let Ok(entries) = std::fs::read_dir(format!("{root}/{dir}")) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if let Ok(s) = std::fs::read_to_string(&path) {
                out.push(s);
            }
        }
    }
    out
}

fn assert_same_as_reference(raw: &str, title: &str) {
    let base = ::url::Url::parse("https://site.example/news/1").unwrap();
    for base in [Some(&base), None] {
        let new = clean_body(raw, title, base);
        let old = reference::clean_body(raw, title, base);
        assert_eq!(new.html, old.html, "html of {raw:?}");
        assert_eq!(new.text, old.text, "text of {raw:?}");
        assert_eq!(new.credit, old.credit, "credit of {raw:?}");
        assert_eq!(
            new.norm_text,
            arabic::normalize_words(&old.text),
            "norm of {raw:?}"
        );
    }
}

#[test]
fn the_fast_cleaning_agrees_with_the_reference_on_every_fixture() {
    let inputs = fixture_inputs();
    assert!(inputs.len() > 50, "{} fixtures", inputs.len());
    for raw in &inputs {
        for title in ["", "ليبيا", raw.lines().next().unwrap_or("")] {
            assert_same_as_reference(raw, title);
        }
    }
}

#[test]
fn the_seed_takes_every_fast_path() {
    let seed = fixture("seed-article.txt");
    assert!(html::simple_pre_pass(&seed, None).is_some());
    assert!(plain_markup::sanitize(&html::pre_pass(&seed, None)).is_some());
    let safe = text::tidy(&html::pre_pass_and_sanitize(&seed, None));
    let pass = blocks::split(&safe, seed.lines().next().unwrap());
    assert!(pass.stable);
}

#[test]
fn the_seed_with_links_and_dir_takes_every_fast_path() {
    let seed = fixture("seed-article.txt").replace(
        "<p>",
        "<p dir=\"rtl\"><a href=\"/topic?utm_source=rss&amp;id=1\">ليبيا</a> ",
    );
    let base = ::url::Url::parse("https://news.example/a").unwrap();
    let pre = html::simple_pre_pass(&seed, Some(&base)).expect("byte-scan pre-pass");
    assert_eq!(
        pre.matches("<p dir=\"rtl\"><a href=\"https://news.example/topic?id=1\">")
            .count(),
        9
    );
    let safe = plain_markup::sanitize(&pre).expect("plain markup");
    assert_eq!(
        safe.matches(
            "<p dir=\"rtl\"><a href=\"https://news.example/topic?id=1\" \
             rel=\"noopener noreferrer nofollow\">ليبيا</a> "
        )
        .count(),
        9
    );
    let pass = blocks::split(&text::tidy(&safe), seed.lines().next().unwrap());
    assert!(pass.stable);
}

#[test]
fn embedded_tweets_and_videos_take_every_fast_path() {
    let body = "<p>نص</p>\n<blockquote class=\"twitter-tweet\"><p lang=\"ar\" dir=\"rtl\">\
                تغريدة <a href=\"https://t.co/x\">pic.twitter.com/x</a></p>&mdash; حساب (@x) \
                <a href=\"https://twitter.com/x/status/1?ref_src=twsrc%5Etfw\">May 1, 2020</a>\
                </blockquote> <script async src=\"https://platform.twitter.com/widgets.js\" \
                charset=\"utf-8\"></script>\n<iframe width=\"560\" height=\"315\" \
                src=\"https://www.youtube.com/embed/x?feature=oembed&amp;a=1\" \
                allowfullscreen></iframe>\n<p>بعد</p>";
    let pre = html::simple_pre_pass(body, None).expect("byte-scan pre-pass");
    let safe = plain_markup::sanitize(&pre).expect("plain markup");
    let rel = "rel=\"noopener noreferrer nofollow\"";
    assert_eq!(
        safe,
        format!(
            "<p>نص</p>\n<blockquote><p lang=\"ar\" dir=\"rtl\">تغريدة <a \
             href=\"https://t.co/x\" {rel}>pic.twitter.com/x</a></p>— حساب (@x) <a \
             href=\"https://twitter.com/x/status/1?ref_src=twsrc%5Etfw\" {rel}>May 1, 2020</a>\
             </blockquote> \n\n<p>بعد</p>"
        )
    );
    assert_eq!(
        safe,
        html::ammonia_sanitize(&html::rewrite_with_lol_html(body, None))
    );
}

#[test]
fn the_seed_as_wordpress_writes_it_takes_every_fast_path() {
    let figure = "<figure class=\"wp-block-image\"><img loading=\"lazy\" \
                  src=\"/up/a.jpg?w=8&amp;utm_source=rss\" alt=\"صورة\" width=\"800\" \
                  height=\"450\" /><figcaption>شرح الصورة</figcaption></figure>";
    let seed = fixture("seed-article.txt")
        .replacen(
            "<p>",
            &format!("<div class=\"entry-content\">{figure}\n<p>"),
            1,
        )
        .replace(
            "<p>",
            "<p class=\"has-text-align-right\" style=\"font-size:18px\">",
        )
        .replacen("\n\nمواقع", "</div>\n\nمواقع", 1);
    let base = ::url::Url::parse("https://news.example/a").unwrap();
    let pre = html::simple_pre_pass(&seed, Some(&base)).expect("byte-scan pre-pass");
    assert!(pre.contains(
        "<img loading=\"lazy\" src=\"https://news.example/up/a.jpg?w=8\" alt=\"صورة\" \
         width=\"800\" height=\"450\" />"
    ));
    let safe = plain_markup::sanitize(&pre).expect("plain markup");
    assert_eq!(safe.matches("لإسقاطه\n\n<div><figure><img ").count(), 1);
    assert!(safe.contains(
        "<figure><img src=\"https://news.example/up/a.jpg?w=8\" alt=\"صورة\" width=\"800\" \
         height=\"450\"><figcaption>شرح الصورة</figcaption></figure>\n<p>"
    ));
    assert_eq!(safe.matches("<p>").count(), 9);
    let pass = blocks::split(&text::tidy(&safe), seed.lines().next().unwrap());
    assert!(pass.stable);
    assert_eq!(pass.body.credit.as_deref(), Some("مواقع"));
}

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn the_fast_cleaning_agrees_with_the_reference(
        raw in html_input(),
        title in prop::sample::select(vec!["", "ليبيا", "قوات حفتر", "مواقع"]),
    ) {
        assert_same_as_reference(&raw, title);
    }

    #[test]
    fn the_byte_scan_pre_pass_agrees_with_lol_html(raw in html_input()) {
        let base = ::url::Url::parse("https://site.example/news/1").unwrap();
        for base in [None, Some(&base)] {
            if let Some(fast) = html::simple_pre_pass(&raw, base) {
                prop_assert_eq!(fast.as_ref(), html::rewrite_with_lol_html(&raw, base));
            }
        }
    }

    #[test]
    fn setting_a_plain_tail_aside_changes_nothing(raw in html_input()) {
        let base = ::url::Url::parse("https://site.example/news/1").unwrap();
        prop_assert_eq!(
            html::pre_pass_and_sanitize(&raw, Some(&base)),
            html::ammonia_sanitize(&html::pre_pass(&raw, Some(&base)))
        );
    }

    #[test]
    fn blocks_called_stable_come_out_of_ammonia_unchanged(raw in html_input()) {
        let safe = text::tidy(&html::ammonia_sanitize(&html::pre_pass(&raw, None)));
        let pass = blocks::split(&safe, "");
        if pass.stable {
            prop_assert_eq!(html::ammonia_sanitize(&pass.body.html), pass.body.html);
        }
    }

    #[test]
    fn titles_without_markup_skip_ammonia_with_the_same_result(
        parts in prop::collection::vec(0..PIECES.len(), 0..8)
    ) {
        let raw: String = parts.into_iter().map(|i| PIECES[i]).collect();
        prop_assert_eq!(html::plain_text(&raw), reference::plain_text(&raw));
    }
}
