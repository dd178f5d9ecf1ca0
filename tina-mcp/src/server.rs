//! The MCP tools. Each tool parses its [`crate::params`] struct, runs the same library
//! code as the `tina-session` CLI on the blocking pool, and returns a
//! [`crate::output`] struct as structured JSON. A failure is a tool error
//! ([`ToolError`]) that says what was not found or refused and which tool lists valid
//! values; the server keeps serving after it.
//!
//! Tool descriptions say when to use the tool, in a sentence or two; the workflow is
//! told once, in [`INSTRUCTIONS`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::service::RequestContext;
use rmcp::{RoleServer, ServerHandler, tool, tool_handler, tool_router};
use tina_harness::BuildReport;
use tina_session::attention::{check_usd, set_budget};
use tina_session::lifecycle::{
    self, AdvanceOutcome, InitOutcome, InitRequest, LifecycleError, RegisterTeamRequest,
    StartOutcome, StartRequest, resolve_orchestration,
};
use tina_session::model::{CurrentTask, Orchestration, OrchestrationStatus, TeamId, now_ms};
use tina_session::store::{Entity, Store, StoreError};
use tina_session::views::{TaskFilter, filter_tasks, summarize};

use crate::context::Context;
use crate::error::{ToolError, ToolResult, blocking};
use crate::harness::{self, RunView, ScenarioList};
use crate::output::*;
use crate::params::*;
use crate::watch::{self, Resumed, Seen, Snapshot, Thresholds, WatchResult};

/// The server: cheap to clone (one per connection over HTTP), state shared.
#[derive(Clone)]
pub struct TinaMcp {
    ctx: Arc<Context>,
    tool_router: ToolRouter<Self>,
}

pub const INSTRUCTIONS: &str = "\
TINA runs a feature as an orchestration: phases, each executed by a phase team of agents \
working through tasks. Name an orchestration by id or exact feature name, a team by exact name.
- Drive (same as the tina-session CLI): init_orchestration; start_phase with parent_team_id = \
the orchestrator team id it returned; advance_phase (review, complete, block with reason, resume).
- Follow a run with watch_orchestration: pass back its cursor, stop when terminal. Do not poll \
the get_* tools in a loop. If a watch fails on a store error, retry with the same cursor.
- Replies are compact: absent fields are empty; detail \"full\" adds descriptions, metadata, \
paths and timestamps. Lists are bounded: \"more\" counts what was left out, pass \"cursor\" back \
for the next page.
- Test TINA: list_scenarios, run_scenario (returns a run id; wait=true blocks), get_scenario_run.";

/// The orchestration by id or exact feature name; not found names the key and the tool
/// that lists valid ones.
fn resolve(key: &str, store: &dyn Store) -> ToolResult<Orchestration> {
    resolve_orchestration(store, key).map_err(|e| {
        if e.is_not_found() {
            ToolError::orchestration_not_found(key)
        } else {
            e.into()
        }
    })
}

/// Running first, then blocked, then complete.
fn orchestration_rank(s: OrchestrationStatus) -> u8 {
    match s {
        OrchestrationStatus::Complete => 2,
        OrchestrationStatus::Blocked => 1,
        _ => 0,
    }
}

/// Whether `feature` passes a "feature name contains" filter.
fn feature_matches(filter: Option<&str>, feature: &str) -> bool {
    filter.is_none_or(|f| feature.contains(f))
}

/// The tasks `p` asks for, most relevant first, as one page.
fn task_page(
    store: &dyn Store,
    orch: &Orchestration,
    p: &GetCurrentTasksParams,
    default_limit: u32,
) -> ToolResult<(Vec<CurrentTask>, Page)> {
    let limit = limit(p.limit, default_limit, 1000)?;
    let offset = offset(p.cursor.as_deref())?;
    let filter = TaskFilter {
        phase: p.phase,
        team: p.team.clone(),
        status: p.status.clone(),
    };
    let mut tasks = filter_tasks(store, orch, &filter).map_err(|e| match (e, &p.team) {
        (
            LifecycleError::Store(StoreError::NotFound {
                entity: Entity::Team,
                ..
            }),
            Some(team),
        ) => ToolError::team_not_found(team, &orch.feature_name),
        (e, _) => e.into(),
    })?;
    sort_by_relevance(&mut tasks);
    Ok(Page::take(tasks, offset, limit))
}

