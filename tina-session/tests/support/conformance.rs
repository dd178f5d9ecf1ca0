//! The backend-independent conformance suite. Every function takes a fresh, empty store;
//! `conformance_tests!` turns each into a `#[test]` for one backend.

use proptest::prelude::*;
use serde_json::json;
use tina_session::model::rules::TeamRuleError;
use tina_session::store::fold::fold_current;
use tina_session::store::{Store, StoreError};
use tina_session::*;

/// Expands to one `#[test]` per conformance check, each on a store from `$factory`.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:expr) => {
        $crate::conformance_tests!(@tests $factory;
            orchestration_create_and_lookup, feature_in_use_and_replace,
            team_registration_rules, members_upsert, events_and_current_state,
            batch_is_atomic, conflicting_event_is_refused, phase_transitions,
            delete_removes_everything, active_teams, revision_grows,
            orchestration_status_follows_every_phase, task_counts_for_the_list,
            orchestration_revisions_are_separate, phase_history_keeps_blocks,
            last_task_activity_for_the_list,
            shared_vectors, materialized_equals_fold, active_form_is_kept,
            claude_folder_links, team_activity_is_recorded_once,
            usage_is_counted_once_and_offsets_only_grow, budgets_are_set_replaced_and_removed,
            attention_is_recorded_cleared_and_delivered_once,
            spend_and_attention_move_the_orchestration_revision,
            open_attention_and_page_reads_for_the_list,
            team_hierarchy_rules, store_inputs_are_bounded, blocked_feature_needs_replace,
            oversized_task_text_is_kept_shortened);
    };
    (@tests $factory:expr; $($name:ident),+) => {
        $(
            #[test]
            fn $name() {
                let store: std::sync::Arc<dyn tina_session::Store> = ($factory)();
                $crate::support::conformance::$name(&*store);
            }
        )+
    };
}

pub use tina_session::test_support::new_orch;

pub fn phase_team(orch: &Orchestration, parent: &Team, phase: u32) -> TeamRegistration {
    TeamRegistration {
        team_name: phase_team_name(&orch.feature_name, phase),
        orchestration_id: orch.id.clone(),
        parent_team_id: Some(parent.id.clone()),
        phase_number: Some(phase),
        lead_session_id: None,
    }
}

pub fn event(team: &TeamId, task: &str, status: &str, at: i64, seq: i64) -> NewTaskEvent {
    tina_session::test_support::task_event(team, task, TaskStatus::parse(status), at, seq)
}

pub fn orchestration_create_and_lookup(store: &dyn Store) {
    let (orch, team) = store.create_orchestration(&new_orch("login", 2)).unwrap();
    assert_eq!(orch.status, OrchestrationStatus::Planning);
    assert_eq!(orch.total_phases, 2);
    assert_eq!(team.team_name, "login-orchestration");
    assert_eq!(team.parent_team_id, None);
    assert_eq!(team.phase_number, None);
    assert_eq!(team.orchestration_id, orch.id);
    assert_eq!(store.get_orchestration(&orch.id).unwrap(), orch);
    assert_eq!(
        store.get_orchestration_by_feature("login").unwrap().id,
        orch.id
    );
    for wrong in ["logi", "login ", "Login", "login-orchestration", "log%", ""] {
        let err = store.get_orchestration_by_feature(wrong).unwrap_err();
        assert!(err.is_not_found(), "{wrong}: {err}");
        assert!(err.to_string().contains(&format!("'{wrong}'")), "{err}");
    }
    let err = store
        .get_orchestration(&OrchestrationId::from("nope"))
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    assert!(
        store
            .get_current_tasks(&OrchestrationId::from("nope"))
            .unwrap_err()
            .is_not_found()
    );
    store
        .create_orchestration(&new_orch("login-v2", 1))
        .unwrap();
    let names: Vec<String> = store
        .list_orchestrations()
        .unwrap()
        .into_iter()
        .map(|o| o.feature_name)
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"login".into()) && names.contains(&"login-v2".into()));
    let bad = store.create_orchestration(&NewOrchestration {
        total_phases: 0,
        ..new_orch("zero", 1)
    });
    assert!(matches!(bad, Err(StoreError::Invalid { .. })), "{bad:?}");
}

pub fn feature_in_use_and_replace(store: &dyn Store) {
    let (first, _) = store
        .create_orchestration(&new_orch("payments", 1))
        .unwrap();
    let err = store
        .create_orchestration(&new_orch("payments", 1))
        .unwrap_err();
    assert!(matches!(err, StoreError::FeatureInUse { .. }), "{err}");
    assert!(err.to_string().contains("--replace"), "{err}");
    let (second, team) = store
        .create_orchestration(&NewOrchestration {
            replace: true,
            ..new_orch("payments", 1)
        })
        .unwrap();
    assert_ne!(first.id, second.id);
    assert!(
        store
            .get_orchestration(&first.id)
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(
        store.get_team_by_name("payments-orchestration").unwrap().id,
        team.id
    );
}

pub fn team_registration_rules(store: &dyn Store) {
    let (a, a_root) = store.create_orchestration(&new_orch("alpha", 2)).unwrap();
    let (b, b_root) = store
        .create_orchestration(&new_orch("alpha-beta", 2))
        .unwrap();
    let t1 = store.register_team(&phase_team(&a, &a_root, 1)).unwrap();
    assert_eq!(t1.parent_team_id.as_ref(), Some(&a_root.id));
    // Upsert: same name again keeps the id and takes the new fields.
    let again = store
        .register_team(&TeamRegistration {
            phase_number: Some(2),
            ..phase_team(&a, &a_root, 1)
        })
        .unwrap();
    assert_eq!(again.id, t1.id);
    assert_eq!(again.phase_number, Some(2));
    // Re-registering without phase or parent keeps them (never turns it into a root).
    let kept = store
        .register_team(&TeamRegistration {
            parent_team_id: None,
            phase_number: None,
            lead_session_id: Some("lead-2".into()),
            ..phase_team(&a, &a_root, 1)
        })
        .unwrap();
    assert_eq!(kept.id, t1.id);
    assert_eq!(kept.parent_team_id.as_ref(), Some(&a_root.id));
    assert_eq!(kept.phase_number, Some(2));
    assert_eq!(kept.lead_session_id.as_deref(), Some("lead-2"));
    // A second root team (no parent, no phase) in one orchestration is refused.
    let err = store
        .register_team(&TeamRegistration {
            team_name: "alpha-second-root".into(),
            orchestration_id: a.id.clone(),
            parent_team_id: None,
            phase_number: None,
            lead_session_id: None,
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                what: "orchestrator team",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("alpha-orchestration"), "{err}");
    // A parent that would close a cycle is refused.
    let child = store
        .register_team(&TeamRegistration {
            team_name: "alpha-helpers".into(),
            parent_team_id: Some(t1.id.clone()),
            ..phase_team(&a, &a_root, 1)
        })
        .unwrap();
    let err = store
        .register_team(&TeamRegistration {
            parent_team_id: Some(child.id.clone()),
            ..phase_team(&a, &a_root, 1)
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                what: "parent team",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("descendant of itself"), "{err}");
    // Owned by another orchestration.
    let err = store
        .register_team(&TeamRegistration {
            orchestration_id: b.id.clone(),
            parent_team_id: Some(b_root.id.clone()),
            ..phase_team(&a, &a_root, 1)
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::TeamOwnedByOther { .. }), "{err}");
    assert!(err.to_string().contains("alpha-phase-1"), "{err}");
    // Parent from another orchestration, unknown parent, unknown orchestration.
    let err = store
        .register_team(&TeamRegistration {
            team_name: "alpha-beta-phase-1".into(),
            orchestration_id: b.id.clone(),
            parent_team_id: Some(a_root.id.clone()),
            phase_number: Some(1),
            lead_session_id: None,
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                what: "parent team",
                ..
            }
        ),
        "{err}"
    );
    let err = store
        .register_team(&TeamRegistration {
            parent_team_id: Some(TeamId::from("missing-team")),
            ..phase_team(&b, &b_root, 1)
        })
        .unwrap_err();
    assert!(err.to_string().contains("missing-team"), "{err}");
    let err = store
        .register_team(&TeamRegistration {
            orchestration_id: OrchestrationId::from("missing-orch"),
            ..phase_team(&b, &b_root, 1)
        })
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    // list_by_parent follows ids.
    let t2 = store.register_team(&phase_team(&b, &b_root, 1)).unwrap();
    let kids: Vec<TeamId> = store
        .list_by_parent(&a_root.id)
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(kids, vec![t1.id.clone()]);
    let kids: Vec<TeamId> = store
        .list_by_parent(&b_root.id)
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(kids, vec![t2.id]);
    assert!(
        store
            .list_by_parent(&TeamId::from("x"))
            .unwrap_err()
            .is_not_found()
    );
    assert!(
        store
            .get_team_by_name("alpha-phase")
            .unwrap_err()
            .is_not_found()
    );
    assert_eq!(store.get_team(&t1.id).unwrap().team_name, "alpha-phase-1");
}

pub fn members_upsert(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("members", 1)).unwrap();
    let member = TeamMember {
        team_id: root.id.clone(),
        agent_name: "team-lead".into(),
        agent_type: Some("team-lead".into()),
        model: Some("opus".into()),
        joined_at: 5,
    };
    store.upsert_team_member(&member).unwrap();
    store
        .upsert_team_member(&TeamMember {
            model: Some("sonnet".into()),
            ..member.clone()
        })
        .unwrap();
    let members = store.list_team_members(&o.id).unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].model.as_deref(), Some("sonnet"));
    let err = store
        .upsert_team_member(&TeamMember {
            team_id: TeamId::from("ghost"),
            ..member
        })
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

