//! The daemon process: lock, start-up scan, then watch until SIGTERM/SIGINT.
//!
//! - One daemon per `$TINA_HOME`: an exclusive `flock` on `daemon.lock` (released by the
//!   kernel however the process dies, so a crash never leaves it stuck).
//! - [`Mode::Watch`] writes `daemon.pid` and a heartbeat every second (from its own
//!   thread, but only while the sync loop has passed within the last few seconds, so a
//!   wedged loop shows as an unresponsive daemon). The heartbeat says when the start-up
//!   scan is done (`tina-session daemon start` reports "started" only then) and carries
//!   the engine's health (a full disk, a corrupt or replaced store). It watches
//!   `$CLAUDE_HOME/teams` and `$CLAUDE_HOME/tasks` recursively without following
//!   symlinks (a link to `/usr` adds no watches; created if missing, re-watched if
//!   removed),
//!   debounces changes (50 ms quiet, at most 200 ms after the first change, so a file
//!   rewritten continuously is still synced), and on a signal finishes the batch at
//!   hand, then removes its pid and heartbeat files.
//! - [`Mode::Once`] syncs everything once and returns; it fails if events could not be
//!   recorded (they stay queued for the next run).
//!
//! The watch is placed before the start-up scan, so a change during the scan is seen by
//! one or the other (or both: syncing is idempotent).
//!
//! At start the SQLite store gets a `PRAGMA quick_check`: a corrupt store stops the
//! daemon with a message naming the file and `tina-session db recover`. While running,
//! the store's identity is checked every few seconds, so a store deleted or replaced
//! under the daemon marks it unhealthy even when nothing is being written.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use notify::event::{AccessKind, AccessMode};
use notify::{EventKind, RecursiveMode, Watcher};
use tina_session::daemon::{self as control, Heartbeat};
use tina_session::store::StoreError;
use tina_session::store::sqlite::SqliteStore;
use tina_session::{Config, Millis, now_ms};

use crate::health::Health;
use crate::source::{Change, ClaudeSource};
use crate::state::{StateDb, StateError};
use crate::sync::{Engine, EngineError, Pulse, Report};

const DEBOUNCE: Duration = Duration::from_millis(50);
const MAX_DELAY: Duration = Duration::from_millis(200);
const TICK: Duration = Duration::from_millis(200);
const ROOT_CHECK: Duration = Duration::from_secs(2);
const LOCK_WAIT: Duration = Duration::from_secs(3);
/// The heartbeat is rewritten only while the sync loop passed within this long. The loop
/// passes at least every [`TICK`]; the margin is for a slow store write. A loop stuck
/// longer shows as unresponsive once the heartbeat is older than
/// [`control::HEARTBEAT_STALE_MS`].
const LOOP_FRESH_MS: Millis = 5_000;

/// Limits of the daemon that can be configured (flags, else environment, else defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Files larger than this many bytes are reported, not read.
    pub file_read_max: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            file_read_max: tina_session::model::input::FILE_READ_MAX,
        }
    }
}

/// How the daemon runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Scan and sync once, then return.
    Once,
    /// Scan, then watch until SIGTERM or SIGINT.
    Watch,
}

/// Why the daemon stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Another daemon holds the lock of this `TINA_HOME`.
    #[error(
        "another tina-daemon is running for {tina_home} (pid {pid}); it syncs continuously, \
         or stop it with `tina-session daemon stop`"
    )]
    AlreadyRunning { tina_home: PathBuf, pid: String },
    /// A daemon file could not be created or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The store could not be opened.
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The file watcher could not be set up.
    #[error("cannot watch {path}: {source}")]
    Watch {
        path: PathBuf,
        source: notify::Error,
    },
    /// `--once` finished with work the store did not accept; it is kept for the next run.
    #[error(
        "{0} events or files could not be written to the store; they are kept and retried by the next run"
    )]
    Incomplete(usize),
}

impl RunError {
    /// The process exit code: [`control::EXIT_ALREADY_RUNNING`] for a held lock, else 1.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::AlreadyRunning { .. } => control::EXIT_ALREADY_RUNNING,
            _ => 1,
        }
    }
}

