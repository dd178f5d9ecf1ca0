//! The harness tools through a real client: scenario validation, a run that returns at
//! once and one that waits with progress notifications, run lookup, and a real rebuild.

mod common;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use rmcp::model::{
    CallToolRequestParams, NumberOrString, ProgressNotificationParam, ProgressToken,
    RequestMetaObject,
};
use rmcp::service::NotificationContext;
use rmcp::{ClientHandler, RoleClient};
use serde_json::{Value, json};
use tina_mcp::{Context, TinaMcp};

fn repo_scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

/// A scenarios folder with one scenario whose `scenario.json` does not load: its run
/// ends in the setup stage, deterministically and without building or starting anything.
fn broken_scenarios(s: &Session) -> PathBuf {
    let dir = s.dir.path().join("broken-scenarios");
    std::fs::create_dir_all(dir.join("90-broken")).expect("mkdir");
    std::fs::write(dir.join("90-broken/scenario.json"), "{\"feature_name\": 3}").expect("write");
    dir
}

#[tokio::test]
async fn list_scenarios_and_refuse_bad_names() {
    let s = session_with(|ctx| ctx.scenarios_dir = repo_scenarios()).await;
    let list = ok(&s.client, "list_scenarios", json!({})).await;
    let names: Vec<&str> = list["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|sc| sc["name"].as_str().expect("name"))
        .collect();
    assert!(names.contains(&"01-single-phase"), "{names:?}");
    assert!(
        !names.contains(&"test-project"),
        "not a scenario: {names:?}"
    );

    for bad in [
        "../01-single-phase",
        "01/../../etc",
        "a/b",
        "..",
        "a\\b",
        "",
    ] {
        let msg = tool_error(&s.client, "run_scenario", json!({"scenario": bad})).await;
        assert!(msg.contains("invalid scenario name"), "{bad}: {msg}");
        assert!(msg.contains("list_scenarios"), "{msg}");
    }
    let msg = tool_error(
        &s.client,
        "run_scenario",
        json!({"scenario": "99-nope", "skip_build": true}),
    )
    .await;
    assert!(
        msg.contains("scenario not found") && msg.contains("01-single-phase"),
        "{msg}"
    );
    // Nothing was started by the refusals.
    assert!(!s.seeded.config.runs_dir().exists());
}

#[tokio::test]
async fn run_returns_at_once_and_get_scenario_run_follows_it() {
    let s = session().await;
    let dir = broken_scenarios(&s);
    let ctx_dir = dir.clone();
    let s = Session {
        client: connect(
            TinaMcp::new({
                let mut c = Context::new(s.seeded.config.clone(), s.seeded.store.clone(), ctx_dir);
                c.watch_poll = Duration::from_millis(20);
                c
            }),
            (),
        )
        .await,
        ..s
    };
    let started = ok(
        &s.client,
        "run_scenario",
        json!({"scenario": "90-broken", "skip_build": true}),
    )
    .await;
    let run_id = started["run_id"].as_str().expect("run id").to_owned();
    assert!(run_id.starts_with("run-"), "{run_id}");
    assert_eq!(started["scenario"], "90-broken");
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let v = ok(&s.client, "get_scenario_run", json!({"run_id": run_id})).await;
        if v["finished"] == true {
            break v;
        }
        assert!(Instant::now() < deadline, "run did not finish: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(done["status"], "error");
    let report = &done["report"];
    // In brief: the error and where the complete report is.
    let path = report["report_path"].as_str().expect("report path");
    assert!(path.contains(&run_id), "{report}");
    let full: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("report.json")).expect("json");
    assert_eq!(full["run_id"], run_id.as_str());
    assert_eq!(report["error"]["category"], "setup");
    assert!(
        report["error"]["message"]
            .as_str()
            .expect("message")
            .contains("scenario.json"),
        "{report}"
    );
    assert!(
        done["progress"]
            .as_array()
            .expect("progress")
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.starts_with("[done] error"))),
        "{done}"
    );
    // The report is on disk: a fresh server (no live state) finds the same run.
    let fresh = connect(
        TinaMcp::new(Context::new(
            s.seeded.config.clone(),
            s.seeded.store.clone(),
            dir,
        )),
        (),
    )
    .await;
    let again = ok(&fresh, "get_scenario_run", json!({"run_id": run_id})).await;
    assert_eq!(again["status"], "error");
    assert_eq!(again["report"]["error"], report["error"]);

    let msg = tool_error(&s.client, "get_scenario_run", json!({"run_id": "run-0000"})).await;
    assert!(
        msg.contains("scenario run not found") && msg.contains(&run_id),
        "{msg}"
    );
    let msg = tool_error(
        &s.client,
        "get_scenario_run",
        json!({"run_id": "../../etc"}),
    )
    .await;
    assert!(msg.contains("invalid run id"), "{msg}");
}

