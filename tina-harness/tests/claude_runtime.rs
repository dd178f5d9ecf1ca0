//! Every shipped scenario end to end with the `claude` runtime: the real Claude Code
//! binary (the pinned one `scripts/test-all.sh` installs into `target/claude-code`, or
//! `$TINA_CLAUDE_BIN`), TINA's real plugin (skills, MCP server via `--plugin-dir`), the
//! real daemon and store, with the model played by the model double from each scenario's
//! `claude/` scripts. Judged by the same verification as the sim.
//!
//! Without the binary (or tmux) the test says SKIPPED on stderr and passes — except
//! under `CI=true`, where a missing binary fails it: CI must run the real thing.

mod support;

use support::{
    Env, as_usage, build_mcp, daemon_once, double_usage, scenarios_dir, skip_without_claude,
    sum_usage,
};
use tina_harness::report::{RunReport, RunStatus};
use tina_harness::{Progress, RunOptions, new_run_id, run_scenario};
use tina_session::ActivityKind;

#[test]
fn every_scenario_passes_with_real_claude_code() {
    if skip_without_claude("every_scenario_passes_with_real_claude_code") {
        return;
    }
    build_mcp();
    let names: Vec<String> = tina_harness::list_scenarios(&scenarios_dir())
        .expect("scenarios")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(names.len() >= 6, "{names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let env = Env::new();
        let opts = RunOptions {
            run_id: new_run_id(),
            scenario: name.clone(),
            scenarios_dir: scenarios_dir(),
            full: true,
            skip_build: true,
            keep: false,
        };
        let report = run_scenario(&env.config, &opts, &|p: &Progress| {
            eprintln!("[{}] {} {}", p.scenario, p.stage, p.message);
        })
        .expect("run folder");
        eprintln!("{}", report.render());
        assert_eq!(report.runtime, "claude");
        if report.status != RunStatus::Passed {
            let double = report.run_dir.join("model-double.log");
            failures.push(format!(
                "{name}: {:?} {:?}\n{}\nrun log:\n{}\nmodel double log (last lines):\n{}",
                report.status,
                report.error,
                report.render(),
                std::fs::read_to_string(&report.log_path).unwrap_or_default(),
                std::fs::read_to_string(&double)
                    .unwrap_or_default()
                    .lines()
                    .rev()
                    .take(12)
                    .collect::<Vec<_>>()
                    .join("\n")
            ));
            continue;
        }
        // Claude Code's own files were there: the lead's implicit team, named by the
        // session id TINA chose, and the model double was asked by every agent.
        let double = std::fs::read_to_string(report.run_dir.join("model-double.log"))
            .expect("model double log");
        for agent in ["\"orchestrator\"", "\"phase-planner\"", "\"phase-1-lead\""] {
            assert!(
                double.contains(agent),
                "{name}: {agent} never asked the model"
            );
        }
        assert!(
            double.contains("mcp__plugin_tina_tina__start_phase"),
            "{name}: the orchestrator did not start the phase through TINA's MCP tool"
        );
        hooks_reached_the_store(&env, &report);
        usage_is_what_the_double_reported(&env, &report);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Real Claude Code's hooks ran the plugin's `tina-session hook` and reached the store:
/// every team's lead session started and stopped, teammates went idle, and every task
/// in the store was announced by `TaskCreated` and `TaskCompleted` hooks resolved to
/// its team.
fn hooks_reached_the_store(env: &Env, report: &RunReport) {
    let name = &report.scenario;
    let store = env.config.open_store().expect("store");
    let feature = report.feature_name.as_deref().expect("feature");
    let orch = store.get_orchestration_by_feature(feature).expect("orch");
    let activity = store.list_team_activity(&orch.id).expect("activity");
    let hook_log =
        std::fs::read_to_string(env.config.logs_dir().join("hook.log")).unwrap_or_default();
    for team in store.list_teams(&orch.id).expect("teams") {
        let lead = team.lead_session_id.as_deref().expect("lead session id");
        let kinds: Vec<ActivityKind> = activity
            .iter()
            .filter(|a| a.team_id == team.id && a.session_id == lead)
            .map(|a| a.kind)
            .collect();
        for kind in [
            ActivityKind::SessionStart,
            ActivityKind::Stop,
            ActivityKind::TeammateIdle,
        ] {
            assert!(
                kinds.contains(&kind),
                "{name}: no {kind:?} hook recorded for team {} (lead session {lead}): \
                 {kinds:?}\nhook.log:\n{hook_log}",
                team.team_name
            );
        }
    }
    let tasks = store.get_current_tasks(&orch.id).expect("tasks");
    assert!(!tasks.is_empty(), "{name}: no tasks");
    for task in &tasks {
        let team = store.get_team(&task.team_id).expect("team");
        for event in ["'TaskCreated'", "'TaskCompleted'"] {
            let about = format!("task '{}' of team '{}'", task.task_id, team.team_name);
            assert!(
                hook_log
                    .lines()
                    .any(|l| l.contains(event) && l.contains(&about)),
                "{name}: no {event} hook for {about}\nhook.log:\n{hook_log}"
            );
        }
    }
}

/// The daemon's transcript ingest shows exactly the usage the model double reported:
/// real Claude Code wrote each reply's usage into the transcripts, per team.
fn usage_is_what_the_double_reported(env: &Env, report: &RunReport) {
    let name = &report.scenario;
    // The last replies may land after the run's daemon stopped: one more pass.
    daemon_once(&env.config);
    let reported = double_usage(&report.run_dir.join("model-double.log"));
    let store = env.config.open_store().expect("store");
    let feature = report.feature_name.as_deref().expect("feature");
    let orch = store.get_orchestration_by_feature(feature).expect("orch");
    let view = tina_session::attention::summary::usage_view(&*store, &orch.id).expect("usage");
    let total = sum_usage(reported.values());
    assert_eq!(
        (as_usage(&view.total), view.total.messages),
        total,
        "{name}: the store's usage is not what the double reported: {reported:?}"
    );
    for team in &view.teams {
        // Script names: orchestrator and phase-planner play the orchestrator team,
        // phase-N-<member> phase N's team.
        let of_team = |agent: &str| match team.phase_number {
            None => agent == "orchestrator" || agent == "phase-planner",
            Some(n) => agent.starts_with(&format!("phase-{n}-")),
        };
        let expected = sum_usage(
            reported
                .iter()
                .filter(|(agent, _)| of_team(agent))
                .map(|(_, u)| u),
        );
        assert_eq!(
            (as_usage(&team.spend), team.spend.messages),
            expected,
            "{name}: team {}'s usage is not what its agents were told",
            team.team_name
        );
    }
}
