//! `watch_orchestration` through a real client: cursors, long-poll wake-up, terminal
//! state, anomalies and bad input.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tina_session::model::{TaskStatus, now_ms};

fn kinds(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind").to_owned())
        .collect()
}

fn messages(v: &Value) -> Vec<String> {
    v["milestones"]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["message"].as_str().expect("message").to_owned())
        .collect()
}

#[tokio::test]
async fn first_call_reports_state_then_the_cursor_suppresses_repeats() {
    let s = session().await;
    let first = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0}),
    )
    .await;
    let m = messages(&first);
    assert!(
        m.contains(&format!(
            "orchestration 'auth' appeared (id {}, 2 phases)",
            s.seeded.orchestration_id
        )),
        "{m:?}"
    );
    assert!(
        m.contains(&"phase 1 team registered: auth-phase-1".to_owned()),
        "{m:?}"
    );
    assert!(
        m.contains(&"phase 1 (auth-phase-1): 3/5 tasks completed".to_owned()),
        "{m:?}"
    );
    assert!(m.contains(&"phase 1 executing".to_owned()), "{m:?}");
    assert_eq!(first["terminal"], false);
    assert_eq!(first["note"], Value::Null);
    assert_eq!(first["tasks_completed"], 4);
    assert_eq!(first["tasks_total"], 7);
    assert_eq!(first["total_phases"], 2);
    // No daemon runs for this temporary TINA_HOME, and the watch says so.
    assert_eq!(kinds(&first, "anomalies"), ["daemon_not_running"]);
    assert_eq!(first["daemon_health"], "checked");

    let started = Instant::now();
    let second = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": first["cursor"], "timeout_seconds": 1}),
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "returned before the timeout"
    );
    assert_eq!(second["milestones"], json!([]));
    assert_eq!(second["anomalies"], json!([]));
    assert_eq!(kinds(&second, "ongoing_anomalies"), ["daemon_not_running"]);
    assert_eq!(second["timed_out"], true);
}

#[tokio::test]
async fn a_change_wakes_the_long_poll() {
    let s = session().await;
    let first = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0}),
    )
    .await;
    let store = s.seeded.store.clone();
    let team = s.seeded.phase1_team_id.clone();
    let writer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        tokio::task::spawn_blocking(move || {
            store
                .record_task_event(&seed::event(
                    &team,
                    "4",
                    TaskStatus::Completed,
                    now_ms(),
                    100,
                ))
                .expect("record")
        })
        .await
        .expect("join")
    });
    let started = Instant::now();
    let next = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": first["cursor"], "timeout_seconds": 30}),
    )
    .await;
    writer.await.expect("writer");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "long poll did not wake"
    );
    assert_eq!(
        messages(&next),
        ["phase 1 (auth-phase-1): 4/5 tasks completed"]
    );
    assert_eq!(next["timed_out"], false);
    // And once more with the new cursor: nothing new.
    let after = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": next["cursor"], "timeout_seconds": 0}),
    )
    .await;
    assert_eq!(after["milestones"], json!([]));
}

#[tokio::test]
async fn terminal_orchestration_returns_at_once() {
    let s = session().await;
    let plan = s.dir.path().join("plan-1.md");
    ok(
        &s.client,
        "start_phase",
        json!({"orchestration": "billing", "phase": 1, "plan": plan, "runtime": "none"}),
    )
    .await;
    let first = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "billing", "timeout_seconds": 0}),
    )
    .await;
    assert_eq!(first["terminal"], false);
    for event in ["review", "complete"] {
        ok(
            &s.client,
            "advance_phase",
            json!({"orchestration": "billing", "phase": 1, "event": event}),
        )
        .await;
    }
    let started = Instant::now();
    let done = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "billing", "cursor": first["cursor"], "timeout_seconds": 60}),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(done["terminal"], true);
    assert_eq!(done["status"], "complete");
    assert_eq!(done["phases_complete"], 1);
    let m = messages(&done);
    assert!(m.contains(&"phase 1 complete".to_owned()), "{m:?}");
    assert!(
        m.contains(&"orchestration 'billing' is complete".to_owned()),
        "{m:?}"
    );
    // Terminal: a further call returns immediately, with nothing repeated.
    let started = Instant::now();
    let again = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "billing", "cursor": done["cursor"], "timeout_seconds": 60}),
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(again["milestones"], json!([]));
    assert_eq!(again["terminal"], true);
    assert_eq!(
        again["anomalies"],
        json!([]),
        "no daemon anomaly once terminal"
    );
}

