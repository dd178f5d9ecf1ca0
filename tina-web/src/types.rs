//! Response shapes that exist only in the HTTP API. Like the domain model, they export
//! TypeScript definitions (ts-rs) into `ui/src/generated/`, so the UI never hand-copies them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tina_session::Orchestration;
use ts_rs::TS;

/// One row of the orchestration list: the orchestration and its task counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OrchestrationSummary {
    pub orchestration: Orchestration,
    /// Current tasks (orchestrator and phase teams) by status, every reported status kept.
    pub task_counts: BTreeMap<String, u32>,
    pub task_total: u32,
}

impl OrchestrationSummary {
    pub fn from_counts(orchestration: Orchestration, task_counts: BTreeMap<String, u32>) -> Self {
        Self {
            orchestration,
            task_total: task_counts.values().sum(),
            task_counts,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ApiErrorBody {
    /// A stable machine-readable kind: `not_found`, `bad_request`, `store_unavailable`,
    /// `store_error` or `internal`.
    pub error: String,
    /// What failed and what to do about it, for people.
    pub message: String,
}

/// The data of a `revision` server-sent event: the store changed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RevisionEvent {
    #[ts(type = "number")]
    pub revision: i64,
}

/// `GET /api/health`: which store the server reads and its current revision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Health {
    pub store: String,
    #[ts(type = "number")]
    pub revision: i64,
}
