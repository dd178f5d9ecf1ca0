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

/// The kinds of record a lookup can miss ([`StoreError::NotFound`]). Callers match on
/// this, never on the error's text; the Convex backend rebuilds it from the functions'
/// `kind` field (the same words as [`Entity::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Orchestration,
    Team,
    Task,
}

impl Entity {
    pub const ALL: &'static [Entity] = &[Self::Orchestration, Self::Team, Self::Task];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Orchestration => "orchestration",
            Self::Team => "team",
            Self::Task => "task",
        }
    }

    /// Where a person finds the valid keys (the CLI's words; other front ends word
    /// their own from the entity).
    pub fn hint(self) -> &'static str {
        match self {
            Self::Orchestration => {
                "list valid ones with `tina-session list` (feature names match exactly)"
            }
            Self::Team => "list teams with `tina-session hierarchy --feature <feature>`",
            Self::Task => "task ids are per team: open the orchestration to see its tasks",
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Entity {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        Self::ALL
            .iter()
            .copied()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("unknown record kind '{s}'"))
    }
}

/// A boxed cause kept under [`StoreError::Backend`] and [`StoreError::Unavailable`].
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed. Every variant names the thing involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The looked-up record does not exist; `key` says how it was looked up.
    #[error("{entity} not found: {key}. {}", entity.hint())]
    NotFound { entity: Entity, key: String },
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
    /// The database file is damaged or not a SQLite database. Nothing more is written
    /// to it by this process; the file is left as it is.
    #[error(
        "database {path} is corrupt or not a SQLite database ({detail}); TINA stopped writing \
         to it. See `tina-session db check` for details and `tina-session db recover` to \
         rebuild a copy from what is readable (the original is kept)"
    )]
    Corrupt { path: String, detail: String },
    /// The disk (or the database's size limit) is full: the write did not happen and may
    /// be retried once there is room.
    #[error("database {path} is full ({detail}); free disk space, the write is retried")]
    Full { path: String, detail: String },
    /// The database file was deleted or replaced by another file while this process had
    /// it open: what it reads or writes is no longer what others see.
    #[error(
        "database {path} was {what} while this process had it open; restart this process \
         (for the daemon: `tina-session daemon restart`)"
    )]
    Replaced { path: String, what: &'static str },
    /// The database existed before (its marker is there) but the file is gone. Only an
    /// explicit `tina-session init` creates a new, empty one.
    #[error(
        "database {path} is missing, although a store was created here before ({marker}); \
         restore it from a backup, or run `tina-session init` to start a new empty store"
    )]
    Missing { path: String, marker: String },
    /// The backend could not be reached in time (Convex). For a write the outcome is
    /// unknown: the deployment may still apply it, so check before retrying a create.
    /// `message` says what was being reached; `source` is the cause, when one was given.
    #[error("store unavailable: {message}{}", detail(source))]
    Unavailable {
        message: String,
        #[source]
        source: Option<Cause>,
    },
    /// The backend refused the caller's credentials (Convex: a missing or wrong deployment
    /// key). Retrying with the same configuration cannot succeed.
    #[error("not authorized: {0}")]
    Unauthorized(String),
    /// Any other backend failure: what failed, and the backend's error as the source.
    #[error("store error: {message}{}", detail(source))]
    Backend {
        message: String,
        #[source]
        source: Option<Cause>,
    },
}

/// The cause's text after the message (": cause"): front ends that print one level
/// (MCP results, web API bodies) still show it. Chain printers that add the source
/// again skip a source already in the message ([`crate::report::error_chain`]).
fn detail(source: &Option<Cause>) -> String {
    source
        .as_ref()
        .map_or_else(String::new, |s| format!(": {s}"))
}

impl StoreError {
    pub fn not_found(entity: Entity, key: impl Into<String>) -> Self {
        Self::NotFound {
            entity,
            key: key.into(),
        }
    }

    pub fn orchestration_not_found(key: impl Into<String>) -> Self {
        Self::not_found(Entity::Orchestration, key)
    }

