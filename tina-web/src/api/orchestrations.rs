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
        // Two reads, not one per orchestration: the list refetches on every change.
        let mut counts = store.task_counts_by_orchestration()?;
        Ok(store
            .list_orchestrations()?
            .into_iter()
            .map(|o| {
                let task_counts = counts.remove(&o.id).unwrap_or_default();
                OrchestrationSummary::from_counts(o, task_counts)
            })
            .collect::<Vec<_>>())
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
