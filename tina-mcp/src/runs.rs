//! The scenario runs a server started ([`RunRegistry`]) and the daemon they share: the
//! state behind the harness tools, kept apart from the tools so that the server's
//! `Context` holds it without depending on the tools.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tina_harness::RunReport;

use crate::error::{ToolError, ToolResult};

/// How many runs the registry holds before it forgets the finished ones.
const RUNS_KEPT: usize = 100;

/// Runs started by this server, by run id.
#[derive(Default)]
pub struct RunRegistry {
    runs: Mutex<HashMap<String, Arc<Mutex<LiveRun>>>>,
    /// The daemon the runs use, held by the server rather than by any one run.
    pub(crate) daemon: DaemonSlot,
}

/// The server's hold on the daemon, shared by its runs: `None` while no run holds it.
pub(crate) type DaemonSlot = Arc<Mutex<Option<SharedDaemon>>>;

/// Keeps a daemon running while any of the server's runs is in progress. A run stops
/// only a daemon it started itself; with the server holding the daemon across
/// overlapping runs, one run ending never stops the daemon another run still needs.
/// When the last run ends, the daemon is stopped if the server started it.
pub(crate) struct SharedDaemon {
    config: tina_session::Config,
    started: bool,
    /// How many [`LeaseGuard`]s are alive.
    holders: usize,
}

impl Drop for SharedDaemon {
    fn drop(&mut self) {
        if self.started
            && let Err(e) = tina_session::daemon::stop(&self.config)
        {
            tracing::warn!("could not stop the daemon this server started: {e}");
        }
    }
}

/// One run's hold on the shared daemon. Dropping it (when the run ends, returns early
/// or panics) releases exactly this hold; the last one lets the daemon go.
#[must_use = "the daemon is released when the guard is dropped"]
pub(crate) struct LeaseGuard {
    slot: DaemonSlot,
}

pub(crate) fn lock_slot(
    slot: &Mutex<Option<SharedDaemon>>,
) -> MutexGuard<'_, Option<SharedDaemon>> {
    // The slot holds a counter and a config; a panic elsewhere cannot leave it half
    // updated, so a poisoned lock is still good to use (and must be, or the daemon leaks).
    slot.lock().unwrap_or_else(PoisonError::into_inner)
}

impl LeaseGuard {
    /// Called before a run: holds the daemon, starting it for the first holder. `None`
    /// when it could not be started: nothing is held, so nothing will be released.
    pub(crate) fn acquire(slot: &DaemonSlot, config: &tina_session::Config) -> Option<Self> {
        // Through the harness, so the daemon is the `tina-daemon` beside the
        // `tina-session` the runs use (`Binaries::locate`), not whichever is on PATH.
        Self::acquire_with(slot, config, |config| {
            let bins = tina_harness::binaries::Binaries::locate();
            tina_harness::daemon::start(config, &bins)
                .map(|outcome| {
                    matches!(outcome, tina_session::daemon::StartOutcome::Started { .. })
                })
                .map_err(|e| format!("{e:#}"))
        })
    }

    /// [`Self::acquire`] with the start step given: `start` returns whether it started
    /// a daemon (which the last holder then stops) or found one running.
    fn acquire_with(
        slot: &DaemonSlot,
        config: &tina_session::Config,
        start: impl FnOnce(&tina_session::Config) -> Result<bool, String>,
    ) -> Option<Self> {
        let mut shared = lock_slot(slot);
        match shared.as_mut() {
            Some(daemon) => daemon.holders += 1,
            None => match start(config) {
                Ok(started) => {
                    *shared = Some(SharedDaemon {
                        config: config.clone(),
                        started,
                        holders: 1,
                    })
                }
                // The run makes its own attempt and reports the failure in its report.
                Err(e) => {
                    tracing::warn!("could not start the daemon for scenario runs: {e}");
                    return None;
                }
            },
        }
        Some(Self { slot: slot.clone() })
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        let mut shared = lock_slot(&self.slot);
        if let Some(daemon) = shared.as_mut() {
            daemon.holders = daemon.holders.saturating_sub(1);
            if daemon.holders == 0 {
                // Under the lock, so a run starting now waits for the stop to finish
                // instead of finding the old daemon on its way out.
                *shared = None;
            }
        }
    }
}

/// What this server knows of a run it started.
#[derive(Debug, Clone)]
pub(crate) struct LiveRun {
    pub(crate) scenario: String,
    pub(crate) progress: VecDeque<String>,
    /// Set when the run ended with a report.
    pub(crate) report: Option<RunReport>,
    /// Set when the run could not even start its report (e.g. no run folder).
    pub(crate) failure: Option<String>,
}

impl RunRegistry {
    pub(crate) fn get(&self, run_id: &str) -> Option<Arc<Mutex<LiveRun>>> {
        self.runs.lock().ok()?.get(run_id).cloned()
    }

    /// Registers `run` under `run_id` unless a run of the same scenario is still going
    /// on, in which case nothing is registered and that run's id is returned. Check and
    /// insert happen under one lock, so of two concurrent starts of a scenario exactly
    /// one registers (two runs of one scenario would clean up each other's feature).
    pub(crate) fn insert_unless_running(
        &self,
        run_id: &str,
        run: Arc<Mutex<LiveRun>>,
    ) -> ToolResult<Result<(), String>> {
        let scenario = match run.lock() {
            Ok(r) => r.scenario.clone(),
            Err(poisoned) => poisoned.into_inner().scenario.clone(),
        };
        let mut runs = self
            .runs
            .lock()
            .map_err(|_| ToolError::Internal("run registry poisoned".into()))?;
        let running = runs.iter().find_map(|(id, r)| {
            let r = r.lock().ok()?;
            (r.scenario == scenario && r.report.is_none() && r.failure.is_none())
                .then(|| id.clone())
        });
        if let Some(id) = running {
            return Ok(Err(id));
        }
        // Finished runs are on disk; forget them once there are many, so a long-lived
        // server does not grow without bound.
        if runs.len() >= RUNS_KEPT {
            runs.retain(|_, r| {
                r.lock()
                    .is_ok_and(|r| r.report.is_none() && r.failure.is_none())
            });
        }
        runs.insert(run_id.to_owned(), run);
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests;
