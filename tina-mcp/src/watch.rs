//! `watch_orchestration`: what a watcher agent needs in one call.
//!
//! A watch compares a [`Snapshot`] of the store with what the caller has already been
//! told ([`Seen`]: which teams, phase statuses and task counts were reported; which
//! anomalies are raised), so a milestone is reported only when the state differs:
//! calling again with the returned cursor never repeats one. Intermediate changes that
//! happen within one poll are coalesced into their latest state.
//!
//! The cursor is short (at most 22 characters, see [`Cursors`]): a digest naming the
//! `Seen` kept by this server, and the time it was taken. A server that no longer has
//! that `Seen` (restarted, or the entry aged out) rebuilds it from the store as of that
//! time ([`Seen::as_of`]), so a cursor outlives the process that issued it.
//!
//! Anomalies are conditions: each is reported once when it starts to hold, listed under
//! `ongoing` while it still holds, and may be reported again only after it cleared (a new
//! stall after progress resumed is a new anomaly). A source of anomalies is a function
//! of the [`Snapshot`] returning what holds now as keyed [`Holding`]s (see
//! [`daemon_anomalies`]); [`evaluate`] calls each one.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

use rmcp::schemars::{self, JsonSchema};
use serde::{Deserialize, Serialize};
use tina_session::lifecycle::resolve_orchestration;
use tina_session::model::{
    CurrentTask, Millis, Orchestration, Phase, PhaseStatus, TaskStatus, Team, TeamActivity,
};
use tina_session::store::{Store, StoreError};

use crate::error::{ToolError, ToolResult};

mod activity;
mod attention;

/// What the caller has already been told. Kept by [`Cursors`], named by the cursor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Seen {
    /// The orchestration key the cursor belongs to (id or feature name as given).
    pub key: String,
    /// When the watched run started; "no orchestration" counts from here.
    pub since: Millis,
    /// The orchestration id reported as appeared, if any.
    pub orch: Option<String>,
    /// The orchestration status last reported.
    pub status: Option<String>,
    /// Team id -> [completed, total] tasks last reported. Presence = team reported.
    pub teams: BTreeMap<String, [u32; 2]>,
    /// Phase number -> status last reported.
    pub phases: BTreeMap<u32, String>,
    /// Anomaly keys reported and still holding at the last call.
    pub raised: BTreeSet<String>,
    /// Team activity (hooks) already reported.
    #[serde(default)]
    pub activity: activity::ActivitySeen,
}

impl Seen {
    pub fn new(key: &str, since: Millis) -> Self {
        Self {
            key: key.to_owned(),
            since,
            ..Self::default()
        }
    }

    /// What a caller holding a cursor taken at `as_of` had been told, rebuilt from the
    /// store when this server no longer keeps it: every record not changed since then
    /// counts as reported, every anomaly that held then as raised. Changes after
    /// `as_of` are reported (again, if they were reported after all); `since` is the
    /// run start the "no orchestration" anomaly counts from.
    pub fn as_of(key: &str, since: Millis, as_of: Millis, snap: &Snapshot, t: &Thresholds) -> Self {
        let mut seen = Self::new(key, since);
        let Some(orch) = snap
            .orchestration
            .as_ref()
            .filter(|o| o.started_at <= as_of)
        else {
            return seen;
        };
        seen.orch = Some(orch.id.0.clone());
        if orch.updated_at <= as_of {
            seen.status = Some(orch.status.as_str().to_owned());
        }
        for phase in snap.phases.iter().filter(|p| p.updated_at <= as_of) {
            seen.phases
                .insert(phase.phase_number, phase.status.as_str().to_owned());
        }
        for team in snap.teams.iter().filter(|t| t.created_at <= as_of) {
            let tasks = || snap.tasks.iter().filter(|k| k.team_id == team.id);
            let counts = if tasks().any(|k| k.recorded_at > as_of) {
                [u32::MAX; 2] // changed since: report its progress
            } else {
                let done = tasks()
                    .filter(|k| k.status == TaskStatus::Completed)
                    .count() as u32;
                [done, tasks().count() as u32]
            };
            seen.teams.insert(team.id.0.clone(), counts);
        }
        // The anomalies that held at `as_of`, judged on today's records. Daemon health
        // then is unknown: a daemon anomaly that still holds is reported once more.
        let then = Snapshot {
            now: as_of,
            daemon: None,
            ..snap.clone()
        };
        seen.raised = evaluate(&seen, &then, t).next.raised;
        seen
    }

