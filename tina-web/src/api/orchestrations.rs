//! `GET /api/orchestrations` (the list with task counts), `GET /api/orchestrations/{id}`
//! and `GET /api/features/{feature}` (the grouped detail, by id or exact feature name).

use axum::Json;
use axum::extract::State;
use tina_session::{OrchestrationDetail, OrchestrationId};

use super::{Key, with_store};
use crate::app::AppState;
use crate::error::ApiError;
use crate::types::OrchestrationSummary;

pub async fn list(
    State(state): State<AppState>,
) -> Result<Json<Vec<OrchestrationSummary>>, ApiError> {
    let rows = with_store(&state, |store| {
        let mut rows = Vec::new();
        for orchestration in store.list_orchestrations()? {
            match store.get_current_tasks(&orchestration.id) {
                Ok(tasks) => rows.push(OrchestrationSummary::new(orchestration, &tasks)),
                // Deleted between the two reads: it is simply no longer listed.
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(rows)
    })
    .await?;
    Ok(Json(rows))
}

pub async fn detail(
    State(state): State<AppState>,
    Key(id): Key,
) -> Result<Json<OrchestrationDetail>, ApiError> {
    let id = OrchestrationId::from(id);
    let detail = with_store(&state, move |store| store.get_orchestration_detail(&id)).await?;
    Ok(Json(detail))
}

/// Exact, case-sensitive feature name: `verbose` never finds `verbose-flag`.
pub async fn detail_by_feature(
    State(state): State<AppState>,
    Key(feature): Key,
) -> Result<Json<OrchestrationDetail>, ApiError> {
    let detail = with_store(&state, move |store| {
        let orchestration = store.get_orchestration_by_feature(&feature)?;
        store.get_orchestration_detail(&orchestration.id)
    })
    .await?;
    Ok(Json(detail))
}
