//! The dashboard views over a real SQLite store: the list (attention first, filters,
//! pages, facets, progress counted apart) and the detail (slim rows, open blockers,
//! orchestrator tasks placed by metadata, blocked since from the phase history).

use serde_json::json;
use tina_session::dashboard::*;
use tina_session::store::sqlite::SqliteStore;
use tina_session::*;

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("tina.db")).expect("open");
    (dir, store)
}

fn create(store: &dyn Store, feature: &str, phases: u32) -> (Orchestration, Team) {
    store
        .create_orchestration(&NewOrchestration {
            feature_name: feature.into(),
            design_doc: "d.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: phases,
            orchestrator_team_name: orchestrator_team_name(feature),
            lead_session_id: None,
            replace: false,
        })
        .expect("create")
}

fn transition(
    store: &dyn Store,
    o: &Orchestration,
    root: Option<&Team>,
    n: u32,
    expected: Option<PhaseStatus>,
    status: PhaseStatus,
    reason: Option<&str>,
) -> Option<Team> {
    store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: o.id.clone(),
            phase_number: n,
            expected,
            status,
            plan_path: None,
            blocked_reason: reason.map(str::to_owned),
            orchestration_status: if status == PhaseStatus::Blocked {
                OrchestrationStatus::Blocked
            } else {
                OrchestrationStatus::Executing
            },
            register_team: root.map(|r| TeamRegistration {
                team_name: phase_team_name(&o.feature_name, n),
                orchestration_id: o.id.clone(),
                parent_team_id: Some(r.id.clone()),
                phase_number: Some(n),
                lead_session_id: None,
            }),
        })
        .expect("transition")
        .team
}

fn event(team: &Team, id: &str, status: &str, at: i64) -> NewTaskEvent {
    tina_session::test_support::task_event(&team.id, id, TaskStatus::parse(status), at, 1)
}

fn query(now: i64) -> ListQuery {
    ListQuery {
        status: None,
        feature: None,
        page: 1,
        per_page: 50,
        now,
        stale_after: 600_000,
    }
}

#[test]
fn list_puts_blocked_then_stale_then_running_then_complete() {
    let (_dir, store) = store();
    let now = now_ms();
    let (done, _) = create(&store, "done", 1);
    transition(&store, &done, None, 1, None, PhaseStatus::Executing, None);
    transition(
        &store,
        &done,
        None,
        1,
        Some(PhaseStatus::Executing),
        PhaseStatus::Complete,
        None,
    );
    let (busy, busy_root) = create(&store, "busy", 1);
    transition(&store, &busy, None, 1, None, PhaseStatus::Executing, None);
    store
        .record_task_event(&event(&busy_root, "1", "in_progress", now))
        .unwrap();
    let (blocked, _) = create(&store, "blocked", 2);
    transition(
        &store,
        &blocked,
        None,
        1,
        None,
        PhaseStatus::Executing,
        None,
    );
    transition(
        &store,
        &blocked,
        None,
        1,
        Some(PhaseStatus::Executing),
        PhaseStatus::Blocked,
        Some("tests fail"),
    );
    let (quiet, _) = create(&store, "quiet", 1);
    transition(&store, &quiet, None, 1, None, PhaseStatus::Executing, None);

    // An hour from now, "quiet" and "busy" have had no change for 10 minutes.
    let later = now + 3_600_000;
    let page = list_page(&store, &query(later)).unwrap();
    let order: Vec<_> = page
        .rows
        .iter()
        .map(|r| r.orchestration.feature_name.as_str())
        .collect();
    assert_eq!(order, ["blocked", "quiet", "busy", "done"]);
    assert!(page.rows[1].attention.stale && page.rows[2].attention.stale);
    let b = page.rows[0]
        .attention
        .blocked
        .as_ref()
        .expect("blocked row says why");
    assert_eq!(
        (b.phase_number, b.reason.as_deref()),
        (1, Some("tests fail"))
    );
    assert_eq!(page.facets["attention"], 3);
    assert_eq!(page.facets["active"], 3);
    assert_eq!(page.facets["all"], 4);

    // Now, nothing is stale yet: busy and quiet rank by start, newest first.
    let page = list_page(&store, &query(now)).unwrap();
    let order: Vec<_> = page
        .rows
        .iter()
        .map(|r| r.orchestration.feature_name.as_str())
        .collect();
    assert_eq!(order, ["blocked", "quiet", "busy", "done"]);
    assert!(!page.rows[1].attention.stale);
    assert_eq!(page.facets["attention"], 1);
}

