//! The store's state of one orchestration at one moment, as a watch reads it, and the
//! daemon's health as the watch sees it.

use tina_session::lifecycle::resolve_orchestration;
use tina_session::model::{CurrentTask, Millis, Orchestration, Phase, Team, TeamActivity};
use tina_session::store::{Store, StoreError};

use crate::error::{ToolError, ToolResult};

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
    /// Running, but it cannot record what it reads (disk full, store corrupt, ...).
    Unhealthy {
        problem: tina_session::daemon::ProblemKind,
    },
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
    /// Open attention events (waiting, stalls, budget), recorded by the daemon.
    pub attention: Vec<tina_session::model::AttentionEvent>,
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
            let (phases, teams, tasks, activity, attention) = match &orchestration {
                Some(o) => (
                    store.list_phases(&o.id)?,
                    store.list_teams(&o.id)?,
                    store.get_current_tasks(&o.id)?,
                    store.list_team_activity(&o.id)?,
                    store.list_attention(&o.id)?,
                ),
                None => Default::default(),
            };
            Ok((orchestration, phases, teams, tasks, activity, attention))
        };
        let (orchestration, phases, teams, tasks, activity, attention) =
            read().map_err(store_failed)?;
        Ok(Self {
            now,
            orchestration,
            phases,
            teams,
            tasks,
            activity,
            daemon: None,
            attention: attention.into_iter().filter(|e| e.is_open()).collect(),
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