/// Opens the store and the daemon state and builds the engine (no lock taken).
pub fn open_engine(config: &Config) -> Result<Engine, RunError> {
    open_engine_with(config, &Options::default())
}

/// [`open_engine`] with explicit [`Options`]. A SQLite store is checked first
/// (`PRAGMA quick_check`); a damaged one is refused.
pub fn open_engine_with(config: &Config, options: &Options) -> Result<Engine, RunError> {
    std::fs::create_dir_all(&config.tina_home).map_err(|source| RunError::Io {
        action: "create",
        path: config.tina_home.clone(),
        source,
    })?;
    let store: std::sync::Arc<dyn tina_session::Store> = match &config.convex_url {
        Some(_) => config.open_store()?,
        None => {
            let store = SqliteStore::open(&config.db_path())?;
            if let Some(first) = store.check(false)?.first() {
                return Err(RunError::Store(StoreError::Corrupt {
                    path: config.db_path().display().to_string(),
                    detail: format!("PRAGMA quick_check: {first}"),
                }));
            }
            std::sync::Arc::new(store)
        }
    };
    let state = StateDb::open(&control::state_path(config))?;
    Ok(Engine::new(
        store,
        ClaudeSource::new(&config.claude_home).with_file_limit(options.file_read_max),
        state,
    ))
}

/// Runs the daemon in `mode` and returns what the start-up scan (and, for `Watch`, the
/// whole run) did.
pub fn run(config: &Config, mode: Mode) -> Result<Report, RunError> {
    run_with(config, mode, &Options::default())
}

/// [`run`] with explicit [`Options`].
pub fn run_with(config: &Config, mode: Mode, options: &Options) -> Result<Report, RunError> {
    // A daemon that was just killed can hold the lock a moment longer than its pid
    // lives (its threads exit after the main one): a watching daemon waits briefly.
    let wait = match mode {
        Mode::Once => Duration::ZERO,
        Mode::Watch => LOCK_WAIT,
    };
    let _lock = lock(config, wait)?;
    let mut engine = open_engine_with(config, options)?;
    match mode {
        Mode::Once => {
            let report = startup(&mut engine)?;
            crate::usage::run_once(config);
            let outstanding = engine.outstanding()?;
            if outstanding > 0 {
                return Err(RunError::Incomplete(outstanding));
            }
            Ok(report)
        }
        Mode::Watch => {
            let ready = Arc::new(AtomicBool::new(false));
            let run_files = RunFiles::create(
                config,
                engine.pulse().clone(),
                engine.health().clone(),
                ready.clone(),
            )?;
            let attention = crate::usage::spawn(config);
            let result = watch(&mut engine, &ready);
            attention.stop();
            run_files.remove();
            result
        }
    }
}

fn startup(engine: &mut Engine) -> Result<Report, RunError> {
    let started = Instant::now();
    let report = engine.startup()?;
    let pending: Vec<&str> = engine.pending_teams().collect();
    tracing::info!(
        files = report.files,
        events = report.events_recorded,
        duplicates = report.duplicates,
        unchanged = report.unchanged,
        members = report.members_upserted,
        malformed = report.malformed,
        refused = report.refused,
        pending_teams = ?pending,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "start-up scan done"
    );
    Ok(report)
}

fn lock(config: &Config, wait: Duration) -> Result<Flock<File>, RunError> {
    let path = control::lock_path(config);
    std::fs::create_dir_all(&config.tina_home).map_err(|source| RunError::Io {
        action: "create",
        path: config.tina_home.clone(),
        source,
    })?;
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| RunError::Io {
            action: "open",
            path: path.clone(),
            source,
        })?;
    let deadline = Instant::now() + wait;
    let mut file = file;
    loop {
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Err((f, Errno::EWOULDBLOCK)) if Instant::now() < deadline => {
                file = f;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => break lock_result(config, path, other),
        }
    }
}

