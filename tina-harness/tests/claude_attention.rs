//! Attention and spend end to end with the real Claude Code binary against the model
//! double (`tests/attention/lead.json` scripts the phase lead), one session shared by
//! every assertion to keep the time down:
//!
//! 1. a Bash call that needs permission under `acceptEdits` raises a real permission
//!    prompt and `Notification` hook: the member shows as waiting in `tina-session
//!    status --json`; the test answers the prompt through `tmux send-keys`, the command
//!    runs and the waiting clears;
//! 2. the quiet phase is a stall (`stall_after_secs = 3`);
//! 3. the daemon restarts; a budget set below the spend blocks the phase "budget
//!    exceeded", and the real `TaskCreated` hook refuses the next task: Claude Code
//!    gives the refusal text back to the model (the double sees it in the tool result)
//!    and deletes the task, which the store shows as `deleted`; raising the budget
//!    resumes the phase and the next task is recorded;
//! 4. the notify command (appending to a file) ran exactly once per event across the
//!    restart, and the store's usage is what the double reported.
//!
//! It prints the hook → waiting-visible latency (not asserted: figures are benchmarks).
//! Skipped with the reason when Claude Code or tmux is missing, failed under `CI=true`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Env, as_usage, build_mcp, double_usage, skip_without_claude, sum_usage};
use tina_harness::claude;
use tina_harness::daemon::DaemonGuard;
use tina_harness::locate::Binaries;
use tina_harness::model_double::{ModelDouble, script};
use tina_session::attention::summary::usage_view;
use tina_session::{
    ActivityKind, AttentionKind, OrchestrationId, Phase, PhaseStatus, Store, now_ms,
};

const FEATURE: &str = "heed";