    pub fn team_not_found(key: impl Into<String>) -> Self {
        Self::not_found(Entity::Team, key)
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// A backend failure described by `message` alone.
    pub fn backend(message: impl Into<String>) -> Self {
        Self::Backend {
            message: message.into(),
            source: None,
        }
    }

    /// A backend failure: what failed (`message`) and why (`source`, kept as the cause).
    pub fn backend_from(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Backend {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The backend could not be reached: `message` says what was being reached.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: None,
        }
    }

    /// [`Self::unavailable`] with its cause.
    pub fn unavailable_from(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Unavailable {
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// The store itself is unusable until a person acts (corrupt, replaced, missing):
    /// retrying does not help, and nothing more should be written.
    pub fn is_store_broken(&self) -> bool {
        matches!(
            self,
            Self::Corrupt { .. } | Self::Replaced { .. } | Self::Missing { .. }
        )
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

    /// Every status change of the orchestration's phases, oldest first (ties by phase).
    /// The default knows only what the phase records still say: when each phase started
    /// and its present status (so a block that was resolved leaves no trace); backends
    /// that keep the history override it.
    fn list_phase_history(&self, orchestration: &OrchestrationId) -> Result<Vec<PhaseChange>> {
        Ok(compose::history_from_phases(
            &self.list_phases(orchestration)?,
        ))
    }

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
    /// Records a batch: all events or none on SQLite; on Convex, atomic per chunk of up to
    /// 64 events and 2 MiB (events are idempotent, so re-recording a batch is safe).
    fn record_task_events(&self, events: &[NewTaskEvent]) -> Result<RecordSummary>;
    /// The full history, ordered by (recorded_at, sequence).
    fn list_task_events(&self, orchestration: &OrchestrationId) -> Result<Vec<TaskEvent>>;
    /// The history of one task (team, task id), ordered by (recorded_at, sequence): a
    /// task's detail panel. The default filters [`Store::list_task_events`].
    fn list_events_of_task(&self, team: &TeamId, task_id: &str) -> Result<Vec<TaskEvent>> {
        let team = self.get_team(team)?;
        Ok(self
            .list_task_events(&team.orchestration_id)?
            .into_iter()
            .filter(|e| e.team_id == team.id && e.task_id == task_id)
            .collect())
    }
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

    // --- usage, budgets, attention ---------------------------------------------------

    /// The byte offset up to which a transcript's usage was recorded (`None`: never read).
    fn transcript_offset(&self, transcript: &str) -> Result<Option<u64>>;
    /// Records a transcript's new usage lines and its new offset in one transaction.
    /// A line whose `message_key` was recorded before is skipped; the offset never moves
    /// back. Returns how many lines were new. A line of an unknown team is `NotFound`.
    fn record_usage(&self, batch: &UsageBatch) -> Result<u32>;
    /// Usage of the orchestration summed per (team, session, member, model), ordered by
    /// team id, session, member, model.
    fn list_usage(&self, orchestration: &OrchestrationId) -> Result<Vec<UsageTotal>>;
    /// Sets (`Some`) or removes (`None`) the budget of the orchestration (`phase` None)
    /// or of one phase.
    fn set_budget(
        &self,
        orchestration: &OrchestrationId,
        phase: Option<u32>,
        usd_micros: Option<Micros>,
    ) -> Result<()>;
    /// The orchestration's budgets, the whole-orchestration one first, then by phase.
    fn list_budgets(&self, orchestration: &OrchestrationId) -> Result<Vec<Budget>>;
    /// Records an attention event unless one with the same id exists; returns whether
    /// it was new. Its orchestration must exist.
    fn record_attention(&self, event: &AttentionEvent) -> Result<bool>;
    /// Marks an open event cleared at `at`; returns whether it was open.
    fn clear_attention(&self, id: &str, at: Millis) -> Result<bool>;
    /// The orchestration's attention events, oldest first.
    fn list_attention(&self, orchestration: &OrchestrationId) -> Result<Vec<AttentionEvent>>;
    /// Events of every orchestration not yet handed to the notify command, oldest first.
    fn undelivered_attention(&self) -> Result<Vec<AttentionEvent>>;
    /// Every open (not cleared) attention event of every orchestration, oldest first: how
    /// many orchestrations wait on a person, for the list, in one read.
    fn list_open_attention(&self) -> Result<Vec<AttentionEvent>> {
        let mut all = Vec::new();
        for o in self.list_orchestrations()? {
            match self.list_attention(&o.id) {
                Ok(events) => all.extend(events.into_iter().filter(AttentionEvent::is_open)),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        all.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(all)
    }
    /// Usage of several orchestrations (one page of the list) in one read, ordered by
    /// orchestration id, then as [`Store::list_usage`]. Unknown ids have none.
    fn list_usage_of(&self, orchestrations: &[OrchestrationId]) -> Result<Vec<UsageTotal>> {
        let mut ids = orchestrations.to_vec();
        ids.sort();
        ids.dedup();
        let mut all = Vec::new();
        for id in &ids {
            all.extend(self.list_usage(id)?);
        }
        Ok(all)
    }
    /// Budgets of several orchestrations in one read, ordered by orchestration id, then as
    /// [`Store::list_budgets`]. Unknown ids have none.
    fn list_budgets_of(&self, orchestrations: &[OrchestrationId]) -> Result<Vec<Budget>> {
        let mut ids = orchestrations.to_vec();
        ids.sort();
        ids.dedup();
        let mut all = Vec::new();
        for id in &ids {
            all.extend(self.list_budgets(id)?);
        }
        Ok(all)
    }
    /// Claims an event for delivery (sets `delivered_at` if unset); returns whether this
    /// caller claimed it. Whoever claims it runs the notify command: at most once.
    fn claim_attention_delivery(&self, id: &str, at: Millis) -> Result<bool>;
    /// When each orchestration's tasks last changed: the largest `recorded_at` of its
    /// current tasks (orchestrations without tasks are absent). The list's "last
    /// activity" and stale marker, in one read.
    fn last_task_activity_by_orchestration(
        &self,
    ) -> Result<std::collections::HashMap<OrchestrationId, Millis>> {
        let mut all = std::collections::HashMap::new();
        for o in self.list_orchestrations()? {
            match self.get_current_tasks(&o.id) {
                Ok(tasks) => {
                    if let Some(at) = tasks.iter().map(|t| t.recorded_at).max() {
                        all.insert(o.id, at);
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(all)
    }

    /// Current tasks of one orchestration by team, then by status: progress that counts
    /// team tasks and orchestrator tasks apart, without reading the tasks themselves.
    fn task_counts_by_team(
        &self,
        orchestration: &OrchestrationId,
    ) -> Result<std::collections::HashMap<TeamId, std::collections::BTreeMap<String, u32>>> {
        let mut all: std::collections::HashMap<TeamId, std::collections::BTreeMap<String, u32>> =
            Default::default();
        for t in self.get_current_tasks(orchestration)? {
            *all.entry(t.team_id)
                .or_default()
                .entry(t.status.as_str().to_owned())
                .or_insert(0) += 1;
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
/// address) with its deployment key, the real `convex` client and its per-call timeout.
pub fn open_convex(url: &str, key: &convex::DeploymentKey) -> Result<std::sync::Arc<dyn Store>> {
    Ok(std::sync::Arc::new(convex::ConvexStore::connect(url, key)?))
}
