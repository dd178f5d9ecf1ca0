//! The harness's clean-up of Claude Code team folders never leaves CLAUDE_HOME, even when
//! the store holds a team name written before names were checked: the record is put in
//! a real SQLite store with plain SQL, the way an old build could have left it.

use std::cell::RefCell;

use tina_harness::run::{feature_team_names, remove_team_folders};
use tina_session::Store;
use tina_session::model::{NewOrchestration, orchestrator_team_name};
use tina_session::store::sqlite::SqliteStore;

#[test]
fn an_old_record_with_a_traversal_name_cannot_remove_folders_outside_claude_home() {
    let dir = tempfile::tempdir().unwrap();
    let claude_home = dir.path().join("home/claude");
    let db = dir.path().join("tina/tina.db");
    // `$CLAUDE_HOME/teams/../../victim` is `<dir>/home/victim`.
    let victim = dir.path().join("home/victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("precious.txt"), "keep me").unwrap();
    let store = SqliteStore::open(&db).unwrap();
    let (orch, root) = store
        .create_orchestration(&NewOrchestration {
            feature_name: "auth".into(),
            design_doc: "design.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 1,
            orchestrator_team_name: orchestrator_team_name("auth"),
            lead_session_id: None,
            replace: false,
        })
        .unwrap();
    // Today's store refuses the name outright...
    let refused = store.register_team(&tina_session::model::TeamRegistration {
        team_name: "../../victim".into(),
        orchestration_id: orch.id.clone(),
        parent_team_id: Some(root.id.clone()),
        phase_number: Some(1),
        lead_session_id: None,
    });
    assert!(refused.is_err(), "{refused:?}");
    // ...so write it the way an old build did.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute(
        "INSERT INTO teams (id, team_name, orchestration_id, parent_team_id, phase_number, \
         lead_session_id, created_at) VALUES ('old-team', '../../victim', ?1, ?2, 1, NULL, 0)",
        rusqlite::params![orch.id.as_str(), root.id.as_str()],
    )
    .unwrap();
    drop(conn);
    // A real team folder that must go, and a symlink planted as a team folder.
    let own = claude_home
        .join("teams")
        .join(orchestrator_team_name("auth"));
    std::fs::create_dir_all(&own).unwrap();
    std::fs::write(own.join("config.json"), "{}").unwrap();
    std::fs::create_dir_all(claude_home.join("tasks")).unwrap();
    std::os::unix::fs::symlink(&victim, claude_home.join("tasks/auth-phase-1")).unwrap();

    let names = feature_team_names(&store, "auth", 1).unwrap();
    assert!(names.iter().any(|n| n == "../../victim"), "{names:?}");
    let log = RefCell::new(Vec::new());
    remove_team_folders(&claude_home, &names, |line| {
        log.borrow_mut().push(line.to_owned())
    })
    .unwrap();

    assert_eq!(
        std::fs::read_to_string(victim.join("precious.txt")).unwrap(),
        "keep me"
    );
    assert!(!own.exists(), "the feature's own team folder is removed");
    let log = log.into_inner();
    assert!(
        log.iter()
            .any(|l| l.contains("refused") && l.contains("victim")),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("refused") && l.contains("symbolic link")),
        "{log:?}"
    );
}
