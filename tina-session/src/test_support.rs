//! Fixtures shared by the workspace's tests (feature `test-support`; never in a release
//! build): a temporary home for running the real `tina-session` binary ([`CliEnv`]), a
//! git repository with one commit ([`git_repo`]), the record builders the store tests
//! use ([`new_orch`], [`task_event`]), and a store whose calls fail on demand
//! ([`FaultyStore`]). Panics on failure: it serves tests only.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::model::*;
use crate::store::sqlite::SqliteStore;
use crate::store::{Store, StoreError};

/// An orchestration of `phases` phases for `feature`, with a design doc, a branch and a
/// lead session id.
pub fn new_orch(feature: &str, phases: u32) -> NewOrchestration {
    NewOrchestration {
        feature_name: feature.into(),
        design_doc: format!("docs/{feature}.md"),
        branch: Some(format!("tina/{feature}")),
        worktree_path: None,
        total_phases: phases,
        orchestrator_team_name: orchestrator_team_name(feature),
        lead_session_id: Some("lead-session".into()),
        replace: false,
    }
}

/// A task event with subject "task <task>" and nothing else set.
pub fn task_event(
    team: &TeamId,
    task: &str,
    status: TaskStatus,
    at: i64,
    seq: i64,
) -> NewTaskEvent {
    NewTaskEvent {
        team_id: team.clone(),
        task_id: task.into(),
        subject: format!("task {task}"),
        description: String::new(),
        active_form: None,
        status,
        owner: None,
        blocked_by: vec![],
        metadata: json!({}),
        recorded_at: at,
        sequence: seq,
    }
}

/// Creates a git repository at `dir` (branch `main`) with one commit of a README.
pub fn git_repo(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    std::fs::write(dir.join("README.md"), "test project\n").expect("write README.md");
    let identity = ["-c", "user.email=t@t", "-c", "user.name=t"];
    for args in [
        &["init", "-q", "-b", "main"][..],
        &[&identity[..], &["add", "."]].concat(),
        &[&identity[..], &["commit", "-qm", "init"]].concat(),
    ] {
        let status = Command::new("git")
            .current_dir(dir)
            .args(args)
            .status()
            .unwrap_or_else(|e| panic!("git {args:?}: {e}"));
        assert!(status.success(), "git {args:?} failed in {}", dir.display());
    }
}

/// A temporary folder to run a `tina-session` binary in, with its own TINA_HOME
/// (`tina-home/`) and CLAUDE_HOME (`claude-home/`) and no Convex URL from outside.
pub struct CliEnv {
    _dir: tempfile::TempDir,
    /// The folder; files a test writes (design docs, plans) go here.
    pub root: PathBuf,
    bin: PathBuf,
}

impl CliEnv {
    /// `bin` is the binary to run: `env!("CARGO_BIN_EXE_tina-session")` in the
    /// package's own tests.
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        Self {
            _dir: dir,
            root,
            bin: bin.into(),
        }
    }

    /// Writes `text` to `name` under the root.
    pub fn write(&self, name: &str, text: &str) -> &Self {
        std::fs::write(self.root.join(name), text).unwrap_or_else(|e| panic!("write {name}: {e}"));
        self
    }

    /// `p` under the root, as an argument.
    pub fn path(&self, p: &str) -> String {
        self.root.join(p).display().to_string()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(&self.bin)
            .args(args)
            .env("TINA_HOME", self.root.join("tina-home"))
            .env("CLAUDE_HOME", self.root.join("claude-home"))
            .env_remove("TINA_CONVEX_URL")
            .current_dir(&self.root)
            .output()
            .unwrap_or_else(|e| panic!("run {}: {e}", self.bin.display()))
    }

    /// Runs, asserts success, returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs with --json, asserts success, parses stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.ok(&all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    }

    /// Runs, asserts exit code 1, returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(1), "{args:?} should fail: {out:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// The SQLite store under this TINA_HOME.
    pub fn store(&self) -> SqliteStore {
        SqliteStore::open(&self.root.join("tina-home/tina.db")).expect("open the store")
    }
}

