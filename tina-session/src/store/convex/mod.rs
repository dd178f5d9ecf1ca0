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
//! Every call carries the deployment key ([`DeploymentKey`], `TINA_CONVEX_KEY`) as its
//! `key` argument; the functions refuse a missing or wrong key with `code: "unauthorized"`,
//! which becomes [`StoreError::Unauthorized`].
//!
//! Reads that grow with an orchestration (current tasks, history) go page by page
//! (`getCurrentTasksPage`, `listTaskEventsPage`), looped here until the last page, so no
//! single call meets Convex's per-function limits; writes are sized to stay inside one
//! transaction's limits (see `convex/README.md`, "Limits designed for"). The detail and
//! hierarchy views are composed from those reads (`store::compose`).
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
//!
//! Files: this one (the store, its constants and the deployment key), [`transport`] (the
//! client seam and Convex value conversion), `errors.rs` (ConvexError payloads back to
//! `StoreError`), `wire.rs` (argument and result shapes).

mod errors;
#[cfg(test)]
mod tests;
pub mod transport;
mod wire;

pub use transport::{
    CallError, CallFuture, ClientTransport, ConvexTransport, FunctionKind, encode_args,
    from_convex, to_convex,
};

use std::collections::BTreeMap;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use errors::call_error;
mod attention;
pub use attention::functions as spend_functions;

use wire::{chunks_within_limits, decode, event_arg, parse_metadata_all, registration_arg};

use super::{Result, Store, StoreError};
use crate::model::*;

/// The Convex functions the store calls, in one place (`module:function`).
pub mod functions {
    pub const CREATE_ORCHESTRATION: &str = "orchestrations:create";
    pub const GET_ORCHESTRATION: &str = "orchestrations:get";
    pub const GET_ORCHESTRATION_BY_FEATURE: &str = "orchestrations:getByFeature";
    pub const LIST_ORCHESTRATIONS: &str = "orchestrations:list";
    pub const DELETE_ORCHESTRATION: &str = "orchestrations:remove";
    pub const APPLY_PHASE_TRANSITION: &str = "phases:applyTransition";
    pub const LIST_PHASES: &str = "phases:list";
    pub const LIST_PHASE_HISTORY: &str = "phases:listHistory";
    pub const REGISTER_TEAM: &str = "teams:registerTeam";
    pub const GET_TEAM: &str = "teams:get";
    pub const GET_TEAM_BY_NAME: &str = "teams:getByName";
    pub const LIST_TEAMS: &str = "teams:list";
    pub const LIST_BY_PARENT: &str = "teams:listByParent";
    pub const LIST_ACTIVE_TEAMS: &str = "teams:listActiveTeams";
    pub const UPSERT_TEAM_MEMBER: &str = "teamMembers:upsert";
    pub const LIST_TEAM_MEMBERS: &str = "teamMembers:list";
    pub const RECORD_TASK_EVENTS: &str = "tasks:recordTaskEvents";
    pub const LIST_TASK_EVENTS_PAGE: &str = "tasks:listTaskEventsPage";
    pub const GET_CURRENT_TASKS_PAGE: &str = "tasks:getCurrentTasksPage";
    pub const TASK_COUNTS_BY_ORCHESTRATION: &str = "tasks:taskCountsByOrchestration";
    pub const FIND_TEAM_BY_LEAD_SESSION: &str = "teams:findByLeadSession";
    pub const FIND_TEAM_BY_CLAUDE_DIR: &str = "teams:findByClaudeTeamDir";
    pub const LINK_CLAUDE_TEAM_DIR: &str = "teams:linkClaudeTeamDir";
    pub const RECORD_TEAM_ACTIVITY: &str = "activity:record";
    pub const LIST_TEAM_ACTIVITY: &str = "activity:list";
    pub const LAST_TASK_ACTIVITY: &str = "tasks:lastTaskActivityByOrchestration";
    pub const REVISION: &str = "admin:revision";
    pub const ORCHESTRATION_REVISION: &str = "admin:orchestrationRevision";
    /// Test support only: wipes the deployment, and refuses unless the deployment has
    /// `TINA_ALLOW_TEST_RESET=1` set.
    pub const RESET_FOR_TESTS: &str = "admin:resetForTests";
}

/// How long one call (or the initial connect) may take before the store gives up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// Most events one `recordTaskEvents` call carries (the function refuses more than 256):
/// with every event at the input limits (about 84 KB), one call still reads and writes
/// well under Convex's per-transaction limits (`convex/README.md`).
pub const EVENTS_PER_MUTATION: usize = 64;

