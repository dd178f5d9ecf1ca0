//! Control of the background `tina-daemon`: [`start`], [`stop`], [`status`], [`restart`].
//!
//! Files under `$TINA_HOME`:
//! - `daemon.pid`: the daemon's pid, written by the daemon once it holds its lock
//!   (`daemon.lock`, so two daemons never run on one `TINA_HOME`), removed when it exits.
//! - `daemon.heartbeat`: a [`Heartbeat`] rewritten every second. A pid file whose process
//!   is gone is *stale*; a live daemon process whose heartbeat is older than
//!   [`HEARTBEAT_STALE_MS`] is *unresponsive*. The heartbeat also says whether the
//!   start-up scan is done (until then the daemon is *starting*, and [`start`] keeps
//!   waiting) and whether writes are failing (a full disk, a corrupt or replaced store:
//!   the daemon is *unhealthy* and says why, see [`DaemonProblem`]).
//! - `logs/daemon.log`: the daemon's log (and anything it prints).
//!
//! The binary is found through `TINA_DAEMON_BIN`, then next to the current executable
//! (or its parent directory, for test binaries in `target/*/deps`), then on `PATH`. It
//! runs in its own process group with stdin closed, so it outlives the command that
//! started it and a Ctrl-C in that terminal does not reach it. Signals are sent with the
//! system `kill` command (the workspace forbids `unsafe`).

use std::fs::OpenOptions;
use std::io::ErrorKind;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::model::{Millis, now_ms};

/// Overrides where the `tina-daemon` binary is.
pub const BIN_ENV: &str = "TINA_DAEMON_BIN";
/// The daemon rewrites its heartbeat this often.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(1);
/// A heartbeat older than this means the daemon is not responding.
pub const HEARTBEAT_STALE_MS: Millis = 10_000;
/// Exit code of a daemon that found another daemon holding the lock.
pub const EXIT_ALREADY_RUNNING: i32 = 3;

const START_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest a start waits for a start-up scan that keeps making progress.
const SCAN_TIMEOUT: Duration = Duration::from_secs(600);
const TERM_TIMEOUT: Duration = Duration::from_secs(15);
const KILL_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(20);

/// The heartbeat file's content (JSON), written by the daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heartbeat {
    pub pid: u32,
    pub started_at: Millis,
    pub updated_at: Millis,
    /// The start-up scan is done. (Absent in heartbeats of older daemons: ready.)
    #[serde(default = "yes")]
    pub ready: bool,
    /// Why the daemon cannot do its job right now, if it cannot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<DaemonProblem>,
}

fn yes() -> bool {
    true
}

/// What keeps a running daemon from recording what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The disk under `TINA_HOME` (or the store's size limit) is full; writes are
    /// retried with back-off.
    DiskFull,
    /// The store file is corrupt; the daemon stopped writing to it.
    StoreCorrupt,
    /// The store file was deleted or replaced under the daemon.
    StoreReplaced,
    /// Store writes fail for another reason (locked for long, unreachable, I/O error).
    StoreWriteFailing,
    /// The daemon's own state file (`daemon-state.db`) cannot be written.
    StateWriteFailing,
}

/// Why a daemon is unhealthy, since when, and the error it got. Nothing read is lost
/// meanwhile: the work stays queued until writes succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonProblem {
    pub kind: ProblemKind,
    pub detail: String,
    pub since: Millis,
}

pub fn heartbeat_path(config: &Config) -> PathBuf {
    config.tina_home.join("daemon.heartbeat")
}

pub fn lock_path(config: &Config) -> PathBuf {
    config.tina_home.join("daemon.lock")
}

pub fn log_path(config: &Config) -> PathBuf {
    config.logs_dir().join("daemon.log")
}

/// Where the daemon keeps what it has synced (see the tina-daemon crate).
pub fn state_path(config: &Config) -> PathBuf {
    config.tina_home.join("daemon-state.db")
}

