//! Failed calls back to `StoreError`: a function's `ConvexError({code, ...})` payload
//! becomes the variant the SQLite backend returns for the same failure.

use serde_json::Value;

use super::CallError;
use crate::model::input::{InputError, NameKind};
use crate::model::rules::TeamRuleError;
use crate::model::*;
use crate::store::{Entity, StoreError};

/// The fields and reasons the input rules use (`InputError` holds them as `&'static str`);
/// the TypeScript rules in `convex/model/input.ts` use the same words.
const INPUT_WORDS: &[&str] = &[
    "session id",
    "task id",
    "branch",
    "design doc path",
    "worktree path",
    "orchestration id",
    "parent team id",
    "block reason",
    "plan path",
    "subject",
    "description",
    "metadata",
    "owner",
    "active form",
    "it is empty",
    "it is too long",
    "it contains a character other than a letter, digit, '-', '_' or '.'",
    "it starts with '-' or '.'",
    "it is shaped like an id",
    "use 1-128 ASCII letters, digits, '-' or '_' (Claude Code uses UUIDs)",
    "use 1-64 ASCII letters, digits, '-', '_' or '.', not starting with '.'",
    "it starts with '-' or '/'",
    "it contains '..', '@{' or '//'",
    "it contains whitespace, a control character or one of ~ ^ : ? * [ \\",
    "it ends with '/', '.' or '.lock', or is '@'",
];

fn known(word: Option<&str>) -> Option<&'static str> {
    let word = word?;
    INPUT_WORDS.iter().copied().find(|w| *w == word)
}

/// Rebuilds the `InputError` of a `code: "input"` payload (None: not one this build knows).
fn input_error(data: &Value) -> Option<InputError> {
    let text = |k: &str| data.get(k).and_then(Value::as_str);
    let size = |k: &str| data.get(k).and_then(Value::as_u64).map(|n| n as usize);
    Some(match text("error")? {
        "bad_name" => InputError::BadName {
            kind: match text("kind")? {
                "feature" => NameKind::Feature,
                "team" => NameKind::Team,
                "agent" => NameKind::Agent,
                _ => return None,
            },
            value: text("value")?.to_owned(),
            reason: known(text("reason"))?,
            max: size("max")?,
        },
        "too_long" => InputError::TooLong {
            field: known(text("field"))?,
            len: size("len")?,
            max: size("max")?,
            value: text("value")?.to_owned(),
        },
        "bad_value" => InputError::BadValue {
            field: known(text("field"))?,
            value: text("value")?.to_owned(),
            reason: known(text("reason"))?,
        },
        _ => return None,
    })
}

/// Rebuilds the `TeamRuleError` of a `code: "team_rule"` payload.
fn team_rule_error(data: &Value) -> Option<TeamRuleError> {
    let text = |k: &str| data.get(k).and_then(Value::as_str).map(str::to_owned);
    let num = |k: &str| {
        data.get(k)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    Some(match data.get("rule").and_then(Value::as_str)? {
        "phase_out_of_range" => TeamRuleError::PhaseOutOfRange {
            team_name: text("team_name")?,
            phase: num("phase")?,
            total: num("total")?,
            feature: text("feature")?,
        },
        "parent_without_phase" => TeamRuleError::ParentWithoutPhase {
            team_name: text("team_name")?,
        },
        "no_orchestrator_team" => TeamRuleError::NoOrchestratorTeam {
            team_name: text("team_name")?,
            feature: text("feature")?,
        },
        "orchestrator_team_takes_phase" => TeamRuleError::OrchestratorTeamTakesPhase {
            team_name: text("team_name")?,
            feature: text("feature")?,
        },
        _ => return None,
    })
}

pub(super) fn call_error(target: &str, name: &str, e: CallError) -> StoreError {
    match e {
        // The call's error is kept as the source (its text ends the message).
        e @ CallError::Transport(_) => {
            StoreError::unavailable_from(format!("{target} ({name})"), e)
        }
        e @ CallError::Function(_) => {
            StoreError::backend_from(format!("Convex function {name} failed"), e)
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
        Some("input") => input_error(data).map(StoreError::Input),
        Some("team_rule") => team_rule_error(data).map(StoreError::TeamRule),
        Some("not_found") => (|| {
            let entity = text("kind")?.parse::<Entity>().ok()?;
            Some(StoreError::not_found(entity, text("key")?))
        })(),
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
    rebuilt.unwrap_or_else(|| StoreError::backend(format!("Convex error: {message} ({data})")))
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