    /// A digest of this state: equal states get the same cursor.
    fn digest(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish() & DIGEST_MASK
    }
}

/// 48 bits: 10 base-36 digits.
const DIGEST_MASK: u64 = (1 << 48) - 1;

/// How many reported states a server keeps for cursors (oldest dropped first).
const KEPT_CURSORS: usize = 4096;

fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Two base-36 digits of a checksum of `body`.
fn check_digits(body: &str) -> String {
    let sum = body
        .bytes()
        .fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % (36 * 36);
    let digits = base36(u64::from(sum));
    format!("{digits:0>2}")
}

/// What a cursor names.
#[derive(Debug, Clone, PartialEq)]
pub enum Resumed {
    /// The state this server kept for the cursor.
    Known(Seen),
    /// This server does not have it (restarted, or aged out): rebuild it with
    /// [`Seen::as_of`] from the time the cursor was taken.
    AsOf(Millis),
}

/// The states behind the cursors this server handed out, most recent
/// [`KEPT_CURSORS`]. A cursor is `<digest>.<time><check>`, base 36: the digest of the
/// [`Seen`] state, the time (ms) of the snapshot it was taken from, two check digits;
/// at most 10 + 1 + 9 + 2 = 22 characters.
#[derive(Debug, Default)]
pub struct Cursors {
    inner: Mutex<(HashMap<u64, Seen>, VecDeque<u64>)>,
}

impl Cursors {
    /// Keeps `seen` and returns its cursor.
    pub fn issue(&self, seen: Seen, at: Millis) -> String {
        let digest = seen.digest();
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (map, order) = &mut *guard;
        if map.insert(digest, seen).is_none() {
            order.push_back(digest);
            while order.len() > KEPT_CURSORS {
                if let Some(old) = order.pop_front() {
                    map.remove(&old);
                }
            }
        }
        let body = format!("{}.{}", base36(digest), base36(at.max(0) as u64));
        let check = check_digits(&body);
        format!("{body}{check}")
    }

    /// The state behind `cursor`, checked to belong to a watch of `key`.
    pub fn resume(&self, cursor: &str, key: &str) -> ToolResult<Resumed> {
        let bad = || {
            ToolError::Invalid(format!(
                "invalid cursor {}: pass the `cursor` of the previous watch_orchestration \
                 reply unchanged, or omit it to start over",
                tina_session::model::input::quote(cursor)
            ))
        };
        // Two check digits catch a cursor that was cut, edited or made up.
        let split = cursor
            .len()
            .checked_sub(2)
            .filter(|&i| cursor.is_char_boundary(i));
        let (body, check) = split.map(|i| cursor.split_at(i)).ok_or_else(bad)?;
        if check != check_digits(body) {
            return Err(bad());
        }
        let (digest, at) = body.split_once('.').ok_or_else(bad)?;
        let parse = |s: &str| {
            (!s.is_empty()
                && s.len() <= 13
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()))
            .then(|| u64::from_str_radix(s, 36).ok())
            .flatten()
            .ok_or_else(bad)
        };
        let (digest, at) = (parse(digest)?, parse(at)?);
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        match guard.0.get(&digest) {
            Some(seen) if seen.key != key => Err(ToolError::Invalid(format!(
                "this cursor belongs to a watch of {}, not {}; omit the cursor to start \
                 watching {}",
                tina_session::model::input::quote(&seen.key),
                tina_session::model::input::quote(key),
                tina_session::model::input::quote(key)
            ))),
            Some(seen) => Ok(Resumed::Known(seen.clone())),
            None => Ok(Resumed::AsOf(i64::try_from(at).map_err(|_| bad())?)),
        }
    }
}

/// The daemon's health as the watch sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DaemonHealth {
    /// Running, last heartbeat this many milliseconds ago.
    Heartbeat { age_ms: i64 },
    /// No daemon process is running.
    NotRunning,
    /// Not checked: the store is remote (Convex), fed by daemons on the machines where
    /// the agents run, so the local daemon says nothing about it.
    RemoteStore,
    /// Running, but it cannot record what it reads (disk full, store corrupt, ...).
    Unhealthy {
        problem: tina_session::daemon::ProblemKind,
    },
}

