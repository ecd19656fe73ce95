//! Story de-duplication: the threshold measured on test data, and the end-to-end behaviour
//! of topic feeds with two sources carrying the same wire story.

use crate::common;

use common::*;
use marsad::clean::{Context, clean_entry};
use marsad::model::ParsedEntry;
use marsad::story::fingerprint::{SAME_STORY_MAX_DISTANCE, distance};

/// A fixture file: first line the title, then paragraphs separated by blank lines.
fn story(name: &str) -> (String, String) {
    let raw = std::fs::read_to_string(fixture(&format!("dedup/{name}"))).unwrap();
    let (title, body) = raw.split_once("\n\n").unwrap();
    let html: String = body
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", p.trim()))
        .collect();
    (title.to_string(), html)
}

fn seed() -> (String, String) {
    let text = std::fs::read_to_string(fixture("seed-article.clean.html")).unwrap();
    (
        "الانقلابي حفتر لا يعترف باتفاق الصخيرات الموقع بالمغرب و يدعو لإسقاطه".to_string(),
        text,
    )
}

fn fp(title: &str, html: &str) -> u128 {
    let e = ParsedEntry {
        title: Some(title.into()),
        content: Some(html.into()),
        ..ParsedEntry::default()
    };
    clean_entry(&e, &Context::default()).fingerprint
}

#[test]
fn dedup_threshold_separates_copies_from_different_stories() {
    let (st, sh) = seed();
    let seed_fp = fp(&st, &sh);
    let copies: Vec<(&str, u32)> = ["seed-republished.txt", "seed-trimmed.txt"]
        .iter()
        .map(|n| {
            let (t, h) = story(n);
            (*n, distance(seed_fp, fp(&t, &h)))
        })
        .collect();
    let mut long: Vec<(String, u128)> = vec![("seed".into(), seed_fp)];
    for n in ["libya-oil-same-day.txt", "libya-politics-same-day.txt"] {
        let (t, h) = story(n);
        long.push((n.into(), fp(&t, &h)));
    }
    // Every pair of different stories: the long fixtures and the 203 labeled items.
    let labeled: Vec<u128> = std::fs::read_to_string(fixture("topics/labeled.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            fp(
                v["title"].as_str().unwrap(),
                &format!("<p>{}</p>", v["text"].as_str().unwrap()),
            )
        })
        .collect();
    let mut different: Vec<u32> = Vec::new();
    for i in 0..long.len() {
        for j in i + 1..long.len() {
            different.push(distance(long[i].1, long[j].1));
        }
    }
    for i in 0..labeled.len() {
        for j in i + 1..labeled.len() {
            different.push(distance(labeled[i], labeled[j]));
        }
    }
    different.sort();
    let same_max = copies.iter().map(|c| c.1).max().unwrap();
    println!("same story: {copies:?}");
    println!(
        "different stories: {} pairs, min {}, 0.1% quantile {}, median {}",
        different.len(),
        different[0],
        different[different.len() / 1000],
        different[different.len() / 2]
    );
    println!("threshold {SAME_STORY_MAX_DISTANCE}");
    assert!(
        same_max <= SAME_STORY_MAX_DISTANCE,
        "a copy is {same_max} bits away"
    );
    assert!(
        different[0] > SAME_STORY_MAX_DISTANCE,
        "two different stories are only {} bits apart",
        different[0]
    );
}

fn rss_item(guid: &str, title: &str, html: &str, date: &str) -> String {
    format!(
        "<item><guid>{guid}</guid><title>{title}</title><link>https://{guid}.example/</link><pubDate>{date}</pubDate><description><![CDATA[{html}]]></description></item>"
    )
}

fn rss(items: &[String]) -> Vec<u8> {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>T</title><link>https://x.example/</link>{}</channel></rss>", items.concat()).into_bytes()
}

#[tokio::test]
async fn topic_feeds_show_a_republished_story_once_with_the_other_source_listed() {
    let (st, sh) = seed();
    let (rt, rh) = story("seed-republished.txt");
    let (ot, oh) = story("libya-oil-same-day.txt");
    let a = rss(&[rss_item("a1", &st, &sh, "Wed, 29 Apr 2020 10:00:00 GMT")]);
    let b = rss(&[
        rss_item("b1", &rt, &rh, "Wed, 29 Apr 2020 11:30:00 GMT"),
        rss_item("b2", &ot, &oh, "Wed, 29 Apr 2020 12:00:00 GMT"),
    ]);
    let server = FeedServer::start(vec![
        ("/a", serve_bytes(a, "application/rss+xml")),
        ("/b", serve_bytes(b, "application/rss+xml")),
    ])
    .await;
    let env = spawn_app()
        .source("wire-a", server.url("/a"))
        .source("wire-b", server.url("/b"))
        .open()
        .await;
    let (o, _) = env.fetch(false).await;
    assert!(o.iter().all(|o| o.ok), "{o:?}");
    let site = env.serve().await;
    let base = site.base.clone();
    let c = client();
    let get = |u: String| {
        let c = c.clone();
        async move {
            feed_rs::parser::parse(
                c.get(u)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await
                    .unwrap()
                    .as_ref(),
            )
            .unwrap()
        }
    };
    let f = get(format!("{base}/feeds/libya.atom")).await;
    let titles: Vec<String> = f
        .entries
        .iter()
        .map(|e| e.title.clone().unwrap().content)
        .collect();
    assert_eq!(
        titles,
        vec![ot.clone(), st.clone()],
        "the copy is folded into the earliest item"
    );
    let content = f.entries[1].content.as_ref().unwrap().body.clone().unwrap();
    assert!(
        content.ends_with(&format!("<p>نشرته أيضًا:</p><ul><li><a href=\"https://b1.example/\">مصدر wire-b</a>: {rt}</li></ul></div>")),
        "{content}"
    );
    let all = get(format!("{base}/feeds/libya.atom?dedup=false")).await;
    assert_eq!(all.entries.len(), 3);
    // A source's own feed always shows its items.
    assert_eq!(
        get(format!("{base}/sources/wire-b.atom"))
            .await
            .entries
            .len(),
        2
    );
}
