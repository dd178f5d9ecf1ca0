//! Every shipped scenario end to end with the sim runtime: real tina-session binary,
//! real daemon (one per test, on its own TINA_HOME), real store, real `cargo test`.

mod support;

use std::time::Duration;

use support::{Env, copy_scenarios, scenarios_dir};
use tina_harness::report::{Category, RunStatus, Stage};
use tina_harness::scenario::{MemberScript, Scenario};
use tina_harness::sim::files::{ClaudeFiles, TaskFile};
use tina_harness::verify::{VerifyOptions, verify};
use tina_harness::{RunReport, load_run};

fn assert_passed(env: &Env, report: &RunReport) {
    let failed: Vec<String> = report
        .failed_assertions()
        .map(|a| {
            format!(
                "{} (expected {}, observed {})",
                a.name, a.expected, a.observed
            )
        })
        .collect();
    assert_eq!(
        report.status,
        RunStatus::Passed,
        "error: {:?}; failed: {failed:#?}; log: {}\ndaemon log:\n{}",
        report.error,
        std::fs::read_to_string(&report.log_path).unwrap_or_default(),
        std::fs::read_to_string(tina_session::daemon::log_path(&env.config)).unwrap_or_default()
    );
    assert!(report.assertions.len() >= 15, "{:#?}", report.assertions);
    // The persisted report is the returned one.
    assert_eq!(
        &load_run(&env.config, &report.run_id).expect("report.json"),
        report
    );
    // The hierarchy was rendered from the store.
    let feature = report.feature_name.as_deref().expect("feature");
    let hierarchy = report.hierarchy.as_deref().expect("hierarchy text");
    assert!(
        hierarchy.contains(&format!("{feature}-orchestration [orchestrator]")),
        "{hierarchy}"
    );
}

fn run_one(scenario: &str) -> (Env, RunReport) {
    let env = Env::new();
    let (report, progress) = env.run(&scenarios_dir(), scenario, false);
    assert_passed(&env, &report);
    let stages: Vec<Stage> = progress.iter().map(|p| p.stage).collect();
    for stage in [
        Stage::Daemon,
        Stage::Cleanup,
        Stage::Setup,
        Stage::Run,
        Stage::Verify,
        Stage::Done,
    ] {
        assert!(
            stages.contains(&stage),
            "no progress for {stage}: {stages:?}"
        );
    }
    (env, report)
}

/// Lines the sim logged for its `tina-session` calls, without arguments' values.
fn sim_calls(report: &RunReport) -> Vec<String> {
    std::fs::read_to_string(&report.log_path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once("[sim] tina-session ").map(|(_, rest)| rest))
        .map(|rest| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let mut call = words[0].to_owned();
            if let Some(i) = words.iter().position(|w| *w == "--event") {
                call.push(' ');
                call.push_str(words[i + 1]);
            }
            call
        })
        .collect()
}

/// The lifecycle calls (`init`, `start`, `advance <event>`) the orchestrate skill tells
/// the lead to make, in the skill's order: the happy path (sections 1 and 2) and the
/// blocked path (section 3). The sim must make the same calls in the same order.
fn skill_protocol() -> (Vec<String>, Vec<String>) {
    let skill =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../skills/orchestrate/SKILL.md");
    let text = std::fs::read_to_string(&skill).expect("orchestrate skill");
    let (mut happy, mut blocked) = (Vec::new(), Vec::new());
    let mut section = 0;
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("## ").and_then(|h| h.split('.').next()) {
            section = n.trim().parse().unwrap_or(section);
        }
        let Some(rest) = line.trim().strip_prefix("tina-session ") else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        let mut call = words[0].to_owned();
        if !matches!(call.as_str(), "init" | "start" | "advance") {
            continue;
        }
        if let Some(i) = words.iter().position(|w| *w == "--event") {
            call = format!("advance {}", words[i + 1]);
        }
        match section {
            1 | 2 => happy.push(call),
            3 => blocked.push(call),
            _ => {}
        }
    }
    (happy, blocked)
}

#[test]
fn scenario_01_single_phase() {
    let (_env, report) = run_one("01-single-phase");
    let (happy, _) = skill_protocol();
    assert_eq!(
        happy,
        [
            "init",
            "advance plan",
            "start",
            "advance review",
            "advance complete"
        ],
        "the orchestrate skill's protocol"
    );
    // The sim plays exactly the protocol the skill describes.
    assert_eq!(sim_calls(&report), happy);
    let log = std::fs::read_to_string(&report.log_path).unwrap_or_default();
    assert!(log.contains("--parent-team-id"), "{log}");
}

