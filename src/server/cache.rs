//! Rendered feeds, kept in memory per request URL with their gzip and brotli forms, and the HTTP
//! caching headers (`ETag`, `Last-Modified`, `Cache-Control`, 304s).
//!
//! An entry is valid while the store's generation is unchanged: any committed change to
//! items or tags makes every entry stale, and a config reload clears the cache. The
//! compressed bodies are made once per entry, not per request.

use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// Entries beyond this are dropped all at once (feeds are cheap to render again; a
/// crawler walking every `before=` cursor must not grow memory without bound).
const MAX_ENTRIES: usize = 2_000;
/// The same for the bytes held (body, gzip and brotli): 2,000 feeds of 500 items would
/// otherwise hold gigabytes, and every `since=` or `limit=` value is a new entry.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// One rendered feed. The gzip and brotli bodies are made on the first request that accepts
/// them, once per entry: under ingest an entry may be replaced many times a second, and most
/// clients want only one encoding.
#[derive(Debug)]
pub struct Cached {
    generation: u64,
    body: Bytes,
    gzip: OnceLock<Bytes>,
    brotli: OnceLock<Bytes>,
    etag: String,
    last_modified: String,
    content_type: &'static str,
    max_age: u64,
}

impl Cached {
    /// Bytes the entry may hold: its body and room for both compressed bodies (neither is
    /// larger than the body, give or take a header), so the cache's bound holds whichever
    /// encodings are made later.
    pub fn size(&self) -> usize {
        3 * self.body.len()
    }

    /// Renders the validators of `body`.
    pub fn new(
        generation: u64,
        body: String,
        content_type: &'static str,
        updated: DateTime<Utc>,
        max_age: u64,
    ) -> Cached {
        let etag = format!(
            "\"{:016x}-{:x}\"",
            crate::model::stable_hash(body.as_bytes()),
            body.len()
        );
        Cached {
            generation,
            body: Bytes::from(body),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
            etag,
            last_modified: updated.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
            content_type,
            max_age,
        }
    }

    fn gzip(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                let mut gz = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.body.len() / 4),
                    flate2::Compression::default(),
                );
                gz.write_all(&self.body)
                    .expect("writing to a Vec cannot fail");
                Bytes::from(gz.finish().expect("writing to a Vec cannot fail"))
            })
            .clone()
    }

    fn brotli(&self) -> Bytes {
        self.brotli
            .get_or_init(|| {
                // Quality 5: most of brotli's gain on text at a fraction of the time of 11.
                let mut br = Vec::with_capacity(self.body.len() / 4);
                {
                    let mut w = brotli::CompressorWriter::new(&mut br, 4096, 5, 22);
                    w.write_all(&self.body)
                        .expect("writing to a Vec cannot fail");
                }
                Bytes::from(br)
            })
            .clone()
    }

    /// The response for a request: 304 on a matching validator, gzip when accepted.
    pub fn respond(&self, req: &HeaderMap) -> Response {
        let inm = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
        let ims = req
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok());
        let tagged = |suffix: &str| format!("{}-{suffix}\"", self.etag.trim_end_matches('"'));
        let (gzip_etag, br_etag) = (tagged("gz"), tagged("br"));
        let not_modified = match (inm, ims) {
            (Some(inm), _) => inm
                .split(',')
                .map(str::trim)
                .any(|t| t == self.etag || t == gzip_etag || t == br_etag || t == "*"),
            (None, Some(ims)) => DateTime::parse_from_rfc2822(&self.last_modified)
                .is_ok_and(|lm| lm.timestamp() <= ims.timestamp()),
            _ => false,
        };
        let encoding = if accepts(req, "br") {
            Some("br")
        } else if accepts(req, "gzip") {
            Some("gzip")
        } else {
            None
        };
        let mut h = HeaderMap::new();
        let etag = match encoding {
            Some("br") => &br_etag,
            Some(_) => &gzip_etag,
            None => &self.etag,
        };
        h.insert(
            header::ETAG,
            HeaderValue::from_str(etag).expect("hex is a valid header"),
        );
        h.insert(
            header::LAST_MODIFIED,
            HeaderValue::from_str(&self.last_modified).expect("ascii date"),
        );
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_str(&format!("public, max-age={}", self.max_age)).expect("ascii"),
        );
        h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        if not_modified {
            return (StatusCode::NOT_MODIFIED, h).into_response();
        }
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        let body = match encoding {
            Some("br") => self.brotli(),
            Some(_) => self.gzip(),
            None => self.body.clone(),
        };
        if let Some(e) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        (StatusCode::OK, h, body).into_response()
    }
}

