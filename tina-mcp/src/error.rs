//! Tool errors: what a tool returns when it ran but could not do the job.
//!
//! Every variant becomes a tool result with `isError: true` and a message an agent can
//! act on (what failed, and which tool lists the valid values). Only failures of the
//! server itself (a panicked worker) become protocol errors.

use rmcp::ErrorData;
use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use tina_session::lifecycle::LifecycleError;
use tina_session::model::PhaseStatus;
use tina_session::model::input::{InputError, NameKind, quote};
use tina_session::model::rules::TeamRuleError;
use tina_session::report::error_chain;
use tina_session::store::{Entity, StoreError};

/// Why a tool call failed.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// A referenced record (orchestration, team, run, scenario) does not exist.
    #[error("{kind} not found: {key}. {hint}")]
    NotFound {
        kind: &'static str,
        key: String,
        hint: String,
    },
    /// The arguments are well-formed but not acceptable (out of range, wrong owner...).
    #[error("{0}")]
    Invalid(String),
    /// The store or lifecycle refused or failed; its message names what and why.
    #[error("{0}")]
    Refused(String),
    /// The server could not complete the call (a worker thread died).
    #[error("internal error: {0}")]
    Internal(String),
}

pub type ToolResult<T> = Result<T, ToolError>;

const ORCH_HINT: &str = "Call list_orchestrations to see valid ids and feature names \
                         (feature names match exactly, case-sensitively).";

impl ToolError {
    pub fn orchestration_not_found(key: &str) -> Self {
        Self::NotFound {
            kind: "orchestration",
            key: format!("no orchestration has the id or feature name {}", quote(key)),
            hint: ORCH_HINT.into(),
        }
    }

    pub fn team_not_found(key: &str, orchestration: &str) -> Self {
        Self::NotFound {
            kind: "team",
            key: format!("{} in orchestration {}", quote(key), quote(orchestration)),
            hint: format!(
                "Call get_team_hierarchy with orchestration {} to list its teams (team \
                 names match exactly).",
                quote(orchestration)
            ),
        }
    }
}

impl ToolError {
    /// A refusal about one argument, named as the tool's schema names it.
    fn argument(arg: &str, e: impl std::fmt::Display) -> Self {
        Self::Invalid(format!("argument `{arg}`: {}", mcp_words(&e.to_string())))
    }

    /// `register_team`'s errors: a phase refusal is about `phase_number` there.
    pub fn from_registration(e: LifecycleError) -> Self {
        match e {
            LifecycleError::PhaseOutOfRange { .. }
            | LifecycleError::Store(StoreError::TeamRule(TeamRuleError::PhaseOutOfRange {
                ..
            })) => Self::argument("phase_number", e),
            other => other.into(),
        }
    }
}

/// The tool argument an input-rule refusal is about (the library names fields; the MCP
/// server words them as its arguments).
fn argument_of(e: &InputError) -> Option<&'static str> {
    Some(match e {
        InputError::BadName { kind, .. } => match kind {
            NameKind::Feature => "feature",
            NameKind::Team => "team_name",
            NameKind::Agent => return None,
        },
        InputError::TooLong { field, .. } | InputError::BadValue { field, .. } => match *field {
            "session id" => "lead_session_id",
            "block reason" => "reason",
            "branch" => "branch",
            "design doc path" => "design_doc",
            "repository path" => "repo",
            "plan path" => "plan",
            "parent team id" => "parent_team_id",
            _ => return None,
        },
    })
}

impl From<InputError> for ToolError {
    fn from(e: InputError) -> Self {
        match argument_of(&e) {
            Some(arg) => Self::argument(arg, e),
            None => Self::Invalid(mcp_words(&e.to_string())),
        }
    }
}

