//! `watch_orchestration`: what a watcher agent needs in one call.
//!
//! A watch compares a [`Snapshot`] of the store with what the caller has already been
//! told, which travels in the cursor ([`Seen`]). The cursor carries *state* (which
//! teams, phase statuses and task counts were reported; which anomalies are raised), not
//! an offset into a log, so it stays valid across server restarts and store changes,
//! and a milestone is reported only when the state differs from what the cursor says:
//! calling again with the returned cursor never repeats one. Intermediate changes that
//! happen within one poll are coalesced into their latest state.
//!
//! Anomalies are conditions: each is reported once when it starts to hold, listed under
//! `ongoing_anomalies` while it still holds, and may be reported again only after it
//! cleared (a new stall after progress resumed is a new anomaly).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use tina_session::lifecycle::resolve_orchestration;
use tina_session::model::{
    CurrentTask, Millis, Orchestration, Phase, PhaseStatus, TaskStatus, Team, TeamActivity,
};
use tina_session::store::{Store, StoreError};

use crate::error::{ToolError, ToolResult};

mod activity;

const CURSOR_PREFIX: &str = "w1.";

/// What the caller has already been told. Serialized into the opaque cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    /// The orchestration key the cursor belongs to (id or feature name as given).
    pub key: String,
    /// When the watched run started; "no orchestration" counts from here.
    pub since: Millis,
    /// The orchestration id reported as appeared, if any.
    pub orch: Option<String>,
    /// The orchestration status last reported.
    pub status: Option<String>,
    /// Team id -> [completed, total] tasks last reported. Presence = team reported.
    pub teams: BTreeMap<String, [u32; 2]>,
    /// Phase number -> status last reported.
    pub phases: BTreeMap<u32, String>,
    /// Anomaly keys reported and still holding at the last call.
    pub raised: BTreeSet<String>,
    /// Team activity (hooks) already reported.
    #[serde(default)]
    pub activity: activity::ActivitySeen,
}

impl Seen {
    pub fn new(key: &str, since: Millis) -> Self {
        Self {
            key: key.to_owned(),
            since,
            ..Self::default()
        }
    }

    pub fn encode(&self) -> String {
        // Serializing plain maps and strings cannot fail; an empty cursor would only
        // restart the watch.
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("{CURSOR_PREFIX}{}", URL_SAFE_NO_PAD.encode(json))
    }

    pub fn decode(cursor: &str, key: &str) -> ToolResult<Self> {
        let bad = |why: &str| {
            ToolError::Invalid(format!(
                "invalid cursor ({why}); pass the cursor returned by the previous \
                 watch_orchestration call unchanged, or omit it to start over"
            ))
        };
        let body = cursor
            .strip_prefix(CURSOR_PREFIX)
            .ok_or_else(|| bad("unknown format"))?;
        let bytes = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| bad("not base64"))?;
        let seen: Seen = serde_json::from_slice(&bytes).map_err(|_| bad("unreadable"))?;
        if seen.key != key {
            return Err(ToolError::Invalid(format!(
                "this cursor belongs to a watch of '{}', not '{key}'; omit the cursor to \
                 start watching '{key}'",
                seen.key
            )));
        }
        Ok(seen)
    }
}

/// The daemon's health as the watch sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DaemonHealth {
    /// Running, last heartbeat this many milliseconds ago.
    Heartbeat { age_ms: i64 },
    /// No daemon process is running.
    NotRunning,
    /// Not checked: the store is remote (Convex), fed by daemons on the machines where
    /// the agents run, so the local daemon says nothing about it.
    RemoteStore,
}

/// The store's state of one orchestration at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub now: Millis,
    pub orchestration: Option<Orchestration>,
    pub phases: Vec<Phase>,
    pub teams: Vec<Team>,
    pub tasks: Vec<CurrentTask>,
    /// Team activity from hooks, oldest first.
    pub activity: Vec<TeamActivity>,
    /// `None`: daemon health unknown (not checked).
    pub daemon: Option<DaemonHealth>,
}

