//! The `tina-harness` binary: exit codes, report output, rebuild with a running daemon.

mod support;

use std::process::Command;

use support::{Env, copy_scenarios, scenarios_dir};
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
        text.replace("\"phases_completed\": 1", "\"phases_completed\": 0"),
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
    assert_eq!(failed[0]["name"], "phases completed");
    assert_eq!(failed[0]["expected"], "0");
    assert_eq!(failed[0]["observed"], "1");

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