#[test]
fn scenario_02_two_phase_refactor() {
    let (_env, report) = run_one("02-two-phase-refactor");
    let calls = sim_calls(&report);
    assert_eq!(
        calls.iter().filter(|c| *c == "start").count(),
        2,
        "{calls:?}"
    );
    assert_eq!(calls.iter().filter(|c| *c == "advance complete").count(), 2);
}

#[test]
fn scenario_03_failing_tests_block_then_resume() {
    let (_env, report) = run_one("03-failing-tests");
    let (happy, blocked) = skill_protocol();
    assert_eq!(
        blocked,
        ["advance block", "advance resume"],
        "the skill's blocked path"
    );
    // The happy path with the skill's blocked path inserted once the phase started.
    let start = happy
        .iter()
        .position(|c| c == "start")
        .expect("start in the protocol");
    let mut expected = happy.clone();
    expected.splice(start + 1..start + 1, blocked);
    assert_eq!(sim_calls(&report), expected);
    let log = std::fs::read_to_string(&report.log_path).unwrap_or_default();
    assert!(log.contains("cargo test (phase 1): FAILED"), "{log}");
}

#[test]
fn scenario_04_crash_and_daemon_restart() {
    let (env, report) = run_one("04-crash-restart");
    let log = std::fs::read_to_string(&report.log_path).unwrap_or_default();
    assert!(log.contains("staged crash"), "{log}");
    assert!(log.contains("[sim] resuming at step"), "{log}");
    assert!(log.contains("daemon started again"), "{log}");
    // The daemon really went down and came back: two start-ups in its log, and the
    // second one's scan recorded what the agents wrote while it was down.
    let daemon_log =
        std::fs::read_to_string(tina_session::daemon::log_path(&env.config)).unwrap_or_default();
    let scans: Vec<u64> = daemon_log
        .lines()
        .filter(|l| l.contains("start-up scan done"))
        .map(|l| scan_events(l).unwrap_or_else(|| panic!("no events= in: {l}")))
        .collect();
    assert_eq!(scans.len(), 2, "{daemon_log}");
    assert!(
        scans[1] > 0,
        "the restarted daemon's start-up scan recorded no events: {daemon_log}"
    );
}

/// The `events=N` field of a daemon "start-up scan done" log line.
fn scan_events(line: &str) -> Option<u64> {
    line.split_whitespace()
        .find_map(|field| field.strip_prefix("events="))
        .and_then(|n| n.parse().ok())
}

/// Claude Code files of the feature's team names, left over from an earlier run whose
/// store records are gone, are removed before the run: none of them reaches the store.
#[test]
fn stale_claude_files_without_records_do_not_reach_the_store() {
    let env = Env::new();
    // Named layout: the older Claude Code wrote folders under TINA's team names.
    let files = ClaudeFiles::new(
        env.config.claude_home.clone(),
        tina_session::claude_code::Layout::Named,
    );
    let stale = |id| TaskFile {
        id,
        subject: "stale task of an earlier run",
        description: "",
        status: "pending",
        owner: None,
        blocks: Vec::new(),
        blocked_by: &[],
        metadata: serde_json::json!({}),
    };
    let ghost = [MemberScript {
        name: "ghost".into(),
        agent_type: "general-purpose".into(),
        model: "old".into(),
    }];
    for team in ["greeting-orchestration", "greeting-phase-1"] {
        files.write_task(team, &stale("99")).expect("stale task");
        files
            .write_team_config(team, "stale", 1, "old-session", "/nowhere", &ghost)
            .expect("stale config");
    }
    let (report, _) = env.run(&scenarios_dir(), "01-single-phase", false);
    assert_passed(&env, &report);
    let store = env.config.open_store().expect("store");
    let orch = store
        .get_orchestration_by_feature("greeting")
        .expect("greeting");
    let events = store.list_task_events(&orch.id).expect("events");
    assert!(!events.is_empty());
    let stale_events: Vec<_> = events.iter().filter(|e| e.task_id == "99").collect();
    assert!(stale_events.is_empty(), "{stale_events:#?}");
    let detail = store.get_orchestration_detail(&orch.id).expect("detail");
    assert!(
        detail.team_members.iter().all(|m| m.agent_name != "ghost"),
        "{:#?}",
        detail.team_members
    );
    let log = std::fs::read_to_string(&report.log_path).unwrap_or_default();
    assert!(log.contains("tasks/greeting-phase-1"), "{log}");
}

