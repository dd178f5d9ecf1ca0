//! One orchestration at a glance: the view `tina-session status` and the MCP
//! `get_orchestration` tool both format (the CLI prints all of it; MCP sends a compact
//! shape of the same numbers).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::attention::summary::{UsageView, usage_view};
use crate::model::{AttentionEvent, Orchestration, Phase, Team, count_by_status};
use crate::store::{Store, StoreError};

/// An orchestration with its phases, teams, task counts, spend and open attention.
#[derive(Debug, Clone, Serialize)]
pub struct OrchestrationSummary {
    pub orchestration: Orchestration,
    /// Phases that have started, by number.
    pub phases: Vec<Phase>,
    /// Every team, by creation.
    pub teams: Vec<Team>,
    /// Current tasks of every team, counted by status.
    pub task_counts: BTreeMap<String, u32>,
    /// Tokens and cost per member, team, phase and in total, with budgets.
    pub usage: UsageView,
    /// Attention events still holding (waiting, stall, blocked, budget), oldest first.
    pub attention: Vec<AttentionEvent>,
}

/// Reads the summary of `orch` (found with [`crate::lifecycle::resolve_orchestration`]).
pub fn summarize(
    store: &dyn Store,
    orch: Orchestration,
) -> Result<OrchestrationSummary, StoreError> {
    let id = &orch.id;
    Ok(OrchestrationSummary {
        phases: store.list_phases(id)?,
        teams: store.list_teams(id)?,
        task_counts: count_by_status(&store.get_current_tasks(id)?),
        usage: usage_view(store, id)?,
        attention: store
            .list_attention(id)?
            .into_iter()
            .filter(AttentionEvent::is_open)
            .collect(),
        orchestration: orch,
    })
}
