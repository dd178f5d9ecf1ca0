//! The reply of one `watch_orchestration` call: what is new since the cursor, plus
//! progress totals and whether the daemon's health could be checked.

use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;
use tina_session::model::{PhaseStatus, TaskStatus};

use super::{Anomaly, DaemonHealth, Evaluation, Milestone, Seen, Snapshot, WatchEvent};

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
            Some(
                DaemonHealth::Heartbeat { .. }
                | DaemonHealth::NotRunning
                | DaemonHealth::Unhealthy { .. },
            ) => Self::Checked,
            Some(DaemonHealth::RemoteStore) => Self::UnknownRemoteStore,
            None => Self::Unknown,
        }
    }
}

/// The result of one `watch_orchestration` call: only what is new, plus progress.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WatchResult {
    /// Pass this back as `cursor` on the next call.
    pub cursor: String,
    /// The orchestration's id, when it appeared or was replaced in this call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orchestration_id: Option<String>,
    /// Absent while the orchestration does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Complete or blocked: stop watching.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub terminal: bool,
    /// New since the cursor, oldest first. Never repeated by a later call.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
    /// Anomalies that started since the cursor.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<Anomaly>,
    /// Anomalies reported earlier that still hold, briefly ("kind (team)").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ongoing: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phases_complete: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_phases: Option<u32>,
    /// Current tasks completed / total, across all teams.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks_completed: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks_total: Option<u32>,
    /// The timeout passed with nothing new.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    /// Absent when the daemon was checked; otherwise why no daemon anomalies are raised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemon_health: Option<DaemonCheck>,
    /// Set while the orchestration does not exist: what the watch is waiting for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl WatchResult {
    /// The reply for `eval` of `snap` against `seen`; `cursor` names `eval.next`.
    pub fn new(
        seen: &Seen,
        eval: Evaluation,
        snap: &Snapshot,
        cursor: String,
        timed_out: bool,
    ) -> Self {
        let (tasks_completed, tasks_total) = task_totals(snap);
        let orch = snap.orchestration.as_ref();
        let daemon = DaemonCheck::of(snap.daemon);
        Self {
            cursor,
            orchestration_id: orch
                .filter(|o| seen.orch.as_deref() != Some(o.id.as_str()))
                .map(|o| o.id.0.clone()),
            status: orch.map(|o| o.status.as_str().to_owned()),
            terminal: orch.is_some_and(|o| o.status.is_terminal()),
            milestones: eval.milestones,
            anomalies: eval.new_anomalies,
            ongoing: eval
                .ongoing_anomalies
                .iter()
                .map(WatchEvent::label)
                .collect(),
            phases_complete: orch.map(|_| {
                snap.phases
                    .iter()
                    .filter(|p| p.status == PhaseStatus::Complete)
                    .count() as u32
            }),
            total_phases: orch.map(|o| o.total_phases),
            tasks_completed: orch.map(|_| tasks_completed),
            tasks_total: orch.map(|_| tasks_total),
            timed_out,
            daemon_health: (daemon != DaemonCheck::Checked).then_some(daemon),
            note: orch.is_none().then(|| {
                format!(
                    "no orchestration {} yet; waiting for it (list_orchestrations shows \
                     the existing ones)",
                    tina_session::model::input::quote(&eval.next.key)
                )
            }),
        }
    }
}
