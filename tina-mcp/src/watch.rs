//! `watch_orchestration`: what a watcher agent needs in one call.
//!
//! A watch compares a [`Snapshot`] of the store with what the caller has already been
//! told ([`Seen`]: which teams, phase statuses and task counts were reported; which
//! anomalies are raised), so a milestone is reported only when the state differs:
//! calling again with the returned cursor never repeats one. Intermediate changes that
//! happen within one poll are coalesced into their latest state.
//!
//! The cursor is short (at most 22 characters, see [`Cursors`]): a digest naming the
//! `Seen` kept by this server, and the time it was taken. A server that no longer has
//! that `Seen` (restarted, or the entry aged out) rebuilds it from the store as of that
//! time ([`Seen::as_of`]), so a cursor outlives the process that issued it.
//!
//! Anomalies are conditions: each is reported once when it starts to hold, listed under
//! `ongoing` while it still holds, and may be reported again only after it cleared (a new
//! stall after progress resumed is a new anomaly). A source of anomalies is a function
//! of the [`Snapshot`] returning what holds now as keyed [`Holding`]s (see
//! [`daemon_anomalies`]); [`evaluate`] calls each one.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::Hash;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use tina_session::model::{Millis, TaskStatus};

use crate::error::{ToolError, ToolResult};

mod activity;
mod attention;
mod cursor;
mod daemon;
mod orchestration;
mod result;
mod snapshot;

pub use cursor::{Cursors, Resumed};
pub use daemon::daemon_anomalies;
use daemon::daemon_unhealthy;
use orchestration::{evaluate_orchestration, team_label};
pub use result::{DaemonCheck, WatchResult, task_totals};
pub use snapshot::{DaemonHealth, Snapshot, store_failed};

/// What the caller has already been told. Kept by [`Cursors`], named by the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

    /// What a caller holding a cursor taken at `as_of` had been told, rebuilt from the
    /// store when this server no longer keeps it: every record not changed since then
    /// counts as reported, every anomaly that held then as raised. Changes after
    /// `as_of` are reported (again, if they were reported after all); `since` is the
    /// run start the "no orchestration" anomaly counts from.
    pub fn as_of(key: &str, since: Millis, as_of: Millis, snap: &Snapshot, t: &Thresholds) -> Self {
        let mut seen = Self::new(key, since);
        let Some(orch) = snap
            .orchestration
            .as_ref()
            .filter(|o| o.started_at <= as_of)
        else {
            return seen;
        };
        seen.orch = Some(orch.id.0.clone());
        if orch.updated_at <= as_of {
            seen.status = Some(orch.status.as_str().to_owned());
        }
        for phase in snap.phases.iter().filter(|p| p.updated_at <= as_of) {
            seen.phases
                .insert(phase.phase_number, phase.status.as_str().to_owned());
        }
        for team in snap.teams.iter().filter(|t| t.created_at <= as_of) {
            let tasks = || snap.tasks.iter().filter(|k| k.team_id == team.id);
            let counts = if tasks().any(|k| k.recorded_at > as_of) {
                [u32::MAX; 2] // changed since: report its progress
            } else {
                let done = tasks()
                    .filter(|k| k.status == TaskStatus::Completed)
                    .count() as u32;
                [done, tasks().count() as u32]
            };
            seen.teams.insert(team.id.0.clone(), counts);
        }
        // The anomalies that held at `as_of`, judged on today's records. Daemon health
        // then is unknown: a daemon anomaly that still holds is reported once more.
        let then = Snapshot {
            now: as_of,
            daemon: None,
            ..snap.clone()
        };
        seen.raised = evaluate(&seen, &then, t).next.raised;
        seen
    }
}

/// Thresholds of the time-based anomalies, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub no_orchestration_ms: i64,
    pub team_without_tasks_ms: i64,
    pub no_progress_ms: i64,
    pub heartbeat_stale_ms: i64,
    /// How long a lead TINA launched may go without a linked Claude Code team folder:
    /// the launcher's own wait (`Context::lead_folder_timeout`).
    pub lead_team_folder_ms: i64,
}

impl Thresholds {
    /// From the tool's minutes/seconds (negative or non-finite values are refused) and
    /// the server's wait for a lead's team folder.
    pub fn from_params(
        p: &crate::params::WatchOrchestrationParams,
        lead_folder_timeout: std::time::Duration,
    ) -> ToolResult<Self> {
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
            lead_team_folder_ms: i64::try_from(lead_folder_timeout.as_millis()).unwrap_or(i64::MAX),
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
    /// The daemon runs but cannot write the store (disk full, corrupt or replaced store).
    DaemonUnhealthy,
    PhaseBlocked,
    /// An agent waits on a person (permission prompt, idle prompt, elicitation).
    WaitingOnPerson,
    /// An executing phase shows no progress, or its lead went idle with pending tasks.
    Stall,
    BudgetWarning,
    /// The phase is blocked and new tasks are refused until the budget is raised.
    BudgetExceeded,
    /// A phase lead's Claude Code session ended while its phase executes.
    LeadSessionEnded,
    /// A lead TINA launched has no linked Claude Code team folder in the expected time:
    /// stuck (a dialog, a login prompt, a failed start) or no teammate spawned yet.
    LeadTeamFolderMissing,
}

/// One milestone or anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WatchEvent<K> {
    /// A milestone or anomaly kind (snake_case); the message says the rest.
    #[schemars(with = "String")]
    pub kind: K,
    /// A one-line description, e.g. "phase 1 (auth-phase-1): 3/5 tasks completed".
    pub message: String,
    /// The phase concerned, if any.
    #[serde(rename = "phase", skip_serializing_if = "Option::is_none")]
    pub phase_number: Option<u32>,
    /// The team concerned, if any.
    #[serde(rename = "team", skip_serializing_if = "Option::is_none")]
    pub team_name: Option<String>,
}

impl<K: Serialize> WatchEvent<K> {
    /// "kind" or "kind (team)" / "kind (phase N)": an ongoing anomaly, briefly.
    pub fn label(&self) -> String {
        let kind = serde_json::to_value(&self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        match (&self.team_name, self.phase_number) {
            (Some(team), _) => format!("{kind} ({team})"),
            (None, Some(n)) => format!("{kind} (phase {n})"),
            (None, None) => kind,
        }
    }
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

/// Compares `snap` with what `seen` says was reported. Pure: no I/O, no clock.
pub fn evaluate(seen: &Seen, snap: &Snapshot, t: &Thresholds) -> Evaluation {
    let mut next = Seen::new(&seen.key, seen.since);
    let mut milestones = Vec::new();
    let mut holding: Vec<Holding> = Vec::new();

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

    // Anomaly sources beyond the orchestration's own records: each a small function
    // of the snapshot returning the anomalies that hold now, keyed (see `Holding`).
    holding.extend(daemon_anomalies(snap, t));
    holding.extend(daemon_unhealthy(snap));

    holding.extend(attention::holding(&snap.attention));

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

/// An anomaly that holds now, under a key that stays the same while it holds (reported
/// once per key, then `ongoing`; a new episode needs a new key, e.g. with a time in it).
pub type Holding = (String, Anomaly);

fn minutes(ms: i64) -> String {
    format!("{:.1} minutes", ms as f64 / 60e3)
}

fn seconds(ms: i64) -> String {
    format!("{:.0} s", ms as f64 / 1e3)
}

#[cfg(test)]
mod tests;
