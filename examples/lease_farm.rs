//! A loopback farm of live feeds on many hosts, for `bench/multi.sh` (several `marsad serve`
//! instances sharing fetch work, issue 24).
//!
//! `lease_farm SOURCES HOSTS LOG` listens on 127.0.0.1 … 127.0.0.HOSTS (Linux routes all of
//! 127/8 to the loopback device, so each address is a host of its own to marsad's per-host
//! limit), each on a free port, and prints one `ADDRESS:PORT` line per host, then `ready`.
//! Source n is served by host n % HOSTS at `/feed/{n}.xml`.
//!
//! Every feed gains one item per wall-clock minute and shows its newest `WINDOW` items, with
//! stable guids (`farm-{n}-{minute}`) and Arabic text; a third of the items name Libya. Its
//! `ETag` names the minute, and a matching `If-None-Match` gets a 304, so only a second
//! fetch within the same minute is answered "not modified". Each answer is held back
//! 100–300 ms (as a remote server would), so fetches overlap and per-host limits bite.
//!
//! Every request is appended to LOG as one CSV line (header below), flushed each second,
//! and on SIGTERM/SIGINT; `LOG.hosts` gets each host's most requests in flight at once
//! (counted by the farm as requests start and end). A request whose client went away before
//! the answer was sent (an instance killed mid-fetch) is logged with status 0.

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::sync::mpsc;

/// Items each feed shows: its newest, one per minute.
const WINDOW: u64 = 10;

const HEADER: &str = "source,host,start_ms,end_ms,status,minute,in_flight,agent";

/// Words for generated text; no place name of Libya among them, so which items name it is
/// decided by [`item`] alone.
const WORDS: &[&str] = &[
    "الحكومة",
    "المجلس",
    "النواب",
    "الانتخابات",
    "النفط",
    "المؤسسة",
    "الوطنية",
    "البعثة",
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
    "الجامعة",
    "المستشفى",
    "الطريق",
    "المطار",
    "الميناء",
    "الصادرات",
    "الإنتاج",
    "الحقل",
    "الاجتماع",
    "الوزير",
    "الرئيس",
    "المتحدث",
    "البيان",
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
    "تونس",
    "مصر",
    "السودان",
    "الجزائر",
    "تشاد",
    "النيجر",
    "إيطاليا",
    "مالطا",
];

/// One host's state: its index and its requests in flight (now, and the most seen).
struct Host {
    index: usize,
    hosts: usize,
    sources: usize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    log: mpsc::UnboundedSender<String>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as u64
}

/// xorshift64 from a seed: the same text every run.
fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// Item `minute` of source `n`: the same bytes whenever it is served.
fn item(n: usize, minute: u64) -> String {
    let mut next = rng((n as u64) << 32 ^ minute);
    let mut words = |k: usize| -> String {
        (0..k)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(" ")
    };
    let libya = if minute.is_multiple_of(3) {
        "ليبيا "
    } else {
        ""
    };
    let title = format!("{libya}{} {minute}", words(7));
    let paras: String = (0..2).map(|_| format!("<p>{}.</p>", words(25))).collect();
    let date = chrono::DateTime::from_timestamp((minute * 60) as i64, 0)
        .expect("a date")
        .to_rfc2822();
    format!(
        "<item><title>{title}</title><link>http://farm.example/{n}/{minute}</link><guid isPermaLink=\"false\">farm-{n}-{minute}</guid><pubDate>{date}</pubDate><description><![CDATA[{paras}]]></description></item>"
    )
}

fn feed(n: usize, minute: u64) -> String {
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>مصدر {n}</title><link>http://farm.example/{n}/</link><language>ar</language>"
    );
    for m in (minute + 1 - WINDOW..=minute).rev() {
        out.push_str(&item(n, m));
    }
    out.push_str("</channel></rss>");
    out
}

