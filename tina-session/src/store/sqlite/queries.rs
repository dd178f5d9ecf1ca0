//! Queries that run on a given connection or transaction, shared by the writer and the
//! pooled readers (and by snapshot views that run several of them in one transaction).

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::*;
use crate::model::rules;
use crate::model::*;
use crate::store::{Result, StoreError, sort_current_tasks};

pub(super) fn get_orchestration_tx(
    conn: &Connection,
    id: &OrchestrationId,
) -> Result<Orchestration> {
    conn.query_row(
        &format!("SELECT {ORCH_COLS} FROM orchestrations WHERE id = ?1"),
        [id.as_str()],
        orchestration_row,
    )
    .optional()
    .map_err(|e| db_at(conn, e))?
    .ok_or_else(|| {
        StoreError::orchestration_not_found(format!(
            "id {}",
            crate::model::input::quote(id.as_str())
        ))
    })
}

pub(super) fn get_team_tx(conn: &Connection, id: &TeamId) -> Result<Team> {
    conn.query_row(
        &format!("SELECT {TEAM_COLS} FROM teams WHERE id = ?1"),
        [id.as_str()],
        team_row,
    )
    .optional()
    .map_err(|e| db_at(conn, e))?
    .ok_or_else(|| {
        StoreError::team_not_found(format!("id {}", crate::model::input::quote(id.as_str())))
    })
}

pub(super) fn get_team_by_name_tx(conn: &Connection, name: &str) -> Result<Option<Team>> {
    conn.query_row(
        &format!("SELECT {TEAM_COLS} FROM teams WHERE team_name = ?1"),
        [name],
        team_row,
    )
    .optional()
    .map_err(|e| db_at(conn, e))
}

/// Upserts a team by exact name. On an existing team, `None` fields keep their stored
/// value (re-registering a phase team without its phase never turns it into a root).
/// Refused: a name owned by another orchestration, a parent from elsewhere or one that
/// would close a cycle, and a second root team (no parent, no phase) in an orchestration.
/// The hierarchy rules of [`crate::model::rules`] are applied first (phase in range, a
/// parent only with a phase, a phase team without a parent gets the orchestrator team).
pub(super) fn register_team_tx(conn: &Connection, reg: &TeamRegistration) -> Result<Team> {
    reg.validate()?;
    let orchestration = get_orchestration_tx(conn, &reg.orchestration_id)?;
    let existing = get_team_by_name_tx(conn, &reg.team_name)?;
    let resolved =
        rules::resolve_team_registration(reg, &orchestration, existing.as_ref(), || {
            Ok::<_, StoreError>(rules::find_orchestrator_team(list_teams_on(
                conn,
                &reg.orchestration_id,
            )?))
        })?;
    let reg = &resolved;
    if let Some(existing) = existing
        .as_ref()
        .filter(|e| e.orchestration_id != reg.orchestration_id)
    {
        return Err(StoreError::TeamOwnedByOther {
            team_name: reg.team_name.clone(),
            owner: existing.orchestration_id.clone(),
            requested: reg.orchestration_id.clone(),
        });
    }
    let parent_team_id = reg
        .parent_team_id
        .clone()
        .or_else(|| existing.as_ref().and_then(|e| e.parent_team_id.clone()));
    let phase_number = reg
        .phase_number
        .or_else(|| existing.as_ref().and_then(|e| e.phase_number));
    if let Some(parent_id) = &reg.parent_team_id {
        let parent = get_team_tx(conn, parent_id).map_err(|_| StoreError::Invalid {
            what: "parent team",
            reason: format!(
                "no team has id {}",
                crate::model::input::quote(parent_id.as_str())
            ),
        })?;
        if parent.orchestration_id != reg.orchestration_id {
            return Err(StoreError::Invalid {
                what: "parent team",
                reason: format!(
                    "team {parent_id} ('{}') belongs to orchestration {}, not {}",
                    parent.team_name, parent.orchestration_id, reg.orchestration_id
                ),
            });
        }
        if let Some(existing) = &existing {
            // Walk up from the new parent: reaching this team would close a cycle.
            let mut next = Some(parent);
            while let Some(t) = next {
                if t.id == existing.id {
                    return Err(StoreError::Invalid {
                        what: "parent team",
                        reason: format!(
                            "team '{}' cannot be a descendant of itself (parent {parent_id})",
                            reg.team_name
                        ),
                    });
                }
                next = t
                    .parent_team_id
                    .as_ref()
                    .map(|p| get_team_tx(conn, p))
                    .transpose()?;
            }
        }
    }
    if parent_team_id.is_none() && phase_number.is_none() {
        let other_root: Option<String> = conn
            .query_row(
                "SELECT team_name FROM teams WHERE orchestration_id = ?1 \
                 AND parent_team_id IS NULL AND phase_number IS NULL AND team_name != ?2",
                params![reg.orchestration_id.as_str(), reg.team_name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| db_at(conn, e))?;
        if let Some(root) = other_root {
            return Err(StoreError::Invalid {
                what: "orchestrator team",
                reason: format!(
                    "orchestration '{}' already has its orchestrator team '{root}'; register \
                     '{}' with a parent team id (and a phase number for a phase team)",
                    orchestration.feature_name, reg.team_name
                ),
            });
        }
    }
    match existing {
        Some(existing) => {
            conn.execute(
                "UPDATE teams SET parent_team_id = ?2, phase_number = ?3, \
                 lead_session_id = COALESCE(?4, lead_session_id) WHERE id = ?1",
                params![
                    existing.id.as_str(),
                    parent_team_id.as_ref().map(|t| t.as_str()),
                    phase_number,
                    reg.lead_session_id
                ],
            )
            .map_err(|e| db_at(conn, e))?;
            get_team_tx(conn, &existing.id)
        }
        None => {
            let team = Team {
                id: TeamId::generate(),
                team_name: reg.team_name.clone(),
                orchestration_id: reg.orchestration_id.clone(),
                parent_team_id,
                phase_number,
                lead_session_id: reg.lead_session_id.clone(),
                created_at: now_ms(),
                claude_team_dir: None,
            };
            conn.execute(
                &format!(
                    "INSERT INTO teams ({TEAM_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)"
                ),
                params![
                    team.id.as_str(),
                    team.team_name,
                    team.orchestration_id.as_str(),
                    team.parent_team_id.as_ref().map(|t| t.as_str()),
                    team.phase_number,
                    team.lead_session_id,
                    team.created_at
                ],
            )
            .map_err(|e| db_at(conn, e))?;
            Ok(team)
        }
    }
}

pub(super) fn to_event(e: &NewTaskEvent, team: &Team) -> TaskEvent {
    TaskEvent {
        orchestration_id: team.orchestration_id.clone(),
        team_id: e.team_id.clone(),
        phase_number: team.phase_number,
        task_id: e.task_id.clone(),
        subject: e.subject.clone(),
        description: e.description.clone(),
        active_form: e.active_form.clone(),
        status: e.status.clone(),
        owner: e.owner.clone(),
        blocked_by: e.blocked_by.clone(),
        metadata: e.metadata.clone(),
        recorded_at: e.recorded_at,
        sequence: e.sequence,
    }
}

pub(super) fn list_phases_on(
    conn: &Connection,
    orchestration: &OrchestrationId,
) -> Result<Vec<Phase>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {PHASE_COLS} FROM phases WHERE orchestration_id = ?1 ORDER BY phase_number"
        ))
        .map_err(|e| db_at(conn, e))?;
    stmt.query_map([orchestration.as_str()], phase_row)
        .and_then(|rows| rows.collect())
        .map_err(|e| db_at(conn, e))
}

