use super::*;

fn one(body: &str) -> ParsedFeed {
    parse(
        body.as_bytes(),
        None,
        None,
        Some("https://site.example/feed"),
    )
    .unwrap()
}

#[test]
fn rss_atom_and_json_feed_are_read() {
    let rss = one(
        "<rss version=\"2.0\"><channel><title>T</title><link>https://site.example/</link><language>ar</language><ttl>30</ttl><item><title>خبر</title><guid>g1</guid><link>https://site.example/1</link><description>&lt;p&gt;نص&lt;/p&gt;</description></item></channel></rss>",
    );
    assert_eq!(
        (rss.format.as_str(), rss.language.as_deref(), rss.ttl),
        ("rss2", Some("ar"), Some(30))
    );
    assert_eq!(rss.entries[0].guid.as_deref(), Some("g1"));
    assert_eq!(rss.entries[0].summary.as_deref(), Some("<p>نص</p>"));

    let atom = one(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ar\"><title>A</title><id>urn:a</id><updated>2026-11-29T08:00:00Z</updated><entry><id>urn:e1</id><title>عنوان</title><updated>2026-11-29T08:00:00Z</updated><link href=\"https://site.example/e1\"/><content type=\"html\">&lt;p&gt;محتوى&lt;/p&gt;</content><author><name>كاتب</name></author></entry></feed>",
    );
    assert_eq!(atom.format, "atom");
    let e = &atom.entries[0];
    assert_eq!(
        (e.guid.as_deref(), e.author.as_deref(), e.content.as_deref()),
        (Some("urn:e1"), Some("كاتب"), Some("<p>محتوى</p>"))
    );
    assert_eq!(
        e.published.unwrap().to_rfc3339(),
        "2026-11-29T08:00:00+00:00"
    );

    let json = one(
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[{"id":"j1","url":"https://site.example/j1","title":"جيسون","content_html":"<p>x</p>"}]}"#,
    );
    assert_eq!(json.format, "json");
    assert_eq!(json.entries[0].guid.as_deref(), Some("j1"));
}

#[test]
fn entries_without_ids_get_none_not_a_random_id() {
    let f = one(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>بلا معرف</title></item></channel></rss>",
    );
    assert_eq!(f.entries[0].guid, None);
}

#[test]
fn a_bare_ampersand_and_html_entities_are_repaired_with_a_warning() {
    let f = one(
        "<rss version=\"2.0\"><channel><title>A & B</title><item><title>ليبيا&nbsp;اليوم &laquo;خبر&raquo;</title><guid>1</guid></item></channel></rss>",
    );
    assert_eq!(f.title.as_deref(), Some("A & B"));
    assert_eq!(
        f.entries[0].title.as_deref(),
        Some("ليبيا\u{a0}اليوم «خبر»")
    );
    assert_eq!(
        f.warnings,
        ["malformed XML repaired: 1 bare '&' escaped, 3 HTML entities mapped"]
    );
}

#[test]
fn html_pages_empty_bodies_and_garbage_are_clear_errors() {
    let err = |b: &str| {
        parse(b.as_bytes(), None, None, None)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err("<!DOCTYPE html><html><body>x</body></html>"),
        "this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element)"
    );
    assert_eq!(err("   "), "empty body");
    assert!(err("garbage").starts_with("not a valid feed: "));
}

#[test]
fn a_windows_1256_feed_without_declaration_parses_to_utf8() {
    let xml = "<rss version=\"2.0\"><channel><title>الوسط</title><item><title>بنغازي</title><guid>1</guid></item></channel></rss>";
    let body = encoding_rs::WINDOWS_1256.encode(xml).0.into_owned();
    let f = parse(&body, Some("text/xml"), None, None).unwrap();
    assert_eq!(f.title.as_deref(), Some("الوسط"));
    assert_eq!(f.entries[0].title.as_deref(), Some("بنغازي"));
}