/// Most bytes of encoded events one `recordTaskEvents` call carries.
pub const BYTES_PER_MUTATION: usize = 2 * 1024 * 1024;

/// Items asked for per page of a paged read (the functions allow 1..=1000; a page may
/// come back shorter when it reaches its byte budget).
pub const PAGE_SIZE: i64 = 1_000;

/// The deployment key every call presents; the deployment compares it with its own
/// `TINA_CONVEX_KEY` environment variable. It is never printed: `Debug` shows
/// `DeploymentKey(<redacted>)`, and there is no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct DeploymentKey(String);

impl DeploymentKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// The key itself, to send to the deployment or hand to a child TINA process.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DeploymentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeploymentKey(<redacted>)")
    }
}

/// How long `connect` waits for the deployment's first answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// The `Store` over a Convex deployment.
pub struct ConvexStore {
    // `Option` so `Drop` can shut the runtime down without blocking (a store dropped
    // inside async code must not block that thread).
    runtime: Option<tokio::runtime::Runtime>,
    transport: Box<dyn ConvexTransport>,
    key: DeploymentKey,
    timeout: Duration,
}

fn new_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("tina-convex")
        .enable_all()
        .build()
        .map_err(|e| StoreError::backend_from("cannot start the Convex client runtime", e))
}

impl ConvexStore {
    /// Connects to the deployment at `url` with the real client and [`DEFAULT_TIMEOUT`].
    pub fn connect(url: &str, key: &DeploymentKey) -> Result<Self> {
        Self::connect_with_timeout(url, key, DEFAULT_TIMEOUT)
    }

    /// Connects with a custom per-call timeout.
    pub fn connect_with_timeout(url: &str, key: &DeploymentKey, timeout: Duration) -> Result<Self> {
        let runtime = new_runtime()?;
        let transport = runtime
            .block_on(async { tokio::time::timeout(timeout, ClientTransport::connect(url)).await })
            .map_err(|_| {
                StoreError::unavailable(format!(
                    "no connection to the Convex deployment {url} within {timeout:?}; \
                     check TINA_CONVEX_URL and that the deployment is up"
                ))
            })?
            .map_err(|e| call_error(url, "connect", e))?;
        let mut store = Self {
            runtime: Some(runtime),
            transport: Box::new(transport),
            key: key.clone(),
            timeout: timeout.min(PROBE_TIMEOUT),
        };
        // The client "connects" even with nothing listening; one cheap read proves the
        // deployment answers (and takes the key), so a wrong URL or key fails at start-up
        // with a clear message instead of every later call failing.
        store.revision().map_err(|e| match e {
            StoreError::Unavailable { source, .. } => StoreError::Unavailable {
                message: format!(
                    "the Convex deployment {url} did not answer within {:?}; check \
                 TINA_CONVEX_URL (or --convex-url) and that the deployment is up, or unset it \
                 to use the local SQLite store",
                    store.timeout
                ),
                source,
            },
            other => other,
        })?;
        store.timeout = timeout;
        Ok(store)
    }

    /// A store over any transport (tests use a double serving the real functions).
    pub fn with_transport(
        transport: Box<dyn ConvexTransport>,
        key: &DeploymentKey,
        timeout: Duration,
    ) -> Result<Self> {
        Ok(Self {
            runtime: Some(new_runtime()?),
            transport,
            key: key.clone(),
            timeout,
        })
    }

    /// Calls one function with the deployment key under the timeout; the outer error is
    /// the timeout (or a shut-down store), the inner one what the deployment answered.
    fn call_raw(
        &self,
        kind: FunctionKind,
        name: &str,
        mut args: Value,
    ) -> Result<std::result::Result<Value, CallError>> {
        let runtime = self
            .runtime
            .as_ref()
            .ok_or_else(|| StoreError::backend("the Convex store is shut down"))?;
        if let Value::Object(map) = &mut args {
            map.insert("key".into(), Value::String(self.key.expose().to_owned()));
        }
        let timeout = self.timeout;
        runtime
            .block_on(async {
                tokio::time::timeout(timeout, self.transport.call(kind, name, args)).await
            })
            .map_err(|_| {
                StoreError::unavailable(format!(
                    "{} did not answer {name} within {timeout:?}; check TINA_CONVEX_URL and \
                     that the deployment is up",
                    self.transport.describe()
                ))
            })
    }

