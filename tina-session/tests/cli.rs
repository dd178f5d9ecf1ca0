//! The real `tina-session` binary, walked through a two-phase orchestration with a
//! temporary TINA_HOME, CLAUDE_HOME and git repository.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use tina_session::test_support::{CliEnv, git_repo};

/// The shared CLI fixture, with a git repository (`repo/`), a design doc and two plans.
struct Env(CliEnv);

impl std::ops::Deref for Env {
    type Target = CliEnv;
    fn deref(&self) -> &CliEnv {
        &self.0
    }
}

impl Env {
    fn new() -> Self {
        let env = CliEnv::new(env!("CARGO_BIN_EXE_tina-session"));
        git_repo(&env.root.join("repo"));
        env.write("design.md", "# Verbose flag\n")
            .write("plan-1.md", "# Phase 1\n")
            .write("plan-2.md", "# Phase 2\n");
        Self(env)
    }

    fn init(&self, feature: &str, phases: &str) -> Value {
        self.json(&[
            "init",
            "--feature",
            feature,
            "--design-doc",
            &self.path("design.md"),
            "--repo",
            &self.path("repo"),
            "--total-phases",
            phases,
        ])
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("missing {k} in {v}"))
}

#[test]
fn two_phase_orchestration_from_init_to_complete() {
    let env = Env::new();
    let init = env.init("verbose-flag", "2");
    assert_eq!(s(&init, "feature_name"), "verbose-flag");
    assert_eq!(s(&init, "team_name"), "verbose-flag-orchestration");
    assert_eq!(s(&init, "branch"), "tina/verbose-flag");
    assert_eq!(init["total_phases"], 2);
    let worktree = Path::new(s(&init, "worktree_path"));
    assert!(worktree.join("README.md").is_file(), "worktree checked out");
    let orch_team = s(&init, "team_id").to_owned();

    for phase in ["1", "2"] {
        let plan = env.path(&format!("plan-{phase}.md"));
        let start = env.json(&[
            "start",
            "--feature",
            "verbose-flag",
            "--phase",
            phase,
            "--plan",
            &plan,
            "--parent-team-id",
            &orch_team,
            "--runtime",
            "none",
        ]);
        assert_eq!(
            s(&start, "team_name"),
            format!("verbose-flag-phase-{phase}")
        );
        assert_eq!(s(&start, "parent_team_id"), orch_team);
        assert_eq!(start["phase_number"].as_u64().unwrap().to_string(), phase);
        assert_eq!(s(&start, "runtime"), "none");
        let review = env.json(&[
            "advance",
            "--feature",
            "verbose-flag",
            "--phase",
            phase,
            "--event",
            "review",
        ]);
        assert_eq!(s(&review, "phase_status"), "reviewing");
        let done = env.json(&[
            "advance",
            "--feature",
            "verbose-flag",
            "--phase",
            phase,
            "--event",
            "complete",
        ]);
        assert_eq!(s(&done, "phase_status"), "complete");
        let expected = if phase == "2" { "complete" } else { "planning" };
        assert_eq!(s(&done, "orchestration_status"), expected);
    }

    let status = env.json(&["status", "--feature", "verbose-flag"]);
    assert_eq!(status["orchestration"]["status"], "complete");
    assert!(s(&status, "store").starts_with("sqlite:"));
    assert_eq!(status["phases"].as_array().unwrap().len(), 2);

    // The hierarchy: one orchestrator team, two phase teams linked to it by id.
    let tree = env.json(&["hierarchy", "--feature", "verbose-flag"]);
    let roots = tree["teams"].as_array().unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0]["team"]["id"], orch_team.as_str());
    let kids = roots[0]["children"].as_array().unwrap();
    assert_eq!(kids.len(), 2);
    for (i, kid) in kids.iter().enumerate() {
        assert_eq!(kid["team"]["phase_number"], i as u64 + 1);
        assert_eq!(kid["team"]["parent_team_id"], orch_team.as_str());
    }
    let text = env.run(&["hierarchy", "--feature", "verbose-flag"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("Orchestration: verbose-flag (complete)"),
        "{text}"
    );
    assert!(
        text.contains("└── verbose-flag-phase-2 [phase 2]"),
        "{text}"
    );

    let list = env.json(&["list"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(
        env.json(&["tasks", "--feature", "verbose-flag"])
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Cleanup removes records and worktree; the feature can be started again.
    let clean = env.json(&["cleanup", "--feature", "verbose-flag", "--worktree"]);
    assert_eq!(clean["removed"], true);
    assert!(!worktree.exists());
    assert!(env.json(&["list"]).as_array().unwrap().is_empty());
    let again = env.json(&["cleanup", "--feature", "verbose-flag"]);
    assert_eq!(again["removed"], false);

    // The branch (the delivered work) outlives cleanup; a re-run says what to do.
    let err = env.fails(&[
        "init",
        "--feature",
        "verbose-flag",
        "--design-doc",
        &env.path("design.md"),
        "--repo",
        &env.path("repo"),
        "--total-phases",
        "2",
    ]);
    assert!(
        err.contains("branch 'tina/verbose-flag' already exists") && err.contains("--branch"),
        "{err}"
    );
    assert!(
        env.json(&["list"]).as_array().unwrap().is_empty(),
        "nothing half-written"
    );
    let rerun = env.json(&[
        "init",
        "--feature",
        "verbose-flag",
        "--design-doc",
        &env.path("design.md"),
        "--repo",
        &env.path("repo"),
        "--total-phases",
        "2",
        "--branch",
        "tina/verbose-flag-2",
    ]);
    assert_eq!(s(&rerun, "branch"), "tina/verbose-flag-2");
}

#[test]
fn refusals_exit_1_and_write_nothing() {
    let env = Env::new();
    let design = env.path("design.md");
    let plan = env.path("plan-1.md");

    let err = env.fails(&[
        "init",
        "--feature",
        "x",
        "--design-doc",
        &env.path("missing.md"),
        "--no-worktree",
    ]);
    assert!(
        err.contains("cannot read design doc") && err.contains("missing.md"),
        "{err}"
    );
    let not_git = env.path("not-git");
    std::fs::create_dir_all(&not_git).unwrap();
    let err = env.fails(&[
        "init",
        "--feature",
        "x",
        "--design-doc",
        &design,
        "--repo",
        &not_git,
    ]);
    assert!(err.contains("not a git repository"), "{err}");
    let err = env.fails(&[
        "init",
        "--feature",
        "../evil",
        "--design-doc",
        &design,
        "--no-worktree",
    ]);
    assert!(err.contains("invalid feature name"), "{err}");
    assert!(
        env.json(&["list"]).as_array().unwrap().is_empty(),
        "nothing half-written"
    );

    let init = env.init("auth", "2");
    let orch_team = s(&init, "team_id").to_owned();
    let err = env.fails(&[
        "init",
        "--feature",
        "auth",
        "--design-doc",
        &design,
        "--repo",
        &env.path("repo"),
    ]);
    assert!(
        err.contains("already has an orchestration") && err.contains("--replace"),
        "{err}"
    );

    let err = env.fails(&[
        "start",
        "--feature",
        "auth",
        "--phase",
        "3",
        "--plan",
        &plan,
        "--runtime",
        "none",
    ]);
    assert!(err.contains("outside 1..=2"), "{err}");
    let err = env.fails(&[
        "start",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--plan",
        &plan,
        "--parent-team-id",
        "no-such-team",
        "--runtime",
        "none",
    ]);
    assert!(
        err.contains("unknown parent team id 'no-such-team'"),
        "{err}"
    );
    let err = env.fails(&[
        "start",
        "--feature",
        "aut",
        "--phase",
        "1",
        "--plan",
        &plan,
        "--runtime",
        "none",
    ]);
    assert!(
        err.contains("orchestration not found") && err.contains("tina-session list"),
        "{err}"
    );

    // A team id from another orchestration.
    let other = env.json(&[
        "init",
        "--feature",
        "auth-v2",
        "--design-doc",
        &design,
        "--no-worktree",
    ]);
    let err = env.fails(&[
        "start",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--plan",
        &plan,
        "--parent-team-id",
        s(&other, "team_id"),
        "--runtime",
        "none",
    ]);
    assert!(err.contains("belongs to another orchestration"), "{err}");
    let err = env.fails(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--event",
        "complete",
    ]);
    assert!(
        err.contains("not started") && err.contains("allowed events"),
        "{err}"
    );
    let err = env.fails(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--event",
        "block",
    ]);
    assert!(err.contains("--reason"), "{err}");

    // Nothing was registered by the refused starts.
    let tree = env.json(&["hierarchy", "--feature", "auth"]);
    assert!(tree["teams"][0]["children"].as_array().unwrap().is_empty());

    // Default parent: the orchestrator team, by record.
    let start = env.json(&[
        "start",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--plan",
        &plan,
        "--runtime",
        "none",
    ]);
    assert_eq!(s(&start, "parent_team_id"), orch_team);
    // Starting an executing phase again relaunches the same team under the same parent.
    let again = env.json(&[
        "start",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--plan",
        &plan,
        "--runtime",
        "none",
    ]);
    assert_eq!(again["team_id"], start["team_id"]);
    assert_eq!(s(&again, "parent_team_id"), orch_team);
    let err = env.fails(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "0",
        "--event",
        "review",
    ]);
    assert!(err.contains("outside 1..=2"), "{err}");
    let err = env.fails(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "3",
        "--event",
        "review",
    ]);
    assert!(err.contains("outside 1..=2"), "{err}");
    // Re-registering the phase team without its links keeps them.
    let kept = env.json(&[
        "register-team",
        "--orchestration-id",
        s(&init, "orchestration_id"),
        "--team",
        "auth-phase-1",
        "--lead-session-id",
        "s-1",
    ]);
    assert_eq!(kept["phase_number"], 1);
    assert_eq!(s(&kept, "parent_team_id"), orch_team);

    // Blocked, then resumed.
    let blocked = env.json(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--event",
        "block",
        "--reason",
        "tests fail",
    ]);
    assert_eq!(s(&blocked, "orchestration_status"), "blocked");
    assert_eq!(s(&blocked, "blocked_reason"), "tests fail");
    let resumed = env.json(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--event",
        "resume",
    ]);
    assert_eq!(s(&resumed, "phase_status"), "executing");
    assert_eq!(s(&resumed, "orchestration_status"), "executing");

    // --replace starts over.
    let replaced = env.json(&[
        "init",
        "--feature",
        "auth",
        "--design-doc",
        &design,
        "--repo",
        &env.path("repo"),
        "--total-phases",
        "1",
        "--replace",
    ]);
    assert_ne!(
        s(&replaced, "orchestration_id"),
        s(&init, "orchestration_id")
    );
    assert_eq!(
        env.json(&["status", "--feature", "auth"])["phases"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Usage errors are exit code 2 (clap).
    let out = env.run(&[
        "advance",
        "--feature",
        "auth",
        "--phase",
        "1",
        "--event",
        "finish",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown event 'finish'"));
}

#[test]
fn claude_runtime_without_claude_is_a_clear_error() {
    let env = Env::new();
    env.json(&[
        "init",
        "--feature",
        "needs-claude",
        "--design-doc",
        &env.path("design.md"),
        "--no-worktree",
    ]);
    let start = |path: &std::ffi::OsStr, claude_bin: &str| {
        Command::new(env!("CARGO_BIN_EXE_tina-session"))
            .args([
                "start",
                "--feature",
                "needs-claude",
                "--phase",
                "1",
                "--plan",
                &env.path("plan-1.md"),
                "--runtime",
                "claude",
            ])
            .env("TINA_HOME", env.root.join("tina-home"))
            .env("PATH", path)
            .env("TINA_CLAUDE_BIN", claude_bin)
            .output()
            .unwrap()
    };
    // No tmux (an empty PATH): said first, with how to install it.
    let out = start(env.root.join("empty-bin").as_os_str(), "claude");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("tmux is not available"), "{err}");
    // tmux there (when this machine has it), no Claude Code: named, with how to get it.
    if std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("tmux").is_file()))
    {
        let out = start(&std::env::var_os("PATH").unwrap(), "/nonexistent/claude");
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("Claude Code (/nonexistent/claude) is not available")
                && err.contains("TINA_CLAUDE_BIN"),
            "{err}"
        );
    }
    // Refused before any write: the phase team does not exist.
    let tree = env.json(&["hierarchy", "--feature", "needs-claude"]);
    assert!(tree["teams"][0]["children"].as_array().unwrap().is_empty());
}

