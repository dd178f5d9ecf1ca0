//! The orchestration lifecycle: `init`, `start`, `advance`, `cleanup`.
//!
//! Each operation validates everything it can before writing, then makes its store
//! change in one transaction (see `Store::create_orchestration` and
//! `Store::apply_phase_transition`), so a refused command leaves nothing half-written.
//! The CLI and the MCP server both call these functions.
//!
//! **Phases run one at a time.** A phase is *open* while it is planning, executing,
//! reviewing or blocked. Moving a phase into an open status while another phase is open
//! is refused ([`LifecycleError::PhaseOverlap`], naming the open phase and what to do),
//! so the orchestration's status and current phase always describe the one open phase
//! (or, with none open, `planning` with the last phase that changed, or `complete`
//! once every phase is). A *blocked* orchestration is replaced by `init` only with
//! `replace`: it still holds why it stopped.
//!
//! Every input is checked first with the rules of [`crate::model::input`] (names, ids,
//! sizes); every folder derived from a name goes through [`crate::paths`].

mod cleanup;
mod error;
pub mod launch;
mod machine;
mod worktree;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::input;
use crate::model::*;
use crate::store::{Store, StoreError};

pub use cleanup::{CleanupOutcome, CleanupRequest, cleanup};
pub use error::{LifecycleError, Result};
pub use launch::{LaunchError, LaunchSettings};
pub use machine::{PhaseEvent, TransitionRefused, next_phase_status};

use crate::paths;

/// What launching a Claude Code lead needs: TINA's configuration (the lead gets its
/// homes and store) and the launcher settings.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub config: crate::config::Config,
    pub settings: LaunchSettings,
}

impl Launcher {
    /// The configuration and launcher settings of this process's environment.
    pub fn from_env() -> Result<Self> {
        let config = crate::config::Config::load(crate::config::Overrides::default())?;
        Ok(Self {
            config,
            settings: LaunchSettings::from_env()?,
        })
    }
}

/// Input of [`init`].
#[derive(Debug, Clone)]
pub struct InitRequest {
    pub feature: String,
    pub design_doc: PathBuf,
    /// The git repository to branch from; required unless `no_worktree`.
    pub repo: Option<PathBuf>,
    /// Defaults to `tina/<feature>`.
    pub branch: Option<String>,
    pub total_phases: u32,
    pub no_worktree: bool,
    pub replace: bool,
    /// Where worktrees go: `<worktrees_dir>/<feature>`.
    pub worktrees_dir: PathBuf,
}

/// Output of [`init`]: what every later step needs, ids first.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct InitOutcome {
    pub orchestration_id: OrchestrationId,
    pub feature_name: String,
    /// The orchestrator team's id: the parent of every phase team (pass it as
    /// `parent_team_id` when starting a phase).
    pub team_id: TeamId,
    pub team_name: String,
    pub worktree_path: Option<String>,
    pub branch: Option<String>,
    pub total_phases: u32,
    /// The orchestrator lead's session id, when `init` launched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_session_id: Option<String>,
    /// The tmux session running the orchestrator lead, when `init` launched it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmux_session: Option<String>,
}

/// Checks a feature name against the one naming rule ([`input::validate_name`]): it
/// names a git branch and a directory.
pub fn validate_feature(feature: &str) -> Result<()> {
    Ok(input::validate_name(input::NameKind::Feature, feature)?)
}

/// Creates the orchestration (exact feature name), its worktree and branch, and the
/// orchestrator team.
pub fn init(store: &dyn Store, req: &InitRequest) -> Result<InitOutcome> {
    init_with(store, req, None)
}

