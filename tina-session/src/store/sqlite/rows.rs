//! Row mapping: column lists, row-to-record functions, error conversion.

use std::path::Path;

use rusqlite::{ErrorCode, Row};

use crate::model::*;
use crate::store::StoreError;

/// A SQLite error as a store error naming the file: corruption, a full disk and
/// anything else are told apart, since each asks for a different response.
pub(super) fn corrupt_or_backend(path: &Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.display().to_string(),
            detail: e.to_string(),
        },
        Some(ErrorCode::DiskFull) => StoreError::Full {
            path: path.display().to_string(),
            detail: e.to_string(),
        },
        _ => StoreError::backend_from(format!("database {}", path.display()), e),
    }
}

/// [`corrupt_or_backend`] for a query on `conn` (its file named when it has one).
pub(super) fn db_at(conn: &rusqlite::Connection, e: rusqlite::Error) -> StoreError {
    match conn.path().filter(|p| !p.is_empty()) {
        Some(path) => corrupt_or_backend(Path::new(path), e),
        None => corrupt_or_backend(Path::new(":memory:"), e),
    }
}

pub(super) fn parse_col<T: std::str::FromStr<Err = String>>(
    idx: usize,
    s: String,
) -> rusqlite::Result<T> {
    s.parse().map_err(|e: String| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, e.into())
    })
}

pub(super) fn json_col<T: serde::de::DeserializeOwned>(
    idx: usize,
    s: String,
) -> rusqlite::Result<T> {
    serde_json::from_str(&s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(idx, rusqlite::types::Type::Text, Box::new(e))
    })
}

pub(super) const ORCH_COLS: &str = "id, feature_name, design_doc, branch, worktree_path, total_phases, \
                         current_phase, status, started_at, completed_at, updated_at";

pub(super) fn orchestration_row(r: &Row<'_>) -> rusqlite::Result<Orchestration> {
    Ok(Orchestration {
        id: OrchestrationId(r.get(0)?),
        feature_name: r.get(1)?,
        design_doc: r.get(2)?,
        branch: r.get(3)?,
        worktree_path: r.get(4)?,
        total_phases: r.get(5)?,
        current_phase: r.get(6)?,
        status: parse_col(7, r.get(7)?)?,
        started_at: r.get(8)?,
        completed_at: r.get(9)?,
        updated_at: r.get(10)?,
    })
}

pub(super) const PHASE_COLS: &str = "orchestration_id, phase_number, status, plan_path, blocked_reason, \
                          started_at, completed_at, updated_at";

pub(super) fn phase_row(r: &Row<'_>) -> rusqlite::Result<Phase> {
    Ok(Phase {
        orchestration_id: OrchestrationId(r.get(0)?),
        phase_number: r.get(1)?,
        status: parse_col(2, r.get(2)?)?,
        plan_path: r.get(3)?,
        blocked_reason: r.get(4)?,
        started_at: r.get(5)?,
        completed_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub(super) const TEAM_COLS: &str = "id, team_name, orchestration_id, parent_team_id, phase_number, lead_session_id, created_at, \
     claude_team_dir";

pub(super) fn team_row(r: &Row<'_>) -> rusqlite::Result<Team> {
    Ok(Team {
        id: TeamId(r.get(0)?),
        team_name: r.get(1)?,
        orchestration_id: OrchestrationId(r.get(2)?),
        parent_team_id: r.get::<_, Option<String>>(3)?.map(TeamId),
        phase_number: r.get(4)?,
        lead_session_id: r.get(5)?,
        created_at: r.get(6)?,
        claude_team_dir: r.get(7)?,
    })
}

pub(super) fn member_row(r: &Row<'_>) -> rusqlite::Result<TeamMember> {
    Ok(TeamMember {
        team_id: TeamId(r.get(0)?),
        agent_name: r.get(1)?,
        agent_type: r.get(2)?,
        model: r.get(3)?,
        joined_at: r.get(4)?,
    })
}

pub(super) const EVENT_COLS: &str = "orchestration_id, team_id, phase_number, task_id, subject, description, \
                          status, owner, blocked_by, metadata, recorded_at, sequence, active_form";

pub(super) fn event_row(r: &Row<'_>) -> rusqlite::Result<TaskEvent> {
    Ok(TaskEvent {
        orchestration_id: OrchestrationId(r.get(0)?),
        team_id: TeamId(r.get(1)?),
        phase_number: r.get(2)?,
        task_id: r.get(3)?,
        subject: r.get(4)?,
        description: r.get(5)?,
        status: TaskStatus::parse(&r.get::<_, String>(6)?),
        owner: r.get(7)?,
        blocked_by: json_col(8, r.get(8)?)?,
        metadata: json_col(9, r.get(9)?)?,
        recorded_at: r.get(10)?,
        sequence: r.get(11)?,
        active_form: r.get(12)?,
    })
}

pub(super) const ACTIVITY_COLS: &str =
    "orchestration_id, team_id, kind, session_id, agent_name, detail, recorded_at";

pub(super) fn activity_row(r: &Row<'_>) -> rusqlite::Result<TeamActivity> {
    let agent: String = r.get(4)?;
    Ok(TeamActivity {
        orchestration_id: OrchestrationId(r.get(0)?),
        team_id: TeamId(r.get(1)?),
        kind: parse_col(2, r.get(2)?)?,
        session_id: r.get(3)?,
        agent_name: (!agent.is_empty()).then_some(agent),
        detail: r.get(5)?,
        recorded_at: r.get(6)?,
    })
}