/// The store's state of one orchestration at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub now: Millis,
    pub orchestration: Option<Orchestration>,
    pub phases: Vec<Phase>,
    pub teams: Vec<Team>,
    pub tasks: Vec<CurrentTask>,
    /// Team activity from hooks, oldest first.
    pub activity: Vec<TeamActivity>,
    /// `None`: daemon health unknown (not checked).
    pub daemon: Option<DaemonHealth>,
    /// Open attention events (waiting, stalls, budget), recorded by the daemon.
    pub attention: Vec<tina_session::model::AttentionEvent>,
}

impl Snapshot {
    /// Reads the orchestration (by id or exact feature name) and everything a watch
    /// looks at. A missing orchestration is a normal state here, not an error; a store
    /// that cannot answer is an error, never "missing": that would report the
    /// orchestration removed and reset the cursor, repeating every milestone after.
    pub fn read(store: &dyn Store, key: &str, now: Millis) -> ToolResult<Self> {
        let read = || -> Result<_, StoreError> {
            // `resolve_orchestration` passes a failed lookup through as it is; only a
            // record the store says is missing becomes `None`.
            let orchestration = match resolve_orchestration(store, key) {
                Ok(o) => Some(o),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            };
            let (phases, teams, tasks, activity, attention) = match &orchestration {
                Some(o) => (
                    store.list_phases(&o.id)?,
                    store.list_teams(&o.id)?,
                    store.get_current_tasks(&o.id)?,
                    store.list_team_activity(&o.id)?,
                    store.list_attention(&o.id)?,
                ),
                None => Default::default(),
            };
            Ok((orchestration, phases, teams, tasks, activity, attention))
        };
        let (orchestration, phases, teams, tasks, activity, attention) =
            read().map_err(store_failed)?;
        Ok(Self {
            now,
            orchestration,
            phases,
            teams,
            tasks,
            activity,
            daemon: None,
            attention: attention.into_iter().filter(|e| e.is_open()).collect(),
        })
    }
}

/// A store failure during a watch: the call reports nothing, so the caller's cursor is
/// still the right one to retry with.
pub fn store_failed(e: StoreError) -> ToolError {
    if e.is_not_found() {
        return e.into();
    }
    ToolError::Refused(format!(
        "cannot read the store ({e}); nothing was reported and nothing was missed: call \
         watch_orchestration again with the same cursor"
    ))
}

/// Thresholds of the time-based anomalies, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub no_orchestration_ms: i64,
    pub team_without_tasks_ms: i64,
    pub no_progress_ms: i64,
    pub heartbeat_stale_ms: i64,
}

impl Thresholds {
    /// From the tool's minutes/seconds; negative or non-finite values are refused.
    pub fn from_params(p: &crate::params::WatchOrchestrationParams) -> ToolResult<Self> {
        let ms = |name: &str, v: f64, unit_ms: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok((v * unit_ms) as i64)
            } else {
                Err(ToolError::Invalid(format!(
                    "{name} must be a non-negative number, got {v}"
                )))
            }
        };
        Ok(Self {
            no_orchestration_ms: ms("no_orchestration_minutes", p.no_orchestration_minutes, 60e3)?,
            team_without_tasks_ms: ms(
                "team_without_tasks_minutes",
                p.team_without_tasks_minutes,
                60e3,
            )?,
            no_progress_ms: ms("no_progress_minutes", p.no_progress_minutes, 60e3)?,
            heartbeat_stale_ms: ms("heartbeat_stale_seconds", p.heartbeat_stale_seconds, 1e3)?,
        })
    }
}

/// What kind of milestone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneKind {
    OrchestrationAppeared,
    /// The feature was re-initialized: a new orchestration id replaced the watched one.
    OrchestrationReplaced,
    /// The orchestration's records were removed (cleanup).
    OrchestrationRemoved,
    TeamRegistered,
    PhaseStatus,
    TaskProgress,
    OrchestrationStatus,
    /// A lead session started or ended, a teammate went idle, a notification (hooks).
    TeamActivity,
}