/// Counts a request in flight until dropped, and logs it then: when the answer is ready,
/// or when the client went away and the handler was dropped (status 0).
struct InFlight {
    host: Arc<Host>,
    source: usize,
    start: u64,
    in_flight: usize,
    status: u16,
    minute: u64,
    agent: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.host.in_flight.fetch_sub(1, Ordering::SeqCst);
        let _ = self.host.log.send(format!(
            "{},{},{},{},{},{},{},{}",
            self.source,
            self.host.index,
            self.start,
            now_ms(),
            self.status,
            self.minute,
            self.in_flight,
            self.agent.replace(',', " ")
        ));
    }
}

async fn serve_feed(
    State(host): State<Arc<Host>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let start = now_ms();
    let in_flight = host.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    host.max_in_flight.fetch_max(in_flight, Ordering::SeqCst);
    let source = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < host.sources && n % host.hosts == host.index);
    let mut guard = InFlight {
        host: host.clone(),
        source: source.unwrap_or(usize::MAX),
        start,
        in_flight,
        status: 0,
        minute: start / 60_000,
        agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string(),
    };
    // 100–300 ms, varied per request.
    let delay = 100 + (rng(start ^ (guard.source as u64) << 20)() % 201);
    tokio::time::sleep(Duration::from_millis(delay)).await;
    let Some(n) = source else {
        guard.status = 404;
        return StatusCode::NOT_FOUND.into_response();
    };
    // The minute when the answer leaves, which is what the client sees.
    let minute = now_ms() / 60_000;
    guard.minute = minute;
    let etag = format!("\"{n}-{minute}\"");
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        guard.status = 304;
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    guard.status = 200;
    (
        [
            (header::ETAG, etag),
            (
                header::CONTENT_TYPE,
                "application/rss+xml; charset=utf-8".to_string(),
            ),
        ],
        feed(n, minute),
    )
        .into_response()
}

fn write_hosts(path: &str, hosts: &[Arc<Host>]) {
    let text: String = std::iter::once("host,max_in_flight\n".to_string())
        .chain(
            hosts
                .iter()
                .map(|h| format!("{},{}\n", h.index, h.max_in_flight.load(Ordering::SeqCst))),
        )
        .collect();
    std::fs::write(format!("{path}.hosts"), text).expect("write the hosts file");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sources: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(3000);
    let n_hosts: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(30);
    let path = args.get(3).cloned().unwrap_or_else(|| "farm.csv".into());
    assert!((1..=254).contains(&n_hosts), "HOSTS must be 1..=254");
    let (tx, mut rx) = mpsc::unbounded_channel::<String>();
    let mut hosts = Vec::new();
    let mut addrs = Vec::new();
    for index in 0..n_hosts {
        let host = Arc::new(Host {
            index,
            hosts: n_hosts,
            sources,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            log: tx.clone(),
        });
        let ip = format!("127.0.0.{}", index + 1);
        let listener = tokio::net::TcpListener::bind((ip.as_str(), 0))
            .await
            .unwrap_or_else(|e| panic!("cannot listen on {ip}: {e}"));
        addrs.push(listener.local_addr().expect("local address"));
        let app = axum::Router::new()
            .route("/feed/{file}", axum::routing::get(serve_feed))
            .with_state(host.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        hosts.push(host);
    }
    drop(tx);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create the log"));
    writeln!(out, "{HEADER}").expect("write the log");
    out.flush().expect("write the log");
    for a in &addrs {
        println!("{a}");
    }
    println!("ready");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            line = rx.recv() => match line {
                Some(line) => writeln!(out, "{line}").expect("write the log"),
                None => break,
            },
            _ = tick.tick() => {
                out.flush().expect("write the log");
                write_hosts(&path, &hosts);
            }
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    while let Ok(line) = rx.try_recv() {
        writeln!(out, "{line}").expect("write the log");
    }
    out.flush().expect("write the log");
    write_hosts(&path, &hosts);
}
