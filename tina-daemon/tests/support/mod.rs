//! Fixtures for tests that run the real `tina-daemon` binary: a temp `TINA_HOME` and
//! `CLAUDE_HOME`, orchestrations registered through the tina-session library, files
//! written the way Claude Code writes them (in place, not atomically), and polling with a
//! deadline instead of fixed sleeps.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tina_session::*;

pub const DAEMON: &str = env!("CARGO_BIN_EXE_tina-daemon");
/// How long a condition may take before the test fails. Generous: a failure here means
/// "never happened", not "too slow" (timing is measured by the benchmark instead).
pub const DEADLINE: Duration = Duration::from_secs(30);

pub struct Env {
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub store: Arc<dyn Store>,
}

impl Env {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config::at(dir.path().join("tina"), dir.path().join("claude"));
        let store = config.open_store().expect("open store");
        Self { dir, config, store }
    }

    /// An orchestration with its orchestrator team and `phases` registered phase teams.
    pub fn orchestration(&self, feature: &str, phases: u32) -> (Orchestration, Team, Vec<Team>) {
        let (orch, lead) = self
            .store
            .create_orchestration(&NewOrchestration {
                feature_name: feature.into(),
                design_doc: format!("docs/{feature}.md"),
                branch: None,
                worktree_path: None,
                total_phases: phases.max(1),
                orchestrator_team_name: orchestrator_team_name(feature),
                lead_session_id: None,
                replace: false,
            })
            .expect("create orchestration");
        let teams = (1..=phases)
            .map(|n| self.register_phase(&orch, &lead, n))
            .collect();
        (orch, lead, teams)
    }

    pub fn register_phase(&self, orch: &Orchestration, parent: &Team, n: u32) -> Team {
        self.store
            .register_team(&TeamRegistration {
                team_name: phase_team_name(&orch.feature_name, n),
                orchestration_id: orch.id.clone(),
                parent_team_id: Some(parent.id.clone()),
                phase_number: Some(n),
                lead_session_id: None,
            })
            .expect("register phase team")
    }

    pub fn task_path(&self, team: &str, id: &str) -> PathBuf {
        self.config
            .claude_home
            .join("tasks")
            .join(team)
            .join(format!("{id}.json"))
    }

    /// Writes a task file in place, in two writes, like a non-atomic writer.
    pub fn write_task(&self, team: &str, id: &str, subject: &str, status: &str) {
        self.write_task_json(team, id, &task_json(id, subject, status));
    }

    pub fn write_task_json(&self, team: &str, id: &str, body: &Value) {
        let path = self.task_path(team, id);
        write_in_place(&path, body.to_string().as_bytes());
    }

    pub fn write_config(&self, team: &str, members: &[(&str, &str)]) {
        let members: Vec<Value> = members
            .iter()
            .map(|(name, model)| {
                json!({"agentId": format!("{name}@{team}"), "name": name, "agentType": "general-purpose",
                       "model": model, "joinedAt": 1_700_000_000_000_i64, "cwd": "/tmp",
                       "tmuxPaneId": "%1", "subscriptions": []})
            })
            .collect();
        let body = json!({"name": team, "description": "d", "createdAt": 1_700_000_000_000_i64,
                          "leadAgentId": format!("team-lead@{team}"), "leadSessionId": "s",
                          "members": members});
        let path = self
            .config
            .claude_home
            .join("teams")
            .join(team)
            .join("config.json");
        write_in_place(&path, body.to_string().as_bytes());
    }

    pub fn once(&self) -> Output {
        self.command()
            .arg("--once")
            .output()
            .expect("run tina-daemon --once")
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(DAEMON);
        cmd.env("TINA_HOME", &self.config.tina_home)
            .env("CLAUDE_HOME", &self.config.claude_home)
            .env_remove("TINA_CONVEX_URL")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null());
        cmd
    }

    /// Starts `tina-daemon` (watch mode) and waits until its start-up scan is done.
    pub fn spawn(&self) -> Daemon {
        let log = self.log_path();
        let before = std::fs::read_to_string(&log).map(|s| s.len()).unwrap_or(0);
        let child = self
            .command()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn tina-daemon");
        let daemon = Daemon { child: Some(child) };
        wait_for("the daemon's start-up scan", || {
            std::fs::read_to_string(&log)
                .is_ok_and(|s| s[before.min(s.len())..].contains("start-up scan done"))
        });
        daemon
    }

    pub fn log_path(&self) -> PathBuf {
        tina_session::daemon::log_path(&self.config)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    pub fn events(&self, orch: &Orchestration) -> Vec<TaskEvent> {
        self.store.list_task_events(&orch.id).expect("list events")
    }

    pub fn current(&self, orch: &Orchestration) -> Vec<CurrentTask> {
        self.store
            .get_current_tasks(&orch.id)
            .expect("current tasks")
    }

    pub fn task(&self, orch: &Orchestration, team: &Team, id: &str) -> Option<CurrentTask> {
        self.current(orch)
            .into_iter()
            .find(|t| t.team_id == team.id && t.task_id == id)
    }

    pub fn events_of(&self, orch: &Orchestration, team: &Team, id: &str) -> Vec<TaskEvent> {
        self.events(orch)
            .into_iter()
            .filter(|e| e.team_id == team.id && e.task_id == id)
            .collect()
    }

    /// Waits until the task's current subject and status are these.
    pub fn wait_task(
        &self,
        orch: &Orchestration,
        team: &Team,
        id: &str,
        subject: &str,
        status: &str,
    ) {
        wait_for(
            &format!("task {id} of {} to be '{subject}' {status}", team.team_name),
            || {
                self.task(orch, team, id)
                    .is_some_and(|t| t.subject == subject && t.status.as_str() == status)
            },
        );
    }
}

pub fn task_json(id: &str, subject: &str, status: &str) -> Value {
    json!({"id": id, "subject": subject, "description": format!("about {subject}"),
           "activeForm": "working", "status": status, "owner": "worker",
           "blocks": [], "blockedBy": [], "metadata": {"k": "v"}})
}

/// Truncate, write half, flush, write the rest: a reader can see the half.
pub fn write_in_place(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
    let mut f = std::fs::File::create(path).expect("create file");
    let (a, b) = bytes.split_at(bytes.len() / 2);
    f.write_all(a).expect("write");
    f.flush().expect("flush");
    f.write_all(b).expect("write");
}

/// Polls `cond` until it holds; fails the test after [`DEADLINE`].
pub fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A running `tina-daemon`; killed if the test ends without stopping it.
pub struct Daemon {
    child: Option<Child>,
}

impl Daemon {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn signal(&self, sig: Signal) {
        kill(Pid::from_raw(self.pid() as i32), sig).expect("signal daemon");
    }

    /// SIGTERM and wait: the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        self.signal(Signal::SIGTERM);
        let mut child = self.child.take().expect("child");
        child.wait().expect("wait daemon")
    }

    /// SIGKILL and wait.
    pub fn kill(mut self) {
        self.signal(Signal::SIGKILL);
        let mut child = self.child.take().expect("child");
        let _ = child.wait();
    }

    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
