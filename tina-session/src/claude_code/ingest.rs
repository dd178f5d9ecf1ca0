//! Applying one hook payload to the store: the use-case behind `tina-session hook`.
//!
//! **Which team.** The payload's `session_id` equal to a team's lead session id (TINA
//! records it before it launches a lead; in-process teammates report the lead's
//! session), else a `team_name` in the payload equal to a folder the daemon linked to a
//! team. Never by name shape. A payload that resolves to no team is not kept: TINA
//! records every lead session before launching it, so it comes from a session TINA did
//! not launch (the plugin's hooks run in every session that loads it). The caller logs
//! it ([`HookOutcome::Unresolved`]).
//!
//! **Tasks.** `TaskCreated` / `TaskCompleted` become task events at once, under the same
//! identity rules as the daemon's file events, so whichever of hook and file arrives
//! first, the other changes nothing or only moves the state forward:
//! - A hook whose state the store already has records nothing.
//! - When the team's folder is linked and the task file is readable and agrees with the
//!   hook, the hook records the file's content at the file's mtime with sequence 1 —
//!   what the daemon records for a task it meets for the first time, so the second of
//!   the two is a duplicate. A later version sorts after the current one.
//! - Otherwise (the file is not there: Claude Code 2.1.332 deletes a completed task's
//!   file while the session runs) the hook records the current content with the hook's
//!   status at `max(now, current)`, sequence 0 (the daemon's sequences start at 1), so an
//!   older file state read later never overwrites a completion.
//!
//! **Activity.** `SessionStart`, `SessionEnd`, `TeammateIdle`, `Notification`, `Stop`,
//! `SubagentStart` / `SubagentStop` become team activity (`Store::record_team_activity`)
//! with a short, bounded detail. Other events are ignored.

use serde_json::{Map, Value};

use super::hooks::{HookEvent, HookPayload, TaskHook};
use super::{ClaudeHome, TaskFile};
use crate::model::input::{self, FILE_READ_MAX, NameKind};
use crate::model::*;
use crate::store::{Store, StoreError};

/// The longest detail kept with an activity entry.
pub const DETAIL_MAX: usize = 200;

/// What applying a payload did.
#[derive(Debug, Clone, PartialEq)]
pub enum HookOutcome {
    /// A task event was recorded (`from_file`: with the task file's content).
    TaskRecorded {
        team: Team,
        task_id: String,
        status: TaskStatus,
        from_file: bool,
    },
    /// The store already has this task state: nothing recorded.
    TaskUnchanged { team: Team, task_id: String },
    /// An activity entry (`new`: false when it was already recorded).
    Activity {
        team: Team,
        kind: ActivityKind,
        new: bool,
    },
    /// No team's lead session or linked folder matches: nothing recorded.
    Unresolved,
    /// An event TINA does not record.
    Ignored,
}

