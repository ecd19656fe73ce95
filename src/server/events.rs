//! `GET /events`: the live stream of new items as Server-Sent Events.
//!
//! Each new item the filters admit is one event `item` whose `id:` is the item's id and
//! whose `data:` is the item as `/api/items/{id}` renders it. A client that reconnects with
//! `Last-Event-ID` is first sent what it missed, from the store (at most `[push]
//! resume_limit` items), then the live events. A client that falls `[push] stream_buffer`
//! events behind is disconnected and resumes the same way.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::{broadcast, watch};

use super::error::ServerError;
use super::query::parse_query;
use super::state::AppState;
use crate::push::{Announcement, Filter, StreamSlot};

/// A comment this often keeps proxies and clients from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Feed parameters that select a page of stored items, which a stream of new ones has not.
const NOT_FOR_STREAMS: [&str; 4] = ["since", "before", "limit", "q"];

pub(super) async fn events(
    State(st): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let cfg = st.config();
    if let Some(raw) = raw.as_deref() {
        for (k, _) in url::form_urlencoded::parse(raw.as_bytes()) {
            if NOT_FOR_STREAMS.contains(&k.as_ref()) {
                return Err(ServerError::BadRequest(format!(
                    "{k} does not apply to the live stream (use topic, all_topics, source, dedup; resume with Last-Event-ID)"
                )));
            }
        }
    }
    let (q, _) = parse_query(raw.as_deref(), &cfg)?;
    let filter = Filter {
        topics: q.topics,
        all_topics: q.all_topics,
        sources: q.sources,
        dedup: q.dedup,
    };
    let Some(slot) = st.push.open_stream(cfg.push.max_streams) else {
        return Ok((
            StatusCode::SERVICE_UNAVAILABLE,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::RETRY_AFTER, "30"),
            ],
            format!(
                "too many live streams open ({}); try again later\n",
                cfg.push.max_streams
            ),
        )
            .into_response());
    };
    // Subscribed before the store is read, so nothing committed in between is missed; what
    // both give is sent once (live events at or before the last one sent are skipped).
    let live = st.push.subscribe();
    let last_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    let mut backlog = VecDeque::new();
    if let Some(after) = last_id {
        for e in st
            .store
            .outbox_after_item(after, cfg.push.resume_limit)
            .await?
        {
            let a = Announcement::of(&e);
            if filter.admits(&a) {
                backlog.push_back(Arc::new(a));
            }
        }
    }
    let stream = Stream {
        backlog,
        live,
        last: last_id.unwrap_or(0),
        filter,
        closing: st.push.closing(),
        _slot: slot,
    };
    let body = futures_util::stream::unfold(stream, Stream::next);
    let mut response = Sse::new(body)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // Proxies such as nginx buffer responses unless told not to; a buffered stream is no
    // longer live.
    response
        .headers_mut()
        .insert("x-accel-buffering", header::HeaderValue::from_static("no"));
    Ok(response)
}

/// One client's stream.
struct Stream {
    backlog: VecDeque<Arc<Announcement>>,
    live: broadcast::Receiver<Arc<Announcement>>,
    /// The id of the last item sent (or of `Last-Event-ID`).
    last: i64,
    filter: Filter,
    closing: watch::Receiver<bool>,
    _slot: StreamSlot,
}

impl Stream {
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Stream)> {
        if let Some(a) = self.backlog.pop_front() {
            self.last = a.item_id;
            return Some((Ok(event(&a)), self));
        }
        loop {
            let received = tokio::select! {
                r = self.live.recv() => r,
                _ = self.closing.wait_for(|c| *c) => return None,
            };
            match received {
                Ok(a) if a.item_id > self.last && self.filter.admits(&a) => {
                    self.last = a.item_id;
                    return Some((Ok(event(&a)), self));
                }
                Ok(_) => {}
                // Too far behind: the stream ends; the client resumes from the store.
                Err(
                    broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed,
                ) => {
                    return None;
                }
            }
        }
    }
}

fn event(a: &Announcement) -> Event {
    Event::default()
        .event("item")
        .id(a.item_id.to_string())
        .data(&*a.json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::Hub;

    fn ann(item_id: i64, topics: &[&str]) -> Arc<Announcement> {
        Arc::new(Announcement {
            seq: item_id,
            created_at: chrono::DateTime::default(),
            item_id,
            source_id: "a".into(),
            topics: topics.iter().map(|t| t.to_string()).collect(),
            earlier: Vec::new(),
            json: format!("{{\"id\":{item_id}}}").into(),
        })
    }

    fn stream(hub: &Arc<Hub>, filter: Filter, last: i64) -> Stream {
        Stream {
            backlog: VecDeque::new(),
            live: hub.subscribe(),
            last,
            filter,
            closing: hub.closing(),
            _slot: hub.open_stream(10).unwrap(),
        }
    }

    async fn ids(mut s: Stream, n: usize) -> Vec<i64> {
        let mut out = Vec::new();
        for _ in 0..n {
            let Some((_, next)) = Stream::next(s).await else {
                break;
            };
            out.push(next.last);
            s = next;
        }
        out
    }

    #[tokio::test]
    async fn a_stream_sends_what_its_filter_admits_after_its_last_event_in_order() {
        let hub = Arc::new(Hub::new(8));
        let libya = Filter {
            topics: vec!["libya".into()],
            ..Filter::default()
        };
        let s = stream(&hub, libya, 2);
        for (id, topics) in [
            (2, &["libya"][..]),
            (3, &["egypt"]),
            (4, &["libya"]),
            (5, &["libya", "oil"]),
        ] {
            hub.publish(ann(id, topics));
        }
        // 2 was sent before (Last-Event-ID), 3 is Egypt's.
        assert_eq!(ids(s, 2).await, [4, 5]);
    }

    #[tokio::test]
    async fn a_stream_that_falls_more_than_its_buffer_behind_ends_and_a_shutdown_ends_the_rest() {
        let hub = Arc::new(Hub::new(2));
        let slow = stream(&hub, Filter::default(), 0);
        let mut fast = stream(&hub, Filter::default(), 0);
        for id in 1..=2 {
            hub.publish(ann(id, &[]));
            fast = Stream::next(fast).await.unwrap().1;
        }
        for id in 3..=4 {
            hub.publish(ann(id, &[]));
        }
        // Four events behind with room for two: ended, so its client resumes from the store
        // with Last-Event-ID instead of the server buffering for it.
        assert!(Stream::next(slow).await.is_none());
        assert_eq!(hub.streams_open(), 1);
        // Two behind, within the bound: both come.
        assert_eq!(ids(fast, 2).await, [3, 4]);
        let s = stream(&hub, Filter::default(), 0);
        hub.publish(ann(5, &[]));
        let s = Stream::next(s).await.unwrap().1;
        hub.close();
        assert!(Stream::next(s).await.is_none());
        assert_eq!(hub.streams_open(), 0);
    }
}
