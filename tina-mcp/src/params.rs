//! Tool inputs: one struct per tool.
//!
//! The JSON Schema generated from these structs is what an agent sees of a tool's
//! arguments, paid for in tokens in every session: each field's `///` doc is a few
//! words (meaning, default); the workflow lives in the server's instructions only.
//! Unknown fields are refused (a misspelt argument is an error, not silently ignored).

use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tina_session::OrchestrationStatus;
use tina_session::lifecycle::{PhaseEvent, Runtime};
use tina_session::model::input;

use crate::error::{ToolError, ToolResult};

/// A tool's arguments, parsed into `T`.
///
/// Like rmcp's own `Parameters`, but a deserialization error names the argument that is
/// wrong ("phase: invalid value: integer `-1`, expected u32"), which rmcp's does not.
/// The message keeps rmcp's prefix so the router returns it as a tool error. rmcp's
/// `#[tool]` macro finds a tool's input schema only through a type named `Parameters`,
/// so each tool names its schema with [`input_schema`].
pub struct Args<T>(pub T);

/// The `inputSchema` of a tool taking [`Args<T>`].
///
/// # Panics
/// When `T`'s schema is not an object schema: a programming error, caught by every test
/// that lists the tools.
pub fn input_schema<T: JsonSchema + 'static>() -> std::sync::Arc<rmcp::model::JsonObject> {
    rmcp::handler::server::common::schema_for_input::<T>().unwrap_or_else(|e| {
        panic!(
            "invalid input schema for `{}`: {e}",
            std::any::type_name::<T>()
        )
    })
}

impl<S, T: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Args<T> {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, rmcp::ErrorData> {
        let arguments = context.arguments.take().unwrap_or_default();
        serde_path_to_error::deserialize(serde_json::Value::Object(arguments))
            .map(Args)
            .map_err(|e| {
                let path = e.path().to_string();
                let at = if path == "." {
                    String::new()
                } else {
                    format!("{path}: ")
                };
                rmcp::ErrorData::invalid_params(
                    format!(
                        "failed to deserialize parameters: {at}{}; the tool's inputSchema \
                         lists every argument and its type",
                        e.inner()
                    ),
                    None,
                )
            })
    }
}

/// How much of each record a read tool returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Detail {
    #[default]
    Compact,
    Full,
}

/// Where a bounded list starts: the `cursor` of the previous reply, or the start.
pub fn offset(cursor: Option<&str>) -> ToolResult<usize> {
    match cursor {
        None => Ok(0),
        Some(c) => c.parse().map_err(|_| {
            ToolError::Invalid(format!(
                "invalid cursor {}: pass the `cursor` of the previous reply unchanged, or \
                 omit it to start from the first page",
                input::quote(c)
            ))
        }),
    }
}

/// The page size: `limit` if given (1..=max), else `default`.
pub fn limit(limit: Option<u32>, default: u32, max: u32) -> ToolResult<usize> {
    match limit {
        None => Ok(default as usize),
        Some(n) if (1..=max).contains(&n) => Ok(n as usize),
        Some(n) => Err(ToolError::Invalid(format!(
            "limit must be 1..={max}, got {n}; use `cursor` to page"
        ))),
    }
}

/// `list_orchestrations`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListOrchestrationsParams {
    /// Only this status.
    #[serde(default)]
    pub status: Option<OrchestrationStatus>,
    /// Only feature names containing this text.
    #[serde(default)]
    pub feature: Option<String>,
    /// Page size, default 20.
    #[serde(default)]
    pub limit: Option<u32>,
    /// From the previous reply.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Default compact; full adds the rest.
    #[serde(default)]
    pub detail: Detail,
}

/// `get_orchestration`, `get_team_hierarchy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrchestrationParams {
    /// Id or exact feature name.
    pub orchestration: String,
    /// Default compact; full adds the rest.
    #[serde(default)]
    pub detail: Detail,
}

/// `get_current_tasks`, `get_orchestration_detail`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCurrentTasksParams {
    /// Id or exact feature name.
    pub orchestration: String,
    /// Only this phase's team(s).
    #[serde(default)]
    pub phase: Option<u32>,
    /// Only this team (exact name).
    #[serde(default)]
    pub team: Option<String>,
    /// Only this status, e.g. "in_progress".
    #[serde(default)]
    pub status: Option<String>,
    /// Page size, default 100 (detail: 50).
    #[serde(default)]
    pub limit: Option<u32>,
    /// From the previous reply.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Default compact; full adds the rest.
    #[serde(default)]
    pub detail: Detail,
}

/// `list_active_teams`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListActiveTeamsParams {
    /// Only feature names containing this text.
    #[serde(default)]
    pub feature: Option<String>,
    /// Page size (teams), default 50.
    #[serde(default)]
    pub limit: Option<u32>,
    /// From the previous reply.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Default compact; full adds the rest.
    #[serde(default)]
    pub detail: Detail,
}

