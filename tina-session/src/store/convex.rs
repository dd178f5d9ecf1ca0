//! The Convex backend: the `Store` trait over the functions in the repository's
//! `convex/` folder, reached through the `convex` crate when `TINA_CONVEX_URL` is set.
//!
//! Layers, outermost first:
//! - [`ConvexStore`] implements `Store`: it encodes arguments, decodes results into the
//!   model types, and turns the functions' `ConvexError({code, ...})` payloads into the
//!   same [`StoreError`] variants the SQLite backend returns.
//! - [`ConvexTransport`] is the seam at the client boundary: call a query or mutation by
//!   name with JSON arguments, get JSON back. [`ClientTransport`] is the real one (the
//!   `convex` crate's WebSocket client); tests plug in a double that serves the same
//!   `convex/*.ts` functions from convex-test's in-memory backend.
//!
//! The trait is synchronous, so the store owns a small tokio runtime and blocks on it;
//! async callers go through `spawn_blocking`. Every call (and the initial connect) runs
//! under a timeout: an unreachable deployment is [`StoreError::Unavailable`], not a hang.
//!
//! Wire conventions (shared with `convex/model/validators.ts`): integers travel as Convex
//! `Int64` (`v.int64()`, bigint in JS) — every JSON integer the store sends becomes an
//! `Int64` and every `Int64` comes back as a JSON integer; ids are strings; `None` is
//! `null`. Task `metadata` travels as its JSON text and hierarchy `task_counts` as
//! `[{status, count}]` pairs, because Convex field names must be ASCII and cannot start
//! with `$`, while agent metadata keys and task statuses can be anything.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::{Result, Store, StoreError};
use crate::model::*;

/// The Convex functions the store calls, in one place (`module:function`).
pub mod functions {
    pub const CREATE_ORCHESTRATION: &str = "orchestrations:create";
    pub const GET_ORCHESTRATION: &str = "orchestrations:get";
    pub const GET_ORCHESTRATION_BY_FEATURE: &str = "orchestrations:getByFeature";
    pub const LIST_ORCHESTRATIONS: &str = "orchestrations:list";
    pub const DELETE_ORCHESTRATION: &str = "orchestrations:remove";
    pub const GET_ORCHESTRATION_DETAIL: &str = "orchestrations:getOrchestrationDetail";
    pub const APPLY_PHASE_TRANSITION: &str = "phases:applyTransition";
    pub const LIST_PHASES: &str = "phases:list";
    pub const REGISTER_TEAM: &str = "teams:registerTeam";
    pub const GET_TEAM: &str = "teams:get";
    pub const GET_TEAM_BY_NAME: &str = "teams:getByName";
    pub const LIST_TEAMS: &str = "teams:list";
    pub const LIST_BY_PARENT: &str = "teams:listByParent";
    pub const LIST_ACTIVE_TEAMS: &str = "teams:listActiveTeams";
    pub const FIND_TEAM_BY_LEAD_SESSION: &str = "teams:findByLeadSession";
    pub const FIND_TEAM_BY_CLAUDE_DIR: &str = "teams:findByClaudeTeamDir";
    pub const LINK_CLAUDE_TEAM_DIR: &str = "teams:linkClaudeTeamDir";
    pub const RECORD_TEAM_ACTIVITY: &str = "activity:record";
    pub const LIST_TEAM_ACTIVITY: &str = "activity:list";
    pub const UPSERT_TEAM_MEMBER: &str = "teamMembers:upsert";
    pub const LIST_TEAM_MEMBERS: &str = "teamMembers:list";
    pub const RECORD_TASK_EVENTS: &str = "tasks:recordTaskEvents";
    pub const LIST_TASK_EVENTS: &str = "tasks:listTaskEvents";
    pub const GET_CURRENT_TASKS: &str = "tasks:getCurrentTasks";
    pub const GET_TEAM_HIERARCHY: &str = "admin:getTeamHierarchy";
    pub const REVISION: &str = "admin:revision";
    /// Test support only: wipes the deployment, and refuses unless the deployment has
    /// `TINA_ALLOW_TEST_RESET=1` set.
    pub const RESET_FOR_TESTS: &str = "admin:resetForTests";
}

/// How long one call (or the initial connect) may take before the store gives up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// How long `connect` waits for the deployment's first answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether a function reads (query) or writes (mutation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionKind {
    Query,
    Mutation,
}