impl Snapshot {
    /// Reads the orchestration (by id or exact feature name) and everything a watch
    /// looks at. A missing orchestration is a normal state here, not an error; a store
    /// that cannot answer is an error, never "missing": that would report the
    /// orchestration removed and reset the cursor, repeating every milestone after.
    pub fn read(store: &dyn Store, key: &str, now: Millis) -> ToolResult<Self> {
        let read = || -> Result<_, StoreError> {
            // `resolve_orchestration` passes a failed lookup through as it is; only a
            // record the store says is missing becomes `None`.
            let orchestration = match resolve_orchestration(store, key) {
                Ok(o) => Some(o),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            };
            let (phases, teams, tasks, activity) = match &orchestration {
                Some(o) => (
                    store.list_phases(&o.id)?,
                    store.list_teams(&o.id)?,
                    store.get_current_tasks(&o.id)?,
                    store.list_team_activity(&o.id)?,
                ),
                None => Default::default(),
            };
            Ok((orchestration, phases, teams, tasks, activity))
        };
        let (orchestration, phases, teams, tasks, activity) = read().map_err(store_failed)?;
        Ok(Self {
            now,
            orchestration,
            phases,
            teams,
            tasks,
            activity,
            daemon: None,
        })
    }
}

/// A store failure during a watch: the call reports nothing, so the caller's cursor is
/// still the right one to retry with.
pub fn store_failed(e: StoreError) -> ToolError {
    if e.is_not_found() {
        return e.into();
    }
    ToolError::Refused(format!(
        "cannot read the store ({e}); nothing was reported and nothing was missed: call \
         watch_orchestration again with the same cursor"
    ))
}

/// Thresholds of the time-based anomalies, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub no_orchestration_ms: i64,
    pub team_without_tasks_ms: i64,
    pub no_progress_ms: i64,
    pub heartbeat_stale_ms: i64,
}

impl Thresholds {
    /// From the tool's minutes/seconds; negative or non-finite values are refused.
    pub fn from_params(p: &crate::params::WatchOrchestrationParams) -> ToolResult<Self> {
        let ms = |name: &str, v: f64, unit_ms: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok((v * unit_ms) as i64)
            } else {
                Err(ToolError::Invalid(format!(
                    "{name} must be a non-negative number, got {v}"
                )))
            }
        };
        Ok(Self {
            no_orchestration_ms: ms("no_orchestration_minutes", p.no_orchestration_minutes, 60e3)?,
            team_without_tasks_ms: ms(
                "team_without_tasks_minutes",
                p.team_without_tasks_minutes,
                60e3,
            )?,
            no_progress_ms: ms("no_progress_minutes", p.no_progress_minutes, 60e3)?,
            heartbeat_stale_ms: ms("heartbeat_stale_seconds", p.heartbeat_stale_seconds, 1e3)?,
        })
    }
}

/// What kind of milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    OrchestrationAppeared,
    /// The feature was re-initialized: a new orchestration id replaced the watched one.
    OrchestrationReplaced,
    /// The orchestration's records were removed (cleanup).
    OrchestrationRemoved,
    TeamRegistered,
    PhaseStatus,
    TaskProgress,
    OrchestrationStatus,
    /// A lead session started or ended, a teammate went idle, a notification (hooks).
    TeamActivity,
}

/// What kind of anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    NoOrchestration,
    TeamWithoutTasks,
    NoTaskProgress,
    DaemonHeartbeatStale,
    DaemonNotRunning,
    PhaseBlocked,
    /// A phase lead's Claude Code session ended while its phase executes.
    LeadSessionEnded,
}

/// One milestone or anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WatchEvent<K> {
    pub kind: K,
    /// A one-line description, e.g. "phase 1 (auth-phase-1): 3/5 tasks completed".
    pub message: String,
    /// The phase concerned, if any.
    pub phase_number: Option<u32>,
    /// The team concerned, if any.
    pub team_name: Option<String>,
}