pub fn events_and_current_state(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("events", 1)).unwrap();
    let p1 = store.register_team(&phase_team(&o, &root, 1)).unwrap();
    let s = store
        .record_task_events(&[
            event(&root.id, "1", "completed", 10, 1),
            event(&p1.id, "1", "pending", 10, 1),
            event(&p1.id, "1", "in_progress", 20, 2),
            event(&p1.id, "1", "pending", 15, 1), // late and older: history only
        ])
        .unwrap();
    assert_eq!((s.inserted, s.duplicates, s.current_updated), (4, 0, 3));
    let again = store
        .record_task_event(&event(&p1.id, "1", "in_progress", 20, 2))
        .unwrap();
    assert_eq!((again.inserted, again.duplicates), (0, 1));
    let tasks = store.get_current_tasks(&o.id).unwrap();
    assert_eq!(tasks.len(), 2);
    assert_eq!(
        (tasks[0].team_id.clone(), tasks[0].phase_number),
        (root.id.clone(), None)
    );
    assert_eq!(tasks[1].status, TaskStatus::InProgress);
    assert_eq!(tasks[1].phase_number, Some(1));
    assert_eq!(tasks[1].team_name, "events-phase-1");
    assert_eq!(store.list_task_events(&o.id).unwrap().len(), 4);
    let err = store
        .record_task_event(&event(&TeamId::from("ghost"), "1", "pending", 1, 1))
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

/// Agent text beyond the limits is stored shortened (never refused), the same way on
/// every backend, and recording the same oversized event again is still a duplicate.
pub fn oversized_task_text_is_kept_shortened(store: &dyn Store) {
    use tina_session::model::input::{DESCRIPTION_MAX, METADATA_MAX, SUBJECT_MAX};
    let (o, root) = store
        .create_orchestration(&new_orch("oversized", 1))
        .unwrap();
    let mut big = event(&root.id, "1", "pending", 10, 1);
    big.subject = "s".repeat(SUBJECT_MAX * 3);
    big.description = "é".repeat(DESCRIPTION_MAX);
    big.metadata = json!({ "blob": "m".repeat(METADATA_MAX * 2) });
    let s = store.record_task_event(&big).unwrap();
    assert_eq!(s.inserted, 1);
    let again = store.record_task_event(&big).unwrap();
    assert_eq!((again.inserted, again.duplicates), (0, 1));
    let task = &store.get_current_tasks(&o.id).unwrap()[0];
    assert!(task.subject.len() <= SUBJECT_MAX, "{}", task.subject.len());
    assert!(task.subject.contains("bytes cut"));
    assert!(task.description.len() <= DESCRIPTION_MAX);
    assert!(task.description.starts_with("éé"));
    assert!(task.metadata.to_string().len() <= METADATA_MAX);
    assert!(task.metadata["truncated"].is_string(), "{}", task.metadata);
    let events = store.list_task_events(&o.id).unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].description.len() <= DESCRIPTION_MAX);
}

pub fn batch_is_atomic(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("atomic", 1)).unwrap();
    let err = store
        .record_task_events(&[
            event(&root.id, "1", "pending", 1, 1),
            event(&TeamId::from("ghost"), "1", "pending", 1, 1),
        ])
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(store.get_current_tasks(&o.id).unwrap().is_empty());
    assert!(store.list_task_events(&o.id).unwrap().is_empty());
}

pub fn conflicting_event_is_refused(store: &dyn Store) {
    let (o, root) = store
        .create_orchestration(&new_orch("conflict", 1))
        .unwrap();
    store
        .record_task_event(&event(&root.id, "1", "pending", 1, 1))
        .unwrap();
    let err = store
        .record_task_event(&event(&root.id, "1", "completed", 1, 1))
        .unwrap_err();
    assert!(matches!(err, StoreError::ConflictingEvent { .. }), "{err}");
    assert_eq!(
        store.get_current_tasks(&o.id).unwrap()[0].status,
        TaskStatus::Pending
    );
}