/// What kind of anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    NoOrchestration,
    TeamWithoutTasks,
    NoTaskProgress,
    DaemonHeartbeatStale,
    DaemonNotRunning,
    /// The daemon runs but cannot write the store (disk full, corrupt or replaced store).
    DaemonUnhealthy,
    PhaseBlocked,
    /// An agent waits on a person (permission prompt, idle prompt, elicitation).
    WaitingOnPerson,
    /// An executing phase shows no progress, or its lead went idle with pending tasks.
    Stall,
    BudgetWarning,
    /// The phase is blocked and new tasks are refused until the budget is raised.
    BudgetExceeded,
    /// A phase lead's Claude Code session ended while its phase executes.
    LeadSessionEnded,
}

/// One milestone or anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct WatchEvent<K> {
    /// A milestone or anomaly kind (snake_case); the message says the rest.
    #[schemars(with = "String")]
    pub kind: K,
    /// A one-line description, e.g. "phase 1 (auth-phase-1): 3/5 tasks completed".
    pub message: String,
    /// The phase concerned, if any.
    #[serde(rename = "phase", skip_serializing_if = "Option::is_none")]
    pub phase_number: Option<u32>,
    /// The team concerned, if any.
    #[serde(rename = "team", skip_serializing_if = "Option::is_none")]
    pub team_name: Option<String>,
}

impl<K: Serialize> WatchEvent<K> {
    /// "kind" or "kind (team)" / "kind (phase N)": an ongoing anomaly, briefly.
    pub fn label(&self) -> String {
        let kind = serde_json::to_value(&self.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        match (&self.team_name, self.phase_number) {
            (Some(team), _) => format!("{kind} ({team})"),
            (None, Some(n)) => format!("{kind} (phase {n})"),
            (None, None) => kind,
        }
    }
}

pub type Milestone = WatchEvent<MilestoneKind>;
pub type Anomaly = WatchEvent<AnomalyKind>;

fn event<K>(kind: K, message: String, phase: Option<u32>, team: Option<&str>) -> WatchEvent<K> {
    WatchEvent {
        kind,
        message,
        phase_number: phase,
        team_name: team.map(str::to_owned),
    }
}

/// The outcome of comparing a snapshot with a cursor.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub milestones: Vec<Milestone>,
    pub new_anomalies: Vec<Anomaly>,
    pub ongoing_anomalies: Vec<Anomaly>,
    pub next: Seen,
}

impl Evaluation {
    pub fn has_news(&self) -> bool {
        !self.milestones.is_empty() || !self.new_anomalies.is_empty()
    }
}

fn team_label(team: &Team) -> String {
    match team.phase_number {
        Some(n) => format!("phase {n} ({})", team.team_name),
        None => format!("orchestrator ({})", team.team_name),
    }
}

/// Compares `snap` with what `seen` says was reported. Pure: no I/O, no clock.
pub fn evaluate(seen: &Seen, snap: &Snapshot, t: &Thresholds) -> Evaluation {
    let mut next = Seen::new(&seen.key, seen.since);
    let mut milestones = Vec::new();
    let mut holding: Vec<Holding> = Vec::new();

    match &snap.orchestration {
        None => {
            if seen.orch.is_some() {
                milestones.push(event(
                    MilestoneKind::OrchestrationRemoved,
                    format!("orchestration '{}' was removed", seen.key),
                    None,
                    None,
                ));
            }
            let waited = snap.now - seen.since;
            if waited >= t.no_orchestration_ms {
                holding.push((
                    "no_orchestration".into(),
                    event(
                        AnomalyKind::NoOrchestration,
                        format!(
                            "no orchestration '{}' {} after the run started",
                            seen.key,
                            minutes(waited)
                        ),
                        None,
                        None,
                    ),
                ));
            }
        }
        Some(orch) => evaluate_orchestration(
            seen,
            snap,
            orch,
            t,
            &mut next,
            &mut milestones,
            &mut holding,
        ),
    }

    // Anomaly sources beyond the orchestration's own records: each a small function
    // of the snapshot returning the anomalies that hold now, keyed (see `Holding`).
    holding.extend(daemon_anomalies(snap, t));
    holding.extend(daemon_unhealthy(snap));

    holding.extend(attention::holding(&snap.attention));

    let mut new_anomalies = Vec::new();
    let mut ongoing_anomalies = Vec::new();
    for (key, anomaly) in holding {
        if seen.raised.contains(&key) {
            ongoing_anomalies.push(anomaly);
        } else {
            new_anomalies.push(anomaly);
        }
        next.raised.insert(key);
    }
    Evaluation {
        milestones,
        new_anomalies,
        ongoing_anomalies,
        next,
    }
}

