//! Failed calls back to `StoreError`: a function's `ConvexError({code, ...})` payload
//! becomes the variant the SQLite backend returns for the same failure.

use serde_json::Value;

use super::CallError;
use crate::model::*;
use crate::store::StoreError;

pub(super) fn call_error(target: &str, name: &str, e: CallError) -> StoreError {
    match e {
        CallError::Transport(m) => StoreError::Unavailable(format!("{target} ({name}): {m}")),
        CallError::Function(m) => {
            StoreError::Backend(format!("Convex function {name} failed: {m}"))
        }
        CallError::Application { message, data } => application_error(&message, &data),
    }
}

/// Rebuilds the `StoreError` a function's `ConvexError({code, ...})` stands for.
fn application_error(message: &str, data: &Value) -> StoreError {
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    let int = |k: &str| data.get(k).and_then(Value::as_i64);
    let rebuilt = match data.get("code").and_then(Value::as_str) {
        Some("unauthorized") => Some(StoreError::Unauthorized(
            text("message").unwrap_or_else(|| message.to_owned()),
        )),
        // An input rule or a team rule of tina-session, checked again by the functions.
        Some("input") | Some("team_rule") => Some(StoreError::Invalid {
            what: invalid_subject(
                text("field")
                    .or_else(|| text("kind").map(|k| format!("{k} name")))
                    .as_deref()
                    .or(Some("team")),
            ),
            reason: text("message").unwrap_or_else(|| message.to_owned()),
        }),
        Some("not_found") => text("key").map(|key| match text("kind").as_deref() {
            Some("team") => StoreError::team_not_found(key),
            _ => StoreError::orchestration_not_found(key),
        }),
        Some("feature_in_use") => (|| {
            Some(StoreError::FeatureInUse {
                feature: text("feature")?,
                id: OrchestrationId(text("id")?),
                status: text("status")?.parse().ok()?,
            })
        })(),
        Some("team_owned_by_other") => (|| {
            Some(StoreError::TeamOwnedByOther {
                team_name: text("team_name")?,
                owner: OrchestrationId(text("owner")?),
                requested: OrchestrationId(text("requested")?),
            })
        })(),
        Some("invalid") => text("reason").map(|reason| StoreError::Invalid {
            what: invalid_subject(text("what").as_deref()),
            reason,
        }),
        Some("conflict") => Some(StoreError::Conflict(
            text("message").unwrap_or_else(|| message.to_owned()),
        )),
        Some("conflicting_event") => (|| {
            Some(StoreError::ConflictingEvent {
                team_id: TeamId(text("team_id")?),
                task_id: text("task_id")?,
                recorded_at: int("recorded_at")?,
                sequence: int("sequence")?,
            })
        })(),
        _ => None,
    };
    rebuilt.unwrap_or_else(|| StoreError::Backend(format!("Convex error: {message} ({data})")))
}

/// `StoreError::Invalid::what` is static: the subjects the functions use, as SQLite's.
fn invalid_subject(what: Option<&str>) -> &'static str {
    match what {
        Some("team name") => "team name",
        Some("feature name") => "feature name",
        Some("total phases") => "total phases",
        Some("phase number") => "phase number",
        Some("parent team") => "parent team",
        Some("orchestrator team") => "orchestrator team",
        Some("team") => "team",
        Some("task event") => "task event",
        Some("agent name") => "agent name",
        Some("session id") => "session id",
        Some("task id") => "task id",
        Some("subject") => "subject",
        Some("description") => "description",
        Some("metadata") => "metadata",
        Some("owner") => "owner",
        Some("block reason") => "block reason",
        Some("plan path") => "plan path",
        Some("design doc path") => "design doc path",
        Some("worktree path") => "worktree path",
        Some("branch") => "branch",
        _ => "request",
    }
}