/// Why a call through a [`ConvexTransport`] failed.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The function threw a `ConvexError`: its message and data payload (plain JSON).
    Application { message: String, data: Value },
    /// The function failed otherwise (argument validation, a bug): the deployment's text.
    Function(String),
    /// The deployment could not be reached or answered with something unreadable.
    Transport(String),
}

/// A boxed future of one call's outcome.
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, CallError>> + Send + 'a>>;

/// The client boundary: call a function by name with JSON arguments, get JSON back.
///
/// JSON integers are Convex `Int64` on the wire, in both directions.
pub trait ConvexTransport: Send + Sync {
    /// Where calls go, for `Store::describe` and error messages.
    fn describe(&self) -> String;
    fn call<'a>(&'a self, kind: FunctionKind, name: &'a str, args: Value) -> CallFuture<'a>;
}

/// Encodes JSON arguments as Convex values: integers as `Int64`, other numbers as
/// `Float64`. An argument object is required by Convex.
pub fn encode_args(args: Value) -> std::result::Result<BTreeMap<String, convex::Value>, String> {
    match to_convex(args)? {
        convex::Value::Object(map) => Ok(map),
        other => Err(format!(
            "function arguments must be an object, not {other:?}"
        )),
    }
}

/// Converts plain JSON into a Convex value (integers as `Int64`).
pub fn to_convex(v: Value) -> std::result::Result<convex::Value, String> {
    Ok(match v {
        Value::Null => convex::Value::Null,
        Value::Bool(b) => convex::Value::Boolean(b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => convex::Value::Int64(i),
            (None, _) if n.is_u64() => return Err(format!("integer {n} does not fit an Int64")),
            (None, Some(f)) => convex::Value::Float64(f),
            (None, None) => return Err(format!("number {n} is not representable")),
        },
        Value::String(s) => convex::Value::String(s),
        Value::Array(items) => convex::Value::Array(
            items
                .into_iter()
                .map(to_convex)
                .collect::<std::result::Result<_, _>>()?,
        ),
        Value::Object(map) => convex::Value::Object(
            map.into_iter()
                .map(|(k, v)| Ok((k, to_convex(v)?)))
                .collect::<std::result::Result<_, String>>()?,
        ),
    })
}

/// Converts a Convex value into plain JSON (`Int64` as a JSON integer).
pub fn from_convex(v: convex::Value) -> Value {
    match v {
        convex::Value::Null => Value::Null,
        convex::Value::Int64(i) => Value::from(i),
        convex::Value::Float64(f) => Value::from(f),
        convex::Value::Boolean(b) => Value::Bool(b),
        convex::Value::String(s) => Value::String(s),
        bytes @ convex::Value::Bytes(_) => Value::from(bytes),
        convex::Value::Array(items) => Value::Array(items.into_iter().map(from_convex).collect()),
        convex::Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, from_convex(v))).collect())
        }
    }
}

/// The real transport: the `convex` crate's client, connected to one deployment.
pub struct ClientTransport {
    url: String,
    client: convex::ConvexClient,
}

impl ClientTransport {
    /// Opens the client. It connects in the background; calls wait for the connection.
    pub async fn connect(url: &str) -> std::result::Result<Self, CallError> {
        let client = convex::ConvexClient::new(url).await.map_err(|e| {
            CallError::Transport(format!("cannot open a Convex client for {url}: {e:#}"))
        })?;
        Ok(Self {
            url: url.to_owned(),
            client,
        })
    }
}

impl ConvexTransport for ClientTransport {
    fn describe(&self) -> String {
        format!("convex:{}", self.url)
    }

    fn call<'a>(&'a self, kind: FunctionKind, name: &'a str, args: Value) -> CallFuture<'a> {
        Box::pin(async move {
            let args = encode_args(args).map_err(CallError::Function)?;
            // `ConvexClient` calls take `&mut self`; a clone shares the one connection.
            let mut client = self.client.clone();
            let result = match kind {
                FunctionKind::Query => client.query(name, args).await,
                FunctionKind::Mutation => client.mutation(name, args).await,
            }
            .map_err(|e| CallError::Transport(format!("{e:#}")))?;
            match result {
                convex::FunctionResult::Value(v) => Ok(from_convex(v)),
                convex::FunctionResult::ErrorMessage(m) => Err(CallError::Function(m)),
                convex::FunctionResult::ConvexError(e) => Err(CallError::Application {
                    message: e.message,
                    data: from_convex(e.data),
                }),
            }
        })
    }
}

