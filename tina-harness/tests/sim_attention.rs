//! The `sim` mirror of `claude_attention.rs`: the same story with the sim playing
//! Claude Code's side ([`tina_harness::sim::session`]: the plugin's real hooks run as
//! Claude Code runs them, transcript lines with usage), against the real binaries,
//! daemon and store — and no Claude Code, so it runs everywhere:
//! a permission prompt's `Notification` shows as waiting and clears when the session
//! acts again; the quiet phase is a stall; across a daemon restart a spent budget
//! blocks the phase and the `TaskCreated` hook blocks the task (exit 2, the reason
//! for the model) and records it deleted; raised, the phase resumes and tasks are
//! recorded; every event is notified once; the usage is what the transcript says.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Env, as_usage, sum_usage};
use tina_harness::daemon::DaemonGuard;
use tina_harness::locate::Binaries;
use tina_harness::model_double::reply::Usage;
use tina_harness::sim::session::{HookResult, SimSession};
use tina_session::attention::summary::usage_view;
use tina_session::{AttentionKind, OrchestrationId, PhaseStatus, Store};

const FEATURE: &str = "heed";
const SESSION: &str = "5e55a0c1-7d1e-4c1b-9d5e-2f3a4b5c6d7e";

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

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn open_waiting(env: &Env) -> Vec<Value> {
    let out = tina(env, &["status", "--feature", FEATURE, "--json"]);
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    status["attention"]
        .as_array()
        .expect("attention")
        .iter()
        .filter(|e| e["kind"] == "waiting")
        .cloned()
        .collect()
}

fn phase_status(store: &dyn Store, orch: &OrchestrationId) -> (PhaseStatus, Option<String>) {
    let phase = store
        .list_phases(orch)
        .expect("phases")
        .into_iter()
        .find(|p| p.phase_number == 1)
        .expect("phase 1");
    (phase.status, phase.blocked_reason)
}

fn task_created(id: &str, subject: &str) -> Value {
    json!({"task_id": id, "task_subject": subject, "task_description": subject})
}

