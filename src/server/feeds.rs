//! The feeds: a topic's or a source's items as RSS, Atom or JSON Feed (cached, with
//! conditional answers and `rel="next"` paging), and the OPML lists of feeds.

use std::sync::Arc;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};

use super::cache::Cached;
use super::error::ServerError;
use super::query::{Format, find_topic, parse_query, split_file};
use super::state::AppState;
use crate::config::Config;
use crate::publish::{self, FeedInfo, FeedOf, Outline};
use crate::store::ItemQuery;

pub(super) async fn topic_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let (slug, format) = split_file(&file)?;
    let cfg = st.config();
    let (mut q, kept) = parse_query(raw.as_deref(), &cfg)?;
    let of = if slug == "all" {
        FeedOf::All
    } else {
        let t = find_topic(&cfg, slug)?;
        q.topics.push(t.slug.clone());
        FeedOf::Topic(t.slug.clone())
    };
    let (title, description) = of.heading(&cfg, "").expect("the topic was found");
    let path = format!("/feeds/{file}");
    let title = search_title(title, &kept);
    render_feed(
        &st,
        &cfg,
        &of.id(),
        title,
        description,
        &path,
        q,
        kept,
        format,
        &headers,
    )
    .await
}

pub(super) async fn source_feed(
    State(st): State<AppState>,
    Path(file): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let (id, format) = split_file(&file)?;
    let cfg = st.config();
    let name = st
        .store
        .source_name(id)
        .await?
        .ok_or_else(|| ServerError::NotFound(format!("no such source: {id}")))?;
    let (mut q, kept) = parse_query(raw.as_deref(), &cfg)?;
    q.sources = vec![id.to_string()];
    // A source's own feed shows all its items: de-duplication is across sources.
    q.dedup = false;
    let path = format!("/sources/{file}");
    let of = FeedOf::Source(id.to_string());
    let (title, description) = of
        .heading(&cfg, &name)
        .expect("a source feed has a heading");
    let title = search_title(title, &kept);
    render_feed(
        &st,
        &cfg,
        &of.id(),
        title,
        description,
        &path,
        q,
        kept,
        format,
        &headers,
    )
    .await
}

#[allow(clippy::too_many_arguments)] // one call site per feed family; a struct would only rename them
async fn render_feed(
    st: &AppState,
    cfg: &Config,
    id: &str,
    title: String,
    description: String,
    path: &str,
    q: ItemQuery,
    kept: Vec<(String, String)>,
    format: Format,
    headers: &HeaderMap,
) -> Result<Response, ServerError> {
    let base = &cfg.server.base_url;
    let with_query = |extra: Option<String>| {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &kept {
            ser.append_pair(k, v);
        }
        if let Some(c) = &extra {
            ser.append_pair("before", c);
        }
        let qs = ser.finish();
        if qs.is_empty() {
            format!("{base}{path}")
        } else {
            format!("{base}{path}?{qs}")
        }
    };
    let self_url = with_query(q.before.map(|(a, b)| format!("{a}.{b}")));
    // Only the feed itself is a WebSub topic: a filtered or later page is not pushed. Its
    // hub and topic are named in the document and in `Link` headers, as WebSub's
    // discovery asks.
    let hub_url = (kept.is_empty() && q.before.is_none()).then(|| format!("{base}/websub"));
    let link = hub_url.as_ref().and_then(|hub| {
        header::HeaderValue::from_str(&format!("<{hub}>; rel=\"hub\", <{self_url}>; rel=\"self\""))
            .ok()
    });
    let linked = |mut r: Response| {
        if let Some(v) = &link {
            r.headers_mut().append(header::LINK, v.clone());
        }
        r
    };
    // Read before the query: a write during rendering leaves this entry already stale.
    let generation = st.store.generation();
    if let Some(hit) = st.cache.get(&self_url, generation) {
        return Ok(linked(hit.respond(headers)));
    }
    // A miss waits for a render slot, then looks again: a render that finished meanwhile
    // (most often of this very feed, when a commit made it stale for every client) serves it.
    let _permit = st.cache.render_permit().await;
    let generation = st.store.generation();
    if let Some(hit) = st.cache.get(&self_url, generation) {
        return Ok(linked(hit.respond(headers)));
    }
    let started = std::time::Instant::now();
    let items = st.store.items(&q).await?;
    let next_url = (items.len() as u32 == q.limit)
        .then(|| {
            items
                .last()
                .map(|l| with_query(Some(format!("{}.{}", l.sort_ts, l.id))))
        })
        .flatten();
    let updated = publish::newest_change(&items);
    let info = FeedInfo {
        id: id.to_string(),
        title,
        description,
        self_url: self_url.clone(),
        html_url: format!("{base}/"),
        next_url,
        hub_url: hub_url.clone(),
        updated,
        base_url: base.clone(),
    };
    let body = format.render(&info, &items);
    // Readers may poll as often as a third of the polling interval, within 1–15 minutes.
    let max_age = (cfg.fetch.interval.as_secs() / 3).clamp(60, 900);
    crate::metrics::metrics()
        .render_seconds
        .observe(started.elapsed().as_secs_f64());
    let rendered = Arc::new(Cached::new(
        generation,
        body,
        format.content_type(),
        updated,
        max_age,
    ));
    st.cache.put(self_url, rendered.clone());
    Ok(linked(rendered.respond(headers)))
}

pub(super) async fn topics_opml(State(st): State<AppState>) -> Response {
    let cfg = st.config();
    let base = &cfg.server.base_url;
    let outlines: Vec<Outline> = std::iter::once(Outline {
        title: "مرصد: كل الأخبار".into(),
        xml_url: format!("{base}/feeds/all.atom"),
        html_url: format!("{base}/"),
    })
    .chain(cfg.topics.iter().map(|t| Outline {
        title: format!("مرصد: {}", t.name),
        xml_url: format!("{base}/feeds/{}.atom", t.slug),
        html_url: format!("{base}/topics/{}", t.slug),
    }))
    .collect();
    opml_response(publish::opml("مرصد: المواضيع", &outlines))
}

pub(super) async fn sources_opml(State(st): State<AppState>) -> Response {
    let cfg = st.config();
    opml_response(publish::opml::feeds(
        "مرصد: المصادر",
        cfg.sources.iter().map(|s| (s.name.as_str(), &s.url)),
    ))
}

fn opml_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response()
}

/// A feed's title with the search it carries, if any: "مرصد: ليبيا — بحث: طرابلس".
fn search_title(title: String, kept: &[(String, String)]) -> String {
    match kept.iter().find(|(k, v)| k == "q" && !v.trim().is_empty()) {
        Some((_, q)) => format!("{title} — بحث: {}", q.trim()),
        None => title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_feed_carries_the_query_in_its_title() {
        let kept = vec![
            ("limit".to_string(), "5".to_string()),
            ("q".to_string(), " طرابلس ".to_string()),
        ];
        assert_eq!(
            search_title("مرصد: ليبيا".into(), &kept),
            "مرصد: ليبيا — بحث: طرابلس"
        );
        assert_eq!(search_title("مرصد".into(), &kept[..1]), "مرصد");
    }
}