pub fn phase_transitions(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("phases", 2)).unwrap();
    let start = PhaseTransition {
        orchestration_id: o.id.clone(),
        phase_number: 1,
        expected: None,
        status: PhaseStatus::Executing,
        plan_path: Some("plans/1.md".into()),
        blocked_reason: None,
        orchestration_status: OrchestrationStatus::Executing,
        register_team: Some(phase_team(&o, &root, 1)),
    };
    let out = store.apply_phase_transition(&start).unwrap();
    assert_eq!(out.phase.status, PhaseStatus::Executing);
    assert_eq!(out.phase.plan_path.as_deref(), Some("plans/1.md"));
    assert!(out.phase.started_at.is_some());
    assert_eq!(out.orchestration.current_phase, Some(1));
    assert_eq!(out.orchestration.status, OrchestrationStatus::Executing);
    assert_eq!(out.team.unwrap().parent_team_id, Some(root.id.clone()));
    // Compare-and-set: replaying the same transition conflicts and changes nothing.
    let err = store.apply_phase_transition(&start).unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("executing"), "{err}");
    let done = store
        .apply_phase_transition(&PhaseTransition {
            expected: Some(PhaseStatus::Executing),
            status: PhaseStatus::Complete,
            plan_path: None,
            orchestration_status: OrchestrationStatus::Executing,
            register_team: None,
            ..start.clone()
        })
        .unwrap();
    assert!(done.phase.completed_at.is_some());
    assert_eq!(done.phase.plan_path.as_deref(), Some("plans/1.md"));
    let err = store
        .apply_phase_transition(&PhaseTransition {
            phase_number: 3,
            ..start.clone()
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Invalid {
                what: "phase number",
                ..
            }
        ),
        "{err}"
    );
    // A failed transition leaves no half-registered team behind.
    let err = store
        .apply_phase_transition(&PhaseTransition {
            phase_number: 2,
            expected: Some(PhaseStatus::Planning),
            register_team: Some(phase_team(&o, &root, 2)),
            ..start.clone()
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    assert!(
        store
            .get_team_by_name("phases-phase-2")
            .unwrap_err()
            .is_not_found()
    );
    let phases = store.list_phases(&o.id).unwrap();
    assert_eq!(phases.len(), 1);
    // The phase team must belong to the orchestration whose phase moves.
    let (other, other_root) = store
        .create_orchestration(&new_orch("phases-other", 1))
        .unwrap();
    let err = store
        .apply_phase_transition(&PhaseTransition {
            phase_number: 2,
            expected: None,
            register_team: Some(phase_team(&other, &other_root, 1)),
            ..start.clone()
        })
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Invalid { what: "team", .. }),
        "{err}"
    );
    assert_eq!(store.list_phases(&o.id).unwrap().len(), 1);
}

pub fn delete_removes_everything(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("gone", 1)).unwrap();
    let p1 = store.register_team(&phase_team(&o, &root, 1)).unwrap();
    store
        .record_task_event(&event(&p1.id, "1", "pending", 1, 1))
        .unwrap();
    let (keep, keep_root) = store
        .create_orchestration(&new_orch("gone-not", 1))
        .unwrap();
    store
        .record_task_event(&event(&keep_root.id, "1", "pending", 1, 1))
        .unwrap();
    store.delete_orchestration(&o.id).unwrap();
    assert!(store.get_orchestration(&o.id).unwrap_err().is_not_found());
    assert!(
        store
            .get_team_by_name("gone-phase-1")
            .unwrap_err()
            .is_not_found()
    );
    assert!(store.get_team(&root.id).unwrap_err().is_not_found());
    assert_eq!(store.get_current_tasks(&keep.id).unwrap().len(), 1);
    assert!(
        store
            .delete_orchestration(&o.id)
            .unwrap_err()
            .is_not_found()
    );
    // The names are free again.
    store.create_orchestration(&new_orch("gone", 1)).unwrap();
}

pub fn active_teams(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("active", 2)).unwrap();
    let out = store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: o.id.clone(),
            phase_number: 1,
            expected: None,
            status: PhaseStatus::Executing,
            plan_path: None,
            blocked_reason: None,
            orchestration_status: OrchestrationStatus::Executing,
            register_team: Some(phase_team(&o, &root, 1)),
        })
        .unwrap();
    let p1 = out.team.unwrap();
    let names = |s: &dyn Store| -> Vec<String> {
        s.list_active_teams()
            .unwrap()
            .into_iter()
            .map(|t| t.team_name)
            .collect()
    };
    assert_eq!(names(store), vec!["active-orchestration", "active-phase-1"]);
    store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: o.id.clone(),
            phase_number: 1,
            expected: Some(PhaseStatus::Executing),
            status: PhaseStatus::Complete,
            plan_path: None,
            blocked_reason: None,
            orchestration_status: OrchestrationStatus::Executing,
            register_team: None,
        })
        .unwrap();
    assert_eq!(names(store), vec!["active-orchestration"]);
    let (done, _) = store
        .create_orchestration(&new_orch("finished", 1))
        .unwrap();
    store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: done.id.clone(),
            phase_number: 1,
            expected: None,
            status: PhaseStatus::Blocked,
            plan_path: None,
            blocked_reason: Some("tests fail".into()),
            orchestration_status: OrchestrationStatus::Blocked,
            register_team: None,
        })
        .unwrap();
    assert_eq!(names(store), vec!["active-orchestration"]);
    let _ = p1;
}

/// The orchestration's status is derived from every phase, in the transaction that
/// changes one of them.
pub fn orchestration_status_follows_every_phase(store: &dyn Store) {
    let (o, _) = store.create_orchestration(&new_orch("status", 2)).unwrap();
    let step = |phase: u32, expected: Option<PhaseStatus>, status: PhaseStatus, implied| {
        store
            .apply_phase_transition(&PhaseTransition {
                orchestration_id: o.id.clone(),
                phase_number: phase,
                expected,
                status,
                plan_path: None,
                blocked_reason: (status == PhaseStatus::Blocked).then(|| "waiting".to_owned()),
                orchestration_status: implied,
                register_team: None,
            })
            .unwrap()
            .orchestration
    };
    use OrchestrationStatus as O;
    use PhaseStatus as P;
    step(1, None, P::Executing, O::Executing);
    step(2, None, P::Blocked, O::Blocked);
    // Phase 1 moving on does not hide that phase 2 is blocked.
    assert_eq!(
        step(1, Some(P::Executing), P::Reviewing, O::Reviewing).status,
        O::Blocked
    );
    assert_eq!(
        step(1, Some(P::Reviewing), P::Complete, O::Planning).status,
        O::Blocked
    );
    assert_eq!(
        step(2, Some(P::Blocked), P::Executing, O::Executing).status,
        O::Executing
    );
    assert_eq!(
        step(2, Some(P::Executing), P::Reviewing, O::Reviewing).status,
        O::Reviewing
    );
    let done = step(2, Some(P::Reviewing), P::Complete, O::Complete);
    assert_eq!(done.status, O::Complete);
    assert!(done.completed_at.is_some());
    // The last phase completing while an earlier one is open is not the end.
    let (o2, _) = store
        .create_orchestration(&new_orch("status-early", 2))
        .unwrap();
    let out = store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: o2.id.clone(),
            phase_number: 2,
            expected: None,
            status: P::Complete,
            plan_path: None,
            blocked_reason: None,
            orchestration_status: O::Complete,
            register_team: None,
        })
        .unwrap();
    assert_eq!(
        (out.orchestration.status, out.orchestration.completed_at),
        (O::Planning, None)
    );
}

