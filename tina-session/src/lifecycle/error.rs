//! Why a lifecycle operation was refused: one variant per reason, with the values
//! involved as fields.
//!
//! The texts name things in plain words ("total phases", "the parent team"), never a
//! front end's spelling of them: the CLI words a variant with its flags (`--phase`), the
//! MCP server with its tool arguments (`phase`), each from the fields. Callers match on
//! the variant, never on the text.

use std::path::PathBuf;

use super::launch::LaunchError;
use super::machine::{PhaseEvent, TransitionRefused};
use crate::model::input::{self, InputError};
use crate::model::{PhaseStatus, TeamId};
use crate::paths::PathError;
use crate::store::StoreError;

/// Why a lifecycle operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An argument breaks the input rules (name, id, size limit).
    #[error(transparent)]
    Input(#[from] InputError),
    /// A path derived from a name or read from a record is not inside its root.
    #[error(transparent)]
    Path(#[from] PathError),
    /// TINA's configuration (homes, store) could not be loaded.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The launcher's settings are wrong or a launch failed before a lead existed.
    #[error(transparent)]
    Launch(#[from] LaunchError),
    /// The phase number is outside `1..=total`.
    #[error("phase {phase} is outside 1..={total} for feature '{feature}'")]
    PhaseOutOfRange {
        phase: u32,
        total: u32,
        feature: String,
    },
    /// Another phase is open (planning, executing, reviewing or blocked): phases run one
    /// at a time.
    #[error(
        "{}{}",
        self.fact().unwrap_or_default(),
        if *open_status == PhaseStatus::Blocked {
            " (resume it), or start the feature over with init, replacing it"
        } else {
            ""
        }
    )]
    PhaseOverlap {
        feature: String,
        phase: u32,
        wanted: PhaseStatus,
        open_phase: u32,
        open_status: PhaseStatus,
    },
    /// `block` without a reason.
    #[error("event 'block' needs a reason saying why the phase is blocked")]
    ReasonRequired,
    /// The state machine does not allow `event` from the phase's status `from`.
    #[error(
        "{}: {}",
        attempt(*by_start, *event, *phase, feature),
        TransitionRefused { from: *from, event: *event, allowed: allowed.clone() }
    )]
    Transition {
        feature: String,
        phase: u32,
        /// `start` asked (it applies `execute`, and also relaunches an executing phase).
        by_start: bool,
        event: PhaseEvent,
        /// The phase's status; `None` when it has not started.
        from: Option<PhaseStatus>,
        /// The events the machine allows from `from`.
        allowed: Vec<PhaseEvent>,
    },
    /// An orchestration needs at least one phase.
    #[error("total phases must be at least 1")]
    NoPhases,
    /// A spending limit that is no dollar amount TINA keeps.
    #[error("budget {usd} is not a dollar amount between 0 and 1e9")]
    BadBudget { usd: f64 },
    /// The design doc cannot be read.
    #[error("cannot read design doc {}: {source}", input::quote(&path.to_string_lossy()))]
    DesignDocUnreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The phase's plan is missing.
    #[error("plan {} does not exist or is not a file", input::quote(&path.to_string_lossy()))]
    PlanMissing { path: PathBuf },
    /// A worktree was asked for without the repository to make it from.
    #[error("{}; or ask for no worktree", self.fact().unwrap_or_default())]
    RepoRequired,
    /// The orchestration has no single root team to be a phase team's parent.
    #[error("{}; name the parent team", self.fact().unwrap_or_default())]
    NoOrchestratorTeam { feature: String, roots: usize },
    /// The named parent team does not exist.
    #[error(
        "{}; the team hierarchy of '{feature}' lists team ids",
        self.fact().unwrap_or_default()
    )]
    UnknownParentTeam { id: TeamId, feature: String },
    /// The named parent team belongs to another orchestration.
    #[error("parent team {id} ('{team_name}') belongs to another orchestration, not '{feature}'")]
    ParentElsewhere {
        id: TeamId,
        team_name: String,
        feature: String,
    },
    /// The `claude` runtime was asked for without launcher settings (a caller's bug).
    #[error("runtime 'claude' needs launcher settings (lifecycle::start_with)")]
    NoLauncher,
    /// The orchestrator lead did not launch; the orchestration is initialized.
    #[error(
        "{}: launch its lead again by running init again, replacing it, with the claude \
         runtime, or drive it yourself",
        self.fact().unwrap_or_default()
    )]
    OrchestratorLaunch {
        feature: String,
        #[source]
        source: LaunchError,
    },
    /// A phase lead did not launch; its team is registered and the phase executing.
    #[error(
        "{source}; the phase team is registered and the phase executing: fix the cause and run \
         the same start again to relaunch it"
    )]
    PhaseLaunch {
        #[source]
        source: LaunchError,
    },
    /// git could not be run at all.
    #[error("cannot run git: {0}")]
    GitMissing(#[source] std::io::Error),
    /// A git command failed.
    #[error("git {command} failed in {}: {stderr}", dir.display())]
    Git {
        command: String,
        dir: PathBuf,
        stderr: String,
    },
    /// The repository folder does not exist.
    #[error("repository {} does not exist", input::quote(&path.to_string_lossy()))]
    NoRepository { path: PathBuf },
    /// The folder is not a git repository.
    #[error(
        "{}; name a git repository, or ask for no worktree",
        self.fact().unwrap_or_default()
    )]
    NotARepository { path: PathBuf },
    /// The repository has no commit to branch from.
    #[error("repository {} has no commits yet; commit something first", path.display())]
    EmptyRepository { path: PathBuf },
    /// The feature's worktree folder exists already.
    #[error(
        "{}; replace it, or clean up the feature with its worktree",
        self.fact().unwrap_or_default()
    )]
    WorktreeExists { path: PathBuf },
    /// A folder could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The branch exists already (an earlier run's work?).
    #[error(
        "{}; keep it and name another branch, or replace it to reset it to HEAD",
        self.fact().unwrap_or_default()
    )]
    BranchExists { branch: String, repo: PathBuf },
    /// The branch to delete does not exist.
    #[error("branch '{branch}' does not exist in {}", repo.display())]
    NoBranch { branch: String, repo: PathBuf },
}