/// `auth` and `auth-v2`: each name is a prefix of the other's team names. Run back to
/// back in one store, re-run `auth` (whose cleanup must leave `auth-v2` alone), and
/// verify both exactly afterwards.
#[test]
fn scenario_05_06_prefix_features_back_to_back() {
    let env = Env::new();
    let dir = scenarios_dir();
    let (auth, _) = env.run(&dir, "05-prefix-auth", true);
    assert_passed(&env, &auth);
    let (v2, _) = env.run(&dir, "06-prefix-auth-v2", true);
    assert_passed(&env, &v2);
    let (again, _) = env.run(&dir, "05-prefix-auth", true);
    assert_passed(&env, &again);

    let store = env.config.open_store().expect("store");
    let opts = VerifyOptions {
        sync_deadline: Duration::from_secs(10),
        check_worktree: true,
        cargo_target: env.config.tina_home.join("harness").join("cargo-target"),
        scripted: true,
    };
    for name in ["05-prefix-auth", "06-prefix-auth-v2"] {
        let scenario = Scenario::load(&dir, name).expect("scenario");
        let assertions = verify(&*store, &scenario, &opts).expect("verify");
        let failed: Vec<_> = assertions.iter().filter(|a| !a.passed).collect();
        assert!(failed.is_empty(), "{name} after both ran: {failed:#?}");
        // As the claude runtime would judge it: no script, same store.
        let loose = VerifyOptions {
            scripted: false,
            ..opts.clone()
        };
        let assertions = verify(&*store, &scenario, &loose).expect("verify");
        assert!(assertions.iter().all(|a| a.passed), "{assertions:#?}");
        assert!(
            assertions
                .iter()
                .any(|a| a.name == "orchestrator tasks present")
        );
    }
    let features: Vec<String> = store
        .list_orchestrations()
        .expect("list")
        .into_iter()
        .map(|o| o.feature_name)
        .collect();
    assert_eq!(features.len(), 2, "{features:?}");
    let teams_v2 = store
        .list_teams(
            &store
                .get_orchestration_by_feature("auth-v2")
                .expect("auth-v2")
                .id,
        )
        .expect("teams");
    let names: Vec<&str> = teams_v2.iter().map(|t| t.team_name.as_str()).collect();
    assert_eq!(names, ["auth-v2-orchestration", "auth-v2-phase-1"]);
}

/// A deliberately broken expectation: the run completes but fails, and the report says
/// which assertion, what was expected and what was observed.
#[test]
fn broken_expectation_fails_with_a_clear_report() {
    let env = Env::new();
    let dir = env.dir.path().join("scenarios");
    copy_scenarios(&dir);
    let expected_path = dir.join("01-single-phase/expected.json");
    let mut expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&expected_path).expect("read"))
            .expect("json");
    expected["final_status"] = "blocked".into();
    expected["min_tasks"] = 50.into();
    expected["file_changes"][0]["contains"] = serde_json::json!(["fn this_is_not_there"]);
    std::fs::write(&expected_path, expected.to_string()).expect("write");

    let (report, _) = env.run(&dir, "01-single-phase", false);
    assert_eq!(report.status, RunStatus::Failed, "{}", report.render());
    let failed: Vec<&str> = report
        .failed_assertions()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(
        failed,
        ["final status", "min tasks", "file src/greet.rs added"]
    );
    let status = report.failed_assertions().next().expect("failed assertion");
    assert_eq!(status.category, Category::Orchestration);
    assert_eq!(
        (status.expected.as_str(), status.observed.as_str()),
        ("blocked", "complete")
    );
    let text = report.render();
    assert!(text.starts_with("FAIL"), "{text}");
    assert!(text.contains("expected: >= 50"), "{text}");
    assert!(
        text.contains("missing [\"fn this_is_not_there\"]"),
        "{text}"
    );
    assert_eq!(
        load_run(&env.config, &report.run_id)
            .expect("report")
            .status,
        RunStatus::Failed
    );
}

/// Tests that fail without a staged fix: the sim blocks the phase and exits non-zero;
/// the run is an orchestration error and the assertions show the blocked state.
#[test]
fn unstaged_test_failure_is_an_orchestration_error() {
    let env = Env::new();
    let dir = env.dir.path().join("scenarios");
    copy_scenarios(&dir);
    let path = dir.join("01-single-phase/scenario.json");
    let text = std::fs::read_to_string(&path).expect("read");
    std::fs::write(&path, text.replace("Hello, {name}!", "Hi, {name}!")).expect("write");

    let (report, _) = env.run(&dir, "01-single-phase", false);
    assert_eq!(report.status, RunStatus::Error, "{}", report.render());
    let error = report.error.as_ref().expect("error");
    assert_eq!(error.category, Category::Orchestration);
    assert!(
        error.message.contains("sim runtime exited"),
        "{}",
        error.message
    );
    let status = report
        .assertions
        .iter()
        .find(|a| a.name == "final status")
        .expect("final status assertion");
    assert_eq!(
        (status.passed, status.observed.as_str()),
        (false, "blocked")
    );
}

