//! The JSON API under `/api`: one module per resource, plus the shared pieces every
//! handler uses (the validated path key, the store bridge, the JSON 404/405 fallbacks).

pub mod hierarchy;
pub mod orchestrations;
pub mod tasks;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, OriginalUri, Path, State};
use axum::http::Method;
use axum::http::request::Parts;
use axum::routing::get;
use tina_session::{Store, StoreError};

use crate::app::AppState;
use crate::error::ApiError;
use crate::types::Health;

/// Longest id or feature name the API accepts in a path.
pub const MAX_KEY_LEN: usize = 512;

/// The `/api` routes (mounted by [`crate::app::router`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/orchestrations", get(orchestrations::list))
        .route("/orchestrations/{id}", get(orchestrations::detail))
        .route(
            "/orchestrations/{id}/hierarchy",
            get(hierarchy::get_hierarchy),
        )
        .route(
            "/orchestrations/{id}/dashboard",
            get(orchestrations::dashboard),
        )
        .route("/orchestrations/{id}/tasks", get(tasks::current_tasks))
        .route(
            "/orchestrations/{id}/teams/{team}/tasks/{task}",
            get(tasks::one_task),
        )
        .route(
            "/features/{feature}",
            get(orchestrations::detail_by_feature),
        )
        .route(
            "/features/{feature}/dashboard",
            get(orchestrations::dashboard_by_feature),
        )
        .route("/events", get(crate::live::events))
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
}

/// One path parameter (an id or a feature name), percent-decoded and checked: 1 to
/// [`MAX_KEY_LEN`] bytes of UTF-8 without control characters. Anything else is a 400.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Key {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("invalid path: {}", e.body_text())))?;
        validate_key(&raw)?;
        Ok(Key(raw))
    }
}

pub fn validate_key(raw: &str) -> Result<(), ApiError> {
    if raw.is_empty() || raw.len() > MAX_KEY_LEN {
        return Err(ApiError::BadRequest(format!(
            "an id or feature name must be 1 to {MAX_KEY_LEN} bytes long (got {})",
            raw.len()
        )));
    }
    if raw.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "an id or feature name must not contain control characters".into(),
        ));
    }
    Ok(())
}

/// Runs a store call on the blocking pool: the store is synchronous.
pub async fn with_store<T, F>(state: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(&*store))
        .await
        .map_err(|e| ApiError::Internal(format!("store worker failed: {e}")))?
        .map_err(ApiError::from)
}

async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let health = with_store(&state, |s| {
        Ok(Health {
            store: s.describe(),
            revision: s.revision()?,
        })
    })
    .await?;
    Ok(Json(health))
}

async fn unknown_route(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::NotFound(format!(
        "no API route {method} {}; see tina-web/README.md for the routes",
        uri.path()
    ))
}

async fn method_not_allowed(
    method: Method,
    OriginalUri(uri): OriginalUri,
) -> (axum::http::StatusCode, Json<crate::types::ApiErrorBody>) {
    let body = crate::types::ApiErrorBody {
        error: "method_not_allowed".into(),
        message: format!(
            "{method} is not allowed on {}; the API is read-only (GET)",
            uri.path()
        ),
    };
    (axum::http::StatusCode::METHOD_NOT_ALLOWED, Json(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_validated() {
        assert!(validate_key("verbose-flag").is_ok());
        assert!(validate_key("with space and ünïcode").is_ok());
        assert!(validate_key("").is_err());
        assert!(validate_key("a\nb").is_err());
        assert!(validate_key(&"x".repeat(MAX_KEY_LEN + 1)).is_err());
        assert!(validate_key(&"x".repeat(MAX_KEY_LEN)).is_ok());
    }
}