/// The list view's counts agree with each orchestration's current tasks.
pub fn task_counts_for_the_list(store: &dyn Store) {
    let (a, a_root) = store.create_orchestration(&new_orch("counts", 1)).unwrap();
    let p1 = store.register_team(&phase_team(&a, &a_root, 1)).unwrap();
    let (b, b_root) = store
        .create_orchestration(&new_orch("counts-b", 1))
        .unwrap();
    let (empty, _) = store
        .create_orchestration(&new_orch("counts-empty", 1))
        .unwrap();
    store
        .record_task_events(&[
            event(&a_root.id, "1", "completed", 1, 1),
            event(&p1.id, "1", "in_progress", 1, 1),
            event(&p1.id, "2", "in_progress", 1, 1),
            event(&p1.id, "2", "mystery", 2, 2),
            event(&b_root.id, "1", "pending", 1, 1),
        ])
        .unwrap();
    let counts = store.task_counts_by_orchestration().unwrap();
    for o in [&a, &b] {
        let tasks = store.get_current_tasks(&o.id).unwrap();
        assert_eq!(counts[&o.id], count_by_status(&tasks), "{}", o.feature_name);
    }
    assert_eq!(counts[&a.id]["mystery"], 1);
    assert_eq!(counts[&a.id]["in_progress"], 1);
    assert!(!counts.contains_key(&empty.id));

    // By team: the orchestrator's tasks and the phase team's apart.
    // One task's history: its own events only, in order (task "2" of p1, not of a_root).
    let history: Vec<_> = store
        .list_events_of_task(&p1.id, "2")
        .unwrap()
        .into_iter()
        .map(|e| (e.task_id, e.status.as_str().to_owned(), e.recorded_at))
        .collect();
    assert_eq!(
        history,
        [
            ("2".to_owned(), "in_progress".to_owned(), 1),
            ("2".to_owned(), "mystery".to_owned(), 2)
        ]
    );
    assert!(
        store
            .list_events_of_task(&a_root.id, "2")
            .unwrap()
            .is_empty()
    );

    let by_team = store.task_counts_by_team(&a.id).unwrap();
    assert_eq!(by_team.len(), 2, "{by_team:?}");
    assert_eq!(by_team[&a_root.id], [("completed".to_owned(), 1)].into());
    assert_eq!(
        by_team[&p1.id],
        [("in_progress".to_owned(), 1), ("mystery".to_owned(), 1)].into()
    );
    assert!(store.task_counts_by_team(&empty.id).unwrap().is_empty());
}

pub fn revision_grows(store: &dyn Store) {
    let r0 = store.revision().unwrap();
    let (_, root) = store.create_orchestration(&new_orch("rev", 1)).unwrap();
    let r1 = store.revision().unwrap();
    store
        .record_task_event(&event(&root.id, "1", "pending", 1, 1))
        .unwrap();
    let r2 = store.revision().unwrap();
    assert!(r0 < r1 && r1 < r2, "{r0} {r1} {r2}");
}

/// A write to orchestration A moves A's revision and leaves B's alone, for every kind of
/// write (create, phase transition, team, member, task event).
pub fn orchestration_revisions_are_separate(store: &dyn Store) {
    let (a, a_root) = store.create_orchestration(&new_orch("rev-a", 2)).unwrap();
    let (b, b_root) = store.create_orchestration(&new_orch("rev-b", 2)).unwrap();
    let rev = |o: &Orchestration| store.orchestration_revision(&o.id).unwrap();
    let b0 = rev(&b);
    let mut a_prev = rev(&a);
    let moved = |what: &str, a_prev: &mut i64| {
        let a_now = rev(&a);
        assert!(
            a_now > *a_prev,
            "{what}: A's revision did not grow ({a_now} <= {a_prev})"
        );
        assert_eq!(rev(&b), b0, "{what}: B's revision moved on a write to A");
        *a_prev = a_now;
    };
    let p1 = store.register_team(&phase_team(&a, &a_root, 1)).unwrap();
    moved("register team", &mut a_prev);
    store
        .upsert_team_member(&TeamMember {
            team_id: p1.id.clone(),
            agent_name: "implementer".into(),
            agent_type: None,
            model: None,
            joined_at: 5,
        })
        .unwrap();
    moved("upsert member", &mut a_prev);
    store
        .record_task_event(&event(&p1.id, "1", "in_progress", 10, 1))
        .unwrap();
    moved("task event", &mut a_prev);
    store
        .record_team_activity(&NewTeamActivity {
            team_id: p1.id.clone(),
            kind: ActivityKind::SessionStart,
            session_id: "s-rev".into(),
            agent_name: None,
            detail: Some("startup".into()),
            recorded_at: 11,
        })
        .unwrap();
    moved("team activity", &mut a_prev);
    store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: a.id.clone(),
            phase_number: 1,
            expected: None,
            status: PhaseStatus::Executing,
            plan_path: None,
            blocked_reason: None,
            orchestration_status: OrchestrationStatus::Executing,
            register_team: None,
        })
        .unwrap();
    moved("phase transition", &mut a_prev);
    // And the other way round: a write to B moves B only.
    let a_now = rev(&a);
    store
        .record_task_event(&event(&b_root.id, "1", "pending", 10, 1))
        .unwrap();
    assert!(rev(&b) > b0, "B's revision did not grow on a write to B");
    assert_eq!(rev(&a), a_now, "A's revision moved on a write to B");
    // A duplicate event changes nothing, so it moves nothing.
    let b1 = rev(&b);
    store
        .record_task_event(&event(&b_root.id, "1", "pending", 10, 1))
        .unwrap();
    assert_eq!(rev(&b), b1, "a duplicate event moved B's revision");
    // Never above the global revision, which every write moves.
    assert!(rev(&a) <= store.revision().unwrap());
    let missing = store
        .orchestration_revision(&OrchestrationId("no-such-orchestration".into()))
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
}

/// The phase history keeps a block that was resolved, in order, with its reason.
pub fn phase_history_keeps_blocks(store: &dyn Store) {
    let (o, _) = store.create_orchestration(&new_orch("history", 2)).unwrap();
    let go = |expected, status, reason: Option<&str>| {
        store
            .apply_phase_transition(&PhaseTransition {
                orchestration_id: o.id.clone(),
                phase_number: 1,
                expected,
                status,
                plan_path: None,
                blocked_reason: reason.map(str::to_owned),
                orchestration_status: OrchestrationStatus::Executing,
                register_team: None,
            })
            .unwrap();
        // Transitions are stamped with the store's clock: keep them apart.
        std::thread::sleep(std::time::Duration::from_millis(3));
    };
    use PhaseStatus as P;
    go(None, P::Executing, None);
    go(Some(P::Executing), P::Blocked, Some("tests fail on CI"));
    go(Some(P::Blocked), P::Executing, None);
    go(Some(P::Executing), P::Complete, None);
    let history = store.list_phase_history(&o.id).unwrap();
    let seen: Vec<_> = history
        .iter()
        .map(|c| (c.phase_number, c.status, c.blocked_reason.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (1, P::Executing, None),
            (1, P::Blocked, Some("tests fail on CI")),
            (1, P::Executing, None),
            (1, P::Complete, None),
        ]
    );
    assert!(
        history.windows(2).all(|w| w[0].at <= w[1].at),
        "{history:?}"
    );
    let (other, _) = store
        .create_orchestration(&new_orch("history-b", 1))
        .unwrap();
    assert!(store.list_phase_history(&other.id).unwrap().is_empty());
}