pub type Milestone = WatchEvent<MilestoneKind>;
pub type Anomaly = WatchEvent<AnomalyKind>;

fn event<K>(kind: K, message: String, phase: Option<u32>, team: Option<&str>) -> WatchEvent<K> {
    WatchEvent {
        kind,
        message,
        phase_number: phase,
        team_name: team.map(str::to_owned),
    }
}

/// The outcome of comparing a snapshot with a cursor.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub milestones: Vec<Milestone>,
    pub new_anomalies: Vec<Anomaly>,
    pub ongoing_anomalies: Vec<Anomaly>,
    pub next: Seen,
}

impl Evaluation {
    pub fn has_news(&self) -> bool {
        !self.milestones.is_empty() || !self.new_anomalies.is_empty()
    }
}

fn team_label(team: &Team) -> String {
    match team.phase_number {
        Some(n) => format!("phase {n} ({})", team.team_name),
        None => format!("orchestrator ({})", team.team_name),
    }
}

/// Compares `snap` with what `seen` says was reported. Pure: no I/O, no clock.
pub fn evaluate(seen: &Seen, snap: &Snapshot, t: &Thresholds) -> Evaluation {
    let mut next = Seen::new(&seen.key, seen.since);
    let mut milestones = Vec::new();
    let mut holding: Vec<(String, Anomaly)> = Vec::new();

    match &snap.orchestration {
        None => {
            if seen.orch.is_some() {
                milestones.push(event(
                    MilestoneKind::OrchestrationRemoved,
                    format!("orchestration '{}' was removed", seen.key),
                    None,
                    None,
                ));
            }
            let waited = snap.now - seen.since;
            if waited >= t.no_orchestration_ms {
                holding.push((
                    "no_orchestration".into(),
                    event(
                        AnomalyKind::NoOrchestration,
                        format!(
                            "no orchestration '{}' {} after the run started",
                            seen.key,
                            minutes(waited)
                        ),
                        None,
                        None,
                    ),
                ));
            }
        }
        Some(orch) => evaluate_orchestration(
            seen,
            snap,
            orch,
            t,
            &mut next,
            &mut milestones,
            &mut holding,
        ),
    }

    // A finished orchestration no longer needs the daemon.
    let terminal = snap
        .orchestration
        .as_ref()
        .is_some_and(|o| o.status.is_terminal());
    match snap.daemon.filter(|_| !terminal) {
        Some(DaemonHealth::NotRunning) => holding.push((
            "daemon_not_running".into(),
            event(
                AnomalyKind::DaemonNotRunning,
                "the tina daemon is not running: task files are not synced into the store".into(),
                None,
                None,
            ),
        )),
        Some(DaemonHealth::Heartbeat { age_ms }) if age_ms >= t.heartbeat_stale_ms => {
            holding.push((
                "daemon_heartbeat_stale".into(),
                event(
                    AnomalyKind::DaemonHeartbeatStale,
                    format!("daemon heartbeat stale: last one {} ago", seconds(age_ms)),
                    None,
                    None,
                ),
            ))
        }
        _ => {}
    }

    let mut new_anomalies = Vec::new();
    let mut ongoing_anomalies = Vec::new();
    for (key, anomaly) in holding {
        if seen.raised.contains(&key) {
            ongoing_anomalies.push(anomaly);
        } else {
            new_anomalies.push(anomaly);
        }
        next.raised.insert(key);
    }
    Evaluation {
        milestones,
        new_anomalies,
        ongoing_anomalies,
        next,
    }
}

