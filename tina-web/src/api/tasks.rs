//! Tasks:
//! - `GET /api/orchestrations/{id}/tasks`: every current task, orchestrator and phase teams
//!   alike, identified by (team, task id);
//! - `GET /api/orchestrations/{id}/teams/{team_id}/tasks/{task_id}`: one task with its
//!   description and every event recorded for it (the dashboard's task panel).

use axum::Json;
use axum::extract::{Path, State};
use tina_session::dashboard::{TaskDetail, task_detail};
use tina_session::{CurrentTask, OrchestrationId, TeamId};

use super::{Key, validate_key, with_store};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn current_tasks(
    State(state): State<AppState>,
    Key(id): Key,
) -> Result<Json<Vec<CurrentTask>>, ApiError> {
    let id = OrchestrationId::from(id);
    let tasks = with_store(&state, move |store| store.get_current_tasks(&id)).await?;
    Ok(Json(tasks))
}

pub async fn one_task(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, axum::extract::rejection::PathRejection>,
) -> Result<Json<TaskDetail>, ApiError> {
    let Path((id, team, task)) =
        path.map_err(|e| ApiError::BadRequest(format!("invalid path: {}", e.body_text())))?;
    for key in [&id, &team, &task] {
        validate_key(key)?;
    }
    let detail = with_store(&state, move |store| {
        task_detail(
            store,
            &OrchestrationId::from(id),
            &TeamId::from(team),
            &task,
        )
    })
    .await?;
    Ok(Json(detail))
}
