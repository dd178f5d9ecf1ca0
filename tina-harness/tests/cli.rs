//! The `tina-harness` binary: exit codes, report output, rebuild with a running daemon,
//! `--json` errors, `run --all` / `--keep`, and its `--help` against the README.

#[path = "../../tina-session/tests/support/convention.rs"]
mod convention;
mod support;

use std::process::Command;

use support::{Env, copy_scenarios, scenarios_dir};
use tina_harness::binaries::Binaries;
use tina_harness::daemon::DaemonGuard;
use tina_harness::report::{RunReport, RunStatus};
use tina_session::daemon;

fn harness(env: &Env) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tina-harness"));
    cmd.arg("--tina-home")
        .arg(&env.config.tina_home)
        .arg("--claude-home")
        .arg(&env.config.claude_home);
    cmd
}

#[test]
fn run_exits_0_on_pass_and_1_on_a_broken_expectation() {
    let env = Env::new();
    let dir = env.dir.path().join("scenarios");
    copy_scenarios(&dir);
    let out = harness(&env)
        .args(["run", "--skip-build", "--scenarios-dir"])
        .arg(&dir)
        .arg("05-prefix-auth")
        .output()
        .expect("run tina-harness");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.starts_with("PASS"), "{stdout}");
    // The final hierarchy, as `tina-session hierarchy` renders it.
    assert!(
        stdout.contains("Orchestration: auth (complete)"),
        "{stdout}"
    );
    assert!(stdout.contains("└── auth-phase-1 [phase 1]"), "{stdout}");
    // Live progress on stderr.
    assert!(stderr.contains("05-prefix-auth verify"), "{stderr}");

    let expected = dir.join("05-prefix-auth/expected.json");
    let text = std::fs::read_to_string(&expected).expect("read");
    std::fs::write(
        &expected,
        text.replace("\"min_tasks\": 5", "\"min_tasks\": 50"),
    )
    .expect("write");
    let out = harness(&env)
        .args(["run", "--skip-build", "--json", "--scenarios-dir"])
        .arg(&dir)
        .arg("05-prefix-auth")
        .output()
        .expect("run tina-harness");
    assert_eq!(out.status.code(), Some(1));
    let reports: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json reports");
    assert_eq!(reports[0]["status"], "failed");
    let failed: Vec<&serde_json::Value> = reports[0]["assertions"]
        .as_array()
        .expect("assertions")
        .iter()
        .filter(|a| a["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["name"], "min tasks");
    assert_eq!(failed[0]["expected"], ">= 50");

    // The report is kept and readable by run id.
    let run_id = reports[0]["run_id"].as_str().expect("run id");
    let out = harness(&env)
        .args(["report", run_id])
        .output()
        .expect("report");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAIL"));
}

#[test]
fn bad_scenario_names_are_refused_before_anything_runs() {
    let env = Env::new();
    let out = harness(&env)
        .args(["run", "--skip-build", "../etc"])
        .output()
        .expect("run tina-harness");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("path separator"));
    assert!(!env.config.tina_home.join("runs").exists());
}

/// `run all` (no such scenario) is a usage error that points at `--all`; a missing run
/// is a failure; both as JSON under `--json`.
#[test]
fn usage_errors_exit_2_and_failures_exit_1_as_json_under_json() {
    let env = Env::new();
    let out = harness(&env)
        .args(["run", "--skip-build", "--scenarios-dir"])
        .arg(scenarios_dir())
        .arg("all")
        .output()
        .expect("run tina-harness");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no scenario 'all'") && stderr.contains("--all"),
        "{stderr}"
    );
    assert!(!env.config.runs_dir().exists(), "nothing ran");

    let out = harness(&env)
        .args(["run", "--json", "all"])
        .output()
        .expect("run tina-harness");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(convention::json_error(&out)["error"]["kind"], "usage");
    let out = harness(&env)
        .args(["run", "--json", "--all", "01-single-phase"])
        .output()
        .expect("run tina-harness");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(convention::json_error(&out)["error"]["kind"], "usage");

    let out = harness(&env)
        .args(["report", "--json", "run-none"])
        .output()
        .expect("report");
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = convention::json_error(&out);
    assert_eq!(err["error"]["kind"], "failed");
    assert!(
        err["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("run-none")),
        "{err}"
    );
}

/// `run --all` over a scenarios folder without a test project of its own runs every
/// scenario there on the workspace's test project, and `--keep` says what it kept.
#[test]
fn run_all_uses_the_workspace_test_project_and_keep_prints_what_it_kept() {
    let env = Env::new();
    let dir = env.dir.path().join("only-one");
    tina_harness::project::copy_tree(
        &scenarios_dir().join("05-prefix-auth"),
        &dir.join("05-prefix-auth"),
    )
    .expect("copy scenario");
    assert!(!dir.join("test-project").exists());
    let out = harness(&env)
        .args(["run", "--all", "--skip-build", "--keep", "--scenarios-dir"])
        .arg(&dir)
        .output()
        .expect("run tina-harness");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stdout.starts_with("PASS"), "{stdout}");
    let kept = stderr
        .lines()
        .find_map(|l| l.strip_prefix("kept: "))
        .unwrap_or_else(|| panic!("no `kept:` line: {stderr}"));
    let (project, worktree) = kept
        .strip_prefix("project copy ")
        .and_then(|rest| rest.split_once(", worktree "))
        .unwrap_or_else(|| panic!("{kept}"));
    assert!(
        std::path::Path::new(project).join("Cargo.toml").is_file(),
        "{project}"
    );
    assert!(std::path::Path::new(worktree).is_dir(), "{worktree}");
}

