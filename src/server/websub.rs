//! WebSub over HTTP: the hub's `POST /websub` (subscribe and unsubscribe to our feeds) and
//! the subscriber's callback `/websub/callback/{token}` (the hubs of our sources confirm
//! subscriptions with `GET` and push content with `POST`). What they decide is in
//! `push::websub` and `push::subscriber`.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::ServerError;
use super::state::AppState;
use crate::metrics::{OutcomeLabels, metrics};
use crate::push::subscriber::{self, Content, Verification};
use crate::push::{Pushed, websub};

/// `POST /websub`: 202 once the request is checked (intent is verified afterwards), else
/// the status and reason of the refusal.
pub(super) async fn hub(State(st): State<AppState>, body: Bytes) -> Response {
    let cfg = st.config();
    let accepted = match websub::parse_request(&cfg, &body) {
        Ok(req) => websub::accept(&st.store, &cfg, &st.push, req).await,
        Err(r) => Err(r),
    };
    match accepted {
        Ok(()) => (
            StatusCode::ACCEPTED,
            "accepted: the hub will now verify your intent at hub.callback\n",
        )
            .into_response(),
        Err(r) => (
            StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_REQUEST),
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", r.reason),
        )
            .into_response(),
    }
}

/// `GET /websub/callback/{token}`: a hub confirms a subscription marsad asked for.
pub(super) async fn verify(
    State(st): State<AppState>,
    Path(token): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ServerError> {
    let query: HashMap<String, String> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    Ok(
        match subscriber::verify(&st.store, &st.push.hubs, &token, &query).await? {
            Verification::Confirm(challenge) => (
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                challenge,
            )
                .into_response(),
            Verification::Noted => StatusCode::OK.into_response(),
            Verification::Unknown => {
                ServerError::NotFound("no such subscription".into()).into_response()
            }
        },
    )
}

/// `POST /websub/callback/{token}`: content a source's hub pushed; stored as a fetch when
/// its signature holds.
pub(super) async fn content(
    State(st): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ServerError> {
    let count = |outcome: &str| {
        metrics()
            .websub_pushes
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
    };
    let limit = usize::try_from(st.config().fetch.max_body_bytes).unwrap_or(usize::MAX);
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        count("too_large");
        return Ok((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("larger than [fetch] max_body_bytes ({limit} bytes)\n"),
        )
            .into_response());
    };
    let signature = headers.get("x-hub-signature").and_then(|v| v.to_str().ok());
    Ok(
        match subscriber::receive(&st.store, &token, signature, &body).await? {
            Content::Take(source_id) => {
                let content_type = headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                let taken = st.push.take_pushed(Pushed {
                    source_id: source_id.clone(),
                    body: body.to_vec(),
                    content_type,
                });
                if taken {
                    count("taken");
                    StatusCode::ACCEPTED.into_response()
                } else {
                    count("busy");
                    tracing::warn!(
                        source_id,
                        "websub: pushed content not taken (busy); the hub will retry and the source is still polled"
                    );
                    (StatusCode::SERVICE_UNAVAILABLE, "busy; try again\n").into_response()
                }
            }
            Content::Forged => {
                count("bad_signature");
                tracing::warn!(token = %token, "websub: pushed content without a valid X-Hub-Signature dropped");
                // Acknowledged all the same, as WebSub asks: a forger learns nothing.
                StatusCode::ACCEPTED.into_response()
            }
            Content::Unknown => {
                count("unknown");
                (StatusCode::GONE, "no such subscription\n").into_response()
            }
        },
    )
}