#[tokio::test]
async fn anomalies_follow_the_thresholds_given() {
    let s = session().await;
    // Not there yet: waiting, not an error; anomaly once the threshold passed.
    let missing = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "later", "timeout_seconds": 0, "no_orchestration_minutes": 1,
               "run_started_at_ms": now_ms() - 120_000}),
    )
    .await;
    assert_eq!(missing["orchestration_id"], Value::Null);
    let note = missing["note"].as_str().expect("note while waiting");
    assert!(
        note.contains("'later'") && note.contains("list_orchestrations"),
        "{note}"
    );
    assert_eq!(
        kinds(&missing, "anomalies"),
        ["no_orchestration", "daemon_not_running"]
    );
    assert!(
        missing["anomalies"][0]["message"]
            .as_str()
            .expect("msg")
            .contains("2.0 minutes")
    );

    // A phase-2 team with no tasks yet (registered only: phases run one at a time, so
    // phase 2 cannot start while phase 1 is open).
    ok(
        &s.client,
        "register_team",
        json!({"orchestration": "auth", "team_name": "auth-phase-2", "phase_number": 2}),
    )
    .await;
    ok(
        &s.client,
        "advance_phase",
        json!({"orchestration": "auth", "phase": 1, "event": "block", "reason": "tests fail"}),
    )
    .await;
    let w = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0, "team_without_tasks_minutes": 0,
               "no_progress_minutes": 0}),
    )
    .await;
    let got = kinds(&w, "anomalies");
    for want in ["team_without_tasks", "phase_blocked"] {
        assert!(
            got.contains(&want.to_owned()),
            "{want} missing from {got:?}"
        );
    }
    let blocked = w["anomalies"]
        .as_array()
        .expect("anomalies")
        .iter()
        .find(|a| a["kind"] == "phase_blocked")
        .expect("blocked");
    assert_eq!(blocked["message"], "phase 1 blocked: tests fail");
    assert_eq!(blocked["phase_number"], 1);
    // The blocked orchestration is terminal: stall and daemon checks do not apply.
    assert_eq!(w["terminal"], true);
    assert!(!got.contains(&"no_task_progress".to_owned()), "{got:?}");
    assert!(!got.contains(&"daemon_not_running".to_owned()), "{got:?}");
    // Resumed, it runs again: now a stall with threshold 0 is reported.
    ok(
        &s.client,
        "advance_phase",
        json!({"orchestration": "auth", "phase": 1, "event": "resume"}),
    )
    .await;
    let w = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": w["cursor"], "timeout_seconds": 0,
               "team_without_tasks_minutes": 0, "no_progress_minutes": 0}),
    )
    .await;
    assert_eq!(w["terminal"], false);
    let got = kinds(&w, "anomalies");
    assert!(got.contains(&"no_task_progress".to_owned()), "{got:?}");
    assert!(got.contains(&"daemon_not_running".to_owned()), "{got:?}");
    assert_eq!(kinds(&w, "ongoing_anomalies"), ["team_without_tasks"]);
}

#[tokio::test]
async fn bad_watch_input_is_a_tool_error() {
    let s = session().await;
    let first = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0}),
    )
    .await;
    let msg = tool_error(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "billing", "cursor": first["cursor"], "timeout_seconds": 0}),
    )
    .await;
    assert!(msg.contains("belongs to a watch of 'auth'"), "{msg}");
    let msg = tool_error(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": "garbage", "timeout_seconds": 0}),
    )
    .await;
    assert!(msg.contains("invalid cursor"), "{msg}");
    let msg = tool_error(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 301}),
    )
    .await;
    assert!(msg.contains("at most 300"), "{msg}");
    let msg = tool_error(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0, "no_progress_minutes": -1}),
    )
    .await;
    assert!(msg.contains("no_progress_minutes"), "{msg}");
    let msg = tool_error(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": ""}),
    )
    .await;
    assert!(msg.contains("orchestration"), "{msg}");
}

/// With a Convex store the daemons run on the agents' machines: the local daemon (not
/// running here) says nothing about them, so no daemon anomaly is raised.
#[tokio::test]
async fn a_remote_store_raises_no_daemon_anomalies() {
    let s = session_with(|ctx| {
        ctx.config.convex_url = Some("https://example-remote.convex.cloud".into())
    })
    .await;
    let w = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0, "heartbeat_stale_seconds": 0}),
    )
    .await;
    assert!(!messages(&w).is_empty(), "{w}");
    assert_eq!(kinds(&w, "anomalies"), Vec::<String>::new());
    assert_eq!(w["daemon_health"], "unknown_remote_store");
}

/// A store that cannot answer is not an orchestration that vanished: the call fails,
/// and the cursor the caller still holds goes on without repeating a milestone.
#[tokio::test]
async fn a_store_failure_is_an_error_not_a_removal() {
    let mut failing = None;
    let s = session_with(|ctx| {
        let store = std::sync::Arc::new(common::failing::FailingStore::new(ctx.store.clone()));
        failing = Some(store.clone());
        ctx.store = store;
    })
    .await;
    let failing = failing.expect("store wrapped");
    // Watched by feature name and by id: each lookup the watch makes may fail.
    for (key, lookup) in [
        ("auth", "get_orchestration_by_feature"),
        (s.seeded.orchestration_id.as_str(), "get_orchestration"),
        ("auth", "list_phases"),
    ] {
        let first = ok(
            &s.client,
            "watch_orchestration",
            json!({"orchestration": key, "timeout_seconds": 0}),
        )
        .await;
        assert!(
            messages(&first).iter().any(|m| m.contains("appeared")),
            "{first}"
        );

        failing.fail_next(lookup);
        let err = tool_error(
            &s.client,
            "watch_orchestration",
            json!({"orchestration": key, "cursor": first["cursor"], "timeout_seconds": 0}),
        )
        .await;
        assert!(!failing.armed(), "{lookup} was never called");
        assert!(
            err.contains("store unavailable") && err.contains("same cursor"),
            "{lookup}: {err}"
        );

        let again = ok(
            &s.client,
            "watch_orchestration",
            json!({"orchestration": key, "cursor": first["cursor"], "timeout_seconds": 0}),
        )
        .await;
        assert_eq!(
            again["milestones"],
            json!([]),
            "{lookup}: a milestone was repeated"
        );
        assert_eq!(
            again["orchestration_id"],
            s.seeded.orchestration_id.as_str()
        );
    }

    // The same during a long poll: the first read succeeds, the periodic re-read (every
    // 2 s while nothing changes) fails and ends the call with an error.
    let first = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0}),
    )
    .await;
    failing.fail_after("get_orchestration_by_feature", 1);
    let started = Instant::now();
    let err = tool_error(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": first["cursor"], "timeout_seconds": 10}),
    )
    .await;
    assert!(!failing.armed(), "the failure was never hit");
    assert!(err.contains("store unavailable"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "the call ran to its timeout"
    );
}
