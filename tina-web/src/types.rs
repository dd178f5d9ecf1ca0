//! Response shapes that exist only in the HTTP API. Like the domain model, they export
//! TypeScript definitions (ts-rs) into `ui/src/generated/`, so the UI never hand-copies them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

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
