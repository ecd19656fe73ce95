//! HTTP fetching: one request per source with limits, conditional GET, redirects handled by
//! hand (to count them, catch loops and record permanent moves). Returns bytes and metadata;
//! knows nothing about XML.
//!
//! Scheduling (when to fetch next, backoff, jitter) is in [`schedule`], as pure functions.

mod limits;
pub mod schedule;

pub use limits::HostLimits;

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, redirect};
use url::Url;

use crate::config::FetchSettings;

/// Validators from the last successful fetch, for a conditional GET.
#[derive(Debug, Clone, Default)]
pub struct Validators {
    /// `ETag` to send as `If-None-Match`.
    pub etag: Option<String>,
    /// `Last-Modified` to send as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The URL the body finally came from (after redirects).
    pub final_url: Url,
    /// Status (200 family, or 304 with an empty body).
    pub status: u16,
    /// True for 304 Not Modified.
    pub not_modified: bool,
    /// `Content-Type` header.
    pub content_type: Option<String>,
    /// `Link` headers (WebSub discovery reads `rel="hub"` and `rel="self"` there).
    pub links: Vec<String>,
    /// New validators.
    pub validators: Validators,
    /// The body, decompressed, at most `max_body_bytes`.
    pub body: Vec<u8>,
    /// True when the body was longer than `max_body_bytes` and `body` holds its first
    /// `max_body_bytes` only (the parser's salvage pass keeps the complete items in it).
    pub truncated: bool,
    /// Freshness the server asked for (`Cache-Control: max-age`, `Expires`).
    pub fresh_for: Option<Duration>,
    /// Target of a permanent redirect (301/308) on the way, if any.
    pub moved_to: Option<Url>,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The server answered with an error status.
    #[error("HTTP {status}")]
    Status {
        /// The status.
        status: u16,
        /// `Retry-After`, when given (429/503).
        retry_after: Option<Duration>,
    },
    /// No answer in time.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Too many redirects, or a loop.
    #[error("redirect loop or more than {0} redirects")]
    TooManyRedirects(usize),
    /// A redirect without a usable `Location`.
    #[error("bad redirect: {0}")]
    BadRedirect(String),
    /// Connection, TLS, DNS or protocol error.
    #[error("request failed: {0}")]
    Transport(String),
}

impl FetchError {
    /// HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// `Retry-After` the server asked for.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// An HTTP client configured from `[fetch]`; cheap to clone.
#[derive(Clone, Debug)]
pub struct Fetcher {
    client: reqwest::Client,
    settings: FetchSettings,
}

impl Fetcher {
    /// Builds the client.
    pub fn new(settings: &FetchSettings) -> Result<Fetcher, FetchError> {
        // reqwest is built with rustls and no default crypto provider (ring builds faster
        // than aws-lc-rs); rustls panics at client build unless a provider is installed.
        // Installing twice is harmless: the second call returns Err and is ignored.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(&settings.user_agent)
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(redirect::Policy::none())
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        Ok(Fetcher {
            client,
            settings: settings.clone(),
        })
    }

    /// Fetches `url`, conditional on `validators`.
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> Result<Fetched, FetchError> {
        self.fetch_accepting(url, validators, FEED_TYPES).await
    }

    /// Fetches an article page: as [`Fetcher::fetch`] (same limits, timeouts and body cap),
    /// asking for HTML.
    pub async fn fetch_page(
        &self,
        url: &Url,
        validators: &Validators,
    ) -> Result<Fetched, FetchError> {
        self.fetch_accepting(url, validators, PAGE_TYPES).await
    }

