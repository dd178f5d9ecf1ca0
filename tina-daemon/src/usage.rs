//! Attention and spend inside the daemon: token usage from the transcripts of the
//! sessions linked to TINA's teams, budget enforcement, blocked-phase events, members
//! waiting on a person and stalled phases (`tina_session::attention::detect`), and the
//! notify command.
//!
//! It runs on its own thread ([`spawn`]), a pass every [`PASS_EVERY`], apart from the
//! file-sync loop, so a slow transcript or store call never delays task sync, and the
//! notify command runs on threads of its own under a timeout, so it never delays either.
//!
//! - **Which transcripts**: a team's lead session (`lead_session_id`) has its transcript
//!   at `<CLAUDE_HOME>/projects/<project>/<session id>.jsonl`; files under
//!   `<project>/<session id>/subagents/*.jsonl` are read too (a subagent's or in-process
//!   teammate's own transcript, attributed to the line's `agentName` or the file name).
//!   Every path is confirmed inside CLAUDE_HOME and only regular files are read
//!   (`tina_session::attention::transcript`).
//! - **Counting once**: each transcript's byte offset is kept in the store, moved in the
//!   same transaction as the lines before it; a partial last line is left for the next
//!   pass; and each message is keyed by its id, so a line read twice (a restart between
//!   the read and the write, the repeated lines of one streamed message, the same
//!   message in two files) counts once.
//! - **Notify**: every undelivered attention event is claimed in the store first (at
//!   most once, across restarts and even two daemons), then handed to `notify_command`
//!   (`sh -c`, the event as JSON on stdin, killed after `notify_timeout_secs`). Events
//!   older than [`NOTIFY_MAX_AGE_MS`] when first seen (say, recorded while no command
//!   was configured) are claimed without running it, so configuring a command later does
//!   not replay history.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tina_session::attention::transcript::{MessageUsage, read_usage};
use tina_session::attention::{PriceTable, Settings, enforce};
use tina_session::model::input::validate_session_id;
use tina_session::paths::confined;
use tina_session::store::StoreError;
use tina_session::*;

mod notify;

use notify::Notifier;

/// How often a pass runs.
pub const PASS_EVERY: Duration = Duration::from_secs(1);
/// How often a session whose transcript was not found is looked for again.
const REDISCOVER_EVERY: Duration = Duration::from_secs(10);
/// Bytes of one transcript read per pass (a large backlog is read over several passes).
const MAX_BYTES_PER_PASS: u64 = 16 * 1024 * 1024;
/// Events older than this when the notifier first sees them are not sent.
pub const NOTIFY_MAX_AGE_MS: Millis = 60 * 60 * 1000;
/// The member name of a lead's own transcript (Claude Code's name for the lead).
pub const LEAD_AGENT: &str = "team-lead";

/// What one pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PassReport {
    pub transcripts_read: usize,
    pub lines: u64,
    pub messages_recorded: u64,
    pub events_recorded: usize,
    pub notified: usize,
}

/// One transcript file and whom its lines belong to.
#[derive(Debug, Clone)]
struct Transcript {
    path: PathBuf,
    team_id: TeamId,
    session_id: String,
    /// The member its lines are attributed to when a line names none.
    default_agent: String,
}

/// The state of the attention thread between passes.
pub struct Attention {
    store: Arc<dyn Store>,
    claude_home: PathBuf,
    settings: Settings,
    /// Offsets already read this run (the store holds them across runs).
    offsets: HashMap<PathBuf, u64>,
    /// Sessions looked for and not found, with when.
    missing: HashMap<String, Instant>,
    notifier: Notifier,
}

impl Attention {
    pub fn new(store: Arc<dyn Store>, config: &Config, settings: Settings) -> Self {
        let notifier = Notifier::new(
            settings.notify_command.clone(),
            settings.notify_timeout,
            config.logs_dir(),
        );
        Self {
            store,
            claude_home: config.claude_home.clone(),
            settings,
            offsets: HashMap::new(),
            missing: HashMap::new(),
            notifier,
        }
    }

    pub fn prices(&self) -> &PriceTable {
        &self.settings.prices
    }

