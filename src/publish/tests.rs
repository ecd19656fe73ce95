use chrono::{DateTime, Utc};

use super::*;
use crate::model::{AlsoReported, Field, TagMatch, TopicTag};

fn item(id: i64, title: &str) -> StoredItem {
    let t = DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    StoredItem {
        id,
        source_id: "wasat".into(),
        source_name: "بوابة الوسط".into(),
        source_url: "https://alwasat.ly/rss".into(),
        guid: format!("g{id}"),
        url: Some(format!("https://alwasat.ly/news/{id}")),
        title: title.into(),
        author: Some("محرر".into()),
        published: Some(t),
        updated: None,
        fetched_at: t,
        sort_ts: t.timestamp(),
        summary: "ملخص".into(),
        content_html: "<p>نص الخبر</p>".into(),
        text: "نص الخبر".into(),
        language: "ar".into(),
        dir: "rtl".into(),
        source_credit: None,
        story_id: id,
        topics: vec![TopicTag {
            slug: "libya".into(),
            score: 3.0,
            matches: vec![TagMatch {
                term: "ليبيا".into(),
                found: "ليبيا".into(),
                field: Field::Title,
                position: 0,
                points: 3.0,
                suppressed: None,
            }],
        }],
        also: Vec::new(),
    }
}

fn info() -> FeedInfo {
    FeedInfo {
        id: "topic:libya".into(),
        title: "مرصد: ليبيا".into(),
        description: "أخبار ليبيا".into(),
        self_url: "http://m.test/feeds/libya.atom".into(),
        html_url: "http://m.test/".into(),
        next_url: Some("http://m.test/feeds/libya.atom?before=1.2".into()),
        hub_url: None,
        updated: DateTime::parse_from_rfc3339("2026-11-29T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc),
        base_url: "http://m.test".into(),
    }
}

#[test]
fn every_format_round_trips_through_feed_rs() {
    let mut a = item(1, "ليبيا: خبر أول");
    a.also = vec![AlsoReported {
        item_id: 7,
        source_id: "aj".into(),
        source_name: "الجزيرة".into(),
        url: Some("https://aj/7".into()),
        title: "نسخة".into(),
    }];
    let items = vec![a, item(2, "خبر ثان")];
    for (name, body) in [
        ("rss", rss(&info(), &items)),
        ("atom", atom(&info(), &items)),
        ("json", json(&info(), &items)),
    ] {
        let f = feed_rs::parser::parse(body.as_bytes())
            .unwrap_or_else(|e| panic!("{name}: {e}\n{body}"));
        assert_eq!(f.entries.len(), 2, "{name}");
        let e = &f.entries[0];
        assert_eq!(
            e.title.as_ref().unwrap().content,
            "ليبيا: خبر أول",
            "{name}"
        );
        assert_eq!(e.links[0].href, "https://alwasat.ly/news/1", "{name}");
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2026-11-29T08:00:00+00:00",
            "{name}"
        );
        assert_eq!(e.categories[0].term, "libya", "{name}");
        assert_eq!(
            e.authors.first().and_then(|a| a.name.as_deref()),
            Some("محرر"),
            "{name}"
        );
        if name != "rss" {
            // RSS has one <description>, which carries the content.
            assert_eq!(e.summary.as_ref().unwrap().content, "ملخص", "{name}");
        }
        let content = e
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .or_else(|| e.summary.as_ref().map(|s| s.content.clone()))
            .unwrap();
        assert!(
            content.starts_with("<div dir=\"rtl\" lang=\"ar\"><p>نص الخبر</p>"),
            "{name}: {content}"
        );
        assert!(
            content.contains("<a href=\"https://aj/7\">الجزيرة</a>"),
            "{name}"
        );
        if name != "rss" {
            assert_eq!(e.id, "http://m.test/items/1", "{name}");
        }
    }
    let atom_body = atom(&info(), &items);
    assert!(atom_body.contains("<link href=\"http://m.test/feeds/libya.atom\" rel=\"self\""));
    assert!(atom_body.contains("rel=\"next\""));
    assert!(atom_body.contains("type=\"html\""));
    let rss_body = rss(&info(), &items);
    assert!(rss_body.contains("<source url=\"https://alwasat.ly/rss\">بوابة الوسط</source>"));
    assert!(rss_body.contains("<guid isPermaLink=\"false\">http://m.test/items/1</guid>"));
    assert!(rss_body.contains("<dc:language>ar</dc:language>"));
}

#[test]
fn control_characters_never_reach_the_xml() {
    let mut bad = item(1, "ليبيا\u{0}\u{1b} اليوم\u{FFFF}");
    bad.content_html = "<p>نص\u{8}</p>".into();
    bad.source_name = "مصدر\u{c}".into();
    for body in [
        rss(&info(), std::slice::from_ref(&bad)),
        atom(&info(), std::slice::from_ref(&bad)),
    ] {
        assert!(
            !body
                .chars()
                .any(|c| (c < ' ' && !matches!(c, '\n' | '\r' | '\t')) || c == '\u{FFFF}')
        );
        let f = feed_rs::parser::parse(body.as_bytes()).unwrap();
        assert_eq!(f.entries[0].title.as_ref().unwrap().content, "ليبيا اليوم");
    }
}

#[test]
fn surrogate_like_bytes_in_a_feed_come_out_as_well_formed_xml() {
    // ED A0 80 is a UTF-16 surrogate encoded as UTF-8 (CESU-8): invalid UTF-8.
    let mut body =
        "<rss version=\"2.0\"><channel><title>T</title><item><guid>1</guid><title>ليبيا "
            .as_bytes()
            .to_vec();
    body.extend_from_slice(&[0xED, 0xA0, 0x80, 0x01]);
    body.extend_from_slice(
        "</title><description>نص</description></item></channel></rss>".as_bytes(),
    );
    let parsed = crate::parse::parse(&body, Some("text/xml; charset=utf-8"), None, None).unwrap();
    let clean = crate::clean::clean_entry(&parsed.entries[0], &crate::clean::Context::default());
    let mut it = item(1, &clean.title);
    it.content_html = clean.content_html;
    for body in [
        rss(&info(), std::slice::from_ref(&it)),
        atom(&info(), std::slice::from_ref(&it)),
    ] {
        let f = feed_rs::parser::parse(body.as_bytes()).unwrap();
        assert_eq!(
            f.entries[0].title.as_ref().unwrap().content,
            "ليبيا \u{FFFD}\u{FFFD}\u{FFFD}"
        );
    }
}

#[test]
fn opml_escapes_and_lists_every_outline() {
    let o = opml(
        "T & co",
        &[Outline {
            title: "ليبيا <1>".into(),
            xml_url: "http://m/f?a=1&b=2".into(),
            html_url: "http://m/".into(),
        }],
    );
    assert_eq!(
        o,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n<head><title>T &amp; co</title></head>\n<body>\n<outline type=\"rss\" text=\"ليبيا &lt;1&gt;\" title=\"ليبيا &lt;1&gt;\" xmlUrl=\"http://m/f?a=1&amp;b=2\" htmlUrl=\"http://m/\"/>\n</body>\n</opml>\n"
    );
}
