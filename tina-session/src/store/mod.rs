//! The `Store` trait: the one interface over persistence, and its errors.
//!
//! Two backends implement it: [`sqlite::SqliteStore`] (the embedded default) and
//! [`convex::ConvexStore`]. Both must pass the conformance suite in
//! `tests/support/conformance.rs` (run by `tests/conformance_sqlite.rs` and
//! `tests/conformance_convex.rs`) and the shared JSON vectors in `tests/vectors/`.
//!
//! The trait is synchronous: the CLI, tests and benches call it directly; async callers
//! (daemon, MCP server, web server) go through `tokio::task::spawn_blocking`.
//!
//! Lookups are by id or by exact name only. No operation here, in any backend, matches
//! names by prefix, pattern or substring.

pub mod compose;
pub mod convex;
pub mod fold;
pub mod sqlite;

use crate::model::*;

/// Why a store operation failed. Every variant names the thing involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The looked-up record does not exist.
    #[error("{kind} not found: {key}. {hint}")]
    NotFound {
        kind: &'static str,
        key: String,
        hint: &'static str,
    },
    /// An orchestration for this exact feature name exists and is still running.
    #[error(
        "feature '{feature}' already has an orchestration ({id}) with status '{status}'; \
         finish it, run `tina-session cleanup --feature {feature}`, or pass --replace"
    )]
    FeatureInUse {
        feature: String,
        id: OrchestrationId,
        status: OrchestrationStatus,
    },
    /// A team name is already registered to a different orchestration.
    #[error(
        "team name '{team_name}' already belongs to orchestration {owner}, not {requested}; \
         team names are unique across orchestrations"
    )]
    TeamOwnedByOther {
        team_name: String,
        owner: OrchestrationId,
        requested: OrchestrationId,
    },
    /// A referenced record exists but cannot be used here (e.g. a parent team of
    /// another orchestration).
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    /// An input breaks the input rules (a name, an id, a size limit): nothing was written.
    #[error(transparent)]
    Input(#[from] crate::model::input::InputError),
    /// A team registration breaks the hierarchy rules: nothing was written.
    #[error(transparent)]
    TeamRule(#[from] crate::model::rules::TeamRuleError),
    /// The record changed since the caller read it (compare-and-set failed).
    #[error("conflict: {0}")]
    Conflict(String),
    /// An event with the same identity but different content was already recorded.
    #[error(
        "conflicting task event for team {team_id} task '{task_id}' at ({recorded_at}, {sequence}): \
         an event with that identity and different content exists"
    )]
    ConflictingEvent {
        team_id: TeamId,
        task_id: String,
        recorded_at: Millis,
        sequence: i64,
    },
    /// The database was written by a newer TINA.
    #[error(
        "database {path} has schema version {found}, newer than this build supports ({supported}); \
         upgrade tina-session or point TINA_HOME elsewhere"
    )]
    SchemaTooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    /// The database file is not a readable TINA database.
    #[error(
        "database {path} is corrupt or not a SQLite database ({detail}); \
         move it aside (it is left untouched) and a new one will be created"
    )]
    Corrupt { path: String, detail: String },
    /// The backend could not be reached in time (Convex). For a write the outcome is
    /// unknown: the deployment may still apply it, so check before retrying a create.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// Any other backend failure, with the backend's message.
    #[error("store error: {0}")]
    Backend(String),
}

impl StoreError {
    pub fn orchestration_not_found(key: impl Into<String>) -> Self {
        Self::NotFound {
            kind: "orchestration",
            key: key.into(),
            hint: "list valid ones with `tina-session list` (feature names match exactly)",
        }
    }