/// [`init`], then, with a launcher, launches the orchestrator lead (Claude Code) in the
/// worktree: its session id is chosen and recorded on the orchestrator team first.
pub fn init_with(
    store: &dyn Store,
    req: &InitRequest,
    launcher: Option<&Launcher>,
) -> Result<InitOutcome> {
    validate_feature(&req.feature)?;
    input::check_path("design doc path", &req.design_doc)?;
    if let Some(repo) = &req.repo {
        input::check_path("repository path", repo)?;
    }
    if let Some(branch) = &req.branch {
        input::validate_branch(branch)?;
    }
    if let Some(l) = launcher {
        launch::preflight(&l.settings)?;
    }
    let lead_session_id = launcher.map(|_| launch::new_session_id());
    if req.total_phases == 0 {
        return Err(LifecycleError::NoPhases);
    }
    std::fs::read_to_string(&req.design_doc).map_err(|source| {
        LifecycleError::DesignDocUnreadable {
            path: req.design_doc.clone(),
            source,
        }
    })?;
    let design_doc = std::fs::canonicalize(&req.design_doc)
        .unwrap_or_else(|_| req.design_doc.clone())
        .display()
        .to_string();
    // Refuse a running orchestration before touching git.
    match store.get_orchestration_by_feature(&req.feature) {
        // A blocked orchestration still says why it stopped: replace it only when asked.
        Ok(existing) if existing.status != OrchestrationStatus::Complete && !req.replace => {
            return Err(StoreError::FeatureInUse {
                feature: existing.feature_name,
                id: existing.id,
                status: existing.status,
            }
            .into());
        }
        Ok(_) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => return Err(e.into()),
    }
    let branch = req
        .branch
        .clone()
        .unwrap_or_else(|| format!("tina/{}", req.feature));
    let worktree = if req.no_worktree {
        None
    } else {
        let repo = req.repo.as_deref().ok_or(LifecycleError::RepoRequired)?;
        let path = paths::confined(&req.worktrees_dir, &req.feature)?;
        worktree::create(repo, &path, &branch, req.replace)?;
        Some(path)
    };
    let created = store.create_orchestration(&NewOrchestration {
        feature_name: req.feature.clone(),
        design_doc,
        branch: (!req.no_worktree).then(|| branch.clone()),
        worktree_path: worktree.as_ref().map(|p| p.display().to_string()),
        total_phases: req.total_phases,
        orchestrator_team_name: orchestrator_team_name(&req.feature),
        lead_session_id: lead_session_id.clone(),
        replace: req.replace,
    });
    let (orch, team) = match created {
        Ok(pair) => pair,
        Err(e) => {
            if let (Some(repo), Some(path)) = (req.repo.as_deref(), worktree.as_deref()) {
                worktree::undo_create(repo, path, &branch, req.replace);
            }
            return Err(e.into());
        }
    };
    let tmux_session = match (launcher, &lead_session_id) {
        (Some(l), Some(session_id)) => Some(launch_orchestrator(l, &orch, &team, session_id)?),
        _ => None,
    };
    Ok(InitOutcome {
        orchestration_id: orch.id,
        feature_name: orch.feature_name,
        team_id: team.id,
        team_name: team.team_name,
        worktree_path: orch.worktree_path,
        branch: orch.branch,
        total_phases: orch.total_phases,
        lead_session_id,
        tmux_session,
    })
}

/// The folder a lead works in: the worktree, else the current directory.
fn lead_cwd(orch: &Orchestration) -> PathBuf {
    orch.worktree_path
        .as_ref()
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

fn launch_orchestrator(
    l: &Launcher,
    orch: &Orchestration,
    team: &Team,
    session_id: &str,
) -> Result<String> {
    let lead = launch::Lead {
        tmux_session: launch::tmux_session_name(&team.team_name),
        cwd: lead_cwd(orch),
        session_id: session_id.to_owned(),
        prompt: format!(
            "/tina:orchestrate Feature '{feature}' is initialized: orchestration id {oid}, \
             orchestrator team id {tid} (your team; pass it as parent_team_id to every \
             start_phase), {phases} phase(s), design doc {design}, worktree {cwd}. Init is \
             done: continue with phase 1.",
            feature = orch.feature_name,
            oid = orch.id,
            tid = team.id,
            phases = orch.total_phases,
            design = orch.design_doc,
            cwd = lead_cwd(orch).display(),
        ),
    };
    launch::launch(&l.config, &l.settings, &lead).map_err(|source| {
        LifecycleError::OrchestratorLaunch {
            feature: orch.feature_name.clone(),
            source,
        }
    })?;
    Ok(lead.tmux_session)
}

/// Who plays the agents of a phase team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// The real Claude Code CLI in a tmux session.
    Claude,
    /// The harness's simulated agents (launched by the harness, not here).
    Sim,
    /// Register only.
    None,
}

impl std::str::FromStr for Runtime {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "claude" => Ok(Self::Claude),
            "sim" => Ok(Self::Sim),
            "none" => Ok(Self::None),
            other => Err(format!(
                "unknown runtime '{other}'; expected claude, sim or none"
            )),
        }
    }
}