/// The `Store` over a Convex deployment.
/// Events per `recordTaskEvents` mutation: each event writes two documents, so this stays
/// well inside Convex's per-transaction write limits.
const EVENTS_PER_MUTATION: usize = 500;

pub struct ConvexStore {
    // `Option` so `Drop` can shut the runtime down without blocking (a store dropped
    // inside async code must not block that thread).
    runtime: Option<tokio::runtime::Runtime>,
    transport: Box<dyn ConvexTransport>,
    timeout: Duration,
}

fn new_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("tina-convex")
        .enable_all()
        .build()
        .map_err(|e| StoreError::Backend(format!("cannot start the Convex client runtime: {e}")))
}

impl ConvexStore {
    /// Connects to the deployment at `url` with the real client and [`DEFAULT_TIMEOUT`].
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_with_timeout(url, DEFAULT_TIMEOUT)
    }

    /// Connects with a custom per-call timeout.
    pub fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self> {
        let runtime = new_runtime()?;
        let transport = runtime
            .block_on(async { tokio::time::timeout(timeout, ClientTransport::connect(url)).await })
            .map_err(|_| {
                StoreError::Unavailable(format!(
                    "no connection to the Convex deployment {url} within {timeout:?}; \
                     check TINA_CONVEX_URL and that the deployment is up"
                ))
            })?
            .map_err(|e| call_error(url, "connect", e))?;
        let mut store = Self {
            runtime: Some(runtime),
            transport: Box::new(transport),
            timeout: timeout.min(PROBE_TIMEOUT),
        };
        // The client "connects" even with nothing listening; one cheap read proves the
        // deployment answers, so a wrong URL fails at start-up with a clear message
        // instead of every later call waiting out its timeout.
        store.revision().map_err(|e| match e {
            StoreError::Unavailable(_) => StoreError::Unavailable(format!(
                "the Convex deployment {url} did not answer within {:?}; check \
                 TINA_CONVEX_URL (or --convex-url) and that the deployment is up, or unset it \
                 to use the local SQLite store",
                store.timeout
            )),
            other => other,
        })?;
        store.timeout = timeout;
        Ok(store)
    }

    /// A store over any transport (tests use a double serving the real functions).
    pub fn with_transport(transport: Box<dyn ConvexTransport>, timeout: Duration) -> Result<Self> {
        Ok(Self {
            runtime: Some(new_runtime()?),
            transport,
            timeout,
        })
    }

    /// Calls one function under the timeout and maps failures to `StoreError`.
    fn call(&self, kind: FunctionKind, name: &str, args: Value) -> Result<Value> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| StoreError::Backend("the Convex store is shut down".into()))?;
        let timeout = self.timeout;
        let outcome = runtime.block_on(async {
            tokio::time::timeout(timeout, self.transport.call(kind, name, args)).await
        });
        match outcome {
            Err(_) => Err(StoreError::Unavailable(format!(
                "{} did not answer {name} within {timeout:?}; check TINA_CONVEX_URL and that \
                 the deployment is up",
                self.transport.describe()
            ))),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(call_error(&self.transport.describe(), name, e)),
        }
    }

    fn query<T: DeserializeOwned>(&self, name: &str, args: Value) -> Result<T> {
        decode(name, self.call(FunctionKind::Query, name, args)?)
    }

    fn mutation<T: DeserializeOwned>(&self, name: &str, args: Value) -> Result<T> {
        decode(name, self.call(FunctionKind::Mutation, name, args)?)
    }

    /// Applies the input and hierarchy rules ([`crate::model::rules`]) before sending a
    /// registration, from reads of the orchestration and the team. The deployment checks
    /// parent, cycle and root itself, atomically; these reads only add the rules it does
    /// not check yet, so a concurrent writer can race them (see SECURITY.md).
    fn resolve_registration(&self, reg: &TeamRegistration) -> Result<TeamRegistration> {
        reg.validate()?;
        let orch = self.get_orchestration(&reg.orchestration_id)?;
        let existing = match self.get_team_by_name(&reg.team_name) {
            Ok(t) => Some(t),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        crate::model::rules::resolve_team_registration(reg, &orch, existing.as_ref(), || {
            Ok::<_, StoreError>(crate::model::rules::find_orchestrator_team(
                self.list_teams(&reg.orchestration_id)?,
            ))
        })
    }

    /// Wipes the deployment. Test support: the deployment refuses unless its
    /// environment has `TINA_ALLOW_TEST_RESET=1`.
    pub fn reset_for_tests(&self) -> Result<()> {
        self.call(
            FunctionKind::Mutation,
            functions::RESET_FOR_TESTS,
            json!({}),
        )
        .map(drop)
    }
}