#[test]
fn register_team_and_task_filters() {
    let env = Env::new();
    let init = env.json(&[
        "init",
        "--feature",
        "filters",
        "--design-doc",
        &env.path("design.md"),
        "--no-worktree",
        "--total-phases",
        "2",
    ]);
    let oid = s(&init, "orchestration_id");
    let team = env.json(&[
        "register-team",
        "--orchestration-id",
        oid,
        "--team",
        "filters-phase-1",
        "--phase-number",
        "1",
        "--parent-team-id",
        s(&init, "team_id"),
        "--lead-session-id",
        "sess-1",
    ]);
    assert_eq!(team["phase_number"], 1);
    assert_eq!(team["lead_session_id"], "sess-1");
    let again = env.json(&[
        "register-team",
        "--orchestration-id",
        oid,
        "--team",
        "filters-phase-1",
        "--phase-number",
        "2",
        "--parent-team-id",
        s(&init, "team_id"),
    ]);
    assert_eq!(again["id"], team["id"], "upsert keeps the id");
    let other = env.json(&[
        "init",
        "--feature",
        "filters-2",
        "--design-doc",
        &env.path("design.md"),
        "--no-worktree",
    ]);
    let err = env.fails(&[
        "register-team",
        "--orchestration-id",
        s(&other, "orchestration_id"),
        "--team",
        "filters-phase-1",
    ]);
    assert!(err.contains("already belongs to orchestration"), "{err}");

    // Seed tasks through the library on the same store file, then filter via the CLI.
    let store = tina_session::store::sqlite::SqliteStore::open(&env.root.join("tina-home/tina.db"))
        .unwrap();
    use tina_session::Store;
    let mk = |team: &str, id: &str, status: &str| tina_session::NewTaskEvent {
        team_id: tina_session::TeamId::from(team),
        task_id: id.into(),
        subject: format!("{team} {id}"),
        description: String::new(),
        active_form: None,
        status: tina_session::TaskStatus::parse(status),
        owner: None,
        blocked_by: vec![],
        metadata: Value::Null,
        recorded_at: 1,
        sequence: 1,
    };
    store
        .record_task_events(&[
            mk(s(&init, "team_id"), "1", "completed"),
            mk(s(&team, "id"), "1", "in_progress"),
            mk(s(&team, "id"), "2", "mystery"),
        ])
        .unwrap();
    let all = env.json(&["tasks", "--feature", "filters"]);
    assert_eq!(all.as_array().unwrap().len(), 3);
    let phase2 = env.json(&["tasks", "--feature", "filters", "--phase", "2"]);
    assert_eq!(phase2.as_array().unwrap().len(), 2);
    let mystery = env.json(&["tasks", "--feature", "filters", "--status", "mystery"]);
    assert_eq!(mystery[0]["task_id"], "2");
    let orch_only = env.json(&[
        "tasks",
        "--feature",
        "filters",
        "--team",
        "filters-orchestration",
    ]);
    assert_eq!(orch_only.as_array().unwrap().len(), 1);
    let err = env.fails(&["tasks", "--feature", "filters", "--team", "filters-phase"]);
    assert!(err.contains("team not found"), "{err}");
    // A filter that cannot match in this orchestration is an error, as in the MCP tools
    // (the same library check: views::filter_tasks), not an empty list.
    let err = env.fails(&["tasks", "--feature", "filters", "--phase", "3"]);
    assert!(
        err.contains("--phase: phase 3 is outside 1..=2 for feature 'filters'"),
        "{err}"
    );
    let err = env.fails(&[
        "tasks",
        "--feature",
        "filters",
        "--team",
        "filters-2-orchestration",
    ]);
    assert!(
        err.contains("team not found: 'filters-2-orchestration' in orchestration 'filters'"),
        "{err}"
    );
}