/// What [`status`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DaemonState {
    /// The process is alive and its heartbeat is fresh.
    Running,
    /// No pid file.
    Stopped,
    /// A pid file whose process is gone (or is not a tina-daemon).
    Stale,
    /// A live daemon process whose heartbeat stopped.
    Unresponsive,
    /// Alive and responsive, still doing its start-up scan.
    Starting,
    /// Alive and responsive, but its writes fail (see [`DaemonStatus::problem`]).
    Unhealthy,
}

/// The daemon as seen from outside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaemonStatus {
    pub state: DaemonState,
    pub running: bool,
    pub pid: Option<u32>,
    pub started_at: Option<Millis>,
    pub heartbeat_age_ms: Option<Millis>,
    /// Set when the daemon is unhealthy: what fails, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<DaemonProblem>,
    pub pid_file: PathBuf,
    pub log_file: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StartOutcome {
    Started { status: DaemonStatus },
    AlreadyRunning { status: DaemonStatus },
}

impl StartOutcome {
    pub fn status(&self) -> &DaemonStatus {
        match self {
            Self::Started { status } | Self::AlreadyRunning { status } => status,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum StopOutcome {
    /// The daemon exited; `forced` when it had to be killed after not stopping in time.
    Stopped { pid: u32, forced: bool },
    /// Nothing was running; a stale pid file, if any, was removed.
    NotRunning { cleaned_stale_pid_file: bool },
}

/// Why controlling the daemon failed.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// No `tina-daemon` binary where we looked.
    #[error(
        "cannot find the tina-daemon binary (looked in: {searched}); build it with \
         `cargo build -p tina-daemon`, put it on PATH, or set {BIN_ENV}"
    )]
    BinaryNotFound { searched: String },
    /// A file under `$TINA_HOME` could not be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// The binary could not be executed.
    #[error("cannot run {bin}: {source}")]
    Spawn {
        bin: PathBuf,
        source: std::io::Error,
    },
    /// The daemon exited during start-up.
    #[error("tina-daemon exited during start-up ({status}); see {log}")]
    ExitedEarly { status: String, log: PathBuf },
    /// The daemon did not report a heartbeat in time.
    #[error("tina-daemon (pid {pid}) did not start within {secs}s; see {log}")]
    StartTimeout { pid: u32, secs: u64, log: PathBuf },
    /// The daemon started but its start-up scan stopped making progress.
    #[error(
        "tina-daemon (pid {pid}) started but its start-up scan stopped making progress; \
         it was not reported as started. See {log}"
    )]
    ScanStuck { pid: u32, log: PathBuf },
    /// The daemon survived SIGTERM and SIGKILL.
    #[error("tina-daemon (pid {pid}) did not exit after SIGTERM and SIGKILL")]
    StopFailed { pid: u32 },
    /// The `kill` command could not be run.
    #[error("cannot signal pid {pid} with `kill -{signal}`: {detail}")]
    Signal {
        pid: u32,
        signal: &'static str,
        detail: String,
    },
}

/// Reports whether the daemon runs. Read-only: it never removes files.
pub fn status(config: &Config) -> Result<DaemonStatus, DaemonError> {
    let pid_file = config.daemon_pid_path();
    let mut st = DaemonStatus {
        state: DaemonState::Stopped,
        running: false,
        pid: None,
        started_at: None,
        heartbeat_age_ms: None,
        problem: None,
        pid_file: pid_file.clone(),
        log_file: log_path(config),
    };
    let text = match std::fs::read_to_string(&pid_file) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(st),
        Err(source) => {
            return Err(DaemonError::Io {
                action: "read",
                path: pid_file,
                source,
            });
        }
    };
    let Ok(pid) = text.trim().parse::<u32>() else {
        st.state = DaemonState::Stale;
        return Ok(st);
    };
    st.pid = Some(pid);
    if !process_alive(pid) || !is_daemon_process(pid) {
        st.state = DaemonState::Stale;
        return Ok(st);
    }
    let heartbeat = read_heartbeat(config).filter(|h| h.pid == pid);
    let now = now_ms();
    st.heartbeat_age_ms = heartbeat.as_ref().map(|h| (now - h.updated_at).max(0));
    st.started_at = heartbeat.as_ref().map(|h| h.started_at);
    let fresh = match st.heartbeat_age_ms {
        Some(age) => age < HEARTBEAT_STALE_MS,
        // Just started: the pid file is written a moment before the first heartbeat.
        None => file_age_ms(&pid_file).is_some_and(|age| age < HEARTBEAT_STALE_MS),
    };
    let ready = heartbeat.as_ref().is_some_and(|h| h.ready);
    st.problem = heartbeat.and_then(|h| h.problem);
    st.state = match (fresh, ready, &st.problem) {
        (false, _, _) => DaemonState::Unresponsive,
        (true, _, Some(_)) => DaemonState::Unhealthy,
        (true, false, None) => DaemonState::Starting,
        (true, true, None) => DaemonState::Running,
    };
    st.running = fresh;
    Ok(st)
}

