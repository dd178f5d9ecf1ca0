//! Waiting on a person and stalls, detected from hook activity and task changes.
//!
//! - **Waiting**: a `Notification` hook of type `permission_prompt`, `idle_prompt` or
//!   `elicitation_dialog` (recorded by `tina-session hook` as activity with the detail
//!   `"<type>: <message>"`) marks that session's member and team waiting, with the
//!   message and since when, until the same session shows any later activity or the
//!   team's tasks change after it.
//! - **Stall, quiet phase**: an executing phase whose teams show no task change and no
//!   hook activity for `stall_after` (since the later of the phase's last change and
//!   their last sign of life).
//! - **Stall, idle lead**: a phase team's lead session whose last activity is a `Stop`
//!   or an idle prompt, while the phase still has pending tasks and nothing changed
//!   since, for a quarter of `stall_after`.
//!
//! Each condition is one [`AttentionEvent`] whose id names the condition and when it
//! began, so it is recorded (and notified) once; it is cleared as soon as the
//! condition no longer holds. Evidence travels in `detail`: the last activity per member.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;

use crate::model::input::truncate;
use crate::model::*;
use crate::store::{Store, StoreError};

/// Notification types that mean an agent waits on a person.
pub const WAITING_TYPES: [&str; 3] = ["permission_prompt", "idle_prompt", "elicitation_dialog"];

/// What one detection pass changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detection {
    pub recorded: Vec<AttentionEvent>,
    pub cleared: Vec<String>,
}

/// The notification type and message of a Notification activity's detail.
fn notification(detail: Option<&str>) -> Option<(&str, &str)> {
    let d = detail?;
    let (kind, message) = d.split_once(": ").unwrap_or((d, ""));
    WAITING_TYPES.contains(&kind).then_some((kind, message))
}

fn member_of(a: &TeamActivity) -> String {
    a.agent_name.clone().unwrap_or_else(|| "team-lead".into())
}

/// Finds waiting members and stalled phases of `orch`, records new events and clears
/// the ones whose condition ended.
pub fn detect(
    store: &dyn Store,
    orch: &Orchestration,
    stall_after_ms: Millis,
    now: Millis,
) -> Result<Detection, StoreError> {
    let activity = store.list_team_activity(&orch.id)?;
    let teams = store.list_teams(&orch.id)?;
    let tasks = store.get_current_tasks(&orch.id)?;
    let phases = store.list_phases(&orch.id)?;
    let team_names: HashMap<&TeamId, &str> = teams
        .iter()
        .map(|t| (&t.id, t.team_name.as_str()))
        .collect();
    let mut last_task: HashMap<&TeamId, Millis> = HashMap::new();
    for t in &tasks {
        let e = last_task.entry(&t.team_id).or_insert(t.recorded_at);
        *e = (*e).max(t.recorded_at);
    }
    let mut events = waiting(orch, &activity, &last_task, &team_names);
    for phase in phases.iter().filter(|p| p.status == PhaseStatus::Executing) {
        events.extend(stalls(
            orch,
            phase,
            &teams,
            &activity,
            &tasks,
            stall_after_ms,
            now,
        ));
    }

    let mut out = Detection::default();
    let current: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    for e in store.list_attention(&orch.id)? {
        if matches!(e.kind, AttentionKind::Waiting | AttentionKind::Stall)
            && e.is_open()
            && !current.contains(e.id.as_str())
            && store.clear_attention(&e.id, now)?
        {
            out.cleared.push(e.id);
        }
    }
    for mut e in events {
        e.created_at = now;
        if store.record_attention(&e)? {
            out.recorded.push(e);
        }
    }
    Ok(out)
}

fn waiting(
    orch: &Orchestration,
    activity: &[TeamActivity],
    last_task: &HashMap<&TeamId, Millis>,
    team_names: &HashMap<&TeamId, &str>,
) -> Vec<AttentionEvent> {
    // Per (team, session): the waiting notification not followed by anything. A run of
    // notifications waits since its first, unless the team's tasks changed after that
    // first one: the session acted in between, so the wait starts again.
    let mut open: BTreeMap<(&TeamId, &str), &TeamActivity> = BTreeMap::new();
    for a in activity {
        let key = (&a.team_id, a.session_id.as_str());
        let is_wait =
            a.kind == ActivityKind::Notification && notification(a.detail.as_deref()).is_some();
        if !is_wait {
            open.remove(&key);
            continue;
        }
        let acted_since = |first: &TeamActivity| {
            last_task
                .get(&a.team_id)
                .is_some_and(|t| *t > first.recorded_at && *t <= a.recorded_at)
        };
        match open.get(&key) {
            Some(first) if !acted_since(first) => {}
            _ => {
                open.insert(key, a);
            }
        }
    }
    open.into_values()
        .filter(|a| {
            last_task
                .get(&a.team_id)
                .is_none_or(|t| *t <= a.recorded_at)
        })
        .map(|a| {
            let (kind, message) = notification(a.detail.as_deref()).unwrap_or(("", ""));
            let team = team_names.get(&a.team_id).copied().unwrap_or("?");
            let member = member_of(a);
            let said = if message.is_empty() {
                kind.replace('_', " ")
            } else {
                truncate(message, 300).into_owned()
            };
            AttentionEvent {
                id: format!("waiting:{}:{}:{}", a.team_id, a.session_id, a.recorded_at),
                orchestration_id: orch.id.clone(),
                kind: AttentionKind::Waiting,
                team_id: Some(a.team_id.clone()),
                phase_number: None,
                session_id: Some(a.session_id.clone()),
                agent_name: Some(member.clone()),
                message: format!("{member} of team {team} is waiting on a person: {said}"),
                detail: json!({
                    "notification_type": kind, "since": a.recorded_at, "team_name": team,
                }),
                created_at: a.recorded_at,
                cleared_at: None,
                delivered_at: None,
            }
        })
        .collect()
}

