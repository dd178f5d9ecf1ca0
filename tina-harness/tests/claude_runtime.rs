//! Every shipped scenario end to end with the `claude` runtime: the real Claude Code
//! binary (the pinned one `scripts/test-all.sh` installs into `target/claude-code`, or
//! `$TINA_CLAUDE_BIN`), TINA's real plugin (skills, MCP server via `--plugin-dir`), the
//! real daemon and store, with the model played by the model double from each scenario's
//! `claude/` scripts. Judged by the same verification as the sim.
//!
//! Without the binary (or tmux) the test says SKIPPED on stderr and passes — except
//! under `CI=true`, where a missing binary fails it: CI must run the real thing.

mod support;

use std::process::Command;

use support::{Env, scenarios_dir};
use tina_harness::report::RunStatus;
use tina_harness::{Progress, RunOptions, new_run_id, run_scenario};

/// Why this machine cannot run the claude runtime, if it cannot.
fn missing() -> Option<String> {
    let Some(bin) = tina_harness::claude::claude_bin() else {
        return Some(format!(
            "no Claude Code binary: set TINA_CLAUDE_BIN or install the pinned one into {} \
             (scripts/test-all.sh does)",
            tina_harness::claude::installed_claude().display()
        ));
    };
    if !bin.is_file() {
        return Some(format!("TINA_CLAUDE_BIN={} is not a file", bin.display()));
    }
    let tmux = Command::new("tmux").arg("-V").output();
    if !tmux.is_ok_and(|o| o.status.success()) {
        return Some("tmux is not installed".into());
    }
    None
}

/// The plugin starts the built tina-mcp (bin/tina-mcp): build it like the others.
fn build_mcp() {
    let status = Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "tina-mcp"])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .status()
        .expect("run cargo");
    assert!(status.success(), "cargo build -p tina-mcp failed");
}

#[test]
fn every_scenario_passes_with_real_claude_code() {
    if let Some(why) = missing() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "CI=true and the claude runtime cannot run: {why}");
        eprintln!("SKIPPED every_scenario_passes_with_real_claude_code: {why}");
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
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
