//! Views built from the primitive reads, so every backend groups tasks the same way.

use std::collections::{BTreeMap, HashMap};

use super::{Result, Store};
use crate::model::*;

/// `get_orchestration_detail`: orchestrator tasks apart, phase tasks keyed by the phase
/// number of the task's team record.
pub fn detail<S: Store + ?Sized>(store: &S, id: &OrchestrationId) -> Result<OrchestrationDetail> {
    let orchestration = store.get_orchestration(id)?;
    let tasks = store.get_current_tasks(id)?;
    Ok(group_detail(
        orchestration,
        store.list_phases(id)?,
        tasks,
        store.list_teams(id)?,
        store.list_team_members(id)?,
    ))
}

/// Groups already-read records into the detail shape.
pub fn group_detail(
    orchestration: Orchestration,
    phases: Vec<Phase>,
    tasks: Vec<CurrentTask>,
    teams: Vec<Team>,
    team_members: Vec<TeamMember>,
) -> OrchestrationDetail {
    let mut orchestrator_tasks = Vec::new();
    let mut phase_tasks: BTreeMap<String, Vec<CurrentTask>> = BTreeMap::new();
    for task in tasks {
        match task.phase_number {
            None => orchestrator_tasks.push(task),
            Some(n) => phase_tasks.entry(n.to_string()).or_default().push(task),
        }
    }
    OrchestrationDetail {
        orchestration,
        phases,
        orchestrator_tasks,
        phase_tasks,
        teams,
        team_members,
    }
}

/// The phase history as far as the phase records tell it (see
/// [`Store::list_phase_history`]): each start, then each phase's present status.
pub fn history_from_phases(phases: &[Phase]) -> Vec<PhaseChange> {
    let mut out = Vec::new();
    for p in phases {
        if let Some(started) = p.started_at.filter(|_| p.status != PhaseStatus::Executing) {
            out.push(PhaseChange {
                phase_number: p.phase_number,
                status: PhaseStatus::Executing,
                blocked_reason: None,
                at: started,
            });
        }
        let at = match p.status {
            PhaseStatus::Executing => p.started_at.unwrap_or(p.updated_at),
            PhaseStatus::Complete => p.completed_at.unwrap_or(p.updated_at),
            _ => p.updated_at,
        };
        out.push(PhaseChange {
            phase_number: p.phase_number,
            status: p.status,
            blocked_reason: p.blocked_reason.clone(),
            at,
        });
    }
    out.sort_by_key(|c| (c.at, c.phase_number));
    out
}

/// `get_team_hierarchy`: root teams (no parent) with their children, recursively.
pub fn hierarchy<S: Store + ?Sized>(store: &S, id: &OrchestrationId) -> Result<TeamHierarchy> {
    let orchestration = store.get_orchestration(id)?;
    Ok(build_hierarchy(
        &orchestration,
        store.list_teams(id)?,
        store.list_team_members(id)?,
        &store.get_current_tasks(id)?,
    ))
}

pub fn build_hierarchy(
    orchestration: &Orchestration,
    teams: Vec<Team>,
    members: Vec<TeamMember>,
    tasks: &[CurrentTask],
) -> TeamHierarchy {
    let mut members_by_team: HashMap<TeamId, Vec<TeamMember>> = HashMap::new();
    for m in members {
        members_by_team
            .entry(m.team_id.clone())
            .or_default()
            .push(m);
    }
    let mut counts: HashMap<&TeamId, BTreeMap<String, u32>> = HashMap::new();
    for t in tasks {
        *counts
            .entry(&t.team_id)
            .or_default()
            .entry(t.status.as_str().to_owned())
            .or_default() += 1;
    }
    let mut children: HashMap<Option<TeamId>, Vec<Team>> = HashMap::new();
    for team in teams {
        children
            .entry(team.parent_team_id.clone())
            .or_default()
            .push(team);
    }

    fn node(
        team: Team,
        children: &mut HashMap<Option<TeamId>, Vec<Team>>,
        members: &mut HashMap<TeamId, Vec<TeamMember>>,
        counts: &HashMap<&TeamId, BTreeMap<String, u32>>,
    ) -> TeamNode {
        let mut kids = children.remove(&Some(team.id.clone())).unwrap_or_default();
        kids.sort_by(|a, b| {
            a.phase_number
                .cmp(&b.phase_number)
                .then_with(|| a.team_name.cmp(&b.team_name))
        });
        let task_counts = counts.get(&team.id).cloned().unwrap_or_default();
        TeamNode {
            members: members.remove(&team.id).unwrap_or_default(),
            task_total: task_counts.values().sum(),
            task_counts,
            children: kids
                .into_iter()
                .map(|k| node(k, children, members, counts))
                .collect(),
            team,
        }
    }

    let mut roots = children.remove(&None).unwrap_or_default();
    roots.sort_by(|a, b| a.team_name.cmp(&b.team_name));
    let teams = roots
        .into_iter()
        .map(|r| node(r, &mut children, &mut members_by_team, &counts))
        .collect();
    TeamHierarchy {
        orchestration_id: orchestration.id.clone(),
        feature_name: orchestration.feature_name.clone(),
        teams,
    }
}