/// An anomaly that holds now, under a key that stays the same while it holds (reported
/// once per key, then `ongoing`; a new episode needs a new key, e.g. with a time in it).
pub type Holding = (String, Anomaly);

/// The daemon that feeds the store: not running, or its heartbeat stale. A finished
/// orchestration no longer needs it.
pub fn daemon_anomalies(snap: &Snapshot, t: &Thresholds) -> Vec<Holding> {
    let terminal = snap
        .orchestration
        .as_ref()
        .is_some_and(|o| o.status.is_terminal());
    match snap.daemon.filter(|_| !terminal) {
        Some(DaemonHealth::NotRunning) => vec![(
            "daemon_not_running".into(),
            event(
                AnomalyKind::DaemonNotRunning,
                "the tina daemon is not running: task files are not synced into the store".into(),
                None,
                None,
            ),
        )],
        Some(DaemonHealth::Heartbeat { age_ms }) if age_ms >= t.heartbeat_stale_ms => vec![(
            "daemon_heartbeat_stale".into(),
            event(
                AnomalyKind::DaemonHeartbeatStale,
                format!("daemon heartbeat stale: last one {} ago", seconds(age_ms)),
                None,
                None,
            ),
        )],
        _ => Vec::new(),
    }
}

/// The anomaly of a daemon that runs but cannot record what it reads (not once the
/// orchestration is finished).
fn daemon_unhealthy(snap: &Snapshot) -> Option<Holding> {
    use tina_session::daemon::ProblemKind;
    let terminal = snap
        .orchestration
        .as_ref()
        .is_some_and(|o| o.status.is_terminal());
    let Some(DaemonHealth::Unhealthy { problem }) = snap.daemon.filter(|_| !terminal) else {
        return None;
    };
    let why = match problem {
        ProblemKind::DiskFull => "the disk holding the store is full",
        ProblemKind::StoreCorrupt => "the store file is corrupt (see `tina-session db check`)",
        ProblemKind::StoreReplaced => "the store file was deleted or replaced under it",
        ProblemKind::StoreWriteFailing => "its writes to the store fail",
        ProblemKind::StateWriteFailing => "it cannot write its own state file",
    };
    Some((
        "daemon_unhealthy".into(),
        event(
            AnomalyKind::DaemonUnhealthy,
            format!(
                "the tina daemon cannot record task changes: {why}; it keeps retrying \
                 (details: `tina-session daemon status`)"
            ),
            None,
            None,
        ),
    ))
}

