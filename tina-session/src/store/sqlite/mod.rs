//! The embedded SQLite backend: one file (`$TINA_HOME/tina.db`), WAL, versioned
//! migrations, current task state materialized in the same transaction as each event.
//!
//! Several processes (CLI, daemon, MCP server, web server) open the same file. Writes use
//! `BEGIN IMMEDIATE` and a generous busy timeout, so concurrent writers queue instead of
//! failing with "database is locked".
//!
//! Within a process, writes go through one connection; reads take a connection from a
//! small pool of read-only ones, so concurrent readers (web requests, MCP calls) do not
//! wait for each other or for a writer (WAL lets readers see the last commit).
//!
//! Storage faults are loud (see [`open`] for creation, migration and identity): a corrupt
//! file (`SQLITE_CORRUPT`/`SQLITE_NOTADB`, at open or at any later moment) stops every
//! further write of this process with [`StoreError::Corrupt`]; a file deleted or replaced
//! under the process fails reads and writes with [`StoreError::Replaced`]; a full disk is
//! [`StoreError::Full`], which the caller may retry.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

mod attention;
pub mod open;
mod queries;
pub mod recover;
mod rows;

use queries::*;
use rows::*;

use super::{Result, Store, StoreError, compose};
use crate::model::*;

/// Schema migrations, applied in order; `PRAGMA user_version` holds how many ran.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_claude_code.sql"),
    include_str!("migrations/003_orchestration_revisions.sql"),
    include_str!("migrations/004_team_activity_revisions.sql"),
    include_str!("migrations/006_attention_and_spend.sql"),
    include_str!("migrations/007_r18w_spend_revisions.sql"),
];

const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle read connections kept for reuse; more may be open while busy.
const MAX_IDLE_READERS: usize = 4;

pub struct SqliteStore {
    path: PathBuf,
    conn: Mutex<Connection>,
    idle_readers: Mutex<Vec<Connection>>,
    /// The file's identity when it was opened.
    identity: Option<open::FileId>,
    /// Set once the file was found corrupt: no more writes from this process.
    corrupt: Mutex<Option<String>>,
}

/// A pooled read-only connection, returned to the pool when dropped.
struct Reader<'a> {
    store: &'a SqliteStore,
    conn: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Only `drop` takes the connection out.
        self.conn
            .as_ref()
            .expect("reader connection present until drop")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self
                .store
                .idle_readers
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            if idle.len() < MAX_IDLE_READERS {
                idle.push(conn);
            }
        }
    }
}