    /// Calls one function and maps failures to `StoreError`.
    fn call(&self, kind: FunctionKind, name: &str, args: Value) -> Result<Value> {
        self.call_raw(kind, name, args)?
            .map_err(|e| call_error(&self.transport.describe(), name, e))
    }

    /// Every item of a paged read of one orchestration, page after page.
    fn paged(&self, name: &str, orchestration: &OrchestrationId) -> Result<Vec<Value>> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Page {
            page: Vec<Value>,
            is_done: bool,
            continue_cursor: String,
        }
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let answer = self.call(
                FunctionKind::Query,
                name,
                json!({ "orchestration_id": orchestration, "cursor": cursor, "page_size": PAGE_SIZE }),
            )?;
            let page: Page = decode(name, answer)?;
            items.extend(page.page);
            if page.is_done {
                return Ok(items);
            }
            if cursor.as_deref() == Some(page.continue_cursor.as_str()) {
                return Err(StoreError::backend(format!(
                    "Convex function {name} returned the same cursor twice; stopping the read"
                )));
            }
            cursor = Some(page.continue_cursor);
        }
    }

    fn query<T: DeserializeOwned>(&self, name: &str, args: Value) -> Result<T> {
        decode(name, self.call(FunctionKind::Query, name, args)?)
    }

    fn mutation<T: DeserializeOwned>(&self, name: &str, args: Value) -> Result<T> {
        decode(name, self.call(FunctionKind::Mutation, name, args)?)
    }

    /// Applies the input and hierarchy rules ([`crate::model::rules`]) before sending a
    /// registration, from reads of the orchestration and the team, so a refusal is the
    /// exact `StoreError` SQLite gives without a round trip to the deployment for the
    /// write. The deployment checks the same rules again inside its transaction (they
    /// cannot be raced there) and answers `input` / `team_rule` errors rebuilt the same way.
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

    /// Wipes the deployment (a few thousand documents per call, until empty). Test
    /// support: the deployment refuses unless its environment has
    /// `TINA_ALLOW_TEST_RESET=1`.
    pub fn reset_for_tests(&self) -> Result<()> {
        while !self.mutation::<bool>(functions::RESET_FOR_TESTS, json!({}))? {}
        Ok(())
    }
}

impl Drop for ConvexStore {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
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

