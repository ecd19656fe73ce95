//! `marsad sources add/remove/enable/disable/import-opml/export-opml` edit sources.toml and
//! keep the admin's comments and layout.

use crate::common;

use common::*;

const HAND_WRITTEN: &str = r#"# Our sources: edited by hand and by `marsad sources`.

# Libya first
[[sources]]
id = "wasat"          # Al-Wasat, Benghazi
name = "بوابة الوسط"
url = "http://127.0.0.1:9/wasat.xml"
interval = "30m"

[[sources]]
id = "old"
name = "قديم"
url = "http://127.0.0.1:9/old.xml"
"#;

fn out(o: CliOutput) -> (i32, String, String) {
    (o.code, o.stdout, o.stderr)
}

fn setup() -> AppFiles {
    spawn_app().sources_toml(HAND_WRITTEN).files()
}

#[tokio::test]
async fn edits_keep_comments_and_layout() {
    let feed = std::fs::read(fixture("seed-feed.xml")).unwrap();
    let server = FeedServer::start(vec![(
        "/feed.xml",
        serve_bytes(feed, "application/rss+xml"),
    )])
    .await;
    let app = setup();
    let url = server.url("/feed.xml");
    let results = [
        out(app.run(&["sources", "disable", "wasat"]).await),
        out(app.run(&["sources", "remove", "old"]).await),
        out(app
            .run(&[
                "sources",
                "add",
                &url,
                "--interval",
                "20m",
                "--place",
                "لبنان",
            ])
            .await),
        out(app.run(&["sources", "add", &url]).await),
        out(app.run(&["sources", "remove", "nope"]).await),
    ];
    let sources = app.dir.join("sources.toml");
    assert_eq!(results[0], (0, "disabled wasat\n".into(), String::new()));
    assert_eq!(results[1], (0, "removed old\n".into(), String::new()));
    assert_eq!(
        results[2],
        (
            0,
            "added 127-0-0-1 (موقع أخبار تجريبي, 2 entries, language ar, place لبنان)\n".into(),
            String::new()
        )
    );
    assert_eq!(
        results[3],
        (
            1,
            String::new(),
            format!("{}: {url} is already a source\n", sources.display())
        )
    );
    assert_eq!(
        results[4],
        (
            1,
            String::new(),
            format!("{}: no source with id \"nope\"\n", sources.display())
        )
    );
    assert_eq!(
        std::fs::read_to_string(&sources).unwrap(),
        format!(
            r#"# Our sources: edited by hand and by `marsad sources`.

# Libya first
[[sources]]
id = "wasat"          # Al-Wasat, Benghazi
name = "بوابة الوسط"
url = "http://127.0.0.1:9/wasat.xml"
interval = "30m"
enabled = false

[[sources]]
id = "127-0-0-1"
name = "موقع أخبار تجريبي"
url = "{url}"
interval = "20m"
place = "لبنان"
"#
        )
    );
    // The result is a valid config, and enabling removes the key again.
    assert_eq!(app.run(&["check"]).await.code, 0);
    assert_eq!(app.run(&["sources", "enable", "wasat"]).await.code, 0);
    assert!(
        !std::fs::read_to_string(&sources)
            .unwrap()
            .contains("enabled")
    );
}

