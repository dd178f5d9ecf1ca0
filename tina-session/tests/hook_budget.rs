//! The one blocking use of `tina-session hook`: a `TaskCreated` (Claude Code 2.1.332's
//! real payload) of a team over its budget exits 2 with the reason on stderr and records
//! the task as refused (Claude Code deletes it: status `deleted`), whether or not the
//! daemon recorded its file first and even if it reads the file afterwards; once the
//! budget is raised the next task is recorded and the hook exits 0.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tina_session::store::sqlite::SqliteStore;
use tina_session::*;

const LEAD_SESSION: &str = "8739ce96-1dac-48df-8c52-26613812a012";

/// The real payload, for task `id`.
fn task_created(id: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/claude-code-2.1.332/hooks/TaskCreated.json");
    let mut payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    payload["task_id"] = id.into();
    serde_json::to_vec(&payload).unwrap()
}

fn hook(tina_home: &Path, stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tina-session"))
        .arg("hook")
        .env("TINA_HOME", tina_home)
        .env("CLAUDE_HOME", tina_home.join("claude"))
        .env_remove("TINA_CONVEX_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn task_created_over_budget_exits_2_with_the_reason_until_the_budget_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    let home: PathBuf = dir.path().join("tina");
    std::fs::create_dir_all(&home).unwrap();
    let store = SqliteStore::open(&home.join("tina.db")).unwrap();
    let (orch, _) = store
        .create_orchestration(&NewOrchestration {
            feature_name: "capped".into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 1,
            orchestrator_team_name: orchestrator_team_name("capped"),
            lead_session_id: Some(LEAD_SESSION.into()),
            replace: false,
        })
        .unwrap();
    let orch_team = store
        .list_teams(&orch.id)
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    // A zero budget: exceeded before anything is spent.
    attention::set_budget(&store, "capped", None, Some(0.0)).unwrap();

    let out = hook(&home, &task_created("1"));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TINA refused this task"), "{stderr}");
    assert!(
        stderr.contains("tina-session budget --feature capped --usd"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let status_of = |id: &str| {
        store
            .get_current_tasks(&orch.id)
            .unwrap()
            .into_iter()
            .find(|t| t.task_id == id)
            .map(|t| t.status.as_str().to_owned())
    };
    assert_eq!(status_of("1").as_deref(), Some("deleted"));
    let log = std::fs::read_to_string(home.join("logs/hook.log")).unwrap();
    assert!(
        log.contains("refused: budget exceeded; recorded as deleted"),
        "{log}"
    );

    // The daemon read task 2's file (pending) before the hook ran, and reads it once
    // more before Claude Code deletes it: the refusal still wins.
    let file_state = |recorded_at| NewTaskEvent {
        team_id: orch_team.id.clone(),
        task_id: "2".into(),
        subject: "Implement the change".into(),
        description: "d".into(),
        active_form: None,
        status: TaskStatus::Pending,
        owner: None,
        blocked_by: vec![],
        metadata: serde_json::json!({}),
        recorded_at,
        sequence: 1,
    };
    let mtime = now_ms() - 50;
    store.record_task_event(&file_state(mtime)).unwrap();
    let out = hook(&home, &task_created("2"));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(status_of("2").as_deref(), Some("deleted"));
    let _ = store.record_task_event(&file_state(mtime));
    assert_eq!(status_of("2").as_deref(), Some("deleted"));

    attention::set_budget(&store, "capped", None, Some(10.0)).unwrap();
    let out = hook(&home, &task_created("3"));
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    assert_eq!(status_of("3").as_deref(), Some("pending"));
}
