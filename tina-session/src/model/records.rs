//! The records a store keeps and returns, and the inputs that create them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

#[cfg(feature = "json-schema")]
use super::schema_text;
use super::{Millis, OrchestrationId, OrchestrationStatus, PhaseStatus, TaskStatus, TeamId};

/// One feature implementation run, found by id or by its exact feature name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct Orchestration {
    pub id: OrchestrationId,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::FEATURE_NAME))]
    pub feature_name: String,
    pub design_doc: String,
    pub branch: Option<String>,
    pub worktree_path: Option<String>,
    pub total_phases: u32,
    pub current_phase: Option<u32>,
    pub status: OrchestrationStatus,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub started_at: Millis,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number | null")]
    pub completed_at: Option<Millis>,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub updated_at: Millis,
}

impl Orchestration {
    /// Whether `phase` is one of this orchestration's phases (`1..=total_phases`): the
    /// one phase-range rule the lifecycle, the team rules, the stores and every front
    /// end apply.
    pub fn has_phase(&self, phase: u32) -> bool {
        (1..=self.total_phases).contains(&phase)
    }
}

/// What `create_orchestration` needs. The orchestrator team is created in the same
/// transaction, so an orchestration never exists without it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct NewOrchestration {
    pub feature_name: String,
    pub design_doc: String,
    pub branch: Option<String>,
    pub worktree_path: Option<String>,
    pub total_phases: u32,
    pub orchestrator_team_name: String,
    pub lead_session_id: Option<String>,
    /// Remove an existing orchestration of the same feature even if it is still running.
    /// A complete or blocked one is always replaced: the feature name is unique.
    pub replace: bool,
}

/// One phase of an orchestration, unique by (orchestration, phase number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct Phase {
    pub orchestration_id: OrchestrationId,
    pub phase_number: u32,
    pub status: PhaseStatus,
    pub plan_path: Option<String>,
    pub blocked_reason: Option<String>,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number | null")]
    pub started_at: Option<Millis>,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number | null")]
    pub completed_at: Option<Millis>,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub updated_at: Millis,
}

/// One status change of a phase (or a change of its blocked reason), as the phase history
/// keeps it: the dashboard draws its timeline and "blocked for 12 min" from these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct PhaseChange {
    pub phase_number: u32,
    pub status: PhaseStatus,
    pub blocked_reason: Option<String>,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub at: Millis,
}

/// An agent team. Its phase and parent come from this record, never from its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct Team {
    pub id: TeamId,
    pub team_name: String,
    pub orchestration_id: OrchestrationId,
    /// `None` for the orchestrator team.
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::NULL_FOR_ORCHESTRATOR))]
    pub parent_team_id: Option<TeamId>,
    /// `None` for the orchestrator team.
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::NULL_FOR_ORCHESTRATOR))]
    pub phase_number: Option<u32>,
    pub lead_session_id: Option<String>,
    /// The Claude Code team/task folder linked to this team (under `$CLAUDE_HOME/teams`
    /// and `tasks`), set by the daemon when it links the folder by lead session id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub claude_team_dir: Option<String>,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub created_at: Millis,
}

/// Registers (or updates) a team, keyed by its exact name. Updating an existing team,
/// a `None` field keeps the stored value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct TeamRegistration {
    pub team_name: String,
    pub orchestration_id: OrchestrationId,
    pub parent_team_id: Option<TeamId>,
    pub phase_number: Option<u32>,
    pub lead_session_id: Option<String>,
}

/// One agent of a team, unique by (team, agent name).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct TeamMember {
    pub team_id: TeamId,
    pub agent_name: String,
    pub agent_type: Option<String>,
    pub model: Option<String>,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub joined_at: Millis,
}

/// A task event as a writer (the daemon, a test) submits it. The store fills in the
/// orchestration and phase number from the team record, so they cannot disagree with it.
///
/// An event is identified by (team, task_id, recorded_at, sequence): recording it again
/// is a no-op, and the latest by (recorded_at, sequence) is the task's current state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct NewTaskEvent {
    pub team_id: TeamId,
    pub task_id: String,
    pub subject: String,
    #[serde(default)]
    pub description: String,
    /// Claude Code's `activeForm`: the line shown while the task runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_form: Option<String>,
    pub status: TaskStatus,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub blocked_by: Vec<String>,
    #[serde(default)]
    pub metadata: Value,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    pub recorded_at: Millis,
    pub sequence: i64,
}

impl NewTaskEvent {
    /// The event as a store keeps it: agent-written text cut to its limit (subject
    /// [`SUBJECT_MAX`](super::input::SUBJECT_MAX), description
    /// [`DESCRIPTION_MAX`](super::input::DESCRIPTION_MAX), metadata
    /// [`METADATA_MAX`](super::input::METADATA_MAX) of serialized JSON, replaced by
    /// `{"truncated": "<cut JSON text>"}` when longer). A task is never refused for its
    /// size, only shortened; both backends call this, so they store the same content.
    pub fn bounded(&self) -> std::borrow::Cow<'_, NewTaskEvent> {
        use super::input::{DESCRIPTION_MAX, METADATA_MAX, SUBJECT_MAX, truncate};
        let metadata_text = serde_json::to_string(&self.metadata).unwrap_or_default();
        let fits = self.subject.len() <= SUBJECT_MAX
            && self.description.len() <= DESCRIPTION_MAX
            && metadata_text.len() <= METADATA_MAX;
        if fits {
            return std::borrow::Cow::Borrowed(self);
        }
        let mut e = self.clone();
        e.subject = truncate(&self.subject, SUBJECT_MAX).into_owned();
        e.description = truncate(&self.description, DESCRIPTION_MAX).into_owned();
        if metadata_text.len() > METADATA_MAX {
            // Room for the wrapper and the escaping of quotes in the cut text.
            let cut = truncate(&metadata_text, METADATA_MAX / 2).into_owned();
            e.metadata = serde_json::json!({ "truncated": cut });
        }
        std::borrow::Cow::Owned(e)
    }
}

