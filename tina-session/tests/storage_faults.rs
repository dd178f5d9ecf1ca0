//! The SQLite store under faults, through the real `tina-session` binary where a person
//! would meet them: a corrupted file, a writer holding the lock, a store deleted or
//! replaced under a running process.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::json;
use tina_session::store::StoreError;
use tina_session::store::sqlite::SqliteStore;
use tina_session::*;

const TASKS: usize = 2_000;

struct Home {
    _dir: tempfile::TempDir,
    tina: PathBuf,
    claude: PathBuf,
}

impl Home {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tina = dir.path().join("tina");
        let claude = dir.path().join("claude");
        Self {
            _dir: dir,
            tina,
            claude,
        }
    }

    fn db(&self) -> PathBuf {
        self.tina.join("tina.db")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tina-session"))
            .args(args)
            .env("TINA_HOME", &self.tina)
            .env("CLAUDE_HOME", &self.claude)
            .env_remove("TINA_CONVEX_URL")
            .current_dir(self._dir.path())
            .output()
            .unwrap()
    }

    /// A real store: one orchestration with [`TASKS`] tasks (several events each).
    fn seed(&self) -> OrchestrationId {
        let store = SqliteStore::open(&self.db()).unwrap();
        let (orch, team) = store
            .create_orchestration(&NewOrchestration {
                feature_name: "faults".into(),
                design_doc: "d.md".into(),
                branch: None,
                worktree_path: None,
                total_phases: 1,
                orchestrator_team_name: "faults-orchestration".into(),
                lead_session_id: None,
                replace: false,
            })
            .unwrap();
        let events: Vec<NewTaskEvent> = (0..TASKS)
            .flat_map(|i| {
                let team = team.id.clone();
                ["pending", "in_progress"]
                    .into_iter()
                    .enumerate()
                    .map(move |(n, status)| NewTaskEvent {
                        team_id: team.clone(),
                        task_id: i.to_string(),
                        subject: format!("task {i} with a subject long enough to fill pages"),
                        description: "d".repeat(200),
                        active_form: None,
                        status: TaskStatus::parse(status),
                        owner: None,
                        blocked_by: vec![],
                        metadata: json!({ "i": i }),
                        recorded_at: 1_000 + n as i64,
                        sequence: 1,
                    })
            })
            .collect();
        store.record_task_events(&events).unwrap();
        orch.id
    }
}