/// Starts the daemon unless it already runs; waits until it reports a heartbeat.
pub fn start(config: &Config) -> Result<StartOutcome, DaemonError> {
    let st = status(config)?;
    match (st.state, st.pid) {
        (DaemonState::Running | DaemonState::Unhealthy, _) => {
            return Ok(StartOutcome::AlreadyRunning { status: st });
        }
        (DaemonState::Starting, _) => {
            // Another start is under way: wait for its scan like it does.
            return wait_ready(config, st);
        }
        (DaemonState::Unresponsive, Some(pid)) => {
            tracing::warn!(pid, "tina-daemon is not responding; stopping it");
            terminate(pid)?;
            remove_run_files(config, Some(pid))?;
        }
        (DaemonState::Stale, pid) => {
            tracing::info!(?pid, "removing stale daemon pid file");
            remove_run_files(config, pid)?;
        }
        _ => {}
    }
    let bin = find_binary()?;
    let log = log_path(config);
    let io = |action, path: &Path| {
        let path = path.to_owned();
        move |source| DaemonError::Io {
            action,
            path,
            source,
        }
    };
    std::fs::create_dir_all(config.logs_dir()).map_err(io("create", &config.logs_dir()))?;
    let out = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(io("open", &log))?;
    let err = out.try_clone().map_err(io("open", &log))?;
    let mut cmd = Command::new(&bin);
    cmd.arg("--detached")
        .env("TINA_HOME", &config.tina_home)
        .env("CLAUDE_HOME", &config.claude_home)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0);
    for (name, value) in config.store_env() {
        match value {
            Some(value) => cmd.env(name, value),
            None => cmd.env_remove(name),
        };
    }
    let child = cmd.spawn().map_err(|source| DaemonError::Spawn {
        bin: bin.clone(),
        source,
    })?;
    wait_started(config, child, log)
}

/// Waits until a daemon that is starting has finished its start-up scan (or stops
/// responding, or exits).
fn wait_ready(config: &Config, mut st: DaemonStatus) -> Result<StartOutcome, DaemonError> {
    let deadline = Instant::now() + SCAN_TIMEOUT;
    while st.state == DaemonState::Starting && Instant::now() < deadline {
        std::thread::sleep(POLL);
        st = status(config)?;
    }
    match st.state {
        DaemonState::Running | DaemonState::Unhealthy => {
            Ok(StartOutcome::AlreadyRunning { status: st })
        }
        _ => Err(DaemonError::ScanStuck {
            pid: st.pid.unwrap_or(0),
            log: st.log_file,
        }),
    }
}