/// Runs `tina-session` of this build with the env's homes.
fn tina(env: &Env, args: &[&str]) -> Output {
    let out = Command::new(Binaries::locate().tina_session)
        .args(args)
        .env("TINA_HOME", &env.config.tina_home)
        .env("CLAUDE_HOME", &env.config.claude_home)
        .env_remove("TINA_CONVEX_URL")
        .stdin(Stdio::null())
        .output()
        .expect("run tina-session");
    assert!(out.status.success(), "tina-session {args:?}: {out:?}");
    out
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// Polls `f` every 50 ms until it returns Some, failing with `what` after `limit`.
fn wait_for<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills the lead's tmux session when the test ends, passing or not.
struct TmuxSession(String);

impl TmuxSession {
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.0.as_str()];
        args.extend_from_slice(keys);
        claude::tmux(&args).expect("tmux send-keys");
    }

    /// Types a message into the lead's prompt and sends it.
    fn say(&self, text: &str) {
        self.keys(&["-l", text]);
        std::thread::sleep(Duration::from_millis(300));
        self.keys(&["Enter"]);
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for TmuxSession {
    fn drop(&mut self) {
        let _ = claude::tmux(&["kill-session", "-t", &self.0]);
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// The open attention events of `kind` as `status --json` shows them.
fn open_events(env: &Env, kind: &str) -> Vec<Value> {
    let status = json(&tina(env, &["status", "--feature", FEATURE, "--json"]));
    status["attention"]
        .as_array()
        .expect("attention")
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

fn phase_one(store: &dyn Store, orch: &OrchestrationId) -> Phase {
    let phases = store.list_phases(orch).expect("phases");
    phases
        .into_iter()
        .find(|p| p.phase_number == 1)
        .expect("phase 1")
}

fn double_log_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn waiting_stall_notify_and_budget_with_real_claude_code() {
    if skip_without_claude("waiting_stall_notify_and_budget_with_real_claude_code") {
        return;
    }
    build_mcp();
    let env = Env::new();
    let dir = env.dir.path();
    let notified = dir.join("notify.jsonl");
    std::fs::create_dir_all(&env.config.tina_home).expect("tina home");
    std::fs::write(
        env.config.tina_home.join("config.toml"),
        format!(
            "stall_after_secs = 3\nnotify_command = \"line=$(cat); printf '%s\\\\n' \\\"$line\\\" >> '{}'\"\n",
            notified.display()
        ),
    )
    .expect("config.toml");
    // The harness's seed, but Bash is not allowed: `sh -c` asks a person.
    claude::seed_config_dir(&env.config.claude_home).expect("seed");
    let settings_path = env.config.claude_home.join("settings.json");
    let mut settings: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings_path).expect("settings"))
            .expect("settings JSON");
    settings["permissions"]["allow"] =
        serde_json::json!(["Read", "Edit", "Write", "mcp__plugin_tina_tina"]);
    std::fs::write(&settings_path, settings.to_string()).expect("settings");

    let repo = dir.join("repo");
    std::fs::create_dir_all(&repo).expect("repo");
    std::fs::write(repo.join("README.md"), "heed\n").expect("readme");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(
        &repo,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "commit",
            "-q",
            "-m",
            "base",
        ],
    );
    let design = dir.join("design.md");
    std::fs::write(&design, "# Heed\nWrite a note once a person allows it.\n").expect("design");
    let plan = dir.join("phase-1.md");
    std::fs::write(&plan, "# Phase 1\nWrite approved.txt.\n").expect("plan");

    let mut daemon = DaemonGuard::ensure(&env.config, &Binaries::locate()).expect("daemon");
    let design_arg = design.display().to_string();
    let repo_arg = repo.display().to_string();
    let init = json(&tina(
        &env,
        &[
            "init",
            "--json",
            "--runtime",
            "none",
            "--feature",
            FEATURE,
            "--design-doc",
            &design_arg,
            "--repo",
            &repo_arg,
            "--total-phases",
            "1",
        ],
    ));
    let worktree = PathBuf::from(init["worktree_path"].as_str().expect("worktree"));
    tina(
        &env,
        &[
            "advance",
            "--feature",
            FEATURE,
            "--phase",
            "1",
            "--event",
            "plan",
        ],
    );

    let scripts_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/attention");
    let double_log = dir.join("model-double.log");
    let double = ModelDouble::start(
        script::load_scripts(&scripts_dir).expect("scripts"),
        Some(double_log.clone()),
    )
    .expect("model double");
    let launch = claude::settings().expect("launch settings");
    let mut start = Command::new(Binaries::locate().tina_session);
    let plan_arg = plan.display().to_string();
    start
        .args([
            "start",
            "--json",
            "--feature",
            FEATURE,
            "--phase",
            "1",
            "--plan",
            &plan_arg,
            "--runtime",
            "claude",
            "--trust",
            "--budget-usd",
            "100",
            // A model the shipped price table knows, so spend has a cost.
            "--model",
            "claude-sonnet-4-5",
        ])
        .stdin(Stdio::null());
    claude::launch_env(&mut start, &env.config, &launch, &double);
    let out = start.output().expect("tina-session start");
    assert!(out.status.success(), "start: {out:?}");
    let started = json(&out);
    let tmux = TmuxSession(started["tmux_session"].as_str().expect("tmux").to_owned());
    let lead_session = started["lead_session_id"]
        .as_str()
        .expect("session")
        .to_owned();
    let store = env.config.open_store().expect("store");
    let orch = store.get_orchestration_by_feature(FEATURE).expect("orch");
    let diagnose = |what: &str| {
        format!(
            "{what}\nscreen:\n{}\nhook.log:\n{}\ndouble log:\n{}",
            tmux.screen(),
            std::fs::read_to_string(env.config.logs_dir().join("hook.log")).unwrap_or_default(),
            std::fs::read_to_string(&double_log).unwrap_or_default()
        )
    };

    // 1. Waiting on a person, answered through tmux, cleared.
    let waiting = wait_for(
        "the permission prompt to show as waiting",
        Duration::from_secs(90),
        || open_events(&env, "waiting").into_iter().next(),
    );
    let seen = now_ms();
    assert_eq!(waiting["session_id"], lead_session.as_str(), "{waiting}");
    assert_eq!(waiting["agent_name"], "team-lead", "{waiting}");
    let notification = store
        .list_team_activity(&orch.id)
        .expect("activity")
        .into_iter()
        .find(|a| a.kind == ActivityKind::Notification)
        .expect("the Notification hook recorded");
    assert!(
        notification
            .detail
            .as_deref()
            .is_some_and(|d| d.starts_with("permission_prompt")),
        "{notification:?}"
    );
    eprintln!(
        "hook -> waiting visible in status: {} ms",
        seen.saturating_sub(notification.recorded_at)
    );
    assert!(
        !worktree.join("approved.txt").exists(),
        "the command ran before a person allowed it"
    );
    tmux.keys(&["Enter"]);
    wait_for(
        "the allowed command to run",
        Duration::from_secs(30),
        || worktree.join("approved.txt").is_file().then_some(()),
    );
    wait_for("the waiting to clear", Duration::from_secs(30), || {
        open_events(&env, "waiting").is_empty().then_some(())
    });

    // 2. The lead ends its turn; the quiet phase is a stall.
    wait_for("a stall", Duration::from_secs(30), || {
        store
            .list_attention(&orch.id)
            .expect("attention")
            .into_iter()
            .find(|e| e.kind == AttentionKind::Stall)
    });

    // 3. Across a daemon restart: budget spent -> blocked, the task refused.
    daemon.stop().expect("daemon stop");
    daemon.start_again().expect("daemon start");
    wait_for("spend to be read", Duration::from_secs(30), || {
        let view = usage_view(&*store, &orch.id).expect("usage");
        (view.total.messages >= 4 && view.total.cost_micros > 10_000).then_some(())
    });
    tina(
        &env,
        &[
            "budget",
            "--feature",
            FEATURE,
            "--phase",
            "1",
            "--usd",
            "0.01",
        ],
    );
    let phase = phase_one(&*store, &orch.id);
    assert_eq!(phase.status, PhaseStatus::Blocked);
    assert_eq!(phase.blocked_reason.as_deref(), Some("budget exceeded"));
    tmux.say("Create the second task");
    let refused = wait_for(
        "the refusal to reach the model",
        Duration::from_secs(60),
        || {
            double_log_lines(&double_log).into_iter().find(|l| {
                l["last"]
                    .as_str()
                    .is_some_and(|t| t.contains("TINA refused this task"))
            })
        },
    );
    assert_eq!(refused["agent"], "lead", "{refused}");
    let subjects = || -> Vec<String> {
        store
            .get_current_tasks(&orch.id)
            .expect("tasks")
            .into_iter()
            .map(|t| t.subject)
            .collect()
    };
    // Claude Code rolled the task back (its file is gone); the store, which may have
    // read the file first, shows it refused, not pending.
    let second = wait_for(
        "the refused task to show as deleted",
        Duration::from_secs(10),
        || {
            store
                .get_current_tasks(&orch.id)
                .expect("tasks")
                .into_iter()
                .find(|t| t.subject == "Second task" && t.status.as_str() == "deleted")
        },
    );
    let folder = env
        .config
        .claude_home
        .join("tasks")
        .join(format!("session-{}", &lead_session[..8]));
    assert!(
        !folder.join(format!("{}.json", second.task_id)).exists(),
        "{}",
        diagnose("Claude Code kept the refused task's file")
    );

    // Raised: resumed, and the next task is recorded.
    tina(
        &env,
        &[
            "budget",
            "--feature",
            FEATURE,
            "--phase",
            "1",
            "--usd",
            "100",
        ],
    );
    let phase = phase_one(&*store, &orch.id);
    assert_eq!(phase.status, PhaseStatus::Executing);
    tmux.say("Create the third task");
    wait_for("the third task", Duration::from_secs(60), || {
        subjects().iter().any(|s| s == "Third task").then_some(())
    });

    // 4. Every event notified exactly once, across the restart.
    let events = wait_for(
        "every event to be delivered",
        Duration::from_secs(30),
        || {
            let all = store.list_attention(&orch.id).expect("attention");
            all.iter().all(|e| e.delivered_at.is_some()).then_some(all)
        },
    );
    for kind in [
        AttentionKind::Waiting,
        AttentionKind::Stall,
        AttentionKind::BudgetExceeded,
    ] {
        assert!(
            events.iter().any(|e| e.kind == kind),
            "no {kind:?}: {events:?}"
        );
    }
    // The last command may still be writing.
    std::thread::sleep(Duration::from_millis(500));
    let lines: Vec<Value> = std::fs::read_to_string(&notified)
        .expect("notify file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("notify line"))
        .collect();
    let mut ids: Vec<&str> = lines
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    ids.sort();
    let mut expected: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    expected.sort();
    assert_eq!(ids, expected, "each event notified exactly once");

    // The spend is what the double reported (the lead's transcript, read across the
    // restart without counting a line twice).
    let reported = double_usage(&double_log);
    let total = sum_usage(reported.values());
    let view = wait_for("usage to catch up", Duration::from_secs(30), || {
        let view = usage_view(&*store, &orch.id).expect("usage");
        (view.total.messages >= total.1).then_some(view)
    });
    assert_eq!(
        (as_usage(&view.total), view.total.messages),
        total,
        "{reported:?}"
    );
    eprintln!(
        "usage of the run: {} messages, {:?}, ${:.4}",
        view.total.messages, view.total.tokens, view.total.cost_usd
    );
    drop(tmux);
    drop(double);
}
