//! The sync engine: source records in, store writes out, exactly once.
//!
//! - A Claude Code folder (`teams/<folder>`, `tasks/<folder>`) is linked to a team record,
//!   never by matching its name's shape: (1) the link already kept on a team
//!   (`Store::find_team_by_claude_dir`); else (2) the folder's config.json
//!   `leadSessionId` equals a team's lead session id exactly (Claude Code 2.1.178+: the
//!   folder is `session-<8>`); else (3) a task folder with no config whose name equals a
//!   team's lead session id exactly (`claude -p` writes `tasks/<full session id>/`); else
//!   (4) the folder name equals a team name exactly (Claude Code before 2.1.178). A
//!   team already linked to another folder is never taken over by (2)-(4): in the older
//!   layout one lead session could own several named teams. The link is then written on the team
//!   (`Store::link_claude_team_dir`), so the task folder keeps its team after Claude Code
//!   deletes the team folder at session end, and across daemon restarts. Phase number,
//!   parent and orchestration come from the team record. Folders that link to no team
//!   are kept *pending* and synced as soon as a team matches.
//! - Every change of a task's normalized content becomes one task event; unchanged content
//!   records nothing (see [`crate::state`] for how that survives crashes and restarts).
//! - A task file that is deleted records nothing: the task keeps its last state and its
//!   history. If the file comes back with the same content nothing is recorded; with
//!   different content, one event.
//! - A file that cannot be read is handled by [`crate::issues`]: warnings rate-limited
//!   per file, a malformed (maybe half-written) file retried shortly and on its next
//!   change, a refused one (FIFO, device, symlink, too large) on its next change.
//! - Store failures (locked, unavailable, disk full, corrupt or replaced store) and
//!   failures to write the daemon's own state leave the work queued, are retried with
//!   back-off, and mark the daemon unhealthy ([`crate::health`]) until writes succeed;
//!   they never stop the engine.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};
use tina_session::store::{Entity, StoreError};
use tina_session::{
    Millis, NewTaskEvent, Store, Team, TeamId, TeamMember, TeamRegistration, now_ms,
};

use crate::health::Health;
use crate::issues::FileIssues;
use crate::source::{Change, ClaudeSource, ReadError, SourceFile, TaskRecord, TeamRecord};
use crate::state::{ContentHash, StateDb, StateError, Synced};

/// Events per store write: large enough for ingest speed, small enough to keep a lock
/// short and a retry cheap.
const BATCH: usize = 2_000;
/// How often cached team links are checked against the store (a team may be deleted
/// and registered again under the same name, with a new id).
const REVALIDATE_EVERY: Duration = Duration::from_secs(5);
/// Pending teams are looked up at least this often, and whenever the store changes.
const PENDING_EVERY: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// When the engine last made progress (ms since the epoch), shared with the heartbeat
/// thread so a wedged sync loop stops the heartbeat. The event loop beats it every pass
/// (at least every 200 ms); the engine also beats it per team and per store write, so a
/// long start-up scan that is making progress counts as alive.
#[derive(Debug, Clone)]
pub struct Pulse(Arc<AtomicI64>);

impl Pulse {
    pub fn new() -> Self {
        Self(Arc::new(AtomicI64::new(now_ms())))
    }

    pub fn beat(&self) {
        self.0.store(now_ms(), Ordering::Relaxed);
    }

    /// The last beat.
    pub fn last(&self) -> Millis {
        self.0.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(crate) fn set_for_test(&self, at: Millis) {
        self.0.store(at, Ordering::Relaxed);
    }
}

impl Default for Pulse {
    fn default() -> Self {
        Self::new()
    }
}

/// A failure the engine cannot work around: its own state file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    State(#[from] StateError),
}

/// What one pass did, for logs and `--once`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub files: usize,
    pub events_recorded: usize,
    pub duplicates: usize,
    pub unchanged: usize,
    pub members_upserted: usize,
    pub malformed: usize,
    /// Files not read: not regular files, outside `$CLAUDE_HOME`, or too large.
    pub refused: usize,
}