/// Input of [`start`].
#[derive(Debug, Clone)]
pub struct StartRequest {
    /// The orchestration, by id or exact feature name.
    pub orchestration: String,
    pub phase: u32,
    pub plan: PathBuf,
    /// Defaults to the orchestration's orchestrator team (the root team record).
    pub parent_team_id: Option<TeamId>,
    pub runtime: Runtime,
}

/// Output of [`start`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct StartOutcome {
    pub orchestration_id: OrchestrationId,
    /// The phase team's id.
    pub team_id: TeamId,
    pub team_name: String,
    pub phase_number: u32,
    pub parent_team_id: TeamId,
    pub runtime: Runtime,
    /// The phase lead's session id, for the `claude` runtime.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead_session_id: Option<String>,
    /// The tmux session running the team, for the `claude` runtime.
    pub tmux_session: Option<String>,
}

/// Finds an orchestration by id, or else by exact feature name.
/// Feature names cannot look like ids (see [`validate_feature`]), so at most one of the
/// two exact lookups can match. Store failures are passed through, never reported as
/// "not found".
pub fn resolve_orchestration(store: &dyn Store, key: &str) -> Result<Orchestration, StoreError> {
    let not_found =
        || StoreError::orchestration_not_found(format!("feature name or id {}", input::quote(key)));
    // Longer than any feature name or id: nothing to look up (and nothing to echo whole).
    if key.len() > input::FEATURE_NAME_MAX.max(input::SESSION_ID_MAX) {
        return Err(not_found());
    }
    match store.get_orchestration_by_feature(key) {
        Ok(o) => Ok(o),
        Err(e) if e.is_not_found() => match store.get_orchestration(&OrchestrationId::from(key)) {
            Err(e) if e.is_not_found() => Err(not_found()),
            other => other,
        },
        Err(e) => Err(e),
    }
}

/// The orchestrator team of an orchestration: its root team record (no parent, no phase).
pub fn orchestrator_team(store: &dyn Store, orch: &Orchestration) -> Result<Team> {
    let roots: Vec<Team> = store
        .list_teams(&orch.id)?
        .into_iter()
        .filter(|t| t.parent_team_id.is_none() && t.phase_number.is_none())
        .collect();
    match roots.as_slice() {
        [one] => Ok(one.clone()),
        other => Err(LifecycleError::NoOrchestratorTeam {
            feature: orch.feature_name.clone(),
            roots: other.len(),
        }),
    }
}

/// Registers the phase team (linked to its parent by id), sets the phase executing and
/// launches the runtime. The `claude` runtime takes its configuration and launcher
/// settings from the environment ([`Launcher::from_env`]); see [`start_with`].
pub fn start(store: &dyn Store, req: &StartRequest) -> Result<StartOutcome> {
    match req.runtime {
        Runtime::Claude => start_with(store, req, Some(&Launcher::from_env()?)),
        Runtime::Sim | Runtime::None => start_with(store, req, None),
    }
}