/// An RSS feed of labeled eval items (real published leads), by id.
fn feed_of(ids: &[&str]) -> Vec<u8> {
    let mut items = String::new();
    for id in ids {
        let topic = match &id[..2] {
            "eg" => "egypt",
            "ly" => "libya",
            "tn" => "tunisia",
            other => panic!("no set for {other}"),
        };
        let set = std::fs::read_to_string(fixture(&format!("topics/eval/{topic}.jsonl"))).unwrap();
        let line = set
            .lines()
            .find(|l| l.contains(&format!("\"id\": \"{id}\"")))
            .unwrap_or_else(|| panic!("{id} not in the {topic} set"));
        let it: serde_json::Value = serde_json::from_str(line).unwrap();
        items.push_str(&format!(
            "<item><title><![CDATA[{}]]></title><link>http://example.com/{id}</link><description><![CDATA[{}]]></description></item>",
            it["title"].as_str().unwrap(),
            it["text"].as_str().unwrap()
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>أخبار</title><link>http://example.com/</link><description>d</description>{items}</channel></rss>"#
    )
    .into_bytes()
}

#[tokio::test]
async fn adding_a_national_outlet_without_a_place_suggests_one() {
    // Six Egyptian stories and one Libyan: a national paper's feed.
    let egyptian = [
        "eg-235", "eg-237", "eg-238", "eg-247", "eg-250", "eg-215", "ly-236",
    ];
    // Three countries' stories: a pan-Arab feed.
    let mixed = ["eg-235", "eg-238", "tn-236", "tn-237", "ly-235", "ly-236"];
    let server = FeedServer::start(vec![
        (
            "/eg.xml",
            serve_bytes(feed_of(&egyptian), "application/rss+xml"),
        ),
        (
            "/mixed.xml",
            serve_bytes(feed_of(&mixed), "application/rss+xml"),
        ),
        (
            "/placed.xml",
            serve_bytes(feed_of(&egyptian), "application/rss+xml"),
        ),
    ])
    .await;
    let app = setup();
    let eg = out(app
        .run(&["sources", "add", &server.url("/eg.xml"), "--id", "eg"])
        .await);
    assert_eq!(
        eg,
        (
            0,
            "added eg (أخبار, 7 entries, language ar)\n\
             hint: 6 of its 7 entries about a country are about مصر alone; if it is a national \
             outlet, add place = \"مصر\" to its entry in sources.toml so that its home news (a \
             minister, prices in the local currency) counts for egypt\n"
                .into(),
            String::new()
        )
    );
    let mixed = out(app
        .run(&["sources", "add", &server.url("/mixed.xml"), "--id", "mixed"])
        .await);
    assert_eq!(
        mixed,
        (
            0,
            "added mixed (أخبار, 6 entries, language ar)\n".into(),
            String::new()
        )
    );
    // Given a place, nothing to suggest.
    let placed = out(app
        .run(&[
            "sources",
            "add",
            &server.url("/placed.xml"),
            "--id",
            "placed",
            "--place",
            "مصر",
        ])
        .await);
    assert_eq!(
        placed,
        (
            0,
            "added placed (أخبار, 7 entries, language ar, place مصر)\n".into(),
            String::new()
        )
    );
}

#[test]
fn opml_import_flattens_folders_and_skips_duplicates() {
    let app = setup();
    let opml = app.dir.join("feeds.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>export</title></head><body>
  <outline text="ليبيا">
    <outline type="rss" text="الوسط" xmlUrl="https://127.0.0.1:9/wasat.xml"/>
    <outline text="محلي">
      <outline type="rss" text="Libya Observer &amp; co" title="ليبيا أوبزرفر" xmlUrl="https://www.libyaobserver.ly/ar/rss?utm_source=x"/>
    </outline>
  </outline>
  <outline type="rss" text="BBC عربي" xmlUrl="https://feeds.bbci.co.uk/arabic/rss.xml"/>
  <outline text="no feed here"/>
</body></opml>"#,
    )
    .unwrap();
    let (code, stdout, stderr) = out(app.cli(
        // Unchecked: these are real sites' feeds, and tests never reach the internet.
        &[
            "sources",
            "import-opml",
            "--no-check",
            opml.to_str().unwrap(),
        ],
    ));
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        stdout,
        "imported 2 sources (libyaobserver-ly, bbci-co-uk), skipped 1 already present\n"
    );
    let (code, exported, _) = out(app.cli(&["sources", "export-opml"]));
    assert_eq!(code, 0);
    let urls: Vec<String> = marsad::config::edit::parse_opml(&exported)
        .unwrap()
        .into_iter()
        .map(|f| f.xml_url)
        .collect();
    assert_eq!(
        urls,
        vec![
            "http://127.0.0.1:9/wasat.xml",
            "http://127.0.0.1:9/old.xml",
            "https://www.libyaobserver.ly/ar/rss?utm_source=x",
            "https://feeds.bbci.co.uk/arabic/rss.xml"
        ]
    );
}