#[test]
fn waiting_stall_notify_and_budget_with_the_sim_playing_claude_code() {
    let env = Env::new();
    let dir = env.dir.path();
    let notified = dir.join("notify.jsonl");
    std::fs::create_dir_all(&env.config.tina_home).expect("tina home");
    std::fs::write(
        env.config.tina_home.join("config.toml"),
        format!(
            "stall_after_secs = 2\nnotify_command = \"line=$(cat); printf '%s\\\\n' \\\"$line\\\" >> '{}'\"\n",
            notified.display()
        ),
    )
    .expect("config.toml");
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
    std::fs::write(dir.join("design.md"), "# Heed\n").expect("design");
    std::fs::write(dir.join("phase-1.md"), "# Phase 1\n").expect("plan");
    let path = |p: &str| dir.join(p).display().to_string();

    let mut daemon = DaemonGuard::ensure(&env.config, &Binaries::locate()).expect("daemon");
    let init: Value = serde_json::from_slice(
        &tina(
            &env,
            &[
                "init",
                "--json",
                "--runtime",
                "none",
                "--feature",
                FEATURE,
                "--design-doc",
                &path("design.md"),
                "--repo",
                &path("repo"),
                "--total-phases",
                "1",
            ],
        )
        .stdout,
    )
    .expect("init JSON");
    let orch_id = init["orchestration_id"].as_str().expect("id").to_owned();
    let worktree = init["worktree_path"].as_str().expect("worktree").to_owned();
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
    tina(
        &env,
        &[
            "start",
            "--feature",
            FEATURE,
            "--phase",
            "1",
            "--plan",
            &path("phase-1.md"),
            "--runtime",
            "none",
            "--budget-usd",
            "100",
        ],
    );
    // The launcher's part: the lead's session id on its team before it runs.
    tina(
        &env,
        &[
            "register-team",
            "--orchestration-id",
            &orch_id,
            "--team",
            "heed-phase-1",
            "--phase-number",
            "1",
            "--lead-session-id",
            SESSION,
        ],
    );
    let store = env.config.open_store().expect("store");
    let orch = store.get_orchestration_by_feature(FEATURE).expect("orch");
    let mut lead = SimSession::new(&env.config, SESSION, Path::new(&worktree));
    let mut reported = Vec::new();
    let mut reply = |lead: &mut SimSession, n: u64| {
        let usage = Usage {
            input_tokens: 3_000 + n,
            output_tokens: 40 + n,
            cache_creation_input_tokens: 3_000,
            cache_read_input_tokens: 20_000 + n,
        };
        lead.reply("claude-sonnet-4-5", usage, 2)
            .expect("transcript");
        reported.push((usage, 1));
    };

    assert_eq!(
        lead.hook(
            "SessionStart",
            json!({"source": "startup", "model": "claude-sonnet-4-5"})
        )
        .expect("hook"),
        HookResult::Passed
    );
    reply(&mut lead, 1);
    assert_eq!(
        lead.hook("TaskCreated", task_created("1", "Write the note"))
            .expect("hook"),
        HookResult::Passed
    );
    reply(&mut lead, 2);

    // 1. A permission prompt: waiting until the session acts again.
    lead.hook(
        "Notification",
        json!({"message": "Claude needs your permission to use Bash",
               "notification_type": "permission_prompt"}),
    )
    .expect("hook");
    let waiting = wait_for("waiting", Duration::from_secs(20), || {
        open_waiting(&env).into_iter().next()
    });
    assert_eq!(waiting["session_id"], SESSION);
    reply(&mut lead, 3);
    lead.hook("Stop", json!({"stop_hook_active": false}))
        .expect("hook");
    wait_for("the waiting to clear", Duration::from_secs(20), || {
        open_waiting(&env).is_empty().then_some(())
    });

    // 2. Quiet: a stall.
    wait_for("a stall", Duration::from_secs(20), || {
        store
            .list_attention(&orch.id)
            .expect("attention")
            .into_iter()
            .find(|e| e.kind == AttentionKind::Stall)
    });

    // 3. Across a restart: spent, blocked, refused; raised, resumed, recorded.
    daemon.stop().expect("daemon stop");
    daemon.start_again().expect("daemon start");
    wait_for("spend to be read", Duration::from_secs(20), || {
        let view = usage_view(&*store, &orch.id).expect("usage");
        (view.total.messages == 3).then_some(())
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
    assert_eq!(
        phase_status(&*store, &orch.id),
        (PhaseStatus::Blocked, Some("budget exceeded".into()))
    );
    let HookResult::Blocked { reason } = lead
        .hook("TaskCreated", task_created("2", "Second task"))
        .expect("hook")
    else {
        panic!("the TaskCreated hook did not block an over-budget task");
    };
    assert!(reason.contains("TINA refused this task"), "{reason}");
    let status_of = |subject: &str| {
        store
            .get_current_tasks(&orch.id)
            .expect("tasks")
            .into_iter()
            .find(|t| t.subject == subject)
            .map(|t| t.status.as_str().to_owned())
    };
    assert_eq!(status_of("Second task").as_deref(), Some("deleted"));
    reply(&mut lead, 4);
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
    assert_eq!(phase_status(&*store, &orch.id).0, PhaseStatus::Executing);
    assert_eq!(
        lead.hook("TaskCreated", task_created("3", "Third task"))
            .expect("hook"),
        HookResult::Passed
    );
    assert_eq!(status_of("Third task").as_deref(), Some("pending"));

    // 4. Notified once per event, across the restart; usage as the transcript says.
    let events = wait_for("every event delivered", Duration::from_secs(20), || {
        let all = store.list_attention(&orch.id).expect("attention");
        all.iter().all(|e| e.delivered_at.is_some()).then_some(all)
    });
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
    let mut expected: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    expected.sort();
    let lines = wait_for(
        "every notification written",
        Duration::from_secs(10),
        || {
            let text = std::fs::read_to_string(&notified).unwrap_or_default();
            let lines: Vec<Value> = text
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect();
            (lines.len() >= expected.len()).then_some(lines)
        },
    );
    let mut ids: Vec<&str> = lines
        .iter()
        .map(|l| l["id"].as_str().expect("id"))
        .collect();
    ids.sort();
    assert_eq!(ids, expected, "each event notified exactly once");
    let total = sum_usage(&reported);
    let view = wait_for("usage", Duration::from_secs(20), || {
        let view = usage_view(&*store, &orch.id).expect("usage");
        (view.total.messages >= total.1).then_some(view)
    });
    assert_eq!((as_usage(&view.total), view.total.messages), total);
}