/// Applies `payload` (already validated) to `store`. `now` stamps the hook's own events.
pub fn ingest(
    store: &dyn Store,
    claude: &ClaudeHome,
    payload: &HookPayload,
    now: Millis,
) -> Result<HookOutcome, StoreError> {
    let activity = |kind, agent_name: Option<&str>, detail: Option<String>| {
        (kind, agent_name.map(str::to_owned), detail)
    };
    let (kind, agent_name, detail) = match &payload.event {
        HookEvent::TaskCreated(t) => {
            return task(store, claude, payload, t, TaskStatus::Pending, now);
        }
        HookEvent::TaskCompleted(t) => {
            return task(store, claude, payload, t, TaskStatus::Completed, now);
        }
        HookEvent::Other => return Ok(HookOutcome::Ignored),
        HookEvent::SessionStart { source, model } => {
            let detail = match (source, model) {
                (Some(s), Some(m)) => Some(format!("{s} ({m})")),
                (s, m) => s.clone().or_else(|| m.clone()),
            };
            activity(ActivityKind::SessionStart, None, detail)
        }
        HookEvent::SessionEnd { reason } => {
            activity(ActivityKind::SessionEnd, None, reason.clone())
        }
        HookEvent::TeammateIdle(t) => {
            activity(ActivityKind::TeammateIdle, Some(&t.teammate_name), None)
        }
        HookEvent::Notification {
            message,
            notification_type,
        } => {
            let detail = match (notification_type, message) {
                (Some(t), Some(m)) => Some(format!("{t}: {m}")),
                (t, m) => t.clone().or_else(|| m.clone()),
            };
            activity(ActivityKind::Notification, None, detail)
        }
        HookEvent::Stop {
            last_assistant_message,
        } => activity(ActivityKind::Stop, None, last_assistant_message.clone()),
        HookEvent::SubagentStart { agent_type, .. } => {
            activity(ActivityKind::SubagentStart, agent_type.as_deref(), None)
        }
        HookEvent::SubagentStop { agent_type, .. } => {
            activity(ActivityKind::SubagentStop, agent_type.as_deref(), None)
        }
    };
    let Some(team) = resolve_team(store, payload)? else {
        return Ok(HookOutcome::Unresolved);
    };
    // Agent-written names are stored only when they pass the naming rule.
    let agent_name = agent_name.filter(|a| input::validate_name(NameKind::Agent, a).is_ok());
    let new = store.record_team_activity(&NewTeamActivity {
        team_id: team.id.clone(),
        kind,
        session_id: payload.session_id.clone(),
        agent_name,
        detail: detail.map(|d| input::truncate(&d, DETAIL_MAX).into_owned()),
        recorded_at: now,
    })?;
    Ok(HookOutcome::Activity { team, kind, new })
}

/// The team a payload belongs to; see the module docs.
pub fn resolve_team(store: &dyn Store, payload: &HookPayload) -> Result<Option<Team>, StoreError> {
    if let Some(team) = store.find_team_by_lead_session(&payload.session_id)? {
        return Ok(Some(team));
    }
    let team_name = match &payload.event {
        HookEvent::TaskCreated(t) | HookEvent::TaskCompleted(t) => t.team_name.as_deref(),
        HookEvent::TeammateIdle(t) => t.team_name.as_deref(),
        _ => None,
    };
    match team_name {
        Some(folder) => store.find_team_by_claude_dir(folder),
        None => Ok(None),
    }
}

fn task(
    store: &dyn Store,
    claude: &ClaudeHome,
    payload: &HookPayload,
    hook: &TaskHook,
    status: TaskStatus,
    now: Millis,
) -> Result<HookOutcome, StoreError> {
    let Some(team) = resolve_team(store, payload)? else {
        return Ok(HookOutcome::Unresolved);
    };
    let current = store.get_current_task(&team, &hook.task_id)?;
    let unchanged = || HookOutcome::TaskUnchanged {
        team: team.clone(),
        task_id: hook.task_id.clone(),
    };
    match &current {
        // Created: any state the store has is at least as far along.
        Some(_) if status == TaskStatus::Pending => return Ok(unchanged()),
        Some(c) if c.status == status => return Ok(unchanged()),
        _ => {}
    }
    let file = read_task_file(claude, &team, &hook.task_id)
        .filter(|(f, _)| status == TaskStatus::Pending || TaskStatus::parse(&f.status) == status);
    let (event, from_file) = match file {
        Some((file, mtime)) => {
            let (recorded_at, sequence) = match &current {
                Some(c) if (mtime, 1) <= (c.recorded_at, c.sequence) => {
                    (c.recorded_at, c.sequence + 1)
                }
                _ => (mtime, 1),
            };
            (
                NewTaskEvent {
                    team_id: team.id.clone(),
                    task_id: hook.task_id.clone(),
                    blocked_by: file.blocked_by_ids(),
                    metadata: file.metadata_or_empty(),
                    subject: file.subject,
                    description: file.description.unwrap_or_default(),
                    active_form: file
                        .active_form
                        .filter(|a| !a.is_empty())
                        .map(|a| input::truncate(&a, input::ACTIVE_FORM_MAX).into_owned()),
                    status: TaskStatus::parse(&file.status),
                    owner: file.owner.filter(|o| !o.is_empty()),
                    recorded_at,
                    sequence,
                },
                true,
            )
        }
        None => {
            let (recorded_at, sequence) = match &current {
                Some(c) if c.recorded_at >= now => (c.recorded_at, c.sequence + 1),
                _ => (now, 0),
            };
            let event = match current {
                Some(c) => NewTaskEvent {
                    team_id: team.id.clone(),
                    task_id: hook.task_id.clone(),
                    subject: hook.task_subject.clone(),
                    description: hook.task_description.clone().unwrap_or(c.description),
                    active_form: c.active_form,
                    status: status.clone(),
                    owner: c.owner.or_else(|| hook.teammate_name.clone()),
                    blocked_by: c.blocked_by,
                    metadata: c.metadata,
                    recorded_at,
                    sequence,
                },
                None => NewTaskEvent {
                    team_id: team.id.clone(),
                    task_id: hook.task_id.clone(),
                    subject: hook.task_subject.clone(),
                    description: hook.task_description.clone().unwrap_or_default(),
                    active_form: None,
                    status: status.clone(),
                    owner: hook.teammate_name.clone(),
                    blocked_by: Vec::new(),
                    metadata: Value::Object(Map::new()),
                    recorded_at,
                    sequence,
                },
            };
            (event, false)
        }
    };
    let status = event.status.clone();
    match store.record_task_event(&event) {
        Ok(_) => {}
        // The daemon took this identity with other content in the meantime: the state
        // moved on without us, which is what "only moves forward" asks.
        Err(StoreError::ConflictingEvent { .. }) => return Ok(unchanged()),
        Err(e) => return Err(e),
    }
    Ok(HookOutcome::TaskRecorded {
        team,
        task_id: hook.task_id.clone(),
        status,
        from_file,
    })
}