impl Drop for ConvexStore {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

fn decode<T: DeserializeOwned>(name: &str, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| {
        StoreError::Backend(format!(
            "unexpected result from Convex function {name}: {e}"
        ))
    })
}

fn call_error(target: &str, name: &str, e: CallError) -> StoreError {
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
        _ => "request",
    }
}

/// Task metadata arrives as JSON text; put the parsed value in its place.
fn parse_metadata(task: &mut Value) -> Result<()> {
    if let Some(slot) = task.get_mut("metadata")
        && let Value::String(text) = slot
    {
        *slot = serde_json::from_str(text)
            .map_err(|e| StoreError::Backend(format!("stored task metadata is not JSON: {e}")))?;
    }
    Ok(())
}

fn parse_metadata_all(tasks: &mut Value) -> Result<()> {
    if let Value::Array(items) = tasks {
        items.iter_mut().try_for_each(parse_metadata)?;
    }
    Ok(())
}

/// Hierarchy nodes carry `task_counts` as `[{status, count}]`; make it the map.
fn fix_node(node: &mut Value) {
    if let Some(counts) = node.get_mut("task_counts")
        && let Value::Array(pairs) = counts
    {
        let map: Map<String, Value> = pairs
            .iter()
            .filter_map(|p| {
                Some((
                    p.get("status")?.as_str()?.to_owned(),
                    p.get("count")?.clone(),
                ))
            })
            .collect();
        *counts = Value::Object(map);
    }
    if let Some(Value::Array(children)) = node.get_mut("children") {
        children.iter_mut().for_each(fix_node);
    }
}

fn event_arg(e: &NewTaskEvent) -> Result<Value> {
    let metadata = serde_json::to_string(&e.metadata)
        .map_err(|err| StoreError::Backend(format!("cannot encode task metadata: {err}")))?;
    let mut arg = json!({
        "team_id": e.team_id, "task_id": e.task_id, "subject": e.subject,
        "description": e.description, "status": e.status, "owner": e.owner,
        "blocked_by": e.blocked_by, "metadata": metadata,
        "recorded_at": e.recorded_at, "sequence": e.sequence,
    });
    // Optional in the Convex validator: sent only when there is one.
    if let (Some(active_form), Some(object)) = (&e.active_form, arg.as_object_mut()) {
        object.insert("active_form".into(), json!(active_form));
    }
    Ok(arg)
}

fn registration_arg(reg: &TeamRegistration) -> Value {
    json!({
        "team_name": reg.team_name, "orchestration_id": reg.orchestration_id,
        "parent_team_id": reg.parent_team_id, "phase_number": reg.phase_number,
        "lead_session_id": reg.lead_session_id,
    })
}

#[derive(serde::Deserialize)]
struct Created {
    orchestration: Orchestration,
    team: Team,
}

impl Store for ConvexStore {
    fn describe(&self) -> String {
        self.transport.describe()
    }

    fn create_orchestration(&self, new: &NewOrchestration) -> Result<(Orchestration, Team)> {
        new.validate()?;
        let created: Created = self.mutation(
            functions::CREATE_ORCHESTRATION,
            json!({
                "feature_name": new.feature_name, "design_doc": new.design_doc,
                "branch": new.branch, "worktree_path": new.worktree_path,
                "total_phases": new.total_phases,
                "orchestrator_team_name": new.orchestrator_team_name,
                "lead_session_id": new.lead_session_id, "replace": new.replace,
            }),
        )?;
        Ok((created.orchestration, created.team))
    }

    fn get_orchestration(&self, id: &OrchestrationId) -> Result<Orchestration> {
        self.query::<Option<Orchestration>>(functions::GET_ORCHESTRATION, json!({ "id": id }))?
            .ok_or_else(|| {
                StoreError::orchestration_not_found(format!(
                    "id {}",
                    crate::model::input::quote(id.as_str())
                ))
            })
    }