fn lock_result(
    config: &Config,
    path: PathBuf,
    result: Result<Flock<File>, (File, Errno)>,
) -> Result<Flock<File>, RunError> {
    match result {
        Ok(lock) => Ok(lock),
        Err((_, Errno::EWOULDBLOCK)) => Err(RunError::AlreadyRunning {
            tina_home: config.tina_home.clone(),
            pid: std::fs::read_to_string(config.daemon_pid_path())
                .map(|s| s.trim().to_owned())
                .unwrap_or_else(|_| "unknown".into()),
        }),
        Err((_, errno)) => Err(RunError::Io {
            action: "lock",
            path,
            source: std::io::Error::from(errno),
        }),
    }
}

/// The pid file and the heartbeat thread of a watching daemon.
struct RunFiles {
    pid_path: PathBuf,
    heartbeat_path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunFiles {
    fn create(
        config: &Config,
        pulse: Pulse,
        health: Health,
        ready: Arc<AtomicBool>,
    ) -> Result<Self, RunError> {
        let pid_path = config.daemon_pid_path();
        write_atomic(&pid_path, std::process::id().to_string().as_bytes())?;
        let heartbeat_path = control::heartbeat_path(config);
        let mut heart = HeartbeatWriter::new(heartbeat_path.clone(), pulse, health, ready);
        heart.beat(now_ms());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let next = Instant::now() + control::HEARTBEAT_EVERY;
                    while Instant::now() < next && !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    if !stop.load(Ordering::Relaxed) {
                        heart.beat(now_ms());
                    }
                }
            })
        };
        Ok(Self {
            pid_path,
            heartbeat_path,
            stop,
            thread: Some(thread),
        })
    }

    fn remove(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.heartbeat_path);
        let _ = std::fs::remove_file(&self.pid_path);
    }
}

/// Writes `daemon.heartbeat` (the [`Heartbeat`] `tina-session daemon status` reads) while
/// the sync loop is alive, and withholds it while the loop is stuck.
struct HeartbeatWriter {
    path: PathBuf,
    pid: u32,
    started_at: Millis,
    pulse: Pulse,
    health: Health,
    /// The start-up scan is done.
    ready: Arc<AtomicBool>,
    /// The loop was stale at the last beat (logged once per stall).
    withheld: bool,
    /// The last write of the heartbeat failed (logged once until one succeeds).
    write_failed: bool,
}

impl HeartbeatWriter {
    fn new(path: PathBuf, pulse: Pulse, health: Health, ready: Arc<AtomicBool>) -> Self {
        Self {
            path,
            pid: std::process::id(),
            started_at: now_ms(),
            pulse,
            health,
            ready,
            withheld: false,
            write_failed: false,
        }
    }

    /// Rewrites the heartbeat as of `now` if the loop passed within [`LOOP_FRESH_MS`];
    /// returns whether it did.
    fn beat(&mut self, now: Millis) -> bool {
        let since = now - self.pulse.last();
        if since > LOOP_FRESH_MS {
            if !self.withheld {
                self.withheld = true;
                tracing::error!(
                    stalled_ms = since,
                    "the sync loop has made no progress; heartbeat withheld until it does"
                );
            }
            return false;
        }
        if std::mem::take(&mut self.withheld) {
            tracing::info!("the sync loop is making progress again; heartbeat resumed");
        }
        let hb = Heartbeat {
            pid: self.pid,
            started_at: self.started_at,
            updated_at: now,
            ready: self.ready.load(Ordering::Relaxed),
            problem: self.health.problem(),
        };
        let json = padded(serde_json::to_vec(&hb).unwrap_or_default());
        // On a full disk a new file cannot be created: overwrite the old one in place
        // (same size, so no new block is needed) so the problem is still published.
        let written = write_atomic(&self.path, &json)
            .or_else(|e| overwrite_in_place(&self.path, &json).map_err(|_| e));
        match written {
            // A full disk fails this every second: say so once.
            Err(e) if !self.write_failed => {
                self.write_failed = true;
                tracing::warn!(error = %e, "cannot write heartbeat");
            }
            Err(_) => {}
            Ok(()) => self.write_failed = false,
        }
        true
    }
}

/// Heartbeats are padded with spaces (valid JSON) to this size, so every one fits in the
/// space of the last.
const HEARTBEAT_SIZE: usize = 1024;