pub(super) fn list_teams_on(
    conn: &Connection,
    orchestration: &OrchestrationId,
) -> Result<Vec<Team>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {TEAM_COLS} FROM teams WHERE orchestration_id = ?1 \
             ORDER BY created_at, team_name"
        ))
        .map_err(|e| db_at(conn, e))?;
    stmt.query_map([orchestration.as_str()], team_row)
        .and_then(|rows| rows.collect())
        .map_err(|e| db_at(conn, e))
}

pub(super) fn list_team_members_on(
    conn: &Connection,
    orchestration: &OrchestrationId,
) -> Result<Vec<TeamMember>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT m.team_id, m.agent_name, m.agent_type, m.model, m.joined_at \
             FROM team_members m JOIN teams t ON t.id = m.team_id \
             WHERE t.orchestration_id = ?1 ORDER BY t.created_at, t.team_name, m.agent_name",
        )
        .map_err(|e| db_at(conn, e))?;
    stmt.query_map([orchestration.as_str()], member_row)
        .and_then(|rows| rows.collect())
        .map_err(|e| db_at(conn, e))
}

const CURRENT_SELECT: &str = "SELECT c.orchestration_id, c.team_id, t.team_name, \
     t.phase_number, c.task_id, c.subject, c.description, c.status, c.owner, c.blocked_by, \
     c.metadata, c.recorded_at, c.sequence, c.active_form \
     FROM current_tasks c JOIN teams t ON t.id = c.team_id";

/// One task's current state, by its primary key.
pub(super) fn get_current_task_on(
    conn: &Connection,
    team: &TeamId,
    task_id: &str,
) -> Result<Option<CurrentTask>> {
    conn.prepare_cached(&format!(
        "{CURRENT_SELECT} WHERE c.team_id = ?1 AND c.task_id = ?2"
    ))
    .map_err(|e| db_at(conn, e))?
    .query_row(params![team.as_str(), task_id], current_row)
    .optional()
    .map_err(|e| db_at(conn, e))
}

pub(super) fn get_current_tasks_on(
    conn: &Connection,
    orchestration: &OrchestrationId,
) -> Result<Vec<CurrentTask>> {
    let mut stmt = conn
        .prepare_cached(&format!("{CURRENT_SELECT} WHERE c.orchestration_id = ?1"))
        .map_err(|e| db_at(conn, e))?;
    let mut tasks: Vec<CurrentTask> = stmt
        .query_map([orchestration.as_str()], current_row)
        .and_then(|rows| rows.collect())
        .map_err(|e| db_at(conn, e))?;
    drop(stmt);
    if tasks.is_empty() {
        // Distinguish "no tasks yet" from "no such orchestration".
        get_orchestration_tx(conn, orchestration)?;
    }
    sort_current_tasks(&mut tasks);
    Ok(tasks)
}

fn current_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CurrentTask> {
    Ok(CurrentTask {
        orchestration_id: OrchestrationId(r.get(0)?),
        team_id: TeamId(r.get(1)?),
        team_name: r.get(2)?,
        phase_number: r.get(3)?,
        task_id: r.get(4)?,
        subject: r.get(5)?,
        description: r.get(6)?,
        status: TaskStatus::parse(&r.get::<_, String>(7)?),
        owner: r.get(8)?,
        blocked_by: json_col(9, r.get(9)?)?,
        metadata: json_col(10, r.get(10)?)?,
        recorded_at: r.get(11)?,
        sequence: r.get(12)?,
        active_form: r.get(13)?,
    })
}
