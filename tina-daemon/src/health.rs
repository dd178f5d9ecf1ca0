//! Whether the daemon can record what it reads, shared between the sync engine (which
//! sets and clears the problem) and the heartbeat thread (which publishes it in
//! `daemon.heartbeat`, where `tina-session daemon status` and `watch_orchestration`
//! read it).
//!
//! A problem is logged once when it starts or changes kind, and once when it clears;
//! in between the engine keeps its work queued and retries with back-off.

use std::sync::{Arc, Mutex};

use tina_session::daemon::{DaemonProblem, ProblemKind};
use tina_session::now_ms;
use tina_session::store::StoreError;

/// Longest problem detail kept, in bytes.
pub const DETAIL_MAX: usize = 400;

/// The current problem, if any.
#[derive(Debug, Clone, Default)]
pub struct Health(Arc<Mutex<Option<DaemonProblem>>>);

impl Health {
    pub fn problem(&self) -> Option<DaemonProblem> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Records a problem; logs it when it is new or of another kind.
    pub fn set(&self, kind: ProblemKind, detail: String) {
        // Bounded: the heartbeat that carries it has a fixed size.
        let detail = tina_session::model::input::truncate(&detail, DETAIL_MAX).into_owned();
        let mut current = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match current.as_mut() {
            Some(p) if p.kind == kind => p.detail = detail,
            _ => {
                tracing::error!(
                    problem = ?kind,
                    detail,
                    "the daemon is unhealthy: it cannot record what it reads; work is kept \
                     and retried (see `tina-session daemon status`)"
                );
                *current = Some(DaemonProblem {
                    kind,
                    detail,
                    since: now_ms(),
                });
            }
        }
    }

    /// Records a failed store write.
    pub fn store_failed(&self, e: &StoreError) {
        let kind = match e {
            StoreError::Full { .. } => ProblemKind::DiskFull,
            StoreError::Corrupt { .. } => ProblemKind::StoreCorrupt,
            StoreError::Replaced { .. } | StoreError::Missing { .. } => ProblemKind::StoreReplaced,
            _ => ProblemKind::StoreWriteFailing,
        };
        self.set(kind, e.to_string());
    }

    /// Records a failed write of the daemon's own state file.
    pub fn state_failed(&self, e: &crate::state::StateError) {
        let kind = if e.is_disk_full() {
            ProblemKind::DiskFull
        } else {
            ProblemKind::StateWriteFailing
        };
        self.set(kind, e.to_string());
    }

    /// Writes succeed again.
    pub fn clear(&self) {
        let mut current = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = current.take() {
            tracing::info!(problem = ?p.kind, "the daemon is healthy again: writes succeed");
        }
    }
}
