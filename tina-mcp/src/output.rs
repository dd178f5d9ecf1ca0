//! Tool results: compact, grouped shapes for a model's context window.
//!
//! Claude Code hands the model `JSON.stringify(structuredContent)`, so every byte here
//! is paid for in tokens. The rules, the same for every tool:
//! - a team (or orchestration) is named once, then its tasks (or teams): no id repeated
//!   per item;
//! - no nulls, empty arrays or empty objects (`skip_serializing_if`), so the output
//!   schemas mark those fields optional;
//! - descriptions, metadata, paths and timestamps only with `detail: "full"`;
//! - lists are bounded: `more` says how many were left out, `cursor` fetches them.
//!
//! The full records stay what programs read: the CLI's `--json` and the web API.
//! [`tidy_schemas`] trims the generated JSON Schemas (shared `$defs`, no titles, no
//! descriptions in output schemas, no nullable `type` arrays on optional fields).

use std::collections::BTreeMap;

use rmcp::handler::server::tool::IntoCallToolResult;
use rmcp::model::{CallToolResponse, CallToolResult, ContentBlock};
use rmcp::schemars::{self, JsonSchema};
use serde::Serialize;
use serde_json::{Map, Value};
use tina_session::model as m;

use crate::params::Detail;

mod schema;

pub use schema::{drop_nulls, tidy_schema, tidy_schemas};

/// A structured tool result: `structuredContent` plus the same JSON as a text block.
///
/// Like rmcp's own `Json`, but null fields are left out ([`drop_nulls`]), as the tidied
/// output schemas say. rmcp's `#[tool]` macro derives an `outputSchema` only from a
/// type named `Json`, so each tool names its schema with [`output_schema`].
pub struct Structured<T>(pub T);

/// The `outputSchema` of a tool returning [`Structured<T>`].
pub fn output_schema<T: JsonSchema + 'static>() -> std::sync::Arc<rmcp::model::JsonObject> {
    rmcp::handler::server::tool::schema_for_output::<T>()
}

impl<T: Serialize> IntoCallToolResult for Structured<T> {
    fn into_call_tool_result(self) -> Result<CallToolResponse, rmcp::ErrorData> {
        let failed = |e: serde_json::Error| {
            rmcp::ErrorData::internal_error(format!("cannot serialize the result: {e}"), None)
        };
        let mut value = serde_json::to_value(&self.0).map_err(failed)?;
        drop_nulls(&mut value);
        let text = serde_json::to_string(&value).map_err(failed)?;
        let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
        result.structured_content = Some(value);
        Ok(result.into())
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Where a bounded list stopped: how many items were left out and the cursor for them.
#[derive(Debug, Default, Serialize, JsonSchema)]
pub struct Page {
    /// Items not in this reply.
    #[serde(skip_serializing_if = "is_zero")]
    pub more: u32,
    /// Pass as `cursor` for the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl Page {
    /// Takes the page `[offset, offset + limit)` of `items`.
    pub fn take<T>(items: Vec<T>, offset: usize, limit: usize) -> (Vec<T>, Page) {
        let total = items.len();
        let end = offset.saturating_add(limit).min(total);
        let page: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
        let more = total.saturating_sub(end);
        let page_info = Page {
            more: more as u32,
            cursor: (more > 0).then(|| end.to_string()),
        };
        (page, page_info)
    }
}

/// An orchestration.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Orch {
    pub id: String,
    pub feature: String,
    pub status: String,
    pub total_phases: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_phase: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design_doc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worktree_path: Option<String>,
    /// Milliseconds since the Unix epoch (full detail only), as are all `*_at` fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<m::Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<m::Millis>,
}

impl Orch {
    pub fn new(o: &m::Orchestration, detail: Detail) -> Self {
        let full = detail == Detail::Full;
        Self {
            id: o.id.0.clone(),
            feature: o.feature_name.clone(),
            status: o.status.as_str().to_owned(),
            total_phases: o.total_phases,
            current_phase: o.current_phase,
            design_doc: full.then(|| o.design_doc.clone()),
            branch: o.branch.clone().filter(|_| full),
            worktree_path: o.worktree_path.clone().filter(|_| full),
            started_at: full.then_some(o.started_at),
            completed_at: o.completed_at.filter(|_| full),
        }
    }
}

/// A phase that has started.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PhaseOut {
    pub phase: u32,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocked_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<m::Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<m::Millis>,
}