    /// One transaction, except when the orchestration it replaces is too large to remove
    /// inside it: then that one is removed first (in steps, as `delete_orchestration`),
    /// and the create is sent again.
    fn create_orchestration(&self, new: &NewOrchestration) -> Result<(Orchestration, Team)> {
        new.validate()?;
        let name = functions::CREATE_ORCHESTRATION;
        let args = json!({
            "feature_name": new.feature_name, "design_doc": new.design_doc,
            "branch": new.branch, "worktree_path": new.worktree_path,
            "total_phases": new.total_phases,
            "orchestrator_team_name": new.orchestrator_team_name,
            "lead_session_id": new.lead_session_id, "replace": new.replace,
        });
        let answer = match self.call_raw(FunctionKind::Mutation, name, args.clone())? {
            Err(CallError::Application { data, .. })
                if data.get("code").and_then(Value::as_str) == Some("too_large_to_replace") =>
            {
                let id = data.get("id").and_then(Value::as_str).ok_or_else(|| {
                    StoreError::backend(format!("{name}: too_large_to_replace without an id"))
                })?;
                self.delete_orchestration(&OrchestrationId(id.to_owned()))?;
                self.call(FunctionKind::Mutation, name, args)?
            }
            other => other.map_err(|e| call_error(&self.transport.describe(), name, e))?,
        };
        let created: Created = decode(name, answer)?;
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

    /// Removes in steps of a few thousand documents (one transaction each), history
    /// first and the orchestration record last, until it is gone. Interrupted, it leaves
    /// the orchestration in place with part of its history; calling again finishes it.
    fn delete_orchestration(&self, id: &OrchestrationId) -> Result<()> {
        while !self.mutation::<bool>(functions::DELETE_ORCHESTRATION, json!({ "id": id }))? {}
        Ok(())
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

    /// Kept by `applyTransition` with every status or block-reason change.
    fn list_phase_history(&self, orchestration: &OrchestrationId) -> Result<Vec<PhaseChange>> {
        self.query(
            functions::LIST_PHASE_HISTORY,
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

    fn upsert_team_member(&self, member: &TeamMember) -> Result<TeamMember> {
        self.mutation(functions::UPSERT_TEAM_MEMBER, json!(member))
    }

    fn list_team_members(&self, orchestration: &OrchestrationId) -> Result<Vec<TeamMember>> {
        self.query(
            functions::LIST_TEAM_MEMBERS,
            json!({ "orchestration_id": orchestration }),
        )
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

    fn claim_attention_delivery(&self, id: &str, at: Millis) -> Result<bool> {
        self.claim_attention_delivery_impl(id, at)
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

    fn record_task_events(&self, events: &[NewTaskEvent]) -> Result<RecordSummary> {
        if events.is_empty() {
            return Ok(RecordSummary::default());
        }
        // One mutation per chunk keeps each transaction inside Convex's per-mutation
        // limits; a batch is therefore atomic per chunk, not as a whole (each event is
        // idempotent, so replaying a partly recorded batch is safe).
        let mut total = RecordSummary::default();
        let args = events
            .iter()
            .map(|e| event_arg(&e.bounded()))
            .collect::<Result<Vec<_>>>()?;
        for chunk in chunks_within_limits(args) {
            let s: RecordSummary =
                self.mutation(functions::RECORD_TASK_EVENTS, json!({ "events": chunk }))?;
            total.inserted += s.inserted;
            total.duplicates += s.duplicates;
            total.current_updated += s.current_updated;
        }
        Ok(total)
    }

    /// Page by page: each page is one consistent read, the pages together are not one
    /// snapshot (an event recorded during the read may or may not be in it).
    fn list_task_events(&self, orchestration: &OrchestrationId) -> Result<Vec<TaskEvent>> {
        let name = functions::LIST_TASK_EVENTS_PAGE;
        let mut events = Value::Array(self.paged(name, orchestration)?);
        parse_metadata_all(&mut events)?;
        decode(name, events)
    }

    /// Page by page, then sorted into the canonical order. A task appears once however
    /// the read interleaves with writes (its row is updated in place).
    fn get_current_tasks(&self, orchestration: &OrchestrationId) -> Result<Vec<CurrentTask>> {
        let name = functions::GET_CURRENT_TASKS_PAGE;
        let mut tasks = Value::Array(self.paged(name, orchestration)?);
        parse_metadata_all(&mut tasks)?;
        let mut tasks: Vec<CurrentTask> = decode(name, tasks)?;
        super::sort_current_tasks(&mut tasks);
        Ok(tasks)
    }

    /// From the per-status counts the functions keep with every write: a few small
    /// documents per orchestration, not every task.
    fn task_counts_by_orchestration(
        &self,
    ) -> Result<std::collections::HashMap<OrchestrationId, BTreeMap<String, u32>>> {
        #[derive(serde::Deserialize)]
        struct Count {
            status: String,
            count: u32,
        }
        #[derive(serde::Deserialize)]
        struct Counts {
            orchestration_id: OrchestrationId,
            counts: Vec<Count>,
        }
        let all: Vec<Counts> = self.query(functions::TASK_COUNTS_BY_ORCHESTRATION, json!({}))?;
        Ok(all
            .into_iter()
            .map(|o| {
                let counts = o.counts.into_iter().map(|c| (c.status, c.count)).collect();
                (o.orchestration_id, counts)
            })
            .collect())
    }

    /// Kept with every write on the orchestration's revision document: one read.
    fn last_task_activity_by_orchestration(
        &self,
    ) -> Result<std::collections::HashMap<OrchestrationId, Millis>> {
        #[derive(serde::Deserialize)]
        struct Activity {
            orchestration_id: OrchestrationId,
            at: Millis,
        }
        let all: Vec<Activity> = self.query(functions::LAST_TASK_ACTIVITY, json!({}))?;
        Ok(all
            .into_iter()
            .map(|a| (a.orchestration_id, a.at))
            .collect())
    }

    // get_orchestration_detail and get_team_hierarchy: the trait's compositions of the
    // paged reads above (the one-query functions stop at Convex's per-function limits).

    fn revision(&self) -> Result<i64> {
        self.query(functions::REVISION, json!({}))
    }

    /// The orchestration's own revision document: writes elsewhere never touch it.
    fn orchestration_revision(&self, id: &OrchestrationId) -> Result<i64> {
        self.query(
            functions::ORCHESTRATION_REVISION,
            json!({ "orchestration_id": id }),
        )
    }
}
