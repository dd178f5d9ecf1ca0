//! The JSON API under `/api`: one module per resource, plus the JSON 404/405 fallbacks.
//! The pieces every handler uses live apart: the validated path key in [`crate::key`],
//! the state and the store bridge in [`crate::state`] (re-exported here).

pub mod hierarchy;
pub mod orchestrations;
pub mod tasks;

use axum::Json;
use axum::Router;
use axum::extract::{OriginalUri, State};
use axum::http::Method;
use axum::routing::get;

use crate::error::ApiError;
use crate::state::AppState;
use crate::types::Health;

pub use crate::key::{Key, MAX_KEY_LEN, validate_key};
pub use crate::state::with_store;

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
