//! Milestones and anomalies of an orchestration's own records: its appearance or
//! replacement, teams, phases, task progress and status. [`evaluate_orchestration`]
//! runs one small step per concern, in the order their reports are listed.

use std::collections::BTreeMap;

use tina_session::lifecycle::launch::{attach_hint, tmux_session_name};
use tina_session::model::{Millis, Orchestration, Phase, PhaseStatus, TaskStatus, Team};

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
    let seen = match new_run(seen, orch) {
        Some((milestone, reset)) => {
            milestones.push(milestone);
            fresh = reset;
            &fresh
        }
        None => seen,
    };
    next.orch = Some(orch.id.0.clone());

    let (counts, last_progress) = task_counts(snap, orch);
    let mut teams: Vec<&Team> = snap.teams.iter().collect();
    teams.sort_by_key(|t| (t.created_at, t.team_name.clone()));
    milestones.extend(registered_teams(seen, &teams));

    // A completion is listed after the task progress of the same call (the tasks
    // finished first); other phase changes before it.
    let (changed, mut completed_phases) = phase_changes(seen, &snap.phases, next);
    milestones.extend(changed);
    for team in &teams {
        let now_counts = counts.get(team.id.as_str()).copied().unwrap_or_default();
        milestones.extend(task_progress(seen, team, now_counts, next));
        holding.extend(team_without_tasks(snap, team, now_counts, t));
        holding.extend(lead_team_folder_missing(snap, orch, team, t));
    }
    next.activity = activity::evaluate(seen.activity, snap, &teams, milestones, holding);
    milestones.append(&mut completed_phases);

    holding.extend(blocked_phases(&snap.phases));
    milestones.extend(status_change(seen, orch, next));
    holding.extend(no_task_progress(snap, orch, last_progress, t));
}

/// The milestone of an orchestration seen for the first time or replaced by a new run,
/// and the state to compare it with from then on (nothing reported but the anomalies).
fn new_run(seen: &Seen, orch: &Orchestration) -> Option<(Milestone, Seen)> {
    let milestone = match seen.orch.as_deref() {
        Some(id) if id == orch.id.as_str() => return None,
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
    };
    let reset = Seen {
        raised: seen.raised.clone(),
        ..Seen::new(&seen.key, seen.since)
    };
    Some((milestone, reset))
}

/// [completed, total] current tasks per team id, and the time of the last task change
/// (the orchestration's start when there is none).
fn task_counts<'a>(
    snap: &'a Snapshot,
    orch: &Orchestration,
) -> (BTreeMap<&'a str, [u32; 2]>, Millis) {
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
    (counts, last_progress)
}

fn registered_teams(seen: &Seen, teams: &[&Team]) -> Vec<Milestone> {
    teams
        .iter()
        .filter(|team| !seen.teams.contains_key(team.id.as_str()))
        .map(|team| {
            let what = match team.phase_number {
                Some(n) => format!("phase {n} team registered: {}", team.team_name),
                None => format!("orchestrator team registered: {}", team.team_name),
            };
            event(
                MilestoneKind::TeamRegistered,
                what,
                team.phase_number,
                Some(&team.team_name),
            )
        })
        .collect()
}

/// Phase status changes, as (completions held back, the others); a blocked phase is
/// an anomaly ([`blocked_phases`]), not a milestone.
fn phase_changes(
    seen: &Seen,
    phases: &[Phase],
    next: &mut Seen,
) -> (Vec<Milestone>, Vec<Milestone>) {
    let mut changed = Vec::new();
    let mut completed = Vec::new();
    for phase in phases {
        let status = phase.status.as_str();
        next.phases.insert(phase.phase_number, status.to_owned());
        if seen.phases.get(&phase.phase_number).map(String::as_str) == Some(status) {
            continue;
        }
        if phase.status == PhaseStatus::Blocked {
            continue;
        }
        let milestone = event(
            MilestoneKind::PhaseStatus,
            format!("phase {} {status}", phase.phase_number),
            Some(phase.phase_number),
            None,
        );
        if phase.status == PhaseStatus::Complete {
            completed.push(milestone);
        } else {
            changed.push(milestone);
        }
    }
    (changed, completed)
}

