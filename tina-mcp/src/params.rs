//! Tool inputs: one struct per tool.
//!
//! The JSON Schema generated from these structs is all an agent sees of a tool's
//! arguments, so every field carries a `///` doc that says what it means, how it is
//! matched, and its default. Unknown fields are refused (a misspelt argument is an
//! error, not silently ignored).

use rmcp::handler::server::common::FromContextPart;
use rmcp::handler::server::tool::ToolCallContext;
use rmcp::schemars::{self, JsonSchema};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// A tool's arguments, parsed into `T`.
///
/// Like rmcp's own `Parameters`, but a deserialization error names the argument that is
/// wrong ("phase: invalid value: integer `-1`, expected u32"), which rmcp's does not.
/// The message keeps rmcp's prefix so the router returns it as a tool error.
pub struct Parameters<T>(pub T);

impl<T: JsonSchema> JsonSchema for Parameters<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

impl<S, T: DeserializeOwned> FromContextPart<ToolCallContext<'_, S>> for Parameters<T> {
    fn from_context_part(context: &mut ToolCallContext<'_, S>) -> Result<Self, rmcp::ErrorData> {
        let arguments = context.arguments.take().unwrap_or_default();
        serde_path_to_error::deserialize(serde_json::Value::Object(arguments))
            .map(Parameters)
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

/// `list_orchestrations`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListOrchestrationsParams {
    /// Only orchestrations with this status. Omit to list all, newest first.
    #[serde(default)]
    pub status: Option<OrchestrationStatusParam>,
}

/// An orchestration status, for filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrchestrationStatusParam {
    Planning,
    Executing,
    Reviewing,
    Complete,
    Blocked,
}

impl From<OrchestrationStatusParam> for tina_session::OrchestrationStatus {
    fn from(s: OrchestrationStatusParam) -> Self {
        use tina_session::OrchestrationStatus as S;
        match s {
            OrchestrationStatusParam::Planning => S::Planning,
            OrchestrationStatusParam::Executing => S::Executing,
            OrchestrationStatusParam::Reviewing => S::Reviewing,
            OrchestrationStatusParam::Complete => S::Complete,
            OrchestrationStatusParam::Blocked => S::Blocked,
        }
    }
}

/// Tools that take one orchestration: `get_orchestration`, `get_orchestration_detail`,
/// `get_team_hierarchy`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrchestrationParams {
    /// The orchestration: its id, or its exact (case-sensitive) feature name.
    /// `list_orchestrations` lists both.
    pub orchestration: String,
}

/// `get_current_tasks`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCurrentTasksParams {
    /// The orchestration: its id, or its exact (case-sensitive) feature name.
    pub orchestration: String,
    /// Only tasks of the phase team(s) of this phase number (1-based). Orchestrator-team
    /// tasks have no phase and are excluded when this is set.
    #[serde(default)]
    pub phase: Option<u32>,
    /// Only tasks of the team with exactly this name (e.g. "auth-phase-1"); it must
    /// belong to this orchestration. `get_team_hierarchy` lists the team names.
    #[serde(default)]
    pub team: Option<String>,
    /// Only tasks whose status is exactly this: "pending", "in_progress", "completed",
    /// or any other status an agent reported.
    #[serde(default)]
    pub status: Option<String>,
}

/// `list_active_teams` takes no filters.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListActiveTeamsParams {}

/// `list_scenarios` takes no arguments.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListScenariosParams {}

/// `init_orchestration`: the same operation as `tina-session init`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InitOrchestrationParams {
    /// The feature name: 1-100 letters, digits, '-', '_' or '.', not starting with '-'
    /// or '.'. It names the orchestration (exactly), the branch and the worktree.
    pub feature: String,
    /// Path to the design document the orchestration implements. Use an absolute path;
    /// a relative one is resolved against the MCP server's working directory.
    pub design_doc: String,
    /// Number of phases in the design (at least 1). Default 1.
    #[serde(default = "one")]
    pub total_phases: u32,
    /// The git repository to branch the worktree from. Default: the MCP server's
    /// working directory. Ignored with `no_worktree`.
    #[serde(default)]
    pub repo: Option<String>,
    /// Branch for the feature. Default: "tina/<feature>".
    #[serde(default)]
    pub branch: Option<String>,
    /// Do not create a git worktree and branch; record the orchestration only.
    /// Default false.
    #[serde(default)]
    pub no_worktree: bool,
    /// Replace an orchestration of the same feature that is running or blocked (its
    /// records are deleted). A complete one is always replaced. Default false.
    #[serde(default)]
    pub replace: bool,
}

fn one() -> u32 {
    1
}

/// Who plays the agents of a phase team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeParam {
    /// The real Claude Code CLI in a tmux session (needs `claude` and `tmux` on PATH).
    Claude,
    /// The harness's simulated agents (launched by the harness, not by this call).
    Sim,
    /// Register the team and set the phase executing; launch nothing.
    None,
}

impl From<RuntimeParam> for tina_session::lifecycle::Runtime {
    fn from(r: RuntimeParam) -> Self {
        use tina_session::lifecycle::Runtime;
        match r {
            RuntimeParam::Claude => Runtime::Claude,
            RuntimeParam::Sim => Runtime::Sim,
            RuntimeParam::None => Runtime::None,
        }
    }
}

fn claude() -> RuntimeParam {
    RuntimeParam::Claude
}