/// `cleanup` removes the Claude Code folders linked to the feature's teams (real
/// folders inside CLAUDE_HOME only: a symlinked one is refused and what it points to
/// kept), leaves unlinked folders alone, and with `--branch` deletes the branch.
#[test]
fn cleanup_removes_linked_claude_folders_and_with_branch_the_branch() {
    use tina_session::store::sqlite::SqliteStore;
    let env = Env::new();
    env.init("tidy", "1");
    let store = SqliteStore::open(&env.root.join("tina-home/tina.db")).unwrap();
    let lead = tina_session::Store::get_team_by_name(&store, "tidy-orchestration").unwrap();
    let phase = tina_session::Store::register_team(
        &store,
        &tina_session::TeamRegistration {
            team_name: "tidy-phase-1".into(),
            orchestration_id: lead.orchestration_id.clone(),
            parent_team_id: Some(lead.id.clone()),
            phase_number: Some(1),
            lead_session_id: None,
        },
    )
    .unwrap();
    tina_session::Store::link_claude_team_dir(&store, &lead.id, "session-8739ce96").unwrap();
    tina_session::Store::link_claude_team_dir(&store, &phase.id, "session-5b1f0c2d").unwrap();
    let claude = env.root.join("claude-home");
    for dir in [
        "teams/session-8739ce96/inboxes",
        "tasks/session-8739ce96",
        "tasks/session-unrelated",
        "tasks",
    ] {
        std::fs::create_dir_all(claude.join(dir)).unwrap();
    }
    std::fs::write(claude.join("tasks/session-8739ce96/1.json"), "{}").unwrap();
    // The phase team's task folder is a symlink to something that must survive.
    let outside = env.root.join("precious");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("keep"), "x").unwrap();
    std::os::unix::fs::symlink(&outside, claude.join("tasks/session-5b1f0c2d")).unwrap();

    let out = env.json(&["cleanup", "--feature", "tidy", "--branch"]);
    assert_eq!(out["removed"], true);
    let removed: Vec<&str> = out["claude_dirs_removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        removed,
        ["teams/session-8739ce96", "tasks/session-8739ce96"]
    );
    assert!(!claude.join("teams/session-8739ce96").exists());
    assert!(!claude.join("tasks/session-8739ce96").exists());
    assert!(claude.join("tasks/session-unrelated").is_dir());
    assert!(outside.join("keep").is_file());
    let warnings = out["warnings"].to_string();
    assert!(warnings.contains("symbolic link"), "{warnings}");
    assert_eq!(out["branch_removed"], "tina/tidy");
    assert!(out["worktree_removed"].is_string());
    let branches = Command::new("git")
        .current_dir(env.root.join("repo"))
        .args(["branch", "--list", "tina/tidy"])
        .output()
        .unwrap();
    assert!(branches.stdout.is_empty(), "{branches:?}");
    // The feature can start over on the same branch name.
    env.init("tidy", "1");
}

