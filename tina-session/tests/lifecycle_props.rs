//! Property: whatever sequence of `start` and `advance` calls arrives (in range or not,
//! allowed or not, overlapping phases included), the orchestration's status and current
//! phase never contradict its phases. Runs the real lifecycle over a real SQLite file.
//!
//! The invariant (see the `lifecycle` module doc): at most one phase is open (planning,
//! executing, reviewing, blocked); with one open, the orchestration shows that phase and
//! its status; with none, it is `complete` exactly when every phase is, else `planning`
//! with the last changed phase (a complete one) as current.

use proptest::prelude::*;
use tina_session::lifecycle::{self, PhaseEvent, Runtime, StartRequest, is_open};
use tina_session::model::*;
use tina_session::store::Store;
use tina_session::store::sqlite::SqliteStore;

#[derive(Debug, Clone)]
enum Op {
    Start(u32),
    Advance(u32, PhaseEvent),
}

fn op(total: u32) -> impl Strategy<Value = Op> {
    // Phases 0..=total+1: out-of-range calls are part of the mix.
    let phase = 0..=total + 1;
    prop_oneof![
        phase.clone().prop_map(Op::Start),
        (phase, prop::sample::select(PhaseEvent::ALL.to_vec()))
            .prop_map(|(p, e)| Op::Advance(p, e)),
    ]
}

fn expected_status(phase: PhaseStatus) -> OrchestrationStatus {
    match phase {
        PhaseStatus::Planning => OrchestrationStatus::Planning,
        PhaseStatus::Executing => OrchestrationStatus::Executing,
        PhaseStatus::Reviewing => OrchestrationStatus::Reviewing,
        PhaseStatus::Blocked => OrchestrationStatus::Blocked,
        PhaseStatus::Complete => OrchestrationStatus::Complete,
    }
}

fn check(store: &dyn Store, id: &OrchestrationId, history: &[(Op, bool)]) {
    let orch = store.get_orchestration(id).unwrap();
    let phases = store.list_phases(id).unwrap();
    let open: Vec<&Phase> = phases.iter().filter(|p| is_open(p.status)).collect();
    let ctx = || format!("{orch:?}\n{phases:?}\nafter {history:?}");
    assert!(open.len() <= 1, "two open phases: {}", ctx());
    match open.first() {
        Some(p) => {
            assert_eq!(orch.status, expected_status(p.status), "{}", ctx());
            assert_eq!(orch.current_phase, Some(p.phase_number), "{}", ctx());
            assert_eq!(orch.completed_at, None, "{}", ctx());
        }
        None => {
            let all_complete = phases.len() as u32 == orch.total_phases
                && phases.iter().all(|p| p.status == PhaseStatus::Complete);
            let want = if all_complete {
                OrchestrationStatus::Complete
            } else {
                OrchestrationStatus::Planning
            };
            assert_eq!(orch.status, want, "{}", ctx());
            assert_eq!(orch.completed_at.is_some(), all_complete, "{}", ctx());
            if let Some(current) = orch.current_phase {
                let p = phases.iter().find(|p| p.phase_number == current);
                assert!(
                    p.is_some_and(|p| p.status == PhaseStatus::Complete),
                    "current phase {current} is not a complete phase: {}",
                    ctx()
                );
            } else {
                assert!(phases.is_empty(), "{}", ctx());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn orchestration_status_never_contradicts_its_phases(
        (total, ops) in (1u32..=3).prop_flat_map(|t| (Just(t), prop::collection::vec(op(t), 1..40)))
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("tina.db")).unwrap();
        let plan = dir.path().join("plan.md");
        std::fs::write(&plan, "# plan\n").unwrap();
        let (orch, _) = store
            .create_orchestration(&NewOrchestration {
                feature_name: "prop".into(),
                design_doc: "design.md".into(),
                branch: None,
                worktree_path: None,
                total_phases: total,
                orchestrator_team_name: orchestrator_team_name("prop"),
                lead_session_id: None,
                replace: false,
            })
            .unwrap();
        let mut history = Vec::new();
        let mut accepted = 0;
        for op in ops {
            let ok = match &op {
                Op::Start(phase) => lifecycle::start(
                    &store,
                    &StartRequest {
                        orchestration: "prop".into(),
                        phase: *phase,
                        plan: plan.clone(),
                        parent_team_id: None,
                        runtime: Runtime::None,
                    },
                )
                .is_ok(),
                Op::Advance(phase, event) => lifecycle::advance(
                    &store,
                    "prop",
                    *phase,
                    *event,
                    Some("stuck".into()),
                )
                .is_ok(),
            };
            accepted += usize::from(ok);
            history.push((op, ok));
            check(&store, &orch.id, &history);
        }
        // Every phase team hangs below the one orchestrator team.
        let teams = store.list_teams(&orch.id).unwrap();
        prop_assert_eq!(teams.iter().filter(|t| t.parent_team_id.is_none()).count(), 1);
        prop_assert!(accepted <= history.len());
    }
}

/// The sequence from the issue: phase 2 started while phase 1 executes is refused, so
/// completing phase 1 cannot leave the orchestration "planning, phase 1" while phase 2
/// executes.
#[test]
fn the_reported_overlap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("tina.db")).unwrap();
    let plan = dir.path().join("plan.md");
    std::fs::write(&plan, "# plan\n").unwrap();
    store
        .create_orchestration(&NewOrchestration {
            feature_name: "two".into(),
            design_doc: "design.md".into(),
            branch: None,
            worktree_path: None,
            total_phases: 2,
            orchestrator_team_name: orchestrator_team_name("two"),
            lead_session_id: None,
            replace: false,
        })
        .unwrap();
    let start = |phase| {
        lifecycle::start(
            &store,
            &StartRequest {
                orchestration: "two".into(),
                phase,
                plan: plan.clone(),
                parent_team_id: None,
                runtime: Runtime::None,
            },
        )
    };
    start(1).unwrap();
    let err = start(2).unwrap_err();
    assert!(
        matches!(
            err,
            lifecycle::LifecycleError::PhaseOverlap {
                phase: 2,
                open_phase: 1,
                open_status: PhaseStatus::Executing,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("one at a time"), "{err}");
}
