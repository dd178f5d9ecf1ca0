//! The engine under storage and file faults: a full disk (SQLite `max_page_count` on the
//! real file), the daemon's own state file failing, a half-written file whose last
//! change went unnoticed.

use tina_session::daemon::ProblemKind;

use super::*;

/// A fixture over a real SQLite store, and that store (to cap its size).
fn sqlite_fixture() -> (Fixture, Arc<SqliteStore>) {
    let mut sqlite = None;
    let f = fixture_with(|db| {
        let store = Arc::new(SqliteStore::open(db).unwrap());
        sqlite = Some(store.clone());
        store
    });
    (f, sqlite.unwrap())
}

/// A task file with a description of `size` bytes.
fn write_big_task(f: &Fixture, id: &str, size: usize) {
    let dir = f.claude.join("tasks").join(&f.team.team_name);
    std::fs::create_dir_all(&dir).unwrap();
    let body = json!({"id": id, "subject": format!("task {id}"), "description": "x".repeat(size),
                      "status": "pending", "blocks": [], "blockedBy": [], "metadata": {}});
    std::fs::write(dir.join(format!("{id}.json")), body.to_string()).unwrap();
}

#[test]
fn a_full_store_keeps_the_engine_running_unhealthy_until_writes_succeed() {
    let (f, sqlite) = sqlite_fixture();
    let mut engine = f.engine();
    write_big_task(&f, "1", 100);
    assert_eq!(engine.startup().unwrap().events_recorded, 1);
    assert!(engine.health().problem().is_none());

    // The disk is full: no room for another page.
    sqlite.set_max_page_count(1).unwrap();
    for i in 2..12 {
        write_big_task(&f, &i.to_string(), 20_000);
    }
    let report = engine.full_scan().unwrap();
    assert_eq!(report.events_recorded, 0);
    let problem = engine.health().problem().expect("unhealthy");
    assert_eq!(problem.kind, ProblemKind::DiskFull);
    assert!(problem.detail.contains("tina.db"), "{}", problem.detail);
    assert_eq!(engine.outstanding().unwrap(), 10, "work kept");
    // Retries while full change nothing and stop nothing.
    assert_eq!(retry_now(&mut engine).events_recorded, 0);
    assert_eq!(
        engine.health().problem().unwrap().kind,
        ProblemKind::DiskFull
    );

    // Room again: everything is recorded once, and the engine is healthy.
    sqlite.set_max_page_count(1 << 30).unwrap();
    let report = retry_now(&mut engine);
    assert_eq!(report.events_recorded, 10);
    assert!(engine.health().problem().is_none());
    assert_eq!(engine.outstanding().unwrap(), 0);
    assert_eq!(f.events().len(), 11);
    assert_eq!(engine.full_scan().unwrap().events_recorded, 0);
}

#[test]
fn a_state_file_that_cannot_be_written_keeps_the_files_for_later() {
    let f = fixture();
    let mut engine = f.engine();
    f.write_task("1", "pending", 1_000);
    // The state file's disk is full (its connection may grow by no page).
    engine
        .state
        .conn_for_test()
        .query_row("PRAGMA max_page_count = 1", [], |r| r.get::<_, i64>(0))
        .unwrap();
    for i in 2..40 {
        write_big_task(&f, &i.to_string(), 4_000);
    }
    let report = engine.startup().unwrap();
    assert_eq!(report.events_recorded, 0);
    // The state file's "disk" is full: reported as such.
    assert_eq!(
        engine.health().problem().unwrap().kind,
        ProblemKind::DiskFull
    );
    assert!(f.events().is_empty());
    engine
        .state
        .conn_for_test()
        .query_row("PRAGMA max_page_count = 1073741823", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap();
    let report = retry_now(&mut engine);
    assert_eq!(report.events_recorded, 39);
    assert!(engine.health().problem().is_none());
}

/// The writer finished after the daemon read the half, and its last change reached the
/// daemon within the same batch: no further change will come. The quick retry reads it.
#[test]
fn a_half_written_file_is_read_again_shortly_without_a_new_change() {
    let f = fixture();
    let mut engine = f.engine();
    let path = f.write_task("1", "pending", 1_000);
    let full = std::fs::read(&path).unwrap();
    std::fs::write(&path, &full[..full.len() / 2]).unwrap();
    let report = engine.startup().unwrap();
    assert_eq!((report.malformed, report.events_recorded), (1, 0));

    std::fs::write(&path, &full).unwrap();
    // Nothing is due before the retry delay ...
    assert_eq!(engine.tick().unwrap().events_recorded, 0);
    std::thread::sleep(crate::issues::RETRY_FIRST + Duration::from_millis(50));
    // ... then the periodic pass reads it again.
    assert_eq!(engine.tick().unwrap().events_recorded, 1);
    assert_eq!(f.events().len(), 1);
    assert_eq!(engine.tick().unwrap().events_recorded, 0);
}
