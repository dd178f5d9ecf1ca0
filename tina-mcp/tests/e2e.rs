//! End to end through MCP: `run_scenario` runs the real scenario `01-single-phase`
//! (rebuild, daemon, sim agents, verify) while `watch_orchestration` follows it, on a
//! temporary TINA_HOME. The same pipeline the harness CI runs, driven by tool calls.

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tina_session::model::now_ms;

#[tokio::test(flavor = "multi_thread")]
async fn run_scenario_and_watch_it_to_the_end() {
    let scenarios = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let s = session_with(|ctx| ctx.scenarios_dir = scenarios).await;
    let t0 = now_ms();
    let run = ok(
        &s.client,
        "run_scenario",
        json!({"scenario": "01-single-phase"}),
    )
    .await;
    let run_id = run["run_id"].as_str().expect("run id").to_owned();
    assert_eq!(run["status"], "running");

    let deadline = Instant::now() + Duration::from_secs(600);
    let mut cursor = Value::Null;
    let mut milestones: Vec<String> = Vec::new();
    let status = loop {
        assert!(
            Instant::now() < deadline,
            "run did not finish; saw {milestones:?}"
        );
        let mut args = json!({"orchestration": "greeting", "timeout_seconds": 5,
                              "run_started_at_ms": t0, "no_orchestration_minutes": 10});
        if !cursor.is_null() {
            args["cursor"] = cursor.clone();
        }
        let w = ok(&s.client, "watch_orchestration", args).await;
        cursor = w["cursor"].clone();
        for m in w
            .get("milestones")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            milestones.push(m["message"].as_str().expect("message").to_owned());
        }
        let r = ok(&s.client, "get_scenario_run", json!({"run_id": run_id})).await;
        if r["finished"] == true {
            break r;
        }
        if w["terminal"] == true {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    let report = &status["report"];
    assert_eq!(status["status"], "passed", "report: {report}");
    // Passed assertions are counted; failed ones would be listed.
    assert!(report["passed"].as_u64().is_some_and(|n| n > 0), "{report}");
    assert!(report.get("failed").is_none(), "{report}");
    // The watch saw the run from start to finish, each milestone once, in order.
    let pos = |needle: &str| {
        milestones
            .iter()
            .position(|m| m.contains(needle))
            .unwrap_or_else(|| panic!("no milestone with '{needle}' in {milestones:?}"))
    };
    let appeared = pos("orchestration 'greeting' appeared");
    let team = pos("phase 1 team registered: greeting-phase-1");
    let done = pos("phase 1 complete");
    let complete = pos("orchestration 'greeting' is complete");
    assert!(
        appeared < team && team < done && done < complete,
        "{milestones:?}"
    );
    let mut unique = milestones.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        milestones.len(),
        "a milestone repeated: {milestones:?}"
    );
}

/// Two runs at once share one daemon: the first to finish must not stop the daemon the
/// other still needs, and the daemon stops once both are done.
#[tokio::test(flavor = "multi_thread")]
async fn overlapping_runs_share_the_daemon() {
    let scenarios = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let s = session_with(|ctx| ctx.scenarios_dir = scenarios).await;
    let start = |scenario: &'static str| {
        ok(
            &s.client,
            "run_scenario",
            json!({"scenario": scenario, "skip_build": true}),
        )
    };
    let a = start("01-single-phase").await;
    let b = start("02-two-phase-refactor").await;
    let deadline = Instant::now() + Duration::from_secs(600);
    for run in [a, b] {
        let run_id = run["run_id"].as_str().expect("run id").to_owned();
        let status = loop {
            assert!(Instant::now() < deadline, "run {run_id} did not finish");
            let r = ok(&s.client, "get_scenario_run", json!({"run_id": run_id})).await;
            if r["finished"] == true {
                break r;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert_eq!(status["status"], "passed", "report: {}", status["report"]);
    }
    let daemon = tina_session::daemon::status(&s.seeded.config).expect("daemon status");
    assert!(
        !daemon.running,
        "the server stops the daemon it started: {daemon:?}"
    );
}