    fn get_orchestration_by_feature(&self, feature: &str) -> Result<Orchestration> {
        self.query::<Option<Orchestration>>(
            functions::GET_ORCHESTRATION_BY_FEATURE,
            json!({ "feature_name": feature }),
        )?
        .ok_or_else(|| {
            StoreError::orchestration_not_found(format!(
                "feature {}",
                crate::model::input::quote(feature)
            ))
        })
    }

    fn list_orchestrations(&self) -> Result<Vec<Orchestration>> {
        self.query(functions::LIST_ORCHESTRATIONS, json!({}))
    }

    fn delete_orchestration(&self, id: &OrchestrationId) -> Result<()> {
        self.call(
            FunctionKind::Mutation,
            functions::DELETE_ORCHESTRATION,
            json!({ "id": id }),
        )
        .map(drop)
    }

    fn apply_phase_transition(&self, t: &PhaseTransition) -> Result<TransitionOutcome> {
        t.validate()?;
        let register_team = t
            .register_team
            .as_ref()
            .map(|reg| self.resolve_registration(reg))
            .transpose()?;
        self.mutation(
            functions::APPLY_PHASE_TRANSITION,
            json!({
                "orchestration_id": t.orchestration_id, "phase_number": t.phase_number,
                "expected": t.expected, "status": t.status, "plan_path": t.plan_path,
                "blocked_reason": t.blocked_reason,
                "orchestration_status": t.orchestration_status,
                "register_team": register_team.as_ref().map(registration_arg),
            }),
        )
    }

    fn list_phases(&self, orchestration: &OrchestrationId) -> Result<Vec<Phase>> {
        self.query(
            functions::LIST_PHASES,
            json!({ "orchestration_id": orchestration }),
        )
    }

    fn register_team(&self, reg: &TeamRegistration) -> Result<Team> {
        let reg = self.resolve_registration(reg)?;
        self.mutation(functions::REGISTER_TEAM, registration_arg(&reg))
    }

    fn get_team(&self, id: &TeamId) -> Result<Team> {
        self.query::<Option<Team>>(functions::GET_TEAM, json!({ "id": id }))?
            .ok_or_else(|| {
                StoreError::team_not_found(format!(
                    "id {}",
                    crate::model::input::quote(id.as_str())
                ))
            })
    }

    fn get_team_by_name(&self, team_name: &str) -> Result<Team> {
        self.query::<Option<Team>>(
            functions::GET_TEAM_BY_NAME,
            json!({ "team_name": team_name }),
        )?
        .ok_or_else(|| {
            StoreError::team_not_found(format!("name {}", crate::model::input::quote(team_name)))
        })
    }

    fn list_teams(&self, orchestration: &OrchestrationId) -> Result<Vec<Team>> {
        self.query(
            functions::LIST_TEAMS,
            json!({ "orchestration_id": orchestration }),
        )
    }

    fn list_by_parent(&self, parent: &TeamId) -> Result<Vec<Team>> {
        self.query(
            functions::LIST_BY_PARENT,
            json!({ "parent_team_id": parent }),
        )
    }

    fn list_active_teams(&self) -> Result<Vec<Team>> {
        self.query(functions::LIST_ACTIVE_TEAMS, json!({}))
    }

    fn find_team_by_lead_session(&self, session_id: &str) -> Result<Option<Team>> {
        self.query(
            functions::FIND_TEAM_BY_LEAD_SESSION,
            json!({ "session_id": session_id }),
        )
    }

    fn find_team_by_claude_dir(&self, folder: &str) -> Result<Option<Team>> {
        self.query(
            functions::FIND_TEAM_BY_CLAUDE_DIR,
            json!({ "folder": folder }),
        )
    }

    fn link_claude_team_dir(&self, team: &TeamId, folder: &str) -> Result<Team> {
        self.mutation(
            functions::LINK_CLAUDE_TEAM_DIR,
            json!({ "team_id": team, "folder": folder }),
        )
    }

    fn record_team_activity(&self, activity: &NewTeamActivity) -> Result<bool> {
        self.mutation(functions::RECORD_TEAM_ACTIVITY, json!(activity))
    }

