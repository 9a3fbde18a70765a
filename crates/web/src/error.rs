//! One error type for every handler and its one mapping to a response:
//! what the person sees never includes internals; internal errors are
//! logged with an id they can quote.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    /// A POST without the session's CSRF token (or with another one).
    #[error("CSRF token missing or wrong")]
    Csrf,
    #[error("bad request")]
    BadRequest,
    /// A right (RFC 4314) the person lacks on a visible folder: the
    /// catalogue key of the sentence saying which.
    #[error("right missing: {0}")]
    Forbidden(&'static str),
    #[error(transparent)]
    Store(#[from] vesontio_store::StoreError),
    #[error("template: {0}")]
    Template(#[from] askama::Error),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, key) = match &self {
            WebError::NotFound => (StatusCode::NOT_FOUND, "error.not_found"),
            WebError::Csrf => (StatusCode::FORBIDDEN, "error.csrf"),
            WebError::BadRequest => (StatusCode::BAD_REQUEST, "error.bad_request"),
            WebError::Forbidden(key) => (StatusCode::FORBIDDEN, *key),
            WebError::Store(_) | WebError::Template(_) => {
                let id = uuid_like();
                tracing::error!(error_id = %id, error = %self, "web request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "error.internal")
            }
        };
        crate::page::error_page(status, key)
    }
}

fn uuid_like() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}