impl From<StoreError> for ToolError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { entity, key } => {
                let hint = match entity {
                    Entity::Orchestration => ORCH_HINT,
                    Entity::Team => {
                        "Call get_team_hierarchy to list an orchestration's teams and their ids."
                    }
                    Entity::Task => {
                        "Task ids are per team: call get_current_tasks to list an \
                         orchestration's tasks."
                    }
                };
                Self::NotFound {
                    kind: entity.as_str(),
                    key,
                    hint: hint.to_owned(),
                }
            }
            StoreError::Input(e) => e.into(),
            other => Self::Refused(mcp_words(&error_chain(&other))),
        }
    }
}

impl From<LifecycleError> for ToolError {
    fn from(e: LifecycleError) -> Self {
        use LifecycleError as L;
        let fact = e.fact().unwrap_or_default();
        match e {
            L::Store(s) => s.into(),
            L::Input(e) => e.into(),
            e @ L::PhaseOutOfRange { .. } => Self::argument("phase", e),
            e @ L::ReasonRequired => Self::argument("reason", e),
            e @ L::PlanMissing { .. } => Self::argument("plan", e),
            e @ L::BadBudget { .. } => Self::argument("budget_usd", e),
            L::NoPhases => Self::Invalid("total_phases must be at least 1".into()),
            L::RepoRequired => Self::Invalid(format!("{fact}: pass repo, or no_worktree")),
            L::NoOrchestratorTeam { .. } => Self::Invalid(format!("{fact}; pass parent_team_id")),
            L::UnknownParentTeam { .. } => {
                Self::Invalid(format!("{fact}; get_team_hierarchy lists team ids"))
            }
            L::NotARepository { .. } => {
                Self::Invalid(format!("{fact}; pass repo <git repo> or no_worktree"))
            }
            L::WorktreeExists { .. } => Self::Refused(format!(
                "{fact}; pass replace, or remove it with cleanup (`tina-session cleanup \
                 --worktree`)"
            )),
            L::BranchExists { .. } => Self::Refused(format!(
                "{fact}; keep it and pass branch <new name>, or pass replace to reset it to HEAD"
            )),
            L::PhaseOverlap { open_status, .. } => Self::Refused(format!(
                "{fact}{}",
                if open_status == PhaseStatus::Blocked {
                    " (advance_phase resume), or start over with init_orchestration and replace"
                } else {
                    ""
                }
            )),
            L::OrchestratorLaunch { .. } => Self::Refused(format!(
                "{fact}: launch its lead again with init_orchestration (replace, runtime \
                 claude), or drive it yourself"
            )),
            // Launcher settings and the like may still name a CLI flag or command.
            other => Self::Refused(mcp_words(&error_chain(&other))),
        }
    }
}

/// The tools' argument names that the CLI spells as flags (`--total-phases`).
const ARGUMENTS: &[&str] = &[
    "branch",
    "design_doc",
    "event",
    "feature",
    "lead_session_id",
    "no_worktree",
    "parent_team_id",
    "phase",
    "phase_number",
    "plan",
    "reason",
    "replace",
    "repo",
    "runtime",
    "team_name",
    "total_phases",
];

/// Rewrites a message written for the CLI into the tools' terms: a flag such as
/// `--total-phases` becomes the argument `total_phases`, and a `tina-session hierarchy`
/// command becomes the get_team_hierarchy tool. Other commands in backticks (which
/// have no tool) and flags that are no tool argument stay as they are.
pub fn mcp_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        if i % 2 == 1 {
            if part.starts_with("tina-session hierarchy") {
                out.push_str("get_team_hierarchy");
            } else {
                out.push('`');
                out.push_str(part);
                out.push('`');
            }
            continue;
        }
        let mut rest = part;
        while let Some(at) = rest.find("--") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let len = after
                .find(|c: char| !(c.is_ascii_lowercase() || c == '-'))
                .unwrap_or(after.len());
            let arg = after[..len].replace('-', "_");
            if ARGUMENTS.contains(&arg.as_str()) {
                out.push_str(&arg);
            } else {
                out.push_str(&rest[at..at + 2 + len]);
            }
            rest = &after[len..];
        }
        out.push_str(rest);
    }
    out
}

