//! The MCP tools. Each tool parses its [`crate::params`] struct, runs the same library
//! code as the `tina-session` CLI on the blocking pool, and returns a
//! [`crate::output`] struct as structured JSON. A failure is a tool error
//! ([`ToolError`]) that says what was not found or refused and which tool lists valid
//! values; the server keeps serving after it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, tool, tool_handler, tool_router};
use tina_harness::BuildReport;
use tina_session::Config;
use tina_session::lifecycle::{
    self, AdvanceOutcome, InitOutcome, InitRequest, RegisterTeamRequest, StartOutcome,
    StartRequest, resolve_orchestration,
};
use tina_session::model::{OrchestrationDetail, TeamHierarchy, TeamId, now_ms};
use tina_session::store::Store;

use crate::error::{ToolError, ToolResult, blocking};
use crate::harness::{self, RunRegistry, RunView, ScenarioList};
use crate::output::*;
use crate::params::*;
use crate::watch::{self, Seen, Snapshot, Thresholds, WatchResult};

/// What every tool call needs: configuration, the store, the scenario runs.
pub struct Context {
    pub config: Config,
    pub store: Arc<dyn Store>,
    /// Where `run_scenario` looks for scenario folders.
    pub scenarios_dir: PathBuf,
    /// How often a watch re-reads the store's revision while waiting.
    pub watch_poll: Duration,
    /// Scenario runs started by this server.
    pub runs: RunRegistry,
}

impl Context {
    pub fn new(config: Config, store: Arc<dyn Store>, scenarios_dir: PathBuf) -> Self {
        Self {
            config,
            store,
            scenarios_dir,
            watch_poll: Duration::from_millis(250),
            runs: RunRegistry::default(),
        }
    }
}

/// The server: cheap to clone (one per connection over HTTP), state shared.
#[derive(Clone)]
pub struct TinaMcp {
    ctx: Arc<Context>,
    tool_router: ToolRouter<Self>,
}

pub const INSTRUCTIONS: &str = "\
TINA runs a feature implementation as an orchestration: phases, each executed by a phase \
team of agents working through tasks. Refer to an orchestration by its id or exact feature \
name, to a team by its exact name.
- Look: list_orchestrations (ids, feature names, status); get_orchestration (status, phases, \
task counts); get_current_tasks (filter by phase, team, status); get_team_hierarchy (teams, \
members, task counts); get_orchestration_detail (everything at once); list_active_teams.
- Drive (same as the tina-session CLI): init_orchestration, then start_phase with \
parent_team_id = the orchestrator team id it returned, then advance_phase \
(review/complete/block/resume); register_team for any other team.
- Follow a run: watch_orchestration long-polls for milestones and anomalies; pass back the \
cursor it returns and stop when terminal is true. Do not poll the get_* tools in a loop. \
With a remote (Convex) store, daemon health is unknown and no daemon anomalies are raised. \
When a watch fails because the store cannot be read, call it again with the same cursor.
- Test TINA: list_scenarios; rebuild_binaries; run_scenario returns a run id at once \
(wait=true blocks); get_scenario_run gives its status and per-assertion report.
Errors say what was not found and which tool lists the valid values.";

/// The orchestration by id or exact feature name; not found names the key and the tool
/// that lists valid ones.
fn resolve(key: &str, store: &dyn Store) -> ToolResult<tina_session::Orchestration> {
    resolve_orchestration(store, key).map_err(|e| {
        if e.is_not_found() {
            ToolError::orchestration_not_found(key)
        } else {
            e.into()
        }
    })
}

