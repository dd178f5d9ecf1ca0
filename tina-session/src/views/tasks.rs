//! An orchestration's current tasks, filtered: the one filter `tina-session tasks`, the
//! MCP `get_current_tasks` / `get_orchestration_detail` tools use.
//!
//! A filter that cannot match anything in this orchestration is refused rather than
//! answered with an empty list: a phase outside `1..=total_phases` is
//! [`LifecycleError::PhaseOutOfRange`], a team name that is not one of its teams is
//! [`StoreError::NotFound`] for [`Entity::Team`]. A status is any text (agents may
//! report statuses TINA does not know, and those stay filterable), matched exactly.

use crate::lifecycle::{self, LifecycleError};
use crate::model::input::quote;
use crate::model::{CurrentTask, Orchestration};
use crate::store::{Entity, Store, StoreError};

/// Which current tasks to keep; `None` keeps every value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    /// Tasks of phase teams with this phase number.
    pub phase: Option<u32>,
    /// Tasks of the team with this exact name.
    pub team: Option<String>,
    /// Tasks with this exact status.
    pub status: Option<String>,
}

impl TaskFilter {
    /// Whether `task` passes the filter.
    pub fn keeps(&self, task: &CurrentTask) -> bool {
        self.phase.is_none_or(|p| task.phase_number == Some(p))
            && self.team.as_ref().is_none_or(|n| &task.team_name == n)
            && self
                .status
                .as_ref()
                .is_none_or(|s| task.status.as_str() == s)
    }

    /// Refuses a filter that names a phase or a team `orch` does not have.
    pub fn check(&self, store: &dyn Store, orch: &Orchestration) -> Result<(), LifecycleError> {
        if let Some(phase) = self.phase {
            lifecycle::check_phase(orch, phase)?;
        }
        if let Some(team) = &self.team {
            let found = match store.get_team_by_name(team) {
                Ok(t) => Some(t),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e.into()),
            };
            if found.is_none_or(|t| t.orchestration_id != orch.id) {
                return Err(StoreError::not_found(
                    Entity::Team,
                    format!(
                        "{} in orchestration {}",
                        quote(team),
                        quote(&orch.feature_name)
                    ),
                )
                .into());
            }
        }
        Ok(())
    }
}

/// The current tasks of `orch` that pass `filter`, in the store's canonical order; a
/// filter naming a phase or team `orch` does not have is refused ([`TaskFilter::check`]).
pub fn filter_tasks(
    store: &dyn Store,
    orch: &Orchestration,
    filter: &TaskFilter,
) -> Result<Vec<CurrentTask>, LifecycleError> {
    filter.check(store, orch)?;
    Ok(store
        .get_current_tasks(&orch.id)?
        .into_iter()
        .filter(|t| filter.keeps(t))
        .collect())
}
