//! One orchestration as the dashboard shows it: the records, the phase history (for the
//! timeline and durations), the attention summary (with who waits on a person), the spend
//! per team, member and phase with its budgets, and one slim row per task. Rows leave
//! out descriptions and metadata (a task's description and history are read one task at a
//! time, [`task_detail`]), which keeps a 2,000-task page small on every live refresh.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::attention::{Attention, Facts, attention};
use super::open::open_items;
use crate::attention::summary::{UsageView, build as build_usage};
use crate::model::*;
use crate::store::{Entity, Result, Store, StoreError};

/// A task as the dashboard lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaskRow {
    pub team_id: TeamId,
    pub task_id: String,
    pub subject: String,
    pub status: TaskStatus,
    pub owner: Option<String>,
    /// Every task id this one names as a blocker (ids of the same team).
    pub blocked_by: Vec<String>,
    /// The blockers still unfinished: not completed (or not known to the store, which
    /// cannot say they finished). A task with none is not blocked.
    pub open_blockers: Vec<String>,
    /// True for a task of the orchestrator team.
    pub orchestrator: bool,
    /// The phase it belongs to: its team's phase; for an orchestrator task, the phase its
    /// `metadata.phase_number` names (a positive integer within the orchestration's
    /// phases), else `None`. Never guessed from a subject or a team name.
    pub phase_number: Option<u32>,
    /// What the owner is doing right now, as Claude Code's `activeForm` says it.
    pub active_form: Option<String>,
    pub has_description: bool,
    #[ts(type = "number")]
    pub recorded_at: Millis,
}

/// `GET /api/orchestrations/{id}/dashboard`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DashboardDetail {
    /// The orchestration's revision, read before the records: the data is at least this new.
    #[ts(type = "number")]
    pub revision: i64,
    pub orchestration: Orchestration,
    pub attention: Attention,
    pub phases: Vec<Phase>,
    /// Every phase status change, oldest first.
    pub phase_history: Vec<PhaseChange>,
    pub teams: Vec<Team>,
    pub team_members: Vec<TeamMember>,
    /// Orchestrator tasks first, then by phase, team name and task id.
    pub tasks: Vec<TaskRow>,
    /// Tokens and cost per member, team, phase and in total, with each budget's state.
    pub spend: UsageView,
    #[ts(type = "number")]
    pub stale_after: Millis,
}

/// One task with its description and full history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaskDetail {
    pub task: CurrentTask,
    /// Oldest first.
    pub events: Vec<TaskEvent>,
}

pub fn dashboard_detail<S: Store + ?Sized>(
    store: &S,
    id: &OrchestrationId,
    now: Millis,
    stale_after: Millis,
) -> Result<DashboardDetail> {
    let revision = store.orchestration_revision(id)?;
    let detail = store.get_orchestration_detail(id)?;
    let phase_history = store.list_phase_history(id)?;
    // One read each; the teams are the detail's, not read again.
    let spend = build_usage(
        id,
        &detail.teams,
        &store.list_usage(id)?,
        &store.list_budgets(id)?,
    );
    let open = open_items(&store.list_attention(id)?, &detail.teams);
    let o = &detail.orchestration;
    let mut tasks: Vec<&CurrentTask> = detail.orchestrator_tasks.iter().collect();
    tasks.extend(detail.phase_tasks.values().flatten());
    let last_activity = tasks.iter().map(|t| t.recorded_at).max();
    let status_of: HashMap<(&TeamId, &str), &TaskStatus> = tasks
        .iter()
        .map(|t| ((&t.team_id, t.task_id.as_str()), &t.status))
        .collect();
    let rows = tasks
        .iter()
        .map(|t| {
            let orchestrator = t.phase_number.is_none();
            TaskRow {
                team_id: t.team_id.clone(),
                task_id: t.task_id.clone(),
                subject: t.subject.clone(),
                status: t.status.clone(),
                owner: t.owner.clone(),
                open_blockers: t
                    .blocked_by
                    .iter()
                    .filter(|b| {
                        status_of
                            .get(&(&t.team_id, b.as_str()))
                            .is_none_or(|s| **s != TaskStatus::Completed)
                    })
                    .cloned()
                    .collect(),
                blocked_by: t.blocked_by.clone(),
                orchestrator,
                phase_number: if orchestrator {
                    metadata_phase(&t.metadata, o.total_phases)
                } else {
                    t.phase_number
                },
                active_form: active_form(t),
                has_description: !t.description.trim().is_empty(),
                recorded_at: t.recorded_at,
            }
        })
        .collect();
    let attention = attention(Facts {
        orchestration: o,
        phases: &detail.phases,
        history: &phase_history,
        last_activity,
        now,
        stale_after,
        open,
    });
    Ok(DashboardDetail {
        revision,
        attention,
        tasks: rows,
        phase_history,
        orchestration: detail.orchestration,
        phases: detail.phases,
        teams: detail.teams,
        team_members: detail.team_members,
        spend,
        stale_after,
    })
}

/// The task `task_id` of team `team` (which must belong to `orchestration`), with every
/// event recorded for it.
pub fn task_detail<S: Store + ?Sized>(
    store: &S,
    orchestration: &OrchestrationId,
    team: &TeamId,
    task_id: &str,
) -> Result<TaskDetail> {
    let not_found = || {
        StoreError::not_found(
            Entity::Task,
            format!("{} of team {team}", input::quote(task_id)),
        )
    };
    let task = store
        .get_current_tasks(orchestration)?
        .into_iter()
        .find(|t| &t.team_id == team && t.task_id == task_id)
        .ok_or_else(not_found)?;
    let events = store.list_events_of_task(team, task_id)?;
    Ok(TaskDetail { task, events })
}

/// An orchestrator task's phase from its metadata: a positive integer naming one of the
/// orchestration's phases; anything else (strings, fractions, 0, out of range) is none.
pub fn metadata_phase(metadata: &serde_json::Value, total_phases: u32) -> Option<u32> {
    metadata
        .get("phase_number")
        .and_then(serde_json::Value::as_u64)
        .filter(|n| (1..=u64::from(total_phases)).contains(n))
        .map(|n| n as u32)
}

fn active_form(task: &CurrentTask) -> Option<String> {
    task.active_form.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_phase_takes_only_a_phase_of_the_orchestration() {
        assert_eq!(metadata_phase(&json!({"phase_number": 2}), 3), Some(2));
        for bad in [
            json!({"phase_number": "2"}),
            json!({"phase_number": 2.5}),
            json!({"phase_number": 0}),
            json!({"phase_number": 4}),
            json!({"phase_number": -1}),
            json!({}),
            json!(null),
            json!([2]),
        ] {
            assert_eq!(metadata_phase(&bad, 3), None, "{bad}");
        }
    }
}