impl SqliteStore {
    /// Opens the database at `path` and migrates it if needed. Creates it in a place
    /// that never had one; refuses to silently re-create one that was deleted
    /// ([`StoreError::Missing`]; see [`open`]).
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, open::Creation::FreshOnly)
    }

    /// [`Self::open`], saying whether a deleted store may be created again (`init`).
    pub fn open_with(path: &Path, creation: open::Creation) -> Result<Self> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::backend_from(format!("cannot create {}", dir.display()), e)
            })?;
        }
        let creating = open::check_creation(path, creation)?;
        let conn = Connection::open(path).map_err(|e| corrupt_or_backend(path, e))?;
        let store = Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            idle_readers: Mutex::new(Vec::new()),
            identity: open::FileId::of(path),
            corrupt: Mutex::new(None),
        };
        store.configure()?;
        open::migrate(&mut store.conn(), path, MIGRATIONS)?;
        // A store from before markers existed gets one too.
        if creating || !open::marker_path(path).exists() {
            open::write_marker(path);
        }
        Ok(store)
    }

    /// Caps the file at `pages` pages for this store's writes (`PRAGMA max_page_count`,
    /// never below the current size); a write that needs more fails with
    /// [`StoreError::Full`], exactly as on a full disk. Returns the cap now in effect.
    /// Useful as a hard size limit, and to exercise the full-disk path in tests.
    pub fn set_max_page_count(&self, pages: u64) -> Result<u64> {
        self.conn()
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(|e| self.err(e))
    }

    /// `PRAGMA quick_check` (or `integrity_check` when `thorough`): the problems found,
    /// empty when the file is sound. Finding any also stops this store's writes.
    pub fn check(&self, thorough: bool) -> Result<Vec<String>> {
        let conn = self.reader()?;
        let problems = open::check(&conn, &self.path, thorough).map_err(|e| self.note(e))?;
        if let Some(first) = problems.first() {
            self.note(StoreError::Corrupt {
                path: self.path.display().to_string(),
                detail: first.clone(),
            });
        }
        Ok(problems)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&self) -> Result<()> {
        let conn = self.conn();
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| self.err(e))?;
        // journal_mode returns a row; pragma_update would reject that.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(path = %self.path.display(), mode, "could not enable WAL");
        }
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; \
             PRAGMA cache_size = -65536;",
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions
        // roll back on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fails when the file at the path is no longer the one this store opened.
    fn check_identity(&self) -> Result<()> {
        let Some(opened) = self.identity else {
            return Ok(());
        };
        let what = match open::FileId::of(&self.path) {
            None => "deleted",
            Some(now) if now != opened => "replaced",
            Some(_) => return Ok(()),
        };
        let e = StoreError::Replaced {
            path: self.path.display().to_string(),
            what,
        };
        tracing::error!("{e}");
        Err(e)
    }

    /// Remembers a corrupt file (no more writes), and passes the error on.
    fn note(&self, e: StoreError) -> StoreError {
        if let StoreError::Corrupt { detail, .. } = &e {
            let mut corrupt = self.corrupt.lock().unwrap_or_else(|p| p.into_inner());
            if corrupt.is_none() {
                tracing::error!("{e}");
                *corrupt = Some(detail.clone());
            }
        }
        e
    }

    /// A read-only connection from the pool (opened on demand).
    fn reader(&self) -> Result<Reader<'_>> {
        self.check_identity()?;
        let pooled = self
            .idle_readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | rusqlite::OpenFlags::SQLITE_OPEN_URI,
                )
                .map_err(|e| self.err(e))?;
                conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| self.err(e))?;
                conn.execute_batch("PRAGMA cache_size = -16384;")
                    .map_err(|e| self.err(e))?;
                conn
            }
        };
        Ok(Reader {
            store: self,
            conn: Some(conn),
        })
    }

    /// Runs several reads on one connection inside one read transaction, so a view
    /// built from them is a single consistent snapshot even while a writer commits.
    fn snapshot<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.reader()?;
        conn.execute_batch("BEGIN").map_err(|e| self.err(e))?;
        let out = f(&conn);
        // A read transaction has nothing to keep: end it either way.
        let _ = conn.execute_batch("COMMIT");
        out
    }

    fn err(&self, e: rusqlite::Error) -> StoreError {
        self.note(corrupt_or_backend(&self.path, e))
    }

    /// Runs `f` in a write transaction (BEGIN IMMEDIATE) and bumps the revision. Refused
    /// once the file was found corrupt, and when it was deleted or replaced.
    fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        if let Some(detail) = self
            .corrupt
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Err(StoreError::Corrupt {
                path: self.path.display().to_string(),
                detail,
            });
        }
        self.check_identity()?;
        let mut conn = self.conn();
        let out = (|| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| self.err(e))?;
            let out = f(&tx)?;
            tx.execute("UPDATE revision SET value = value + 1 WHERE id = 1", [])
                .map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
            Ok(out)
        })();
        out.map_err(|e| self.note(e))
    }
}