/// Collects progress notifications.
#[derive(Clone, Default)]
struct Progress(Arc<Mutex<Vec<ProgressNotificationParam>>>);

impl ClientHandler for Progress {
    async fn on_progress(
        &self,
        params: ProgressNotificationParam,
        _: NotificationContext<RoleClient>,
    ) {
        if let Ok(mut v) = self.0.lock() {
            v.push(params);
        }
    }
}

#[tokio::test]
async fn wait_blocks_until_done_and_sends_progress() {
    let s = session().await;
    let dir = broken_scenarios(&s);
    let progress = Progress::default();
    let client = connect(
        TinaMcp::new(Context::new(
            s.seeded.config.clone(),
            s.seeded.store.clone(),
            dir,
        )),
        progress.clone(),
    )
    .await;
    let token = ProgressToken(NumberOrString::String("run-1".into()));
    let mut params = CallToolRequestParams::new("run_scenario").with_arguments(
        json!({"scenario": "90-broken", "wait": true, "skip_build": true})
            .as_object()
            .cloned()
            .unwrap_or_default(),
    );
    params.meta = Some(RequestMetaObject::with_progress_token(token.clone()));
    let r = client.call_tool(params).await.expect("call");
    assert_ne!(r.is_error, Some(true), "{}", text(&r));
    let v: Value = r.structured_content.expect("structured");
    assert_eq!(v["finished"], true);
    assert_eq!(v["status"], "error");
    assert_eq!(v["scenario"], "90-broken");
    assert_eq!(v["report"]["error"]["category"], "setup");
    // Notifications may trail the response on the wire by a moment.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = progress.0.lock().expect("lock").clone();
        if let Some(last) = got.last() {
            // rmcp's client assigns its own token to each request; every notification
            // must carry the one the server received.
            assert!(got.iter().all(|p| p.progress_token == last.progress_token));
            assert!(
                last.message
                    .as_deref()
                    .is_some_and(|m| m.starts_with("[done] error")),
                "{got:?}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no progress notification arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Opt-in: it runs `cargo build` of the workspace binaries, which relinks the very
/// binaries other tests of a `cargo test --workspace` run are executing. scripts/test-all.sh
/// runs it as its own step after the other Rust tests:
/// `cargo test -p tina-mcp --test harness -- --ignored --exact rebuild_binaries_builds_the_fixed_list`.
#[tokio::test]
#[ignore = "runs cargo build, relinking binaries other tests run; its own step in scripts/test-all.sh"]
async fn rebuild_binaries_builds_the_fixed_list() {
    let s = session().await;
    let r = ok(&s.client, "rebuild_binaries", json!({})).await;
    assert_eq!(r["success"], true, "{}", r["log_tail"]);
    assert!(r["duration_ms"].as_u64().is_some());
    // No daemon runs for this temporary TINA_HOME, so none was restarted.
    assert_eq!(r["daemon_restarted"], false);
    let exe_dir = PathBuf::from(env!("CARGO_BIN_EXE_tina-mcp"));
    let bin_dir = exe_dir.parent().expect("bin dir");
    for bin in ["tina-session", "tina-daemon", "tina-harness"] {
        assert!(
            bin_dir.join(bin).is_file(),
            "{bin} not built in {}",
            bin_dir.display()
        );
    }
    let msg = tool_error(&s.client, "rebuild_binaries", json!({"packages": ["evil"]})).await;
    assert!(msg.contains("unknown field `packages`"), "{msg}");
}
