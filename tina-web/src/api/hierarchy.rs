//! `GET /api/orchestrations/{id}/hierarchy`: the orchestrator team with its phase teams,
//! members and task counts (parent and phase come from the team records).

use axum::Json;
use axum::extract::State;
use tina_session::{OrchestrationId, TeamHierarchy};

use super::{Key, with_store};
use crate::error::ApiError;
use crate::state::AppState;

pub async fn get_hierarchy(
    State(state): State<AppState>,
    Key(id): Key,
) -> Result<Json<TeamHierarchy>, ApiError> {
    let id = OrchestrationId::from(id);
    let hierarchy = with_store(&state, move |store| store.get_team_hierarchy(&id)).await?;
    Ok(Json(hierarchy))
}