fn padded(mut json: Vec<u8>) -> Vec<u8> {
    if json.len() < HEARTBEAT_SIZE {
        json.resize(HEARTBEAT_SIZE, b' ');
    }
    json
}

/// Rewrites an existing file's bytes without truncating or allocating (a full disk).
fn overwrite_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = OpenOptions::new().write(true).open(path)?;
    if f.metadata()?.len() < bytes.len() as u64 {
        return Err(std::io::Error::other("the old file is too short"));
    }
    f.write_all(bytes)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let io = |action| {
        move |source| RunError::Io {
            action,
            path: path.to_owned(),
            source,
        }
    };
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("write")(e));
    }
    std::fs::rename(&tmp, path).map_err(io("replace"))
}

enum Msg {
    Fs(notify::Result<notify::Event>),
    Shutdown,
}

/// Whether a notify event can mean new content. Reads (including our own) are not.
fn relevant(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        _ => true,
    }
}

/// The watched roots and the inode each had, to notice one removed or replaced.
struct Roots {
    paths: Vec<PathBuf>,
    inodes: Vec<Option<u64>>,
}

impl Roots {
    fn new(source: &ClaudeSource) -> Self {
        let paths: Vec<PathBuf> = source
            .watch_roots()
            .iter()
            .map(|p| p.to_path_buf())
            .collect();
        let inodes = vec![None; paths.len()];
        Self { paths, inodes }
    }

    /// Creates and (re-)watches any root that is new, missing or replaced. Returns true
    /// when something was (re-)watched, so the caller rescans.
    fn ensure(&mut self, watcher: &mut impl Watcher) -> Result<bool, RunError> {
        let mut changed = false;
        for (path, inode) in self.paths.iter().zip(self.inodes.iter_mut()) {
            let current = std::fs::metadata(path).ok().map(|m| m.ino());
            if current.is_some() && current == *inode {
                continue;
            }
            std::fs::create_dir_all(path).map_err(|source| RunError::Io {
                action: "create",
                path: path.clone(),
                source,
            })?;
            let _ = watcher.unwatch(path);
            watcher
                .watch(path, RecursiveMode::Recursive)
                .map_err(|source| RunError::Watch {
                    path: path.clone(),
                    source,
                })?;
            *inode = std::fs::metadata(path).ok().map(|m| m.ino());
            changed = true;
        }
        Ok(changed)
    }
}

fn watch(engine: &mut Engine, ready: &AtomicBool) -> Result<Report, RunError> {
    let (tx, rx) = channel::<Msg>();
    let fs_tx = tx.clone();
    // Never through a directory symlink: an agent's link to /usr must add no watches.
    let mut watcher = notify::RecommendedWatcher::new(
        move |res| {
            let _ = fs_tx.send(Msg::Fs(res));
        },
        notify::Config::default().with_follow_symlinks(false),
    )
    .map_err(|source| RunError::Watch {
        path: PathBuf::new(),
        source,
    })?;
    let mut roots = Roots::new(engine.source());
    roots.ensure(&mut watcher)?;
    spawn_signal_thread(tx)?;

    engine.pulse().beat();
    let mut total = startup(engine)?;
    ready.store(true, Ordering::Relaxed);
    total += event_loop(engine, &rx, &mut watcher, &mut roots)?;
    tracing::info!(events = total.events_recorded, "tina-daemon stopped");
    Ok(total)
}

fn spawn_signal_thread(tx: Sender<Msg>) -> Result<(), RunError> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals =
        signal_hook::iterator::Signals::new([SIGTERM, SIGINT]).map_err(|source| RunError::Io {
            action: "install signal handlers for",
            path: PathBuf::from("SIGTERM/SIGINT"),
            source,
        })?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            tracing::info!(signal = sig, "shutting down");
            let _ = tx.send(Msg::Shutdown);
        }
    });
    Ok(())
}

