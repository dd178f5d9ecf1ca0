//! Tool results: one struct per result shape, each an object so that MCP clients get
//! `structuredContent` and an `outputSchema`. Records and lifecycle outcomes that are
//! objects already (`OrchestrationDetail`, `InitOutcome`, ...) are returned as they are;
//! their schemas come from the `json-schema` feature of `tina-session` and
//! `tina-harness`, so they describe the very types that are serialized.

use std::collections::BTreeMap;

use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;
use tina_session::model as m;

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
    pub orchestrations: Vec<m::Orchestration>,
}

/// `get_orchestration`: the record, its phases and a task summary.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrchestrationSummary {
    pub orchestration: m::Orchestration,
    /// Ordered by phase number; phases not started yet have no record.
    pub phases: Vec<m::Phase>,
    /// Number of registered teams (orchestrator and phase teams).
    pub team_count: u32,
    /// Current tasks of every team by status.
    pub task_counts: BTreeMap<String, u32>,
    pub task_total: u32,
    /// Cost (USD) and tokens so far, with budget states.
    pub spend: tina_session::attention::summary::SpendBrief,
}

/// `get_team_hierarchy`: the tree, and what each team with usage has spent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HierarchyWithSpend {
    #[serde(flatten)]
    pub hierarchy: m::TeamHierarchy,
    /// Teams that have spent anything, by team name.
    pub team_spend: Vec<TeamSpendBrief>,
}

/// One team's spend in [`HierarchyWithSpend`].
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamSpendBrief {
    pub team_name: String,
    pub cost_usd: f64,
    pub tokens: u64,
}

/// `get_current_tasks`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CurrentTasks {
    pub orchestration_id: String,
    pub feature_name: String,
    /// Number of tasks returned (after filtering).
    pub count: u32,
    /// Ordered by phase (orchestrator first), team name, task id.
    pub tasks: Vec<m::CurrentTask>,
}

/// `list_active_teams`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActiveTeams {
    /// Teams of orchestrations that are not complete or blocked, excluding teams whose
    /// phase is complete.
    pub teams: Vec<m::Team>,
}

/// `register_team`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Registered {
    pub team: m::Team,
}
