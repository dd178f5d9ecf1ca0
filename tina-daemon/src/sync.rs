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
use std::time::{Duration, Instant};

use tina_session::{NewTaskEvent, Store, Team, TeamId};

use crate::health::Health;
use crate::issues::FileIssues;
use crate::source::{Change, ClaudeSource, ReadError, SourceFile};
use crate::state::{ContentHash, StateDb, StateError, Synced};

mod commit;
mod events;
mod pulse;
mod report;
mod teams;

pub use events::content_hash;
pub use pulse::Pulse;
pub use report::Report;

/// Events per store write: large enough for ingest speed, small enough to keep a lock
/// short and a retry cheap.
const BATCH: usize = 2_000;
/// How often cached team links are checked against the store (a team may be deleted
/// and registered again under the same name, with a new id).
const REVALIDATE_EVERY: Duration = Duration::from_secs(5);
/// Pending teams are looked up at least this often, and whenever the store changes.
const PENDING_EVERY: Duration = Duration::from_secs(2);
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A failure the engine cannot work around: its own state file is unusable.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    State(#[from] StateError),
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
}

#[cfg(test)]
mod tests;
