//! Tool errors: what a tool returns when it ran but could not do the job.
//!
//! Every variant becomes a tool result with `isError: true` and a message an agent can
//! act on (what failed, and which tool lists the valid values). Only failures of the
//! server itself (a panicked worker) become protocol errors.

use rmcp::ErrorData;
use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use tina_session::StoreError;
use tina_session::lifecycle::LifecycleError;
use tina_session::model::input::{InputError, NameKind, quote};
use tina_session::model::rules::TeamRuleError;

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
        Self::Invalid(format!("argument `{arg}`: {e}"))
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
            None => Self::Invalid(e.to_string()),
        }
    }
}

impl From<StoreError> for ToolError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { kind, key, .. } => {
                let hint = match kind {
                    "orchestration" => ORCH_HINT.to_owned(),
                    "team" => "Call get_team_hierarchy to list an orchestration's teams \
                               and their ids."
                        .to_owned(),
                    _ => "Call list_orchestrations to start from what exists.".to_owned(),
                };
                Self::NotFound { kind, key, hint }
            }
            StoreError::Input(e) => e.into(),
            other => Self::Refused(other.to_string()),
        }
    }
}

impl From<LifecycleError> for ToolError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::Store(s) => s.into(),
            LifecycleError::Input(e) => e.into(),
            e @ LifecycleError::PhaseOutOfRange { .. } => Self::argument("phase", e),
            e @ LifecycleError::ReasonRequired => Self::argument("reason", e),
            other => Self::Refused(other.to_string()),
        }
    }
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
