//! `GET /api/orchestrations/{id}/tasks`: every current task, orchestrator and phase teams
//! alike, identified by (team, task id).

use axum::Json;
use axum::extract::State;
use tina_session::{CurrentTask, OrchestrationId};

use super::{Key, with_store};
use crate::app::AppState;
use crate::error::ApiError;

pub async fn current_tasks(
    State(state): State<AppState>,
    Key(id): Key,
) -> Result<Json<Vec<CurrentTask>>, ApiError> {
    let id = OrchestrationId::from(id);
    let tasks = with_store(&state, move |store| store.get_current_tasks(&id)).await?;
    Ok(Json(tasks))
}