fn stalls(
    orch: &Orchestration,
    phase: &Phase,
    teams: &[Team],
    activity: &[TeamActivity],
    tasks: &[CurrentTask],
    stall_after_ms: Millis,
    now: Millis,
) -> Vec<AttentionEvent> {
    let n = phase.phase_number;
    let phase_teams: Vec<&Team> = teams.iter().filter(|t| t.phase_number == Some(n)).collect();
    let ids: HashSet<&TeamId> = phase_teams.iter().map(|t| &t.id).collect();
    let acts: Vec<&TeamActivity> = activity
        .iter()
        .filter(|a| ids.contains(&a.team_id))
        .collect();
    let phase_tasks: Vec<&CurrentTask> =
        tasks.iter().filter(|t| ids.contains(&t.team_id)).collect();
    let last_task = phase_tasks.iter().map(|t| t.recorded_at).max();
    let last_act = acts.iter().map(|a| a.recorded_at).max();
    let pending = phase_tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Pending)
        .count();
    let mut members: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    for a in &acts {
        members.insert(
            member_of(a),
            json!({"last": a.kind.as_str(), "at": a.recorded_at}),
        );
    }
    let evidence = |extra: serde_json::Value| {
        let mut d = json!({
            "last_activity": members, "last_task_change": last_task, "pending_tasks": pending,
        });
        if let (Some(obj), serde_json::Value::Object(more)) = (d.as_object_mut(), extra) {
            obj.extend(more);
        }
        d
    };
    let event = |id: String, message: String, detail| AttentionEvent {
        id,
        orchestration_id: orch.id.clone(),
        kind: AttentionKind::Stall,
        team_id: phase_teams.first().map(|t| t.id.clone()),
        phase_number: Some(n),
        session_id: None,
        agent_name: None,
        message,
        detail,
        created_at: now,
        cleared_at: None,
        delivered_at: None,
    };
    let mut out = Vec::new();
    let basis = [Some(phase.updated_at), last_task, last_act]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(phase.updated_at);
    if now - basis >= stall_after_ms {
        out.push(event(
            format!("stall:{}:phase-{n}:quiet:{basis}", orch.id),
            format!(
                "phase {n} of '{}' shows no task change or agent activity for {} min",
                orch.feature_name,
                (now - basis) / 60_000
            ),
            evidence(json!({"reason": "no_progress", "quiet_since": basis})),
        ));
    }
    // The lead's last word was a stop (or an idle prompt) with work still pending.
    let lead_idle_after = (stall_after_ms / 4).max(1);
    for team in &phase_teams {
        let Some(lead) = team.lead_session_id.as_deref() else {
            continue;
        };
        let Some(last) = acts
            .iter()
            .filter(|a| a.team_id == team.id && a.session_id == lead && a.agent_name.is_none())
            .max_by_key(|a| a.recorded_at)
        else {
            continue;
        };
        let idle = last.kind == ActivityKind::Stop
            || (last.kind == ActivityKind::Notification
                && notification(last.detail.as_deref()).is_some_and(|(k, _)| k == "idle_prompt"));
        let since = last.recorded_at;
        let later_change = last_task.is_some_and(|t| t > since)
            || acts
                .iter()
                .any(|a| a.team_id == team.id && a.recorded_at > since);
        if idle && pending > 0 && !later_change && now - since >= lead_idle_after {
            out.push(event(
                format!("stall:{}:phase-{n}:lead-idle:{since}", orch.id),
                format!(
                    "the lead of {} went idle with {pending} pending task(s) in phase {n}",
                    team.team_name
                ),
                evidence(json!({"reason": "lead_idle", "idle_since": since})),
            ));
        }
    }
    out
}
