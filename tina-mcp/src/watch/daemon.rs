//! Anomalies of the daemon that feeds the store: not running, a stale heartbeat, or
//! running but unable to record what it reads.

use super::{AnomalyKind, DaemonHealth, Holding, Snapshot, Thresholds, event, seconds};

/// The daemon that feeds the store: not running, or its heartbeat stale. A finished
/// orchestration no longer needs it.
pub fn daemon_anomalies(snap: &Snapshot, t: &Thresholds) -> Vec<Holding> {
    let terminal = snap
        .orchestration
        .as_ref()
        .is_some_and(|o| o.status.is_terminal());
    match snap.daemon.filter(|_| !terminal) {
        Some(DaemonHealth::NotRunning) => vec![(
            "daemon_not_running".into(),
            event(
                AnomalyKind::DaemonNotRunning,
                "the tina daemon is not running: task files are not synced into the store".into(),
                None,
                None,
            ),
        )],
        Some(DaemonHealth::Heartbeat { age_ms }) if age_ms >= t.heartbeat_stale_ms => vec![(
            "daemon_heartbeat_stale".into(),
            event(
                AnomalyKind::DaemonHeartbeatStale,
                format!("daemon heartbeat stale: last one {} ago", seconds(age_ms)),
                None,
                None,
            ),
        )],
        _ => Vec::new(),
    }
}

/// The anomaly of a daemon that runs but cannot record what it reads (not once the
/// orchestration is finished).
pub(super) fn daemon_unhealthy(snap: &Snapshot) -> Option<Holding> {
    use tina_session::daemon::ProblemKind;
    let terminal = snap
        .orchestration
        .as_ref()
        .is_some_and(|o| o.status.is_terminal());
    let Some(DaemonHealth::Unhealthy { problem }) = snap.daemon.filter(|_| !terminal) else {
        return None;
    };
    let why = match problem {
        ProblemKind::DiskFull => "the disk holding the store is full",
        ProblemKind::StoreCorrupt => "the store file is corrupt (see `tina-session db check`)",
        ProblemKind::StoreReplaced => "the store file was deleted or replaced under it",
        ProblemKind::StoreWriteFailing => "its writes to the store fail",
        ProblemKind::StateWriteFailing => "it cannot write its own state file",
    };
    Some((
        "daemon_unhealthy".into(),
        event(
            AnomalyKind::DaemonUnhealthy,
            format!(
                "the tina daemon cannot record task changes: {why}; it keeps retrying \
                 (details: `tina-session daemon status`)"
            ),
            None,
            None,
        ),
    ))
}