impl std::ops::AddAssign for Report {
    fn add_assign(&mut self, o: Self) {
        self.files += o.files;
        self.events_recorded += o.events_recorded;
        self.duplicates += o.duplicates;
        self.unchanged += o.unchanged;
        self.members_upserted += o.members_upserted;
        self.malformed += o.malformed;
        self.refused += o.refused;
    }
}

/// How a store error is handled.
enum Failure {
    /// Might pass (locked, unreachable): keep the work, retry later.
    Transient,
    /// The team record is gone: forget its id, look the name up again.
    TeamGone,
    /// Another event already has this identity: record under the next sequence.
    Conflict,
    /// The store refuses this input for good: log and drop it.
    Refused,
}

fn classify(e: &StoreError) -> Failure {
    match e {
        StoreError::NotFound {
            entity: Entity::Team,
            ..
        } => Failure::TeamGone,
        StoreError::ConflictingEvent { .. } => Failure::Conflict,
        StoreError::Invalid { .. }
        | StoreError::TeamOwnedByOther { .. }
        | StoreError::FeatureInUse { .. }
        | StoreError::NotFound { .. } => Failure::Refused,
        _ => Failure::Transient,
    }
}

/// The daemon's sync state machine. Single-threaded: the watcher feeds it changes.
pub struct Engine {
    store: Arc<dyn Store>,
    source: ClaudeSource,
    state: StateDb,
    /// Teams resolved by folder name.
    teams: HashMap<String, Team>,
    /// Folder names with files but no linked team yet.
    pending: BTreeSet<String>,
    /// Teams whose current tasks in the store have been merged into `state`.
    seeded: HashSet<TeamId>,
    /// Files that could not be read: warnings and quick retries.
    issues: FileIssues,
    /// Files whose sync failed for a reason that may pass.
    retry: BTreeSet<SourceFile>,
    /// There are intents (events not yet confirmed by the store) to replay.
    intents_waiting: bool,
    backoff: Duration,
    retry_after: Instant,
    last_revision: Option<i64>,
    last_pending_check: Instant,
    last_revalidate: Instant,
    pulse: Pulse,
    health: Health,
}

impl Engine {
    pub fn new(store: Arc<dyn Store>, source: ClaudeSource, state: StateDb) -> Self {
        let now = Instant::now();
        Self {
            store,
            source,
            state,
            teams: HashMap::new(),
            pending: BTreeSet::new(),
            seeded: HashSet::new(),
            issues: FileIssues::default(),
            retry: BTreeSet::new(),
            intents_waiting: true,
            backoff: Duration::from_millis(250),
            retry_after: now,
            last_revision: None,
            last_pending_check: now,
            last_revalidate: now,
            pulse: Pulse::new(),
            health: Health::default(),
        }
    }

    /// Whether the engine can record what it reads (shared with the heartbeat).
    pub fn health(&self) -> &Health {
        &self.health
    }

    pub fn source(&self) -> &ClaudeSource {
        &self.source
    }

    /// The engine's progress signal, for the event loop and the heartbeat.
    pub fn pulse(&self) -> &Pulse {
        &self.pulse
    }

    /// Team names that have files but no team record.
    pub fn pending_teams(&self) -> impl Iterator<Item = &str> {
        self.pending.iter().map(String::as_str)
    }

    /// Work that is queued because the store refused it for now: events not yet
    /// confirmed and files to retry.
    pub fn outstanding(&mut self) -> Result<usize, EngineError> {
        Ok(self.state.intent_count()? + self.retry.len())
    }

    /// Replays unconfirmed events (left by a crash), then syncs every file.
    pub fn startup(&mut self) -> Result<Report, EngineError> {
        let mut report = self.replay_intents()?;
        report += self.full_scan()?;
        Ok(report)
    }

    /// Syncs every file of every team.
    pub fn full_scan(&mut self) -> Result<Report, EngineError> {
        let teams = match self.source.list_teams() {
            Ok(teams) => teams,
            Err(e) => {
                tracing::error!(error = %e, "cannot list agent teams; will retry on the next scan");
                return Ok(Report::default());
            }
        };
        let mut files = Vec::new();
        for team in teams {
            files.extend(self.team_files(&team));
        }
        self.sync_files(files)
    }