/// Waits until the daemon just spawned reports a heartbeat and has finished its
/// start-up scan. A scan that keeps making progress (the heartbeat stays fresh) is
/// waited for up to [`SCAN_TIMEOUT`]; one that stops making progress fails the start.
fn wait_started(
    config: &Config,
    mut child: Child,
    log: PathBuf,
) -> Result<StartOutcome, DaemonError> {
    let pid = child.id();
    let begun = Instant::now();
    let mut deadline = begun + START_TIMEOUT;
    let mut exited = None;
    while Instant::now() < deadline {
        if exited.is_none() {
            exited = child.try_wait().ok().flatten();
        }
        let st = status(config)?;
        if st.state == DaemonState::Starting && st.pid == Some(pid) {
            // Scanning and alive: keep waiting, within the scan's own limit.
            deadline = deadline.max((Instant::now() + POLL * 2).min(begun + SCAN_TIMEOUT));
            std::thread::sleep(POLL);
            continue;
        }
        if st.state == DaemonState::Unresponsive
            && st.pid == Some(pid)
            && st.heartbeat_age_ms.is_some()
        {
            // It wrote heartbeats, then stopped: its start-up scan is stuck.
            let _ = child.kill();
            let _ = child.wait();
            return Err(DaemonError::ScanStuck { pid, log });
        }
        if st.running {
            if st.pid == Some(pid) {
                // Reap the daemon when it exits, should this process still be alive then.
                std::thread::spawn(move || child.wait());
                return Ok(StartOutcome::Started { status: st });
            }
            // Another start won the race; ours exits on the lock (reaped here).
            if exited.is_none() {
                std::thread::spawn(move || child.wait());
            }
            return Ok(StartOutcome::AlreadyRunning { status: st });
        }
        if let Some(code) = exited
            && code.code() != Some(EXIT_ALREADY_RUNNING)
        {
            return Err(DaemonError::ExitedEarly {
                status: code.to_string(),
                log,
            });
        }
        std::thread::sleep(POLL);
    }
    if exited.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    Err(DaemonError::StartTimeout {
        pid,
        secs: START_TIMEOUT.as_secs(),
        log,
    })
}

/// Stops the daemon (SIGTERM, then SIGKILL after a timeout) and waits until it exited.
pub fn stop(config: &Config) -> Result<StopOutcome, DaemonError> {
    let st = status(config)?;
    match (st.state, st.pid) {
        (DaemonState::Stopped, _) => Ok(StopOutcome::NotRunning {
            cleaned_stale_pid_file: false,
        }),
        (DaemonState::Stale, pid) | (_, pid @ None) => {
            remove_run_files(config, pid)?;
            Ok(StopOutcome::NotRunning {
                cleaned_stale_pid_file: true,
            })
        }
        (
            DaemonState::Running
            | DaemonState::Unresponsive
            | DaemonState::Starting
            | DaemonState::Unhealthy,
            Some(pid),
        ) => {
            let forced = terminate(pid)?;
            remove_run_files(config, Some(pid))?;
            Ok(StopOutcome::Stopped { pid, forced })
        }
    }
}

/// Stops the daemon if it runs, then starts it.
pub fn restart(config: &Config) -> Result<StartOutcome, DaemonError> {
    stop(config)?;
    start(config)
}

/// SIGTERM, wait, SIGKILL, wait. Returns whether SIGKILL was needed.
fn terminate(pid: u32) -> Result<bool, DaemonError> {
    send_signal(pid, "TERM")?;
    // A stopped (SIGSTOP) daemon handles the SIGTERM only once continued.
    send_signal(pid, "CONT")?;
    if wait_gone(pid, TERM_TIMEOUT) {
        return Ok(false);
    }
    tracing::warn!(
        pid,
        "tina-daemon did not stop after SIGTERM; sending SIGKILL"
    );
    send_signal(pid, "KILL")?;
    if wait_gone(pid, KILL_TIMEOUT) {
        Ok(true)
    } else {
        Err(DaemonError::StopFailed { pid })
    }
}

fn wait_gone(pid: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if !process_alive(pid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

fn send_signal(pid: u32, signal: &'static str) -> Result<(), DaemonError> {
    let out = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|e| DaemonError::Signal {
            pid,
            signal,
            detail: e.to_string(),
        })?;
    // A process that exited between the check and the signal is what we wanted.
    if out.status.success() || !process_alive(pid) {
        Ok(())
    } else {
        Err(DaemonError::Signal {
            pid,
            signal,
            detail: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        })
    }
}

/// Removes the pid and heartbeat files, but only those of `pid` (a newer daemon may
/// have replaced them).
fn remove_run_files(config: &Config, pid: Option<u32>) -> Result<(), DaemonError> {
    let pid_file = config.daemon_pid_path();
    let owned = |text: &str| pid.is_none() || text.trim().parse::<u32>().ok() == pid;
    if std::fs::read_to_string(&pid_file)
        .is_ok_and(|t| owned(&t) || t.trim().parse::<u32>().is_err())
    {
        remove_file(&pid_file)?;
    }
    let hb = heartbeat_path(config);
    if read_heartbeat(config).is_none_or(|h| Some(h.pid) == pid || pid.is_none()) {
        remove_file(&hb)?;
    }
    Ok(())
}

fn remove_file(path: &Path) -> Result<(), DaemonError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(DaemonError::Io {
            action: "remove",
            path: path.to_owned(),
            source: e,
        }),
        _ => Ok(()),
    }
}