impl PhaseOut {
    pub fn new(p: &m::Phase, detail: Detail) -> Self {
        let full = detail == Detail::Full;
        Self {
            phase: p.phase_number,
            status: p.status.as_str().to_owned(),
            blocked_reason: p
                .blocked_reason
                .clone()
                .filter(|_| p.status == m::PhaseStatus::Blocked || full),
            plan_path: p.plan_path.clone().filter(|_| full),
            started_at: p.started_at.filter(|_| full),
            completed_at: p.completed_at.filter(|_| full),
        }
    }
}

/// A task. `blocked_by` only while not completed; `active_form` (what the agent is doing
/// now) only while in progress.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Task {
    pub id: String,
    pub subject: String,
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocked_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_form: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "any_object")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<m::Millis>,
}

/// Any JSON object (agent-written task metadata).
fn any_object(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "object" })
}

/// What the agent working on `t` is doing now, as Claude Code's `activeForm` says.
fn active_form(t: &m::CurrentTask) -> Option<String> {
    t.active_form.clone()
}

impl Task {
    pub fn new(t: &m::CurrentTask, detail: Detail) -> Self {
        let full = detail == Detail::Full;
        let done = t.status == m::TaskStatus::Completed;
        Self {
            id: t.task_id.clone(),
            subject: t.subject.clone(),
            status: t.status.as_str().to_owned(),
            owner: t.owner.clone(),
            blocked_by: if done && !full {
                Vec::new()
            } else {
                t.blocked_by.clone()
            },
            active_form: active_form(t).filter(|_| t.status == m::TaskStatus::InProgress),
            description: Some(t.description.clone()).filter(|d| full && !d.is_empty()),
            metadata: match &t.metadata {
                Value::Object(map) if full && !map.is_empty() => Some(map.clone()),
                _ => None,
            },
            updated_at: full.then_some(t.recorded_at),
        }
    }
}

/// One team's tasks.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamTasks {
    pub team: String,
    /// The phase the team executes; absent for the orchestrator team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<u32>,
    pub tasks: Vec<Task>,
}

/// How relevant a task is to a reader: in progress, then other reported statuses
/// (e.g. "needs_review"), then pending, then completed.
fn rank(status: &m::TaskStatus) -> u8 {
    match status {
        m::TaskStatus::InProgress => 0,
        m::TaskStatus::Pending => 2,
        m::TaskStatus::Completed => 3,
        _ => 1,
    }
}

/// Task ids are Claude Code's "1", "2", ...: numeric ones in numeric order.
fn id_key(id: &str) -> (u64, &str) {
    (id.parse().unwrap_or(u64::MAX), id)
}

/// Orders tasks for a bounded reply: active before complete, then by phase (orchestrator
/// first), team and task id.
pub fn sort_by_relevance(tasks: &mut [m::CurrentTask]) {
    tasks.sort_by(|a, b| {
        (
            rank(&a.status),
            a.phase_number,
            &a.team_name,
            id_key(&a.task_id),
        )
            .cmp(&(
                rank(&b.status),
                b.phase_number,
                &b.team_name,
                id_key(&b.task_id),
            ))
    });
}

/// Groups a page of tasks by team (orchestrator first, then by phase and name); within a
/// team the page's order (relevance) is kept.
pub fn group_by_team(tasks: &[m::CurrentTask], detail: Detail) -> Vec<TeamTasks> {
    let mut groups: BTreeMap<(Option<u32>, &str), Vec<Task>> = BTreeMap::new();
    for t in tasks {
        groups
            .entry((t.phase_number, t.team_name.as_str()))
            .or_default()
            .push(Task::new(t, detail));
    }
    groups
        .into_iter()
        .map(|((phase, team), tasks)| TeamTasks {
            team: team.to_owned(),
            phase,
            tasks,
        })
        .collect()
}