    async fn fetch_accepting(
        &self,
        url: &Url,
        validators: &Validators,
        accept: &'static str,
    ) -> Result<Fetched, FetchError> {
        let mut current = url.clone();
        let mut visited = vec![current.clone()];
        let mut moved_to = None;
        let mut all_permanent = true;
        loop {
            let mut req = self
                .client
                .get(current.clone())
                .header(header::ACCEPT, accept);
            if let Some(etag) = &validators.etag {
                req = req.header(header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &validators.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
            let resp = req.send().await.map_err(|e| self.transport(e))?;
            let status = resp.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = resp
                    .headers()
                    .get(header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| FetchError::BadRedirect(format!("{status} without Location")))?;
                let next = current
                    .join(location)
                    .map_err(|e| FetchError::BadRedirect(format!("Location {location:?}: {e}")))?;
                let permanent = matches!(
                    status,
                    StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
                );
                all_permanent &= permanent;
                if visited.contains(&next) || visited.len() > self.settings.max_redirects {
                    return Err(FetchError::TooManyRedirects(self.settings.max_redirects));
                }
                // Only a chain of permanent redirects means the feed itself moved.
                if all_permanent {
                    moved_to = Some(next.clone());
                }
                visited.push(next.clone());
                current = next;
                continue;
            }
            let headers = resp.headers().clone();
            let new_validators = Validators {
                etag: header_str(&headers, header::ETAG),
                last_modified: header_str(&headers, header::LAST_MODIFIED),
            };
            let fresh_for = freshness(&headers, Utc::now());
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched {
                    final_url: current,
                    status: status.as_u16(),
                    not_modified: true,
                    content_type: None,
                    links: Vec::new(),
                    validators: new_validators,
                    body: Vec::new(),
                    truncated: false,
                    fresh_for,
                    moved_to,
                });
            }
            if !status.is_success() {
                return Err(FetchError::Status {
                    status: status.as_u16(),
                    retry_after: retry_after(&headers, Utc::now()),
                });
            }
            let (body, truncated) = self.read_capped(resp).await?;
            return Ok(Fetched {
                final_url: current,
                status: status.as_u16(),
                not_modified: false,
                content_type: header_str(&headers, header::CONTENT_TYPE),
                links: headers
                    .get_all(header::LINK)
                    .iter()
                    .filter_map(|v| v.to_str().ok().map(str::to_string))
                    .collect(),
                validators: new_validators,
                body,
                truncated,
                fresh_for,
                moved_to,
            });
        }
    }

    /// Reads the body chunk by chunk and stops at the limit, so a gzip bomb is cut off after
    /// `max_body_bytes` of output, never buffered whole. What came before the limit is kept
    /// (with `true`): a feed with one huge item still yields the complete items before it.
    async fn read_capped(
        &self,
        mut resp: reqwest::Response,
    ) -> Result<(Vec<u8>, bool), FetchError> {
        let limit = usize::try_from(self.settings.max_body_bytes).unwrap_or(usize::MAX);
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| self.transport(e))? {
            if body.len() + chunk.len() > limit {
                body.extend_from_slice(&chunk[..limit - body.len()]);
                return Ok((body, true));
            }
            body.extend_from_slice(&chunk);
        }
        Ok((body, false))
    }

    fn transport(&self, e: reqwest::Error) -> FetchError {
        if e.is_timeout() {
            FetchError::Timeout(self.settings.timeout)
        } else {
            // The chain holds the useful part ("connection refused", "dns error").
            let mut msg = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                msg = format!("{msg}: {s}");
                src = s.source();
            }
            FetchError::Transport(msg)
        }
    }
}

const FEED_TYPES: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";
const PAGE_TYPES: &str = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<String> {
    h.get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` as seconds or an HTTP date.
pub fn retry_after(h: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let v = h.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    (when - now).to_std().ok()
}

/// Freshness from `Cache-Control: max-age` (preferred) or `Expires`.
pub fn freshness(h: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    if let Some(cc) = h.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()) {
        for d in cc.split(',') {
            if let Some(v) = d.trim().strip_prefix("max-age=") {
                return v.trim().parse().ok().map(Duration::from_secs);
            }
        }
    }
    let exp = h.get(header::EXPIRES)?.to_str().ok()?;
    let when = DateTime::parse_from_rfc2822(exp).ok()?.with_timezone(&Utc);
    (when - now).to_std().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-29T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "120")]), now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after(
                &headers(&[("retry-after", "Sun, 29 Nov 2026 11:00:00 GMT")]),
                now()
            ),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "soon")]), now()),
            None
        );
        assert_eq!(retry_after(&headers(&[]), now()), None);
    }

    #[test]
    fn freshness_prefers_max_age_then_expires() {
        let h = headers(&[
            ("cache-control", "public, max-age=1800"),
            ("expires", "Sun, 29 Nov 2026 12:00:00 GMT"),
        ]);
        assert_eq!(freshness(&h, now()), Some(Duration::from_secs(1800)));
        let h = headers(&[("expires", "Sun, 29 Nov 2026 12:00:00 GMT")]);
        assert_eq!(freshness(&h, now()), Some(Duration::from_secs(7200)));
        let h = headers(&[("expires", "Sun, 29 Nov 2026 09:00:00 GMT")]);
        assert_eq!(
            freshness(&h, now()),
            None,
            "an expiry in the past is no hint"
        );
    }
}