/// [`start`] with the launcher the `claude` runtime uses (required for it).
pub fn start_with(
    store: &dyn Store,
    req: &StartRequest,
    launcher: Option<&Launcher>,
) -> Result<StartOutcome> {
    let orch = resolve_orchestration(store, &req.orchestration)?;
    check_phase(&orch, req.phase)?;
    input::check_path("plan path", &req.plan)?;
    if let Some(id) = &req.parent_team_id {
        input::check_len("parent team id", id.as_str(), input::ID_MAX)?;
    }
    if !req.plan.is_file() {
        return Err(LifecycleError::PlanMissing {
            path: req.plan.clone(),
        });
    }
    let parent = match &req.parent_team_id {
        Some(id) => {
            let parent = store.get_team(id).map_err(|e| {
                if e.is_not_found() {
                    LifecycleError::UnknownParentTeam {
                        id: id.clone(),
                        feature: orch.feature_name.clone(),
                    }
                } else {
                    e.into()
                }
            })?;
            if parent.orchestration_id != orch.id {
                return Err(LifecycleError::ParentElsewhere {
                    id: id.clone(),
                    team_name: parent.team_name,
                    feature: orch.feature_name.clone(),
                });
            }
            parent
        }
        None => orchestrator_team(store, &orch)?,
    };
    let launcher = match (req.runtime, launcher) {
        (Runtime::Claude, Some(l)) => {
            launch::preflight(&l.settings)?;
            Some(l)
        }
        (Runtime::Claude, None) => {
            return Err(LifecycleError::NoLauncher);
        }
        _ => None,
    };
    // A new session id for every launch (a relaunch too), recorded before the launch.
    let lead_session_id = launcher.map(|_| launch::new_session_id());
    let phases = store.list_phases(&orch.id)?;
    let current = status_of(&phases, req.phase);
    // Starting an executing phase again relaunches its team (same record, same parent):
    // the way back after a phase team's session died or its launch failed.
    let status = if current == Some(PhaseStatus::Executing) {
        PhaseStatus::Executing
    } else {
        next_phase_status(current, PhaseEvent::Execute)
            .map_err(|r| refused(&orch, req.phase, true, r))?
    };
    check_no_overlap(&orch, &phases, req.phase, status)?;
    let team_name = phase_team_name(&orch.feature_name, req.phase);
    let plan = std::fs::canonicalize(&req.plan).unwrap_or_else(|_| req.plan.clone());
    let out = store.apply_phase_transition(&PhaseTransition {
        orchestration_id: orch.id.clone(),
        phase_number: req.phase,
        expected: current,
        status,
        plan_path: Some(plan.display().to_string()),
        blocked_reason: None,
        orchestration_status: OrchestrationStatus::implied_by(status),
        register_team: Some(TeamRegistration {
            team_name: team_name.clone(),
            orchestration_id: orch.id.clone(),
            parent_team_id: Some(parent.id.clone()),
            phase_number: Some(req.phase),
            lead_session_id: lead_session_id.clone(),
        }),
    })?;
    let team = out
        .team
        .ok_or_else(|| StoreError::backend("the store did not return the registered team"))?;
    let tmux_session = match (launcher, &lead_session_id) {
        (Some(l), Some(session_id)) => Some(launch_phase_lead(l, &orch, &team, &plan, session_id)?),
        _ => None,
    };
    Ok(StartOutcome {
        orchestration_id: orch.id,
        team_id: team.id,
        team_name: team.team_name,
        phase_number: req.phase,
        parent_team_id: parent.id,
        runtime: req.runtime,
        lead_session_id,
        tmux_session,
    })
}

/// Refuses a phase number outside the orchestration's `1..=total_phases`
/// ([`Orchestration::has_phase`]).
pub fn check_phase(orch: &Orchestration, phase: u32) -> Result<()> {
    if !orch.has_phase(phase) {
        return Err(LifecycleError::PhaseOutOfRange {
            phase,
            total: orch.total_phases,
            feature: orch.feature_name.clone(),
        });
    }
    Ok(())
}

/// The state machine's refusal as the error naming the orchestration and phase.
fn refused(
    orch: &Orchestration,
    phase: u32,
    by_start: bool,
    r: TransitionRefused,
) -> LifecycleError {
    LifecycleError::Transition {
        feature: orch.feature_name.clone(),
        phase,
        by_start,
        event: r.event,
        from: r.from,
        allowed: r.allowed,
    }
}

fn status_of(phases: &[Phase], phase: u32) -> Option<PhaseStatus> {
    phases
        .iter()
        .find(|p| p.phase_number == phase)
        .map(|p| p.status)
}

/// True for the statuses of a phase that is under way (see the module doc).
pub fn is_open(status: PhaseStatus) -> bool {
    status != PhaseStatus::Complete
}

/// Refuses to move `phase` into an open status while another phase is open.
fn check_no_overlap(
    orch: &Orchestration,
    phases: &[Phase],
    phase: u32,
    wanted: PhaseStatus,
) -> Result<()> {
    if !is_open(wanted) {
        return Ok(());
    }
    match phases
        .iter()
        .find(|p| p.phase_number != phase && is_open(p.status))
    {
        None => Ok(()),
        Some(open) => Err(LifecycleError::PhaseOverlap {
            feature: orch.feature_name.clone(),
            phase,
            wanted,
            open_phase: open.phase_number,
            open_status: open.status,
        }),
    }
}

/// True when `program` is an executable file on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