fn evaluate_orchestration(
    seen: &Seen,
    snap: &Snapshot,
    orch: &Orchestration,
    t: &Thresholds,
    next: &mut Seen,
    milestones: &mut Vec<Milestone>,
    holding: &mut Vec<Holding>,
) {
    // A different id under the same key is a new run of the feature: report it from
    // scratch, as if nothing had been seen.
    let fresh;
    let seen = match seen.orch.as_deref() {
        Some(id) if id == orch.id.as_str() => seen,
        previous => {
            milestones.push(match previous {
                None => event(
                    MilestoneKind::OrchestrationAppeared,
                    format!(
                        "orchestration '{}' appeared (id {}, {} phases)",
                        orch.feature_name, orch.id, orch.total_phases
                    ),
                    None,
                    None,
                ),
                Some(old) => event(
                    MilestoneKind::OrchestrationReplaced,
                    format!(
                        "orchestration '{}' was replaced by a new run (id {} replaces {old})",
                        orch.feature_name, orch.id
                    ),
                    None,
                    None,
                ),
            });
            fresh = Seen {
                raised: seen.raised.clone(),
                ..Seen::new(&seen.key, seen.since)
            };
            &fresh
        }
    };
    next.orch = Some(orch.id.0.clone());

    let mut counts: BTreeMap<&str, [u32; 2]> = BTreeMap::new();
    let mut last_progress = orch.started_at;
    for task in &snap.tasks {
        let c = counts.entry(task.team_id.as_str()).or_default();
        c[1] += 1;
        if task.status == TaskStatus::Completed {
            c[0] += 1;
        }
        last_progress = last_progress.max(task.recorded_at);
    }

    let mut teams: Vec<&Team> = snap.teams.iter().collect();
    teams.sort_by_key(|t| (t.created_at, t.team_name.clone()));
    for team in &teams {
        if !seen.teams.contains_key(team.id.as_str()) {
            let what = match team.phase_number {
                Some(n) => format!("phase {n} team registered: {}", team.team_name),
                None => format!("orchestrator team registered: {}", team.team_name),
            };
            milestones.push(event(
                MilestoneKind::TeamRegistered,
                what,
                team.phase_number,
                Some(&team.team_name),
            ));
        }
    }

    let phase_status = |n: u32| {
        snap.phases
            .iter()
            .find(|p| p.phase_number == n)
            .map(|p| p.status)
    };
    // A completion is listed after the task progress of the same call (the tasks
    // finished first); other phase changes before it.
    let mut completed_phases = Vec::new();
    for phase in &snap.phases {
        let status = phase.status.as_str();
        next.phases.insert(phase.phase_number, status.to_owned());
        if seen.phases.get(&phase.phase_number).map(String::as_str) == Some(status) {
            continue;
        }
        if phase.status == PhaseStatus::Blocked {
            continue; // reported as an anomaly below, with its reason
        }
        let milestone = event(
            MilestoneKind::PhaseStatus,
            format!("phase {} {status}", phase.phase_number),
            Some(phase.phase_number),
            None,
        );
        if phase.status == PhaseStatus::Complete {
            completed_phases.push(milestone);
        } else {
            milestones.push(milestone);
        }
    }

    for team in &teams {
        let now_counts = counts.get(team.id.as_str()).copied().unwrap_or_default();
        let before = seen
            .teams
            .get(team.id.as_str())
            .copied()
            .unwrap_or_default();
        next.teams.insert(team.id.0.clone(), now_counts);
        if now_counts != before && now_counts[1] > 0 {
            milestones.push(event(
                MilestoneKind::TaskProgress,
                format!(
                    "{}: {}/{} tasks completed",
                    team_label(team),
                    now_counts[0],
                    now_counts[1]
                ),
                team.phase_number,
                Some(&team.team_name),
            ));
        }
        let phase_done = team
            .phase_number
            .and_then(phase_status)
            .is_some_and(|s| s == PhaseStatus::Complete);
        let age = snap.now - team.created_at;
        if team.phase_number.is_some()
            && now_counts[1] == 0
            && !phase_done
            && age >= t.team_without_tasks_ms
        {
            holding.push((
                format!("team_without_tasks:{}", team.id),
                event(
                    AnomalyKind::TeamWithoutTasks,
                    format!(
                        "{} has no tasks {} after it was registered",
                        team_label(team),
                        minutes(age)
                    ),
                    team.phase_number,
                    Some(&team.team_name),
                ),
            ));
        }
    }
    next.activity = activity::evaluate(seen.activity, snap, &teams, milestones, holding);
    milestones.append(&mut completed_phases);

    for phase in snap
        .phases
        .iter()
        .filter(|p| p.status == PhaseStatus::Blocked)
    {
        let reason = phase.blocked_reason.as_deref().unwrap_or("no reason given");
        holding.push((
            format!("phase_blocked:{}:{}", phase.phase_number, phase.updated_at),
            event(
                AnomalyKind::PhaseBlocked,
                format!("phase {} blocked: {reason}", phase.phase_number),
                Some(phase.phase_number),
                None,
            ),
        ));
    }

    let status = orch.status.as_str();
    if seen.status.as_deref() != Some(status) {
        milestones.push(event(
            MilestoneKind::OrchestrationStatus,
            format!("orchestration '{}' is {status}", orch.feature_name),
            None,
            None,
        ));
    }
    next.status = Some(status.to_owned());

    let idle = snap.now - last_progress;
    if !orch.status.is_terminal() && idle >= t.no_progress_ms {
        holding.push((
            format!("no_task_progress:{last_progress}"),
            event(
                AnomalyKind::NoTaskProgress,
                format!("no task progress for {}", minutes(idle)),
                None,
                None,
            ),
        ));
    }
}