#[tool_router]
impl TinaMcp {
    pub fn new(ctx: Context) -> Self {
        let mut tool_router = Self::tool_router();
        tidy_schemas(&mut tool_router);
        Self {
            ctx: Arc::new(ctx),
            tool_router,
        }
    }

    pub fn context(&self) -> &Context {
        &self.ctx
    }

    fn store(&self) -> Arc<dyn Store> {
        self.ctx.store.clone()
    }

    /// Find orchestrations: ids, feature names, status. Running ones first.
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<ListOrchestrationsParams>(), output_schema = output_schema::<OrchestrationList>())]
    async fn list_orchestrations(
        &self,
        Args(p): Args<ListOrchestrationsParams>,
    ) -> Result<Structured<OrchestrationList>, ToolError> {
        let store = self.store();
        let limit = limit(p.limit, 20, 200)?;
        let offset = offset(p.cursor.as_deref())?;
        let status = p.status;
        let out = blocking(move || {
            let mut list: Vec<_> = store
                .list_orchestrations()?
                .into_iter()
                .filter(|o| status.is_none_or(|s| o.status == s))
                .filter(|o| feature_matches(p.feature.as_deref(), &o.feature_name))
                .collect();
            list.sort_by_key(|o| {
                (
                    orchestration_rank(o.status),
                    std::cmp::Reverse(o.started_at),
                )
            });
            let (list, page) = Page::take(list, offset, limit);
            Ok(OrchestrationList {
                orchestrations: list.iter().map(|o| Orch::new(o, p.detail)).collect(),
                page,
            })
        })
        .await?;
        Ok(Structured(out))
    }

    /// One orchestration at a glance: status, phases, team count, tasks by status.
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<OrchestrationParams>(), output_schema = output_schema::<OrchestrationSummary>())]
    async fn get_orchestration(
        &self,
        Args(p): Args<OrchestrationParams>,
    ) -> Result<Structured<OrchestrationSummary>, ToolError> {
        let store = self.store();
        let summary = blocking(move || {
            let o = resolve(&p.orchestration, &*store)?;
            let s = summarize(&*store, o)?;
            let brief = s.usage.brief();
            Ok(OrchestrationSummary {
                orchestration: Orch::new(&s.orchestration, p.detail),
                phases: s
                    .phases
                    .iter()
                    .map(|ph| PhaseOut::new(ph, p.detail))
                    .collect(),
                teams: s.teams.len() as u32,
                tasks: s.task_counts,
                spend: (brief.tokens > 0 || !brief.budgets.is_empty()).then_some(brief),
            })
        })
        .await?;
        Ok(Structured(summary))
    }

    /// Everything about one orchestration in one call: phases, teams with members and
    /// their tasks (active first, bounded).
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<GetCurrentTasksParams>(), output_schema = output_schema::<Detailed>())]
    async fn get_orchestration_detail(
        &self,
        Args(p): Args<GetCurrentTasksParams>,
    ) -> Result<Structured<Detailed>, ToolError> {
        let store = self.store();
        let detail = blocking(move || {
            let o = resolve(&p.orchestration, &*store)?;
            let (tasks, page) = task_page(&*store, &o, &p, 50)?;
            let phases = store.list_phases(&o.id)?;
            let mut teams = store.list_teams(&o.id)?;
            teams.sort_by(|a, b| {
                (a.phase_number, &a.team_name).cmp(&(b.phase_number, &b.team_name))
            });
            let members = store.list_team_members(&o.id)?;
            let mut by_team: BTreeMap<&str, Vec<Task>> = BTreeMap::new();
            for t in &tasks {
                by_team
                    .entry(t.team_id.as_str())
                    .or_default()
                    .push(Task::new(t, p.detail));
            }
            let full = p.detail == Detail::Full;
            let teams = teams
                .iter()
                .map(|t| TeamDetail {
                    id: t.id.0.clone(),
                    team: t.team_name.clone(),
                    phase: t.phase_number,
                    lead_session_id: t.lead_session_id.clone().filter(|_| full),
                    members: members
                        .iter()
                        .filter(|m| m.team_id == t.id)
                        .map(|m| Member::new(m, p.detail))
                        .collect(),
                    tasks: by_team.remove(t.id.as_str()).unwrap_or_default(),
                })
                .collect();
            Ok(Detailed {
                orchestration: Orch::new(&o, p.detail),
                phases: phases
                    .iter()
                    .map(|ph| PhaseOut::new(ph, p.detail))
                    .collect(),
                teams,
                page,
            })
        })
        .await?;
        Ok(Structured(detail))
    }

    /// The team tree of one orchestration: teams, members, task counts by status.
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<OrchestrationParams>(), output_schema = output_schema::<Hierarchy>())]
    async fn get_team_hierarchy(
        &self,
        Args(p): Args<OrchestrationParams>,
    ) -> Result<Structured<Hierarchy>, ToolError> {
        let store = self.store();
        let hierarchy = blocking(move || {
            let o = resolve(&p.orchestration, &*store)?;
            let h = store.get_team_hierarchy(&o.id)?;
            let team_spend = tina_session::attention::usage_view(&*store, &o.id)?
                .teams
                .into_iter()
                .map(|t| TeamSpendBrief {
                    team: t.team_name,
                    cost_usd: t.spend.cost_usd,
                    tokens: t.spend.tokens.total(),
                })
                .collect();
            Ok(Hierarchy {
                team_spend,
                teams: h.teams.iter().map(|n| TeamNode::new(n, p.detail)).collect(),
            })
        })
        .await?;
        Ok(Structured(hierarchy))
    }

    /// Tasks of one orchestration grouped by team, active first; filter by phase, team
    /// or status.
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<GetCurrentTasksParams>(), output_schema = output_schema::<CurrentTasks>())]
    async fn get_current_tasks(
        &self,
        Args(p): Args<GetCurrentTasksParams>,
    ) -> Result<Structured<CurrentTasks>, ToolError> {
        let store = self.store();
        let out = blocking(move || {
            let orch = resolve(&p.orchestration, &*store)?;
            let (tasks, page) = task_page(&*store, &orch, &p, 100)?;
            Ok(CurrentTasks {
                teams: group_by_team(&tasks, p.detail),
                page,
            })
        })
        .await?;
        Ok(Structured(out))
    }

    /// Teams still working (their orchestration running, their phase not complete),
    /// grouped by orchestration.
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<ListActiveTeamsParams>(), output_schema = output_schema::<ActiveTeams>())]
    async fn list_active_teams(
        &self,
        Args(p): Args<ListActiveTeamsParams>,
    ) -> Result<Structured<ActiveTeams>, ToolError> {
        let store = self.store();
        let limit = limit(p.limit, 50, 500)?;
        let offset = offset(p.cursor.as_deref())?;
        let out = blocking(move || {
            let orchs: BTreeMap<String, Orchestration> = store
                .list_orchestrations()?
                .into_iter()
                .filter(|o| feature_matches(p.feature.as_deref(), &o.feature_name))
                .map(|o| (o.id.0.clone(), o))
                .collect();
            let mut teams: Vec<_> = store
                .list_active_teams()?
                .into_iter()
                .filter(|t| orchs.contains_key(t.orchestration_id.as_str()))
                .collect();
            // Newest orchestration first; its teams by phase (orchestrator first).
            teams.sort_by_key(|t| {
                let started = orchs.get(t.orchestration_id.as_str()).map(|o| o.started_at);
                (
                    std::cmp::Reverse((started, t.orchestration_id.0.clone())),
                    t.phase_number,
                    t.team_name.clone(),
                )
            });
            let (teams, page) = Page::take(teams, offset, limit);
            let mut groups: Vec<OrchTeams> = Vec::new();
            for t in &teams {
                let team = TeamRef::new(t, p.detail);
                match groups.last_mut() {
                    Some(g) if g.id == t.orchestration_id.0 => g.teams.push(team),
                    _ => groups.push(OrchTeams {
                        id: t.orchestration_id.0.clone(),
                        feature: orchs
                            .get(t.orchestration_id.as_str())
                            .map(|o| o.feature_name.clone())
                            .unwrap_or_default(),
                        teams: vec![team],
                    }),
                }
            }
            Ok(ActiveTeams {
                orchestrations: groups,
                page,
            })
        })
        .await?;
        Ok(Structured(out))
    }

    /// Create an orchestration with its worktree, branch and orchestrator team (as
    /// `tina-session init`); returns the orchestrator team id for start_phase.
    #[tool(input_schema = input_schema::<InitOrchestrationParams>(), output_schema = output_schema::<InitOutcome>())]
    async fn init_orchestration(
        &self,
        Args(p): Args<InitOrchestrationParams>,
    ) -> Result<Structured<InitOutcome>, ToolError> {
        let store = self.store();
        let worktrees_dir = self.ctx.config.worktrees_dir();
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
            // A bad budget is refused before init writes anything.
            if let Some(usd) = p.budget_usd {
                check_usd(usd)?;
            }
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
            )
            .and_then(|out| {
                if let Some(usd) = p.budget_usd {
                    set_budget(&*store, out.orchestration_id.as_str(), None, Some(usd))?;
                }
                Ok(out)
            })?)
        })
        .await?;
        Ok(Structured(out))
    }

    /// Start a phase (as `tina-session start`): register its team, set it executing,
    /// launch the agents.
    #[tool(annotations(destructive_hint = false), input_schema = input_schema::<StartPhaseParams>(), output_schema = output_schema::<StartOutcome>())]
    async fn start_phase(
        &self,
        Args(p): Args<StartPhaseParams>,
    ) -> Result<Structured<StartOutcome>, ToolError> {
        let store = self.store();
        let out = blocking(move || {
            // Resolve first so an unknown orchestration gets the MCP hint.
            let orch = resolve(&p.orchestration, &*store)?;
            if let Some(usd) = p.budget_usd {
                lifecycle::check_phase(&orch, p.phase)?;
                set_budget(&*store, orch.id.as_str(), Some(p.phase), Some(usd))?;
            }
            Ok(lifecycle::start(
                &*store,
                &StartRequest {
                    orchestration: orch.id.0,
                    phase: p.phase,
                    plan: PathBuf::from(p.plan),
                    parent_team_id: p.parent_team_id.map(TeamId::from),
                    runtime: p.runtime,
                },
            )?)
        })
        .await?;
        Ok(Structured(out))
    }

    /// Move a phase through its state machine (as `tina-session advance`); the
    /// orchestration's status follows.
    #[tool(annotations(destructive_hint = false), input_schema = input_schema::<AdvancePhaseParams>(), output_schema = output_schema::<AdvanceOutcome>())]
    async fn advance_phase(
        &self,
        Args(p): Args<AdvancePhaseParams>,
    ) -> Result<Structured<AdvanceOutcome>, ToolError> {
        let store = self.store();
        let out = blocking(move || {
            let orch = resolve(&p.orchestration, &*store)?;
            Ok(lifecycle::advance(
                &*store,
                orch.id.as_str(),
                p.phase,
                p.event,
                p.reason,
            )?)
        })
        .await?;
        Ok(Structured(out))
    }

    /// Register or update a team other than a phase team started by start_phase (as
    /// `tina-session register-team`).
    #[tool(annotations(destructive_hint = false, idempotent_hint = true), input_schema = input_schema::<RegisterTeamParams>(), output_schema = output_schema::<Registered>())]
    async fn register_team(
        &self,
        Args(p): Args<RegisterTeamParams>,
    ) -> Result<Structured<Registered>, ToolError> {
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
        // The parent is part of what was registered (it may have been defaulted).
        let mut registered = TeamRef::new(&team, Detail::Compact);
        registered.parent_team_id = team.parent_team_id.map(|p| p.0);
        Ok(Structured(Registered { team: registered }))
    }

    /// Wait for what changes in one orchestration (milestones, anomalies) instead of
    /// polling; replies only with what is new since the cursor.
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<WatchOrchestrationParams>(), output_schema = output_schema::<WatchResult>())]
    async fn watch_orchestration(
        &self,
        Args(p): Args<WatchOrchestrationParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Structured<WatchResult>, ToolError> {
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
        let thresholds = Thresholds::from_params(&p, self.ctx.lead_folder_timeout)?;
        let resumed = match &p.cursor {
            Some(c) => Some(self.ctx.cursors.resume(c, &p.orchestration)?),
            None => None,
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
        let seen = match resumed {
            None => Seen::new(&p.orchestration, p.run_started_at_ms.unwrap_or(snap.now)),
            Some(Resumed::Known(seen)) => seen,
            Some(Resumed::AsOf(at)) => Seen::as_of(
                &p.orchestration,
                p.run_started_at_ms.unwrap_or(at),
                at,
                &snap,
                &thresholds,
            ),
        };
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
                let cursor = self.ctx.cursors.issue(eval.next.clone(), snap.now);
                return Ok(Structured(WatchResult::new(
                    &seen, eval, &snap, cursor, timed_out,
                )));
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

    /// Rebuild TINA's binaries after changing its code, restarting a running daemon.
    #[tool(annotations(destructive_hint = false, idempotent_hint = true), input_schema = input_schema::<RebuildBinariesParams>(), output_schema = output_schema::<BuildReport>())]
    async fn rebuild_binaries(
        &self,
        Args(_): Args<RebuildBinariesParams>,
    ) -> Result<Structured<BuildReport>, ToolError> {
        harness::rebuild(&self.ctx).await.map(Structured)
    }

    /// The scenarios run_scenario accepts.
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<ListScenariosParams>(), output_schema = output_schema::<ScenarioList>())]
    async fn list_scenarios(
        &self,
        Args(_): Args<ListScenariosParams>,
    ) -> Result<Structured<ScenarioList>, ToolError> {
        harness::scenarios(&self.ctx).await.map(Structured)
    }

    /// Run a harness scenario end to end to test TINA; returns a run id at once unless
    /// wait is true.
    #[tool(input_schema = input_schema::<RunScenarioParams>(), output_schema = output_schema::<RunView>())]
    async fn run_scenario(
        &self,
        Args(p): Args<RunScenarioParams>,
        rc: RequestContext<RoleServer>,
    ) -> Result<Structured<RunView>, ToolError> {
        harness::start(&self.ctx, p, rc).await.map(Structured)
    }

    /// A scenario run's status, progress and report (every assertion, expected and
    /// observed).
    #[tool(annotations(read_only_hint = true), input_schema = input_schema::<GetScenarioRunParams>(), output_schema = output_schema::<RunView>())]
    async fn get_scenario_run(
        &self,
        Args(p): Args<GetScenarioRunParams>,
    ) -> Result<Structured<RunView>, ToolError> {
        harness::get(&self.ctx, &p.run_id).await.map(Structured)
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