    fn list_team_activity(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamActivity>> {
        self.query(
            functions::LIST_TEAM_ACTIVITY,
            json!({ "orchestration_id": orchestration }),
        )
    }

    fn upsert_team_member(&self, member: &TeamMember) -> Result<TeamMember> {
        self.mutation(functions::UPSERT_TEAM_MEMBER, json!(member))
    }

    fn list_team_members(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamMember>> {
        self.query(
            functions::LIST_TEAM_MEMBERS,
            json!({ "orchestration_id": orchestration }),
        )
    }

    fn record_task_events(&self, events: &[NewTaskEvent]) -> Result<RecordSummary> {
        if events.is_empty() {
            return Ok(RecordSummary::default());
        }
        // One mutation per chunk keeps each transaction inside Convex's per-mutation
        // write limits; a batch is therefore atomic per chunk, not as a whole (each
        // event is idempotent, so replaying a partly recorded batch is safe).
        let mut total = RecordSummary::default();
        for chunk in events.chunks(EVENTS_PER_MUTATION) {
            let args = chunk.iter().map(event_arg).collect::<Result<Vec<_>>>()?;
            let s: RecordSummary =
                self.mutation(functions::RECORD_TASK_EVENTS, json!({ "events": args }))?;
            total.inserted += s.inserted;
            total.duplicates += s.duplicates;
            total.current_updated += s.current_updated;
        }
        Ok(total)
    }

    fn list_task_events(&self, orchestration: &OrchestrationId) -> Result<Vec<TaskEvent>> {
        let mut events = self.call(
            FunctionKind::Query,
            functions::LIST_TASK_EVENTS,
            json!({ "orchestration_id": orchestration }),
        )?;
        parse_metadata_all(&mut events)?;
        decode(functions::LIST_TASK_EVENTS, events)
    }

    fn get_current_tasks(&self, orchestration: &OrchestrationId) -> Result<Vec<CurrentTask>> {
        let mut tasks = self.call(
            FunctionKind::Query,
            functions::GET_CURRENT_TASKS,
            json!({ "orchestration_id": orchestration }),
        )?;
        parse_metadata_all(&mut tasks)?;
        decode(functions::GET_CURRENT_TASKS, tasks)
    }

    /// One query, so the detail is one consistent snapshot.
    fn get_orchestration_detail(&self, id: &OrchestrationId) -> Result<OrchestrationDetail> {
        let mut detail = self.call(
            FunctionKind::Query,
            functions::GET_ORCHESTRATION_DETAIL,
            json!({ "id": id }),
        )?;
        if let Some(tasks) = detail.get_mut("orchestrator_tasks") {
            parse_metadata_all(tasks)?;
        }
        if let Some(Value::Object(groups)) = detail.get_mut("phase_tasks") {
            groups.values_mut().try_for_each(parse_metadata_all)?;
        }
        decode(functions::GET_ORCHESTRATION_DETAIL, detail)
    }

    fn get_team_hierarchy(&self, id: &OrchestrationId) -> Result<TeamHierarchy> {
        let mut hierarchy = self.call(
            FunctionKind::Query,
            functions::GET_TEAM_HIERARCHY,
            json!({ "orchestration_id": id }),
        )?;
        if let Some(Value::Array(teams)) = hierarchy.get_mut("teams") {
            teams.iter_mut().for_each(fix_node);
        }
        decode(functions::GET_TEAM_HIERARCHY, hierarchy)
    }

    fn revision(&self) -> Result<i64> {
        self.query(functions::REVISION, json!({}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A transport that never answers, like a deployment that accepted the connection
    /// and went silent.
    struct Silent;

    impl ConvexTransport for Silent {
        fn describe(&self) -> String {
            "convex:silent".into()
        }
        fn call<'a>(&'a self, _: FunctionKind, _: &'a str, _: Value) -> CallFuture<'a> {
            Box::pin(std::future::pending())
        }
    }

    /// A transport that fails every call with one fixed error.
    struct Failing(CallError);

    impl ConvexTransport for Failing {
        fn describe(&self) -> String {
            "convex:failing".into()
        }
        fn call<'a>(&'a self, _: FunctionKind, _: &'a str, _: Value) -> CallFuture<'a> {
            let e = self.0.clone();
            Box::pin(async move { Err(e) })
        }
    }

    fn failing(data: Value) -> ConvexStore {
        let message = data["message"].as_str().unwrap_or("").to_owned();
        ConvexStore::with_transport(
            Box::new(Failing(CallError::Application { message, data })),
            Duration::from_secs(5),
        )
        .unwrap()
    }

    #[test]
    fn a_silent_deployment_times_out_as_unavailable() {
        let store =
            ConvexStore::with_transport(Box::new(Silent), Duration::from_millis(200)).unwrap();
        let started = std::time::Instant::now();
        let err = store.revision().unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
        assert!(err.to_string().contains("admin:revision"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn an_unreachable_deployment_is_unavailable_not_a_hang() {
        // Nothing listens on a port we just bound and released.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let started = std::time::Instant::now();
        let result = ConvexStore::connect_with_timeout(
            &format!("http://127.0.0.1:{port}"),
            Duration::from_millis(500),
        )
        .and_then(|store| store.list_orchestrations());
        let err = result.unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn convex_error_codes_become_the_sqlite_error_kinds() {
        let err =
            failing(json!({"code": "not_found", "message": "m", "kind": "team", "key": "id x"}))
                .get_team(&TeamId::from("x"))
                .unwrap_err();
        assert!(
            err.is_not_found() && err.to_string().contains("team not found: id x"),
            "{err}"
        );
        let err = failing(
            json!({"code": "feature_in_use", "message": "m", "feature": "f", "id": "o1",
            "status": "executing"}),
        )
        .list_orchestrations()
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::FeatureInUse {
                    status: OrchestrationStatus::Executing,
                    ..
                }
            ),
            "{err}"
        );
        let err = failing(
            json!({"code": "team_owned_by_other", "message": "m", "team_name": "t",
            "owner": "a", "requested": "b"}),
        )
        .list_orchestrations()
        .unwrap_err();
        assert!(matches!(err, StoreError::TeamOwnedByOther { .. }), "{err}");
        let err = failing(
            json!({"code": "invalid", "message": "m", "what": "parent team", "reason": "r"}),
        )
        .list_orchestrations()
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Invalid {
                    what: "parent team",
                    ..
                }
            ),
            "{err}"
        );
        let err = failing(json!({"code": "conflict", "message": "phase 1 is executing"}))
            .list_orchestrations()
            .unwrap_err();
        assert_eq!(err.to_string(), "conflict: phase 1 is executing");
        let err = failing(
            json!({"code": "conflicting_event", "message": "m", "team_id": "t",
            "task_id": "1", "recorded_at": 5, "sequence": 2}),
        )
        .list_orchestrations()
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::ConflictingEvent {
                    recorded_at: 5,
                    sequence: 2,
                    ..
                }
            ),
            "{err}"
        );
        // Unknown codes and malformed payloads stay visible as backend errors.
        let err = failing(json!({"code": "feature_in_use", "message": "odd"}))
            .list_orchestrations()
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Backend(_)) && err.to_string().contains("odd"),
            "{err}"
        );
    }

    #[test]
    fn function_and_transport_failures_map_to_backend_and_unavailable() {
        let store = ConvexStore::with_transport(
            Box::new(Failing(CallError::Function("Validator error".into()))),
            Duration::from_secs(5),
        )
        .unwrap();
        assert!(matches!(
            store.revision().unwrap_err(),
            StoreError::Backend(_)
        ));
        let store = ConvexStore::with_transport(
            Box::new(Failing(CallError::Transport("connection refused".into()))),
            Duration::from_secs(5),
        )
        .unwrap();
        assert!(matches!(
            store.revision().unwrap_err(),
            StoreError::Unavailable(_)
        ));
    }

    #[test]
    fn integers_travel_as_int64_and_back() {
        let v = json!({"n": 7, "big": i64::MAX, "f": 1.5, "s": "x", "a": [1, null, true]});
        let encoded = encode_args(v.clone()).unwrap();
        assert!(matches!(encoded["n"], convex::Value::Int64(7)));
        assert!(matches!(encoded["big"], convex::Value::Int64(i64::MAX)));
        assert!(matches!(encoded["f"], convex::Value::Float64(_)));
        let back = from_convex(convex::Value::Object(encoded));
        assert_eq!(back, v);
        assert!(to_convex(json!(u64::MAX)).is_err());
        assert!(encode_args(json!([1])).is_err());
    }

    #[test]
    fn wire_shapes_are_restored() {
        let mut task = json!({"metadata": "{\"$odd key\": [1]}"});
        parse_metadata(&mut task).unwrap();
        assert_eq!(task, json!({"metadata": {"$odd key": [1]}}));
        let mut node = json!({"task_counts": [{"status": "_x", "count": 2}],
            "children": [{"task_counts": [], "children": []}]});
        fix_node(&mut node);
        assert_eq!(node["task_counts"], json!({"_x": 2}));
        assert_eq!(node["children"][0]["task_counts"], json!({}));
    }
}