impl LifecycleError {
    /// What went wrong without what to do about it, for the refusals whose remedy names
    /// an input: a front end adds the remedy in its own words (`pass --replace`, `pass
    /// replace`). `None` for the others, whose text has no remedy to word.
    pub fn fact(&self) -> Option<String> {
        Some(match self {
            Self::PhaseOverlap {
                feature,
                phase,
                wanted,
                open_phase,
                open_status,
            } => format!(
                "cannot make phase {phase} of '{feature}' {wanted}: phase {open_phase} is \
                 {open_status} and phases run one at a time; take phase {open_phase} to \
                 complete first"
            ),
            Self::RepoRequired => "a repository is required to make the worktree".to_owned(),
            Self::NoOrchestratorTeam { feature, roots } => match roots {
                0 => format!("orchestration '{feature}' has no orchestrator team"),
                n => format!("orchestration '{feature}' has {n} root teams"),
            },
            Self::UnknownParentTeam { id, .. } => {
                format!("unknown parent team id {}", input::quote(id.as_str()))
            }
            Self::OrchestratorLaunch { feature, source } => {
                format!("{source}; the orchestration '{feature}' is initialized")
            }
            Self::NotARepository { path } => format!("{} is not a git repository", path.display()),
            Self::WorktreeExists { path } => {
                format!("worktree path {} already exists", path.display())
            }
            Self::BranchExists { branch, repo } => format!(
                "branch '{branch}' already exists in {} (an earlier run's work?)",
                repo.display()
            ),
            _ => return None,
        })
    }
}

fn attempt(by_start: bool, event: PhaseEvent, phase: u32, feature: &str) -> String {
    if by_start {
        format!("cannot start phase {phase} of '{feature}'")
    } else {
        format!(
            "cannot apply '{}' to phase {phase} of '{feature}'",
            event.as_str()
        )
    }
}

pub type Result<T, E = LifecycleError> = std::result::Result<T, E>;