#[test]
fn budgets_from_init_start_and_budget_block_and_resume_the_phase() {
    let env = Env::new();
    let design = env.path("design.md");
    env.json(&[
        "init",
        "--feature",
        "capped",
        "--design-doc",
        &design,
        "--no-worktree",
        "--total-phases",
        "2",
        "--budget-usd",
        "5",
    ]);
    let plan = env.path("plan-1.md");
    env.json(&[
        "start",
        "--feature",
        "capped",
        "--phase",
        "1",
        "--plan",
        &plan,
        "--runtime",
        "none",
        "--budget-usd",
        "2.50",
    ]);
    let status = env.json(&["status", "--feature", "capped"]);
    let budgets = status["usage"]["budgets"].as_array().unwrap();
    assert_eq!(budgets.len(), 2, "{status}");
    assert_eq!(budgets[0]["phase_number"], Value::Null);
    assert_eq!(budgets[0]["budget_micros"], 5_000_000);
    assert_eq!(budgets[1]["phase_number"], 1);
    assert_eq!(budgets[1]["budget_micros"], 2_500_000);
    assert_eq!(status["usage"]["total"]["messages"], 0);

    // A zero budget allows nothing: the executing phase is blocked at once...
    let out = env.json(&[
        "budget",
        "--feature",
        "capped",
        "--phase",
        "1",
        "--usd",
        "0",
    ]);
    assert_eq!(out["blocked_phases"], serde_json::json!([1]));
    let status = env.json(&["status", "--feature", "capped"]);
    assert_eq!(status["phases"][0]["status"], "blocked");
    assert_eq!(status["phases"][0]["blocked_reason"], "budget exceeded");
    assert_eq!(status["attention"][0]["kind"], "budget_exceeded");
    // ...and raising it resumes the phase.
    let out = env.json(&[
        "budget",
        "--feature",
        "capped",
        "--phase",
        "1",
        "--usd",
        "3",
    ]);
    assert_eq!(out["resumed_phases"], serde_json::json!([1]));
    let text = String::from_utf8(env.run(&["status", "--feature", "capped"]).stdout).unwrap();
    assert!(text.contains("phase 1: executing"), "{text}");
    assert!(
        text.contains("budget:        phase 1 $3.00: $0.00 spent"),
        "{text}"
    );

    // Bad amounts are usage errors naming the value; a phase out of range is refused.
    let bad = env.run(&["budget", "--feature", "capped", "--usd", "lots"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("'lots' is not a dollar amount"));
    let err = env.fails(&[
        "budget",
        "--feature",
        "capped",
        "--phase",
        "3",
        "--usd",
        "1",
    ]);
    assert!(err.contains("phase 3 is not a phase of 'capped'"), "{err}");
    let out = env.json(&["budget", "--feature", "capped", "--remove"]);
    assert_eq!(out["budget"], Value::Null);
}

#[test]
fn a_reader_that_closes_early_is_not_a_failure() {
    let env = Env::new();
    assert!(
        env.run(&[
            "init",
            "--feature",
            "piped",
            "--design-doc",
            &env.path("design.md"),
            "--no-worktree",
            "--total-phases",
            "1",
        ])
        .status
        .success()
    );
    for args in [&["list"][..], &["daemon", "status"]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tina-session"))
            .args(args)
            .env("TINA_HOME", env.root.join("tina-home"))
            .env("CLAUDE_HOME", env.root.join("claude-home"))
            .env_remove("TINA_CONVEX_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the read end before the command prints (as `| head -0` would).
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        // `daemon status` exits 1 for a daemon that is not running when its line got
        // out before the pipe closed; what must never happen is a panic (101).
        let ok_codes: &[i32] = if args[0] == "daemon" { &[0, 1] } else { &[0] };
        assert!(
            out.status.code().is_some_and(|c| ok_codes.contains(&c)),
            "{args:?}: {:?} {stderr}",
            out.status
        );
    }
}
