//! Milestones and anomalies of an orchestration's own records: its appearance or
//! replacement, teams, phases, task progress and status.

use std::collections::BTreeMap;

use tina_session::model::{Orchestration, PhaseStatus, TaskStatus, Team};

use super::{
    AnomalyKind, Holding, Milestone, MilestoneKind, Seen, Snapshot, Thresholds, activity, event,
    minutes,
};

pub(super) fn team_label(team: &Team) -> String {
    match team.phase_number {
        Some(n) => format!("phase {n} ({})", team.team_name),
        None => format!("orchestrator ({})", team.team_name),
    }
}

pub(super) fn evaluate_orchestration(
    seen: &Seen,
    snap: &Snapshot,
    orch: &Orchestration,
    t: &Thresholds,
    next: &mut Seen,
    milestones: &mut Vec<Milestone>,
    holding: &mut Vec<Holding>,
) {
    // A different id under the same key is a new run of the feature: report it from
    // scratch, as if nothing had been seen.
    let fresh;
    let seen = match seen.orch.as_deref() {
        Some(id) if id == orch.id.as_str() => seen,
        previous => {
            milestones.push(match previous {
                None => event(
                    MilestoneKind::OrchestrationAppeared,
                    format!(
                        "orchestration '{}' appeared (id {}, {} phases)",
                        orch.feature_name, orch.id, orch.total_phases
                    ),
                    None,
                    None,
                ),
                Some(old) => event(
                    MilestoneKind::OrchestrationReplaced,
                    format!(
                        "orchestration '{}' was replaced by a new run (id {} replaces {old})",
                        orch.feature_name, orch.id
                    ),
                    None,
                    None,
                ),
            });
            fresh = Seen {
                raised: seen.raised.clone(),
                ..Seen::new(&seen.key, seen.since)
            };
            &fresh
        }
    };
    next.orch = Some(orch.id.0.clone());

    let mut counts: BTreeMap<&str, [u32; 2]> = BTreeMap::new();
    let mut last_progress = orch.started_at;
    for task in &snap.tasks {
        let c = counts.entry(task.team_id.as_str()).or_default();
        c[1] += 1;
        if task.status == TaskStatus::Completed {
            c[0] += 1;
        }
        last_progress = last_progress.max(task.recorded_at);
    }

    let mut teams: Vec<&Team> = snap.teams.iter().collect();
    teams.sort_by_key(|t| (t.created_at, t.team_name.clone()));
    for team in &teams {
        if !seen.teams.contains_key(team.id.as_str()) {
            let what = match team.phase_number {
                Some(n) => format!("phase {n} team registered: {}", team.team_name),
                None => format!("orchestrator team registered: {}", team.team_name),
            };
            milestones.push(event(
                MilestoneKind::TeamRegistered,
                what,
                team.phase_number,
                Some(&team.team_name),
            ));
        }
    }

    let phase_status = |n: u32| {
        snap.phases
            .iter()
            .find(|p| p.phase_number == n)
            .map(|p| p.status)
    };
    // A completion is listed after the task progress of the same call (the tasks
    // finished first); other phase changes before it.
    let mut completed_phases = Vec::new();
    for phase in &snap.phases {
        let status = phase.status.as_str();
        next.phases.insert(phase.phase_number, status.to_owned());
        if seen.phases.get(&phase.phase_number).map(String::as_str) == Some(status) {
            continue;
        }
        if phase.status == PhaseStatus::Blocked {
            continue; // reported as an anomaly below, with its reason
        }
        let milestone = event(
            MilestoneKind::PhaseStatus,
            format!("phase {} {status}", phase.phase_number),
            Some(phase.phase_number),
            None,
        );
        if phase.status == PhaseStatus::Complete {
            completed_phases.push(milestone);
        } else {
            milestones.push(milestone);
        }
    }

    for team in &teams {
        let now_counts = counts.get(team.id.as_str()).copied().unwrap_or_default();
        let before = seen
            .teams
            .get(team.id.as_str())
            .copied()
            .unwrap_or_default();
        next.teams.insert(team.id.0.clone(), now_counts);
        if now_counts != before && now_counts[1] > 0 {
            milestones.push(event(
                MilestoneKind::TaskProgress,
                format!(
                    "{}: {}/{} tasks completed",
                    team_label(team),
                    now_counts[0],
                    now_counts[1]
                ),
                team.phase_number,
                Some(&team.team_name),
            ));
        }
        let phase_done = team
            .phase_number
            .and_then(phase_status)
            .is_some_and(|s| s == PhaseStatus::Complete);
        let age = snap.now - team.created_at;
        if team.phase_number.is_some()
            && now_counts[1] == 0
            && !phase_done
            && age >= t.team_without_tasks_ms
        {
            holding.push((
                format!("team_without_tasks:{}", team.id),
                event(
                    AnomalyKind::TeamWithoutTasks,
                    format!(
                        "{} has no tasks {} after it was registered",
                        team_label(team),
                        minutes(age)
                    ),
                    team.phase_number,
                    Some(&team.team_name),
                ),
            ));
        }
    }
    next.activity = activity::evaluate(seen.activity, snap, &teams, milestones, holding);
    milestones.append(&mut completed_phases);

    for phase in snap
        .phases
        .iter()
        .filter(|p| p.status == PhaseStatus::Blocked)
    {
        let reason = phase.blocked_reason.as_deref().unwrap_or("no reason given");
        holding.push((
            format!("phase_blocked:{}:{}", phase.phase_number, phase.updated_at),
            event(
                AnomalyKind::PhaseBlocked,
                format!("phase {} blocked: {reason}", phase.phase_number),
                Some(phase.phase_number),
                None,
            ),
        ));
    }

    let status = orch.status.as_str();
    if seen.status.as_deref() != Some(status) {
        milestones.push(event(
            MilestoneKind::OrchestrationStatus,
            format!("orchestration '{}' is {status}", orch.feature_name),
            None,
            None,
        ));
    }
    next.status = Some(status.to_owned());

    let idle = snap.now - last_progress;
    if !orch.status.is_terminal() && idle >= t.no_progress_ms {
        holding.push((
            format!("no_task_progress:{last_progress}"),
            event(
                AnomalyKind::NoTaskProgress,
                format!("no task progress for {}", minutes(idle)),
                None,
                None,
            ),
        ));
    }
}
