//! The hostile-feed corpus (`tests/fixtures/hostile/`, one table row per file) and the large
//! generated cases: what marsad recovers from the malformed feeds real sites send, the
//! warning it records, and that entity tricks and huge feeds stay bounded.
//!
//! [`CORPUS`] holds what `parse()` must give for every file; [`STORED`] what one fetch pass
//! must store for the truncated, bad-item and entity files (served on 127.0.0.1, fetched,
//! stored in a temp SQLite store). The cuts, the XXE files and the large cases have their
//! own tests.

use crate::common;

use common::*;
use marsad::model::ParsedFeed;
use marsad::parse::{MAX_BODY_BYTES, MAX_ITEMS, MAX_TITLE_CHARS, ParseError, parse};
use marsad::store::ItemQuery;

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture(&format!("hostile/{name}"))).unwrap()
}

fn guids(f: &ParsedFeed) -> Vec<&str> {
    f.entries
        .iter()
        .map(|e| e.guid.as_deref().unwrap())
        .collect()
}

fn titles(f: &ParsedFeed) -> Vec<&str> {
    f.entries
        .iter()
        .map(|e| e.title.as_deref().unwrap())
        .collect()
}

/// Serves each (path, body) on 127.0.0.1 as a source named after the path, runs one fetch
/// pass; returns the app, the feed server and the outcomes (by source id).
async fn ingest(
    feeds: Vec<(&'static str, Vec<u8>)>,
    fetch_extra: &str,
) -> (TestApp, FeedServer, Vec<marsad::pipeline::Outcome>) {
    let routes = feeds
        .iter()
        .map(|(p, b)| (*p, serve_bytes(b.clone(), "application/rss+xml")))
        .collect();
    let server = FeedServer::start(routes).await;
    let sources: Vec<(&str, String)> = feeds
        .iter()
        .map(|(p, _)| (&p[1..], server.url(p)))
        .collect();
    let e = spawn_app()
        .sources(&sources)
        .fetch_toml(fetch_extra)
        .open()
        .await;
    let (o, _) = e.fetch(false).await;
    (e, server, o)
}

/// A source's stored items in feed order.
async fn stored(e: &TestApp, source: &str) -> Vec<marsad::model::StoredItem> {
    let mut items = e
        .store
        .items(&ItemQuery {
            sources: vec![source.to_string()],
            dedup: false,
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap();
    items.sort_by_key(|i| i.id);
    items
}

async fn warnings(e: &TestApp, source: &str) -> Option<String> {
    e.store.source(source).await.unwrap().unwrap().warnings
}

// ---- the corpus: one row per fixture file ----

/// What `parse` must make of a fixture: the feed title, each entry as (guid, title, link,
/// summary or else content), and the warnings; or the error it must give.
#[derive(Debug, PartialEq)]
enum Parsed {
    Feed {
        title: &'static str,
        entries: &'static [(&'static str, &'static str, &'static str, &'static str)],
        warnings: &'static [&'static str],
    },
    Error(&'static str),
}

/// (what the row shows, fixture file in `tests/fixtures/hostile/`, what `parse` gives).
/// Every fixture has a row; `truncated`, the entity tricks, the repeated guids and the bad
/// JSON Feed and Atom entries are also stored end to end in [`STORED`].
// Skipped by rustfmt so each entry keeps to one line; it would split every tuple over four.
#[rustfmt::skip]
const CORPUS: &[(&str, &str, Parsed)] = &[
    (
        "unclosed <p> in raw HTML is wrapped in CDATA",
        "unclosed-p.xml",
        Parsed::Feed {
            title: "الوسط",
            entries: &[
                ("p-1", "طرابلس تستضيف مؤتمرا للمصالحة", "https://news.example/p-1", "<p>انطلق المؤتمر صباح اليوم.</p>"),
                ("p-2", "بنغازي تفتتح ميناءها الجديد", "https://news.example/p-2", "<p>افتتح الميناء بحضور المسؤولين.<p>وتبلغ طاقته مليون طن."),
                ("p-3", "مصراتة تحتفل بيوم المدينة", "https://news.example/p-3", "<p>احتفالات في الساحة.</p>"),
            ],
            warnings: &["malformed XML repaired: 1 elements with raw HTML wrapped in CDATA"],
        },
    ),
    (
        "an unclosed item is closed by the salvage",
        "unclosed-item.xml",
        Parsed::Feed {
            title: "الوسط",
            entries: &[
                ("i-1", "سبها تستقبل قافلة طبية", "https://news.example/i-1", "وصلت القافلة."),
                ("i-2", "غدامس تستعد لمهرجانها السنوي", "https://news.example/i-2", "المهرجان في ديسمبر."),
                ("i-3", "زوارة تطلق حملة نظافة", "https://news.example/i-3", "الحملة تستمر أسبوعا."),
            ],
            warnings: &["not a well-formed feed (unable to parse XML: Parser error: ill-formed document: expected `</item>`, but `</channel>` was found): 3 complete item(s) recovered one by one, 1 unclosed or stray tag(s) fixed"],
        },
    ),
    (
        "bare ampersands are escaped",
        "bare-ampersand.xml",
        Parsed::Feed {
            title: "أخبار الاقتصاد & المال",
            entries: &[
                ("a-1", "النفط & الغاز: ارتفاع الإنتاج", "https://news.example/a?id=1&cat=oil", "شركة الخليج & الواحة تعلن نتائجها."),
                ("a-2", "المصرف المركزي يصدر تقريره", "https://news.example/a-2", "التقرير الفصلي."),
            ],
            warnings: &["malformed XML repaired: 4 bare '&' escaped"],
        },
    ),
    (
        "HTML entities become their characters",
        "html-entities.xml",
        Parsed::Feed {
            title: "بوابة\u{a0}الوسط",
            entries: &[
                ("e-1", "الحكومة’s خطة\u{a0}جديدة…", "https://news.example/e-1", "قال الوزير\u{a0}«سنبدأ غدا»…"),
                ("e-2", "الطقس\u{a0}اليوم — أمطار", "https://news.example/e-2", "أمطار\u{a0}متفرقة."),
            ],
            warnings: &["malformed XML repaired: 11 HTML entities mapped"],
        },
    ),
    (
        "a BOM beats the wrong declared encoding",
        "bom-wrong-encoding.xml",
        Parsed::Feed {
            title: "ليبيا اليوم",
            entries: &[
                ("b-1", "درنة تعيد بناء جسورها", "https://news.example/b-1", "بدأت الأعمال."),
                ("b-2", "سرت تستضيف بطولة رياضية", "https://news.example/b-2", "البطولة الأسبوع المقبل."),
            ],
            warnings: &["byte order mark says UTF-8 but the XML declaration says windows-1256: UTF-8 used"],
        },
    ),
    (
        "a windows-1256 item inside a UTF-8 feed is read as windows-1256",
        "mixed-encodings.xml",
        Parsed::Feed {
            title: "الساعة 24",
            entries: &[
                ("m-1", "الكفرة تحصل على محطة كهرباء", "https://news.example/m-1", "المحطة تعمل بالطاقة الشمسية."),
                ("m-2", "البيضاء تحتفل بتخريج دفعة جديدة", "https://news.example/m-2", "تخرج مئتا طالب من الجامعة."),
                ("m-3", "الزاوية تفتتح مستشفى", "https://news.example/m-3", "المستشفى يضم مئة سرير."),
            ],
            warnings: &["10 word(s) in windows-1256 bytes inside UTF-8 text were decoded as windows-1256"],
        },
    ),
    (
        "NUL bytes and control characters are dropped",
        "control-chars.xml",
        Parsed::Feed {
            title: "المرصد",
            entries: &[
                ("c-1", "أخبار العاصمة", "https://news.example/c-1", "نص الخبر الأول."),
                ("c-2", "اجتماع المجلس", "https://news.example/c-2", "نص الخبر الثاني."),
            ],
            warnings: &["malformed XML repaired: 9 control characters dropped"],
        },
    ),
    (
        "a truncated document keeps its complete items",
        "truncated.xml",
        Parsed::Feed {
            title: "الوسط",
            entries: &[
                ("t-1", "الخبر الأول", "https://news.example/t-1", "نص أول."),
                ("t-2", "الخبر الثاني", "https://news.example/t-2", "نص ثان."),
                ("t-3", "الخبر الثالث", "https://news.example/t-3", "نص ثالث."),
            ],
            warnings: &["not a well-formed feed (unable to parse XML: Parser error: syntax error: tag not closed: `>` not found before end of input): 3 complete item(s) recovered one by one, 1 item(s) cut off by the end of the document dropped"],
        },
    ),
    (
        "billion laughs is not expanded",
        "billion-laughs.xml",
        Parsed::Feed {
            title: "ضحك &lol9;",
            entries: &[
                ("l-1", "خبر &lol9; عادي", "https://news.example/l-1", "نص &lol9;."),
                ("l-2", "خبر سليم", "https://news.example/l-2", "نص سليم."),
            ],
            warnings: &["malformed XML repaired: DOCTYPE with 10 entity declaration(s) removed, entities not expanded, 3 bare '&' escaped"],
        },
    ),
    (
        // The file's entities point at /etc/passwd and a DTD on port 9; the test
        // `external_entities_are_neither_read_nor_fetched` points them at files it watches.
        "external entities are left as text",
        "xxe.xml",
        Parsed::Feed {
            title: "مصدر",
            entries: &[
                ("x-1", "عنوان &xxe;", "https://news.example/x-1", "نص &xxe;."),
                ("x-2", "خبر سليم", "https://news.example/x-2", "نص سليم."),
            ],
            warnings: &["malformed XML repaired: DOCTYPE with 2 entity declaration(s) removed, entities not expanded, 2 bare '&' escaped"],
        },
    ),
    (
        "a lone less-than in a title is text",
        "unescaped-lt.xml",
        Parsed::Feed {
            title: "الاقتصاد",
            entries: &[
                ("lt-1", "سعر الدولار < 5 دنانير", "https://news.example/lt-1", "انخفض السعر."),
                ("lt-2", "التضخم <3% لأول مرة", "https://news.example/lt-2", "أرقام جديدة."),
            ],
            warnings: &["malformed XML repaired: 2 '<' in text escaped"],
        },
    ),
    (
        "an HTML page is a clear error",
        "html-page.html",
        Parsed::Error("this is an HTML page, not a feed (no RSS, Atom or JSON Feed root element)"),
    ),
    ("an empty body is a clear error", "empty.xml", Parsed::Error("empty body")),
    (
        "a repeated guid keeps the first item",
        "duplicate-guids.xml",
        Parsed::Feed {
            title: "الوسط",
            entries: &[
                ("d-1", "الخبر الأول", "https://news.example/d-1", "نص أول."),
                ("d-2", "الخبر الثاني", "https://news.example/d-2", "نص ثان."),
                ("d-3", "الخبر الثالث", "https://news.example/d-3", "نص ثالث."),
            ],
            warnings: &["1 item(s) repeating the guid of an earlier item dropped"],
        },
    ),
    (
        "one bad JSON Feed item drops only itself",
        "json-bad-item.json",
        Parsed::Feed {
            title: "جيسون نيوز",
            entries: &[
                ("j-1", "الخبر الأول", "https://news.example/j-1", "<p>نص أول.</p>"),
                ("j-3", "الخبر الثالث", "https://news.example/j-3", "نص ثالث."),
            ],
            warnings: &["not a well-formed feed (unable to parse JSON: invalid type: sequence, expected a string at line 8 column 63): 2 complete item(s) recovered one by one, 1 item(s) that could not be parsed dropped"],
        },
    ),
    (
        "a PHP warning before the XML is removed",
        "php-warning.xml",
        Parsed::Feed {
            title: "الوسط",
            entries: &[
                ("w-1", "الخبر الأول", "https://news.example/w-1", "نص أول."),
                ("w-2", "الخبر الثاني", "https://news.example/w-2", "نص ثان."),
            ],
            warnings: &["malformed XML repaired: 132 bytes of text before the XML removed"],
        },
    ),
    (
        "one Atom entry feed-rs refuses drops only itself",
        "atom-bad-entry.xml",
        Parsed::Feed {
            title: "أطلس",
            entries: &[
                ("urn:atlas:1", "الخبر الأول", "https://news.example/1", "<p>نص أول.</p>"),
                ("urn:atlas:3", "الخبر الثالث", "https://news.example/3", "<p>نص ثالث.</p>"),
            ],
            warnings: &["not a well-formed feed (unable to parse XML: Url error: invalid IPv6 address): 2 complete item(s) recovered one by one, 1 item(s) that could not be parsed dropped"],
        },
    ),
];

/// `parse` of a fixture (as fetched from `https://news.example/feed`), as a [`Parsed`] row.
/// The strings are leaked: a test process is short and this keeps rows comparable as is.
fn parsed_row(file: &str) -> Parsed {
    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }
    fn field(s: &Option<String>) -> &'static str {
        leak(s.clone().unwrap_or_else(|| "<none>".into()))
    }
    match parse(&bytes(file), None, None, Some("https://news.example/feed")) {
        Err(e) => Parsed::Error(leak(e.to_string())),
        Ok(f) => Parsed::Feed {
            title: field(&f.title),
            entries: Box::leak(
                f.entries
                    .iter()
                    .map(|e| {
                        let body = e.summary.clone().or_else(|| e.content.clone());
                        (
                            field(&e.guid),
                            field(&e.title),
                            field(&e.link),
                            field(&body),
                        )
                    })
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
            warnings: Box::leak(
                f.warnings
                    .into_iter()
                    .map(leak)
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
        },
    }
}

#[test]
fn every_hostile_fixture_parses_to_its_row() {
    let mut files: Vec<String> = std::fs::read_dir(fixture("hostile"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f != "README.md")
        .collect();
    files.sort();
    let mut rows: Vec<&str> = CORPUS.iter().map(|(_, file, _)| *file).collect();
    rows.sort();
    assert_eq!(files, rows, "one row per fixture file");

    let wrong: Vec<String> = CORPUS
        .iter()
        .filter_map(|(case, file, expected)| {
            let got = parsed_row(file);
            (got != *expected)
                .then(|| format!("{case} ({file}):\n  got  {got:?}\n  want {expected:?}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// (source id, fixture file, the source's stored feed title, its stored items as (guid,
/// title, text) in feed order, its stored warnings): what one fetch pass keeps of each
/// fixture served on 127.0.0.1 (the source's warnings are what `/api/sources` shows).
type StoredRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
    &'static str,
);

// Skipped by rustfmt so each entry keeps to one line; it would split every tuple over four.
#[rustfmt::skip]
const STORED: &[StoredRow] = &[
    (
        "cut",
        "truncated.xml",
        "الوسط",
        &[
            ("t-1", "الخبر الأول", "نص أول."),
            ("t-2", "الخبر الثاني", "نص ثان."),
            ("t-3", "الخبر الثالث", "نص ثالث."),
        ],
        "not a well-formed feed (unable to parse XML: Parser error: syntax error: tag not closed: `>` not found before end of input): 3 complete item(s) recovered one by one, 1 item(s) cut off by the end of the document dropped",
    ),
    (
        "lol",
        "billion-laughs.xml",
        "ضحك &lol9;",
        &[
            ("l-1", "خبر &lol9; عادي", "نص &lol9;."),
            ("l-2", "خبر سليم", "نص سليم."),
        ],
        "malformed XML repaired: DOCTYPE with 10 entity declaration(s) removed, entities not expanded, 3 bare '&' escaped",
    ),
    (
        "dup",
        "duplicate-guids.xml",
        "الوسط",
        &[
            ("d-1", "الخبر الأول", "نص أول."),
            ("d-2", "الخبر الثاني", "نص ثان."),
            ("d-3", "الخبر الثالث", "نص ثالث."),
        ],
        "1 item(s) repeating the guid of an earlier item dropped",
    ),
    (
        "json",
        "json-bad-item.json",
        "جيسون نيوز",
        &[
            ("j-1", "الخبر الأول", "نص أول."),
            ("j-3", "الخبر الثالث", "نص ثالث."),
        ],
        "not a well-formed feed (unable to parse JSON: invalid type: sequence, expected a string at line 8 column 63): 2 complete item(s) recovered one by one, 1 item(s) that could not be parsed dropped",
    ),
    (
        "atom",
        "atom-bad-entry.xml",
        "أطلس",
        &[
            ("urn:atlas:1", "الخبر الأول", "نص أول."),
            ("urn:atlas:3", "الخبر الثالث", "نص ثالث."),
        ],
        "not a well-formed feed (unable to parse XML: Url error: invalid IPv6 address): 2 complete item(s) recovered one by one, 1 item(s) that could not be parsed dropped",
    ),
];

/// The rows of [`STORED`] in one fetch pass, one source each: every complete item is
/// stored (cleaned), each source is fetched without error and keeps its warnings.
#[tokio::test]
async fn hostile_fixtures_are_stored_end_to_end_with_their_warnings() {
    let paths: Vec<&'static str> = STORED
        .iter()
        .map(|(id, ..)| &*Box::leak(format!("/{id}").into_boxed_str()))
        .collect();
    let feeds = STORED
        .iter()
        .zip(&paths)
        .map(|((_, file, ..), path)| (*path, bytes(file)))
        .collect();
    let (e, _s, _) = ingest(feeds, "").await;
    let mut wrong = Vec::new();
    for (id, file, title, items, warning) in STORED {
        let state = e.store.source(id).await.unwrap().unwrap();
        let got_items: Vec<(String, String, String)> = stored(&e, id)
            .await
            .into_iter()
            .map(|i| (i.guid, i.title, i.text))
            .collect();
        let want_items: Vec<(String, String, String)> = items
            .iter()
            .map(|(g, t, x)| (g.to_string(), t.to_string(), x.to_string()))
            .collect();
        let got = (
            state.error.as_deref(),
            state.feed_title.as_deref(),
            got_items,
            state.warnings.as_deref(),
        );
        let want = (None, Some(*title), want_items, Some(*warning));
        if got != want {
            wrong.push(format!("{id} ({file}):\n  got  {got:?}\n  want {want:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

// ---- cuts and entity tricks ----

/// Every cut of a well-formed feed: never a panic, and exactly the items whose `</item>`
/// lies before the cut are kept.
#[test]
fn every_cut_of_a_feed_keeps_exactly_the_items_complete_before_it() {
    let full = bytes("truncated.xml");
    let mut full = String::from_utf8(full).unwrap();
    full.push_str("…</description>\n</item>\n</channel>\n</rss>\n");
    let closes: Vec<usize> = full
        .match_indices("</item>")
        .map(|(p, _)| p + "</item>".len())
        .collect();
    assert_eq!(closes.len(), 4);
    let first_item = full.find("<item>").unwrap();
    let all = ["t-1", "t-2", "t-3", "t-4"];
    for cut in 0..=full.len() {
        let body = &full.as_bytes()[..cut];
        let complete = closes.iter().filter(|&&c| c <= cut).count();
        match parse(body, None, None, None) {
            Ok(f) => assert_eq!(guids(&f), all[..complete], "cut at {cut}"),
            Err(e) => assert!(
                complete == 0 && (cut <= first_item || matches!(e, ParseError::Invalid(_))),
                "cut at {cut}: {e}"
            ),
        }
    }
}

/// Every cut of each ingest seed (the dialect documents among them: Atom 0.3, RSS 0.90,
/// base64 text, items without link, no channel): no panic, and every item kept from a cut
/// document is one the whole document has. The dialect seeds are all under 1 KB and cut
/// at every byte; the one longer seed, a plain RSS 2.0 feed of 7 KB, at every 7th byte as
/// the hostile fixtures are: its prefixes would otherwise be most of the parses here.
#[test]
fn no_prefix_of_a_dialect_seed_makes_the_parser_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/ingest");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        let whole: Vec<Option<String>> = parse(&body, None, None, Some("https://s.example/f"))
            .map(|f| f.entries.into_iter().map(|e| e.title).collect())
            .unwrap_or_default();
        let step = if body.len() > 1024 { 7 } else { 1 };
        for cut in (0..body.len()).step_by(step) {
            if let Ok(f) = parse(&body[..cut], None, None, Some("https://s.example/f")) {
                for e in f.entries {
                    assert!(
                        whole.contains(&e.title) || e.title.is_none(),
                        "{}: cut at {cut} gave {:?}",
                        path.display(),
                        e.title
                    );
                }
            }
        }
    }
}

/// Every fixture cut at every 7th byte (not always a character boundary): no panic.
#[test]
fn no_fixture_prefix_makes_the_parser_panic() {
    for entry in std::fs::read_dir(fixture("hostile")).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        for cut in (0..body.len()).step_by(7) {
            let _ = parse(&body[..cut], None, None, None);
        }
    }
}

#[tokio::test]
async fn external_entities_are_neither_read_nor_fetched() {
    // A secret file and a DTD on the test server stand in for /etc/passwd and evil.dtd.
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-MARKER").unwrap();
    let dtd_hits: Handler = std::sync::Arc::new(|_, _| {
        axum::response::Response::new(axum::body::Body::from("<!ENTITY xxe \"DTD-MARKER\">"))
    });
    let dtd_server = FeedServer::start(vec![("/evil.dtd", dtd_hits)]).await;
    let body = String::from_utf8(bytes("xxe.xml"))
        .unwrap()
        .replace(
            "file:///etc/passwd",
            &format!("file://{}", secret.display()),
        )
        .replace("http://127.0.0.1:9/evil.dtd", &dtd_server.url("/evil.dtd"));
    let f = parse(body.as_bytes(), None, None, None).unwrap();
    assert_eq!(titles(&f), ["عنوان &xxe;", "خبر سليم"]);
    assert_eq!(
        f.warnings,
        [
            "malformed XML repaired: DOCTYPE with 2 entity declaration(s) removed, entities not expanded, 2 bare '&' escaped"
        ]
    );

    let (e, _s, o) = ingest(vec![("/xxe", body.into_bytes())], "").await;
    assert_eq!((o[0].ok, o[0].report.new), (true, 2));
    let items = stored(&e, "xxe").await;
    assert_eq!(
        items
            .iter()
            .map(|i| (i.title.as_str(), i.text.as_str()))
            .collect::<Vec<_>>(),
        [("عنوان &xxe;", "نص &xxe;."), ("خبر سليم", "نص سليم.")]
    );
    assert_eq!(
        dtd_server.hits("/evil.dtd"),
        0,
        "the external DTD was fetched"
    );
}

// ---- large generated cases (never committed) ----

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>كبير</title><link>https://news.example/</link>\n";

fn item(guid: &str, title: &str, description: &str) -> String {
    format!(
        "<item><guid>{guid}</guid><title>{title}</title><link>https://news.example/{guid}</link><description>{description}</description></item>\n"
    )
}

/// The text of the paragraphs of the big item (numbered: the cleaner drops repeated ones).
const PARA_TEXT: &str = "خبر طويل جدا عن الاقتصاد في المدينة اليوم";

/// A feed of a normal item, one item of 3 MiB (escaped HTML paragraphs, as feeds carry
/// bodies) and a normal item. 3 MiB is over both parse limits an item body meets (2 MiB of
/// XML text, then 1 MiB of HTML), which are what a larger item would hit too.
fn big_item_feed() -> Vec<u8> {
    let mut big = String::new();
    let mut i = 0;
    while big.len() < 3 * 1024 * 1024 {
        big.push_str(&format!("&lt;p&gt;{PARA_TEXT} {i}&lt;/p&gt;\n"));
        i += 1;
    }
    let mut s = String::from(HEAD);
    s.push_str(&item("big-1", "الخبر الأول", "نص أول."));
    s.push_str(&item("big-2", "الخبر الضخم", &big));
    s.push_str(&item("big-3", "الخبر الثالث", "نص ثالث."));
    s.push_str("</channel></rss>\n");
    assert!(s.len() > 3 * 1024 * 1024);
    s.into_bytes()
}

/// The fetch cap of the first end-to-end pass: past the 2 MiB text cut inside the big item,
/// short of its end, between two of its paragraphs (a cut inside `&lt;` would add a repair
/// of its own to the warnings). The default cap is 10 MiB: a body over it would cost this
/// test a 10 MiB feed to show the same cut.
fn fetch_cap(body: &[u8]) -> usize {
    let from = 2_621_440;
    from + body[from..]
        .windows(9)
        .position(|w| w == b"&lt;p&gt;")
        .unwrap()
}

#[tokio::test]
async fn a_huge_item_is_cut_and_the_rest_of_the_feed_stored() {
    let body = big_item_feed();
    let cap = fetch_cap(&body);
    assert!(body.len() > cap);
    // Direct: the item body is cut (first to 2 MiB of XML text, then to 1 MiB of HTML).
    let f = parse(&body, None, None, None).unwrap();
    assert_eq!(guids(&f), ["big-1", "big-2", "big-3"]);
    assert_eq!(f.entries[1].summary.as_ref().unwrap().len(), MAX_BODY_BYTES);
    assert_eq!(
        f.warnings,
        [
            "malformed XML repaired: 1 element text(s) over 2097152 bytes cut",
            "1 item content(s) or summary(ies) larger than 1048576 bytes cut"
        ]
    );

    // End to end. With a fetch cap inside the big item, only the body up to the cap is
    // read: the complete item before the huge one is stored, with a warning; the items
    // after it cannot be reached without reading the whole body. Under the default cap,
    // the feed is stored with the big item cut.
    let (e, _s, o) = ingest(
        vec![("/big", body.clone())],
        &format!("max_body_bytes = {cap}"),
    )
    .await;
    assert_eq!(
        (o[0].ok, o[0].error.as_deref(), o[0].report.new),
        (true, None, 1)
    );
    assert_eq!(
        stored(&e, "big")
            .await
            .iter()
            .map(|i| i.title.as_str())
            .collect::<Vec<_>>(),
        ["الخبر الأول"]
    );
    assert_eq!(
        warnings(&e, "big").await.unwrap(),
        format!(
            "malformed XML repaired: 1 element text(s) over 2097152 bytes cut; \
             not a well-formed feed (unable to parse XML: Parser error: syntax error: tag not \
             closed: `>` not found before end of input): 1 complete item(s) recovered one by \
             one, 1 item(s) cut off by the end of the document dropped; body larger than the \
             limit of {cap} bytes: only the first {cap} bytes were read"
        )
    );
    drop(e);

    let (e, _s, o) = ingest(vec![("/big", body)], "").await;
    assert_eq!((o[0].ok, o[0].report.new), (true, 3));
    let items = stored(&e, "big").await;
    assert_eq!(
        items.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
        ["الخبر الأول", "الخبر الضخم", "الخبر الثالث"]
    );
    // The cut body: the 11,906 paragraphs that fit whole in 1 MiB of HTML, then the
    // words of the one the cut fell in.
    let paras: Vec<&str> = items[1].text.split("\n\n").collect();
    assert_eq!(paras.len(), 11_907);
    assert!(
        paras[..11_906]
            .iter()
            .enumerate()
            .all(|(i, p)| *p == format!("{PARA_TEXT} {i}"))
    );
    assert_eq!(paras[11_906], "خبر طويل جدا عن الاقتصاد في");
    assert_eq!(items[2].text, "نص ثالث.");
    assert_eq!(
        warnings(&e, "big").await.as_deref(),
        Some(
            "malformed XML repaired: 1 element text(s) over 2097152 bytes cut; 1 item content(s) or summary(ies) larger than 1048576 bytes cut"
        )
    );
}

/// Twice the cap: the parser reads the first 5,000 items and cuts the document after them
/// (a larger feed only makes the scan for the cut longer).
#[tokio::test]
async fn a_feed_of_10000_items_stores_the_first_5000_with_a_warning() {
    let mut s = String::from(HEAD);
    for i in 0..10_000 {
        s.push_str(&format!(
            "<item><guid>n-{i}</guid><title>خبر رقم {i}</title></item>\n"
        ));
    }
    s.push_str("</channel></rss>\n");
    assert!(s.len() < 10 * 1024 * 1024, "under the default fetch cap");
    let (e, _s, o) = ingest(vec![("/many", s.into_bytes())], "").await;
    assert_eq!(
        (o[0].ok, o[0].report.seen, o[0].report.new),
        (true, MAX_ITEMS as u32, MAX_ITEMS as u32)
    );
    let items = stored(&e, "many").await;
    assert_eq!(items.len(), MAX_ITEMS);
    assert_eq!(
        (items[0].title.as_str(), items[MAX_ITEMS - 1].title.as_str()),
        ("خبر رقم 0", "خبر رقم 4999")
    );
    assert_eq!(
        warnings(&e, "many").await.as_deref(),
        Some("the feed has 10000 items: only the first 5000 were read")
    );
}

#[test]
fn a_json_feed_of_100000_items_keeps_the_first_5000() {
    let items: Vec<String> = (0..100_000)
        .map(|i| format!(r#"{{"id": "n-{i}", "title": "خبر رقم {i}", "content_text": "نص"}}"#))
        .collect();
    let body = format!(
        r#"{{"version": "https://jsonfeed.org/version/1.1", "title": "كبير", "items": [{}]}}"#,
        items.join(", ")
    );
    let f = parse(body.as_bytes(), None, None, None).unwrap();
    assert_eq!(f.entries.len(), MAX_ITEMS);
    assert_eq!(
        (titles(&f)[0], titles(&f)[MAX_ITEMS - 1]),
        ("خبر رقم 0", "خبر رقم 4999")
    );
    assert_eq!(
        f.warnings,
        ["the feed has 100000 items: only the first 5000 were read"]
    );
}

#[tokio::test]
async fn a_1_mb_title_is_cut_to_2000_characters() {
    let long = "عنوان ".repeat(1024 * 1024 / "عنوان ".len());
    let mut s = String::from(HEAD);
    s.push_str(&item("t-1", &long, "نص."));
    s.push_str(&item("t-2", "عنوان قصير", "نص."));
    s.push_str("</channel></rss>\n");
    let (e, _s, o) = ingest(vec![("/title", s.into_bytes())], "").await;
    assert_eq!((o[0].ok, o[0].report.new), (true, 2));
    let items = stored(&e, "title").await;
    let expected = format!("{}عن", "عنوان ".repeat(MAX_TITLE_CHARS / 6));
    assert_eq!(expected.chars().count(), MAX_TITLE_CHARS);
    assert_eq!(items[0].title, expected);
    assert_eq!(items[1].title, "عنوان قصير");
    assert_eq!(
        warnings(&e, "title").await.as_deref(),
        Some("1 title(s) or author name(s) longer than 2000 characters cut")
    );
}

#[test]
fn an_item_nested_100000_deep_drops_only_itself() {
    let mut s = String::from(HEAD);
    s.push_str(&format!(
        "<item><guid>deep</guid><title>عميق</title><x>{}{}</x></item>\n",
        "<y>".repeat(100_000),
        "</y>".repeat(100_000)
    ));
    s.push_str(&item("ok", "خبر سليم", "نص."));
    s.push_str("</channel></rss>\n");
    let f = parse(s.as_bytes(), None, None, None).unwrap();
    assert_eq!(guids(&f), ["ok"]);
    assert_eq!(
        f.warnings,
        [
            "not a well-formed feed (unable to parse XML: Parser error: document nests elements deeper than the supported limit of 65535): 1 complete item(s) recovered one by one, 1 item(s) that could not be parsed dropped"
        ]
    );
}

/// The forms of issue 18 end to end: served on 127.0.0.1, fetched, stored; the repairs and
/// fallbacks are in the source's warnings (what `/api/sources` and the fetch log show).
#[tokio::test]
async fn old_dialects_and_items_without_link_are_stored_with_their_warnings() {
    let atom03 = "<?xml version=\"1.0\"?>\n<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><title>قديم</title><link rel=\"alternate\" type=\"text/html\" href=\"https://old.example/\"/><modified>2026-11-29T08:00:00Z</modified>\
<entry><title>خبر أول</title><link rel=\"alternate\" type=\"text/html\" href=\"https://old.example/1\"/><id>tag:old.example,2026:1</id><issued>2026-11-29T08:00:00Z</issued><content type=\"text/html\" mode=\"escaped\">&lt;p&gt;نص أول.&lt;/p&gt;</content></entry>\
<entry><title>خبر ثان</title><link rel=\"alternate\" type=\"text/html\" href=\"https://old.example/2\"/><id>tag:old.example,2026:2</id><issued>2026-11-29T09:00:00Z</issued><content type=\"text/html\" mode=\"base64\">PHA+2YbYtSDYq9in2YYuPC9wPg==</content></entry></feed>";
    let rdf = "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" xmlns=\"http://purl.org/rss/1.0/\"><channel rdf:about=\"https://r.example/\"><title>R</title><link>https://r.example/</link></channel>\
<item rdf:about=\"https://r.example/a\"><title>بعنوان</title><description>نص أ.</description></item>\
<item rdf:about=\"urn:r:b\"><title>بلا رابط</title><description>نص ب.</description></item></rdf:RDF>";
    let (e, _s, o) = ingest(vec![("/old", atom03.into()), ("/rdf", rdf.into())], "").await;
    assert!(o.iter().all(|o| o.ok), "{o:?}");
    let old = stored(&e, "old").await;
    let got: Vec<_> = old
        .iter()
        .map(|i| (i.url.as_deref(), i.title.as_str(), i.text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Some("https://old.example/1"), "خبر أول", "نص أول."),
            (Some("https://old.example/2"), "خبر ثان", "نص ثان.")
        ]
    );
    assert_eq!(
        warnings(&e, "old").await.as_deref(),
        Some("Atom 0.3 read as Atom 1.0; 1 base64 text(s) decoded")
    );
    let rdf_items = stored(&e, "rdf").await;
    let got: Vec<_> = rdf_items
        .iter()
        .map(|i| (i.url.as_deref(), i.title.as_str()))
        .collect();
    assert_eq!(
        got,
        [(Some("https://r.example/a"), "بعنوان"), (None, "بلا رابط")]
    );
    assert!(rdf_items[1].guid.starts_with("marsad:content:"));
    assert_eq!(
        warnings(&e, "rdf").await.as_deref(),
        Some(
            "1 RSS 1.0 item(s) without link use their rdf:about as link; 1 item(s) without link kept, keyed by content"
        )
    );
}
