//! The SQLite file under real conditions: several processes writing at once, a corrupt
//! file, a database from a newer TINA.

use std::process::Command;

use serde_json::json;
use tina_session::store::StoreError;
use tina_session::store::sqlite::SqliteStore;
use tina_session::*;

const CHILD_ENV: &str = "TINA_TEST_WRITER_DB";
const EVENTS_PER_WRITER: usize = 300;

/// Runs only as a child process of `concurrent_process_writers`: one process of several
/// writing to the same file, one event per transaction, plus team registrations.
#[test]
#[ignore = "a child process of `concurrent_process_writers_lose_nothing`, which runs it with --ignored"]
fn child_writer() {
    let db = std::env::var(CHILD_ENV)
        .expect("child_writer runs only as a child of concurrent_process_writers_lose_nothing");
    let writer: usize = std::env::var("TINA_TEST_WRITER_ID")
        .unwrap()
        .parse()
        .unwrap();
    let store = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    let orch = store.get_orchestration_by_feature("shared").unwrap();
    let root = store.get_team_by_name("shared-orchestration").unwrap();
    let team = store
        .register_team(&TeamRegistration {
            team_name: format!("shared-writer-{writer}"),
            orchestration_id: orch.id.clone(),
            parent_team_id: Some(root.id.clone()),
            phase_number: Some(1),
            lead_session_id: None,
        })
        .unwrap();
    for i in 0..EVENTS_PER_WRITER {
        store
            .record_task_event(&NewTaskEvent {
                team_id: if i % 2 == 0 {
                    team.id.clone()
                } else {
                    root.id.clone()
                },
                task_id: format!("{writer}-{i}"),
                subject: "s".into(),
                description: String::new(),
                active_form: None,
                status: TaskStatus::Pending,
                owner: None,
                blocked_by: vec![],
                metadata: json!({ "writer": writer }),
                recorded_at: i as i64,
                sequence: 1,
            })
            .unwrap();
    }
}

#[test]
fn concurrent_process_writers_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tina.db");
    let store = SqliteStore::open(&db).unwrap();
    let (orch, _) = store
        .create_orchestration(&NewOrchestration {
            feature_name: "shared".into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 1,
            orchestrator_team_name: "shared-orchestration".into(),
            lead_session_id: None,
            replace: false,
        })
        .unwrap();
    let writers = 4;
    let children: Vec<_> = (0..writers)
        .map(|w| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "--exact",
                    "child_writer",
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ENV, &db)
                .env("TINA_TEST_WRITER_ID", w.to_string())
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    // This process writes too, while the children run.
    let root = store.get_team_by_name("shared-orchestration").unwrap();
    for i in 0..100 {
        store
            .register_team(&TeamRegistration {
                team_name: format!("parent-team-{i}"),
                orchestration_id: orch.id.clone(),
                parent_team_id: Some(root.id.clone()),
                // A parent only with a phase (team rules).
                phase_number: Some(1),
                lead_session_id: None,
            })
            .unwrap();
    }
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer process failed");
    }
    let tasks = store.get_current_tasks(&orch.id).unwrap();
    assert_eq!(tasks.len(), writers * EVENTS_PER_WRITER);
    assert_eq!(
        store.list_task_events(&orch.id).unwrap().len(),
        writers * EVENTS_PER_WRITER
    );
    assert_eq!(store.list_teams(&orch.id).unwrap().len(), 1 + writers + 100);
}

#[test]
fn corrupt_file_is_a_clear_error_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tina.db");
    let garbage = b"this is not a database, it is a text file that got here somehow".repeat(100);
    std::fs::write(&db, &garbage).unwrap();
    let err = SqliteStore::open(&db).err().expect("must fail");
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("tina.db"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), garbage, "file untouched");
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tina.db");
    drop(SqliteStore::open(&db).unwrap());
    let conn = rusqlite_conn(&db);
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = SqliteStore::open(&db).err().expect("must fail");
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("upgrade tina-session"), "{err}");
}