fn launch_phase_lead(
    l: &Launcher,
    orch: &Orchestration,
    team: &Team,
    plan: &Path,
    session_id: &str,
) -> Result<String> {
    let lead = launch::Lead {
        tmux_session: launch::tmux_session_name(&team.team_name),
        cwd: lead_cwd(orch),
        session_id: session_id.to_owned(),
        prompt: format!(
            "/tina:phase-executor You lead team {} (team id {}), phase {} of feature '{}'. \
             Plan: {}. Worktree: {}.",
            team.team_name,
            team.id,
            team.phase_number.unwrap_or_default(),
            orch.feature_name,
            plan.display(),
            lead_cwd(orch).display(),
        ),
    };
    launch::launch(&l.config, &l.settings, &lead)
        .map_err(|source| LifecycleError::PhaseLaunch { source })?;
    Ok(lead.tmux_session)
}

/// Output of [`advance`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct AdvanceOutcome {
    pub orchestration_id: OrchestrationId,
    pub feature_name: String,
    pub phase_number: u32,
    /// The phase status before the event; null if the phase had not started.
    pub previous_status: Option<PhaseStatus>,
    pub phase_status: PhaseStatus,
    pub orchestration_status: OrchestrationStatus,
    pub blocked_reason: Option<String>,
}

/// Applies one state-machine event to a phase and derives the orchestration's status.
pub fn advance(
    store: &dyn Store,
    orchestration: &str,
    phase: u32,
    event: PhaseEvent,
    reason: Option<String>,
) -> Result<AdvanceOutcome> {
    if let Some(r) = &reason {
        input::check_len("block reason", r, input::REASON_MAX)?;
    }
    let orch = resolve_orchestration(store, orchestration)?;
    check_phase(&orch, phase)?;
    if event == PhaseEvent::Block && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(LifecycleError::ReasonRequired);
    }
    let phases = store.list_phases(&orch.id)?;
    let current = status_of(&phases, phase);
    let status = next_phase_status(current, event).map_err(|r| refused(&orch, phase, false, r))?;
    check_no_overlap(&orch, &phases, phase, status)?;
    // The store derives the final status from every phase, in the same transaction.
    let orch_status = OrchestrationStatus::implied_by(status);
    let out = store.apply_phase_transition(&PhaseTransition {
        orchestration_id: orch.id.clone(),
        phase_number: phase,
        expected: current,
        status,
        plan_path: None,
        blocked_reason: if status == PhaseStatus::Blocked {
            reason
        } else {
            None
        },
        orchestration_status: orch_status,
        register_team: None,
    })?;
    Ok(AdvanceOutcome {
        orchestration_id: orch.id,
        feature_name: orch.feature_name,
        phase_number: phase,
        previous_status: current,
        phase_status: out.phase.status,
        orchestration_status: out.orchestration.status,
        blocked_reason: out.phase.blocked_reason,
    })
}

/// Input of [`register_team`]: the same fields as [`TeamRegistration`], with the
/// orchestration by id or exact feature name.
#[derive(Debug, Clone)]
pub struct RegisterTeamRequest {
    pub orchestration: String,
    pub team_name: String,
    /// Default for a new phase team: the orchestrator team.
    pub parent_team_id: Option<TeamId>,
    pub phase_number: Option<u32>,
    pub lead_session_id: Option<String>,
}

/// Registers (upserts) a team by exact name under the naming and hierarchy rules of
/// [`crate::model::rules`], which the store applies again (see `Store::register_team`).
pub fn register_team(store: &dyn Store, req: &RegisterTeamRequest) -> Result<Team> {
    input::validate_name(input::NameKind::Team, &req.team_name)?;
    if let Some(id) = &req.lead_session_id {
        input::validate_session_id(id)?;
    }
    if let Some(id) = &req.parent_team_id {
        input::check_len("parent team id", id.as_str(), input::ID_MAX)?;
    }
    let orch = resolve_orchestration(store, &req.orchestration)?;
    if let Some(phase) = req.phase_number {
        check_phase(&orch, phase)?;
    }
    Ok(store.register_team(&TeamRegistration {
        team_name: req.team_name.clone(),
        orchestration_id: orch.id,
        parent_team_id: req.parent_team_id.clone(),
        phase_number: req.phase_number,
        lead_session_id: req.lead_session_id.clone(),
    })?)
}