impl Store for SqliteStore {
    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn create_orchestration(&self, new: &NewOrchestration) -> Result<(Orchestration, Team)> {
        new.validate()?;
        if new.total_phases == 0 {
            return Err(StoreError::Invalid {
                what: "total phases",
                reason: "an orchestration needs at least one phase".into(),
            });
        }
        self.write(|tx| {
            let existing = tx
                .query_row(
                    &format!("SELECT {ORCH_COLS} FROM orchestrations WHERE feature_name = ?1"),
                    [&new.feature_name],
                    orchestration_row,
                )
                .optional()
                .map_err(|e| self.err(e))?;
            if let Some(old) = existing {
                // Only a complete orchestration is replaced without asking: a blocked one
                // still holds the reason it stopped.
                if old.status != OrchestrationStatus::Complete && !new.replace {
                    return Err(StoreError::FeatureInUse {
                        feature: old.feature_name,
                        id: old.id,
                        status: old.status,
                    });
                }
                tx.execute(
                    "DELETE FROM orchestrations WHERE id = ?1",
                    [old.id.as_str()],
                )
                .map_err(|e| self.err(e))?;
            }
            let now = now_ms();
            let orchestration = Orchestration {
                id: OrchestrationId::generate(),
                feature_name: new.feature_name.clone(),
                design_doc: new.design_doc.clone(),
                branch: new.branch.clone(),
                worktree_path: new.worktree_path.clone(),
                total_phases: new.total_phases,
                current_phase: None,
                status: OrchestrationStatus::Planning,
                started_at: now,
                completed_at: None,
                updated_at: now,
            };
            tx.execute(
                &format!(
                    "INSERT INTO orchestrations ({ORCH_COLS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ),
                params![
                    orchestration.id.as_str(),
                    orchestration.feature_name,
                    orchestration.design_doc,
                    orchestration.branch,
                    orchestration.worktree_path,
                    orchestration.total_phases,
                    orchestration.current_phase,
                    orchestration.status.as_str(),
                    orchestration.started_at,
                    orchestration.completed_at,
                    orchestration.updated_at
                ],
            )
            .map_err(|e| self.err(e))?;
            let team = register_team_tx(
                tx,
                &TeamRegistration {
                    team_name: new.orchestrator_team_name.clone(),
                    orchestration_id: orchestration.id.clone(),
                    parent_team_id: None,
                    phase_number: None,
                    lead_session_id: new.lead_session_id.clone(),
                },
            )?;
            Ok((orchestration, team))
        })
    }

    fn get_orchestration(&self, id: &OrchestrationId) -> Result<Orchestration> {
        get_orchestration_tx(&*self.reader()?, id)
    }

    fn get_orchestration_by_feature(&self, feature: &str) -> Result<Orchestration> {
        self.reader()?
            .query_row(
                &format!("SELECT {ORCH_COLS} FROM orchestrations WHERE feature_name = ?1"),
                [feature],
                orchestration_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| {
                StoreError::orchestration_not_found(format!(
                    "feature {}",
                    crate::model::input::quote(feature)
                ))
            })
    }

    fn list_orchestrations(&self) -> Result<Vec<Orchestration>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ORCH_COLS} FROM orchestrations ORDER BY started_at DESC, id DESC"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map([], orchestration_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    fn delete_orchestration(&self, id: &OrchestrationId) -> Result<()> {
        self.write(|tx| {
            get_orchestration_tx(tx, id)?;
            tx.execute("DELETE FROM orchestrations WHERE id = ?1", [id.as_str()])
                .map_err(|e| self.err(e))?;
            Ok(())
        })
    }

    fn apply_phase_transition(&self, t: &PhaseTransition) -> Result<TransitionOutcome> {
        t.validate()?;
        self.write(|tx| {
            let orchestration = get_orchestration_tx(tx, &t.orchestration_id)?;
            if !orchestration.has_phase(t.phase_number) {
                return Err(StoreError::Invalid {
                    what: "phase number",
                    reason: format!(
                        "phase {} is outside 1..={} for feature '{}'",
                        t.phase_number, orchestration.total_phases, orchestration.feature_name
                    ),
                });
            }
            let current: Option<Phase> = tx
                .query_row(
                    &format!(
                        "SELECT {PHASE_COLS} FROM phases \
                         WHERE orchestration_id = ?1 AND phase_number = ?2"
                    ),
                    params![t.orchestration_id.as_str(), t.phase_number],
                    phase_row,
                )
                .optional()
                .map_err(|e| self.err(e))?;
            let current_status = current.as_ref().map(|p| p.status);
            if current_status != t.expected {
                return Err(StoreError::Conflict(format!(
                    "phase {} of '{}' is {} (expected {})",
                    t.phase_number,
                    orchestration.feature_name,
                    current_status.map_or("not started".into(), |s| s.to_string()),
                    t.expected.map_or("not started".into(), |s| s.to_string()),
                )));
            }
            if let Some(reg) = t
                .register_team
                .as_ref()
                .filter(|r| r.orchestration_id != t.orchestration_id)
            {
                return Err(StoreError::Invalid {
                    what: "team",
                    reason: format!(
                        "phase team '{}' is registered for orchestration {}, not {}",
                        reg.team_name, reg.orchestration_id, t.orchestration_id
                    ),
                });
            }
            let team = t
                .register_team
                .as_ref()
                .map(|reg| register_team_tx(tx, reg))
                .transpose()?;
            let now = now_ms();
            let started_at = current
                .as_ref()
                .and_then(|p| p.started_at)
                .or((t.status == PhaseStatus::Executing).then_some(now));
            let completed_at = (t.status == PhaseStatus::Complete).then_some(now);
            let plan_path = t
                .plan_path
                .clone()
                .or_else(|| current.as_ref().and_then(|p| p.plan_path.clone()));
            tx.execute(
                &format!(
                    "INSERT INTO phases ({PHASE_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT (orchestration_id, phase_number) DO UPDATE SET \
                     status = excluded.status, plan_path = excluded.plan_path, \
                     blocked_reason = excluded.blocked_reason, started_at = excluded.started_at, \
                     completed_at = excluded.completed_at, updated_at = excluded.updated_at"
                ),
                params![
                    t.orchestration_id.as_str(),
                    t.phase_number,
                    t.status.as_str(),
                    plan_path,
                    t.blocked_reason,
                    started_at,
                    completed_at,
                    now
                ],
            )
            .map_err(|e| self.err(e))?;
            let phases: Vec<PhaseStatus> = tx
                .prepare_cached("SELECT status FROM phases WHERE orchestration_id = ?1")
                .and_then(|mut stmt| {
                    stmt.query_map([t.orchestration_id.as_str()], |r| r.get::<_, String>(0))?
                        .collect::<rusqlite::Result<Vec<String>>>()
                })
                .map_err(|e| self.err(e))?
                .iter()
                .map(|s| s.parse::<PhaseStatus>())
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| StoreError::backend(format!("stored phase status: {e}")))?;
            let status = OrchestrationStatus::derive(
                t.orchestration_status,
                phases,
                orchestration.total_phases,
            );
            let orch_completed = (status == OrchestrationStatus::Complete).then_some(now);
            tx.execute(
                "UPDATE orchestrations SET status = ?2, current_phase = ?3, completed_at = ?4, \
                 updated_at = ?5 WHERE id = ?1",
                params![
                    t.orchestration_id.as_str(),
                    status.as_str(),
                    t.phase_number,
                    orch_completed,
                    now
                ],
            )
            .map_err(|e| self.err(e))?;
            let phase = tx
                .query_row(
                    &format!(
                        "SELECT {PHASE_COLS} FROM phases \
                         WHERE orchestration_id = ?1 AND phase_number = ?2"
                    ),
                    params![t.orchestration_id.as_str(), t.phase_number],
                    phase_row,
                )
                .map_err(|e| self.err(e))?;
            Ok(TransitionOutcome {
                phase,
                orchestration: get_orchestration_tx(tx, &t.orchestration_id)?,
                team,
            })
        })
    }

    fn list_phases(&self, orchestration: &OrchestrationId) -> Result<Vec<Phase>> {
        list_phases_on(&*self.reader()?, orchestration)
    }

    fn register_team(&self, reg: &TeamRegistration) -> Result<Team> {
        self.write(|tx| register_team_tx(tx, reg))
    }

    fn get_team(&self, id: &TeamId) -> Result<Team> {
        get_team_tx(&*self.reader()?, id)
    }

    fn get_team_by_name(&self, team_name: &str) -> Result<Team> {
        get_team_by_name_tx(&*self.reader()?, team_name)?.ok_or_else(|| {
            StoreError::team_not_found(format!("name {}", crate::model::input::quote(team_name)))
        })
    }

    fn list_teams(&self, orchestration: &OrchestrationId) -> Result<Vec<Team>> {
        list_teams_on(&*self.reader()?, orchestration)
    }

    fn list_by_parent(&self, parent: &TeamId) -> Result<Vec<Team>> {
        let conn = self.reader()?;
        get_team_tx(&conn, parent)?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {TEAM_COLS} FROM teams WHERE parent_team_id = ?1 \
                 ORDER BY phase_number, team_name"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map([parent.as_str()], team_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    fn list_active_teams(&self) -> Result<Vec<Team>> {
        let conn = self.reader()?;
        let cols = TEAM_COLS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {cols} FROM teams t \
                 JOIN orchestrations o ON o.id = t.orchestration_id \
                 LEFT JOIN phases p ON p.orchestration_id = t.orchestration_id \
                      AND p.phase_number = t.phase_number \
                 WHERE o.status IN ({running}) \
                   AND (p.status IS NULL OR p.status != 'complete') \
                 ORDER BY t.created_at, t.team_name",
                running = OrchestrationStatus::running()
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map([], team_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    fn find_team_by_lead_session(&self, session_id: &str) -> Result<Option<Team>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {TEAM_COLS} FROM teams WHERE lead_session_id = ?1 \
                 ORDER BY created_at DESC, team_name LIMIT 1"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_row([session_id], team_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    fn find_team_by_claude_dir(&self, folder: &str) -> Result<Option<Team>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {TEAM_COLS} FROM teams WHERE claude_team_dir = ?1"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_row([folder], team_row)
            .optional()
            .map_err(|e| self.err(e))
    }

    fn link_claude_team_dir(&self, team: &TeamId, folder: &str) -> Result<Team> {
        if folder.is_empty() {
            return Err(StoreError::Invalid {
                what: "Claude Code folder",
                reason: "it is empty".into(),
            });
        }
        self.write(|tx| {
            let current = get_team_tx(tx, team)?;
            if current.claude_team_dir.as_deref() == Some(folder) {
                return Ok(current);
            }
            tx.execute(
                "UPDATE teams SET claude_team_dir = NULL WHERE claude_team_dir = ?1 AND id != ?2",
                params![folder, team.as_str()],
            )
            .map_err(|e| self.err(e))?;
            tx.execute(
                "UPDATE teams SET claude_team_dir = ?1 WHERE id = ?2",
                params![folder, team.as_str()],
            )
            .map_err(|e| self.err(e))?;
            get_team_tx(tx, team)
        })
    }

    fn record_team_activity(&self, a: &NewTeamActivity) -> Result<bool> {
        self.write(|tx| {
            let team = get_team_tx(tx, &a.team_id)?;
            let inserted = tx
                .execute(
                    &format!(
                        "INSERT INTO team_activity ({ACTIVITY_COLS}) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                         ON CONFLICT (team_id, kind, session_id, agent_name, recorded_at) DO NOTHING"
                    ),
                    params![
                        team.orchestration_id.as_str(),
                        a.team_id.as_str(),
                        a.kind.as_str(),
                        a.session_id,
                        a.agent_name.as_deref().unwrap_or(""),
                        a.detail,
                        a.recorded_at
                    ],
                )
                .map_err(|e| self.err(e))?;
            Ok(inserted == 1)
        })
    }

    fn list_team_activity(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamActivity>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {ACTIVITY_COLS} FROM team_activity WHERE orchestration_id = ?1 \
                 ORDER BY recorded_at, id"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map([orchestration.as_str()], activity_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    fn upsert_team_member(&self, member: &TeamMember) -> Result<TeamMember> {
        self.write(|tx| {
            get_team_tx(tx, &member.team_id)?;
            tx.execute(
                "INSERT INTO team_members (team_id, agent_name, agent_type, model, joined_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (team_id, agent_name) DO UPDATE SET \
                 agent_type = excluded.agent_type, model = excluded.model, \
                 joined_at = excluded.joined_at",
                params![
                    member.team_id.as_str(),
                    member.agent_name,
                    member.agent_type,
                    member.model,
                    member.joined_at
                ],
            )
            .map_err(|e| self.err(e))?;
            Ok(member.clone())
        })
    }

    fn list_team_members(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamMember>> {
        list_team_members_on(&*self.reader()?, orchestration)
    }

    fn record_task_events(&self, events: &[NewTaskEvent]) -> Result<RecordSummary> {
        if events.is_empty() {
            return Ok(RecordSummary::default());
        }
        self.write(|tx| {
            let mut summary = RecordSummary::default();
            let mut teams: std::collections::HashMap<TeamId, Team> = Default::default();
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO task_events ({EVENT_COLS}) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
                     ON CONFLICT (team_id, task_id, recorded_at, sequence) DO NOTHING"
                ))
                .map_err(|e| self.err(e))?;
            // Materialize: replace the current row only if this event is newer.
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO current_tasks (team_id, task_id, orchestration_id, subject, \
                     description, status, owner, blocked_by, metadata, recorded_at, sequence, \
                     active_form) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                     ON CONFLICT (team_id, task_id) DO UPDATE SET \
                     subject = excluded.subject, description = excluded.description, \
                     active_form = excluded.active_form, \
                     status = excluded.status, owner = excluded.owner, \
                     blocked_by = excluded.blocked_by, metadata = excluded.metadata, \
                     recorded_at = excluded.recorded_at, sequence = excluded.sequence \
                     WHERE (excluded.recorded_at, excluded.sequence) \
                         > (current_tasks.recorded_at, current_tasks.sequence)",
                )
                .map_err(|e| self.err(e))?;
            let mut existing = tx
                .prepare_cached(&format!(
                    "SELECT {EVENT_COLS} FROM task_events WHERE team_id = ?1 AND task_id = ?2 \
                     AND recorded_at = ?3 AND sequence = ?4"
                ))
                .map_err(|e| self.err(e))?;
            for e in events {
                let e = &*e.bounded();
                if e.task_id.is_empty() {
                    return Err(StoreError::Invalid {
                        what: "task event",
                        reason: format!("empty task id for team {}", e.team_id),
                    });
                }
                if !teams.contains_key(&e.team_id) {
                    let team = get_team_tx(tx, &e.team_id)?;
                    teams.insert(e.team_id.clone(), team);
                }
                let team = &teams[&e.team_id];
                let blocked_by = serde_json::to_string(&e.blocked_by)
                    .map_err(|err| StoreError::backend_from("cannot encode blocked_by", err))?;
                let metadata = serde_json::to_string(&e.metadata)
                    .map_err(|err| StoreError::backend_from("cannot encode task metadata", err))?;
                let inserted = insert
                    .execute(params![
                        team.orchestration_id.as_str(),
                        e.team_id.as_str(),
                        team.phase_number,
                        e.task_id,
                        e.subject,
                        e.description,
                        e.status.as_str(),
                        e.owner,
                        blocked_by,
                        metadata,
                        e.recorded_at,
                        e.sequence,
                        e.active_form
                    ])
                    .map_err(|e| self.err(e))?;
                if inserted == 0 {
                    let old = existing
                        .query_row(
                            params![e.team_id.as_str(), e.task_id, e.recorded_at, e.sequence],
                            event_row,
                        )
                        .map_err(|e| self.err(e))?;
                    let new = to_event(e, team);
                    if !old.same_content(&new) {
                        return Err(StoreError::ConflictingEvent {
                            team_id: e.team_id.clone(),
                            task_id: e.task_id.clone(),
                            recorded_at: e.recorded_at,
                            sequence: e.sequence,
                        });
                    }
                    summary.duplicates += 1;
                    continue;
                }
                summary.inserted += 1;
                summary.current_updated += upsert
                    .execute(params![
                        e.team_id.as_str(),
                        e.task_id,
                        team.orchestration_id.as_str(),
                        e.subject,
                        e.description,
                        e.status.as_str(),
                        e.owner,
                        blocked_by,
                        metadata,
                        e.recorded_at,
                        e.sequence,
                        e.active_form
                    ])
                    .map_err(|e| self.err(e))?;
            }
            Ok(summary)
        })
    }

    fn list_task_events(&self, orchestration: &OrchestrationId) -> Result<Vec<TaskEvent>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLS} FROM task_events WHERE orchestration_id = ?1 \
                 ORDER BY recorded_at, sequence, id"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map([orchestration.as_str()], event_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    /// Reads the (team, task, recorded_at, sequence) unique index: one task's events only.
    fn list_events_of_task(&self, team: &TeamId, task_id: &str) -> Result<Vec<TaskEvent>> {
        let conn = self.reader()?;
        get_team_tx(&conn, team)?;
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {EVENT_COLS} FROM task_events WHERE team_id = ?1 AND task_id = ?2 \
                 ORDER BY recorded_at, sequence, id"
            ))
            .map_err(|e| self.err(e))?;
        stmt.query_map(params![team.as_str(), task_id], event_row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }

    fn get_current_tasks(&self, orchestration: &OrchestrationId) -> Result<Vec<CurrentTask>> {
        get_current_tasks_on(&*self.reader()?, orchestration)
    }

    fn get_current_task(&self, team: &Team, task_id: &str) -> Result<Option<CurrentTask>> {
        get_current_task_on(&*self.reader()?, &team.id, task_id)
    }

    fn get_orchestration_detail(&self, id: &OrchestrationId) -> Result<OrchestrationDetail> {
        self.snapshot(|conn| {
            Ok(compose::group_detail(
                get_orchestration_tx(conn, id)?,
                list_phases_on(conn, id)?,
                get_current_tasks_on(conn, id)?,
                list_teams_on(conn, id)?,
                list_team_members_on(conn, id)?,
            ))
        })
    }

    fn get_team_hierarchy(&self, id: &OrchestrationId) -> Result<TeamHierarchy> {
        self.snapshot(|conn| {
            Ok(compose::build_hierarchy(
                &get_orchestration_tx(conn, id)?,
                list_teams_on(conn, id)?,
                list_team_members_on(conn, id)?,
                &get_current_tasks_on(conn, id)?,
            ))
        })
    }

    fn task_counts_by_orchestration(
        &self,
    ) -> Result<std::collections::HashMap<OrchestrationId, std::collections::BTreeMap<String, u32>>>
    {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT orchestration_id, status, COUNT(*) FROM current_tasks \
                 GROUP BY orchestration_id, status",
            )
            .map_err(|e| self.err(e))?;
        let mut all: std::collections::HashMap<
            OrchestrationId,
            std::collections::BTreeMap<String, u32>,
        > = Default::default();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, u32>(2)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (orch, status, n) = row.map_err(|e| self.err(e))?;
            all.entry(OrchestrationId(orch))
                .or_default()
                .insert(status, n);
        }
        Ok(all)
    }

    fn transcript_offset(&self, transcript: &str) -> Result<Option<u64>> {
        self.transcript_offset_impl(transcript)
    }

    fn record_usage(&self, batch: &UsageBatch) -> Result<u32> {
        self.record_usage_impl(batch)
    }

    fn list_usage(&self, orchestration: &OrchestrationId) -> Result<Vec<UsageTotal>> {
        self.list_usage_impl(orchestration)
    }

    fn set_budget(
        &self,
        orchestration: &OrchestrationId,
        phase: Option<u32>,
        usd_micros: Option<Micros>,
    ) -> Result<()> {
        self.set_budget_impl(orchestration, phase, usd_micros)
    }

    fn list_budgets(&self, orchestration: &OrchestrationId) -> Result<Vec<Budget>> {
        self.list_budgets_impl(orchestration)
    }

    fn record_attention(&self, event: &AttentionEvent) -> Result<bool> {
        self.record_attention_impl(event)
    }

    fn clear_attention(&self, id: &str, at: Millis) -> Result<bool> {
        self.clear_attention_impl(id, at)
    }

    fn list_attention(&self, orchestration: &OrchestrationId) -> Result<Vec<AttentionEvent>> {
        self.list_attention_impl(orchestration)
    }

    fn undelivered_attention(&self) -> Result<Vec<AttentionEvent>> {
        self.undelivered_attention_impl()
    }

    fn list_open_attention(&self) -> Result<Vec<AttentionEvent>> {
        self.list_open_attention_impl()
    }

    fn list_usage_of(&self, orchestrations: &[OrchestrationId]) -> Result<Vec<UsageTotal>> {
        self.list_usage_of_impl(orchestrations)
    }

    fn list_budgets_of(&self, orchestrations: &[OrchestrationId]) -> Result<Vec<Budget>> {
        self.list_budgets_of_impl(orchestrations)
    }

    fn claim_attention_delivery(&self, id: &str, at: Millis) -> Result<bool> {
        self.claim_attention_delivery_impl(id, at)
    }

    fn revision(&self) -> Result<i64> {
        self.reader()?
            .query_row("SELECT value FROM revision WHERE id = 1", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Kept by the triggers of migration 003 on every table of an orchestration.
    fn orchestration_revision(&self, id: &OrchestrationId) -> Result<i64> {
        self.reader()?
            .query_row(
                "SELECT revision FROM orchestrations WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::orchestration_not_found(format!("id {id}")))
    }

    /// Kept by the triggers of migration 003 on `phases`.
    fn list_phase_history(&self, orchestration: &OrchestrationId) -> Result<Vec<PhaseChange>> {
        self.snapshot(|conn| {
            get_orchestration_tx(conn, orchestration)?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT phase_number, status, blocked_reason, at FROM phase_history \
                     WHERE orchestration_id = ?1 ORDER BY at, phase_number, id",
                )
                .map_err(|e| self.err(e))?;
            stmt.query_map([orchestration.as_str()], |r| {
                Ok(PhaseChange {
                    phase_number: r.get(0)?,
                    status: parse_col(1, r.get(1)?)?,
                    blocked_reason: r.get(2)?,
                    at: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
        })
    }

    fn task_counts_by_team(
        &self,
        orchestration: &OrchestrationId,
    ) -> Result<std::collections::HashMap<TeamId, std::collections::BTreeMap<String, u32>>> {
        self.snapshot(|conn| {
            get_orchestration_tx(conn, orchestration)?;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT team_id, status, COUNT(*) FROM current_tasks \
                     WHERE orchestration_id = ?1 GROUP BY team_id, status",
                )
                .map_err(|e| self.err(e))?;
            let rows = stmt
                .query_map([orchestration.as_str()], |r| {
                    Ok((
                        TeamId(r.get(0)?),
                        r.get::<_, String>(1)?,
                        r.get::<_, u32>(2)?,
                    ))
                })
                .map_err(|e| self.err(e))?;
            let mut all: std::collections::HashMap<
                TeamId,
                std::collections::BTreeMap<String, u32>,
            > = Default::default();
            for row in rows {
                let (team, status, n) = row.map_err(|e| self.err(e))?;
                all.entry(team).or_default().insert(status, n);
            }
            Ok(all)
        })
    }

    fn last_task_activity_by_orchestration(
        &self,
    ) -> Result<std::collections::HashMap<OrchestrationId, Millis>> {
        let conn = self.reader()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT orchestration_id, MAX(recorded_at) FROM current_tasks \
                 GROUP BY orchestration_id",
            )
            .map_err(|e| self.err(e))?;
        stmt.query_map([], |r| Ok((OrchestrationId(r.get(0)?), r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.err(e))
    }
}