    /// Syncs what a batch of watcher changes touched.
    pub fn apply(&mut self, changes: Vec<Change>) -> Result<Report, EngineError> {
        let mut files = BTreeSet::new();
        for change in changes {
            match change {
                Change::File(f) => {
                    files.insert(f);
                }
                Change::Team(team) => files.extend(self.team_files(&team)),
            }
        }
        self.sync_files(files.into_iter().collect())
    }

    /// Periodic work: replay queued events and files (with back-off), link pending teams
    /// once they are registered, notice teams re-registered under a new id.
    pub fn tick(&mut self) -> Result<Report, EngineError> {
        self.pulse.beat();
        let mut report = Report::default();
        let now = Instant::now();
        if (self.intents_waiting || !self.retry.is_empty()) && now >= self.retry_after {
            report += self.replay_intents()?;
            let retry: Vec<SourceFile> = std::mem::take(&mut self.retry).into_iter().collect();
            report += self.sync_files(retry)?;
            if self.intents_waiting || !self.retry.is_empty() {
                self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
                self.retry_after = Instant::now() + self.backoff;
            } else {
                self.backoff = Duration::from_millis(250);
            }
        }
        let due = self.issues.due(now);
        if !due.is_empty() {
            report += self.sync_files(due)?;
        }
        if !self.pending.is_empty() {
            let revision = self.store.revision().ok();
            let changed = revision.is_some() && revision != self.last_revision;
            if changed || now.duration_since(self.last_pending_check) >= PENDING_EVERY {
                self.last_revision = revision;
                self.last_pending_check = now;
                report += self.check_pending()?;
            }
        }
        if now.duration_since(self.last_revalidate) >= REVALIDATE_EVERY {
            self.last_revalidate = now;
            report += self.revalidate()?;
        }
        Ok(report)
    }

    /// Notices a store that was deleted, replaced or found corrupt even while nothing is
    /// written (the next write would notice it too).
    pub fn check_store(&mut self) {
        if let Err(e) = self.store.revision()
            && e.is_store_broken()
        {
            self.health.store_failed(&e);
        }
    }

    fn team_files(&self, team: &str) -> Vec<SourceFile> {
        self.source.team_files(team).unwrap_or_else(|e| {
            tracing::warn!(team, error = %e, "cannot list the files of team");
            Vec::new()
        })
    }

    /// The team a folder is linked to; `None` (and pending) when there is none yet.
    fn resolve(&mut self, folder: &str) -> Result<Option<Team>, StoreError> {
        if let Some(team) = self.teams.get(folder) {
            return Ok(Some(team.clone()));
        }
        match self.lookup(folder)? {
            Some(team) => {
                if self.pending.remove(folder) {
                    tracing::info!(folder, team = team.team_name, id = %team.id, "pending folder is now linked");
                }
                self.teams.insert(folder.to_owned(), team.clone());
                Ok(Some(team))
            }
            None => {
                if self.pending.insert(folder.to_owned()) {
                    tracing::info!(
                        folder,
                        "files for a folder no registered team links to yet; keeping them pending"
                    );
                }
                Ok(None)
            }
        }
    }

    /// Finds (and links) the team of a folder in the store; see the module docs for the
    /// order. Never matches by name prefix or by the shape of a `session-<8>` name.
    fn lookup(&self, folder: &str) -> Result<Option<Team>, StoreError> {
        if let Some(team) = self.store.find_team_by_claude_dir(folder)? {
            return Ok(Some(team));
        }
        let by_session = match self.source.folder_lead_session(folder) {
            Some(session) => self.store.find_team_by_lead_session(&session)?,
            None if tina_session::model::input::validate_session_id(folder).is_ok() => {
                self.store.find_team_by_lead_session(folder)?
            }
            None => None,
        };
        // A team already linked to another folder is not taken over by a session match:
        // in the older layout one lead session could own several named teams. A link to
        // a folder that no longer exists at all (a stale folder of an earlier run, linked
        // by name before it was removed) does not hold the team back.
        let by_session = by_session.filter(|t| match t.claude_team_dir.as_deref() {
            None => true,
            Some(linked) => linked == folder || !self.source.folder_exists(linked),
        });
        let team = match by_session {
            Some(team) => team,
            None => match self.store.get_team_by_name(folder) {
                Ok(team) if team.claude_team_dir.is_none() => team,
                Ok(team) => {
                    tracing::debug!(
                        folder,
                        linked = team.claude_team_dir.as_deref().unwrap_or_default(),
                        "a team of this name is linked to another folder; not linking by name"
                    );
                    return Ok(None);
                }
                Err(e) if e.is_not_found() => return Ok(None),
                Err(e) => return Err(e),
            },
        };
        let linked = self.store.link_claude_team_dir(&team.id, folder)?;
        tracing::info!(folder, team = linked.team_name, id = %linked.id, "linked Claude Code folder to team");
        Ok(Some(linked))
    }