/// The list's last activity is the newest `recorded_at` of each orchestration's tasks.
pub fn last_task_activity_for_the_list(store: &dyn Store) {
    let (a, a_root) = store.create_orchestration(&new_orch("act-a", 1)).unwrap();
    let p1 = store.register_team(&phase_team(&a, &a_root, 1)).unwrap();
    let (b, b_root) = store.create_orchestration(&new_orch("act-b", 1)).unwrap();
    let (empty, _) = store
        .create_orchestration(&new_orch("act-empty", 1))
        .unwrap();
    store
        .record_task_events(&[
            event(&a_root.id, "1", "completed", 100, 1),
            event(&p1.id, "1", "in_progress", 700, 1),
            // Older than the task's current state: not its current state, not activity.
            event(&p1.id, "2", "pending", 900, 1),
            event(&p1.id, "2", "in_progress", 400, 1),
            event(&b_root.id, "1", "pending", 50, 1),
        ])
        .unwrap();
    let activity = store.last_task_activity_by_orchestration().unwrap();
    assert_eq!(activity[&a.id], 900);
    assert_eq!(activity[&b.id], 50);
    assert!(!activity.contains_key(&empty.id));
}

pub fn shared_vectors(store: &dyn Store) {
    // Vectors use distinct feature names, so one store holds them all.
    for path in super::vectors::vector_files() {
        super::vectors::run_vector(store, &path);
    }
}

/// Property: whatever order events arrive in (including duplicates), the materialized
/// current state equals the reference fold over the same events.
pub fn materialized_equals_fold(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("prop", 2)).unwrap();
    let p1 = store.register_team(&phase_team(&o, &root, 1)).unwrap();
    let teams = [root.id.clone(), p1.id.clone()];
    let statuses = ["pending", "in_progress", "completed", "weird"];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    });
    let strategy = (
        prop::collection::vec((0usize..2, 1u8..5, 0usize..4, 0i64..6, 0i64..3), 1..40),
        prop::collection::vec(any::<usize>(), 0..6),
        1usize..8,
    );
    let rounds = std::cell::Cell::new(0i64);
    runner
        .run(&strategy, |(raw, dupes, chunk)| {
            rounds.set(rounds.get() + 1);
            let round = rounds.get();
            // Fresh task ids per case keep cases independent on one store.
            let mut seen = std::collections::HashSet::new();
            let mut events: Vec<NewTaskEvent> = raw
                .iter()
                .filter(|(t, task, _, at, seq)| seen.insert((*t, *task, *at, *seq)))
                .map(|&(t, task, st, at, seq)| {
                    event(
                        &teams[t],
                        &format!("r{round}-{task}"),
                        statuses[st],
                        at,
                        seq,
                    )
                })
                .collect();
            for &d in &dupes {
                if let Some(e) = events.get(d % events.len()).cloned() {
                    events.push(e);
                }
            }
            // Arrival in batches of random size (the daemon's path), in generated order.
            for batch in events.chunks(chunk) {
                store.record_task_events(batch).unwrap();
            }
            // The reference: the fold over what was SUBMITTED, so a store that dropped
            // an event could not hide it behind a matching history.
            let submitted: Vec<TaskEvent> = events
                .iter()
                .map(|e| TaskEvent {
                    orchestration_id: o.id.clone(),
                    team_id: e.team_id.clone(),
                    phase_number: None,
                    task_id: e.task_id.clone(),
                    subject: e.subject.clone(),
                    description: e.description.clone(),
                    active_form: e.active_form.clone(),
                    status: e.status.clone(),
                    owner: e.owner.clone(),
                    blocked_by: e.blocked_by.clone(),
                    metadata: e.metadata.clone(),
                    recorded_at: e.recorded_at,
                    sequence: e.sequence,
                })
                .collect();
            let expected = fold_current(&submitted);
            let history = store
                .list_task_events(&o.id)
                .unwrap()
                .into_iter()
                .filter(|e| e.task_id.starts_with(&format!("r{round}-")))
                .count();
            prop_assert_eq!(history, seen.len(), "every distinct event kept once");
            let actual: Vec<CurrentTask> = store
                .get_current_tasks(&o.id)
                .unwrap()
                .into_iter()
                .filter(|t| t.task_id.starts_with(&format!("r{round}-")))
                .collect();
            prop_assert_eq!(actual.len(), expected.len());
            for t in &actual {
                let e = &expected[&(t.team_id.clone(), t.task_id.clone())];
                prop_assert_eq!((t.recorded_at, t.sequence), e.order_key());
                prop_assert_eq!(&t.status, &e.status);
            }
            Ok(())
        })
        .unwrap();
}

// --- attention and spend ---------------------------------------------------------------

pub fn usage_line(team: &TeamId, key: &str, input: u64, cost: Option<i64>) -> UsageLine {
    UsageLine {
        message_key: key.into(),
        team_id: team.clone(),
        session_id: "lead-session".into(),
        agent_name: "team-lead".into(),
        model: "claude-sonnet-4-5".into(),
        tokens: TokenCounts {
            input,
            output: 2,
            cache_creation: 3,
            cache_read: 4,
        },
        cost_micros: cost,
    }
}

pub fn usage_is_counted_once_and_offsets_only_grow(store: &dyn Store) {
    let (orch, root) = store.create_orchestration(&new_orch("spend", 2)).unwrap();
    let t1 = store.register_team(&phase_team(&orch, &root, 1)).unwrap();
    assert_eq!(store.transcript_offset("/t/a.jsonl").unwrap(), None);
    let batch = UsageBatch {
        transcript: "/t/a.jsonl".into(),
        offset: 100,
        lines: vec![
            usage_line(&root.id, "m1", 10, Some(5)),
            usage_line(&root.id, "m1", 10, Some(5)),
            usage_line(&t1.id, "m2", 20, None),
        ],
    };
    assert_eq!(store.record_usage(&batch).unwrap(), 2);
    assert_eq!(store.transcript_offset("/t/a.jsonl").unwrap(), Some(100));
    // The same lines again (a restart that lost its offset) add nothing; the offset
    // never moves back.
    let again = UsageBatch {
        offset: 50,
        ..batch.clone()
    };
    assert_eq!(store.record_usage(&again).unwrap(), 0);
    assert_eq!(store.transcript_offset("/t/a.jsonl").unwrap(), Some(100));
    let usage = store.list_usage(&orch.id).unwrap();
    assert_eq!(usage.len(), 2);
    let root_row = usage.iter().find(|u| u.team_id == root.id).unwrap();
    assert_eq!(root_row.messages, 1);
    assert_eq!(root_row.tokens.input, 10);
    assert_eq!(root_row.cost_micros, 5);
    assert_eq!(root_row.orchestration_id, orch.id);
    let t1_row = usage.iter().find(|u| u.team_id == t1.id).unwrap();
    assert_eq!((t1_row.unpriced_messages, t1_row.cost_micros), (1, 0));
    // A further message of the same (team, session, member, model) adds to its row.
    let more = UsageBatch {
        transcript: "/t/a.jsonl".into(),
        offset: 200,
        lines: vec![usage_line(&root.id, "m3", 1, Some(7))],
    };
    assert_eq!(store.record_usage(&more).unwrap(), 1);
    let usage = store.list_usage(&orch.id).unwrap();
    let root_row = usage.iter().find(|u| u.team_id == root.id).unwrap();
    assert_eq!(
        (
            root_row.messages,
            root_row.tokens.input,
            root_row.cost_micros
        ),
        (2, 11, 12)
    );
    // An unknown team is refused, and nothing of its batch is kept.
    let bad = UsageBatch {
        transcript: "/t/b.jsonl".into(),
        offset: 10,
        lines: vec![usage_line(&TeamId::from("no-such-team"), "m9", 1, None)],
    };
    assert!(store.record_usage(&bad).unwrap_err().is_not_found());
    assert_eq!(store.transcript_offset("/t/b.jsonl").unwrap(), None);
}