#[test]
fn list_filters_pages_and_counts_team_and_orchestrator_tasks_apart() {
    let (_dir, store) = store();
    let mut ids = Vec::new();
    for i in 0..7 {
        let (o, root) = create(&store, &format!("feat-{i}"), 1);
        let team = transition(
            &store,
            &o,
            Some(&root),
            1,
            None,
            PhaseStatus::Executing,
            None,
        )
        .expect("phase team");
        store
            .record_task_events(&[
                event(&root, "1", "completed", 10),
                event(&team, "1", "completed", 11),
                event(&team, "2", "in_progress", 12),
            ])
            .unwrap();
        ids.push(o.id);
    }
    let q = ListQuery {
        per_page: 3,
        page: 3,
        ..query(now_ms())
    };
    let page = list_page(&store, &q).unwrap();
    assert_eq!((page.total, page.rows.len()), (7, 1));
    let row = &page.rows[0];
    assert_eq!(row.team_task_counts["completed"], 1);
    assert_eq!(row.team_task_counts["in_progress"], 1);
    assert_eq!(row.orchestrator_task_counts["completed"], 1);
    assert_eq!(row.orchestrator_task_counts.len(), 1);

    let q = ListQuery {
        feature: Some("FEAT-3".into()),
        ..query(now_ms())
    };
    let page = list_page(&store, &q).unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].orchestration.feature_name, "feat-3");

    let q = ListQuery {
        status: Some("complete".parse().unwrap()),
        ..query(now_ms())
    };
    assert_eq!(list_page(&store, &q).unwrap().total, 0);
    let err = "finished".parse::<StatusFilter>().unwrap_err();
    assert!(err.contains("attention, active, planning"), "{err}");
}

#[test]
fn detail_rows_mark_open_blockers_and_place_orchestrator_tasks_by_metadata() {
    let (_dir, store) = store();
    let (o, root) = create(&store, "deps", 2);
    let team = transition(
        &store,
        &o,
        Some(&root),
        1,
        None,
        PhaseStatus::Executing,
        None,
    )
    .expect("phase team");
    let mut blocked = event(&team, "3", "pending", 30);
    blocked.blocked_by = vec!["1".into(), "2".into(), "9".into()];
    blocked.description = "Do the thing".into();
    let mut placed = event(&root, "1", "in_progress", 5);
    placed.metadata = json!({"phase_number": 2});
    let mut stray = event(&root, "2", "pending", 6);
    stray.metadata = json!({"phase_number": "2"});
    store
        .record_task_events(&[
            event(&team, "1", "completed", 10),
            event(&team, "2", "in_progress", 20),
            blocked,
            placed,
            stray,
        ])
        .unwrap();
    let d = dashboard_detail(&store, &o.id, now_ms(), 600_000).unwrap();
    let row = |team: &Team, id: &str| {
        d.tasks
            .iter()
            .find(|t| t.team_id == team.id && t.task_id == id)
            .expect("row")
    };
    let t3 = row(&team, "3");
    assert_eq!(
        t3.open_blockers,
        ["2", "9"],
        "#1 is completed; #9 is unknown"
    );
    assert!(t3.has_description);
    assert_eq!(t3.phase_number, Some(1));
    assert!(!t3.orchestrator);
    assert_eq!(row(&root, "1").phase_number, Some(2));
    assert_eq!(row(&root, "2").phase_number, None);
    assert_eq!(d.attention.last_activity, Some(30));
    assert_eq!(d.revision, store.orchestration_revision(&o.id).unwrap());
    assert_eq!(d.phase_history.len(), 1);
    // The slim row carries no description; the task detail does, with its history.
    let json = serde_json::to_string(&d).unwrap();
    assert!(!json.contains("Do the thing"));
    let t = task_detail(&store, &o.id, &team.id, "3").unwrap();
    assert_eq!(t.task.description, "Do the thing");
    assert_eq!(t.events.len(), 1);
    let missing = task_detail(&store, &o.id, &root.id, "3").unwrap_err();
    assert!(
        missing.is_not_found(),
        "task 3 of the orchestrator team does not exist"
    );
}
