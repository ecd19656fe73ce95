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
fn entries_without_ids_get_a_content_key_not_a_random_id() {
    let doc = "<rss version=\"2.0\"><channel><title>T</title><item><title>بلا معرف</title></item></channel></rss>";
    let key = one(doc).entries[0].guid.clone().unwrap();
    assert!(key.starts_with("marsad:content:"), "{key}");
    assert_eq!(one(doc).entries[0].guid.as_deref(), Some(key.as_str()));
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

/// Parses `body` as if fetched from `https://site.example/feed` and returns (format,
/// feed title, per entry (guid, link, title, author, published), warnings).
type Summary = (
    String,
    Option<String>,
    Vec<(
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    )>,
    Vec<String>,
);

fn summary(body: &str) -> Summary {
    let f = one(body);
    let entries = f
        .entries
        .iter()
        .map(|e| {
            (
                e.guid.clone(),
                e.link.clone(),
                e.title.clone(),
                e.author.clone(),
                e.published.map(|d| d.to_rfc3339()),
            )
        })
        .collect();
    (f.format, f.title, entries, f.warnings)
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

#[test]
fn html_entities_are_mapped_without_a_declaration_after_a_comment_and_in_upper_case_hex() {
    // No XML declaration (and no version: the issue's shape).
    let (_, title, entries, warnings) = summary(
        "<rss><channel><title>a &deg; b</title><item><title>x &hellip; y</title><link>https://site.example/1</link></item></channel></rss>",
    );
    assert_eq!(title, s("a ° b"));
    assert_eq!(entries[0].2, s("x … y"));
    assert_eq!(
        warnings,
        [
            "malformed XML repaired: 2 HTML entities mapped",
            "RSS without a version attribute read as RSS 2.0"
        ]
    );
    // A comment between the declaration and the root; `&#X41;` is HTML's spelling.
    let (_, title, entries, warnings) = summary(
        "<?xml version=\"1.0\"?>\n<!-- generator -->\n<rss version=\"2.0\"><channel><title>a &nbsp;b</title><item><title>&#X41;&#x42; &#X0644;</title><link>https://site.example/1</link></item></channel></rss>",
    );
    assert_eq!(title, s("a \u{a0}b"));
    assert_eq!(entries[0].2, s("AB ل"));
    assert_eq!(warnings, ["malformed XML repaired: 3 HTML entities mapped"]);
}

#[test]
fn atom_0_3_is_read_as_atom_1_0_with_escaped_and_base64_text() {
    // Atom 0.3 (2003 draft): issued/modified, mode="escaped" and mode="base64", MIME types
    // in `type`, author `url`.
    let doc = "<?xml version=\"1.0\"?>\n<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title mode=\"escaped\" type=\"text/html\">Old &lt;b&gt;blog&lt;/b&gt;</title><tagline>t</tagline><link rel=\"alternate\" type=\"text/html\" href=\"https://a.example/\"/><modified>2004-01-02T00:00:00Z</modified>\
<entry><title type=\"text/plain\">One</title><link rel=\"alternate\" type=\"text/html\" href=\"https://a.example/1\"/><id>tag:a.example,2004:1</id><issued>2004-01-01T10:00:00+01:00</issued><modified>2004-01-02T00:00:00Z</modified><author><name>N</name><url>https://a.example/n</url></author><content type=\"text/html\" mode=\"escaped\">&lt;p&gt;escaped&lt;/p&gt;</content></entry>\
<entry><title>Two</title><link rel=\"alternate\" href=\"https://a.example/2\"/><id>tag:a.example,2004:2</id><issued>2004-01-01T11:00:00Z</issued><content type=\"text/html\" mode=\"base64\">PHA+YmFzZSA2NDwvcD4=</content></entry></feed>";
    let f = one(doc);
    assert_eq!(
        (f.format.as_str(), f.title.as_deref(), f.link.as_deref()),
        ("atom", Some("Old <b>blog</b>"), Some("https://a.example/"))
    );
    let got: Vec<_> = f
        .entries
        .iter()
        .map(|e| {
            (
                e.title.as_deref(),
                e.link.as_deref(),
                e.author.as_deref(),
                e.published.map(|d| d.to_rfc3339()),
                e.updated.map(|d| d.to_rfc3339()),
                e.content.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("One"),
                Some("https://a.example/1"),
                Some("N"),
                s("2004-01-01T09:00:00+00:00"),
                s("2004-01-02T00:00:00+00:00"),
                Some("<p>escaped</p>")
            ),
            (
                Some("Two"),
                Some("https://a.example/2"),
                None,
                s("2004-01-01T11:00:00+00:00"),
                None,
                Some("<p>base 64</p>")
            ),
        ]
    );
    assert_eq!(
        f.warnings,
        ["Atom 0.3 read as Atom 1.0", "1 base64 text(s) decoded"]
    );
}

#[test]
fn atom_1_0_base64_content_and_mime_typed_or_empty_text_are_read() {
    // RFC 4287 §4.1.3.3: a type that is neither text nor XML means base64. A MIME type on
    // a text construct and an empty summary made feed-rs refuse the entry.
    let f = one(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title><id>urn:a</id><updated>2026-11-29T08:00:00Z</updated>\
<entry><title type=\"text/plain\">B64</title><id>urn:1</id><updated>2026-11-29T08:00:00Z</updated><link href=\"https://site.example/1\"/><summary/><content type=\"application/octet-stream\">PHA+2YbYtTwvcD4=</content></entry>\
<entry><title>Image</title><id>urn:2</id><updated>2026-11-29T08:00:00Z</updated><link href=\"https://site.example/2\"/><summary type=\"html\"></summary><content type=\"image/png\">iVBORw0KGgo=</content></entry></feed>",
    );
    let got: Vec<_> = f
        .entries
        .iter()
        .map(|e| {
            (
                e.title.as_deref(),
                e.content.as_deref(),
                e.summary.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("B64"), Some("<p>نص</p>"), None),
            (Some("Image"), None, None)
        ]
    );
    assert_eq!(
        f.warnings,
        [
            "1 base64 text(s) decoded",
            "1 base64 content(s) that are not text dropped",
            "2 empty text element(s) removed"
        ]
    );
}

#[test]
fn items_without_a_link_are_kept_keyed_by_id_or_content_with_a_warning() {
    // RSS 1.0 §5.5: rdf:about is the item's URI.
    let (format, _, entries, warnings) = summary(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\"><channel rdf:about=\"https://r.example/\"><title>R</title><link>https://r.example/</link></channel><item rdf:about=\"https://r.example/a\"><title>A</title></item><item rdf:about=\"urn:x:b\"><title>B</title></item></rdf:RDF>",
    );
    assert_eq!(format, "rss1");
    assert_eq!(entries[0].1, s("https://r.example/a"));
    assert_eq!((&entries[1].1, &entries[1].2), (&None, &s("B")));
    let key_b = entries[1].0.clone().unwrap();
    assert!(key_b.starts_with("marsad:content:"), "{key_b}");
    assert_eq!(
        warnings,
        [
            "1 RSS 1.0 item(s) without link use their rdf:about as link",
            "1 item(s) without link kept, keyed by content"
        ]
    );
    // RSS 2.0: a guid URL is the permalink; a title and description alone are kept.
    let rss = "<rss version=\"2.0\"><channel><title>T</title><item><title>only</title><description>body</description></item><item><title>g</title><guid>https://g.example/1</guid></item><item><title>h</title><guid isPermaLink=\"false\">h-1</guid></item><item></item></channel></rss>";
    let (_, _, entries, warnings) = summary(rss);
    let links: Vec<_> = entries.iter().map(|e| (e.1.clone(), e.2.clone())).collect();
    assert_eq!(
        links,
        [
            (None, s("only")),
            (s("https://g.example/1"), s("g")),
            (None, s("h"))
        ]
    );
    assert_eq!(
        warnings,
        [
            "1 item(s) without link use their id as link",
            "1 item(s) without link kept, keyed by content",
            "1 empty item(s) (no title, body, link or id) dropped"
        ]
    );
    // The content key is stable across parses, and differs with the content.
    assert_eq!(summary(rss).2[0].0, entries[0].0);
    assert_ne!(
        summary(&rss.replace("<description>body", "<description>other")).2[0].0,
        entries[0].0
    );
    // Atom: an id that is a URL is the link.
    let (_, _, entries, _) = summary(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title><id>urn:a</id><updated>2026-11-29T08:00:00Z</updated><entry><title>E</title><id>https://site.example/e</id><updated>2026-11-29T08:00:00Z</updated></entry></feed>",
    );
    assert_eq!(entries[0].1, s("https://site.example/e"));
}

#[test]
fn authors_bases_links_dates_and_sources_are_read_in_their_several_forms() {
    let (_, _, entries, warnings) = summary(
        "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><title>T</title>\
<item><title>1</title><link>https://site.example/1</link><author>jane@x.example (Jane Doe)</author></item>\
<item><title>2</title><link>https://site.example/2</link><author>John Roe (john@x.example)</author></item>\
<item><title>3</title><link>https://site.example/3</link><dc:creator>Creator</dc:creator><dc:contributor>Not me</dc:contributor></item>\
<item><title>4</title><link>https://site.example/4</link><dc:contributor>Contributor</dc:contributor></item>\
<item><title>5</title><link>https://site.example/5</link><itunes:author>Podcaster &amp; Co</itunes:author><dc:date>2026-11-20T08:00:00+02:00</dc:date></item>\
</channel></rss>",
    );
    let authors: Vec<_> = entries.iter().map(|e| e.3.clone()).collect();
    assert_eq!(
        authors,
        [
            s("Jane Doe"),
            s("John Roe"),
            s("Creator"),
            s("Contributor"),
            s("Podcaster & Co")
        ]
    );
    assert_eq!(entries[4].4, s("2026-11-20T06:00:00+00:00"));
    assert_eq!(
        warnings,
        ["2 author(s) taken from itunes:author or dc:contributor"]
    );

    // xml:base on feed, entry and content (RFC 4287 §2, RFC 3986 §5); a link given as
    // text; rel="alternate" preferred over the first link.
    let f = one(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://b.example/dir/\"><title>B</title><id>urn:b</id><updated>2026-11-29T08:00:00Z</updated>\
<entry xml:base=\"sub/\"><title>E</title><id>urn:e</id><updated>2026-11-29T08:00:00Z</updated><link>rel.html</link><content type=\"html\" xml:base=\"c/\">&lt;a href=\"x.html\"&gt;x&lt;/a&gt;</content></entry>\
<entry><title>F</title><id>urn:f</id><updated>2026-11-29T08:00:00Z</updated><link rel=\"self\" href=\"/self\"/><link rel=\"related\" href=\"https://o.example/\"/><link rel=\"alternate\" href=\"f.html\"/><summary>s</summary></entry></feed>",
    );
    let got: Vec<_> = f
        .entries
        .iter()
        .map(|e| (e.link.as_deref(), e.base.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                Some("https://b.example/dir/sub/rel.html"),
                Some("https://b.example/dir/sub/c/")
            ),
            (
                Some("https://b.example/dir/f.html"),
                Some("https://b.example/dir/")
            )
        ]
    );
    assert_eq!(f.warnings, ["1 link(s) given as text read"]);

    // RSS <source>, and RDF dc:date given as a date alone.
    let f = one(
        "<rss version=\"2.0\"><channel><title>T</title><item><title>w</title><link>https://site.example/w</link><source url=\"https://wire.example/rss\">Wire &amp; Co</source></item></channel></rss>",
    );
    assert_eq!(f.entries[0].source.as_deref(), Some("Wire & Co"));
    let (_, _, entries, _) = summary(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel rdf:about=\"https://r.example/\"><title>R</title><link>https://r.example/</link></channel><item rdf:about=\"https://r.example/a\"><title>A</title><link>https://r.example/a</link><dc:date>2026-11-20</dc:date><dc:creator>C</dc:creator></item></rdf:RDF>",
    );
    assert_eq!(
        (entries[0].3.clone(), entries[0].4.clone()),
        (s("C"), s("2026-11-20T00:00:00+00:00"))
    );
}

#[test]
fn real_site_shapes_give_their_items_not_an_empty_feed() {
    // RSS 0.90: RDF in Netscape's namespace.
    let (format, title, entries, warnings) = summary(
        "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"><channel><title>N</title><link>https://n.example/</link><description>d</description></channel><item><title>I1</title><link>https://n.example/1</link></item><item><title>I2</title><link>https://n.example/2</link></item></rdf:RDF>",
    );
    assert_eq!((format.as_str(), title, entries.len()), ("rss0", s("N"), 2));
    assert_eq!(warnings, ["RSS 0.90 read as RSS 1.0"]);
    // RSS 2.0 in UserLand's default namespace.
    let (format, _, entries, warnings) = summary(
        "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\"><channel><title>U</title><item><title>U1</title><link>https://u.example/1</link></item></channel></rss>",
    );
    assert_eq!((format.as_str(), entries[0].2.clone()), ("rss2", s("U1")));
    assert_eq!(
        warnings,
        ["RSS 2.0 elements in a namespace of their own read as RSS 2.0"]
    );
    // Versions feed-rs does not list.
    let (format, _, entries, warnings) = summary(
        "<rss version=\"0.93\"><channel><title>V</title><item><title>V1</title><link>https://v.example/1</link></item></channel></rss>",
    );
    assert_eq!((format.as_str(), entries.len()), ("rss0", 1));
    assert_eq!(warnings, ["RSS version \"0.93\" read as RSS 0.92"]);
    // Empty self-closing Media RSS elements cost no item.
    let (_, _, entries, warnings) = summary(
        "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><title>M</title>\
<item><title>M1</title><link>https://m.example/1</link><media:description/></item>\
<item><title>M2</title><link>https://m.example/2</link><media:title type=\"plain\"></media:title></item>\
<item><title>M3</title><link>https://m.example/3</link><media:description>kept</media:description></item></channel></rss>",
    );
    assert_eq!(entries.len(), 3);
    assert_eq!(warnings, ["2 empty text element(s) removed"]);
}

#[test]
fn a_feed_without_items_says_why() {
    let f = one("<rss version=\"2.0\"><channel><title>T</title></channel></rss>");
    assert_eq!(f.warnings, ["the feed lists no items"]);
    // Items in a namespace nothing reads.
    let f = one(
        "<rss version=\"2.0\" xmlns=\"http://unknown.example/ns\"><channel><title>T</title><item><title>x</title></item></channel></rss>",
    );
    assert_eq!(
        f.warnings,
        ["1 item element(s) in the document, none could be read"]
    );
}

#[test]
fn undeclared_latin_1_is_guessed_from_the_bytes_and_an_override_still_wins() {
    let xml = "<rss version=\"2.0\"><channel><title>Últimas Notícias</title><item><title>Educação pública em São Paulo</title><link>https://p.example/1</link><description>O ministério divulgou hoje as regras do ano.</description></item></channel></rss>";
    let body = encoding_rs::WINDOWS_1252.encode(xml).0.into_owned();
    // Even for a source configured as Arabic: the bytes say Latin.
    let f = parse_with_language(&body, None, None, None, Some("ar")).unwrap();
    assert_eq!(f.title.as_deref(), Some("Últimas Notícias"));
    assert_eq!(
        f.warnings,
        ["no charset given and not valid UTF-8: guessed windows-1252 from the bytes"]
    );
    // The admin's encoding wins over the guess.
    let f = parse(&body, None, Some(encoding_rs::WINDOWS_1256), None).unwrap();
    assert_eq!(f.title.as_deref(), Some("عltimas Notيcias"));
}

#[test]
fn a_source_language_does_not_turn_cyrillic_or_korean_bytes_into_arabic() {
    // Undeclared KOI8-R and EUC-KR: the bytes are clear, so the configured language (marsad's
    // default "ar") is not used as chardetng's prior.
    for (enc, title) in [
        (encoding_rs::KOI8_R, "Как пережить новогоднюю ночь"),
        (encoding_rs::EUC_KR, "한글 닉네임 표시하기"),
    ] {
        let xml = format!(
            "<rss version=\"2.0\"><channel><title>T</title><item><title>{title}</title><link>https://x.example/1</link></item></channel></rss>"
        );
        let body = enc.encode(&xml).0.into_owned();
        let f = parse_with_language(&body, None, None, None, Some("ar")).unwrap();
        assert_eq!(f.entries[0].title.as_deref(), Some(title), "{}", enc.name());
    }
}

#[test]
fn atom_drafts_in_other_namespaces_base64_titles_and_dc_titles_are_read() {
    // Atom drafts were published under several URIs; feedparser reads a <feed> root in any.
    let f = one(
        "<feed version=\"0.3\" xmlns=\"http://purl.org/echo/\"><title>Echo</title><entry><title>E</title><issued>2004-01-01T00:00:00Z</issued><link rel=\"alternate\" href=\"https://e.example/1\"/></entry></feed>",
    );
    assert_eq!((f.title.as_deref(), f.entries.len()), (Some("Echo"), 1));
    assert_eq!(f.warnings, ["Atom 0.3 read as Atom 1.0"]);
    // A text construct typed with a media type that is not text is base64.
    let f = one(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>A</title><entry><title type=\"application/octet-stream\">\n RXhhbXBsZSA8Yj5BdG9tPC9iPg==\n</title><id>urn:1</id><link href=\"https://a.example/1\"/></entry></feed>",
    );
    assert_eq!(f.entries[0].title.as_deref(), Some("Example <b>Atom</b>"));
    // A channel titled only by Dublin Core.
    let f = one(
        "<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel><dc:title>DC &amp; co</dc:title><item><title>x</title><link>https://d.example/1</link></item></channel></rss>",
    );
    assert_eq!(f.title.as_deref(), Some("DC & co"));
}

#[test]
fn rss_items_without_a_channel_are_read() {
    let (format, title, entries, warnings) = summary(
        "<rss version=\"0.91\">\n<title>No channel</title>\n<item><title>I</title><link>https://n.example/1</link></item>\n</rss>",
    );
    assert_eq!(
        (format.as_str(), title, entries.len()),
        ("rss0", s("No channel"), 1)
    );
    assert_eq!(
        warnings,
        ["RSS without a <channel> element read as if in one"]
    );
}

#[test]
fn a_body_ending_inside_a_language_attribute_is_no_panic() {
    // Not UTF-8 and undeclared, so the language is read to guess the charset.
    for body in [
        &b"\xe9\xe9<rss xml:lang="[..],
        b"\xe9<rss xml:lang=\"",
        b"\xe9<language>",
    ] {
        let _ = parse(body, None, None, None);
    }
}

#[test]
fn a_feeds_websub_hub_and_self_link_are_read_in_every_format() {
    let rss = one(
        r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>http://site.test/</link><atom:link rel="hub" href="https://hub.test/"/><atom:link rel="self" href="http://site.test/feed"/></channel></rss>"#,
    );
    assert_eq!(
        (
            rss.hub.as_deref(),
            rss.self_url.as_deref(),
            rss.link.as_deref()
        ),
        (
            Some("https://hub.test/"),
            Some("http://site.test/feed"),
            Some("http://site.test/")
        )
    );
    let atom = one(
        r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title><id>x</id><updated>2026-01-01T00:00:00Z</updated><link rel="self" href="http://site.test/atom"/><link rel="hub" href="https://hub.test/a"/><link href="http://site.test/"/></feed>"#,
    );
    assert_eq!(
        (
            atom.hub.as_deref(),
            atom.self_url.as_deref(),
            atom.link.as_deref()
        ),
        (
            Some("https://hub.test/a"),
            Some("http://site.test/atom"),
            Some("http://site.test/")
        )
    );
    let json = one(
        r#"{"version":"https://jsonfeed.org/version/1.1","title":"T","feed_url":"http://site.test/feed.json","hubs":[{"type":"rssCloud","url":"http://cloud.test/"},{"type":"WebSub","url":"https://hub.test/j"}],"items":[]}"#,
    );
    assert_eq!(
        (json.hub.as_deref(), json.self_url.as_deref()),
        (
            Some("https://hub.test/j"),
            Some("http://site.test/feed.json")
        )
    );
    let none = one(r#"<rss version="2.0"><channel><title>T</title></channel></rss>"#);
    assert_eq!((none.hub, none.self_url), (None, None));
}
