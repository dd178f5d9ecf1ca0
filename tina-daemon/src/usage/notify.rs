//! The notify command: `notify_command` run with an attention event as JSON on stdin,
//! on a thread of its own, killed after its timeout, its output appended to a log.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tina_session::model::AttentionEvent;

/// Runs `notify_command` for an event, on a thread of its own, killed after a timeout.
pub(super) struct Notifier {
    command: Option<String>,
    timeout: Duration,
    logs_dir: PathBuf,
    running: Vec<JoinHandle<()>>,
}

impl Notifier {
    pub(super) fn new(command: Option<String>, timeout: Duration, logs_dir: PathBuf) -> Self {
        Self {
            command,
            timeout,
            logs_dir,
            running: Vec::new(),
        }
    }

    /// Waits for every command started (each ends within its timeout).
    pub(super) fn wait(&mut self) {
        for t in self.running.drain(..) {
            let _ = t.join();
        }
    }

    /// Starts the command for `event`; false when no command is configured.
    pub(super) fn deliver(&mut self, event: &AttentionEvent) -> bool {
        let Some(command) = self.command.clone() else {
            return false;
        };
        let json = serde_json::to_vec(event).unwrap_or_default();
        let timeout = self.timeout;
        let id = event.id.clone();
        let kind = event.kind.as_str();
        let log = self.logs_dir.join("notify.log");
        self.running.retain(|t| !t.is_finished());
        self.running.push(std::thread::spawn(move || {
            run_command(&command, &json, &id, kind, timeout, &log)
        }));
        true
    }
}

fn run_command(command: &str, stdin: &[u8], id: &str, kind: &str, timeout: Duration, log: &Path) {
    // The command's own output goes to logs/notify.log, never to the daemon's streams.
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .ok();
    let (stdout, stderr) = match out.as_ref().map(|f| (f.try_clone(), f.try_clone())) {
        Some((Ok(a), Ok(b))) => (Stdio::from(a), Stdio::from(b)),
        _ => (Stdio::null(), Stdio::null()),
    };
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("TINA_ATTENTION_ID", id)
        .env("TINA_ATTENTION_KIND", kind)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(stderr)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(id, error = %e, "notify command could not start");
            return;
        }
    };
    if let Some(mut input) = child.stdin.take() {
        // A command that does not read its stdin is not an error.
        let _ = input.write_all(stdin);
    }
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return,
            Ok(Some(status)) => {
                tracing::warn!(id, %status, "notify command failed");
                return;
            }
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                tracing::warn!(
                    id,
                    timeout_s = timeout.as_secs(),
                    "notify command timed out; killed"
                );
                return;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                tracing::warn!(id, error = %e, "notify command lost");
                return;
            }
        }
    }
}
