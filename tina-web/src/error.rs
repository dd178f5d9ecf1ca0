//! API errors: every failure becomes a JSON [`ApiErrorBody`] with a status code that says
//! whose fault it was (404 unknown record, 400 bad input, 421 a request for another host
//! name, 503/500 store trouble).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tina_session::StoreError;

use crate::types::ApiErrorBody;

/// Why an API request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The store has no such record (the message names it and how to find valid ones).
    #[error("{0}")]
    NotFound(String),
    /// The request itself is malformed (bad path segment, bad query).
    #[error("{0}")]
    BadRequest(String),
    /// The request names a host this server does not answer for (the DNS-rebinding guard).
    #[error("{0}")]
    WrongHost(String),
    /// The store could not be reached (e.g. a remote backend is down).
    #[error("{0}")]
    Unavailable(String),
    /// The store failed while answering.
    #[error("{0}")]
    Store(String),
    /// The server itself failed (a worker task panicked or was cancelled).
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::WrongHost(_) => StatusCode::MISDIRECTED_REQUEST,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Store(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::BadRequest(_) => "bad_request",
            Self::WrongHost(_) => "wrong_host",
            Self::Unavailable(_) => "store_unavailable",
            Self::Store(_) => "store_error",
            Self::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ApiErrorBody {
        ApiErrorBody {
            error: self.kind().to_owned(),
            message: self.to_string(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => Self::NotFound(e.to_string()),
            StoreError::Invalid { .. } => Self::BadRequest(e.to_string()),
            StoreError::Unavailable { .. } => Self::Unavailable(e.to_string()),
            other => Self::Store(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::warn!(kind = self.kind(), "{self}");
        }
        (status, Json(self.body())).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_to_status_codes() {
        let nf: ApiError = StoreError::orchestration_not_found("abc").into();
        assert_eq!(nf.status(), StatusCode::NOT_FOUND);
        assert!(nf.to_string().contains("abc"), "{nf}");
        let bad: ApiError = StoreError::Invalid {
            what: "phase number",
            reason: "0".into(),
        }
        .into();
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let down: ApiError = StoreError::unavailable("convex").into();
        assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
        let broken: ApiError = StoreError::backend("disk I/O error").into();
        assert_eq!(broken.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(broken.body().error, "store_error");
        assert!(broken.body().message.contains("disk I/O error"));
    }
}