pub fn read_heartbeat(config: &Config) -> Option<Heartbeat> {
    let text = std::fs::read_to_string(heartbeat_path(config)).ok()?;
    serde_json::from_str(&text).ok()
}

fn file_age_ms(path: &Path) -> Option<Millis> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let age = std::time::SystemTime::now()
        .duration_since(modified)
        .unwrap_or_default();
    Some(age.as_millis() as Millis)
}

/// Alive and not a zombie. Uses /proc where there is one, else `kill -0`.
pub fn process_alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The state follows the parenthesised command name.
            Ok(stat) => stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|state| state != "Z" && state != "X"),
            Err(_) => false,
        }
    } else {
        Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// Guards against a recycled pid: the process must run a tina-daemon binary. Without
/// /proc there is no cheap way to tell, and the heartbeat check has to do.
fn is_daemon_process(pid: u32) -> bool {
    let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
        return !Path::new("/proc/self").exists();
    };
    let argv0 = cmdline.split(|b| *b == 0).next().unwrap_or_default();
    let name = Path::new(std::str::from_utf8(argv0).unwrap_or_default())
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let custom = std::env::var_os(BIN_ENV).and_then(|p| {
        Path::new(&p)
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
    });
    name == "tina-daemon" || custom.is_some_and(|c| c == name)
}

/// `TINA_DAEMON_BIN`, then beside the current executable, then `PATH`.
pub fn find_binary() -> Result<PathBuf, DaemonError> {
    let mut searched = Vec::new();
    if let Some(p) = std::env::var_os(BIN_ENV).filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok(p);
        }
        searched.push(format!("{BIN_ENV}={}", p.display()));
    }
    if let Ok(exe) = std::env::current_exe() {
        let mut dir = exe.parent().map(Path::to_owned);
        // Test and bench binaries live in target/<profile>/deps.
        for _ in 0..2 {
            let Some(d) = dir else { break };
            let candidate = d.join("tina-daemon");
            if candidate.is_file() {
                return Ok(candidate);
            }
            searched.push(d.display().to_string());
            dir = d.parent().map(Path::to_owned);
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            let candidate = d.join("tina-daemon");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        searched.push("PATH".into());
    }
    Err(DaemonError::BinaryNotFound {
        searched: searched.join(", "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        let config = Config::at(dir.path().join("tina"), dir.path().join("claude"));
        std::fs::create_dir_all(&config.tina_home).unwrap();
        (dir, config)
    }

    #[test]
    fn no_pid_file_is_stopped() {
        let (_dir, config) = config();
        let st = status(&config).unwrap();
        assert_eq!(st.state, DaemonState::Stopped);
        assert!(!st.running);
    }

    #[test]
    fn pid_of_a_dead_or_foreign_process_is_stale_and_stop_cleans_it() {
        let (_dir, config) = config();
        // Our own pid is alive but not a tina-daemon: a recycled pid.
        std::fs::write(config.daemon_pid_path(), std::process::id().to_string()).unwrap();
        assert_eq!(status(&config).unwrap().state, DaemonState::Stale);
        std::fs::write(config.daemon_pid_path(), "garbage").unwrap();
        assert_eq!(status(&config).unwrap().state, DaemonState::Stale);
        assert_eq!(
            stop(&config).unwrap(),
            StopOutcome::NotRunning {
                cleaned_stale_pid_file: true
            }
        );
        assert!(!config.daemon_pid_path().exists());
    }

    #[test]
    fn own_process_is_alive() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(u32::MAX - 1));
    }
}
