//! The domain model: typed ids, status enums and the records every store returns.
//!
//! No I/O lives here. Every type serializes to the JSON shapes that the CLI (`--json`),
//! the MCP tools, the HTTP API and the Convex functions share, and exports a TypeScript
//! definition (ts-rs) so the web UI cannot drift from the server.

mod activity;
mod ids;
pub mod input;
mod records;
pub mod rules;
mod status;

pub use activity::{ActivityKind, NewTeamActivity, TeamActivity};
pub use ids::{OrchestrationId, TeamId};
pub use records::*;
pub use status::{OrchestrationStatus, PhaseStatus, TaskStatus};

/// Milliseconds since the Unix epoch, the one timestamp unit of every record.
pub type Millis = i64;

/// Schema-only wording. The records' `///` docs are also exported to TypeScript (ts-rs),
/// so wording aimed at JSON readers (null rather than `None`, a type alias's meaning)
/// is set with `schemars(description = ..)` from here.
#[cfg(feature = "json-schema")]
mod schema_text {
    /// [`super::Millis`] is an alias, so its meaning is restated on every field.
    pub const EPOCH_MS: &str = "Milliseconds since the Unix epoch.";
    pub const FEATURE_NAME: &str = "Unique (one orchestration per feature), matched exactly.";
    pub const NULL_FOR_ORCHESTRATOR: &str = "Null for the orchestrator team.";
    pub const NULL_FOR_ORCHESTRATOR_TASKS: &str = "Null for tasks of the orchestrator team.";
}

/// The current time in [`Millis`].
pub fn now_ms() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}

/// The name of the orchestrator team of a feature. A label only: nothing parses it back.
pub fn orchestrator_team_name(feature: &str) -> String {
    format!("{feature}-orchestration")
}

/// The name of the team that executes phase `n` of a feature. A label only.
pub fn phase_team_name(feature: &str, phase: u32) -> String {
    format!("{feature}-phase-{phase}")
}

/// Current tasks by status, every reported status kept (unknown ones too).
pub fn count_by_status<'a>(
    tasks: impl IntoIterator<Item = &'a CurrentTask>,
) -> std::collections::BTreeMap<String, u32> {
    let mut counts = std::collections::BTreeMap::new();
    for t in tasks {
        *counts.entry(t.status.as_str().to_owned()).or_insert(0) += 1;
    }
    counts
}

/// Orders task ids the way people read them: numeric ids by value ("2" before "10"),
/// anything else after them, lexicographically.
pub fn task_id_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => std::cmp::Ordering::Less,
        (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ids_sort_numerically_then_lexically() {
        let mut ids = vec!["10", "b", "2", "1", "a"];
        ids.sort_by(|a, b| task_id_order(a, b));
        assert_eq!(ids, ["1", "2", "10", "a", "b"]);
    }
}
