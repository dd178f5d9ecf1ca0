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
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use tina_session::daemon as control;
use tina_session::store::StoreError;
use tina_session::store::sqlite::SqliteStore;
use tina_session::{Config, Millis};

use crate::source::ClaudeSource;
use crate::state::{StateDb, StateError};
use crate::sync::{Engine, EngineError, Report};

mod files;
mod watch;

use files::RunFiles;
use watch::watch;

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