/// A setup.patch that does not apply is a setup error naming the patch.
#[test]
fn bad_setup_patch_is_a_setup_error() {
    let env = Env::new();
    let dir = env.dir.path().join("scenarios");
    copy_scenarios(&dir);
    std::fs::write(
        dir.join("01-single-phase/setup.patch"),
        "--- a/src/nope.rs\n+++ b/src/nope.rs\n@@ -1 +1 @@\n-old\n+new\n",
    )
    .expect("write");
    let (report, _) = env.run(&dir, "01-single-phase", false);
    assert_eq!(report.status, RunStatus::Error);
    let error = report.error.as_ref().expect("error");
    assert_eq!(error.category, Category::Setup);
    assert!(error.message.contains("setup.patch"), "{}", error.message);
}

/// Phase 1's tests fail with no staged fix, so phase 2 is never started: the run is an
/// error, and the hierarchy assertions name phase 2 as missing (a phase without any
/// record still has to exist).
#[test]
fn a_phase_never_started_fails_the_hierarchy_assertions() {
    let env = Env::new();
    let dir = env.dir.path().join("scenarios");
    copy_scenarios(&dir);
    let path = dir.join("02-two-phase-refactor/scenario.json");
    let mut script: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    let change = &mut script["phases"][0]["tasks"][0]["changes"][0];
    assert_eq!(change["path"], "src/arith.rs");
    let broken = format!(
        "{}\n#[test]\nfn staged_breakage() {{\n    assert_eq!(1 + 1, 3);\n}}\n",
        change["content"].as_str().expect("content")
    );
    change["content"] = broken.into();
    std::fs::write(&path, script.to_string()).expect("write");

    let (report, _) = env.run(&dir, "02-two-phase-refactor", false);
    assert_eq!(report.status, RunStatus::Error, "{}", report.render());
    let failed = |name: &str| {
        report
            .assertions
            .iter()
            .find(|a| a.name == name)
            .unwrap_or_else(|| panic!("no assertion '{name}': {:#?}", report.assertions))
            .clone()
    };
    let linked = failed("phase 2: one phase team linked to the orchestrator team");
    assert!(!linked.passed);
    assert_eq!(linked.observed, "no phase team");
    let tasks = failed("phase 2: team has tasks");
    assert!(!tasks.passed);
    assert!(failed("phase 1: one phase team linked to the orchestrator team").passed);
}

/// The default layout is Claude Code 2.1.178+'s: the run's teams are linked to
/// `session-<8>` folders by the lead session ids the sim recorded as the launcher does.
#[test]
fn the_default_layout_links_session_folders_by_lead_session_id() {
    let (env, report) = run_one("01-single-phase");
    let store = env.config.open_store().expect("store");
    let orch = store
        .get_orchestration_by_feature("greeting")
        .expect("greeting");
    for team in store.list_teams(&orch.id).expect("teams") {
        let session = team
            .lead_session_id
            .as_deref()
            .expect("lead session recorded");
        let folder = tina_session::claude_code::session_team_name(session);
        assert_eq!(
            team.claude_team_dir.as_deref(),
            Some(folder.as_str()),
            "{team:?}"
        );
    }
    let log = std::fs::read_to_string(&report.log_path).unwrap_or_default();
    assert_eq!(
        log.matches("[sim launcher] lead session").count(),
        2,
        "{log}"
    );
}

/// Every scenario passes with the sim writing the older, named layout too.
#[test]
fn every_scenario_passes_in_the_named_layout() {
    let env = Env::new();
    let dir = env.dir.path().join("scenarios");
    copy_scenarios(&dir);
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("scenarios") {
        let path = entry.expect("entry").path().join("scenario.json");
        if !path.is_file() {
            continue;
        }
        let mut script: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        script["claude_layout"] = "named".into();
        std::fs::write(&path, script.to_string()).expect("write");
        names.push(
            path.parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        let (report, _) = env.run(&dir, name, true);
        assert_passed(&env, &report);
        let store = env.config.open_store().expect("store");
        let feature = report.feature_name.as_deref().expect("feature");
        let orch = store
            .get_orchestration_by_feature(feature)
            .expect("orchestration");
        for team in store.list_teams(&orch.id).expect("teams") {
            assert_eq!(
                team.claude_team_dir.as_deref(),
                Some(team.team_name.as_str()),
                "{name}"
            );
        }
    }
}