/// The status a task refused by the `TaskCreated` hook is recorded with: Claude Code
/// rolls the task back (deletes its file), using its own word for a deleted task.
pub const REFUSED_STATUS: &str = "deleted";

/// Records that the `TaskCreated` hook refused `hook`'s task of `team`: Claude Code
/// deletes the task's file, but the daemon may have read it first, and a deleted file
/// records nothing — the task would stay pending for good. The refusal is recorded as
/// status [`REFUSED_STATUS`] at `max(now, current)`, sequence 0, so the file's earlier
/// pending state, read before or after, never overwrites it. Returns whether anything
/// was recorded.
pub fn record_refused(
    store: &dyn Store,
    team: &Team,
    hook: &TaskHook,
    now: Millis,
) -> Result<bool, StoreError> {
    let status = TaskStatus::parse(REFUSED_STATUS);
    let current = store.get_current_task(team, &hook.task_id)?;
    if current.as_ref().is_some_and(|c| c.status == status) {
        return Ok(false);
    }
    let (recorded_at, sequence) = match &current {
        Some(c) if c.recorded_at >= now => (c.recorded_at, c.sequence + 1),
        _ => (now, 0),
    };
    let event = NewTaskEvent {
        team_id: team.id.clone(),
        task_id: hook.task_id.clone(),
        subject: hook.task_subject.clone(),
        description: hook.task_description.clone().unwrap_or_default(),
        active_form: current.as_ref().and_then(|c| c.active_form.clone()),
        status,
        owner: current
            .as_ref()
            .and_then(|c| c.owner.clone())
            .or_else(|| hook.teammate_name.clone()),
        blocked_by: current
            .as_ref()
            .map(|c| c.blocked_by.clone())
            .unwrap_or_default(),
        metadata: current
            .map(|c| c.metadata)
            .unwrap_or_else(|| Value::Object(Map::new())),
        recorded_at,
        sequence,
    };
    match store.record_task_event(&event) {
        Ok(_) => Ok(true),
        // The daemon took this identity meanwhile: the next hook or pass sees it.
        Err(StoreError::ConflictingEvent { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The task's file in the team's linked folder, with its mtime: `None` when the team
/// has no linked folder or the file is missing, too large, not a regular file or
/// malformed (the daemon reports those).
fn read_task_file(claude: &ClaudeHome, team: &Team, task_id: &str) -> Option<(TaskFile, Millis)> {
    let folder = team.claude_team_dir.as_deref()?;
    let path = claude.task_path(folder, task_id).ok()?;
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > FILE_READ_MAX {
        return None;
    }
    let mtime = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_millis() as Millis;
    let file = TaskFile::parse(&std::fs::read(&path).ok()?).ok()?;
    Some((file, mtime))
}