    /// Reads new usage, enforces budgets, records blocked phases, and hands new events
    /// to the notify command.
    pub fn pass(&mut self) -> Result<PassReport, StoreError> {
        let mut report = PassReport::default();
        let now = now_ms();
        for orch in self.store.list_orchestrations()? {
            if orch.status == OrchestrationStatus::Complete {
                continue;
            }
            let teams = match self.store.list_teams(&orch.id) {
                Ok(t) => t,
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e),
            };
            for t in self.transcripts_of(&teams) {
                self.ingest(&t, &mut report)?;
            }
            match enforce(&*self.store, &orch, now) {
                Ok(done) => {
                    report.events_recorded += done.recorded.len();
                    for p in done.blocked {
                        tracing::warn!(feature = %orch.feature_name, phase = p, "budget exceeded: phase blocked");
                    }
                    for p in done.resumed {
                        tracing::info!(feature = %orch.feature_name, phase = p, "budget raised: phase resumed");
                    }
                }
                Err(lifecycle::LifecycleError::Store(e)) if !e.is_not_found() => return Err(e),
                Err(e) => {
                    tracing::warn!(feature = %orch.feature_name, error = %e, "budget check skipped")
                }
            }
            report.events_recorded += record_blocked(&*self.store, &orch, now)?;
            let stall_after = self.settings.stall_after.as_millis() as Millis;
            match attention::detect(&*self.store, &orch, stall_after, now) {
                Ok(found) => report.events_recorded += found.recorded.len(),
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        report.notified = self.notify(now)?;
        Ok(report)
    }

    /// The transcripts of the teams' lead sessions (and their subagent files).
    fn transcripts_of(&mut self, teams: &[Team]) -> Vec<Transcript> {
        let mut out = Vec::new();
        for team in teams {
            let Some(session) = team.lead_session_id.as_deref() else {
                continue;
            };
            if validate_session_id(session).is_err() {
                continue;
            }
            if self
                .missing
                .get(session)
                .is_some_and(|at| at.elapsed() < REDISCOVER_EVERY)
            {
                continue;
            }
            let found = find_transcripts(&self.claude_home, session);
            if found.is_empty() {
                self.missing.insert(session.to_owned(), Instant::now());
            } else {
                self.missing.remove(session);
            }
            out.extend(found.into_iter().map(|(path, agent)| Transcript {
                path,
                team_id: team.id.clone(),
                session_id: session.to_owned(),
                default_agent: agent,
            }));
        }
        out
    }

    fn ingest(&mut self, t: &Transcript, report: &mut PassReport) -> Result<(), StoreError> {
        let key = t.path.display().to_string();
        let offset = match self.offsets.get(&t.path) {
            Some(o) => *o,
            None => self.store.transcript_offset(&key)?.unwrap_or(0),
        };
        let len = std::fs::symlink_metadata(&t.path).map_or(0, |m| m.len());
        if len == offset {
            self.offsets.insert(t.path.clone(), offset);
            return Ok(());
        }
        let read = match read_usage(&t.path, offset, MAX_BYTES_PER_PASS) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(path = %t.path.display(), error = %e, "transcript not read");
                return Ok(());
            }
        };
        if read.malformed + read.oversize > 0 {
            tracing::warn!(
                path = %t.path.display(),
                malformed = read.malformed,
                oversize = read.oversize,
                "transcript lines skipped"
            );
        }
        report.transcripts_read += 1;
        report.lines += read.lines;
        if read.offset == offset && !read.restarted {
            return Ok(());
        }
        let lines = read.messages.into_iter().map(|m| self.line(t, m)).collect();
        let batch = UsageBatch {
            transcript: key,
            offset: read.offset,
            lines,
        };
        match self.store.record_usage(&batch) {
            Ok(n) => {
                report.messages_recorded += u64::from(n);
                self.offsets.insert(t.path.clone(), read.offset);
                Ok(())
            }
            // The team was deleted meanwhile: its usage has nowhere to go.
            Err(e) if e.is_not_found() => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn line(&self, t: &Transcript, m: MessageUsage) -> UsageLine {
        UsageLine {
            cost_micros: self.settings.prices.cost(&m.model, &m.tokens),
            message_key: m.key,
            team_id: t.team_id.clone(),
            session_id: t.session_id.clone(),
            agent_name: m.agent_name.unwrap_or_else(|| t.default_agent.clone()),
            model: m.model,
            tokens: m.tokens,
        }
    }

    fn notify(&mut self, now: Millis) -> Result<usize, StoreError> {
        let mut started = 0;
        for event in self.store.undelivered_attention()? {
            if !self.store.claim_attention_delivery(&event.id, now)? {
                continue;
            }
            if now - event.created_at > NOTIFY_MAX_AGE_MS {
                tracing::info!(id = %event.id, "attention event too old to notify; marked delivered");
                continue;
            }
            if self.notifier.deliver(&event) {
                started += 1;
            }
        }
        Ok(started)
    }
}

/// Finds `<projects>/*/<session>.jsonl` and `<projects>/*/<session>/subagents/*.jsonl`,
/// regular files inside CLAUDE_HOME only, with the member each is attributed to.
fn find_transcripts(claude_home: &Path, session: &str) -> Vec<(PathBuf, String)> {
    let projects = claude_home.join("projects");
    let Ok(entries) = std::fs::read_dir(&projects) else {
        return Vec::new();
    };
    let file_name = format!("{session}.jsonl");
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !is_dir {
            continue;
        }
        let Ok(project) = confined(&projects, &name) else {
            continue;
        };
        if let Ok(path) = confined(&project, &file_name)
            && regular_file(&path)
        {
            out.push((path, LEAD_AGENT.to_owned()));
        }
        let subagents = project.join(session).join("subagents");
        let Ok(files) = std::fs::read_dir(&subagents) else {
            continue;
        };
        for f in files.flatten() {
            let Some(fname) = f.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let Some(stem) = fname.strip_suffix(".jsonl") else {
                continue;
            };
            if let Ok(path) = confined(&subagents, &fname)
                && tina_session::paths::ensure_inside(claude_home, &path).is_ok()
                && regular_file(&path)
            {
                out.push((path, stem.to_owned()));
            }
        }
    }
    out.sort();
    out
}

