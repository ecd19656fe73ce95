//! A loopback server with many distinct Arabic RSS feeds, for `bench/fetch.sh`.
//!
//! `feed_farm FEEDS ITEMS` listens on 127.0.0.1 (a free port, printed on stdout) and serves
//! `/feed/{n}.xml` for n in 0..FEEDS, each with ITEMS items of ~1.5 KB of Arabic text, an
//! `ETag`, and 304 answers to a matching `If-None-Match`. Content is generated from a fixed
//! seed, so every run serves the same bytes.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;

const WORDS: &[&str] = &[
    "ليبيا",
    "طرابلس",
    "بنغازي",
    "الحكومة",
    "المجلس",
    "النواب",
    "الانتخابات",
    "النفط",
    "المؤسسة",
    "الوطنية",
    "مصراتة",
    "سبها",
    "الجنوب",
    "الشرق",
    "الغرب",
    "البعثة",
    "الأممية",
    "الحوار",
    "السياسي",
    "الاقتصاد",
    "المصرف",
    "المركزي",
    "الدينار",
    "الأسعار",
    "المواطنين",
    "الكهرباء",
    "المياه",
    "الصحة",
    "التعليم",
    "الطلاب",
    "الجامعة",
    "المستشفى",
    "الطريق",
    "المطار",
    "الميناء",
    "الصادرات",
    "الإنتاج",
    "الحقل",
    "البرميل",
    "الاجتماع",
    "الوزير",
    "الرئيس",
    "المتحدث",
    "البيان",
    "الأربعاء",
    "الخميس",
    "أمس",
    "اليوم",
    "قال",
    "أعلن",
    "أكد",
    "أوضح",
    "دعا",
    "رفض",
    "وافق",
    "في",
    "من",
    "إلى",
    "على",
    "مع",
    "بعد",
    "قبل",
    "خلال",
    "بين",
    "حول",
    "ضد",
    "عن",
    "تونس",
    "مصر",
    "السودان",
    "الجزائر",
    "تشاد",
    "النيجر",
    "أوروبا",
    "إيطاليا",
    "مالطا",
    "المهاجرين",
    "القارب",
];

struct Farm {
    feeds: Vec<(String, String)>, // (etag, body)
}

fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

fn feed(n: usize, items: usize) -> String {
    let mut next = rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let mut words = |k: usize| -> String {
        (0..k)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>مصدر {n}</title><link>http://farm.example/{n}/</link><language>ar</language>"
    );
    for i in 0..items {
        let title = words(8);
        let paras: String = (0..4).map(|_| format!("<p>{}.</p>", words(30))).collect();
        // Dates spread over 30 days, as a first fetch of a real feed backlog would be.
        let day = 1 + (n * 7 + i * 13) % 28;
        let hour = (n + i) % 24;
        out.push_str(&format!(
            "<item><title>{title}</title><link>http://farm.example/{n}/{i}</link><guid>farm-{n}-{i}</guid><pubDate>{:02} Nov 2026 {hour:02}:00:00 GMT</pubDate><description><![CDATA[{paras}]]></description></item>",
            day
        ));
    }
    out.push_str("</channel></rss>");
    out
}

async fn serve_feed(
    State(farm): State<Arc<Farm>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> impl IntoResponse {
    let Some(n) = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < farm.feeds.len())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let (etag, body) = &farm.feeds[n];
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag.clone())]).into_response();
    }
    (
        [
            (header::ETAG, etag.clone()),
            (
                header::CONTENT_TYPE,
                "application/rss+xml; charset=utf-8".to_string(),
            ),
        ],
        body.clone(),
    )
        .into_response()
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let feeds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let items: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50);
    let farm = Arc::new(Farm {
        feeds: (0..feeds)
            .map(|n| (format!("\"farm-{n}\""), feed(n, items)))
            .collect(),
    });
    let app = axum::Router::new()
        .route("/feed/{file}", axum::routing::get(serve_feed))
        .with_state(farm);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{}", listener.local_addr().unwrap());
    axum::serve(listener, app).await.unwrap();
}
