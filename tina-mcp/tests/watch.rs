//! `watch_orchestration` through a real client: cursors, long-poll wake-up, terminal
//! state, anomalies and bad input.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};
use tina_session::model::{TaskStatus, now_ms};

/// The kinds of a list of events (absent = none); `ongoing` lists "kind (team)" labels.
fn kinds(v: &Value, field: &str) -> Vec<String> {
    v.get(field)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|e| match e.as_str() {
            Some(label) => label.to_owned(),
            None => e["kind"].as_str().expect("kind").to_owned(),
        })
        .collect()
}

fn messages(v: &Value) -> Vec<String> {
    v.get("milestones")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
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
    assert!(first.get("terminal").is_none(), "{first}");
    assert!(first.get("note").is_none(), "{first}");
    assert_eq!(first["tasks_completed"], 4);
    assert_eq!(first["tasks_total"], 7);
    assert_eq!(first["total_phases"], 2);
    // No daemon runs for this temporary TINA_HOME, and the watch says so.
    assert_eq!(kinds(&first, "anomalies"), ["daemon_not_running"]);
    assert!(first.get("daemon_health").is_none(), "{first}");

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
    assert!(second.get("milestones").is_none(), "{second}");
    assert!(second.get("anomalies").is_none(), "{second}");
    assert_eq!(kinds(&second, "ongoing"), ["daemon_not_running"]);
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
    assert!(next.get("timed_out").is_none(), "{next}");
    // And once more with the new cursor: nothing new.
    let after = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": next["cursor"], "timeout_seconds": 0}),
    )
    .await;
    assert!(after.get("milestones").is_none(), "{after}");
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
    assert!(first.get("terminal").is_none(), "{first}");
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
    assert!(again.get("milestones").is_none(), "{again}");
    assert_eq!(again["terminal"], true);
    assert!(
        again.get("anomalies").is_none(),
        "no daemon anomaly once terminal: {again}"
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
    assert!(missing.get("orchestration_id").is_none(), "{missing}");
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
    assert_eq!(blocked["phase"], 1);
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
    assert!(w.get("terminal").is_none(), "{w}");
    let got = kinds(&w, "anomalies");
    assert!(got.contains(&"no_task_progress".to_owned()), "{got:?}");
    assert!(got.contains(&"daemon_not_running".to_owned()), "{got:?}");
    assert_eq!(kinds(&w, "ongoing"), ["team_without_tasks (auth-phase-2)"]);
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
        let (store, switch) = common::failing::FailingStore::wrap(ctx.store.clone());
        failing = Some(switch);
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
        assert!(
            again.get("milestones").is_none(),
            "{lookup}: a milestone was repeated: {again}"
        );
        // The id was reported with the first call; it is not news any more.
        assert!(again.get("orchestration_id").is_none(), "{again}");
        assert_eq!(again["status"], "executing");
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

/// A cursor is short, and a server that did not issue it (here: a second server on the
/// same store, as after a restart) rebuilds what it stands for from the store: nothing
/// reported before is reported again, and what changes after is.
#[tokio::test]
async fn a_short_cursor_outlives_the_server_that_issued_it() {
    let s = session().await;
    let first = ok(
        &s.client,
        "watch_orchestration",
        json!({"orchestration": "auth", "timeout_seconds": 0}),
    )
    .await;
    let cursor = first["cursor"].as_str().expect("cursor").to_owned();
    assert!(cursor.len() <= 24, "{cursor}");
    let mut ctx = tina_mcp::Context::new(
        s.seeded.config.clone(),
        s.seeded.store.clone(),
        scenarios_dir(&s),
    );
    ctx.watch_poll = Duration::from_millis(20);
    let restarted = connect(tina_mcp::TinaMcp::new(ctx), ()).await;
    let again = ok(
        &restarted,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": cursor, "timeout_seconds": 0}),
    )
    .await;
    assert!(again.get("milestones").is_none(), "{again}");
    tokio::time::sleep(Duration::from_millis(5)).await;
    s.seeded
        .store
        .record_task_event(&seed::event(
            &s.seeded.phase1_team_id,
            "4",
            TaskStatus::Completed,
            now_ms(),
            100,
        ))
        .expect("record");
    let next = ok(
        &restarted,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": again["cursor"], "timeout_seconds": 5}),
    )
    .await;
    assert_eq!(
        messages(&next),
        ["phase 1 (auth-phase-1): 4/5 tasks completed"]
    );
    // An idle reply says little: the cursor, the status and the counts.
    let idle = ok(
        &restarted,
        "watch_orchestration",
        json!({"orchestration": "auth", "cursor": next["cursor"], "timeout_seconds": 0}),
    )
    .await;
    let mut keys: Vec<&String> = idle.as_object().expect("object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "cursor",
            "ongoing",
            "phases_complete",
            "status",
            "tasks_completed",
            "tasks_total",
            "timed_out",
            "total_phases"
        ]
    );
}

/// A lead TINA launched whose Claude Code team folder never appears (what
/// `tina-session status` shows as "NO TEAM FOLDER") wakes the watcher once, stays
/// ongoing, and clears when the daemon links the folder.
#[tokio::test]
async fn a_lead_that_never_created_its_team_folder_is_an_anomaly() {
    let s = session_with(|ctx| ctx.lead_folder_timeout = Duration::ZERO).await;
    let params = |cursor: &Value| {
        json!({"orchestration": "auth", "timeout_seconds": 0, "cursor": cursor,
               "no_progress_minutes": 1000, "team_without_tasks_minutes": 1000})
    };
    let w = ok(&s.client, "watch_orchestration", params(&Value::Null)).await;
    assert!(
        !kinds(&w, "anomalies").contains(&"lead_team_folder_missing".to_owned()),
        "{w}"
    );
    ok(
        &s.client,
        "register_team",
        json!({"orchestration": "auth", "team_name": "auth-reviewers", "phase_number": 1,
               "parent_team_id": s.seeded.orchestrator_team_id, "lead_session_id": "sess-1"}),
    )
    .await;
    let w = ok(&s.client, "watch_orchestration", params(&w["cursor"])).await;
    let missing: Vec<&Value> = w["anomalies"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|a| a["kind"] == "lead_team_folder_missing")
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(missing.len(), 1, "{w}");
    assert_eq!(missing[0]["team"], "auth-reviewers");
    let message = missing[0]["message"].as_str().expect("message");
    assert!(
        message.contains("no Claude Code team folder linked") && message.contains("tmux attach"),
        "{message}"
    );

    let w = ok(&s.client, "watch_orchestration", params(&w["cursor"])).await;
    assert!(
        !kinds(&w, "anomalies").contains(&"lead_team_folder_missing".to_owned()),
        "{w}"
    );
    assert!(
        kinds(&w, "ongoing").contains(&"lead_team_folder_missing (auth-reviewers)".to_owned()),
        "{w}"
    );

    let team = s
        .seeded
        .store
        .get_team_by_name("auth-reviewers")
        .expect("team");
    s.seeded
        .store
        .link_claude_team_dir(&team.id, "session-sess1abc")
        .expect("link");
    let w = ok(&s.client, "watch_orchestration", params(&w["cursor"])).await;
    assert!(
        !kinds(&w, "ongoing")
            .iter()
            .any(|k| k.starts_with("lead_team_folder_missing")),
        "{w}"
    );
}