/// `list_orchestrations`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrchestrationList {
    /// Running first, then blocked, then complete; newest first within each.
    pub orchestrations: Vec<Orch>,
    #[serde(flatten)]
    pub page: Page,
}

/// `get_orchestration`: the record, its phases and a task summary.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrchestrationSummary {
    #[serde(flatten)]
    pub orchestration: Orch,
    /// Phases that have started, by number.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseOut>,
    pub teams: u32,
    /// Current tasks of every team by status.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks: BTreeMap<String, u32>,
    /// Cost (USD) and tokens so far, with budget states; absent before any usage or
    /// budget.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spend: Option<tina_session::attention::summary::SpendBrief>,
}

/// A team member.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Member {
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub agent_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<m::Millis>,
}

impl Member {
    pub fn new(mb: &m::TeamMember, detail: Detail) -> Self {
        Self {
            name: mb.agent_name.clone(),
            agent_type: mb.agent_type.clone(),
            model: mb.model.clone(),
            joined_at: (detail == Detail::Full).then_some(mb.joined_at),
        }
    }
}

/// A team with its members and (a page of) its tasks.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamDetail {
    pub id: String,
    pub team: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_session_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
}

/// `get_orchestration_detail`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Detailed {
    #[serde(flatten)]
    pub orchestration: Orch,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseOut>,
    /// Orchestrator team first, then phase teams.
    pub teams: Vec<TeamDetail>,
    /// Tasks left out; `cursor` pages them with get_current_tasks.
    #[serde(flatten)]
    pub page: Page,
}

/// `get_current_tasks`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CurrentTasks {
    pub teams: Vec<TeamTasks>,
    #[serde(flatten)]
    pub page: Page,
}

/// A team in the hierarchy: members, task counts by status, child teams.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamNode {
    pub id: String,
    pub team: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<m::Millis>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tasks: BTreeMap<String, u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<TeamNode>,
}

impl TeamNode {
    pub fn new(n: &m::TeamNode, detail: Detail) -> Self {
        let full = detail == Detail::Full;
        Self {
            id: n.team.id.0.clone(),
            team: n.team.team_name.clone(),
            phase: n.team.phase_number,
            lead_session_id: n.team.lead_session_id.clone().filter(|_| full),
            created_at: full.then_some(n.team.created_at),
            members: n.members.iter().map(|mb| Member::new(mb, detail)).collect(),
            tasks: n.task_counts.clone(),
            children: n
                .children
                .iter()
                .map(|c| TeamNode::new(c, detail))
                .collect(),
        }
    }
}

/// `get_team_hierarchy`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Hierarchy {
    /// Root teams (the orchestrator team) with their children.
    pub teams: Vec<TeamNode>,
    /// Teams that have spent anything, by team name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub team_spend: Vec<TeamSpendBrief>,
}

/// One team's spend in [`Hierarchy`].
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamSpendBrief {
    pub team: String,
    pub cost_usd: f64,
    pub tokens: u64,
}

/// A team, without its orchestration (the group names it).
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamRef {
    pub id: String,
    pub team: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_team_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lead_session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<m::Millis>,
}

impl TeamRef {
    pub fn new(t: &m::Team, detail: Detail) -> Self {
        let full = detail == Detail::Full;
        Self {
            id: t.id.0.clone(),
            team: t.team_name.clone(),
            phase: t.phase_number,
            parent_team_id: t
                .parent_team_id
                .as_ref()
                .map(|p| p.0.clone())
                .filter(|_| full),
            lead_session_id: t.lead_session_id.clone().filter(|_| full),
            created_at: full.then_some(t.created_at),
        }
    }
}

/// Active teams of one orchestration.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrchTeams {
    pub id: String,
    pub feature: String,
    pub teams: Vec<TeamRef>,
}

/// `list_active_teams`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ActiveTeams {
    /// Grouped by orchestration, newest first.
    pub orchestrations: Vec<OrchTeams>,
    #[serde(flatten)]
    pub page: Page,
}

/// `register_team`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Registered {
    pub team: TeamRef,
}