impl From<tokio::task::JoinError> for ToolError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::Internal(format!("the worker running the call failed: {e}"))
    }
}

impl IntoCallToolResult for ToolError {
    fn into_call_tool_result(self) -> Result<CallToolResponse, ErrorData> {
        tracing::debug!(error = %self, "tool error");
        Ok(CallToolResult::error(vec![ContentBlock::text(self.to_string())]).into())
    }
}

/// Runs blocking store work on the blocking pool, so the async runtime keeps serving.
pub async fn blocking<T, F>(f: F) -> ToolResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> ToolResult<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await?
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use tina_session::model::TeamId;

    /// Lifecycle refusals are worded with the tools' argument names, from the error's
    /// fields: never a CLI flag or a CLI command the agent cannot run.
    #[test]
    fn lifecycle_refusals_name_tool_arguments() {
        let cases = [
            (LifecycleError::NoPhases, "total_phases must be at least 1"),
            (
                LifecycleError::RepoRequired,
                "a repository is required to make the worktree: pass repo, or no_worktree",
            ),
            (
                LifecycleError::NoOrchestratorTeam {
                    feature: "f".into(),
                    roots: 2,
                },
                "has 2 root teams; pass parent_team_id",
            ),
            (
                LifecycleError::UnknownParentTeam {
                    id: TeamId::from("x"),
                    feature: "f".into(),
                },
                "unknown parent team id 'x'; get_team_hierarchy lists team ids",
            ),
            (
                LifecycleError::BranchExists {
                    branch: "tina/f".into(),
                    repo: PathBuf::from("/r"),
                },
                "pass branch <new name>, or pass replace",
            ),
            (
                LifecycleError::PhaseOutOfRange {
                    phase: 3,
                    total: 2,
                    feature: "f".into(),
                },
                "argument `phase`: phase 3 is outside 1..=2",
            ),
            (
                LifecycleError::PhaseOverlap {
                    feature: "f".into(),
                    phase: 2,
                    wanted: PhaseStatus::Executing,
                    open_phase: 1,
                    open_status: PhaseStatus::Blocked,
                },
                "init_orchestration and replace",
            ),
        ];
        for (e, want) in cases {
            let msg = ToolError::from(e).to_string();
            assert!(msg.contains(want), "{msg}");
            assert!(!msg.contains("--"), "{msg}");
        }
    }

    /// A missing record is worded by its typed entity, never by matching text.
    #[test]
    fn not_found_hints_follow_the_entity() {
        let msg = ToolError::from(StoreError::not_found(Entity::Task, "'1' of team t")).to_string();
        assert!(
            msg.contains("task not found") && msg.contains("get_current_tasks"),
            "{msg}"
        );
        let msg = ToolError::from(StoreError::team_not_found("id t")).to_string();
        assert!(msg.contains("get_team_hierarchy"), "{msg}");
    }

    #[test]
    fn cli_flags_become_argument_names() {
        assert_eq!(
            mcp_words("--total-phases must be at least 1"),
            "total_phases must be at least 1"
        );
        assert_eq!(
            mcp_words("event 'block' needs --reason saying why"),
            "event 'block' needs reason saying why"
        );
        assert_eq!(
            mcp_words("pass --repo <git repo> or --no-worktree"),
            "pass repo <git repo> or no_worktree"
        );
        assert_eq!(
            mcp_words(
                "unknown parent team id 'x'; `tina-session hierarchy --feature a` lists team ids"
            ),
            "unknown parent team id 'x'; get_team_hierarchy lists team ids"
        );
        // A command without a tool stays a command; a flag that is no argument stays.
        assert_eq!(
            mcp_words("run `tina-session cleanup --feature a`, or pass --replace"),
            "run `tina-session cleanup --feature a`, or pass replace"
        );
        assert_eq!(mcp_words("set --convex-url"), "set --convex-url");
    }
}