fn event_loop(
    engine: &mut Engine,
    rx: &Receiver<Msg>,
    watcher: &mut impl Watcher,
    roots: &mut Roots,
) -> Result<Report, RunError> {
    let mut total = Report::default();
    let mut changes: Vec<Change> = Vec::new();
    let mut first: Option<Instant> = None;
    let mut last = Instant::now();
    let mut next_tick = Instant::now() + TICK;
    let mut next_root_check = Instant::now() + ROOT_CHECK;
    let mut rescan = false;
    let mut shutdown = false;
    while !shutdown {
        // Each pass says the loop is alive; the heartbeat thread follows it.
        engine.pulse().beat();
        let now = Instant::now();
        let wake = match first {
            Some(first) => (last + DEBOUNCE).min(first + MAX_DELAY).min(next_tick),
            None => next_tick,
        };
        match rx.recv_timeout(wake.saturating_duration_since(now)) {
            Ok(Msg::Fs(Ok(event))) => {
                if event.need_rescan() {
                    rescan = true;
                }
                if relevant(&event.kind) {
                    let before = changes.len();
                    changes.extend(
                        event
                            .paths
                            .iter()
                            .filter_map(|p| engine.source().classify(p)),
                    );
                    if changes.len() > before {
                        first.get_or_insert_with(Instant::now);
                        last = Instant::now();
                    }
                }
            }
            Ok(Msg::Fs(Err(e))) => {
                tracing::warn!(error = %e, "file watcher error; rescanning");
                rescan = true;
            }
            Ok(Msg::Shutdown) | Err(RecvTimeoutError::Disconnected) => shutdown = true,
            Err(RecvTimeoutError::Timeout) => {}
        }
        let now = Instant::now();
        if let Some(f) = first
            && (shutdown || now >= last + DEBOUNCE || now >= f + MAX_DELAY)
        {
            first = None;
            let batch = std::mem::take(&mut changes);
            total += engine.apply(batch)?;
        }
        if shutdown {
            break;
        }
        if now >= next_root_check {
            next_root_check = now + ROOT_CHECK;
            engine.check_store();
            if roots.ensure(watcher)? {
                tracing::info!("a watched directory was re-created; rescanning");
                rescan = true;
            }
        }
        if rescan {
            rescan = false;
            total += engine.full_scan()?;
        }
        if now >= next_tick {
            next_tick = now + TICK;
            total += engine.tick()?;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::StateDb;

    #[test]
    fn heartbeat_is_written_only_while_the_loop_is_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("daemon.heartbeat");
        let pulse = Pulse::new();
        let mut heart = HeartbeatWriter::new(
            path.clone(),
            pulse.clone(),
            Health::default(),
            Arc::new(AtomicBool::new(true)),
        );
        let read =
            || -> Heartbeat { serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap() };

        let now = pulse.last() + LOOP_FRESH_MS;
        assert!(heart.beat(now));
        let hb = read();
        assert_eq!((hb.pid, hb.updated_at), (std::process::id(), now));

        // The loop has not passed for longer than allowed: the heartbeat is left to age.
        assert!(!heart.beat(now + 1));
        assert!(!heart.beat(now + 60_000));
        assert_eq!(read().updated_at, now);

        // It passes again: the heartbeat resumes.
        pulse.beat();
        let now = pulse.last();
        assert!(heart.beat(now));
        assert_eq!(read().updated_at, now);
    }

    #[test]
    fn each_pass_of_the_event_loop_beats_the_pulse() {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::at(dir.path().join("tina"), dir.path().join("claude"));
        std::fs::create_dir_all(&config.tina_home).unwrap();
        let store = config.open_store().unwrap();
        let state = StateDb::open(&control::state_path(&config)).unwrap();
        let mut engine = Engine::new(store, ClaudeSource::new(&config.claude_home), state);
        let stale = engine.pulse().last() - 60_000;
        engine.pulse().set_for_test(stale);

        let (tx, rx) = channel();
        tx.send(Msg::Shutdown).unwrap();
        let mut watcher = notify::NullWatcher;
        let mut roots = Roots::new(engine.source());
        event_loop(&mut engine, &rx, &mut watcher, &mut roots).unwrap();
        assert!(engine.pulse().last() > stale + LOOP_FRESH_MS);
    }
}