pub fn budgets_are_set_replaced_and_removed(store: &dyn Store) {
    let (orch, _) = store
        .create_orchestration(&new_orch("budgeted", 2))
        .unwrap();
    assert!(store.list_budgets(&orch.id).unwrap().is_empty());
    store
        .set_budget(&orch.id, Some(2), Some(3_000_000))
        .unwrap();
    store.set_budget(&orch.id, None, Some(10_000_000)).unwrap();
    store
        .set_budget(&orch.id, Some(2), Some(4_000_000))
        .unwrap();
    let budgets = store.list_budgets(&orch.id).unwrap();
    let got: Vec<(Option<u32>, i64)> = budgets
        .iter()
        .map(|b| (b.phase_number, b.usd_micros))
        .collect();
    assert_eq!(got, vec![(None, 10_000_000), (Some(2), 4_000_000)]);
    store.set_budget(&orch.id, Some(2), None).unwrap();
    assert_eq!(store.list_budgets(&orch.id).unwrap().len(), 1);
    assert!(matches!(
        store.set_budget(&orch.id, Some(3), Some(1)),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.set_budget(&orch.id, None, Some(-1)),
        Err(StoreError::Invalid { .. })
    ));
    assert!(
        store
            .set_budget(&OrchestrationId::from("missing"), None, Some(1))
            .unwrap_err()
            .is_not_found()
    );
}

pub fn attention_event(orch: &OrchestrationId, id: &str, at: i64) -> AttentionEvent {
    AttentionEvent {
        id: id.into(),
        orchestration_id: orch.clone(),
        kind: AttentionKind::Waiting,
        team_id: None,
        phase_number: Some(1),
        session_id: Some("s-1".into()),
        agent_name: Some("team-lead".into()),
        message: "Claude needs your permission".into(),
        detail: json!({"notification_type": "permission_prompt", "$odd key": [1, 2]}),
        created_at: at,
        cleared_at: None,
        delivered_at: None,
    }
}

pub fn attention_is_recorded_cleared_and_delivered_once(store: &dyn Store) {
    let (orch, _) = store.create_orchestration(&new_orch("attend", 1)).unwrap();
    let e = attention_event(&orch.id, "waiting:s-1:1000", 1000);
    assert!(store.record_attention(&e).unwrap());
    assert!(!store.record_attention(&e).unwrap());
    let later = attention_event(&orch.id, "waiting:s-1:2000", 2000);
    assert!(store.record_attention(&later).unwrap());
    assert_eq!(
        store.list_attention(&orch.id).unwrap(),
        vec![e.clone(), later.clone()]
    );

    let undelivered: Vec<String> = store
        .undelivered_attention()
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(undelivered, vec![e.id.clone(), later.id.clone()]);
    assert!(store.claim_attention_delivery(&e.id, 1500).unwrap());
    assert!(!store.claim_attention_delivery(&e.id, 1600).unwrap());
    assert!(!store.claim_attention_delivery("unknown", 1600).unwrap());
    assert_eq!(store.undelivered_attention().unwrap().len(), 1);

    assert!(store.clear_attention(&e.id, 3000).unwrap());
    assert!(!store.clear_attention(&e.id, 4000).unwrap());
    let listed = store.list_attention(&orch.id).unwrap();
    assert_eq!(
        (listed[0].cleared_at, listed[0].delivered_at),
        (Some(3000), Some(1500))
    );
    assert!(listed[1].is_open());

    assert!(
        store
            .record_attention(&attention_event(&OrchestrationId::from("missing"), "x", 1))
            .unwrap_err()
            .is_not_found()
    );

    // Deleting the orchestration takes its usage, budgets and events with it.
    store.set_budget(&orch.id, None, Some(1)).unwrap();
    let root = store.list_teams(&orch.id).unwrap().remove(0);
    store
        .record_usage(&UsageBatch {
            transcript: "/t/c.jsonl".into(),
            offset: 1,
            lines: vec![usage_line(&root.id, "gone-1", 1, Some(1))],
        })
        .unwrap();
    store.delete_orchestration(&orch.id).unwrap();
    assert!(store.list_usage(&orch.id).unwrap().is_empty());
    assert!(store.list_budgets(&orch.id).unwrap().is_empty());
    assert!(store.list_attention(&orch.id).unwrap().is_empty());
    assert_eq!(store.undelivered_attention().unwrap().len(), 0);
}

/// Usage, budgets and attention events move their orchestration's revision (a dashboard
/// page of it refetches) and leave another orchestration's alone.
pub fn spend_and_attention_move_the_orchestration_revision(store: &dyn Store) {
    let (a, a_root) = store.create_orchestration(&new_orch("spend-a", 1)).unwrap();
    let (b, _) = store.create_orchestration(&new_orch("spend-b", 1)).unwrap();
    let rev = |o: &Orchestration| store.orchestration_revision(&o.id).unwrap();
    let b0 = rev(&b);
    let mut a_prev = rev(&a);
    let mut moved = |what: &str| {
        let a_now = rev(&a);
        assert!(
            a_now > a_prev,
            "{what}: A's revision did not grow ({a_now} <= {a_prev})"
        );
        assert_eq!(rev(&b), b0, "{what}: B's revision moved on a write to A");
        a_prev = a_now;
    };
    let batch = |key: &str, offset| UsageBatch {
        transcript: "/t/rev.jsonl".into(),
        offset,
        lines: vec![usage_line(&a_root.id, key, 10, Some(5))],
    };
    store.record_usage(&batch("r1", 10)).unwrap();
    moved("first usage of a member");
    store.record_usage(&batch("r2", 20)).unwrap();
    moved("more usage of the same member");
    store.set_budget(&a.id, None, Some(1_000_000)).unwrap();
    moved("budget set");
    store.set_budget(&a.id, None, Some(2_000_000)).unwrap();
    moved("budget raised");
    store.set_budget(&a.id, None, None).unwrap();
    moved("budget removed");
    let e = attention_event(&a.id, "waiting:rev:1", 1);
    store.record_attention(&e).unwrap();
    moved("attention recorded");
    store.clear_attention(&e.id, 2).unwrap();
    moved("attention cleared");
}