#[tool_router]
impl TinaMcp {
    pub fn new(ctx: Context) -> Self {
        Self {
            ctx: Arc::new(ctx),
            tool_router: Self::tool_router(),
        }
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    fn store(&self) -> Arc<dyn Store> {
        self.ctx.store.clone()
    }

    /// List orchestrations (newest first) with their ids, exact feature names and status.
    #[tool(annotations(read_only_hint = true))]
    async fn list_orchestrations(
        &self,
        Parameters(p): Parameters<ListOrchestrationsParams>,
    ) -> Result<Json<OrchestrationList>, ToolError> {
        let store = self.store();
        let status = p.status.map(tina_session::OrchestrationStatus::from);
        let orchestrations = blocking(move || {
            Ok(store
                .list_orchestrations()?
                .into_iter()
                .filter(|o| status.is_none_or(|s| o.status == s))
                .collect())
        })
        .await?;
        Ok(Json(OrchestrationList { orchestrations }))
    }

    /// One orchestration: its record, its phases and a count of its current tasks by status.
    #[tool(annotations(read_only_hint = true))]
    async fn get_orchestration(
        &self,
        Parameters(p): Parameters<OrchestrationParams>,
    ) -> Result<Json<OrchestrationSummary>, ToolError> {
        let store = self.store();
        let summary = blocking(move || {
            let orchestration = resolve(&p.orchestration, &*store)?;
            let phases = store.list_phases(&orchestration.id)?;
            let team_count = store.list_teams(&orchestration.id)?.len() as u32;
            let tasks = store.get_current_tasks(&orchestration.id)?;
            let task_counts = tina_session::model::count_by_status(&tasks);
            Ok(OrchestrationSummary {
                orchestration,
                phases,
                team_count,
                task_counts,
                task_total: tasks.len() as u32,
            })
        })
        .await?;
        Ok(Json(summary))
    }

    /// Everything about one orchestration: record, phases, orchestrator tasks, phase tasks
    /// grouped by phase number, teams and members.
    #[tool(annotations(read_only_hint = true))]
    async fn get_orchestration_detail(
        &self,
        Parameters(p): Parameters<OrchestrationParams>,
    ) -> Result<Json<OrchestrationDetail>, ToolError> {
        let store = self.store();
        let detail = blocking(move || {
            let o = resolve(&p.orchestration, &*store)?;
            Ok(store.get_orchestration_detail(&o.id)?)
        })
        .await?;
        Ok(Json(detail))
    }

    /// The team tree of one orchestration: the orchestrator team with its phase teams,
    /// each with members and task counts by status.
    #[tool(annotations(read_only_hint = true))]
    async fn get_team_hierarchy(
        &self,
        Parameters(p): Parameters<OrchestrationParams>,
    ) -> Result<Json<TeamHierarchy>, ToolError> {
        let store = self.store();
        let hierarchy = blocking(move || {
            let o = resolve(&p.orchestration, &*store)?;
            Ok(store.get_team_hierarchy(&o.id)?)
        })
        .await?;
        Ok(Json(hierarchy))
    }

    /// The current tasks of an orchestration (orchestrator and phase teams), optionally
    /// only one phase, one team (exact name) or one status.
    #[tool(annotations(read_only_hint = true))]
    async fn get_current_tasks(
        &self,
        Parameters(p): Parameters<GetCurrentTasksParams>,
    ) -> Result<Json<CurrentTasks>, ToolError> {
        let store = self.store();
        let out = blocking(move || {
            let orch = resolve(&p.orchestration, &*store)?;
            if let Some(phase) = p.phase
                && (phase == 0 || phase > orch.total_phases)
            {
                return Err(ToolError::Invalid(format!(
                    "phase {phase} is outside 1..={} for orchestration '{}'",
                    orch.total_phases, orch.feature_name
                )));
            }
            if let Some(team) = &p.team {
                let found = match store.get_team_by_name(team) {
                    Ok(t) => Some(t),
                    Err(e) if e.is_not_found() => None,
                    Err(e) => return Err(e.into()),
                };
                if found.is_none_or(|t| t.orchestration_id != orch.id) {
                    return Err(ToolError::team_not_found(team, &orch.feature_name));
                }
            }
            let tasks: Vec<_> = store
                .get_current_tasks(&orch.id)?
                .into_iter()
                .filter(|t| p.phase.is_none_or(|n| t.phase_number == Some(n)))
                .filter(|t| p.team.as_ref().is_none_or(|n| &t.team_name == n))
                .filter(|t| p.status.as_ref().is_none_or(|s| t.status.as_str() == s))
                .collect();
            Ok(CurrentTasks {
                orchestration_id: orch.id.0,
                feature_name: orch.feature_name,
                count: tasks.len() as u32,
                tasks,
            })
        })
        .await?;
        Ok(Json(out))
    }

    /// Teams of orchestrations still running, excluding teams whose phase is complete.
    #[tool(annotations(read_only_hint = true))]
    async fn list_active_teams(
        &self,
        Parameters(_): Parameters<ListActiveTeamsParams>,
    ) -> Result<Json<ActiveTeams>, ToolError> {
        let store = self.store();
        let teams = blocking(move || Ok(store.list_active_teams()?)).await?;
        Ok(Json(ActiveTeams { teams }))
    }

    /// Create an orchestration (exact feature name), its git worktree and branch, and its
    /// orchestrator team. Same as `tina-session init`. Returns the orchestrator team id
    /// to pass to start_phase.
    #[tool]
    async fn init_orchestration(
        &self,
        Parameters(p): Parameters<InitOrchestrationParams>,
    ) -> Result<Json<InitOutcome>, ToolError> {
        let store = self.store();
        let worktrees_dir = self.ctx.config.tina_home.join("worktrees");
        // Names, branch and paths are checked by `lifecycle::init` (the CLI's rules).
        let out = blocking(move || {
            let repo = match p.repo {
                Some(r) => Some(PathBuf::from(r)),
                None if p.no_worktree => None,
                None => Some(std::env::current_dir().map_err(|e| {
                    ToolError::Invalid(format!(
                        "no repo given and the server's working directory is unreadable \
                         ({e}); pass repo"
                    ))
                })?),
            };
            Ok(lifecycle::init(
                &*store,
                &InitRequest {
                    feature: p.feature,
                    design_doc: PathBuf::from(p.design_doc),
                    repo,
                    branch: p.branch,
                    total_phases: p.total_phases,
                    no_worktree: p.no_worktree,
                    replace: p.replace,
                    worktrees_dir,
                },
            )?)
        })
        .await?;
        Ok(Json(out))
    }

    /// Start a phase: register its phase team under the parent team (by id), set the
    /// phase executing and launch the runtime. Same as `tina-session start`.
    #[tool(annotations(destructive_hint = false))]
    async fn start_phase(
        &self,
        Parameters(p): Parameters<StartPhaseParams>,
    ) -> Result<Json<StartOutcome>, ToolError> {
        let store = self.store();
        let out = blocking(move || {
            // Resolve first so an unknown orchestration gets the MCP hint.
            let orch = resolve(&p.orchestration, &*store)?;
            Ok(lifecycle::start(
                &*store,
                &StartRequest {
                    orchestration: orch.id.0,
                    phase: p.phase,
                    plan: PathBuf::from(p.plan),
                    parent_team_id: p.parent_team_id.map(TeamId::from),
                    runtime: p.runtime.into(),
                },
            )?)
        })
        .await?;
        Ok(Json(out))
    }

    /// Apply a state-machine event (plan, execute, review, complete, block, resume) to a
    /// phase; the orchestration status follows. Same as `tina-session advance`.
    #[tool(annotations(destructive_hint = false))]
    async fn advance_phase(
        &self,
        Parameters(p): Parameters<AdvancePhaseParams>,
    ) -> Result<Json<AdvanceOutcome>, ToolError> {
        let store = self.store();
        let out = blocking(move || {
            let orch = resolve(&p.orchestration, &*store)?;
            Ok(lifecycle::advance(
                &*store,
                orch.id.as_str(),
                p.phase,
                p.event.into(),
                p.reason,
            )?)
        })
        .await?;
        Ok(Json(out))
    }

    /// Register (or update) a team by exact name, linked to its orchestration and parent
    /// team by id. Same as `tina-session register-team`.
    #[tool(annotations(destructive_hint = false, idempotent_hint = true))]
    async fn register_team(
        &self,
        Parameters(p): Parameters<RegisterTeamParams>,
    ) -> Result<Json<Registered>, ToolError> {
        let store = self.store();
        let team = blocking(move || {
            let orch = resolve(&p.orchestration, &*store)?;
            lifecycle::register_team(
                &*store,
                &RegisterTeamRequest {
                    orchestration: orch.id.to_string(),
                    team_name: p.team_name,
                    parent_team_id: p.parent_team_id.map(TeamId::from),
                    phase_number: p.phase_number,
                    lead_session_id: p.lead_session_id,
                },
            )
            .map_err(ToolError::from_registration)
        })
        .await?;
        Ok(Json(Registered { team }))
    }

    /// Long-poll one orchestration for new milestones (appeared, team registered, task
    /// progress, phase/orchestration status) and anomalies (no orchestration, team
    /// without tasks, no progress, daemon stale, phase blocked). Pass back the returned
    /// cursor; nothing is reported twice. Stop when `terminal` is true. Daemon health
    /// is checked for the local SQLite store only (`daemon_health` says when unknown).
    /// If the store cannot be read the call fails: retry with the same cursor.
    #[tool(annotations(read_only_hint = true))]
    async fn watch_orchestration(
        &self,
        Parameters(p): Parameters<WatchOrchestrationParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<WatchResult>, ToolError> {
        if p.orchestration.is_empty() {
            return Err(ToolError::Invalid(
                "orchestration must be an id or a feature name".into(),
            ));
        }
        if p.timeout_seconds > 300 {
            return Err(ToolError::Invalid(format!(
                "timeout_seconds must be at most 300, got {}",
                p.timeout_seconds
            )));
        }
        let thresholds = Thresholds::from_params(&p)?;
        let seen = match &p.cursor {
            Some(c) => Seen::decode(c, &p.orchestration)?,
            None => Seen::new(&p.orchestration, p.run_started_at_ms.unwrap_or_else(now_ms)),
        };
        let deadline = tokio::time::Instant::now() + Duration::from_secs(p.timeout_seconds.into());
        let store = self.store();
        let config = self.ctx.config.clone();
        let read = move |key: String| {
            let store = store.clone();
            let config = config.clone();
            blocking(move || {
                let mut snap = Snapshot::read(&*store, &key, now_ms())?;
                snap.daemon = crate::daemon::health(&config);
                Ok(snap)
            })
        };
        let revision =
            |store: Arc<dyn Store>| blocking(move || store.revision().map_err(watch::store_failed));
        // Time-based anomalies need a fresh look now and then even when nothing changed.
        const RECHECK: Duration = Duration::from_secs(2);
        let mut last_rev = revision(self.store()).await?;
        let mut snap = read(p.orchestration.clone()).await?;
        let mut last_read = tokio::time::Instant::now();
        loop {
            let eval = watch::evaluate(&seen, &snap, &thresholds);
            let terminal = snap
                .orchestration
                .as_ref()
                .is_some_and(|o| o.status.is_terminal());
            let now = tokio::time::Instant::now();
            if eval.has_news() || terminal || now >= deadline || rc.ct.is_cancelled() {
                let timed_out = !eval.has_news() && !terminal;
                return Ok(Json(WatchResult::new(eval, &snap, timed_out)));
            }
            tokio::select! {
                _ = tokio::time::sleep(self.ctx.watch_poll.min(deadline - now)) => {}
                _ = rc.ct.cancelled() => {}
            }
            let rev = revision(self.store()).await?;
            if rev != last_rev
                || last_read.elapsed() >= RECHECK
                || tokio::time::Instant::now() >= deadline
            {
                last_rev = rev;
                snap = read(p.orchestration.clone()).await?;
                last_read = tokio::time::Instant::now();
            }
        }
    }

    /// Rebuild TINA's binaries (tina-session, tina-daemon, tina-harness: a fixed list;
    /// takes no arguments) and restart the daemon if one was running. Returns success,
    /// duration, the build log's tail and whether the daemon was restarted.
    #[tool(annotations(destructive_hint = false, idempotent_hint = true))]
    async fn rebuild_binaries(
        &self,
        Parameters(_): Parameters<RebuildBinariesParams>,
    ) -> Result<Json<BuildReport>, ToolError> {
        harness::rebuild(&self.ctx).await.map(Json)
    }

    /// The scenarios run_scenario accepts: the folders of the scenarios directory.
    #[tool(annotations(read_only_hint = true))]
    async fn list_scenarios(
        &self,
        Parameters(_): Parameters<ListScenariosParams>,
    ) -> Result<Json<ScenarioList>, ToolError> {
        harness::scenarios(&self.ctx).await.map(Json)
    }

    /// Start a harness scenario run and return its run id at once (status "running");
    /// poll get_scenario_run. With wait=true, block until it ends and return the report,
    /// sending progress notifications if the request has a progress token.
    #[tool]
    async fn run_scenario(
        &self,
        Parameters(p): Parameters<RunScenarioParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Json<RunView>, ToolError> {
        harness::start(&self.ctx, p, rc).await.map(Json)
    }

    /// A scenario run's status (running, passed, failed, error), its recent progress and
    /// its report: stage timings and every assertion with expected/observed values.
    #[tool(annotations(read_only_hint = true))]
    async fn get_scenario_run(
        &self,
        Parameters(p): Parameters<GetScenarioRunParams>,
    ) -> Result<Json<RunView>, ToolError> {
        harness::get(&self.ctx, &p.run_id).await.map(Json)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for TinaMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("tina-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(INSTRUCTIONS)
    }
}
