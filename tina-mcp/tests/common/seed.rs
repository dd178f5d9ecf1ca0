//! Seeds a temporary TINA home through the library (the same calls the CLI makes), for
//! the in-process tests, the stdio tests and the benchmark.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use tina_session::Config;
use tina_session::lifecycle::{self, InitRequest, Runtime, StartRequest};
use tina_session::model::{NewTaskEvent, TaskStatus, TeamId, TeamMember};
use tina_session::store::Store;

/// What the seed created.
pub struct Seeded {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub feature: String,
    pub orchestration_id: String,
    pub orchestrator_team_id: String,
    pub phase1_team_id: String,
    pub phase1_team_name: String,
    /// A second orchestration, to check that nothing leaks across.
    pub other_feature: String,
    pub other_team_name: String,
    pub other_orchestrator_team_id: String,
}

pub fn event(team: &str, task: &str, status: TaskStatus, at: i64, seq: i64) -> NewTaskEvent {
    NewTaskEvent {
        owner: Some("executor".into()),
        metadata: serde_json::Value::Null,
        ..tina_session::test_support::task_event(&TeamId::from(team), task, status, at, seq)
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// `auth` (2 phases): orchestrator team with tasks 1 (completed) and 2 (in progress);
/// phase 1 team with tasks 1-3 completed, 4 in progress, 5 "needs_review" (an unknown
/// status), one member. `billing` (1 phase) with its orchestrator team only.
pub fn seed(dir: &Path) -> Seeded {
    let config = Config::at(dir.join("tina"), dir.join("claude"));
    std::fs::create_dir_all(&config.tina_home).expect("create tina home");
    let store = config.open_store().expect("open store");
    let design = dir.join("design.md");
    write(&design, "# design\n");
    let plan = dir.join("plan-1.md");
    write(&plan, "# plan 1\n");
    let init = |feature: &str, phases: u32| {
        lifecycle::init(
            &*store,
            &InitRequest {
                feature: feature.into(),
                design_doc: design.clone(),
                repo: None,
                branch: None,
                total_phases: phases,
                no_worktree: true,
                replace: false,
                worktrees_dir: config.worktrees_dir(),
            },
        )
        .expect("init")
    };
    let other = init("billing", 1);
    let auth = init("auth", 2);
    let started = lifecycle::start(
        &*store,
        &StartRequest {
            orchestration: "auth".into(),
            phase: 1,
            plan,
            parent_team_id: Some(auth.team_id.clone()),
            runtime: Runtime::None,
        },
    )
    .expect("start phase 1");
    let now = tina_session::model::now_ms();
    let orch_team = auth.team_id.0.clone();
    let p1 = started.team_id.0.clone();
    let mut events = vec![
        event(&orch_team, "1", TaskStatus::Completed, now, 1),
        event(&orch_team, "2", TaskStatus::InProgress, now, 2),
    ];
    for (i, status) in [
        TaskStatus::Completed,
        TaskStatus::Completed,
        TaskStatus::Completed,
        TaskStatus::InProgress,
        TaskStatus::Other("needs_review".into()),
    ]
    .into_iter()
    .enumerate()
    {
        events.push(event(&p1, &(i + 1).to_string(), status, now, 10 + i as i64));
    }
    store.record_task_events(&events).expect("record events");
    store
        .upsert_team_member(&TeamMember {
            team_id: started.team_id.clone(),
            agent_name: "executor".into(),
            agent_type: Some("phase-executor".into()),
            model: Some("sonnet".into()),
            joined_at: now,
        })
        .expect("member");
    Seeded {
        config,
        store,
        feature: "auth".into(),
        orchestration_id: auth.orchestration_id.0,
        orchestrator_team_id: orch_team,
        phase1_team_id: p1,
        phase1_team_name: started.team_name,
        other_feature: "billing".into(),
        other_team_name: other.team_name,
        other_orchestrator_team_id: other.team_id.0,
    }
}

/// Records the final state of a simulated run of `scenarios/<name>` (the store as the
/// sim runtime leaves it): every phase planned, executed, reviewed and complete, the
/// orchestrator's plan/execute/review tasks and every phase task (fix tasks included)
/// completed, with their owners, dependencies and metadata, and every member joined.
/// Returns the feature name.
pub fn seed_scenario(config: &Config, store: &dyn Store, name: &str) -> String {
    use tina_harness::scenario::Scenario;
    use tina_harness::sim::plan::orchestrator_task_defs;
    use tina_session::lifecycle::PhaseEvent;

    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let scenario = Scenario::load(&scenarios, name).expect("load scenario");
    let script = &scenario.script;
    let work = config.tina_home.join(format!("seed-{name}"));
    std::fs::create_dir_all(&work).expect("seed dir");
    let init = lifecycle::init(
        store,
        &InitRequest {
            feature: script.feature_name.clone(),
            design_doc: scenario.design_doc.clone(),
            repo: None,
            branch: None,
            total_phases: script.total_phases,
            no_worktree: true,
            replace: false,
            worktrees_dir: config.worktrees_dir(),
        },
    )
    .expect("init scenario");
    let now = tina_session::model::now_ms();
    let member = |team: &TeamId, m: &tina_harness::scenario::MemberScript| TeamMember {
        team_id: team.clone(),
        agent_name: m.name.clone(),
        agent_type: Some(m.agent_type.clone()),
        model: Some(m.model.clone()),
        joined_at: now,
    };
    for m in &script.orchestrator.members {
        store
            .upsert_team_member(&member(&init.team_id, m))
            .expect("member");
    }
    let mut seq = 0;
    let mut next_seq = || {
        seq += 1;
        seq
    };
    let orch_events: Vec<_> = orchestrator_task_defs(script.total_phases)
        .into_iter()
        .map(|d| NewTaskEvent {
            metadata: d.metadata(),
            blocked_by: d.blocked_by.clone(),
            owner: Some("team-lead".into()),
            description: d.subject.clone(),
            ..event(
                &init.team_id.0,
                &d.id,
                TaskStatus::Completed,
                now,
                next_seq(),
            )
        })
        .collect();
    store
        .record_task_events(&orch_events)
        .expect("orchestrator tasks");
    for phase in &script.phases {
        let plan = work.join(format!("plan-{}.md", phase.number));
        write(&plan, &phase.plan);
        lifecycle::advance(
            store,
            init.orchestration_id.as_str(),
            phase.number,
            PhaseEvent::Plan,
            None,
        )
        .expect("plan");
        let started = lifecycle::start(
            store,
            &StartRequest {
                orchestration: init.orchestration_id.0.clone(),
                phase: phase.number,
                plan,
                parent_team_id: Some(init.team_id.clone()),
                runtime: Runtime::None,
            },
        )
        .expect("start phase");
        for m in &phase.members {
            store
                .upsert_team_member(&member(&started.team_id, m))
                .expect("member");
        }
        let fixes = phase.failure.iter().flat_map(|f| f.fix_tasks.iter());
        let events: Vec<_> = phase
            .tasks
            .iter()
            .chain(fixes)
            .map(|t| NewTaskEvent {
                subject: t.subject.clone(),
                description: t.description.clone(),
                owner: Some(t.owner.clone()),
                blocked_by: t.blocked_by.clone(),
                metadata: serde_json::json!({}),
                ..event(
                    &started.team_id.0,
                    &t.id,
                    TaskStatus::Completed,
                    now,
                    next_seq(),
                )
            })
            .collect();
        store.record_task_events(&events).expect("phase tasks");
        for e in [PhaseEvent::Review, PhaseEvent::Complete] {
            lifecycle::advance(store, init.orchestration_id.as_str(), phase.number, e, None)
                .expect("advance");
        }
    }
    script.feature_name.clone()
}

/// Subjects and descriptions of realistic length for the generated stores.
fn generated_task(team: &str, i: usize, status: TaskStatus, at: i64, seq: i64) -> NewTaskEvent {
    NewTaskEvent {
        subject: format!("Implement step {i} of the storage migration and its tests"),
        description: format!(
            "Step {i}: change the module, keep the existing behaviour, add unit tests for \
             the new paths and run cargo test for the crate before marking it complete."
        ),
        owner: Some(format!("executor-{}", i % 3)),
        blocked_by: if i > 1 {
            vec![(i - 1).to_string()]
        } else {
            vec![]
        },
        metadata: serde_json::json!({ "estimate": "small" }),
        ..event(team, &i.to_string(), status, at, seq)
    }
}

/// Status of generated task `i` of `n`: the first ~60% completed, then one in progress
/// per 10 tasks, the rest pending; `done` makes every task completed.
fn generated_status(i: usize, n: usize, done: bool) -> TaskStatus {
    if done || i * 10 <= n * 6 {
        TaskStatus::Completed
    } else if i.is_multiple_of(10) || i * 10 <= n * 6 + 10 {
        TaskStatus::InProgress
    } else {
        TaskStatus::Pending
    }
}

/// One orchestration `feature` (2 phases, phase 1 executing) with `orch_tasks`
/// orchestrator tasks and `phase_tasks` phase-1 tasks; `done` completes the phase and
/// every task. Returns the orchestration id.
pub fn seed_generated(
    config: &Config,
    store: &dyn Store,
    feature: &str,
    orch_tasks: usize,
    phase_tasks: usize,
    done: bool,
) -> String {
    let design = config.tina_home.join("design.md");
    if !design.exists() {
        write(&design, "# design\n");
    }
    let plan = config.tina_home.join("plan.md");
    if !plan.exists() {
        write(&plan, "# plan\n");
    }
    let init = lifecycle::init(
        store,
        &InitRequest {
            feature: feature.into(),
            design_doc: design,
            repo: None,
            branch: None,
            total_phases: if done { 1 } else { 2 },
            no_worktree: true,
            replace: false,
            worktrees_dir: config.worktrees_dir(),
        },
    )
    .expect("init");
    let started = lifecycle::start(
        store,
        &StartRequest {
            orchestration: init.orchestration_id.0.clone(),
            phase: 1,
            plan,
            parent_team_id: Some(init.team_id.clone()),
            runtime: Runtime::None,
        },
    )
    .expect("start");
    let now = tina_session::model::now_ms();
    let mut events = Vec::new();
    for i in 1..=orch_tasks {
        let s = generated_status(i, orch_tasks, done);
        events.push(generated_task(&init.team_id.0, i, s, now, i as i64));
    }
    for i in 1..=phase_tasks {
        let s = generated_status(i, phase_tasks, done);
        events.push(generated_task(
            &started.team_id.0,
            i,
            s,
            now,
            (orch_tasks + i) as i64,
        ));
    }
    store.record_task_events(&events).expect("tasks");
    for n in 0..3 {
        store
            .upsert_team_member(&TeamMember {
                team_id: started.team_id.clone(),
                agent_name: format!("executor-{n}"),
                agent_type: Some("phase-executor".into()),
                model: Some("sonnet".into()),
                joined_at: now,
            })
            .expect("member");
    }
    if done {
        use tina_session::lifecycle::PhaseEvent;
        for e in [PhaseEvent::Review, PhaseEvent::Complete] {
            lifecycle::advance(store, init.orchestration_id.as_str(), 1, e, None).expect("advance");
        }
    }
    init.orchestration_id.0
}

/// A store of `n` orchestrations, each with an orchestrator team and a phase team of
/// 20 tasks each (so `2n` teams and `40n` tasks); every other one is complete.
pub fn seed_many(config: &Config, store: &dyn Store, n: usize) {
    for i in 0..n {
        seed_generated(
            config,
            store,
            &format!("feature-{i:04}"),
            20,
            20,
            i % 2 == 1,
        );
    }
}