#[test]
fn the_readme_and_help_agree() {
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_tina-harness"));
    let help = convention::assert_readme_agrees(&bin, "tina-harness");
    for sub in ["run", "list", "verify", "report", "model-double"] {
        assert!(
            help.subcommands[sub].flags.contains_key("json"),
            "{sub} has no --json"
        );
    }
}

#[test]
fn list_shows_every_scenario_with_its_feature() {
    let env = Env::new();
    let out = harness(&env)
        .args(["list", "--scenarios-dir"])
        .arg(scenarios_dir())
        .output()
        .expect("list");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("04-crash-restart         feature stats"),
        "{stdout}"
    );
    assert!(!stdout.contains("INVALID"), "{stdout}");
}

#[test]
fn rebuild_restarts_a_running_daemon() {
    let env = Env::new();
    std::fs::create_dir_all(&env.config.tina_home).expect("home");
    let before = daemon::start(&env.config).expect("daemon starts");
    let before_pid = before.status().pid;
    let report = tina_harness::rebuild_binaries(&env.config);
    let after = daemon::status(&env.config).expect("status");
    daemon::stop(&env.config).expect("stop");
    assert!(report.success, "{}", report.log_tail);
    assert!(report.daemon_restarted);
    assert!(after.running);
    assert_ne!(after.pid, before_pid);
}

/// `report` of a run still going on exits 3, distinct from passed (0) and failed (1);
/// `--help` says so.
#[test]
fn report_of_a_running_run_exits_3() {
    let env = Env::new();
    let run_dir = env.config.runs_dir().join("run-still-going");
    std::fs::create_dir_all(&run_dir).expect("run dir");
    let mut report = RunReport {
        run_id: "run-still-going".into(),
        scenario: "01-single-phase".into(),
        feature_name: Some("greeting".into()),
        runtime: "sim".into(),
        status: RunStatus::Running,
        started_at: "2025-01-01T00:00:00Z".into(),
        finished_at: None,
        duration_ms: 0,
        timings: Vec::new(),
        assertions: Vec::new(),
        error: None,
        hierarchy: None,
        log_path: run_dir.join("run.log"),
        run_dir,
        worktree: None,
    };
    let code = |report: &RunReport| {
        report.save().expect("save report");
        harness(&env)
            .args(["report", "run-still-going"])
            .output()
            .expect("report")
            .status
            .code()
    };
    assert_eq!(code(&report), Some(3));
    report.status = RunStatus::Passed;
    assert_eq!(code(&report), Some(0));
    report.status = RunStatus::Error;
    assert_eq!(code(&report), Some(1));

    let help = harness(&env)
        .args(["report", "--help"])
        .output()
        .expect("help");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("3  report: the run has not finished yet"),
        "{help}"
    );
}

/// A TINA_BIN_DIR that is not `<target-dir>/debug|release` cannot be built into: the
/// build is refused with the reason, before cargo runs or a run folder exists.
#[test]
fn rebuild_refuses_a_bin_dir_that_is_not_a_cargo_profile_folder() {
    let env = Env::new();
    let bin_dir = env.dir.path().join("installed-bin");
    std::fs::create_dir_all(&bin_dir).expect("bin dir");
    let out = harness(&env)
        .env("TINA_BIN_DIR", &bin_dir)
        .args(["run", "--scenarios-dir"])
        .arg(scenarios_dir())
        .arg("01-single-phase")
        .output()
        .expect("run tina-harness");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The command line was fine; the build was refused: a failure, not a usage error.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refusing to build: TINA_BIN_DIR="),
        "{stderr}"
    );
    assert!(stderr.contains("not a cargo profile folder"), "{stderr}");
    assert!(!env.config.runs_dir().exists());
}

/// The daemon a run uses is the `tina-daemon` of the run's binaries, wherever that is,
/// not the one next to the calling process.
#[test]
fn the_daemon_runs_from_the_runs_binaries() {
    let env = Env::new();
    let located = Binaries::locate();
    let elsewhere = env.dir.path().join("elsewhere").join("tina-daemon");
    std::fs::create_dir_all(elsewhere.parent().expect("parent")).expect("dir");
    std::fs::copy(&located.tina_daemon, &elsewhere).expect("copy tina-daemon");
    let bins = Binaries {
        tina_daemon: elsewhere.clone(),
        ..located
    };
    let guard = DaemonGuard::ensure(&env.config, &bins).expect("daemon starts");
    assert!(guard.started_here());
    let pid = guard.pid.expect("pid");
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).expect("daemon exe");
    drop(guard);
    assert_eq!(exe, elsewhere);
    assert!(!daemon::status(&env.config).expect("status").running);
}