#[test]
fn reopening_keeps_data_and_does_not_remigrate() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tina.db");
    let id = {
        let store = SqliteStore::open(&db).unwrap();
        store
            .create_orchestration(&NewOrchestration {
                feature_name: "persist".into(),
                design_doc: "d.md".into(),
                branch: None,
                worktree_path: None,
                total_phases: 1,
                orchestrator_team_name: "persist-orchestration".into(),
                lead_session_id: None,
                replace: false,
            })
            .unwrap()
            .0
            .id
    };
    let store = SqliteStore::open(&db).unwrap();
    assert_eq!(
        store.get_orchestration(&id).unwrap().feature_name,
        "persist"
    );
}

fn rusqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

#[test]
fn readers_in_threads_see_every_commit_while_a_writer_runs() {
    let dir = tempfile::tempdir().unwrap();
    let store = std::sync::Arc::new(SqliteStore::open(&dir.path().join("tina.db")).unwrap());
    let (orch, root) = store
        .create_orchestration(&NewOrchestration {
            feature_name: "threads".into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 1,
            orchestrator_team_name: "threads-orchestration".into(),
            lead_session_id: None,
            replace: false,
        })
        .unwrap();
    let total = 400;
    let writer = {
        let store = store.clone();
        let team = root.id.clone();
        std::thread::spawn(move || {
            for i in 0..total {
                store
                    .record_task_event(&NewTaskEvent {
                        team_id: team.clone(),
                        task_id: i.to_string(),
                        subject: "s".into(),
                        description: String::new(),
                        active_form: None,
                        status: TaskStatus::Pending,
                        owner: None,
                        blocked_by: vec![],
                        metadata: json!({}),
                        recorded_at: i,
                        sequence: 1,
                    })
                    .unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..6)
        .map(|_| {
            let store = store.clone();
            let id = orch.id.clone();
            std::thread::spawn(move || {
                // Counts only grow: every read sees a committed prefix of the writes.
                let mut last = 0;
                loop {
                    let n = store.get_current_tasks(&id).unwrap().len();
                    assert!(n >= last, "went back from {last} to {n}");
                    last = n;
                    if n == total as usize {
                        break;
                    }
                    std::thread::yield_now();
                }
            })
        })
        .collect();
    writer.join().unwrap();
    for r in readers {
        r.join().unwrap();
    }
    // A write is visible to the next read on any pooled connection.
    assert_eq!(
        store.get_current_tasks(&orch.id).unwrap().len(),
        total as usize
    );
}

/// A store written before migration 003 (schema 1, as the first release left it) opens
/// with per-orchestration revisions set and each phase's known history backfilled.
#[test]
fn a_schema_1_store_gains_revisions_and_phase_history() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let path = dir.path().join("tina.db");
    {
        let conn = rusqlite_conn(&path);
        conn.execute_batch(include_str!(
            "../src/store/sqlite/migrations/001_initial.sql"
        ))
        .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "UPDATE revision SET value = 7;
             INSERT INTO orchestrations VALUES ('o1', 'old', 'd.md', NULL, NULL, 2, 2, 'blocked', 100, NULL, 900);
             INSERT INTO phases VALUES ('o1', 1, 'complete', NULL, NULL, 200, 500, 500);
             INSERT INTO phases VALUES ('o1', 2, 'blocked', NULL, 'tests fail', 600, NULL, 900);",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let id = OrchestrationId("o1".into());
    assert_eq!(store.orchestration_revision(&id).unwrap(), 7);
    let history: Vec<_> = store
        .list_phase_history(&id)
        .unwrap()
        .into_iter()
        .map(|c| (c.phase_number, c.status, c.blocked_reason, c.at))
        .collect();
    assert_eq!(
        history,
        [
            (1, PhaseStatus::Executing, None, 200),
            (1, PhaseStatus::Complete, None, 500),
            (2, PhaseStatus::Executing, None, 600),
            (2, PhaseStatus::Blocked, Some("tests fail".into()), 900),
        ]
    );
    // From now on, writes move it.
    store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: id.clone(),
            phase_number: 2,
            expected: Some(PhaseStatus::Blocked),
            status: PhaseStatus::Executing,
            plan_path: None,
            blocked_reason: None,
            orchestration_status: OrchestrationStatus::Executing,
            register_team: None,
        })
        .unwrap();
    assert_eq!(store.orchestration_revision(&id).unwrap(), 8);
    assert_eq!(store.list_phase_history(&id).unwrap().len(), 5);
}