/// The list's reads: every open event of every orchestration in one call, and one page's
/// usage and budgets in one call each, equal to the per-orchestration reads.
pub fn open_attention_and_page_reads_for_the_list(store: &dyn Store) {
    let (a, a_root) = store.create_orchestration(&new_orch("page-a", 2)).unwrap();
    let (b, b_root) = store.create_orchestration(&new_orch("page-b", 2)).unwrap();
    let (c, _) = store.create_orchestration(&new_orch("page-c", 2)).unwrap();
    assert!(store.list_open_attention().unwrap().is_empty());
    let a1 = attention_event(&a.id, "waiting:a:1", 100);
    let a2 = attention_event(&a.id, "waiting:a:2", 300);
    let b1 = AttentionEvent {
        kind: AttentionKind::Stall,
        ..attention_event(&b.id, "stall:b:1", 200)
    };
    for e in [&a1, &a2, &b1] {
        store.record_attention(e).unwrap();
    }
    store.clear_attention(&a2.id, 400).unwrap();
    assert_eq!(
        store.list_open_attention().unwrap(),
        vec![a1.clone(), b1.clone()]
    );

    for (root, key) in [(&a_root, "pa"), (&b_root, "pb")] {
        store
            .record_usage(&UsageBatch {
                transcript: format!("/t/{key}.jsonl"),
                offset: 1,
                lines: vec![usage_line(&root.id, key, 7, Some(3))],
            })
            .unwrap();
    }
    store.set_budget(&a.id, Some(2), Some(5)).unwrap();
    store.set_budget(&a.id, None, Some(9)).unwrap();
    store.set_budget(&c.id, None, Some(1)).unwrap();
    let ids = [
        c.id.clone(),
        a.id.clone(),
        OrchestrationId::from("no-such-orchestration"),
        a.id.clone(),
    ];
    let mut sorted = [a.id.clone(), c.id.clone()];
    sorted.sort();
    let usage: Vec<UsageTotal> = sorted
        .iter()
        .flat_map(|id| store.list_usage(id).unwrap())
        .collect();
    assert_eq!(usage.len(), 1, "only A has usage among A and C");
    assert_eq!(store.list_usage_of(&ids).unwrap(), usage);
    let budgets: Vec<Budget> = sorted
        .iter()
        .flat_map(|id| store.list_budgets(id).unwrap())
        .collect();
    assert_eq!(budgets.len(), 3);
    assert_eq!(store.list_budgets_of(&ids).unwrap(), budgets);
    assert!(store.list_usage_of(&[]).unwrap().is_empty());
    assert!(store.list_budgets_of(&[]).unwrap().is_empty());
}

/// Claude Code's `activeForm` travels with the event into the history and the current
/// task; a later event without one clears it; it is part of the event's content.
pub fn active_form_is_kept(store: &dyn Store) {
    let (o, team) = store.create_orchestration(&new_orch("spinner", 1)).unwrap();
    let first = NewTaskEvent {
        active_form: Some("Implementing the flag".into()),
        ..event(&team.id, "1", "in_progress", 1_000, 1)
    };
    store.record_task_event(&first).unwrap();
    let current = store.get_current_tasks(&o.id).unwrap();
    assert_eq!(
        current[0].active_form.as_deref(),
        Some("Implementing the flag")
    );
    let history = store.list_task_events(&o.id).unwrap();
    assert_eq!(
        history[0].active_form.as_deref(),
        Some("Implementing the flag")
    );
    let other_form = NewTaskEvent {
        active_form: Some("Something else".into()),
        ..first.clone()
    };
    assert!(matches!(
        store.record_task_event(&other_form),
        Err(StoreError::ConflictingEvent { .. })
    ));
    assert_eq!(store.record_task_event(&first).unwrap().duplicates, 1);
    store
        .record_task_event(&event(&team.id, "1", "completed", 2_000, 1))
        .unwrap();
    let current = store.get_current_tasks(&o.id).unwrap();
    assert_eq!(current[0].active_form, None);
    assert_eq!(current[0].status, TaskStatus::Completed);
}

/// Teams are found by exact lead session id and by the Claude Code folder linked to
/// them; a folder moves to the team that links it last; deleting the orchestration
/// removes the links.
pub fn claude_folder_links(store: &dyn Store) {
    let session = "8739ce96-1dac-48df-8c52-26613812a012";
    let (o, root) = store
        .create_orchestration(&NewOrchestration {
            lead_session_id: Some(session.into()),
            ..new_orch("linked", 1)
        })
        .unwrap();
    let found = store.find_team_by_lead_session(session).unwrap().unwrap();
    assert_eq!(found.id, root.id);
    for wrong in [
        "8739ce96",
        "session-8739ce96",
        "8739CE96-1DAC-48DF-8C52-26613812A012",
        "",
    ] {
        assert_eq!(
            store.find_team_by_lead_session(wrong).unwrap(),
            None,
            "{wrong}"
        );
    }
    assert_eq!(root.claude_team_dir, None);
    assert_eq!(
        store.find_team_by_claude_dir("session-8739ce96").unwrap(),
        None
    );
    let linked = store
        .link_claude_team_dir(&root.id, "session-8739ce96")
        .unwrap();
    assert_eq!(linked.claude_team_dir.as_deref(), Some("session-8739ce96"));
    assert_eq!(
        store.get_team(&root.id).unwrap().claude_team_dir.as_deref(),
        Some("session-8739ce96")
    );
    let by_dir = store
        .find_team_by_claude_dir("session-8739ce96")
        .unwrap()
        .unwrap();
    assert_eq!(by_dir.id, root.id);
    assert_eq!(
        store.find_team_by_claude_dir("session-8739ce9").unwrap(),
        None
    );
    // Linking again is a no-op; linking the folder to another team moves it.
    store
        .link_claude_team_dir(&root.id, "session-8739ce96")
        .unwrap();
    let p1 = store.register_team(&phase_team(&o, &root, 1)).unwrap();
    store
        .link_claude_team_dir(&p1.id, "session-8739ce96")
        .unwrap();
    assert_eq!(
        store
            .find_team_by_claude_dir("session-8739ce96")
            .unwrap()
            .unwrap()
            .id,
        p1.id
    );
    assert_eq!(store.get_team(&root.id).unwrap().claude_team_dir, None);
    assert!(
        store
            .link_claude_team_dir(&TeamId::from("nope"), "x")
            .unwrap_err()
            .is_not_found()
    );
    store.delete_orchestration(&o.id).unwrap();
    assert_eq!(
        store.find_team_by_claude_dir("session-8739ce96").unwrap(),
        None
    );
    assert_eq!(store.find_team_by_lead_session(session).unwrap(), None);
}

/// Activity entries are appended once per identity and listed oldest first.
pub fn team_activity_is_recorded_once(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("active", 1)).unwrap();
    let p1 = store.register_team(&phase_team(&o, &root, 1)).unwrap();
    let end = NewTeamActivity {
        team_id: p1.id.clone(),
        kind: ActivityKind::SessionEnd,
        session_id: "s-1".into(),
        agent_name: None,
        detail: Some("other".into()),
        recorded_at: 2_000,
    };
    let idle = NewTeamActivity {
        team_id: root.id.clone(),
        kind: ActivityKind::TeammateIdle,
        session_id: "s-0".into(),
        agent_name: Some("implementer".into()),
        detail: None,
        recorded_at: 1_000,
    };
    assert!(store.record_team_activity(&end).unwrap());
    assert!(!store.record_team_activity(&end).unwrap());
    assert!(store.record_team_activity(&idle).unwrap());
    let other_agent = NewTeamActivity {
        agent_name: Some("tester".into()),
        ..idle.clone()
    };
    assert!(store.record_team_activity(&other_agent).unwrap());
    let listed = store.list_team_activity(&o.id).unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0].kind, ActivityKind::TeammateIdle);
    assert_eq!(listed[0].agent_name.as_deref(), Some("implementer"));
    assert_eq!(listed[0].orchestration_id, o.id);
    let last = listed.last().unwrap();
    assert_eq!(
        (last.kind, last.team_id.clone()),
        (ActivityKind::SessionEnd, p1.id.clone())
    );
    assert_eq!(last.agent_name, None);
    assert_eq!(last.detail.as_deref(), Some("other"));
    assert!(
        store
            .record_team_activity(&NewTeamActivity {
                team_id: TeamId::from("nope"),
                ..end
            })
            .unwrap_err()
            .is_not_found()
    );
    store.delete_orchestration(&o.id).unwrap();
    assert!(store.list_team_activity(&o.id).unwrap().is_empty());
}

