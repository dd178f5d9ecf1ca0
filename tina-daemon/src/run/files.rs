//! The files of a watching daemon: its pid file and the heartbeat, written from its own
//! thread only while the sync loop is fresh (see the module docs of [`super`]).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tina_session::daemon::{self as control, Heartbeat};
use tina_session::{Config, Millis, now_ms};

use super::{LOOP_FRESH_MS, RunError};
use crate::health::Health;
use crate::sync::Pulse;

/// The pid file and the heartbeat thread of a watching daemon.
pub(super) struct RunFiles {
    pid_path: PathBuf,
    heartbeat_path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RunFiles {
    pub(super) fn create(
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

    pub(super) fn remove(mut self) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