    pub fn team_not_found(key: impl Into<String>) -> Self {
        Self::NotFound {
            kind: "team",
            key: key.into(),
            hint: "list teams with `tina-session hierarchy --feature <feature>`",
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Persistence for orchestrations, phases, teams, members and task events.
pub trait Store: Send + Sync {
    /// A short name of the backend and where it points ("sqlite:/path/tina.db").
    fn describe(&self) -> String;

    // --- orchestrations ---------------------------------------------------------------

    /// Creates an orchestration and its orchestrator team in one transaction.
    fn create_orchestration(&self, new: &NewOrchestration) -> Result<(Orchestration, Team)>;
    fn get_orchestration(&self, id: &OrchestrationId) -> Result<Orchestration>;
    /// Exact, case-sensitive match on the feature name.
    fn get_orchestration_by_feature(&self, feature: &str) -> Result<Orchestration>;
    /// Newest first.
    fn list_orchestrations(&self) -> Result<Vec<Orchestration>>;
    /// Removes the orchestration and every record that belongs to it.
    fn delete_orchestration(&self, id: &OrchestrationId) -> Result<()>;

    // --- phases -----------------------------------------------------------------------

    /// Applies a phase status change (compare-and-set) with its orchestration update and
    /// optional phase-team registration, atomically.
    fn apply_phase_transition(&self, t: &PhaseTransition) -> Result<TransitionOutcome>;
    /// Ordered by phase number.
    fn list_phases(&self, orchestration: &OrchestrationId) -> Result<Vec<Phase>>;

    // --- teams ------------------------------------------------------------------------

    /// Upserts by exact team name. A name owned by another orchestration is
    /// `TeamOwnedByOther`; a parent must exist in the same orchestration.
    fn register_team(&self, reg: &TeamRegistration) -> Result<Team>;
    fn get_team(&self, id: &TeamId) -> Result<Team>;
    fn get_team_by_name(&self, team_name: &str) -> Result<Team>;
    /// Ordered by creation.
    fn list_teams(&self, orchestration: &OrchestrationId) -> Result<Vec<Team>>;
    fn list_by_parent(&self, parent: &TeamId) -> Result<Vec<Team>>;
    /// Teams of orchestrations that are not complete or blocked, excluding teams whose
    /// phase is complete.
    fn list_active_teams(&self) -> Result<Vec<Team>>;

    /// The team whose lead session id is exactly `session_id` (the newest, should two
    /// teams share one), or `None`. How Claude Code folders and hooks find their team.
    fn find_team_by_lead_session(&self, session_id: &str) -> Result<Option<Team>> {
        Ok(self
            .all_teams()?
            .into_iter()
            .filter(|t| t.lead_session_id.as_deref() == Some(session_id))
            .max_by_key(|t| t.created_at))
    }

    /// The team linked to the Claude Code folder `folder` (exact), or `None`.
    fn find_team_by_claude_dir(&self, folder: &str) -> Result<Option<Team>> {
        Ok(self
            .all_teams()?
            .into_iter()
            .find(|t| t.claude_team_dir.as_deref() == Some(folder)))
    }

    /// Every team of every orchestration (for the scanning defaults above).
    fn all_teams(&self) -> Result<Vec<Team>> {
        let mut teams = Vec::new();
        for o in self.list_orchestrations()? {
            match self.list_teams(&o.id) {
                Ok(t) => teams.extend(t),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(teams)
    }

    /// Links the Claude Code folder `folder` (its name under `$CLAUDE_HOME/teams` and
    /// `tasks`) to the team, moving it off any team it was linked to before. The link
    /// outlives the folder, so tasks keep their team after Claude Code deletes it.
    fn link_claude_team_dir(&self, team: &TeamId, folder: &str) -> Result<Team>;

    // --- activity ---------------------------------------------------------------------

    /// Appends an activity entry; `false` when the same entry was already recorded.
    fn record_team_activity(&self, activity: &NewTeamActivity) -> Result<bool>;
    /// Activity of every team of the orchestration, oldest first.
    fn list_team_activity(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamActivity>>;

    // --- members ----------------------------------------------------------------------

    fn upsert_team_member(&self, member: &TeamMember) -> Result<TeamMember>;
    /// Members of every team of the orchestration, by team then agent name.
    fn list_team_members(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamMember>>;

    // --- tasks ------------------------------------------------------------------------

    /// Appends an event and updates the task's current state in the same transaction.
    fn record_task_event(&self, event: &NewTaskEvent) -> Result<RecordSummary> {
        self.record_task_events(std::slice::from_ref(event))
    }
    /// Records a batch: all events or none on SQLite; on Convex, atomic per chunk of a
    /// few hundred events (events are idempotent, so re-recording a batch is safe).
    fn record_task_events(&self, events: &[NewTaskEvent]) -> Result<RecordSummary>;
    /// The full history, ordered by (recorded_at, sequence).
    fn list_task_events(&self, orchestration: &OrchestrationId) -> Result<Vec<TaskEvent>>;
    /// Every current task of the orchestration, orchestrator and phase teams alike,
    /// ordered by phase (orchestrator first), team name, task id.
    fn get_current_tasks(&self, orchestration: &OrchestrationId) -> Result<Vec<CurrentTask>>;

    /// The current state of one task of one team, or `None` when it has no events. The
    /// default reads the orchestration's tasks; backends answer with a point lookup.
    fn get_current_task(&self, team: &Team, task_id: &str) -> Result<Option<CurrentTask>> {
        Ok(self
            .get_current_tasks(&team.orchestration_id)?
            .into_iter()
            .find(|c| c.team_id == team.id && c.task_id == task_id))
    }

    /// Current tasks by status for every orchestration (orchestrations without tasks
    /// are absent): what a list of orchestrations shows, in one read.
    fn task_counts_by_orchestration(
        &self,
    ) -> Result<std::collections::HashMap<OrchestrationId, std::collections::BTreeMap<String, u32>>>
    {
        let mut all = std::collections::HashMap::new();
        for o in self.list_orchestrations()? {
            match self.get_current_tasks(&o.id) {
                Ok(tasks) if !tasks.is_empty() => {
                    all.insert(o.id, count_by_status(&tasks));
                }
                Ok(_) => {}
                // Deleted between the two reads: it is simply not counted.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(all)
    }

    // --- views ------------------------------------------------------------------------

    fn get_orchestration_detail(&self, id: &OrchestrationId) -> Result<OrchestrationDetail> {
        compose::detail(self, id)
    }

    fn get_team_hierarchy(&self, id: &OrchestrationId) -> Result<TeamHierarchy> {
        compose::hierarchy(self, id)
    }

    /// A number that grows whenever anything in the store changes; live views poll it.
    fn revision(&self) -> Result<i64>;

    /// A number that grows whenever anything belonging to this orchestration changes
    /// (its phases, teams, members, tasks). Live views of one orchestration poll it, so
    /// a change elsewhere costs them nothing. The default falls back to the global
    /// [`Store::revision`] (correct, but wakes every view); backends override it.
    fn orchestration_revision(&self, id: &OrchestrationId) -> Result<i64> {
        let _ = id;
        self.revision()
    }
}

/// Sorts current tasks into the canonical order every backend returns.
pub fn sort_current_tasks(tasks: &mut [CurrentTask]) {
    tasks.sort_by(|a, b| {
        a.phase_number
            .cmp(&b.phase_number)
            .then_with(|| a.team_name.cmp(&b.team_name))
            .then_with(|| task_id_order(&a.task_id, &b.task_id))
    });
}

/// Opens the Convex backend at `url` (the deployment's `https://<name>.convex.cloud`
/// address), with the real `convex` client and its per-call timeout.
pub fn open_convex(url: &str) -> Result<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(convex::ConvexStore::connect(url)?))
}