fn minutes(ms: i64) -> String {
    format!("{:.1} minutes", ms as f64 / 60e3)
}

fn seconds(ms: i64) -> String {
    format!("{:.0} s", ms as f64 / 1e3)
}

/// Totals for the watch result.
pub fn task_totals(snap: &Snapshot) -> (u32, u32) {
    let total = snap.tasks.len() as u32;
    let done = snap
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Completed)
        .count() as u32;
    (done, total)
}

/// Whether a watch could see the health of the daemon that feeds the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DaemonCheck {
    /// The store is the local SQLite file and the local daemon was checked: a dead or
    /// stale daemon is reported as an anomaly.
    Checked,
    /// The store is remote (Convex): the daemons that feed it run on the agents'
    /// machines, so their health is unknown here and no daemon anomalies are raised.
    UnknownRemoteStore,
    /// The daemon's files under TINA_HOME could not be read: health unknown, no daemon
    /// anomalies.
    Unknown,
}

impl DaemonCheck {
    fn of(health: Option<DaemonHealth>) -> Self {
        match health {
            Some(
                DaemonHealth::Heartbeat { .. }
                | DaemonHealth::NotRunning
                | DaemonHealth::Unhealthy { .. },
            ) => Self::Checked,
            Some(DaemonHealth::RemoteStore) => Self::UnknownRemoteStore,
            None => Self::Unknown,
        }
    }
}

/// The result of one `watch_orchestration` call: only what is new, plus progress.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct WatchResult {
    /// Pass this back as `cursor` on the next call.
    pub cursor: String,
    /// The orchestration's id, when it appeared or was replaced in this call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orchestration_id: Option<String>,
    /// Absent while the orchestration does not exist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Complete or blocked: stop watching.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub terminal: bool,
    /// New since the cursor, oldest first. Never repeated by a later call.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
    /// Anomalies that started since the cursor.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<Anomaly>,
    /// Anomalies reported earlier that still hold, briefly ("kind (team)").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ongoing: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phases_complete: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_phases: Option<u32>,
    /// Current tasks completed / total, across all teams.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks_completed: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tasks_total: Option<u32>,
    /// The timeout passed with nothing new.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub timed_out: bool,
    /// Absent when the daemon was checked; otherwise why no daemon anomalies are raised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daemon_health: Option<DaemonCheck>,
    /// Set while the orchestration does not exist: what the watch is waiting for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl WatchResult {
    /// The reply for `eval` of `snap` against `seen`; `cursor` names `eval.next`.
    pub fn new(
        seen: &Seen,
        eval: Evaluation,
        snap: &Snapshot,
        cursor: String,
        timed_out: bool,
    ) -> Self {
        let (tasks_completed, tasks_total) = task_totals(snap);
        let orch = snap.orchestration.as_ref();
        let daemon = DaemonCheck::of(snap.daemon);
        Self {
            cursor,
            orchestration_id: orch
                .filter(|o| seen.orch.as_deref() != Some(o.id.as_str()))
                .map(|o| o.id.0.clone()),
            status: orch.map(|o| o.status.as_str().to_owned()),
            terminal: orch.is_some_and(|o| o.status.is_terminal()),
            milestones: eval.milestones,
            anomalies: eval.new_anomalies,
            ongoing: eval
                .ongoing_anomalies
                .iter()
                .map(WatchEvent::label)
                .collect(),
            phases_complete: orch.map(|_| {
                snap.phases
                    .iter()
                    .filter(|p| p.status == PhaseStatus::Complete)
                    .count() as u32
            }),
            total_phases: orch.map(|o| o.total_phases),
            tasks_completed: orch.map(|_| tasks_completed),
            tasks_total: orch.map(|_| tasks_total),
            timed_out,
            daemon_health: (daemon != DaemonCheck::Checked).then_some(daemon),
            note: orch.is_none().then(|| {
                format!(
                    "no orchestration {} yet; waiting for it (list_orchestrations shows \
                     the existing ones)",
                    tina_session::model::input::quote(&eval.next.key)
                )
            }),
        }
    }
}

#[cfg(test)]
mod tests;