fn overwrite(path: &Path, offset: u64, len: usize) {
    let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    f.seek(SeekFrom::Start(offset)).unwrap();
    let garbage: Vec<u8> = (0..len).map(|i| (i * 7 + 13) as u8).collect();
    f.write_all(&garbage).unwrap();
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every read fails non-zero naming the file and `db recover`; `db check` finds the
/// damage; `db recover` rebuilds a usable copy and leaves the original as it was.
fn corrupt_store_is_loud_and_recoverable(damage: impl Fn(&Path)) {
    let home = Home::new();
    home.seed();
    // Sound: the check passes (and is remembered for this version of the file).
    let before = home.run(&["list"]);
    assert!(before.status.success(), "{}", stderr(&before));
    let db = home.db();
    damage(&db);
    let original = std::fs::read(&db).unwrap();

    for args in [
        &["list"][..],
        &["list", "--json"],
        &["status", "--feature", "faults"],
        &["tasks", "--feature", "faults"],
        &["hierarchy", "--feature", "faults"],
    ] {
        let out = home.run(args);
        let err = stderr(&out);
        assert!(
            !out.status.success(),
            "{args:?} succeeded on a corrupt store"
        );
        assert!(err.contains(&db.display().to_string()), "{args:?}: {err}");
        assert!(err.contains("tina-session db recover"), "{args:?}: {err}");
    }
    let check = home.run(&["db", "check", "--json"]);
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(report["ok"], false);

    let copy = home.tina.join("recovered.db");
    let out = home.run(&[
        "db",
        "recover",
        "--output",
        &copy.display().to_string(),
        "--json",
    ]);
    assert!(out.status.success(), "recover: {}", stderr(&out));
    assert_eq!(std::fs::read(&db).unwrap(), original, "original modified");
    // A second recovery never overwrites the first.
    let again = home.run(&["db", "recover", "--output", &copy.display().to_string()]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    let recovered = SqliteStore::open(&copy).unwrap();
    assert!(recovered.check(true).unwrap().is_empty());
    let events: i64 = rusqlite::Connection::open(&copy)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM task_events", [], |r| r.get(0))
        .unwrap();
    assert!(events > 0 && events <= 2 * TASKS as i64, "{events}");
    // Whatever orchestration survived reads back with its tasks.
    if let Ok(orch) = recovered.get_orchestration_by_feature("faults") {
        let tasks = recovered.get_current_tasks(&orch.id).unwrap();
        assert!(!tasks.is_empty() && tasks.len() <= TASKS, "{}", tasks.len());
    }
    // Put in place, the copy serves the CLI again.
    std::fs::rename(&db, home.tina.join("damaged.db")).unwrap();
    let _ = std::fs::remove_file(home.tina.join("tina.db-wal"));
    let _ = std::fs::remove_file(home.tina.join("tina.db-shm"));
    std::fs::rename(&copy, &db).unwrap();
    let list = home.run(&["list"]);
    assert!(list.status.success(), "{}", stderr(&list));
}

#[test]
fn garbage_in_the_middle_of_the_file_fails_every_read_and_recovers() {
    corrupt_store_is_loud_and_recoverable(|db| {
        let len = std::fs::metadata(db).unwrap().len();
        overwrite(db, len / 2 / 4096 * 4096, 8 * 1024);
    });
}

#[test]
fn a_corrupt_second_page_fails_every_read_and_recovers() {
    corrupt_store_is_loud_and_recoverable(|db| overwrite(db, 4096, 4096));
}

#[test]
fn a_corrupt_file_stops_the_writes_of_an_open_store() {
    let home = Home::new();
    home.seed();
    let store = SqliteStore::open(&home.db()).unwrap();
    let orch = store.get_orchestration_by_feature("faults").unwrap();
    let len = std::fs::metadata(home.db()).unwrap().len();
    overwrite(&home.db(), len / 2 / 4096 * 4096, 8 * 1024);
    // The check finds the damage (or cannot even run): either way, writes stop.
    match store.check(false) {
        Ok(problems) => assert!(!problems.is_empty()),
        Err(e) => assert!(matches!(e, StoreError::Corrupt { .. }), "{e}"),
    }
    let before = std::fs::read(home.db()).unwrap();
    let err = store
        .register_team(&TeamRegistration {
            team_name: "late".into(),
            orchestration_id: orch.id,
            parent_team_id: None,
            phase_number: None,
            lead_session_id: None,
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("db recover"), "{err}");
    assert_eq!(std::fs::read(home.db()).unwrap(), before, "written to");
}

/// A writer holds the lock (a real transaction on the real file): `list` still answers,
/// from the last commit, without waiting for it.
#[test]
fn readers_do_not_wait_for_a_writer() {
    let home = Home::new();
    home.seed();
    let writer = rusqlite::Connection::open(home.db()).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    writer
        .execute("UPDATE revision SET value = value + 1 WHERE id = 1", [])
        .unwrap();
    let out = home.run(&["list", "--json"]);
    writer.execute_batch("ROLLBACK").unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(list.to_string().contains("faults"), "{list}");
}

#[test]
fn a_deleted_store_is_not_silently_recreated_but_init_creates_one() {
    let home = Home::new();
    // First use of a fresh home creates the store.
    let out = home.run(&["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(home.db().exists());
    home.seed();
    std::fs::write(home._dir.path().join("d.md"), "# design\n").unwrap();

    for f in ["tina.db", "tina.db-wal", "tina.db-shm"] {
        let _ = std::fs::remove_file(home.tina.join(f));
    }
    for args in [&["list"][..], &["status", "--feature", "faults"]] {
        let out = home.run(args);
        let err = stderr(&out);
        assert!(
            !out.status.success(),
            "{args:?} on a deleted store succeeded"
        );
        assert!(err.contains("missing"), "{err}");
        assert!(err.contains("tina-session init"), "{err}");
        assert!(!home.db().exists(), "{args:?} re-created the store");
    }
    let out = home.run(&[
        "init",
        "--feature",
        "again",
        "--design-doc",
        "d.md",
        "--no-worktree",
    ]);
    assert!(out.status.success(), "init: {}", stderr(&out));
    assert!(home.db().exists());
    assert!(home.run(&["list"]).status.success());
}

#[test]
fn a_store_deleted_or_replaced_under_an_open_process_is_reported() {
    let home = Home::new();
    home.seed();
    let store = SqliteStore::open(&home.db()).unwrap();
    assert!(store.list_orchestrations().is_ok());

    // Replaced: another database moved over the path.
    let other = home.tina.join("other.db");
    drop(SqliteStore::open(&other).unwrap());
    std::fs::rename(&other, home.db()).unwrap();
    let err = store.list_orchestrations().unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Replaced {
                what: "replaced",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("daemon restart"), "{err}");

    // Deleted.
    let store = SqliteStore::open(&home.db()).unwrap();
    std::fs::remove_file(home.db()).unwrap();
    let err = store.revision().unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Replaced {
                what: "deleted",
                ..
            }
        ),
        "{err}"
    );
    let err = store
        .record_task_events(&[NewTaskEvent {
            team_id: TeamId::from("t"),
            task_id: "1".into(),
            subject: "s".into(),
            description: String::new(),
            active_form: None,
            status: TaskStatus::Pending,
            owner: None,
            blocked_by: vec![],
            metadata: json!({}),
            recorded_at: 1,
            sequence: 1,
        }])
        .unwrap_err();
    assert!(matches!(err, StoreError::Replaced { .. }), "{err}");
}