/// When a [`FaultyStore`] asks its hook about a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Before the call reaches the inner store: an error means nothing was done.
    Before,
    /// After the inner store did it: an error hides a call that took effect (a timeout
    /// that hid a commit).
    After,
}

/// Decides whether a call fails: called with the `Store` method's name, before and after.
pub type Hook = dyn Fn(&'static str, When) -> Result<(), StoreError> + Send + Sync;

/// A store that passes every call to another and lets a test make chosen calls fail
/// (busy, unreachable, locked), before or after they take effect. It overrides the
/// trait's required methods and the lookups the backends answer themselves
/// (`find_team_by_*`); the other provided methods run their default over these.
pub struct FaultyStore {
    inner: Arc<dyn Store>,
    hook: Box<Hook>,
}

impl FaultyStore {
    pub fn new(
        inner: Arc<dyn Store>,
        hook: impl Fn(&'static str, When) -> Result<(), StoreError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            inner,
            hook: Box::new(hook),
        }
    }
}

macro_rules! faulty_calls {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)+) => {
        $(
            fn $name(&self, $($arg: $ty),*) -> Result<$ret, StoreError> {
                (self.hook)(stringify!($name), When::Before)?;
                let out = self.inner.$name($($arg),*)?;
                (self.hook)(stringify!($name), When::After)?;
                Ok(out)
            }
        )+
    };
}

impl Store for FaultyStore {
    fn describe(&self) -> String {
        format!("faulty {}", self.inner.describe())
    }

    faulty_calls! {
        create_orchestration(new: &NewOrchestration) -> (Orchestration, Team);
        get_orchestration(id: &OrchestrationId) -> Orchestration;
        get_orchestration_by_feature(feature: &str) -> Orchestration;
        list_orchestrations() -> Vec<Orchestration>;
        delete_orchestration(id: &OrchestrationId) -> ();
        apply_phase_transition(t: &PhaseTransition) -> TransitionOutcome;
        list_phases(orchestration: &OrchestrationId) -> Vec<Phase>;
        register_team(reg: &TeamRegistration) -> Team;
        get_team(id: &TeamId) -> Team;
        get_team_by_name(team_name: &str) -> Team;
        list_teams(orchestration: &OrchestrationId) -> Vec<Team>;
        list_by_parent(parent: &TeamId) -> Vec<Team>;
        list_active_teams() -> Vec<Team>;
        find_team_by_lead_session(session_id: &str) -> Option<Team>;
        find_team_by_claude_dir(folder: &str) -> Option<Team>;
        link_claude_team_dir(team: &TeamId, folder: &str) -> Team;
        record_team_activity(activity: &NewTeamActivity) -> bool;
        list_team_activity(orchestration: &OrchestrationId) -> Vec<TeamActivity>;
        upsert_team_member(member: &TeamMember) -> TeamMember;
        list_team_members(orchestration: &OrchestrationId) -> Vec<TeamMember>;
        record_task_events(events: &[NewTaskEvent]) -> RecordSummary;
        list_task_events(orchestration: &OrchestrationId) -> Vec<TaskEvent>;
        get_current_tasks(orchestration: &OrchestrationId) -> Vec<CurrentTask>;
        transcript_offset(transcript: &str) -> Option<u64>;
        record_usage(batch: &UsageBatch) -> u32;
        list_usage(orchestration: &OrchestrationId) -> Vec<UsageTotal>;
        set_budget(orchestration: &OrchestrationId, phase: Option<u32>, usd_micros: Option<Micros>) -> ();
        list_budgets(orchestration: &OrchestrationId) -> Vec<Budget>;
        record_attention(event: &AttentionEvent) -> bool;
        clear_attention(id: &str, at: Millis) -> bool;
        list_attention(orchestration: &OrchestrationId) -> Vec<AttentionEvent>;
        undelivered_attention() -> Vec<AttentionEvent>;
        claim_attention_delivery(id: &str, at: Millis) -> bool;
        revision() -> i64;
    }
}