/// The hierarchy rules of `model::rules`: phase within 1..=total, a parent only with a
/// phase, a new phase team without a parent hangs below the orchestrator team, and the
/// orchestrator team never takes a phase.
pub fn team_hierarchy_rules(store: &dyn Store) {
    let (o, root) = store.create_orchestration(&new_orch("rules", 2)).unwrap();
    for phase in [0, 3, 7] {
        let err = store
            .register_team(&TeamRegistration {
                phase_number: Some(phase),
                ..phase_team(&o, &root, 1)
            })
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::TeamRule(TeamRuleError::PhaseOutOfRange { total: 2, .. })
            ),
            "phase {phase}: {err}"
        );
    }
    let err = store
        .register_team(&TeamRegistration {
            phase_number: None,
            ..phase_team(&o, &root, 1)
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TeamRule(TeamRuleError::ParentWithoutPhase { .. })
        ),
        "{err}"
    );
    // A phase team without a parent is not a second root: it gets the orchestrator team.
    let t = store
        .register_team(&TeamRegistration {
            parent_team_id: None,
            ..phase_team(&o, &root, 2)
        })
        .unwrap();
    assert_eq!(t.parent_team_id.as_ref(), Some(&root.id));
    assert_eq!(t.phase_number, Some(2));
    let err = store
        .register_team(&TeamRegistration {
            team_name: root.team_name.clone(),
            orchestration_id: o.id.clone(),
            parent_team_id: None,
            phase_number: Some(1),
            lead_session_id: None,
        })
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TeamRule(TeamRuleError::OrchestratorTeamTakesPhase { .. })
        ),
        "{err}"
    );
    // Nothing of the refusals was written: one root, one phase team.
    let teams = store.list_teams(&o.id).unwrap();
    assert_eq!(teams.len(), 2, "{teams:?}");
    assert_eq!(
        teams.iter().filter(|t| t.parent_team_id.is_none()).count(),
        1
    );
    // The phase-team registration of a transition obeys the same rules.
    let err = store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: o.id.clone(),
            phase_number: 1,
            expected: None,
            status: PhaseStatus::Executing,
            plan_path: None,
            blocked_reason: None,
            orchestration_status: OrchestrationStatus::Executing,
            register_team: Some(TeamRegistration {
                phase_number: None,
                ..phase_team(&o, &root, 1)
            }),
        })
        .unwrap_err();
    assert!(matches!(err, StoreError::TeamRule(_)), "{err}");
    assert!(store.list_phases(&o.id).unwrap().is_empty());
}

/// Names, ids, paths, branch and reasons are checked by the store itself, and a refusal
/// quotes at most ~120 characters of a huge input.
pub fn store_inputs_are_bounded(store: &dyn Store) {
    let huge = "x".repeat(1 << 20);
    let short = |err: &StoreError| {
        let text = err.to_string();
        assert!(text.len() < 500, "{} bytes: {}", text.len(), &text[..200]);
        assert!(matches!(err, StoreError::Input(_)), "{text}");
    };
    for feature in [
        "../../victim",
        "a/b",
        ".hidden",
        "-rf",
        "esc\u{1b}]0;x\u{7}",
        huge.as_str(),
    ] {
        let err = store
            .create_orchestration(&new_orch(feature, 1))
            .unwrap_err();
        short(&err);
    }
    for bad in [
        NewOrchestration {
            orchestrator_team_name: "../../victim".into(),
            ..new_orch("bounded", 1)
        },
        NewOrchestration {
            lead_session_id: Some(huge.clone()),
            ..new_orch("bounded", 1)
        },
        NewOrchestration {
            design_doc: huge.clone(),
            ..new_orch("bounded", 1)
        },
        NewOrchestration {
            branch: Some("-delete".into()),
            ..new_orch("bounded", 1)
        },
    ] {
        short(&store.create_orchestration(&bad).unwrap_err());
    }
    assert!(store.list_orchestrations().unwrap().is_empty());
    let (o, root) = store.create_orchestration(&new_orch("bounded", 1)).unwrap();
    for bad in [
        TeamRegistration {
            team_name: "../../victim".into(),
            ..phase_team(&o, &root, 1)
        },
        TeamRegistration {
            team_name: "tab\tname".into(),
            ..phase_team(&o, &root, 1)
        },
        TeamRegistration {
            team_name: huge.clone(),
            ..phase_team(&o, &root, 1)
        },
        TeamRegistration {
            lead_session_id: Some(huge.clone()),
            ..phase_team(&o, &root, 1)
        },
        TeamRegistration {
            lead_session_id: Some("../x".into()),
            ..phase_team(&o, &root, 1)
        },
    ] {
        short(&store.register_team(&bad).unwrap_err());
    }
    assert_eq!(store.list_teams(&o.id).unwrap().len(), 1);
    let err = store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: o.id.clone(),
            phase_number: 1,
            expected: None,
            status: PhaseStatus::Blocked,
            plan_path: None,
            blocked_reason: Some(huge.clone()),
            orchestration_status: OrchestrationStatus::Blocked,
            register_team: None,
        })
        .unwrap_err();
    short(&err);
    assert!(store.list_phases(&o.id).unwrap().is_empty());
    // Lookups of huge keys are answered without echoing them.
    let err = store.get_orchestration_by_feature(&huge).unwrap_err();
    assert!(err.is_not_found() && err.to_string().len() < 500);
    let err = store.get_team_by_name(&huge).unwrap_err();
    assert!(err.is_not_found() && err.to_string().len() < 500);
}

/// A blocked orchestration still holds why it stopped: a new one of the same feature
/// replaces it only with `replace`; a complete one is replaced without asking.
pub fn blocked_feature_needs_replace(store: &dyn Store) {
    let (o, _) = store.create_orchestration(&new_orch("stuck", 1)).unwrap();
    store
        .apply_phase_transition(&PhaseTransition {
            orchestration_id: o.id.clone(),
            phase_number: 1,
            expected: None,
            status: PhaseStatus::Blocked,
            plan_path: None,
            blocked_reason: Some("tests fail".into()),
            orchestration_status: OrchestrationStatus::Blocked,
            register_team: None,
        })
        .unwrap();
    assert_eq!(
        store.get_orchestration(&o.id).unwrap().status,
        OrchestrationStatus::Blocked
    );
    let err = store
        .create_orchestration(&new_orch("stuck", 1))
        .unwrap_err();
    assert!(matches!(err, StoreError::FeatureInUse { .. }), "{err}");
    assert!(store.get_orchestration(&o.id).is_ok());
    let (again, _) = store
        .create_orchestration(&NewOrchestration {
            replace: true,
            ..new_orch("stuck", 1)
        })
        .unwrap();
    assert_ne!(again.id, o.id);
}
