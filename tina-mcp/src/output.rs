//! Tool results: one struct per result shape, each an object so that MCP clients get
//! `structuredContent` and an `outputSchema`. Records from the store keep their own
//! serialization and borrow their schema from [`crate::schema`].

use std::collections::BTreeMap;

use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;
use tina_session::lifecycle::{AdvanceOutcome, InitOutcome, StartOutcome};
use tina_session::model as m;

use crate::schema;

/// A structured tool result: `structuredContent` plus the same JSON as a text block.
///
/// Named `Json` so rmcp's `#[tool]` macro derives the `outputSchema` from `T`, as it
/// does for its own `Json`. The difference is speed: rmcp builds the text block by
/// formatting the `Value` tree through `Display`; this serializes `T` directly, which
/// is a good part of a large result's cost (see `benches/stdio.rs`).
pub struct Json<T>(pub T);

impl<T: JsonSchema> JsonSchema for Json<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<T: Serialize> IntoCallToolResult for Json<T> {
    fn into_call_tool_result(self) -> Result<CallToolResponse, rmcp::ErrorData> {
        let failed = |e: serde_json::Error| {
            rmcp::ErrorData::internal_error(format!("cannot serialize the result: {e}"), None)
        };
        let text = serde_json::to_string(&self.0).map_err(failed)?;
        let value = serde_json::to_value(&self.0).map_err(failed)?;
        let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
        result.structured_content = Some(value);
        Ok(result.into())
    }
}

/// `list_orchestrations`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrchestrationList {
    /// Newest first.
    #[schemars(with = "Vec<schema::Orchestration>")]
    pub orchestrations: Vec<m::Orchestration>,
}

/// `get_orchestration`: the record, its phases and a task summary.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrchestrationSummary {
    #[schemars(with = "schema::Orchestration")]
    pub orchestration: m::Orchestration,
    /// Ordered by phase number; phases not started yet have no record.
    #[schemars(with = "Vec<schema::Phase>")]
    pub phases: Vec<m::Phase>,
    /// Number of registered teams (orchestrator and phase teams).
    pub team_count: u32,
    /// Current tasks of every team by status.
    pub task_counts: BTreeMap<String, u32>,
    pub task_total: u32,
}

/// `get_orchestration_detail`: the record serialized as is, described by its mirror.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Detail(pub m::OrchestrationDetail);

/// `get_team_hierarchy`.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Hierarchy(pub m::TeamHierarchy);

/// Inlines the mirror's schema at the root: a `$ref` root would not be `"type":
/// "object"`, and rmcp then drops the outputSchema for older protocol versions.
macro_rules! schema_of {
    ($out:ty, $mirror:ty) => {
        impl JsonSchema for $out {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                <$mirror>::schema_name()
            }

            fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
                <$mirror>::json_schema(generator)
            }
        }
    };
}

schema_of!(Detail, schema::OrchestrationDetail);
schema_of!(Hierarchy, schema::TeamHierarchy);

/// `get_current_tasks`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CurrentTasks {
    pub orchestration_id: String,
    pub feature_name: String,
    /// Number of tasks returned (after filtering).
    pub count: u32,
    /// Ordered by phase (orchestrator first), team name, task id.
    #[schemars(with = "Vec<schema::CurrentTask>")]
    pub tasks: Vec<m::CurrentTask>,
}

/// `list_active_teams`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActiveTeams {
    /// Teams of orchestrations that are not complete or blocked, excluding teams whose
    /// phase is complete.
    #[schemars(with = "Vec<schema::Team>")]
    pub teams: Vec<m::Team>,
}

/// `init_orchestration`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Initialized {
    pub orchestration_id: String,
    pub feature_name: String,
    /// The orchestrator team's id: pass it as `parent_team_id` to `start_phase`.
    pub team_id: String,
    pub team_name: String,
    pub worktree_path: Option<String>,
    pub branch: Option<String>,
    pub total_phases: u32,
}

impl From<InitOutcome> for Initialized {
    fn from(o: InitOutcome) -> Self {
        Self {
            orchestration_id: o.orchestration_id.0,
            feature_name: o.feature_name,
            team_id: o.team_id.0,
            team_name: o.team_name,
            worktree_path: o.worktree_path,
            branch: o.branch,
            total_phases: o.total_phases,
        }
    }
}

/// `start_phase`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Started {
    pub orchestration_id: String,
    /// The phase team's id.
    pub team_id: String,
    pub team_name: String,
    pub phase_number: u32,
    pub parent_team_id: String,
    /// claude | sim | none
    pub runtime: String,
    /// The tmux session running the team (runtime "claude").
    pub tmux_session: Option<String>,
}

impl From<StartOutcome> for Started {
    fn from(o: StartOutcome) -> Self {
        let runtime = serde_json::to_value(o.runtime)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            orchestration_id: o.orchestration_id.0,
            team_id: o.team_id.0,
            team_name: o.team_name,
            phase_number: o.phase_number,
            parent_team_id: o.parent_team_id.0,
            runtime,
            tmux_session: o.tmux_session,
        }
    }
}

/// `advance_phase`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Advanced {
    pub orchestration_id: String,
    pub feature_name: String,
    pub phase_number: u32,
    /// The phase status before the event; null if the phase had not started.
    pub previous_status: Option<String>,
    pub phase_status: String,
    pub orchestration_status: String,
    pub blocked_reason: Option<String>,
}

impl From<AdvanceOutcome> for Advanced {
    fn from(o: AdvanceOutcome) -> Self {
        Self {
            orchestration_id: o.orchestration_id.0,
            feature_name: o.feature_name,
            phase_number: o.phase_number,
            previous_status: o.previous_status.map(|s| s.as_str().to_owned()),
            phase_status: o.phase_status.as_str().to_owned(),
            orchestration_status: o.orchestration_status.as_str().to_owned(),
            blocked_reason: o.blocked_reason,
        }
    }
}

/// `register_team`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Registered {
    #[schemars(with = "schema::Team")]
    pub team: m::Team,
}
