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
    assert!(
        err.contains("attention, waiting, active, planning"),
        "{err}"
    );
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

fn waiting(o: &Orchestration, team: &Team, at: i64) -> AttentionEvent {
    AttentionEvent {
        id: format!("waiting:{}:s:{at}", team.id),
        orchestration_id: o.id.clone(),
        kind: AttentionKind::Waiting,
        team_id: Some(team.id.clone()),
        phase_number: None,
        session_id: Some("s".into()),
        agent_name: Some("team-lead".into()),
        message:
            "team-lead of team x is waiting on a person: Claude needs your permission to use Bash"
                .into(),
        detail: json!({"notification_type": "permission_prompt", "since": at}),
        created_at: at + 500,
        cleared_at: None,
        delivered_at: None,
    }
}

fn usage(team: &Team, key: &str, model: &str, cost: Option<i64>) -> UsageLine {
    UsageLine {
        message_key: key.into(),
        team_id: team.id.clone(),
        session_id: "s".into(),
        agent_name: "team-lead".into(),
        model: model.into(),
        tokens: TokenCounts {
            input: 100,
            output: 20,
            cache_creation: 3,
            cache_read: 4,
        },
        cost_micros: cost,
    }
}

/// Waiting on a person ranks right after blocked, is counted in the list (facet and
/// filter), badges its row, phase and member; spend and budgets reach list and detail;
/// clearing the wait takes the badge away.
#[test]
fn waiting_on_a_person_and_spend_in_the_list_and_the_detail() {
    let (_dir, store) = store();
    let now = now_ms();
    let (busy, busy_root) = create(&store, "busy", 1);
    transition(&store, &busy, None, 1, None, PhaseStatus::Executing, None);
    store
        .record_task_event(&event(&busy_root, "1", "in_progress", now))
        .unwrap();
    let (asks, asks_root) = create(&store, "asks", 2);
    let p1 = transition(
        &store,
        &asks,
        Some(&asks_root),
        1,
        None,
        PhaseStatus::Executing,
        None,
    )
    .expect("phase team");
    store
        .record_task_event(&event(&p1, "1", "in_progress", now))
        .unwrap();
    let (blocked, _) = create(&store, "blocked", 1);
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
        Some("budget exceeded"),
    );
    let wait = waiting(&asks, &p1, now - 60_000);
    store.record_attention(&wait).unwrap();
    // A second prompt of the same member is still one person to answer.
    store
        .record_attention(&waiting(&asks, &p1, now - 30_000))
        .unwrap();
    store
        .record_usage(&UsageBatch {
            transcript: "/t/asks.jsonl".into(),
            offset: 10,
            lines: vec![
                usage(&p1, "m1", "claude-sonnet-4-5", Some(1_500_000)),
                usage(&asks_root, "m2", "claude-sonnet-4-5", Some(500_000)),
                usage(&p1, "m3", "some-new-model", None),
            ],
        })
        .unwrap();
    store.set_budget(&asks.id, None, Some(2_400_000)).unwrap();
    store
        .set_budget(&asks.id, Some(1), Some(10_000_000))
        .unwrap();

    let page = list_page(&store, &query(now)).unwrap();
    let order: Vec<_> = page
        .rows
        .iter()
        .map(|r| r.orchestration.feature_name.as_str())
        .collect();
    assert_eq!(order, ["blocked", "asks", "busy"]);
    assert_eq!(page.facets["waiting"], 1);
    assert_eq!(page.facets["attention"], 2);
    let row = &page.rows[1];
    assert_eq!(row.attention.waiting, 1);
    let item = &row.attention.open[0];
    assert_eq!(
        (item.kind, item.phase_number, item.since),
        (AttentionKind::Waiting, Some(1), now - 60_000)
    );
    assert!(item.message.contains("permission to use Bash"));
    assert_eq!(row.spend.cost_micros, 2_000_000);
    assert_eq!((row.spend.messages, row.spend.unpriced_messages), (3, 1));
    assert_eq!(row.spend.tokens.input, 300);
    let whole = &row.budgets[0];
    assert_eq!(
        (whole.phase_number, whole.percent, whole.state),
        (
            None,
            83,
            tina_session::attention::summary::BudgetState::Warning
        )
    );
    assert_eq!(page.rows[2].spend, Default::default());
    assert!(page.rows[2].budgets.is_empty());
    let only = list_page(
        &store,
        &ListQuery {
            status: Some("waiting".parse().unwrap()),
            ..query(now)
        },
    )
    .unwrap();
    assert_eq!(only.rows.len(), 1);
    assert_eq!(only.rows[0].orchestration.id, asks.id);

    let d = dashboard_detail(&store, &asks.id, now, 600_000).unwrap();
    assert_eq!(d.attention.waiting, 1);
    assert_eq!(d.attention.open.len(), 2);
    assert_eq!(d.spend.phases["1"].cost_micros, 1_500_000);
    assert_eq!(d.spend.orchestrator.cost_micros, 500_000);
    let team = d.spend.teams.iter().find(|t| t.team_id == p1.id).unwrap();
    assert_eq!(team.members[0].agent_name, "team-lead");
    assert_eq!(team.spend.unpriced_messages, 1);
    assert_eq!(d.spend.budgets.len(), 2);

    // The member acted again: the daemon clears the waits, the badge goes.
    for e in store.list_attention(&asks.id).unwrap() {
        store.clear_attention(&e.id, now).unwrap();
    }
    let page = list_page(&store, &query(now)).unwrap();
    assert_eq!(page.facets.get("waiting").copied().unwrap_or(0), 0);
    let d = dashboard_detail(&store, &asks.id, now, 600_000).unwrap();
    assert_eq!((d.attention.waiting, d.attention.open.len()), (0, 0));
}