/// Whether `Accept-Encoding` allows `coding` (by name or `*`, without `q=0`).
fn accepts(req: &HeaderMap, coding: &str) -> bool {
    req.get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',').any(|part| {
                let mut it = part.split(';');
                let name = it.next().unwrap_or("").trim();
                let q_zero = it.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
                (name.eq_ignore_ascii_case(coding) || name == "*") && !q_zero
            })
        })
}

/// The cache of rendered feeds. A `std` mutex: held only for a map lookup or insert,
/// never across an `.await`.
#[derive(Clone, Debug)]
pub struct FeedCache {
    entries: Arc<Mutex<Entries>>,
    /// Renders at once: one per core. Under ingest every commit makes entries stale; 256
    /// clients missing at once must not render the same feed 256 times over, starving the
    /// runtime. Waiting renders look in the cache again once they get a permit.
    renders: Arc<tokio::sync::Semaphore>,
}

impl Default for FeedCache {
    fn default() -> FeedCache {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        FeedCache {
            entries: Arc::default(),
            renders: Arc::new(tokio::sync::Semaphore::new(cores)),
        }
    }
}

#[derive(Default, Debug)]
struct Entries {
    map: HashMap<String, Arc<Cached>>,
    bytes: usize,
}

impl FeedCache {
    /// The entry for `key` if it was rendered at `generation`.
    pub fn get(&self, key: &str, generation: u64) -> Option<Arc<Cached>> {
        let e = self.entries.lock().expect("cache lock");
        e.map
            .get(key)
            .filter(|c| c.generation == generation)
            .cloned()
    }

    /// A permit to render; held while rendering.
    pub async fn render_permit(&self) -> tokio::sync::SemaphorePermit<'_> {
        self.renders.acquire().await.expect("never closed")
    }

    /// Stores an entry (dropping every entry first when it would pass a bound).
    pub fn put(&self, key: String, c: Arc<Cached>) {
        let mut e = self.entries.lock().expect("cache lock");
        if let Some(old) = e.map.remove(&key) {
            e.bytes -= old.size();
        }
        if e.map.len() >= MAX_ENTRIES || e.bytes + c.size() > MAX_BYTES {
            e.map.clear();
            e.bytes = 0;
        }
        e.bytes += c.size();
        e.map.insert(key, c);
    }

    /// Drops everything (after a config reload).
    pub fn clear(&self) {
        let mut e = self.entries.lock().expect("cache lock");
        e.map.clear();
        e.bytes = 0;
    }

    /// (entries, bytes) held.
    pub fn usage(&self) -> (usize, usize) {
        let e = self.entries.lock().expect("cache lock");
        (e.map.len(), e.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_encoding_is_chosen_only_when_accepted() {
        let h = |v: &'static str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            m
        };
        assert!(accepts(&h("gzip, deflate, br"), "gzip"));
        assert!(accepts(&h("br;q=1.0, gzip;q=0.8"), "br"));
        assert!(!accepts(&h("gzip;q=0"), "gzip"));
        assert!(!accepts(&h("br"), "gzip"));
        assert!(accepts(&h("*"), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    fn entry(len: usize) -> Arc<Cached> {
        // Bytes that do not compress, so the entry's size is known: body + gzip + brotli.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let body: String = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from(b'!' + (x % 90) as u8)
            })
            .collect();
        Arc::new(Cached::new(1, body, "text/plain", DateTime::UNIX_EPOCH, 60))
    }

    #[test]
    fn the_cache_holds_at_most_max_bytes() {
        let cache = FeedCache::default();
        let one = entry(4 * 1024 * 1024);
        let size = one.size();
        assert!(size > 2 * 4 * 1024 * 1024, "barely compressible: {size}");
        let fits = MAX_BYTES / size;
        for i in 0..fits {
            cache.put(format!("/feeds/{i}"), one.clone());
        }
        assert_eq!(cache.usage(), (fits, fits * size));
        // Replacing an entry does not count it twice.
        cache.put("/feeds/0".into(), one.clone());
        assert_eq!(cache.usage(), (fits, fits * size));
        // One more would pass the bound: everything goes, then the new entry is stored.
        cache.put("/feeds/next".into(), one.clone());
        assert_eq!(cache.usage(), (1, size));
        assert!(cache.get("/feeds/next", 1).is_some());
        assert!(cache.get("/feeds/1", 1).is_none());
    }
}