/// A team's task counts, reported when they changed and it has tasks.
fn task_progress(seen: &Seen, team: &Team, counts: [u32; 2], next: &mut Seen) -> Option<Milestone> {
    let before = seen
        .teams
        .get(team.id.as_str())
        .copied()
        .unwrap_or_default();
    next.teams.insert(team.id.0.clone(), counts);
    (counts != before && counts[1] > 0).then(|| {
        event(
            MilestoneKind::TaskProgress,
            format!(
                "{}: {}/{} tasks completed",
                team_label(team),
                counts[0],
                counts[1]
            ),
            team.phase_number,
            Some(&team.team_name),
        )
    })
}

/// A phase team with no tasks long after it was registered (not once its phase is
/// complete).
fn team_without_tasks(
    snap: &Snapshot,
    team: &Team,
    counts: [u32; 2],
    t: &Thresholds,
) -> Option<Holding> {
    let phase = team.phase_number?;
    let phase_done = snap
        .phases
        .iter()
        .find(|p| p.phase_number == phase)
        .is_some_and(|p| p.status == PhaseStatus::Complete);
    let age = snap.now - team.created_at;
    if counts[1] != 0 || phase_done || age < t.team_without_tasks_ms {
        return None;
    }
    Some((
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
    ))
}

/// A lead TINA launched (it has a lead session id) whose Claude Code team folder is
/// still not linked once the launcher's wait has passed: what `tina-session status`
/// shows as "NO TEAM FOLDER". Not for a finished orchestration or a complete phase.
fn lead_team_folder_missing(
    snap: &Snapshot,
    orch: &Orchestration,
    team: &Team,
    t: &Thresholds,
) -> Option<Holding> {
    team.lead_session_id.as_ref()?;
    let phase_done = team.phase_number.is_some_and(|n| {
        snap.phases
            .iter()
            .any(|p| p.phase_number == n && p.status == PhaseStatus::Complete)
    });
    let age = snap.now - team.created_at;
    if team.claude_team_dir.is_some()
        || orch.status.is_terminal()
        || phase_done
        || age < t.lead_team_folder_ms
    {
        return None;
    }
    Some((
        format!("lead_team_folder_missing:{}", team.id),
        event(
            AnomalyKind::LeadTeamFolderMissing,
            format!(
                "{}: no Claude Code team folder linked {} after its lead was launched; the \
                 lead may be stuck or has spawned no teammate (`tina-session status`; {})",
                team_label(team),
                minutes(age),
                attach_hint(&tmux_session_name(&team.team_name))
            ),
            team.phase_number,
            Some(&team.team_name),
        ),
    ))
}

/// Blocked phases, with their reason; a new block (a new `updated_at`) is a new anomaly.
fn blocked_phases(phases: &[Phase]) -> Vec<Holding> {
    phases
        .iter()
        .filter(|p| p.status == PhaseStatus::Blocked)
        .map(|phase| {
            let reason = phase.blocked_reason.as_deref().unwrap_or("no reason given");
            (
                format!("phase_blocked:{}:{}", phase.phase_number, phase.updated_at),
                event(
                    AnomalyKind::PhaseBlocked,
                    format!("phase {} blocked: {reason}", phase.phase_number),
                    Some(phase.phase_number),
                    None,
                ),
            )
        })
        .collect()
}

fn status_change(seen: &Seen, orch: &Orchestration, next: &mut Seen) -> Option<Milestone> {
    let status = orch.status.as_str();
    next.status = Some(status.to_owned());
    (seen.status.as_deref() != Some(status)).then(|| {
        event(
            MilestoneKind::OrchestrationStatus,
            format!("orchestration '{}' is {status}", orch.feature_name),
            None,
            None,
        )
    })
}

/// No task changed for a long time in a running orchestration; a new quiet spell (a
/// new `last_progress`) is a new anomaly.
fn no_task_progress(
    snap: &Snapshot,
    orch: &Orchestration,
    last_progress: Millis,
    t: &Thresholds,
) -> Option<Holding> {
    let idle = snap.now - last_progress;
    (!orch.status.is_terminal() && idle >= t.no_progress_ms).then(|| {
        (
            format!("no_task_progress:{last_progress}"),
            event(
                AnomalyKind::NoTaskProgress,
                format!("no task progress for {}", minutes(idle)),
                None,
                None,
            ),
        )
    })
}