fn regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Records an event for each blocked phase (once per block: the id carries when the
/// phase was last updated). Budget blocks are announced by their budget event instead.
fn record_blocked(
    store: &dyn Store,
    orch: &Orchestration,
    now: Millis,
) -> Result<usize, StoreError> {
    let mut recorded = 0;
    let phases = match store.list_phases(&orch.id) {
        Ok(p) => p,
        Err(e) if e.is_not_found() => return Ok(0),
        Err(e) => return Err(e),
    };
    for p in phases {
        if p.status != PhaseStatus::Blocked
            || p.blocked_reason.as_deref() == Some(attention::BUDGET_EXCEEDED_REASON)
        {
            continue;
        }
        let reason = p.blocked_reason.clone().unwrap_or_default();
        let event = AttentionEvent {
            id: format!(
                "blocked:{}:phase-{}:{}",
                orch.id, p.phase_number, p.updated_at
            ),
            orchestration_id: orch.id.clone(),
            kind: AttentionKind::Blocked,
            team_id: None,
            phase_number: Some(p.phase_number),
            session_id: None,
            agent_name: None,
            message: format!(
                "phase {} of '{}' is blocked: {}",
                p.phase_number,
                orch.feature_name,
                tina_session::model::input::truncate(&reason, 500)
            ),
            detail: serde_json::json!({ "reason": reason }),
            created_at: now,
            cleared_at: None,
            delivered_at: None,
        };
        match store.record_attention(&event) {
            Ok(true) => recorded += 1,
            Ok(false) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(recorded)
}

/// The attention thread of a watching daemon.
pub struct Handle {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Handle {
    /// Stops the thread after its current pass.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Opens the store and settings and runs [`Attention::pass`] every [`PASS_EVERY`] until
/// stopped. Failures are logged; the thread never takes the daemon down.
pub fn spawn(config: &Config) -> Handle {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let config = config.clone();
    let thread = std::thread::spawn(move || {
        let mut attention = match open(&config) {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "attention and spend disabled");
                return;
            }
        };
        while !flag.load(Ordering::Relaxed) {
            if let Err(e) = attention.pass() {
                tracing::warn!(error = %e, "attention pass failed; retrying");
            }
            let next = Instant::now() + PASS_EVERY;
            while Instant::now() < next && !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    });
    Handle {
        stop,
        thread: Some(thread),
    }
}

/// Why the attention thread could not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("attention settings: {0}")]
    Settings(#[from] tina_session::attention::settings::SettingsError),
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
}

/// An [`Attention`] for `config`: its own store handle and the settings from config.toml.
pub fn open(config: &Config) -> Result<Attention, OpenError> {
    let settings = Settings::load(config)?;
    let store = config.open_store()?;
    Ok(Attention::new(store, config, settings))
}

/// One pass (for `--once`), logged rather than failing the sync it follows; waits for
/// the notify commands it started.
pub fn run_once(config: &Config) {
    let mut attention = match open(config) {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "attention and spend skipped");
            return;
        }
    };
    match attention.pass() {
        Ok(r) => tracing::info!(?r, "attention pass done"),
        Err(e) => tracing::warn!(error = %e, "attention pass failed"),
    }
    attention.notifier.wait();
}