fn evaluate_orchestration(
    seen: &Seen,
    snap: &Snapshot,
    orch: &Orchestration,
    t: &Thresholds,
    next: &mut Seen,
    milestones: &mut Vec<Milestone>,
    holding: &mut Vec<(String, Anomaly)>,
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

fn minutes(ms: i64) -> String {
    format!("{:.1} minutes", ms as f64 / 60e3)
}

fn seconds(ms: i64) -> String {
    format!("{:.0} s", ms as f64 / 1e3)
}

/// Totals for the watch result.
pub fn task_totals(snap: &Snapshot) -> (u32, u32) {
    let total = snap.tasks.len() as u32;
    let done = snap
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Completed)
        .count() as u32;
    (done, total)
}

/// Whether a watch could see the health of the daemon that feeds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DaemonCheck {
    /// The store is the local SQLite file and the local daemon was checked: a dead or
    /// stale daemon is reported as an anomaly.
    Checked,
    /// The store is remote (Convex): the daemons that feed it run on the agents'
    /// machines, so their health is unknown here and no daemon anomalies are raised.
    UnknownRemoteStore,
    /// The daemon's files under TINA_HOME could not be read: health unknown, no daemon
    /// anomalies.
    Unknown,
}

impl DaemonCheck {
    fn of(health: Option<DaemonHealth>) -> Self {
        match health {
            Some(DaemonHealth::Heartbeat { .. } | DaemonHealth::NotRunning) => Self::Checked,
            Some(DaemonHealth::RemoteStore) => Self::UnknownRemoteStore,
            None => Self::Unknown,
        }
    }
}

/// The result of one `watch_orchestration` call.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WatchResult {
    /// Pass this back as `cursor` on the next call.
    pub cursor: String,
    /// Null while the orchestration does not exist.
    pub orchestration_id: Option<String>,
    pub feature_name: Option<String>,
    /// planning | executing | reviewing | complete | blocked; null if it does not exist.
    pub status: Option<String>,
    /// True when the orchestration is complete or blocked: stop watching (a blocked
    /// one can be resumed with advance_phase event "resume").
    pub terminal: bool,
    /// New since the cursor, oldest first. Never repeated by a later call.
    pub milestones: Vec<Milestone>,
    /// Anomalies that started since the cursor.
    pub anomalies: Vec<Anomaly>,
    /// Anomalies reported by an earlier call that still hold.
    pub ongoing_anomalies: Vec<Anomaly>,
    /// Phases complete / total phases (0/0 while the orchestration does not exist).
    pub phases_complete: u32,
    pub total_phases: u32,
    /// Current tasks completed / total, across all teams.
    pub tasks_completed: u32,
    pub tasks_total: u32,
    /// True when the call returned because the timeout passed with nothing new.
    pub timed_out: bool,
    /// Whether the daemon's health was checked (daemon anomalies are raised only then).
    pub daemon_health: DaemonCheck,
    /// Set while the orchestration does not exist: what the watch is waiting for.
    pub note: Option<String>,
}

impl WatchResult {
    pub fn new(eval: Evaluation, snap: &Snapshot, timed_out: bool) -> Self {
        let (tasks_completed, tasks_total) = task_totals(snap);
        let orch = snap.orchestration.as_ref();
        Self {
            cursor: eval.next.encode(),
            orchestration_id: orch.map(|o| o.id.0.clone()),
            feature_name: orch.map(|o| o.feature_name.clone()),
            status: orch.map(|o| o.status.as_str().to_owned()),
            terminal: orch.is_some_and(|o| o.status.is_terminal()),
            milestones: eval.milestones,
            anomalies: eval.new_anomalies,
            ongoing_anomalies: eval.ongoing_anomalies,
            phases_complete: snap
                .phases
                .iter()
                .filter(|p| p.status == PhaseStatus::Complete)
                .count() as u32,
            total_phases: orch.map_or(0, |o| o.total_phases),
            tasks_completed,
            tasks_total,
            timed_out,
            daemon_health: DaemonCheck::of(snap.daemon),
            note: orch.is_none().then(|| {
                format!(
                    "no orchestration has the id or feature name '{}' yet; the watch waits \
                     for it (list_orchestrations lists the existing ones)",
                    eval.next.key
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests;