/// `start_phase`: the same operation as `tina-session start`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartPhaseParams {
    /// The orchestration: its id, or its exact (case-sensitive) feature name.
    pub orchestration: String,
    /// The phase to start, 1..=total_phases.
    pub phase: u32,
    /// Path to the phase plan the team executes (must exist). Use an absolute path.
    pub plan: String,
    /// Id of the parent team (the orchestrator team id returned by
    /// `init_orchestration`). Default: the orchestration's orchestrator team.
    #[serde(default)]
    pub parent_team_id: Option<String>,
    /// Who plays the phase team's agents. Default "claude".
    #[serde(default = "claude")]
    pub runtime: RuntimeParam,
}

/// A phase state-machine event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PhaseEventParam {
    /// (not started) -> planning.
    Plan,
    /// (not started), planning or reviewing -> executing.
    Execute,
    /// executing -> reviewing.
    Review,
    /// reviewing -> complete.
    Complete,
    /// Any state but complete -> blocked; needs `reason`.
    Block,
    /// blocked -> executing.
    Resume,
}

impl From<PhaseEventParam> for tina_session::lifecycle::PhaseEvent {
    fn from(e: PhaseEventParam) -> Self {
        use tina_session::lifecycle::PhaseEvent as E;
        match e {
            PhaseEventParam::Plan => E::Plan,
            PhaseEventParam::Execute => E::Execute,
            PhaseEventParam::Review => E::Review,
            PhaseEventParam::Complete => E::Complete,
            PhaseEventParam::Block => E::Block,
            PhaseEventParam::Resume => E::Resume,
        }
    }
}

/// `advance_phase`: the same operation as `tina-session advance`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvancePhaseParams {
    /// The orchestration: its id, or its exact (case-sensitive) feature name.
    pub orchestration: String,
    /// The phase to move, 1..=total_phases.
    pub phase: u32,
    /// The state-machine event to apply.
    pub event: PhaseEventParam,
    /// Why the phase is blocked. Required with event "block", ignored otherwise.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `register_team`: the same operation as `tina-session register-team`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterTeamParams {
    /// The orchestration the team belongs to: its id, or its exact feature name.
    pub orchestration: String,
    /// The exact team name (unique across orchestrations; same rule as feature names,
    /// up to 128 characters). Registering an existing name of the same orchestration
    /// updates that team.
    pub team_name: String,
    /// The phase the team executes, 1..=total_phases. Omit for the orchestrator team.
    #[serde(default)]
    pub phase_number: Option<u32>,
    /// Id of the parent team. Default for a phase team: the orchestrator team. Only
    /// phase teams have a parent.
    #[serde(default)]
    pub parent_team_id: Option<String>,
    /// Claude Code session id of the team lead, if known.
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
    /// The scenario: the name of one folder of the scenarios directory, e.g.
    /// "01-single-phase" (letters, digits, '-', '_', '.'; no path separators, no "..").
    /// `list_scenarios` lists the valid names.
    pub scenario: String,
    /// Block until the run finishes and return its report (sending progress
    /// notifications if the request carried a progress token). Default false: return the
    /// run id at once and poll `get_scenario_run`.
    #[serde(default)]
    pub wait: bool,
    /// Skip rebuilding the binaries before the run (use what is already built).
    /// Default false.
    #[serde(default)]
    pub skip_build: bool,
    /// Play the agents with the real Claude Code CLI (in tmux; needs `claude` and
    /// `tmux`) instead of the scripted simulated agents. Default false (simulated).
    #[serde(default)]
    pub full: bool,
    /// Keep the run's project copy and worktree after the run, for inspection.
    /// Default false.
    #[serde(default)]
    pub keep: bool,
}

/// `get_scenario_run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetScenarioRunParams {
    /// The run id returned by `run_scenario`.
    pub run_id: String,
}

/// `watch_orchestration`: a long poll for what changed since the last call.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchOrchestrationParams {
    /// The orchestration: its id, or its exact feature name. It need not exist yet:
    /// the watch waits for it to appear (and reports an anomaly if it does not).
    pub orchestration: String,
    /// The `cursor` returned by the previous call. Omit on the first call: everything
    /// already true is then reported once. Pass it back unchanged; it is opaque.
    #[serde(default)]
    pub cursor: Option<String>,
    /// How long to wait for something new before returning with nothing, in seconds
    /// (0-300, default 30). Returns as soon as there is a milestone or a new anomaly,
    /// or at once when the orchestration is terminal.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u32,
    /// When the run being watched started (ms since the Unix epoch); the "no
    /// orchestration" anomaly counts from it. Default: the time of the first call
    /// (kept in the cursor).
    #[serde(default)]
    pub run_started_at_ms: Option<i64>,
    /// Minutes without the orchestration existing before "no orchestration" is
    /// reported. Default 5.
    #[serde(default = "default_no_orchestration")]
    pub no_orchestration_minutes: f64,
    /// Minutes a phase team may exist without any task before it is reported.
    /// Default 2.
    #[serde(default = "default_no_tasks")]
    pub team_without_tasks_minutes: f64,
    /// Minutes without any task change (while not terminal) before "no task progress"
    /// is reported. Default 10.
    #[serde(default = "default_stalled")]
    pub no_progress_minutes: f64,
    /// Seconds since the daemon's last heartbeat before it is reported stale.
    /// Default 60.
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
