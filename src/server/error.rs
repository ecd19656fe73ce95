//! Errors become HTTP statuses here, and only here.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error a handler returns.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Unknown topic, source, item or route.
    #[error("{0}")]
    NotFound(String),
    /// A query parameter with a bad value.
    #[error("{0}")]
    BadRequest(String),
    /// The database failed.
    #[error("database error: {0}")]
    Store(#[from] crate::store::StoreError),
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        let status = match &self {
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::Store(e) => {
                tracing::error!(error = %e, "request failed on the database");
                StatusCode::SERVICE_UNAVAILABLE
            }
        };
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response()
    }
}