/// One entry of the append-only task history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct TaskEvent {
    pub orchestration_id: OrchestrationId,
    pub team_id: TeamId,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::NULL_FOR_ORCHESTRATOR_TASKS))]
    pub phase_number: Option<u32>,
    pub task_id: String,
    pub subject: String,
    pub description: String,
    /// Claude Code's `activeForm`: the line shown while the task runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub active_form: Option<String>,
    pub status: TaskStatus,
    pub owner: Option<String>,
    pub blocked_by: Vec<String>,
    pub metadata: Value,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub recorded_at: Millis,
    #[ts(type = "number")]
    pub sequence: i64,
}

impl TaskEvent {
    /// The key that orders events of one task: later wins.
    pub fn order_key(&self) -> (Millis, i64) {
        (self.recorded_at, self.sequence)
    }

    /// True when two events carry the same task content (ignoring when they were seen).
    pub fn same_content(&self, other: &TaskEvent) -> bool {
        self.subject == other.subject
            && self.description == other.description
            && self.active_form == other.active_form
            && self.status == other.status
            && self.owner == other.owner
            && self.blocked_by == other.blocked_by
            && self.metadata == other.metadata
    }
}

/// The current state of one task of one team: the latest event for (team, task_id).
/// Team name and phase number are read from the team record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct CurrentTask {
    pub orchestration_id: OrchestrationId,
    pub team_id: TeamId,
    pub team_name: String,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::NULL_FOR_ORCHESTRATOR_TASKS))]
    pub phase_number: Option<u32>,
    pub task_id: String,
    pub subject: String,
    pub description: String,
    /// Claude Code's `activeForm`: the line shown while the task runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub active_form: Option<String>,
    pub status: TaskStatus,
    pub owner: Option<String>,
    pub blocked_by: Vec<String>,
    pub metadata: Value,
    #[cfg_attr(feature = "json-schema", schemars(description = schema_text::EPOCH_MS))]
    #[ts(type = "number")]
    pub recorded_at: Millis,
    #[ts(type = "number")]
    pub sequence: i64,
}

/// What recording a batch of events did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct RecordSummary {
    /// Events appended to the history.
    pub inserted: usize,
    /// Events already recorded (same identity and content): nothing changed.
    pub duplicates: usize,
    /// Inserted events that became their task's current state.
    pub current_updated: usize,
}

/// A compare-and-set change of one phase, optionally registering the phase team and
/// updating the orchestration, applied in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseTransition {
    pub orchestration_id: OrchestrationId,
    pub phase_number: u32,
    /// The phase status the transition was computed from (`None`: the phase has no record
    /// yet). If the stored status differs, the store refuses with `Conflict`.
    pub expected: Option<PhaseStatus>,
    pub status: PhaseStatus,
    pub plan_path: Option<String>,
    pub blocked_reason: Option<String>,
    /// What this phase change implies for the orchestration; the store derives the
    /// stored status from every phase ([`OrchestrationStatus::derive`]).
    pub orchestration_status: OrchestrationStatus,
    pub register_team: Option<TeamRegistration>,
}

/// The result of a [`PhaseTransition`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
pub struct TransitionOutcome {
    pub phase: Phase,
    pub orchestration: Orchestration,
    pub team: Option<Team>,
}

/// Everything about one orchestration, tasks grouped the way people read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct OrchestrationDetail {
    pub orchestration: Orchestration,
    pub phases: Vec<Phase>,
    /// Tasks of teams without a phase number (the orchestrator team).
    pub orchestrator_tasks: Vec<CurrentTask>,
    /// Tasks of phase teams, keyed by the team record's phase number ("1", "2", ...).
    pub phase_tasks: BTreeMap<String, Vec<CurrentTask>>,
    pub teams: Vec<Team>,
    pub team_members: Vec<TeamMember>,
}

/// The team tree of one orchestration: root teams (normally exactly one, the
/// orchestrator team) with their child teams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct TeamHierarchy {
    pub orchestration_id: OrchestrationId,
    pub feature_name: String,
    #[cfg_attr(
        feature = "json-schema",
        schemars(
            description = "Root teams (normally one: the orchestrator team) with their children."
        )
    )]
    pub teams: Vec<TeamNode>,
}

/// One team in the hierarchy, with its members, task counts and child teams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[ts(export)]
pub struct TeamNode {
    pub team: Team,
    pub members: Vec<TeamMember>,
    /// Current tasks by status, every reported status included.
    pub task_counts: BTreeMap<String, u32>,
    pub task_total: u32,
    pub children: Vec<TeamNode>,
}