    fn check_pending(&mut self) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let folders: Vec<String> = self.pending.iter().cloned().collect();
        for folder in folders {
            let files = self.team_files(&folder);
            if files.is_empty() {
                self.pending.remove(&folder);
                continue;
            }
            match self.resolve(&folder) {
                Ok(Some(_)) => report += self.sync_files(files)?,
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(folder, error = %e, "cannot look up pending folder");
                    break;
                }
            }
        }
        Ok(report)
    }

    fn revalidate(&mut self) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let cached: Vec<(String, TeamId)> = self
            .teams
            .iter()
            .map(|(n, t)| (n.clone(), t.id.clone()))
            .collect();
        for (folder, id) in cached {
            let found = match self.store.find_team_by_claude_dir(&folder) {
                Ok(Some(team)) => Ok(Some(team)),
                // The link went with its team (or moved): look again, as for a new folder.
                Ok(None) => self.lookup(&folder),
                Err(e) => Err(e),
            };
            match found {
                Ok(Some(team)) if team.id == id => {}
                Ok(Some(team)) => {
                    tracing::info!(folder, old = %id, new = %team.id, "folder is linked to another team now");
                    self.forget_team(&id)?;
                    self.teams.insert(folder.clone(), team);
                    let files = self.team_files(&folder);
                    report += self.sync_files(files)?;
                }
                Ok(None) => {
                    tracing::info!(folder, id = %id, "team record was removed; files kept pending");
                    self.forget_team(&id)?;
                    self.pending.insert(folder);
                }
                Err(e) => {
                    tracing::warn!(folder, error = %e, "cannot revalidate team link");
                    break;
                }
            }
        }
        Ok(report)
    }

    fn forget_team(&mut self, id: &TeamId) -> Result<(), EngineError> {
        self.teams.retain(|_, t| &t.id != id);
        self.seeded.remove(id);
        self.state.forget_team(id)?;
        Ok(())
    }

    /// Reads, diffs and records a set of files.
    pub fn sync_files(&mut self, files: Vec<SourceFile>) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let mut by_team: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
        for f in files {
            by_team.entry(f.team().to_owned()).or_default().push(f);
        }
        let mut batch: Vec<(String, NewTaskEvent, ContentHash)> = Vec::new();
        // The file of each event in `batch`, to retry if the batch cannot be begun.
        let mut batch_files: Vec<SourceFile> = Vec::new();
        // Versions chosen in this batch, so two files naming the same task stay ordered.
        let mut chosen: HashMap<(TeamId, String), Synced> = HashMap::new();
        for (name, mut files) in by_team {
            self.pulse.beat();
            let was_pending = self.pending.contains(&name);
            let team = match self.resolve(&name) {
                Ok(Some(team)) => {
                    if was_pending {
                        // Linked just now: every file of the team waited, not only these.
                        files = self.team_files(&name);
                    }
                    team
                }
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(team = name, error = %e, "cannot look up team; will retry");
                    if e.is_store_broken() {
                        self.health.store_failed(&e);
                    }
                    self.retry.extend(files);
                    continue;
                }
            };
            if let Err(e) = self.ensure_seeded(&team) {
                tracing::warn!(team = name, error = %e, "cannot read the team's tasks; will retry");
                if e.is_store_broken() {
                    self.health.store_failed(&e);
                }
                self.retry.extend(files);
                continue;
            }
            for file in files {
                report.files += 1;
                match &file {
                    SourceFile::TeamConfig { path, .. } => {
                        match self.source.read_team(&name, path) {
                            Ok(record) => match self.sync_members(&team, &record) {
                                Ok(n) => report.members_upserted += n,
                                Err(e) => self.store_failed(&team, file.clone(), e)?,
                            },
                            Err(e) => report += self.read_failed(&file, e),
                        }
                    }
                    SourceFile::Task { path, .. } => match self.source.read_task(&name, path) {
                        Ok(record) => {
                            self.issues.clear(path);
                            match self.next_event(&team, &record, &chosen) {
                                Some((event, hash)) => {
                                    chosen.insert(
                                        (team.id.clone(), event.task_id.clone()),
                                        Synced {
                                            hash,
                                            recorded_at: event.recorded_at,
                                            sequence: event.sequence,
                                        },
                                    );
                                    batch.push((name.clone(), event, hash));
                                    batch_files.push(file.clone());
                                }
                                None => report.unchanged += 1,
                            }
                        }
                        Err(e) => report += self.read_failed(&file, e),
                    },
                }
            }
        }
        for (chunk, files) in batch.chunks(BATCH).zip(batch_files.chunks(BATCH)) {
            report += self.commit(chunk, files)?;
        }
        Ok(report)
    }

    fn read_failed(&mut self, file: &SourceFile, e: ReadError) -> Report {
        let mut report = Report::default();
        match &e {
            ReadError::Missing(path) => {
                // Deleted: the task keeps its last state; see the module docs.
                tracing::debug!(path = %path.display(), "file removed; last synced state kept");
                self.issues.clear(path);
                return report;
            }
            ReadError::Malformed { .. } => report.malformed += 1,
            ReadError::Refused { .. } | ReadError::TooLarge { .. } => report.refused += 1,
            ReadError::Io { .. } => {}
        }
        self.issues.failed(file, &e);
        report
    }

    /// The event a task record needs, or `None` when its content is already synced.
    fn next_event(
        &self,
        team: &Team,
        r: &TaskRecord,
        chosen: &HashMap<(TeamId, String), Synced>,
    ) -> Option<(NewTaskEvent, ContentHash)> {
        let hash = content_hash(
            &r.subject,
            &r.description,
            r.active_form.as_deref(),
            r.status.as_str(),
            r.owner.as_deref(),
            &r.blocked_by,
            &r.metadata,
        );
        let last = chosen
            .get(&(team.id.clone(), r.task_id.clone()))
            .copied()
            .or_else(|| self.state.task(&team.id, &r.task_id));
        if last.is_some_and(|l| l.hash == hash) {
            return None;
        }
        // A later version never sorts before an earlier one, even if the mtime went back.
        let (recorded_at, sequence) = match last {
            Some(l) => (r.modified_at.max(l.recorded_at), l.sequence + 1),
            None => (r.modified_at, 1),
        };
        let event = NewTaskEvent {
            team_id: team.id.clone(),
            task_id: r.task_id.clone(),
            subject: r.subject.clone(),
            description: r.description.clone(),
            active_form: r.active_form.clone(),
            status: r.status.clone(),
            owner: r.owner.clone(),
            blocked_by: r.blocked_by.clone(),
            metadata: r.metadata.clone(),
            recorded_at,
            sequence,
        };
        Some((event, hash))
    }

    /// Merges the store's current tasks of the team's orchestration into the state, once
    /// per team, so a lost or new state file never re-records what the store has.
    fn ensure_seeded(&mut self, team: &Team) -> Result<(), StoreError> {
        if self.seeded.contains(&team.id) {
            return Ok(());
        }
        let current = self.store.get_current_tasks(&team.orchestration_id)?;
        let mut seen = HashSet::new();
        for c in current {
            if self.seeded.contains(&c.team_id) {
                continue;
            }
            let hash = content_hash(
                &c.subject,
                &c.description,
                c.active_form.as_deref(),
                c.status.as_str(),
                c.owner.as_deref(),
                &c.blocked_by,
                &c.metadata,
            );
            self.state.seed(
                &c.team_id,
                &c.task_id,
                Synced {
                    hash,
                    recorded_at: c.recorded_at,
                    sequence: c.sequence,
                },
            );
            seen.insert(c.team_id);
        }
        self.seeded.extend(seen);
        self.seeded.insert(team.id.clone());
        Ok(())
    }

    fn sync_members(&mut self, team: &Team, record: &TeamRecord) -> Result<usize, StoreError> {
        let mut hasher = Sha256::new();
        hasher.update(
            record
                .lead_session_id
                .as_deref()
                .unwrap_or_default()
                .as_bytes(),
        );
        hasher.update(b"\n");
        for m in &record.members {
            let json = serde_json::json!([m.agent_name, m.agent_type, m.model, m.joined_at]);
            hasher.update(json.to_string().as_bytes());
            hasher.update(b"\n");
        }
        let hash: ContentHash = hasher.finalize().into();
        if self.state.config(&team.id) == Some(hash) {
            return Ok(0);
        }
        let linked_by_name = record.team_name == team.team_name;
        if linked_by_name
            && record.lead_session_id.is_some()
            && record.lead_session_id != team.lead_session_id
        {
            // Only a folder of the older layout (linked by its exact team name) copies its
            // lead session onto the team; a folder linked by session id already agrees,
            // and a later config naming another session never re-points the team.
            // `None` links keep the stored ones: the daemon only ever sets the lead
            // session, and never writes back links it cached earlier.
            let updated = self.store.register_team(&TeamRegistration {
                team_name: team.team_name.clone(),
                orchestration_id: team.orchestration_id.clone(),
                parent_team_id: None,
                phase_number: None,
                lead_session_id: record.lead_session_id.clone(),
            })?;
            // So the next config change with the same lead session registers nothing.
            if updated.id == team.id {
                self.teams.insert(record.team_name.clone(), updated);
            }
        }
        for m in &record.members {
            self.store.upsert_team_member(&TeamMember {
                team_id: team.id.clone(),
                agent_name: m.agent_name.clone(),
                agent_type: m.agent_type.clone(),
                model: m.model.clone(),
                joined_at: m.joined_at,
            })?;
        }
        if let Err(e) = self.state.set_config(&team.id, &record.team_name, hash) {
            // Members are upserts: redoing them later is harmless.
            tracing::warn!(error = %e, "cannot remember synced members");
        }
        Ok(record.members.len())
    }

    fn store_failed(
        &mut self,
        team: &Team,
        file: SourceFile,
        e: StoreError,
    ) -> Result<(), EngineError> {
        match classify(&e) {
            Failure::TeamGone => {
                tracing::info!(
                    team = team.team_name,
                    "team record was removed; files kept pending"
                );
                self.forget_team(&team.id)?;
                self.pending.insert(file.team().to_owned());
            }
            Failure::Refused => {
                tracing::error!(path = %file.path().display(), error = %e, "store refused the file's content");
            }
            Failure::Transient | Failure::Conflict => {
                tracing::warn!(path = %file.path().display(), error = %e, "store write failed; will retry");
                self.health.store_failed(&e);
                self.retry.insert(file);
            }
        }
        Ok(())
    }

    /// Persists intents, then records them, then confirms them. When the intents cannot
    /// be persisted (disk full), nothing is recorded and the files are retried later.
    fn commit(
        &mut self,
        batch: &[(String, NewTaskEvent, ContentHash)],
        files: &[SourceFile],
    ) -> Result<Report, EngineError> {
        if let Err(e) = self.state.begin(batch) {
            self.health.state_failed(&e);
            self.retry.extend(files.iter().cloned());
            return Ok(Report::default());
        }
        let events: Vec<NewTaskEvent> = batch.iter().map(|(_, e, _)| e.clone()).collect();
        self.record(&events)
    }

    /// Forgets confirmed intents; when that cannot be written, they stay and are
    /// replayed later (the store recognises them as duplicates).
    fn confirm<'a>(&mut self, events: impl IntoIterator<Item = &'a NewTaskEvent>) -> bool {
        match self.state.confirm(events) {
            Ok(()) => true,
            Err(e) => {
                self.health.state_failed(&e);
                self.intents_waiting = true;
                false
            }
        }
    }

    /// Replays every intent left by a crash or a failed write.
    fn replay_intents(&mut self) -> Result<Report, EngineError> {
        let intents = self.state.intents()?;
        self.intents_waiting = false;
        if intents.is_empty() {
            return Ok(Report::default());
        }
        tracing::info!(
            count = intents.len(),
            "replaying events not yet confirmed by the store"
        );
        let mut report = Report::default();
        for chunk in intents.chunks(BATCH) {
            report += self.record(chunk)?;
        }
        Ok(report)
    }

    fn record(&mut self, events: &[NewTaskEvent]) -> Result<Report, EngineError> {
        self.pulse.beat();
        let mut report = Report::default();
        match self.store.record_task_events(events) {
            Ok(summary) => {
                if self.confirm(events) {
                    self.health.clear();
                }
                report.events_recorded += summary.inserted;
                report.duplicates += summary.duplicates;
            }
            Err(e) => match classify(&e) {
                Failure::Transient => {
                    tracing::warn!(events = events.len(), error = %e, "store write failed; events kept and retried");
                    self.health.store_failed(&e);
                    self.intents_waiting = true;
                }
                // One bad event fails the atomic batch: sort it out event by event.
                _ => {
                    for event in events {
                        report += self.record_one(event)?;
                    }
                }
            },
        }
        Ok(report)
    }

    fn record_one(&mut self, event: &NewTaskEvent) -> Result<Report, EngineError> {
        let mut report = Report::default();
        let mut current = event.clone();
        for _ in 0..16 {
            match self.store.record_task_event(&current) {
                Ok(summary) => {
                    if self.confirm([&current]) {
                        self.health.clear();
                    }
                    report.events_recorded += summary.inserted;
                    report.duplicates += summary.duplicates;
                    return Ok(report);
                }
                Err(e) => match classify(&e) {
                    Failure::Conflict => {
                        let mut next = current.clone();
                        next.sequence += 1;
                        tracing::warn!(
                            team = %current.team_id, task = current.task_id,
                            sequence = next.sequence,
                            "another event has this identity; recording under the next sequence"
                        );
                        self.state.reidentify(&current, &next)?;
                        current = next;
                    }
                    Failure::TeamGone => {
                        let name = self
                            .teams
                            .iter()
                            .find(|(_, t)| t.id == current.team_id)
                            .map(|(n, _)| n.clone());
                        self.forget_team(&current.team_id)?;
                        if let Some(name) = name {
                            tracing::info!(
                                team = name,
                                "team record was removed; files kept pending"
                            );
                            self.pending.insert(name);
                        }
                        return Ok(report);
                    }
                    Failure::Refused => {
                        tracing::error!(team = %current.team_id, task = current.task_id, error = %e, "store refused the event; dropped");
                        self.confirm([&current]);
                        return Ok(report);
                    }
                    Failure::Transient => {
                        tracing::warn!(error = %e, "store write failed; event kept and retried");
                        self.health.store_failed(&e);
                        self.intents_waiting = true;
                        return Ok(report);
                    }
                },
            }
        }
        tracing::error!(team = %current.team_id, task = current.task_id, "could not find a free event identity; kept and retried");
        self.intents_waiting = true;
        Ok(report)
    }
}

/// SHA-256 of a task's content in a canonical form: what decides "did it change".
/// `active_form` counts only when present, so content without one hashes as it did
/// before it was stored (no task is re-recorded after an upgrade).
pub fn content_hash(
    subject: &str,
    description: &str,
    active_form: Option<&str>,
    status: &str,
    owner: Option<&str>,
    blocked_by: &[String],
    metadata: &Value,
) -> ContentHash {
    let mut canonical = serde_json::json!([
        subject,
        description,
        status,
        owner,
        blocked_by,
        canonicalize(metadata)
    ]);
    if let (Some(active_form), Value::Array(items)) = (active_form, &mut canonical) {
        items.push(Value::String(active_form.to_owned()));
    }
    Sha256::digest(canonical.to_string().as_bytes()).into()
}

/// Rebuilds objects with sorted keys, so key order in the file never counts as a change
/// (whatever map type serde_json was built with).
fn canonicalize(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), canonicalize(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonicalize).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests;