/// `list_scenarios` takes no arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListScenariosParams {}

/// `init_orchestration`: the same operation as `tina-session init`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitOrchestrationParams {
    /// Letters, digits, '-', '_', '.'; names the branch and worktree.
    pub feature: String,
    /// Design document path (absolute).
    pub design_doc: String,
    /// Number of phases, default 1.
    #[serde(default = "one")]
    pub total_phases: u32,
    /// Git repository, default the server's working directory.
    #[serde(default)]
    pub repo: Option<String>,
    /// Branch, default "tina/<feature>".
    #[serde(default)]
    pub branch: Option<String>,
    /// Record only: no worktree or branch.
    #[serde(default)]
    pub no_worktree: bool,
    /// Replace a running or blocked orchestration of this feature (deletes its records).
    #[serde(default)]
    pub replace: bool,
    /// Spending limit for the whole orchestration, USD. At 100 % TINA blocks the phase.
    #[serde(default)]
    pub budget_usd: Option<f64>,
}

fn one() -> u32 {
    1
}

fn claude() -> Runtime {
    Runtime::Claude
}

/// `start_phase`: the same operation as `tina-session start`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartPhaseParams {
    /// Id or exact feature name.
    pub orchestration: String,
    /// Phase number, 1..=total_phases.
    pub phase: u32,
    /// Phase plan path (absolute, must exist).
    pub plan: String,
    /// Orchestrator team id (default: this orchestration's).
    #[serde(default)]
    pub parent_team_id: Option<String>,
    /// Who plays the agents, default "claude".
    #[serde(default = "claude")]
    pub runtime: Runtime,
    /// Spending limit for this phase, USD.
    #[serde(default)]
    pub budget_usd: Option<f64>,
}

/// `advance_phase`: the same operation as `tina-session advance`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvancePhaseParams {
    /// Id or exact feature name.
    pub orchestration: String,
    /// Phase number.
    pub phase: u32,
    /// plan, execute, review, complete, block (needs reason), resume.
    pub event: PhaseEvent,
    /// Why the phase is blocked (event "block").
    #[serde(default)]
    pub reason: Option<String>,
}

/// `register_team`: the same operation as `tina-session register-team`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterTeamParams {
    /// Id or exact feature name.
    pub orchestration: String,
    /// Team name, unique (feature-name rule, ≤128); an existing one is updated.
    pub team_name: String,
    /// Phase the team executes; omit for the orchestrator team.
    #[serde(default)]
    pub phase_number: Option<u32>,
    /// Parent team id; default for a phase team: the orchestrator team.
    #[serde(default)]
    pub parent_team_id: Option<String>,
    /// Team lead's Claude Code session id.
    #[serde(default)]
    pub lead_session_id: Option<String>,
}

/// `rebuild_binaries` takes no arguments: it always builds the same fixed package list.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RebuildBinariesParams {}

/// `run_scenario`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunScenarioParams {
    /// Scenario folder name, e.g. "01-single-phase".
    pub scenario: String,
    /// Block until the run ends (progress notifications if a token was sent).
    #[serde(default)]
    pub wait: bool,
    /// Use the binaries already built.
    #[serde(default)]
    pub skip_build: bool,
    /// Real Claude Code agents (needs claude, tmux) instead of simulated ones.
    #[serde(default)]
    pub full: bool,
    /// Keep the run's project copy and worktree.
    #[serde(default)]
    pub keep: bool,
}

/// `get_scenario_run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetScenarioRunParams {
    /// From run_scenario.
    pub run_id: String,
}

/// `watch_orchestration`: a long poll for what changed since the last call.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchOrchestrationParams {
    /// Id or exact feature name (may not exist yet).
    pub orchestration: String,
    /// From the previous reply; omit on the first call.
    #[serde(default)]
    pub cursor: Option<String>,
    /// Wait at most this long for news, 0-300.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
    /// Run start, ms since epoch; default now.
    #[serde(default)]
    pub run_started_at_ms: Option<i64>,
    /// Anomaly threshold.
    #[serde(default = "default_no_orchestration")]
    pub no_orchestration_minutes: f64,
    /// Anomaly threshold.
    #[serde(default = "default_no_tasks")]
    pub team_without_tasks_minutes: f64,
    /// Anomaly threshold.
    #[serde(default = "default_stalled")]
    pub no_progress_minutes: f64,
    /// Anomaly threshold.
    #[serde(default = "default_heartbeat")]
    pub heartbeat_stale_seconds: f64,
}

fn default_timeout() -> u32 {
    30
}
fn default_no_orchestration() -> f64 {
    5.0
}
fn default_no_tasks() -> f64 {
    2.0
}
fn default_stalled() -> f64 {
    10.0
}
fn default_heartbeat() -> f64 {
    60.0
}
